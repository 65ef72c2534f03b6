#!/usr/bin/env node
// Builds the npm package into pkg/ from the Rust crate and pkg-template/:
//   1. the wasm, as a cdylib alone so that LTO stays on (../shared/TOOLCHAIN.md, "Pitfalls met"), with the pinned nightly;
//   2. wasm-bindgen's `web` glue (the only target whose init takes bytes synchronously, and whose
//      async init streams a Response, for the slim entry);
//   3. npm binaryen's wasm-opt -Oz (two rounds), with short import/export names; then the wasm
//      LZMA-packed (base64) and the decoder wasm of unlzma/ (a latin1 string);
//   4. each entry bundled by esbuild twice, ESM and CJS, with both inlined so that the wasm
//      is ready when the import resolves, in Node, bundlers and browsers alike; esbuild gives the
//      glue's properties the wasm's short names (its mangle cache, no edit of the glue's text);
//      then terser.
//      The slim entry (ESM only) inlines nothing: the wasm ships beside it as a file of its own;
//   5. the types: wasm-bindgen's d.ts without its loader API, plus .d.cts twins for `require`;
//   6. package.json with the crate's version; then weighs the default entry against the budget
//      (scripts/check-budget.mjs; over it, the build fails: README, "Size"), and the slim entry.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { minify } from 'terser';
import { DEFAULT_BUDGET, checkBudget } from './check-budget.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules', '.bin');
const build = join(root, 'target', 'pkg-build');
const pkg = join(root, 'pkg');
const template = join(root, 'pkg-template');
// The slim entry's wasm file, as slim.js names it.
const WASM_FILE = 'integrations_client_bg.wasm';
// lc=3 lp=0 pb=0 (what unlzma/ decodes), the strongest preset, a dictionary larger than the wasm.
const LZMA_ENCODE = `
import lzma, sys
filters = [{"id": lzma.FILTER_LZMA1, "preset": 9 | lzma.PRESET_EXTREME, "lc": 3, "lp": 0, "pb": 0, "dict_size": 1 << 22}]
sys.stdout.buffer.write(lzma.compress(sys.stdin.buffer.read(), format=lzma.FORMAT_RAW, filters=filters))
`;

const run = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

// 1. The wasm, with the pinned nightly of scripts/pkg-toolchain (installed by install-tools.sh):
//    std is rebuilt with the crate's size profile and `panic=immediate-abort` (a panic traps at
//    once, as `panic = "abort"` does, without the message and location machinery), and Debug
//    formatting compiled out (nothing outside tests prints `{:?}`). Reference types are turned
//    off: wasm-bindgen then keeps JS objects in a JS array, as it did before Rust 1.82 made them
//    the default, and the wasm is 1.2 KB smaller packed (its externref shims and table go; the
//    glue grows by ~0.3 KB). Multi-value stays on: without it another 0.14 KB goes, but every
//    returned pair passes through memory and a request costs ~4% more. LLVM's inline threshold at
//    8 (7 to 10 give the same code; 2 gives opt-level "z"'s): -68 B packed; 11 and up are heavier.
//    README, "Size", has the numbers.
const toolchain = readFileSync(join(root, 'scripts', 'pkg-toolchain'), 'utf8').trim();
const wasmTarget = join(root, 'target', 'pkg-wasm');

/**
 * Steps 1 to 3 for one wasm: built with `features`, its glue written to `dir`, optimised there.
 * The default entry's wasm has none; the slim entry's has `bytes` (a response's checks run on
 * its text in wasm memory: Cargo.toml, README "Slim entry"), which the default entry's budget
 * cannot hold.
 */
