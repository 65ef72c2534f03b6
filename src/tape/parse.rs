//! The parser: RFC 8259 exactly as `JSON.parse` reads it, one pass, no recursion.

use super::{heapsort, Node, ParseError, Span, Tape, SORTED_ABOVE};

/// Parses JSON text into a [`Tape`]. Accepts exactly what `JSON.parse` accepts: whitespace is
/// space, tab, line feed and carriage return; no trailing commas, comments or leading zeros;
/// any `\uXXXX` escape, lone surrogates included.
///
/// ```
/// use integrations_client::{json::JsonView, tape};
///
/// let tape = tape::parse(r#" {"a": 1, "a": "\u00e9\ud83d\ude00"} "#).unwrap();
/// assert_eq!(tape.root().get("a").and_then(|a| a.as_str()).as_deref(), Some("é😀"));
/// assert!(tape::parse("[1,]").is_err() && tape::parse("01").is_err());
/// ```
pub fn parse(text: &str) -> Result<Tape<'_>, ParseError> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        pos: 0,
        tape: Tape {
            text,
            nodes: Vec::new(),
            children: Vec::new(),
        },
        open: Vec::new(),
        pending: Vec::new(),
    };
    parser.document()?;
    Ok(parser.tape)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    tape: Tape<'a>,
    /// The containers open around `pos`, innermost last.
    open: Vec<Open>,
    /// The children read so far of every open container, innermost last.
    pending: Vec<usize>,
}

struct Open {
    node: usize,
    object: bool,
    /// Where its `{` or `[` is.
    start: usize,
    /// Where its children start in `pending`.
    first_pending: usize,
}

/// How many bytes at the start of `bytes` a string reads as they are: up to the first quote,
/// backslash or control character. Eight bytes at a time, as one `u64` (SWAR): in a word, the
/// lowest byte flagged by `(x - 0x0101…) & !x & 0x8080…` is its first zero byte (a borrow only
/// flags bytes above a true one), and by `(x - 0x2020…) & !x & 0x8080…` its first below 0x20.
pub(super) fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let quote = below(word ^ (ONES * u64::from(b'"')), 1);
        let backslash = below(word ^ (ONES * u64::from(b'\\')), 1);
        let special = quote | backslash | below(word, 0x20);
        if special != 0 {
            return at + special.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    let rest = bytes.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(rest.len())
}

fn fail(at: usize, reason: &'static str) -> ParseError {
    ParseError { at, reason }
}

