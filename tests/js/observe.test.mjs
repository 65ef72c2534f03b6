// Logs and metrics (../shared/API.md §9), and token redaction in errors, logs and metrics (§5,
// §9), through the real package against the mock integrations API. Run with scripts/test-js.sh.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import { IntegrationsClient, IntegrationError } from 'integrations-client';
import { startMockServer, faults } from '../support/mock-server.mjs';
import { rejection, assertIntegrationError, waitFor, clientMaker } from './support.mjs';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const FAST = Object.freeze({ initialDelay: 1, maxDelay: 5 });
const HOUR = 3_600_000;
const LEAK = 'tok_LEAK_abcdef123456';
const OPERATIONS = ['status', 'connect', 'disconnect', 'refreshToken', 'refreshExpiring', 'fetchWithRetry'];

let server;
before(async () => { server = await startMockServer(); });
after(async () => { await server.close(); });
beforeEach(() => server.reset());

// Tiny retry delays, no auto-refresh and no status cache unless a test asks.
const makeClient = clientMaker(() => server.url, { autoRefresh: false, cache: { dedupingInterval: 0 }, retry: FAST });

/** A client whose log entries and metrics are collected into `logs` / `metrics`. */
function observed(options = {}) {
  const logs = [];
  const metrics = [];
  const client = makeClient({ logger: (e) => logs.push(e), onMetric: (m) => metrics.push(m), logLevel: 'debug', ...options });
  return { client, logs, metrics };
}

const idle = (client) => waitFor(() => !client.getSnapshot().isValidating, 'the store to be idle');

const headerIds = (route) => server.requests({ route }).map((r) => r.headers['x-correlation-id']);

/** Replaces console.debug/info/warn/error for the duration of `fn`, recording the calls. */
async function withConsole(fn) {
  const calls = { debug: [], info: [], warn: [], error: [] };
  const saved = {};
  for (const level of Object.keys(calls)) {
    saved[level] = console[level];
    console[level] = (...args) => calls[level].push(args);
  }
  try {
    await fn(calls);
  } finally {
    Object.assign(console, saved);
  }
  return calls;
}

function assertEntryShape(e) {
  assert.ok(['debug', 'info', 'warn', 'error'].includes(e.level), `level ${e.level}`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0);
  assert.match(e.timestamp, RFC3339);
  assert.ok(Number.isFinite(Date.parse(e.timestamp)));
  assert.ok(OPERATIONS.includes(e.operation), `operation ${e.operation}`);
}

function assertMetricShape(m) {
  assert.ok(OPERATIONS.includes(m.operation), `operation ${m.operation}`);
  assert.equal(typeof m.success, 'boolean');
  assert.equal(typeof m.cached, 'boolean');
  assert.ok(Number.isFinite(m.durationMs) && m.durationMs >= 0, `durationMs ${m.durationMs}`);
  assert.ok(Number.isInteger(m.attempts) && m.attempts >= 0, `attempts ${m.attempts}`);
  assert.match(m.correlationId, UUID_V4);
}

