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
pub use tokens::MultiAccountTokenManager;

use crate::json::{JsonKind, JsonView};
use crate::time::EpochMs;
use wasm_bindgen::prelude::*;

// The platform's functions, declared here rather than taken from js-sys: each crate of
// bindings links its whole surface (js-sys alone put ~2 KB of closure shims in the table).
#[wasm_bindgen]
extern "C" {
    // `globalThis` (Node >= 12, every browser the package supports): one import, where
    // js_sys::global() probes four.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL: JsValue;
    /// Deletes a property of an object the wasm has just made; that cannot throw.
    #[wasm_bindgen(js_namespace = Reflect, js_name = deleteProperty)]
    fn delete_property(target: &JsValue, key: &str) -> bool;
    /// `Object()`: a new empty object.
    #[wasm_bindgen(js_name = Object)]
    pub(crate) fn new_object() -> JsValue;
    /// `Array()`: a new empty array.
    #[wasm_bindgen(js_name = Array)]
    pub(crate) fn new_array() -> JsValue;
    #[wasm_bindgen(js_namespace = ["Array", "prototype", "push"], js_name = call)]
    pub(crate) fn push(array: &JsValue, value: &JsValue);
    /// `array.push(a, b, c)` of three numbers: no JS value made (and dropped) for each.
    #[wasm_bindgen(js_namespace = ["Array", "prototype", "push"], js_name = call)]
    pub(crate) fn push_numbers(array: &JsValue, a: f64, b: f64, c: f64);
    #[wasm_bindgen(js_namespace = Object, js_name = freeze)]
    fn freeze(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_namespace = Object, js_name = is)]
    fn same(a: &JsValue, b: &JsValue) -> bool;
    #[wasm_bindgen(js_namespace = Symbol, js_name = for)]
    fn symbol_for(name: &str) -> JsValue;
    #[wasm_bindgen(js_namespace = Promise, js_name = reject)]
    pub(crate) fn rejected(value: &JsValue) -> JsValue;
    /// A uniform draw in `[0, 1)`.
    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    pub(crate) fn random() -> f64;
    /// `Date.now()`.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

/// A new JS array of `items`.
pub(crate) fn array<T: AsRef<JsValue>>(items: impl IntoIterator<Item = T>) -> JsValue {
    let array = new_array();
    items.into_iter().for_each(|v| push(&array, v.as_ref()));
    array
}

/// Sets a property on an object we just created; that cannot throw.
pub(crate) fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    set_field(target, key, &value.into());
}

