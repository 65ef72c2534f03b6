// §5 start-up: in fresh Node processes, the time of `await import()` of the package and of its
// first call, with what the entry does synchronously at import caught inside it (decode of the
// LZMA-packed wasm, its compile and its instantiation); the same import of ky, axios and zod for
// comparison; the slim entry's `await import()` + `await init()` + first call beside them. Then the
// package in headless Chromium, a fresh page per run, the default entry (whose decode and compile
// block the main thread) beside the slim entry (whose wasm is streamed, most of its compile off the
// main thread): when each is ready and called, and how much main-thread time the wasm takes, seen by a
// trace of the renderer. Several runs, interleaved, medians. With BENCH_BASELINE, the package
// before the change is measured the same way, in the same runs, interleaved with ours.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { assertPkg, baseline, benchDir, median, pkgDir, pkgEntry, pkgUrl, report, slimEntry } from '../lib/common.mjs';

assertPkg();
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 9);
// The slim entry and its wasm file (absent from packages built before it existed).
const slimWasm = join(pkgDir, 'integrations_client_bg.wasm');
const hasSlim = existsSync(slimEntry) && existsSync(slimWasm);

// Runs in the child (and in the page). Wraps atob and WebAssembly.Module/Instance to time them
// and nothing else. The client wasm is the largest module: decode is from the base64 decode to
// its compile (the decoder wasm's own compile included), compile and instantiate are its own.
// The asynchronous WebAssembly.instantiate/instantiateStreaming (the slim entry's) are timed from
// the call to the promise's settling: elapsed time, most of it off the main thread.
const wrapWasm = `
const marks = [];
const { Module, Instance, instantiate, instantiateStreaming } = WebAssembly;
const { atob: atob0 } = globalThis;
globalThis.atob = (s) => (marks.push({ atob: performance.now() }), atob0(s));
WebAssembly.Module = function (b) { const t = performance.now(); const m = new Module(b); marks.push({ module: m, size: b.byteLength, t, dt: performance.now() - t }); return m; };
WebAssembly.Instance = function (m, i) { const t = performance.now(); const x = new Instance(m, i); marks.push({ instanceOf: m, dt: performance.now() - t }); return x; };
// The size of what is compiled: bytes, or a Response (streamed: counted as the largest); a Module
// (Node's own undici instantiates its llhttp module so) counts as nothing.
const timeAsync = (api, f) => function (...args) {
  const t = performance.now();
  const size = args[0] instanceof WebAssembly.Module ? 0 : args[0]?.byteLength ?? Infinity;
  const p = f.apply(WebAssembly, args);
  p.then(() => marks.push({ api, size, dt: performance.now() - t }), () => marks.push({ api, failed: true }));
  return p;
};
WebAssembly.instantiate = timeAsync('instantiate', instantiate);
if (instantiateStreaming) WebAssembly.instantiateStreaming = timeAsync('instantiateStreaming', instantiateStreaming);
// In a page, the fetch of a .wasm, to its Response (the headers). Not in Node: reading its global
// fetch loads undici, which would be timed as the package's.
if (typeof document !== 'undefined') {
  const fetch0 = globalThis.fetch;
  globalThis.fetch = function (input, init) {
    const t = performance.now();
    const p = fetch0.call(this, input, init);
    if (/\\.wasm$/.test(String(input?.url ?? input))) p.then(() => marks.push({ fetchWasm: performance.now() - t }), () => {});
    return p;
  };
}
const wasmTiming = () => {
  const mods = marks.filter((x) => x.module);
  const client = marks.filter((x) => x.api && !x.failed && x.size > 0).sort((a, b) => b.size - a.size)[0];
  const async = { asyncApi: client?.api ?? null, asyncMs: client?.dt ?? 0, fetchMs: marks.find((x) => x.fetchWasm !== undefined)?.fetchWasm ?? 0 };
  if (!mods.length) return { decodeMs: 0, moduleMs: 0, instanceMs: 0, ...async };
  const main = mods.reduce((a, b) => (b.size > a.size ? b : a));
  const atobAt = marks.filter((x) => x.atob !== undefined && x.atob <= main.t).at(-1)?.atob ?? main.t;
  return {
    decodeMs: main.t - atobAt,
    moduleMs: main.dt,
    instanceMs: marks.filter((x) => x.instanceOf === main.module).reduce((s, x) => s + x.dt, 0),
    ...async,
  };
};`;
// t0 is the probe's start; readyAt and firstCallAt are performance.now(), from the process's (in a
// page, the navigation's) start. With `init`, the slim entry: the wasm is loaded by `await init()`.
const probe = (specifier, firstCall, { init = false } = {}) => `${wrapWasm}
const t0 = performance.now();
const m = await import(${JSON.stringify(specifier)});
const t1 = performance.now();
${init ? 'await m.init();' : ''}
const tReady = performance.now();
${firstCall}
const t2 = performance.now();
const result = { importMs: t1 - t0, initMs: tReady - t1, firstCallMs: t2 - tReady, ...wasmTiming(), readyAt: tReady, firstCallAt: t2, sinceProcessStartMs: t2 };
`;
const oursFirstCall = "if (m.isIntegrationData({}) !== false) throw new Error('guard');";
const print = 'process.stdout.write(JSON.stringify(result));';
const contenders = [
  { key: 'ours', name: '**integrations-client**', src: probe(pkgUrl, oursFirstCall) + print },
  ...(hasSlim ? [
    { key: 'slim', name: '**integrations-client/slim** (`await init()` reads the wasm file)', src: probe(pathToFileURL(slimEntry).href, oursFirstCall, { init: true }) + print },
    // Reading the global `Response` (slim.js and wasm-bindgen's loader test `instanceof Response`)
    // makes Node load its fetch implementation, undici, on first use; here it is loaded before t0.
    { key: 'slimUndici', name: '↳ the same, Node\'s fetch (undici) loaded before the import', src: `void globalThis.Response;${probe(pathToFileURL(slimEntry).href, oursFirstCall, { init: true })}${print}` },
  ] : []),
  ...(baseline ? [{ key: 'baseline', name: `before (${baseline.label})`, src: probe(baseline.url, oursFirstCall) + print }] : []),
  { key: 'ky', name: 'ky', src: probe('ky', "if (typeof m.default.get !== 'function') throw new Error('ky');") + print },
  { key: 'axios', name: 'axios', src: probe('axios', "if (typeof m.default.get !== 'function') throw new Error('axios');") + print },
  { key: 'zod', name: 'zod', src: probe('zod', "if (!m.z.string().safeParse('x').success) throw new Error('zod');") + print },
  { key: 'none', name: 'empty script (Node itself)', src: "process.stdout.write(JSON.stringify({ importMs: 0, initMs: 0, firstCallMs: 0, decodeMs: 0, moduleMs: 0, instanceMs: 0, asyncMs: 0, asyncApi: null, sinceProcessStartMs: performance.now() }));" },
];

