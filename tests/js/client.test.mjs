// The client through the real package and real HTTP against the mock integrations API
// (../shared/API.md §2, §5, §6, §8). Run with scripts/test-js.sh.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  IntegrationsClient,
  IntegrationError,
  isIntegrationError,
  createIntegrationError,
  fetchWithRetry,
  DEFAULT_RETRY_CONFIG,
} from 'integrations-client';
import { startMockServer, faults } from '../support/mock-server.mjs';
import { rejection, assertIntegrationError, clientMaker } from './support.mjs';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const FAST = Object.freeze({ initialDelay: 1, maxDelay: 5 });

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

// No cache and no auto-refresh: each call is one operation, counted at the server.
const makeClient = clientMaker(() => server.url, { autoRefresh: false, cache: { dedupingInterval: 0 }, retry: FAST });

const segmentAfter = (path, prefix) => {
  assert.ok(path.startsWith(prefix), `${path} starts with ${prefix}`);
  return path.slice(prefix.length);
};

// ------------------------------------------------------------------------------------------
describe('status', () => {
  test('returns the 5 seeded accounts, two instagram with distinct accountIds (envelope)', async () => {
    const res = await makeClient().status();
    assert.equal(res.integrations.length, 5);
    assert.deepEqual(res.integrations, server.accounts());
    assert.deepEqual(res.summary, { total: 5, connected: 4, expired: 1, byProvider: { instagram: 2, linkedin: 1, tiktok: 1, youtube: 1 } });
    const ig = res.integrations.filter((a) => a.provider === 'instagram');
    assert.equal(ig.length, 2);
    assert.notEqual(ig[0].accountId, ig[1].accountId);
    assert.deepEqual(ig.map((a) => a.accountId).sort(), ['account_123', 'account_456']);
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('works with a bare payload (no envelope)', async () => {
    server.configure({ envelope: false });
    const res = await makeClient().status();
    assert.equal(res.integrations.length, 5);
    assert.deepEqual(res.integrations, server.accounts());
    assert.equal(res.summary.total, 5);
    assert.ok(!('success' in res) && !('data' in res), 'the payload itself, not an envelope');
  });

  test('the envelope is unwrapped: no success/data/correlationId in the result', async () => {
    const res = await makeClient().status();
    assert.deepEqual(Object.keys(res).sort(), ['integrations', 'summary']);
  });

  test('GET carries accept: application/json and a uuid v4 x-correlation-id, no idempotency-key', async () => {
    await makeClient().status();
    const [req] = server.requests({ route: 'status' });
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/api/integrations/status');
    assert.equal(req.headers.accept, 'application/json');
    assert.match(req.headers['x-correlation-id'], UUID_V4);
    assert.equal(req.headers['idempotency-key'], undefined);
  });

  test('each operation gets a fresh correlation id', async () => {
    const client = makeClient();
    await client.status({ force: true });
    await client.status({ force: true });
    const ids = server.requests({ route: 'status' }).map((r) => r.headers['x-correlation-id']);
    assert.equal(ids.length, 2);
    assert.notEqual(ids[0], ids[1]);
  });
});

// ------------------------------------------------------------------------------------------
describe('connect / disconnect / refreshToken', () => {
  test('connect: POST /connect/{provider} with uuid v4 idempotency-key and correlation id', async () => {
    const res = await makeClient().connect('tiktok');
    const reqs = server.requests({ route: 'connect' });
    assert.equal(reqs.length, 1);
    const [req] = reqs;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/integrations/connect/tiktok');
    assert.equal(req.provider, 'tiktok');
    assert.equal(req.headers.accept, 'application/json');
    assert.match(req.headers['x-correlation-id'], UUID_V4);
    assert.match(req.headers['idempotency-key'], UUID_V4);
    assert.deepEqual(Object.keys(res).sort(), ['authUrl', 'expiresAt', 'state']);
    assert.ok(res.authUrl.startsWith(`${server.url}/oauth/authorize?`));
    assert.equal(new URL(res.authUrl).searchParams.get('state'), res.state);
  });

  test('connect with { redirectUri } sends the JSON body { redirectUri }', async () => {
    const redirectUri = 'http://app.test/done?x=1';
    await makeClient().connect('youtube', { redirectUri });
    const [req] = server.requests({ route: 'connect' });
    assert.deepEqual(req.body, { redirectUri });
    assert.match(req.headers['content-type'] ?? '', /^application\/json/);
  });

  test('disconnect: DELETE /{provider}/{accountId} removes exactly that account', async () => {
    const client = makeClient();
    const res = await client.disconnect('instagram', 'account_123');
    assert.deepEqual(res, { success: true, provider: 'instagram', accountId: 'account_123', message: 'Disconnected' });
    const reqs = server.requests({ route: 'disconnect' });
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0].method, 'DELETE');
    assert.equal(reqs[0].path, '/api/integrations/instagram/account_123');
    assert.match(reqs[0].headers['idempotency-key'], UUID_V4);
    assert.match(reqs[0].headers['x-correlation-id'], UUID_V4);
    assert.equal(reqs[0].headers.accept, 'application/json');

    const after = await client.status({ force: true });
    assert.deepEqual(after.integrations.filter((a) => a.provider === 'instagram').map((a) => a.accountId), ['account_456']);
    assert.equal(after.integrations.length, 4);
    assert.equal(server.accounts().length, 4);
  });

  test('refreshToken: POST /refresh/{provider}/{accountId} moves only that account\'s expiresAt', async () => {
    const client = makeClient();
    const before = await client.status();
    server.configure({ refreshTtlMs: 7 * 24 * 3_600_000 });
    const res = await client.refreshToken('instagram', 'account_123');
    assert.equal(res.success, true);
    assert.equal(res.provider, 'instagram');
    assert.equal(res.accountId, 'account_123');
    const reqs = server.requests({ route: 'refresh' });
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0].method, 'POST');
    assert.equal(reqs[0].path, '/api/integrations/refresh/instagram/account_123');
    assert.match(reqs[0].headers['idempotency-key'], UUID_V4);
    assert.match(reqs[0].headers['x-correlation-id'], UUID_V4);

    const after = await client.status({ force: true });
    const key = (a) => `${a.provider}/${a.accountId}`;
    const was = new Map(before.integrations.map((a) => [key(a), a.expiresAt]));
    for (const a of after.integrations) {
      if (key(a) === 'instagram/account_123') {
        assert.equal(a.expiresAt, res.expiresAt);
        assert.notEqual(a.expiresAt, was.get(key(a)));
      } else {
        assert.equal(a.expiresAt, was.get(key(a)), `${key(a)} unchanged`);
      }
    }
  });

  test('two operations get distinct idempotency keys and correlation ids', async () => {
    const client = makeClient();
    await client.refreshToken('instagram', 'account_123');
    await client.refreshToken('instagram', 'account_123');
    const reqs = server.requests({ route: 'refresh' });
    assert.equal(reqs.length, 2);
    assert.notEqual(reqs[0].headers['idempotency-key'], reqs[1].headers['idempotency-key']);
    assert.notEqual(reqs[0].headers['x-correlation-id'], reqs[1].headers['x-correlation-id']);
  });
});

