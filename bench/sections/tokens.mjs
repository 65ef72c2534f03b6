// §7 token map: expiringWithin (10 due among 100 000) and getToken on 100 000 tokens, against a
// plain JS Map doing the same job.
import { assertPkg, gc, median, pkgUrl, report } from '../lib/common.mjs';
import { profile } from '../lib/profile.mjs';
import { interleave } from '../lib/timing.mjs';

assertPkg();
const { MultiAccountTokenManager } = await import(pkgUrl);

const N = 100_000;
const DUE = 10;
const WINDOW = 5 * 60_000;
const PROVIDERS = ['instagram', 'tiktok', 'youtube', 'linkedin', 'facebook'];
const now = Date.now();
const entries = Array.from({ length: N }, (_, i) => ({
  provider: PROVIDERS[i % PROVIDERS.length],
  accountId: `acct_${i}`,
  accessToken: `at_${i}_${'x'.repeat(24)}`,
  refreshToken: `rt_${i}`,
  // 10 due within the window (spread over it), the others days away.
  expiresAt: i % (N / DUE) === 7 ? now + 1000 + (i % 97) * 1000 : now + 86_400_000 * (1 + (i % 30)),
}));

// The plain JS map: one Map keyed by provider + NUL + accountId; expiringWithin scans it all.
class JsTokenMap {
  map = new Map();
  setToken(provider, accountId, { accessToken, refreshToken, expiresAt }) {
    this.map.set(`${provider}\u0000${accountId}`, { provider, accountId, accessToken, refreshToken, expiresAt: new Date(expiresAt).getTime() });
  }
  getToken(provider, accountId) {
    return this.map.get(`${provider}\u0000${accountId}`);
  }
  expiringWithin(ms) {
    const limit = Date.now() + ms;
    const out = [];
    for (const t of this.map.values()) if (t.expiresAt <= limit) out.push(t);
    out.sort((a, b) => a.expiresAt - b.expiresAt);
    return out.map((t) => ({ provider: t.provider, accountId: t.accountId, expiresAt: new Date(t.expiresAt) }));
  }
}

// Fill both (timed once each: setToken of 100 000).
const ours = new MultiAccountTokenManager();
const js = new JsTokenMap();
gc();
let t0 = performance.now();
for (const e of entries) ours.setToken(e.provider, e.accountId, { accessToken: e.accessToken, refreshToken: e.refreshToken, expiresAt: e.expiresAt });
const oursFillMs = performance.now() - t0;
gc();
t0 = performance.now();
for (const e of entries) js.setToken(e.provider, e.accountId, { accessToken: e.accessToken, refreshToken: e.refreshToken, expiresAt: e.expiresAt });
const jsFillMs = performance.now() - t0;
if (ours.size !== N || js.map.size !== N) throw new Error('fill failed');

// Same answers.
const a = ours.expiringWithin(WINDOW);
const b = js.expiringWithin(WINDOW);
if (a.length !== DUE || b.length !== DUE || a.some((x, i) => x.accountId !== b[i].accountId || +x.expiresAt !== +b[i].expiresAt)) {
  throw new Error(`expiringWithin disagrees: ${a.length} vs ${b.length}`);
}
const probe = entries[12345];
if (ours.getToken(probe.provider, probe.accountId)?.accessToken !== js.getToken(probe.provider, probe.accountId).accessToken) throw new Error('getToken disagrees');

// getToken: 1 000 lookups per call of the timed function, spread over the 100 000 tokens.
const LOOKUPS = 1000;
const keys = Array.from({ length: LOOKUPS }, (_, i) => entries[(i * 7919) % N]);
entries.length = 0; // only the maps and the lookup keys stay: a smaller heap, cheaper GCs
let sink = 0;
const r = await interleave([
  { key: 'oursExpiring', fn: () => { sink += ours.expiringWithin(WINDOW).length; } },
  { key: 'jsExpiring', fn: () => { sink += js.expiringWithin(WINDOW).length; } },
  { key: 'oursGet', fn: () => { for (const k of keys) { const t = ours.getToken(k.provider, k.accountId); if (t) sink++; } } },
  { key: 'jsGet', fn: () => { for (const k of keys) { const t = js.getToken(k.provider, k.accountId); if (t) sink++; } } },
  { key: 'oursGetAccess', fn: () => { for (const k of keys) sink += ours.getToken(k.provider, k.accountId).accessToken.length; } },
  { key: 'jsGetAccess', fn: () => { for (const k of keys) sink += js.getToken(k.provider, k.accountId).accessToken.length; } },
  { key: 'oursGetFree', fn: () => { for (const k of keys) { const t = ours.getToken(k.provider, k.accountId); sink += t.accessToken.length; t.free(); } } },
], { rounds: 7, targetMs: 30 });
const perLookup = (x) => ({ ...x, medianMs: x.medianMs / LOOKUPS, minMs: x.minMs / LOOKUPS });

// One level down for getToken: where one lookup's time goes.
const getProfile = await profile(async () => {
  for (let i = 0; i < 30; i++) for (const k of keys) sink += ours.getToken(k.provider, k.accountId).accessToken.length;
});

report({
  tokens: N,
  due: DUE,
  fill: { oursMs: oursFillMs, jsMs: jsFillMs },
  expiring: { ours: r.oursExpiring, js: r.jsExpiring },
  get: { ours: perLookup(r.oursGet), js: perLookup(r.jsGet) },
  getAccess: { ours: perLookup(r.oursGetAccess), js: perLookup(r.jsGetAccess), oursFree: perLookup(r.oursGetFree) },
  getProfile,
  sink,
});