const samples = Object.fromEntries(contenders.map((c) => [c.key, []]));
for (let run = 0; run < RUNS + 1; run++) {
  for (let j = 0; j < contenders.length; j++) {
    const c = contenders[(j + run) % contenders.length];
    const t0 = performance.now();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', c.src], { cwd: benchDir, encoding: 'utf8' });
    const wallMs = performance.now() - t0;
    if (run > 0) samples[c.key].push({ ...JSON.parse(out), wallMs }); // run 0 warms the file cache
  }
}
const medians = (xs, keys) => Object.fromEntries(keys.map((k) => [k, median(xs.map((x) => x[k]))]));
const rows = contenders.map((c) => {
  const xs = samples[c.key];
  return {
    key: c.key,
    name: c.name,
    ...medians(xs, ['importMs', 'initMs', 'firstCallMs', 'decodeMs', 'moduleMs', 'instanceMs', 'asyncMs', 'wallMs']),
    asyncApi: xs[0].asyncApi,
    importToFirstCallMs: median(xs.map((x) => x.importMs + x.initMs + x.firstCallMs)),
  };
});

// Chromium: each entry served over loopback HTTP to a fresh context (no cache) per load; the slim
// entry's wasm as `application/wasm`, so that wasm-bindgen's loader streams it
// (instantiateStreaming; checked below). The page reports by POSTing its result to the server:
// nothing of Playwright's runs in the page while it loads (waitForFunction would inject its script,
// a task of 50-100 ms on the main thread in the middle of what is measured).
//
// Each run loads each page twice. Untraced: the times (from the navigation's start to the entry
// ready and to the first call done; the synchronous decode, compile and instantiate timed by
// wrapping, as in Node; the long tasks a PerformanceObserver('longtask') sees, which only reports
// tasks of 50 ms or more). Traced (Chromium's trace of the renderer, categories below): the
// main-thread time inside V8's and Blink's wasm trace events (`wasm.*`, `v8.wasm.*`: sync and
// streaming compile, the streamed bytes handed to V8 on the main thread, instantiation, the lazy
// compile of each function at its first call), merged so that nested events count once, between a
// mark at the page's first script and a mark after the first call; and the longest main-thread
// task that holds any of that wasm work (for the default entry, the evaluation of the module that
// decodes and compiles; for the slim entry, the task where the streamed compile is finished and
// instantiated). Tracing slows the page, so its loads give only these two.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
];
const TRACE_CATEGORIES = ['blink.user_timing', 'toplevel', 'v8.wasm', 'disabled-by-default-devtools.timeline'];
const pages = [
  { key: 'ours', files: { 'index.js': ['text/javascript', readFileSync(pkgEntry)] }, specifier: '/ours/index.js' },
  ...(hasSlim ? [{
    key: 'slim',
    files: { 'slim.js': ['text/javascript', readFileSync(slimEntry)], 'integrations_client_bg.wasm': ['application/wasm', readFileSync(slimWasm)] },
    specifier: '/slim/slim.js',
    init: true,
  }] : []),
  ...(baseline ? [{ key: 'baseline', files: { 'index.js': ['text/javascript', readFileSync(baseline.entry)] }, specifier: '/baseline/index.js' }] : []),
];
const html = (p) => `<!doctype html><meta charset="utf-8"><script>
performance.mark('ic-start');
window.__longTasks = [];
try {
  new PerformanceObserver((list) => { for (const e of list.getEntries()) __longTasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });
} catch { window.__longTasks = null; }
</script><script type="module">
const send = (x) => fetch('/result', { method: 'POST', body: JSON.stringify(x) });
try {
${probe(p.specifier, oursFirstCall, { init: p.init })}
performance.mark('ic-done');
await new Promise((resolve) => setTimeout(resolve, 100)); // the observer's entries come after their task
const start = performance.getEntriesByName('ic-start')[0].startTime;
result.longTasks = __longTasks && __longTasks.filter((t) => t.start + t.duration > start && t.start < t2).map((t) => t.duration);
await send(result);
} catch (e) {
  await send({ error: String(e?.stack ?? e) });
}
</script>`;
let resolveResult;
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/result') {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      res.writeHead(204).end();
      resolveResult?.(JSON.parse(body));
    });
    return;
  }
  const m = /^\/(\w+)\/([\w.]*)$/.exec(req.url);
  const p = m && pages.find((x) => x.key === m[1]);
  const file = p && (m[2] === '' ? ['text/html', html(p)] : p.files[m[2]]);
  res.writeHead(file ? 200 : 404, { 'content-type': file ? file[0] : 'text/plain', 'cache-control': 'no-store' });
  res.end(file ? file[1] : '');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

