// Hostile callers and hostile servers (issue 12), at the package's JS boundary: through the packed
// package and real HTTP against the mock integrations API. Every JS value the package touches may
// throw or lie; promise methods never throw synchronously and always settle with an
// IntegrationError; nothing reaches the host as an uncaught exception; requests never leave
// baseUrl's origin; no two token keys collide. Run with scripts/test-js.sh.
//
// Covered natively instead (their cost, not their outcome, is the defect): getSnapshot() with many
// distinct providers, and redaction of a long message with many tokens stored.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import {
  IntegrationsClient,
  MultiAccountTokenManager,
  fetchWithRetry,
  isIntegrationData,
  isIntegrationStatusResponse,
  parseIntegrationStatus,
} from 'integrations-client';
import { startMockServer, faults } from '../support/mock-server.mjs';
import { rejection, assertIntegrationError, clientMaker, disconnectThroughTokensOption, runNodeScript } from './support.mjs';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const FAST = Object.freeze({ initialDelay: 1, maxDelay: 5 });
const HOUR = 3_600_000;
/** The installed package's entry, for child processes (an absolute file: URL). */
const PKG_URL = import.meta.resolve('integrations-client');

// The first manager of this copy of the package, made before any client (each client without
// `tokens` makes its own): what a fake `tokens` option would most likely be mistaken for.
const firstManager = new MultiAccountTokenManager();

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

const makeClient = clientMaker(() => server.url, {
  autoRefresh: false, cache: { dedupingInterval: 0 }, logger: () => {}, retry: FAST,
});

/** Runs `fn`, expects a synchronous throw, returns what was thrown. */
function thrown(fn, label) {
  let caught;
  assert.throws(fn, (e) => { caught = e; return true; }, label);
  return caught;
}

/** `promise`, or a rejection saying it never settled: a bound on a hang, not a timing assertion. */
function bounded(promise, ms = 3000) {
  let timer;
  const hang = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `the promise never settled (waited ${ms} ms)` })), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/**
 * Calls `fn` while watching for uncaught exceptions and unhandled rejections. Returns how its
 * promise settled (`{ value }` or `{ error }`) and what escaped to the host meanwhile. A
 * synchronous throw or a non-promise return fails the test.
 */
async function contained(fn) {
  const escaped = [];
  const onEscape = (e) => escaped.push(e);
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  try {
    let p;
    assert.doesNotThrow(() => { p = fn(); }, 'must not throw synchronously');
    assert.ok(p instanceof Promise, 'must return a Promise');
    const outcome = await bounded(p).then((value) => ({ value }), (error) => ({ error }));
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    return { ...outcome, escaped };
  } finally {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
  }
}

/** `contained(fn)` that must reject with an IntegrationError with `fields`, and let nothing escape. */
async function containedRejection(fn, fields = {}) {
  const { error, value, escaped } = await contained(fn);
  assert.deepEqual(escaped.map(String), [], 'escaped to the host as uncaught');
  assert.ok(error !== undefined, `resolved with ${JSON.stringify(value)}; expected a rejection`);
  assertIntegrationError(error, fields);
  return error;
}

/** Runs an ESM script, with the package imported as `pkg`, in a fresh Node. */
const runChild = (body, options) => runNodeScript(`const pkg = await import(${JSON.stringify(PKG_URL)});\n${body}`, options);

const lastJsonLine = (stdout) => JSON.parse(stdout.trim().split('\n').pop());

/** A valid IntegrationData. */
const validItem = () => ({
  id: 1, provider: 'instagram', accountId: 'account_123', accountName: '@user1', status: 'connected',
  expiresAt: '2030-01-01T00:00:00Z', metadata: { followers: 10 },
  createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-02T00:00:00Z',
});

