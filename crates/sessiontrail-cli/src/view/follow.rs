//! Reading a growing `events.jsonl` from where the last read stopped.
//!
//! The viewer's pages and its session list come back for more every few
//! hundred milliseconds while writers append, so each read starts at a byte
//! offset (the end of the last complete line seen) instead of at the top of
//! the file: an update costs the new lines, not the whole log. The reading
//! is the core's [`Tail`] (no symlink, no FIFO, a torn tail waits for its
//! end, a replaced or cut file starts again from the top); this module
//! parses the lines, in parallel for a large batch, and keeps them as
//! stored for the page.

use std::ops::ControlFlow;
use std::path::Path;

use sessiontrail::tail::Position;
use sessiontrail::{parse_line, EventLogError, LineProblem, SessionEvent, Tail};

/// At most this much of a skipped line is shown, so a person can recognise it.
const SHOWN_OF_SKIPPED: usize = 240;

/// A complete line that is not an event.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// 1-based line number in the file.
    pub line: u64,
    pub reason: String,
    /// The start of the line, lossily decoded, for display as text.
    pub text: String,
}

/// What one read found after a position.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: Vec<SessionEvent>,
    /// The events' lines as stored, comma-separated: a JSON array's
    /// inside. A line the crate reads as an event is strict JSON with no
    /// repeated field, so a page that parses it sees what the crate saw,
    /// and sending it as stored saves writing every event again.
    pub json: Vec<u8>,
    /// Each event's line number (0-based, the number it should hold).
    pub lines: Vec<u64>,
    pub skipped: Vec<Skipped>,
    /// Where the next read starts.
    pub next: Position,
    /// The file's size when read.
    pub size: u64,
    /// Bytes after the last complete line (when the read reached the end).
    pub tail_bytes: u64,
    /// The read stopped at its byte budget; more complete lines follow.
    pub more: bool,
    /// The file is not the one the position was counted in (replaced, cut,
    /// rewritten): this batch is read from its first line, and the reader
    /// must forget what it had.
    pub reset: bool,
}

/// The current size of the events file at `path`, without following a symlink.
pub fn size_of(path: &Path) -> std::io::Result<u64> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(meta.len())
}

