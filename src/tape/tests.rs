//! Native tests of the tape: the parser's edge cases, and numbers pinned to `str::parse::<f64>`.

use super::*;
use crate::model::check_status_response;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::fmt::Write as _;

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
