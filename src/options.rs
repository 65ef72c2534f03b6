//! Reading the options callers give (`new IntegrationsClient(options)`, `fetchWithRetry`'s
//! config, a method's options): every field type-checked as it is read and every number
//! range-checked, over [`JsonView`], so that a bad option fails when it is given, with a message
//! naming it. Absent fields take their [`defaults`]. Functions (`fetch`,
//! `logger`, `onMetric`) and the token manager are the boundary's to read.

use crate::error::number_text;
use crate::json::{JsonKind, JsonView};
use crate::log::Level;
use crate::model::{check_base_path, is_reserved_header};
use crate::retry::{
    check_count, check_non_negative, check_status_code, refused, Jitter, RetryConfig,
};
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

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            base_url: None,
            base_path: defaults::BASE_PATH.to_owned(),
            headers: Vec::new(),
            credentials: None,
            timeout_ms: defaults::TIMEOUT_MS,
            retry: RetryConfig::default(),
            cache: CacheConfig::default(),
            refresh_window_ms: defaults::REFRESH_WINDOW_MS,
            auto_refresh: defaults::AUTO_REFRESH,
            debounce_ms: defaults::DEBOUNCE_MS,
            log_level: defaults::LOG_LEVEL,
            cross_tab: defaults::CROSS_TAB,
        }
    }
}

/// Reads `ClientOptions` (`None` when `undefined`).
pub fn read_client_options<V: JsonView>(options: Option<&V>) -> Result<ClientOptions, OptionError> {
    check_options_object(options, "options")?;
    let mut draft = Draft::default();
    if let Some(options) = options {
        draft.read(options, CLIENT, 0)?;
    }
    Ok(draft.options)
}

/// Reads `fetchWithRetry`'s config (`None` when `undefined`): a retry config with `timeoutMs`,
/// as the `retry` and `timeout_ms` of otherwise default options.
pub fn read_fetch_config<V: JsonView>(config: Option<&V>) -> Result<ClientOptions, OptionError> {
    let mut draft = Draft::default();
    if let Some(config) = config {
        draft.store("retry", Slot::Retry, config)?;
        draft.read(config, &[("timeoutMs", TIMEOUT_MS)], 0)?;
    }
    Ok(draft.options)
}

/// Where a field goes once read, and how it is checked on the way.
#[derive(Clone, Copy)]
enum Slot {
    /// A finite number >= 0.
    Number(fn(&mut Draft) -> &mut f64),
    /// A boolean.
    Flag(fn(&mut Draft) -> &mut bool),
    /// A string, which the function checks and stores (its first argument is the field's name).
    Text(fn(&mut Draft, &str, String) -> Result<(), OptionError>),
    /// `headers`.
    Headers,
    /// `retry.retryableStatusCodes`.
    StatusCodes,
    /// `retry`: an object (or `null`) of the fields of [`RETRY`].
    Retry,
    /// `cache`: an object (or `null`) of the fields of [`CACHE`].
    Cache,
}

