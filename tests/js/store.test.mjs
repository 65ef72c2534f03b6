// The client's SWR-style store through the real package and real HTTP against the mock
// integrations API (../shared/API.md §8): status() deduplication, getSnapshot() identity,
// subscribe, requestRefresh debouncing, background error retry, polling only while subscribed,
// Node exiting by itself, and dispose(). Run with scripts/test-js.sh.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { IntegrationsClient, IntegrationError } from 'integrations-client';
import { startMockServer, faults } from '../support/mock-server.mjs';
import { waitFor, rejection, assertIntegrationError, clientMaker, runNodeScript } from './support.mjs';

const FAST = Object.freeze({ initialDelay: 1, maxDelay: 5 });
/** The installed package's entry, for child processes (an absolute file: URL). */
const PKG_URL = import.meta.resolve('integrations-client');

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

// `autoRefresh: false` keeps request counts exact.
const makeClient = clientMaker(() => server.url, { autoRefresh: false, logLevel: 'silent', retry: FAST });

const statusCount = () => server.requests({ route: 'status' }).length;

/** Waits until the clock has moved past `ms`, so a later timestamp is strictly greater. */
const clockPast = (ms) => waitFor(() => Date.now() > ms, 'the clock to move on', 1000);

/** The seeded accounts without instagram/account_456: a real change of the status data. */
const withoutSecondInstagram = () => server.accounts().filter((a) => a.accountId !== 'account_456');

/** Nothing fetched yet: no data, no error, so loading (the first render's state). */
function assertIdle(snap) {
  assert.deepEqual(snap.integrations, []);
  assert.deepEqual(snap.byProvider, {});
  assert.equal(snap.isLoading, true);
  assert.equal(snap.isValidating, false);
  assert.equal(snap.data, undefined);
  assert.equal(snap.summary, undefined);
  assert.equal(snap.error, undefined);
  assert.equal(snap.updatedAt, undefined);
}

// ------------------------------------------------------------------------------------------
describe('status(): deduplication', () => {
  test('1 000 concurrent status() calls make exactly 1 request and resolve with the same object', async () => {
    const client = makeClient();
    const results = await Promise.all(Array.from({ length: 1000 }, () => client.status()));
    assert.equal(statusCount(), 1);
    for (const r of results) assert.equal(r, results[0]);
    assert.deepEqual(results[0].integrations, server.accounts());

    // Within dedupingInterval (default 2000 ms): no request, the same object.
    const again = await client.status();
    assert.equal(statusCount(), 1);
    assert.equal(again, results[0]);
  });

  test('status({ force: true }) makes a request even within dedupingInterval', async () => {
    const client = makeClient();
    await client.status();
    assert.equal(statusCount(), 1);
    const forced = await client.status({ force: true });
    assert.equal(statusCount(), 2);
    assert.deepEqual(forced.integrations, server.accounts());
  });

  test('revalidate() and status({ force: true }) while a request is in flight share it', async () => {
    server.fault({ match: { route: 'status' }, action: { delayMs: 150 } });
    const client = makeClient();
    const first = client.status();
    await waitFor(() => statusCount() === 1, 'the first status request to arrive');
    const shared = [client.revalidate(), client.status({ force: true }), client.status()];
    const [a, ...rest] = await Promise.all([first, ...shared]);
    assert.equal(statusCount(), 1);
    for (const r of rest) assert.equal(r, a);
  });

  test('with cache: { dedupingInterval: 0 } every status() call requests', async () => {
    const client = makeClient({ cache: { dedupingInterval: 0 } });
    for (let i = 1; i <= 3; i++) {
      await client.status();
      assert.equal(statusCount(), i);
    }
  });
});

