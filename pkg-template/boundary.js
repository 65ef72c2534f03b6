// The platform calls of the wasm boundary (src/wasm/), each made in one crossing where wasm alone
// would need a chain of generic ones (Reflect.get, typeof tests, argument arrays for
// Reflect.apply, Function.prototype.bind), and answering `undefined` where the platform throws,
// so that the glue needs no catch wrapper. wasm-bindgen imports this file as a module snippet.
// `wake(kind, id, value, more)` is the driver's one callback into Rust (src/wasm/driver.rs).
// Conversions and effects only: no rule about the integrations API lives here (STYLE.md).

/** A promise whose executor hands its functions to `wake(kind, id, resolve, reject)`. */
export function promise(wake, kind, id) {
  return new Promise((resolve, reject) => wake(kind, id, resolve, reject));
}

/** When `value` (a promise, or not) settles: `wake(kind, id, what it gave)`, or `wake(failed, id, why)`. */
export function settled(value, wake, kind, failed, id) {
  Promise.resolve(value).then(
    (given) => wake(kind, id, given),
    (why) => wake(failed, id, why),
  );
}

const UNREADABLE = Symbol.for('unreadable');

/**
 * `target[key]`, for the wasm's reads of JavaScript values: `undefined` when `target` is not an
 * object or a function; what a getter or proxy trap throws reads as a symbol, which every type
 * check refuses, so that a value that cannot be read is never taken for one that is absent.
 */
export function read(target, key) {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return undefined;
  try {
    return Reflect.get(target, key);
  } catch {
    return UNREADABLE;
  }
}

/**
 * The kind of a value, numbered as `JsonKind` in src/json.rs: null 0, boolean 1, number 2,
 * string 3, array 4, plain object 5 (its prototype `Object.prototype` of any realm, or none),
 * another object or a function 6, anything else or what cannot be read (a revoked proxy) 7.
 */
export function kind(value) {
  switch (typeof value) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
    case 'function':
      return 6;
    case 'object':
      break;
    default:
      return 7;
  }
  if (value === null) return 0;
  try {
    if (Array.isArray(value)) return 4;
    const proto = Object.getPrototypeOf(value);
    return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null ? 5 : 6;
  } catch {
    return 7;
  }
}

/** `value` when it is a string of at most `max` UTF-16 code units, so that no longer one is copied into wasm. */
export function stringWithin(value, max) {
  return typeof value === 'string' && value.length <= max ? value : undefined;
}

/** `target[key] = value`, on an object the wasm has just made (its keys are the wasm's own names). */
export function set(target, key, value) {
  target[key] = value;
}

/** `f(value)`, for a callback whose errors are its owner's (a logger, a subscriber): what it throws is dropped. */
export function invoke(f, value) {
  try {
    f(value);
  } catch {
    // the caller's callback failed; the operation it was told about goes on
  }
}

/** Calls `listener` when `signal` aborts; returns the function that stops that, or `undefined` for what is not an `AbortSignal`. */
export function listen(signal, listener) {
  try {
    const remove = signal.removeEventListener.bind(signal, 'abort', listener);
    signal.addEventListener('abort', listener);
    return remove;
  } catch {
    return undefined;
  }
}

/** Adds (or removes) the window's `focus` and `online` listeners and the document's `visibilitychange` one, in a page. */
export function windowEvents(add, focus, online, visibility) {
  const { document } = globalThis;
  if (document === undefined) return;
  const method = add ? 'addEventListener' : 'removeEventListener';
  try {
    globalThis[method]('focus', focus);
    globalThis[method]('online', online);
    document[method]('visibilitychange', visibility);
  } catch {
    // a page without these events has nothing to revalidate on
  }
}

/** Whether the page is hidden (never outside a page). */
export function hidden() {
  return globalThis.document?.visibilityState === 'hidden';
}

/** A log entry to the caller's `logger`, or else to `console[method](message, entry)`; what they throw is dropped. */
export function log(logger, method, message, entry) {
  try {
    if (logger === undefined) console[method](message, entry);
    else logger(entry);
  } catch {
    // a logger that throws must not break what it logs
  }
}

/** Asks `locks` (Web Locks) for the lock `name`, held while `granted`'s promise is pending; returns the controller that withdraws the request, or `undefined` when it could not ask. */
export function lock(locks, name, granted) {
  try {
    const withdraw = new AbortController();
    // Withdrawn before it was granted, the request rejects: nobody waits for that.
    Promise.resolve(locks.request(name, { signal: withdraw.signal }, granted)).catch(() => {});
    return withdraw;
  } catch {
    return undefined;
  }
}

/** Calls `held` when it is a function (a lock's release), else `held.abort()` (a controller's: a lock request withdrawn, an attempt aborted). */
export function release(held) {
  try {
    if (typeof held === 'function') held();
    else held.abort();
  } catch {
    // nothing is held any more
  }
}

/** `wake` bound to `kind` and `id`: a callback of its own, with no Rust closure. */
export function bound(wake, kind, id) {
  return wake.bind(null, kind, id);
}