// ------------------------------------------------------------------------------------------
describe('signals that lie', () => {
  const unreadable = {
    'Object.create(AbortSignal.prototype)': () => Object.create(AbortSignal.prototype),
    'a real signal whose aborted getter throws': () => {
      const { signal } = new AbortController();
      Object.defineProperty(signal, 'aborted', { get() { throw new Error('boom'); } });
      return signal;
    },
  };
  const calls = {
    connect: (c, signal) => c.connect('instagram', { signal }),
    disconnect: (c, signal) => c.disconnect('instagram', 'account_123', { signal }),
    status: (c, signal) => c.status({ signal }),
    revalidate: (c, signal) => c.revalidate({ signal }),
    requestRefresh: (c, signal) => c.requestRefresh({ signal }),
    refreshToken: (c, signal) => c.refreshToken('instagram', 'account_123', { signal }),
    refreshExpiring: (c, signal) => c.refreshExpiring({ signal }),
  };

  for (const [label, makeSignal] of Object.entries(unreadable)) {
    for (const [name, call] of Object.entries(calls)) {
      test(`${name}({ signal }) with ${label}: rejects with invalid_input, nothing escapes`, async () => {
        const client = makeClient({ debounceMs: 10 });
        await containedRejection(() => call(client, makeSignal()), { kind: 'invalid_input' });
      });
    }
  }

  // A caller may dispatch 'abort' by hand, as often as it likes: each call rejects once, the shared
  // request is left once (another waiter still gets its data), nothing escapes.
  test("status({ signal }) whose signal dispatches 'abort' twice by hand: rejects once, the other waiter still resolves", async () => {
    server.fault({ match: { route: 'status' }, times: 1, action: faults.status(503) });
    const client = makeClient({ retry: { initialDelay: 30, maxDelay: 30, jitter: 'none' } });
    const { signal } = new AbortController(); // never aborted: the events are synthetic
    const other = client.status();
    const { error, escaped } = await contained(() => {
      const mine = client.status({ signal });
      signal.dispatchEvent(new Event('abort'));
      signal.dispatchEvent(new Event('abort'));
      return mine;
    });
    assert.deepEqual(escaped.map(String), [], 'escaped to the host as uncaught');
    assertIntegrationError(error, { kind: 'aborted' });
    assert.ok((await other).integrations.length > 0, 'the other waiter lost its request');
    assert.equal(server.requests({ route: 'status' }).length, 2, 'one shared request: a 503, then its retry');
  });

  // The shared operations (status, refreshToken, ...) read a caller's signal once; connect and
  // disconnect read it again before each attempt.
  for (const name of ['connect', 'disconnect']) {
    const call = calls[name];
    test(`${name}({ signal }) whose aborted getter throws from its second read (after a retried 503): settles, nothing escapes`, async () => {
      server.fault({ match: { route: name }, times: 1, action: faults.status(503) });
      const client = makeClient({ debounceMs: 10 });
      const { signal } = new AbortController();
      let reads = 0;
      Object.defineProperty(signal, 'aborted', { get() { if (++reads > 1) throw new Error('boom'); return false; } });
      const { error, escaped } = await contained(() => call(client, signal));
      assert.deepEqual(escaped.map(String), [], 'escaped to the host as uncaught');
      if (error !== undefined) assertIntegrationError(error, {});
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('fetchWithRetry with an init that lies', () => {
  const url = () => `${server.url}${server.basePath}/status`;
  const inits = {
    'a getter that throws': () => ({ get method() { throw new Error('x'); } }),
    'a Proxy whose ownKeys throws': () => new Proxy({}, { ownKeys() { throw new Error('x'); } }),
    'init.signal = Object.create(AbortSignal.prototype)': () => ({ signal: Object.create(AbortSignal.prototype) }),
  };
  for (const [label, init] of Object.entries(inits)) {
    test(`init with ${label}: rejects with invalid_input, no request, nothing escapes`, async () => {
      await containedRejection(() => fetchWithRetry(url(), init(), FAST), { kind: 'invalid_input' });
      assert.equal(server.requests().length, 0);
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('a custom fetch that resolves to something that is not a proper Response', () => {
  /** A real 200 Response with a status body, then changed by `patch`. */
  const patched = (patch) => async () => {
    const body = { integrations: [], summary: { total: 0, connected: 0, expired: 0, byProvider: {} } };
    const r = new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    patch(r);
    return r;
  };
  const fakes = {
    'text() returning a string, not a promise': patched((r) => { r.text = () => 'not json'; }),
    'text() returning a number, not a promise': patched((r) => { r.text = () => 42; }),
    'a status getter that throws': patched((r) => { Object.defineProperty(r, 'status', { get() { throw new Error('boom'); } }); }),
    'a headers getter that throws': patched((r) => { Object.defineProperty(r, 'headers', { get() { throw new Error('boom'); } }); }),
  };
  for (const [label, fetch] of Object.entries(fakes)) {
    test(`${label}: status() rejects with an IntegrationError, nothing escapes`, async () => {
      const client = makeClient({ fetch, retry: { maxRetries: 0 } });
      await containedRejection(() => client.status());
    });
  }

  test('text() that never settles: the per-attempt timeout still ends it (kind timeout)', async () => {
    const fetch = patched((r) => { r.text = () => new Promise(() => {}); });
    const client = makeClient({ fetch, timeoutMs: 200, retry: { maxRetries: 0 } });
    await containedRejection(() => client.status(), { kind: 'timeout', attempts: 1 });
  });
});

// ------------------------------------------------------------------------------------------
describe('redirects that leave the origin', () => {
  let other;
  before(async () => { other = await startMockServer(); });
  after(async () => { await other.close(); });
  beforeEach(() => other.reset());

  const sentThere = () => JSON.stringify(other.requests().map((r) => [r.method, r.path, r.headers['x-api-key'], r.body]));

  for (const code of [301, 302, 303, 307, 308]) {
    test(`status(): a ${code} to another origin sends nothing there and rejects (http ${code}, not retried)`, async () => {
      server.fault({ match: { route: 'status' }, times: -1, action: faults.redirect(code, `${other.url}${other.basePath}/status`) });
      const client = makeClient({ headers: { 'X-Api-Key': 'secret-key' } });
      let err;
      await client.status().catch((e) => { err = e; });
      assert.equal(other.requests().length, 0, `the other origin received ${sentThere()}`);
      assertIntegrationError(err, { kind: 'http', statusCode: code, retryable: false, attempts: 1 });
      assert.match(err.message, /redirect/i);
      assert.equal(server.requests({ route: 'status' }).length, 1);
    });
  }

  for (const code of [307, 308]) {
    test(`connect(): a ${code} to another origin sends nothing there (no POST body, no API key) and rejects`, async () => {
      server.fault({ match: { route: 'connect' }, times: -1, action: faults.redirect(code, `${other.url}${other.basePath}/connect/instagram`) });
      const client = makeClient({ headers: { 'X-Api-Key': 'secret-key' } });
      let err;
      await client.connect('instagram', { redirectUri: 'http://app.test/done' }).catch((e) => { err = e; });
      assert.equal(other.requests().length, 0, `the other origin received ${sentThere()}`);
      assertIntegrationError(err, { kind: 'http', statusCode: code, retryable: false, attempts: 1, provider: 'instagram' });
      assert.match(err.message, /redirect/i);
      assert.equal(server.requests({ route: 'connect' }).length, 1);
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('basePath with percent-encoded dot segments', () => {
  for (const basePath of ['/%2e%2e/x', '/%2E%2E/x', '/.%2e/x', '/%2e./x', '/a/%2e%2e/%2e%2e/x', '/%2e/x']) {
    test(`basePath '${basePath}' is refused by the constructor (invalid_input), nothing sent`, async () => {
      let err;
      let client;
      try {
        client = new IntegrationsClient({ baseUrl: `${server.url}/app`, basePath, autoRefresh: false, logger: () => {}, retry: FAST });
      } catch (e) {
        err = e;
      }
      if (client) {
        await client.status().catch(() => {});
        client.dispose();
      }
      assert.ok(err !== undefined, `constructed; status() went to ${JSON.stringify(server.requests().map((r) => r.path))}`);
      assertIntegrationError(err, { kind: 'invalid_input', attempts: 0 });
      assert.equal(server.requests().length, 0);
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('options.headers cannot replace or join the client\'s own headers', () => {
  const HOSTILE = { 'x-correlation-id': 'attacker', accept: 'text/html', 'idempotency-key': 'attacker', 'content-type': 'text/plain' };
  /** Every value sent under `name` (one per header line). */
  const sent = (req, name) => req.rawHeaders.filter(([k]) => k === name).map(([, v]) => v);

  test('status(): one X-Correlation-Id (the operation\'s uuid v4, as in the metric), Accept: application/json', async () => {
    const metrics = [];
    const client = makeClient({ headers: HOSTILE, onMetric: (m) => metrics.push(m) });
    await client.status();
    const [req] = server.requests({ route: 'status' });
    const [metric] = metrics.filter((m) => m.operation === 'status');
    assert.deepEqual(sent(req, 'x-correlation-id'), [metric.correlationId]);
    assert.match(metric.correlationId, UUID_V4);
    assert.deepEqual(sent(req, 'accept'), ['application/json']);
    assert.ok(!sent(req, 'idempotency-key').includes('attacker'), 'the caller\'s idempotency-key was sent');
  });

  test('connect() (POST with a body) and disconnect() (DELETE): own Idempotency-Key, Content-Type, correlation id', async () => {
    const metrics = [];
    const client = makeClient({ headers: HOSTILE, onMetric: (m) => metrics.push(m) });
    await client.connect('tiktok', { redirectUri: 'http://app.test/done' });
    await client.disconnect('instagram', 'account_456');
    for (const [route, operation] of [['connect', 'connect'], ['disconnect', 'disconnect']]) {
      const [req] = server.requests({ route });
      const [metric] = metrics.filter((m) => m.operation === operation);
      assert.deepEqual(sent(req, 'x-correlation-id'), [metric.correlationId], `${route}: x-correlation-id`);
      assert.match(metric.correlationId, UUID_V4);
      assert.deepEqual(sent(req, 'accept'), ['application/json'], `${route}: accept`);
      const keys = sent(req, 'idempotency-key');
      assert.equal(keys.length, 1, `${route}: idempotency-key lines ${JSON.stringify(keys)}`);
      assert.match(keys[0], UUID_V4);
    }
    const [connect] = server.requests({ route: 'connect' });
    assert.equal(sent(connect, 'content-type').length, 1, `content-type lines ${JSON.stringify(sent(connect, 'content-type'))}`);
    assert.match(sent(connect, 'content-type')[0], /^application\/json/);
    assert.deepEqual(connect.body, { redirectUri: 'http://app.test/done' });
  });

  test('a failed refreshToken(): the error\'s correlationId is the one X-Correlation-Id sent', async () => {
    const client = makeClient({ headers: HOSTILE });
    const err = await rejection(() => client.refreshToken('instagram', 'nope'));
    assertIntegrationError(err, { kind: 'http', statusCode: 404 });
    const [req] = server.requests({ route: 'refresh' });
    assert.deepEqual(sent(req, 'x-correlation-id'), [err.correlationId]);
    assert.match(err.correlationId, UUID_V4);
  });
});

// ------------------------------------------------------------------------------------------
describe('token map keys and values', () => {
  const token = (accessToken = 'tok', extra = {}) => ({ accessToken, expiresAt: Date.now() + HOUR, ...extra });

  test('(p, a\\0b) is never (p\\0a, b): get, remove, list and isTokenExpired miss it', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('p', 'a\0b', token());
    assert.equal(m.getToken('p\0a', 'b'), undefined, 'getToken(p\\0a, b) found the token of (p, a\\0b)');
    assert.equal(m.removeToken('p\0a', 'b'), false, 'removeToken(p\\0a, b)');
    assert.equal(m.getToken('p', 'a\0b')?.accessToken, 'tok', 'the token is still there');
    assert.deepEqual(m.getProviderTokens('p\0a').map((t) => [t.provider, t.accountId]), [], 'getProviderTokens(p\\0a)');
    assert.equal(m.isTokenExpired('p\0a', 'b'), true, 'isTokenExpired(p\\0a, b)');
    assert.equal(m.size, 1);
  });

  test('lone surrogates are refused (invalid_input): in accountId, accessToken, refreshToken', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'acct\uFFFD', token('the replacement character'));
    for (const [accountId, input] of [
      ['acct\uD800', token()],
      ['acct\uDC00', token()],
      ['acct', token('tok\uDC00en')],
      ['acct', token('tok', { refreshToken: 'r\uD800t' })],
    ]) {
      const label = `setToken('instagram', ${JSON.stringify(accountId)}, ${JSON.stringify(input)})`;
      assertIntegrationError(thrown(() => m.setToken('instagram', accountId, input), `${label} did not throw`), { kind: 'invalid_input' });
    }
    assert.equal(m.size, 1);
    assert.equal(m.getToken('instagram', 'acct\uFFFD')?.accessToken, 'the replacement character');
    assert.equal(m.getToken('instagram', 'acct\uD800'), undefined, "'acct\\uD800' and 'acct\\uFFFD' are one key");
    assert.equal(m.removeToken('instagram', 'acct\uD800'), false);
    assert.equal(m.size, 1);
  });

  test('an expiresAt that is a Date in name only throws invalid_input, not a TypeError', () => {
    const m = new MultiAccountTokenManager();
    for (const expiresAt of [Object.create(Date.prototype), new Proxy(new Date(), {})]) {
      assertIntegrationError(thrown(() => m.setToken('instagram', 'account_123', { accessToken: 'x', expiresAt })), { kind: 'invalid_input' });
    }
    assert.equal(m.size, 0);
  });

  test('isTokenExpired / expiringWithin given a BigInt or a Symbol throw invalid_input, not a TypeError', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('p', 'a', token());
    for (const bad of [10n, Symbol('ms')]) {
      assertIntegrationError(thrown(() => m.isTokenExpired('p', 'a', bad)), { kind: 'invalid_input' });
      assertIntegrationError(thrown(() => m.expiringWithin(bad)), { kind: 'invalid_input' });
    }
  });

  test('isTokenExpired applies a fractional skew exactly: expiresAt - skewMs <= now', () => {
    const T = Date.UTC(2031, 0, 1);
    const realNow = Date.now;
    const m = new MultiAccountTokenManager();
    try {
      Date.now = () => T;
      for (const offset of [-1, 0, 1]) m.setToken('p', `at${offset}`, { accessToken: 'x', expiresAt: T + offset });
      // The package reads the clock through Date.now: the stub reaches it.
      assert.equal(m.isTokenExpired('p', 'at1'), false);
      Date.now = () => T + 1;
      assert.equal(m.isTokenExpired('p', 'at1'), true);
      Date.now = () => T;
      for (const offset of [-1, 0, 1]) {
        for (const skew of [-1.5, -1, -0.5, 0, 0.5, 1, 1.5]) {
          assert.equal(m.isTokenExpired('p', `at${offset}`, skew), T + offset - skew <= T, `expiresAt = now ${offset < 0 ? '-' : '+'} ${Math.abs(offset)} ms, skewMs ${skew}`);
        }
      }
    } finally {
      Date.now = realNow;
    }
  });

  test('a fake tokens option ({ __handle }) is refused with invalid_input; no real manager is touched', async () => {
    firstManager.setToken('instagram', 'account_123', token('token_of_the_first_manager'));
    const err = await disconnectThroughTokensOption({ baseUrl: server.url, autoRefresh: false, logger: () => {}, retry: FAST, tokens: { __handle: () => 1 } });
    assert.equal(firstManager.getToken('instagram', 'account_123')?.accessToken, 'token_of_the_first_manager', 'a real manager lost its token');
    assertIntegrationError(err, { kind: 'invalid_input' });
  });
});

// ------------------------------------------------------------------------------------------
describe('a server that sends "__proto__" keys', () => {
  /** The mock's seeded status as raw JSON text, with own "__proto__" keys in data and in the first account. */
  function pollutedStatusText() {
    const accounts = server.accounts(); // sorted: instagram/account_123 first
    const items = accounts.map((a, i) => (i === 0 ? `{"__proto__":{"isAdmin":true},${JSON.stringify(a).slice(1)}` : JSON.stringify(a)));
    const byProvider = {};
    for (const a of accounts) byProvider[a.provider] = (byProvider[a.provider] ?? 0) + 1;
    const summary = { total: accounts.length, connected: 4, expired: 1, byProvider };
    return `{"__proto__":{"polluted":true},"integrations":[${items.join(',')}],"summary":${JSON.stringify(summary)}}`;
  }

  test('refreshToken() and disconnect() copy own properties only: no isAdmin, no polluted in the snapshot', async () => {
    const text = pollutedStatusText();
    assert.ok(Object.hasOwn(JSON.parse(text), '__proto__'), 'the body does hold an own "__proto__" key');
    server.fault({ match: { route: 'status' }, times: -1, action: faults.rawJson(text) });
    const client = makeClient();
    const clean = (when) => {
      const s = client.getSnapshot();
      assert.equal(s.data.polluted, undefined, `${when}: snapshot.data.polluted`);
      assert.equal(Object.getPrototypeOf(s.data), Object.prototype, `${when}: the prototype of snapshot.data`);
      for (const [i, a] of s.integrations.entries()) assert.equal(a.isAdmin, undefined, `${when}: snapshot.integrations[${i}].isAdmin`);
      for (const [p, list] of Object.entries(s.byProvider)) {
        for (const a of list) assert.equal(a.isAdmin, undefined, `${when}: snapshot.byProvider.${p}[].isAdmin`);
      }
    };
    await client.status();
    clean('after status()');
    await client.refreshToken('instagram', 'account_123');
    clean('after refreshToken(instagram, account_123)');
    const p = client.disconnect('instagram', 'account_456');
    clean('while disconnect(instagram, account_456) is in flight');
    await p;
    clean('after disconnect()');
    assert.equal({}.polluted, undefined);
    assert.equal({}.isAdmin, undefined);
  });
});

// ------------------------------------------------------------------------------------------
describe('redaction of a token holding " and \\', () => {
  const TOKEN = 'tok"en\\x_SECRET_42';

  test('the token echoed in error.details is redacted there too, whatever the escaping', async () => {
    const client = makeClient();
    client.tokens.setToken('instagram', 'account_123', { accessToken: TOKEN, expiresAt: Date.now() + HOUR });
    server.fault({
      match: { route: 'refresh' }, times: -1,
      action: { status: 400, json: { error: { message: `bad ${TOKEN}`, details: { echoed: TOKEN, nested: [TOKEN], inText: `x ${TOKEN} y` } } } },
    });
    const err = await rejection(() => client.refreshToken('instagram', 'account_123'));
    assertIntegrationError(err, { kind: 'http', statusCode: 400, attempts: 1 });
    const escaped = JSON.stringify(TOKEN).slice(1, -1);
    for (const [label, text] of [['message', err.message], ['details', JSON.stringify(err.details)], ['JSON.stringify(err)', JSON.stringify(err)]]) {
      for (const secret of [TOKEN, escaped, 'SECRET_42']) assert.ok(!text.includes(secret), `${label} holds ${secret}: ${text}`);
    }
    assert.match(err.message, /\[redacted\]/);
    assert.match(JSON.stringify(err.details), /\[redacted\]/);
  });
});

// ------------------------------------------------------------------------------------------
describe('guards and values from another realm', () => {
  test('valid data made in node:vm passes the guards, metadata and byProvider included', () => {
    const item = vm.runInNewContext(`(${JSON.stringify(validItem())})`);
    assert.notEqual(Object.getPrototypeOf(item), Object.prototype, 'made in another realm');
    assert.equal(isIntegrationData(item), true, 'isIntegrationData');
    const status = vm.runInNewContext(`({ integrations: [${JSON.stringify(validItem())}],
      summary: { total: 1, connected: 1, expired: 0, byProvider: { instagram: 1 } } })`);
    assert.equal(isIntegrationStatusResponse(status), true, 'isIntegrationStatusResponse');
    assert.doesNotThrow(() => parseIntegrationStatus(status));
  });
});

// ------------------------------------------------------------------------------------------
describe('connect(): authUrl must parse as an absolute http(s) URL', () => {
  const answer = (authUrl) => ({ status: 200, json: { authUrl, state: 's', expiresAt: new Date(Date.now() + 600_000).toISOString() } });

  for (const authUrl of ['https://exa<mple.com', 'https://%zz', 'https://[::1', 'http://1.2.3.4.5.6']) {
    test(`authUrl ${JSON.stringify(authUrl)} -> invalid_response at details.path 'authUrl'; a valid one still passes`, async () => {
      assert.throws(() => new URL(authUrl), TypeError, 'new URL() rejects it');
      const client = makeClient();
      server.fault({ match: { route: 'connect' }, times: 1, action: answer(authUrl) });
      const err = await rejection(() => client.connect('tiktok'));
      assertIntegrationError(err, { kind: 'invalid_response', retryable: false, attempts: 1 });
      assert.equal(err.details?.path, 'authUrl');
      server.fault({ match: { route: 'connect' }, times: 1, action: answer('https://example.com/oauth?x=1') });
      assert.equal((await client.connect('tiktok')).authUrl, 'https://example.com/oauth?x=1');
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('cost follows what is there, and guards never throw', () => {
  test('isMultiAccountProvider on a sparse array of length 2^32-1 answers from the items present', async () => {
    const r = await runChild(`
      const sparse = [];
      sparse[2 ** 32 - 2] = { provider: 'p' };
      const one = pkg.isMultiAccountProvider('p', sparse);
      sparse[0] = { provider: 'p' };
      const two = pkg.isMultiAccountProvider('p', sparse);
      console.log(JSON.stringify({ one, two }));
    `);
    assert.equal(r.killed, false, 'still running after 10 s');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lastJsonLine(r.stdout), { one: false, two: true });
  });

  test('guards given the longest strings V8 allows return a boolean, again and again', async (t) => {
    // A fresh Node with room for the strings (about 1.5 GB of V8 heap; the wasm may take up to
    // its 4 GB). Two-byte strings take three bytes a char in UTF-8: a guard that copies one into
    // wasm memory needs 1.5 GB there, and after a smaller one the allocator cannot reuse that room.
    const r = await runChild(`
      let big;
      let half;
      try {
        big = '\\u20ac'.repeat(2 ** 29 - 24); // the longest string V8 allows
        half = '\\u20ac'.repeat(2 ** 28);
        big.charCodeAt(big.length - 1); // flattened now, not later inside a guard
        half.charCodeAt(half.length - 1);
      } catch (e) {
        console.log(JSON.stringify({ skip: String(e) }));
        process.exit(0);
      }
      const item = ${JSON.stringify(validItem())};
      const summary = { total: 1, connected: 1, expired: 0, byProvider: { instagram: 1 } };
      const guards = [
        ['isAPIResponse(big)', () => pkg.isAPIResponse(big)],
        ['isAPIResponse({ correlationId: big })', () => pkg.isAPIResponse({ success: true, correlationId: big })],
        ['isAPIResponse({ correlationId: half })', () => pkg.isAPIResponse({ success: true, correlationId: half })],
        ['isAPIResponse({ correlationId: big }) again', () => pkg.isAPIResponse({ success: true, correlationId: big })],
        ['isIntegrationData({ accountName: big })', () => pkg.isIntegrationData({ ...item, accountName: big })],
        ['isIntegrationData({ createdAt: big })', () => pkg.isIntegrationData({ ...item, createdAt: big })],
        ['isIntegrationStatusResponse({ provider: big })', () => pkg.isIntegrationStatusResponse({ integrations: [{ ...item, provider: big }], summary })],
        ['isMultiAccountProvider(big, ...)', () => pkg.isMultiAccountProvider(big, [item, item])],
      ];
      const out = {};
      for (const [name, guard] of guards) {
        try { out[name] = typeof guard(); } catch (e) { out[name] = 'threw ' + e; }
      }
      console.log(JSON.stringify(out));
    `, { timeoutMs: 180_000, nodeArgs: ['--max-old-space-size=4096'] });
    assert.equal(r.killed, false, 'still running after 180 s');
    assert.equal(r.code, 0, r.stderr);
    const out = lastJsonLine(r.stdout);
    if (out.skip) return t.skip(`this machine cannot make the strings: ${out.skip}`);
    assert.deepEqual(Object.entries(out).filter(([, answer]) => answer !== 'boolean'), [], 'guards that did not return a boolean');
  });
});
