// integrations-client/slim in Node, from the packed package (scripts/test-js.sh): the errors
// before init(), init()'s failures and its one promise, then the same API as the default entry.
// The tests run in order and share the module: the first ones see it before the wasm is loaded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as slim from 'integrations-client/slim';
import * as full from 'integrations-client';
import { useIntegrations } from 'integrations-client/react';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { startMockServer } from '../support/mock-server.mjs';
import { rejection, runNodeScript } from './support.mjs';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** The installed package's slim entry and wasm file, for child processes (absolute file: URLs). */
const SLIM_URL = import.meta.resolve('integrations-client/slim');
const WASM_URL = import.meta.resolve('integrations-client/integrations_client_bg.wasm');

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });

/** Errors made in JS before the wasm runs, by kind, to compare with the wasm's own later. */
const early = {};

/** Asserts an IntegrationError of the slim entry made before any request; keeps it in `early`. */
function assertEarlyError(error, kind, message) {
  assert.ok(error instanceof slim.IntegrationError, `an IntegrationError, not ${error}`);
  assert.equal(Object.getPrototypeOf(error), slim.IntegrationError.prototype);
  assert.equal(error.name, 'IntegrationError');
  assert.equal(error.kind, kind);
  assert.match(error.message, message);
  assert.match(error.message, /^integrations-client\/slim: /);
  assert.match(error.correlationId, UUID_V4);
  assert.equal(error.attempts, 0);
  early[kind] = error;
}

const syncError = (fn) => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
};

test('before init(), every export that runs wasm throws an IntegrationError that says to call init(); fetchWithRetry rejects', async () => {
  const BEFORE_INIT = /IntegrationsClient was used before the wasm was loaded: call \(and await\) init\(\)/;
  assertEarlyError(syncError(() => new slim.IntegrationsClient({ baseUrl: server.url })), 'invalid_input', BEFORE_INIT);
  assert.equal(early.invalid_input.retryable, false);
  assertEarlyError(syncError(() => new slim.MultiAccountTokenManager()), 'invalid_input', /MultiAccountTokenManager was used before/);
  assertEarlyError(syncError(() => slim.isAPIResponse({})), 'invalid_input', /isAPIResponse was used before/);
  assertEarlyError(syncError(() => slim.createIntegrationError('x')), 'invalid_input', /createIntegrationError was used before/);
  assertEarlyError(await rejection(() => slim.fetchWithRetry(`${server.url}/api/integrations/status`)), 'invalid_input', /fetchWithRetry was used before/);
  assert.equal(server.requests().length, 0, 'nothing was sent');
  // What needs no wasm works: the error class, and instanceof against the classes.
  assert.equal({} instanceof slim.IntegrationsClient, false);
  assert.equal(slim.DEFAULT_RETRY_CONFIG, undefined, 'DEFAULT_RETRY_CONFIG is set by init()');
});

test('init() rejects with an IntegrationError when the wasm cannot be had, and a later call tries again', async () => {
  const notFound = new Response('no such file', { status: 404, statusText: 'Not Found' });
  const http = await rejection(() => slim.init(notFound));
  assertEarlyError(http, 'http', /could not load the wasm: 404 Not Found$/);
  assert.equal(http.statusCode, 404);

  const html = new Response('<!doctype html>', { headers: { 'Content-Type': 'application/wasm' } });
  assertEarlyError(await rejection(() => slim.init(html)), 'invalid_response', /the wasm did not compile or instantiate/);
  assertEarlyError(await rejection(() => slim.init(new Uint8Array([0, 97, 115, 109]))), 'invalid_input', /did not compile or instantiate/);

  const network = await rejection(() => slim.init(new URL('http://127.0.0.1:1/integrations_client_bg.wasm')));
  assertEarlyError(network, 'network', /could not load the wasm from http:\/\/127\.0\.0\.1:1\/integrations_client_bg\.wasm/);
  assert.equal(network.retryable, true);
  assert.ok(network.cause instanceof Error, 'the cause is kept');

  assert.ok(syncError(() => new slim.IntegrationsClient()) instanceof slim.IntegrationError, 'still not loaded');
});

test('init() without input reads the wasm beside the module, once: every call returns the same promise', async () => {
  const first = slim.init();
  assert.equal(slim.init(), first);
  assert.equal(slim.init(new Uint8Array(8)), first, 'a later input is ignored');
  assert.equal(await first, undefined);
  assert.equal(slim.init(), first);
});

