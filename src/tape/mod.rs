//! JSON text checked in wasm memory: a strict parser that accepts exactly what `JSON.parse`
//! accepts and writes the document into a flat tape in one pass, and [`TapeValue`], a cursor
//! into the tape that implements [`JsonView`], so that the checks of [`crate::model`] run on the
//! body's text with the same rules as on JavaScript values, without a boundary crossing per field.
//!
//! How the tape reads what `JSON.parse` would have built:
//!
//! - A string holding a lone surrogate (`"\ud800"`, which `JSON.parse` accepts) reads with
//!   U+FFFD in its place, as wasm-bindgen's string conversion gives it from a JavaScript value;
//!   its length in UTF-16 code units is unchanged (one). Two keys that differ only in their lone
//!   surrogates are one key here.
//! - A repeated key: its last value, at its first position (`JSON.parse` redefines the property,
//!   which keeps its place).
//! - `keys()` are in JavaScript's own-key order: array indices (`"0"`, `"42"`, up to
//!   2³² − 2) ascending, then the other keys in the order they first appear.
//! - `__proto__` is an ordinary own key, as `JSON.parse` defines it.
//! - Numbers are the nearest `f64`, ties to even: `1e400` is `Infinity`, `1e-400` is `0`, `-0`
//!   is `-0`.
//! - `get` reads own keys of objects only, as the `serde_json` view does: a JavaScript property
//!   read would also find `Object.prototype`'s members (`toString`) and an array's `length` or
//!   indices, names that no check reads.
//! - Nesting has no limit of its own: the parser keeps its open containers in a `Vec`, not on the
//!   call stack, so a deep document costs memory in proportion to its length and nothing more.
//!
//! Each value is one node in one `Vec`, whatever its kind; strings and numbers are spans of
//! the text (a string without escapes is read straight from it), and the children of each
//! container are one contiguous run of node indices, so that `index` and `len` cost O(1) and
//! `get` is a scan of the object's keys, or a binary search when it has many.
//!
//! # Examples
//!
//! ```
//! use integrations_client::{json::JsonView, model, tape};
//!
//! let tape = tape::parse(r#"{"success": true, "correlationId": "c-1", "data": [1, 2]}"#)
//!     .expect("valid JSON");
//! assert!(model::is_api_response(&tape.root()));
//! assert_eq!(tape.root().get("data").and_then(|d| d.len()), Some(2));
//!
//! let error = tape::parse("[1, 2,]").unwrap_err();
//! assert_eq!(error.text(), "invalid JSON at byte 6: unexpected character");
//! ```

mod number;
mod parse;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use crate::json::{JsonKind, JsonView};
use core::cmp::Ordering;

pub use parse::parse;

/// Objects with more keys than this have them sorted in the tape, so that `get` is a binary
/// search and a server cannot make a check quadratic with one large object.
const SORTED_ABOVE: usize = 16;

/// A JSON document parsed into a tape: read it from [`Tape::root`].
#[derive(Debug)]
pub struct Tape<'a> {
    text: &'a str,
    /// Every value of the document, the root first; a key is followed by its value.
    nodes: Vec<Node>,
    /// The children of every container, each container's a contiguous run of node indices.
    children: Vec<usize>,
}

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The byte offset in the text where the problem was found.
    pub at: usize,
    /// What is wrong there, e.g. `unexpected character`.
    pub reason: &'static str,
}

impl ParseError {
    /// `invalid JSON at byte N: reason`.
    pub fn text(&self) -> String {
        [
            "invalid JSON at byte ",
            &crate::error::int_text(self.at as i64),
            ": ",
            self.reason,
        ]
        .concat()
    }
}

/// One value.
#[derive(Debug, Clone, Copy)]
enum Node {
    Null,
    Bool(bool),
    /// The number's text, already checked against the grammar; converted when read.
    Number(Span),
    /// The text between the quotes; `escaped` when it holds a backslash.
    String {
        text: Span,
        escaped: bool,
    },
    /// Items `children[first..first + count]`; `text` from `[` to `]`.
    Array {
        first: usize,
        count: usize,
        text: Span,
    },
    /// Keys `children[first..first + count]`, each followed by its value in `nodes`; in text
    /// order, or sorted by key and then position when there are more than [`SORTED_ABOVE`];
    /// `text` from `{` to `}`.
    Object {
        first: usize,
        count: usize,
        text: Span,
    },
}

/// A byte range of the text.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

