// Helpers shared by the JS tests (not a test file itself).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { afterEach } from 'node:test';
import { IntegrationError, IntegrationsClient } from 'integrations-client';

/** Runs `fn`, expects a rejection (never a synchronous throw), returns the error. */
export async function rejection(fn) {
  let p;
  assert.doesNotThrow(() => { p = fn(); }, 'must not throw synchronously');
  assert.ok(p instanceof Promise, 'must return a Promise');
  let caught;
  await assert.rejects(p, (err) => { caught = err; return true; });
  return caught;
}

/** Asserts `err` is an IntegrationError whose fields deep-equal `fields`. */
export function assertIntegrationError(err, fields) {
  assert.ok(err instanceof IntegrationError, `expected an IntegrationError, got ${err}`);
  for (const [k, v] of Object.entries(fields)) assert.deepEqual(err[k], v, `err.${k}`);
}

/** Polls `pred` until it holds; fails after `ms`. A bounded wait for an event, never a sleep-and-hope. */
export async function waitFor(pred, label, ms = 5000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * A test file's `makeClient(options)`: a client against `baseUrl()` with the file's `defaults`
 * under the test's options (`retry` merged field by field), disposed after its test.
 */
export function clientMaker(baseUrl, defaults = {}) {
  const clients = [];
  afterEach(() => { for (const c of clients.splice(0)) c.dispose(); });
  return (options = {}) => {
    const { retry, ...rest } = options;
    const client = new IntegrationsClient({ baseUrl: baseUrl(), ...defaults, ...rest, retry: { ...defaults.retry, ...retry } });
    clients.push(client);
    return client;
  };
}

/** Runs `script` in a fresh `node --input-type=module -e`; kills it after `timeoutMs` (a bound on a hang). */
export function runNodeScript(script, { timeoutMs = 10_000, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, killed, stdout, stderr }); });
  });
}

/**
 * Constructs a client with `options` (a `tokens` under test among them) and, if it constructs,
 * disconnects instagram/account_123 through it: what binding to the wrong token map looked like
 * (the disconnect removed another manager's token). Returns what the constructor threw.
 */
export async function disconnectThroughTokensOption(options) {
  let client;
  try {
    client = new IntegrationsClient(options);
  } catch (err) {
    return err;
  }
  try {
    await client.disconnect('instagram', 'account_123');
  } finally {
    client.dispose();
  }
  return undefined;
}