// ------------------------------------------------------------------------------------------
describe('getSnapshot()', () => {
  test('before any data: idle and loading, the same object (and the same integrations array) on every call', () => {
    const client = makeClient();
    const s1 = client.getSnapshot();
    const s2 = client.getSnapshot();
    assert.equal(s1, s2);
    assert.equal(s1.integrations, s2.integrations);
    assertIdle(s1);
    assert.equal(statusCount(), 0);
  });

  test('the snapshot object is frozen, before and after data', async () => {
    const client = makeClient();
    const before = client.getSnapshot();
    assert.ok(Object.isFrozen(before));
    assert.throws(() => { before.isLoading = true; }, TypeError);
    await client.status();
    const after = client.getSnapshot();
    assert.ok(Object.isFrozen(after));
    assert.throws(() => { after.data = undefined; }, TypeError);
    assert.notEqual(after.data, undefined);
  });

  test('during the first request: isLoading and isValidating; after it: data, summary, groups', async () => {
    server.fault({ match: { route: 'status' }, action: { delayMs: 150 } });
    const client = makeClient();
    const p = client.status();
    await waitFor(() => statusCount() === 1, 'the status request to arrive');
    const loading = client.getSnapshot();
    assert.equal(loading.isLoading, true);
    assert.equal(loading.isValidating, true);
    assert.equal(loading.data, undefined);
    assert.deepEqual(loading.integrations, []);
    assert.equal(client.getSnapshot(), loading, 'same object while nothing changes');

    const res = await p;
    const s = client.getSnapshot();
    assert.notEqual(s, loading);
    assert.equal(s.isLoading, false);
    assert.equal(s.isValidating, false);
    assert.equal(s.error, undefined);
    assert.deepEqual(s.data, res);
    assert.deepEqual(s.integrations, server.accounts());
    assert.deepEqual(s.integrations, s.data.integrations);
    assert.deepEqual(s.summary, { total: 5, connected: 4, expired: 1, byProvider: { instagram: 2, linkedin: 1, tiktok: 1, youtube: 1 } });
    assert.equal(typeof s.updatedAt, 'number');
    assert.ok(Number.isFinite(s.updatedAt));

    // byProvider: every provider, each group in the order of `integrations`.
    assert.deepEqual(Object.keys(s.byProvider).sort(), ['instagram', 'linkedin', 'tiktok', 'youtube']);
    for (const provider of Object.keys(s.byProvider)) {
      assert.deepEqual(s.byProvider[provider], s.integrations.filter((a) => a.provider === provider), provider);
    }
    assert.equal(s.byProvider.instagram.length, 2);
    assert.deepEqual(s.byProvider.instagram.map((a) => a.accountId), ['account_123', 'account_456']);
    assert.equal(client.getSnapshot(), s, 'same object while nothing changes');
  });

  test('a revalidation with deep-equal data ends with the very same snapshot object and updatedAt', async () => {
    const client = makeClient();
    await client.status();
    const before = client.getSnapshot();
    await clockPast(before.updatedAt);

    server.fault({ match: { route: 'status' }, action: { delayMs: 100 } });
    const p = client.revalidate();
    await waitFor(() => statusCount() === 2, 'the revalidation request to arrive');
    const during = client.getSnapshot();
    assert.equal(during.isValidating, true);
    assert.equal(during.isLoading, false, 'not loading: there is data');
    assert.deepEqual(during.data, before.data);
    await p;

    const after = client.getSnapshot();
    assert.equal(after, before, 'the very same object');
    assert.equal(after.updatedAt, before.updatedAt);
    assert.equal(after.isValidating, false);
  });

  test('a revalidation with changed data gives a new object and a later updatedAt', async () => {
    const client = makeClient();
    await client.status();
    const before = client.getSnapshot();
    await clockPast(before.updatedAt);

    server.setAccounts(withoutSecondInstagram());
    await client.revalidate();
    const after = client.getSnapshot();
    assert.notEqual(after, before);
    assert.ok(after.updatedAt > before.updatedAt, `${after.updatedAt} > ${before.updatedAt}`);
    assert.equal(after.integrations.length, 4);
    assert.equal(after.summary.total, 4);
    assert.deepEqual(after.byProvider.instagram.map((a) => a.accountId), ['account_123']);
    assert.ok(Object.isFrozen(after));
    // The old snapshot is untouched.
    assert.equal(before.integrations.length, 5);
  });

  test('refreshToken() changes that account in the snapshot: new object, later updatedAt', async () => {
    server.configure({ refreshTtlMs: 7 * 24 * 3_600_000 });
    const client = makeClient();
    await client.status();
    const before = client.getSnapshot();
    const was = before.integrations.find((a) => a.accountId === 'account_123').expiresAt;
    const other = before.integrations.find((a) => a.accountId === 'account_456').expiresAt;
    await clockPast(before.updatedAt);

    const res = await client.refreshToken('instagram', 'account_123');
    await waitFor(() => client.getSnapshot() !== before && !client.getSnapshot().isValidating, 'the store to take the refresh');
    const after = client.getSnapshot();
    assert.ok(after.updatedAt > before.updatedAt, `${after.updatedAt} > ${before.updatedAt}`);
    const acct = after.integrations.find((a) => a.accountId === 'account_123');
    assert.equal(acct.expiresAt, res.expiresAt);
    assert.notEqual(acct.expiresAt, was);
    assert.equal(after.byProvider.instagram.find((a) => a.accountId === 'account_123').expiresAt, res.expiresAt);
    assert.equal(after.integrations.find((a) => a.accountId === 'account_456').expiresAt, other);
  });
});

