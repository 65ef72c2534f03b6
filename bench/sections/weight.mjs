// §1 package weight: the default entry (wasm inlined) next to ky, axios, swr and zod bundled by
// esbuild, raw, gzip -9 and brotli -11 (what most hosts serve); the slim entry (slim.js and its
// wasm file, fetched apart, so each is compressed on its own); then where the package's bytes go,
// one level down.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { assertPkg, baseline, benchDir, pkgDir, pkgEntry, pkgUrl, report, root } from '../lib/common.mjs';
import { bodySizes, crateOf, functionNames, sections, shortName } from '../lib/wasm.mjs';
import { DEFAULT_BUDGET } from '../../scripts/check-budget.mjs';

assertPkg();
const esbuild = createRequire(join(root, 'package.json'))('esbuild');
// gzip -9 and brotli -11 as scripts/build-pkg.mjs weighs them (brotli with the size hint).
const brotli = (bytes) => brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length;
const size = (bytes) => ({ raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotli(bytes) });
/** Files fetched one by one: each is compressed alone, so the weights add up. */
const sum = (...xs) => ({ raw: xs.reduce((a, x) => a + x.raw, 0), gzip: xs.reduce((a, x) => a + x.gzip, 0), brotli: xs.reduce((a, x) => a + x.brotli, 0) });

