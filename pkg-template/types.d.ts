// The package's types that are not a class or a function: the options, the wire types of the
// API (API.md §3), snapshots, logs and metrics, the token inputs. scripts/build-pkg.mjs puts them
// at the head of the d.ts that wasm-bindgen writes for the classes and functions (whose
// signatures name them). The @default texts are checked against src/defaults.rs (cargo test).
/** A log level; `'silent'` turns logging off. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The operations that log and measure. */
export type OperationName = 'status' | 'connect' | 'disconnect' | 'refreshToken' | 'refreshExpiring' | 'fetchWithRetry';

/** One structured log entry, given synchronously to `logger`. Never holds token text. */
export interface LogEntry {
    level: Exclude<LogLevel, 'silent'>;
    message: string;
    /** RFC 3339. */
    timestamp: string;
    operation: OperationName;
    /** The operation's uuid, as sent in `X-Correlation-Id` and set on its error. */
    correlationId?: string;
    provider?: Provider;
    accountId?: string;
    /** Which attempt (1-based) the entry is about. */
    attempt?: number;
    statusCode?: number;
    durationMs?: number;
    /** The wait before the next attempt. */
    retryInMs?: number;
    errorKind?: IntegrationErrorKind;
}

/** One metric per logical operation, given to `onMetric`. Never holds token text. */
export interface OperationMetric {
    operation: OperationName;
    success: boolean;
    /** Waits included. */
    durationMs: number;
    /** 0 when served from the cache or refused before any request. */
    attempts: number;
    /** Served from the cache, without a request. */
    cached: boolean;
    correlationId: string;
    statusCode?: number;
    provider?: Provider;
    accountId?: string;
}



/** A provider slug: `^[a-z0-9][a-z0-9_-]{0,63}$`, e.g. `"instagram"`. */
export type Provider = string;



/** What `getSnapshot()` returns: the same object until the state changes. */
export interface IntegrationsSnapshot {
    data?: IntegrationStatusResponse;
    /** `data.integrations`, or an empty array before the first data. */
    integrations: IntegrationData[];
    summary?: IntegrationSummary;
    /** The accounts grouped by provider, several per provider where the user has several. */
    byProvider: Record<Provider, IntegrationData[]>;
    /**
     * Accounts whose last refresh said the grant is gone (a 4xx other than 408 and 429), by
     * provider: not refreshed again automatically until a status fetch shows them connected with a
     * later expiry, a refresh of theirs succeeds, or their provider is connected again.
     */
    needsReconnect: Record<Provider, IntegrationData[]>;
    /** The last revalidation's error; the data stays the last good one. */
    error?: IntegrationError;
    /**
     * No data yet, and a request in flight or no error to show: true before the first fetch (the
     * first render, server rendering) and while a first fetch runs; false once there is data, or
     * while the first fetch's error is shown. The hook's `loading` is this.
     */
    isLoading: boolean;
    /** A request in flight. */
    isValidating: boolean;
    /** When the data last changed (epoch ms), not when it was last fetched. */
    updatedAt?: number;
}

/** What `refreshExpiring()` resolves with. */
export interface RefreshExpiringResult {
    refreshed: RefreshTokenResponse[];
    failed: IntegrationError[];
    /** Due accounts not tried because their provider is paused by a 429/503 `Retry-After`. */
    deferred: { provider: Provider; accountId: string; retryAfterMs: number }[];
}



/** What `setToken` takes. `expiresAt` is a `Date`, an RFC 3339 string or epoch milliseconds. */
export interface TokenInput {
    accessToken: string;
    refreshToken?: string;
    expiresAt: Date | string | number;
}

/** The manager's reads that the package makes into objects in JavaScript (pkg-template/tokens.js). */
export interface MultiAccountTokenManager {
    /**
     * The token of one account, or `undefined`. While the map is unchanged, the same `TokenData`
     * object (read from a JavaScript `Map` the package keeps in step with the map in wasm, so that a
     * read costs about what a `Map` lookup does); any write (`setToken`, `removeToken`, `clearAll`,
     * or the client's own after a refresh or a disconnect) starts that cache afresh.
     */
    getToken(provider: Provider, accountId: string): TokenData | undefined;
    /** The tokens of one provider, ordered by account id. */
    getProviderTokens(provider: Provider): TokenData[];
    /** `{ size, providers }`: no token text. */
    toJSON(): { size: number; providers: Provider[] };
    /** `MultiAccountTokenManager(n tokens)`. */
    toString(): string;
    /**
     * The accounts whose token expires within `ms` from now (already expired ones included),
     * soonest first. Reads only those accounts, not every token.
     */
    expiringWithin(ms: number): ExpiringToken[];
}

/**
 * A stored token, as `getToken` and `getProviderTokens` return it. Its `expiresAt` is a fresh
 * `Date` on every read; `toJSON()`, `String()` and `console.log` leave the token text out (the
 * object has no own property).
 */