/// `globalThis`.
pub(crate) fn global() -> JsValue {
    GLOBAL.with(JsValue::clone)
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

#[wasm_bindgen(module = "/pkg-template/boundary.js")]
extern "C" {
    /// `target[key]` in one crossing: `undefined` when `target` is not an object or a function,
    /// a symbol when the read threw.
    #[wasm_bindgen(js_name = read)]
    fn read_property(target: &JsValue, key: &JsValue) -> JsValue;
    /// The same for an array's item, without making a key for it.
    #[wasm_bindgen(js_name = read)]
    fn read_index(target: &JsValue, index: u32) -> JsValue;
    /// The value's [`JsonKind`], as its number, in one crossing.
    #[wasm_bindgen(js_name = kind)]
    fn kind_of(value: &JsValue) -> u32;
    /// The string, when `value` is one of at most `max` UTF-16 code units.
    #[wasm_bindgen(js_name = stringWithin)]
    fn string_within(value: &JsValue, max: f64) -> Option<String>;
    /// `target[key] = value` in one crossing (the key's text is read from wasm memory).
    #[wasm_bindgen(js_name = set)]
    fn set_field(target: &JsValue, key: &str, value: &JsValue);
    /// `f(value)`; what it throws is dropped.
    pub(crate) fn invoke(f: &JsValue, value: &JsValue);
    /// `listener` on `signal`'s abort; the function that takes it off, or `undefined` when
    /// `signal` is no `AbortSignal`.
    pub(crate) fn listen(signal: &JsValue, listener: &JsValue) -> JsValue;
    /// The window's focus and online listeners and the document's visibilitychange one, added
    /// or removed (in a page).
    #[wasm_bindgen(js_name = windowEvents)]
    pub(crate) fn window_events(add: bool, focus: &JsValue, online: &JsValue, visibility: &JsValue);
    /// Whether the page is hidden. (A JS value, not a `bool`: the glue then has a shim for it,
    /// where an import the wasm took straight from this module would be a second import
    /// module, which the build's short names cannot have.)
    pub(crate) fn hidden() -> JsValue;
    /// `fetch(url, init)` on `globalThis`: its promise, rejected with what it threw.
    #[wasm_bindgen(js_name = fetchOn)]
    pub(crate) fn fetch_on(fetch: &JsValue, url: &JsValue, init: &JsValue) -> JsValue;
    /// `target[name]()`, or `undefined` when that throws.
    #[wasm_bindgen(js_name = callMethod)]
    pub(crate) fn call_method(target: &JsValue, name: &str) -> JsValue;
    /// `new URL(text)`, or `undefined` for a text it does not parse.
    pub(crate) fn url(text: &str) -> JsValue;
    /// `new AbortController()`, or `undefined` on a platform without one.
    pub(crate) fn controller() -> JsValue;
    /// `new Date(ms).toISOString()`: a timestamp as the platform writes it.
    #[wasm_bindgen(js_name = isoTime)]
    fn iso_time(ms: f64) -> JsValue;
    /// `JSON.parse(text)`, or `undefined` for what is not JSON.
    pub(crate) fn parse(text: &JsValue) -> JsValue;
    /// `JSON.stringify(value)`, or `undefined` when it throws.
    #[wasm_bindgen(js_name = text)]
    fn json_text(value: &JsValue) -> JsValue;
    /// `Object.keys(value)`, or `undefined` when they cannot be listed.
    #[wasm_bindgen(js_name = keys)]
    fn object_keys(value: &JsValue) -> JsValue;
    /// `entry` to `logger`, or to `console[method](message, entry)` when it is `undefined`.
    pub(crate) fn log(logger: &JsValue, method: &str, message: &str, entry: &JsValue);
    /// Asks Web Locks for the lock `name`; the controller that withdraws the request, or
    /// `undefined` when it could not ask.
    pub(crate) fn lock(locks: &JsValue, name: &str, granted: &JsValue) -> JsValue;
    /// Calls `held` when it is a function (a lock's release), else `held.abort()` (a
    /// controller's): a lock let go, a lock request withdrawn, an attempt aborted.
    pub(crate) fn release(held: &JsValue);
    /// The string, when `value` is one with no lone surrogate: one would come out of wasm
    /// changed (as U+FFFD), so it can never be stored.
    #[wasm_bindgen(js_name = wellFormed)]
    fn well_formed_js(value: &JsValue) -> JsValue;
    /// A date's epoch milliseconds (`NaN` for what only looks like a date); `None` for others.
    #[wasm_bindgen(js_name = dateMs)]
    fn date_ms(value: &JsValue) -> JsValue;
    /// A plain copy of `value`'s own enumerable properties; `undefined` when they cannot be read.
    fn copy(value: &JsValue) -> JsValue;
    /// Defines `target[key] = value`.
    fn define(target: &JsValue, key: &str, value: &JsValue);
    /// A fresh uuid v4, from the platform's CSPRNG where there is one.
    #[wasm_bindgen(js_name = uuid)]
    fn uuid_js() -> JsValue;
    /// `new Class(fields)`, or without a class a plain `Error` of `fields` with the brand.
    pub(crate) fn make(class: &JsValue, fields: &JsValue) -> JsValue;
}

/// What a boundary.js helper answered: `None` for `undefined` (absent, or what the platform
/// refused). `config::given` is the same test for a borrowed argument.
pub(crate) fn defined(value: JsValue) -> Option<JsValue> {
    (!value.is_undefined()).then_some(value)
}

/// Reads a property: `None` when absent or `undefined`. A throwing getter or proxy trap reads as
/// a symbol, which every type check refuses, so that a value that cannot be read is never taken
/// for one that is absent.
pub(crate) fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    // No borrow of the cache is held here: a getter may call back into the client.
    read(target, &key(name))
}