function buildWasm(features, dir) {
  run(
    'cargo',
    [`+${toolchain}`, 'rustc', '--lib', '--release', '--target', 'wasm32-unknown-unknown', '--crate-type', 'cdylib', '-Zbuild-std=std,panic_abort', ...features.flatMap((f) => ['--features', f])],
    {
      CARGO_TARGET_DIR: wasmTarget,
      RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none -Ctarget-feature=-reference-types -Cllvm-args=-inline-threshold=8',
    },
  );
  const rawWasm = join(wasmTarget, 'wasm32-unknown-unknown', 'release', 'integrations_client.wasm');

  // 2. The glue.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run('wasm-bindgen', ['--target', 'web', '--out-dir', dir, '--out-name', 'integrations_client', rawWasm]);

  // 3. Optimise once; wasm-opt reads the features from the target_features section, then strips it.
  //    It also shortens every import and export name (wasm-bindgen's carry hashes, 16 hex digits
  //    that gzip cannot shrink; -2.4 KB gzip in the wasm, more in the glue) and prints the mapping,
  //    which esbuild then applies to the glue's property names (step 4).
  const wasmPath = join(dir, 'integrations_client_bg.wasm');
  const renames = JSON.parse(
    execFileSync(
      join(bin, 'wasm-opt'),
      // -Oz twice: the second round finds 30 more bytes after the first's inlining.
      // --low-memory-unused: a constant added to a pointer may move into the load's or store's
      // offset, which differs only when the sum wraps past 2^32 to an address below 1 KB. The stack
      // comes first and grows down from 1 MB (data above it), so that is only reachable 1,023 KB
      // deep, past any recursion here (nesting is capped); -146 B gzip (README, "Size").
      // --generate-global-effects (what each function may touch, for the passes after it), --rse
      // (redundant local sets) and --optimize-added-constants-propagate: -85 B gzip.
      ['--minify-imports-and-exports-and-modules', '--low-memory-unused', '--generate-global-effects', '--rse', '--optimize-added-constants-propagate', '-Oz', '-Oz', '--strip-debug', '--strip-producers', '--strip-target-features', wasmPath, '-o', wasmPath],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  const wasm = readFileSync(wasmPath);
  return { wasm, shortNames: mangleCache(renames, WebAssembly.Module.imports(new WebAssembly.Module(wasm))) };
}

const { wasm, shortNames } = buildWasm([], build);
const slimBuild = join(root, 'target', 'pkg-build-slim');
const slimWasm = buildWasm(['bytes'], slimBuild);

// 3b. The wasm ships LZMA-compressed, as base64 (random bytes: base64 costs gzip only ~0.5%), with
//     a 1.2 KB decoder wasm of our own (unlzma/) that index.js runs first. LZMA packs this wasm ~15%
//     smaller than gzip -9 does, decoder included; decoding costs about 11 ms at import on these
//     machines (BENCHMARKS.md, start-up). The encoder is CPython's lzma module (liblzma), at build time only.
const packed = execFileSync('python3', ['-c', LZMA_ENCODE], { input: wasm, maxBuffer: 1 << 26 });
const decoderTarget = join(root, 'target', 'unlzma');
run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--manifest-path', join(root, 'unlzma', 'Cargo.toml')], {
  CARGO_TARGET_DIR: decoderTarget,
});
const decoderPath = join(build, 'unlzma.wasm');
run(join(bin, 'wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', '--strip-target-features', join(decoderTarget, 'wasm32-unknown-unknown', 'release', 'unlzma.wasm'), '-o', decoderPath]);
const decoder = readFileSync(decoderPath);
const { unpack } = await import(join(template, 'unpack.js'));
if (Buffer.compare(Buffer.from(unpack(decoder, packed, wasm.length)), wasm) !== 0) {
  throw new Error('build-pkg: the LZMA round trip does not give the wasm back');
}
// The decoder as a string of one char per byte (U+0000..U+00FF), written as UTF-8: byte-aligned, so
// gzip finds the same matches as in the binary. Only the quote, the backslash and line terminators
// need escapes. esbuild would re-escape control bytes (\0, \x01...): it bundles a placeholder, and
// the literal goes in afterwards.
const escapes = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r' };
const decoderLiteral = `"${Array.from(decoder, (b) => escapes[b] ?? String.fromCharCode(b)).join('')}"`;
const PLACEHOLDER = '__INTEGRATIONS_CLIENT_DECODER__';
writeFileSync(
  join(build, 'wasm-bytes.js'),
  `export const decoder = "${PLACEHOLDER}";\nexport const packed = "${packed.toString('base64')}";\nexport const size = ${wasm.length};\n`,
  'utf8',
);

// 5 (first, since the entry's export list comes from it). The types: drop the loader API that
// index.js keeps to itself, and `[Symbol.dispose]`, which would force consumers onto
// lib `esnext.disposable` (the method still exists at run time).
// The hand-written types (pkg-template/types.d.ts: options, wire types, snapshots, logs) go first,
// then wasm-bindgen's classes and functions, whose signatures name them.
let dts = readFileSync(join(build, 'integrations_client.d.ts'), 'utf8');
dts = dts.slice(0, dts.indexOf('export type InitInput')).replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/gm, '');
// What the glue exports (TokenData, declared in types.d.ts, is pkg-template/tokens.js's).
const exported = [...dts.matchAll(/^export (?:declare )?(?:function|class) (\w+)/gm)].map((m) => m[1]).sort();
// The functions that return a promise: before init(), slim.js makes them reject instead of throw.
const asyncExported = [...dts.matchAll(/^export (?:declare )?function (\w+)\(.*\): Promise<.*;$/gm)].map((m) => m[1]).sort();
dts = `${readFileSync(join(template, 'types.d.ts'), 'utf8').replace(/^(?:\/\/.*\n)+/, '')}\n${dts}`;

