// What the browser tests share (tests/browser and tests/next): the URLs scripts/test-browser.sh and
// scripts/test-next.sh pass, Debian's Chromium with its flags, the mock server's control API and
// bounded polling. Not a test file itself (node --test runs *.test.mjs).
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const { APP_URL, MOCK_URL } = process.env;
if (!APP_URL || !MOCK_URL) throw new Error('APP_URL and MOCK_URL must be set: run scripts/test-browser.sh or scripts/test-next.sh');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
];
export const WAIT = 10_000; // the longest any single wait may take

/** Debian's headless Chromium, as every browser test runs it. */
export const launchChromium = () => chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

// ---- mock server control API -----------------------------------------------------------------
export async function control(method, op, body) {
  const res = await fetch(`${MOCK_URL}/__control/${op}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  assert.equal(res.status, 200, `control ${method} ${op}`);
  return res.json();
}
export const requests = async (route, method) =>
  (await control('GET', `requests?route=${route}${method ? `&method=${method}` : ''}`)).requests;
export const count = async (route) => (await requests(route)).length;
export const refreshedAccounts = async () => (await requests('refresh')).map((r) => r.accountId).sort();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (which throws while not yet true) until it passes or `timeout` ms have gone. */
export async function eventually(check, { timeout = WAIT, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(interval);
    }
  }
}
