// The package entry: loads the wasm (inlined, so no bundler or server setup is needed and the
// module is ready when the import resolves), registers the JS error class, re-exports the API.
// scripts/build-pkg.mjs bundles this file into pkg/index.js (ESM) and pkg/index.cjs (CJS).
import { initSync, __registerErrorClass, __defaultRetryConfig } from './integrations_client.js';
import { IntegrationError } from './error.js';
import wasmText from './wasm-bytes.js';

// One char per byte (see scripts/build-pkg.mjs): smaller gzipped than base64.
const bytes = new Uint8Array(wasmText.length);
for (let i = 0; i < wasmText.length; i++) bytes[i] = wasmText.charCodeAt(i);
initSync({ module: bytes });
__registerErrorClass(IntegrationError);

/** The default retry policy, frozen. */
export const DEFAULT_RETRY_CONFIG = __defaultRetryConfig();
export { IntegrationError };
export { /* EXPORTS */ } from './integrations_client.js';
