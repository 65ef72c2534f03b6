// §3 validation: JSON.parse + the deep check, on status payloads of 100, 1 000 and 10 000 accounts.
import { assertPkg, pkgUrl, report } from '../lib/common.mjs';
import { makeStatus } from '../lib/data.mjs';
import * as hand from '../lib/js-check.mjs';
import { profile } from '../lib/profile.mjs';
import { interleave } from '../lib/timing.mjs';
import { IntegrationStatusResponse } from '../lib/zod-schema.mjs';

assertPkg();
const { parseIntegrationStatus, isIntegrationStatusResponse } = await import(pkgUrl);

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

// One level down: where parseIntegrationStatus spends its time, on 1 000 accounts.
const text = JSON.stringify(makeStatus(1000));
const parsed = JSON.parse(text);
const checkProfile = await profile(async () => {
  for (let i = 0; i < 60; i++) if (isIntegrationStatusResponse(parsed)) sink++;
});

report({ results, checkProfile, sink });
