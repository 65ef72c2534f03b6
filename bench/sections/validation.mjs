// §3 validation: JSON.parse + the deep check, on status payloads of 100, 1 000 and 10 000 accounts.
import { assertPkg, gc, loadSlim, median, pkgUrl, report } from '../lib/common.mjs';
import { makeStatus } from '../lib/data.mjs';
import * as hand from '../lib/js-check.mjs';
import { profile } from '../lib/profile.mjs';
import { interleave } from '../lib/timing.mjs';
import { IntegrationStatusResponse } from '../lib/zod-schema.mjs';

assertPkg();
const { parseIntegrationStatus, isIntegrationStatusResponse, IntegrationsClient } = await import(pkgUrl);
// The slim entry's wasm checks a response on its text (copied into wasm memory once), where the
// default entry's reads the parsed value field by field.
const slim = await loadSlim();

const SIZES = [100, 1000, 10_000];
const results = [];
let sink = 0;
for (const n of SIZES) {
  const text = JSON.stringify(makeStatus(n));
  const parsed = JSON.parse(text);
  // All three agree that the payload is valid, and that a bad one is not.
  const bad = JSON.parse(text);
  bad.integrations[n - 1].createdAt = '2025-02-30T00:00:00Z';
  if (!isIntegrationStatusResponse(parsed) || !IntegrationStatusResponse.safeParse(parsed).success || !hand.isIntegrationStatusResponse(parsed)) {
    throw new Error(`the ${n}-account payload is not valid for every checker`);
  }
  if (isIntegrationStatusResponse(bad) || IntegrationStatusResponse.safeParse(bad).success || hand.isIntegrationStatusResponse(bad)) {
    throw new Error('a checker let 2025-02-30 through');
  }
  const r = await interleave([
    { key: 'json', fn: () => { sink += JSON.parse(text).integrations.length; } },
    { key: 'ours', fn: () => { sink += parseIntegrationStatus(JSON.parse(text)).integrations.length; } },
    { key: 'zod', fn: () => { sink += IntegrationStatusResponse.parse(JSON.parse(text)).integrations.length; } },
    { key: 'hand', fn: () => { const v = JSON.parse(text); if (hand.isIntegrationStatusResponse(v)) sink += v.integrations.length; } },
    // The checks alone, on an already parsed value.
    { key: 'oursCheckOnly', fn: () => { if (isIntegrationStatusResponse(parsed)) sink++; } },
    { key: 'zodCheckOnly', fn: () => { if (IntegrationStatusResponse.safeParse(parsed).success) sink++; } },
  ], { rounds: n >= 10_000 ? 5 : 7, targetMs: 40 });
  results.push({ accounts: n, bytes: text.length, ...r });
}

// The response path: `status()` of a client whose `fetch` answers the same text every time (a
// `Response` made per call), against the same `fetch` + `text()` + `JSON.parse` (+ the JS check by
// hand) in plain JS. Asynchronous, so the rounds are interleaved here, one call at a time.
const quiet = { baseUrl: 'http://127.0.0.1:9', autoRefresh: false, cache: { dedupingInterval: 0 }, logLevel: 'silent' };
const responsePath = [];
for (const n of SIZES) {
  const text = JSON.stringify(makeStatus(n));
  const stub = async () => new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
  const ours = new IntegrationsClient({ ...quiet, fetch: stub });
  const slimClient = new slim.IntegrationsClient({ ...quiet, fetch: stub });
  const contenders = [
    { key: 'json', run: async () => JSON.parse(await (await stub()).text()) },
    { key: 'hand', run: async () => { const v = JSON.parse(await (await stub()).text()); if (!hand.isIntegrationStatusResponse(v)) throw new Error('invalid'); return v; } },
    { key: 'ours', run: () => ours.status() },
    { key: 'slim', run: () => slimClient.status() },
  ];
  for (const c of contenders) if ((await c.run()).integrations.length !== n) throw new Error(`${c.key} returned another body`);
  const per = n >= 10_000 ? 4 : n >= 1000 ? 20 : 100;
  const samples = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < 9; round++) {
    for (let j = 0; j < contenders.length; j++) {
      const c = contenders[(j + round) % contenders.length];
      gc();
      const t0 = performance.now();
      for (let k = 0; k < per; k++) await c.run();
      samples[c.key].push((performance.now() - t0) / per);
    }
  }
  ours.dispose();
  slimClient.dispose();
  responsePath.push({ accounts: n, bytes: text.length, ...Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, { medianMs: median(xs) }])) });
}

// One level down: where parseIntegrationStatus spends its time, on 1 000 accounts.
const text = JSON.stringify(makeStatus(1000));
const parsed = JSON.parse(text);
const checkProfile = await profile(async () => {
  for (let i = 0; i < 60; i++) if (isIntegrationStatusResponse(parsed)) sink++;
});

report({ results, responsePath, checkProfile, sink });