// The package's default entry, as shipped, and its parts: the client wasm LZMA-packed as a base64
// string, the decoder wasm as a one-char-per-byte string, and the JS. The wasm bytes are the ones
// the entry hands to `new WebAssembly.Module` (caught on the way; the larger is the client).
// The same for the baseline's entry (BENCH_BASELINE), when there is one.
async function entryParts(path, url) {
  const entry = readFileSync(path);
  const source = entry.toString('utf8');
  const modules = [];
  const Module = WebAssembly.Module;
  WebAssembly.Module = function CapturingModule(bytes) {
    modules.push(new Uint8Array(bytes));
    return new Module(bytes);
  };
  try {
    await import(url);
  } finally {
    WebAssembly.Module = Module;
  }
  modules.sort((a, b) => b.length - a.length);
  const [wasm, decoderWasm] = modules;
  if (!wasm || !decoderWasm) throw new Error(`${path} did not compile the decoder and the client wasm`);
  const packed = source.match(/(["'`])([A-Za-z0-9+/]{1000,}={0,2})\1/);
  if (!packed) throw new Error(`${path}: the packed wasm (base64) was not found`);
  const open = source.search(/[`"](?:\\0|\x00)asm/); // raw NUL since the build splices the literal in
  if (open < 0) throw new Error(`${path}: the inlined decoder string was not found`);
  let end = open + 1;
  while (source[end] !== source[open]) end += source[end] === '\\' ? 2 : 1;
  const decoderLiteral = source.slice(open, end + 1);
  const jsOnly = Buffer.from(source.replace(packed[0], '""').replace(decoderLiteral, '""'), 'utf8');
  const lzma = Buffer.from(packed[2], 'base64');
  return { entry, wasm, lzma, packed: Buffer.from(packed[0], 'utf8'), decoder: Buffer.from(decoderLiteral, 'utf8'), jsOnly };
}
const { entry, wasm, lzma, packed, decoder, jsOnly } = await entryParts(pkgEntry, pkgUrl);
const before = baseline && await entryParts(baseline.entry, baseline.url);

// The slim entry (pkg/slim.js, ESM only) and the wasm file it fetches; absent from packages built
// before it existed. Its wasm is a build of its own (the `bytes` feature: responses checked on their
// text), so it differs from the one the default entry unpacks; said, not assumed.
const slimPath = join(pkgDir, 'slim.js');
const slimWasmPath = join(pkgDir, 'integrations_client_bg.wasm');
const slim = existsSync(slimPath) && existsSync(slimWasmPath) ? { js: readFileSync(slimPath), wasm: readFileSync(slimWasmPath) } : null;
const slimSameWasm = slim ? Buffer.compare(slim.wasm, Buffer.from(wasm)) === 0 : null;

// The others, bundled the same way: esbuild --bundle --minify --format=esm --platform=neutral,
// react external. Neutral has no conditions or main fields, so the browser build is asked for
// (what a front-end bundler picks); axios's package maps its Node adapter away only through the
// `browser` field, which esbuild honours only with platform=browser, so axios alone uses that.
async function bundle(contents, platform = 'neutral') {
  const r = await esbuild.build({
    stdin: { contents, resolveDir: benchDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    external: ['react', 'react-dom'],
    ...(platform === 'neutral' && { conditions: ['browser', 'import'], mainFields: ['browser', 'module', 'main'] }),
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
    charset: 'utf8',
  });
  return r.outputFiles[0].contents;
}
const version = (name) => JSON.parse(readFileSync(join(benchDir, 'node_modules', name, 'package.json'), 'utf8')).version;
const rebundled = await bundle(`export * from ${JSON.stringify(pkgEntry)};`);
const rows = [
  { key: 'ours', name: '**integrations-client** `pkg/index.js` (wasm inlined + JS)', ...size(entry), ours: true },
  { key: 'oursRebundled', name: '↳ the same, re-bundled by esbuild like the others', ...size(rebundled), part: true },
  { key: 'wasm', name: '↳ the client wasm alone (binary; not shipped as such)', ...size(wasm), part: true },
  { key: 'lzma', name: '↳ the client wasm LZMA-packed (binary)', ...size(lzma), part: true },
  { key: 'packed', name: '↳ the same as the inlined base64 string', ...size(packed), part: true },
  { key: 'decoder', name: '↳ the LZMA decoder wasm (unlzma/) as the inlined latin1 string', ...size(decoder), part: true },
  { key: 'js', name: '↳ the JS alone (wasm-bindgen glue, IntegrationError, loader)', ...size(jsOnly), part: true },
  ...(slim ? [
    { key: 'slim', name: '**integrations-client/slim** `pkg/slim.js` + `integrations_client_bg.wasm`, fetched apart (the sum of the two)', ...sum(size(slim.js), size(slim.wasm)), slim: true },
    { key: 'slimJs', name: '↳ `slim.js` (wasm-bindgen glue, IntegrationError, init() and its guards)', ...size(slim.js), part: true },
    { key: 'slimWasm', name: `↳ \`integrations_client_bg.wasm\` (${slimSameWasm ? 'the same bytes as the client wasm the default entry unpacks' : 'its own build, with the tape: not the default entry\'s client wasm'})`, ...size(slim.wasm), part: true },
  ] : []),
  ...(before ? [{ key: 'baseline', name: `before (${baseline.label}): its \`pkg/index.js\` (wasm inlined + JS)`, ...size(before.entry), baseline: true }] : []),
  { key: 'ky', name: `ky ${version('ky')}`, ...size(await bundle("export { default } from 'ky'; export * from 'ky';")) },
  { key: 'axios', name: `axios ${version('axios')} (platform=browser)`, ...size(await bundle("export { default } from 'axios'; export * from 'axios';", 'browser')) },
  { key: 'swr', name: `swr ${version('swr')} (react external)`, ...size(await bundle("export { default } from 'swr'; export * from 'swr';")) },
  { key: 'zod', name: `zod ${version('zod')} (whole library)`, ...size(await bundle("export * from 'zod';")) },
  { key: 'zodSchema', name: `zod ${version('zod')}, only the bench's status schema (tree-shaken)`, ...size(await bundle(`export * from ${JSON.stringify(join(benchDir, 'lib', 'zod-schema.mjs'))};`)) },
  { key: 'zodMini', name: `zod/mini ${version('zod')}, the same schema (tree-shaken)`, ...size(await bundle(`export * from ${JSON.stringify(join(benchDir, 'lib', 'zod-mini-schema.mjs'))};`)) },
  {
    key: 'stack',
    name: 'ky + swr + the zod/mini schema (a JS stack doing the same jobs)',
    ...size(await bundle(`export { default as ky } from 'ky'; export { default as useSWR } from 'swr'; export * from ${JSON.stringify(join(benchDir, 'lib', 'zod-mini-schema.mjs'))};`)),
  },
];

// One level down: the wasm's sections, and its code by crate. Names come from rebuilding the wasm
// exactly as scripts/build-pkg.mjs does but with `wasm-opt -g` (keeps the name section, same code);
// when its code section equals the shipped one byte for byte, the names are exact.
const wasmSections = sections(wasm).map(({ name, size: n }) => ({ name, bytes: n }));
let names = { status: 'unavailable', byCrate: [], topFunctions: [] };
const rawWasm = join(root, 'target', 'pkg-wasm', 'wasm32-unknown-unknown', 'release', 'integrations_client.wasm');
const wasmOpt = join(root, 'node_modules', '.bin', 'wasm-opt');
const namesFile = process.env.BENCH_WASM_NAMES;
try {
  if (!existsSync(rawWasm) || !existsSync(wasmOpt)) throw new Error('target/ or wasm-opt missing');
  const dir = mkdtempSync(join(tmpdir(), 'ic-bench-'));
  try {
    execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', dir, '--out-name', 'integrations_client', rawWasm], { stdio: 'pipe' });
    const named = join(dir, 'named.wasm');
    // -Oz twice, as scripts/build-pkg.mjs does (one round leaves ~100 bytes of code more, and the names inexact).
    execFileSync(wasmOpt, ['-Oz', '-Oz', '-g', '--strip-producers', '--strip-target-features', join(dir, 'integrations_client_bg.wasm'), '-o', named], { stdio: 'pipe' });
    const namedBytes = readFileSync(named);
    const { sizes, code } = bodySizes(namedBytes);
    const exact = Buffer.compare(code, bodySizes(wasm).code) === 0;
    const fnNames = functionNames(namedBytes);
    const byCrate = new Map();
    let total = 0;
    for (const [i, n] of sizes) {
      const c = crateOf(fnNames.get(i) ?? '');
      byCrate.set(c, (byCrate.get(c) ?? 0) + n);
      total += n;
    }
    const btree = [...sizes].filter(([i]) => /alloc::collections::btree/.test(shortName(fnNames.get(i) ?? ''))).reduce((a, [, n]) => a + n, 0);
    const fmt = [...sizes].filter(([i]) => /core::fmt|alloc::fmt|::fmt$/.test(shortName(fnNames.get(i) ?? ''))).reduce((a, [, n]) => a + n, 0);
    names = {
      status: exact ? 'exact' : 'approximate (the rebuilt code differs from pkg/\'s: run make pkg; else the wasm-opt passes here differ from scripts/build-pkg.mjs\'s)',
      codeBytes: total,
      byCrate: [...byCrate].sort((a, b) => b[1] - a[1]).map(([crate, bytes]) => ({ crate, bytes })),
      btreeBytes: btree,
      fmtBytes: fmt,
      topFunctions: [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([i, bytes]) => ({ name: shortName(fnNames.get(i) ?? `wasm-function[${i}]`), bytes })),
      // The parts the suggestions name, weighed here rather than written down (0 when not found).
      parts: Object.fromEntries(Object.entries({
        dropGlue: /drop_glue|drop_in_place/,
        driverWake: /Driver>::wake$/,
        constructor: /^integrationsclient_new\b/,
        clientFinish: /Client<.*>>::finish::/,
      }).map(([key, re]) => [key, [...sizes].filter(([i]) => re.test(shortName(fnNames.get(i) ?? ''))).reduce((a, [, n]) => a + n, 0)])),
    };
    if (namesFile && exact) writeFileSync(namesFile, JSON.stringify(Object.fromEntries([...fnNames].map(([i, n]) => [i, shortName(n)]))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} catch (e) {
  names.status = `unavailable (${e.message.split('\n')[0]})`;
}

// Now against before, part by part (only with BENCH_BASELINE).
const partsOf = (p) => ({ entry: size(p.entry), wasm: size(p.wasm), lzma: size(p.lzma), packed: size(p.packed), decoder: size(p.decoder), js: size(p.jsOnly) });
const comparison = before ? { now: partsOf({ entry, wasm, lzma, packed, decoder, jsOnly }), before: partsOf(before), beforeSections: sections(before.wasm).map(({ name, size: n }) => ({ name, bytes: n })) } : null;

// The aim is issue #14's (≤ 25 KB gzip -9); the budget is the one make pkg checks against.
report({ rows, wasmSections, names, comparison, slimSameWasm, budgetGzip: DEFAULT_BUDGET, aimGzip: 25 * 1024 });
