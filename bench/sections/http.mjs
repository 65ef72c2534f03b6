// §2 per-request overhead and §4 concurrency, against the mock server in its own process.
import axios from 'axios';
import axiosRetry from 'axios-retry';
import ky from 'ky';
import { randomUUID } from 'node:crypto';
import { assertPkg, baseline, gc, loadSlim, median, pkgUrl, report, startMockServerProcess } from '../lib/common.mjs';
import { profile } from '../lib/profile.mjs';

assertPkg();
const { IntegrationsClient, parseIntegrationStatus } = await import(pkgUrl);
// With BENCH_BASELINE, the package before the change runs as one more contender in the same rounds
// (its own copy: a second wasm instance in this process, with its own memory).
const Before = baseline && (await import(baseline.url)).IntegrationsClient;
// The slim entry: its own wasm (a second instance), which checks a response on its text.
const slim = await loadSlim();

const N = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = 10;
const PER_ROUND = Math.ceil(N / ROUNDS);
const CONCURRENT = 1000;
const CONCURRENCY_REPS = 5;

const server = await startMockServerProcess();
await server.configure({ envelope: false }); // bare bodies: every contender parses the same bytes
const url = server.statusUrl;
const accept = { Accept: 'application/json' };
const quiet = { autoRefresh: false, cache: { dedupingInterval: 0 }, logLevel: 'silent' };

const client = new IntegrationsClient({ baseUrl: server.url, ...quiet });
const clientNoTimer = new IntegrationsClient({ baseUrl: server.url, ...quiet, timeoutMs: 0 });
const beforeClient = Before && new Before({ baseUrl: server.url, ...quiet });
const slimClient = new slim.IntegrationsClient({ baseUrl: server.url, ...quiet });
const kyClient = ky.create({ headers: accept, retry: { limit: 3 } });
const axiosClient = axios.create({ headers: accept });
axiosRetry(axiosClient, { retries: 3, retryDelay: axiosRetry.exponentialDelay });

const bareFetch = async () => {
  const r = await fetch(url, { headers: accept });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return JSON.parse(await r.text());
};

// The contenders, then the breakdown rows (same rounds, so they share the noise).
const contenders = [
  { key: 'fetch', name: 'bare `fetch` + `JSON.parse` (baseline)', run: bareFetch },
  { key: 'ours', name: '**integrations-client** `status()`', run: () => client.status() },
  { key: 'slim', name: '**integrations-client/slim** `status()` (checks the body\'s text in wasm)', run: () => slimClient.status() },
  ...(beforeClient ? [{ key: 'baseline', name: `before (${baseline.label}): \`status()\``, run: () => beforeClient.status() }] : []),
  { key: 'ky', name: 'ky `.json()` (retry limit 3)', run: () => kyClient.get(url).json() },
  { key: 'axios', name: 'axios + axios-retry (retries 3)', run: async () => (await axiosClient.get(url)).data },
  {
    key: 'fetchValidate',
    breakdown: true,
    name: '↳ bare fetch + `JSON.parse` + `parseIntegrationStatus`',
    run: async () => parseIntegrationStatus(await bareFetch()),
  },
  {
    key: 'jsEquivalent',
    breakdown: true,
    name: '↳ the client\'s work in plain JS: uuid header, AbortController + 10 s timer, fetch, `JSON.parse`, `parseIntegrationStatus`',
    run: async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        const r = await fetch(url, { headers: { ...accept, 'X-Correlation-Id': randomUUID() }, signal: controller.signal });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return parseIntegrationStatus(JSON.parse(await r.text()));
      } finally {
        clearTimeout(timer);
      }
    },
  },
  { key: 'oursNoTimer', breakdown: true, name: '↳ integrations-client `status()` with `timeoutMs: 0` (no per-attempt timer)', run: () => clientNoTimer.status() },
];

// Sanity: everyone gets the same accounts.
const expected = (await bareFetch()).integrations.length;
for (const c of contenders) {
  const body = await c.run();
  if (body.integrations?.length !== expected) throw new Error(`${c.key} returned a different body`);
}

// Warm-up, then interleaved rounds (the order rotates each round).
for (const c of contenders) for (let i = 0; i < 100; i++) await c.run();
const samples = Object.fromEntries(contenders.map((c) => [c.key, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
  for (const c of order) {
    gc();
    const xs = samples[c.key];
    for (let i = 0; i < PER_ROUND; i++) {
      const t0 = performance.now();
      await c.run();
      xs.push(performance.now() - t0);
    }
  }
}
const perRequest = contenders.map((c) => {
  const xs = samples[c.key].sort((a, b) => a - b);
  return {
    key: c.key,
    name: c.name,
    breakdown: Boolean(c.breakdown),
    n: xs.length,
    medianMs: median(xs),
    p90Ms: xs[Math.floor(xs.length * 0.9)],
    meanMs: xs.reduce((a, b) => a + b, 0) / xs.length,
  };
});

// One level down: where a `status()` spends its time (client loop alone, profiled).
const clientProfile = await profile(async () => {
  for (let i = 0; i < 500; i++) await client.status();
});
const fetchProfile = await profile(async () => {
  for (let i = 0; i < 500; i++) await bareFetch();
});

// §4: 1 000 concurrent status() calls on a fresh client; requests counted at the server.
const concurrency = { ours: [], oursRequests: [], shared: [], sharedRequests: [] };
for (let rep = 0; rep < CONCURRENCY_REPS; rep++) {
  const fresh = new IntegrationsClient({ baseUrl: server.url, ...quiet });
  let before = await server.statusRequests();
  gc();
  let t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: CONCURRENT }, () => fresh.status()));
  concurrency.ours.push(performance.now() - t0);
  if (results.some((r) => r.status !== 'fulfilled')) throw new Error('a concurrent status() failed');
  concurrency.oursRequests.push((await server.statusRequests()) - before);
  fresh.dispose();
  fresh.free();

  // The floor: one promise shared by hand in JS.
  before = await server.statusRequests();
  gc();
  t0 = performance.now();
  let inflight;
  const shared = () => (inflight ??= bareFetch().finally(() => { inflight = undefined; }));
  await Promise.all(Array.from({ length: CONCURRENT }, shared));
  concurrency.shared.push(performance.now() - t0);
  concurrency.sharedRequests.push((await server.statusRequests()) - before);
}

client.dispose();
clientNoTimer.dispose();
slimClient.dispose();
beforeClient?.dispose();
await server.close();

report({
  accounts: expected,
  requestsPerContender: ROUNDS * PER_ROUND,
  rounds: ROUNDS,
  perRequest,
  clientProfile,
  fetchProfile,
  concurrency: {
    calls: CONCURRENT,
    reps: CONCURRENCY_REPS,
    oursMs: median(concurrency.ours),
    oursRequests: concurrency.oursRequests,
    sharedMs: median(concurrency.shared),
    sharedRequests: concurrency.sharedRequests,
  },
});
