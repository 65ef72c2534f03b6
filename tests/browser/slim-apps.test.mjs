// The README's slim-entry snippet (examples/slim/src/accounts.js) in a page built by Vite and by
// webpack 5, neither configured for the wasm file, in Debian's Chromium. Run by
// scripts/test-browser.sh, which builds both against the packed package and serves them:
//   SLIM_VITE_URL, SLIM_WEBPACK_URL  the two builds
//   MOCK_URL                         the mock API, which the pages call directly (it sends CORS headers)
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { control, count, launchChromium, MOCK_URL } from './support.mjs';
import { assertLoadedSlim, assertReadmeSlimSnippet, openSlimPage } from './slim-page.mjs';

const { SLIM_VITE_URL, SLIM_WEBPACK_URL } = process.env;
if (!SLIM_VITE_URL || !SLIM_WEBPACK_URL) throw new Error('SLIM_VITE_URL and SLIM_WEBPACK_URL must be set: run scripts/test-browser.sh');
const app = new URL('../../examples/slim/', import.meta.url);
const WASM_FILE = new URL('node_modules/integrations-client/integrations_client_bg.wasm', app);

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});
beforeEach(() => control('POST', 'reset'));

test("the example's snippet is the README's slim snippet, as it is", () => {
  assertReadmeSlimSnippet(new URL('src/accounts.js', app));
});

for (const [bundler, url] of [['Vite', SLIM_VITE_URL], ['webpack 5', SLIM_WEBPACK_URL]]) {
  test(`${bundler}: the page lists the accounts, with the wasm fetched as its own file and compiled while streaming`, { timeout: 30_000 }, async () => {
    const seen = await openSlimPage(browser, `${url}/?api=${encodeURIComponent(MOCK_URL)}`);
    assertLoadedSlim(seen, WASM_FILE);
    assert.equal(await count('status'), 1, 'one status request');
  });
}
