//! The byte-level format: the counter sidecar and the line rules.
//!
//! Every store shares these rules; nothing else in the crate decides what a
//! line, a count or a torn tail is.
//!
//! - A line is the bytes up to and including a `\n`. Each complete line holds
//!   one sequence number, whether or not it parses, so the next number is the
//!   count of `\n` bytes. Decoding is never part of counting: a line with
//!   invalid UTF-8 still holds its number.
//! - Bytes after the last `\n` are a torn tail: a writer died mid-line. They
//!   are not an event. A writer moves them to the torn sidecar before it
//!   appends, so its line never glues onto them.
//! - The counter is 16 bytes: the event count as u64 little-endian, then the
//!   byte size of `events.jsonl` when that count was taken, u64 little-endian.
//!   It is a hint, trusted only when its size equals the file's real size.

use std::io::Read;

use crate::schema::SessionEvent;

/// Size in bytes of the counter sidecar.
pub const COUNTER_LEN: usize = 16;

/// The longest line the readers hold in memory by default (16 MiB). Longer
/// lines are skipped and counted, never buffered whole.
pub const DEFAULT_MAX_LINE_BYTES: usize = 16 << 20;

/// What the counter sidecar says: `count` events in a file of `size` bytes.
///
/// For store implementers only (see [`Store`](crate::Store)): the append
/// protocol reads and writes it; applications never need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Complete lines in the file when it was counted.
    pub count: u64,
    /// The byte size of `events.jsonl` when it was counted.
    pub size: u64,
}

impl Counter {
    /// The 16 bytes written to the sidecar.
    pub fn encode(self) -> [u8; COUNTER_LEN] {
        let mut out = [0u8; COUNTER_LEN];
        out[..8].copy_from_slice(&self.count.to_le_bytes());
        out[8..].copy_from_slice(&self.size.to_le_bytes());
        out
    }

    /// Reads a sidecar's bytes; anything but exactly 16 bytes is no counter.
    pub fn decode(bytes: &[u8]) -> Option<Counter> {
        let bytes: &[u8; COUNTER_LEN] = bytes.try_into().ok()?;
        let (count, size) = bytes.split_at(8);
        Some(Counter {
            count: u64::from_le_bytes(count.try_into().ok()?),
            size: u64::from_le_bytes(size.try_into().ok()?),
        })
    }
}

/// The number of complete lines in `bytes`.
pub fn count_newlines(bytes: &[u8]) -> u64 {
    // A plain byte filter; the compiler vectorises it and it needs no
    // decoding, so invalid UTF-8 cannot change the count.
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Why a complete line is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// Empty or only whitespace.
    Blank,
    /// Not UTF-8; `valid_up_to` is the offset in the line of the first bad byte.
    NotUtf8 {
        /// The offset of the first bad byte.
        valid_up_to: usize,
    },
    /// Valid UTF-8 but not an event: bad JSON, a missing field, an unknown type.
    NotAnEvent(String),
    /// Longer than the reader's limit; `len` is the line's length in bytes.
    TooLong {
        /// The line's length in bytes.
        len: u64,
    },
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Blank => f.write_str("blank line"),
            Self::NotUtf8 { valid_up_to } => {
                write!(f, "invalid UTF-8 at byte {valid_up_to} of the line")
            }
            Self::NotAnEvent(why) => write!(f, "not an event: {why}"),
            Self::TooLong { len } => write!(f, "line of {len} bytes is over the reader's limit"),
        }
    }
}

/// Parses one complete stored line (without its `\n`) by the readers' rules:
/// a line this accepts is an event to `iter`, `read_all` and `check`, and a
/// line it refuses is one they skip, for the reason it gives. For readers
/// that follow a growing file by byte offset (`sessiontrail view`).
// Not inlined under wasm, where each caller would carry a copy in the
// size-budgeted .wasm; natively, inlined, the event is built in place.
#[cfg_attr(target_family = "wasm", inline(never))]
pub fn parse_line(line: &[u8]) -> Result<SessionEvent, LineProblem> {
    let text = std::str::from_utf8(line).map_err(|e| LineProblem::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Err(LineProblem::Blank);
    }
    crate::codec::read_event(text).map_err(|e| LineProblem::NotAnEvent(e.into_reason()))
}

/// Reads only the `sequence_no` of a line; other fields are not decoded.
pub fn parse_sequence_no(line: &[u8]) -> Option<u64> {
    // From text, not bytes: the event reader reads text (src/json.rs). A
    // line that is not UTF-8 has no number here; the caller then recounts.
    crate::codec::read_sequence_no(std::str::from_utf8(line).ok()?)
}

/// One line as the [`LineReader`] sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum RawLine<'a> {
    /// A complete line, without its `\n`.
    Complete(&'a [u8]),
    /// A complete line longer than the limit; only its length is known.
    TooLong(u64),
    /// Bytes after the last `\n` at the end of the input: a torn tail, or a
    /// line still being written.
    Tail(u64),
}

