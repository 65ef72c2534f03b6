// §6 memory: the wasm linear memory and the process after 1 000, 10 000 and 100 000 operations
// mixed over the whole API. The package does not export its memory; this process catches the
// instance as the package creates it (observation only: nothing of the package is changed).
import { assertPkg, gc, pkgUrl, report, sleep } from '../lib/common.mjs';
import { makeStatus } from '../lib/data.mjs';

assertPkg();
let memory;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function CatchingInstance(module, imports) {
  const instance = new Instance(module, imports);
  memory = Object.values(instance.exports).find((x) => x instanceof WebAssembly.Memory);
  return instance;
};
const api = await import(pkgUrl);
WebAssembly.Instance = Instance;
const {
  IntegrationsClient, MultiAccountTokenManager, createIntegrationError, isAPIResponse, isIntegrationData,
  isIntegrationError, isIntegrationStatusResponse, isMultiAccountProvider, parseIntegrationStatus,
} = api;

const small = makeStatus(5);
const bad = structuredClone(small);
bad.integrations[4].status = 'paused';
const envelope = { success: true, data: small, correlationId: 'c0ffee', timestamp: '2025-01-01T00:00:00Z' };
const tokens = new MultiAccountTokenManager();
const client = new IntegrationsClient({ baseUrl: 'http://127.0.0.1:9', autoRefresh: false, logLevel: 'silent' });
const now = Date.now();

let sink = 0;
// One operation of twelve kinds, in turn. Tokens live in a window of 500 keys (set, then later
// removed), so the live data stays bounded and any growth is the package's, not the workload's.
function op(i) {
  switch (i % 12) {
    case 0: sink += isIntegrationData(small.integrations[i % 5]) ? 1 : 0; break;
    case 1: sink += isAPIResponse(envelope) ? 1 : 0; break;
    case 2: sink += isIntegrationStatusResponse(small) ? 1 : 0; break;
    case 3: sink += parseIntegrationStatus(small).integrations.length; break;
    case 4: try { parseIntegrationStatus(bad); } catch (e) { sink += isIntegrationError(e) ? 1 : 0; } break;
    case 5: tokens.setToken('instagram', `acct_${i % 500}`, { accessToken: `at_${i}`, refreshToken: `rt_${i}`, expiresAt: now + (i % 1000) * 1000 }); break;
    case 6: { const t = tokens.getToken('instagram', `acct_${(i - 1) % 500}`); sink += t ? t.accessToken.length : 0; break; }
    case 7: sink += tokens.expiringWithin(60_000).length; break;
    case 8: sink += tokens.removeToken('instagram', `acct_${(i + 250) % 500}`) ? 1 : 0; break;
    case 9: sink += createIntegrationError('Account limit reached', 'instagram', `acct_${i % 500}`, 409).message.length; break;
    case 10: sink += client.getSnapshot().integrations.length; break;
    default: sink += isMultiAccountProvider('instagram', small.integrations) ? 1 : 0;
  }
}

async function measure() {
  // Let FinalizationRegistry callbacks (which free the wasm side of TokenData and the like) run.
  for (let k = 0; k < 3; k++) {
    gc();
    await sleep(10);
  }
  const m = process.memoryUsage();
  return { ops, wasmBytes: memory?.buffer.byteLength ?? null, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external };
}

// `node memory.mjs` runs the mix; `node memory.mjs <kind>` runs one kind alone (one level down:
// which operation moves the high-water mark), each in a fresh process since memory never shrinks.
const KINDS = {
  guards: [0, 1, 2, 11],
  parseIntegrationStatus: [3, 4],
  setToken: [5],
  getToken: [6],
  'getToken + free()': [-6],
  expiringWithin: [7],
  removeToken: [8],
  createIntegrationError: [9],
  getSnapshot: [10],
};
const kind = process.argv[2];
let ops = 0;
const points = [];
if (kind === undefined) {
  for (const target of [1_000, 10_000, 100_000]) {
    while (ops < target) op(ops++);
    points.push(await measure());
  }
  // Then 100 000 more, to tell a one-off high-water mark from a leak that keeps growing.
  while (ops < 200_000) op(ops++);
  points.push(await measure());
} else {
  const cases = KINDS[kind];
  if (!cases) throw new Error(`unknown kind ${kind}; one of ${Object.keys(KINDS).join(', ')}`);
  // Tokens to read and remove, for the kinds that need some.
  for (let i = 0; i < 500; i++) tokens.setToken('instagram', `acct_${i}`, { accessToken: `at_${i}`, expiresAt: now + i * 1000 });
  const run = (i) => {
    const c = cases[i % cases.length];
    if (c === -6) {
      const t = tokens.getToken('instagram', `acct_${i % 500}`);
      sink += t.accessToken.length;
      t.free();
    } else if (c === 8) {
      // Remove, then put it back, so that there is always something to remove.
      const key = `acct_${i % 500}`;
      sink += tokens.removeToken('instagram', key) ? 1 : 0;
      tokens.setToken('instagram', key, { accessToken: `at_${i}`, expiresAt: now + (i % 1000) * 1000 });
    } else {
      op(i - (i % 12) + c);
    }
  };
  for (const target of [1_000, 30_000]) {
    while (ops < target) run(ops++);
    points.push(await measure());
  }
}
client.dispose();
report({ kind: kind ?? 'mixed', points, sink, tokensLeft: tokens.size, kinds: Object.keys(KINDS) });
