// Defects met by using the package as its users do (issue 11, items 1-3), through the packed
// package and real HTTP against the mock integrations API. Run with scripts/test-js.sh.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createRequire } from 'node:module';
import { MultiAccountTokenManager } from 'integrations-client';
import { startMockServer, faults } from '../support/mock-server.mjs';
import { assertIntegrationError, waitFor, clientMaker, disconnectThroughTokensOption } from './support.mjs';

const FAST = Object.freeze({ initialDelay: 1, maxDelay: 5 });
const HOUR = 3_600_000;

// The two managers of the cross-copy test (item 2), made before anything else in this file, so
// that each is the first manager of its copy of the package: as in an app that makes one manager
// through `import` and one through `require`.
const cjs = createRequire(import.meta.url)('integrations-client');
const esmManager = new MultiAccountTokenManager();
const cjsManager = new cjs.MultiAccountTokenManager();

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

const makeClient = clientMaker(() => server.url, {
  autoRefresh: false, cache: { dedupingInterval: 0 }, logger: () => {}, retry: FAST,
});

/** Collects the process's warnings while `fn` runs, and for a few turns after. */
async function warningsDuring(fn) {
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    await fn();
    // Warnings are emitted on a later tick.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

// ------------------------------------------------------------------------------------------
describe('a token manager of the other copy of the package (require vs import)', () => {
  test('is refused with invalid_input, and never bound to another manager\'s map', async () => {
    esmManager.setToken('instagram', 'account_123', { accessToken: 'token_of_the_esm_manager', expiresAt: Date.now() + HOUR });
    cjsManager.setToken('instagram', 'account_123', { accessToken: 'token_of_the_cjs_manager', expiresAt: Date.now() + HOUR });

    const thrown = await disconnectThroughTokensOption({ baseUrl: server.url, autoRefresh: false, logger: () => {}, retry: FAST, tokens: cjsManager });
    assert.equal(esmManager.getToken('instagram', 'account_123')?.accessToken, 'token_of_the_esm_manager',
      'an unrelated manager of the ESM copy lost its token');
    assertIntegrationError(thrown, { kind: 'invalid_input' });
    assert.equal(cjsManager.getToken('instagram', 'account_123')?.accessToken, 'token_of_the_cjs_manager');
    assert.equal(esmManager.size, 1);
    assert.equal(cjsManager.size, 1);
    // A manager of the client's own copy is still accepted, as itself.
    assert.equal(makeClient({ tokens: esmManager }).tokens, esmManager);
  });
});

// ------------------------------------------------------------------------------------------
describe('abort listeners on a long-lived caller signal', () => {
  test('50 settled status({ signal, force: true }) calls leave no abort listener and no MaxListenersExceededWarning', async () => {
    const client = makeClient();
    const { signal } = new AbortController();
    const warnings = await warningsDuring(async () => {
      for (let i = 0; i < 50; i++) await client.status({ signal, force: true });
    });
    assert.equal(server.requests({ route: 'status' }).length, 50);
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'abort listeners left on the signal');
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String), []);
  });

  test('50 concurrent status({ signal, force: true }) calls, once settled, leave no abort listener', async () => {
    const client = makeClient();
    const { signal } = new AbortController();
    // While they wait, each call listens (as fetch does for each request); settled, none does.
    await Promise.all(Array.from({ length: 50 }, () => client.status({ signal, force: true })));
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'abort listeners left on the signal');
  });

  test('20 settled refreshToken(p, a, { signal }) calls leave no abort listener', async () => {
    const client = makeClient();
    const { signal } = new AbortController();
    const warnings = await warningsDuring(async () => {
      for (let i = 0; i < 20; i++) await client.refreshToken('instagram', 'account_123', { signal });
    });
    assert.equal(server.requests({ route: 'refresh' }).length, 20);
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'abort listeners left on the signal');
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String), []);
  });

  test('failed calls clean up too: 20 status({ signal }) answered 404 leave no abort listener', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(404) });
    const client = makeClient();
    const { signal } = new AbortController();
    for (let i = 0; i < 20; i++) await assert.rejects(client.status({ signal, force: true }), { kind: 'http', statusCode: 404 });
    assert.equal(server.requests({ route: 'status' }).length, 20);
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'abort listeners left on the signal');
  });
});

// ------------------------------------------------------------------------------------------
describe('dispose() while auto-refresh is in flight', () => {
  /**
   * The seed has instagram/account_123 expiring in 2 min and youtube/yt_channel_1 expired: with
   * autoRefresh, a successful status() starts refreshes of both. They hang at the server, so they
   * are really in flight when dispose() cancels them. Resolves once both requests have ended.
   */
  async function disposeDuringAutoRefresh(options) {
    server.fault({ match: { route: 'refresh' }, times: -1, action: faults.hang() });
    const metrics = [];
    let ended = 0;
    const client = makeClient({
      autoRefresh: true,
      onMetric: (m) => metrics.push(m),
      // Counts the refresh requests that ended (here: were aborted), as the client sees them.
      fetch: (input, init) => {
        const p = globalThis.fetch(input, init);
        if (String(input).includes('/refresh/')) p.then(() => { ended++; }, () => { ended++; });
        return p;
      },
      ...options,
    });
    await client.status();
    await waitFor(() => server.requests({ route: 'refresh' }).length === 2, 'both refreshes to reach the server');
    client.dispose();
    await waitFor(() => ended === 2, 'both refresh requests to end');
    // After dispose() nothing more need happen: a bounded moment for the cancelled work to
    // report (it ends with a refreshExpiring metric, where it makes one) before looking.
    const end = Date.now() + 500;
    while (Date.now() < end && !metrics.some((m) => m.operation === 'refreshExpiring')) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(server.requests({ route: 'refresh' }).length, 2);
    assert.equal(server.requests({ route: 'status' }).length, 1, 'no revalidation after dispose()');
  }

  test('logs no error or warning about the cancelled refreshes, and counts none as failed', async () => {
    const logs = [];
    await disposeDuringAutoRefresh({ logLevel: 'debug', logger: (entry) => logs.push(entry) });
    const loud = logs.filter((e) => e.level === 'error' || e.level === 'warn');
    assert.deepEqual(loud.map((e) => `${e.level} ${e.operation}: ${e.message}`), [], 'warn/error entries after dispose()');
    for (const e of logs.filter((x) => x.operation === 'refreshExpiring')) {
      assert.doesNotMatch(e.message, /[1-9]\d* failed/, 'a cancelled refresh counted as failed');
    }
  });

  test('the default console logger writes nothing at warn or error', async () => {
    const written = [];
    const saved = { warn: console.warn, error: console.error };
    console.warn = (...args) => written.push(['warn', ...args]);
    console.error = (...args) => written.push(['error', ...args]);
    try {
      await disposeDuringAutoRefresh({ logger: undefined });
    } finally {
      Object.assign(console, saved);
    }
    assert.deepEqual(written.map((args) => args.map(String).join(' ')), []);
  });
});
