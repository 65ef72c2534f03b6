// Rate limits and revoked grants (../shared/API.md §12): back-pressure per provider after a 429 on
// a refresh, and accounts whose grant is gone moving to needsReconnect. Real package, real HTTP
// against the mock integrations API. Run with scripts/test-js.sh.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMockServer, faults } from '../support/mock-server.mjs';
import { rejection, assertIntegrationError, waitFor, clientMaker } from './support.mjs';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

const makeClient = clientMaker(() => server.url, {
  autoRefresh: false, cache: { dedupingInterval: 0 }, logger: () => {}, retry: { initialDelay: 1, maxDelay: 5 },
});

const refreshes = (provider) => server.requests({ route: 'refresh' }).filter((r) => !provider || r.provider === provider);

/** `count` accounts of `provider`, all expiring `inMs` from now. */
const accounts = (provider, count, inMs = MINUTE) => {
  const expiresAt = new Date(Date.now() + inMs).toISOString();
  return Array.from({ length: count }, (_, i) => ({
    provider, accountId: `${provider}_${i}`, accountName: `@${provider}${i}`, status: 'connected', expiresAt,
  }));
};

describe('back-pressure per provider', () => {
  test('a 429 on the first refresh of 50 due accounts of P: no other request to P during the pause, the rest deferred, other providers go on', async () => {
    server.setAccounts([...accounts('instagram', 50), ...accounts('tiktok', 3)]);
    // Retry-After 30 s: longer than the refresh's own maxRetryAfter below, so it gives up at once.
    server.fault({ match: { route: 'refresh', provider: 'instagram' }, action: faults.retryAfter(30) });
    const client = makeClient({ retry: { initialDelay: 1, maxDelay: 5, maxRetryAfter: 1000 } });
    await client.status();
    const result = await client.refreshExpiring();
    // Four refreshes run at once: the first four instagram accounts were sent before the 429 came
    // back; after it, none.
    const sent = refreshes('instagram').length;
    assert.equal(sent, 4, 'the four already on their way, then the pause');
    assert.equal(refreshes('tiktok').length, 3, 'tiktok went on');
    assert.equal(result.failed.length, 1);
    assertIntegrationError(result.failed[0], { kind: 'http', statusCode: 429 });
    assert.equal(result.refreshed.length, 3 + (sent - 1));
    // Every other instagram account is deferred, none counted as failed.
    const deferredInstagram = result.deferred.filter((d) => d.provider === 'instagram');
    assert.equal(deferredInstagram.length, 50 - sent);
    for (const d of result.deferred) {
      assert.ok(d.retryAfterMs > 0 && d.retryAfterMs <= 30_000, String(d.retryAfterMs));
      assert.equal(typeof d.accountId, 'string');
    }
  });

  test('a foreground refreshToken for a paused provider fails at once with 429 and what is left of the pause', async () => {
    server.setAccounts(accounts('instagram', 2));
    server.fault({ match: { route: 'refresh', provider: 'instagram' }, action: faults.retryAfter(30) });
    const client = makeClient({ retry: { initialDelay: 1, maxDelay: 5, maxRetryAfter: 1000 } });
    await rejection(() => client.refreshToken('instagram', 'instagram_0'));
    const before = refreshes().length;
    const err = await rejection(() => client.refreshToken('instagram', 'instagram_1'));
    assertIntegrationError(err, { kind: 'http', statusCode: 429 });
    assert.ok(err.retryAfterMs > 25_000 && err.retryAfterMs <= 30_000, String(err.retryAfterMs));
    assert.equal(err.accountId, 'instagram_1');
    assert.equal(refreshes().length, before, 'nothing sent during the pause');
  });

  test('a pause within maxRetryAfter is waited out, then the refresh is sent', async () => {
    server.setAccounts(accounts('instagram', 2));
    server.fault({ match: { route: 'refresh', provider: 'instagram' }, action: faults.retryAfter(1) });
    const client = makeClient({ retry: { maxRetries: 0 } });
    await rejection(() => client.refreshToken('instagram', 'instagram_0'));
    const started = Date.now();
    const res = await client.refreshToken('instagram', 'instagram_1');
    assert.equal(res.success, true);
    assert.ok(Date.now() - started >= 900, `waited ${Date.now() - started} ms`);
    assert.equal(refreshes().length, 2);
  });
});

describe('terminal and transient refresh failures', () => {
  test('a 401 on a refresh moves the account to needsReconnect; refreshExpiring skips it; a status showing it connected with a later expiry brings it back', async () => {
    server.setAccounts([...accounts('instagram', 2)]);
    server.fault({ match: { route: 'refresh', accountId: 'instagram_0' }, action: faults.status(401) });
    const entries = [];
    const client = makeClient({ logger: (e) => entries.push(e), logLevel: 'info' });
    await client.status();
    const first = await client.refreshExpiring();
    assert.equal(first.failed.length, 1);
    assertIntegrationError(first.failed[0], { kind: 'http', statusCode: 401 });
    const snap = client.getSnapshot();
    assert.deepEqual(Object.keys(snap.needsReconnect), ['instagram']);
    assert.deepEqual(snap.needsReconnect.instagram.map((a) => a.accountId), ['instagram_0']);
    const gone = entries.filter((e) => /grant is gone/.test(e.message));
    assert.equal(gone.length, 1, 'the transition is logged once');
    assert.equal(gone[0].accountId, 'instagram_0');
    assert.equal(typeof gone[0].correlationId, 'string');

    // Still due (the mock keeps its old expiry), but skipped by refreshExpiring.
    const before = refreshes().length;
    const second = await client.refreshExpiring();
    assert.equal(refreshes().length, before, 'not refreshed automatically');
    assert.equal(second.failed.length, 0);

    // The user reconnected: the server shows it connected with a later expiry.
    server.setAccounts([
      { ...accounts('instagram', 1, 30 * DAY)[0] },
      accounts('instagram', 2)[1],
    ]);
    await client.status();
    assert.deepEqual(client.getSnapshot().needsReconnect, {});
    assert.equal(entries.filter((e) => /connected again/.test(e.message)).length, 1);
  });

  test('an explicit refreshToken still goes to the server, and its success clears needsReconnect', async () => {
    server.setAccounts(accounts('instagram', 1));
    server.fault({ match: { route: 'refresh' }, action: faults.status(403) });
    const client = makeClient();
    await client.status();
    await rejection(() => client.refreshToken('instagram', 'instagram_0'));
    await waitFor(() => client.getSnapshot().needsReconnect.instagram?.length === 1, 'needsReconnect');
    const res = await client.refreshToken('instagram', 'instagram_0');
    assert.equal(res.success, true);
    assert.deepEqual(client.getSnapshot().needsReconnect, {});
  });

  test('network errors and 5xx are transient: the account stays out of needsReconnect', async () => {
    server.setAccounts(accounts('instagram', 1));
    server.fault({ match: { route: 'refresh' }, times: -1, action: faults.status(503) });
    const client = makeClient({ retry: { maxRetries: 1, initialDelay: 1, maxDelay: 2 } });
    await client.status();
    const res = await client.refreshExpiring();
    assert.equal(res.failed.length, 1);
    assert.deepEqual(client.getSnapshot().needsReconnect, {});
  });
});