// ------------------------------------------------------------------------------------------
describe('log entries and metrics of one operation', () => {
  test('status with 2 × 503 then success: start (debug), 2 retries (info), success (debug), one metric', async () => {
    server.fault({ match: { route: 'status' }, times: 2, action: faults.status(503) });
    const { client, logs, metrics } = observed();
    await client.status();
    const ids = headerIds('status');
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 1);
    const [cid] = ids;
    for (const e of logs) assertEntryShape(e);
    assert.deepEqual(logs.map((e) => [e.level, e.operation]), [
      ['debug', 'status'], ['info', 'status'], ['info', 'status'], ['debug', 'status'],
    ]);
    for (const e of logs) assert.equal(e.correlationId, cid);
    const [start, retry1, retry2, done] = logs;
    assert.equal(start.attempt ?? 1, 1);
    for (const [e, attempt] of [[retry1, 1], [retry2, 2]]) {
      assert.equal(e.attempt, attempt);
      assert.equal(e.statusCode, 503);
      assert.equal(e.errorKind, 'http');
      assert.equal(typeof e.retryInMs, 'number');
      assert.ok(Number.isFinite(e.retryInMs) && e.retryInMs >= 0 && e.retryInMs <= FAST.maxDelay, `retryInMs ${e.retryInMs}`);
    }
    assert.equal(done.errorKind, undefined);
    assert.equal(done.attempt, 3);
    assert.ok(Number.isFinite(done.durationMs) && done.durationMs >= 0);
    assert.equal(metrics.length, 1);
    assertMetricShape(metrics[0]);
    const { durationMs, ...rest } = metrics[0];
    assert.deepEqual(rest, { operation: 'status', success: true, attempts: 3, cached: false, correlationId: cid, statusCode: 200 });
  });

  test('a failed, retried operation (4 × 503): one correlation id in every header, log entry, the metric and the error', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const { client, logs, metrics } = observed();
    const err = await rejection(() => client.status());
    assertIntegrationError(err, { kind: 'http', statusCode: 503, attempts: 4, retryable: true });
    const ids = headerIds('status');
    assert.equal(ids.length, 4);
    assert.deepEqual(ids, Array(4).fill(err.correlationId));
    assert.match(err.correlationId, UUID_V4);
    for (const e of logs) assertEntryShape(e);
    assert.equal(logs.length, 5, 'start, 3 retries, failure');
    for (const e of logs) assert.equal(e.correlationId, err.correlationId, `${e.level} ${e.message}`);
    assert.deepEqual(logs.map((e) => e.level), ['debug', 'info', 'info', 'info', 'warn']);
    const failure = logs.at(-1);
    assert.equal(failure.level, 'warn', 'a retryable failure is a warning');
    assert.equal(failure.statusCode, 503);
    assert.equal(failure.errorKind, 'http');
    assert.equal(failure.attempt, 4);
    assert.equal(metrics.length, 1);
    assertMetricShape(metrics[0]);
    assert.equal(metrics[0].correlationId, err.correlationId);
    assert.equal(metrics[0].operation, 'status');
    assert.equal(metrics[0].success, false);
    assert.equal(metrics[0].attempts, 4);
    assert.equal(metrics[0].cached, false);
    assert.equal(metrics[0].statusCode, 503);
  });

  test('a 404 failure is logged at error, with the account; its metric says so', async () => {
    const { client, logs, metrics } = observed();
    const err = await rejection(() => client.refreshToken('instagram', 'nope'));
    assertIntegrationError(err, { kind: 'http', statusCode: 404, attempts: 1, retryable: false });
    const failures = logs.filter((e) => e.level === 'warn' || e.level === 'error');
    assert.equal(failures.length, 1);
    const [f] = failures;
    assertEntryShape(f);
    assert.equal(f.level, 'error');
    assert.equal(f.operation, 'refreshToken');
    assert.equal(f.provider, 'instagram');
    assert.equal(f.accountId, 'nope');
    assert.equal(f.statusCode, 404);
    assert.equal(f.errorKind, 'http');
    assert.equal(f.correlationId, err.correlationId);
    assert.equal(metrics.length, 1);
    assertMetricShape(metrics[0]);
    const { durationMs, ...rest } = metrics[0];
    assert.deepEqual(rest, {
      operation: 'refreshToken', success: false, attempts: 1, cached: false, correlationId: err.correlationId,
      statusCode: 404, provider: 'instagram', accountId: 'nope',
    });
  });

  test('an invalid_input refusal: a metric with attempts 0 and no request', async () => {
    const { client, metrics } = observed();
    const err = await rejection(() => client.refreshToken('Not A Slug', 'x'));
    assertIntegrationError(err, { kind: 'invalid_input', attempts: 0 });
    assert.equal(server.requests().length, 0);
    assert.ok(metrics.length <= 1, 'at most one metric per operation');
    for (const m of metrics) {
      assertMetricShape(m);
      assert.equal(m.attempts, 0);
      assert.equal(m.success, false);
    }
  });
});