impl<'a> Tape<'a> {
    /// The document's value.
    pub fn root(&self) -> TapeValue<'_> {
        TapeValue { tape: self, at: 0 }
    }

    fn node(&self, at: usize) -> Option<Node> {
        self.nodes.get(at).copied()
    }

    fn span(&self, span: Span) -> Option<&'a str> {
        self.text.get(span.start..span.end)
    }

    /// The text of a string without escapes.
    fn raw(&self, at: usize) -> Option<&'a str> {
        match self.node(at)? {
            Node::String {
                text,
                escaped: false,
            } => self.span(text),
            _ => None,
        }
    }

    /// The characters of a string, escapes decoded (none for anything else).
    fn chars(&self, at: usize) -> Unescape<'a> {
        let text = match self.node(at) {
            Some(Node::String { text, .. }) => self.span(text),
            _ => None,
        };
        Unescape(text.unwrap_or_default().chars())
    }

    /// Orders two keys by their decoded text (code point order, which is UTF-8 byte order).
    fn compare_keys(&self, a: usize, b: usize) -> Ordering {
        match (self.raw(a), self.raw(b)) {
            (Some(a), Some(b)) => a.cmp(b),
            _ => self.chars(a).cmp(self.chars(b)),
        }
    }

    fn compare_key(&self, at: usize, key: &str) -> Ordering {
        match self.raw(at) {
            Some(raw) => raw.cmp(key),
            None => self.chars(at).cmp(key.chars()),
        }
    }

    /// Whether the key at `at` is `key`: its bytes, when it has no escapes.
    fn is_key(&self, at: usize, key: &str) -> bool {
        match self.node(at) {
            Some(Node::String {
                text,
                escaped: false,
            }) => self.text.as_bytes().get(text.start..text.end) == Some(key.as_bytes()),
            _ => self.compare_key(at, key).is_eq(),
        }
    }

    /// The key's value as an array index: JavaScript lists such keys first.
    fn array_index(&self, at: usize) -> Option<u64> {
        crate::json::array_index(self.chars(at))
    }

    /// The key node of `key` among an object's keys `children[first..first + count]`, the last
    /// one when it repeats.
    fn find(&self, first: usize, count: usize, key: &str) -> Option<usize> {
        let keys = self.children.get(first..first.checked_add(count)?)?;
        if count > SORTED_ABOVE {
            // Sorted by key, then position: the last equal key is the last in the text.
            let after = keys.partition_point(|&k| self.compare_key(k, key).is_le());
            let last = *keys.get(after.checked_sub(1)?)?;
            self.compare_key(last, key).is_eq().then_some(last)
        } else {
            keys.iter().rev().copied().find(|&k| self.is_key(k, key))
        }
    }

    /// The distinct keys of an object, in JavaScript's own-key order.
    fn keys(&self, first: usize, count: usize) -> Vec<usize> {
        let range = first..first.saturating_add(count);
        let mut keys = self.children.get(range).unwrap_or_default().to_vec();
        // A repeated key keeps its first position: sort by key then position, keep each first.
        heapsort(&mut keys, &|a, b| {
            self.compare_keys(a, b).then(a.cmp(&b)).is_lt()
        });
        keys.dedup_by(|later, earlier| self.compare_keys(*later, *earlier).is_eq());
        heapsort(
            &mut keys,
            &|a, b| match (self.array_index(a), self.array_index(b)) {
                (Some(a), Some(b)) => a < b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => a < b,
            },
        );
        keys
    }
}

/// A value in a [`Tape`]; cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct TapeValue<'t> {
    tape: &'t Tape<'t>,
    at: usize,
}

impl<'t> TapeValue<'t> {
    fn node(&self) -> Option<Node> {
        self.tape.node(self.at)
    }

    fn at(&self, at: usize) -> Self {
        Self {
            tape: self.tape,
            at,
        }
    }
}

impl<'t> TapeValue<'t> {
    /// The value's text as the document spells it, from its first byte to its last (a
    /// string's quotes included); `None` for `true`, `false` and `null`. Two values with the
    /// same text are equal.
    pub fn source(&self) -> Option<&'t str> {
        self.tape.text.get(self.source_range()?)
    }

    /// Where [`TapeValue::source`] is in the document's text.
    pub fn source_range(&self) -> Option<core::ops::Range<usize>> {
        let span = match self.node()? {
            Node::Number(text) | Node::Array { text, .. } | Node::Object { text, .. } => text,
            Node::String { text, .. } => Span {
                start: text.start.checked_sub(1)?,
                end: text.end.checked_add(1)?,
            },
            Node::Null | Node::Bool(_) => return None,
        };
        Some(span.start..span.end)
    }
}