impl Parser<'_> {
    fn document(&mut self) -> Result<(), ParseError> {
        loop {
            self.value()?;
            // After a value: close containers until one goes on with another value.
            loop {
                self.skip_space();
                let at = self.pos;
                let Some(object) = self.open.last().map(|open| open.object) else {
                    return if at == self.bytes.len() {
                        Ok(())
                    } else {
                        Err(fail(at, "unexpected text after the value"))
                    };
                };
                match (self.next(), object) {
                    (Some(b','), false) => break,
                    (Some(b','), true) => {
                        self.key()?;
                        break;
                    }
                    (Some(b']'), false) | (Some(b'}'), true) => self.close(),
                    (None, _) => return Err(fail(at, "unexpected end of input")),
                    (_, false) => return Err(fail(at, "expected ',' or ']'")),
                    (_, true) => return Err(fail(at, "expected ',' or '}'")),
                }
            }
        }
    }

    /// Reads a value. A container is opened (with its first key) and the loop goes on to its
    /// first value, or closed at once when empty.
    fn value(&mut self) -> Result<(), ParseError> {
        loop {
            self.skip_space();
            let at = self.pos;
            let node = match self.next() {
                Some(open @ (b'{' | b'[')) => {
                    let object = open == b'{';
                    let node = self.push(Node::Null); // its place; written when it closes
                    let first_pending = self.pending.len();
                    self.open.push(Open {
                        node,
                        object,
                        start: at,
                        first_pending,
                    });
                    self.skip_space();
                    if self.eat(if object { b'}' } else { b']' }) {
                        self.close();
                        return Ok(());
                    }
                    if object {
                        self.key()?;
                    }
                    continue;
                }
                Some(b'"') => self.string(at)?,
                Some(b't') => self.literal(at, b"rue", Node::Bool(true))?,
                Some(b'f') => self.literal(at, b"alse", Node::Bool(false))?,
                Some(b'n') => self.literal(at, b"ull", Node::Null)?,
                Some(b'-' | b'0'..=b'9') => self.number(at)?,
                Some(_) => return Err(fail(at, "unexpected character")),
                None => return Err(fail(at, "unexpected end of input")),
            };
            self.push(node);
            return Ok(());
        }
    }

    /// Adds a node; an array's item is also its child (an object's value follows its key).
    fn push(&mut self, node: Node) -> usize {
        let at = self.tape.nodes.len();
        self.tape.nodes.push(node);
        if self.open.last().is_some_and(|open| !open.object) {
            self.pending.push(at);
        }
        at
    }

    /// Reads `"key":` inside an object.
    fn key(&mut self) -> Result<(), ParseError> {
        self.skip_space();
        let at = self.pos;
        if !self.eat(b'"') {
            return Err(fail(at, "expected a string key"));
        }
        let key = self.string(at)?;
        self.pending.push(self.tape.nodes.len());
        self.tape.nodes.push(key);
        self.skip_space();
        if self.eat(b':') {
            Ok(())
        } else {
            Err(fail(self.pos, "expected ':'"))
        }
    }

    /// Closes the innermost container: its children move to the tape as one run.
    fn close(&mut self) {
        let Some(open) = self.open.pop() else {
            return;
        };
        let children = self.pending.get_mut(open.first_pending..);
        let children = children.unwrap_or_default();
        let tape = &self.tape;
        if open.object && children.len() > SORTED_ABOVE {
            heapsort(children, &|a, b| {
                tape.compare_keys(a, b).then(a.cmp(&b)).is_lt()
            });
        }
        let (first, count) = (self.tape.children.len(), children.len());
        self.tape.children.extend_from_slice(children);
        self.pending.truncate(open.first_pending);
        let text = Span {
            start: open.start,
            end: self.pos,
        };
        if let Some(node) = self.tape.nodes.get_mut(open.node) {
            *node = if open.object {
                Node::Object { first, count, text }
            } else {
                Node::Array { first, count, text }
            };
        }
    }

    /// Reads a string's text after its opening quote at `at`.
    fn string(&mut self, at: usize) -> Result<Node, ParseError> {
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.pos += plain_run(self.bytes.get(self.pos..).unwrap_or_default());
            let here = self.pos;
            match self.next() {
                Some(b'"') => {
                    let text = Span { start, end: here };
                    return Ok(Node::String { text, escaped });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape(here)?;
                }
                Some(0..=0x1f) => return Err(fail(here, "control character in a string")),
                Some(_) => {}
                None => return Err(fail(at, "unterminated string")),
            }
        }
    }

    /// Checks the escape after a backslash at `at`.
    fn escape(&mut self, at: usize) -> Result<(), ParseError> {
        match self.next() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(()),
            Some(b'u') => {
                for _ in 0..4 {
                    if !self.next().is_some_and(|b| b.is_ascii_hexdigit()) {
                        return Err(fail(at, "invalid \\u escape"));
                    }
                }
                Ok(())
            }
            _ => Err(fail(at, "invalid escape")),
        }
    }

    /// Reads `true`, `false` or `null`, whose first letter at `at` was read.
    fn literal(&mut self, at: usize, rest: &[u8], node: Node) -> Result<Node, ParseError> {
        if !self
            .bytes
            .get(self.pos..)
            .is_some_and(|b| b.starts_with(rest))
        {
            return Err(fail(at, "unexpected character"));
        }
        self.pos += rest.len();
        Ok(node)
    }

    /// Reads `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` from `at`.
    fn number(&mut self, at: usize) -> Result<Node, ParseError> {
        self.pos = at;
        self.eat(b'-');
        let whole = self.eat(b'0') || self.digits() > 0;
        let fraction = !self.eat(b'.') || self.digits() > 0;
        let exponent = !(self.eat(b'e') || self.eat(b'E')) || {
            let _sign = self.eat(b'+') || self.eat(b'-');
            self.digits() > 0
        };
        if !(whole && fraction && exponent) {
            return Err(fail(at, "invalid number"));
        }
        Ok(Node::Number(Span {
            start: at,
            end: self.pos,
        }))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn skip_space(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn next(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.pos) == Some(&byte);
        self.pos += usize::from(found);
        found
    }
}