export declare class TokenData {
    private constructor();
    /** The provider. */
    readonly provider: Provider;
    /** The account. */
    readonly accountId: string;
    /** The access token. */
    readonly accessToken: string;
    /** The refresh token, if there is one. */
    readonly refreshToken: string | undefined;
    /** When the access token expires (a copy: changing it changes nothing stored). */
    readonly expiresAt: Date;
    /** The entry without its token text. */
    toJSON(): { provider: Provider; accountId: string; expiresAt: string; hasRefreshToken: boolean };
    /** `TokenData(provider/accountId, expires <RFC 3339>)`, without token text. */
    toString(): string;
    /** Nothing to release: an entry holds no wasm memory. */
    free(): void;
}

/** One entry of `expiringWithin`, soonest first. */
export interface ExpiringToken {
    provider: Provider;
    accountId: string;
    expiresAt: Date;
}



import type { IntegrationError, IntegrationErrorKind } from "./error.js";

/** How failed requests are retried (API.md §6). Times are milliseconds. */
export interface RetryConfig {
    /** Retries after the first attempt: at most `maxRetries + 1` attempts. @default 3 */
    maxRetries: number;
    /** Base delay before the first retry. @default 1000 */
    initialDelay: number;
    /** Largest base delay. @default 5000 */
    maxDelay: number;
    /** Growth of the base delay per retry: `min(maxDelay, initialDelay * backoffFactor ** n)`. @default 2 */
    backoffFactor: number;
    /** Statuses worth retrying; network errors and timeouts are always retried. @default [408, 429, 500, 502, 503, 504] */
    retryableStatusCodes: number[];
    /** `'full'`: U[0, base]; `'equal'`: base/2 + U[0, base/2]; `'none'`: base. @default 'full' */
    jitter: 'full' | 'equal' | 'none';
    /** Wait at least the server's `Retry-After` (seconds or HTTP-date). @default true */
    respectRetryAfter: boolean;
    /** A `Retry-After` longer than this fails at once, with `retryAfterMs` set. @default 60000 */
    maxRetryAfter: number;
}

/** `fetchWithRetry`'s policy: a partial `RetryConfig`, plus the per-attempt timeout. */
export interface FetchWithRetryConfig extends Partial<RetryConfig> {
    /** Per-attempt timeout in ms; 0 turns it off. @default 10000 */
    timeoutMs?: number;
}

/** The last argument every client method takes. */
export interface RequestOptions {
    /** Aborts the operation at once, a backoff wait included; it then rejects with `kind: 'aborted'`. */
    signal?: AbortSignal;
}

/** Options of `client.status()`. */
export interface StatusOptions extends RequestOptions {
    /** Skip the cache and fetch now (still shared with a request in flight). @default false */
    force?: boolean;
}

/** Options of `client.connect()`. */
export interface ConnectOptions extends RequestOptions {
    /** Where the provider sends the user back after authorising; sent as `{ redirectUri }`. */
    redirectUri?: string;
}

/** Options of `new IntegrationsClient()`. Every field is optional. */
export interface ClientOptions {
    /** Absolute `http:`/`https:` URL of the API server. Defaults to `location.origin` in a browser; required elsewhere. */
    baseUrl?: string;
    /** Prefix of every route. @default '/api/integrations' */
    basePath?: string;
    /** Headers sent with every request (e.g. your app's session header). */
    headers?: Record<string, string>;
    /** `RequestInit.credentials` of every request. */
    credentials?: 'omit' | 'same-origin' | 'include';
    /** The `fetch` to use. @default globalThis.fetch */
    fetch?: typeof fetch;
    /** Per-attempt timeout in ms; 0 turns it off. @default 10000 */
    timeoutMs?: number;
    /** Retry policy; missing fields take `DEFAULT_RETRY_CONFIG`'s. */
    retry?: Partial<RetryConfig>;
    /** SWR-style caching of `status()`; missing fields take the defaults. */
    cache?: Partial<CacheConfig>;
    /** Refresh tokens expiring within this many ms. @default 300000 */
    refreshWindowMs?: number;
    /** Run `refreshExpiring()` after every successful status fetch. @default true */
    autoRefresh?: boolean;
    /**
     * Coordinate with the clients of the same origin and API in other tabs and workers: a due
     * account is refreshed by one of them (a Web Lock held for the request), the others take its
     * outcome from a `BroadcastChannel` (never token text), and a connect or disconnect makes the
     * others revalidate. Where `navigator.locks` or `BroadcastChannel` is missing (Node), each
     * client works alone. @default true */
    crossTab?: boolean;
    /** `requestRefresh()` calls closer than this end in one request. @default 1000 */
    debounceMs?: number;
    /** Receives every log entry that passes `logLevel`, synchronously. @default console */
    logger?: (entry: LogEntry) => void;
    /** @default 'warn' */
    logLevel?: LogLevel;
    /** Receives one metric per logical operation. */
    onMetric?: (metric: OperationMetric) => void;
    /** The token map to keep in step with the server; the client makes its own otherwise. */
    tokens?: MultiAccountTokenManager;
}

