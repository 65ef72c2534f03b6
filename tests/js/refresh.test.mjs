// Token refresh, disconnect and the store through the real package and real HTTP against the mock
// integrations API (../shared/API.md §8). Run with scripts/test-js.sh.
//
// The mock's seeded accounts: instagram/account_123 expires in 2 min, instagram/account_456 in
// 30 days, tiktok/tt_789 in 10 days, youtube/yt_channel_1 expired 1 h ago, linkedin/li_42 has no
// expiresAt. With the default 5-minute refresh window, account_123 and yt_channel_1 are due.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrationsClient, IntegrationError } from 'integrations-client';
import { startMockServer, faults } from '../support/mock-server.mjs';
import { rejection, assertIntegrationError, waitFor, clientMaker } from './support.mjs';

const FAST = Object.freeze({ initialDelay: 1, maxDelay: 5 });
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DUE = ['instagram/account_123', 'youtube/yt_channel_1'];

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

// No auto-refresh and no status cache keep request counts exact unless a test asks otherwise
// (`{ autoRefresh: undefined }` gives the default); a quiet logger keeps the output readable.
const makeClient = clientMaker(() => server.url, {
  autoRefresh: false, cache: { dedupingInterval: 0 }, logger: () => {}, retry: FAST,
});

/** A settled client: no request of the store in flight. */
const idle = (client) => waitFor(() => !client.getSnapshot().isValidating, 'the store to be idle');

const key = (a) => `${a.provider}/${a.accountId}`;
const byKey = (list) => new Map(list.map((a) => [key(a), a]));
const counts = () => ({
  status: server.requests({ route: 'status' }).length,
  refresh: server.requests({ route: 'refresh' }).length,
});

/** `count` accounts of one provider, all expiring `inMs` from now. */
const dueAccounts = (count, inMs = MINUTE, provider = 'instagram') => {
  const expiresAt = new Date(Date.now() + inMs).toISOString();
  return Array.from({ length: count }, (_, i) => ({
    provider, accountId: `due_${i}`, accountName: `@due${i}`, status: 'connected', expiresAt,
  }));
};

/** A `fetch` that records when each request is sent and answered, and how many are in flight. */
function recordingFetch() {
  const rec = { events: [], inFlight: 0, maxInFlight: 0 };
  rec.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const tail = decodeURIComponent(new URL(url).pathname.split('/').pop());
    rec.events.push(`send ${tail}`);
    rec.inFlight++;
    rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
    try {
      return await globalThis.fetch(input, init);
    } finally {
      rec.inFlight--;
      rec.events.push(`answer ${tail}`);
    }
  };
  return rec;
}

