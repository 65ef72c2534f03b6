// The package entry: loads the wasm (inlined, so no bundler or server setup is needed and the
// module is ready when the import resolves), registers the JS error class, re-exports the API.
// scripts/build-pkg.mjs bundles this file into pkg/index.js (ESM) and pkg/index.cjs (CJS).
import { initSync, __registerErrorClass, __defaultRetryConfig } from './integrations_client.js';
import { IntegrationError } from './error.js';
import { decoder, packed, size } from './wasm-bytes.js';
import { unpack } from './unpack.js';

// The decoder is one char per byte, the packed wasm base64 (see scripts/build-pkg.mjs).
const bytes = (text) => {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
};
initSync({ module: unpack(bytes(decoder), bytes(atob(packed)), size) });
__registerErrorClass(IntegrationError);

/** The default retry policy, frozen. */
export const DEFAULT_RETRY_CONFIG = __defaultRetryConfig();
export { IntegrationError };
export { TokenData } from './tokens.js';
export { /* EXPORTS */ } from './integrations_client.js';
