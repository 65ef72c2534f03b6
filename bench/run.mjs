#!/usr/bin/env node
// The benchmarks of integrations-client: `make bench`, or `cd bench && npm ci && node run.mjs`.
// Each section runs in its own fresh Node process (bench/sections/*.mjs, one JSON result each);
// this file runs them one after the other, never two at once, and writes ../BENCHMARKS.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { assertPkg, benchDir, pkgDir, resolveBaseline, root } from './lib/common.mjs';

assertPkg();

// BENCH_BASELINE: a directory holding a built pkg/ (make bench-baseline builds one from a commit in
// target/baseline/src). Its package runs beside ours in the weight, http, startup and boundary
// sections, labelled by its commit when the directory is a git checkout of its own.
function baselineLabel(b) {
  if (process.env.BENCH_BASELINE_LABEL) return process.env.BENCH_BASELINE_LABEL;
  try {
    const top = realpathSync(execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: b.pkgDir, encoding: 'utf8' }).trim());
    if (top !== realpathSync(root) && [b.dir, dirname(b.pkgDir)].some((d) => realpathSync(d) === top)) {
      let rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: top, encoding: 'utf8' }).trim();
      if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: top, encoding: 'utf8' }).trim()) rev += ' + uncommitted changes';
      return `commit ${rev}`;
    }
  } catch { /* not a git checkout */ }
  return relative(root, b.dir) || b.dir;
}
let baseline = resolveBaseline();
if (baseline) {
  process.env.BENCH_BASELINE = baseline.dir; // absolute, for the sections (they run in bench/)
  process.env.BENCH_BASELINE_LABEL = baselineLabel(baseline);
  baseline = resolveBaseline();
  process.stderr.write(`bench: baseline ${baseline.entry} (${baseline.label})\n`);
}
if (!existsSync(join(benchDir, 'node_modules', 'zod'))) {
  console.error('bench/node_modules is missing: run `npm ci` in bench/ first (make bench does).');
  process.exit(1);
}

const started = Date.now();
const tmp = mkdtempSync(join(os.tmpdir(), 'ic-bench-run-'));
const namesFile = join(tmp, 'wasm-names.json');
const loadAtStart = os.loadavg();

