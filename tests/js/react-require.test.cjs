// `require('integrations-client/react')` from CommonJS (API.md §1, §10): the hook loads, and
// server rendering with it shows the loading state and makes no request.
'use strict';
const { test, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { setTimeout: delay } = require('node:timers/promises');

let server;
before(async () => {
  const mock = await import('../support/mock-server.mjs');
  server = await mock.startMockServer();
});
after(async () => { await server.close(); });
beforeEach(() => server.reset());

const clients = [];
afterEach(() => { for (const c of clients.splice(0)) c.dispose(); });

test('require("integrations-client/react") gives useIntegrations', () => {
  const mod = require('integrations-client/react');
  assert.equal(typeof mod.useIntegrations, 'function');
  assert.equal(require.resolve('integrations-client/react').endsWith('.cjs'), true, 'the CommonJS copy');
});

test('the required hook renders on the server: loading state, no request', async () => {
  const { createElement } = require('react');
  const { renderToString } = require('react-dom/server');
  const { useIntegrations } = require('integrations-client/react');
  const { IntegrationsClient } = require('integrations-client');
  const client = new IntegrationsClient({ baseUrl: server.url, autoRefresh: false, logLevel: 'silent' });
  clients.push(client);

  let result;
  function View() {
    result = useIntegrations(client);
    return createElement('p', null, result.loading ? 'Loading integrations' : `${result.integrations.length} accounts`);
  }
  const html = renderToString(createElement(View));
  assert.equal(html, '<p>Loading integrations</p>');
  assert.equal(result.loading, true);
  assert.deepEqual(result.integrations, []);
  await delay(100);
  assert.equal(server.requests().length, 0);
});
