// The CommonJS entry: `require('integrations-client')` works in Node, against the mock server,
// and its errors are the same class as the ESM copy's (API.md §1, §5).
'use strict';
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const cjs = require('integrations-client');

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const EXPORTS = [
  'DEFAULT_RETRY_CONFIG', 'IntegrationError', 'IntegrationsClient', 'createIntegrationError', 'fetchWithRetry',
  'isAPIResponse', 'isIntegrationData', 'isIntegrationError', 'isIntegrationStatusResponse',
  'isMultiAccountProvider', 'parseIntegrationStatus',
];

let server;
let faults;
let esm;
before(async () => {
  const mock = await import('../support/mock-server.mjs');
  faults = mock.faults;
  server = await mock.startMockServer();
  esm = await import('integrations-client');
});
after(async () => { await server.close(); });
beforeEach(() => server.reset());

const makeClient = (mod, options = {}) => new mod.IntegrationsClient({
  baseUrl: server.url, autoRefresh: false, retry: { initialDelay: 1, maxDelay: 5 }, ...options,
});

test('require() gives the same exports as import, with the same types', () => {
  for (const name of EXPORTS) {
    assert.ok(name in cjs, `missing export ${name}`);
    assert.equal(typeof cjs[name], typeof esm[name], name);
  }
  assert.deepEqual(Object.keys(cjs).filter((k) => k !== '__esModule' && k !== 'default').sort(),
    Object.keys(esm).filter((k) => k !== 'default').sort());
  assert.equal(typeof cjs.IntegrationsClient, 'function');
  assert.equal(typeof cjs.IntegrationError, 'function');
  // Two copies of the package, not one module seen twice.
  assert.notEqual(cjs.IntegrationError, esm.IntegrationError);
  assert.notEqual(cjs.IntegrationsClient, esm.IntegrationsClient);
  assert.deepEqual(cjs.DEFAULT_RETRY_CONFIG, esm.DEFAULT_RETRY_CONFIG);
  assert.ok(Object.isFrozen(cjs.DEFAULT_RETRY_CONFIG));
});

test('status() from the CJS copy works against the mock server', async () => {
  const res = await makeClient(cjs).status();
  assert.equal(res.integrations.length, 5);
  assert.deepEqual(res.integrations, server.accounts());
  assert.equal(res.summary.total, 5);
  assert.equal(res.integrations.filter((a) => a.provider === 'instagram').length, 2);
  const reqs = server.requests({ route: 'status' });
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0].headers.accept, 'application/json');
  assert.match(reqs[0].headers['x-correlation-id'], UUID_V4);
});

test('the CJS copy retries too (2 x 503 then success -> 3 requests)', async () => {
  server.fault({ match: { route: 'refresh' }, times: 2, action: faults.status(503) });
  const res = await makeClient(cjs).refreshToken('instagram', 'account_456');
  assert.equal(res.accountId, 'account_456');
  const reqs = server.requests({ route: 'refresh' });
  assert.equal(reqs.length, 3);
  assert.equal(new Set(reqs.map((r) => r.headers['idempotency-key'])).size, 1);
});

test('an IntegrationError from the CJS copy is instanceof the ESM class, and the other way round', async () => {
  server.fault({ match: { route: 'status' }, times: -1, action: faults.status(404) });
  let fromCjs;
  await assert.rejects(makeClient(cjs).status(), (e) => { fromCjs = e; return true; });
  assert.ok(fromCjs instanceof cjs.IntegrationError);
  assert.ok(fromCjs instanceof esm.IntegrationError);
  assert.ok(fromCjs instanceof Error);
  assert.equal(fromCjs.name, 'IntegrationError');
  assert.equal(fromCjs.kind, 'http');
  assert.equal(fromCjs.statusCode, 404);
  assert.equal(esm.isIntegrationError(fromCjs), true);
  assert.equal(cjs.isIntegrationError(fromCjs), true);

  let fromEsm;
  await assert.rejects(makeClient(esm).connect('Not A Slug'), (e) => { fromEsm = e; return true; });
  assert.equal(fromEsm.kind, 'invalid_input');
  assert.ok(fromEsm instanceof esm.IntegrationError);
  assert.ok(fromEsm instanceof cjs.IntegrationError);
  assert.equal(cjs.isIntegrationError(fromEsm), true);

  const made = cjs.createIntegrationError('x', 'instagram', 'a', 500);
  assert.ok(made instanceof esm.IntegrationError);
  assert.equal(made.kind, 'http');

  assert.equal(new Error('plain') instanceof cjs.IntegrationError, false);
  assert.equal(cjs.isIntegrationError({}), false);
  assert.equal(cjs.isIntegrationError(null), false);
});

test('constructor errors of the CJS copy are IntegrationErrors', () => {
  assert.throws(() => new cjs.IntegrationsClient({ basePath: 'api' }), (e) => e instanceof esm.IntegrationError && e.kind === 'invalid_input');
  assert.throws(() => new cjs.IntegrationsClient({ baseUrl: 'ftp://x' }), (e) => e instanceof cjs.IntegrationError && e.kind === 'invalid_input');
});

test('guards of the CJS copy work', () => {
  assert.equal(cjs.isAPIResponse({ success: true, correlationId: 'c' }), true);
  assert.equal(cjs.isAPIResponse(null), false);
  assert.equal(cjs.isIntegrationData(server.accounts()[0]), true);
  assert.equal(cjs.isIntegrationData({}), false);
  assert.throws(() => cjs.parseIntegrationStatus({}), (e) => e instanceof esm.IntegrationError && e.kind === 'invalid_response');
});
