// §5 start-up: in fresh Node processes, the time of `await import()` of the package and of its
// first call, with the wasm compile and instantiate times caught inside it; the same import of
// ky, axios and zod for comparison. Several runs, interleaved, medians.
import { execFileSync } from 'node:child_process';
import { assertPkg, benchDir, median, pkgUrl, report } from '../lib/common.mjs';

assertPkg();
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 9);

// Runs in the child. Wraps WebAssembly.Module/Instance to time them (and nothing else).
const probe = (specifier, firstCall) => `
const timing = { moduleMs: 0, instanceMs: 0 };
const { Module, Instance } = WebAssembly;
WebAssembly.Module = function (b) { const t = performance.now(); const m = new Module(b); timing.moduleMs += performance.now() - t; return m; };
WebAssembly.Instance = function (m, i) { const t = performance.now(); const x = new Instance(m, i); timing.instanceMs += performance.now() - t; return x; };
const t0 = performance.now();
const m = await import(${JSON.stringify(specifier)});
const t1 = performance.now();
${firstCall}
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1, ...timing, sinceProcessStartMs: t2 }));
`;
const contenders = [
  { key: 'ours', name: '**integrations-client**', src: probe(pkgUrl, "if (m.isIntegrationData({}) !== false) throw new Error('guard');") },
  { key: 'ky', name: 'ky', src: probe('ky', "if (typeof m.default.get !== 'function') throw new Error('ky');") },
  { key: 'axios', name: 'axios', src: probe('axios', "if (typeof m.default.get !== 'function') throw new Error('axios');") },
  { key: 'zod', name: 'zod', src: probe('zod', "if (!m.z.string().safeParse('x').success) throw new Error('zod');") },
  { key: 'none', name: 'empty script (Node itself)', src: "process.stdout.write(JSON.stringify({ importMs: 0, firstCallMs: 0, moduleMs: 0, instanceMs: 0, sinceProcessStartMs: performance.now() }));" },
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
const rows = contenders.map((c) => {
  const xs = samples[c.key];
  const med = (k) => median(xs.map((x) => x[k]));
  return {
    key: c.key,
    name: c.name,
    importMs: med('importMs'),
    firstCallMs: med('firstCallMs'),
    importToFirstCallMs: median(xs.map((x) => x.importMs + x.firstCallMs)),
    moduleMs: med('moduleMs'),
    instanceMs: med('instanceMs'),
    wallMs: med('wallMs'),
  };
});
report({ runs: RUNS, rows });