function section(name, args = []) {
  const t0 = Date.now();
  process.stderr.write(`bench: ${name}${args.length ? ` ${args.join(' ')}` : ''} ... `);
  const r = spawnSync(process.execPath, ['--expose-gc', join(benchDir, 'sections', `${name}.mjs`), ...args], {
    cwd: benchDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_WASM_NAMES: namesFile },
    maxBuffer: 64 << 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (r.status !== 0 || !line) {
    process.stderr.write('failed\n');
    process.stderr.write(r.stdout);
    throw new Error(`section ${name} failed (exit ${r.status})`);
  }
  process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return JSON.parse(line.slice('@@RESULT '.length));
}

let weight, boundary, boundaryBefore, http, validation, tokens, memory, memoryKinds, startup;
try {
  weight = section('weight'); // first: it also writes the wasm function names for the profiles
  boundary = section('boundary');
  if (baseline) boundaryBefore = section('boundary', ['baseline']); // its own process: one package per counter
  http = section('http');
  validation = section('validation');
  tokens = section('tokens');
  memory = section('memory');
  memoryKinds = memory.kinds.map((k) => section('memory', [k]));
  startup = section('startup');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// ---- formatting ---------------------------------------------------------------------------------
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const mb = (b) => `${(b / 1024 / 1024).toFixed(2)} MB`;
const signed = (b) => `${b >= 0 ? '+' : '−'}${Math.abs(b) >= 1024 * 1024 ? mb(Math.abs(b)) : kb(Math.abs(b))}`;
const n = (x) => x.toLocaleString('en');
function ms(x) {
  if (x >= 100) return `${x.toFixed(0)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  if (x >= 1) return `${x.toFixed(2)} ms`;
  if (x >= 0.01) return `${x.toFixed(3)} ms`;
  return `${(x * 1000).toFixed(2)} µs`;
}
const us = (x) => `${(x * 1000).toFixed(2)} µs`;
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const ok = (pass) => (pass ? '✅' : '❌');
const table = (head, rows) => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');

// ---- facts about the run ------------------------------------------------------------------------
const req = createRequire(join(root, 'package.json'));
const dep = (name) => JSON.parse(readFileSync(join(benchDir, 'node_modules', name, 'package.json'), 'utf8')).version;
const pkgVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim()) commit += ' + uncommitted changes';
} catch { /* not a git checkout */ }
const cpus = os.cpus();
const loadAtEnd = os.loadavg();

// ---- the numbers --------------------------------------------------------------------------------
const w = Object.fromEntries(weight.rows.map((r) => [r.key, r]));
const budget = weight.budgetGzip;
const aim = weight.aimGzip;
const weightVerdict = w.ours.gzip <= aim ? `${ok(true)} aim met` : w.ours.gzip <= budget ? `${ok(true)} within budget, ${kb(w.ours.gzip - aim)} over the aim` : `${ok(false)} over budget by ${kb(w.ours.gzip - budget)}`;

const pr = Object.fromEntries(http.perRequest.map((r) => [r.key, r]));
const reqRatio = pr.ours.medianMs / pr.fetch.medianMs;
const reqPass = reqRatio <= 1.15;
const beatsAxios = pr.ours.medianMs < pr.axios.medianMs;

const val = validation.results;
const valRows = val.map((r) => ({ ...r, vsJson: r.ours.medianMs / r.json.medianMs, vsZod: r.ours.medianMs / r.zod.medianMs }));
const valPass = valRows.every((r) => r.vsJson <= 2);
const valBeatsZod = valRows.every((r) => r.vsZod < 1);

const conc = http.concurrency;
const concPass = conc.oursRequests.every((n) => n === 1);

const st = Object.fromEntries(startup.rows.map((r) => [r.key, r]));

const memAt = (n) => memory.points.find((p) => p.ops === n);
const growth = memAt(100_000).wasmBytes - memAt(1_000).wasmBytes;
const growthLater = memory.points.at(-1).wasmBytes - memAt(100_000).wasmBytes;
const memBound = 1024 * 1024;
const memPass = growth < memBound;

// ---- now against before (BENCH_BASELINE) ----------------------------------------------------------
// Bytes and crossings are exact: any increase is worse. Times are medians on a noisy machine: within
// ±5% of before they count as unchanged (NOISE), above that as worse.
const NOISE = 0.05;
const bytesDelta = (now, was) => `${now - was > 0 ? '+' : now - was < 0 ? '−' : '±'}${n(Math.abs(now - was))} B`;
const timeVerdict = (r) => (r > 1 + NOISE ? `${ok(false)} slower` : r < 1 - NOISE ? `${ok(true)} faster` : `${ok(true)} within noise (±${NOISE * 100} %)`);
const exactVerdict = (now, was) => (now > was ? `${ok(false)} more` : now < was ? `${ok(true)} fewer` : `${ok(true)} same`);
let cmp = null;
if (baseline) {
  const op = (rows, i) => rows[i];
  const bStatus = boundaryBefore.rows.find((r) => r.op === boundary.rows[3].op);
  const bFirst = boundaryBefore.rows.find((r) => r.op === boundary.rows[2].op);
  cmp = {
    label: baseline.label,
    weight: { now: weight.comparison.now, was: weight.comparison.before },
    req: { now: pr.ours, was: pr.baseline },
    status: { now: op(boundary.rows, 3), was: bStatus },
    first: { now: op(boundary.rows, 2), was: bFirst },
    start: { now: st.ours, was: st.baseline },
    browser: { now: startup.browser, was: startup.browserBaseline },
  };
  const c = cmp;
  c.weightRatio = c.weight.now.entry.gzip / c.weight.was.entry.gzip;
  c.reqRatio = c.req.now.medianMs / c.req.was.medianMs;
  c.startRatio = c.start.now.importToFirstCallMs / c.start.was.importToFirstCallMs;
  c.blockedRatio = c.browser.now.blockedMs / c.browser.was.blockedMs;
  c.lines = [
    `weight of the default entry ${kb(c.weight.was.entry.gzip)} → ${kb(c.weight.now.entry.gzip)} gzip (${bytesDelta(c.weight.now.entry.gzip, c.weight.was.entry.gzip)}, ${ratio(c.weight.now.entry.gzip, c.weight.was.entry.gzip)}): ${exactVerdict(c.weight.now.entry.gzip, c.weight.was.entry.gzip).replace('more', 'heavier').replace('fewer', 'lighter')}`,
    `per request ${ms(c.req.was.medianMs)} → ${ms(c.req.now.medianMs)} (${ratio(c.req.now.medianMs, c.req.was.medianMs)}; ${ratio(c.req.was.medianMs, pr.fetch.medianMs)} → ${ratio(c.req.now.medianMs, pr.fetch.medianMs)} bare fetch): ${timeVerdict(c.reqRatio)}`,
    `crossings per repeated \`status()\`: wasm → JS ${c.status.was.wasmToJs} → ${c.status.now.wasmToJs} ${exactVerdict(c.status.now.wasmToJs, c.status.was.wasmToJs)}, JS → wasm ${c.status.was.jsToWasm} → ${c.status.now.jsToWasm} ${exactVerdict(c.status.now.jsToWasm, c.status.was.jsToWasm)} (the first \`status()\`: ${c.first.was.wasmToJs} → ${c.first.now.wasmToJs} and ${c.first.was.jsToWasm} → ${c.first.now.jsToWasm})`,
    `start-up, import → first call in a fresh Node ${ms(c.start.was.importToFirstCallMs)} → ${ms(c.start.now.importToFirstCallMs)} (${ratio(c.start.now.importToFirstCallMs, c.start.was.importToFirstCallMs)}): ${timeVerdict(c.startRatio)}; Chromium's main thread blocked ${ms(c.browser.was.blockedMs)} → ${ms(c.browser.now.blockedMs)} (${ratio(c.browser.now.blockedMs, c.browser.was.blockedMs)}): ${timeVerdict(c.blockedRatio)}`,
  ];
}

const expFaster = tokens.expiring.js.medianMs / tokens.expiring.ours.medianMs;
const expPass = expFaster >= 100;
const getRatio = tokens.get.ours.medianMs / tokens.get.js.medianMs;

// ---- the summary table --------------------------------------------------------------------------
// With a baseline, two more columns after ours ("now"): "before (commit X)" and "now / before".
const cmpCols = (row, before = ['—', '—']) => (cmp ? [...row.slice(0, 3), ...before, ...row.slice(3)] : row);
const summary = table([
  '#', 'measure', cmp ? 'integrations-client now' : 'integrations-client',
  ...(cmp ? [`before (${cmp.label})`, 'now / before'] : []), 'compared with', 'ratio', 'aim', 'result',
], [
  cmpCols(['1', 'weight of the default entry, gzip -9', `**${kb(w.ours.gzip)}** (raw ${kb(w.ours.raw)})`,
    `ky ${kb(w.ky.gzip)}, axios ${kb(w.axios.gzip)}, swr ${kb(w.swr.gzip)}, zod ${kb(w.zod.gzip)}; ky + swr + zod/mini schema ${kb(w.stack.gzip)}`,
    `${ratio(w.ours.gzip, w.stack.gzip)} the JS stack`, `≤ 45 KB (aim 30 KB)`, weightVerdict],
  cmp && [`${kb(cmp.weight.was.entry.gzip)} (raw ${kb(cmp.weight.was.entry.raw)})`, `**${ratio(cmp.weight.now.entry.gzip, cmp.weight.was.entry.gzip)}** (${bytesDelta(cmp.weight.now.entry.gzip, cmp.weight.was.entry.gzip)} gzip)`]),
  cmpCols(['2', `per request, median of ${n(http.requestsPerContender)} sequential \`status()\``, `**${ms(pr.ours.medianMs)}**`,
    `bare fetch ${ms(pr.fetch.medianMs)}, ky ${ms(pr.ky.medianMs)}, axios ${ms(pr.axios.medianMs)}`,
    `${ratio(pr.ours.medianMs, pr.fetch.medianMs)} fetch, ${ratio(pr.ours.medianMs, pr.axios.medianMs)} axios`,
    '≤ 1.15× fetch, ahead of axios', `${ok(reqPass)} vs fetch, ${ok(beatsAxios)} vs axios`],
  cmp && [`${ms(cmp.req.was.medianMs)} (${ratio(cmp.req.was.medianMs, pr.fetch.medianMs)} fetch)`, `**${ratio(cmp.req.now.medianMs, cmp.req.was.medianMs)}**`]),
  ...valRows.map((r) => cmpCols([
    '3', `JSON.parse + deep check, ${r.accounts.toLocaleString('en')} accounts`, `**${ms(r.ours.medianMs)}**`,
    `JSON.parse ${ms(r.json.medianMs)}, + zod ${ms(r.zod.medianMs)}`,
    `${r.vsJson.toFixed(2)}× JSON.parse, ${r.vsZod.toFixed(2)}× zod`, '≤ 2× JSON.parse, ahead of zod',
    `${ok(r.vsJson <= 2)} vs JSON.parse, ${ok(r.vsZod < 1)} vs zod`])),
  cmpCols(['4', `${n(conc.calls)} concurrent \`status()\``, `**${Math.max(...conc.oursRequests)} request**, settled in ${ms(conc.oursMs)}`,
    `one promise shared by hand: ${ms(conc.sharedMs)}`, ratio(conc.oursMs, conc.sharedMs), '1 request', ok(concPass)]),
  cmpCols(['5', 'start-up: `await import()` + first call, fresh process', `**${ms(st.ours.importToFirstCallMs)}** (wasm decode ${ms(st.ours.decodeMs)}, compile ${ms(st.ours.moduleMs)}, instantiate ${ms(st.ours.instanceMs)}); in Chromium the main thread is blocked ${ms(startup.browser.blockedMs)} by them`,
    `import of ky ${ms(st.ky.importMs)}, axios ${ms(st.axios.importMs)}, zod ${ms(st.zod.importMs)}`,
    `${ratio(st.ours.importToFirstCallMs, st.ky.importToFirstCallMs)} ky`, '—', 'ℹ️'],
  cmp && [`${ms(cmp.start.was.importToFirstCallMs)} (decode ${ms(cmp.start.was.decodeMs)}, compile ${ms(cmp.start.was.moduleMs)}, instantiate ${ms(cmp.start.was.instanceMs)}); Chromium blocked ${ms(cmp.browser.was.blockedMs)}`,
    `**${ratio(cmp.start.now.importToFirstCallMs, cmp.start.was.importToFirstCallMs)}**; Chromium blocked ${ratio(cmp.browser.now.blockedMs, cmp.browser.was.blockedMs)}`]),
  cmpCols(['6', 'wasm memory growth, 1 000 → 100 000 mixed operations', `**${signed(growth)}** (${mb(memAt(1_000).wasmBytes)} → ${mb(memAt(100_000).wasmBytes)}; then ${signed(growthLater)} over 100 000 more)`,
    `JS heap used ${signed(memAt(100_000).heapUsed - memAt(1_000).heapUsed)}`, '—', '< 1 MB', ok(memPass)]),
  cmpCols(['7', 'token map: `expiringWithin` (10 due among 100 000)', `**${ms(tokens.expiring.ours.medianMs)}**`,
    `JS Map + linear scan ${ms(tokens.expiring.js.medianMs)}`, `${expFaster.toFixed(0)}× faster`, '≥ 100× faster', ok(expPass)]),
  cmpCols(['7', 'token map: `getToken` among 100 000', `**${us(tokens.get.ours.medianMs)}**`,
    `JS \`map.get(p + '\\0' + a)\` ${us(tokens.get.js.medianMs)}`, getRatio <= 1 ? `${(1 / getRatio).toFixed(1)}× faster` : `${getRatio.toFixed(1)}× slower`, '≤ 2× Map.get', ok(getRatio <= 2)]),
  ...(cmp ? [cmpCols(['8', 'boundary crossings per repeated `status()` (5 accounts, fetch stubbed)', `**${cmp.status.now.wasmToJs} wasm → JS, ${cmp.status.now.jsToWasm} JS → wasm**`,
    '—', '—', 'none more than before', `${exactVerdict(cmp.status.now.wasmToJs, cmp.status.was.wasmToJs)} wasm → JS, ${exactVerdict(cmp.status.now.jsToWasm, cmp.status.was.jsToWasm)} JS → wasm`],
  [`${cmp.status.was.wasmToJs} wasm → JS, ${cmp.status.was.jsToWasm} JS → wasm`, `**${ratio(cmp.status.now.wasmToJs, cmp.status.was.wasmToJs)}**, ${ratio(cmp.status.now.jsToWasm, cmp.status.was.jsToWasm)}`])] : []),
]);
const cmpBlock = cmp ? `**Now against before (${cmp.label})**, measured in the same run (the same rounds, interleaved; bytes and
crossings are exact, times count as unchanged within ±${NOISE * 100} %):

${cmp.lines.map((l) => `- ${l}`).join('\n')}
` : '';

// ---- details ------------------------------------------------------------------------------------
const weightTable = table(['bundle (esbuild --bundle --minify --format=esm)', 'raw', 'gzip -9', 'gzip vs ours'], weight.rows.map((r) => [
  r.name, kb(r.raw), kb(r.gzip), r.key === 'ours' ? '1.00×' : r.part ? '' : r.baseline ? `now / before: ${ratio(w.ours.gzip, r.gzip)}` : ratio(r.gzip, w.ours.gzip),
]));
const weightCmpTable = cmp ? table(['part', `before (${cmp.label}), gzip -9`, 'now, gzip -9', 'Δ gzip', 'now / before (gzip)', 'raw: before → now'], [
  ['the default entry `pkg/index.js`', 'entry'], ['↳ the client wasm alone (binary)', 'wasm'], ['↳ the client wasm LZMA-packed', 'lzma'],
  ['↳ the same as the inlined base64 string', 'packed'], ['↳ the LZMA decoder (inlined string)', 'decoder'], ['↳ the JS alone', 'js'],
].map(([name, k]) => {
  const [a, b] = [cmp.weight.was[k], cmp.weight.now[k]];
  return [k === 'entry' ? `**${name}**` : name, kb(a.gzip), kb(b.gzip), bytesDelta(b.gzip, a.gzip), ratio(b.gzip, a.gzip), `${n(a.raw)} → ${n(b.raw)} B (${bytesDelta(b.raw, a.raw)})`];
})) : '';
const wasmSectionCmp = cmp ? (() => {
  const was = Object.fromEntries(weight.comparison.beforeSections.map((x) => [x.name, x.bytes]));
  return weight.wasmSections.filter((x) => x.bytes > 64 || (was[x.name] ?? 0) > 64)
    .map((x) => `${x.name} ${n(was[x.name] ?? 0)} → ${n(x.bytes)}`).join(', ');
})() : '';
const sectionTable = table(['wasm section', 'bytes', 'share'], weight.wasmSections.filter((s) => s.bytes > 64).map((s) => [s.name, s.bytes.toLocaleString('en'), `${((100 * s.bytes) / w.wasm.raw).toFixed(1)} %`]));
const crateTable = weight.names.byCrate.length
  ? table(['code by crate', 'bytes', 'share of code'], weight.names.byCrate.filter((c) => c.bytes > 200).map((c) => [c.crate, c.bytes.toLocaleString('en'), `${((100 * c.bytes) / weight.names.codeBytes).toFixed(1)} %`]))
  : '_(unavailable)_';
const topFnTable = weight.names.topFunctions.length
  ? table(['largest functions', 'bytes'], weight.names.topFunctions.map((f) => [`\`${f.name.replace(/\|/g, '\\|')}\``, f.bytes.toLocaleString('en')]))
  : '';

const httpTable = table(['GET /status (5 accounts, bare body), same Accept header', 'median', 'p90', 'mean', 'vs fetch (median)'], http.perRequest.map((r) => [
  r.name, ms(r.medianMs), ms(r.p90Ms), ms(r.meanMs), ratio(r.medianMs, pr.fetch.medianMs),
]));
const valTable = table(['accounts (JSON bytes)', 'JSON.parse', 'ours: + parseIntegrationStatus', 'zod: + schema.parse', 'JS by hand (floor)', 'ours / JSON.parse', 'ours / zod', 'check alone: ours', 'check alone: zod'], val.map((r) => [
  `${r.accounts.toLocaleString('en')} (${kb(r.bytes)})`, ms(r.json.medianMs), ms(r.ours.medianMs), ms(r.zod.medianMs), ms(r.hand.medianMs),
  ratio(r.ours.medianMs, r.json.medianMs), ratio(r.ours.medianMs, r.zod.medianMs), ms(r.oursCheckOnly.medianMs), ms(r.zodCheckOnly.medianMs),
]));
const startupCmp = cmp ? `Now against before (${cmp.label}), same runs, interleaved: import → first call ${ms(cmp.start.was.importToFirstCallMs)} → ${ms(cmp.start.now.importToFirstCallMs)}
(**${ratio(cmp.start.now.importToFirstCallMs, cmp.start.was.importToFirstCallMs)}**; \`await import()\` ${ratio(cmp.start.now.importMs, cmp.start.was.importMs)}, first call ${ratio(cmp.start.now.firstCallMs, cmp.start.was.firstCallMs)}; wasm decode
${ratio(cmp.start.now.decodeMs, cmp.start.was.decodeMs)}, compile ${ratio(cmp.start.now.moduleMs, cmp.start.was.moduleMs)}, instantiate ${ratio(cmp.start.now.instanceMs, cmp.start.was.instanceMs)}): ${timeVerdict(cmp.startRatio)}.` : '';
const startupTable = table(['fresh `node` process', '`await import()`', 'first call', 'import → first call', 'wasm decode', 'wasm compile', 'wasm instantiate', 'process wall time'], startup.rows.map((r) => [
  r.name, r.key === 'none' ? '' : ms(r.importMs), r.key === 'none' ? '' : ms(r.firstCallMs), r.key === 'none' ? '' : ms(r.importToFirstCallMs), r.decodeMs ? ms(r.decodeMs) : '', r.moduleMs ? ms(r.moduleMs) : '', r.instanceMs ? ms(r.instanceMs) : '', ms(r.wallMs),
]));
const sb = startup.browser;
const browserStartupTable = table(['Chromium ' + sb.version + ', fresh page', '`await import()`', 'first call', 'wasm decode', 'wasm compile', 'wasm instantiate', 'main thread blocked by the three'], [
  ['**integrations-client**', ms(sb.importMs), ms(sb.firstCallMs), ms(sb.decodeMs), ms(sb.moduleMs), ms(sb.instanceMs), `**${ms(sb.blockedMs)}**`],
  ...(cmp ? [[`before (${cmp.label})`, ...['importMs', 'firstCallMs', 'decodeMs', 'moduleMs', 'instanceMs', 'blockedMs'].map((k) => ms(cmp.browser.was[k]))],
    ['now / before', ...['importMs', 'firstCallMs', 'decodeMs', 'moduleMs', 'instanceMs', 'blockedMs'].map((k) => ratio(sb[k], cmp.browser.was[k]))]] : []),
]);
const memTable = table(['after n mixed operations', 'wasm memory', 'JS heap used', 'external', 'arrayBuffers', 'rss'], memory.points.map((p) => [
  p.ops.toLocaleString('en'), mb(p.wasmBytes), mb(p.heapUsed), mb(p.external), mb(p.arrayBuffers), mb(p.rss),
]));
const kindOps = memoryKinds[0].points.map((p) => n(p.ops));
const memKindTable = table(['one kind alone, fresh process', `wasm memory after ${kindOps[0]}`, `after ${kindOps[1]}`, 'growth'], memoryKinds.map((m) => [
  m.kind, mb(m.points[0].wasmBytes), mb(m.points[1].wasmBytes), signed(m.points[1].wasmBytes - m.points[0].wasmBytes),
]));
const tokenTable = table(['100 000 tokens', 'integrations-client', 'JS Map', 'ours / JS'], [
  [`\`expiringWithin(5 min)\`, ${tokens.due} due`, ms(tokens.expiring.ours.medianMs), ms(tokens.expiring.js.medianMs), ratio(tokens.expiring.ours.medianMs, tokens.expiring.js.medianMs)],
  ['`getToken(p, a)`, per lookup', us(tokens.get.ours.medianMs), us(tokens.get.js.medianMs), ratio(tokens.get.ours.medianMs, tokens.get.js.medianMs)],
  ['`getToken(p, a).accessToken`, per lookup', us(tokens.getAccess.ours.medianMs), us(tokens.getAccess.js.medianMs), ratio(tokens.getAccess.ours.medianMs, tokens.getAccess.js.medianMs)],
  ['↳ the same, then `free()` the TokenData (so every read misses `getToken`\'s cache and asks the wasm)', us(tokens.getAccess.oursFree.medianMs), '', ''],
  ['`setToken` × 100 000 (filling, once)', ms(tokens.fill.oursMs), ms(tokens.fill.jsMs), ratio(tokens.fill.oursMs, tokens.fill.jsMs)],
]);
const calls = (x) => x.toFixed(x % 1 ? 1 : 0);
const boundaryTable = cmp
  ? table(['operation', 'wasm → JS now', `before (${cmp.label})`, 'now / before', 'JS → wasm now', 'before', 'now / before', 'most frequent imports now'], boundary.rows.map((r) => {
    const b = boundaryBefore.rows.find((x) => x.op === r.op);
    return [r.op, `**${calls(r.wasmToJs)}**`, b ? calls(b.wasmToJs) : '—', b ? ratio(r.wasmToJs, b.wasmToJs) : '—',
      `**${calls(r.jsToWasm)}**`, b ? calls(b.jsToWasm) : '—', b ? ratio(r.jsToWasm, b.jsToWasm) : '—', r.imports.join(', ')];
  }))
  : table(['operation', 'wasm → JS calls', 'JS → wasm calls', 'most frequent imports'], boundary.rows.map((r) => [
    r.op, calls(r.wasmToJs), calls(r.jsToWasm), r.imports.join(', '),
  ]));
const profileBlock = (title, p) => [
  `**${title}** (${ms(p.totalMs)} sampled)`,
  '',
  table(['where the time went', 'share'], p.categories.filter((c) => c.pct >= 0.5).map((c) => [c.name, `${c.pct} %`])),
  '',
  table(['hottest functions (self time)', 'where', 'share'], p.top.map((f) => [
    `\`${f.name.replace(/\|/g, '\\|')}\`${f.source ? `<br><sub>\`…${f.source.replace(/`/g, "'").replace(/\|/g, '\\|')}…\`</sub>` : ''}`, f.category, `${f.pct} %`,
  ])),
].join('\n');

// ---- where we lose ------------------------------------------------------------------------------
const losses = [];
const perAccount = boundary.rows[1];
const firstStatus = boundary.rows[2];
const statusCalls = boundary.rows[3];
const timerPart = pr.ours.medianMs - pr.oursNoTimer.medianMs;
if (w.ours.gzip > aim) {
  const coreBytes = weight.names.byCrate.find((c) => c.crate.startsWith('core'))?.bytes ?? 0;
  const oursBytes = weight.names.byCrate.find((c) => c.crate === 'integrations-client')?.bytes ?? 0;
  const shimBytes = weight.names.byCrate.find((c) => c.crate.startsWith('wasm-bindgen shims'))?.bytes ?? 0;
  losses.push(`### Weight: ${kb(w.ours.gzip)} gzip, ${w.ours.gzip > budget ? `over the 45 KB budget by ${kb(w.ours.gzip - budget)}` : `over the 30 KB aim by ${kb(w.ours.gzip - aim)}`}

The entry is the client wasm LZMA-packed (${kb(w.lzma.raw)}, ${kb(w.packed.gzip)} as its base64 string after gzip; gzip -9 of the
binary would be ${kb(w.wasm.gzip)}), the decoder wasm (${kb(w.decoder.gzip)}) and the JS (${kb(w.js.gzip)}). Closing the gap means about
${kb(Math.ceil((w.ours.gzip - budget) / 0.39))} less raw wasm (LZMA keeps ~39% of it). The client wasm's ${w.wasm.raw.toLocaleString('en')} bytes are
${weight.wasmSections.filter((s) => s.bytes > 1000).map((s) => `${s.name} ${kb(s.bytes)}`).join(', ')}. ${weight.names.byCrate.length ? `The code section by crate
(${weight.names.status} names, from rebuilding the same wasm with \`wasm-opt -Oz -g\`): the package's own code ${kb(oursBytes)},
core/alloc ${kb(coreBytes)} (of which B-tree code ${kb(weight.names.btreeBytes)}, formatting ${kb(weight.names.fmtBytes)}),
and wasm-bindgen's export shims ${kb(shimBytes)} (the bodies of the exported methods are inlined into them, so this is mostly the client's code too).` : `The code by crate is ${weight.names.status}.`}
A JS stack doing the same jobs (ky + swr + a zod/mini schema) is ${kb(w.stack.gzip)}.

${sectionTable}

${crateTable}

${topFnTable}`);
}
if (!reqPass || !beatsAxios) {
  losses.push(`### Per request: ${ratio(pr.ours.medianMs, pr.fetch.medianMs)} bare fetch${beatsAxios ? '' : `, and behind axios (${ratio(pr.ours.medianMs, pr.axios.medianMs)})`}

The breakdown rows of the table above ran in the same rounds. Validation alone (fetch + \`parseIntegrationStatus\`) costs
${ms(pr.fetchValidate.medianMs - pr.fetch.medianMs)} per request; the same work as the client done in plain JS (uuid header,
AbortController with a 10 s timer, fetch, parse, the wasm check) is ${ratio(pr.jsEquivalent.medianMs, pr.fetch.medianMs)} fetch; the client
is ${ms(pr.ours.medianMs - pr.jsEquivalent.medianMs)} slower than that${timerPart > 0.05 * pr.ours.medianMs ? `, and the per-attempt timer accounts for ${ms(timerPart)} of it` : ' (the per-attempt timer is not a measurable part of it: see the `timeoutMs: 0` row)'}.
A repeated \`status()\` of 5 accounts makes **${statusCalls.wasmToJs} wasm → JS calls** and ${statusCalls.jsToWasm} JS → wasm calls
(${statusCalls.imports.join(', ')}): ${(statusCalls.wasmToJs / 5).toFixed(0)} per account, where the deep check alone needs ${perAccount.wasmToJs.toFixed(0)};
the first \`status()\` of a client makes ${firstStatus.wasmToJs} (it also builds the first snapshot). A response whose JSON text equals the
last one's is recognised by one string compare, so the deep comparison of the trees (\`json::deep_equal\`) runs only when the text differs; the
body stays a JS string, parsed by \`JSON.parse\` where it is. The rest is the shape check and the account references read out of the data:
every field read is a \`Reflect.get\` plus, for a string, a copy into wasm memory. The CPU profiles, client loop against bare fetch loop:

${profileBlock('1 000 × client.status()', http.clientProfile)}

${profileBlock('1 000 × bare fetch + JSON.parse', http.fetchProfile)}`);
}
if (!valPass || !valBeatsZod) {
  losses.push(`### Validation: ${valRows.map((r) => `${r.vsJson.toFixed(1)}×`).join(' / ')} JSON.parse, ${valRows.map((r) => `${r.vsZod.toFixed(1)}×`).join(' / ')} zod

The check reads the parsed JS value from wasm, field by field: **${perAccount.wasmToJs.toFixed(0)} wasm → JS calls per account** (${perAccount.imports.join(', ')}).
Property names come from a small cache of JS strings, but every \`Reflect.get\` goes through wasm-bindgen's try/catch wrapper, every
value's type is asked in separate calls (\`is_object\`, \`as_bool\`, \`as_f64\`, ...), and every string value (provider, ids, names,
timestamps) is copied into wasm memory as UTF-8 (\`string_get\`) before it is checked. The rules themselves are cheap: the same rules written by hand in JS run in
${valRows.map((r) => ratio(r.hand.medianMs, r.json.medianMs)).join(' / ')} JSON.parse. Profile of \`isIntegrationStatusResponse\` on 1 000 parsed accounts:

${profileBlock('60 × the check on 1 000 accounts', validation.checkProfile)}`);
}
if (getRatio > 2) {
  losses.push(`### \`getToken\`: ${getRatio.toFixed(1)}× a JS Map

Each lookup copies both key strings into wasm and builds an owned byte key to search the treap (one tree of 300 000 keys for the three
indexes: some 25 levels on average, each a pointer to chase and a compare through wasm's byte-wise \`memcmp\`), then makes the two token texts into JS
strings and wraps a small \`TokenData\` (the caller's provider and accountId, the texts, the expiry) in a JS object registered with a
FinalizationRegistry. The \`TokenData\`'s ~40 bytes of wasm memory are released when the JS wrapper is collected (or \`free()\`d).
\`expiringWithin\` wins because it is an index range scan (the treap's keys by expiry) instead of a scan of all 100 000.

${profileBlock(`30 000 × getToken(p, a).accessToken`, tokens.getProfile)}`);
}
if (!memPass) {
  const gt = memoryKinds.find((m) => m.kind === 'getToken');
  losses.push(`### Memory: wasm memory grew ${signed(growth)} between 1 000 and 100 000 operations

By kind (table above), ${memoryKinds.filter((m) => m.points[1].wasmBytes > m.points[0].wasmBytes).map((m) => `\`${m.kind}\``).join(', ') || 'no kind alone'} grows it (\`getToken\`: ${signed(gt.points[1].wasmBytes - gt.points[0].wasmBytes)} over ${n(gt.points[1].ops - gt.points[0].ops)} lookups alone; with \`free()\`: ${signed(memoryKinds.find((m) => m.kind === 'getToken + free()').points[1].wasmBytes - memoryKinds.find((m) => m.kind === 'getToken + free()').points[0].wasmBytes)}):
each \`TokenData\` holds ~40 bytes of wasm memory until the garbage collector finalizes the JS wrapper, and wasm memory never shrinks, so
the high-water mark follows the number of unreleased \`TokenData\`s between collections. It is not a leak (the next 100 000 mixed operations added
${signed(growthLater)}), but it is a peak that a burst of lookups sets.`);
}
if (!expPass) losses.push(`### expiringWithin: only ${expFaster.toFixed(1)}× faster than a JS scan`);

