//! Reading a growing `events.jsonl` from where the last read stopped.
//!
//! The viewer's pages and its session list come back for more every few
//! hundred milliseconds while writers append, so each read starts at a byte
//! offset (the end of the last complete line seen) instead of at the top of
//! the file: an update costs the new lines, not the whole log. Lines are
//! judged by the crate's own rules ([`sessiontrail::parse_line`]); bytes after
//! the last `\n` are a torn tail or an append in progress and wait, unread,
//! for their end.
//!
//! The file is opened read-only and without following a symlink; nothing
//! here writes.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use sessiontrail::{parse_line, LineProblem, SessionEvent, DEFAULT_MAX_LINE_BYTES};

/// At most this much of a skipped line is shown, so a person can recognise it.
const SHOWN_OF_SKIPPED: usize = 240;

/// Where a reader stopped: the byte offset just past the last complete line
/// it read, and how many complete lines lie before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub offset: u64,
    pub line: u64,
}

/// A complete line that is not an event.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// 1-based line number in the file.
    pub line: u64,
    pub reason: String,
    /// The start of the line, lossily decoded, for display as text.
    pub text: String,
}

/// What one read found after a cursor.
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
    pub next: Cursor,
    /// The file's size when read.
    pub size: u64,
    /// Bytes after the last complete line (when the read reached the end).
    pub tail_bytes: u64,
    /// The read stopped at its byte budget; more complete lines follow.
    pub more: bool,
    /// The file is shorter than the cursor: it was replaced or rewritten,
    /// and the reader must start again from the top.
    pub reset: bool,
}

/// Opens `events.jsonl` for reading, refusing a symlink.
pub fn open_events(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
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

/// Reads the complete lines after `from`, stopping once `budget` bytes of
/// lines have been read (a line is never split).
pub fn read_after(path: &Path, from: Cursor, budget: u64) -> std::io::Result<Batch> {
    let mut file = open_events(path)?;
    let size = file.metadata()?.len();
    let mut batch = Batch {
        next: from,
        size,
        ..Batch::default()
    };
    if size < from.offset {
        batch.reset = true;
        batch.next = Cursor::default();
        return Ok(batch);
    }
    file.seek(SeekFrom::Start(from.offset))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file.take(size - from.offset));
    // First the lines' bytes, one after another (a line over the readers'
    // limit is skipped without being held), then the parsing, spread over
    // the cores: parsing is most of the work, and a page loading a large
    // session waits for it.
    let mut bytes = Vec::new();
    let mut lines: Vec<RawLine> = Vec::new();
    let mut start = 0;
    let mut line_len: u64 = 0;
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let (piece, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], true),
            None => (buf, false),
        };
        line_len += piece.len() as u64;
        if !too_long {
            if bytes.len() - start + piece.len() > DEFAULT_MAX_LINE_BYTES {
                too_long = true;
                bytes.truncate(start);
            } else {
                bytes.extend_from_slice(piece);
            }
        }
        let used = piece.len() + usize::from(done);
        reader.consume(used);
        if !done {
            continue;
        }
        lines.push(if too_long {
            RawLine::TooLong(line_len)
        } else {
            RawLine::Bytes(start..bytes.len())
        });
        batch.next.line += 1;
        batch.next.offset += line_len + 1;
        start = bytes.len();
        line_len = 0;
        too_long = false;
        if batch.next.offset - from.offset >= budget && batch.next.offset < size {
            batch.more = true;
            break;
        }
    }
    if !batch.more {
        batch.tail_bytes = size - batch.next.offset;
    }
    bytes.truncate(start); // the tail, if any, is not a line yet
    let parsed = parse_all(&bytes, &lines);
    for (i, (raw, parsed)) in lines.iter().zip(parsed).enumerate() {
        let number = from.line + i as u64;
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

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sessiontrail-follow-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.jsonl");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn line(seq: u64) -> String {
        format!(
            r#"{{"session_id":"s","event_id":"evt_0000000000000000","timestamp":"2026-01-01T00:00:00Z","sequence_no":{seq},"trace_id":"00000000000000000000000000000000","span_id":"0000000000000000","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h","type":"agent.note","text":"x"}}"#
        )
    }

    #[test]
    fn reads_only_what_follows_the_cursor_and_waits_for_a_torn_tail() {
        let text = format!("{}\nnot json\n{}\n{{\"torn", line(0), line(2));
        let path = temp_file("tail", text.as_bytes());
        let all = read_after(&path, Cursor::default(), u64::MAX).unwrap();
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
        let next = read_after(&path, all.next, u64::MAX).unwrap();
        assert_eq!(next.events.len(), 1);
        assert_eq!(next.events[0].sequence_no, 3);
        assert_eq!(next.lines, [3]);
        assert_eq!(next.tail_bytes, 0);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn stops_at_the_budget_on_a_line_end_and_notices_a_shorter_file() {
        let text: String = (0..10).map(|i| line(i) + "\n").collect();
        let path = temp_file("budget", text.as_bytes());
        let first = read_after(&path, Cursor::default(), 1).unwrap();
        assert_eq!(first.events.len(), 1);
        assert!(first.more);
        let rest = read_after(&path, first.next, u64::MAX).unwrap();
        assert_eq!(rest.events.len(), 9);
        assert!(!rest.more);

        std::fs::write(&path, format!("{}\n", line(0))).unwrap();
        let reset = read_after(&path, rest.next, u64::MAX).unwrap();
        assert!(reset.reset);
        assert_eq!(reset.next, Cursor::default());
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
        let path = temp_file("parts", text.as_bytes());
        let all = read_after(&path, Cursor::default(), u64::MAX).unwrap();
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