// 4. The entries.
// The slim entry's glue is its wasm's own; the API is the same (checked here), the wasm within differs.
if (readFileSync(join(slimBuild, 'integrations_client.d.ts'), 'utf8') !== readFileSync(join(build, 'integrations_client.d.ts'), 'utf8')) {
  throw new Error('build-pkg: the slim wasm exports another API than the default one');
}
for (const file of readdirSync(template)) {
  if (file.endsWith('.js')) for (const dir of [build, slimBuild]) cpSync(join(template, file), join(dir, file));
}
const entry = readFileSync(join(build, 'index.js'), 'utf8').replace('/* EXPORTS */', exported.join(', '));
writeFileSync(join(build, 'index.js'), entry);
const slim = readFileSync(join(slimBuild, 'slim.js'), 'utf8')
  .replace('/* EXPORTS */', exported.map((name) => `${name} = guarded(${JSON.stringify(name)})`).join(', '))
  .replace('/* ASYNC EXPORTS */', asyncExported.map((name) => JSON.stringify(name)).join(', '));
writeFileSync(join(slimBuild, 'slim.js'), slim);
rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
const entries = readdirSync(template).filter((f) => f.endsWith('.js') && !['boundary.js', 'error.js', 'tokens.js', 'unpack.js'].includes(f));
// slim.js is ESM only: its wasm's URL comes from import.meta.url.
const ESM_ONLY = ['slim.js'];
// The glue's properties that name the wasm's imports and exports get the short names (the
// mangle cache; quoted keys too: the import module's name), and wasm-bindgen's private
// properties get short names of esbuild's choosing (nothing outside the bundle reads them).
const manglePrivate = ['__wbg_ptr', '__destroy_into_raw', '__wrap', '_wbg_cb_unref'];
for (const name of entries) {
  // slim.js bundles the slim wasm's glue, with that wasm's short names.
  const [dir, names] = name === 'slim.js' ? [slimBuild, slimWasm.shortNames] : [build, shortNames];
  const mangleProps = new RegExp(`^(?:${[...Object.keys(names), ...manglePrivate].map(escapeRegExp).join('|')})$`);
  for (const [format, ext] of ESM_ONLY.includes(name) ? [['esm', 'js']] : [['esm', 'js'], ['cjs', 'cjs']]) {
    const { mangleCache: used } = await esbuild.build({
      entryPoints: [join(dir, name)],
      bundle: true,
      format,
      platform: 'neutral',
      target: 'es2020',
      external: ['react'],
      logOverride: { 'empty-import-meta': 'silent' },
      minify: true,
      mangleProps,
      mangleQuoted: true,
      mangleCache: names,
      charset: 'utf8',
      outfile: join(pkg, name.replace(/\.js$/, `.${ext}`)),
      logLevel: 'warning',
    });
    // esbuild keeps a cached name as given; one it had to choose would not match the wasm.
    const changed = Object.entries(names).filter(([from, to]) => used[from] !== to);
    if (changed.length) throw new Error(`build-pkg: esbuild renamed ${changed.map(([from]) => from)} otherwise than wasm-opt`);
  }
}

// terser after esbuild: three compress passes and top-level mangling find what esbuild's single
// pass leaves (-0.34 KB gzip), and the glue's import functions become arrows (-0.06 KB; wasm
// calls them, nothing constructs them or reads their `this`). Then the decoder literal goes in.
for (const file of readdirSync(pkg).filter((f) => /\.c?js$/.test(f))) {
  const { code } = await minify(readFileSync(join(pkg, file), 'utf8'), {
    module: file.endsWith('.js'),
    toplevel: true,
    ecma: 2020,
    compress: { passes: 3, unsafe_arrows: true },
  });
  const placeholder = new RegExp(`(["'\`])${PLACEHOLDER}\\1`);
  writeFileSync(join(pkg, file), code.replace(placeholder, () => decoderLiteral), 'utf8');
}

// The slim entry's wasm, beside it; bundlers find it only through this exact pattern, so the
// build fails if minifying changed it.
writeFileSync(join(pkg, WASM_FILE), slimWasm.wasm);
const slimCode = readFileSync(join(pkg, 'slim.js'), 'utf8');
if (!new RegExp(`new URL\\((["'])\\./${WASM_FILE.replaceAll('.', '\\.')}\\1, ?import\\.meta\\.url\\)`).test(slimCode)) {
  throw new Error(`build-pkg: pkg/slim.js lost the literal new URL('./${WASM_FILE}', import.meta.url)`);
}