/** Main-thread wasm time and the longest task holding wasm work, from a trace; null if the marks or the events are missing. */
function traceFacts(buffer) {
  const events = JSON.parse(buffer.toString('utf8')).traceEvents ?? [];
  const start = events.find((e) => e.name === 'ic-start');
  const done = events.find((e) => e.name === 'ic-done');
  if (!start || !done) return null;
  // The marks are made on the page's main thread: its pid and tid name the thread.
  const main = events.filter((e) => e.pid === start.pid && e.tid === start.tid && e.ph === 'X' && e.ts < done.ts && e.ts + (e.dur ?? 0) > start.ts);
  const clip = (e) => [Math.max(e.ts, start.ts), Math.min(e.ts + e.dur, done.ts)];
  const union = (spans) => {
    let total = 0;
    let end = -Infinity;
    for (const [a, b] of spans.sort((x, y) => x[0] - y[0])) {
      if (b <= end) continue;
      total += b - Math.max(a, end);
      end = b;
    }
    return total / 1000;
  };
  const wasm = main.filter((e) => /^(v8\.)?wasm\./.test(e.name));
  if (!wasm.length) return null;
  const tasks = main.filter((e) => /(^|::)RunTask$/.test(e.name));
  const wasmTasks = tasks.filter((t) => wasm.some((w) => w.ts >= t.ts && w.ts < t.ts + t.dur));
  // Scripts evaluated by DevTools (no URL) in the window would be the harness's, not the page's.
  const harness = main.filter((e) => e.name === 'EvaluateScript' && !e.args?.data?.url);
  // The outermost wasm events (not inside another), by name: where the main-thread wasm time went.
  const outer = wasm.filter((e) => !wasm.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur && (o.ts < e.ts || o.dur > e.dur)));
  const byEvent = {};
  for (const e of outer) {
    const [a, b] = clip(e);
    if (b > a) byEvent[e.name] = (byEvent[e.name] ?? 0) + (b - a) / 1000;
  }
  return {
    byEvent,
    wasmMainMs: union(wasm.map(clip)),
    lazyCompileMs: union(wasm.filter((e) => e.name === 'wasm.CompileLazy').map(clip)),
    longestWasmTaskMs: Math.max(0, ...wasmTasks.map((t) => t.dur / 1000)),
    harnessMs: union(harness.map(clip)),
    windowMs: (done.ts - start.ts) / 1000,
  };
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const version = browser.version();
const browserSamples = Object.fromEntries(pages.map((p) => [p.key, []]));
const traceSamples = Object.fromEntries(pages.map((p) => [p.key, []]));
async function load(key, traced) {
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    const got = new Promise((resolve, reject) => {
      resolveResult = resolve;
      setTimeout(() => reject(new Error(`startup: the ${key} page sent no result in 15 s`)), 15_000).unref();
    });
    if (traced) await browser.startTracing(tab, { categories: TRACE_CATEGORIES });
    await tab.goto(`http://127.0.0.1:${server.address().port}/${key}/`, { waitUntil: 'commit' });
    const result = await got;
    const trace = traced ? await browser.stopTracing() : null;
    if (result.error) throw new Error(`startup: the ${key} page failed: ${result.error}`);
    if (pages.find((p) => p.key === key).init && !/instantiateStreaming/.test(result.asyncApi ?? '')) {
      throw new Error(`startup: the slim entry loaded its wasm by ${result.asyncApi}, not instantiateStreaming (check the Content-Type)`);
    }
    return traced ? traceFacts(trace) : result;
  } finally {
    await context.close();
  }
}
try {
  for (let run = 0; run < RUNS + 1; run++) {
    for (let j = 0; j < pages.length; j++) {
      const { key } = pages[(j + run) % pages.length];
      const result = await load(key, false);
      const facts = await load(key, true);
      if (run > 0) { // run 0 warms the browser
        browserSamples[key].push(result);
        traceSamples[key].push(facts);
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
const browserRowOf = (key) => {
  const xs = browserSamples[key];
  const traces = traceSamples[key].filter(Boolean);
  const longest = xs.map((x) => (x.longTasks ? Math.max(0, ...x.longTasks) : null));
  return {
    version,
    ...medians(xs, ['importMs', 'initMs', 'firstCallMs', 'decodeMs', 'moduleMs', 'instanceMs', 'asyncMs', 'fetchMs', 'readyAt', 'firstCallAt']),
    asyncApi: xs[0].asyncApi,
    blockedMs: median(xs.map((x) => x.decodeMs + x.moduleMs + x.instanceMs)),
    longTasks: longest.includes(null) ? null : { runs: xs.length, runsWithOne: longest.filter((x) => x > 0).length, longestMs: Math.max(...longest) },
    // The trace's figures only when every traced load had them (else Chromium's event names changed).
    trace: traces.length === traceSamples[key].length
      ? {
        runs: traces.length,
        ...medians(traces, ['wasmMainMs', 'lazyCompileMs', 'longestWasmTaskMs', 'harnessMs', 'windowMs']),
        byEvent: Object.fromEntries([...new Set(traces.flatMap((t) => Object.keys(t.byEvent)))]
          .map((name) => [name, median(traces.map((t) => t.byEvent[name] ?? 0))])
          .sort((a, b) => b[1] - a[1])),
      }
      : null,
  };
};
const browserRow = browserRowOf('ours');
const browserSlim = hasSlim ? browserRowOf('slim') : null;
const browserBaseline = baseline ? browserRowOf('baseline') : null;
report({ runs: RUNS, rows, browser: browserRow, ...(browserSlim && { browserSlim }), ...(browserBaseline && { browserBaseline }) });
