//! Reading options from JavaScript: every field type-checked as it is read, every number range-
//! checked by the core, so a bad option fails when it is given, with a message naming it.

use super::errors::set;
use super::transport::Transport;
use super::{get, global};
use crate::defaults;
use crate::json::{JsonKind, JsonView};
use crate::log::Level;
use crate::model::{check_base_path, is_reserved_header};
use crate::retry::{check_count, check_non_negative, check_status_code, Jitter, RetryConfig};
use crate::store::CacheConfig;
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

/// Why an option was refused.
pub(crate) type OptionError = String;

fn type_error(name: &str, expected: &str) -> OptionError {
    [name, " must be ", expected].concat()
}

/// An optional number field.
pub(crate) fn opt_number(
    object: &JsValue,
    key: &str,
    name: &str,
) -> Result<Option<f64>, OptionError> {
    get(object, key)
        .map(|v| v.as_f64().ok_or_else(|| type_error(name, "a number")))
        .transpose()
}

/// An optional boolean field.
pub(crate) fn opt_bool(
    object: &JsValue,
    key: &str,
    name: &str,
) -> Result<Option<bool>, OptionError> {
    get(object, key)
        .map(|v| v.as_bool().ok_or_else(|| type_error(name, "a boolean")))
        .transpose()
}

/// An optional string field.
pub(crate) fn opt_string(
    object: &JsValue,
    key: &str,
    name: &str,
) -> Result<Option<String>, OptionError> {
    get(object, key)
        .map(|v| v.as_string().ok_or_else(|| type_error(name, "a string")))
        .transpose()
}

/// An optional function field.
pub(crate) fn opt_function(
    object: &JsValue,
    key: &str,
    name: &str,
) -> Result<Option<Function>, OptionError> {
    get(object, key)
        .map(|v| {
            v.dyn_into::<Function>()
                .map_err(|_| type_error(name, "a function"))
        })
        .transpose()
}

/// Reads the optional non-negative numbers `{prefix}{key}` into their slots (left as they are
/// when absent): one loop for every duration and count of the options.
fn read_numbers(
    value: &JsValue,
    prefix: &str,
    slots: &mut [(&str, &mut f64)],
) -> Result<(), OptionError> {
    for (key, slot) in slots {
        let name = [prefix, key].concat();
        if let Some(n) = opt_number(value, key, &name)? {
            **slot = check_non_negative(&name, n)?;
        }
    }
    Ok(())
}

/// Reads the optional booleans `{prefix}{key}` into their slots.
fn read_flags(
    value: &JsValue,
    prefix: &str,
    slots: &mut [(&str, &mut bool)],
) -> Result<(), OptionError> {
    for (key, slot) in slots {
        if let Some(b) = opt_bool(value, key, &[prefix, key].concat())? {
            **slot = b;
        }
    }
    Ok(())
}

/// Checks that an options argument is absent or an object.
pub(crate) fn check_options_object(options: &JsValue, name: &str) -> Result<(), OptionError> {
    if options.is_undefined() || options.is_null() || options.is_object() {
        Ok(())
    } else {
        Err(type_error(name, "an object"))
    }
}

/// Reads a (partial) retry config over `base`, then checks it as a whole.
pub(crate) fn read_retry(value: &JsValue, base: RetryConfig) -> Result<RetryConfig, OptionError> {
    check_options_object(value, "retry")?;
    let mut config = base;
    let mut max_retries = f64::from(config.max_retries);
    read_numbers(
        value,
        "retry.",
        &mut [
            ("maxRetries", &mut max_retries),
            ("initialDelay", &mut config.initial_delay),
            ("maxDelay", &mut config.max_delay),
            ("backoffFactor", &mut config.backoff_factor),
            ("maxRetryAfter", &mut config.max_retry_after),
        ],
    )?;
    config.max_retries = check_count("retry.maxRetries", max_retries)?;
    if let Some(codes) = get(value, "retryableStatusCodes") {
        config.retryable_status_codes = read_status_codes(&codes)?;
    }
    if let Some(jitter) = opt_string(value, "jitter", "retry.jitter")? {
        config.jitter = Jitter::parse(&jitter).ok_or_else(|| {
            [
                "retry.jitter must be 'full', 'equal' or 'none', got '",
                &jitter,
                "'",
            ]
            .concat()
        })?;
    }
    let flag = ("respectRetryAfter", &mut config.respect_retry_after);
    read_flags(value, "retry.", &mut [flag])?;
    // backoffFactor < 1, maxDelay < initialDelay: the config as a whole.
    config.validate()?;
    Ok(config)
}

