// Just enough of the wasm binary format to say where the bytes of the package's wasm go: sizes of
// sections, of each function body, the names of functions, and which crate a Rust symbol is from.
const SECTION = { 0: 'custom', 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory', 6: 'global', 7: 'export', 8: 'start', 9: 'element', 10: 'code', 11: 'data', 12: 'data count' };

function reader(bytes, at = 0) {
  const r = {
    at,
    u8: () => bytes[r.at++],
    leb() {
      let result = 0;
      let shift = 0;
      let b;
      do {
        b = bytes[r.at++];
        result += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return result;
    },
    name() {
      const n = r.leb();
      const s = Buffer.from(bytes.buffer, bytes.byteOffset + r.at, n).toString('utf8');
      r.at += n;
      return s;
    },
  };
  return r;
}

/** [{ id, name, start, size }] with `start` at the section's content. */
export function sections(bytes) {
  const r = reader(bytes, 8);
  const out = [];
  while (r.at < bytes.length) {
    const id = r.u8();
    const size = r.leb();
    const start = r.at;
    let name = SECTION[id] ?? `unknown ${id}`;
    if (id === 0) name = `custom "${reader(bytes, start).name()}"`;
    out.push({ id, name, start, size });
    r.at = start + size;
  }
  return out;
}

function importedFunctions(bytes) {
  const imp = sections(bytes).find((s) => s.id === 2);
  if (!imp) return 0;
  const r = reader(bytes, imp.start);
  let count = 0;
  for (let i = r.leb(); i > 0; i--) {
    r.name();
    r.name();
    const kind = r.u8();
    if (kind === 0) { r.leb(); count++; } // function: type index
    else if (kind === 1) { r.u8(); const f = r.leb(); r.leb(); if (f & 1) r.leb(); } // table
    else if (kind === 2) { const f = r.leb(); r.leb(); if (f & 1) r.leb(); } // memory
    else if (kind === 3) { r.u8(); r.u8(); } // global
    else if (kind === 4) { r.u8(); r.leb(); } // tag
  }
  return count;
}

/** { index → body size } for every defined function, by its function index. */
export function bodySizes(bytes) {
  const code = sections(bytes).find((s) => s.id === 10);
  const base = importedFunctions(bytes);
  const r = reader(bytes, code.start);
  const sizes = new Map();
  const n = r.leb();
  for (let i = 0; i < n; i++) {
    const size = r.leb();
    sizes.set(base + i, size);
    r.at += size;
  }
  return { sizes, code: Buffer.from(bytes.buffer, bytes.byteOffset + code.start, code.size) };
}

/** { index → name } from the "name" custom section. */
export function functionNames(bytes) {
  const sec = sections(bytes).find((s) => s.name === 'custom "name"');
  const names = new Map();
  if (!sec) return names;
  const r = reader(bytes, sec.start);
  r.name();
  while (r.at < sec.start + sec.size) {
    const sub = r.u8();
    const size = r.leb();
    const end = r.at + size;
    if (sub === 1) {
      for (let i = r.leb(); i > 0; i--) {
        const index = r.leb();
        names.set(index, r.name());
      }
    }
    r.at = end;
  }
  return names;
}

/** A readable Rust symbol from a legacy-mangled one (`_ZN...17h<hash>E`). */
export function demangle(symbol) {
  const m = /^_ZN(.*)E$/.exec(symbol);
  if (!m) return symbol;
  const parts = [];
  let s = m[1];
  while (s.length) {
    const len = /^\d+/.exec(s);
    if (!len) break;
    const n = Number(len[0]);
    parts.push(s.slice(len[0].length, len[0].length + n));
    s = s.slice(len[0].length + n);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  return parts.join('::')
    .replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$RF\$/g, '&').replace(/\$BP\$/g, '*')
    .replace(/\$u20\$/g, ' ').replace(/\$C\$/g, ',').replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}')
    .replace(/\$u27\$/g, "'").replace(/\$u5b\$/g, '[').replace(/\$u5d\$/g, ']').replace(/\$u3b\$/g, ';')
    .replace(/\.\./g, '::').replace(/^_</, '<');
}

/** The crate a symbol's code comes from (for a trait impl, the implementing type's crate). */
export function crateOf(name) {
  const d = demangle(name).replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
  if (/ shim$|^__wbg|^__wbindgen|^__externref/.test(d)) return 'wasm-bindgen shims (exports, with bodies inlined)';
  if (!d.includes('::')) return 'compiler builtins / libc (memcpy, fmin, ...)';
  const m = /([A-Za-z_][A-Za-z0-9_]*)::/.exec(d.replace(/^(<|&|mut |\*const |\*mut |impl )+/, ''));
  const crate = m ? m[1] : 'other';
  if (['core', 'alloc', 'std'].includes(crate)) return 'core / alloc / std (fmt, collections, str)';
  return crate.replace(/_/g, '-');
}

/** A short readable name: no hashes, no crate disambiguators. */
export function shortName(name) {
  return demangle(name).replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
}