// ------------------------------------------------------------------------------------------
describe('encoding and input validation', () => {
  const WEIRD = 'a/b?c#d%e f é';

  test('an accountId with / ? # % space é reaches the server decoded exactly', async () => {
    server.setAccounts([...server.accounts(), { provider: 'instagram', accountId: WEIRD, accountName: 'weird', status: 'connected' }]);
    const client = makeClient();
    const r = await client.refreshToken('instagram', WEIRD);
    assert.equal(r.accountId, WEIRD);
    const d = await client.disconnect('instagram', WEIRD);
    assert.equal(d.accountId, WEIRD);

    const [refresh] = server.requests({ route: 'refresh' });
    const [del] = server.requests({ route: 'disconnect' });
    assert.equal(refresh.accountId, WEIRD);
    assert.equal(del.accountId, WEIRD);
    for (const [req, prefix] of [[refresh, '/api/integrations/refresh/instagram/'], [del, '/api/integrations/instagram/']]) {
      const seg = segmentAfter(req.path, prefix);
      assert.doesNotMatch(seg, /[/?#]/);
      assert.match(seg, /^[A-Za-z0-9\-_.~%]+$/);
      assert.equal(decodeURIComponent(seg), WEIRD);
    }
    assert.equal(server.accounts().some((a) => a.accountId === WEIRD), false);
    // The other instagram accounts are untouched.
    assert.equal(server.accounts().filter((a) => a.provider === 'instagram').length, 2);
  });

  test("every byte outside A-Z a-z 0-9 - _ . ~ is percent-encoded (also ! ' ( ) *)", async () => {
    const id = "it's(*)!~x_y-z.+,;=:@&$";
    await assert.rejects(makeClient().refreshToken('instagram', id), { kind: 'http', statusCode: 404 });
    const [req] = server.requests({ route: 'refresh' });
    assert.equal(req.accountId, id);
    const seg = segmentAfter(req.path, '/api/integrations/refresh/instagram/');
    assert.match(seg, /^[A-Za-z0-9\-_.~%]+$/);
    assert.equal(decodeURIComponent(seg), id);
  });

  test('boundary inputs are accepted: 64-char provider, 256-char accountId (JS length)', async () => {
    const client = makeClient();
    const p64 = 'a'.repeat(64);
    await client.connect(p64);
    assert.equal(server.requests({ route: 'connect' })[0].provider, p64);
    for (const id of ['x'.repeat(256), 'é'.repeat(256), '😀'.repeat(128)]) {
      await assert.rejects(client.refreshToken('instagram', id), { kind: 'http', statusCode: 404 });
    }
    assert.deepEqual(server.requests({ route: 'refresh' }).map((r) => r.accountId), ['x'.repeat(256), 'é'.repeat(256), '😀'.repeat(128)]);
    // Single-character and dot-containing ids that are not exactly '.' or '..' are fine.
    for (const id of ['a', '...', '.a', 'a.']) {
      await assert.rejects(client.refreshToken('instagram', id), { kind: 'http', statusCode: 404 });
    }
    assert.equal(server.requests({ route: 'refresh' }).length, 7);
  });

  const badProviders = ['', 'Instagram', 'a/b', 'a'.repeat(65), 42, '-abc', '_abc', 'in stagram', undefined, null];
  for (const provider of badProviders) {
    test(`provider ${JSON.stringify(String(provider)).slice(0, 30)} (${typeof provider}) rejects with invalid_input, no request`, async () => {
      const client = makeClient();
      const calls = [
        () => client.connect(provider),
        () => client.disconnect(provider, 'account_123'),
        () => client.refreshToken(provider, 'account_123'),
      ];
      for (const call of calls) {
        const err = await rejection(call);
        assertIntegrationError(err, { kind: 'invalid_input', attempts: 0, retryable: false });
        await assert.rejects(() => call(), { kind: 'invalid_input', attempts: 0 });
      }
      assert.equal(server.requests().length, 0);
    });
  }

  const badAccountIds = ['', '.', '..', 'x'.repeat(257), '😀'.repeat(129), 42, undefined, null, {}];
  for (const accountId of badAccountIds) {
    test(`accountId ${JSON.stringify(String(accountId)).slice(0, 30)} (${typeof accountId}) rejects with invalid_input, no request`, async () => {
      const client = makeClient();
      const calls = [
        () => client.disconnect('instagram', accountId),
        () => client.refreshToken('instagram', accountId),
      ];
      for (const call of calls) {
        const err = await rejection(call);
        assertIntegrationError(err, { kind: 'invalid_input', attempts: 0, retryable: false });
        assert.ok(typeof err.message === 'string' && err.message.length > 0);
        await assert.rejects(() => call(), { kind: 'invalid_input', attempts: 0 });
      }
      assert.equal(server.requests().length, 0);
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('retry', () => {
  for (const n of [1, 2, 3]) {
    test(`status: ${n} x 503 then success -> exactly ${n + 1} requests, one correlation id`, async () => {
      server.fault({ match: { route: 'status' }, times: n, action: faults.status(503) });
      const res = await makeClient().status();
      assert.equal(res.integrations.length, 5);
      const reqs = server.requests({ route: 'status' });
      assert.equal(reqs.length, n + 1);
      const ids = new Set(reqs.map((r) => r.headers['x-correlation-id']));
      assert.equal(ids.size, 1);
      assert.match([...ids][0], UUID_V4);
    });
  }

  for (const [name, route, call] of [
    ['connect', 'connect', (c) => c.connect('tiktok')],
    ['disconnect', 'disconnect', (c) => c.disconnect('instagram', 'account_456')],
    ['refreshToken', 'refresh', (c) => c.refreshToken('instagram', 'account_456')],
  ]) {
    test(`${name}: 2 x 503 then success -> 3 requests with the same correlation id and idempotency-key`, async () => {
      server.fault({ match: { route }, times: 2, action: faults.status(503) });
      await call(makeClient());
      const reqs = server.requests({ route });
      assert.equal(reqs.length, 3);
      const cids = new Set(reqs.map((r) => r.headers['x-correlation-id']));
      const keys = new Set(reqs.map((r) => r.headers['idempotency-key']));
      assert.equal(cids.size, 1);
      assert.equal(keys.size, 1);
      assert.match([...cids][0], UUID_V4);
      assert.match([...keys][0], UUID_V4);
    });
  }

  for (const code of [408, 429, 500, 502, 503, 504]) {
    test(`${code} is retried: default maxRetries 3 -> 4 attempts, then kind http`, async () => {
      server.fault({ match: { route: 'status' }, times: -1, action: faults.status(code) });
      const err = await rejection(() => makeClient().status());
      assertIntegrationError(err, { kind: 'http', statusCode: code, retryable: true, attempts: 4 });
      assert.equal(server.requests({ route: 'status' }).length, 4);
      assert.match(err.message, new RegExp(`Injected ${code}`));
    });
  }

  test('maxRetries is honoured (maxRetries 1 -> 2 attempts; 0 -> 1 attempt)', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    let err = await rejection(() => makeClient({ retry: { maxRetries: 1 } }).status());
    assertIntegrationError(err, { attempts: 2, statusCode: 503 });
    assert.equal(server.requests({ route: 'status' }).length, 2);
    server.reset();
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    err = await rejection(() => makeClient({ retry: { maxRetries: 0 } }).status());
    assertIntegrationError(err, { attempts: 1, statusCode: 503 });
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('a custom retryableStatusCodes list replaces the default', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const err = await rejection(() => makeClient({ retry: { retryableStatusCodes: [500] } }).status());
    assertIntegrationError(err, { attempts: 1, statusCode: 503, kind: 'http' });
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  for (const code of [400, 401, 403, 404, 422]) {
    test(`${code} fails after exactly 1 attempt with the server's message and userMessage`, async () => {
      server.fault({
        match: { route: 'disconnect' },
        times: -1,
        action: {
          status: code,
          json: { error: { type: 'custom_type', message: `dev message ${code}`, userMessage: `Friendly ${code}.`, statusCode: code, retryable: false, details: { field: 'x' } } },
        },
      });
      const err = await rejection(() => makeClient().disconnect('instagram', 'account_123'));
      assertIntegrationError(err, {
        kind: 'http', statusCode: code, retryable: false, attempts: 1,
        userMessage: `Friendly ${code}.`, type: 'custom_type', provider: 'instagram', accountId: 'account_123',
      });
      assert.match(err.message, new RegExp(`dev message ${code}`));
      assert.deepEqual(err.details, { field: 'x' });
      assert.equal(server.requests({ route: 'disconnect' }).length, 1);
    });
  }

  test('404 in the envelope form (the mock default) also fails at once with the server message', async () => {
    const err = await rejection(() => makeClient().refreshToken('instagram', 'nope'));
    assertIntegrationError(err, { kind: 'http', statusCode: 404, retryable: false, attempts: 1, type: 'not_found', userMessage: 'No instagram account nope' });
    assert.match(err.message, /No instagram account nope/);
    assert.equal(server.requests({ route: 'refresh' }).length, 1);
  });

  test('network reset is retried and counted; success on the third attempt', async () => {
    server.fault({ match: { route: 'status' }, times: 2, action: faults.reset() });
    const res = await makeClient().status();
    assert.equal(res.integrations.length, 5);
    assert.equal(server.requests({ route: 'status' }).length, 3);
  });

  test('network reset on every attempt -> kind network, retryable, attempts 4', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.reset() });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'network', retryable: true, attempts: 4 });
    assert.equal(err.statusCode, undefined);
    assert.equal(server.requests({ route: 'status' }).length, 4);
  });

  test('a hang past timeoutMs -> kind timeout, retried, attempts counted', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.hang() });
    const err = await rejection(() => makeClient({ timeoutMs: 200, retry: { maxRetries: 2 } }).status());
    assertIntegrationError(err, { kind: 'timeout', retryable: true, attempts: 3 });
    assert.equal(server.requests({ route: 'status' }).length, 3);
  });

  test('one hang then success: the timed-out attempt is retried', async () => {
    server.fault({ match: { route: 'status' }, times: 1, action: faults.hang() });
    const res = await makeClient({ timeoutMs: 200 }).status();
    assert.equal(res.integrations.length, 5);
    assert.equal(server.requests({ route: 'status' }).length, 2);
  });

  test("Retry-After '0' (seconds) is retried", async () => {
    server.fault({ match: { route: 'status' }, times: 1, action: faults.retryAfter(0) });
    const res = await makeClient({ retry: { maxRetries: 1 } }).status();
    assert.equal(res.integrations.length, 5);
    assert.equal(server.requests({ route: 'status' }).length, 2);
  });

  test("Retry-After '1' on every attempt -> fails with retryAfterMs 1000 after maxRetries + 1", async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.retryAfter(1) });
    const err = await rejection(() => makeClient({ retry: { maxRetries: 1 } }).status());
    assertIntegrationError(err, { kind: 'http', statusCode: 429, attempts: 2, retryAfterMs: 1000, retryable: true });
    assert.equal(server.requests({ route: 'status' }).length, 2);
  });

  test('Retry-After as an HTTP-date in the past or now is retried', async () => {
    server.fault({ match: { route: 'status' }, times: 1, action: faults.retryAfter(new Date(Date.now() - 5000)) });
    const res = await makeClient({ retry: { maxRetries: 1 } }).status();
    assert.equal(res.integrations.length, 5);
    assert.equal(server.requests({ route: 'status' }).length, 2);
  });

  test('Retry-After beyond maxRetryAfter (seconds) fails at once with retryAfterMs', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.retryAfter(120) });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'http', statusCode: 429, attempts: 1, retryAfterMs: 120_000 });
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('Retry-After beyond a custom maxRetryAfter fails at once (1 s > 500 ms)', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.retryAfter(1) });
    const err = await rejection(() => makeClient({ retry: { maxRetryAfter: 500 } }).status());
    assertIntegrationError(err, { kind: 'http', statusCode: 429, attempts: 1, retryAfterMs: 1000 });
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('Retry-After as an HTTP-date beyond maxRetryAfter fails at once with retryAfterMs', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.retryAfter(new Date(Date.now() + 120_000)) });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'http', statusCode: 429, attempts: 1 });
    assert.equal(typeof err.retryAfterMs, 'number');
    // An HTTP-date has 1 s resolution: 120 s ahead, give or take the rounding and the run time.
    assert.ok(err.retryAfterMs > 100_000 && err.retryAfterMs <= 121_000, `retryAfterMs ${err.retryAfterMs}`);
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  for (const [label, when] of [['seconds', () => 30], ['an HTTP-date', () => new Date(Date.now() + 30_000)]]) {
    test(`Retry-After (${label}) is waited for: no second attempt before it; an abort then ends the wait`, { timeout: 5000 }, async () => {
      server.fault({ match: { route: 'status' }, times: -1, action: faults.retryAfter(when()) });
      const ac = new AbortController();
      let responded;
      const seen = new Promise((resolve) => { responded = resolve; });
      const client = makeClient({
        retry: { maxRetries: 1, jitter: 'none' },
        fetch: async (...args) => { const r = await globalThis.fetch(...args); responded(); return r; },
      });
      const p = client.status({ signal: ac.signal });
      await seen;
      // A client that ignored Retry-After (initialDelay 1 ms) would make its second attempt now,
      // fail with kind 'http' and never see the abort.
      setTimeout(() => ac.abort(), 300);
      const err = await rejection(() => p);
      assertIntegrationError(err, { kind: 'aborted', retryable: false });
      assert.equal(server.requests({ route: 'status' }).length, 1);
    });
  }

  test('abort during a long backoff rejects with kind aborted promptly', { timeout: 5000 }, async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const ac = new AbortController();
    let responded;
    const seen = new Promise((resolve) => { responded = resolve; });
    const client = makeClient({
      retry: { initialDelay: 60_000, maxDelay: 60_000, jitter: 'none' },
      // A fully buffered response, so that the client is in its 60 s backoff right after it.
      fetch: async (...args) => {
        const r = await globalThis.fetch(...args);
        const buffered = new Response(await r.arrayBuffer(), { status: r.status, statusText: r.statusText, headers: r.headers });
        responded();
        return buffered;
      },
    });
    const p = client.status({ signal: ac.signal });
    await seen;
    // Only a 60 s wait can follow; the test's 5 s timeout fails it if the abort does not end it.
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(() => p);
    assertIntegrationError(err, { kind: 'aborted', retryable: false });
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('abort during a hanging request rejects with kind aborted (not timeout), not retried', { timeout: 5000 }, async () => {
    server.fault({ match: { route: 'refresh' }, times: -1, action: faults.hang() });
    const ac = new AbortController();
    const client = makeClient({ timeoutMs: 0 });
    const p = client.refreshToken('instagram', 'account_123', { signal: ac.signal });
    while (server.requests({ route: 'refresh' }).length === 0) await new Promise((r) => setImmediate(r));
    ac.abort();
    const err = await rejection(() => p);
    assertIntegrationError(err, { kind: 'aborted', retryable: false, attempts: 1 });
    assert.equal(server.requests({ route: 'refresh' }).length, 1);
  });

  test('an already-aborted signal makes no request', async () => {
    const client = makeClient();
    const signal = AbortSignal.abort();
    for (const call of [
      () => client.status({ signal }),
      () => client.connect('tiktok', { signal }),
      () => client.disconnect('instagram', 'account_123', { signal }),
      () => client.refreshToken('instagram', 'account_123', { signal }),
    ]) {
      const err = await rejection(call);
      assertIntegrationError(err, { kind: 'aborted', retryable: false, attempts: 0 });
    }
    assert.equal(server.requests().length, 0);
    assert.equal(server.accounts().length, 5);
  });
});

