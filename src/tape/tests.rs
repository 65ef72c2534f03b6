//! Native tests of the tape: the parser's edge cases; numbers pinned to `str::parse::<f64>`;
//! acceptance pinned to serde_json; and every check of `model` run on the tape and on the value
//! path (serde_json's parse, read with `JSON.parse`'s object semantics) with identical results.

use super::*;
use crate::json::deep_equal;
use crate::model::{
    check_connect_response, check_disconnect_response, check_integration_data,
    check_refresh_response, check_status_response, is_api_response, read_server_error,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt::Write as _;
use std::rc::Rc;

// ---------------------------------------------------------------------------------------------
// Reading a text

fn ok(text: &str) -> Tape<'_> {
    parse(text).unwrap_or_else(|e| panic!("{text:?}: {}", e.text()))
}

fn err(text: &str) -> ParseError {
    match parse(text) {
        Ok(_) => panic!("{text:?} parsed"),
        Err(e) => e,
    }
}

fn f64_of(text: &str) -> f64 {
    ok(text).root().as_f64().unwrap()
}

fn str_of(text: &str) -> String {
    ok(text).root().as_str().unwrap()
}

/// A canonical text of a value read through `JsonView` alone: `get` for every key `keys` lists,
/// `index` for every item. Keys in the view's order, or sorted; numbers as `#` unless `numbers`.
fn render<V: JsonView>(value: &V, sorted: bool, numbers: bool) -> String {
    let mut out = String::new();
    render_into(value, sorted, numbers, &mut out);
    out
}

fn render_into<V: JsonView>(value: &V, sorted: bool, numbers: bool, out: &mut String) {
    match value.kind() {
        JsonKind::Null => out.push_str("null"),
        JsonKind::Bool => out.push_str(if value.as_bool().unwrap() {
            "true"
        } else {
            "false"
        }),
        JsonKind::Number if numbers => write!(out, "{:?}", value.as_f64().unwrap() + 0.0).unwrap(),
        JsonKind::Number => out.push('#'),
        JsonKind::String => write!(out, "{:?}", value.as_str().unwrap()).unwrap(),
        JsonKind::Array => {
            let len = value.len().unwrap();
            out.push('[');
            for i in 0..len {
                render_into(&value.index(i).unwrap(), sorted, numbers, out);
                out.push(',');
            }
            assert!(value.index(len).is_none());
            out.push(']');
        }
        JsonKind::PlainObject => {
            let mut keys = value.keys();
            if sorted {
                keys.sort();
            }
            out.push('{');
            for key in keys {
                write!(out, "{key:?}:").unwrap();
                render_into(&value.get(&key).unwrap(), sorted, numbers, out);
                out.push(',');
            }
            out.push('}');
        }
        other => write!(out, "{other:?}").unwrap(),
    }
}

// ---------------------------------------------------------------------------------------------
// The parser

#[test]
fn accepts_what_json_parse_accepts() {
    for text in [
        "0",
        "-0",
        "1.5e+3",
        "1E-3",
        "-0.0e0",
        "true",
        "false",
        "null",
        "\"\"",
        "[]",
        "{}",
        " \t\n\r[ 1 , [ ] , { } , \"\\u00e9\" ] \r\n\t ",
        "{\"a\":{\"b\":[null]}}",
        "\"\u{7f}\u{2028}\u{2029}é😀\"",
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\uABCD\\uabcd\"",
        "\"\\ud800\"",
        "\"\\udc00\\ud800\"",
        "123456789012345678901234567890",
        "1e400",
    ] {
        ok(text);
    }
}

#[test]
fn rejects_what_json_parse_rejects_and_says_where() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "unexpected end of input"),
        ("   ", 3, "unexpected end of input"),
        ("[1,]", 3, "unexpected character"),
        ("{\"a\":1,}", 7, "expected a string key"),
        ("[1 2]", 3, "expected ',' or ']'"),
        ("{\"a\" 1}", 5, "expected ':'"),
        ("{\"a\":1 \"b\":2}", 7, "expected ',' or '}'"),
        ("{'a':1}", 1, "expected a string key"),
        ("{a:1}", 1, "expected a string key"),
        ("01", 1, "unexpected text after the value"),
        ("-01", 2, "unexpected text after the value"),
        ("1.", 0, "invalid number"),
        (".5", 0, "unexpected character"),
        ("+1", 0, "unexpected character"),
        ("-", 0, "invalid number"),
        ("1e", 0, "invalid number"),
        ("1e+", 0, "invalid number"),
        ("NaN", 0, "unexpected character"),
        ("Infinity", 0, "unexpected character"),
        ("tru", 0, "unexpected character"),
        ("nul", 0, "unexpected character"),
        ("\"a", 0, "unterminated string"),
        ("\"a\nb\"", 2, "control character in a string"),
        ("\"\t\"", 1, "control character in a string"),
        ("\"\\x\"", 1, "invalid escape"),
        ("\"\\u12G4\"", 1, "invalid \\u escape"),
        ("\"\\u12\"", 1, "invalid \\u escape"),
        ("\"\\\"", 0, "unterminated string"),
        ("[1]]", 3, "unexpected text after the value"),
        ("[1", 2, "unexpected end of input"),
        ("{\"a\":1", 6, "unexpected end of input"),
        ("1 2", 2, "unexpected text after the value"),
        ("// c\n1", 0, "unexpected character"),
        ("[1,,2]", 3, "unexpected character"),
        ("{,}", 1, "expected a string key"),
    ];
    for &(text, at, reason) in cases {
        assert_eq!(err(text), ParseError { at, reason }, "{text:?}");
    }
    assert_eq!(
        err("{\"a\":tru}").text(),
        "invalid JSON at byte 5: unexpected character"
    );
}

#[test]
fn only_json_whitespace_separates_tokens() {
    ok(" \t\n\r1 \t\n\r");
    for space in [
        "\u{a0}", "\u{feff}", "\u{b}", "\u{c}", "\u{2028}", "\u{3000}",
    ] {
        assert!(parse(&format!("{space}1")).is_err(), "{space:?}");
        assert!(parse(&format!("[1{space}]")).is_err(), "{space:?}");
    }
}

