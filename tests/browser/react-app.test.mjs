// Browser tests of the React example (examples/react), in Debian's Chromium through playwright-core.
// Run by scripts/test-browser.sh, which builds the app against the packed package, serves it with
// `vite preview` (proxying /api to the mock integrations API) and passes both URLs:
//   APP_URL   the app, e.g. http://127.0.0.1:4173
//   MOCK_URL  the mock server, for its control API (reset, faults, request log)
// Every count below is read from the mock server's request log, and every wait is bounded.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_URL, control, count, eventually, launchChromium, refreshedAccounts, requests, WAIT } from './support.mjs';

const SCREENSHOT = fileURLToPath(new URL('../../target/screenshots/react-app.png', import.meta.url));
const expectCount = (route, n, options) =>
  eventually(async () => assert.equal(await count(route), n, `${route} requests`), options);

// ---- browser ---------------------------------------------------------------------------------
let browser, context, page, pageErrors;

before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

beforeEach(async () => {
  await control('POST', 'reset');
  context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
});
afterEach(async () => {
  await context?.close();
  assert.deepEqual(pageErrors.map(String), [], 'uncaught errors in the page');
});

const byId = (id) => page.getByTestId(id);
const idle = () => byId('validating').waitFor({ state: 'hidden', timeout: WAIT });

/**
 * Opens the app and waits until its first round of traffic is over: the first status request,
 * the automatic refresh of the tokens that expire within the 5-minute window (instagram/account_123
 * in 2 minutes, youtube/yt_channel_1 already expired), and the one revalidation that starts.
 * Exactly that, and nothing else.
 */
async function openApp() {
  await page.goto(`${APP_URL}/?focusThrottleInterval=0`);
  await byId('account-instagram-account_123').waitFor({ timeout: WAIT });
  await expectCount('refresh', 2);
  await expectCount('status', 2);
  await idle();
  assert.equal(await count('status'), 2, 'status requests after the first load');
  assert.deepEqual(await refreshedAccounts(), ['account_123', 'yt_channel_1']);
}

// ---- tests -----------------------------------------------------------------------------------
test('the page loads and shows both Instagram accounts, grouped by provider', { timeout: 30_000 }, async () => {
  await openApp();
  const instagram = byId('provider-instagram');
  for (const [id, name] of [['account_123', '@user1'], ['account_456', '@user2']]) {
    const row = byId(`account-instagram-${id}`);
    assert.match(await row.textContent(), new RegExp(`${name}.*${id}`));
    assert.equal(await byId(`status-instagram-${id}`).textContent(), 'connected');
    assert.equal(await instagram.getByTestId(`account-instagram-${id}`).count(), 1);
  }
  assert.match(await instagram.locator('h2').textContent(), /2 accounts/);
  // One section per provider of the mock's accounts.
  assert.deepEqual(
    await page.locator('section').evaluateAll((els) => els.map((el) => el.dataset.testid)),
    ['provider-instagram', 'provider-linkedin', 'provider-tiktok', 'provider-youtube'],
  );
  // The expired YouTube token was refreshed automatically, so every account is connected now.
  assert.equal(await byId('status-youtube-yt_channel_1').textContent(), 'connected');
  assert.match(await byId('summary').textContent(), /5 accounts · 5 connected · 0 expired/);
  assert.equal(await byId('error').count(), 0);
  assert.equal(await byId('loading').count(), 0);
});

test('Disconnect removes exactly that account; the other Instagram account stays', { timeout: 30_000 }, async () => {
  await openApp();
  await byId('disconnect-instagram-account_123').click();
  await byId('account-instagram-account_123').waitFor({ state: 'detached', timeout: WAIT });
  await expectCount('disconnect', 1);
  // The client revalidates after a successful disconnect: one more status request.
  await expectCount('status', 3);
  await idle();

  const deletes = await requests('disconnect');
  assert.equal(deletes.length, 1);
  assert.equal(deletes[0].method, 'DELETE');
  assert.equal(deletes[0].path, '/api/integrations/instagram/account_123');
  assert.equal(await byId('account-instagram-account_123').count(), 0);
  assert.equal(await byId('account-instagram-account_456').isVisible(), true);
  assert.match(await byId('summary').textContent(), /^4 accounts/);
  assert.equal(await byId('provider-instagram').locator('li').count(), 1);
  assert.equal(await byId('error').count(), 0);
  assert.equal(await count('status'), 3);
});

