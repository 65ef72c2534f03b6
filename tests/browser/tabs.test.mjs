// Several tabs of the React example (examples/react) at once, in Debian's Chromium through
// playwright-core: the cross-tab single flight of ../shared/API.md §12 (first bullet). Pages of one
// browser context share an origin's Web Locks and BroadcastChannels, so their clients coordinate;
// pages of two contexts (separate storage partitions) cannot, which is the control experiment.
// Run by scripts/test-browser.sh, which builds the app against the packed package, serves it with
// `vite preview` (proxying /api to the mock integrations API) and passes both URLs:
//   APP_URL   the app, e.g. http://127.0.0.1:4173
//   MOCK_URL  the mock server, for its control API (reset, faults, request log, accounts)
// Every count below is read from the mock server's request log, and every wait is bounded.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_URL, control, count, eventually, launchChromium, refreshedAccounts, requests, sleep, WAIT } from './support.mjs';

// How long another tab may take to show a change made in one tab. The client polls every 5 minutes
// and no page gets a focus event here, so only the cross-tab broadcast can make it in time.
const CROSS_TAB = 5_000;
const QUIET = 1_500; // no request for this long, and every page idle: a round of traffic is over
// The query of the other browser tests.
const APP_PATH = '/?focusThrottleInterval=0';
const allRequests = async () => (await control('GET', 'requests')).requests;
const storedAccount = async (provider, accountId) =>
  (await control('GET', 'accounts')).integrations.find((a) => a.provider === provider && a.accountId === accountId);
const expectAtLeast = (route, n, options) =>
  eventually(async () => assert.ok(await count(route) >= n, `at least ${n} ${route} requests`), options);

// ---- browser ---------------------------------------------------------------------------------
let browser, contexts, pageErrors;

before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

beforeEach(async () => {
  await control('POST', 'reset');
  contexts = [];
  pageErrors = [];
});
afterEach(async () => {
  for (const context of contexts) await context.close();
  assert.deepEqual(pageErrors, [], 'uncaught errors in the pages');
});

/**
 * Every page records the events that make the client revalidate on its own (focus, visibility,
 * online), so that a test can show that another tab's change did not arrive that way.
 */
function recordWakeUps() {
  window.__wakeUps = [];
  const record = (event) => window.__wakeUps.push(
    event.type === 'visibilitychange' ? `visibilitychange:${document.visibilityState}` : event.type);
  for (const type of ['focus', 'visibilitychange', 'online', 'pageshow']) window.addEventListener(type, record, true);
}

/**
 * A new browser context (its own storage partition: Web Locks and BroadcastChannels of one context
 * never reach another), whose token refresh requests are held until the mock server has seen
 * `statusRequests` status requests. Two pages that open together thus both load the status while
 * their tokens are still due, whatever the timing of the machine: without coordination both
 * refresh; a second refresh can only be avoided by coordinating, never by luck.
 */
async function newContext({ statusRequests = 2 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  contexts.push(context);
  await context.addInitScript(recordWakeUps);
  await context.route(/\/api\/integrations\/refresh\//, async (route) => {
    // Bounded: if the gate never opens, the request goes on and the test's precondition fails.
    await eventually(async () => assert.ok(await count('status') >= statusRequests)).catch(() => {});
    await route.continue().catch(() => {}); // the context may be closing
  });
  return context;
}

/** A page of `context`, named for messages; `page.refreshes` lists the accounts it refreshed. */
async function newPage(context, name) {
  const page = await context.newPage();
  page.testName = name;
  page.refreshes = [];
  page.on('pageerror', (error) => pageErrors.push(`${name}: ${error}`));
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() === 'POST' && path.includes('/refresh/')) page.refreshes.push(decodeURIComponent(path.split('/').pop()));
  });
  return page;
}

const byId = (page, id) => page.getByTestId(id);
const idle = (page) => byId(page, 'validating').waitFor({ state: 'hidden', timeout: WAIT });
const open = (page) => page.goto(`${APP_URL}${APP_PATH}`);
const showsAccounts = (page) => byId(page, 'account-instagram-account_123').waitFor({ timeout: WAIT });

/** Waits until the mock server has seen no request for QUIET ms and every page is idle. */
async function quiet(pages) {
  const deadline = Date.now() + 3 * WAIT;
  for (;;) {
    const before = (await allRequests()).length;
    await sleep(QUIET);
    for (const page of pages) await idle(page);
    if ((await allRequests()).length === before) return;
    assert.ok(Date.now() < deadline, 'the traffic never stopped');
  }
}

/** The `expiresAt` a page shows for an account: its <time datetime> (ISO) and its text. */
async function shownExpiry(page, provider, accountId) {
  const time = byId(page, `expires-${provider}-${accountId}`);
  return { at: Date.parse(await time.getAttribute('datetime')), text: await time.textContent() };
}

/** Both pages' initial status requests reached the server before any token refresh did. */
async function assertRealRace() {
  const log = await allRequests();
  const statuses = log.filter((r) => r.route === 'status');
  const refreshes = log.filter((r) => r.route === 'refresh');
  assert.ok(statuses.length >= 2 && refreshes.length >= 1, 'two status requests and a refresh');
  assert.ok(statuses[1].seq < refreshes[0].seq,
    'both pages loaded the status while their tokens were still due (else the test proves nothing)');
}

const perPage = (pages) => pages.map((p) => `${p.testName} refreshed [${p.refreshes.join(', ')}]`).join('; ');