// ------------------------------------------------------------------------------------------
describe('errors in the store', () => {
  test('a failed revalidation keeps the last good data and sets error; a good one clears it', async () => {
    const client = makeClient({ retry: { maxRetries: 0 } });
    const good = await client.status();
    const before = client.getSnapshot();

    server.fault({ match: { route: 'status' }, action: faults.status(500) });
    const err = await rejection(() => client.revalidate());
    assertIntegrationError(err, { kind: 'http', statusCode: 500 });

    const failed = client.getSnapshot();
    assert.notEqual(failed, before);
    assert.ok(failed.error instanceof IntegrationError, 'snapshot.error is an IntegrationError');
    assert.equal(failed.error.kind, 'http');
    assert.equal(failed.error.statusCode, 500);
    assert.deepEqual(failed.data, good);
    assert.deepEqual(failed.integrations, before.integrations);
    assert.deepEqual(failed.byProvider, before.byProvider);
    assert.equal(failed.updatedAt, before.updatedAt, 'the data did not change');
    assert.equal(failed.isLoading, false);
    assert.equal(failed.isValidating, false);
    assert.ok(Object.isFrozen(failed));

    await client.revalidate();
    const ok = client.getSnapshot();
    assert.equal(ok.error, undefined);
    assert.deepEqual(ok.data, good);
    assert.equal(ok.isValidating, false);
    assert.equal(statusCount(), 3);
  });

  test('a failed first request: error set, no data, not loading; trying again: loading again', async () => {
    const client = makeClient({ retry: { maxRetries: 0 } });
    server.fault({ match: { route: 'status' }, action: faults.status(503), times: 1 });
    const err = await rejection(() => client.status());
    assertIntegrationError(err, { kind: 'http', statusCode: 503 });
    const s = client.getSnapshot();
    assert.ok(s.error instanceof IntegrationError);
    assert.equal(s.error.statusCode, 503);
    assert.equal(s.data, undefined);
    assert.deepEqual(s.integrations, []);
    assert.equal(s.isLoading, false);
    assert.equal(s.isValidating, false);

    server.fault({ match: { route: 'status' }, action: { delayMs: 150 } });
    const again = client.revalidate();
    await waitFor(() => statusCount() === 2, 'the second status request to arrive');
    const during = client.getSnapshot();
    assert.equal(during.isLoading, true, 'no data and a request in flight');
    assert.equal(during.error?.statusCode, 503, 'the error stays shown while it tries again');
    await again;
    assert.equal(client.getSnapshot().isLoading, false);
  });
});