#[test]
fn strings_decode_escapes_and_surrogate_pairs() {
    assert_eq!(
        str_of(r#""a\"b\\c\/d\b\f\n\r\t""#),
        "a\"b\\c/d\u{8}\u{c}\n\r\t"
    );
    assert_eq!(str_of(r#""\u00e9\u00C9\u0000\u20AC""#), "éÉ\0€");
    assert_eq!(str_of(r#""\ud83d\ude00|\uD83D\uDE00""#), "😀|😀");
    assert_eq!(str_of("\"raw é😀\""), "raw é😀");
}

#[test]
fn lone_surrogates_read_as_the_replacement_character_of_one_code_unit() {
    let cases = [
        (r#""\ud800""#, "\u{fffd}"),
        (r#""\udc00""#, "\u{fffd}"),
        (r#""a\ud800b""#, "a\u{fffd}b"),
        (r#""\udc00\ud800""#, "\u{fffd}\u{fffd}"),
        (r#""\ud800\ud800\udc00""#, "\u{fffd}𐀀"),
        (r#""\ud800\u0041""#, "\u{fffd}A"),
        (r#""\ud800\n""#, "\u{fffd}\n"),
    ];
    for (text, expected) in cases {
        assert_eq!(str_of(text), expected, "{text}");
    }
    // JavaScript's length of "\ud800" is 1, as is U+FFFD's.
    let tape = ok(r#"["\ud800", "😀", "\ud83d\ude00", "ab"]"#);
    let within = |i, max| tape.root().index(i).unwrap().as_str_within(max);
    assert_eq!(within(0, 1).as_deref(), Some("\u{fffd}"));
    assert_eq!((within(1, 1), within(1, 2).as_deref()), (None, Some("😀")));
    assert_eq!((within(2, 1), within(2, 2).as_deref()), (None, Some("😀")));
    assert_eq!((within(3, 1), within(3, 2).as_deref()), (None, Some("ab")));
}

#[test]
fn numbers_read_as_json_parse_reads_them() {
    assert_eq!(f64_of("1e400"), f64::INFINITY);
    assert_eq!(f64_of("-1e400"), f64::NEG_INFINITY);
    assert_eq!(f64_of("1e-400").to_bits(), 0.0f64.to_bits());
    assert_eq!(f64_of("-0").to_bits(), (-0.0f64).to_bits());
    assert_eq!(f64_of("-0.0e5").to_bits(), (-0.0f64).to_bits());
    assert_eq!(f64_of("0e99999999999999999999"), 0.0);
    assert_eq!(f64_of("1e-99999999999999999999"), 0.0);
    assert_eq!(f64_of("1e99999999999999999999"), f64::INFINITY);
    assert_eq!(f64_of("1e0000000000000000000000000002"), 100.0);
    assert_eq!(f64_of("9007199254740993"), 9_007_199_254_740_992.0);
    assert_eq!(f64_of("0.1"), 0.1);
    assert_eq!(f64_of("1.7976931348623157e308"), f64::MAX);
    assert_eq!(f64_of("1.7976931348623158e308"), f64::MAX);
    assert_eq!(f64_of("1.7976931348623159e308"), f64::INFINITY);
    assert_eq!(f64_of("4.9406564584124654e-324"), f64::from_bits(1));
    assert_eq!(f64_of("2.4703282292062327e-324"), 0.0);
    assert_eq!(f64_of("2.4703282292062328e-324"), f64::from_bits(1));
    assert_eq!(
        f64_of("2.2250738585072011e-308"),
        f64::from_bits(0x000F_FFFF_FFFF_FFFF)
    );
    assert_eq!(f64_of("2.2250738585072012e-308"), f64::MIN_POSITIVE);
    let many = format!("0.{}1e1", "0".repeat(5000));
    assert_eq!(f64_of(&many), 0.0);
    let long = format!("1{}e-5000", "0".repeat(5000));
    assert_eq!(f64_of(&long), 1.0);
}

#[test]
fn a_repeated_key_has_its_last_value_at_its_first_place() {
    let tape = ok(r#"{"b": 1, "a": 2, "b": 3, "\u0061": 4}"#);
    let root = tape.root();
    assert_eq!(root.keys(), ["b", "a"]);
    assert_eq!(root.get("b").and_then(|v| v.as_f64()), Some(3.0));
    assert_eq!(root.get("a").and_then(|v| v.as_f64()), Some(4.0));
    assert!(root.get("c").is_none() && root.get("").is_none());
}

#[test]
fn keys_come_in_javascript_own_key_order() {
    let tape = ok(concat!(
        r#"{"b":0, "10":0, "a":0, "2":0, "01":0, "-1":0, "4294967295":0, "4294967294":0,"#,
        r#" "0":0, "\u0031":0, "1.5":0, " 3":0, "__proto__":0, "2":0, "":0}"#
    ));
    let expected = [
        "0",
        "1",
        "2",
        "10",
        "4294967294",
        "b",
        "a",
        "01",
        "-1",
        "4294967295",
        "1.5",
        " 3",
        "__proto__",
        "",
    ];
    assert_eq!(tape.root().keys(), expected);
}

#[test]
fn proto_is_an_own_key_like_any_other() {
    let tape = ok(r#"{"__proto__": {"x": 1}, "toString": 2}"#);
    let root = tape.root();
    assert_eq!(root.keys(), ["__proto__", "toString"]);
    assert_eq!(
        root.get("__proto__").map(|p| p.keys()),
        Some(vec!["x".to_owned()])
    );
    assert!(root.get("constructor").is_none() && root.get("hasOwnProperty").is_none());
}

#[test]
fn large_objects_are_searched_sorted_with_the_same_answers() {
    // Keys in reverse, one written with escapes, one repeated: past SORTED_ABOVE entries.
    let mut text = String::from("{");
    for i in (0..40).rev() {
        write!(text, r#""k{i:02}": {i}, "#).unwrap();
    }
    text.push_str(r#""\u006b07": "escaped", "k13": "again", "z": 0}"#);
    let tape = ok(&text);
    let root = tape.root();
    let get = |key: &str| root.get(key).map(|v| render(&v, false, true));
    assert_eq!(get("k00").as_deref(), Some("0.0"));
    assert_eq!(get("k39").as_deref(), Some("39.0"));
    assert_eq!(get("k07").as_deref(), Some("\"escaped\""));
    assert_eq!(get("k13").as_deref(), Some("\"again\""));
    assert_eq!(get("z").as_deref(), Some("0.0"));
    assert_eq!(get("k40"), None);
    assert_eq!(get("k"), None);
    let keys = root.keys();
    assert_eq!(keys.len(), 41);
    assert_eq!(
        (keys[0].as_str(), keys[39].as_str(), keys[40].as_str()),
        ("k39", "k00", "z")
    );
}

#[test]
fn a_large_by_provider_is_checked_in_linear_time() {
    // 200 000 providers: quadratic lookups would take minutes.
    let mut text = String::from(
        r#"{"integrations": [], "summary": {"total": 0, "connected": 0, "expired": 0, "byProvider": {"#,
    );
    for i in 0..200_000 {
        write!(text, r#""p{i}": 1,"#).unwrap();
    }
    text.push_str(r#""BAD": 1}}}"#);
    let started = std::time::Instant::now();
    let tape = ok(&text);
    let err = check_status_response(&tape.root()).unwrap_err();
    assert_eq!(err.path, "summary.byProvider");
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

#[test]
fn deeply_nested_documents_parse_without_recursion() {
    let depth = 1_000_000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let tape = ok(&text);
    assert_eq!(tape.root().index(0).and_then(|v| v.len()), Some(1));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    ok(&objects);
    assert_eq!(err(&"[".repeat(depth)).reason, "unexpected end of input");
    assert_eq!(
        err(&format!("{}]", "[".repeat(depth))).reason,
        "unexpected end of input"
    );
}

#[test]
fn no_prefix_of_a_document_parses_and_none_panics() {
    let text = r#"{"a": [1, -2.5e-3, "\ud83d\ude00\"", true, null, {}], "b": {"c": false}}"#;
    ok(text);
    for end in (0..text.len()).filter(|&end| text.is_char_boundary(end)) {
        assert!(parse(&text[..end]).is_err(), "{:?}", &text[..end]);
    }
}

#[test]
fn the_view_reads_each_kind() {
    let tape = ok(r#"[null, true, 1.5, "s", [1], {"k": "v"}]"#);
    let item = |i| tape.root().index(i).unwrap();
    let kinds: Vec<_> = (0..6).map(|i| item(i).kind()).collect();
    use JsonKind::*;
    assert_eq!(kinds, [Null, Bool, Number, String, Array, PlainObject]);
    assert_eq!(item(1).as_bool(), Some(true));
    assert_eq!(item(2).as_f64(), Some(1.5));
    assert_eq!(item(3).as_str().as_deref(), Some("s"));
    assert_eq!((item(4).len(), item(5).len()), (Some(1), None));
    assert!(item(4).index(1).is_none() && item(4).index(usize::MAX).is_none());
    assert_eq!(item(5).keys(), ["k"]);
    for i in 0..5 {
        assert!(item(i).get("k").is_none() && item(i).keys().is_empty());
        assert!(item(i).kind() == Bool || item(i).as_bool().is_none());
    }
    assert!(item(3).as_f64().is_none() && item(2).as_str().is_none());
    assert!(tape.root().index(6).is_none());
}

#[test]
fn the_checks_read_a_body_from_its_text() {
    let text = r#"{"integrations": [{"id": 1e0, "provider": "instagram", "accountId": "a\u002fb",
        "accountName": "@a", "status": "connected", "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2025-01-01T00:00:00Z", "status": "paused"}],
        "summary": {"total": 1, "connected": 1, "expired": 0, "byProvider": {"instagram": 1}}}"#;
    let err = check_status_response(&ok(text).root()).unwrap_err();
    assert_eq!(
        err.text(),
        "integrations[0].status: expected one of 'connected', 'expired', 'error'"
    );
    let fixed = text.replace(r#", "status": "paused""#, "");
    let accounts = check_status_response(&ok(&fixed).root()).unwrap();
    assert_eq!(accounts[0].account_id, "a/b");
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// The exact decimal digits of a finite positive `f64` and their exponent: `digits × 10^exp`.
fn exact_decimal(x: f64) -> (Vec<u8>, i64) {
    let text = format!("{x:.1100e}");
    let (mantissa, exponent) = text.split_once('e').unwrap();
    let digits = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    (digits, exponent.parse::<i64>().unwrap() - 1100)
}

fn add_decimals((a, ea): (Vec<u8>, i64), (b, eb): (Vec<u8>, i64)) -> (Vec<u8>, i64) {
    let exponent = ea.min(eb);
    let widen = |mut d: Vec<u8>, e: i64| {
        d.extend(std::iter::repeat_n(0, (e - exponent) as usize));
        d
    };
    let (a, b) = (widen(a, ea), widen(b, eb));
    let (mut sum, mut carry) = (Vec::new(), 0);
    for i in 0..a.len().max(b.len()) {
        let at = |d: &Vec<u8>| d.len().checked_sub(i + 1).map_or(0, |j| d[j]);
        let s = at(&a) + at(&b) + carry;
        sum.push(s % 10);
        carry = s / 10;
    }
    if carry > 0 {
        sum.push(carry);
    }
    sum.reverse();
    (sum, exponent)
}

fn decimal_text(digits: &[u8], exponent: i64) -> String {
    let digits: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let digits = digits.trim_start_matches('0');
    format!(
        "{}e{exponent}",
        if digits.is_empty() { "0" } else { digits }
    )
}

/// The exact halfway point between `x` and the next `f64` up, and points just below and above.
fn halfway_texts(x: f64) -> [String; 3] {
    let next = f64::from_bits(x.to_bits() + 1);
    let ulp = if next.is_finite() {
        next - x
    } else {
        x - f64::from_bits(x.to_bits() - 1)
    };
    let (ulp_digits, ulp_exponent) = exact_decimal(ulp);
    // ulp / 2 = ulp × 5 / 10.
    let mut half = Vec::new();
    let mut carry = 0;
    for d in ulp_digits.iter().rev() {
        let p = d * 5 + carry;
        half.push(p % 10);
        carry = p / 10;
    }
    half.push(carry);
    half.reverse();
    let (mid, exponent) = add_decimals(exact_decimal(x), (half, ulp_exponent - 1));
    let above = [&mid[..], &[0, 0, 1]].concat();
    let mut below = mid.clone();
    let last = below.iter().rposition(|&d| d != 0).unwrap();
    below[last] -= 1;
    below[last + 1..].iter_mut().for_each(|d| *d = 9);
    below.extend([9, 9, 9]);
    [
        decimal_text(&mid, exponent),
        decimal_text(&above, exponent - 3),
        decimal_text(&below, exponent - 3),
    ]
}

#[test]
fn halfway_points_round_to_even_and_their_neighbours_away() {
    for bits in [
        1,
        2,
        3,
        0x000F_FFFF_FFFF_FFFF,
        0x0010_0000_0000_0000,
        0x3FF0_0000_0000_0000,
        0x3FF0_0000_0000_0001,
        0x4340_0000_0000_0000,
        0x7FEF_FFFF_FFFF_FFFE,
    ] {
        let x = f64::from_bits(bits);
        let [mid, above, below] = halfway_texts(x);
        let even = if bits % 2 == 0 { bits } else { bits + 1 };
        assert_eq!(f64_of(&mid).to_bits(), even, "{mid}");
        assert_eq!(f64_of(&above).to_bits(), bits + 1, "{above}");
        assert_eq!(f64_of(&below).to_bits(), bits, "{below}");
    }
    // Past the largest f64 by half its last unit: Infinity, as JSON.parse reads it.
    let [mid, _, below] = halfway_texts(f64::MAX);
    assert_eq!((f64_of(&mid), f64_of(&below)), (f64::INFINITY, f64::MAX));
}

#[test]
fn heapsort_sorts_like_the_standard_library() {
    let mut runner = TestRunner::deterministic();
    let lists = prop::collection::vec(0usize..50, 0..100);
    runner
        .run(&lists, |mut list| {
            let mut expected = list.clone();
            expected.sort_unstable();
            heapsort(&mut list, &|a, b| a < b);
            prop_assert_eq!(list, expected);
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// The value path: what `JSON.parse` builds, as `JsonView` reads it in wasm

/// A parsed JSON value whose objects keep every entry in text order, repeats included, and read
/// as a JavaScript object does: the last value of a key, keys in own-key order. serde_json does
/// the parsing; serde_json's own `Value` sorts keys (no `preserve_order`), which `Object.keys`
/// does not.
#[derive(Debug, Clone)]
enum Js {
    Null,
    Bool(bool),
    Number(f64),
    String(Rc<str>),
    Array(Rc<Vec<Js>>),
    Object(Rc<Vec<(String, Js)>>),
}

impl<'de> Deserialize<'de> for Js {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsVisitor)
    }
}

struct JsVisitor;

impl<'de> Visitor<'de> for JsVisitor {
    type Value = Js;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Js, E> {
        Ok(Js::Null)
    }
    fn visit_bool<E>(self, value: bool) -> Result<Js, E> {
        Ok(Js::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Js, E> {
        Ok(Js::Number(value as f64))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Js, E> {
        Ok(Js::Number(value as f64))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Js, E> {
        Ok(Js::Number(value))
    }
    fn visit_str<E>(self, value: &str) -> Result<Js, E> {
        Ok(Js::String(value.into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Js, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Js::Array(Rc::new(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Js, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Js::Object(Rc::new(entries)))
    }
}

/// Whether JavaScript lists `key` among the array indices, first and ascending.
fn js_array_index(key: &str) -> Option<u32> {
    let index = key.parse::<u32>().ok()?;
    (index != u32::MAX && index.to_string() == key).then_some(index)
}

impl JsonView for Js {
    fn kind(&self) -> JsonKind {
        match self {
            Js::Null => JsonKind::Null,
            Js::Bool(_) => JsonKind::Bool,
            Js::Number(_) => JsonKind::Number,
            Js::String(_) => JsonKind::String,
            Js::Array(_) => JsonKind::Array,
            Js::Object(_) => JsonKind::PlainObject,
        }
    }
    fn get(&self, key: &str) -> Option<Self> {
        let Js::Object(entries) = self else {
            return None;
        };
        entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
    fn as_str(&self) -> Option<String> {
        match self {
            Js::String(s) => Some(s.to_string()),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            Js::Number(n) => Some(*n),
            _ => None,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Js::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn len(&self) -> Option<usize> {
        match self {
            Js::Array(items) => Some(items.len()),
            _ => None,
        }
    }
    fn index(&self, index: usize) -> Option<Self> {
        match self {
            Js::Array(items) => items.get(index).cloned(),
            _ => None,
        }
    }
    fn keys(&self) -> Vec<String> {
        let Js::Object(entries) = self else {
            return Vec::new();
        };
        let mut keys: Vec<String> = Vec::new();
        for (key, _) in entries.iter() {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        keys.sort_by_key(|k| js_array_index(k).map_or((1, 0), |i| (0, i))); // stable
        keys
    }
}

/// The text for serde_json, where JSON.parse and serde_json differ on purpose: a lone surrogate
/// escape becomes `\uFFFD` (JSON.parse accepts it; the tape reads U+FFFD; serde_json refuses
/// it), and a number beyond ±1e308 becomes `0` (JSON.parse reads ±Infinity; serde_json refuses
/// it, or may round near the limit to Infinity and refuse it).
fn for_serde(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let hex = |at: usize| -> Option<u32> {
        let digits: String = chars.get(at..at + 4)?.iter().collect();
        u32::from_str_radix(&digits, 16)
            .ok()
            .filter(|_| digits.len() == 4)
    };
    let (mut out, mut i, mut in_string) = (String::new(), 0, false);
    while let Some(&c) = chars.get(i) {
        if in_string && c == '\\' {
            let escape = (chars.get(i + 1) == Some(&'u'))
                .then(|| hex(i + 2))
                .flatten();
            let paired = |high: u32| {
                let low = (chars.get(i + 6..i + 8) == Some(&['\\', 'u'][..])).then(|| hex(i + 8));
                (0xD800..0xDC00).contains(&high)
                    && low.flatten().is_some_and(|l| (0xDC00..0xE000).contains(&l))
            };
            match escape {
                Some(unit) if paired(unit) => {
                    out.extend(&chars[i..i + 12]);
                    i += 12;
                }
                Some(0xD800..=0xDFFF) => {
                    out.push_str("\\uFFFD");
                    i += 6;
                }
                _ => {
                    out.extend(chars.get(i..i + 2).unwrap_or(&chars[i..]));
                    i += 2;
                }
            }
        } else if !in_string && (c == '-' || c.is_ascii_digit()) {
            let run = chars[i..]
                .iter()
                .take_while(|c| matches!(c, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
                .count();
            let number: String = chars[i..i + run].iter().collect();
            let huge = is_json_number(&number) && number.parse::<f64>().unwrap().abs() >= 1e308;
            out.push_str(if huge { "0" } else { &number });
            i += run;
        } else {
            in_string ^= c == '"';
            out.push(c);
            i += 1;
        }
    }
    out
}

/// JSON's number grammar, written apart from the parser's.
fn is_json_number(text: &str) -> bool {
    let text = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(digits)
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

// ---------------------------------------------------------------------------------------------
// Documents and their text

/// A JSON document to write out. In strings, U+E000..=U+E003 stand for the lone surrogates
/// D800, DBFF, DC00 and DFFF, which a Rust string cannot hold.
#[derive(Debug, Clone)]
enum Doc {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Doc>),
    Obj(Vec<(String, Doc)>),
}

/// Writes a document with whitespace and escapes chosen by `seed`.
fn write_doc(doc: &Doc, seed: u64) -> String {
    let mut writer = Writer {
        out: String::new(),
        seed: seed | 1,
    };
    writer.space();
    writer.doc(doc);
    writer.space();
    writer.out
}

struct Writer {
    out: String,
    seed: u64,
}

impl Writer {
    fn roll(&mut self, sides: u64) -> u64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed % sides
    }

    fn space(&mut self) {
        let spaces = [" ", "\n", "\t", "\r\n  ", ""];
        let pick = self.roll(12) as usize;
        self.out.push_str(spaces.get(pick).unwrap_or(&""));
    }

    fn doc(&mut self, doc: &Doc) {
        match doc {
            Doc::Null => self.out.push_str("null"),
            Doc::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Doc::Num(text) => self.out.push_str(text),
            Doc::Str(text) => self.string(text),
            Doc::Arr(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    self.out.push_str(if i == 0 { "" } else { "," });
                    self.space();
                    self.doc(item);
                    self.space();
                }
                self.out.push(']');
            }
            Doc::Obj(entries) => {
                self.out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    self.out.push_str(if i == 0 { "" } else { "," });
                    self.space();
                    self.string(key);
                    self.space();
                    self.out.push(':');
                    self.space();
                    self.doc(value);
                    self.space();
                }
                self.out.push('}');
            }
        }
    }

    fn string(&mut self, text: &str) {
        self.out.push('"');
        for c in text.chars() {
            let lone = ["\\ud800", "\\uDBFF", "\\udc00", "\\uDfFf"];
            match c {
                '\u{e000}'..='\u{e003}' => self.out.push_str(lone[c as usize - 0xe000]),
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' if self.roll(2) == 0 => self.out.push_str("\\n"),
                '\u{8}' if self.roll(2) == 0 => self.out.push_str("\\b"),
                '/' if self.roll(2) == 0 => self.out.push_str("\\/"),
                c if c < ' ' || self.roll(6) == 0 => {
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        if self.roll(2) == 0 {
                            write!(self.out, "\\u{unit:04x}").unwrap();
                        } else {
                            write!(self.out, "\\u{unit:04X}").unwrap();
                        }
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_-]{0,8}",
        "\\PC{0,8}",
        "[\"\\\\/\n\t\u{0}\u{1f}\u{7f}\u{e000}-\u{e003}é😀\u{2028}a]{0,6}",
    ]
}

/// Numbers that serde_json reads exactly (an integer, or at most 15 digits times 10^±22), so
/// that the value path's numbers are JSON.parse's; the rest are pinned by `number` tests.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..100).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (-999_999_999_999_999i64..1_000_000_000_000_000, -22i32..=22)
            .prop_map(|(m, e)| format!("{m}e{e}")),
        (any::<bool>(), 0u32..1000, "[0-9]{1,6}").prop_map(|(negative, whole, fraction)| {
            format!("{}{whole}.{fraction}", if negative { "-" } else { "" })
        }),
        prop::sample::select(vec![
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1.0",
            "1e2",
            "1E+2",
            "10E-1",
            "1.5",
            "-1",
            "429",
            "4.29e2",
            "42900e-2",
            "600",
            "99",
            "100",
            "599",
            "599.5",
            "9007199254740991",
            "9007199254740992",
            "9007199254740993",
            "1e300",
            "-1e300",
            "1e-300",
            "0.1",
        ])
        .prop_map(str::to_owned),
    ]
}

fn junk() -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        Just(Doc::Null),
        any::<bool>().prop_map(Doc::Bool),
        number().prop_map(Doc::Num),
        text().prop_map(Doc::Str),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Doc::Arr),
            prop::collection::vec((key(), inner), 0..6).prop_map(Doc::Obj),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "id", "provider", "accountId", "status", "expiresAt", "metadata", "success", "error",
            "message", "data", "__proto__", "0", "1", "2", "10", "01", "-1", "4294967294",
            "4294967295", "\u{e000}", "\u{e002}", "\u{fffd}",
        ])
        .prop_map(str::to_owned),
        1 => text(),
    ]
}

/// Mostly one of `good`, sometimes one of `bad`.
fn pick<T: Clone + std::fmt::Debug + 'static>(good: &[T], bad: &[T]) -> BoxedStrategy<T> {
    let good = prop::sample::select(good.to_vec());
    if bad.is_empty() {
        return good.boxed();
    }
    prop_oneof![24 => good, 1 => prop::sample::select(bad.to_vec())].boxed()
}

fn string_field(good: &[&'static str], bad: &[&'static str]) -> BoxedStrategy<Doc> {
    let text = pick(good, bad).prop_map(|s| Doc::Str(s.to_owned()));
    prop_oneof![40 => text, 1 => junk()].boxed()
}

fn timestamp() -> BoxedStrategy<Doc> {
    string_field(
        &[
            "2025-12-01T00:00:00Z",
            "2025-11-18T00:00:00.5+01:00",
            "2024-02-29T23:59:59.999999999-12:00",
            "1970-01-01t00:00:00z",
        ],
        &[
            "2025-02-30T00:00:00Z",
            "tomorrow",
            "",
            "2025-12-01T00:00:00",
            "2025-12-01T00:00:00.00000000000000000000000000000000000000000000000000000000000Z",
        ],
    )
}

fn provider() -> BoxedStrategy<Doc> {
    let long = Box::leak("a".repeat(64).into_boxed_str());
    let longer = Box::leak("a".repeat(65).into_boxed_str());
    string_field(
        &["instagram", "tiktok", "x", "a_b-c", "123", long],
        &["Instagram", "", "-a", "é", "a b", longer, "\u{e000}"],
    )
}

fn account_id() -> BoxedStrategy<Doc> {
    let at_most = Box::leak("😀".repeat(128).into_boxed_str());
    let too_long = Box::leak("😀".repeat(129).into_boxed_str());
    let free = "[a-zA-Z0-9_.@/]{1,12}".prop_map(Doc::Str);
    prop_oneof![
        2 => free,
        6 => string_field(&["account_1", "...", "a/b", at_most, "\u{e001}"], &[".", "..", "", too_long]),
    ]
    .boxed()
}

fn count() -> BoxedStrategy<Doc> {
    let good = pick(
        &["0", "1", "7", "1.0", "1e2", "10E-1", "9007199254740991"],
        &[],
    );
    prop_oneof![
        30 => good.prop_map(|n| Doc::Num(n.to_owned())),
        1 => number().prop_map(Doc::Num),
        1 => junk(),
    ]
    .boxed()
}

fn boolean() -> BoxedStrategy<Doc> {
    prop_oneof![40 => any::<bool>().prop_map(Doc::Bool), 1 => junk()].boxed()
}

/// Ways to spoil an object: the mutations the checks must agree on.
#[derive(Debug, Clone)]
enum Change {
    Remove(usize),
    Replace(usize, Doc),
    Insert(usize, String, Doc),
    /// The same key again, before or after the entry, with another value.
    Repeat(usize, bool, Doc),
    Swap(usize, usize),
    /// Many more entries, so that the object is stored sorted.
    Pad(Vec<(String, Doc)>),
}

fn change() -> impl Strategy<Value = Change> {
    let index = any::<usize>;
    prop_oneof![
        index().prop_map(Change::Remove),
        (index(), junk()).prop_map(|(i, d)| Change::Replace(i, d)),
        (index(), key(), junk()).prop_map(|(i, k, d)| Change::Insert(i, k, d)),
        (index(), any::<bool>(), junk()).prop_map(|(i, b, d)| Change::Repeat(i, b, d)),
        (index(), index()).prop_map(|(i, j)| Change::Swap(i, j)),
        prop::collection::vec((key(), junk()), 16..24).prop_map(Change::Pad),
    ]
}

fn apply(mut entries: Vec<(String, Doc)>, changes: Vec<Change>) -> Doc {
    for change in changes {
        let at = |i: usize, len: usize| i % len.max(1);
        let len = entries.len();
        match change {
            Change::Remove(i) if len > 0 => drop(entries.remove(at(i, len))),
            Change::Replace(i, doc) if len > 0 => entries[at(i, len)].1 = doc,
            Change::Insert(i, key, doc) => entries.insert(at(i, len + 1), (key, doc)),
            Change::Repeat(i, before, doc) if len > 0 => {
                let i = at(i, len);
                let key = entries[i].0.clone();
                entries.insert(if before { i } else { i + 1 }, (key, doc));
            }
            Change::Swap(i, j) if len > 0 => entries.swap(at(i, len), at(j, len)),
            Change::Pad(more) => {
                for (n, entry) in more.into_iter().enumerate() {
                    entries.insert(at(n * 7, entries.len() + 1), entry);
                }
            }
            _ => {}
        }
    }
    Doc::Obj(entries)
}

/// An object of `fields` (each given or, when `None`, absent), then spoiled by up to 2 changes.
fn object(fields: Vec<(&'static str, BoxedStrategy<Option<Doc>>)>) -> BoxedStrategy<Doc> {
    let changes = prop_oneof![6 => Just(Vec::new()), 1 => prop::collection::vec(change(), 1..3)];
    let fields: Vec<_> = fields.into_iter().map(|(k, v)| (Just(k), v)).collect();
    (fields, changes)
        .prop_map(|(fields, changes)| {
            let entries = fields
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_owned(), v?)))
                .collect();
            apply(entries, changes)
        })
        .boxed()
}

fn required(doc: BoxedStrategy<Doc>) -> BoxedStrategy<Option<Doc>> {
    doc.prop_map(Some).boxed()
}

fn optional(doc: BoxedStrategy<Doc>) -> BoxedStrategy<Option<Doc>> {
    prop::option::of(doc).boxed()
}

fn account() -> BoxedStrategy<Doc> {
    let status = string_field(
        &["connected", "expired", "error"],
        &["paused", "Connected", ""],
    );
    let metadata = prop_oneof![
        20 => prop::collection::vec((key(), junk()), 0..4).prop_map(Doc::Obj),
        1 => junk(),
    ];
    object(vec![
        ("id", required(count())),
        ("provider", required(provider())),
        ("accountId", required(account_id())),
        (
            "accountName",
            required(string_field(&["@user", "", "名前"], &[])),
        ),
        ("status", required(status)),
        ("expiresAt", optional(timestamp())),
        ("metadata", optional(metadata.boxed())),
        ("createdAt", required(timestamp())),
        ("updatedAt", required(timestamp())),
    ])
}

fn status_response() -> BoxedStrategy<Doc> {
    let slug_key = pick(
        &["instagram", "tiktok", "x", "0", "2", "10", "4294967294"],
        &["BAD", "01", "é", "", "\u{e000}"],
    );
    let by_provider = prop_oneof![
        16 => prop::collection::vec((slug_key.clone().prop_map(str::to_owned), count()), 0..6)
            .prop_map(Doc::Obj),
        4 => prop::collection::vec((slug_key.prop_map(str::to_owned), count()), 17..30)
            .prop_map(Doc::Obj),
        1 => junk(),
    ];
    let summary = object(vec![
        ("total", required(count())),
        ("connected", required(count())),
        ("expired", required(count())),
        ("byProvider", required(by_provider.boxed())),
    ]);
    let integrations = prop_oneof![
        20 => prop::collection::vec(account(), 0..4).prop_map(Doc::Arr),
        1 => junk(),
    ];
    object(vec![
        ("integrations", required(integrations.boxed())),
        ("summary", required(summary)),
    ])
}

fn connect_response() -> BoxedStrategy<Doc> {
    let url = string_field(
        &[
            "https://x.test/a?b=c",
            "HTTP://auth.example:8080/",
            "https://u@h/p#f",
        ],
        &[
            "javascript:alert(1)",
            "/relative",
            "https://",
            "http:// x",
            "https://:80/",
        ],
    );
    object(vec![
        ("authUrl", required(url)),
        ("state", required(string_field(&["s", ""], &[]))),
        ("expiresAt", required(timestamp())),
    ])
}

fn disconnect_or_refresh() -> BoxedStrategy<Doc> {
    object(vec![
        ("success", required(boolean())),
        ("provider", required(provider())),
        ("accountId", required(account_id())),
        ("message", optional(string_field(&["done"], &[]))),
        ("expiresAt", optional(timestamp())),
    ])
}

fn error_body() -> BoxedStrategy<Doc> {
    let error = object(vec![
        ("type", optional(string_field(&["rate_limit", ""], &[]))),
        (
            "message",
            optional(string_field(&["busy", "", "é\u{e000}"], &[])),
        ),
        ("userMessage", optional(string_field(&["Try later."], &[]))),
        ("statusCode", optional(count())),
        ("retryable", optional(boolean())),
        ("details", optional(junk().boxed())),
    ]);
    object(vec![("error", required(error))])
}

fn wire_document() -> impl Strategy<Value = Doc> {
    let payload = prop_oneof![
        status_response(),
        account(),
        connect_response(),
        disconnect_or_refresh(),
    ];
    let envelope = object(vec![
        ("success", required(boolean())),
        ("correlationId", required(string_field(&["c-1"], &[]))),
        ("timestamp", optional(timestamp())),
        ("data", optional(payload.clone().boxed())),
        ("error", optional(error_body())),
    ]);
    prop_oneof![4 => payload, 2 => envelope, 1 => error_body(), 1 => junk()]
}

// ---------------------------------------------------------------------------------------------
// The comparisons

/// Every check of `model` on `value`, as comparable text: results, failure paths and messages.
fn checks<V: JsonView>(value: &V) -> Vec<String> {
    let server = read_server_error(value);
    let mut out = vec![
        format!("{:?}", check_status_response(value)),
        format!("{:?}", check_integration_data(value).map_err(|e| e.text())),
        format!("{:?}", check_connect_response(value).map_err(|e| e.text())),
        format!("{:?}", check_disconnect_response(value)),
        format!("{:?}", check_refresh_response(value)),
        format!("{}", is_api_response(value)),
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?}",
            server.message,
            server.user_message,
            server.type_,
            server.status_code,
            server.retryable,
            server.details.map(|d| render(&d, false, true)),
        ),
        format!("{}", deep_equal(value, value)),
    ];
    let integrations = value.get("integrations");
    for i in 0..integrations.as_ref().and_then(JsonView::len).unwrap_or(0) {
        let item = integrations
            .as_ref()
            .and_then(|list| list.index(i))
            .unwrap();
        out.push(format!("{:?}", check_integration_data(&item)));
    }
    out
}

fn checks_agree(text: &str) -> Result<(), TestCaseError> {
    let tape = parse(text).map_err(|e| TestCaseError::fail(e.text()))?;
    let js: Js = serde_json::from_str(&for_serde(text)).unwrap();
    let root = tape.root();
    prop_assert_eq!(render(&root, false, true), render(&js, false, true));
    prop_assert_eq!(checks(&root), checks(&js));
    if let Some(data) = root.get("data") {
        prop_assert_eq!(checks(&data), checks(&js.get("data").unwrap()));
    }
    let value: serde_json::Value = serde_json::from_str(&for_serde(text)).unwrap();
    prop_assert_eq!(render(&root, true, true), render(&value, true, true));
    Ok(())
}

/// Every number on the tape reads as `str::parse::<f64>` reads its text.
fn numbers_are_exact(tape: &Tape) -> Result<(), TestCaseError> {
    for node in &tape.nodes {
        if let Node::Number(span) = node {
            let text = tape.span(*span).unwrap();
            let exact: f64 = text.parse().unwrap();
            prop_assert_eq!(
                number::to_f64(text.as_bytes()).to_bits(),
                exact.to_bits(),
                "{}",
                text
            );
        }
    }
    Ok(())
}

/// The tape accepts what serde_json accepts, but for the differences `for_serde` writes out and
/// serde_json's nesting limit, and then reads the same values.
fn accepts_like_serde(text: &str) -> Result<(), TestCaseError> {
    let ours = parse(text);
    let theirs = serde_json::from_str::<serde_json::Value>(&for_serde(text));
    if let Err(e) = &theirs {
        if e.to_string().contains("recursion limit exceeded") {
            return Ok(()); // serde_json stops at 128 levels; `deeply_nested_documents_parse`
        }
    }
    prop_assert_eq!(
        ours.is_ok(),
        theirs.is_ok(),
        "{:?}: tape {:?}, serde_json {:?}",
        text,
        ours.as_ref().err(),
        theirs.as_ref().err()
    );
    if let (Ok(tape), Ok(value)) = (ours, theirs) {
        prop_assert_eq!(
            render(&tape.root(), true, false),
            render(&value, true, false)
        );
        numbers_are_exact(&tape)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties

fn number_text() -> impl Strategy<Value = String> {
    let shaped = (
        any::<bool>(),
        "[0-9]{1,30}",
        prop::option::of("[0-9]{1,30}"),
        prop::option::of((-400i64..400, 0..3usize)),
    )
        .prop_map(|(negative, whole, fraction, exponent)| {
            let whole = whole.trim_start_matches('0');
            let whole = if whole.is_empty() { "0" } else { whole };
            let mut text = format!("{}{whole}", if negative { "-" } else { "" });
            if let Some(fraction) = fraction {
                write!(text, ".{fraction}").unwrap();
            }
            if let Some((exponent, style)) = exponent {
                let e = ["e", "E", "e"][style];
                let sign = match (exponent < 0, style) {
                    (true, _) => "-",
                    (false, 2) => "+",
                    _ => "",
                };
                write!(text, "{e}{sign}{}", exponent.unsigned_abs()).unwrap();
            }
            text
        });
    let long = (1usize..1200, any::<u64>(), -1500i64..400).prop_map(|(len, seed, exponent)| {
        let mut state = seed | 1;
        let digits: String = (0..len)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'0' + (state % 10) as u8 + u8::from(i == 0 && state % 10 == 0))
            })
            .collect();
        format!("{digits}e{exponent}")
    });
    let shortest = any::<f64>()
        .prop_filter("finite", |x| x.is_finite())
        .prop_map(|x| format!("{x:e}"));
    let halfway = (1u64..0x7FEF_FFFF_FFFF_FFFF, 0..3usize)
        .prop_map(|(bits, which)| halfway_texts(f64::from_bits(bits))[which].clone());
    prop_oneof![3 => shaped, 1 => long, 2 => shortest, 2 => halfway]
}

/// Cases per property: `PROPTEST_CASES` where set, else these.
fn cases(default: u32) -> Config {
    Config::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default),
    )
}

proptest! {
    #![proptest_config(cases(2000))]

    #[test]
    fn the_checks_agree_on_the_tape_and_the_value_path(doc in wire_document(), seed in any::<u64>()) {
        checks_agree(&write_doc(&doc, seed))?;
    }

    #[test]
    fn numbers_are_the_nearest_f64_as_str_parse_gives_it(text in number_text()) {
        prop_assert!(is_json_number(&text), "{}", text);
        let exact: f64 = text.parse().unwrap();
        prop_assert_eq!(number::to_f64(text.as_bytes()).to_bits(), exact.to_bits(), "{}", text);
        prop_assert_eq!(f64_of(&text).to_bits(), exact.to_bits());
    }

    #[test]
    fn json_like_text_is_accepted_exactly_when_serde_json_accepts_it(
        text in "[\\[\\]{}:,\"\\\\ntrufalse0-9eE.+\\- \t\r\nu\u{0}\u{a0}é]{0,40}",
    ) {
        accepts_like_serde(&text)?;
    }

    #[test]
    fn edited_documents_are_accepted_exactly_when_serde_json_accepts_them(
        doc in junk(),
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<usize>(), 0..3u8, prop::sample::select(
            vec!['[', ']', '{', '}', ',', ':', '"', '\\', 'u', 'e', '-', '0', '1', '.', ' ', 'x', 'D', '8'],
        )), 1..4),
    ) {
        let mut chars: Vec<char> = write_doc(&doc, seed).chars().collect();
        for (at, how, c) in edits {
            let at = at % (chars.len() + 1);
            match how {
                0 => chars.insert(at, c),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ if at < chars.len() => chars[at] = c,
                _ => {}
            }
        }
        accepts_like_serde(&chars.into_iter().collect::<String>())?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        accepts_like_serde(&String::from_utf8_lossy(&bytes))?;
    }
}

/// The generator reaches what the property is about: valid payloads of each kind, and failures
/// at many different places.
#[test]
fn the_wire_generator_covers_valid_and_invalid_documents() {
    let mut runner = TestRunner::deterministic();
    let (mut valid, mut paths) = (0, std::collections::BTreeSet::new());
    let (mut repeated, mut sorted) = (0, 0);
    for _ in 0..3000 {
        let doc = wire_document().new_tree(&mut runner).unwrap().current();
        let text = write_doc(&doc, 7);
        let tape = ok(&text);
        let root = tape.root();
        let payload = root.get("data").unwrap_or(root);
        match check_status_response(&payload) {
            Ok(_) => valid += 1,
            Err(e) => {
                paths.insert(e.path);
            }
        }
        let objects = tape.nodes.iter().filter_map(|n| match n {
            Node::Object { count, .. } => Some(*count),
            _ => None,
        });
        sorted += objects.filter(|&count| count > SORTED_ABOVE).count();
        repeated += usize::from(text.contains(r#""id""#) && text.matches(r#""id""#).count() > 1);
    }
    eprintln!(
        "{valid} valid, {} paths, {sorted} sorted objects, {repeated} repeats",
        paths.len()
    );
    assert!(valid > 80, "{valid} valid status responses");
    assert!(
        paths.len() >= 30,
        "{} failure paths: {paths:?}",
        paths.len()
    );
    assert!(
        paths.iter().any(|p| p.starts_with("summary.byProvider")),
        "{paths:?}"
    );
    assert!(
        sorted > 50 && repeated > 50,
        "{sorted} sorted objects, {repeated} repeats"
    );
}

proptest! {
    /// The eight-at-a-time scan of a string's plain bytes stops where a byte-by-byte one does,
    /// whatever the bytes and wherever the first special one falls in a word.
    #[test]
    fn the_word_scan_of_plain_bytes_agrees_with_a_byte_scan(
        bytes in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x20, 0x20u8..=0xff, Just(0x7f), Just(0x80)],
            0..40,
        ),
        skip in 0usize..24,
    ) {
        let plain: Vec<u8> = std::iter::repeat_n(b'a', skip).chain(bytes).collect();
        let expected = plain.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(plain.len());
        prop_assert_eq!(super::parse::plain_run(&plain), expected);
    }
}

/// Every value of `value`'s tree: its `source()` is a document of its own that reads the same.
fn sources_read_back(value: &TapeValue<'_>) -> Result<(), TestCaseError> {
    match value.source() {
        Some(source) => {
            let again = parse(source).map_err(|e| TestCaseError::fail(e.text()))?;
            prop_assert_eq!(
                render(&again.root(), false, true),
                render(value, false, true)
            );
        }
        None => prop_assert!(matches!(value.kind(), JsonKind::Null | JsonKind::Bool)),
    }
    for i in 0..value.len().unwrap_or(0) {
        sources_read_back(&value.index(i).expect("an item"))?;
    }
    for key in value.keys() {
        sources_read_back(&value.get(&key).expect("a value"))?;
    }
    Ok(())
}

proptest! {
    /// A value's source text (what the core keeps to tell an unchanged payload) is the value.
    #[test]
    fn a_value_s_source_is_its_own_text(doc in junk(), seed in any::<u64>()) {
        let text = write_doc(&doc, seed);
        if let Ok(tape) = parse(&text) {
            sources_read_back(&tape.root())?;
        }
    }
}
