// Self-test for the mock server: node --test tests/support/mock-server.selftest.mjs
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMockServer, faults } from './mock-server.mjs';

let srv;
const api = (p) => `${srv.url}${srv.basePath}${p}`;
const json = async (r) => JSON.parse(await r.text());
const control = (op, body) => fetch(`${srv.url}/__control/${op}`, body === undefined ? {} : {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
});

before(async () => { srv = await startMockServer(); });
after(async () => { await srv.close(); });
beforeEach(() => srv.reset());

test('GET /status: envelope, sort order, summary, CORS, correlation id', async () => {
  const r = await fetch(api('/status'), { headers: { 'X-Correlation-Id': 'cid-1' } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.equal(r.headers.get('access-control-expose-headers'), 'Retry-After, X-Correlation-Id');
  const body = await json(r);
  assert.equal(body.success, true);
  assert.equal(body.correlationId, 'cid-1');
  assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
  const { integrations, summary } = body.data;
  assert.deepEqual(integrations.map((a) => `${a.provider}/${a.accountId}`),
    ['instagram/account_123', 'instagram/account_456', 'linkedin/li_42', 'tiktok/tt_789', 'youtube/yt_channel_1']);
  assert.deepEqual(summary, { total: 5, connected: 4, expired: 1, byProvider: { instagram: 2, linkedin: 1, tiktok: 1, youtube: 1 } });
  assert.ok(!('expiresAt' in integrations.find((a) => a.provider === 'linkedin')));
  const soon = Date.parse(integrations[0].expiresAt) - Date.now();
  assert.ok(soon > 0 && soon < 5 * 60_000);
});

test('configure({ envelope: false }) sends bare payloads and bare errors', async () => {
  srv.configure({ envelope: false });
  const body = await json(await fetch(api('/status')));
  assert.equal(body.summary.total, 5);
  const r = await fetch(api('/nope/x/y/z'));
  assert.equal(r.status, 404);
  const err = await json(r);
  assert.equal(err.error.type, 'not_found');
  assert.equal(err.error.statusCode, 404);
  assert.equal(err.error.retryable, false);
});

test('connect -> authorize adds an account; redirectUri gives a 302', async () => {
  const c = (await json(await fetch(api('/connect/tiktok'), { method: 'POST' }))).data;
  assert.match(c.state, /^[0-9a-f-]{36}$/);
  assert.ok(c.authUrl.startsWith(`${srv.url}/oauth/authorize?`));
  const a = await fetch(c.authUrl);
  assert.equal(a.status, 200);
  assert.deepEqual(await json(a), { provider: 'tiktok', accountId: 'tiktok_acct_1' });
  const added = srv.accounts().find((x) => x.accountId === 'tiktok_acct_1');
  assert.equal(added.status, 'connected');
  assert.equal(added.id, 6);
  assert.equal((await fetch(c.authUrl)).status, 400, 'state is single-use');

  const c2 = (await json(await fetch(api('/connect/youtube'), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ redirectUri: 'http://app.test/done?x=1' }),
  }))).data;
  const r = await fetch(c2.authUrl, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), 'http://app.test/done?x=1&provider=youtube&accountId=youtube_acct_2');
});

test('disconnect and refresh, including an encoded "/" in accountId', async () => {
  srv.setAccounts([...srv.accounts(), { provider: 'instagram', accountId: 'a/b', accountName: 'x', status: 'expired' }]);
  const d = await fetch(api('/instagram/a%2Fb'), { method: 'DELETE' });
  assert.deepEqual((await json(d)).data, { success: true, provider: 'instagram', accountId: 'a/b', message: 'Disconnected' });
  assert.equal(srv.accounts().length, 5);
  assert.equal((await fetch(api('/instagram/a%2Fb'), { method: 'DELETE' })).status, 404);

  srv.configure({ refreshTtlMs: 10_000 });
  const before = Date.now();
  const r = (await json(await fetch(api('/refresh/youtube/yt_channel_1'), { method: 'POST' }))).data;
  assert.equal(r.success, true);
  const ttl = Date.parse(r.expiresAt) - before;
  assert.ok(ttl >= 9_000 && ttl <= 11_000);
  assert.equal(srv.accounts().find((a) => a.accountId === 'yt_channel_1').status, 'connected');
  const miss = await fetch(api('/refresh/youtube/nope'), { method: 'POST' });
  assert.equal(miss.status, 404);
  assert.equal((await json(miss)).success, false);
});

test('OPTIONS preflight -> 204 with CORS headers', async () => {
  const r = await fetch(api('/refresh/x/y'), { method: 'OPTIONS' });
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS');
  assert.match(r.headers.get('access-control-allow-headers'), /Idempotency-Key/);
  assert.equal(r.headers.get('access-control-max-age'), '600');
});

test('status faults: default error body, Retry-After, invalid JSON, wrong shape, HTML', async () => {
  srv.fault(faults.status(503), faults.retryAfter(2), faults.invalidJson(), faults.wrongShape(), faults.html());
  let r = await fetch(api('/status'));
  assert.equal(r.status, 503);
  assert.equal((await json(r)).error.retryable, true);
  r = await fetch(api('/status'));
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '2');
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  r = await fetch(api('/status'));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  const text = await r.text();
  assert.equal(text, '{"integrations": [');
  assert.throws(() => JSON.parse(text), SyntaxError);
  assert.deepEqual(await json(await fetch(api('/status'))), { hello: 'world' });
  r = await fetch(api('/status'));
  assert.equal(r.status, 500);
  assert.equal(r.headers.get('content-type'), 'text/html');
  assert.match(await r.text(), /<h1>Internal Server Error<\/h1>/);
  assert.equal((await fetch(api('/status'))).status, 200, 'queue drained');
});