/// `target[key]`: `None` when `undefined` or when `target` is not an object; what throws reads
/// as a symbol.
pub(crate) fn read(target: &JsValue, key: &JsValue) -> Option<JsValue> {
    defined(read_property(target, key))
}

impl JsonView for JsValue {
    fn kind(&self) -> JsonKind {
        match kind_of(self) {
            0 => JsonKind::Null,
            1 => JsonKind::Bool,
            2 => JsonKind::Number,
            3 => JsonKind::String,
            4 => JsonKind::Array,
            5 => JsonKind::PlainObject,
            6 => JsonKind::OtherObject,
            _ => JsonKind::Other,
        }
    }

    fn get(&self, key: &str) -> Option<Self> {
        get(self, key)
    }

    fn as_str(&self) -> Option<String> {
        self.as_string()
    }

    fn as_well_formed_str(&self) -> Option<String> {
        well_formed(self)
    }

    fn as_date_ms(&self) -> Option<f64> {
        date_ms(self).as_f64()
    }

    fn as_str_within(&self, max: usize) -> Option<String> {
        string_within(self, max as f64)
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
        defined(read_index(self, index as u32))
    }

    fn keys(&self) -> Vec<String> {
        // Every item of `Object.keys` is a string, so the first read that is not one is its end
        // (what could not be listed is `undefined`: no keys).
        let keys = object_keys(self);
        (0..).map_while(|i| keys.index(i)?.as_string()).collect()
    }
}

impl crate::client::Value for JsValue {
    fn same(&self, other: &Self) -> bool {
        same(self, other)
    }

    /// `JSON.stringify`, kept as a JS string: two texts compare in one native call.
    fn text(&self) -> Option<Self> {
        defined(json_text(self))
    }

    fn with(&self, key: &str, value: Self) -> Self {
        let copy = own_copy(self);
        set(&copy, key, value);
        copy
    }

    fn without(&self, key: &str) -> Self {
        let copy = own_copy(self);
        delete_property(&copy, key);
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
        array(items)
    }

    fn object(entries: Vec<(String, Self)>) -> Self {
        let object = new_object();
        // Defined, not assigned: a "__proto__" key stays a key.
        entries.iter().for_each(|(k, v)| define(&object, k, v));
        object
    }

    fn null() -> Self {
        JsValue::NULL
    }

    fn new_object() -> Self {
        new_object()
    }

    fn set(&mut self, key: &str, value: Self) {
        set(self, key, value);
    }

    fn frozen(self) -> Self {
        freeze(&self)
    }

    fn timestamp(ms: EpochMs) -> Self {
        iso_time(ms as f64)
    }

    fn error(fields: Self) -> Self {
        errors::make_error(fields)
    }
}

/// A new plain object with `value`'s own enumerable properties, each defined, not assigned: a
/// `"__proto__"` key from a server stays a key and never becomes the copy's prototype. An
/// object that cannot be read (a getter or proxy trap that throws) copies as an empty one.
pub(crate) fn own_copy(value: &JsValue) -> JsValue {
    try_own_copy(value).unwrap_or_else(new_object)
}

/// [`own_copy`], or `None` when reading `value` threw.
pub(crate) fn try_own_copy(value: &JsValue) -> Option<JsValue> {
    defined(copy(value))
}

/// The string, when `value` is one with no lone surrogate (taken as a JS string and copied
/// with the common `as_string`: one glue shim fewer than an `Option<String>` return).
pub(crate) fn well_formed(value: &JsValue) -> Option<String> {
    well_formed_js(value).as_string()
}

/// A fresh uuid v4, from the platform's CSPRNG where there is one.
pub(crate) fn new_uuid() -> String {
    uuid_js().as_string().unwrap_or_default()
}

/// `Date.now()`.
pub(crate) fn now() -> i64 {
    date_now() as i64
}
