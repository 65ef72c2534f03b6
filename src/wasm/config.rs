//! Reading options from JavaScript: the core reads and checks every field (`crate::options`);
//! here only what the core cannot hold: functions, the platform's URL parser and
//! `location.origin`, and the frozen `DEFAULT_RETRY_CONFIG`.

use super::errors::set;
use super::{get, global};
use crate::options::{self, ClientOptions, OptionError, UrlParts};
use crate::retry::RetryConfig;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TS: &str = r#"
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
"#;

/// An argument as the core reads it: `None` when `undefined`.
pub(crate) fn given(value: &JsValue) -> Option<&JsValue> {
    (!value.is_undefined()).then_some(value)
}

/// An optional function field.
pub(crate) fn opt_function(object: &JsValue, key: &str) -> Result<Option<Function>, OptionError> {
    get(object, key)
        .map(|v| {
            v.dyn_into::<Function>()
                .map_err(|_| [key, " must be a function"].concat())
        })
        .transpose()
}

/// The retry config as a frozen JS object (`DEFAULT_RETRY_CONFIG`).
pub(crate) fn retry_to_js(config: &RetryConfig) -> JsValue {
    let object: JsValue = Object::new().into();
    set(&object, "maxRetries", config.max_retries);
    set(&object, "initialDelay", config.initial_delay);
    set(&object, "maxDelay", config.max_delay);
    set(&object, "backoffFactor", config.backoff_factor);
    let codes: Array = config
        .retryable_status_codes
        .iter()
        .map(|c| JsValue::from(*c))
        .collect();
    set(
        &object,
        "retryableStatusCodes",
        Object::freeze(codes.unchecked_ref::<Object>()),
    );
    set(&object, "jitter", config.jitter.as_str());
    set(&object, "respectRetryAfter", config.respect_retry_after);
    set(&object, "maxRetryAfter", config.max_retry_after);
    Object::freeze(object.unchecked_ref::<Object>()).into()
}

/// The default retry policy, frozen; the package entry exports it as `DEFAULT_RETRY_CONFIG`.
#[wasm_bindgen(js_name = __defaultRetryConfig, skip_typescript)]
pub fn default_retry_config() -> JsValue {
    retry_to_js(&RetryConfig::default())
}

/// The global `fetch`, or an error saying there is none.
pub(crate) fn global_fetch() -> Result<Function, OptionError> {
    get(&global(), "fetch")
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| "there is no global fetch; pass options.fetch".to_owned())
}

/// `ClientOptions` as read: the core's part, and the functions.
pub(crate) struct Read {
    pub options: ClientOptions,
    /// Every route's prefix, or why no request can be sent.
    pub root: Result<String, OptionError>,
    pub fetch: Function,
    pub logger: Option<Function>,
    pub on_metric: Option<Function>,
    pub tokens: Option<JsValue>,
}

/// Reads `ClientOptions`.
pub(crate) fn read_client(options: &JsValue) -> Result<Read, OptionError> {
    let read = options::read_client_options(given(options))?;
    // `baseUrl`, or the page's origin in a browser.
    let base_url = read.base_url.clone().or_else(|| {
        get(&global(), "location")
            .and_then(|l| get(&l, "origin"))
            .and_then(|o| o.as_string())
            .filter(|o| o.starts_with("http"))
    });
    let root = match base_url {
        Some(url) => Ok(options::root(&url_parts(&url)?, &read.base_path)?),
        None => Err(options::NO_BASE_URL.to_owned()),
    };
    let fetch = match opt_function(options, "fetch")? {
        Some(f) => f,
        None => global_fetch()?,
    };
    Ok(Read {
        options: read,
        root,
        fetch,
        logger: opt_function(options, "logger")?,
        on_metric: opt_function(options, "onMetric")?,
        tokens: get(options, "tokens"),
    })
}

/// `baseUrl` as the platform's URL parser reads it.
fn url_parts(base_url: &str) -> Result<UrlParts, OptionError> {
    let url: JsValue = web_sys::Url::new(base_url)
        .map_err(|_| ["baseUrl '", base_url, "' is not an absolute URL"].concat())?
        .into();
    // The parts as properties: one generic read, where Url's typed getters are an import each.
    let part = |name| {
        get(&url, name)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    Ok(UrlParts {
        protocol: part("protocol"),
        origin: part("origin"),
        pathname: part("pathname"),
        has_extras: ["username", "password", "search", "hash"]
            .iter()
            .any(|name| !part(name).is_empty()),
    })
}
