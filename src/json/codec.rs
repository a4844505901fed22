//! The JSON reader and writer for events used under wasm (see `json.rs` for
//! why). It copies serde_json 1.0's behaviour, rule by rule:
//!
//! - Writing: strings escaped as serde_json escapes them (`\"`, `\\`, the
//!   short escapes `\b \t \n \f \r`, other control characters as `\u00xx`,
//!   nothing else); integers in decimal; floats as the shortest text that
//!   reads back to the same `f64` (Ryu), with serde_json's layout
//!   (`1.0`, `1e+16`, `1.5e-7`), non-finite ones as `null`; objects of a
//!   `Value` in the map's order.
//! - Reading: whitespace, literals, strings (escapes, surrogate pairs, a
//!   lone surrogate or a control character an error), numbers (the same
//!   integer/float split, the same float arithmetic, so the same `f64` for
//!   the same text, and the same overflow rules), the nesting limit of 128
//!   for values that are built, none for values that are skipped (and
//!   skipped strings may hold lone surrogates), trailing commas and
//!   trailing characters refused.
//! - Events: the keys and values go into the same `event_serde::Read` as the
//!   serde impls fill, and are checked and built by the same code there.

use serde_json::{Map, Number, Value};

use crate::event::SessionEvent;
use crate::event_serde::{self, Key, Loose, Mode, Out, Problem, Read, Shape};

// ---------------------------------------------------------------- writing

/// serde_json's escape table: 0 for bytes written as they are, else the
/// letter after the backslash (`u` for `\u00xx`).
const fn escape(b: u8) -> u8 {
    match b {
        0x08 => b'b',
        0x09 => b't',
        0x0a => b'n',
        0x0c => b'f',
        0x0d => b'r',
        b'"' => b'"',
        b'\\' => b'\\',
        0x00..=0x1f => b'u',
        _ => 0,
    }
}

/// `s` as a JSON string, quoted.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        let esc = escape(b);
        out.extend_from_slice(&bytes[start..i - 1]);
        out.push(b'\\');
        out.push(esc);
        if esc == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        }
        start = i;
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

/// A float as serde_json writes it: Ryu's shortest digits, with a `+` in
/// positive exponents (serde_json's printer writes `1e+16` where Ryu writes
/// `1e16`), and `null` for NaN and the infinities.
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

fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(u) = n.as_u64() {
        write_u64(out, u);
    } else if let Some(i) = n.as_i64() {
        write_i64(out, i);
    } else {
        write_f64(out, n.as_f64().unwrap_or(f64::NAN));
    }
}

pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_value(out, v);
            }
            out.push(b'}');
        }
    }
}

/// Writes `"key":` (after a comma unless first). Keys are the crate's own
/// field names, which need no escapes.
fn key(out: &mut Vec<u8>, first: &mut bool, name: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn opt_str(out: &mut Vec<u8>, first: &mut bool, name: &str, v: &Option<String>) {
    if let Some(v) = v {
        key(out, first, name);
        write_str(out, v);
    }
}

/// An event as its line, in the order of `event_serde`'s `Serialize`.
pub(crate) fn write_event(out: &mut Vec<u8>, e: &SessionEvent) {
    let first = &mut true;
    out.push(b'{');
    key(out, first, "session_id");
    write_str(out, &e.session_id);
    key(out, first, "event_id");
    write_str(out, &e.event_id);
    key(out, first, "timestamp");
    write_str(out, &e.timestamp);
    key(out, first, "sequence_no");
    write_u64(out, e.sequence_no);
    key(out, first, "trace_id");
    write_str(out, &e.trace_id);
    key(out, first, "span_id");
    write_str(out, &e.span_id);
    opt_str(out, first, "parent_span_id", &e.parent_span_id);
    key(out, first, "agent_id");
    write_str(out, &e.agent_id);
    key(out, first, "agent_instance_id");
    write_str(out, &e.agent_instance_id);
    key(out, first, "agent_name");
    write_str(out, &e.agent_name);
    opt_str(out, first, "agent_role", &e.agent_role);
    key(out, first, "host_id");
    write_str(out, &e.host_id);
    opt_str(out, first, "tool_runtime_id", &e.tool_runtime_id);
    key(out, first, "type");
    write_str(out, e.event_type.name());
    for field in event_serde::present(&e.event_type) {
        key(out, first, field.spec.name);
        match field.value {
            Out::Str(s) => write_str(out, s),
            Out::U16(n) => write_u64(out, n.into()),
            Out::U32(n) => write_u64(out, n.into()),
            Out::U64(n) => write_u64(out, n),
            Out::I32(n) => write_i64(out, n.into()),
            Out::F64(f) => write_f64(out, f),
            Out::List(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, item);
                }
                out.push(b']');
            }
            Out::Absent => out.extend_from_slice(b"null"),
        }
    }
    opt_str(out, first, "artifact_ref", &e.artifact_ref);
    if let Some(meta) = &e.meta {
        key(out, first, "meta");
        write_value(out, meta);
    }
    out.push(b'}');
}

// ---------------------------------------------------------------- reading

/// A reading error: serde_json's message, without its position.
pub(crate) struct Error(String);

