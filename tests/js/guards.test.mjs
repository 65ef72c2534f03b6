// Type guards and the deep status check (../shared/API.md §3, §4), through the real package.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  isAPIResponse,
  isIntegrationData,
  isIntegrationStatusResponse,
  isMultiAccountProvider,
  parseIntegrationStatus,
  IntegrationError,
} from 'integrations-client';

const T = '2026-01-02T03:04:05Z';

const data = (over = {}) => ({
  id: 1,
  provider: 'instagram',
  accountId: 'account_123',
  accountName: '@user1',
  status: 'connected',
  expiresAt: '2026-02-01T00:00:00.000Z',
  metadata: { followers: 10000 },
  createdAt: T,
  updatedAt: T,
  ...over,
});
const without = (obj, key) => { const { [key]: _drop, ...rest } = obj; return rest; };

const statusResponse = () => {
  const integrations = [
    data({ id: 1, accountId: 'account_123' }),
    data({ id: 2, accountId: 'account_456' }),
    data({ id: 3, provider: 'linkedin', accountId: 'li_42', expiresAt: undefined, metadata: undefined }),
    data({ id: 4, provider: 'tiktok', accountId: 'tt_789' }),
    data({ id: 5, provider: 'youtube', accountId: 'yt_1', status: 'expired' }),
  ].map((d) => JSON.parse(JSON.stringify(d))); // drop the undefined keys
  return {
    integrations,
    summary: { total: 5, connected: 4, expired: 1, byProvider: { instagram: 2, linkedin: 1, tiktok: 1, youtube: 1 } },
  };
};

// Values no guard may throw on.
function hostileValues() {
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  const cyclicArray = [];
  cyclicArray.push(cyclicArray);
  const throwingGetter = {};
  for (const k of ['success', 'correlationId', 'error', 'timestamp', 'id', 'provider', 'accountId', 'accountName',
    'status', 'expiresAt', 'metadata', 'createdAt', 'updatedAt', 'integrations', 'summary', 'length']) {
    Object.defineProperty(throwingGetter, k, { enumerable: true, get() { throw new Error(`getter ${k}`); } });
  }
  const boom = () => { throw new Error('trap'); };
  const throwingProxy = new Proxy({}, {
    get: boom, getPrototypeOf: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom,
  });
  const throwingArrayProxy = new Proxy([], { get: boom, getPrototypeOf: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom });
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const { proxy: revokedArray, revoke: revoke2 } = Proxy.revocable([], {});
  revoke2();
  const million = new Array(1_000_000).fill(7);
  return [
    ['no argument', undefined], ['null', null], ['0', 0], ['NaN', NaN], ["'x'", 'x'], ['Symbol()', Symbol('s')],
    ['10n', 10n], ['a function', () => {}], ['a cyclic object', cyclic], ['a cyclic array', cyclicArray],
    ['an object with throwing getters', throwingGetter], ['a Proxy whose traps throw', throwingProxy],
    ['an array Proxy whose traps throw', throwingArrayProxy], ['a revoked Proxy', revoked],
    ['a revoked array Proxy', revokedArray], ['an array of 1 000 000 numbers', million], ['true', true],
    ['a Date', new Date(0)], ['a Map', new Map([['success', true]])],
  ];
}

// Each guard must reject all of these (they are not of any of the §3 shapes).
function assertNeverThrowsAndFalse(name, guard) {
  for (const [label, v] of hostileValues()) {
    let r;
    assert.doesNotThrow(() => { r = guard(v); }, `${name}(${label}) threw`);
    assert.equal(r, false, `${name}(${label})`);
  }
}