/// Splits a byte stream into lines without ever holding more than
/// `max_line` bytes of one line, so an absurdly long line costs a skip,
/// not the process.
pub struct LineReader<R> {
    input: R,
    max_line: usize,
    chunk: Box<[u8]>,
    start: usize,
    end: usize,
    line: Vec<u8>,
    eof: bool,
    /// The 1-based number of the line last returned.
    line_no: u64,
}

impl<R: Read> LineReader<R> {
    /// Reads lines from `input`; lines longer than `max_line` bytes are
    /// reported as [`RawLine::TooLong`], never held.
    pub fn new(input: R, max_line: usize) -> Self {
        LineReader {
            input,
            max_line: max_line.max(1),
            chunk: vec![0u8; 64 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            line: Vec::new(),
            eof: false,
            line_no: 0,
        }
    }

    /// The 1-based number of the line last returned by [`Self::next_line`].
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The next line, or `None` at the end of the input.
    // Not inlined: its callers (the event stream, `check`, the wasm
    // `readChunk`) would each carry a copy in the size-budgeted .wasm; one
    // call per line costs nothing next to parsing the line.
    #[inline(never)]
    pub fn next_line(&mut self) -> std::io::Result<Option<RawLine<'_>>> {
        self.line.clear();
        let mut len: u64 = 0;
        let mut too_long = false;
        loop {
            if self.start == self.end {
                if self.eof {
                    break;
                }
                let n = loop {
                    match self.input.read(&mut self.chunk) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                if n == 0 {
                    self.eof = true;
                    break;
                }
                self.start = 0;
                self.end = n;
            }
            let avail = &self.chunk[self.start..self.end];
            let (piece, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (&avail[..i], true),
                None => (avail, false),
            };
            // A whole line inside the chunk is lent as it is, not copied.
            if done && len == 0 && piece.len() <= self.max_line {
                let (from, to) = (self.start, self.start + piece.len());
                self.start = to + 1;
                self.line_no += 1;
                return Ok(Some(RawLine::Complete(&self.chunk[from..to])));
            }
            len += piece.len() as u64;
            if !too_long {
                if self.line.len() + piece.len() > self.max_line {
                    too_long = true;
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(piece);
                }
            }
            self.start += piece.len() + usize::from(done);
            if done {
                self.line_no += 1;
                return Ok(Some(if too_long {
                    RawLine::TooLong(len)
                } else {
                    RawLine::Complete(&self.line)
                }));
            }
        }
        if len == 0 {
            Ok(None)
        } else {
            Ok(Some(RawLine::Tail(len)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut r = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(match l {
                RawLine::Complete(b) => format!("C:{}", String::from_utf8_lossy(b)),
                RawLine::TooLong(n) => format!("L:{n}"),
                RawLine::Tail(n) => format!("T:{n}"),
            });
        }
        out
    }

    #[test]
    fn counter_round_trips_and_rejects_wrong_lengths() {
        let c = Counter {
            count: 7,
            size: 1 << 40,
        };
        assert_eq!(Counter::decode(&c.encode()), Some(c));
        assert_eq!(Counter::decode(b"junk"), None);
        assert_eq!(Counter::decode(&[0u8; 17]), None);
        assert_eq!(&c.encode()[..8], &7u64.to_le_bytes());
    }

    #[test]
    fn counting_ignores_encoding() {
        assert_eq!(count_newlines(b""), 0);
        assert_eq!(count_newlines(b"a\n\xff\xfe\nno newline"), 2);
    }

    #[test]
    fn reader_splits_lines_and_reports_the_tail() {
        assert_eq!(lines(b"a\nbb\n\ncc", 100), ["C:a", "C:bb", "C:", "T:2"]);
        assert_eq!(lines(b"", 100), Vec::<String>::new());
    }

    #[test]
    fn reader_skips_lines_over_the_limit_without_buffering_them() {
        let mut input = vec![b'x'; 200_000];
        input.extend_from_slice(b"\nok\n");
        assert_eq!(lines(&input, 1000), ["L:200000", "C:ok"]);
    }

    #[test]
    fn line_problems_are_named() {
        assert_eq!(parse_line(b"  "), Err(LineProblem::Blank));
        assert_eq!(
            parse_line(b"{\"a\":\xff}"),
            Err(LineProblem::NotUtf8 { valid_up_to: 5 })
        );
        let unknown = parse_line(br#"{"type":"agent.danced"}"#).unwrap_err();
        assert!(matches!(unknown, LineProblem::NotAnEvent(_)), "{unknown:?}");
        assert_eq!(parse_sequence_no(br#"{"x":1,"sequence_no":41}"#), Some(41));
        assert_eq!(parse_sequence_no(b"{}"), None);
    }
}
