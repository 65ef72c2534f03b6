//! The JavaScript boundary: every `#[wasm_bindgen]` export lives below, each a few lines that
//! convert and delegate to the pure core. Everything here uses `catch` bindings where JavaScript
//! can throw, so that no input can unwind through Rust frames.

mod client;
mod config;
mod driver;
mod errors;
mod guards;
mod observe;
mod signal;
mod tabs;
mod tokens;
mod transport;

pub use client::{fetch_with_retry, IntegrationsClient};
pub use errors::{create_integration_error, is_integration_error};
pub use guards::{
    is_api_response_guard, is_integration_data, is_integration_status_response,
    is_multi_account_provider, parse_integration_status,
};
pub use tokens::{MultiAccountTokenManager, TokenData};

use crate::json::{JsonKind, JsonView};
use crate::time::EpochMs;
use js_sys::{Array, Date, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = getPrototypeOf)]
    fn try_get_prototype_of(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn try_object_keys(value: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn try_is_array(value: &JsValue) -> Result<bool, JsValue>;
    /// `Date.prototype.getTime.call(value)`: throws for what only looks like a `Date`.
    #[wasm_bindgen(catch, js_namespace = ["Date", "prototype", "getTime"], js_name = call)]
    fn try_get_time(value: &JsValue) -> Result<f64, JsValue>;
    #[wasm_bindgen(catch, js_name = encodeURIComponent)]
    fn try_encode_uri_component(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    fn try_entries(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = fromEntries)]
    pub(crate) fn try_from_entries(entries: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(thread_local_v2, js_namespace = Object, js_name = prototype)]
    static OBJECT_PROTOTYPE: JsValue;
    // `globalThis` (Node >= 12, every browser the package supports): one import, where
    // js_sys::global() probes four.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL: JsValue;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// `globalThis`.
pub(crate) fn global() -> JsValue {
    GLOBAL.with(JsValue::clone)
}

/// A new `Date` of epoch milliseconds.
pub(crate) fn date(ms: EpochMs) -> Date {
    Date::new(&JsValue::from_f64(ms as f64))
}

thread_local! {
    /// Property names already made into JS strings: validation reads the same few names for
    /// every account, and making a JS string from Rust text costs a decode each time. Kept for
    /// the instance's life (64 at most), so that a read borrows one: cloning a JS value and
    /// dropping the clone are two calls into JavaScript each.
    static KEYS: std::cell::RefCell<Vec<(String, &'static JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The JS string of a property name, from the cache when it is there.
fn key(name: &str) -> std::borrow::Cow<'static, JsValue> {
    use std::borrow::Cow;
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, js)) = keys.iter().find(|(n, _)| n == name) {
            return Cow::Borrowed(*js);
        }
        if keys.len() >= 64 {
            return Cow::Owned(JsValue::from_str(name));
        }
        let js: &'static JsValue = Box::leak(Box::new(JsValue::from_str(name)));
        keys.push((name.to_owned(), js));
        Cow::Borrowed(js)
    })
}

/// Reads a property: `None` when absent or `undefined`. A throwing getter or proxy trap reads as
/// a symbol, which every type check refuses, so that a value that cannot be read is never taken
/// for one that is absent.
pub(crate) fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    if !target.is_object() && !target.is_function() {
        return None;
    }
    // No borrow of the cache is held here: a getter may call back into the client.
    match Reflect::get(target, &key(name)) {
        Ok(value) => Some(value).filter(|v| !v.is_undefined()),
        Err(_) => Some(JsValue::symbol(Some("unreadable"))),
    }
}

impl JsonView for JsValue {
    fn kind(&self) -> JsonKind {
        if self.is_null() {
            JsonKind::Null
        } else if self.as_bool().is_some() {
            JsonKind::Bool
        } else if self.as_f64().is_some() {
            JsonKind::Number
        } else if self.is_string() {
            JsonKind::String
        } else if self.is_function() {
            JsonKind::OtherObject
        } else if !self.is_object() {
            JsonKind::Other
        } else {
            match try_is_array(self) {
                Ok(true) => JsonKind::Array,
                Ok(false) => match has_plain_prototype(self) {
                    Some(true) => JsonKind::PlainObject,
                    Some(false) => JsonKind::OtherObject,
                    None => JsonKind::Other,
                },
                Err(_) => JsonKind::Other,
            }
        }
    }

    fn get(&self, key: &str) -> Option<Self> {
        get(self, key)
    }

    fn is_str(&self) -> bool {
        self.is_string()
    }

    fn is_plain_object(&self) -> bool {
        // Four calls instead of `kind()`'s chain of up to nine.
        JsValue::is_object(self)
            && !try_is_array(self).unwrap_or(true)
            && has_plain_prototype(self) == Some(true)
    }

    fn is_object(&self) -> bool {
        // Two calls instead of `kind()`'s chain: an object, and not an array.
        (JsValue::is_object(self) || self.is_function()) && !try_is_array(self).unwrap_or(true)
    }

    fn as_str(&self) -> Option<String> {
        self.as_string()
    }

    fn as_well_formed_str(&self) -> Option<String> {
        well_formed(self)
    }

    fn as_date_ms(&self) -> Option<f64> {
        // A Date-like object (`Object.create(Date.prototype)`, a proxy) throws in `getTime`.
        self.is_instance_of::<Date>()
            .then(|| try_get_time(self).unwrap_or(f64::NAN))
    }