test('a window focus event triggers exactly one status request, with the indicator shown', { timeout: 30_000 }, async () => {
  await openApp();
  // Slow that one request down, so that the "Updating…" indicator is surely on screen a while.
  await control('POST', 'faults', { faults: [{ match: { route: 'status' }, times: 1, action: { delayMs: 800 } }] });
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await byId('validating').waitFor({ state: 'visible', timeout: WAIT });
  await expectCount('status', 3);
  await idle();
  assert.equal(await count('status'), 3);
  assert.equal(await byId('account-instagram-account_456').isVisible(), true);
});

test('Connect another shows the authUrl; Refresh token updates that account only', { timeout: 30_000 }, async () => {
  await openApp();
  await byId('connect-tiktok').click();
  const link = byId('auth-url-tiktok');
  await link.waitFor({ timeout: WAIT });
  const authUrl = new URL(await link.getAttribute('href'));
  assert.equal(authUrl.pathname, '/oauth/authorize');
  assert.equal(authUrl.searchParams.get('provider'), 'tiktok');
  const connects = await requests('connect');
  assert.equal(connects.length, 1);
  assert.equal(connects[0].provider, 'tiktok');
  assert.equal(connects[0].headers['idempotency-key']?.length, 36);

  const expires = byId('expires-instagram-account_456');
  const before = Date.parse(await expires.getAttribute('datetime'));
  assert.ok(before > Date.now() + 7 * 24 * 3600_000, 'account_456 starts with a token good for weeks');
  await byId('refresh-token-instagram-account_456').click();
  // The mock hands out tokens good for one hour.
  await eventually(async () => {
    const after = Date.parse(await expires.getAttribute('datetime'));
    assert.ok(after < Date.now() + 2 * 3600_000, `expiresAt updated (${after})`);
  });
  assert.deepEqual(await refreshedAccounts(), ['account_123', 'account_456', 'yt_channel_1']);
  assert.equal(await count('status'), 2, 'a token refresh needs no status request');
  assert.equal(await byId('error').count(), 0);
});

test('a status that keeps failing shows loading, then error.userMessage; Refresh recovers', { timeout: 45_000 }, async () => {
  // Every attempt of the first status operation fails (1 + 3 retries), each after 300 ms.
  await control('POST', 'faults', { faults: [{ match: { route: 'status' }, times: 4, action: { status: 503, delayMs: 300 } }] });
  await page.goto(`${APP_URL}/`);
  await byId('loading').waitFor({ timeout: WAIT });
  const error = byId('error');
  await error.waitFor({ timeout: 20_000 });
  assert.equal(await error.textContent(), 'Something went wrong. Please try again.');
  assert.equal(await byId('loading').count(), 0);
  assert.equal(await page.locator('section').count(), 0);
  const failed = await requests('status');
  assert.equal(failed.length, 4);
  assert.equal(new Set(failed.map((r) => r.headers['x-correlation-id'])).size, 1);

  await byId('refresh').click();
  await byId('account-instagram-account_456').waitFor({ timeout: WAIT });
  await error.waitFor({ state: 'detached', timeout: WAIT });
  // The successful fetch, then the automatic token refresh and its revalidation.
  await expectCount('refresh', 2);
  await expectCount('status', 6);
  await idle();
  assert.equal(await count('status'), 6);
});

test('Refresh retries two injected 503s and the page recovers; screenshot', { timeout: 45_000 }, async () => {
  await openApp();
  await control('POST', 'faults', { faults: [{ match: { route: 'status' }, times: 2, action: { status: 503 } }] });
  await byId('refresh').click();
  // Debounce (1 s), then three attempts with backoff (at most 1 s + 2 s of jitter).
  await expectCount('status', 5, { timeout: 20_000 });
  await idle();

  const attempts = (await requests('status')).slice(2);
  assert.deepEqual(attempts.map((r) => r.fault?.status), [503, 503, undefined]);
  const ids = new Set(attempts.map((r) => r.headers['x-correlation-id']));
  assert.equal(ids.size, 1, 'one operation: the same X-Correlation-Id on every attempt');
  assert.equal(await byId('error').count(), 0);
  assert.equal(await byId('account-instagram-account_123').isVisible(), true);
  assert.equal(await byId('account-instagram-account_456').isVisible(), true);
  assert.equal(await count('status'), 5);

  await mkdir(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});
