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

let weight, boundary, boundarySlim, boundaryBefore, http, validation, tokens, memory, memoryKinds, startup;
try {
  weight = section('weight'); // first: it also writes the wasm function names for the profiles
  boundary = section('boundary');
  boundarySlim = section('boundary', ['slim']); // the slim entry's wasm, which checks a response on its text
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
/** gzip -9 and brotli -11 of a weighed row: "52.3 KB gzip, 50.7 KB brotli". */
const gzBr = (r) => `${kb(r.gzip)} gzip, ${kb(r.brotli)} brotli`;
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
const calls = (x) => x.toFixed(x % 1 ? 1 : 0);
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
// The aims of issue #14, in one place: the summary's "aim" column, its verdicts and the sections
// below all read them from here (the weight's aim and budget come from the weight section).
const AIM = {
  startupMs: 15, // import → first call in a fresh Node process
  valVsJson: 1.5, // JSON.parse + deep check, against JSON.parse alone; and ahead of JS by hand and zod
  getVsMap: 2, // getToken against Map.get
  expiringFaster: 100, // expiringWithin against a scan
  memBytes: 1024 * 1024, // wasm memory growth over 1 000 → 100 000 mixed operations
};
const w = Object.fromEntries(weight.rows.map((r) => [r.key, r]));
const budget = weight.budgetGzip;
const aim = weight.aimGzip;
const weightVerdict = w.ours.gzip <= aim ? `${ok(true)} aim met` : w.ours.gzip <= budget ? `${ok(true)} within budget, ${kb(w.ours.gzip - aim)} over the aim` : `${ok(false)} over budget by ${kb(w.ours.gzip - budget)}, the aim by ${kb(w.ours.gzip - aim)}`;

// Per request: no slower than the same work done in plain JS (the ↳ row of §2), and ahead of axios.
const pr = Object.fromEntries(http.perRequest.map((r) => [r.key, r]));
const reqVsJs = pr.ours.medianMs / pr.jsEquivalent.medianMs;
const reqPass = reqVsJs <= 1;
const beatsAxios = pr.ours.medianMs < pr.axios.medianMs;

const val = validation.results;
const valRows = val.map((r) => ({ ...r, vsJson: r.ours.medianMs / r.json.medianMs, vsZod: r.ours.medianMs / r.zod.medianMs, vsHand: r.ours.medianMs / r.hand.medianMs }));
const valPass = valRows.every((r) => r.vsJson <= AIM.valVsJson);
const valBeatsZod = valRows.every((r) => r.vsZod < 1);
const valBeatsHand = valRows.every((r) => r.vsHand < 1);

const conc = http.concurrency;
const concPass = conc.oursRequests.every((n) => n === 1);

const st = Object.fromEntries(startup.rows.map((r) => [r.key, r]));
const startPass = st.ours.importToFirstCallMs <= AIM.startupMs;
const sb = startup.browser;
const sbSlim = startup.browserSlim ?? null;
const hasSlim = Boolean(w.slim && st.slim && sbSlim);

const memAt = (n) => memory.points.find((p) => p.ops === n);
const growth = memAt(100_000).wasmBytes - memAt(1_000).wasmBytes;
const growthLater = memory.points.at(-1).wasmBytes - memAt(100_000).wasmBytes;
const memPass = growth < AIM.memBytes;

// ---- now against before (BENCH_BASELINE) ----------------------------------------------------------
// Bytes and crossings are exact: any increase is worse. Times are medians on a noisy machine: within
// ±5% of before they count as unchanged (NOISE), above that as worse.
const NOISE = 0.05;
const bytesDelta = (now, was) => `${now - was > 0 ? '+' : now - was < 0 ? '−' : '±'}${n(Math.abs(now - was))} B`;
const timeVerdict = (r) => (r > 1 + NOISE ? `${ok(false)} slower` : r < 1 - NOISE ? `${ok(true)} faster` : `${ok(true)} within noise (±${NOISE * 100} %)`);
const exactVerdict = (now, was) => (now > was ? `${ok(false)} more` : now < was ? `${ok(true)} fewer` : `${ok(true)} same`);
// The boundary section's rows by key (bench/sections/boundary.mjs); the baseline's run has the same keys.
const crossings = (key, rows = boundary.rows) => rows.find((r) => r.key === key);
let cmp = null;
if (baseline) {
  cmp = {
    label: baseline.label,
    weight: { now: weight.comparison.now, was: weight.comparison.before },
    req: { now: pr.ours, was: pr.baseline },
    status: { now: crossings('status'), was: crossings('status', boundaryBefore.rows) },
    first: { now: crossings('statusFirst'), was: crossings('statusFirst', boundaryBefore.rows) },
    status50: { now: crossings('status50'), was: crossings('status50', boundaryBefore.rows) },
    start: { now: st.ours, was: st.baseline },
    browser: { now: startup.browser, was: startup.browserBaseline },
  };
  const c = cmp;
  c.weightRatio = c.weight.now.entry.gzip / c.weight.was.entry.gzip;
  c.reqRatio = c.req.now.medianMs / c.req.was.medianMs;
  c.startRatio = c.start.now.importToFirstCallMs / c.start.was.importToFirstCallMs;
  c.blockedRatio = c.browser.now.blockedMs / c.browser.was.blockedMs;
  c.lines = [
    `weight of the default entry ${kb(c.weight.was.entry.gzip)} → ${kb(c.weight.now.entry.gzip)} gzip (${bytesDelta(c.weight.now.entry.gzip, c.weight.was.entry.gzip)}, ${ratio(c.weight.now.entry.gzip, c.weight.was.entry.gzip)}), ${kb(c.weight.was.entry.brotli)} → ${kb(c.weight.now.entry.brotli)} brotli (${bytesDelta(c.weight.now.entry.brotli, c.weight.was.entry.brotli)}, ${ratio(c.weight.now.entry.brotli, c.weight.was.entry.brotli)}): ${exactVerdict(c.weight.now.entry.gzip, c.weight.was.entry.gzip).replace('more', 'heavier').replace('fewer', 'lighter')}`,
    `per request ${ms(c.req.was.medianMs)} → ${ms(c.req.now.medianMs)} (${ratio(c.req.now.medianMs, c.req.was.medianMs)}; ${ratio(c.req.was.medianMs, pr.fetch.medianMs)} → ${ratio(c.req.now.medianMs, pr.fetch.medianMs)} bare fetch): ${timeVerdict(c.reqRatio)}`,
    `crossings per repeated \`status()\`: wasm → JS ${c.status.was.wasmToJs} → ${c.status.now.wasmToJs} ${exactVerdict(c.status.now.wasmToJs, c.status.was.wasmToJs)}, JS → wasm ${c.status.was.jsToWasm} → ${c.status.now.jsToWasm} ${exactVerdict(c.status.now.jsToWasm, c.status.was.jsToWasm)} (the first \`status()\`: ${c.first.was.wasmToJs} → ${c.first.now.wasmToJs} and ${c.first.was.jsToWasm} → ${c.first.now.jsToWasm}; a repeated one of 50 accounts: ${c.status50.was.wasmToJs} → ${c.status50.now.wasmToJs} ${exactVerdict(c.status50.now.wasmToJs, c.status50.was.wasmToJs)} and ${c.status50.was.jsToWasm} → ${c.status50.now.jsToWasm} ${exactVerdict(c.status50.now.jsToWasm, c.status50.was.jsToWasm)})`,
    `start-up, import → first call in a fresh Node ${ms(c.start.was.importToFirstCallMs)} → ${ms(c.start.now.importToFirstCallMs)} (${ratio(c.start.now.importToFirstCallMs, c.start.was.importToFirstCallMs)}): ${timeVerdict(c.startRatio)}; Chromium's main thread blocked ${ms(c.browser.was.blockedMs)} → ${ms(c.browser.now.blockedMs)} (${ratio(c.browser.now.blockedMs, c.browser.was.blockedMs)}): ${timeVerdict(c.blockedRatio)}`,
  ];
}

const expFaster = tokens.expiring.js.medianMs / tokens.expiring.ours.medianMs;
const expPass = expFaster >= AIM.expiringFaster;
const getRatio = tokens.get.ours.medianMs / tokens.get.js.medianMs;

// The slim entry's compile + instantiate in Node, whichever way its init() did them.
const slimCompile = !hasSlim ? null : st.slim.asyncApi
  ? { ms: st.slim.asyncMs, how: `\`WebAssembly.${st.slim.asyncApi}\` (asynchronous)` }
  : { ms: st.slim.moduleMs + st.slim.instanceMs, how: '`new WebAssembly.Module` + `Instance` (synchronous)' };

// ---- the summary table --------------------------------------------------------------------------
// With a baseline, two more columns after ours ("now"): "before (commit X)" and "now / before".
const cmpCols = (row, before = ['—', '—']) => (cmp ? [...row.slice(0, 3), ...before, ...row.slice(3)] : row);
// Crossings of a repeated status() with 5 and with 50 accounts: what each added account costs, and the rest.
const status5 = crossings('status');
const status50 = crossings('status50');
const slimStatus5 = crossings('status', boundarySlim.rows);
const slimStatus50 = crossings('status50', boundarySlim.rows);
const perAddedAccount = (k) => (status50[k] - status5[k]) / (status50.accounts - status5.accounts);
const fixedPart = (k) => status5[k] - status5.accounts * perAddedAccount(k);
const crossingCell = (r) => `**${calls(r.wasmToJs)} wasm → JS, ${calls(r.jsToWasm)} JS → wasm**`;
const crossingVerdict = (now, was) => (was ? `${exactVerdict(now.wasmToJs, was.wasmToJs)} wasm → JS, ${exactVerdict(now.jsToWasm, was.jsToWasm)} JS → wasm` : 'ℹ️');
const summary = table([
  '#', 'measure', cmp ? 'integrations-client now' : 'integrations-client',
  ...(cmp ? [`before (${cmp.label})`, 'now / before'] : []), 'compared with', 'ratio', 'aim', 'result',
], [
  cmpCols(['1', 'weight of the default entry, gzip -9 (brotli -11)', `**${kb(w.ours.gzip)}** (${kb(w.ours.brotli)} brotli; raw ${kb(w.ours.raw)})`,
    `gzip (brotli): ky ${kb(w.ky.gzip)} (${kb(w.ky.brotli)}), axios ${kb(w.axios.gzip)} (${kb(w.axios.brotli)}), swr ${kb(w.swr.gzip)} (${kb(w.swr.brotli)}), zod ${kb(w.zod.gzip)} (${kb(w.zod.brotli)}); ky + swr + zod/mini schema ${kb(w.stack.gzip)} (${kb(w.stack.brotli)})`,
    `${ratio(w.ours.gzip, w.stack.gzip)} the JS stack (${ratio(w.ours.brotli, w.stack.brotli)} brotli)`, `gzip ≤ ${kb(aim)} (budget ${kb(budget)})`, weightVerdict],
  cmp && [`${kb(cmp.weight.was.entry.gzip)} (${kb(cmp.weight.was.entry.brotli)} brotli; raw ${kb(cmp.weight.was.entry.raw)})`, `**${ratio(cmp.weight.now.entry.gzip, cmp.weight.was.entry.gzip)}** (${bytesDelta(cmp.weight.now.entry.gzip, cmp.weight.was.entry.gzip)} gzip, ${bytesDelta(cmp.weight.now.entry.brotli, cmp.weight.was.entry.brotli)} brotli)`]),
  ...(hasSlim ? [cmpCols(['1', 'weight of the slim entry: `slim.js` + its wasm file, each compressed apart', `**${kb(w.slim.gzip)}** gzip, **${kb(w.slim.brotli)}** brotli (\`slim.js\` ${gzBr(w.slimJs)}; wasm ${gzBr(w.slimWasm)})`,
    `the default entry ${gzBr(w.ours)}`, `${ratio(w.slim.gzip, w.ours.gzip)} gzip, ${ratio(w.slim.brotli, w.ours.brotli)} brotli`, '—', 'ℹ️'])] : []),
  cmpCols(['2', `per request, median of ${n(http.requestsPerContender)} sequential \`status()\``, `**${ms(pr.ours.medianMs)}**`,
    `the same work in plain JS ${ms(pr.jsEquivalent.medianMs)}; bare fetch ${ms(pr.fetch.medianMs)}, ky ${ms(pr.ky.medianMs)}, axios ${ms(pr.axios.medianMs)}`,
    `${ratio(pr.ours.medianMs, pr.jsEquivalent.medianMs)} plain JS, ${ratio(pr.ours.medianMs, pr.fetch.medianMs)} fetch, ${ratio(pr.ours.medianMs, pr.axios.medianMs)} axios`,
    '≤ the plain-JS row, ahead of axios', `${ok(reqPass)} vs plain JS, ${ok(beatsAxios)} vs axios`],
  cmp && [`${ms(cmp.req.was.medianMs)} (${ratio(cmp.req.was.medianMs, pr.fetch.medianMs)} fetch)`, `**${ratio(cmp.req.now.medianMs, cmp.req.was.medianMs)}**`]),
  cmpCols(['2', 'per request, the slim entry (checks the body\'s text in wasm memory)', `**${ms(pr.slim.medianMs)}**`,
    `the default entry ${ms(pr.ours.medianMs)}; the same work in plain JS ${ms(pr.jsEquivalent.medianMs)}; axios ${ms(pr.axios.medianMs)}`,
    `${ratio(pr.slim.medianMs, pr.ours.medianMs)} the default entry, ${ratio(pr.slim.medianMs, pr.jsEquivalent.medianMs)} plain JS, ${ratio(pr.slim.medianMs, pr.axios.medianMs)} axios`,
    '≤ the plain-JS row, ahead of axios', `${ok(pr.slim.medianMs <= pr.jsEquivalent.medianMs)} vs plain JS, ${ok(pr.slim.medianMs < pr.axios.medianMs)} vs axios`]),
  ...valRows.map((r) => cmpCols([
    '3', `JSON.parse + deep check, ${r.accounts.toLocaleString('en')} accounts`, `**${ms(r.ours.medianMs)}**`,
    `JSON.parse ${ms(r.json.medianMs)}, + JS by hand ${ms(r.hand.medianMs)}, + zod ${ms(r.zod.medianMs)}`,
    `${r.vsJson.toFixed(2)}× JSON.parse, ${r.vsHand.toFixed(2)}× by hand, ${r.vsZod.toFixed(2)}× zod`, `≤ ${AIM.valVsJson}× JSON.parse, ahead of JS by hand and zod`,
    `${ok(r.vsJson <= AIM.valVsJson)} vs JSON.parse, ${ok(r.vsHand < 1)} vs by hand, ${ok(r.vsZod < 1)} vs zod`])),
  ...validation.responsePath.map((r) => cmpCols([
    '3', `the response path, ${r.accounts.toLocaleString('en')} accounts: \`status()\` with a stubbed \`fetch\` (its \`text()\`, parse, check, compare with the current data)`,
    `**${ms(r.slim.medianMs)}** slim, ${ms(r.ours.medianMs)} default`,
    `the same \`fetch\` + \`text()\` + \`JSON.parse\` ${ms(r.json.medianMs)}, + JS by hand ${ms(r.hand.medianMs)}`,
    `slim ${ratio(r.slim.medianMs, r.json.medianMs)}, default ${ratio(r.ours.medianMs, r.json.medianMs)} the parse; slim ${ratio(r.slim.medianMs, r.ours.medianMs)} the default`,
    `≤ ${AIM.valVsJson}× the parse`, `${ok(r.slim.medianMs <= AIM.valVsJson * r.json.medianMs)} slim, ${ok(r.ours.medianMs <= AIM.valVsJson * r.json.medianMs)} default`])),
  cmpCols(['4', `${n(conc.calls)} concurrent \`status()\``, `**${Math.max(...conc.oursRequests)} request**, settled in ${ms(conc.oursMs)}`,
    `one promise shared by hand: ${ms(conc.sharedMs)}`, ratio(conc.oursMs, conc.sharedMs), '1 request', ok(concPass)]),
  cmpCols(['5', 'start-up of the default entry: `await import()` + first call, fresh Node process; main thread in Chromium', `**${ms(st.ours.importToFirstCallMs)}** (wasm decode ${ms(st.ours.decodeMs)}, compile ${ms(st.ours.moduleMs)}, instantiate ${ms(st.ours.instanceMs)}); in Chromium the main thread is blocked ${ms(sb.blockedMs)} by them${sb.trace ? `, the longest task with wasm work in it is ${ms(sb.trace.longestWasmTaskMs)}` : ''}`,
    `import of ky ${ms(st.ky.importMs)}, axios ${ms(st.axios.importMs)}, zod ${ms(st.zod.importMs)}`,
    `${ratio(st.ours.importToFirstCallMs, st.ky.importToFirstCallMs)} ky`, `≤ ${AIM.startupMs} ms in Node`, ok(startPass)],
  cmp && [`${ms(cmp.start.was.importToFirstCallMs)} (decode ${ms(cmp.start.was.decodeMs)}, compile ${ms(cmp.start.was.moduleMs)}, instantiate ${ms(cmp.start.was.instanceMs)}); Chromium blocked ${ms(cmp.browser.was.blockedMs)}`,
    `**${ratio(cmp.start.now.importToFirstCallMs, cmp.start.was.importToFirstCallMs)}**; Chromium blocked ${ratio(cmp.browser.now.blockedMs, cmp.browser.was.blockedMs)}`]),
  ...(hasSlim ? [cmpCols(['5', 'start-up of the slim entry: `await import()` + `await init()` + first call, fresh Node process; Chromium, from the navigation\'s start', `**${ms(st.slim.importToFirstCallMs)}** in Node (\`init()\` ${ms(st.slim.initMs)}, of which ${slimCompile.how} ${ms(slimCompile.ms)}); in Chromium ready at ${ms(sbSlim.readyAt)}, first call done at ${ms(sbSlim.firstCallAt)}${sbSlim.trace ? `; wasm work on the main thread ${ms(sbSlim.trace.wasmMainMs)}, the longest task with wasm work in it ${ms(sbSlim.trace.longestWasmTaskMs)}` : ''}`,
    `the default entry: Node ${ms(st.ours.importToFirstCallMs)}; Chromium ready at ${ms(sb.readyAt)}, first call at ${ms(sb.firstCallAt)}${sb.trace && sbSlim.trace ? `, wasm work on the main thread ${ms(sb.trace.wasmMainMs)}, longest task with wasm work ${ms(sb.trace.longestWasmTaskMs)}` : ''}`,
    `Node ${ratio(st.slim.importToFirstCallMs, st.ours.importToFirstCallMs)}; Chromium first call ${ratio(sbSlim.firstCallAt, sb.firstCallAt)}${sb.trace && sbSlim.trace ? `, longest task ${ratio(sbSlim.trace.longestWasmTaskMs, sb.trace.longestWasmTaskMs)}` : ''}`, '—', 'ℹ️'])] : []),
  cmpCols(['6', 'wasm memory growth, 1 000 → 100 000 mixed operations', `**${signed(growth)}** (${mb(memAt(1_000).wasmBytes)} → ${mb(memAt(100_000).wasmBytes)}; then ${signed(growthLater)} over 100 000 more)`,
    `JS heap used ${signed(memAt(100_000).heapUsed - memAt(1_000).heapUsed)}`, '—', `< ${mb(AIM.memBytes)}`, ok(memPass)]),
  cmpCols(['7', 'token map: `expiringWithin` (10 due among 100 000)', `**${ms(tokens.expiring.ours.medianMs)}**`,
    `JS Map + linear scan ${ms(tokens.expiring.js.medianMs)}`, `${expFaster.toFixed(0)}× faster`, `≥ ${AIM.expiringFaster}× faster`, ok(expPass)]),
  cmpCols(['7', 'token map: `getToken` among 100 000', `**${us(tokens.get.ours.medianMs)}**`,
    `JS \`map.get(p + '\\0' + a)\` ${us(tokens.get.js.medianMs)}`, getRatio <= 1 ? `${(1 / getRatio).toFixed(1)}× faster` : `${getRatio.toFixed(1)}× slower`, `≤ ${AIM.getVsMap}× Map.get`, ok(getRatio <= AIM.getVsMap)]),
  cmpCols(['8', `boundary crossings per repeated \`status()\` (${status5.accounts} accounts, fetch stubbed)`, crossingCell(status5),
    '—', '—', cmp ? 'none more than before' : '—', crossingVerdict(status5, cmp?.status.was)],
  cmp && [`${cmp.status.was.wasmToJs} wasm → JS, ${cmp.status.was.jsToWasm} JS → wasm`, `**${ratio(cmp.status.now.wasmToJs, cmp.status.was.wasmToJs)}**, ${ratio(cmp.status.now.jsToWasm, cmp.status.was.jsToWasm)}`]),
  cmpCols(['8', `the same with ${status50.accounts} accounts`, crossingCell(status50),
    `${status5.accounts} accounts: ${calls(status5.wasmToJs)} wasm → JS`, `${calls(perAddedAccount('wasmToJs'))} wasm → JS and ${calls(perAddedAccount('jsToWasm'))} JS → wasm per added account (fixed part ${calls(fixedPart('wasmToJs'))} and ${calls(fixedPart('jsToWasm'))})`,
    cmp ? 'none more than before' : '—', crossingVerdict(status50, cmp?.status50.was)],
  cmp && [`${cmp.status50.was.wasmToJs} wasm → JS, ${cmp.status50.was.jsToWasm} JS → wasm`, `**${ratio(cmp.status50.now.wasmToJs, cmp.status50.was.wasmToJs)}**, ${ratio(cmp.status50.now.jsToWasm, cmp.status50.was.jsToWasm)}`]),
  cmpCols(['8', `the slim entry, repeated \`status()\`, ${slimStatus5.accounts} and ${slimStatus50.accounts} accounts`, `${crossingCell(slimStatus5)}; ${crossingCell(slimStatus50)}`,
    `the default entry: ${calls(status5.wasmToJs)} and ${calls(status50.wasmToJs)} wasm → JS`, `${calls((slimStatus50.wasmToJs - slimStatus5.wasmToJs) / (slimStatus50.accounts - slimStatus5.accounts))} wasm → JS per added account`,
    'a constant number per operation', ok(slimStatus50.wasmToJs <= slimStatus5.wasmToJs + 5)]),
]);
const cmpBlock = cmp ? `**Now against before (${cmp.label})**, measured in the same run (the same rounds, interleaved; bytes and
crossings are exact, times count as unchanged within ±${NOISE * 100} %):

${cmp.lines.map((l) => `- ${l}`).join('\n')}
` : '';

// ---- details ------------------------------------------------------------------------------------
const vsOurs = (r, k) => (r.key === 'ours' ? '1.00×' : r.part ? '' : r.baseline ? `now / before: ${ratio(w.ours[k], r[k])}` : ratio(r[k], w.ours[k]));
const weightTable = table(['bundle (esbuild --bundle --minify --format=esm)', 'raw', 'gzip -9', 'brotli -11', 'gzip vs the default entry', 'brotli vs the default entry'], weight.rows.map((r) => [
  r.name, kb(r.raw), kb(r.gzip), kb(r.brotli), vsOurs(r, 'gzip'), vsOurs(r, 'brotli'),
]));
const weightCmpTable = cmp ? table(['part', `before (${cmp.label}), gzip -9`, 'now, gzip -9', 'Δ gzip', 'now / before (gzip)', 'brotli -11: before → now (Δ)', 'raw: before → now'], [
  ['the default entry `pkg/index.js`', 'entry'], ['↳ the client wasm alone (binary)', 'wasm'], ['↳ the client wasm LZMA-packed', 'lzma'],
  ['↳ the same as the inlined base64 string', 'packed'], ['↳ the LZMA decoder (inlined string)', 'decoder'], ['↳ the JS alone', 'js'],
].map(([name, k]) => {
  const [a, b] = [cmp.weight.was[k], cmp.weight.now[k]];
  return [k === 'entry' ? `**${name}**` : name, kb(a.gzip), kb(b.gzip), bytesDelta(b.gzip, a.gzip), ratio(b.gzip, a.gzip), `${kb(a.brotli)} → ${kb(b.brotli)} (${bytesDelta(b.brotli, a.brotli)})`, `${n(a.raw)} → ${n(b.raw)} B (${bytesDelta(b.raw, a.raw)})`];
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
const responseTable = table(['accounts (JSON bytes)', '`fetch` + `text()` + `JSON.parse`', '+ JS by hand', 'default entry `status()`', 'slim entry `status()`', 'default / parse', 'slim / parse', 'slim / default'], validation.responsePath.map((r) => [
  `${r.accounts.toLocaleString('en')} (${kb(r.bytes)})`, ms(r.json.medianMs), ms(r.hand.medianMs), ms(r.ours.medianMs), ms(r.slim.medianMs),
  ratio(r.ours.medianMs, r.json.medianMs), ratio(r.slim.medianMs, r.json.medianMs), ratio(r.slim.medianMs, r.ours.medianMs),
]));
const slimBoundaryTable = table(['operation', 'wasm → JS calls', 'JS → wasm calls', 'most frequent imports'], boundarySlim.rows.map((r) => [r.op, calls(r.wasmToJs), calls(r.jsToWasm), r.imports.join(', ')]));
const startupCmp = cmp ? `Now against before (${cmp.label}), same runs, interleaved: import → first call ${ms(cmp.start.was.importToFirstCallMs)} → ${ms(cmp.start.now.importToFirstCallMs)}
(**${ratio(cmp.start.now.importToFirstCallMs, cmp.start.was.importToFirstCallMs)}**; \`await import()\` ${ratio(cmp.start.now.importMs, cmp.start.was.importMs)}, first call ${ratio(cmp.start.now.firstCallMs, cmp.start.was.firstCallMs)}; wasm decode
${ratio(cmp.start.now.decodeMs, cmp.start.was.decodeMs)}, compile ${ratio(cmp.start.now.moduleMs, cmp.start.was.moduleMs)}, instantiate ${ratio(cmp.start.now.instanceMs, cmp.start.was.instanceMs)}): ${timeVerdict(cmp.startRatio)}.` : '';
const startupTable = table(['fresh `node` process', '`await import()`', '`await init()`', 'first call', 'import → first call', 'wasm decode', 'wasm compile', 'wasm instantiate', 'process wall time'], startup.rows.map((r) => {
  const none = r.key === 'none';
  const slimRow = r.key.startsWith('slim');
  return [
    r.name, none ? '' : ms(r.importMs), slimRow ? ms(r.initMs) : '', none ? '' : ms(r.firstCallMs), none ? '' : ms(r.importToFirstCallMs),
    r.decodeMs ? ms(r.decodeMs) : '',
    slimRow ? `${ms(r.asyncMs)}, with instantiate (\`WebAssembly.${r.asyncApi}\`, async)` : r.moduleMs ? ms(r.moduleMs) : '',
    r.instanceMs ? ms(r.instanceMs) : '', ms(r.wallMs),
  ];
}));
// Chromium: the default entry, the slim entry and (with a baseline) the default entry before; see
// bench/sections/startup.mjs for what each figure is.
const browserRows = [['**integrations-client**', sb], ...(hasSlim ? [['**integrations-client/slim**', sbSlim]] : []), ...(cmp ? [[`before (${cmp.label})`, cmp.browser.was]] : [])];
const orBlank = (x, f) => (x ? f(x) : '—');
const browserReadyTable = table([`Chromium ${sb.version}, fresh page`, 'entry ready, from the navigation\'s start', 'first call done, from the navigation\'s start', '`await import()`', '`await init()`', '↳ fetch of the wasm, to its response', '↳ wasm compile + instantiate, async (elapsed)', 'first call'], [
  ...browserRows.map(([name, r]) => [name, ms(r.readyAt), `**${ms(r.firstCallAt)}**`, ms(r.importMs), r.asyncApi ? ms(r.initMs) : '', r.asyncApi ? ms(r.fetchMs) : '', r.asyncApi ? `${ms(r.asyncMs)} (\`${r.asyncApi}\`)` : '', ms(r.firstCallMs)]),
  ...(cmp ? [['now / before', ...['readyAt', 'firstCallAt', 'importMs'].map((k) => ratio(sb[k], cmp.browser.was[k])), '', '', '', ratio(sb.firstCallMs, cmp.browser.was.firstCallMs)]] : []),
]);
const longTaskCell = (lt) => (lt ? `in ${lt.runsWithOne} of ${lt.runs} runs${lt.runsWithOne ? `; the longest ${ms(lt.longestMs)}` : ''}` : 'unsupported');
const browserMainTable = table(['main thread', 'wasm decode (sync)', 'wasm compile (sync)', 'wasm instantiate (sync)', 'blocked by the three (sync, timed by wrapping)', 'wasm work on the main thread (trace)', '↳ of which lazy compile at first calls', 'longest task with wasm work in it (trace)', 'tasks of 50 ms or more (PerformanceObserver \'longtask\')'], [
  ...browserRows.map(([name, r]) => {
    const sync = !r.asyncApi;
    return [name, sync ? ms(r.decodeMs) : '—', sync ? ms(r.moduleMs) : '—', sync ? ms(r.instanceMs) : '—', sync ? ms(r.blockedMs) : '— (none is synchronous)',
      orBlank(r.trace, (t) => `**${ms(t.wasmMainMs)}**`), orBlank(r.trace, (t) => ms(t.lazyCompileMs)), orBlank(r.trace, (t) => `**${ms(t.longestWasmTaskMs)}**`), longTaskCell(r.longTasks)];
  }),
  ...(cmp ? [['now / before', ...['decodeMs', 'moduleMs', 'instanceMs', 'blockedMs'].map((k) => ratio(sb[k], cmp.browser.was[k])),
    ...['wasmMainMs', 'lazyCompileMs', 'longestWasmTaskMs'].map((k) => (sb.trace && cmp.browser.was.trace ? ratio(sb.trace[k], cmp.browser.was.trace[k]) : '—')), '']] : []),
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
const boundaryTable = cmp
  ? table(['operation', 'wasm → JS now', `before (${cmp.label})`, 'now / before', 'JS → wasm now', 'before', 'now / before', 'most frequent imports now'], boundary.rows.map((r) => {
    const b = crossings(r.key, boundaryBefore.rows);
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
const perAccount = crossings('parsePerAccount');
const firstStatus = crossings('statusFirst');
const statusCalls = status5;
const timerPart = pr.ours.medianMs - pr.oursNoTimer.medianMs;
if (w.ours.gzip > aim) {
  const coreBytes = weight.names.byCrate.find((c) => c.crate.startsWith('core'))?.bytes ?? 0;
  const oursBytes = weight.names.byCrate.find((c) => c.crate === 'integrations-client')?.bytes ?? 0;
  const shimBytes = weight.names.byCrate.find((c) => c.crate.startsWith('wasm-bindgen shims'))?.bytes ?? 0;
  const lzmaKeeps = w.lzma.raw / w.wasm.raw;
  const gaps = [...(w.ours.gzip > budget ? [['budget', budget]] : []), ['aim', aim]];
  const slimLine = hasSlim
    ? ` The slim entry, whose wasm is a file of its own (not LZMA-packed), is ${gzBr(w.slim)} for \`slim.js\` and the wasm together: ${w.slim.gzip > w.ours.gzip ? `${kb(w.slim.gzip - w.ours.gzip)} more` : `${kb(w.ours.gzip - w.slim.gzip)} less`} gzip and ${w.slim.brotli > w.ours.brotli ? `${kb(w.slim.brotli - w.ours.brotli)} more` : `${kb(w.ours.brotli - w.slim.brotli)} less`} brotli than the default entry.`
    : '';
  losses.push(`### Weight: ${kb(w.ours.gzip)} gzip, ${w.ours.gzip > budget ? `over the ${kb(budget)} budget by ${kb(w.ours.gzip - budget)} and ` : ''}over the ${kb(aim)} aim by ${kb(w.ours.gzip - aim)}

The entry is the client wasm LZMA-packed (${kb(w.lzma.raw)}, ${kb(w.packed.gzip)} as its base64 string after gzip; gzip -9 of the
binary would be ${kb(w.wasm.gzip)}), the decoder wasm (${kb(w.decoder.gzip)}) and the JS (${kb(w.js.gzip)}). Served with brotli -11 the entry is
${kb(w.ours.brotli)} (the base64 string ${kb(w.packed.gzip)} gzip → ${kb(w.packed.brotli)} brotli, the JS ${kb(w.js.gzip)} → ${kb(w.js.brotli)}).${slimLine}
LZMA keeps ${(100 * lzmaKeeps).toFixed(0)} % of the raw wasm, so closing the gap means about ${gaps.map(([name, bytes]) => `${kb(Math.ceil((w.ours.gzip - bytes) / lzmaKeeps))} less raw wasm to the ${name}`).join(', ')}.
The client wasm's ${w.wasm.raw.toLocaleString('en')} bytes are
${weight.wasmSections.filter((s) => s.bytes > 1000).map((s) => `${s.name} ${kb(s.bytes)}`).join(', ')}. ${weight.names.byCrate.length ? `The code section by crate
(${weight.names.status} names, from rebuilding the same wasm with \`wasm-opt -Oz -Oz -g\`): the package's own code ${kb(oursBytes)},
core/alloc ${kb(coreBytes)} (of which B-tree code ${kb(weight.names.btreeBytes)}, formatting ${kb(weight.names.fmtBytes)}),
and wasm-bindgen's export shims ${kb(shimBytes)} (the bodies of the exported methods are inlined into them, so this is mostly the client's code too).` : `The code by crate is ${weight.names.status}.`}
A JS stack doing the same jobs (ky + swr + a zod/mini schema) is ${kb(w.stack.gzip)}.

${sectionTable}

${crateTable}

${topFnTable}`);
}
if (!reqPass || !beatsAxios) {
  losses.push(`### Per request: ${ratio(pr.ours.medianMs, pr.jsEquivalent.medianMs)} the same work in plain JS, ${ratio(pr.ours.medianMs, pr.fetch.medianMs)} bare fetch${beatsAxios ? '' : `, and behind axios (${ratio(pr.ours.medianMs, pr.axios.medianMs)})`}

The breakdown rows of the table above ran in the same rounds. Validation alone (fetch + \`parseIntegrationStatus\`) costs
${ms(pr.fetchValidate.medianMs - pr.fetch.medianMs)} per request; the same work as the client done in plain JS (uuid header,
AbortController with a 10 s timer, fetch, parse, the wasm check) is ${ratio(pr.jsEquivalent.medianMs, pr.fetch.medianMs)} fetch; the client
is ${ms(pr.ours.medianMs - pr.jsEquivalent.medianMs)} slower than that${timerPart > 0.05 * pr.ours.medianMs ? `, and the per-attempt timer accounts for ${ms(timerPart)} of it` : ' (the per-attempt timer is not a measurable part of it: see the `timeoutMs: 0` row)'}.
A repeated \`status()\` of ${status5.accounts} accounts makes **${calls(status5.wasmToJs)} wasm → JS calls** and ${calls(status5.jsToWasm)} JS → wasm calls
(${status5.imports.join(', ')}); of ${status50.accounts} accounts, **${calls(status50.wasmToJs)}** and ${calls(status50.jsToWasm)}. So the crossings grow with the accounts:
${calls(perAddedAccount('wasmToJs'))} wasm → JS per added account (the deep check of \`parseIntegrationStatus\` alone needs ${calls(perAccount.wasmToJs)} per account),
on top of ${calls(fixedPart('wasmToJs'))} per call whatever the accounts.
The first \`status()\` of a client makes ${calls(firstStatus.wasmToJs)} (it also builds the first snapshot). A response whose JSON text equals the
last one's is recognised by one string compare, so the deep comparison of the trees (\`json::deep_equal\`) runs only when the text differs; the
body stays a JS string, parsed by \`JSON.parse\` where it is. The rest is the shape check and the account references read out of the data:
every field read is a \`Reflect.get\` plus, for a string, a copy into wasm memory. The CPU profiles, client loop against bare fetch loop:

${profileBlock('1 000 × client.status()', http.clientProfile)}

${profileBlock('1 000 × bare fetch + JSON.parse', http.fetchProfile)}`);
}
if (!valPass || !valBeatsZod || !valBeatsHand) {
  losses.push(`### Validation: ${valRows.map((r) => `${r.vsJson.toFixed(1)}×`).join(' / ')} JSON.parse, ${valRows.map((r) => `${r.vsHand.toFixed(1)}×`).join(' / ')} JS by hand, ${valRows.map((r) => `${r.vsZod.toFixed(1)}×`).join(' / ')} zod (${valRows.map((r) => n(r.accounts)).join(' / ')} accounts)

The check reads the parsed JS value from wasm, field by field: **${perAccount.wasmToJs.toFixed(0)} wasm → JS calls per account** (${perAccount.imports.join(', ')}).
Property names come from a small cache of JS strings; each field is one read (\`pkg-template/boundary.js\`'s \`read\`), one test
of what it gave for \`undefined\`, one call for its kind and one for its value, and every string value (provider, ids, names,
timestamps) is copied into wasm memory as UTF-8 before it is checked. The rules themselves are cheap: the same rules written by hand in JS run in
${valRows.map((r) => ratio(r.hand.medianMs, r.json.medianMs)).join(' / ')} JSON.parse. Profile of \`isIntegrationStatusResponse\` on 1 000 parsed accounts:

${profileBlock('60 × the check on 1 000 accounts', validation.checkProfile)}`);
}
if (getRatio > AIM.getVsMap) {
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
// The main-thread wasm work of a page by trace event, largest first: "wasm.FinishStreaming 2.4 ms, ...".
const traceEvents = (t, k = 4) => Object.entries(t.byEvent).filter(([, x]) => x >= 0.05).slice(0, k).map(([name, x]) => `\`${name}\` ${ms(x)}`).join(', ');
if (!startPass) {
  const rest = st.ours.importMs - st.ours.decodeMs - st.ours.moduleMs - st.ours.instanceMs;
  const undici = st.slim && st.slimUndici ? st.slim.initMs - st.slimUndici.initMs : null;
  losses.push(`### Start-up: ${ms(st.ours.importToFirstCallMs)} from \`import\` to the first call in Node, against an aim of ${AIM.startupMs} ms

In a fresh Node process the default entry's import decodes the LZMA-packed wasm (${ms(st.ours.decodeMs)}, the decoder wasm's compile included),
compiles the client wasm (${ms(st.ours.moduleMs)}) and instantiates it (${ms(st.ours.instanceMs)}), all synchronously; the rest of the import,
${ms(rest)}, is loading the ${kb(w.ours.raw)} entry and running its glue. The first call takes ${ms(st.ours.firstCallMs)}.${hasSlim ? `
The slim entry's import takes ${ms(st.slim.importMs)} and its \`await init()\` ${ms(st.slim.initMs)}, of which ${slimCompile.how} (compile and
instantiate) is ${ms(slimCompile.ms)}: ${ms(st.slim.importToFirstCallMs)} to the first call in all${undici === null ? '.' : `. With Node's fetch implementation (undici) loaded
before the import, \`init()\` takes ${ms(st.slimUndici.initMs)}, against ${ms(st.slim.initMs)} without: \`init()\` reads no \`Response\` or \`Request\` in Node, whose first read would load undici.`}` : ''}

In Chromium (§5) the default entry's decode, compile and instantiate block the main thread ${ms(sb.blockedMs)}${sb.trace ? `, inside one task of
${ms(sb.trace.longestWasmTaskMs)} (the module's evaluation); the wasm work the trace shows on the main thread is ${ms(sb.trace.wasmMainMs)} (${traceEvents(sb.trace)}),
the LZMA decode itself not included (the decoder wasm running is not a wasm event)` : ''}.${hasSlim && sbSlim.trace && sb.trace ? ` The slim entry's wasm work on the main thread is
${ms(sbSlim.trace.wasmMainMs)} (${traceEvents(sbSlim.trace)}), its longest task with wasm work in it ${ms(sbSlim.trace.longestWasmTaskMs)}
(${ratio(sbSlim.trace.longestWasmTaskMs, sb.trace.longestWasmTaskMs)} the default entry's); its first call is done ${ms(sbSlim.firstCallAt)} after the navigation's start, against
${ms(sb.firstCallAt)} for the default entry (the slim entry fetches its wasm only once \`slim.js\` runs).` : ''}`);
}
if (!expPass) losses.push(`### expiringWithin: only ${expFaster.toFixed(1)}× faster than a JS scan`);

const suggestions = [];
if (w.ours.gzip > aim) {
  const parts = weight.names.parts; // weighed in this run, from the wasm rebuilt with names (§ Weight below)
  suggestions.push(parts && parts.driverWake && parts.constructor && parts.clientFinish
    ? `Weight: README, "Size", has where each step went and what was tried. The largest single parts are the driver's one callback (\`Driver::wake\`, every event of the core inlined into it, ${kb(parts.driverWake)} raw), the constructor's option reading (${kb(parts.constructor)}) and the end of a request (\`Client::finish\`, ${kb(parts.clientFinish)}); drop glue is ${kb(parts.dropGlue)} raw, so fewer owned \`String\`s in long-lived structs (log entries, messages, errors) pay twice.`
    : 'Weight: README, "Size", has where each step went and what was tried; the largest functions are listed under "Weight" above.');
}
if (!reqPass || !beatsAxios || !valPass || !valBeatsZod) {
  suggestions.push(
    'Crossings: a value\'s kind, a property read and a bounded string are one call each now (`pkg-template/boundary.js`); what is left per account is a read, its `undefined` test, the kind, the value and a drop for each field. Fewer would take reading several fields per call (a helper that returns an account\'s fields as a small array), or checking the body\'s bytes in wasm, as the slim entry does (`src/tape`: constant crossings, but +6.3 KB packed, which the default entry\'s 45 KB budget does not hold). Keep only the semantic checks (slug, RFC 3339, safe integer) on the strings that need them.',
  );
}
if (getRatio > AIM.getVsMap || !memPass) {
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
gzip -9 is \`gzipSync\` at level 9 and brotli -11 \`brotliCompressSync\` at quality 11 (with the size hint), both node:zlib's, as
\`scripts/build-pkg.mjs\` weighs the package; the entries are weighed as shipped, the others as bundled.${hasSlim ? ` The slim entry's two files are
fetched one by one, so each is compressed alone and its row is their sum; its wasm is ${weight.slimSameWasm ? 'the very bytes the default entry unpacks' : 'a build of its own (the crate\'s `bytes` feature: responses checked on their text), not the bytes the default entry unpacks'}.` : ''}

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

The response path: \`client.status()\` of a client whose \`fetch\` answers the same text each time (a new \`Response\` per call),
against the same \`fetch\` + \`text()\` + \`JSON.parse\` in plain JS. The default entry checks the parsed value field by field
across the boundary and tells an unchanged payload by its \`JSON.stringify\`; the slim entry copies the text into wasm memory once
(\`TextEncoder.encodeInto\`), checks it there (\`src/tape\`) while V8's \`JSON.parse\` builds the objects, and tells an unchanged
payload by its own text. Async, one call at a time, interleaved rounds.

${responseTable}

## 4. Concurrency

${n(conc.calls)} \`status()\` calls started together on a fresh client (dedupingInterval 0), ${conc.reps} times; requests counted by the mock server:
${conc.oursRequests.join(', ')}. "One promise shared by hand" is a JS \`inflight ??= fetch(...)\`, the floor for this job.

## 5. Start-up

${startup.runs} fresh \`node --input-type=module -e\` processes per row, interleaved; the wasm times are taken inside the import by wrapping
\`atob\` and \`WebAssembly.Module\`/\`Instance\`: decode is from the base64 decode of the packed wasm to the start of its compile (the LZMA
decoder wasm's own compile and run included), compile and instantiate are those of the client wasm, all synchronous. The rest of our import
is loading and compiling the ${kb(w.ours.raw)} entry. The first call is \`isIntegrationData({})\`.${hasSlim ? ` The slim entry's rows time
\`await init()\` apart (it reads the wasm file with \`node:fs\` and, in Node, compiles and instantiates the bytes synchronously, timed by the
same wrapping; an asynchronous \`WebAssembly.instantiate\` would be timed from its call to its settling).` : ''}

${startupTable}
${cmp ? `\n${startupCmp}\n` : ''}
The same in headless Chromium, ${startup.runs} runs (after one to warm up), each loading every page into a fresh browser context, interleaved in
a rotating order; the files served from loopback HTTP with \`Cache-Control: no-store\`${hasSlim ? `, the slim entry's wasm as \`application/wasm\`, so that
wasm-bindgen's loader compiles it while it streams (\`WebAssembly.instantiateStreaming\`; the run fails if another path was taken)` : ''}. A page
imports the entry${hasSlim ? ' (the slim one, then awaits `init()`)' : ''} and makes the first call in a module script, then POSTs its figures back to the server,
so that nothing of the harness runs in the page meanwhile. Times are \`performance.now()\` in the page: "from the navigation's start" includes
the page's own load and the entry's fetch.

${browserReadyTable}

Where the main thread goes. The default entry decodes, compiles and instantiates synchronously when it is evaluated: no input or
rendering is handled meanwhile (the synchronous compile is also why its browser floor is Chrome 114, README, "Install and first call");
the first four columns time those calls by wrapping them, as in Node (in pages loaded without tracing). The next three come from a
second load of every page in the same run, with Chromium's tracing on (categories \`blink.user_timing\`, \`toplevel\`, \`v8.wasm\`,
\`disabled-by-default-devtools.timeline\`), between a mark at the page's first script and a mark after the first call: "wasm work on the
main thread" is the time inside the trace's wasm events on the page's main thread (\`wasm.*\`, \`v8.wasm.*\`: compile, the streamed bytes
handed to V8, instantiation, the lazy compile of each function at its first call; nested events counted once), and "longest task" is the
longest main-thread task holding any of them, all its work included (for the default entry, the module's evaluation with the LZMA
decode; for the slim entry, the task that finishes the streamed compile and instantiates). The last column is what a page itself can
see: a \`PerformanceObserver\` of \`longtask\` entries, which only reports tasks of 50 ms or more (pages without tracing).
${browserRows.some(([, r]) => r.trace?.harnessMs > 0) ? `**Scripts evaluated by DevTools ran on the main thread during the measured window** (${browserRows.filter(([, r]) => r.trace?.harnessMs > 0).map(([name, r]) => `${name} ${ms(r.trace.harnessMs)}`).join(', ')}): the harness disturbed these pages.\n` : ''}${sb.trace ? `Main-thread wasm work by event, medians: the default entry ${traceEvents(sb.trace, 6)}${hasSlim && sbSlim.trace ? `; the slim entry ${traceEvents(sbSlim.trace, 6)}` : ''}.` : 'The trace figures are unavailable: the trace had no marks or no wasm events (Chromium\'s event names may have changed).'}

${browserMainTable}

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

The slim entry (its own wasm, which checks a response on its text), counted the same way:

${slimBoundaryTable}

"string out of wasm" decodes a string from wasm memory into a new JS string (a property name, a result); \`string_get\` copies a JS
string into wasm memory as UTF-8; \`get\` is \`Reflect.get\`.

${losses.length ? losses.join('\n\n') : 'Nowhere: every aim is met.'}

${suggestions.length ? `## Suggestions (not applied: the bench does not change the package)\n\n${suggestions.map((s) => `- ${s}`).join('\n')}\n` : ''}`;

writeFileSync(join(root, 'BENCHMARKS.md'), doc);
process.stdout.write(`${doc}\n`);
process.stderr.write(`bench: wrote BENCHMARKS.md in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