// ------------------------------------------------------------------------------------------
describe('refreshToken: single flight per account, parallel across accounts', () => {
  test('1 000 concurrent refreshToken(instagram, account_123) -> exactly 1 request, one answer for all', async () => {
    const client = makeClient();
    const all = await Promise.all(Array.from({ length: 1000 }, () => client.refreshToken('instagram', 'account_123')));
    assert.equal(server.requests({ route: 'refresh' }).length, 1);
    assert.equal(server.requests().length, 1);
    const [first] = all;
    assert.equal(first.success, true);
    assert.equal(first.provider, 'instagram');
    assert.equal(first.accountId, 'account_123');
    assert.ok(Number.isFinite(Date.parse(first.expiresAt)));
    assert.equal(new Set(all.map((r) => r.expiresAt)).size, 1, 'every caller sees the same expiresAt');
    for (const r of all) assert.deepEqual(r, first);
    // Single flight, not a cache: once it has settled, the next call makes a new request.
    await client.refreshToken('instagram', 'account_123');
    assert.equal(server.requests({ route: 'refresh' }).length, 2);
  });

  test('two accounts of one provider refresh in parallel (both sent before either is answered)', async () => {
    const DELAY = 300;
    for (const accountId of ['account_123', 'account_456']) {
      server.fault({ match: { route: 'refresh', accountId }, times: 1, action: { delayMs: DELAY } });
    }
    const rec = recordingFetch();
    const client = makeClient({ fetch: rec.fetch });
    const [a, b] = await Promise.all([
      client.refreshToken('instagram', 'account_123'),
      client.refreshToken('instagram', 'account_456'),
    ]);
    assert.equal(a.accountId, 'account_123');
    assert.equal(b.accountId, 'account_456');
    const reqs = server.requests({ route: 'refresh' });
    assert.deepEqual(reqs.map((r) => r.accountId).sort(), ['account_123', 'account_456']);
    // Event order at the client: both requests went out before the first answer came back.
    assert.deepEqual(rec.events.slice(0, 2).map((e) => e.split(' ')[0]), ['send', 'send'], rec.events.join(', '));
    // And at the server: the mock answers a delayed request no earlier than DELAY ms after it
    // arrived, so a client that waited for the first answer could not have sent the second one
    // earlier than that.
    const [r1, r2] = [...reqs].sort((x, y) => x.seq - y.seq);
    assert.ok(r2.at < r1.at + DELAY, `second request arrived ${r2.at - r1.at} ms after the first`);
  });

  test('the same accountId under two providers is two flights', async () => {
    server.setAccounts([...server.accounts(), { provider: 'tiktok', accountId: 'account_123', accountName: '@t', status: 'connected' }]);
    const client = makeClient();
    const [a, b] = await Promise.all([
      client.refreshToken('instagram', 'account_123'),
      client.refreshToken('tiktok', 'account_123'),
    ]);
    assert.equal(a.provider, 'instagram');
    assert.equal(b.provider, 'tiktok');
    assert.deepEqual(server.requests({ route: 'refresh' }).map((r) => r.provider).sort(), ['instagram', 'tiktok']);
  });
});