// Errors are made out of line: inlined, each of the fifty `Err("...".into())`
// would carry its own allocation and copy.
impl From<&str> for Error {
    #[cold]
    #[inline(never)]
    fn from(message: &str) -> Error {
        Error(message.to_string())
    }
}

impl From<Problem> for Error {
    #[cold]
    #[inline(never)]
    fn from(p: Problem) -> Error {
        Error(problem_text(&p))
    }
}

type Result<T> = std::result::Result<T, Error>;

const EOF_VALUE: &str = "EOF while parsing a value";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_LIST: &str = "EOF while parsing a list";
const INVALID_NUMBER: &str = "invalid number";
const OUT_OF_RANGE: &str = "number out of range";
const INVALID_ESCAPE: &str = "invalid escape";

/// serde_json's message for a [`Problem`] found by `event_serde`.
pub(crate) fn problem_text(p: &Problem) -> String {
    match p {
        Problem::Missing(name) => format!("missing field `{name}`"),
        Problem::Duplicate(name) => format!("duplicate field `{name}`"),
        Problem::NotOfType(name, type_name) => event_serde::not_of_type(name, type_name),
        Problem::Type(v, wanted) => format!("invalid type: {}, expected {wanted}", unexpected(v)),
        Problem::Range(v, wanted) => format!("invalid value: {}, expected {wanted}", unexpected(v)),
    }
}

/// A value as serde_json's messages name it.
fn unexpected(v: &Loose) -> String {
    let mut out = Vec::new();
    match v {
        Loose::Absent | Loose::Null => out.extend_from_slice(b"null"),
        Loose::Str(s) => {
            // A bounded prefix: a report quotes this for every bad line.
            let mut shown = s.clone();
            crate::input::bound(&mut shown, 60);
            out.extend_from_slice(b"string ");
            write_str(&mut out, &shown);
        }
        Loose::U64(n) => {
            out.extend_from_slice(b"integer `");
            write_u64(&mut out, *n);
            out.push(b'`');
        }
        Loose::I64(n) => {
            out.extend_from_slice(b"integer `");
            write_i64(&mut out, *n);
            out.push(b'`');
        }
        Loose::F64(f) => {
            out.extend_from_slice(b"floating point `");
            write_f64(&mut out, *f);
            out.push(b'`');
        }
        Loose::List(_) | Loose::Other(Shape::Seq) => out.extend_from_slice(b"sequence"),
        Loose::Other(Shape::Map) => out.extend_from_slice(b"map"),
        Loose::Other(Shape::Bool(b)) => out.extend_from_slice(if *b {
            b"boolean `true`"
        } else {
            b"boolean `false`"
        }),
        Loose::Other(Shape::Other) => out.extend_from_slice(b"a value"),
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A number as serde_json's parser returns it.
enum Num {
    U64(u64),
    I64(i64),
    F64(f64),
}

/// serde_json's `POW10`: 10^0 to 10^308, each the nearest `f64`.
#[rustfmt::skip]
static POW10: [f64; 309] = [
    1e000, 1e001, 1e002, 1e003, 1e004, 1e005, 1e006, 1e007, 1e008, 1e009,
    1e010, 1e011, 1e012, 1e013, 1e014, 1e015, 1e016, 1e017, 1e018, 1e019,
    1e020, 1e021, 1e022, 1e023, 1e024, 1e025, 1e026, 1e027, 1e028, 1e029,
    1e030, 1e031, 1e032, 1e033, 1e034, 1e035, 1e036, 1e037, 1e038, 1e039,
    1e040, 1e041, 1e042, 1e043, 1e044, 1e045, 1e046, 1e047, 1e048, 1e049,
    1e050, 1e051, 1e052, 1e053, 1e054, 1e055, 1e056, 1e057, 1e058, 1e059,
    1e060, 1e061, 1e062, 1e063, 1e064, 1e065, 1e066, 1e067, 1e068, 1e069,
    1e070, 1e071, 1e072, 1e073, 1e074, 1e075, 1e076, 1e077, 1e078, 1e079,
    1e080, 1e081, 1e082, 1e083, 1e084, 1e085, 1e086, 1e087, 1e088, 1e089,
    1e090, 1e091, 1e092, 1e093, 1e094, 1e095, 1e096, 1e097, 1e098, 1e099,
    1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109,
    1e110, 1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119,
    1e120, 1e121, 1e122, 1e123, 1e124, 1e125, 1e126, 1e127, 1e128, 1e129,
    1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136, 1e137, 1e138, 1e139,
    1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149,
    1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159,
    1e160, 1e161, 1e162, 1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169,
    1e170, 1e171, 1e172, 1e173, 1e174, 1e175, 1e176, 1e177, 1e178, 1e179,
    1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188, 1e189,
    1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199,
    1e200, 1e201, 1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209,
    1e210, 1e211, 1e212, 1e213, 1e214, 1e215, 1e216, 1e217, 1e218, 1e219,
    1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227, 1e228, 1e229,
    1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239,
    1e240, 1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249,
    1e250, 1e251, 1e252, 1e253, 1e254, 1e255, 1e256, 1e257, 1e258, 1e259,
    1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266, 1e267, 1e268, 1e269,
    1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279,
    1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289,
    1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299,
    1e300, 1e301, 1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
];

/// serde_json's `overflow!(a * 10 + b, max)`.
fn overflows(a: u64, digit: u64) -> bool {
    a >= u64::MAX / 10 && (a > u64::MAX / 10 || digit > u64::MAX % 10)
}

/// A string as read: borrowed from the input when it has no escapes.
enum Text<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }

    fn into_string(self) -> String {
        match self {
            Text::Borrowed(s) => s.to_owned(),
            Text::Owned(s) => s,
        }
    }
}