/// A field: its name as messages give it (the key is its last part), and its slot.
type Field = (&'static str, Slot);

const TIMEOUT_MS: Slot = Slot::Number(|d| &mut d.options.timeout_ms);

/// The fields of `ClientOptions` the core reads, in the order they are read: the first bad one
/// is the one refused.
const CLIENT: &[Field] = &[
    (
        "basePath",
        Slot::Text(|d, _, path| {
            check_base_path(&path)?;
            d.options.base_path = path;
            Ok(())
        }),
    ),
    (
        "baseUrl",
        Slot::Text(|d, _, url| {
            d.options.base_url = Some(url);
            Ok(())
        }),
    ),
    ("headers", Slot::Headers),
    (
        "credentials",
        Slot::Text(|d, name, given| {
            if !matches!(given.as_str(), "omit" | "same-origin" | "include") {
                return Err(not_one_of(
                    name,
                    &given,
                    "'omit', 'same-origin' or 'include'",
                ));
            }
            d.options.credentials = Some(given);
            Ok(())
        }),
    ),
    ("timeoutMs", TIMEOUT_MS),
    ("retry", Slot::Retry),
    (
        "logLevel",
        Slot::Text(|d, name, given| {
            let choices = "'debug', 'info', 'warn', 'error' or 'silent'";
            d.options.log_level =
                Level::parse(&given).ok_or_else(|| not_one_of(name, &given, choices))?;
            Ok(())
        }),
    ),
    (
        "refreshWindowMs",
        Slot::Number(|d| &mut d.options.refresh_window_ms),
    ),
    ("debounceMs", Slot::Number(|d| &mut d.options.debounce_ms)),
    ("autoRefresh", Slot::Flag(|d| &mut d.options.auto_refresh)),
    ("crossTab", Slot::Flag(|d| &mut d.options.cross_tab)),
    ("cache", Slot::Cache),
];

/// The numbers of `retry`; then `retry.maxRetries` is checked as a count, then [`RETRY_REST`].
const RETRY: &[Field] = &[
    ("retry.maxRetries", Slot::Number(|d| &mut d.max_retries)),
    (
        "retry.initialDelay",
        Slot::Number(|d| &mut d.options.retry.initial_delay),
    ),
    (
        "retry.maxDelay",
        Slot::Number(|d| &mut d.options.retry.max_delay),
    ),
    (
        "retry.backoffFactor",
        Slot::Number(|d| &mut d.options.retry.backoff_factor),
    ),
    (
        "retry.maxRetryAfter",
        Slot::Number(|d| &mut d.options.retry.max_retry_after),
    ),
];

const RETRY_REST: &[Field] = &[
    ("retry.retryableStatusCodes", Slot::StatusCodes),
    (
        "retry.jitter",
        Slot::Text(|d, name, given| {
            let choices = "'full', 'equal' or 'none'";
            d.options.retry.jitter =
                Jitter::parse(&given).ok_or_else(|| not_one_of(name, &given, choices))?;
            Ok(())
        }),
    ),
    (
        "retry.respectRetryAfter",
        Slot::Flag(|d| &mut d.options.retry.respect_retry_after),
    ),
];

/// The numbers of `cache`; then `cache.errorRetryCount` is checked as a count, then
/// [`CACHE_FLAGS`].
const CACHE: &[Field] = &[
    (
        "cache.dedupingInterval",
        Slot::Number(|d| &mut d.options.cache.deduping_interval),
    ),
    (
        "cache.refreshInterval",
        Slot::Number(|d| &mut d.options.cache.refresh_interval),
    ),
    (
        "cache.focusThrottleInterval",
        Slot::Number(|d| &mut d.options.cache.focus_throttle_interval),
    ),
    (
        "cache.errorRetryInterval",
        Slot::Number(|d| &mut d.options.cache.error_retry_interval),
    ),
    (
        "cache.errorRetryCount",
        Slot::Number(|d| &mut d.error_retry_count),
    ),
];

const CACHE_FLAGS: &[Field] = &[
    (
        "cache.revalidateOnFocus",
        Slot::Flag(|d| &mut d.options.cache.revalidate_on_focus),
    ),
    (
        "cache.revalidateOnReconnect",
        Slot::Flag(|d| &mut d.options.cache.revalidate_on_reconnect),
    ),
    (
        "cache.refreshWhenHidden",
        Slot::Flag(|d| &mut d.options.cache.refresh_when_hidden),
    ),
];

/// Why `given` is refused: it is not one of the `choices`.
fn not_one_of(name: &str, given: &str, choices: &str) -> OptionError {
    [name, " must be ", choices, ", got '", given, "'"].concat()
}

/// The options being read, filled in place over the defaults.
struct Draft {
    options: ClientOptions,
    /// `retry.maxRetries` and `cache.errorRetryCount` as given, until they are checked as counts.
    max_retries: f64,
    error_retry_count: f64,
}

impl Default for Draft {
    fn default() -> Self {
        let options = ClientOptions::default();
        Self {
            max_retries: f64::from(options.retry.max_retries),
            error_retry_count: f64::from(options.cache.error_retry_count),
            options,
        }
    }
}

impl Draft {
    /// Reads the `fields` of `object` that are there, in order.
    /// `skip` is the length of what the names have before the key (`retry.`), 0 at the top.
    fn read<V: JsonView>(
        &mut self,
        object: &V,
        fields: &[Field],
        skip: usize,
    ) -> Result<(), OptionError> {
        for &(name, slot) in fields {
            let key = name.get(skip..).unwrap_or(name);
            if let Some(value) = object.get(key) {
                self.store(name, slot, &value)?;
            }
        }
        Ok(())
    }

    /// Checks a given field and puts it in its slot.
    fn store<V: JsonView>(&mut self, name: &str, slot: Slot, value: &V) -> Result<(), OptionError> {
        match slot {
            Slot::Number(slot) => {
                let number = value.as_f64().ok_or_else(|| type_error(name, "a number"))?;
                *slot(self) = check_non_negative(name, number)?;
            }
            Slot::Flag(slot) => {
                *slot(self) = value
                    .as_bool()
                    .ok_or_else(|| type_error(name, "a boolean"))?;
            }
            Slot::Text(store) => {
                store(
                    self,
                    name,
                    value.as_str().ok_or_else(|| type_error(name, "a string"))?,
                )?;
            }
            Slot::Headers => self.options.headers = read_headers(value)?,
            Slot::StatusCodes => {
                self.options.retry.retryable_status_codes = read_status_codes(value)?;
            }
            Slot::Retry | Slot::Cache => {
                check_options_object(Some(value), name)?;
                if value.kind() != JsonKind::Null {
                    let retry = matches!(slot, Slot::Retry);
                    let (numbers, count, rest) = if retry {
                        (RETRY, "retry.maxRetries", RETRY_REST)
                    } else {
                        (CACHE, "cache.errorRetryCount", CACHE_FLAGS)
                    };
                    self.read(value, numbers, name.len() + 1)?;
                    let (given, counted) = match retry {
                        true => (self.max_retries, &mut self.options.retry.max_retries),
                        false => (
                            self.error_retry_count,
                            &mut self.options.cache.error_retry_count,
                        ),
                    };
                    *counted = check_count(count, given)?;
                    self.read(value, rest, name.len() + 1)?;
                    if retry {
                        self.check_retry()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The fields of `retry` together: each one's own range was checked as it was read.
    fn check_retry(&self) -> Result<(), OptionError> {
        let retry = &self.options.retry;
        if retry.backoff_factor < 1.0 {
            return Err(refused(
                "retry.backoffFactor",
                " must be a finite number >= 1, got ",
                retry.backoff_factor,
            ));
        }
        if retry.max_delay < retry.initial_delay {
            return Err([
                "retry.maxDelay (",
                &number_text(retry.max_delay),
                ") must not be less than retry.initialDelay (",
                &number_text(retry.initial_delay),
                ")",
            ]
            .concat());
        }
        Ok(())
    }
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

/// `options.headers`, without the names the client sets itself (theirs win).
fn read_headers<V: JsonView>(given: &V) -> Result<Vec<(String, String)>, OptionError> {
    if !given.is_object() {
        return Err(type_error("headers", "an object of strings"));
    }
    let mut headers = Vec::new();
    for key in given.keys() {
        let value = match given.get(&key) {
            Some(value) => value
                .as_str()
                .ok_or_else(|| ["headers['", &key, "'] must be a string"].concat())?,
            None => String::new(),
        };
        if !is_reserved_header(&key) {
            headers.push((key, value));
        }
    }
    Ok(headers)
}

/// The prefix of every route: `baseUrl`'s origin and path, and `basePath`, without a trailing `/`.
/// `part` reads a part of `baseUrl` as the platform's URL parser does (`protocol`, `origin`, ...).
///
/// ```
/// use integrations_client::options::root;
/// let https = |part: &str| match part {
///     "protocol" => "https:", "origin" => "https://a.example", "pathname" => "/app/", _ => "",
/// }.to_owned();
/// assert_eq!(root(https, "/api/integrations/"), Ok("https://a.example/app/api/integrations".to_owned()));
/// let ftp = |part: &str| if part == "protocol" { "ftp:".to_owned() } else { https(part) };
/// assert!(root(ftp, "/api").is_err());
/// let query = |part: &str| if part == "search" { "?a".to_owned() } else { https(part) };
/// assert!(root(query, "/api").is_err());
/// ```
pub fn root(part: impl Fn(&str) -> String, base_path: &str) -> Result<String, OptionError> {
    let protocol = part("protocol");
    if !matches!(protocol.as_str(), "http:" | "https:") {
        return Err(["baseUrl must be http: or https:, got '", &protocol, "'"].concat());
    }
    // A user name, a password, a query or a fragment.
    if ["username", "password", "search", "hash"]
        .iter()
        .any(|name| !part(name).is_empty())
    {
        return Err("baseUrl must not carry credentials, a query or a fragment".to_owned());
    }
    Ok([
        &part("origin"),
        part("pathname").trim_end_matches('/'),
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
    fn retry_fields_are_checked_together() {
        let cases = [
            (
                json!({ "maxDelay": 10, "initialDelay": 20 }),
                "retry.maxDelay (10) must not be less than retry.initialDelay (20)",
            ),
            (
                json!({ "backoffFactor": 0.5 }),
                "retry.backoffFactor must be a finite number >= 1, got 0.5",
            ),
            (
                json!({ "retryableStatusCodes": [99] }),
                "retry.retryableStatusCodes must hold HTTP statuses 100..599, got 99",
            ),
            (
                json!({ "maxRetryAfter": -5 }),
                "retry.maxRetryAfter must be a finite number >= 0, got -5",
            ),
            (
                json!({ "maxRetries": 1.5, "initialDelay": -1 }),
                "retry.initialDelay must be a finite number >= 0, got -1",
            ),
        ];
        for (given, said) in cases {
            let as_option = json!({ "retry": given });
            let error = read_client_options(Some(&as_option)).unwrap_err();
            assert_eq!(error, said);
            assert_eq!(read_fetch_config(Some(&given)).unwrap_err(), said);
        }
    }

    #[test]
    fn fetch_config_is_a_retry_config_with_a_timeout() {
        let given = json!({ "maxRetries": 1, "timeoutMs": 50 });
        let read = read_fetch_config(Some(&given)).unwrap();
        assert_eq!((read.retry.max_retries, read.timeout_ms), (1, 50.0));
        let read = read_fetch_config::<serde_json::Value>(None).unwrap();
        assert_eq!(read.retry, RetryConfig::default());
        assert_eq!(read.timeout_ms, defaults::TIMEOUT_MS);
        let error = read_fetch_config(Some(&json!(5))).unwrap_err();
        assert_eq!(error, "retry must be an object");
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