// ------------------------------------------------------------------------------------------
describe('invalid responses', () => {
  test('invalid JSON -> invalid_response, not retried', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.invalidJson() });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1, statusCode: 200 });
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('wrong shape -> invalid_response with details.path, not retried', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.wrongShape() });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1 });
    assert.equal(err.details?.path, 'integrations');
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  for (const envelope of [true, false]) {
    test(`integrations[3].status bad (${envelope ? 'envelope' : 'bare'}) -> details.path 'integrations[3].status'`, async () => {
      server.configure({ envelope });
      // Sorted order: instagram x2, linkedin, tiktok, youtube; index 3 is tiktok.
      server.setAccounts(server.accounts().map((a) => (a.accountId === 'tt_789' ? { ...a, status: 'paused' } : a)));
      const err = await rejection(() => makeClient().status());
      assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1 });
      assert.equal(err.details?.path, 'integrations[3].status');
      assert.match(err.message, /integrations\[3\]\.status/);
      assert.equal(server.requests({ route: 'status' }).length, 1);
    });
  }

  test('a json fault with a bad summary -> details.path names it', async () => {
    const good = { integrations: server.accounts(), summary: { total: 5, connected: 4, expired: 1, byProvider: { instagram: 2 } } };
    server.fault({ match: { route: 'status' }, action: { status: 200, json: { ...good, summary: { ...good.summary, total: '5' } } } });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1 });
    assert.equal(err.details?.path, 'summary.total');
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('wrong shapes for the write operations -> invalid_response, not retried', async () => {
    server.fault(
      { match: { route: 'disconnect' }, times: -1, action: faults.wrongShape() },
      { match: { route: 'refresh' }, times: -1, action: { status: 200, json: { success: true, provider: 'instagram', accountId: 'account_123', expiresAt: 'soon' } } },
    );
    const client = makeClient();
    let err = await rejection(() => client.disconnect('instagram', 'account_123'));
    assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1 });
    err = await rejection(() => client.refreshToken('instagram', 'account_123'));
    assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1 });
    assert.equal(err.details?.path, 'expiresAt');
    assert.equal(server.requests({ route: 'disconnect' }).length, 1);
    assert.equal(server.requests({ route: 'refresh' }).length, 1);
  });

  test('an envelope with success:false -> kind http with the envelope error\'s message and statusCode', async () => {
    server.fault({
      match: { route: 'status' }, times: -1,
      action: { status: 200, json: { success: false, error: { type: 'quota', message: 'Quota exceeded', userMessage: 'You have reached your limit.', statusCode: 409, retryable: false, details: { limit: 5 } }, correlationId: 'c', timestamp: new Date().toISOString() } },
    });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'http', statusCode: 409, userMessage: 'You have reached your limit.', type: 'quota', retryable: false, attempts: 1, details: { limit: 5 } });
    assert.match(err.message, /Quota exceeded/);
    assert.equal(server.requests({ route: 'status' }).length, 1);
  });

  test('an envelope with success:false and no error.statusCode takes the response status', async () => {
    server.fault({
      match: { route: 'connect' }, times: -1,
      action: { status: 200, json: { success: false, error: { type: 'nope', message: 'Provider disabled', userMessage: 'Not available.' }, correlationId: 'c', timestamp: new Date().toISOString() } },
    });
    const err = await rejection(() => makeClient().connect('tiktok'));
    assertIntegrationError(err, { kind: 'http', statusCode: 200, userMessage: 'Not available.', type: 'nope' });
    assert.match(err.message, /Provider disabled/);
    assert.equal(server.requests({ route: 'connect' }).length, 1);
  });

  test('an HTML 500 page: message contains the status text, retried', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.html(500) });
    const err = await rejection(() => makeClient().status());
    assertIntegrationError(err, { kind: 'http', statusCode: 500, retryable: true, attempts: 4 });
    assert.match(err.message, /Internal Server Error/);
    assert.equal(typeof err.userMessage, 'string');
    assert.ok(err.userMessage.length > 0);
    assert.doesNotMatch(err.userMessage, /<html>/);
    assert.equal(server.requests({ route: 'status' }).length, 4);
  });

  test('an HTML 500 page then success resolves', async () => {
    server.fault({ match: { route: 'status' }, times: 1, action: faults.html(500) });
    const res = await makeClient().status();
    assert.equal(res.integrations.length, 5);
    assert.equal(server.requests({ route: 'status' }).length, 2);
  });

  for (const authUrl of ['javascript:alert(1)', 'data:text/html,hi', '/oauth/authorize?x=1', 'not a url']) {
    test(`connect whose authUrl is ${JSON.stringify(authUrl)} -> invalid_response`, async () => {
      server.fault({
        match: { route: 'connect' }, times: -1,
        action: { status: 200, json: { authUrl, state: 's', expiresAt: new Date(Date.now() + 600_000).toISOString() } },
      });
      const err = await rejection(() => makeClient().connect('tiktok'));
      assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1 });
      assert.equal(server.requests({ route: 'connect' }).length, 1);
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('errors', () => {
  test('IntegrationError: instanceof, name, isIntegrationError, toJSON, correlationId = header', async () => {
    server.fault({ match: { route: 'refresh' }, times: -1, action: faults.status(403) });
    const err = await rejection(() => makeClient().refreshToken('tiktok', 'tt_789'));
    assert.ok(err instanceof IntegrationError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'IntegrationError');
    assert.equal(isIntegrationError(err), true);
    assert.equal(typeof err.stack, 'string');
    const json = JSON.parse(JSON.stringify(err));
    assert.equal(json.kind, 'http');
    assert.equal(json.message, err.message);
    assert.ok(json.message.length > 0);
    assert.equal(json.correlationId, err.correlationId);
    assert.equal(json.provider, 'tiktok');
    assert.equal(json.accountId, 'tt_789');
    assert.equal(json.statusCode, 403);
    const [req] = server.requests({ route: 'refresh' });
    assert.match(err.correlationId, UUID_V4);
    assert.equal(err.correlationId, req.headers['x-correlation-id']);
  });

  test('isIntegrationError is false for a plain Error, null, {}, and look-alikes', () => {
    for (const v of [new Error('x'), null, undefined, {}, { name: 'IntegrationError', kind: 'http' }, 'IntegrationError', 0]) {
      assert.equal(isIntegrationError(v), false);
    }
    assert.equal(new Error('x') instanceof IntegrationError, false);
    assert.equal({} instanceof IntegrationError, false);
  });

  test('the correlation id of a retried failure equals the header of every attempt', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(502) });
    const err = await rejection(() => makeClient({ retry: { maxRetries: 2 } }).status());
    const reqs = server.requests({ route: 'status' });
    assert.equal(reqs.length, 3);
    for (const r of reqs) assert.equal(r.headers['x-correlation-id'], err.correlationId);
  });

  test('an invalid_input error also has a uuid v4 correlationId and a userMessage', async () => {
    const err = await rejection(() => makeClient().connect('Bad'));
    assert.match(err.correlationId, UUID_V4);
    assert.equal(typeof err.userMessage, 'string');
    assert.ok(err.userMessage.length > 0);
  });
});

