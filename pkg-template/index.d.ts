import type { RetryConfig } from './integrations_client.js';

export * from './integrations_client.js';
export { IntegrationError } from './error.js';
export type { IntegrationErrorKind } from './error.js';

/** The default retry policy (API.md §6), frozen. */
export declare const DEFAULT_RETRY_CONFIG: Readonly<RetryConfig>;
