//! A read-only view of a parsed JSON value, so that validation is written once in plain Rust and
//! runs both on JavaScript values (in wasm, no copy: the object the caller gets is the one that was
//! checked) and on `serde_json::Value` (in native tests).

/// What a value is, as far as the wire types care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number (`NaN` and infinities included: the checks reject them where it matters).
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object whose prototype is `Object.prototype` or `null`.
    PlainObject,
    /// Another object: a `Date`, a `Map`, a class instance, a function.
    OtherObject,
    /// `undefined`, a symbol, a bigint, or a value that could not be read.
    Other,
}

/// Read access to a JSON-like value. Every method is total: a property that is there but cannot be
/// read (a getter that throws, a proxy trap) reads as a value of kind `Other`, which no check
/// accepts; nothing panics.
#[allow(clippy::len_without_is_empty)] // `len` is an array's length, not a collection's
pub trait JsonView: Sized {
    /// The value's kind.
    fn kind(&self) -> JsonKind;
    /// The property `key` of an object; `None` when absent or `undefined`.
    fn get(&self, key: &str) -> Option<Self>;
    /// The string, when this is one.
    fn as_str(&self) -> Option<String>;
    /// The string, when this is one of at most `max` UTF-16 code units (JavaScript's `length`);
    /// a longer one is never copied, so that no value can exhaust memory.
    fn as_str_within(&self, max: usize) -> Option<String> {
        self.as_str().filter(|s| s.encode_utf16().count() <= max)
    }
    /// The number, when this is one.
    fn as_f64(&self) -> Option<f64>;
    /// The boolean, when this is one.
    fn as_bool(&self) -> Option<bool>;
    /// The length of an array; `None` for anything else, or when it cannot be read.
    fn len(&self) -> Option<usize>;
    /// The item `index` of an array.
    fn index(&self, index: usize) -> Option<Self>;
    /// The own enumerable keys of an object, in order (empty for anything else).
    fn keys(&self) -> Vec<String>;

    /// The string, when this is one with no lone surrogate (JavaScript strings can hold them; a
    /// copy into Rust would put U+FFFD in their place, and two texts would then meet).
    fn as_well_formed_str(&self) -> Option<String> {
        self.as_str()
    }

    /// A date object's epoch milliseconds (`NaN` for an invalid date, or for what only looks
    /// like a date); `None` for anything else.
    fn as_date_ms(&self) -> Option<f64> {
        None
    }

    /// Whether this is a string, without copying it.
    fn is_str(&self) -> bool {
        self.kind() == JsonKind::String
    }

    /// Whether this is a plain object (prototype `Object.prototype` or `null`).
    fn is_plain_object(&self) -> bool {
        self.kind() == JsonKind::PlainObject
    }

    /// Whether this is an object of any kind, arrays excluded.
    fn is_object(&self) -> bool {
        matches!(self.kind(), JsonKind::PlainObject | JsonKind::OtherObject)
    }
}

/// Appends `text` as a JSON string literal, escaped as `JSON.stringify` escapes it.
///
/// ```
/// let mut out = String::new();
/// integrations_client::json::write_string(&mut out, "a\"b\\c\n\u{1}é");
/// assert_eq!(out, r#""a\"b\\c\n\u0001é""#);
/// ```
pub fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Structural equality of two JSON values: same kinds, equal scalars, equal items and equal
/// key/value sets (key order ignored). Used to keep the same snapshot when a revalidation brings
/// back the data the store already has. Values nested deeper than [`MAX_DEPTH`] count as
/// different (the store then takes the new data), so that no response can exhaust the wasm stack.
pub fn deep_equal<V: JsonView>(a: &V, b: &V) -> bool {
    equal_within(a, b, MAX_DEPTH)
}

/// How deep [`deep_equal`] looks.
pub const MAX_DEPTH: u32 = 64;

