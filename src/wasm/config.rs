//! Reading options from JavaScript: the core reads and checks every field (`crate::options`);
//! here only what the core cannot hold: functions, the platform's URL parser and
//! `location.origin`, and the frozen `DEFAULT_RETRY_CONFIG`.

use super::{get, global};
use crate::client::{objects, root};
use crate::options::{self, ClientOptions, OptionError};
use crate::retry::RetryConfig;
use wasm_bindgen::prelude::*;

/// An argument as the core reads it: `None` when `undefined`.
pub(crate) fn given(value: &JsValue) -> Option<&JsValue> {
    (!value.is_undefined()).then_some(value)
}

/// An optional function field: `undefined` when absent.
pub(crate) fn opt_function(object: &JsValue, key: &str) -> Result<JsValue, OptionError> {
    match get(object, key) {
        None => Ok(JsValue::UNDEFINED),
        Some(v) if v.is_function() => Ok(v),
        Some(_) => Err([key, " must be a function"].concat()),
    }
}

/// The default retry policy, frozen; the package entry exports it as `DEFAULT_RETRY_CONFIG`.
#[wasm_bindgen(js_name = __defaultRetryConfig, skip_typescript)]
pub fn default_retry_config() -> JsValue {
    objects::retry_config(&RetryConfig::default())
}

/// The global `fetch`, or an error saying there is none.
pub(crate) fn global_fetch() -> Result<JsValue, OptionError> {
    get(&global(), "fetch")
        .filter(JsValue::is_function)
        .ok_or_else(|| "there is no global fetch; pass options.fetch".to_owned())
}

/// `ClientOptions` as read: the core's part, and the functions.
pub(crate) struct Read {
    pub options: ClientOptions,
    /// Every route's prefix; `None` without `baseUrl` outside a browser.
    pub root: Option<String>,
    pub fetch: JsValue,
    /// `logger` and `onMetric`, each `undefined` when absent.
    pub logger: JsValue,
    pub on_metric: JsValue,
    pub tokens: Option<JsValue>,
}

/// Reads `ClientOptions`.
pub(crate) fn read_client(options: &JsValue) -> Result<Read, OptionError> {
    let read = options::read_client_options(given(options))?;
    // The rest, in this order, after the core's part; what fails leaves by one exit.
    let rest = || -> Result<_, OptionError> {
        let origin = get(&global(), "location").and_then(|l| get(&l, "origin"));
        let origin = origin.and_then(|o| o.as_string());
        let root = root(read.base_url.as_deref(), origin, &read.base_path, url_part)?;
        let fetch = opt_function(options, "fetch")?;
        let fetch = match fetch.is_undefined() {
            true => global_fetch()?,
            false => fetch,
        };
        let logger = opt_function(options, "logger")?;
        let on_metric = opt_function(options, "onMetric")?;
        Ok((root, fetch, logger, on_metric))
    };
    let (root, fetch, logger, on_metric) = rest()?;
    Ok(Read {
        options: read,
        root,
        fetch,
        logger,
        on_metric,
        tokens: get(options, "tokens"),
    })
}

/// `baseUrl` as the platform's URL parser reads it: a reader of its parts (`protocol`, ...), or
/// `None` when it refuses it.
fn url_part(base_url: &str) -> Option<impl Fn(&str) -> String> {
    let url = super::defined(super::url(base_url))?;
    // The parts as properties: one generic read, where Url's typed getters are an import each.
    Some(move |name: &str| {
        get(&url, name)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    })
}
