//! Sending one attempt with `fetch` and reading its response. Everything `fetch` gives back may
//! be a caller's object (the `fetch` option), so it is read through `Reflect.get` and
//! `Function.call`; what cannot be read is a network error.

use super::{new_object, set};
use crate::client::Response;
use crate::json::JsonView;
use wasm_bindgen::prelude::*;

/// How requests are sent.
pub(crate) struct Transport {
    /// The `fetch` to call (the option, or the global one).
    pub fetch: JsValue,
    /// For `fetchWithRetry`: the caller's `RequestInit`, our own copy made when the call was
    /// taken, sent as given (no headers added); each attempt sets its signal. `undefined` for the
    /// client.
    pub caller_init: JsValue,
}

impl Transport {
    /// Calls `fetch` for one attempt: its promise (rejected with what it threw).
    pub fn fetch(&self, url: &JsValue, init: &JsValue) -> JsValue {
        super::fetch_on(&self.fetch, url, init)
    }

    /// The `RequestInit` of one attempt: the core's (`Client::request_init`), or for
    /// `fetchWithRetry` (none from the core) the caller's; with the attempt's `signal`.
    pub fn init(&self, init: Option<JsValue>, signal: &JsValue) -> JsValue {
        let init = init.unwrap_or_else(|| match self.caller_init.is_undefined() {
            true => new_object(),
            false => self.caller_init.clone(),
        });
        set(&init, "signal", signal);
        init
    }
}

/// A response's status, status text and `Retry-After` (its body not yet read), and the promise
/// of its text; `Err` when it is not a `Response`.
pub(crate) fn read_response(response: &JsValue) -> Result<(Response<JsValue>, JsValue), JsValue> {
    const NOT_A_RESPONSE: &str = "fetch resolved with something that is not a Response";
    let parts = super::defined(head_and_text(response)).ok_or(NOT_A_RESPONSE)?;
    let retry_after = parts.index(0).and_then(|value| value.as_string());
    let head = Response::head(response, retry_after).ok_or(NOT_A_RESPONSE)?;
    Ok((head, parts.index(1).unwrap_or_default()))
}

/// A response's text copied into wasm memory as UTF-8, by `TextEncoder.encodeInto` straight
/// into a buffer of ours (wasm-bindgen's string copy walks the text a char at a time in JS
/// first): `None` when `text` is not a string, is longer than
/// [`crate::client::TEXT_CHECK_MAX_UNITS`], or finds no memory.
#[cfg(feature = "bytes")]
pub(crate) fn utf8(text: &JsValue) -> Option<String> {
    let memory = wasm_bindgen::memory();
    let mut buffer = Vec::new();
    // First with no room, which answers the text's length in UTF-16 units: as many bytes hold
    // an ASCII text; three per unit hold any.
    for _ in 0..3 {
        let written = encode_into(text, &memory, buffer.as_mut_ptr(), buffer.len()).as_f64()?;
        if written >= 0.0 {
            buffer.truncate(written as usize);
            return String::from_utf8(buffer).ok();
        }
        let units = (-written) as usize;
        if units > crate::client::TEXT_CHECK_MAX_UNITS {
            return None;
        }
        let room = match buffer.is_empty() {
            true => units,
            false => units * 3,
        };
        // No room is no text check, never an abort (one would end the wasm for the page).
        buffer
            .try_reserve_exact(room.saturating_sub(buffer.len()))
            .ok()?;
        buffer.resize(room, 0);
    }
    None
}

#[wasm_bindgen(module = "/pkg-template/boundary.js")]
extern "C" {
    /// `[retry-after header, response.text()]`, or `undefined` when they cannot be read.
    #[wasm_bindgen(js_name = headAndText)]
    fn head_and_text(response: &JsValue) -> JsValue;
    /// `text` encoded into `memory` at `at` (`room` bytes): the bytes written when it all fit,
    /// else minus its length in UTF-16 units; `undefined` when it is not a string.
    #[cfg(feature = "bytes")]
    #[wasm_bindgen(js_name = encodeInto)]
    fn encode_into(text: &JsValue, memory: &JsValue, at: *mut u8, room: usize) -> JsValue;
}