// ------------------------------------------------------------------------------------------
describe('isAPIResponse', () => {
  test('accepts good envelopes', () => {
    for (const v of [
      { success: true, correlationId: 'c' },
      { success: false, correlationId: 'c', error: { type: 't', message: 'm', userMessage: 'u', statusCode: 500, retryable: true } },
      { success: true, data: { anything: 1 }, correlationId: 'c', timestamp: T },
      { success: true, data: null, correlationId: '' },
      { success: true, correlationId: 'c', extra: 'fields are fine' },
    ]) assert.equal(isAPIResponse(v), true, JSON.stringify(v));
  });

  test('rejects each bad field', () => {
    for (const v of [
      {},
      { correlationId: 'c' },
      { success: 'true', correlationId: 'c' },
      { success: 1, correlationId: 'c' },
      { success: true },
      { success: true, correlationId: 1 },
      { success: true, correlationId: null },
      { success: true, correlationId: 'c', error: 'boom' },
      { success: true, correlationId: 'c', error: 5 },
      { success: true, correlationId: 'c', timestamp: 5 },
      { success: true, correlationId: 'c', timestamp: null },
      [true, 'c'],
    ]) assert.equal(isAPIResponse(v), false, JSON.stringify(v));
  });

  test('never throws and is false for hostile values', () => assertNeverThrowsAndFalse('isAPIResponse', isAPIResponse));

  test('a getter that throws on a required field of an otherwise good envelope -> false', () => {
    for (const field of ['success', 'correlationId']) {
      const v = { success: true, correlationId: 'c' };
      Object.defineProperty(v, field, { enumerable: true, get() { throw new Error('no'); } });
      assert.equal(isAPIResponse(v), false, field);
    }
  });

  test('a getter that throws on an optional field (error, timestamp) -> false, no throw', () => {
    for (const field of ['error', 'timestamp']) {
      const v = { success: true, correlationId: 'c' };
      Object.defineProperty(v, field, { enumerable: true, get() { throw new Error('no'); } });
      let r;
      assert.doesNotThrow(() => { r = isAPIResponse(v); });
      assert.equal(r, false, field);
    }
  });
});