struct Reader<'a> {
    text: &'a str,
    i: usize,
    /// Levels of nesting still allowed (serde_json's `remaining_depth`).
    depth: u8,
    /// Open arrays and objects of a value being skipped.
    frames: Vec<u8>,
    /// Values built for an event to append ([`Reader::value`]) refuse
    /// what serde_json would silently change: a duplicate key (it keeps
    /// the last) and an integer a double cannot hold (it rounds it).
    strict: bool,
    /// Where a strict value is, for its errors: `meta`, `meta.a[2]`
    /// (UTF-8: keys and ASCII).
    path: Vec<u8>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            i: 0,
            depth: 128,
            frames: Vec::new(),
            strict: false,
            path: Vec::new(),
        }
    }

    #[inline(always)]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.i).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        if b.is_some() {
            self.i += 1;
        }
        b
    }

    /// Skips whitespace; the next byte, not consumed.
    #[inline(always)]
    fn ws(&mut self) -> Option<u8> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\n' | b'\t' | b'\r' => self.i += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// The end of the input: only whitespace may follow the value.
    fn end(&mut self) -> Result<()> {
        match self.ws() {
            Some(_) => Err("trailing characters".into()),
            None => Ok(()),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth -= 1;
        if self.depth == 0 {
            return Err("recursion limit exceeded".into());
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth += 1;
    }

    /// The rest of `null`, `true` or `false` after its first byte.
    fn ident(&mut self, rest: &[u8]) -> Result<()> {
        for &want in rest {
            match self.next() {
                None => return Err(EOF_VALUE.into()),
                Some(b) if b != want => return Err("expected ident".into()),
                Some(_) => {}
            }
        }
        Ok(())
    }

    // -------------------------------------------------------- strings

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u16> {
        let Some(digits) = self.bytes().get(self.i..self.i + 4) else {
            self.i = self.bytes().len();
            return Err(EOF_STRING.into());
        };
        let mut n = 0u16;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(INVALID_ESCAPE.into()),
            };
            n = (n << 4) | u16::from(v);
        }
        self.i += 4;
        Ok(n)
    }

    /// A string after its opening quote, escapes decoded; lone surrogates
    /// are errors.
    fn string(&mut self) -> Result<Text<'a>> {
        let bytes = self.bytes();
        let start = self.i;
        let mut owned: Option<Vec<u8>> = None;
        let mut run = start;
        let mut i = start;
        loop {
            // The plain run up to the next quote, backslash or control
            // character, in one tight loop.
            while i < bytes.len() && !matches!(bytes[i], b'"' | b'\\' | 0x00..=0x1f) {
                i += 1;
            }
            let Some(&b) = bytes.get(i) else {
                self.i = i;
                return Err(EOF_STRING.into());
            };
            match b {
                b'"' => {
                    self.i = i + 1;
                    return Ok(match owned {
                        // `get`, not indexing: both ends are at a quote, and
                        // the panic path of string slicing is 1.5 KB.
                        None => Text::Borrowed(self.text.get(start..i).unwrap_or_default()),
                        Some(mut buf) => {
                            buf.extend_from_slice(&bytes[run..i]);
                            // Whole UTF-8 sequences were copied and every
                            // escape pushed a whole character.
                            Text::Owned(
                                String::from_utf8(buf).map_err(|_| Error::from(INVALID_ESCAPE))?,
                            )
                        }
                    });
                }
                b'\\' => {
                    let buf = owned.get_or_insert_with(Vec::new);
                    buf.extend_from_slice(&bytes[run..i]);
                    self.i = i + 1;
                    self.escape(buf)?;
                    i = self.i;
                    run = i;
                }
                _ => {
                    self.i = i;
                    return Err(
                        "control character (\\u0000-\\u001F) found while parsing a string".into(),
                    );
                }
            }
        }
    }

    /// One escape after its backslash, decoded into `buf`.
    fn escape(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let c = match self.next() {
            None => return Err(EOF_STRING.into()),
            Some(c) => c,
        };
        let byte = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let n = self.hex4()?;
                if (0xdc00..=0xdfff).contains(&n) {
                    // serde_json calls this one "leading" too; it is not.
                    return Err("lone trailing surrogate in hex escape".into());
                }
                let code = if (0xd800..=0xdbff).contains(&n) {
                    if self.next() != Some(b'\\') || self.next() != Some(b'u') {
                        return Err("lone leading surrogate in hex escape".into());
                    }
                    let n2 = self.hex4()?;
                    if !(0xdc00..=0xdfff).contains(&n2) {
                        return Err("lone leading surrogate in hex escape".into());
                    }
                    (((u32::from(n) - 0xd800) << 10) | (u32::from(n2) - 0xdc00)) + 0x1_0000
                } else {
                    u32::from(n)
                };
                let ch = char::from_u32(code).ok_or_else(|| Error::from(INVALID_ESCAPE))?;
                let mut utf8 = [0u8; 4];
                buf.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                return Ok(());
            }
            _ => return Err(INVALID_ESCAPE.into()),
        };
        buf.push(byte);
        Ok(())
    }

    /// Skips a string after its opening quote: escapes must be well formed,
    /// but a `\u` escape may be a lone surrogate (serde_json's `ignore_str`).
    fn skip_string(&mut self) -> Result<()> {
        loop {
            match self.next() {
                None => return Err(EOF_STRING.into()),
                Some(b'"') => return Ok(()),
                Some(b'\\') => match self.next() {
                    None => return Err(EOF_STRING.into()),
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => {
                        self.hex4()?;
                    }
                    Some(_) => return Err(INVALID_ESCAPE.into()),
                },
                Some(0x00..=0x1f) => {
                    return Err(
                        "control character (\\u0000-\\u001F) found while parsing a string".into(),
                    )
                }
                Some(_) => {}
            }
        }
    }

    // -------------------------------------------------------- numbers

    /// A number after its sign (serde_json's `parse_integer`).
    fn number(&mut self, positive: bool) -> Result<Num> {
        match self.next() {
            None => Err(EOF_VALUE.into()),
            Some(b'0') => match self.peek() {
                Some(b'0'..=b'9') => Err(INVALID_NUMBER.into()),
                _ => self.number_rest(positive, 0, self.i - 1),
            },
            Some(c @ b'1'..=b'9') => {
                let start = self.i - 1;
                let mut significand = u64::from(c - b'0');
                loop {
                    match self.peek() {
                        Some(c @ b'0'..=b'9') => {
                            let digit = u64::from(c - b'0');
                            if overflows(significand, digit) {
                                let f = self.long_integer(positive, significand, start)?;
                                return Ok(Num::F64(f));
                            }
                            self.i += 1;
                            significand = significand * 10 + digit;
                        }
                        _ => return self.number_rest(positive, significand, start),
                    }
                }
            }
            Some(_) => Err(INVALID_NUMBER.into()),
        }
    }

    fn number_rest(&mut self, positive: bool, significand: u64, start: usize) -> Result<Num> {
        Ok(match self.peek() {
            Some(b'.') => Num::F64(self.decimal(positive, significand, 0)?),
            Some(b'e' | b'E') => Num::F64(self.exponent(positive, significand, 0)?),
            _ if positive => Num::U64(significand),
            _ => {
                let neg = (significand as i64).wrapping_neg();
                // A float on underflow, and for `-0`.
                if neg >= 0 {
                    let f = -(significand as f64);
                    if self.strict && significand != 0 {
                        self.exact_integer(start, f)?;
                    }
                    Num::F64(f)
                } else {
                    Num::I64(neg)
                }
            }
        })
    }

    fn decimal(&mut self, positive: bool, mut significand: u64, before: i32) -> Result<f64> {
        self.i += 1;
        let mut after = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            let digit = u64::from(c - b'0');
            if overflows(significand, digit) {
                // Further digits are ignored.
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
                return match self.peek() {
                    Some(b'e' | b'E') => self.exponent(positive, significand, before + after),
                    _ => self.f64_from_parts(positive, significand, before + after),
                };
            }
            self.i += 1;
            significand = significand * 10 + digit;
            after -= 1;
        }
        if after == 0 {
            return Err(match self.peek() {
                Some(_) => INVALID_NUMBER,
                None => EOF_VALUE,
            }
            .into());
        }
        match self.peek() {
            Some(b'e' | b'E') => self.exponent(positive, significand, before + after),
            _ => self.f64_from_parts(positive, significand, before + after),
        }
    }

    fn exponent(&mut self, positive: bool, significand: u64, start: i32) -> Result<f64> {
        self.i += 1;
        let positive_exp = match self.peek() {
            Some(b'+') => {
                self.i += 1;
                true
            }
            Some(b'-') => {
                self.i += 1;
                false
            }
            _ => true,
        };
        let mut exp = match self.next() {
            None => return Err(EOF_VALUE.into()),
            Some(c @ b'0'..=b'9') => i32::from(c - b'0'),
            Some(_) => return Err(INVALID_NUMBER.into()),
        };
        while let Some(c @ b'0'..=b'9') = self.peek() {
            self.i += 1;
            let digit = i32::from(c - b'0');
            if exp >= i32::MAX / 10 && (exp > i32::MAX / 10 || digit > i32::MAX % 10) {
                // Infinity is an error, zero is not.
                if significand != 0 && positive_exp {
                    return Err(OUT_OF_RANGE.into());
                }
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
                return Ok(if positive { 0.0 } else { -0.0 });
            }
            exp = exp * 10 + digit;
        }
        let exp = if positive_exp {
            start.saturating_add(exp)
        } else {
            start.saturating_sub(exp)
        };
        self.f64_from_parts(positive, significand, exp)
    }

    /// An integer too long for `u64`: the extra digits only scale it.
    fn long_integer(&mut self, positive: bool, significand: u64, start: usize) -> Result<f64> {
        let mut exponent = 0;
        loop {
            match self.peek() {
                Some(b'0'..=b'9') => {
                    self.i += 1;
                    exponent += 1;
                }
                Some(b'.') => return self.decimal(positive, significand, exponent),
                Some(b'e' | b'E') => return self.exponent(positive, significand, exponent),
                _ => {
                    let f = self.f64_from_parts(positive, significand, exponent)?;
                    if self.strict {
                        self.exact_integer(start, f)?;
                    }
                    return Ok(f);
                }
            }
        }
    }

    /// Refuses an integer beyond 64 bits whose digits the double it reads
    /// as would not write back: stored, it would be rounded without a word.
    /// Digits that are a double's own shortest form (JavaScript's
    /// `JSON.stringify` writes `2**64` as `18446744073709552000`) lose
    /// nothing and are kept.
    #[cold]
    #[inline(never)]
    fn exact_integer(&self, start: usize, f: f64) -> Result<()> {
        let digits = self.bytes().get(start..self.i).unwrap_or_default();
        // The double's shortest digits as the writer prints them, e.g.
        // `1.8446744073709552e+19`: the mantissa's digits and the exponent.
        let mut shortest = Vec::new();
        write_f64(&mut shortest, f.abs());
        let mut mantissa = Vec::new();
        let mut exp: Option<usize> = None;
        for &b in &shortest {
            match (b, exp) {
                (b'e', _) => exp = Some(0),
                (b'0'..=b'9', Some(e)) => exp = Some(e * 10 + usize::from(b - b'0')),
                (b'0'..=b'9', None) => mantissa.push(b),
                _ => {}
            }
        }
        let trim = |d: &[u8]| d.len() - d.iter().rev().take_while(|&&b| b == b'0').count();
        let same = exp == Some(digits.len().wrapping_sub(1))
            && digits.get(..trim(digits)) == mantissa.get(..trim(&mantissa));
        if same {
            return Ok(());
        }
        // Both are ASCII digits (and `.e+-`).
        let mut shown = String::from(std::str::from_utf8(digits).unwrap_or_default());
        crate::input::bound(&mut shown, 40);
        let rounded = std::str::from_utf8(&shortest).unwrap_or_default();
        Err(self.strict_error(format!(
            "the integer {shown} is beyond 64 bits and would be stored rounded to {rounded}; write it as a string to keep it exactly"
        )))
    }

    /// Extends the path of a strict value by a key, or else an index.
    #[inline(never)]
    fn enter_path(&mut self, key: Option<&str>, index: usize) {
        match key {
            Some(key) => {
                if !self.path.is_empty() {
                    self.path.push(b'.');
                }
                self.path.extend_from_slice(key.as_bytes());
            }
            None => {
                self.path.push(b'[');
                write_u64(&mut self.path, index as u64);
                self.path.push(b']');
            }
        }
    }

    /// An error of a strict value, naming where it is.
    #[cold]
    #[inline(never)]
    fn strict_error(&self, why: String) -> Error {
        let mut at = String::from(std::str::from_utf8(&self.path).unwrap_or_default());
        crate::input::bound(&mut at, 80);
        if at.is_empty() {
            Error(why)
        } else {
            Error(format!("field `{at}`: {why}"))
        }
    }

    /// serde_json's `f64_from_parts` (without `float_roundtrip`).
    fn f64_from_parts(
        &mut self,
        positive: bool,
        significand: u64,
        mut exponent: i32,
    ) -> Result<f64> {
        let mut f = significand as f64;
        loop {
            match POW10.get(exponent.wrapping_abs() as usize) {
                Some(&pow) => {
                    if exponent >= 0 {
                        f *= pow;
                        if f.is_infinite() {
                            return Err(OUT_OF_RANGE.into());
                        }
                    } else {
                        f /= pow;
                    }
                    break;
                }
                None => {
                    if f == 0.0 {
                        break;
                    }
                    if exponent >= 0 {
                        return Err(OUT_OF_RANGE.into());
                    }
                    f /= 1e308;
                    exponent += 308;
                }
            }
        }
        Ok(if positive { f } else { -f })
    }

    /// A number whose first byte (a digit or `-`) is next.
    fn any_number(&mut self) -> Result<Num> {
        if self.peek() == Some(b'-') {
            self.i += 1;
            self.number(false)
        } else {
            self.number(true)
        }
    }

    /// Skips a number (serde_json's `ignore_integer`): the grammar is
    /// checked, the value is not.
    fn skip_number(&mut self) -> Result<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next() {
            Some(b'0') => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(INVALID_NUMBER.into());
                }
            }
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
            }
            _ => return Err(INVALID_NUMBER.into()),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let mut digits = false;
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
                digits = true;
            }
            if !digits {
                return Err(INVALID_NUMBER.into());
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            match self.next() {
                Some(b'0'..=b'9') => {}
                _ => return Err(INVALID_NUMBER.into()),
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
        }
        Ok(())
    }

    // -------------------------------------------------------- structure

    /// Before each element of an array: whether there is one (serde_json's
    /// `has_next_element`). `first` is cleared at the first.
    fn has_next(&mut self, close: u8, first: &mut bool) -> Result<bool> {
        let eof = if close == b']' { EOF_LIST } else { EOF_OBJECT };
        let peek = match self.ws() {
            Some(b) if b == close => return Ok(false),
            Some(b',') if !*first => {
                self.i += 1;
                self.ws()
            }
            Some(b) => {
                if *first {
                    *first = false;
                    Some(b)
                } else if close == b']' {
                    return Err("expected `,` or `]`".into());
                } else {
                    return Err("expected `,` or `}`".into());
                }
            }
            None => return Err(eof.into()),
        };
        match peek {
            Some(b) if b == close => Err("trailing comma".into()),
            Some(b'"') if close == b'}' => Ok(true),
            Some(_) if close == b'}' => Err("key must be a string".into()),
            Some(_) => Ok(true),
            None => Err(if close == b'}' { EOF_VALUE } else { EOF_LIST }.into()),
        }
    }

    /// Consumes the closing bracket `has_next` stopped at, and leaves the
    /// level.
    fn close(&mut self) {
        self.i += 1;
        self.leave();
    }

    /// A key (its opening quote next) and the colon after it.
    fn key(&mut self) -> Result<Text<'a>> {
        self.i += 1;
        let key = self.string()?;
        match self.ws() {
            Some(b':') => {
                self.i += 1;
                Ok(key)
            }
            Some(_) => Err("expected `:`".into()),
            None => Err(EOF_OBJECT.into()),
        }
    }

    /// A whole value, built (serde_json's `Value`).
    fn value(&mut self) -> Result<Value> {
        Ok(match self.ws() {
            None => return Err(EOF_VALUE.into()),
            Some(b'n') => {
                self.i += 1;
                self.ident(b"ull")?;
                Value::Null
            }
            Some(b't') => {
                self.i += 1;
                self.ident(b"rue")?;
                Value::Bool(true)
            }
            Some(b'f') => {
                self.i += 1;
                self.ident(b"alse")?;
                Value::Bool(false)
            }
            Some(b'-' | b'0'..=b'9') => match self.any_number()? {
                Num::U64(n) => Value::Number(n.into()),
                Num::I64(n) => Value::Number(n.into()),
                Num::F64(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            },
            Some(b'"') => {
                self.i += 1;
                Value::String(self.string()?.into_string())
            }
            Some(b'[') => {
                self.enter()?;
                self.i += 1;
                let mut items = Vec::new();
                let mut first = true;
                while self.has_next(b']', &mut first)? {
                    let mark = self.path.len();
                    if self.strict {
                        self.enter_path(None, items.len());
                    }
                    items.push(self.value()?);
                    self.path.truncate(mark);
                }
                self.close();
                Value::Array(items)
            }
            Some(b'{') => {
                self.enter()?;
                self.i += 1;
                let mut map = Map::new();
                let mut first = true;
                while self.has_next(b'}', &mut first)? {
                    let key = self.key()?.into_string();
                    let mark = self.path.len();
                    if self.strict {
                        self.enter_path(Some(&key), 0);
                    }
                    let value = self.value()?;
                    if map.insert(key, value).is_some() && self.strict {
                        return Err(self.strict_error(
                            "the key appears twice (JSON readers keep only one of its values)"
                                .into(),
                        ));
                    }
                    self.path.truncate(mark);
                }
                self.close();
                Value::Object(map)
            }
            Some(_) => return Err("expected value".into()),
        })
    }

    /// A value whose shape is checked later ([`Loose`]).
    fn loose(&mut self) -> Result<Loose> {
        Ok(match self.ws() {
            None => return Err(EOF_VALUE.into()),
            Some(b'n') => {
                self.i += 1;
                self.ident(b"ull")?;
                Loose::Null
            }
            Some(b't') => {
                self.i += 1;
                self.ident(b"rue")?;
                Loose::Other(Shape::Bool(true))
            }
            Some(b'f') => {
                self.i += 1;
                self.ident(b"alse")?;
                Loose::Other(Shape::Bool(false))
            }
            Some(b'-' | b'0'..=b'9') => match self.any_number()? {
                Num::U64(n) => Loose::U64(n),
                Num::I64(n) => Loose::I64(n),
                Num::F64(f) => Loose::F64(f),
            },
            Some(b'"') => {
                self.i += 1;
                Loose::Str(self.string()?.into_string())
            }
            Some(b'[') => {
                self.enter()?;
                self.i += 1;
                let mut items = Vec::new();
                let mut all_strings = true;
                let mut first = true;
                while self.has_next(b']', &mut first)? {
                    match self.loose()? {
                        Loose::Str(s) if all_strings => items.push(s),
                        _ => all_strings = false,
                    }
                }
                self.close();
                if all_strings {
                    Loose::List(items)
                } else {
                    Loose::Other(Shape::Seq)
                }
            }
            Some(b'{') => {
                self.enter()?;
                self.i += 1;
                let mut first = true;
                while self.has_next(b'}', &mut first)? {
                    self.key()?;
                    self.skip_value()?;
                }
                self.close();
                Loose::Other(Shape::Map)
            }
            Some(_) => return Err("expected value".into()),
        })
    }

    /// Skips a value without building it (serde_json's `ignore_value`: no
    /// nesting limit, no recursion).
    fn skip_value(&mut self) -> Result<()> {
        self.frames.clear();
        let mut enclosing: Option<u8> = None;
        loop {
            let frame = match self.ws() {
                None => return Err(EOF_VALUE.into()),
                Some(b'n') => {
                    self.i += 1;
                    self.ident(b"ull")?;
                    None
                }
                Some(b't') => {
                    self.i += 1;
                    self.ident(b"rue")?;
                    None
                }
                Some(b'f') => {
                    self.i += 1;
                    self.ident(b"alse")?;
                    None
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.skip_number()?;
                    None
                }
                Some(b'"') => {
                    self.i += 1;
                    self.skip_string()?;
                    None
                }
                Some(open @ (b'[' | b'{')) => {
                    self.frames.extend(enclosing.take());
                    self.i += 1;
                    Some(open)
                }
                Some(_) => return Err("expected value".into()),
            };
            let (mut accept_comma, mut frame) = match frame {
                Some(frame) => (false, frame),
                None => match enclosing.take() {
                    Some(frame) => (true, frame),
                    None => match self.frames.pop() {
                        Some(frame) => (true, frame),
                        None => return Ok(()),
                    },
                },
            };
            loop {
                match self.ws() {
                    Some(b',') if accept_comma => {
                        self.i += 1;
                        break;
                    }
                    Some(b']') if frame == b'[' => {}
                    Some(b'}') if frame == b'{' => {}
                    Some(_) => {
                        if accept_comma {
                            return Err(if frame == b'[' {
                                "expected `,` or `]`"
                            } else {
                                "expected `,` or `}`"
                            }
                            .into());
                        }
                        break;
                    }
                    None => return Err(if frame == b'[' { EOF_LIST } else { EOF_OBJECT }.into()),
                }
                self.i += 1;
                frame = match self.frames.pop() {
                    Some(frame) => frame,
                    None => return Ok(()),
                };
                accept_comma = true;
            }
            if frame == b'{' {
                match self.ws() {
                    Some(b'"') => self.i += 1,
                    Some(_) => return Err("key must be a string".into()),
                    None => return Err(EOF_OBJECT.into()),
                }
                self.skip_string()?;
                match self.ws() {
                    Some(b':') => self.i += 1,
                    Some(_) => return Err("expected `:`".into()),
                    None => return Err(EOF_OBJECT.into()),
                }
            }
            enclosing = Some(frame);
        }
    }

    /// An optional string (`null` is `None`).
    fn opt_string(&mut self) -> Result<Option<String>> {
        match self.ws() {
            Some(b'n') => {
                self.i += 1;
                self.ident(b"ull")?;
                Ok(None)
            }
            Some(b'"') => {
                self.i += 1;
                Ok(Some(self.string()?.into_string()))
            }
            _ => Err(self.invalid_type("a string")),
        }
    }

    /// A `u64` (serde_json's `deserialize_u64`).
    fn u64(&mut self) -> Result<u64> {
        match self.ws() {
            Some(b'-' | b'0'..=b'9') => match self.any_number()? {
                Num::U64(n) => Ok(n),
                Num::I64(n) => Err(Problem::Range(Loose::I64(n), "u64").into()),
                Num::F64(f) => Err(Problem::Type(Loose::F64(f), "u64").into()),
            },
            _ => Err(self.invalid_type("u64")),
        }
    }

    /// The error for a value of the wrong type at the cursor: what it is,
    /// as far as it reads (serde_json's `peek_invalid_type`).
    #[cold]
    #[inline(never)]
    fn invalid_type(&mut self, wanted: &'static str) -> Error {
        match self.loose() {
            Ok(v) => Problem::Type(v, wanted).into(),
            Err(e) => e,
        }
    }

    /// The value of `type`: a wire name or a variant index.
    fn tag(&mut self) -> Result<usize> {
        match self.ws() {
            Some(b'"') => {
                self.i += 1;
                let name = self.string()?;
                event_serde::type_index(name.as_str()).ok_or_else(|| {
                    let mut text = String::from("unknown variant `");
                    let mut shown = name.into_string();
                    crate::input::bound(&mut shown, 60);
                    text.push_str(&shown);
                    text.push_str("`, expected one of ");
                    for (i, n) in crate::event::EVENT_TYPE_NAMES.iter().enumerate() {
                        if i > 0 {
                            text.push_str(", ");
                        }
                        text.push('`');
                        text.push_str(n);
                        text.push('`');
                    }
                    Error(text)
                })
            }
            _ => match self.loose()? {
                Loose::U64(n) if n < 18 => Ok(n as usize),
                Loose::U64(n) => {
                    Err(Problem::Range(Loose::U64(n), "variant index 0 <= i < 18").into())
                }
                other => Err(Problem::Type(other, "variant identifier").into()),
            },
        }
    }

    /// An event object, into `event_serde`'s [`Read`].
    fn event_map(&mut self, mode: Mode) -> Result<Read> {
        match self.ws() {
            Some(b'{') => {}
            None => return Err(EOF_VALUE.into()),
            Some(_) => return Err(self.invalid_type("a session event object")),
        }
        self.enter()?;
        self.i += 1;
        let mut read = Read::new();
        let mut first = true;
        while self.has_next(b'}', &mut first)? {
            let key_text = self.key()?;
            let key = event_serde::classify(mode, read.variant, key_text.as_str());
            read.see(&key)?;
            match key {
                Key::Str(i) => {
                    read.see_str(i)?;
                    read.common.strs[i] = self.opt_string()?;
                }
                Key::SequenceNo => read.common.sequence_no = Some(self.u64()?),
                Key::Meta => {
                    let meta = match self.ws() {
                        Some(b'n') => {
                            self.i += 1;
                            self.ident(b"ull")?;
                            None
                        }
                        _ if mode == Mode::Input => {
                            self.strict = true;
                            self.path.clear();
                            self.path.extend_from_slice(b"meta");
                            let meta = self.value();
                            self.strict = false;
                            Some(meta?)
                        }
                        _ => Some(self.value()?),
                    };
                    read.common.meta = Some(meta);
                }
                Key::Type => read.variant = Some(self.tag()?),
                Key::Field(j) => {
                    let value = self.loose()?;
                    event_serde::put(&mut read.fields, read.variant, j, value)?;
                }
                Key::Early(name) => {
                    let value = self.loose()?;
                    read.early.push((name, value));
                }
                Key::Ignored => self.skip_value()?,
                Key::Unknown if mode == Mode::Input => {
                    return Err(Error(event_serde::unknown_field(key_text.as_str())))
                }
                Key::Unknown => self.skip_value()?,
            }
        }
        self.close();
        Ok(read)
    }

    fn event(&mut self, mode: Mode) -> Result<SessionEvent> {
        let read = self.event_map(mode)?;
        Ok(event_serde::event(read, mode)?)
    }
}