// ------------------------------------------------------------------------------------------
describe('subscribe() / getServerSnapshot()', () => {
  test('listeners are called when the state changes; unsubscribe stops the calls', async () => {
    const client = makeClient({ cache: { refreshInterval: 0 } });
    let a = 0;
    let b = 0;
    const unsubA = client.subscribe(() => { a++; });
    const unsubB = client.subscribe(() => { b++; });
    assert.equal(typeof unsubA, 'function');
    await client.status();
    assert.ok(a >= 1, `listener A called (${a})`);
    assert.ok(b >= 1, `listener B called (${b})`);

    unsubA();
    unsubA(); // a second call is harmless
    const aBefore = a;
    const bBefore = b;
    const snapBefore = client.getSnapshot();
    server.setAccounts(withoutSecondInstagram());
    await client.revalidate();
    assert.notEqual(client.getSnapshot(), snapBefore, 'the state did change');
    assert.equal(a, aBefore, 'unsubscribed listener not called');
    assert.ok(b > bBefore, 'the other listener still called');
    unsubB();
  });

  test('a listener sees the new snapshot when it is called', async () => {
    const client = makeClient({ cache: { refreshInterval: 0 } });
    const seen = [];
    const unsub = client.subscribe(() => { seen.push(client.getSnapshot()); });
    await client.status();
    unsub();
    assert.ok(seen.length >= 1);
    assert.equal(seen.at(-1), client.getSnapshot());
    assert.equal(seen.at(-1).integrations.length, 5);
  });

  test('subscribe() with a non-function throws an IntegrationError', () => {
    const client = makeClient();
    assert.throws(() => client.subscribe('not a function'), (err) => err instanceof IntegrationError);
  });

  test('getServerSnapshot() is a constant idle snapshot, also after data arrives', async () => {
    const client = makeClient();
    const s1 = client.getServerSnapshot();
    assert.equal(client.getServerSnapshot(), s1);
    assertIdle(s1);
    await client.status();
    assert.equal(client.getServerSnapshot(), s1);
    assertIdle(s1);
    assert.notEqual(client.getSnapshot(), s1);
  });
});

// ------------------------------------------------------------------------------------------
describe('requestRefresh()', () => {
  test('5 calls 10 ms apart (debounceMs 50) make exactly 1 status request, all resolve with its data', async () => {
    const client = makeClient({ debounceMs: 50 });
    const promises = [];
    for (let i = 0; i < 5; i++) {
      if (i > 0) await delay(10);
      promises.push(client.requestRefresh());
    }
    const results = await Promise.all(promises);
    assert.equal(statusCount(), 1);
    for (const r of results) assert.equal(r, results[0]);
    assert.deepEqual(results[0].integrations, server.accounts());
  });

  test('two bursts separated by more than debounceMs make 2 requests', async () => {
    const client = makeClient({ debounceMs: 50 });
    const first = [client.requestRefresh(), client.requestRefresh()];
    await Promise.all(first); // the first burst's request is done: its debounce window is over
    assert.equal(statusCount(), 1);
    server.setAccounts(withoutSecondInstagram());
    const second = await Promise.all([client.requestRefresh(), client.requestRefresh()]);
    assert.equal(statusCount(), 2);
    assert.equal(second[0].integrations.length, 4);
    assert.equal(second[1], second[0]);
  });

  test('a failed debounced request rejects every caller with an IntegrationError', async () => {
    server.fault({ match: { route: 'status' }, action: faults.status(500) });
    const client = makeClient({ debounceMs: 20, retry: { maxRetries: 0 } });
    const errors = await Promise.all([1, 2, 3].map(() => rejection(() => client.requestRefresh())));
    assert.equal(statusCount(), 1);
    for (const err of errors) assertIntegrationError(err, { kind: 'http', statusCode: 500 });
  });
});

// ------------------------------------------------------------------------------------------
describe('background error retry (subscribed)', () => {
  test('after a failed status(): exactly errorRetryCount (2) background retries, then none', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(500) });
    const client = makeClient({
      cache: { errorRetryInterval: 20, errorRetryCount: 2, refreshInterval: 0 },
      retry: { maxRetries: 0 },
    });
    const unsub = client.subscribe(() => {});
    await rejection(() => client.status());
    await waitFor(() => statusCount() >= 3, '2 background retries');
    await delay(200);
    assert.equal(statusCount(), 3);
    assert.ok(client.getSnapshot().error instanceof IntegrationError);
    unsub();
  });

  test('a successful background retry clears the error and ends the retries', async () => {
    server.fault({ match: { route: 'status' }, times: 1, action: faults.status(500) });
    const client = makeClient({
      cache: { errorRetryInterval: 20, errorRetryCount: 3, refreshInterval: 0 },
      retry: { maxRetries: 0 },
    });
    const unsub = client.subscribe(() => {});
    await rejection(() => client.status());
    await waitFor(() => client.getSnapshot().data !== undefined, 'the background retry to bring data');
    assert.equal(client.getSnapshot().error, undefined);
    await delay(200);
    assert.equal(statusCount(), 2);
    unsub();
  });

  test('without a subscriber a failed status() is not retried in the background', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(500) });
    const client = makeClient({
      cache: { errorRetryInterval: 20, errorRetryCount: 2, refreshInterval: 0 },
      retry: { maxRetries: 0 },
    });
    await rejection(() => client.status());
    await delay(200);
    assert.equal(statusCount(), 1);
  });
});

