// Helpers shared by the JS tests (not a test file itself).
import assert from 'node:assert/strict';
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