// ------------------------------------------------------------------------------------------
describe('isIntegrationData', () => {
  test('accepts good values', () => {
    for (const v of [
      data(),
      without(data(), 'expiresAt'),
      without(data(), 'metadata'),
      without(without(data(), 'metadata'), 'expiresAt'),
      data({ id: 0 }),
      data({ id: Number.MAX_SAFE_INTEGER }),
      data({ status: 'expired' }),
      data({ status: 'error' }),
      data({ provider: 'a' }),
      data({ provider: 'a'.repeat(64) }),
      data({ provider: '0x_y-z' }),
      data({ metadata: {} }),
      data({ metadata: { nested: { deep: [1, 2, { x: null }] } } }),
      data({ createdAt: '2026-01-02T03:04:05.123456+02:00', updatedAt: '2026-01-02T03:04:05-11:30' }),
      data({ expiresAt: '2024-02-29T23:59:59Z' }),
      data({ accountId: 'a/b?c#d%e f é' }),
      data({ extra: 'field' }),
    ]) assert.equal(isIntegrationData(v), true, JSON.stringify(v));
  });

  const bad = {
    id: [-1, 1.5, '1', NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, null, undefined, 2 ** 53],
    provider: ['', 'Instagram', 'a/b', 'a'.repeat(65), '-ab', '_ab', 'in stagram', 5, null, undefined],
    accountId: [5, null, undefined, {}],
    accountName: [5, null, undefined, []],
    status: ['bogus', 'Connected', '', 1, null, undefined],
    expiresAt: ['tomorrow', 5, null, '2026-01-02', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-02T25:00:00Z', '2026-01-02T03:04:05'],
    metadata: [[], null, 'x', 5, true],
    createdAt: ['yesterday', 5, null, undefined, '2026-01-02', '2026-01-02 03:04:05Z x', '', '2026-00-10T00:00:00Z'],
    updatedAt: ['yesterday', 5, null, undefined, '2026-01-02', '2026-01-32T00:00:00Z', ''],
  };
  for (const [field, values] of Object.entries(bad)) {
    test(`rejects a bad ${field}`, () => {
      for (const v of values) {
        const value = v === undefined ? without(data(), field) : data({ [field]: v });
        assert.equal(isIntegrationData(value), false, `${field}: ${String(v)}`);
      }
    });
  }

  test('rejects metadata that is not a plain object (Map, Date, class instance)', () => {
    class Thing { constructor() { this.x = 1; } }
    for (const m of [new Map(), new Date(0), new Thing()]) {
      assert.equal(isIntegrationData(data({ metadata: m })), false, String(m));
    }
  });

  test('never throws and is false for hostile values', () => assertNeverThrowsAndFalse('isIntegrationData', isIntegrationData));

  test('cyclic metadata, throwing getters inside metadata: no throw, and the module keeps working', () => {
    const meta = { a: 1 };
    meta.self = meta;
    let r;
    assert.doesNotThrow(() => { r = isIntegrationData(data({ metadata: meta })); });
    assert.equal(typeof r, 'boolean');
    const metaGetter = {};
    Object.defineProperty(metaGetter, 'x', { enumerable: true, get() { throw new Error('no'); } });
    assert.doesNotThrow(() => { r = isIntegrationData(data({ metadata: metaGetter })); });
    assert.equal(typeof r, 'boolean');
    const deep = {};
    let cur = deep;
    for (let i = 0; i < 100_000; i++) { cur.n = {}; cur = cur.n; }
    assert.doesNotThrow(() => { r = isIntegrationData(data({ metadata: deep })); });
    assert.equal(typeof r, 'boolean');
    // A trap (panic = abort) would have killed the module instance.
    assert.equal(isIntegrationData(data()), true);
  });

  test('a getter that throws on a required field of an otherwise good value -> false', () => {
    for (const field of ['id', 'provider', 'accountId', 'accountName', 'status', 'createdAt', 'updatedAt']) {
      const v = data();
      Object.defineProperty(v, field, { enumerable: true, get() { throw new Error(field); } });
      assert.equal(isIntegrationData(v), false, field);
    }
  });

  test('a getter that throws on an optional field (metadata, expiresAt) -> false', () => {
    for (const field of ['metadata', 'expiresAt']) {
      const v = data();
      Object.defineProperty(v, field, { enumerable: true, get() { throw new Error(field); } });
      assert.equal(isIntegrationData(v), false, field);
    }
  });
});

// ------------------------------------------------------------------------------------------
describe('isIntegrationStatusResponse', () => {
  test('accepts good values', () => {
    assert.equal(isIntegrationStatusResponse(statusResponse()), true);
    assert.equal(isIntegrationStatusResponse({ integrations: [], summary: { total: 0, connected: 0, expired: 0, byProvider: {} } }), true);
  });

  test('is deep: one bad field anywhere rejects it', () => {
    const cases = [
      (s) => { s.integrations[3].status = 'paused'; },
      (s) => { s.integrations[4].id = -1; },
      (s) => { s.integrations[0].createdAt = 'nope'; },
      (s) => { s.integrations[2].provider = 'LinkedIn'; },
      (s) => { s.integrations[1] = null; },
      (s) => { s.integrations.push('x'); },
      (s) => { s.integrations = {}; },
      (s) => { s.integrations = null; },
      (s) => { delete s.integrations; },
      (s) => { delete s.summary; },
      (s) => { s.summary = null; },
      (s) => { s.summary.total = '5'; },
      (s) => { delete s.summary.connected; },
      (s) => { s.summary.expired = null; },
      (s) => { delete s.summary.byProvider; },
      (s) => { s.summary.byProvider = []; },
      (s) => { s.summary.byProvider.instagram = '2'; },
    ];
    for (const [i, mutate] of cases.entries()) {
      const s = statusResponse();
      mutate(s);
      assert.equal(isIntegrationStatusResponse(s), false, `case ${i}: ${mutate}`);
    }
  });

  test('never throws and is false for hostile values', () => assertNeverThrowsAndFalse('isIntegrationStatusResponse', isIntegrationStatusResponse));

  test('hostile values inside a good shell: no throw, false', () => {
    const shell = (integrations) => ({ integrations, summary: statusResponse().summary });
    for (const [label, v] of hostileValues()) {
      let r;
      assert.doesNotThrow(() => { r = isIntegrationStatusResponse(shell(v)); }, label);
      assert.equal(r, false, label);
      assert.doesNotThrow(() => { r = isIntegrationStatusResponse(shell([data(), v])); }, `[good, ${label}]`);
      assert.equal(r, false, `[good, ${label}]`);
    }
    assert.equal(isIntegrationStatusResponse(statusResponse()), true, 'module still works');
  });

  test('integrations that is an array whose reads throw, or whose length is not a count -> false', () => {
    const boom = () => { throw new Error('trap'); };
    const summary = { total: 0, connected: 0, expired: 0, byProvider: {} };
    const throwing = new Proxy([], { get: boom });
    const badLength = new Proxy([data()], { get: (t, k) => (k === 'length' ? 'x' : t[k]) });
    for (const integrations of [throwing, badLength]) {
      let r;
      assert.doesNotThrow(() => { r = isIntegrationStatusResponse({ integrations, summary }); });
      assert.equal(r, false);
      assert.throws(() => parseIntegrationStatus({ integrations, summary }),
        (e) => e instanceof IntegrationError && e.kind === 'invalid_response' && e.details.path === 'integrations');
    }
  });
});

// ------------------------------------------------------------------------------------------
describe('isMultiAccountProvider', () => {
  const { integrations } = statusResponse();

  test('more than one account of the provider', () => {
    assert.equal(isMultiAccountProvider('instagram', integrations), true);
    assert.equal(isMultiAccountProvider('tiktok', integrations), false);
    assert.equal(isMultiAccountProvider('facebook', integrations), false);
    assert.equal(isMultiAccountProvider('instagram', []), false);
    assert.equal(isMultiAccountProvider('instagram', [integrations[0]]), false);
    const three = [...integrations, data({ id: 9, accountId: 'account_789' })];
    assert.equal(isMultiAccountProvider('instagram', three), true);
  });

  test('never throws for hostile arguments; false for them', () => {
    for (const [label, v] of hostileValues()) {
      let r;
      assert.doesNotThrow(() => { r = isMultiAccountProvider('instagram', v); }, `integrations: ${label}`);
      assert.equal(r, false, `integrations: ${label}`);
      assert.doesNotThrow(() => { r = isMultiAccountProvider(v, integrations); }, `provider: ${label}`);
      assert.equal(r, false, `provider: ${label}`);
      assert.doesNotThrow(() => { r = isMultiAccountProvider('instagram', [integrations[0], v, integrations[1]]); }, `item: ${label}`);
      assert.equal(typeof r, 'boolean', `item: ${label}`);
    }
    assert.equal(isMultiAccountProvider('instagram', integrations), true, 'module still works');
  });
});

// ------------------------------------------------------------------------------------------
describe('parseIntegrationStatus', () => {
  test('returns a good value, equal to its input', () => {
    const s = statusResponse();
    assert.deepEqual(parseIntegrationStatus(s), s);
  });

  function parseError(value) {
    let caught;
    assert.throws(() => parseIntegrationStatus(value), (e) => { caught = e; return true; });
    assert.ok(caught instanceof IntegrationError, `expected an IntegrationError, got ${caught}`);
    assert.ok(caught instanceof Error);
    assert.equal(caught.kind, 'invalid_response');
    assert.equal(caught.retryable, false);
    assert.equal(typeof caught.details?.path, 'string');
    return caught;
  }

  const cases = [
    ['integrations[3].status', (s) => { s.integrations[3].status = 'paused'; }],
    ['integrations[0].id', (s) => { s.integrations[0].id = -1; }],
    ['integrations[4].createdAt', (s) => { s.integrations[4].createdAt = 'nope'; }],
    ['integrations[1].metadata', (s) => { s.integrations[1].metadata = []; }],
    ['integrations[2].provider', (s) => { s.integrations[2].provider = 'LinkedIn'; }],
    ['integrations[1]', (s) => { s.integrations[1] = 'x'; }],
    ['integrations', (s) => { s.integrations = {}; }],
    ['summary', (s) => { delete s.summary; }],
    ['summary.total', (s) => { s.summary.total = '5'; }],
    ['summary.byProvider', (s) => { s.summary.byProvider = null; }],
  ];
  for (const [path, mutate] of cases) {
    test(`throws invalid_response with details.path '${path}'`, () => {
      const s = statusResponse();
      mutate(s);
      const err = parseError(s);
      assert.equal(err.details.path, path);
      assert.ok(err.message.includes(path), err.message);
    });
  }

  test('names the first bad place when there are several', () => {
    const s = statusResponse();
    s.integrations[1].status = 'nope';
    s.integrations[3].status = 'nope';
    assert.equal(parseError(s).details.path, 'integrations[1].status');
  });

  test('throws an IntegrationError (never anything else) for hostile values', () => {
    for (const [label, v] of hostileValues()) {
      assert.throws(() => parseIntegrationStatus(v), (e) => e instanceof IntegrationError && e.kind === 'invalid_response', label);
    }
    const s = statusResponse();
    assert.deepEqual(parseIntegrationStatus(s), s, 'module still works');
  });
});
