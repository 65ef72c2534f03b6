// §5 start-up: in fresh Node processes, the time of `await import()` of the package and of its
// first call, with what the entry does synchronously at import caught inside it (decode of the
// LZMA-packed wasm, its compile and its instantiation); the same import of ky, axios and zod for
// comparison. Then the package alone in headless Chromium, a fresh page per run, where that work
// blocks the main thread. Several runs, interleaved, medians. With BENCH_BASELINE, the package
// before the change is measured the same way, in the same runs, interleaved with ours.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { assertPkg, baseline, benchDir, median, pkgEntry, pkgUrl, report } from '../lib/common.mjs';

assertPkg();
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 9);

// Runs in the child (and in the page). Wraps atob and WebAssembly.Module/Instance to time them
// and nothing else. The client wasm is the largest module: decode is from the base64 decode to
// its compile (the decoder wasm's own compile included), compile and instantiate are its own.
const wrapWasm = `
const marks = [];
const { Module, Instance } = WebAssembly;
const { atob: atob0 } = globalThis;
globalThis.atob = (s) => (marks.push({ atob: performance.now() }), atob0(s));
WebAssembly.Module = function (b) { const t = performance.now(); const m = new Module(b); marks.push({ module: m, size: b.byteLength, t, dt: performance.now() - t }); return m; };
WebAssembly.Instance = function (m, i) { const t = performance.now(); const x = new Instance(m, i); marks.push({ instanceOf: m, dt: performance.now() - t }); return x; };
const wasmTiming = () => {
  const mods = marks.filter((x) => x.module);
  if (!mods.length) return { decodeMs: 0, moduleMs: 0, instanceMs: 0 };
  const main = mods.reduce((a, b) => (b.size > a.size ? b : a));
  const atobAt = marks.filter((x) => x.atob !== undefined && x.atob <= main.t).at(-1)?.atob ?? main.t;
  return {
    decodeMs: main.t - atobAt,
    moduleMs: main.dt,
    instanceMs: marks.filter((x) => x.instanceOf === main.module).reduce((s, x) => s + x.dt, 0),
  };
};`;
const probe = (specifier, firstCall) => `${wrapWasm}
const t0 = performance.now();
const m = await import(${JSON.stringify(specifier)});
const t1 = performance.now();
${firstCall}
const t2 = performance.now();
const result = { importMs: t1 - t0, firstCallMs: t2 - t1, ...wasmTiming(), sinceProcessStartMs: t2 };
`;
const oursFirstCall = "if (m.isIntegrationData({}) !== false) throw new Error('guard');";
const print = 'process.stdout.write(JSON.stringify(result));';
const contenders = [
  { key: 'ours', name: '**integrations-client**', src: probe(pkgUrl, oursFirstCall) + print },
  ...(baseline ? [{ key: 'baseline', name: `before (${baseline.label})`, src: probe(baseline.url, oursFirstCall) + print }] : []),
  { key: 'ky', name: 'ky', src: probe('ky', "if (typeof m.default.get !== 'function') throw new Error('ky');") + print },
  { key: 'axios', name: 'axios', src: probe('axios', "if (typeof m.default.get !== 'function') throw new Error('axios');") + print },
  { key: 'zod', name: 'zod', src: probe('zod', "if (!m.z.string().safeParse('x').success) throw new Error('zod');") + print },
  { key: 'none', name: 'empty script (Node itself)', src: "process.stdout.write(JSON.stringify({ importMs: 0, firstCallMs: 0, decodeMs: 0, moduleMs: 0, instanceMs: 0, sinceProcessStartMs: performance.now() }));" },
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
    ...medians(xs, ['importMs', 'firstCallMs', 'decodeMs', 'moduleMs', 'instanceMs', 'wallMs']),
    importToFirstCallMs: median(xs.map((x) => x.importMs + x.firstCallMs)),
  };
});

// Chromium: the entry served over loopback HTTP to a fresh context (no cache) per run.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
];
const pages = [{ key: 'ours', entry: readFileSync(pkgEntry) }, ...(baseline ? [{ key: 'baseline', entry: readFileSync(baseline.entry) }] : [])];
const html = (key) => `<!doctype html><script type="module">${probe(`/${key}/index.js`, oursFirstCall)}window.result = result;</script>`;
const server = createServer((req, res) => {
  const m = /^\/(\w+)\/(index\.js)?$/.exec(req.url);
  const p = m && pages.find((x) => x.key === m[1]);
  const js = Boolean(p && m[2]);
  res.writeHead(p ? 200 : 404, { 'content-type': js ? 'text/javascript' : 'text/html', 'cache-control': 'no-store' });
  res.end(!p ? '' : js ? p.entry : html(p.key));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const version = browser.version();
const browserSamples = Object.fromEntries(pages.map((p) => [p.key, []]));
try {
  for (let run = 0; run < RUNS + 1; run++) {
    for (let j = 0; j < pages.length; j++) {
      const { key } = pages[(j + run) % pages.length];
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(`http://127.0.0.1:${server.address().port}/${key}/`);
      const result = await (await tab.waitForFunction(() => window.result, null, { timeout: 10_000 })).jsonValue();
      await context.close();
      if (run > 0) browserSamples[key].push(result); // run 0 warms the browser
    }
  }
} finally {
  await browser.close();
  server.close();
}
const browserRowOf = (xs) => ({
  version,
  ...medians(xs, ['importMs', 'firstCallMs', 'decodeMs', 'moduleMs', 'instanceMs']),
  blockedMs: median(xs.map((x) => x.decodeMs + x.moduleMs + x.instanceMs)),
});
const browserRow = browserRowOf(browserSamples.ours);
const browserBaseline = baseline ? browserRowOf(browserSamples.baseline) : null;
report({ runs: RUNS, rows, browser: browserRow, ...(browserBaseline && { browserBaseline }) });
