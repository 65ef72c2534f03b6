// Next.js test of the README's React snippet (examples/next/app/integrations.jsx) and of its
// slim-entry snippet (examples/next/app/slim/accounts.js, at /slim), run by scripts/test-next.sh
// after `next build` (which prerendered the pages in Node) and `next start`:
//   APP_URL   the app, whose /api goes to the mock API
//   MOCK_URL  the mock server, for its control API (reset, request log)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { APP_URL, control, count, launchChromium, WAIT } from '../browser/support.mjs';
import { assertLoadedSlim, assertReadmeSlimSnippet, BASE64_BLOB, openSlimPage } from '../browser/slim-page.mjs';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const statusRequests = () => count('status');

let browser;
before(async () => {
  await control('POST', 'reset');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

test("the example's client component is the README's React snippet, as it is", () => {
  const snippet = /^## React\n\n```jsx\n([\s\S]*?)```/m.exec(read('README.md'))?.[1];
  assert.ok(snippet, 'README has a "## React" section that starts with a jsx block');
  // Its first two lines are 'use client' and a comment; the rest must be the snippet.
  const component = read('examples/next/app/integrations.jsx').split('\n').slice(2).join('\n');
  assert.equal(component, snippet, 'update examples/next/app/integrations.jsx with the README snippet');
});

test('the server-rendered page shows the loading state and sent no request', async () => {
  const res = await fetch(APP_URL);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<p>Loading…<\/p>/);
  assert.doesNotMatch(html, /@user1/);
  assert.equal(await statusRequests(), 0, 'server rendering must not call the API');
});

test("the /slim page's snippet is the README's slim snippet, as it is", () => {
  assertReadmeSlimSnippet(new URL('../../examples/next/app/slim/accounts.js', import.meta.url));
});

// Before any browser test: a page left open there may still revalidate, and this counts requests.
test('the server-rendered /slim page shows the loading state and sent no request', async () => {
  const html = await (await fetch(`${APP_URL}/slim`)).text();
  assert.match(html, /<p>Loading…<\/p>/);
  assert.equal(await statusRequests(), 0, 'server rendering must not call the API');
});

test('in Chromium the page hydrates and shows the accounts from the mock API', { timeout: 30_000 }, async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  // React reports hydration mismatches through console.error. The app has no favicon.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(message.text());
  });
  await page.goto(APP_URL);
  await page.getByText('@user2').waitFor({ timeout: WAIT });
  assert.equal(await page.getByText('@user1').count(), 1);
  assert.match(await page.locator('h2', { hasText: 'instagram' }).textContent(), /instagram \(2 accounts\)/);
  assert.equal(await page.getByText('Loading…').count(), 0);
  assert.equal(await page.locator('main [role=alert]').count(), 0, 'no error shown'); // Next's route announcer is an alert too
  assert.ok((await statusRequests()) >= 1, 'the browser fetched the status through /api');
  assert.deepEqual(problems, [], 'errors in the page');
});

test('in Chromium /slim lists the accounts, with the wasm emitted by Next.js as its own file and compiled while streaming', { timeout: 30_000 }, async () => {
  const seen = await openSlimPage(browser, `${APP_URL}/slim`);
  assertLoadedSlim(seen, new URL('../../examples/next/node_modules/integrations-client/integrations_client_bg.wasm', import.meta.url));
  assert.match(new URL(seen.wasm[0].url).pathname, /^\/_next\/static\/media\/.+\.wasm$/);
});

test('the default entry, by contrast, loads no wasm file: its page carries the wasm in a script', { timeout: 30_000 }, async () => {
  const page = await browser.newPage();
  const wasm = [];
  const scripts = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.endsWith('.wasm')) wasm.push(response.url());
    else if (response.request().resourceType() === 'script') scripts.push(response.text());
  });
  await page.goto(APP_URL);
  await page.getByText('@user2').waitFor({ timeout: WAIT });
  assert.deepEqual(wasm, []);
  assert.ok((await Promise.all(scripts)).some((text) => BASE64_BLOB.test(text)), 'a script carries the packed wasm');
  await page.close();
});
