// What the slim-entry tests look at in a page (tests/browser/slim-apps.test.mjs for Vite and
// webpack, tests/next for Next.js): the accounts it lists, its wasm responses, the WebAssembly
// calls it made, and its scripts. Not a test file itself (node --test runs *.test.mjs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** Asserts that `file` (a URL) holds the README's slim-entry snippet, as it is. */
export function assertReadmeSlimSnippet(file) {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const snippet = /^## Slim entry\n[\s\S]*?```js\n([\s\S]*?)```/m.exec(readme)?.[1];
  assert.ok(snippet, 'README has a "## Slim entry" section with a js block');
  assert.equal(readFileSync(file, 'utf8'), snippet, `update ${file.pathname.replace(/^.*\/examples\//, 'examples/')} with the README snippet`);
}

/** The mock API's accounts as the README's slim snippet lists them (`provider/accountName`). */
export const MOCK_ACCOUNTS = ['instagram/@user1', 'instagram/@user2', 'linkedin/Jane Doe', 'tiktok/@dancer', 'youtube/My Channel'];

/**
 * Runs in the page before its scripts: records each call of WebAssembly's loaders and goes on
 * with the real one (a spy, not a stand-in), so that the test sees how the wasm was compiled.
 */
function spyOnWebAssembly() {
  const calls = (globalThis.__wasmCalls = []);
  const what = (value) => (value instanceof Response ? value.url : value?.constructor?.name ?? typeof value);
  for (const name of ['instantiateStreaming', 'compileStreaming', 'instantiate', 'compile', 'Module', 'Instance']) {
    WebAssembly[name] = new Proxy(WebAssembly[name], {
      apply: (target, self, args) => (calls.push([name, what(args[0])]), Reflect.apply(target, self, args)),
      construct: (target, args, newTarget) => (calls.push([`new ${name}`, what(args[0])]), Reflect.construct(target, args, newTarget)),
    });
  }
}

/** Opens `url` in a fresh context, waits for the accounts (or an error), and returns what it saw. */
export async function openSlimPage(browser, url, { timeout = 10_000 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(spyOnWebAssembly);
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  // The glue warns when a server's Content-Type stops instantiateStreaming; the app has no favicon.
  page.on('console', (message) => {
    if (['error', 'warning'].includes(message.type()) && !message.location().url.endsWith('/favicon.ico')) problems.push(message.text());
  });
  const responses = [];
  page.on('response', (response) => responses.push(response));
  try {
    await page.goto(url);
    await page.locator('#accounts li, main [role=alert]').first().waitFor({ timeout });
    const alert = page.locator('#accounts [role=alert], main [role=alert]');
    if (await alert.count()) assert.fail(`the page shows an error: ${await alert.first().textContent()}`);
    const accounts = await page.locator('#accounts li').allTextContents();
    const wasmCalls = await page.evaluate(() => globalThis.__wasmCalls);
    const wasm = [];
    const scripts = [];
    for (const response of responses) {
      if (new URL(response.url()).pathname.endsWith('.wasm')) {
        wasm.push({ url: response.url(), status: response.status(), type: response.headers()['content-type'], body: await response.body() });
      } else if (response.request().resourceType() === 'script') {
        scripts.push({ url: response.url(), text: await response.text() });
      }
    }
    return { accounts, wasm, wasmCalls, scripts, problems };
  } finally {
    await context.close();
  }
}

/** The default entry carries its wasm as a long base64 string; a slim app's scripts carry none. */
export const BASE64_BLOB = /[A-Za-z0-9+/]{10000}/;

/**
 * Asserts that the page listed the mock's accounts through the slim entry: the wasm was its own
 * request, answered with the package's file as application/wasm, and compiled while streaming
 * (one instantiateStreaming of that response; no synchronous compile), with no wasm in any script.
 */
export function assertLoadedSlim(seen, wasmFile) {
  assert.deepEqual(seen.accounts, MOCK_ACCOUNTS, 'the accounts the page lists');
  assert.equal(seen.wasm.length, 1, `one wasm response, got ${seen.wasm.map((w) => w.url)}`);
  const [wasm] = seen.wasm;
  assert.equal(wasm.status, 200);
  assert.equal(wasm.type, 'application/wasm', 'served as application/wasm, which streaming compilation needs');
  assert.ok(wasm.body.equals(readFileSync(wasmFile)), `${wasm.url} is the package's ${wasmFile}`);
  assert.deepEqual(seen.wasmCalls, [['instantiateStreaming', wasm.url]], 'the WebAssembly calls the page made');
  for (const script of seen.scripts) assert.doesNotMatch(script.text, BASE64_BLOB, `${script.url} carries no inlined wasm`);
  assert.deepEqual(seen.problems, [], 'errors and warnings in the page');
}