// ------------------------------------------------------------------------------------------
describe('polling only while subscribed', () => {
  test('refreshInterval 30: requests keep arriving while subscribed, none after unsubscribe', async () => {
    const client = makeClient({ cache: { refreshInterval: 30 } });
    const unsub = client.subscribe(() => {});
    await waitFor(() => statusCount() >= 2, 'at least 2 polls');
    unsub();
    await waitFor(() => !client.getSnapshot().isValidating, 'the last poll to finish');
    const n = statusCount();
    await delay(150);
    assert.equal(statusCount(), n);
  });

  test('polling goes on while any subscriber is left and stops with the last one', async () => {
    const client = makeClient({ cache: { refreshInterval: 30 } });
    const unsubA = client.subscribe(() => {});
    const unsubB = client.subscribe(() => {});
    await waitFor(() => statusCount() >= 1, 'a first poll');
    unsubA();
    const afterA = statusCount();
    await waitFor(() => statusCount() >= afterA + 2, 'polls with one subscriber left');
    unsubB();
    await waitFor(() => !client.getSnapshot().isValidating, 'the last poll to finish');
    const n = statusCount();
    await delay(150);
    assert.equal(statusCount(), n);
  });

  test('a client that was never subscribed does not poll', async () => {
    const client = makeClient({ cache: { refreshInterval: 30 } });
    await client.status();
    await delay(150);
    assert.equal(statusCount(), 1);
  });
});

