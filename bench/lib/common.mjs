// Shared helpers of the benchmark sections: paths, statistics, formatting, the mock server.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const root = join(benchDir, '..');
/**
 * The package under test: this checkout's pkg/, or BENCH_PKG, a copy of it (make bench-baseline
 * takes one after building, so that a rebuild of pkg/ during the run cannot mix two builds).
 */
export const pkgDir = process.env.BENCH_PKG ? resolve(root, process.env.BENCH_PKG) : join(root, 'pkg');
/** The package as users get it: the default ESM entry, with the wasm inlined. */
export const pkgEntry = join(pkgDir, 'index.js');
export const pkgUrl = pathToFileURL(pkgEntry).href;
/** The slim entry (ESM only; its wasm is a file beside it, built with the `bytes` feature). */
export const slimEntry = join(pkgDir, 'slim.js');
export const slimUrl = pathToFileURL(slimEntry).href;
/** The slim entry, its wasm loaded: a wasm instance of its own beside the default entry's. */
export async function loadSlim() {
  const slim = await import(slimUrl);
  await slim.init();
  return slim;
}
export const mockServerPath = join(root, 'tests', 'support', 'mock-server.mjs');

/**
 * The package to compare with, when `BENCH_BASELINE` names a directory holding a built `pkg/`
 * (or the `pkg/` itself): its default entry and the label the tables use ("before (commit X)").
 * A relative path is taken from the current directory, else from the repository root. run.mjs
 * resolves it once and hands the sections the absolute path and the label. Null when unset.
 */
export function resolveBaseline(value = process.env.BENCH_BASELINE) {
  if (!value) return null;
  const candidates = isAbsolute(value) ? [value] : [resolve(value), resolve(root, value)];
  for (const dir of candidates) {
    for (const pkgDir of [join(dir, 'pkg'), dir]) {
      const entry = join(pkgDir, 'index.js');
      if (existsSync(entry)) return { dir, pkgDir, entry, url: pathToFileURL(entry).href, label: process.env.BENCH_BASELINE_LABEL || 'baseline' };
    }
  }
  throw new Error(`BENCH_BASELINE=${value}: no pkg/index.js there (tried ${candidates.join(', ')}); build it first (make bench-baseline does)`);
}
export const baseline = resolveBaseline();

export function assertPkg() {
  if (!existsSync(pkgEntry)) {
    throw new Error(`${pkgEntry} is missing: build the package first (make pkg, or node scripts/build-pkg.mjs)`);
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const min = (xs) => Math.min(...xs);
export const max = (xs) => Math.max(...xs);

/** A section's result goes to the parent as one JSON line on stdout, tagged so logs can't clash. */
export function report(result) {
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function gc() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

/**
 * Starts the project's mock integrations API in a child process (its CLI mode), so that the
 * server's work runs on the other core and does not share the client's event loop.
 */
export async function startMockServerProcess() {
  const child = spawn(process.execPath, [mockServerPath, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop); // a failing section leaves no server behind
  const url = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const m = /^MOCK_URL=(.+)$/.exec(line);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`mock server exited with ${code}`)));
  });
  const control = async (method, op, body) => {
    const r = await fetch(`${url}/__control/${op}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`control ${op}: HTTP ${r.status}`);
    return r.json();
  };
  return {
    url,
    statusUrl: `${url}/api/integrations/status`,
    configure: (cfg) => control('POST', 'config', cfg),
    generate: (n) => control('POST', 'accounts', { generate: n }),
    reset: () => control('POST', 'reset'),
    statusRequests: async () => (await control('GET', 'requests?route=status')).requests.length,
    close: () => new Promise((resolve) => {
      process.off('exit', stop);
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}