// ------------------------------------------------------------------------------------------
describe('logLevel', () => {
  for (const [label, options] of [["'warn'", { logLevel: 'warn' }], ['the default (warn)', { logLevel: undefined }]]) {
    test(`${label}: no debug/info entries, the logger is not even called for them; failures still come`, async () => {
      const calls = [];
      const metrics = [];
      const opts = { logger: (e) => calls.push(e), onMetric: (m) => metrics.push(m), ...options };
      if (opts.logLevel === undefined) delete opts.logLevel;
      const client = makeClient(opts);
      server.fault({ match: { route: 'status' }, times: 2, action: faults.status(503) });
      await client.status();
      await client.refreshToken('instagram', 'account_123');
      assert.equal(calls.length, 0, `logger called: ${JSON.stringify(calls)}`);
      assert.equal(metrics.length, 2, 'metrics do not depend on logLevel');
      server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
      await rejection(() => client.status());
      assert.deepEqual(calls.map((e) => e.level), ['warn']);
      await rejection(() => client.refreshToken('instagram', 'nope'));
      assert.deepEqual(calls.map((e) => e.level), ['warn', 'error']);
    });
  }

  test("'info': retries are logged, debug entries are not", async () => {
    const calls = [];
    const client = makeClient({ logger: (e) => calls.push(e), logLevel: 'info' });
    server.fault({ match: { route: 'status' }, times: 2, action: faults.status(503) });
    await client.status();
    assert.deepEqual(calls.map((e) => e.level), ['info', 'info']);
  });

  test("'error': a retryable failure (warn) is not logged, a 404 (error) is", async () => {
    const calls = [];
    const client = makeClient({ logger: (e) => calls.push(e), logLevel: 'error' });
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    await rejection(() => client.status());
    assert.equal(calls.length, 0);
    await rejection(() => client.refreshToken('instagram', 'nope'));
    assert.deepEqual(calls.map((e) => [e.level, e.operation]), [['error', 'refreshToken']]);
  });

  test("'silent': the logger is never called, not even for failures", async () => {
    const calls = [];
    const metrics = [];
    const client = makeClient({ logger: (e) => calls.push(e), onMetric: (m) => metrics.push(m), logLevel: 'silent' });
    server.fault({ match: { route: 'status' }, times: 2, action: faults.status(503) });
    await client.status();
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    await rejection(() => client.status());
    await rejection(() => client.refreshToken('instagram', 'nope'));
    assert.equal(calls.length, 0);
    assert.equal(metrics.length, 3, 'metrics still come');
  });

  test('the default logger (no logger option) writes a failure to console.warn, a 404 to console.error', async () => {
    let err404;
    let err503;
    const calls = await withConsole(async () => {
      const client = makeClient();
      server.fault({ match: { route: 'status' }, times: 2, action: faults.status(503) });
      await client.status(); // retries only: below the default 'warn'
      server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
      err503 = await rejection(() => client.status());
      err404 = await rejection(() => client.refreshToken('instagram', 'nope'));
    });
    assert.equal(calls.debug.length, 0);
    assert.equal(calls.info.length, 0);
    assert.equal(calls.warn.length, 1, 'one console.warn for the failed status');
    assert.equal(calls.error.length, 1, 'one console.error for the 404');
    const text = (args) => args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    assert.match(text(calls.warn[0]), /status/);
    assert.ok(text(calls.warn[0]).includes(err503.correlationId), 'the entry (with its correlation id) is in the call');
    assert.match(text(calls.error[0]), /refreshToken/);
    assert.ok(text(calls.error[0]).includes(err404.correlationId));
  });

  test("the default logger with logLevel 'debug' uses console.debug and console.info too", async () => {
    const calls = await withConsole(async () => {
      const client = makeClient({ logLevel: 'debug' });
      server.fault({ match: { route: 'status' }, times: 1, action: faults.status(503) });
      await client.status();
    });
    assert.equal(calls.debug.length, 2, 'start and success');
    assert.equal(calls.info.length, 1, 'one retry');
    assert.equal(calls.warn.length + calls.error.length, 0);
  });
});