// ------------------------------------------------------------------------------------------
describe('refreshToken keeps the store and tokens in step', () => {
  test("updates that account's expiresAt in the store, and only that account's", async () => {
    server.configure({ refreshTtlMs: 7 * DAY });
    const client = makeClient();
    await client.status();
    const before = client.getSnapshot().integrations;
    assert.equal(before.length, 5);
    const res = await client.refreshToken('instagram', 'account_123');
    const after = byKey(client.getSnapshot().integrations);
    assert.equal(after.size, 5);
    assert.equal(after.get('instagram/account_123').expiresAt, res.expiresAt);
    assert.notEqual(res.expiresAt, byKey(before).get('instagram/account_123').expiresAt);
    for (const a of before) {
      if (key(a) !== 'instagram/account_123') assert.deepEqual(after.get(key(a)), a, `${key(a)} untouched`);
    }
    // The snapshot's groups agree with its list.
    const ig = client.getSnapshot().byProvider.instagram;
    assert.equal(ig.find((a) => a.accountId === 'account_123').expiresAt, res.expiresAt);
    assert.equal(ig.find((a) => a.accountId === 'account_456').expiresAt, byKey(before).get('instagram/account_456').expiresAt);
  });

  test("updates the account's entry in client.tokens when one exists, and creates none", async () => {
    const client = makeClient();
    const old123 = Date.now() + 2 * MINUTE;
    const old456 = Date.now() + 30 * DAY;
    client.tokens.setToken('instagram', 'account_123', { accessToken: 'at_123', refreshToken: 'rt_123', expiresAt: old123 });
    client.tokens.setToken('instagram', 'account_456', { accessToken: 'at_456', expiresAt: old456 });
    await client.status();
    // Read before the refresh too: what getToken keeps must not outlive the client's write.
    assert.equal(client.tokens.getToken('instagram', 'account_123').expiresAt.getTime(), old123);
    const res = await client.refreshToken('instagram', 'account_123');
    const e = client.tokens.getToken('instagram', 'account_123');
    assert.equal(e.expiresAt.getTime(), Date.parse(res.expiresAt));
    assert.notEqual(e.expiresAt.getTime(), old123);
    assert.equal(e.accessToken, 'at_123', 'the token text is kept');
    assert.equal(e.refreshToken, 'rt_123');
    const other = client.tokens.getToken('instagram', 'account_456');
    assert.equal(other.expiresAt.getTime(), old456);
    assert.equal(other.accessToken, 'at_456');
    // No entry for an account that had none.
    await client.refreshToken('youtube', 'yt_channel_1');
    assert.equal(client.tokens.getToken('youtube', 'yt_channel_1'), undefined);
    assert.equal(client.tokens.size, 2);
  });

  for (const [label, action, attempts] of [['500 on every attempt', faults.status(500), 4], ['404', faults.status(404), 1]]) {
    test(`a failed refresh (${label}) leaves the account's data and token as they were`, async () => {
      const client = makeClient();
      const tokenExpiry = Date.now() + 2 * MINUTE;
      client.tokens.setToken('instagram', 'account_123', { accessToken: 'at_123', expiresAt: tokenExpiry });
      await client.status();
      const before = structuredClone(client.getSnapshot().integrations);
      server.fault({ match: { route: 'refresh' }, times: -1, action });
      const err = await rejection(() => client.refreshToken('instagram', 'account_123'));
      assertIntegrationError(err, { kind: 'http', statusCode: action.status, attempts, provider: 'instagram', accountId: 'account_123' });
      assert.equal(server.requests({ route: 'refresh' }).length, attempts);
      assert.deepEqual(client.getSnapshot().integrations, before);
      assert.equal(client.tokens.getToken('instagram', 'account_123').expiresAt.getTime(), tokenExpiry);
      assert.equal(client.tokens.getToken('instagram', 'account_123').accessToken, 'at_123');
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('refreshIfNeeded', () => {
  test('resolves undefined without a request for accounts outside the window (account_456, tt_789, li_42)', async () => {
    const client = makeClient();
    await client.status();
    assert.equal(await client.refreshIfNeeded('instagram', 'account_456'), undefined);
    assert.equal(await client.refreshIfNeeded('tiktok', 'tt_789'), undefined);
    assert.equal(await client.refreshIfNeeded('linkedin', 'li_42'), undefined, 'no expiresAt: nothing to refresh');
    assert.equal(server.requests({ route: 'refresh' }).length, 0);
  });

  test('refreshes account_123 (expires in 2 min): exactly 1 request', async () => {
    const client = makeClient();
    await client.status();
    const res = await client.refreshIfNeeded('instagram', 'account_123');
    assert.equal(res?.success, true);
    assert.equal(res.provider, 'instagram');
    assert.equal(res.accountId, 'account_123');
    assert.deepEqual(server.requests({ route: 'refresh' }).map(key), ['instagram/account_123']);
  });

  test('with refreshWindowMs 0 only the already expired youtube account is refreshed', async () => {
    const client = makeClient({ refreshWindowMs: 0 });
    const res = await client.status();
    const results = [];
    for (const a of res.integrations) results.push([key(a), await client.refreshIfNeeded(a.provider, a.accountId)]);
    assert.deepEqual(results.filter(([, r]) => r !== undefined).map(([k]) => k), ['youtube/yt_channel_1']);
    assert.deepEqual(server.requests({ route: 'refresh' }).map(key), ['youtube/yt_channel_1']);
  });

  test('uses client.tokens when the store does not know the account', async () => {
    const client = makeClient();
    client.tokens.setToken('tiktok', 'tt_789', { accessToken: 'x', expiresAt: Date.now() + MINUTE });
    client.tokens.setToken('instagram', 'account_456', { accessToken: 'y', expiresAt: Date.now() + DAY });
    assert.equal(await client.refreshIfNeeded('instagram', 'account_456'), undefined);
    const res = await client.refreshIfNeeded('tiktok', 'tt_789');
    assert.equal(res?.accountId, 'tt_789');
    assert.deepEqual(server.requests({ route: 'refresh' }).map(key), ['tiktok/tt_789']);
  });
});

// ------------------------------------------------------------------------------------------
describe('refreshExpiring', () => {
  test('refreshes exactly account_123 and yt_channel_1, resolves { refreshed, failed: [] }, then one status request', async () => {
    const client = makeClient();
    await client.status();
    assert.deepEqual(counts(), { status: 1, refresh: 0 });
    const res = await client.refreshExpiring();
    assert.deepEqual(Object.keys(res).sort(), ['deferred', 'failed', 'refreshed']);
    assert.deepEqual(res.failed, []);
    assert.equal(res.refreshed.length, 2);
    assert.deepEqual(res.refreshed.map(key).sort(), DUE);
    for (const r of res.refreshed) assert.equal(r.success, true);
    assert.deepEqual(server.requests({ route: 'refresh' }).map(key).sort(), DUE);
    await waitFor(() => counts().status >= 2, 'the revalidation');
    await idle(client);
    assert.deepEqual(counts(), { status: 2, refresh: 2 });
    // The revalidation comes after the refreshes.
    const log = server.requests();
    assert.deepEqual(log.map((r) => r.route), ['status', 'refresh', 'refresh', 'status']);
  });

  test('10 due accounts: at most 4 refresh requests in flight at once (and 4 are used)', async () => {
    const DELAY = 200;
    server.setAccounts(dueAccounts(10));
    server.fault({ match: { route: 'refresh' }, times: -1, action: { delayMs: DELAY } });
    const rec = recordingFetch();
    const client = makeClient({ fetch: rec.fetch });
    await client.status();
    const res = await client.refreshExpiring();
    assert.equal(res.refreshed.length, 10);
    assert.deepEqual(res.failed, []);
    const reqs = server.requests({ route: 'refresh' });
    assert.equal(reqs.length, 10);
    assert.equal(new Set(reqs.map((r) => r.accountId)).size, 10);
    // Client side, exact: the injected fetch counts requests between send and answer. The status
    // requests are never concurrent with the refreshes (one before, the revalidation after).
    assert.equal(rec.maxInFlight, 4, `max in flight ${rec.maxInFlight}`);
    // Server side, from the log alone: the mock answers each refresh no earlier than DELAY ms after
    // it arrived. With at most 4 in flight, the (k+4)-th arrival must wait until one of the 4
    // before it was answered, so it comes at least DELAY ms after the k-th arrival (10 ms of slack
    // for timer rounding). A pool of 5 or more would send the 5th at once and fail this.
    const at = reqs.map((r) => r.at).sort((x, y) => x - y);
    for (let k = 0; k + 4 < at.length; k++) {
      assert.ok(at[k + 4] - at[k] >= DELAY - 10, `arrivals ${k} and ${k + 4} are ${at[k + 4] - at[k]} ms apart`);
    }
  });

  test('failures are in `failed` and do not reject; the others are refreshed', async () => {
    server.setAccounts(dueAccounts(10));
    server.fault(
      { match: { route: 'refresh', accountId: 'due_2' }, times: -1, action: faults.status(404) },
      { match: { route: 'refresh', accountId: 'due_5' }, times: -1, action: faults.status(404) },
      { match: { route: 'refresh', accountId: 'due_7' }, times: -1, action: faults.status(500) },
    );
    const client = makeClient();
    await client.status();
    const before = byKey(client.getSnapshot().integrations);
    const res = await client.refreshExpiring();
    assert.equal(res.refreshed.length, 7);
    assert.equal(res.failed.length, 3);
    for (const err of res.failed) assert.ok(err instanceof IntegrationError);
    assert.deepEqual(res.failed.map((e) => e.accountId).sort(), ['due_2', 'due_5', 'due_7']);
    assert.deepEqual(res.failed.map((e) => e.statusCode).sort(), [404, 404, 500]);
    assert.equal(res.failed.find((e) => e.accountId === 'due_7').attempts, 4);
    assert.deepEqual(res.refreshed.map((r) => r.accountId).sort(), ['due_0', 'due_1', 'due_3', 'due_4', 'due_6', 'due_8', 'due_9']);
    // 7 successes + 2 × 1 (404) + 1 × 4 (500) attempts.
    assert.equal(server.requests({ route: 'refresh' }).length, 13);
    await waitFor(() => counts().status >= 2, 'the revalidation');
    await idle(client);
    assert.equal(counts().status, 2, 'one revalidation');
    // The failed accounts keep their old expiresAt.
    const after = byKey(client.getSnapshot().integrations);
    for (const id of ['due_2', 'due_5', 'due_7']) {
      assert.equal(after.get(`instagram/${id}`).expiresAt, before.get(`instagram/${id}`).expiresAt);
    }
  });

  test('nothing due: resolves { refreshed: [], failed: [] } without a refresh request', async () => {
    server.setAccounts(dueAccounts(3, 10 * DAY));
    const client = makeClient();
    await client.status();
    const res = await client.refreshExpiring();
    assert.deepEqual(res.refreshed, []);
    assert.deepEqual(res.failed, []);
    assert.equal(counts().refresh, 0);
  });
});

// ------------------------------------------------------------------------------------------
describe('autoRefresh', () => {
  test('a status() starts refreshExpiring in the background: 2 refreshes, 1 revalidation, then no loop', async () => {
    // Refreshed tokens come back still inside the 5-minute window: a client that ran
    // refreshExpiring after its own revalidation would refresh them again, forever.
    server.configure({ refreshTtlMs: MINUTE });
    const client = makeClient({ autoRefresh: undefined });
    const res = await client.status();
    assert.equal(res.integrations.length, 5);
    await waitFor(() => counts().refresh >= 2 && counts().status >= 2, '2 refresh requests and a second status request');
    await idle(client);
    const seen = server.requests().length;
    await new Promise((resolve) => setTimeout(resolve, 300)); // a quiet period: checking for absence
    assert.deepEqual(counts(), { status: 2, refresh: 2 });
    assert.equal(server.requests().length, seen);
    assert.deepEqual(server.requests({ route: 'refresh' }).map(key).sort(), DUE);
    assert.deepEqual(server.requests().map((r) => r.route), ['status', 'refresh', 'refresh', 'status']);
    // The store has the refreshed expiries.
    const snap = byKey(client.getSnapshot().integrations);
    for (const k of DUE) assert.ok(Date.parse(snap.get(k).expiresAt) > Date.now(), `${k} refreshed in the store`);
  });

  test('autoRefresh: false makes no refresh request after a status()', async () => {
    const client = makeClient({ autoRefresh: false });
    await client.status();
    await new Promise((resolve) => setTimeout(resolve, 300)); // a quiet period: checking for absence
    assert.deepEqual(counts(), { status: 1, refresh: 0 });
  });

  test('a failing background refresh is logged at warn/error, never an unhandled rejection', async () => {
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      server.fault({ match: { route: 'refresh', accountId: 'account_123' }, times: -1, action: faults.status(500) });
      const logs = [];
      const client = makeClient({ autoRefresh: true, logger: (entry) => logs.push(entry) });
      const res = await client.status();
      assert.equal(res.integrations.length, 5);
      const failure = () => logs.find((e) => (e.level === 'warn' || e.level === 'error') && e.accountId === 'account_123');
      await waitFor(() => failure() !== undefined, 'the failure log entry');
      await waitFor(() => counts().status >= 2, 'the revalidation');
      await idle(client);
      // Let any rejection that nobody handled surface (Node reports them after the microtask queue).
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
      const entry = failure();
      assert.equal(entry.provider, 'instagram');
      assert.equal(entry.statusCode, 500);
      assert.equal(server.requests({ route: 'refresh', accountId: 'account_123' }).length, 4);
      assert.equal(server.requests({ route: 'refresh', accountId: 'yt_channel_1' }).length, 1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

// ------------------------------------------------------------------------------------------
describe('several accounts of one provider (the seed scenarios)', () => {
  /** connect() and complete the OAuth hop the way a browser would; returns the new accountId. */
  async function connectInstagram(client) {
    const { authUrl } = await client.connect('instagram');
    const res = await fetch(authUrl);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.provider, 'instagram');
    return body.accountId;
  }

  test('connect two Instagram accounts: both in status() with distinct ids', async () => {
    const client = makeClient();
    const before = await client.status();
    const a = await connectInstagram(client);
    const b = await connectInstagram(client);
    assert.deepEqual([a, b], ['instagram_acct_1', 'instagram_acct_2']);
    const res = await client.status({ force: true });
    const ig = res.integrations.filter((x) => x.provider === 'instagram');
    assert.deepEqual(ig.map((x) => x.accountId).sort(), ['account_123', 'account_456', 'instagram_acct_1', 'instagram_acct_2']);
    assert.equal(new Set(ig.map((x) => x.id)).size, 4, 'distinct ids');
    assert.equal(res.summary.byProvider.instagram, 4);
    assert.equal(client.getSnapshot().byProvider.instagram.length, 4);
    // The accounts that were there are as they were.
    const now = byKey(res.integrations);
    for (const x of before.integrations) assert.deepEqual(now.get(key(x)), x);
  });

  test('disconnect one of them: only the other new one remains, the pre-existing ones untouched', async () => {
    const client = makeClient();
    const before = await client.status();
    const a = await connectInstagram(client);
    const b = await connectInstagram(client);
    await client.status({ force: true });
    const res = await client.disconnect('instagram', a);
    assert.equal(res.accountId, a);
    await idle(client);
    const after = await client.status({ force: true });
    const ig = after.integrations.filter((x) => x.provider === 'instagram').map((x) => x.accountId).sort();
    assert.deepEqual(ig, ['account_123', 'account_456', b]);
    const now = byKey(after.integrations);
    for (const x of before.integrations) assert.deepEqual(now.get(key(x)), x, `${key(x)} untouched`);
    assert.deepEqual(client.getSnapshot().integrations.map(key).filter((k) => k.startsWith('instagram/')).sort(),
      ['instagram/account_123', 'instagram/account_456', `instagram/${b}`]);
  });

  test("refresh one of them: only its expiresAt moves", async () => {
    const client = makeClient();
    await connectInstagram(client);
    const b = await connectInstagram(client);
    const before = await client.status({ force: true });
    server.configure({ refreshTtlMs: 7 * DAY });
    const r = await client.refreshToken('instagram', b);
    const after = await client.status({ force: true });
    const was = byKey(before.integrations);
    for (const x of after.integrations) {
      if (key(x) === `instagram/${b}`) {
        assert.equal(x.expiresAt, r.expiresAt);
        assert.notEqual(x.expiresAt, was.get(key(x)).expiresAt);
      } else {
        assert.equal(x.expiresAt, was.get(key(x)).expiresAt, `${key(x)} unchanged`);
      }
    }
    assert.equal(byKey(client.getSnapshot().integrations).get(`instagram/${b}`).expiresAt, r.expiresAt);
  });
});

// ------------------------------------------------------------------------------------------
describe('disconnect and the store', () => {
  const ids = (client) => client.getSnapshot().integrations.map(key);

  test('removes the account from getSnapshot() synchronously, before any await',
    async () => {
      const client = makeClient();
      await client.status();
      const p = client.disconnect('instagram', 'account_123');
      const now = ids(client); // synchronously, right after the call
      await p;
      assert.ok(!now.includes('instagram/account_123'), `still there right after the call: ${now}`);
      assert.ok(now.includes('instagram/account_456'));
    });

  test('the account is gone from the store while the request is in flight; the others stay', async () => {
    server.fault({ match: { route: 'disconnect' }, times: 1, action: { delayMs: 300 } });
    const client = makeClient();
    await client.status();
    const before = client.getSnapshot().integrations;
    const p = client.disconnect('instagram', 'account_123');
    await waitFor(() => server.requests({ route: 'disconnect' }).length === 1, 'the disconnect request to arrive');
    const snap = client.getSnapshot();
    assert.deepEqual(snap.integrations, before.filter((a) => key(a) !== 'instagram/account_123'));
    assert.deepEqual(snap.byProvider.instagram.map((a) => a.accountId), ['account_456']);
    await p;
  });

  for (const [label, action, attempts] of [['404', faults.status(404), 1], ['500 on every attempt', faults.status(500), 4]]) {
    test(`restores the account when the request fails (${label})`, async () => {
      server.fault({ match: { route: 'disconnect' }, times: -1, action: { ...action, delayMs: 100 } });
      const client = makeClient();
      client.tokens.setToken('instagram', 'account_123', { accessToken: 'at_123', expiresAt: Date.now() + HOUR });
      await client.status();
      const before = structuredClone(client.getSnapshot().integrations);
      const p = client.disconnect('instagram', 'account_123');
      await waitFor(() => server.requests({ route: 'disconnect' }).length === 1, 'the disconnect request to arrive');
      assert.ok(!ids(client).includes('instagram/account_123'), 'removed while in flight');
      const err = await rejection(() => p);
      assertIntegrationError(err, { kind: 'http', statusCode: action.status, attempts, provider: 'instagram', accountId: 'account_123' });
      assert.equal(server.requests({ route: 'disconnect' }).length, attempts);
      assert.deepEqual(client.getSnapshot().integrations, before, 'restored');
      assert.deepEqual(client.getSnapshot().byProvider.instagram.map((a) => a.accountId), ['account_123', 'account_456']);
      assert.equal(client.tokens.getToken('instagram', 'account_123')?.accessToken, 'at_123', 'the token stays');
    });
  }

  test('revalidates after success: exactly one extra status request', async () => {
    const client = makeClient();
    await client.status();
    await client.disconnect('instagram', 'account_123');
    await waitFor(() => counts().status >= 2, 'the revalidation');
    await idle(client);
    assert.equal(counts().status, 2);
    const log = server.requests().map((r) => r.route);
    assert.deepEqual(log, ['status', 'disconnect', 'status']);
    assert.deepEqual(ids(client), ['instagram/account_456', 'linkedin/li_42', 'tiktok/tt_789', 'youtube/yt_channel_1']);
  });

  test("removes the account's entry from client.tokens, leaving the other instagram account's token", async () => {
    const client = makeClient();
    client.tokens.setToken('instagram', 'account_123', { accessToken: 'at_123', expiresAt: Date.now() + HOUR });
    client.tokens.setToken('instagram', 'account_456', { accessToken: 'at_456', expiresAt: Date.now() + DAY });
    client.tokens.setToken('tiktok', 'account_123', { accessToken: 'tt_123', expiresAt: Date.now() + DAY });
    await client.status();
    await client.disconnect('instagram', 'account_123');
    assert.equal(client.tokens.getToken('instagram', 'account_123'), undefined);
    assert.equal(client.tokens.getToken('instagram', 'account_456')?.accessToken, 'at_456');
    assert.equal(client.tokens.getToken('tiktok', 'account_123')?.accessToken, 'tt_123', 'same accountId, other provider');
    assert.equal(client.tokens.size, 2);
    await idle(client);
  });
});
