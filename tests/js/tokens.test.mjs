// The multi-account token map (../shared/API.md §7), through the real package.
// No server: everything here is in memory. Run with scripts/test-js.sh.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import { MultiAccountTokenManager, TokenData, IntegrationError } from 'integrations-client';
import { assertIntegrationError } from './support.mjs';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SECRET = 'tok_SECRET_1234567890';
const REFRESH_SECRET = 'rt_SECRET_0987654321';

/** Runs `fn`, expects a synchronous throw, returns what was thrown. */
function thrown(fn) {
  let caught;
  assert.throws(fn, (e) => { caught = e; return true; });
  return caught;
}

/** Everything the map holds, as plain data (token text included), in a stable order. */
function dump(m) {
  const out = [];
  for (const provider of m.providers()) {
    for (const t of m.getProviderTokens(provider)) {
      out.push([t.provider, t.accountId, t.accessToken, t.refreshToken, t.expiresAt.getTime()]);
    }
  }
  return out;
}

/** mulberry32: a tiny deterministic PRNG, so the random tests are the same on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const plainExpiring = (list) => list.map((e) => {
  assert.ok(e.expiresAt instanceof Date, 'expiresAt is a Date');
  assert.deepEqual(Object.keys(e).sort(), ['accountId', 'expiresAt', 'provider']);
  return [e.provider, e.accountId, e.expiresAt.getTime()];
});

// ------------------------------------------------------------------------------------------
describe('setToken / getToken', () => {
  test('expiresAt as a Date, an RFC 3339 string (Z and offset) and epoch ms all read back as a Date', () => {
    const m = new MultiAccountTokenManager();
    const t = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    m.setToken('instagram', 'a_date', { accessToken: 'A1', expiresAt: new Date(t) });
    m.setToken('instagram', 'a_string', { accessToken: 'A2', expiresAt: '2030-01-02T03:04:05.678Z' });
    m.setToken('instagram', 'a_offset', { accessToken: 'A3', expiresAt: '2030-01-02T05:04:05.678+02:00' });
    m.setToken('instagram', 'a_ms', { accessToken: 'A4', refreshToken: 'R4', expiresAt: t });
    assert.equal(m.size, 4);
    for (const [id, access] of [['a_date', 'A1'], ['a_string', 'A2'], ['a_offset', 'A3'], ['a_ms', 'A4']]) {
      const e = m.getToken('instagram', id);
      assert.ok(e instanceof TokenData, `${id} is a TokenData`);
      assert.equal(e.provider, 'instagram');
      assert.equal(e.accountId, id);
      assert.equal(e.accessToken, access);
      assert.ok(e.expiresAt instanceof Date, `${id}: expiresAt is a Date`);
      assert.equal(e.expiresAt.getTime(), t, `${id}: expiresAt`);
    }
    assert.equal(m.getToken('instagram', 'a_date').refreshToken, undefined);
    assert.equal(m.getToken('instagram', 'a_ms').refreshToken, 'R4');
  });

  test('getToken of an unknown pair is undefined; setToken on a known pair replaces it', () => {
    const m = new MultiAccountTokenManager();
    assert.equal(m.getToken('instagram', 'nobody'), undefined);
    m.setToken('instagram', 'account_123', { accessToken: 'old', refreshToken: 'old_r', expiresAt: 1_000 });
    m.setToken('instagram', 'account_123', { accessToken: 'new', expiresAt: 2_000 });
    assert.equal(m.size, 1);
    const e = m.getToken('instagram', 'account_123');
    assert.equal(e.accessToken, 'new');
    assert.equal(e.refreshToken, undefined, 'the replacement has no refresh token');
    assert.equal(e.expiresAt.getTime(), 2_000);
    assert.equal(m.getToken('tiktok', 'account_123'), undefined);
  });

  test('a TokenData keeps what it read: a later replacement or removal does not change it', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'account_123', { accessToken: 'first', refreshToken: 'first_r', expiresAt: 1_000 });
    const before = m.getToken('instagram', 'account_123');
    m.setToken('instagram', 'account_123', { accessToken: 'second', expiresAt: 2_000 });
    const replaced = m.getToken('instagram', 'account_123');
    m.removeToken('instagram', 'account_123');
    assert.deepEqual(
      [before.provider, before.accountId, before.accessToken, before.refreshToken, before.expiresAt.getTime()],
      ['instagram', 'account_123', 'first', 'first_r', 1_000],
    );
    assert.deepEqual([replaced.accessToken, replaced.refreshToken, replaced.expiresAt.getTime()], ['second', undefined, 2_000]);
    assert.equal(m.getToken('instagram', 'account_123'), undefined);
  });

  test('getToken gives the same entry while the map is unchanged, and what the map holds after every write', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'a', { accessToken: 'A1', expiresAt: 1_000 });
    m.setToken('tiktok', 'b', { accessToken: 'B1', expiresAt: 2_000 });
    const first = m.getToken('instagram', 'a');
    assert.equal(m.getToken('instagram', 'a'), first, 'the same object while nothing was written');
    assert.notEqual(first.expiresAt, first.expiresAt, 'a fresh Date on every read');
    first.expiresAt.setTime(0);
    assert.equal(m.getToken('instagram', 'a').expiresAt.getTime(), 1_000, 'changing a Date read changes nothing');
    const writes = [
      () => m.setToken('tiktok', 'b', { accessToken: 'B2', expiresAt: 3_000 }),
      () => m.setToken('instagram', 'a', { accessToken: 'A2', expiresAt: 4_000 }),
      () => m.removeToken('instagram', 'a'),
      () => m.setToken('instagram', 'a', { accessToken: 'A3', expiresAt: 5_000 }),
      () => m.clearAll(),
      () => m.setToken('instagram', 'a', { accessToken: 'A4', expiresAt: 6_000 }),
    ];
    for (const write of writes) {
      const before = [m.getToken('instagram', 'a'), m.getToken('tiktok', 'b')];
      write();
      const after = [m.getToken('instagram', 'a'), m.getToken('tiktok', 'b')];
      const held = after.map((e) => e && [e.accessToken, e.expiresAt.getTime()]);
      const truth = dump(m);
      for (const [i, [provider, id]] of [['instagram', 'a'], ['tiktok', 'b']].entries()) {
        const stored = truth.find((t) => t[0] === provider && t[1] === id);
        assert.deepEqual(held[i], stored && [stored[2], stored[4]], `${provider}/${id} after ${write}`);
      }
      assert.ok(before.some((e, i) => e !== after[i]) || before.every((e) => e === undefined), `a write starts afresh: ${write}`);
    }
  });

  test('an entry freed by its holder is read again, not handed out dead', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'a', { accessToken: 'A1', expiresAt: 1_000 });
    m.getToken('instagram', 'a').free();
    const again = m.getToken('instagram', 'a');
    assert.equal(again.accessToken, 'A1');
    assert.equal(again.expiresAt.getTime(), 1_000);
  });

  test('TokenData.toJSON is { provider, accountId, expiresAt (RFC 3339), hasRefreshToken }', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'account_123', { accessToken: SECRET, refreshToken: REFRESH_SECRET, expiresAt: '2030-01-02T03:04:05Z' });
    m.setToken('instagram', 'account_456', { accessToken: SECRET, expiresAt: '2030-01-02T03:04:05Z' });
    const a = m.getToken('instagram', 'account_123').toJSON();
    assert.deepEqual(Object.keys(a).sort(), ['accountId', 'expiresAt', 'hasRefreshToken', 'provider']);
    assert.equal(a.provider, 'instagram');
    assert.equal(a.accountId, 'account_123');
    assert.equal(Date.parse(a.expiresAt), Date.UTC(2030, 0, 2, 3, 4, 5));
    assert.equal(a.hasRefreshToken, true);
    assert.equal(m.getToken('instagram', 'account_456').toJSON().hasRefreshToken, false);
  });
});

// ------------------------------------------------------------------------------------------
describe('bad input throws invalid_input and changes nothing', () => {
  const ok = { accessToken: 'fine', expiresAt: 1_000 };
  const cases = [
    ['empty provider', '', 'account_123', ok],
    ["provider 'Instagram'", 'Instagram', 'account_123', ok],
    ["provider 'a:b'", 'a:b', 'account_123', ok],
    ["provider 'a/b'", 'a/b', 'account_123', ok],
    ['provider of 65 chars', 'a'.repeat(65), 'account_123', ok],
    ['provider 42', 42, 'account_123', ok],
    ['provider undefined', undefined, 'account_123', ok],
    ['empty accountId', 'instagram', '', ok],
    ["accountId '.'", 'instagram', '.', ok],
    ["accountId '..'", 'instagram', '..', ok],
    ['accountId of 257 chars', 'instagram', 'x'.repeat(257), ok],
    ['accountId 42', 'instagram', 42, ok],
    ['accountId undefined', 'instagram', undefined, ok],
    ['accessToken 42', 'instagram', 'account_123', { accessToken: 42, expiresAt: 1_000 }],
    ['accessToken missing', 'instagram', 'account_123', { expiresAt: 1_000 }],
    ['accessToken null', 'instagram', 'account_123', { accessToken: null, expiresAt: 1_000 }],
    ['empty accessToken', 'instagram', 'account_123', { accessToken: '', expiresAt: 1_000 }],
    ['refreshToken 5', 'instagram', 'account_123', { accessToken: 'x', refreshToken: 5, expiresAt: 1_000 }],
    ['refreshToken {}', 'instagram', 'account_123', { accessToken: 'x', refreshToken: {}, expiresAt: 1_000 }],
    ["expiresAt 'tomorrow'", 'instagram', 'account_123', { accessToken: 'x', expiresAt: 'tomorrow' }],
    ['expiresAt NaN', 'instagram', 'account_123', { accessToken: 'x', expiresAt: NaN }],
    ['expiresAt Infinity', 'instagram', 'account_123', { accessToken: 'x', expiresAt: Infinity }],
    ['expiresAt -Infinity', 'instagram', 'account_123', { accessToken: 'x', expiresAt: -Infinity }],
    ["expiresAt new Date('x')", 'instagram', 'account_123', { accessToken: 'x', expiresAt: new Date('x') }],
    ['expiresAt missing', 'instagram', 'account_123', { accessToken: 'x' }],
    ['token missing', 'instagram', 'account_123', undefined],
    ['token null', 'instagram', 'account_123', null],
    ['token a string', 'instagram', 'account_123', SECRET],
  ];
  for (const [label, provider, accountId, token] of cases) {
    test(label, () => {
      const m = new MultiAccountTokenManager();
      // What is there before: the same pair (where the pair is valid) and another account.
      m.setToken('instagram', 'account_123', { accessToken: 'before_123', refreshToken: 'r_123', expiresAt: 5_000 });
      m.setToken('tiktok', 'tt_789', { accessToken: 'before_789', expiresAt: 6_000 });
      const before = dump(m);
      const err = thrown(() => (token === undefined && label === 'token missing'
        ? m.setToken(provider, accountId)
        : m.setToken(provider, accountId, token)));
      assertIntegrationError(err, { kind: 'invalid_input', retryable: false, attempts: 0 });
      assert.ok(err instanceof Error);
      assert.ok(err.message.length > 0);
      assert.deepEqual(dump(m), before, 'nothing changed');
      assert.equal(m.size, 2);
      // The error does not carry the token text it was given.
      if (typeof token?.accessToken === 'string' && token.accessToken.length > 3) {
        assert.ok(!JSON.stringify(err).includes(token.accessToken));
      }
      if (typeof token === 'string') {
        assert.ok(!err.message.includes(SECRET) && !JSON.stringify(err).includes(SECRET));
      }
    });
  }
});

// ------------------------------------------------------------------------------------------
describe('keys are exact (provider, accountId) pairs', () => {
  // Pairs that a joined-string key ("p:a", "p_a", "p-a", "pa", "p/a") would let meet.
  const PAIRS = [
    ['instagram', 'a:b'], ['instagram', 'a'], ['instagram', 'b'], ['instagram', 'a:'], ['instagram', ':b'],
    ['ab', 'c'], ['a', 'bc'], ['a_b', 'c'], ['a', 'b_c'], ['a-b', 'c'], ['a', 'b-c'], ['a', 'b:c'], ['a', 'b/c'],
    ['a', 'b'], ['b', 'a'], ['a', 'a:b'], ['a', 'b\u0000c'], ['a', 'b c'], ['a', 'B'],
  ];

  test('near-collisions are stored apart and read back as their own', () => {
    const m = new MultiAccountTokenManager();
    PAIRS.forEach(([p, a], i) => m.setToken(p, a, { accessToken: `tok_${i}`, expiresAt: 1_000_000 + i }));
    assert.equal(m.size, PAIRS.length);
    PAIRS.forEach(([p, a], i) => {
      const e = m.getToken(p, a);
      assert.ok(e, `${p}/${a} present`);
      assert.equal(e.provider, p);
      assert.equal(e.accountId, a);
      assert.equal(e.accessToken, `tok_${i}`);
      assert.equal(e.expiresAt.getTime(), 1_000_000 + i);
    });
    // Lookups of pairs that were never set find nothing, even where a joined key would match.
    for (const [p, a] of [['instagram', 'a:b:'], ['ab', 'bc'], ['a', 'bc_'], ['a_b', 'c_'], ['abc', '']]) {
      if (a === '') continue;
      assert.equal(m.getToken(p, a), undefined, `${p}/${a}`);
    }
  });

  test('removing one pair never touches another', () => {
    for (let k = 0; k < PAIRS.length; k++) {
      const m = new MultiAccountTokenManager();
      PAIRS.forEach(([p, a], i) => m.setToken(p, a, { accessToken: `tok_${i}`, expiresAt: 1_000_000 + i }));
      const [rp, ra] = PAIRS[k];
      assert.equal(m.removeToken(rp, ra), true, `remove ${rp}/${ra}`);
      assert.equal(m.removeToken(rp, ra), false, `remove ${rp}/${ra} again`);
      assert.equal(m.size, PAIRS.length - 1);
      PAIRS.forEach(([p, a], i) => {
        const e = m.getToken(p, a);
        if (i === k) assert.equal(e, undefined);
        else assert.equal(e?.accessToken, `tok_${i}`, `${p}/${a} kept after removing ${rp}/${ra}`);
      });
      assert.deepEqual(plainExpiring(m.expiringWithin(10 * 365 * DAY))
        .filter(([p, a]) => p === rp && a === ra), [], 'removed pair left the expiry index');
    }
  });

  test("replacing 'a:b' leaves 'a' and 'b' alone", () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'a', { accessToken: 'A', expiresAt: 1 });
    m.setToken('instagram', 'b', { accessToken: 'B', expiresAt: 2 });
    m.setToken('instagram', 'a:b', { accessToken: 'AB', expiresAt: 3 });
    m.setToken('instagram', 'a:b', { accessToken: 'AB2', expiresAt: 4 });
    assert.deepEqual(dump(m), [
      ['instagram', 'a', 'A', undefined, 1],
      ['instagram', 'a:b', 'AB2', undefined, 4],
      ['instagram', 'b', 'B', undefined, 2],
    ]);
  });
});

// ------------------------------------------------------------------------------------------
describe('isTokenExpired', () => {
  test('true when missing; false for a future token; true for a past one', () => {
    const m = new MultiAccountTokenManager();
    assert.equal(m.isTokenExpired('instagram', 'nobody'), true);
    assert.equal(m.isTokenExpired('instagram', 'nobody', 0), true);
    m.setToken('instagram', 'future', { accessToken: 'x', expiresAt: Date.now() + HOUR });
    m.setToken('instagram', 'past', { accessToken: 'x', expiresAt: Date.now() - MINUTE });
    assert.equal(m.isTokenExpired('instagram', 'future'), false);
    assert.equal(m.isTokenExpired('instagram', 'past'), true);
    // A token of another provider with the same accountId does not count.
    assert.equal(m.isTokenExpired('tiktok', 'future'), true);
  });

  test('skewMs: expiresAt - skewMs <= now', () => {
    const m = new MultiAccountTokenManager();
    const t0 = Date.now();
    m.setToken('instagram', 'in_1h', { accessToken: 'x', expiresAt: t0 + HOUR });
    assert.equal(m.isTokenExpired('instagram', 'in_1h', 30 * MINUTE), false);
    assert.equal(m.isTokenExpired('instagram', 'in_1h', 2 * HOUR), true);
    // expiresAt - skewMs == t0, and now >= t0 by the time it is checked: "<=" makes it expired.
    assert.equal(m.isTokenExpired('instagram', 'in_1h', HOUR), true);
    assert.equal(m.isTokenExpired('instagram', 'in_1h', 0), false);
    assert.equal(m.isTokenExpired('instagram', 'in_1h', undefined), false, 'undefined skew is 0');
    assert.equal(m.isTokenExpired('instagram', 'in_1h', null), false, 'null skew is 0');
    assert.equal(m.isTokenExpired('instagram', 'nobody', HOUR), true);
  });

  test('an expiresAt equal to a moment already past is expired (<=, not <)', () => {
    const m = new MultiAccountTokenManager();
    const t = Date.now();
    m.setToken('instagram', 'now', { accessToken: 'x', expiresAt: t });
    assert.equal(m.isTokenExpired('instagram', 'now'), true);
  });
});

// ------------------------------------------------------------------------------------------
describe('getProviderTokens, removeToken, clearAll, size, providers', () => {
  test('getProviderTokens: only that provider, ordered by accountId', () => {
    const m = new MultiAccountTokenManager();
    const ids = ['m', 'b', 'Z', 'account_456', 'a', '10', '9', 'account_123', 'a:b', 'aa'];
    ids.forEach((id, i) => m.setToken('instagram', id, { accessToken: `ig_${id}`, expiresAt: 1_000 + i }));
    m.setToken('tiktok', 'a', { accessToken: 'tt_a', expiresAt: 1 });
    m.setToken('instagramx', 'c', { accessToken: 'igx_c', expiresAt: 1 });
    const got = m.getProviderTokens('instagram');
    assert.ok(Array.isArray(got));
    assert.equal(got.length, ids.length);
    for (const e of got) {
      assert.ok(e instanceof TokenData);
      assert.equal(e.provider, 'instagram');
      assert.equal(e.accessToken, `ig_${e.accountId}`);
    }
    assert.deepEqual(got.map((e) => e.accountId), [...ids].sort());
    assert.deepEqual(m.getProviderTokens('tiktok').map((e) => [e.provider, e.accountId]), [['tiktok', 'a']]);
    assert.deepEqual(m.getProviderTokens('youtube'), []);
  });

  test('removeToken returns true once, then false; unknown pairs are false', () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'account_123', { accessToken: 'x', expiresAt: 1 });
    m.setToken('instagram', 'account_456', { accessToken: 'y', expiresAt: 2 });
    assert.equal(m.removeToken('instagram', 'nobody'), false);
    assert.equal(m.removeToken('tiktok', 'account_123'), false);
    assert.equal(m.size, 2);
    assert.equal(m.removeToken('instagram', 'account_123'), true);
    assert.equal(m.removeToken('instagram', 'account_123'), false);
    assert.equal(m.size, 1);
    assert.equal(m.getToken('instagram', 'account_123'), undefined);
    assert.equal(m.getToken('instagram', 'account_456').accessToken, 'y');
    assert.equal(m.isTokenExpired('instagram', 'account_123', 0), true);
  });

  test('size and providers() (sorted, only providers with a token) follow set/remove/clearAll', () => {
    const m = new MultiAccountTokenManager();
    assert.equal(m.size, 0);
    assert.deepEqual(m.providers(), []);
    for (const [p, a] of [['youtube', 'y1'], ['instagram', 'i2'], ['tiktok', 't1'], ['instagram', 'i1'], ['facebook', 'f1'], ['a1', 'x']]) {
      m.setToken(p, a, { accessToken: 'x', expiresAt: 1 });
    }
    assert.equal(m.size, 6);
    assert.deepEqual(m.providers(), ['a1', 'facebook', 'instagram', 'tiktok', 'youtube']);
    m.removeToken('instagram', 'i1');
    assert.deepEqual(m.providers(), ['a1', 'facebook', 'instagram', 'tiktok', 'youtube'], 'instagram still has i2');
    m.removeToken('instagram', 'i2');
    assert.deepEqual(m.providers(), ['a1', 'facebook', 'tiktok', 'youtube'], 'no instagram token left');
    assert.equal(m.size, 4);
    m.setToken('youtube', 'y1', { accessToken: 'z', expiresAt: 2 });
    assert.equal(m.size, 4, 'a replacement does not grow size');
    m.clearAll();
    assert.equal(m.size, 0);
    assert.deepEqual(m.providers(), []);
    assert.equal(m.getToken('youtube', 'y1'), undefined);
    assert.deepEqual(m.expiringWithin(10 * 365 * DAY), []);
    assert.deepEqual(m.getProviderTokens('tiktok'), []);
    m.setToken('tiktok', 't1', { accessToken: 'again', expiresAt: 3 });
    assert.equal(m.size, 1);
    assert.equal(m.getToken('tiktok', 't1').accessToken, 'again');
  });
});

// ------------------------------------------------------------------------------------------
describe('expiringWithin', () => {
  test('soonest first, already expired included, later ones left out', () => {
    const m = new MultiAccountTokenManager();
    const now = Date.now();
    m.setToken('instagram', 'in_2m', { accessToken: 'x', expiresAt: now + 2 * MINUTE });
    m.setToken('instagram', 'in_30d', { accessToken: 'x', expiresAt: now + 30 * DAY });
    m.setToken('tiktok', 'in_10d', { accessToken: 'x', expiresAt: now + 10 * DAY });
    m.setToken('youtube', 'ago_1h', { accessToken: 'x', expiresAt: now - HOUR });
    m.setToken('linkedin', 'in_4m', { accessToken: 'x', expiresAt: now + 4 * MINUTE });
    assert.deepEqual(plainExpiring(m.expiringWithin(5 * MINUTE)), [
      ['youtube', 'ago_1h', now - HOUR],
      ['instagram', 'in_2m', now + 2 * MINUTE],
      ['linkedin', 'in_4m', now + 4 * MINUTE],
    ]);
    assert.deepEqual(plainExpiring(m.expiringWithin(0)), [['youtube', 'ago_1h', now - HOUR]]);
    assert.equal(m.expiringWithin(60 * DAY).length, 5);
  });

  test('account ids of any text come back whole: astral, accented, NUL, one that looks like the next', () => {
    const m = new MultiAccountTokenManager();
    const now = Date.now();
    const ids = ['😀 café', 'a\u0000b', 'é', 'x'.repeat(256), '𝒳𝒴'];
    ids.forEach((id, i) => m.setToken(i % 2 ? 'tiktok' : 'instagram', id, { accessToken: `t${i}`, expiresAt: now + i * 1000 }));
    assert.deepEqual(
      plainExpiring(m.expiringWithin(MINUTE)),
      ids.map((id, i) => [i % 2 ? 'tiktok' : 'instagram', id, now + i * 1000]),
    );
  });

  test('a replaced or removed token moves or leaves the expiry order', () => {
    const m = new MultiAccountTokenManager();
    const now = Date.now();
    m.setToken('instagram', 'a', { accessToken: 'x', expiresAt: now + MINUTE });
    m.setToken('instagram', 'b', { accessToken: 'x', expiresAt: now + 2 * MINUTE });
    m.setToken('instagram', 'a', { accessToken: 'x', expiresAt: now + DAY }); // a leaves the window
    m.setToken('instagram', 'c', { accessToken: 'x', expiresAt: now + DAY });
    m.setToken('instagram', 'c', { accessToken: 'x', expiresAt: now + 30_000 }); // c enters it
    assert.deepEqual(plainExpiring(m.expiringWithin(5 * MINUTE)), [
      ['instagram', 'c', now + 30_000],
      ['instagram', 'b', now + 2 * MINUTE],
    ]);
    m.removeToken('instagram', 'c');
    assert.deepEqual(plainExpiring(m.expiringWithin(5 * MINUTE)), [['instagram', 'b', now + 2 * MINUTE]]);
  });

  test('equals a brute-force filter over 1 000 random tokens (seeded), after sets, replacements and removals', () => {
    const rnd = prng(0xC0FFEE);
    const providers = ['instagram', 'tiktok', 'youtube', 'linkedin', 'facebook'];
    const m = new MultiAccountTokenManager();
    const model = new Map(); // `${provider}\u0000${accountId}` -> [provider, accountId, expiresAt]
    const t0 = Date.now();
    // Every expiry sits 30 s (minus < 1 s) off a whole minute, and every window below is a whole number
    // of minutes: the test would have to run for ~29 s before "now" could move a token across a window
    // edge. The `+ serial` part makes every expiry distinct, so "soonest first" has one answer.
    let serial = 0;
    const expiry = () => t0 + (Math.floor(rnd() * 121) - 60) * MINUTE + 30_000 + serial++; // serial < 1 200
    const key = (p, a) => `${p}\u0000${a}`;
    const set = (p, a) => {
      const e = expiry();
      m.setToken(p, a, { accessToken: `tok_${p}_${a}`, expiresAt: rnd() < 0.5 ? e : new Date(e) });
      model.set(key(p, a), [p, a, e]);
    };
    for (let i = 0; i < 1000; i++) set(providers[Math.floor(rnd() * providers.length)], `acct_${i}`);
    assert.equal(m.size, 1000);
    // Replace 200 (new expiry) and remove 100 at random.
    const keys = () => [...model.values()];
    for (let i = 0; i < 200; i++) { const all = keys(); const [p, a] = all[Math.floor(rnd() * all.length)]; set(p, a); }
    for (let i = 0; i < 100; i++) {
      const all = keys();
      const [p, a] = all[Math.floor(rnd() * all.length)];
      assert.equal(m.removeToken(p, a), true);
      model.delete(key(p, a));
    }
    assert.equal(m.size, model.size);
    assert.equal(m.size, 900);

    for (const windowMs of [-30 * MINUTE, 0, MINUTE, 5 * MINUTE, 17 * MINUTE, HOUR, 2 * HOUR]) {
      const now = Date.now();
      const expected = [...model.values()]
        .filter(([, , e]) => e <= now + windowMs)
        .sort((x, y) => x[2] - y[2]);
      const got = plainExpiring(m.expiringWithin(windowMs));
      assert.deepEqual(got, expected, `window ${windowMs} ms`);
    }
    assert.equal(m.expiringWithin(2 * HOUR).length, 900, 'the widest window holds them all');
  });

  test('100 000 tokens, 10 expiring: exactly those 10, soonest first', () => {
    const m = new MultiAccountTokenManager();
    const now = Date.now();
    const due = new Set([7, 99, 12_345, 50_000, 50_001, 77_777, 88_888, 90_000, 99_998, 99_999]);
    const expected = [];
    for (let i = 0; i < 100_000; i++) {
      const p = ['instagram', 'tiktok', 'youtube', 'linkedin'][i % 4];
      if (due.has(i)) {
        // Inserted in index order, but expiring in reverse order of i.
        const e = now + MINUTE + (100_000 - i);
        m.setToken(p, `acct_${i}`, { accessToken: `t${i}`, expiresAt: e });
        expected.push([p, `acct_${i}`, e]);
      } else {
        m.setToken(p, `acct_${i}`, { accessToken: `t${i}`, expiresAt: now + DAY + i });
      }
    }
    assert.equal(m.size, 100_000);
    expected.sort((x, y) => x[2] - y[2]);
    const got = plainExpiring(m.expiringWithin(5 * MINUTE));
    assert.equal(got.length, 10);
    assert.deepEqual(got, expected);
  });
});

// ------------------------------------------------------------------------------------------
describe('Dates are copied in and out', () => {
  test('mutating the Date given to setToken changes nothing stored', () => {
    const m = new MultiAccountTokenManager();
    const t = Date.UTC(2030, 5, 1);
    const d = new Date(t);
    const input = { accessToken: 'x', expiresAt: d };
    m.setToken('instagram', 'account_123', input);
    d.setTime(0);
    input.accessToken = 'changed';
    input.expiresAt = new Date(1);
    const e = m.getToken('instagram', 'account_123');
    assert.equal(e.expiresAt.getTime(), t);
    assert.equal(e.accessToken, 'x');
    assert.deepEqual(plainExpiring(m.expiringWithin(t - Date.now() + MINUTE)), [['instagram', 'account_123', t]]);
    assert.deepEqual(m.expiringWithin(0), [], 'the index did not move either');
  });

  test('mutating a Date returned by getToken / expiresAt / expiringWithin changes nothing stored', () => {
    const m = new MultiAccountTokenManager();
    const t = Date.now() + 2 * MINUTE;
    m.setToken('instagram', 'account_123', { accessToken: 'x', expiresAt: t });
    const e = m.getToken('instagram', 'account_123');
    const d1 = e.expiresAt;
    d1.setTime(0);
    assert.equal(e.expiresAt.getTime(), t, 'a fresh Date on every read of the same entry');
    assert.notEqual(e.expiresAt, e.expiresAt, 'not the same Date object twice');
    assert.equal(m.getToken('instagram', 'account_123').expiresAt.getTime(), t);
    const [w] = m.expiringWithin(5 * MINUTE);
    w.expiresAt.setTime(1);
    assert.equal(m.getToken('instagram', 'account_123').expiresAt.getTime(), t);
    assert.equal(m.isTokenExpired('instagram', 'account_123'), false);
    const [p] = m.getProviderTokens('instagram');
    p.expiresAt.setTime(1);
    assert.equal(m.getToken('instagram', 'account_123').expiresAt.getTime(), t);
    assert.equal(m.expiringWithin(5 * MINUTE)[0].expiresAt.getTime(), t);
  });
});

// ------------------------------------------------------------------------------------------
describe('no token text in JSON, String or inspect', () => {
  const setup = () => {
    const m = new MultiAccountTokenManager();
    m.setToken('instagram', 'account_123', { accessToken: SECRET, refreshToken: REFRESH_SECRET, expiresAt: '2030-01-02T03:04:05Z' });
    m.setToken('tiktok', 'tt_789', { accessToken: `${SECRET}_2`, expiresAt: Date.now() + MINUTE });
    return m;
  };
  const clean = (label, text) => {
    assert.equal(typeof text, 'string', label);
    assert.ok(!text.includes('tok_SECRET'), `${label} holds the access token: ${text}`);
    assert.ok(!text.includes('1234567890'), `${label} holds part of the access token: ${text}`);
    assert.ok(!text.includes('rt_SECRET'), `${label} holds the refresh token: ${text}`);
  };

  test('the manager: JSON.stringify, String, template, util.inspect (also showHidden, depth Infinity)', () => {
    const m = setup();
    clean('JSON.stringify(manager)', JSON.stringify(m));
    assert.deepEqual(JSON.parse(JSON.stringify(m)), { size: 2, providers: ['instagram', 'tiktok'] });
    clean('String(manager)', String(m));
    clean('`${manager}`', `${m}`);
    clean('util.inspect(manager)', util.inspect(m));
    clean('util.inspect(manager, showHidden)', util.inspect(m, { showHidden: true, depth: Infinity }));
    clean('util.format(%o)', util.format('%o', m));
    clean('util.format(%s)', util.format('%s', m));
  });

  test('an entry: JSON.stringify, String, util.inspect; accessToken still returns the text', () => {
    const m = setup();
    const e = m.getToken('instagram', 'account_123');
    clean('JSON.stringify(entry)', JSON.stringify(e));
    clean('String(entry)', String(e));
    clean('`${entry}`', `${e}`);
    clean('util.inspect(entry)', util.inspect(e));
    clean('util.inspect(entry, showHidden)', util.inspect(e, { showHidden: true, depth: Infinity }));
    clean('util.format(%o)', util.format('%o', e));
    assert.ok(String(e).includes('instagram') && String(e).includes('account_123'), String(e));
    clean('JSON.stringify(getProviderTokens)', JSON.stringify(m.getProviderTokens('instagram')));
    clean('util.inspect(getProviderTokens)', util.inspect(m.getProviderTokens('tiktok')));
    clean('JSON.stringify(expiringWithin)', JSON.stringify(m.expiringWithin(10 * 365 * DAY)));
    clean('util.inspect(expiringWithin)', util.inspect(m.expiringWithin(10 * 365 * DAY)));
    assert.equal(e.accessToken, SECRET);
    assert.equal(e.refreshToken, REFRESH_SECRET);
    assert.equal(m.getToken('tiktok', 'tt_789').accessToken, `${SECRET}_2`);
  });
});
