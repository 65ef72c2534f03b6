//! Sending one attempt with `fetch` and reading its response. Everything `fetch` gives back may
//! be a caller's object (the `fetch` option), so it is read through `Reflect.get` and
//! `Function.call`; what cannot be read is a network error.

use super::errors::set;
use super::get;
use crate::client::{Outgoing, Response};
use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// How requests are sent.
pub(crate) struct Transport {
    /// The `fetch` to call (the option, or the global one).
    pub fetch: Function,
    /// `credentials`, when given.
    pub credentials: Option<String>,
    /// For `fetchWithRetry`: the caller's `RequestInit`, our own copy made when the call was
    /// taken, sent as given (no headers added); each attempt sets its signal.
    pub caller_init: Option<JsValue>,
}

impl Transport {
    /// Calls `fetch` for one attempt: its promise, or what it threw.
    pub fn fetch(&self, url: &JsValue, init: &JsValue) -> Result<JsValue, JsValue> {
        self.fetch.call2(&super::global(), url, init)
    }

    /// The URL and `RequestInit` of one attempt.
    pub fn init(&self, request: &Outgoing, signal: &AbortSignal) -> (JsValue, JsValue) {
        let url = JsValue::from_str(&request.url);
        if let Some(caller_init) = &self.caller_init {
            set(caller_init, "signal", signal);
            return (url, caller_init.clone());
        }
        let init: JsValue = Object::new().into();
        let headers: JsValue = Object::new().into();
        for (name, value) in &request.headers {
            set(&headers, name, value.as_str());
        }
        if let Some(body) = &request.body {
            set(&init, "body", body.as_str());
        }
        set(&init, "method", request.method);
        set(&init, "headers", headers);
        // A redirect comes back as a response (status 0 in a browser), which the core refuses:
        // nothing is ever sent to another origin.
        set(&init, "redirect", "manual");
        if let Some(credentials) = &self.credentials {
            set(&init, "credentials", credentials.as_str());
        }
        set(&init, "signal", signal);
        (url, init)
    }
}

/// A response's status, status text and `Retry-After` (its body not yet read), and the promise
/// of its text; `Err` when it is not a `Response`.
pub(crate) fn read_response(response: &JsValue) -> Result<(Response<JsValue>, JsValue), JsValue> {
    const NOT_A_RESPONSE: &str = "fetch resolved with something that is not a Response";
    let status = get(response, "status")
        .and_then(|s| s.as_f64())
        .filter(|s| (0.0..=999.0).contains(s) && s.fract() == 0.0)
        .ok_or(NOT_A_RESPONSE)? as u16;
    let headers = get(response, "headers")
        .filter(JsValue::is_object)
        .ok_or(NOT_A_RESPONSE)?;
    let retry_after = get(&headers, "get")
        .and_then(|read| read.dyn_into::<Function>().ok())
        .and_then(|read| read.call1(&headers, &"retry-after".into()).ok())
        .and_then(|value| value.as_string());
    let text: Function = get(response, "text")
        .and_then(|t| t.dyn_into().ok())
        .ok_or(NOT_A_RESPONSE)?;
    let text = text.call0(response)?;
    let head = Response {
        status,
        status_text: get(response, "statusText")
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        retry_after,
        body: None,
    };
    Ok((head, text))
}

/// A short description of why fetch failed: its message, and Node's `cause.code` where present
/// (`fetch failed (ECONNRESET)`).
pub(crate) fn describe_network_error(error: &JsValue) -> String {
    let message = get(error, "message")
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned());
    match get(error, "cause")
        .and_then(|c| get(&c, "code"))
        .and_then(|c| c.as_string())
    {
        Some(code) => [&message, " (", &code, ")"].concat(),
        None => message,
    }
}