fn equal_within<V: JsonView>(a: &V, b: &V, depth: u32) -> bool {
    let Some(depth) = depth.checked_sub(1) else {
        return false;
    };
    let kind = a.kind();
    if kind != b.kind() {
        return false;
    }
    match kind {
        JsonKind::Null => true,
        JsonKind::Bool => a.as_bool() == b.as_bool(),
        JsonKind::Number => a.as_f64() == b.as_f64(),
        JsonKind::String => a.as_str() == b.as_str(),
        JsonKind::Array => {
            let len = a.len();
            len.is_some()
                && len == b.len()
                && (0..len.unwrap_or(0)).all(|i| items_equal(a.index(i), b.index(i), depth))
        }
        JsonKind::PlainObject => {
            let keys = a.keys();
            keys.len() == b.keys().len()
                && keys.iter().all(|k| items_equal(a.get(k), b.get(k), depth))
        }
        JsonKind::OtherObject | JsonKind::Other => false,
    }
}

/// Two items (of arrays or objects) compared within `depth`: both absent, or both there and equal.
fn items_equal<V: JsonView>(x: Option<V>, y: Option<V>, depth: u32) -> bool {
    match (x, y) {
        (Some(x), Some(y)) => equal_within(&x, &y, depth),
        (x, y) => x.is_none() && y.is_none(),
    }
}

/// The array index a property key names (`"0"`, `"42"`: digits, no leading zero, at most
/// 2³² − 2), as JavaScript reads one; `None` for any other key.
pub fn array_index(key: impl IntoIterator<Item = char>) -> Option<u64> {
    let mut chars = key.into_iter();
    let mut index = u64::from(chars.next()?.to_digit(10)?);
    for c in chars {
        if index == 0 {
            return None;
        }
        index = index * 10 + u64::from(c.to_digit(10)?);
        if index > 0xFFFF_FFFE {
            return None;
        }
    }
    Some(index)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod serde_impl {
    //! `JsonView` for `serde_json::Value`, for native tests of the validators.
    use super::{JsonKind, JsonView};
    use serde_json::Value;

    impl JsonView for Value {
        fn kind(&self) -> JsonKind {
            match self {
                Value::Null => JsonKind::Null,
                Value::Bool(_) => JsonKind::Bool,
                Value::Number(_) => JsonKind::Number,
                Value::String(_) => JsonKind::String,
                Value::Array(_) => JsonKind::Array,
                Value::Object(_) => JsonKind::PlainObject,
            }
        }
        fn get(&self, key: &str) -> Option<Self> {
            self.as_object()?.get(key).cloned()
        }
        fn as_str(&self) -> Option<String> {
            Value::as_str(self).map(str::to_owned)
        }
        fn as_f64(&self) -> Option<f64> {
            Value::as_f64(self)
        }
        fn as_bool(&self) -> Option<bool> {
            Value::as_bool(self)
        }
        fn len(&self) -> Option<usize> {
            self.as_array().map(Vec::len)
        }
        fn index(&self, index: usize) -> Option<Self> {
            self.as_array()?.get(index).cloned()
        }
        fn keys(&self) -> Vec<String> {
            self.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn array_indices_are_digits_without_a_leading_zero_below_2_pow_32_minus_1() {
        let index = |key: &str| array_index(key.chars());
        assert_eq!((index("0"), index("120")), (Some(0), Some(120)));
        assert_eq!(index("4294967294"), Some(4_294_967_294));
        for key in [
            "",
            "01",
            "-1",
            "1.5",
            "length",
            "4294967295",
            "99999999999999999999999",
        ] {
            assert_eq!(index(key), None, "{key}");
        }
    }

    #[test]
    fn deep_equal_ignores_key_order_but_not_values() {
        let a = json!({"a": [1, {"b": null}], "c": "x"});
        let b = json!({"c": "x", "a": [1, {"b": null}]});
        let c = json!({"c": "x", "a": [1, {"b": false}]});
        assert!(deep_equal(&a, &b));
        assert!(!deep_equal(&a, &c));
        assert!(!deep_equal(&json!([1, 2]), &json!([1, 2, 3])));
        assert!(!deep_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn deep_equal_stops_at_its_depth_instead_of_exhausting_the_stack() {
        let nested = |depth: u32| (0..depth).fold(json!(1), |inner, _| json!({ "m": [inner] }));
        // Each level is an object and an array: two levels of recursion.
        let shallow = nested(MAX_DEPTH / 2 - 1);
        assert!(deep_equal(&shallow, &shallow.clone()));
        let deep = nested(MAX_DEPTH);
        assert!(
            !deep_equal(&deep, &deep.clone()),
            "deeper than MAX_DEPTH counts as changed"
        );
    }
}