// ------------------------------------------------------------------------------------------
describe('options', () => {
  const badOptions = [
    ["baseUrl 'ftp://x'", { baseUrl: 'ftp://x' }],
    ["baseUrl 'not a url'", { baseUrl: 'not a url' }],
    ["baseUrl 'javascript:alert(1)'", { baseUrl: 'javascript:alert(1)' }],
    ["basePath 'api'", { basePath: 'api' }],
    ["basePath '/a/../b'", { basePath: '/a/../b' }],
    ['retry.maxRetries -1', { retry: { maxRetries: -1 } }],
    ['retry.initialDelay NaN', { retry: { initialDelay: NaN } }],
    ['retry.maxDelay Infinity', { retry: { maxDelay: Infinity } }],
    ['retry.maxDelay < initialDelay', { retry: { maxDelay: 10, initialDelay: 20 } }],
    ['retry.backoffFactor 0.5', { retry: { backoffFactor: 0.5 } }],
    ['retry.retryableStatusCodes [600]', { retry: { retryableStatusCodes: [600] } }],
    ['retry.retryableStatusCodes [99]', { retry: { retryableStatusCodes: [99] } }],
    ["retry.jitter 'half'", { retry: { jitter: 'half' } }],
    ['retry.maxRetryAfter -1', { retry: { maxRetryAfter: -1 } }],
    ['timeoutMs -1', { timeoutMs: -1 }],
    ['timeoutMs NaN', { timeoutMs: NaN }],
  ];
  for (const [label, opts] of badOptions) {
    test(`constructor throws invalid_input for ${label}`, () => {
      const full = opts === undefined || label.startsWith('missing') || 'baseUrl' in opts ? opts : { baseUrl: server.url, ...opts };
      let thrown;
      assert.throws(() => new IntegrationsClient(full), (e) => { thrown = e; return true; });
      assertIntegrationError(thrown, { kind: 'invalid_input', retryable: false, attempts: 0 });
      assert.ok(thrown instanceof Error);
      assert.ok(thrown.message.length > 0);
    });
  }

  test('without baseUrl outside a browser, the client constructs (server rendering) and rejects only what would send a request', async () => {
    for (const options of [undefined, {}, { logLevel: 'silent' }]) {
      const client = new IntegrationsClient(options);
      assert.equal(client.getSnapshot().isLoading, true, 'nothing fetched yet');
      for (const call of [() => client.status(), () => client.connect('instagram'), () => client.disconnect('instagram', 'a'), () => client.refreshToken('instagram', 'a')]) {
        const err = await rejection(call);
        assertIntegrationError(err, { kind: 'invalid_input', attempts: 0 });
        assert.match(err.message, /baseUrl is required/);
      }
      // Nothing due, nothing sent: refreshExpiring() has nothing to refuse.
      assert.deepEqual(await client.refreshExpiring(), { refreshed: [], failed: [], deferred: [] });
      client.dispose();
    }
  });

  test('good options construct: http/https baseUrls, basePath variants, partial retry', () => {
    for (const opts of [
      { baseUrl: server.url },
      { baseUrl: 'https://api.example.com' },
      { baseUrl: `${server.url}/` },
      { baseUrl: server.url, basePath: '/v2/integrations' },
      { baseUrl: server.url, retry: { maxRetries: 0, jitter: 'none' } },
      { baseUrl: server.url, retry: { initialDelay: 5, maxDelay: 5, backoffFactor: 1 } },
      { baseUrl: server.url, timeoutMs: 0 },
    ]) {
      assert.ok(new IntegrationsClient(opts) instanceof IntegrationsClient, JSON.stringify(opts));
    }
  });

  test('a custom basePath and custom headers reach the server', async () => {
    const other = await startMockServer({ basePath: '/custom/base' });
    try {
      const client = new IntegrationsClient({
        baseUrl: other.url, basePath: '/custom/base', autoRefresh: false, retry: FAST,
        headers: { 'X-App-Session': 'session-42' },
      });
      const res = await client.status();
      assert.equal(res.integrations.length, 5);
      await client.refreshToken('instagram', 'account_123');
      const [st] = other.requests({ route: 'status' });
      const [rf] = other.requests({ route: 'refresh' });
      assert.equal(st.path, '/custom/base/status');
      assert.equal(rf.path, '/custom/base/refresh/instagram/account_123');
      assert.equal(st.headers['x-app-session'], 'session-42');
      assert.equal(rf.headers['x-app-session'], 'session-42');
      // The package's own headers are still there.
      assert.equal(st.headers.accept, 'application/json');
      assert.match(st.headers['x-correlation-id'], UUID_V4);
      assert.equal(server.requests().length, 0);
    } finally {
      await other.close();
    }
  });

  test('an injected fetch is used for every attempt', async () => {
    server.fault({ match: { route: 'status' }, times: 2, action: faults.status(503) });
    let calls = 0;
    const client = makeClient({ fetch: (...args) => { calls++; return globalThis.fetch(...args); } });
    const res = await client.status();
    assert.equal(res.integrations.length, 5);
    assert.equal(calls, 3);
    assert.equal(server.requests({ route: 'status' }).length, 3);
  });

  test('a fetch that throws synchronously is a network error, not a synchronous throw', async () => {
    let calls = 0;
    const client = makeClient({ retry: { maxRetries: 1 }, fetch: () => { calls++; throw new TypeError('boom'); } });
    const err = await rejection(() => client.status());
    assertIntegrationError(err, { kind: 'network', attempts: 2 });
    assert.equal(calls, 2);
  });
});