// ------------------------------------------------------------------------------------------
describe('a Node script exits by itself', () => {
  /** Runs `body` in a child `node --input-type=module -e`; kills it after `timeoutMs`. */
  function runScript(body, timeoutMs = 10_000) {
    const script = [
      `const { IntegrationsClient } = await import(${JSON.stringify(PKG_URL)});`,
      `const baseUrl = ${JSON.stringify(server.url)};`,
      body,
      `console.log('SCRIPT_END');`,
    ].join('\n');
    return runNodeScript(script, { timeoutMs });
  }

  function assertExited(r) {
    assert.equal(r.killed, false, `still running after 10 s; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.equal(r.code, 0, `exit code; stderr: ${r.stderr}`);
    assert.match(r.stdout, /SCRIPT_END/);
  }

  test('status, refreshToken, disconnect, then the script ends: exit code 0', async () => {
    const r = await runScript(`
      const client = new IntegrationsClient({ baseUrl, autoRefresh: false, logLevel: 'silent' });
      const s = await client.status();
      if (s.integrations.length !== 5) throw new Error('expected 5 accounts');
      await client.refreshToken('instagram', 'account_123');
      await client.disconnect('instagram', 'account_456');
    `);
    assertExited(r);
    assert.equal(server.requests({ route: 'refresh' }).length, 1);
    assert.equal(server.requests({ route: 'disconnect' }).length, 1);
  });

  test('subscribe, unsubscribe, then the script ends: exit code 0', async () => {
    const r = await runScript(`
      const client = new IntegrationsClient({ baseUrl, autoRefresh: false, logLevel: 'silent' });
      const unsubscribe = client.subscribe(() => {});
      await client.status();
      unsubscribe();
    `);
    assertExited(r);
    assert.ok(statusCount() >= 1);
  });

  test('a failed status() (no subscriber), then the script ends: exit code 0', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(500) });
    const r = await runScript(`
      const client = new IntegrationsClient({ baseUrl, autoRefresh: false, logLevel: 'silent', retry: { maxRetries: 0 } });
      const err = await client.status().then(() => undefined, (e) => e);
      if (!err || err.kind !== 'http') throw new Error('expected an http error, got ' + err);
    `);
    assertExited(r);
  });

  test('a status() aborted during a long backoff: the script exits at once, no second attempt', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const r = await runScript(`
      const client = new IntegrationsClient({ baseUrl, autoRefresh: false, logLevel: 'silent',
        retry: { maxRetries: 1, initialDelay: 60000, maxDelay: 60000, jitter: 'none' } });
      const ac = new AbortController();
      const p = client.status({ signal: ac.signal });
      setTimeout(() => ac.abort(), 300);
      const err = await p.then(() => undefined, (e) => e);
      if (!err || err.kind !== 'aborted') throw new Error('expected an aborted error, got ' + err);
    `);
    assertExited(r);
    assert.equal(statusCount(), 1);
  });

  test('with default options (autoRefresh on): status then the script ends: exit code 0', async () => {
    const r = await runScript(`
      const client = new IntegrationsClient({ baseUrl, logLevel: 'silent' });
      await client.status();
    `);
    assertExited(r);
  });
});

// ------------------------------------------------------------------------------------------
describe('dispose()', () => {
  test('later calls reject (or throw, for subscribe) with invalid_input and make no request', async () => {
    const client = makeClient();
    client.dispose();
    const calls = {
      status: () => client.status(),
      'status({ force })': () => client.status({ force: true }),
      revalidate: () => client.revalidate(),
      connect: () => client.connect('tiktok'),
      disconnect: () => client.disconnect('instagram', 'account_123'),
      refreshToken: () => client.refreshToken('instagram', 'account_123'),
      refreshIfNeeded: () => client.refreshIfNeeded('instagram', 'account_123'),
      refreshExpiring: () => client.refreshExpiring(),
      requestRefresh: () => client.requestRefresh(),
    };
    for (const [name, call] of Object.entries(calls)) {
      const err = await rejection(call);
      assert.ok(err instanceof IntegrationError, `${name}: expected an IntegrationError, got ${err}`);
      assert.equal(err.kind, 'invalid_input', name);
    }
    assert.throws(() => client.subscribe(() => {}), (err) => err instanceof IntegrationError && err.kind === 'invalid_input');
    await delay(50);
    assert.equal(server.requests().length, 0);
  });

  test('dispose() twice does not throw', () => {
    const client = makeClient();
    client.dispose();
    assert.doesNotThrow(() => client.dispose());
  });

  test('a pending requestRefresh() rejects with an IntegrationError and never requests', async () => {
    const client = makeClient({ debounceMs: 50 });
    const p = client.requestRefresh();
    client.dispose();
    const err = await rejection(() => p);
    assert.ok(err instanceof IntegrationError, `expected an IntegrationError, got ${err}`);
    await delay(150);
    assert.equal(statusCount(), 0);
  });

  test('an operation waiting in its backoff when dispose() is called settles and makes no further request', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const client = makeClient({ retry: { maxRetries: 1, initialDelay: 300, maxDelay: 300, jitter: 'none' } });
    const p = client.status();
    p.catch(() => {});
    await waitFor(() => statusCount() === 1, 'the first attempt');
    await waitFor(() => client.getSnapshot().isValidating, 'the store to show the request'); // still in flight
    client.dispose();
    const err = await rejection(() => p);
    assert.ok(err instanceof IntegrationError, `expected an IntegrationError, got ${err}`);
    assert.equal(statusCount(), 1, 'no attempt after dispose()');
    await delay(500); // past the 300 ms backoff: a timer left running would make its attempt now
    assert.equal(statusCount(), 1, 'no attempt after dispose()');
  });

  test('status({ signal }) aborted during its backoff makes no further attempt', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const client = makeClient({ retry: { maxRetries: 1, initialDelay: 300, maxDelay: 300, jitter: 'none' } });
    const ac = new AbortController();
    const p = client.status({ signal: ac.signal });
    p.catch(() => {});
    await waitFor(() => statusCount() === 1, 'the first attempt');
    ac.abort();
    const err = await rejection(() => p);
    assertIntegrationError(err, { kind: 'aborted' });
    await delay(500); // past the 300 ms backoff: a timer left running would make its attempt now
    assert.equal(statusCount(), 1, 'no attempt after the abort');
  });

  test('a subscribed, polling client makes no request after dispose()', async () => {
    const client = makeClient({ cache: { refreshInterval: 30 } });
    client.subscribe(() => {});
    await waitFor(() => {
      const s = client.getSnapshot();
      return statusCount() >= 1 && s.data !== undefined && !s.isValidating;
    }, 'a finished poll');
    client.dispose(); // same tick as the check above: no poll can start in between
    const n = statusCount();
    await delay(150);
    assert.equal(statusCount(), n);
  });
});