/** SWR's options, names and defaults. Times are milliseconds. */
export interface CacheConfig {
    /** Data younger than this is returned without a request. @default 2000 */
    dedupingInterval: number;
    /** Poll while subscribed; 0 turns it off. @default 300000 */
    refreshInterval: number;
    /** Revalidate when the window regains focus (throttled). @default true */
    revalidateOnFocus: boolean;
    /** Revalidate when the browser comes back online. @default true */
    revalidateOnReconnect: boolean;
    /** At most one focus revalidation per this many ms. @default 5000 */
    focusThrottleInterval: number;
    /** Background retries after a failed revalidation. @default 3 */
    errorRetryCount: number;
    /** First background retry delay; each next one doubles. @default 5000 */
    errorRetryInterval: number;
    /** Keep polling while the page is hidden. @default false */
    refreshWhenHidden: boolean;
}


/**
 * An error as the server describes it.
 */
export interface APIError {
    /**
     * A machine-readable error type, e.g. `"rate_limited"`.
     */
    type: string;
    /**
     * A message for developers.
     */
    message: string;
    /**
     * A message to show end users.
     */
    userMessage: string;
    /**
     * The HTTP status the server meant.
     */
    statusCode: number;
    /**
     * Whether the server expects a retry to succeed.
     */
    retryable: boolean;
    /**
     * Anything else the server wants to say.
     */
    details?: Record<string, unknown>;
}

/**
 * Counts over all accounts.
 */
export interface IntegrationSummary {
    /**
     * All accounts.
     */
    total: number;
    /**
     * Accounts whose status is `connected`.
     */
    connected: number;
    /**
     * Accounts whose status is `expired`.
     */
    expired: number;
    /**
     * Accounts per provider.
     */
    byProvider: Record<Provider, number>;
}

/**
 * One connected account of one provider.
 */
export interface IntegrationData {
    /**
     * The server's id of the connection, a non-negative safe integer.
     */
    id: number;
    /**
     * The provider slug.
     */
    provider: Provider;
    /**
     * The account's id at the provider; several accounts of one provider differ by it.
     */
    accountId: string;
    /**
     * A display name for the account, e.g. `@user1`.
     */
    accountName: string;
    /**
     * Whether the account's token is usable.
     */
    status: IntegrationStatus;
    /**
     * When the account's token expires (RFC 3339).
     */
    expiresAt?: string;
    /**
     * Provider-specific data, e.g. `{ followers: 10000 }`.
     */
    metadata?: Record<string, unknown>;
    /**
     * When the connection was made (RFC 3339).
     */
    createdAt: string;
    /**
     * When the connection last changed (RFC 3339).
     */
    updatedAt: string;
}

/**
 * The body of `DELETE /{provider}/{accountId}`.
 */
export interface DisconnectIntegrationResponse {
    /**
     * Whether the account was disconnected.
     */
    success: boolean;
    /**
     * The provider of the account.
     */
    provider: Provider;
    /**
     * The account that was disconnected.
     */
    accountId: string;
    /**
     * A message from the server.
     */
    message: string;
}

/**
 * The body of `GET /status`.
 */
export interface IntegrationStatusResponse {
    /**
     * Every connected account, several per provider where the user has several.
     */
    integrations: IntegrationData[];
    /**
     * Counts over `integrations`.
     */
    summary: IntegrationSummary;
}

/**
 * The body of `POST /connect/{provider}`: where to send the user to authorise a new account.
 */
export interface ConnectIntegrationResponse {
    /**
     * The provider's authorisation page, always an absolute `http:`/`https:` URL.
     */
    authUrl: string;
    /**
     * The OAuth `state` that ties the callback to this request.
     */
    state: string;
    /**
     * When the authorisation link stops working (RFC 3339).
     */
    expiresAt: string;
}

/**
 * The body of `POST /refresh/{provider}/{accountId}`.
 */
export interface RefreshTokenResponse {
    /**
     * Whether the token was refreshed.
     */
    success: boolean;
    /**
     * The provider of the account.
     */
    provider: Provider;
    /**
     * The account whose token was refreshed.
     */
    accountId: string;
    /**
     * The token's new expiry (RFC 3339).
     */
    expiresAt: string;
}

/**
 * The envelope some servers wrap every body in; the client unwraps `data`.
 */
export interface APIResponse<T> {
    /**
     * Whether the operation succeeded.
     */
    success: boolean;
    /**
     * The payload, on success.
     */
    data?: T;
    /**
     * The error, on failure.
     */
    error?: APIError;
    /**
     * The server's correlation id for the request.
     */
    correlationId: string;
    /**
     * When the server answered (RFC 3339).
     */
    timestamp: string;
}

/**
 * The state of one connected account.
 */
export type IntegrationStatus = "connected" | "expired" | "error";
