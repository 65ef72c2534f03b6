//! Reading the options callers give (`new IntegrationsClient(options)`, `fetchWithRetry`'s
//! config, a method's options): every field type-checked as it is read and every number
//! range-checked, over [`JsonView`], so that a bad option fails when it is given, with a message
//! naming it. Absent fields take their [`defaults`]. Functions (`fetch`,
//! `logger`, `onMetric`) and the token manager are the boundary's to read.

use crate::json::{JsonKind, JsonView};
use crate::log::Level;
use crate::model::{check_base_path, is_reserved_header};
use crate::retry::{check_count, check_non_negative, check_status_code, Jitter, RetryConfig};
use crate::store::CacheConfig;
use crate::{defaults, log};

/// Why an option was refused.
pub type OptionError = String;

fn type_error(name: &str, expected: &str) -> OptionError {
    [name, " must be ", expected].concat()
}

/// An optional field, read by `read` (`None` when it is of another type, then refused as not
/// `expected`).
fn opt<V: JsonView, T>(
    object: &V,
    key: &str,
    name: &str,
    expected: &str,
    read: fn(&V) -> Option<T>,
) -> Result<Option<T>, OptionError> {
    object
        .get(key)
        .map(|v| read(&v).ok_or_else(|| type_error(name, expected)))
        .transpose()
}

/// An optional number field.
pub fn opt_number<V: JsonView>(
    object: &V,
    key: &str,
    name: &str,
) -> Result<Option<f64>, OptionError> {
    opt(object, key, name, "a number", V::as_f64)
}

/// An optional boolean field.
pub fn opt_bool<V: JsonView>(
    object: &V,
    key: &str,
    name: &str,
) -> Result<Option<bool>, OptionError> {
    opt(object, key, name, "a boolean", V::as_bool)
}

/// An optional string field.
pub fn opt_string<V: JsonView>(
    object: &V,
    key: &str,
    name: &str,
) -> Result<Option<String>, OptionError> {
    opt(object, key, name, "a string", V::as_str)
}