fn whole<T>(text: &str, read: impl FnOnce(&mut Reader<'_>) -> Result<T>) -> Result<T> {
    let mut r = Reader::new(text);
    let value = read(&mut r)?;
    r.end()?;
    Ok(value)
}

pub(crate) fn read_event(text: &str) -> std::result::Result<SessionEvent, String> {
    whole(text, |r| r.event(Mode::Event)).map_err(|e| e.0)
}

pub(crate) fn read_input(text: &str) -> std::result::Result<SessionEvent, String> {
    whole(text, |r| r.event(Mode::Input)).map_err(|e| e.0)
}

/// [`read_input`], and which of `event_id`, `timestamp`, `trace_id` and
/// `span_id` (bits 0 to 3) the log filled in.
pub(crate) fn read_input_filled(text: &str) -> std::result::Result<(SessionEvent, u8), String> {
    whole(text, |r| {
        let read = r.event_map(Mode::Input)?;
        let filled = event_serde::FILLED
            .iter()
            .enumerate()
            .filter(|(_, &i)| read.common.strs[i].is_none())
            .fold(0u8, |mask, (bit, _)| mask | 1 << bit);
        Ok((event_serde::event(read, Mode::Input)?, filled))
    })
    .map_err(|e| e.0)
}

#[cfg(test)]
pub(crate) fn read_inputs(text: &str) -> std::result::Result<Vec<SessionEvent>, String> {
    whole(text, |r| {
        match r.ws() {
            Some(b'[') => {}
            None => return Err(EOF_VALUE.into()),
            Some(_) => return Err(r.invalid_type("a sequence")),
        }
        r.enter()?;
        r.i += 1;
        let mut events = Vec::new();
        let mut first = true;
        while r.has_next(b']', &mut first)? {
            events.push(r.event(Mode::Input)?);
        }
        r.close();
        Ok(events)
    })
    .map_err(|e| e.0)
}

#[cfg(test)]
pub(crate) fn read_value(text: &str) -> std::result::Result<Value, String> {
    whole(text, |r| r.value()).map_err(|e| e.0)
}

/// [`read_value`] for input: a duplicate key, or an integer a double
/// would round, is an error naming where it is (`field `meta.n`: …`).
pub(crate) fn read_value_strict(text: &str) -> std::result::Result<Value, String> {
    whole(text, |r| {
        r.strict = true;
        r.value()
    })
    .map_err(|e| e.0)
}

/// The `sequence_no` of a line read as the derived `struct { sequence_no:
/// u64 }` was: from an object (other keys skipped; a second `sequence_no`,
/// or none, is no number) or from `[n]`.
pub(crate) fn read_sequence_no(text: &str) -> Option<u64> {
    let seq = whole(text, |r| {
        match r.ws() {
            Some(b'{') => {}
            // The derive's positional form: `[n]`.
            Some(b'[') => {
                r.enter()?;
                r.i += 1;
                if !r.has_next(b']', &mut true)? {
                    return Err("invalid length 0".into());
                }
                let n = r.u64()?;
                return match r.ws() {
                    Some(b']') => {
                        r.close();
                        Ok(n)
                    }
                    _ => Err("trailing characters".into()),
                };
            }
            _ => return Err("expected an object".into()),
        }
        r.enter()?;
        r.i += 1;
        let mut seq = None;
        let mut first = true;
        while r.has_next(b'}', &mut first)? {
            if r.key()?.as_str() == "sequence_no" {
                if seq.is_some() {
                    return Err("duplicate field `sequence_no`".into());
                }
                seq = Some(r.u64()?);
            } else {
                r.skip_value()?;
            }
        }
        r.close();
        seq.ok_or_else(|| Error::from("missing field `sequence_no`"))
    });
    seq.ok()
}