const suggestions = [];
if (w.ours.gzip > aim) {
  suggestions.push(
    'Weight: README, "Size", has where each step went and what was tried. The largest single parts are the driver\'s one callback (`Driver::wake`, every event of the core inlined into it, ~10 KB raw), the constructor\'s option reading (~7 KB) and the end of a request (`Client::finish`, ~6 KB); drop glue is ~4.5 KB raw, so fewer owned `String`s in long-lived structs (log entries, messages, errors) pay twice.',
  );
}
if (!reqPass || !beatsAxios || !valPass || !valBeatsZod) {
  suggestions.push(
    'Crossings: ask a value\'s type in one call instead of up to five (`is_null`, `as_bool`, `as_f64`, `is_string`, `is_object`), and read several fields per call (an imported helper that returns the fields of an account as a small array); keep only the semantic checks (slug, RFC 3339, safe integer) on the strings that need them. Each costs some wasm bytes, which the weight budget has to allow.',
  );
}
if (getRatio > 2 || !memPass) {
  suggestions.push(
    '`getToken`: find the pair through a hash index (a small open-addressing table of slot numbers) instead of the treap, which keeps the order only `expiringWithin` and `getProviderTokens` need; compare keys a word at a time where the treap is kept.',
  );
}

// ---- the document -------------------------------------------------------------------------------
const doc = `# Benchmarks

Generated by \`make bench\` (\`cd bench && npm ci && node run.mjs\`) on ${new Date().toISOString()}; do not edit by hand.
Every contender of a measure ran in the same process and the same rounds, interleaved in a rotating order, so the machine's noise
falls on all of them; the figures are medians over rounds, and the ratios are what to compare across machines.

| | |
|---|---|
| machine | ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB memory, ${os.type()} ${os.release()} ${os.arch()} |
| load average | ${loadAtStart.map((x) => x.toFixed(2)).join(' / ')} at the start, ${loadAtEnd.map((x) => x.toFixed(2)).join(' / ')} at the end (1 / 5 / 15 min) |
| Node | ${process.version} |
| integrations-client | ${pkgVersion} (\`pkg/\`${process.env.BENCH_PKG ? `, as copied to \`${relative(root, pkgDir)}/\` after the build` : ''}, commit ${commit}) |
${baseline ? `| before | ${JSON.parse(readFileSync(join(baseline.pkgDir, 'package.json'), 'utf8')).version} (\`${relative(root, baseline.pkgDir) || baseline.pkgDir}/\`, ${baseline.label}; \`BENCH_BASELINE\`, built by \`make bench-baseline\`) |
` : ''}| contenders | ky ${dep('ky')}, axios ${dep('axios')}, axios-retry ${dep('axios-retry')}, zod ${dep('zod')}, swr ${dep('swr')}, react ${dep('react')}; esbuild ${req('esbuild').version} |
| run time | ${((Date.now() - started) / 1000).toFixed(0)} s |

