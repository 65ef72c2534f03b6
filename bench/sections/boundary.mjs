// One level down: how many calls cross the wasm boundary (wasm → JS imports, JS → wasm exports)
// per operation. Each crossing costs tens of nanoseconds plus, for strings, a copy and a UTF-8
// transcode; this is what the profiles' "glue" share is made of.
// `boundary.mjs baseline` counts the same for the BENCH_BASELINE package instead, and
// `boundary.mjs slim` for the slim entry (its wasm checks a response on its text): one package per
// process, so that the counters see one client instance (a second copy is a second wasm instance).
import { assertPkg, baseline, loadSlim, pkgUrl, report } from '../lib/common.mjs';
import { makeStatus } from '../lib/data.mjs';
import { countBoundaryCalls } from '../lib/profile.mjs';

assertPkg();
const which = process.argv[2] ?? 'ours';
if (which === 'baseline' && !baseline) throw new Error('boundary.mjs baseline: BENCH_BASELINE is not set');
const counts = countBoundaryCalls();
const api = which === 'slim' ? await loadSlim() : await import(which === 'baseline' ? baseline.url : pkgUrl);
const { IntegrationsClient, MultiAccountTokenManager, isIntegrationData, parseIntegrationStatus, createIntegrationError } = api;

async function count(fn, per = 1) {
  const before = { wasmToJs: counts.wasmToJs, jsToWasm: counts.jsToWasm, byImport: new Map(counts.byImport) };
  await fn();
  const imports = [...counts.byImport]
    .map(([name, n]) => [name, (n - (before.byImport.get(name) ?? 0)) / per])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, n]) => `${name} ×${Math.round(n * 10) / 10}`);
  return {
    wasmToJs: (counts.wasmToJs - before.wasmToJs) / per,
    jsToWasm: (counts.jsToWasm - before.jsToWasm) / per,
    imports,
  };
}

const status = makeStatus(1000);
const one = status.integrations[0];
// A client whose fetch answers the same body of `accounts` accounts every time; 5 and 50, so that
// the table shows how the crossings of a status() grow with the accounts.
const clientOf = (accounts) => {
  const body = JSON.stringify(makeStatus(accounts));
  const fakeFetch = async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  return new IntegrationsClient({ baseUrl: 'http://127.0.0.1:9', fetch: fakeFetch, autoRefresh: false, cache: { dedupingInterval: 0 }, logLevel: 'silent' });
};
const client = clientOf(5);
const client50 = clientOf(50);
const tokens = new MultiAccountTokenManager();
for (let i = 0; i < 1000; i++) tokens.setToken('instagram', `acct_${i}`, { accessToken: `at_${i}`, refreshToken: `rt_${i}`, expiresAt: Date.now() + (i < 10 ? 1000 : 86_400_000) });

// `key` names a row for run.mjs (and matches a row of the baseline's run); `op` is what the table shows.
const rows = [
  { key: 'guard', op: '`isIntegrationData(account)`', ...(await count(() => isIntegrationData(one))) },
  { key: 'parsePerAccount', op: '`parseIntegrationStatus`, per account (1 000 accounts)', ...(await count(() => parseIntegrationStatus(status), 1000)) },
  { key: 'statusFirst', accounts: 5, op: '`client.status()`, 5 accounts, fetch stubbed: the first (no data to compare with)', ...(await count(() => client.status())) },
  { key: 'status', accounts: 5, op: '`client.status()`, 5 accounts, the same again (compared with the current data)', ...(await count(() => client.status())) },
  { key: 'statusFirst50', accounts: 50, op: '`client.status()`, 50 accounts, fetch stubbed: the first', ...(await count(() => client50.status())) },
  { key: 'status50', accounts: 50, op: '`client.status()`, 50 accounts, the same again', ...(await count(() => client50.status())) },
  { key: 'getToken', op: '`tokens.getToken(p, a)`', ...(await count(() => tokens.getToken('instagram', 'acct_500'))) },
  { key: 'getTokenAccess', op: '`tokens.getToken(p, a).accessToken`', ...(await count(() => tokens.getToken('instagram', 'acct_500').accessToken)) },
  { key: 'setToken', op: '`tokens.setToken(p, a, token)`', ...(await count(() => tokens.setToken('instagram', 'acct_x', { accessToken: 'a', refreshToken: 'r', expiresAt: Date.now() + 5000 }))) },
  { key: 'expiring', op: '`tokens.expiringWithin(60 s)`, 11 due among 1 001', ...(await count(() => tokens.expiringWithin(60_000))) },
  { key: 'error', op: '`createIntegrationError(...)`', ...(await count(() => createIntegrationError('x', 'instagram', 'a', 409))) },
];
client.dispose();
client50.dispose();
report({ package: which, rows });
