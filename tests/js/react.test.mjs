// `integrations-client/react` (API.md §10): `useIntegrations` renders on the server with
// react-dom/server's renderToString, shows the loading state and makes no request.
// Run with scripts/test-js.sh.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { IntegrationsClient } from 'integrations-client';
import * as reactEntry from 'integrations-client/react';
import { useIntegrations } from 'integrations-client/react';
import { startMockServer } from '../support/mock-server.mjs';
import { clientMaker } from './support.mjs';

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

const makeClient = clientMaker(() => server.url, { autoRefresh: false, logLevel: 'silent' });

/** A component in the seed's style; hands the hook's result to `onResult`. */
function Integrations({ client, onResult }) {
  const result = useIntegrations(client);
  onResult?.(result);
  if (result.loading) return createElement('p', { className: 'loading' }, 'Loading integrations');
  if (result.error) return createElement('p', { className: 'error' }, result.error.userMessage);
  return createElement('ul', null, ...Object.entries(result.byProvider).map(([provider, accounts]) =>
    createElement('li', { key: provider }, `${provider}: ${accounts.map((a) => a.accountName).join(', ')}`)));
}

/** Lets anything the render might have started reach the server, then returns the request count. */
async function requestsAfterAWhile() {
  await delay(100);
  return server.requests().length;
}

describe('integrations-client/react', () => {
  test('exports useIntegrations, a function', () => {
    assert.equal(typeof useIntegrations, 'function');
    assert.equal(reactEntry.useIntegrations, useIntegrations);
    assert.ok(Object.keys(reactEntry).includes('useIntegrations'));
  });

  test('renderToString shows the loading state and makes no request', async () => {
    const client = makeClient();
    const html = renderToString(createElement(Integrations, { client }));
    assert.match(html, /^<p class="loading">Loading integrations<\/p>$/);
    assert.equal(await requestsAfterAWhile(), 0);
    // The client's own store stayed idle too, and says loading, as the hook did (one rule).
    const s = client.getSnapshot();
    assert.equal(s.isLoading, true);
    assert.equal(s.isValidating, false);
    assert.equal(s.data, undefined);
  });

  test('the hook returns the seed\'s fields, idle, on the server', async () => {
    const client = makeClient();
    let result;
    renderToString(createElement(Integrations, { client, onResult: (r) => { result = r; } }));
    assert.ok(result, 'the component rendered');
    assert.deepEqual(Object.keys(result).sort(), [
      'byProvider', 'connect', 'disconnect', 'error', 'integrations', 'isMultiAccount', 'isValidating',
      'loading', 'needsReconnect', 'refresh', 'refreshToken', 'summary',
    ]);
    assert.deepEqual(result.integrations, []);
    assert.deepEqual(result.byProvider, {});
    assert.deepEqual(result.needsReconnect, {});
    assert.equal(result.summary, undefined);
    assert.equal(result.error, undefined);
    assert.equal(result.loading, true);
    assert.equal(result.isValidating, false);
    for (const fn of ['connect', 'disconnect', 'refresh', 'refreshToken', 'isMultiAccount']) {
      assert.equal(typeof result[fn], 'function', fn);
    }
    assert.equal(result.isMultiAccount('instagram'), false);
    assert.equal(await requestsAfterAWhile(), 0);
  });

  test('a client that already has data still renders the constant server snapshot, with no request', async () => {
    const client = makeClient();
    await client.status();
    assert.equal(server.requests().length, 1);
    let result;
    const html = renderToString(createElement(Integrations, { client, onResult: (r) => { result = r; } }));
    assert.match(html, /Loading integrations/);
    assert.equal(result.integrations, client.getServerSnapshot().integrations);
    assert.equal(await requestsAfterAWhile(), 1);
  });

  test('the functions the hook returns call the client (refresh is the debounced revalidation)', async () => {
    const client = makeClient({ debounceMs: 20 });
    let result;
    renderToString(createElement(Integrations, { client, onResult: (r) => { result = r; } }));
    const data = await Promise.all([result.refresh(), result.refresh()]);
    assert.equal(server.requests({ route: 'status' }).length, 1);
    assert.equal(data[0].integrations.length, 5);
    const r = await result.refreshToken('instagram', 'account_123');
    assert.equal(r.accountId, 'account_123');
    assert.equal(server.requests({ route: 'refresh' }).length, 1);
  });
});