## Summary

${summary}
${cmp ? `\n${cmpBlock}` : ''}
## 1. Package weight

Each bundle is esbuild's \`--bundle --minify --format=esm\`, \`process.env.NODE_ENV\` = \`"production"\`, react external; \`--platform=neutral\`
asking for the \`browser\` condition and main fields (what a front-end build gets), except axios, whose Node adapter is only mapped away
through its \`browser\` field, which esbuild honours with \`--platform=browser\`. zod 4's classic API does not tree-shake (the schema alone
pulls nearly all of it), so zod/mini, its tree-shakeable API, is shown with the same schema. ky is 1.9 because ky 2 needs Node ≥ 22.

${weightTable}
${cmp ? `
Now against before (${cmp.label}), part by part:

${weightCmpTable}

The client wasm's sections, before → now (bytes): ${wasmSectionCmp}.
` : ''}
## 2. Per-request overhead

${n(http.requestsPerContender)} sequential requests per contender (${http.rounds} rounds, after 100 of warm-up each) against the project's mock server
(\`tests/support/mock-server.mjs\`, run in its own process on loopback, bare bodies: \`configure({ envelope: false })\`), ${http.accounts} accounts.
The client is \`new IntegrationsClient({ baseUrl, autoRefresh: false, cache: { dedupingInterval: 0 }, logLevel: 'silent' })\`, so every
\`status()\` is a request. Rows marked ↳ are not contenders: they take the client's work apart.

${httpTable}
${cmp ? `
Now against before (${cmp.label}), the same rounds: median ${ms(cmp.req.was.medianMs)} → ${ms(cmp.req.now.medianMs)} (**${ratio(cmp.req.now.medianMs, cmp.req.was.medianMs)}**),
p90 ${ms(cmp.req.was.p90Ms)} → ${ms(cmp.req.now.p90Ms)}, mean ${ms(cmp.req.was.meanMs)} → ${ms(cmp.req.now.meanMs)}; against bare fetch ${ratio(cmp.req.was.medianMs, pr.fetch.medianMs)} → ${ratio(cmp.req.now.medianMs, pr.fetch.medianMs)}: ${timeVerdict(cmp.reqRatio)}.
` : ''}
## 3. Validation

Valid payloads made by \`bench/lib/data.mjs\` (8 providers, mixed statuses, optional \`expiresAt\`/\`metadata\`, timestamps with \`Z\`,
fractions and \`+02:00\` offsets). The zod schema (\`bench/lib/zod-schema.mjs\`) has the same rules: slug regex, status enum, non-negative
safe integer ids and counts, account id of 1 to 256 characters and not \`.\`/\`..\`, \`z.iso.datetime({ offset: true })\`, optional
\`expiresAt\`, \`metadata\` as a record, the summary with its \`byProvider\` record. All checkers accept these payloads and reject a
\`2025-02-30\`. zod's \`z.object\` returns new objects (unknown keys stripped), a little more work than ours, which returns its input.
"JS by hand" (\`bench/lib/js-check.mjs\`) is not a contender: it shows what the rules cost without any library or boundary.

${valTable}

## 4. Concurrency

${n(conc.calls)} \`status()\` calls started together on a fresh client (dedupingInterval 0), ${conc.reps} times; requests counted by the mock server:
${conc.oursRequests.join(', ')}. "One promise shared by hand" is a JS \`inflight ??= fetch(...)\`, the floor for this job.

## 5. Start-up

${startup.runs} fresh \`node --input-type=module -e\` processes per row, interleaved; the wasm times are taken inside the import by wrapping
\`atob\` and \`WebAssembly.Module\`/\`Instance\`: decode is from the base64 decode of the packed wasm to the start of its compile (the LZMA
decoder wasm's own compile and run included), compile and instantiate are those of the client wasm, all synchronous. The rest of our import
is loading and compiling the ${kb(w.ours.raw)} entry. The first call is \`isIntegrationData({})\`.

${startupTable}
${cmp ? `\n${startupCmp}\n` : ''}
The same import in headless Chromium (${startup.runs} runs, each a fresh browser context and page; the entry served from loopback HTTP, so the
import includes its fetch). Decode, compile and instantiate run synchronously on the main thread when the entry is evaluated: no input
or rendering is handled meanwhile. The synchronous compile is also why the browser floor is Chrome 114 (README, "Install and first call").

${browserStartupTable}

## 6. Memory

The wasm linear memory is read from the instance the package creates (caught by wrapping \`WebAssembly.Instance\` in the bench process;
the package does not export it). "external" includes it; "arrayBuffers" does not. Measured after a GC and letting finalizers run.
The mix: the four guards, \`parseIntegrationStatus\` (valid and invalid), \`MultiAccountTokenManager\` set/get/remove/expiringWithin over a
window of 500 keys, \`createIntegrationError\` and \`client.getSnapshot()\`, in turn.

${memTable}

One level down, each kind alone in a fresh process:

${memKindTable}

## 7. Token map

${tokenTable}

## Where we lose, one level down

Calls across the wasm boundary per operation (every import and export wrapped with a counter, in a separate process${cmp ? `; the
package before the change (${cmp.label}) counted the same way in a process of its own` : ''}):

${boundaryTable}

"string out of wasm" decodes a string from wasm memory into a new JS string (a property name, a result); \`string_get\` copies a JS
string into wasm memory as UTF-8; \`get\` is \`Reflect.get\`.

${losses.length ? losses.join('\n\n') : 'Nowhere: every aim is met.'}

${suggestions.length ? `## Suggestions (not applied: the bench does not change the package)\n\n${suggestions.map((s) => `- ${s}`).join('\n')}\n` : ''}`;

writeFileSync(join(root, 'BENCHMARKS.md'), doc);
process.stdout.write(`${doc}\n`);
process.stderr.write(`bench: wrote BENCHMARKS.md in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
