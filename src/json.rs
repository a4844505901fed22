//! JSON text: the writer and the reader every build uses for events
//! (`codec.rs`) and for JSON values given as input.
//!
//! Why not serde_json's: under wasm its generic parser, the 17 KB of tables
//! of its float printer and the float formatting its errors pull in were
//! half of the gzipped `.wasm`; natively its derive-shaped reading buffers a
//! flattened enum. This one reads an event's keys once, straight into their
//! fields, on every target, and writes what serde_json writes: strings
//! escaped as it escapes them, integers in decimal, floats as Ryu's shortest
//! text in serde_json's layout (`1.0`, `1e+16`, `1.5e-7`). Numbers are read
//! as serde_json reads them with its `float_roundtrip` feature (the nearest
//! double, as JavaScript's `JSON.parse` reads them too), nesting is limited
//! to 128 levels, and errors say what is wrong and at which byte.
//!
//! Values given as input are read strictly ([`Reader::strict`]): a key that
//! appears twice (a JSON reader keeps one value without a word) and an
//! integer a double would round are refused, naming where they are.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

// ---------------------------------------------------------------- writing

/// `s` as a JSON string, quoted.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        let short = match b {
            0x08 => b'b',
            0x09 => b't',
            0x0a => b'n',
            0x0c => b'f',
            0x0d => b'r',
            b'"' | b'\\' => b,
            _ => 0,
        };
        if short == 0 {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

pub(crate) fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

pub(crate) fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// A float as serde_json writes it: Ryu's shortest digits with a `+` in a
/// positive exponent (Ryu alone writes `1e16`), `null` when not finite.
pub(crate) fn write_f64(out: &mut Vec<u8>, f: f64) {
    if !f.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(f).as_bytes();
    match text.iter().position(|&b| b == b'e') {
        Some(e) if text.get(e + 1) != Some(&b'-') => {
            out.extend_from_slice(&text[..=e]);
            out.push(b'+');
            out.extend_from_slice(&text[e + 1..]);
        }
        _ => out.extend_from_slice(text),
    }
}

/// Any value; an object's keys in the map's order.
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => write_u64(out, u),
            (None, Some(i)) => write_i64(out, i),
            _ => write_f64(out, n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => write_str(out, s),
        Value::Array(items) => write_list(out, b"[]", items, write_value),
        Value::Object(map) => write_list(out, b"{}", map, |out, (k, v)| {
            write_str(out, k);
            out.push(b':');
            write_value(out, v);
        }),
    }
}

/// `items` between the two `brackets`, each written by `each`, with commas.
pub(crate) fn write_list<T>(
    out: &mut Vec<u8>,
    brackets: &[u8; 2],
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(brackets[0]);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(brackets[1]);
}