// ------------------------------------------------------------------------------------------
describe('DEFAULT_RETRY_CONFIG', () => {
  test('equals the §6 defaults', () => {
    assert.deepEqual({ ...DEFAULT_RETRY_CONFIG, retryableStatusCodes: [...DEFAULT_RETRY_CONFIG.retryableStatusCodes] }, {
      maxRetries: 3,
      initialDelay: 1000,
      maxDelay: 5000,
      backoffFactor: 2,
      retryableStatusCodes: [408, 429, 500, 502, 503, 504],
      jitter: 'full',
      respectRetryAfter: true,
      maxRetryAfter: 60000,
    });
  });

  test('is frozen, its retryableStatusCodes too', () => {
    assert.ok(Object.isFrozen(DEFAULT_RETRY_CONFIG));
    assert.ok(Object.isFrozen(DEFAULT_RETRY_CONFIG.retryableStatusCodes));
    assert.throws(() => { DEFAULT_RETRY_CONFIG.maxRetries = 9; }, TypeError);
    assert.throws(() => { DEFAULT_RETRY_CONFIG.retryableStatusCodes.push(418); }, TypeError);
    assert.equal(DEFAULT_RETRY_CONFIG.maxRetries, 3);
  });
});

// ------------------------------------------------------------------------------------------
describe('fetchWithRetry', () => {
  const url = () => `${server.url}${server.basePath}/status`;

  test('resolves with the parsed body (no unwrapping)', async () => {
    const body = await fetchWithRetry(url(), { method: 'GET' }, FAST);
    assert.equal(body.success, true);
    assert.equal(body.data.integrations.length, 5);
    server.configure({ envelope: false });
    const bare = await fetchWithRetry(url());
    assert.equal(bare.integrations.length, 5);
  });

  test('retries 503s per config', async () => {
    server.fault({ match: { route: 'status' }, times: 2, action: faults.status(503) });
    const body = await fetchWithRetry(url(), {}, FAST);
    assert.equal(body.success, true);
    assert.equal(server.requests({ route: 'status' }).length, 3);
    server.reset();
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const err = await rejection(() => fetchWithRetry(url(), {}, { ...FAST, maxRetries: 1 }));
    assertIntegrationError(err, { kind: 'http', statusCode: 503, attempts: 2, retryable: true });
    assert.equal(server.requests({ route: 'status' }).length, 2);
  });

  test('rejects with IntegrationError (http 404, network, invalid config, invalid url)', async () => {
    let err = await rejection(() => fetchWithRetry(`${server.url}${server.basePath}/nope/a/b/c`, {}, FAST));
    assertIntegrationError(err, { kind: 'http', statusCode: 404, attempts: 1, retryable: false });
    assert.match(err.message, /No route for GET/);

    server.fault({ match: { route: 'status' }, times: -1, action: faults.reset() });
    err = await rejection(() => fetchWithRetry(url(), {}, { ...FAST, maxRetries: 1 }));
    assertIntegrationError(err, { kind: 'network', attempts: 2 });

    const before = server.requests().length;
    err = await rejection(() => fetchWithRetry(url(), {}, { maxRetries: -1 }));
    assertIntegrationError(err, { kind: 'invalid_input', attempts: 0 });
    err = await rejection(() => fetchWithRetry(url(), {}, { backoffFactor: 0.5 }));
    assertIntegrationError(err, { kind: 'invalid_input', attempts: 0 });
    err = await rejection(() => fetchWithRetry('not a url', {}, FAST));
    assert.ok(err instanceof IntegrationError);
    assert.equal(server.requests().length, before);
  });

  test('sends no extra headers: the same header names as a plain fetch', async () => {
    await fetch(url());
    await fetchWithRetry(url(), {}, FAST);
    const [plain, viaRetry] = server.requests({ route: 'status' });
    assert.deepEqual(Object.keys(viaRetry.headers).sort(), Object.keys(plain.headers).sort());
    assert.equal(viaRetry.headers['x-correlation-id'], undefined);
    assert.equal(viaRetry.headers['idempotency-key'], undefined);
  });

  test('sends init as given (method, headers, body)', async () => {
    await fetchWithRetry(`${server.url}${server.basePath}/refresh/tiktok/tt_789`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Thing': 'y' }, body: JSON.stringify({ a: 1 }),
    }, FAST);
    const [req] = server.requests({ route: 'refresh' });
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['x-thing'], 'y');
    assert.deepEqual(req.body, { a: 1 });
    assert.equal(req.headers['idempotency-key'], undefined);
  });

  test('an init.signal aborts it with kind aborted; already aborted makes no request', { timeout: 5000 }, async () => {
    const err = await rejection(() => fetchWithRetry(url(), { signal: AbortSignal.abort() }, FAST));
    assertIntegrationError(err, { kind: 'aborted' });
    assert.equal(server.requests().length, 0);
  });
});