test('after init() the slim entry is the API of the default entry, with its DEFAULT_RETRY_CONFIG and error class', async () => {
  assert.deepEqual(Object.keys(slim).filter((name) => name !== 'init').sort(), Object.keys(full).sort(), 'the same exports, plus init');
  assert.deepEqual(slim.DEFAULT_RETRY_CONFIG, full.DEFAULT_RETRY_CONFIG);
  assert.ok(Object.isFrozen(slim.DEFAULT_RETRY_CONFIG));

  const client = new slim.IntegrationsClient({ baseUrl: server.url, autoRefresh: false });
  try {
    const { integrations, summary } = await client.status();
    assert.deepEqual(integrations, server.accounts());
    assert.equal(summary.total, 5);
    assert.ok(client instanceof slim.IntegrationsClient);
    assert.ok(client.tokens instanceof slim.MultiAccountTokenManager);
  } finally {
    client.dispose();
  }
  // The wasm constructs the registered class (unregistered, it would make a branded plain Error).
  const invalid = syncError(() => new slim.IntegrationsClient({ baseUrl: 'not a url' }));
  assert.equal(Object.getPrototypeOf(invalid), slim.IntegrationError.prototype);
  assert.equal(invalid.kind, 'invalid_input');
  assert.equal(slim.isIntegrationData(server.accounts()[0]), true);
  await assert.rejects(slim.fetchWithRetry('http://127.0.0.1:1/', {}, { maxRetries: 0 }), { kind: 'network' });
});

/**
 * What `run` (a promise) gives, and the `TextEncoder.encodeInto` calls it made on texts that
 * `select` picks: each text's length in UTF-16 units, the room it was given and whether it all fit.
 * How the slim wasm copies a response's text into its memory (src/wasm/transport.rs).
 */
async function encodings(select, run) {
  const calls = [];
  const { encodeInto } = TextEncoder.prototype;
  TextEncoder.prototype.encodeInto = function (text, into) {
    const done = encodeInto.call(this, text, into);
    if (select(text)) calls.push({ units: text.length, room: into.length, whole: done.read === text.length });
    return done;
  };
  try {
    return [await run(), calls];
  } finally {
    TextEncoder.prototype.encodeInto = encodeInto;
  }
}

test('the slim entry checks a response on its text: non-ASCII, escapes and wrong shapes get what the default entry gets', async () => {
  // The slim wasm copies the text into its memory (an ASCII guess first, then room for any text)
  // and checks it there; the default entry checks the parsed value. Same data, same errors.
  const accounts = server.accounts();
  const named = accounts.map((account, i) => ({
    ...account,
    accountName: ['Zoë 🎉', 'naïve \u2028 line', 'quote " and \\ slash', '\ud83d\ude00 smile', 'e\u0301'][i % 5],
    ...(i === 1 && { metadata: { note: 'tab\there', nested: { ok: true, n: [1, 2.5e3, -0] } } }),
  }));
  const statusOf = async (api) => {
    const client = new api.IntegrationsClient({ baseUrl: server.url, autoRefresh: false, logLevel: 'silent' });
    try {
      return await client.status();
    } catch (error) {
      return { kind: error.kind, path: error.details?.path, message: error.message.replace(/[0-9a-f-]{36}/g, 'cid') };
    } finally {
      client.dispose();
    }
  };
  try {
    server.setAccounts(named);
    // The body's text goes into wasm memory by encodeInto: no room first (which answers its
    // length), then a byte per UTF-16 unit (enough for ASCII only), then three.
    const [fromSlim, encoded] = await encodings((text) => text.includes('Zoë'), () => statusOf(slim));
    assert.deepEqual(encoded.map((e) => e.whole), [false, false, true], 'the text was copied into the slim wasm');
    assert.deepEqual(fromSlim.integrations.map((a) => a.accountName), named.map((a) => a.accountName));
    assert.deepEqual(fromSlim, await statusOf(full));
    const wrong = [
      { ...named[0], provider: 'Not A Slug' },
      { ...named[0], createdAt: '2025-02-30T00:00:00Z' },
      { ...named[0], accountName: 5 },
      { ...named[0], id: 2 ** 53 },
      { ...named[0], status: 'conn\u00e9cted' },
    ];
    for (const account of wrong) {
      server.setAccounts([...named.slice(1), account]);
      const error = await statusOf(slim);
      assert.equal(error.kind, 'invalid_response', JSON.stringify(account));
      assert.match(error.path, /^integrations\[\d\]\.\w+$/);
      assert.deepEqual(error, await statusOf(full));
    }
  } finally {
    server.setAccounts(accounts);
  }
});

