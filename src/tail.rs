//! Reading a log from a byte offset: the one line reader of every reader
//! that follows a growing log (the viewer, the OTLP shipper, the wasm
//! `readChunk`).
//!
//! A follower remembers a [`Position`]: the byte offset just past the last
//! complete line it read, and how many complete lines lie before it (the
//! sequence number the next line should hold, since every complete line
//! holds one whether or not it parses). [`read_lines`] goes on from there
//! over any [`Read`] that starts at that offset, so a store that is not a
//! file (the JavaScript host) reads with the same rules as the file
//! `Tail` (native): complete lines only (bytes after the last `\n` may
//! be an append in progress and wait, unread, for their end), a line over
//! the limit skipped without being held, the position moved by whole lines.

use std::io::Read;
use std::ops::ControlFlow;

use crate::format::{self, LineProblem, LineReader, RawLine};
use crate::schema::SessionEvent;

#[cfg(not(target_family = "wasm"))]
pub use crate::native::{Restart, Tail, TailRead};

/// Where a reader of a log stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Position {
    /// The byte offset just past the last complete line read (0 at the start).
    pub offset: u64,
    /// How many complete lines lie before `offset`: the 0-based number of
    /// the next line.
    pub line: u64,
}

/// One complete line, as [`read_lines`] hands it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// The 0-based number of the line in the log: the `sequence_no` it
    /// should hold.
    pub number: u64,
    /// The byte offset of its first byte.
    pub offset: u64,
    /// Its length in bytes, without the `\n`.
    pub len: u64,
    /// Its bytes without the `\n`; `None` when it is longer than the
    /// reader's limit (it was skipped, not held).
    pub bytes: Option<&'a [u8]>,
}

impl Line<'_> {
    /// The offset just past its `\n`: where the next line starts.
    pub fn end(&self) -> u64 {
        self.offset + self.len + 1
    }

    /// The line read by the readers' rules ([`crate::parse_line`]); a line
    /// over the limit is [`LineProblem::TooLong`].
    pub fn parse(&self) -> Result<SessionEvent, LineProblem> {
        match self.bytes {
            Some(bytes) => format::parse_line(bytes),
            None => Err(LineProblem::TooLong { len: self.len }),
        }
    }
}

/// Where [`read_lines`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Just past the last complete line handed out: where the next read starts.
    pub next: Position,
    /// The input ended (rather than `each` asking to stop).
    pub at_end: bool,
    /// Bytes after the last complete line when the input ended: a torn
    /// tail or an append in progress, not read. 0 when `each` stopped first.
    pub tail_bytes: u64,
}

/// Hands `each` the complete lines of `input`, which holds the log's bytes
/// from `from.offset` on, until the input ends or `each` breaks (after the
/// line it was given). Lines longer than `max_line` bytes are handed out
/// without their bytes and never held whole.
///
/// ```
/// use std::ops::ControlFlow;
/// use sessiontrail::tail::{read_lines, Position};
///
/// let log = b"{\"not\":\"an event\"}\nsecond\n{\"torn";
/// let mut lines = Vec::new();
/// let progress = read_lines(&log[..], Position::default(), 1 << 20, |line| {
///     lines.push((line.number, line.parse().is_ok()));
///     ControlFlow::Continue(())
/// })
/// .unwrap();
/// assert_eq!(lines, [(0, false), (1, false)]);
/// assert_eq!(progress.next, Position { offset: 26, line: 2 });
/// assert_eq!(progress.tail_bytes, 6); // waits for its `\n`
/// ```
pub fn read_lines<R: Read>(
    input: R,
    from: Position,
    max_line: usize,
    mut each: impl FnMut(Line<'_>) -> ControlFlow<()>,
) -> std::io::Result<Progress> {
    let mut lines = LineReader::new(input, max_line);
    let mut next = from;
    loop {
        let (len, bytes) = match lines.next_line()? {
            None => return Ok(end(next, 0)),
            Some(RawLine::Tail(len)) => return Ok(end(next, len)),
            Some(RawLine::TooLong(len)) => (len, None),
            Some(RawLine::Complete(bytes)) => (bytes.len() as u64, Some(bytes)),
        };
        let line = Line {
            number: next.line,
            offset: next.offset,
            len,
            bytes,
        };
        next = Position {
            offset: line.end(),
            line: next.line + 1,
        };
        if each(line).is_break() {
            return Ok(Progress {
                next,
                at_end: false,
                tail_bytes: 0,
            });
        }
    }
}

fn end(next: Position, tail_bytes: u64) -> Progress {
    Progress {
        next,
        at_end: true,
        tail_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(
        input: &[u8],
        from: Position,
        max: usize,
        stop_after: usize,
    ) -> (Vec<String>, Progress) {
        let mut seen = Vec::new();
        let progress = read_lines(input, from, max, |line| {
            seen.push(match line.bytes {
                Some(b) => format!(
                    "{}@{}:{}",
                    line.number,
                    line.offset,
                    String::from_utf8_lossy(b)
                ),
                None => format!("{}@{}:long {}", line.number, line.offset, line.len),
            });
            if seen.len() == stop_after {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        (seen, progress)
    }

    #[test]
    fn positions_count_bytes_and_lines_from_where_the_input_starts() {
        let from = Position {
            offset: 100,
            line: 7,
        };
        let (seen, p) = collect(b"ab\n\ncd\nef", from, 10, 0);
        assert_eq!(seen, ["7@100:ab", "8@103:", "9@104:cd"]);
        assert_eq!(
            p,
            Progress {
                next: Position {
                    offset: 107,
                    line: 10
                },
                at_end: true,
                tail_bytes: 2
            }
        );
    }

    #[test]
    fn a_line_over_the_limit_is_handed_out_without_its_bytes() {
        let mut input = vec![b'x'; 50_000];
        input.extend_from_slice(b"\nok\n");
        let (seen, p) = collect(&input, Position::default(), 1000, 0);
        assert_eq!(seen, ["0@0:long 50000", "1@50001:ok"]);
        assert_eq!(p.next.offset, input.len() as u64);
        let too_long = Line {
            number: 0,
            offset: 0,
            len: 50_000,
            bytes: None,
        };
        assert_eq!(too_long.parse(), Err(LineProblem::TooLong { len: 50_000 }));
    }

    #[test]
    fn stopping_keeps_the_position_after_the_last_line_handed_out() {
        let (seen, p) = collect(b"a\nb\nc\n", Position::default(), 10, 2);
        assert_eq!(seen, ["0@0:a", "1@2:b"]);
        assert_eq!(p.next, Position { offset: 4, line: 2 });
        assert!(!p.at_end);
        let (rest, p) = collect(&b"a\nb\nc\n"[4..], p.next, 10, 0);
        assert_eq!(rest, ["2@4:c"]);
        assert!(p.at_end && p.tail_bytes == 0);
    }
}