/// `retry.retryableStatusCodes`, read through `Reflect`, at most 600 items: a proxy or a huge
/// length cannot escape.
fn read_status_codes(codes: &JsValue) -> Result<Vec<u16>, OptionError> {
    const NAME: &str = "retry.retryableStatusCodes";
    let not_numbers = || type_error(NAME, "an array of at most 600 numbers");
    let length = Some(codes.kind())
        .filter(|kind| *kind == JsonKind::Array)
        .and_then(|_| codes.len())
        .filter(|length| *length <= 600)
        .ok_or_else(not_numbers)?;
    let mut read = Vec::with_capacity(length);
    for i in 0..length {
        let n = codes
            .index(i)
            .and_then(|c| c.as_f64())
            .ok_or_else(not_numbers)?;
        read.push(check_status_code(NAME, n)?);
    }
    Ok(read)
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

/// Reads `timeoutMs` (the client's option and `fetchWithRetry`'s).
pub(crate) fn read_timeout(options: &JsValue) -> Result<f64, OptionError> {
    let mut timeout_ms = defaults::TIMEOUT_MS;
    read_numbers(options, "", &mut [("timeoutMs", &mut timeout_ms)])?;
    Ok(timeout_ms)
}

/// The global `fetch`, or an error saying there is none.
pub(crate) fn global_fetch() -> Result<Function, OptionError> {
    get(&global(), "fetch")
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| "there is no global fetch; pass options.fetch".to_owned())
}

/// The part of `ClientOptions` that says where requests go and how they are sent.
pub(crate) struct Connection {
    /// `baseUrl`'s origin and path plus `basePath`, without a trailing `/`; outside a browser
    /// without `baseUrl`, why no request can be sent (server rendering sends none).
    pub root: Result<String, OptionError>,
    /// How requests are sent.
    pub transport: Transport,
    /// The retry policy.
    pub retry: RetryConfig,
    /// Per-attempt timeout.
    pub timeout_ms: f64,
    /// `headers`, without the names the client sets itself.
    pub headers: Vec<(String, String)>,
}

/// Reads `baseUrl`, `basePath`, `headers`, `credentials`, `fetch`, `timeoutMs` and `retry`.
pub(crate) fn read_connection(options: &JsValue) -> Result<Connection, OptionError> {
    check_options_object(options, "options")?;
    let base_path = opt_string(options, "basePath", "basePath")?
        .unwrap_or_else(|| defaults::BASE_PATH.to_owned());
    check_base_path(&base_path)?;
    let base_url = opt_string(options, "baseUrl", "baseUrl")?.or_else(|| {
        get(&global(), "location")
            .and_then(|l| get(&l, "origin"))
            .and_then(|o| o.as_string())
            .filter(|o| o.starts_with("http"))
    });
    let root = match base_url {
        Some(url) => Ok(read_root(&url, &base_path)?),
        None => Err(
            "baseUrl is required outside a browser (an absolute http: or https: URL)".to_owned(),
        ),
    };
    let headers = read_headers(options)?;
    let credentials = opt_string(options, "credentials", "credentials")?;
    if let Some(c) = &credentials {
        if !matches!(c.as_str(), "omit" | "same-origin" | "include") {
            return Err([
                "credentials must be 'omit', 'same-origin' or 'include', got '",
                c,
                "'",
            ]
            .concat());
        }
    }
    let fetch = match opt_function(options, "fetch", "fetch")? {
        Some(f) => f,
        None => global_fetch()?,
    };
    let timeout_ms = read_timeout(options)?;
    let retry = match get(options, "retry") {
        Some(r) => read_retry(&r, RetryConfig::default())?,
        None => RetryConfig::default(),
    };
    Ok(Connection {
        root,
        transport: Transport {
            fetch,
            credentials,
            caller_init: None,
        },
        retry,
        timeout_ms,
        headers,
    })
}