// ------------------------------------------------------------------------------------------
describe('metrics', () => {
  test('a cached status() emits cached: true, attempts 0, and makes no request', async () => {
    const { client, metrics } = observed({ cache: { dedupingInterval: 60_000 } });
    const first = await client.status();
    const second = await client.status();
    assert.deepEqual(second, first);
    assert.equal(server.requests({ route: 'status' }).length, 1);
    assert.equal(metrics.length, 2);
    for (const m of metrics) assertMetricShape(m);
    assert.deepEqual([metrics[0].operation, metrics[0].cached, metrics[0].attempts, metrics[0].success], ['status', false, 1, true]);
    assert.deepEqual([metrics[1].operation, metrics[1].cached, metrics[1].attempts, metrics[1].success], ['status', true, 0, true]);
    assert.notEqual(metrics[1].correlationId, metrics[0].correlationId);
  });

  test('operation names: status, connect, disconnect, refreshToken, refreshExpiring; one metric each', async () => {
    const { client, logs, metrics } = observed();
    const ops = () => metrics.map((m) => m.operation);
    const take = () => { const got = ops(); metrics.length = 0; return got; };

    await client.status();
    assert.deepEqual(take(), ['status']);

    await client.connect('tiktok');
    assert.deepEqual(take(), ['connect']);
    await client.refreshToken('tiktok', 'tt_789');
    assert.deepEqual(take(), ['refreshToken']);

    await client.disconnect('linkedin', 'li_42');
    await waitFor(() => server.requests({ route: 'status' }).length >= 2, 'the revalidation after disconnect');
    await idle(client);
    await waitFor(() => ops().length >= 2, 'the metrics of disconnect and its revalidation');
    assert.deepEqual(take().sort(), ['disconnect', 'status']);

    const res = await client.refreshExpiring();
    assert.equal(res.refreshed.length, 2);
    await idle(client);
    assert.deepEqual(take().sort(), ['refreshExpiring', 'refreshToken', 'refreshToken', 'status']);

    for (const e of logs) assertEntryShape(e);
    const seen = new Set(logs.map((e) => e.operation));
    for (const op of ['status', 'connect', 'disconnect', 'refreshToken', 'refreshExpiring']) assert.ok(seen.has(op), `a log entry of ${op}`);
    const connectEntries = logs.filter((e) => e.operation === 'connect');
    assert.ok(connectEntries.every((e) => e.provider === 'tiktok'));
  });

  test('metrics carry provider and accountId of account operations', async () => {
    const { client, metrics } = observed();
    await client.refreshToken('instagram', 'account_456');
    await client.connect('youtube');
    assert.equal(metrics.length, 2);
    assert.equal(metrics[0].provider, 'instagram');
    assert.equal(metrics[0].accountId, 'account_456');
    assert.equal(metrics[0].statusCode, 200);
    assert.equal(metrics[0].correlationId, headerIds('refresh')[0]);
    assert.equal(metrics[1].provider, 'youtube');
    assert.equal(metrics[1].correlationId, headerIds('connect')[0]);
  });

  test('every timestamp is RFC 3339 and close to now', async () => {
    server.fault({ match: { route: 'status' }, times: -1, action: faults.status(503) });
    const { client, logs } = observed();
    const t0 = Date.now();
    await rejection(() => client.status());
    const t1 = Date.now();
    assert.equal(logs.length, 5);
    for (const e of logs) {
      assert.match(e.timestamp, RFC3339);
      const t = Date.parse(e.timestamp);
      // Clock sanity, not timing: the entries were made between t0 and t1 (1 s of slack for
      // second-resolution timestamps).
      assert.ok(t >= t0 - 1000 && t <= t1 + 1000, `${e.timestamp} outside [${new Date(t0).toISOString()}, ${new Date(t1).toISOString()}]`);
    }
  });
});