// ---- tests -----------------------------------------------------------------------------------
test('two tabs of one browser open together: each due account is refreshed once, both show it', { timeout: 60_000 }, async () => {
  const context = await newContext();
  const returned = []; // the bodies of the refresh responses, as the browser got them
  context.on('response', (response) => {
    if (response.request().method() === 'POST' && response.url().includes('/refresh/')) {
      returned.push(response.json().catch((error) => ({ unreadable: String(error) })));
    }
  });
  const a = await newPage(context, 'page A');
  const b = await newPage(context, 'page B');
  await Promise.all([open(a), open(b)]);
  await Promise.all([showsAccounts(a), showsAccounts(b)]);
  // instagram/account_123 expires in 2 minutes, youtube/yt_channel_1 has expired: both are due.
  await expectAtLeast('refresh', 2);
  await quiet([a, b]);
  await assertRealRace();

  assert.deepEqual(await refreshedAccounts(), ['account_123', 'yt_channel_1'],
    `one POST /refresh per due account between both tabs, not one per tab (${perPage([a, b])})`);
  assert.equal(a.refreshes.length + b.refreshes.length, 2);

  // Both tabs show the expiry the one refresh returned (the mock hands out tokens good for an hour).
  const bodies = await Promise.all(returned);
  const body = bodies.find((r) => (r.data ?? r).accountId === 'account_123');
  assert.ok(body, `the refresh response of account_123 (${JSON.stringify(bodies)})`);
  const refreshedAt = Date.parse((body.data ?? body).expiresAt);
  assert.ok(refreshedAt > Date.now() + 30 * 60_000, 'the refresh returned a new expiry');
  assert.equal(Date.parse((await storedAccount('instagram', 'account_123')).expiresAt), refreshedAt);
  const [shownA, shownB] = [await shownExpiry(a, 'instagram', 'account_123'), await shownExpiry(b, 'instagram', 'account_123')];
  assert.equal(shownA.at, refreshedAt, 'page A shows the refreshed expiry');
  assert.equal(shownB.at, refreshedAt, 'page B shows the refreshed expiry');
  assert.equal(shownA.text, shownB.text);
  for (const page of [a, b]) {
    assert.equal(await byId(page, 'status-youtube-yt_channel_1').textContent(), 'connected', page.testName);
    assert.equal(await byId(page, 'error').count(), 0, page.testName);
  }
});

test('a Disconnect in one tab shows in the other tab without a reload, focus or poll', { timeout: 60_000 }, async () => {
  const context = await newContext({ statusRequests: 1 }); // page A opens alone
  const a = await newPage(context, 'page A');
  await open(a);
  await showsAccounts(a);
  await expectAtLeast('refresh', 2);
  await quiet([a]);
  // Page B opens after A's refresh: nothing is due any more, so B refreshes nothing.
  const b = await newPage(context, 'page B');
  await open(b);
  await showsAccounts(b);
  await quiet([a, b]);
  assert.equal(await count('refresh'), 2);
  assert.equal(await byId(b, 'account-instagram-account_456').isVisible(), true);
  // Marks page B's document (a reload would lose it) and forgets its wake-ups so far.
  await b.evaluate(() => { window.__sameDocument = true; window.__wakeUps.length = 0; });

  await byId(a, 'disconnect-instagram-account_123').click();
  await byId(a, 'account-instagram-account_123').waitFor({ state: 'detached', timeout: WAIT });
  await byId(b, 'account-instagram-account_123').waitFor({ state: 'detached', timeout: CROSS_TAB })
    .catch((error) => assert.fail(`page B still shows instagram/account_123 ${CROSS_TAB} ms after page A disconnected it (${error.message.split('\n')[0]})`));
  assert.equal(await b.evaluate(() => window.__sameDocument), true, 'page B was not reloaded');
  assert.deepEqual(await b.evaluate(() => window.__wakeUps), [], 'page B got no focus, visibility or online event');

  await quiet([a, b]);
  const deletes = await requests('disconnect');
  assert.equal(deletes.length, 1, 'one DELETE, from page A');
  assert.equal(deletes[0].path, '/api/integrations/instagram/account_123');
  for (const page of [a, b]) {
    assert.equal(await byId(page, 'account-instagram-account_123').count(), 0, page.testName);
    assert.equal(await byId(page, 'account-instagram-account_456').isVisible(), true, page.testName);
    assert.equal(await byId(page, 'provider-instagram').locator('li').count(), 1, page.testName);
    assert.match(await byId(page, 'summary').textContent(), /^4 accounts/, page.testName);
    assert.equal(await byId(page, 'error').count(), 0, page.testName);
  }
  assert.equal(await count('refresh'), 2, 'a disconnect refreshes no token');
});

test('two tabs of two browser contexts cannot coordinate: each refreshes its due accounts', { timeout: 60_000 }, async () => {
  // Separate storage partitions: neither Web Locks nor BroadcastChannel messages cross them.
  const a = await newPage(await newContext(), 'page A (context 1)');
  const b = await newPage(await newContext(), 'page B (context 2)');
  await Promise.all([open(a), open(b)]);
  await Promise.all([showsAccounts(a), showsAccounts(b)]);
  await expectAtLeast('refresh', 4);
  await quiet([a, b]);
  await assertRealRace();

  assert.deepEqual(await refreshedAccounts(), ['account_123', 'account_123', 'yt_channel_1', 'yt_channel_1'],
    `each tab refreshes both due accounts (${perPage([a, b])})`);
  assert.deepEqual(a.refreshes.sort(), ['account_123', 'yt_channel_1']);
  assert.deepEqual(b.refreshes.sort(), ['account_123', 'yt_channel_1']);
  for (const page of [a, b]) {
    assert.ok((await shownExpiry(page, 'instagram', 'account_123')).at > Date.now() + 30 * 60_000, page.testName);
    assert.equal(await byId(page, 'status-youtube-yt_channel_1').textContent(), 'connected', page.testName);
    assert.equal(await byId(page, 'error').count(), 0, page.testName);
  }
});