/// `baseUrl`'s origin and path, and `basePath` (checked), as the prefix of every route.
fn read_root(base_url: &str, base_path: &str) -> Result<String, OptionError> {
    let url: JsValue = web_sys::Url::new(base_url)
        .map_err(|_| ["baseUrl '", base_url, "' is not an absolute URL"].concat())?
        .into();
    // The parts as properties: one generic read, where Url's typed getters are an import each.
    let part = |name| {
        get(&url, name)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let protocol = part("protocol");
    if !matches!(protocol.as_str(), "http:" | "https:") {
        return Err(["baseUrl must be http: or https:, got '", &protocol, "'"].concat());
    }
    if ["username", "password", "search", "hash"]
        .iter()
        .any(|name| !part(name).is_empty())
    {
        return Err("baseUrl must not carry credentials, a query or a fragment".to_owned());
    }
    Ok([
        part("origin").as_str(),
        part("pathname").trim_end_matches('/'),
        base_path.trim_end_matches('/'),
    ]
    .concat())
}

/// `options.headers`, without the names the client sets itself (theirs win).
fn read_headers(options: &JsValue) -> Result<Vec<(String, String)>, OptionError> {
    let mut headers = Vec::new();
    if let Some(given) = get(options, "headers") {
        if given.is_null() || !given.is_object() {
            return Err(type_error("headers", "an object of strings"));
        }
        for key in given.keys() {
            let value =
                opt_string(&given, &key, &["headers['", &key, "']"].concat())?.unwrap_or_default();
            if !is_reserved_header(&key) {
                headers.push((key, value));
            }
        }
    }
    Ok(headers)
}

/// Reads a (partial) cache config over the defaults.
pub(crate) fn read_cache(value: &JsValue) -> Result<CacheConfig, OptionError> {
    check_options_object(value, "cache")?;
    let mut config = CacheConfig::default();
    let mut error_retry_count = f64::from(config.error_retry_count);
    read_numbers(
        value,
        "cache.",
        &mut [
            ("dedupingInterval", &mut config.deduping_interval),
            ("refreshInterval", &mut config.refresh_interval),
            ("focusThrottleInterval", &mut config.focus_throttle_interval),
            ("errorRetryInterval", &mut config.error_retry_interval),
            ("errorRetryCount", &mut error_retry_count),
        ],
    )?;
    config.error_retry_count = check_count("cache.errorRetryCount", error_retry_count)?;
    read_flags(
        value,
        "cache.",
        &mut [
            ("revalidateOnFocus", &mut config.revalidate_on_focus),
            ("revalidateOnReconnect", &mut config.revalidate_on_reconnect),
            ("refreshWhenHidden", &mut config.refresh_when_hidden),
        ],
    )?;
    Ok(config)
}

/// The client's own options beyond the connection.
pub(crate) struct Behaviour {
    pub cache: CacheConfig,
    pub refresh_window_ms: f64,
    pub auto_refresh: bool,
    pub debounce_ms: f64,
    pub log_level: Level,
    pub logger: Option<Function>,
    pub on_metric: Option<Function>,
    pub tokens: Option<JsValue>,
}

/// Reads `cache`, `refreshWindowMs`, `autoRefresh`, `debounceMs`, `logger`, `logLevel`,
/// `onMetric` and `tokens`.
pub(crate) fn read_behaviour(options: &JsValue) -> Result<Behaviour, OptionError> {
    let log_level = match opt_string(options, "logLevel", "logLevel")? {
        None => defaults::LOG_LEVEL,
        Some(level) => Level::parse(&level).ok_or_else(|| {
            [
                "logLevel must be 'debug', 'info', 'warn', 'error' or 'silent', got '",
                &level,
                "'",
            ]
            .concat()
        })?,
    };
    let (mut refresh_window_ms, mut debounce_ms) =
        (defaults::REFRESH_WINDOW_MS, defaults::DEBOUNCE_MS);
    read_numbers(
        options,
        "",
        &mut [
            ("refreshWindowMs", &mut refresh_window_ms),
            ("debounceMs", &mut debounce_ms),
        ],
    )?;
    let mut auto_refresh = defaults::AUTO_REFRESH;
    read_flags(options, "", &mut [("autoRefresh", &mut auto_refresh)])?;
    Ok(Behaviour {
        cache: get(options, "cache").map_or(Ok(CacheConfig::default()), |c| read_cache(&c))?,
        refresh_window_ms,
        auto_refresh,
        debounce_ms,
        log_level,
        logger: opt_function(options, "logger", "logger")?,
        on_metric: opt_function(options, "onMetric", "onMetric")?,
        tokens: get(options, "tokens"),
    })
}
