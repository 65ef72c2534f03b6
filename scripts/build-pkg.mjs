#!/usr/bin/env node
// Builds the npm package into pkg/ from the Rust crate and pkg-template/:
//   1. the wasm, as a cdylib alone so that LTO stays on (TOOLCHAIN.md);
//   2. wasm-bindgen's `web` glue (the only target whose init takes bytes synchronously);
//   3. npm binaryen's wasm-opt -Oz, once, then the bytes as a latin1 string module;
//   4. each entry bundled by esbuild twice, ESM and CJS, with the wasm inlined so that
//      it is ready when the import resolves, in Node, bundlers and browsers alike;
//   5. the types: wasm-bindgen's d.ts without its loader API, plus .d.cts twins for `require`;
//   6. package.json with the crate's version; then prints the package weight.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules', '.bin');
const build = join(root, 'target', 'pkg-build');
const pkg = join(root, 'pkg');
const template = join(root, 'pkg-template');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// 1. The wasm.
run('cargo', ['rustc', '--lib', '--release', '--target', 'wasm32-unknown-unknown', '--crate-type', 'cdylib']);
const rawWasm = join(root, 'target', 'wasm32-unknown-unknown', 'release', 'integrations_client.wasm');

// 2. The glue.
rmSync(build, { recursive: true, force: true });
mkdirSync(build, { recursive: true });
run('wasm-bindgen', ['--target', 'web', '--out-dir', build, '--out-name', 'integrations_client', rawWasm]);

// 3. Optimise once; wasm-opt reads the features from the target_features section, then strips it.
const wasmPath = join(build, 'integrations_client_bg.wasm');
run(join(bin, 'wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', '--strip-target-features', wasmPath, '-o', wasmPath]);
const wasm = readFileSync(wasmPath);
// The wasm as a string of one char per byte (U+0000..U+00FF), written as UTF-8: byte-aligned, so
// gzip finds the same matches as in the binary (base64 costs ~25% more gzipped). Only the quote,
// the backslash and line terminators need escapes.
const escapes = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r' };
const wasmLiteral = `"${Array.from(wasm, (b) => escapes[b] ?? String.fromCharCode(b)).join('')}"`;
// esbuild would re-escape control bytes (\0, \x01...), costing 5 KB gzip: it bundles a
// placeholder, and the literal goes in afterwards.
const PLACEHOLDER = '__INTEGRATIONS_CLIENT_WASM__';
writeFileSync(join(build, 'wasm-bytes.js'), `export default "${PLACEHOLDER}";\n`, 'utf8');

// 5 (first, since the entry's export list comes from it). The types: drop the loader API that
// index.js keeps to itself, and `[Symbol.dispose]`, which would force consumers onto
// lib `esnext.disposable` (the method still exists at run time).
let dts = readFileSync(join(build, 'integrations_client.d.ts'), 'utf8');
dts = dts.slice(0, dts.indexOf('export type InitInput')).replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/gm, '');
const exported = [...dts.matchAll(/^export (?:declare )?(?:function|class) (\w+)/gm)].map((m) => m[1]).sort();

// 4. The entries.
for (const file of readdirSync(template)) {
  if (file.endsWith('.js')) cpSync(join(template, file), join(build, file));
}
const entry = readFileSync(join(build, 'index.js'), 'utf8').replace('/* EXPORTS */', exported.join(', '));
writeFileSync(join(build, 'index.js'), entry);
rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
const entries = readdirSync(template).filter((f) => f.endsWith('.js') && !['error.js'].includes(f));
for (const name of entries) {
  for (const [format, ext] of [['esm', 'js'], ['cjs', 'cjs']]) {
    run(join(bin, 'esbuild'), [
      join(build, name),
      '--bundle',
      `--format=${format}`,
      '--platform=neutral',
      '--target=es2020',
      '--external:react',
      '--log-override:empty-import-meta=silent',
      '--minify',
      '--charset=utf8',
      `--outfile=${join(pkg, name.replace(/\.js$/, `.${ext}`))}`,
      '--log-level=warning',
    ]);
  }
}

for (const file of readdirSync(pkg).filter((f) => /\.c?js$/.test(f))) {
  const code = readFileSync(join(pkg, file), 'utf8');
  const placeholder = new RegExp(`(["'\`])${PLACEHOLDER}\\1`);
  if (placeholder.test(code)) writeFileSync(join(pkg, file), code.replace(placeholder, () => wasmLiteral), 'utf8');
}

// 5. Types, and their CJS twins (a .d.ts in a "type": "module" package describes ESM only).
writeFileSync(join(build, 'integrations_client.d.ts'), dts);
const typeFiles = [join(build, 'integrations_client.d.ts'), ...readdirSync(template).filter((f) => f.endsWith('.d.ts')).map((f) => join(template, f))];
for (const file of typeFiles) {
  const name = file.split('/').pop();
  const text = readFileSync(file, 'utf8');
  writeFileSync(join(pkg, name), text);
  writeFileSync(join(pkg, name.replace(/\.d\.ts$/, '.d.cts')), text.replace(/(from\s+["']\.\/[\w-]+)\.js(["'])/g, '$1.cjs$2'));
}

// 6. package.json and README.
const version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const manifest = JSON.parse(readFileSync(join(template, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
cpSync(join(root, 'README.md'), join(pkg, 'README.md'));

const size = (bytes) => `${(bytes.length / 1024).toFixed(1)} KB raw, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KB gzip`;
const defaultEntry = readFileSync(join(pkg, 'index.js'));
const budget = 45 * 1024;
const gz = gzipSync(defaultEntry, { level: 9 }).length;
console.log(`pkg/ written (integrations-client ${version})`);
console.log(`  wasm alone:                      ${size(wasm)}`);
const verdict = gz <= budget ? 'within' : `OVER by ${((gz - budget) / 1024).toFixed(1)} KB (see README, "Size")`;
console.log(`  default entry (wasm inlined+JS): ${size(defaultEntry)}  (budget 45 KB gzip: ${verdict})`);