// ------------------------------------------------------------------------------------------
describe('createIntegrationError', () => {
  test('fields, kind http with a status, uuid v4 correlationId, instanceof IntegrationError', () => {
    const err = createIntegrationError('Account limit reached', 'instagram', 'account_123', 409, true);
    assert.ok(err instanceof IntegrationError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'IntegrationError');
    assert.equal(isIntegrationError(err), true);
    assert.equal(err.message, 'Account limit reached');
    assert.equal(err.provider, 'instagram');
    assert.equal(err.accountId, 'account_123');
    assert.equal(err.statusCode, 409);
    assert.equal(err.retryable, true);
    assert.equal(err.kind, 'http');
    assert.match(err.correlationId, UUID_V4);
    assert.equal(typeof err.userMessage, 'string');
  });

  test('retryable defaults to false; each error gets a fresh correlationId', () => {
    const a = createIntegrationError('x', 'tiktok', 'tt_789', 500);
    const b = createIntegrationError('x', 'tiktok', 'tt_789', 500);
    assert.equal(a.retryable, false);
    assert.equal(a.kind, 'http');
    assert.notEqual(a.correlationId, b.correlationId);
  });

  test('with only a message: no provider/accountId/statusCode, not kind http', () => {
    const err = createIntegrationError('just a message');
    assert.equal(err.message, 'just a message');
    assert.equal(err.provider, undefined);
    assert.equal(err.accountId, undefined);
    assert.equal(err.statusCode, undefined);
    assert.equal(err.retryable, false);
    assert.notEqual(err.kind, 'http');
    assert.match(err.correlationId, UUID_V4);
  });
});