test('fault matching is FIFO over matching faults; times; text defaults to text/plain', async () => {
  srv.fault(
    { match: { route: 'refresh', provider: 'tiktok' }, action: { status: 500 } },
    { match: { method: 'get' }, times: 2, action: { status: 418, text: 'teapot' } },
  );
  assert.equal((await fetch(api('/refresh/instagram/account_123'), { method: 'POST' })).status, 200);
  for (let i = 0; i < 2; i++) {
    const r = await fetch(api('/status'));
    assert.equal(r.status, 418);
    assert.equal(r.headers.get('content-type'), 'text/plain');
  }
  assert.equal((await fetch(api('/status'))).status, 200);
  assert.equal((await fetch(api('/refresh/tiktok/tt_789'), { method: 'POST' })).status, 500);
});

test('network faults: reset, hang, delay', async () => {
  srv.fault(faults.reset());
  await assert.rejects(fetch(api('/status')), TypeError);

  srv.fault(faults.hang());
  await assert.rejects(fetch(api('/status'), { signal: AbortSignal.timeout(150) }), { name: 'TimeoutError' });

  srv.fault({ delayMs: 120 });
  const t0 = Date.now();
  assert.equal((await fetch(api('/status'))).status, 200);
  assert.ok(Date.now() - t0 >= 100);

  srv.fault({ delayMs: 50, status: 502 });
  assert.equal((await fetch(api('/status'))).status, 502);
});

test('request log and reset()', async () => {
  await fetch(api('/status'), { method: 'OPTIONS' });
  await fetch(api('/refresh/tiktok/tt_789'), {
    method: 'POST', headers: { 'Idempotency-Key': 'k1', 'Content-Type': 'application/json' }, body: '{"a":1}',
  });
  await fetch(api('/status'));
  await control('requests');
  const all = srv.requests();
  assert.deepEqual(all.map((e) => e.route), ['refresh', 'status']);
  const [refresh] = srv.requests({ route: 'refresh', method: 'post' });
  assert.equal(refresh.path, `${srv.basePath}/refresh/tiktok/tt_789`);
  assert.equal(refresh.provider, 'tiktok');
  assert.equal(refresh.accountId, 'tt_789');
  assert.equal(refresh.headers['idempotency-key'], 'k1');
  assert.deepEqual(refresh.body, { a: 1 });
  assert.ok(all[0].seq < all[1].seq);

  srv.fault(faults.status(500));
  srv.configure({ envelope: false });
  srv.setAccounts([]);
  srv.reset();
  assert.equal(srv.requests().length, 0);
  assert.equal(srv.accounts().length, 5);
  const r = await fetch(api('/status'));
  assert.equal(r.status, 200);
  assert.equal((await json(r)).success, true);
});

test('HTTP control API', async () => {
  assert.equal((await control('faults', { faults: [{ match: { route: 'status' }, action: { status: 503 } }] })).status, 200);
  assert.equal((await fetch(api('/status'))).status, 503);

  const reqs = await json(await fetch(`${srv.url}/__control/requests?route=status&method=GET`));
  assert.equal(reqs.requests.length, 1);

  await control('accounts', { generate: 50 });
  const acc = (await json(await fetch(`${srv.url}/__control/accounts`))).integrations;
  assert.equal(acc.length, 50);
  assert.equal(new Set(acc.map((a) => a.provider)).size, 5);
  for (const a of acc) assert.ok(Number.isInteger(a.id) && a.accountId && a.createdAt && a.updatedAt);

  await control('accounts', { integrations: [{ id: 9, provider: 'x', accountId: 'y', accountName: 'z', status: 'error' }] });
  await control('config', { envelope: false });
  assert.equal((await json(await fetch(api('/status')))).summary.total, 1);

  const reset = await control('reset', {});
  assert.equal(reset.headers.get('access-control-allow-origin'), '*');
  assert.equal((await json(await fetch(api('/status')))).data.summary.total, 5);
});

test('close() destroys hung sockets', async () => {
  const s = await startMockServer();
  s.fault(faults.hang());
  const pending = fetch(`${s.url}${s.basePath}/status`).catch((e) => e);
  while (s.requests().length === 0) await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  await s.close();
  assert.ok(Date.now() - t0 < 1000);
  assert.ok((await pending) instanceof TypeError);
});

test('CLI prints MOCK_URL and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./mock-server.mjs', import.meta.url)), '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const line = await new Promise((resolve) => child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) resolve(out);
  }));
  const m = /^MOCK_URL=(http:\/\/127\.0\.0\.1:\d+)\n$/.exec(line);
  assert.ok(m, line);
  assert.equal((await fetch(`${m[1]}/api/integrations/status`)).status, 200);
  const code = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await code, 0);
});

test('rawJson, redirect and rawHeaders', async () => {
  srv.fault(faults.rawJson('{"__proto__":{"x":1},"a":1}'), faults.redirect(307, 'http://127.0.0.1:9/elsewhere'));
  let r = await fetch(api('/status'));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  assert.equal(await r.text(), '{"__proto__":{"x":1},"a":1}');
  r = await fetch(api('/status'), { redirect: 'manual' });
  assert.equal(r.status, 307);
  assert.equal(r.headers.get('location'), 'http://127.0.0.1:9/elsewhere');

  srv.reset();
  await fetch(api('/status'), { headers: { 'X-Thing': 'a', 'X-Other': 'b' } });
  const [entry] = srv.requests();
  assert.deepEqual(entry.rawHeaders.filter(([k]) => k.startsWith('x-')).sort(), [['x-other', 'b'], ['x-thing', 'a']]);
});