// ------------------------------------------------------------------------------------------
describe('token redaction', () => {
  const ECHO = { status: 400, json: { error: { message: `bad token ${LEAK}`, userMessage: `x ${LEAK}`, type: LEAK, details: { token: LEAK } } } };
  const noLeak = (label, value, secret = LEAK) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    assert.ok(!text.includes(secret), `${label} holds the token: ${text}`);
  };

  test('a token the server echoes back is redacted from the error, every log entry and every metric', async () => {
    const { client, logs, metrics } = observed();
    client.tokens.setToken('instagram', 'account_123', { accessToken: LEAK, expiresAt: Date.now() + HOUR });
    server.fault({ match: { route: 'refresh' }, times: -1, action: ECHO });
    const err = await rejection(() => client.refreshToken('instagram', 'account_123'));
    assertIntegrationError(err, { kind: 'http', statusCode: 400, attempts: 1 });
    // The server did echo it (so this test can fail).
    assert.equal(server.requests({ route: 'refresh' }).length, 1);

    noLeak('err.message', err.message);
    noLeak('err.userMessage', err.userMessage);
    noLeak('err.type', err.type);
    noLeak('err.details', err.details);
    noLeak('err.stack', err.stack ?? '');
    noLeak('JSON.stringify(err)', JSON.stringify(err));
    noLeak('util.inspect(err)', util.inspect(err, { depth: Infinity }));
    noLeak('String(err)', String(err));
    assert.match(err.message, /bad token \[redacted\]/);
    assert.equal(err.userMessage, 'x [redacted]');
    assert.equal(err.type, '[redacted]');
    assert.deepEqual(err.details, { token: '[redacted]' });

    assert.ok(logs.length >= 2, 'start and failure entries');
    for (const e of logs) noLeak(`log entry ${e.level}`, e);
    const failure = logs.find((e) => e.level === 'error' || e.level === 'warn');
    assert.ok(failure, 'a failure entry');
    assert.ok(failure.message.includes('[redacted]'), failure.message);
    assert.equal(metrics.length, 1);
    for (const m of metrics) noLeak('metric', m);
    // The map still has the token itself.
    assert.equal(client.tokens.getToken('instagram', 'account_123').accessToken, LEAK);
  });

  test('the same through the default console logger', async () => {
    let client;
    const calls = await withConsole(async () => {
      client = makeClient();
      client.tokens.setToken('instagram', 'account_123', { accessToken: LEAK, expiresAt: Date.now() + HOUR });
      server.fault({ match: { route: 'refresh' }, times: -1, action: ECHO });
      await rejection(() => client.refreshToken('instagram', 'account_123'));
    });
    const all = [...calls.debug, ...calls.info, ...calls.warn, ...calls.error];
    assert.ok(all.length >= 1, 'the failure was written');
    for (const args of all) for (const a of args) noLeak('console argument', typeof a === 'string' ? a : util.inspect(a, { depth: Infinity }));
  });

  test('a refresh token the server echoes back is redacted too', async () => {
    const RT = 'rt_LEAK_zyxwvu987654';
    const { client, logs, metrics } = observed();
    client.tokens.setToken('tiktok', 'tt_789', { accessToken: 'at_other_0001', refreshToken: RT, expiresAt: Date.now() + HOUR });
    server.fault({
      match: { route: 'status' }, times: -1,
      action: { status: 401, json: { error: { message: `refresh ${RT} revoked`, userMessage: `Please reconnect (${RT}).`, type: 'revoked', details: { refreshToken: RT, nested: { list: [RT] } } } } },
    });
    const err = await rejection(() => client.status());
    assertIntegrationError(err, { kind: 'http', statusCode: 401 });
    for (const [label, v] of [['message', err.message], ['userMessage', err.userMessage], ['details', err.details], ['json', JSON.stringify(err)], ['inspect', util.inspect(err, { depth: Infinity })]]) {
      noLeak(`err ${label}`, v, RT);
    }
    assert.ok(err.message.includes('[redacted]'), err.message);
    for (const e of logs) noLeak('log entry', e, RT);
    for (const m of metrics) noLeak('metric', m, RT);
  });

  test('a token used as accountId-like text: log entries, the metric and the error show [redacted]', async () => {
    const { client, logs, metrics } = observed();
    client.tokens.setToken('instagram', 'account_123', { accessToken: LEAK, expiresAt: Date.now() + HOUR });
    // The caller passes the token text as an account id; the mock answers 404 "No instagram account <id>".
    const err = await rejection(() => client.refreshToken('instagram', LEAK));
    assertIntegrationError(err, { kind: 'http', statusCode: 404 });
    noLeak('JSON.stringify(err)', JSON.stringify(err));
    noLeak('util.inspect(err)', util.inspect(err, { depth: Infinity }));
    assert.ok(logs.length >= 2);
    for (const e of logs) {
      noLeak(`log entry ${e.level}`, e);
      assert.equal(e.accountId, '[redacted]', `${e.level} entry's accountId`);
    }
    assert.equal(metrics.length, 1);
    noLeak('metric', metrics[0]);
    assert.equal(metrics[0].accountId, '[redacted]');
  });
});