/// `value` as JSON text.
pub(crate) fn value_to_string(value: &Value) -> String {
    let mut out = Vec::new();
    write_value(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

/// Cuts `s` to at most `max_chars` characters, marking the cut with `…`:
/// messages and reports quote a bounded prefix of a value, never all of it.
pub(crate) fn bound(s: &mut String, max_chars: usize) {
    if let Some((cut, _)) = s.char_indices().nth(max_chars) {
        s.truncate(cut);
        s.push('…');
    }
}

// ---------------------------------------------------------------- reading

/// A reading error: what is wrong and where (the field, for a strict
/// value under a path).
pub(crate) type Error = crate::error::InvalidEvent;
pub(crate) type Result<T> = std::result::Result<T, Error>;

/// A number as read: an integer when it has no fraction or exponent and
/// fits 64 bits, else the nearest double.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Num {
    pub(crate) fn to_value(self) -> Value {
        match self {
            Num::U64(n) => n.into(),
            Num::I64(n) => n.into(),
            Num::F64(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        }
    }
}

/// The end of the run of bytes from `i` that a string holds as they are:
/// the first `"`, `\\` or control character. Eight bytes at a time (the
/// strings of events are ids and paths, rarely escaped), then byte by byte.
#[inline]
fn plain_run_end(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero when some byte of `x` is below `n` (n <= 128).
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    while let Some(word) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let special = below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            | below(w, 0x20);
        if special != 0 {
            // The lowest flagged byte is a real one (a borrow only moves
            // flags upwards).
            return i + special.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while i < bytes.len() && !matches!(bytes[i], b'"' | b'\\' | 0x00..=0x1f) {
        i += 1;
    }
    i
}

/// The nearest double to a JSON number's text (checked by the caller).
///
/// Under wasm in a JavaScript host this is JavaScript's own reader
/// (`parseFloat`: the nearest double in V8, Node's and Chromium's engine,
/// which `tests/wasm_common` checks), 14.5 KB less gzipped `.wasm` than
/// Rust's correctly rounded parser (tables and big-number code). Floats are
/// rare in events (`confidence`, some `meta` values), so the call across is
/// too.
fn parse_f64(text: &str) -> f64 {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    {
        js_sys::Number::parse_float(text)
    }
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    {
        text.parse().unwrap_or(f64::NAN)
    }
}

/// A reader of one JSON text, at byte `i`.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pub(crate) i: usize,
    /// Levels of nesting still allowed.
    depth: u8,
    /// Refuse duplicate keys and integers a double would round.
    strict: bool,
    /// Where a strict value is, for its errors: `meta.a[2]`.
    path: String,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            i: 0,
            depth: 128,
            strict: false,
            path: String::new(),
        }
    }

    /// A reader of `text` at byte `i`.
    pub(crate) fn at(text: &'a str, i: usize) -> Reader<'a> {
        let mut r = Reader::new(text);
        r.i = i;
        r
    }

    /// Reads values from here on strictly, naming them from `path`; or,
    /// given `None`, leniently again.
    pub(crate) fn strict(&mut self, path: Option<&str>) {
        self.strict = path.is_some();
        self.path.clear();
        self.path.push_str(path.unwrap_or_default());
    }

    /// An error at the current byte.
    #[cold]
    #[inline(never)]
    pub(crate) fn error(&self, what: &str) -> Error {
        Error::plain(format!("not valid JSON: {what} at byte {}", self.i))
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    /// Skips whitespace; the next byte, not consumed.
    #[inline]
    pub(crate) fn ws(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
        self.peek()
    }

    /// Consumes `b` (after whitespace), or fails saying `what` was expected.
    fn eat(&mut self, b: u8, what: &str) -> Result<()> {
        if self.ws() != Some(b) {
            return Err(self.error(what));
        }
        self.i += 1;
        Ok(())
    }

    /// Only whitespace may follow the value.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.ws() {
            Some(_) => Err(self.error("trailing characters")),
            None => Ok(()),
        }
    }

    /// The entries of an object, `{` next: `each` is called with every key,
    /// the reader at its value, which `each` must read.
    pub(crate) fn object(
        &mut self,
        mut each: impl FnMut(&mut Self, Cow<'a, str>) -> Result<()>,
    ) -> Result<()> {
        self.eat(b'{', "expected an object")?;
        self.nest(|r| {
            if r.ws() == Some(b'}') {
                r.i += 1;
                return Ok(());
            }
            loop {
                r.eat(b'"', "expected a key (a string)")?;
                let key = r.string()?;
                r.eat(b':', "expected `:`")?;
                each(r, key)?;
                match r.ws() {
                    Some(b',') => r.i += 1,
                    Some(b'}') => {
                        r.i += 1;
                        return Ok(());
                    }
                    _ => return Err(r.error("expected `,` or `}`")),
                }
            }
        })
    }

    /// The items of an array, `[` next: `each` reads one, at its start.
    pub(crate) fn array(
        &mut self,
        mut each: impl FnMut(&mut Self, usize) -> Result<()>,
    ) -> Result<()> {
        self.eat(b'[', "expected an array")?;
        self.nest(|r| {
            if r.ws() == Some(b']') {
                r.i += 1;
                return Ok(());
            }
            for n in 0.. {
                each(r, n)?;
                match r.ws() {
                    Some(b',') => r.i += 1,
                    Some(b']') => break,
                    _ => return Err(r.error("expected `,` or `]`")),
                }
            }
            r.i += 1;
            Ok(())
        })
    }

    fn nest<T>(&mut self, inside: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth == 1 {
            return Err(self.error("nested more than 127 levels deep"));
        }
        self.depth -= 1;
        let out = inside(self);
        self.depth += 1;
        out
    }

    /// A string after its opening quote, escapes decoded; a lone surrogate
    /// or a raw control character is an error.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>> {
        let bytes = self.text.as_bytes();
        let mut owned: Option<Vec<u8>> = None;
        let mut run = self.i;
        loop {
            let i = plain_run_end(bytes, self.i);
            self.i = i;
            match bytes.get(i) {
                Some(b'"') => {
                    self.i += 1;
                    let text = match owned {
                        // Both ends of a run are ASCII: the slice is whole
                        // characters.
                        None => Cow::Borrowed(self.text.get(run..i).unwrap_or_default()),
                        Some(mut buf) => {
                            buf.extend_from_slice(&bytes[run..i]);
                            Cow::Owned(String::from_utf8(buf).unwrap_or_default())
                        }
                    };
                    return Ok(text);
                }
                Some(b'\\') => {
                    let buf = owned.get_or_insert_with(Vec::new);
                    buf.extend_from_slice(&bytes[run..i]);
                    self.i += 1;
                    self.escape(buf)?;
                    run = self.i;
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("the text ends inside a string")),
            }
        }
    }

    /// One escape after its backslash, decoded into `buf`.
    fn escape(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let c = self.peek();
        self.i += 1;
        let byte = match c {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                let mut code = u32::from(self.hex4()?);
                if (0xd800..0xdc00).contains(&code) {
                    let low = match self.text.as_bytes().get(self.i..self.i + 2) {
                        Some(b"\\u") => {
                            self.i += 2;
                            u32::from(self.hex4()?)
                        }
                        _ => 0,
                    };
                    if !(0xdc00..0xe000).contains(&low) {
                        return Err(self.error("lone leading surrogate in a \\u escape"));
                    }
                    code = 0x1_0000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                }
                let ch = char::from_u32(code)
                    .ok_or_else(|| self.error("lone trailing surrogate in a \\u escape"))?;
                buf.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            _ => return Err(self.error("invalid escape")),
        };
        buf.push(byte);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16> {
        let digits = self.text.get(self.i..self.i + 4).unwrap_or_default();
        let n = u16::from_str_radix(digits, 16)
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.i += 4;
        Ok(n)
    }

    /// A number, its first byte next.
    pub(crate) fn number(&mut self) -> Result<Num> {
        let bytes = self.text.as_bytes();
        let start = self.i;
        let digits = |r: &mut Self| {
            let from = r.i;
            while let Some(b'0'..=b'9') = r.peek() {
                r.i += 1;
            }
            r.i - from
        };
        let negative = self.peek() == Some(b'-');
        self.i += usize::from(negative);
        let int_start = self.i;
        let int_digits = digits(self);
        let mut integer = true;
        if int_digits == 0 || (int_digits > 1 && bytes[int_start] == b'0') {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            integer = false;
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let text = self.text.get(start..self.i).unwrap_or_default();
        if integer {
            if let Ok(n) = text.parse::<u64>() {
                return Ok(Num::U64(n));
            }
            if let Ok(n) = text.parse::<i64>() {
                // `-0` is a float, as serde_json reads it.
                return Ok(if n == 0 { Num::F64(-0.0) } else { Num::I64(n) });
            }
        }
        let f = parse_f64(text);
        if !f.is_finite() {
            return Err(self.error("number out of range"));
        }
        if integer && self.strict {
            self.exact_integer(text, f)?;
        }
        Ok(Num::F64(f))
    }

    /// Refuses an integer beyond 64 bits whose digits are not the double's
    /// own shortest form: stored, it would be rounded without a word.
    /// JavaScript's `JSON.stringify` writes `2**64` as `18446744073709552000`,
    /// which loses nothing, and is kept.
    fn exact_integer(&self, text: &str, f: f64) -> Result<()> {
        let digits = text.trim_start_matches('-');
        let mut shortest = Vec::new();
        write_f64(&mut shortest, f.abs());
        let shortest = String::from_utf8(shortest).unwrap_or_default();
        let (mantissa, exp) = shortest.split_once("e+").unwrap_or((&shortest, "0"));
        let mantissa: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let significant = digits.trim_end_matches('0');
        let same = exp.parse::<usize>().ok() == Some(digits.len() - 1)
            && mantissa.trim_end_matches('0') == significant;
        if same {
            return Ok(());
        }
        let mut shown = digits.to_string();
        bound(&mut shown, 40);
        Err(self.strict_error(format!(
            "the integer {}{shown} is beyond 64 bits and would be stored rounded to {shortest}; write it as a string to keep it exactly",
            if text.starts_with('-') { "-" } else { "" }
        )))
    }

    #[cold]
    fn strict_error(&self, why: String) -> Error {
        let mut at = self.path.clone();
        bound(&mut at, 80);
        if at.is_empty() {
            return Error::plain(why);
        }
        let reason = format!("field `{at}`: {why}");
        Error::new(Some(at), reason)
    }

    /// One of `null`, `true`, `false`.
    fn literal(&mut self, word: &str) -> Result<()> {
        match self.text.get(self.i..self.i + word.len()) {
            Some(w) if w == word => {
                self.i += word.len();
                Ok(())
            }
            _ => Err(self.error("expected a value")),
        }
    }

    /// A whole value, its first byte next (after whitespace).
    pub(crate) fn value(&mut self) -> Result<Value> {
        Ok(match self.ws() {
            Some(b'n') => self.literal("null").map(|_| Value::Null)?,
            Some(b't') => self.literal("true").map(|_| Value::Bool(true))?,
            Some(b'f') => self.literal("false").map(|_| Value::Bool(false))?,
            Some(b'"') => {
                self.i += 1;
                Value::String(self.string()?.into_owned())
            }
            Some(b'-' | b'0'..=b'9') => self.number()?.to_value(),
            Some(b'[') => {
                let mut items = Vec::new();
                self.array(|r, n| {
                    let len = r.path.len();
                    if r.strict {
                        // Into the path itself: no string made per item.
                        let _ = write!(r.path, "[{n}]");
                    }
                    items.push(r.value()?);
                    r.path.truncate(len);
                    Ok(())
                })?;
                Value::Array(items)
            }
            Some(b'{') => {
                let mut map = Map::new();
                self.object(|r, key| {
                    let len = r.path.len();
                    if r.strict {
                        if len > 0 {
                            r.path.push('.');
                        }
                        r.path.push_str(&key);
                    }
                    let value = r.value()?;
                    let repeated = map.insert(key.into_owned(), value).is_some();
                    if repeated && r.strict {
                        return Err(r.strict_error("the key appears twice".into()));
                    }
                    r.path.truncate(len);
                    Ok(())
                })?;
                Value::Object(map)
            }
            Some(_) => return Err(self.error("expected a value")),
            None => return Err(self.error("the text ends before a value")),
        })
    }
}
