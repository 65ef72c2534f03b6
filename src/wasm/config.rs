//! Reading options from JavaScript: the core reads and checks every field (`crate::options`);
//! here only what the core cannot hold: functions, the platform's URL parser and
//! `location.origin`, and the frozen `DEFAULT_RETRY_CONFIG`.

use super::errors::set;
use super::{get, global};
use crate::options::{self, ClientOptions, OptionError};
use crate::retry::RetryConfig;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
        Some(url) => Ok(options::root(url_part(&url)?, &read.base_path)?),
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

/// `baseUrl` as the platform's URL parser reads it: a reader of its parts (`protocol`, ...).
fn url_part(base_url: &str) -> Result<impl Fn(&str) -> String, OptionError> {
    let url: JsValue = web_sys::Url::new(base_url)
        .map_err(|_| ["baseUrl '", base_url, "' is not an absolute URL"].concat())?
        .into();
    // The parts as properties: one generic read, where Url's typed getters are an import each.
    Ok(move |name: &str| {
        get(&url, name)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    })
}