/** What `fetch` resolved with, before its body: its `Retry-After` and the promise of its text; `undefined` for what is not a `Response`. */
export function headAndText(response) {
  try {
    return [response.headers.get('retry-after'), response.text()];
  } catch {
    return undefined;
  }
}

/**
 * The tab's Web Locks and a new `BroadcastChannel` named `name` that calls `onMessage` with each
 * message event, as `[locks, channel]`; `undefined` where the platform lacks either.
 */
export function openTabs(name, onMessage) {
  try {
    const locks = globalThis.navigator?.locks;
    if (typeof locks?.request !== 'function') return undefined;
    const channel = new BroadcastChannel(name);
    channel.addEventListener('message', onMessage);
    // Node keeps a process alive while a channel is open: this one must not.
    channel.unref?.();
    return [locks, channel];
  } catch {
    return undefined;
  }
}

/**
 * An `IntegrationError` of `fields`: an instance of `Class`, the class the package entry
 * registered, or without one (the crate's wasm tests) a plain `Error` with the same fields and brand.
 */
export function make(Class, fields) {
  if (typeof Class === 'function') return new Class(fields);
  const { message, ...rest } = fields;
  return Object.assign(new Error(message), { name: 'IntegrationError' }, rest, { [Symbol.for('integrations-client.IntegrationError')]: true });
}

/** `channel.postMessage(message)`; `channel.close()` when `message` is `undefined`. What they throw (a closed channel) is dropped. */
export function post(channel, message) {
  try {
    if (message === undefined) channel.close();
    else channel.postMessage(message);
  } catch {
    // nothing more to tell
  }
}

/** `value` when it is a string without a lone surrogate (a copy into wasm would change one to U+FFFD). */
export function wellFormed(value) {
  if (typeof value !== 'string') return undefined;
  if (!/[\uD800-\uDFFF]/.test(value)) return value;
  try {
    encodeURIComponent(value); // throws on a lone surrogate
    return value;
  } catch {
    return undefined;
  }
}

/**
 * A fresh uuid v4 (RFC 9562), the format of correlation ids and idempotency keys: from the
 * platform's CSPRNG (`crypto.getRandomValues`: browsers, insecure contexts included, and Node
 * >= 19), else from `Math.random`.
 */
export function uuid() {
  const b = new Uint8Array(16);
  try {
    crypto.getRandomValues(b);
  } catch {
    for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A date's epoch milliseconds (`NaN` for an invalid one, or for what only looks like a date); `undefined` for anything else. */
export function dateMs(value) {
  try {
    if (!(value instanceof Date)) return undefined;
  } catch {
    return undefined; // a proxy whose prototype cannot be read
  }
  try {
    return Date.prototype.getTime.call(value);
  } catch {
    return NaN; // `Object.create(Date.prototype)`, a proxy: no date inside
  }
}

/** A new plain object with `value`'s own enumerable properties, each defined, not assigned: a `"__proto__"` key stays a key; `undefined` when they cannot be read. */
export function copy(value) {
  try {
    return Object.fromEntries(Object.entries(value));
  } catch {
    return undefined;
  }
}

/** Defines `target[key] = value` (a `"__proto__"` key stays a key). */
export function define(target, key, value) {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** `new URL(text)`, or `undefined` for a text it does not parse. */
export function url(text) {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** `new AbortController()`, or `undefined` on a platform without one. */
export function controller() {
  try {
    return new AbortController();
  } catch {
    return undefined;
  }
}

/** `JSON.parse(text)`, or `undefined` for what is not JSON. */
export function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `text` encoded as UTF-8 into wasm `memory` at `at`, `room` bytes there: the bytes written when
 * the whole text fit, else minus its length in UTF-16 units (room enough for an ASCII text; three
 * bytes per unit hold any); `undefined` for what is not a string. The slim wasm's copy of a
 * response's text (src/wasm/transport.rs).
 */
export function encodeInto(text, memory, at, room) {
  if (typeof text !== 'string') return undefined;
  const { read, written } = new TextEncoder().encodeInto(text, new Uint8Array(memory.buffer, at, room));
  return read === text.length ? written : -text.length;
}

/** `JSON.stringify(value)`, or `undefined` when it throws (a cycle, a BigInt, a getter). */
export function text(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** `Object.keys(value)`, or `undefined` when they cannot be listed. */
export function keys(value) {
  try {
    return Object.keys(value);
  } catch {
    return undefined;
  }
}

/** `fetch(url, init)`, called on `globalThis` as the platform's `fetch` must be: its promise, rejected with what it threw. */
export function fetchOn(fetch, url, init) {
  try {
    return fetch.call(globalThis, url, init);
  } catch (why) {
    return Promise.reject(why);
  }
}

/** `target[name]()`, or `undefined` when that throws. */
export function callMethod(target, name) {
  try {
    return target[name]();
  } catch {
    return undefined;
  }
}

/** `new Date(ms).toISOString()`: a timestamp as the platform writes it. */
export function isoTime(ms) {
  return new Date(ms).toISOString();
}
