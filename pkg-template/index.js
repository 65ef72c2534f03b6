// The package entry: loads the wasm (inlined, so no bundler or server setup is needed and the
// module is ready when the import resolves), registers the JS error class, re-exports the API.
// scripts/build-pkg.mjs bundles this file into pkg/index.js (ESM) and pkg/index.cjs (CJS).
import { initSync, __registerErrorClass, __defaultRetryConfig } from './integrations_client.js';
import { IntegrationError } from './error.js';
import wasmBase64 from './wasm-base64.js';

function decodeBase64(text) {
  if (typeof Buffer === 'function') return Buffer.from(text, 'base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

initSync({ module: decodeBase64(wasmBase64) });
__registerErrorClass(IntegrationError);

/** The default retry policy, frozen. */
export const DEFAULT_RETRY_CONFIG = __defaultRetryConfig();
export { IntegrationError };
export { /* EXPORTS */ } from './integrations_client.js';