test('a response text over 4 Mi UTF-16 units is checked on its parsed value, never copied into the slim wasm', async () => {
  // A hostile server's huge body must not grow the wasm's memory (which never shrinks) by several
  // times its size: past client::TEXT_CHECK_MAX_UNITS the text stays in JS.
  const accounts = server.accounts();
  const many = Array.from({ length: 24_000 }, (_, i) => ({ ...accounts[i % accounts.length], id: i + 1, accountId: `acct_${i + 1}` }));
  const client = new slim.IntegrationsClient({ baseUrl: server.url, autoRefresh: false, logLevel: 'silent' });
  try {
    server.setAccounts(many);
    const [{ integrations }, lengths] = await encodings((text) => text.length > 1_000_000, () => client.status());
    assert.equal(integrations.length, many.length);
    assert.equal(lengths.length, 1, 'one probe of its length, no copy');
    assert.ok(lengths[0].units > 4 * 2 ** 20 && lengths[0].room === 0, `a ${lengths[0].units}-unit text, probed with no room`);
    server.setAccounts([...many.slice(1), { ...many[0], status: 'gone' }]);
    await assert.rejects(client.status({ force: true }), (error) => error.kind === 'invalid_response' && /^integrations\[\d+\]\.status$/.test(error.details.path));
  } finally {
    client.dispose();
    server.setAccounts(accounts);
  }
});

test("the errors made before the wasm runs have the wasm's user messages for their kind (src/error.rs)", () => {
  const made = {
    invalid_input: syncError(() => new slim.IntegrationsClient({ baseUrl: 'not a url' })),
    network: slim.createIntegrationError('x'),
    http: slim.createIntegrationError('x', undefined, undefined, 418),
    invalid_response: syncError(() => slim.parseIntegrationStatus({})),
  };
  for (const [kind, error] of Object.entries(made)) {
    assert.equal(error.kind, kind);
    assert.equal(early[kind]?.userMessage, error.userMessage, `userMessage of ${kind}`);
  }
});

test('useIntegrations of integrations-client/react takes a slim client (react.js loads no wasm of its own)', async () => {
  const client = new slim.IntegrationsClient({ baseUrl: server.url, autoRefresh: false });
  try {
    const html = renderToString(createElement(() => (useIntegrations(client).loading ? 'Loading' : 'Loaded')));
    assert.equal(html, 'Loading');
    assert.equal((await client.status()).integrations.length, 5);
  } finally {
    client.dispose();
  }
});

test('a Node script may give init() the bytes or a compiled module instead, and exits when done', async () => {
  for (const source of ['bytes', 'await WebAssembly.compile(bytes)']) {
    const script = `
      import { readFile } from 'node:fs/promises';
      const { init, IntegrationsClient, DEFAULT_RETRY_CONFIG: before } = await import(${JSON.stringify(SLIM_URL)});
      const bytes = await readFile(new URL(${JSON.stringify(WASM_URL)}));
      await init(${source});
      const client = new IntegrationsClient({ baseUrl: ${JSON.stringify(server.url)} });
      const { integrations } = await client.status();
      console.log(JSON.stringify({ before: before === undefined, accounts: integrations.length }));
      client.dispose();`;
    const run = await runNodeScript(script);
    assert.equal(run.killed, false, `still running after 10 s; stderr: ${run.stderr}`);
    assert.equal(run.code, 0, `exit code; stderr: ${run.stderr}`);
    assert.deepEqual(JSON.parse(run.stdout), { before: true, accounts: 5 }, source);
  }
});

test("init() in Node reads and compiles the wasm without loading Node's fetch library (undici: ~50 ms) that a script never fetching has no need of", async () => {
  for (const source of ['', 'bytes', 'await WebAssembly.compile(bytes)']) {
    const script = `
      import { readFile } from 'node:fs/promises';
      const { init, MultiAccountTokenManager } = await import(${JSON.stringify(SLIM_URL)});
      const bytes = await readFile(new URL(${JSON.stringify(WASM_URL)}));
      await init(${source});
      new MultiAccountTokenManager().setToken('instagram', 'a', { accessToken: 'x', expiresAt: 1 });
      console.log(JSON.stringify({ fetchLibrary: process.moduleLoadList.some((m) => m.includes('undici')) }));`;
    const run = await runNodeScript(script);
    assert.equal(run.code, 0, `exit code; stderr: ${run.stderr}`);
    assert.deepEqual(JSON.parse(run.stdout), { fetchLibrary: false }, `init(${source})`);
  }
});