    fn as_str_within(&self, max: usize) -> Option<String> {
        let text = self.dyn_ref::<js_sys::JsString>()?;
        (text.length() as usize <= max).then(|| self.as_string())?
    }

    fn as_f64(&self) -> Option<f64> {
        JsValue::as_f64(self)
    }

    fn as_bool(&self) -> Option<bool> {
        JsValue::as_bool(self)
    }

    fn len(&self) -> Option<usize> {
        get(self, "length")
            .and_then(|n| n.as_f64())
            .filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX) && n.fract() == 0.0)
            .map(|n| n as usize)
    }

    fn index(&self, index: usize) -> Option<Self> {
        match Reflect::get_u32(self, index as u32) {
            Ok(value) => Some(value).filter(|v| !v.is_undefined()),
            Err(_) => Some(JsValue::symbol(Some("unreadable"))),
        }
    }

    fn keys(&self) -> Vec<String> {
        try_object_keys(self)
            .map(|keys| keys.iter().filter_map(|k| k.as_string()).collect())
            .unwrap_or_default()
    }
}

impl crate::client::Value for JsValue {
    fn same(&self, other: &Self) -> bool {
        js_sys::Object::is(self, other)
    }

    /// `JSON.stringify`, kept as a JS string: two texts compare in one native call.
    fn text(&self) -> Option<Self> {
        js_sys::JSON::stringify(self).ok().map(JsValue::from)
    }

    fn with(&self, key: &str, value: Self) -> Self {
        let copy = own_copy(self);
        errors::set(&copy, key, value);
        copy
    }

    fn without(&self, key: &str) -> Self {
        let copy = own_copy(self);
        let _ = Reflect::delete_property(copy.unchecked_ref::<js_sys::Object>(), &key.into());
        copy
    }

    fn number(value: f64) -> Self {
        value.into()
    }

    fn string(text: &str) -> Self {
        text.into()
    }

    fn boolean(value: bool) -> Self {
        value.into()
    }

    fn array(items: Vec<Self>) -> Self {
        items.into_iter().collect::<Array>().into()
    }

    fn object(entries: Vec<(String, Self)>) -> Self {
        let entries: Array = entries
            .into_iter()
            .map(|(k, v)| Array::of2(&k.into(), &v))
            .collect();
        // Entries defined, not assigned: a "__proto__" key stays a key.
        try_from_entries(&entries).unwrap_or(JsValue::NULL)
    }

    fn null() -> Self {
        JsValue::NULL
    }

    fn new_object() -> Self {
        js_sys::Object::new().into()
    }

    fn set(&mut self, key: &str, value: Self) {
        errors::set(self, key, value);
    }

    fn frozen(self) -> Self {
        js_sys::Object::freeze(self.unchecked_ref::<js_sys::Object>()).into()
    }

    fn timestamp(ms: EpochMs) -> Self {
        date(ms).to_iso_string().into()
    }

    fn error(fields: Self) -> Self {
        errors::make_error(fields)
    }
}

/// Whether `value`'s prototype is an `Object.prototype` (of any realm: its own prototype is
/// `null`) or `null`: a plain object made here, in an iframe or in `node:vm`. `None` when the
/// prototype cannot be read.
fn has_plain_prototype(value: &JsValue) -> Option<bool> {
    let proto = try_get_prototype_of(value).ok()?;
    // This realm's `Object.prototype` first: one call for what nearly every value is.
    if proto.is_null() || OBJECT_PROTOTYPE.with(|p| proto == *p) {
        return Some(true);
    }
    Some(try_get_prototype_of(&proto).ok()?.is_null())
}

/// A new plain object with `value`'s own enumerable properties, each defined, not assigned: a
/// `"__proto__"` key from a server stays a key and never becomes the copy's prototype. An
/// object that cannot be read (a getter or proxy trap that throws) copies as an empty one.
pub(crate) fn own_copy(value: &JsValue) -> JsValue {
    try_own_copy(value).unwrap_or_else(|_| js_sys::Object::new().into())
}

/// [`own_copy`], or the error that reading `value` threw.
pub(crate) fn try_own_copy(value: &JsValue) -> Result<JsValue, JsValue> {
    try_from_entries(&try_entries(value)?)
}

/// A string that is well-formed UTF-16: one with a lone surrogate would come out of wasm
/// changed (as U+FFFD), so it can never be stored. Asked of JavaScript only when the copy holds
/// a U+FFFD (`encodeURIComponent` throws on a lone surrogate).
pub(crate) fn well_formed(value: &JsValue) -> Option<String> {
    let text = value.as_string()?;
    let replaced = text
        .as_bytes()
        .windows(3)
        .any(|w| w == "\u{FFFD}".as_bytes());
    (!replaced || try_encode_uri_component(value).is_ok()).then_some(text)
}

/// `Date.now()`.
pub(crate) fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// A uniform draw in `[0, 1)`.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// A fresh uuid v4 from the platform's CSPRNG (`crypto.getRandomValues`, present in browsers,
/// insecure contexts included, and in Node >= 19), falling back to `Math.random`.
pub(crate) fn new_uuid() -> String {
    let bytes = get(&global(), "crypto").and_then(|crypto| {
        let fill: Function = get(&crypto, "getRandomValues")?.dyn_into().ok()?;
        let buffer = js_sys::Uint8Array::new_with_length(16);
        fill.call1(&crypto, &buffer).ok()?;
        let mut bytes = [0u8; 16];
        buffer.copy_to(&mut bytes);
        Some(bytes)
    });
    crate::error::uuid_v4_from(bytes, random)
}
