// One level down: a CPU profile of a function, summarised by where the time went (wasm, the
// wasm-bindgen glue, Node's fetch, V8, GC), and a count of the calls across the wasm boundary.
import { Session } from 'node:inspector/promises';
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { pkgEntry, pkgUrl } from './common.mjs';

// wasm-function[N] → its Rust name, when the weight section could rebuild the wasm with names.
let wasmNames;
function wasmName(functionName) {
  if (wasmNames === undefined) {
    try {
      wasmNames = process.env.BENCH_WASM_NAMES ? JSON.parse(readFileSync(process.env.BENCH_WASM_NAMES, 'utf8')) : null;
    } catch {
      wasmNames = null;
    }
  }
  const m = /^wasm-function\[(\d+)\]$/.exec(functionName);
  return (m && wasmNames?.[m[1]]) || functionName;
}

// The package is minified: an anonymous glue function is named by the source at its start.
let pkgLines;
function glueSnippet({ lineNumber, columnNumber }) {
  pkgLines ??= readFileSync(pkgEntry, 'utf8').split('\n');
  const line = pkgLines[lineNumber] ?? '';
  return line.slice(Math.max(0, columnNumber - 30), columnNumber + 50).replace(/[^\x20-\x7e]/g, '?');
}

// Wasm frames are ours unless Node called them (undici's HTTP parser, llhttp, is wasm too).
function category(frame, callerUrl) {
  const { url, functionName } = frame;
  if (url.startsWith('wasm://')) {
    if (callerUrl.startsWith('node:')) return 'Node internals (fetch/undici, streams, timers)';
    if (/^(js-to-wasm|wasm-to-js)/.test(functionName)) return 'wasm <-> JS call stubs';
    return 'wasm (Rust)';
  }
  if (url === pkgUrl) return 'JS glue of the package (pkg/index.js)';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle (waiting for I/O)';
  if (functionName === '(program)') return 'V8 / native (program)';
  if (url === 'node:internal/encoding') return 'TextDecoder/TextEncoder (called by the glue)';
  if (url.startsWith('node:')) return 'Node internals (fetch/undici, streams, timers)';
  if (url.includes('/bench/node_modules/')) return `library (${url.split('/bench/node_modules/')[1].split('/')[0]})`;
  if (url === '') return 'V8 built-ins (JSON.parse, Reflect, ...)';
  return 'bench harness';
}

/** Profiles `fn` (async), and returns the self time per category and the top functions. */
export async function profile(fn, { intervalUs = 100, top = 8 } = {}) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  await fn();
  const { profile: p } = await session.post('Profiler.stop');
  await session.post('Profiler.disable');
  session.disconnect();

  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const callerUrl = (id) => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const { url } = byId.get(at).callFrame;
      if (!url.startsWith('wasm://')) return url;
    }
    return '';
  };
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0; // the time until the next sample belongs to this one
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const categories = new Map();
  const fns = new Map();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const cat = category(callFrame, callFrame.url.startsWith('wasm://') ? callerUrl(id) : '');
    categories.set(cat, (categories.get(cat) ?? 0) + us);
    const fname = cat === 'wasm (Rust)' ? wasmName(callFrame.functionName) : callFrame.functionName;
    const name = `${fname || '(anonymous)'}${callFrame.url && !callFrame.url.startsWith('wasm://') ? ` (${basename(callFrame.url)})` : ''}`;
    const key = `${cat}\u0000${name}${callFrame.url === pkgUrl ? `\u0000${glueSnippet(callFrame)}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us) => Math.round((1000 * us) / total) / 10;
  return {
    totalMs: total / 1000,
    categories: [...categories].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, pct: pct(us) })),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => {
      const [cat, name, source] = k.split('\u0000');
      return { name, category: cat, pct: pct(us), ...(source && { source }) };
    }),
  };
}

/**
 * Counts the calls across the wasm boundary, both ways. Call before the package is imported:
 * it wraps `WebAssembly.Instance` so that every import (wasm → JS) and export (JS → wasm) counts.
 */
export function countBoundaryCalls() {
  const counts = { wasmToJs: 0, jsToWasm: 0, byImport: new Map() };
  const short = (name) => name.replace(/^__wbg_+/, '').replace(/^_*wbindgen_/, '').replace(/_[0-9a-f]{16}$/, '');
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function CountingInstance(module, imports) {
    const wrapped = {};
    for (const [ns, fns] of Object.entries(imports ?? {})) {
      wrapped[ns] = {};
      for (const [name, f] of Object.entries(fns)) {
        const key = short(name);
        // wasm-bindgen's numbered `generic` shims are named by what they hand to JS.
        const generic = /^generic/.test(key);
        wrapped[ns][name] = typeof f === 'function'
          ? function (...args) {
            counts.wasmToJs++;
            const result = f.apply(this, args);
            const label = generic ? `${typeof result} out of wasm` : key;
            counts.byImport.set(label, (counts.byImport.get(label) ?? 0) + 1);
            return result;
          }
          : f;
      }
    }
    const instance = new Instance(module, wrapped);
    const exports = {};
    for (const [name, f] of Object.entries(instance.exports)) {
      exports[name] = typeof f === 'function' ? (...args) => { counts.jsToWasm++; return f(...args); } : f;
    }
    return { exports };
  };
  WebAssembly.Instance.prototype = Instance.prototype;
  return counts;
}