/// Reads the optional non-negative numbers `{prefix}{key}` into their slots (left as they are
/// when absent): one loop for every duration and count of the options.
fn read_numbers<V: JsonView>(
    value: &V,
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
fn read_flags<V: JsonView>(
    value: &V,
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

/// Checks that an options argument (`None` when `undefined`) is absent, `null` or an object.
pub fn check_options_object<V: JsonView>(
    options: Option<&V>,
    name: &str,
) -> Result<(), OptionError> {
    match options.map(JsonView::kind) {
        None
        | Some(JsonKind::Null | JsonKind::PlainObject | JsonKind::OtherObject | JsonKind::Array) => {
            Ok(())
        }
        Some(_) => Err(type_error(name, "an object")),
    }
}

/// Reads a (partial) retry config (`None` when `undefined`) over the defaults, then checks it
/// as a whole.
pub fn read_retry<V: JsonView>(value: Option<&V>) -> Result<RetryConfig, OptionError> {
    check_options_object(value, "retry")?;
    let mut config = RetryConfig::default();
    let Some(value) = value.filter(|v| v.kind() != JsonKind::Null) else {
        return Ok(config);
    };
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
    if let Some(codes) = value.get("retryableStatusCodes") {
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

/// `retry.retryableStatusCodes`, at most 600 items: a proxy or a huge length cannot escape.
fn read_status_codes<V: JsonView>(codes: &V) -> Result<Vec<u16>, OptionError> {
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

/// Reads `timeoutMs` (the client's option and `fetchWithRetry`'s).
pub fn read_timeout<V: JsonView>(options: Option<&V>) -> Result<f64, OptionError> {
    let mut timeout_ms = defaults::TIMEOUT_MS;
    if let Some(options) = options {
        read_numbers(options, "", &mut [("timeoutMs", &mut timeout_ms)])?;
    }
    Ok(timeout_ms)
}

/// Reads a (partial) cache config over the defaults.
pub fn read_cache<V: JsonView>(value: &V) -> Result<CacheConfig, OptionError> {
    check_options_object(Some(value), "cache")?;
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

/// `ClientOptions`, read and checked, but for its functions and `tokens`.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `baseUrl`, when given.
    pub base_url: Option<String>,
    /// `basePath`, checked.
    pub base_path: String,
    /// `headers`, without the names the client sets itself (theirs win).
    pub headers: Vec<(String, String)>,
    /// `credentials`.
    pub credentials: Option<String>,
    /// `timeoutMs`.
    pub timeout_ms: f64,
    /// `retry`.
    pub retry: RetryConfig,
    /// `cache`.
    pub cache: CacheConfig,
    /// `refreshWindowMs`.
    pub refresh_window_ms: f64,
    /// `autoRefresh`.
    pub auto_refresh: bool,
    /// `debounceMs`.
    pub debounce_ms: f64,
    /// `logLevel`.
    pub log_level: log::Level,
    /// `crossTab`: coordinate with the clients of other tabs where the platform can.
    pub cross_tab: bool,
}

/// Reads `ClientOptions` (`None` when `undefined`).
pub fn read_client_options<V: JsonView>(options: Option<&V>) -> Result<ClientOptions, OptionError> {
    check_options_object(options, "options")?;
    let options = options.filter(|o| o.kind() != JsonKind::Null);
    let field = |key: &str| options.and_then(|o| o.get(key));
    let string = |key: &str| options.map_or(Ok(None), |o| opt_string(o, key, key));
    let base_path = string("basePath")?.unwrap_or_else(|| defaults::BASE_PATH.to_owned());
    check_base_path(&base_path)?;
    let base_url = string("baseUrl")?;
    let headers = field("headers").map_or(Ok(Vec::new()), |h| read_headers(&h))?;
    let credentials = string("credentials")?;
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
    let timeout_ms = read_timeout(options)?;
    let retry = read_retry(field("retry").as_ref())?;
    let log_level = match string("logLevel")? {
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
    let mut auto_refresh = defaults::AUTO_REFRESH;
    let mut cross_tab = defaults::CROSS_TAB;
    if let Some(options) = options {
        let mut numbers = [
            ("refreshWindowMs", &mut refresh_window_ms),
            ("debounceMs", &mut debounce_ms),
        ];
        read_numbers(options, "", &mut numbers)?;
        let mut flags = [
            ("autoRefresh", &mut auto_refresh),
            ("crossTab", &mut cross_tab),
        ];
        read_flags(options, "", &mut flags)?;
    }
    let cache = field("cache").map_or(Ok(CacheConfig::default()), |c| read_cache(&c))?;
    Ok(ClientOptions {
        base_url,
        base_path,
        headers,
        credentials,
        timeout_ms,
        retry,
        cache,
        refresh_window_ms,
        auto_refresh,
        debounce_ms,
        log_level,
        cross_tab,
    })
}

/// `options.headers`, without the names the client sets itself (theirs win).
fn read_headers<V: JsonView>(given: &V) -> Result<Vec<(String, String)>, OptionError> {
    if !given.is_object() {
        return Err(type_error("headers", "an object of strings"));
    }
    let mut headers = Vec::new();
    for key in given.keys() {
        let value =
            opt_string(given, &key, &["headers['", &key, "']"].concat())?.unwrap_or_default();
        if !is_reserved_header(&key) {
            headers.push((key, value));
        }
    }
    Ok(headers)
}

/// The parts of `baseUrl` as the platform's URL parser reads them.
#[derive(Debug, Clone, Default)]
pub struct UrlParts {
    /// `protocol`, e.g. `https:`.
    pub protocol: String,
    /// `origin`.
    pub origin: String,
    /// `pathname`.
    pub pathname: String,
    /// Whether it has a user name, a password, a query or a fragment.
    pub has_extras: bool,
}

/// The prefix of every route: `baseUrl`'s origin and path, and `basePath`, without a trailing `/`.
///
/// ```
/// use integrations_client::options::{root, UrlParts};
/// let url = UrlParts { protocol: "https:".into(), origin: "https://a.example".into(), pathname: "/app/".into(), has_extras: false };
/// assert_eq!(root(&url, "/api/integrations/"), Ok("https://a.example/app/api/integrations".to_owned()));
/// let ftp = UrlParts { protocol: "ftp:".into(), ..url.clone() };
/// assert!(root(&ftp, "/api").is_err());
/// ```
pub fn root(url: &UrlParts, base_path: &str) -> Result<String, OptionError> {
    if !matches!(url.protocol.as_str(), "http:" | "https:") {
        return Err(["baseUrl must be http: or https:, got '", &url.protocol, "'"].concat());
    }
    if url.has_extras {
        return Err("baseUrl must not carry credentials, a query or a fragment".to_owned());
    }
    Ok([
        url.origin.as_str(),
        url.pathname.trim_end_matches('/'),
        base_path.trim_end_matches('/'),
    ]
    .concat())
}

/// Why no request can be sent: no `baseUrl` outside a browser (server rendering sends none).
pub const NO_BASE_URL: &str =
    "baseUrl is required outside a browser (an absolute http: or https: URL)";

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_options_take_the_defaults() {
        let read = read_client_options::<serde_json::Value>(None).unwrap();
        assert_eq!(read.base_path, defaults::BASE_PATH);
        assert_eq!(read.timeout_ms, defaults::TIMEOUT_MS);
        assert_eq!(read.retry, RetryConfig::default());
        assert_eq!(read.cache, CacheConfig::default());
        assert_eq!(read.log_level, defaults::LOG_LEVEL);
        assert!(read.auto_refresh && read.headers.is_empty());
    }

    #[test]
    fn each_bad_option_is_named() {
        let cases = [
            (json!(5), "options must be an object"),
            (json!({ "basePath": 1 }), "basePath must be a string"),
            (json!({ "timeoutMs": -1 }), "timeoutMs"),
            (
                json!({ "retry": { "maxRetries": "3" } }),
                "retry.maxRetries must be a number",
            ),
            (
                json!({ "retry": { "jitter": "some" } }),
                "retry.jitter must be 'full', 'equal' or 'none', got 'some'",
            ),
            (
                json!({ "retry": { "retryableStatusCodes": [200, "x"] } }),
                "retry.retryableStatusCodes",
            ),
            (
                json!({ "cache": { "revalidateOnFocus": 1 } }),
                "cache.revalidateOnFocus must be a boolean",
            ),
            (
                json!({ "credentials": "all" }),
                "credentials must be 'omit', 'same-origin' or 'include', got 'all'",
            ),
            (json!({ "logLevel": "verbose" }), "logLevel must be"),
            (
                json!({ "headers": "x" }),
                "headers must be an object of strings",
            ),
            (
                json!({ "headers": { "a": 1 } }),
                "headers['a'] must be a string",
            ),
        ];
        for (given, said) in cases {
            let error = read_client_options(Some(&given)).unwrap_err();
            assert!(error.contains(said), "{given}: {error}");
        }
    }

    #[test]
    fn given_options_are_read_and_reserved_headers_dropped() {
        let given = json!({
            "basePath": "/v2", "headers": { "X-App": "1", "Accept": "text/html" },
            "credentials": "include", "timeoutMs": 0, "retry": { "maxRetries": 0 },
            "cache": { "dedupingInterval": 10 }, "autoRefresh": false, "logLevel": "debug",
        });
        let read = read_client_options(Some(&given)).unwrap();
        assert_eq!(read.base_path, "/v2");
        assert_eq!(read.headers, [("X-App".to_owned(), "1".to_owned())]);
        assert_eq!((read.timeout_ms, read.retry.max_retries), (0.0, 0));
        assert_eq!(read.cache.deduping_interval, 10.0);
        assert!(!read.auto_refresh);
        assert_eq!(read.log_level, Level::Debug);
        assert!(read.cross_tab, "crossTab defaults to true");
        let off = read_client_options(Some(&json!({ "crossTab": false }))).unwrap();
        assert!(!off.cross_tab);
        let bad = read_client_options(Some(&json!({ "crossTab": "no" }))).unwrap_err();
        assert_eq!(bad, "crossTab must be a boolean");
    }
}
