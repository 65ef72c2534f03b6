import type { RetryConfig } from './integrations_client.js';

export * from './index.js';

/** What `init` loads the wasm from, as `WebAssembly.Module` where the consumer's lib declares it. */
export type WasmModuleInput = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never) => infer M } } ? M : never;

/**
 * Where `init` gets the wasm: a URL (or its text) or `Request` it fetches (a `file:` URL it reads
 * in Node), a `Response`, the bytes, or a compiled `WebAssembly.Module`.
 */
export type InitInput = string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WasmModuleInput;

/**
 * Loads the package's wasm: `integrations_client_bg.wasm`, beside this module, by default.
 * A browser compiles it while it downloads (`WebAssembly.instantiateStreaming`); in Node the
 * file is read from disk. Every other export of `integrations-client/slim` (but
 * `IntegrationError`) throws, or rejects, an `IntegrationError` of kind `'invalid_input'` until
 * the promise resolves. Calling it again returns the first call's promise, whatever the input;
 * after a failure the next call tries again. It rejects with an `IntegrationError`: `'network'`
 * (the wasm could not be fetched or read), `'http'` (its response was not 2xx) or
 * `'invalid_response'` / `'invalid_input'` (what was fetched / given is not this package's wasm).
 *
 * @example
 * ```ts
 * import { init, IntegrationsClient } from 'integrations-client/slim';
 * await init();
 * const client = new IntegrationsClient({ baseUrl: 'https://app.example.com' });
 * ```
 */
export declare function init(input?: InitInput | PromiseLike<InitInput>): Promise<void>;

/**
 * The default retry policy (API.md §6), frozen; `undefined` until `init()` resolves (the wasm
 * holds the defaults). A live binding: read it after `await init()`.
 */
export declare let DEFAULT_RETRY_CONFIG: Readonly<RetryConfig> | undefined;