// Each entry runs, in a Node of its own, and has every export: a glue that reached the wasm by a
// name the mangle cache missed fails here, not in a user's app.
const smoke = `
  const names = ${JSON.stringify(['DEFAULT_RETRY_CONFIG', 'IntegrationError', 'TokenData', ...exported])};
  const check = (entry, api) => {
    const missing = names.filter((name) => api[name] === undefined);
    if (missing.length) throw new Error(entry + ' lacks ' + missing);
    new api.IntegrationsClient({ baseUrl: 'http://localhost' }).dispose();
  };
  check('index.js', await import('./pkg/index.js'));
  check('index.cjs', (await import('node:module')).createRequire(import.meta.url)('./pkg/index.cjs'));
  const slim = await import('./pkg/slim.js');
  await slim.init();
  check('slim.js', slim);
`;
execFileSync(process.execPath, ['--input-type=module', '-e', smoke], { cwd: root, stdio: 'inherit' });

// 5. Types, and their CJS twins (a .d.ts in a "type": "module" package describes ESM only).
writeFileSync(join(build, 'integrations_client.d.ts'), dts);
const typeFiles = [join(build, 'integrations_client.d.ts'), ...readdirSync(template).filter((f) => f.endsWith('.d.ts') && f !== 'types.d.ts').map((f) => join(template, f))];
for (const file of typeFiles) {
  const name = file.split('/').pop();
  const text = readFileSync(file, 'utf8');
  writeFileSync(join(pkg, name), text);
  if (ESM_ONLY.includes(name.replace(/\.d\.ts$/, '.js'))) continue;
  writeFileSync(join(pkg, name.replace(/\.d\.ts$/, '.d.cts')), text.replace(/(from\s+["']\.\/[\w-]+)\.js(["'])/g, '$1.cjs$2'));
}

// 6. package.json and README.
const version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const manifest = JSON.parse(readFileSync(join(template, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
cpSync(join(root, 'README.md'), join(pkg, 'README.md'));

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const weigh = (bytes) => `${kb(bytes.length)} raw, ${kb(gzipSync(bytes, { level: 9 }).length)} gzip`;
// What most hosts serve: gzip -9 and brotli -11 (the slim entry's files are fetched as they are).
const served = (bytes) => {
  const gz = gzipSync(bytes, { level: 9 }).length;
  const br = brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length;
  return { gz, br, line: `${kb(bytes.length)} raw, ${kb(gz)} gzip -9 (${gz} bytes), ${kb(br)} brotli -11 (${br} bytes)` };
};
// The budget itself (API.md §1), not $PKG_BUDGET_BYTES: nothing set outside can raise it.
const entryWeight = checkBudget(join(pkg, 'index.js'), DEFAULT_BUDGET);
const [slimJs, slimFile] = [served(Buffer.from(slimCode)), served(slimWasm.wasm)];
console.log(`pkg/ written (integrations-client ${version})`);
console.log(`  wasm alone:                      ${weigh(wasm)}`);
console.log(`  wasm LZMA-packed, and decoder:   ${(packed.length / 1024).toFixed(1)} KB, ${weigh(decoder)}`);
console.log(`  default entry (wasm inlined+JS): ${entryWeight.line}`);
console.log(`  slim entry, slim.js:             ${slimJs.line}`);
console.log(`  slim entry, its wasm file:       ${slimFile.line}`);
console.log(`  slim entry, both:                ${kb(slimJs.gz + slimFile.gz)} gzip -9, ${kb(slimJs.br + slimFile.br)} brotli -11`);
// Over the budget, the build fails: no change can take the entry over it unnoticed.
if (!entryWeight.ok) {
  console.error('build-pkg: FAILED: the default entry is over the weight budget (scripts/check-budget.mjs; README, "Size")');
  process.exitCode = 1;
}

/**
 * The mangle cache that gives the glue the wasm's short names: each export's and each import's
 * name as wasm-bindgen wrote it, and the import module's, to the name wasm-opt gave it.
 */
function mangleCache({ imports, exports }, wasmImports) {
  const modules = new Set(wasmImports.map((i) => i.module));
  const originals = new Set(imports.map(([module]) => module));
  // wasm-opt gives every module one short name: an import taken straight from a snippet would be a second module.
  if (modules.size !== 1 || originals.size !== 1) throw new Error(`build-pkg: expected one import module, got ${[...originals]}`);
  return Object.fromEntries([...exports, ...imports.map(([, from, to]) => [from, to]), [[...originals][0], [...modules][0]]]);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