impl JsonView for TapeValue<'_> {
    fn kind(&self) -> JsonKind {
        match self.node() {
            Some(Node::Null) => JsonKind::Null,
            Some(Node::Bool(_)) => JsonKind::Bool,
            Some(Node::Number(_)) => JsonKind::Number,
            Some(Node::String { .. }) => JsonKind::String,
            Some(Node::Array { .. }) => JsonKind::Array,
            Some(Node::Object { .. }) => JsonKind::PlainObject,
            None => JsonKind::Other,
        }
    }

    fn get(&self, key: &str) -> Option<Self> {
        let Node::Object { first, count, .. } = self.node()? else {
            return None;
        };
        Some(self.at(self.tape.find(first, count, key)? + 1))
    }

    fn as_str(&self) -> Option<String> {
        let Node::String { text, escaped } = self.node()? else {
            return None;
        };
        if escaped {
            Some(self.tape.chars(self.at).collect())
        } else {
            self.tape.span(text).map(str::to_owned)
        }
    }

    fn as_str_within(&self, max: usize) -> Option<String> {
        // A text without escapes takes at least a byte per UTF-16 unit.
        if let Some(raw) = self.tape.raw(self.at).filter(|raw| raw.len() <= max) {
            return Some(raw.to_owned());
        }
        let mut units = 0;
        for c in self.tape.chars(self.at) {
            units += c.len_utf16();
            if units > max {
                return None;
            }
        }
        self.as_str()
    }

    fn as_f64(&self) -> Option<f64> {
        match self.node()? {
            Node::Number(span) => Some(number::to_f64(self.tape.span(span)?.as_bytes())),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self.node()? {
            Node::Bool(value) => Some(value),
            _ => None,
        }
    }

    fn len(&self) -> Option<usize> {
        match self.node()? {
            Node::Array { count, .. } => Some(count),
            _ => None,
        }
    }

    fn index(&self, index: usize) -> Option<Self> {
        let Node::Array { first, count, .. } = self.node()? else {
            return None;
        };
        if index >= count {
            return None;
        }
        Some(self.at(*self.tape.children.get(first + index)?))
    }

    fn keys(&self) -> Vec<String> {
        let Some(Node::Object { first, count, .. }) = self.node() else {
            return Vec::new();
        };
        let keys = self.tape.keys(first, count).into_iter();
        keys.filter_map(|k| self.at(k).as_str()).collect()
    }
}

/// The characters of a JSON string's text, escapes decoded; a lone surrogate is U+FFFD.
#[derive(Clone)]
struct Unescape<'a>(core::str::Chars<'a>);

impl Iterator for Unescape<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.0.next()?;
        if c != '\\' {
            return Some(c);
        }
        Some(match self.0.next()? {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => self.code_unit(),
            quoted => quoted, // `"`, `\`, `/`
        })
    }
}

impl Unescape<'_> {
    /// The character of a `\uXXXX` escape (after the `u`), with the low half of a surrogate pair.
    fn code_unit(&mut self) -> char {
        let Some(unit) = hex4(&mut self.0) else {
            return char::REPLACEMENT_CHARACTER;
        };
        if (0xD800..0xDC00).contains(&unit) {
            let mut ahead = self.0.clone();
            if ahead.next() == Some('\\') && ahead.next() == Some('u') {
                if let Some(low @ 0xDC00..=0xDFFF) = hex4(&mut ahead) {
                    self.0 = ahead;
                    let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    return char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                }
            }
        }
        char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}

fn hex4(chars: &mut core::str::Chars<'_>) -> Option<u32> {
    (0..4).try_fold(0, |n, _| Some(n * 16 + chars.next()?.to_digit(16)?))
}

/// Sorts node indices in place: a heapsort, a few hundred bytes of wasm where the standard
/// library's sorts take several KB. `less` is a strict order.
fn heapsort(items: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    let sift_down = |items: &mut [usize], mut root: usize| loop {
        let mut child = 2 * root + 1;
        let (Some(&left), right) = (items.get(child), items.get(child + 1).copied()) else {
            return;
        };
        if right.is_some_and(|right| less(left, right)) {
            child += 1;
        }
        match (items.get(root), items.get(child)) {
            (Some(&r), Some(&c)) if less(r, c) => items.swap(root, child),
            _ => return,
        }
        root = child;
    };
    for root in (0..items.len() / 2).rev() {
        sift_down(items, root);
    }
    for end in (1..items.len()).rev() {
        items.swap(0, end);
        sift_down(items.get_mut(..end).unwrap_or_default(), 0);
    }
}
