// integrations-client/slim: the same API as the package entry, with the wasm as a file of its own
// (integrations_client_bg.wasm beside this module), loaded by `init()`. Bundlers (Vite, webpack 5,
// Next.js) find the file through the literal `new URL('./…', import.meta.url)` below and emit it as
// an asset; browsers compile it while it downloads (`instantiateStreaming`) and cache it apart from
// the app's JS. scripts/build-pkg.mjs bundles this file into pkg/slim.js (ESM only) and fills in
// the two export lists from the generated d.ts.
import initWasm, * as glue from './integrations_client.js';
import { initSync, __registerErrorClass, __defaultRetryConfig } from './integrations_client.js';
import { uuid } from './boundary.js';
import { IntegrationError } from './error.js';

const ASYNC_EXPORTS = new Set([/* ASYNC EXPORTS */]);
let loaded = false;
let loading;

/**
 * The default retry policy, frozen: `undefined` until `init()` resolves (the wasm owns the
 * defaults), then set, as a live binding, before `init()`'s promise resolves.
 */
export let DEFAULT_RETRY_CONFIG;
export { IntegrationError };
export { TokenData } from './tokens.js';

// wasm-bindgen's loader has a default URL of its own (without `./`), never reached since init()
// always passes a source; Vite, webpack and Next.js map both to the one file (make test-browser, test-next).
/** Loads the wasm, once: later calls return the first call's promise (a failed load may be retried). */
export function init(input = new URL('./integrations_client_bg.wasm', import.meta.url)) {
  if (!loading) {
    loading = load(input);
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

// Bytes or a compiled module, which need no `Response`: in Node, reading the `Response` global
// loads its fetch library (~50 ms), which a script that never fetches has no need of.
const isCode = (x) => x instanceof ArrayBuffer || ArrayBuffer.isView(x) || x instanceof WebAssembly.Module;
const isResponse = (x) => !isCode(x) && typeof Response === 'function' && x instanceof Response;

async function load(input) {
  const { source, fetched } = await obtain(input);
  if (isResponse(source) && !source.ok) {
    const from = source.url ? ` from ${source.url}` : '';
    throw failure('http', `could not load the wasm${from}: ${source.status} ${source.statusText}`, { statusCode: source.status });
  }
  try {
    // Node compiles bytes at once (no page to keep responsive, and wasm-bindgen's async loader
    // would read `Response`); a browser compiles them off the main thread.
    if (isCode(source) && globalThis.process?.versions?.node) initSync({ module: source });
    else await initWasm({ module_or_path: source });
  } catch (cause) {
    // Bytes the package fetched or read are a bad response; bytes the caller gave, bad input.
    throw failure(fetched ? 'invalid_response' : 'invalid_input', `the wasm did not compile or instantiate: ${cause?.message ?? cause}`, { cause });
  }
  __registerErrorClass(IntegrationError);
  DEFAULT_RETRY_CONFIG = __defaultRetryConfig();
  loaded = true;
}

// A URL, a string or a Request is fetched; a file: URL (Node, whose `fetch` does not read files)
// is read with node:fs, reached through process.getBuiltinModule (Node >= 20.16) so that no
// bundler sees an import of it. A Response, bytes or a WebAssembly.Module are used as they are.
async function obtain(input) {
  let source;
  try {
    source = await input;
    if (isCode(source)) return { source, fetched: false };
    const location = typeof source === 'string' || source instanceof URL || (typeof Request === 'function' && source instanceof Request);
    if (!location) return { source, fetched: isResponse(source) };
    const fs = globalThis.process?.getBuiltinModule?.('node:fs');
    const file = fs && String(source).startsWith('file:');
    return { source: await (file ? fs.promises.readFile(new URL(source)) : fetch(source)), fetched: true };
  } catch (cause) {
    const from = source === undefined ? '' : ` from ${source.url ?? source}`;
    throw failure('network', `could not load the wasm${from}: ${cause?.message ?? cause}`, { cause, retryable: true });
  }
}

// Every export that runs wasm refuses, with an IntegrationError that says why, until init() has
// resolved; the proxies keep each class's identity (instanceof, extends, statics) as it is.
const guard = (name, value) =>
  typeof value !== 'function'
    ? value
    : new Proxy(value, {
        construct(target, args, newTarget) {
          if (!loaded) throw notLoaded(name);
          return Reflect.construct(target, args, newTarget);
        },
        apply(target, self, args) {
          if (loaded) return Reflect.apply(target, self, args);
          if (ASYNC_EXPORTS.has(name)) return Promise.reject(notLoaded(name));
          throw notLoaded(name);
        },
      });

// Each export by its name as a string (`name = guarded('name')`): the build shortens the glue's
// property names that are also names of the wasm's exports, and a destructuring's keys are such names.
const guarded = (name) => guard(name, glue[name]);
export const /* EXPORTS */;

const notLoaded = (name) =>
  failure('invalid_input', `${name} was used before the wasm was loaded: call (and await) init() from 'integrations-client/slim' first`);

// The user messages of src/error.rs (`user_message`), for the errors made before the wasm runs;
// tests/js/slim.test.mjs checks that they stay the same.
const USER_MESSAGES = {
  network: "We couldn't reach the server. Check your connection and try again.",
  http: 'Something went wrong. Please try again.',
  invalid_response: 'The server sent an unexpected response. Please try again later.',
  invalid_input: 'This request could not be sent. Please reload and try again.',
};

function failure(kind, message, { retryable = false, ...fields } = {}) {
  const correlationId = uuid();
  return new IntegrationError({ message: `integrations-client/slim: ${message}`, kind, userMessage: USER_MESSAGES[kind], retryable, correlationId, attempts: 0, ...fields });
}