/// Reads the complete lines of the session in `dir` after `from`, stopping
/// once `budget` bytes of lines have been read (a line is never split).
pub fn read_after(dir: &Path, from: Position, budget: u64) -> Result<Batch, EventLogError> {
    let mut tail = Tail::open(dir, from)?;
    // First the lines' bytes, one after another (a line over the readers'
    // limit is skipped without being held), then the parsing, spread over
    // the cores: parsing is most of the work, and a page loading a large
    // session waits for it.
    let mut bytes = Vec::new();
    let mut lines: Vec<RawLine> = Vec::new();
    let mut first = None;
    let read = tail.read(|line| {
        let start = *first.get_or_insert(line.offset);
        lines.push(match line.bytes {
            Some(b) => {
                let at = bytes.len();
                bytes.extend_from_slice(b);
                RawLine::Bytes(at..bytes.len())
            }
            None => RawLine::TooLong(line.len),
        });
        if line.end() - start >= budget {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    let next = tail.position();
    let mut batch = Batch {
        next,
        size: read.size,
        tail_bytes: read.tail_bytes,
        more: read.more,
        reset: read.restarted.is_some(),
        ..Batch::default()
    };
    let first_line = next.line - lines.len() as u64;
    let parsed = parse_all(&bytes, &lines);
    for (i, (raw, parsed)) in lines.iter().zip(parsed).enumerate() {
        let number = first_line + i as u64;
        let line = match raw {
            RawLine::Bytes(range) => &bytes[range.clone()],
            RawLine::TooLong(_) => &[][..],
        };
        match parsed {
            Ok(event) => {
                if !batch.events.is_empty() {
                    batch.json.push(b',');
                }
                batch.json.extend_from_slice(line);
                batch.events.push(event);
                batch.lines.push(number);
            }
            Err(problem) => batch.skipped.push(Skipped {
                line: number + 1,
                reason: problem.to_string(),
                text: shown(line),
            }),
        }
    }
    Ok(batch)
}

/// A complete line: where its bytes are, or the length of one too long to hold.
enum RawLine {
    Bytes(std::ops::Range<usize>),
    TooLong(u64),
}

/// Each line parsed by the crate's rules, in order; large batches in
/// parallel, one part per core.
fn parse_all(bytes: &[u8], lines: &[RawLine]) -> Vec<Result<SessionEvent, LineProblem>> {
    let parse = |raw: &RawLine| match raw {
        RawLine::Bytes(range) => parse_line(&bytes[range.clone()]),
        RawLine::TooLong(len) => Err(LineProblem::TooLong { len: *len }),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || lines.len() < 2_000 {
        return lines.iter().map(parse).collect();
    }
    let part = lines.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = lines
            .chunks(part)
            .map(|chunk| scope.spawn(move || chunk.iter().map(parse).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

fn shown(line: &[u8]) -> String {
    let mut end = line.len().min(SHOWN_OF_SKIPPED);
    // Cut on a character boundary when the line is UTF-8 at all.
    while end > 0 && end < line.len() && (line[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    String::from_utf8_lossy(&line[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session directory holding `bytes` as its events.jsonl.
    fn temp_dir(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sessiontrail-follow-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(sessiontrail::EVENTS_FILE), bytes).unwrap();
        dir
    }

    fn line(seq: u64) -> String {
        format!(
            r#"{{"session_id":"s","event_id":"evt_0000000000000000","timestamp":"2026-01-01T00:00:00Z","sequence_no":{seq},"trace_id":"00000000000000000000000000000000","span_id":"0000000000000000","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h","type":"agent.note","text":"x"}}"#
        )
    }

    #[test]
    fn reads_only_what_follows_the_cursor_and_waits_for_a_torn_tail() {
        let text = format!("{}\nnot json\n{}\n{{\"torn", line(0), line(2));
        let dir = temp_dir("tail", text.as_bytes());
        let path = dir.join(sessiontrail::EVENTS_FILE);
        let all = read_after(&dir, Position::default(), u64::MAX).unwrap();
        assert_eq!(all.events.len(), 2);
        assert_eq!(all.lines, [0, 2]);
        assert_eq!(all.json, format!("{},{}", line(0), line(2)).into_bytes());
        assert_eq!(all.skipped.len(), 1);
        assert_eq!(all.skipped[0].line, 2);
        assert_eq!(all.skipped[0].text, "not json");
        assert!(
            all.skipped[0].reason.starts_with("not an event"),
            "{}",
            all.skipped[0].reason
        );
        assert_eq!(all.tail_bytes, 6);
        assert_eq!(all.next.line, 3);
        assert_eq!(all.next.offset, text.len() as u64 - 6);

        // The tail completes: only the new line is read.
        let mut grown = text.into_bytes();
        grown.truncate(grown.len() - 6);
        grown.extend_from_slice(format!("{}\n", line(3)).as_bytes());
        std::fs::write(&path, &grown).unwrap();
        let next = read_after(&dir, all.next, u64::MAX).unwrap();
        assert_eq!(next.events.len(), 1);
        assert_eq!(next.events[0].sequence_no, 3);
        assert_eq!(next.lines, [3]);
        assert_eq!(next.tail_bytes, 0);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn stops_at_the_budget_on_a_line_end_and_notices_a_shorter_file() {
        let text: String = (0..10).map(|i| line(i) + "\n").collect();
        let dir = temp_dir("budget", text.as_bytes());
        let path = dir.join(sessiontrail::EVENTS_FILE);
        let first = read_after(&dir, Position::default(), 1).unwrap();
        assert_eq!(first.events.len(), 1);
        assert!(first.more);
        let rest = read_after(&dir, first.next, u64::MAX).unwrap();
        assert_eq!(rest.events.len(), 9);
        assert!(!rest.more);

        std::fs::write(&path, format!("{}\n", line(0))).unwrap();
        // Read again from the top, in the same answer.
        let reset = read_after(&dir, rest.next, u64::MAX).unwrap();
        assert!(reset.reset);
        assert_eq!(reset.lines, [0]);
        assert_eq!(reset.events[0].sequence_no, 0);
        let one_line = line(0).len() as u64 + 1;
        assert_eq!(
            reset.next,
            Position {
                offset: one_line,
                line: 1
            }
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_large_batch_parsed_in_parts_keeps_the_file_order() {
        let text: String = (0..5000)
            .map(|i| {
                if i % 1000 == 7 {
                    "bad\n".to_string()
                } else {
                    line(i) + "\n"
                }
            })
            .collect();
        let dir = temp_dir("parts", text.as_bytes());
        let path = dir.join(sessiontrail::EVENTS_FILE);
        let all = read_after(&dir, Position::default(), u64::MAX).unwrap();
        assert_eq!(all.events.len(), 4995);
        assert!(all
            .events
            .iter()
            .zip(&all.lines)
            .all(|(e, l)| e.sequence_no == *l));
        assert_eq!(
            all.skipped.iter().map(|s| s.line).collect::<Vec<_>>(),
            [8, 1008, 2008, 3008, 4008]
        );
        let json: Vec<serde_json::Value> =
            serde_json::from_slice(&[b"[", &all.json[..], b"]"].concat()).unwrap();
        assert_eq!(json.len(), 4995);
        assert_eq!(json[4994]["sequence_no"], 4999);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_skipped_line_is_shown_cut_on_a_character() {
        let long = "é".repeat(200);
        assert_eq!(shown(long.as_bytes()).chars().count(), 120);
        assert_eq!(shown(b"\xff\xfe"), "\u{fffd}\u{fffd}");
    }
}
