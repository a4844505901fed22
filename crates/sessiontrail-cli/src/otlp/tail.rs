//! Reads a session's `events.jsonl` from where it stopped, line by line, as
//! writers append: the shipper's only reader.
//!
//! It keeps the byte offset of the next unread line, so following a log
//! costs what was appended, not the log's length (`EventLog::read_from`
//! would rescan from the start on every poll). Lines are numbered as the log
//! numbers them: every complete line holds the next sequence number,
//! whether or not it parses, so the number of a line is the count of `\n`
//! before it. Bytes after the last `\n` are a line still being written (or
//! a torn tail a writer will repair): left for the next read.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sessiontrail::{SessionEvent, DEFAULT_MAX_LINE_BYTES, EVENTS_FILE};

/// One complete line: its sequence number, and its event unless it is not
/// one (malformed, an unknown type, too long).
pub(super) struct Line {
    pub index: u64,
    pub event: Option<SessionEvent>,
}

pub(super) struct Tail {
    path: PathBuf,
    reader: BufReader<File>,
    /// Byte offset of the next unread line.
    offset: u64,
    /// Its sequence number.
    next: u64,
    line: Vec<u8>,
    /// Unreadable lines so far.
    pub skipped: u64,
}

impl Tail {
    pub fn open(session_dir: &Path) -> std::io::Result<Tail> {
        let path = session_dir.join(EVENTS_FILE);
        let file = open_no_follow(&path)?;
        Ok(Tail {
            path,
            reader: BufReader::with_capacity(256 * 1024, file),
            offset: 0,
            next: 0,
            line: Vec::new(),
            skipped: 0,
        })
    }

    /// Complete lines read so far: the sequence number of the next one.
    pub fn lines_read(&self) -> u64 {
        self.next
    }

    /// Up to `max` complete lines after the last one returned.
    pub fn read(&mut self, max: usize) -> std::io::Result<Vec<Line>> {
        // A log cut shorter than what was read was replaced or rewritten:
        // its numbers no longer mean what the cursor counted.
        let len = self.reader.get_ref().metadata()?.len();
        if len < self.offset {
            return Err(std::io::Error::other(format!(
                "{} is now {len} bytes, shorter than the {} already read; was it replaced? \
                 Refusing to guess which events were shipped",
                self.path.display(),
                self.offset
            )));
        }
        let limit = DEFAULT_MAX_LINE_BYTES as u64 + 1;
        let mut lines = Vec::new();
        while lines.len() < max {
            self.line.clear();
            let n = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.line)?;
            if n == 0 {
                break;
            }
            let complete = self.line.last() == Some(&b'\n');
            let event = if complete {
                self.offset += n as u64;
                self.line.pop();
                std::str::from_utf8(&self.line)
                    .ok()
                    .and_then(|text| serde_json::from_str::<SessionEvent>(text).ok())
            } else if n as u64 == limit {
                // Longer than any line the log writes: skip to its end.
                match self.skip_rest()? {
                    Some(rest) => {
                        self.offset += n as u64 + rest;
                        None
                    }
                    None => {
                        self.rewind()?;
                        break;
                    }
                }
            } else {
                // A line still being written: read it again next time.
                self.rewind()?;
                break;
            };
            if event.is_none() {
                self.skipped += 1;
            }
            lines.push(Line {
                index: self.next,
                event,
            });
            self.next += 1;
        }
        Ok(lines)
    }

    /// Reads up to and including the next `\n`; its byte count, or `None`
    /// when the input ended first.
    fn skip_rest(&mut self) -> std::io::Result<Option<u64>> {
        let mut skipped = 0u64;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok(Some(skipped + i as u64 + 1));
                }
                None => {
                    let n = buf.len();
                    self.reader.consume(n);
                    skipped += n as u64;
                }
            }
        }
    }

    fn rewind(&mut self) -> std::io::Result<()> {
        self.reader.seek(SeekFrom::Start(self.offset)).map(|_| ())
    }
}

/// Opens for reading without following a symbolic link at `events.jsonl`,
/// as the log's writers refuse to.
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options
        .open(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::Tail;
    use sessiontrail::{EventLog, EVENTS_FILE};

    /// A stored line (ids and time filled) of a note.
    fn note(text: &str) -> String {
        let input = format!(
            r#"{{"type":"agent.note","text":"{text}","session_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h"}}"#
        );
        serde_json::to_string(&sessiontrail::event_from_json(&input).unwrap()).unwrap()
    }

    #[test]
    fn lines_are_numbered_as_the_log_numbers_them_and_a_partial_line_waits() {
        let dir = std::env::temp_dir().join(format!("sessiontrail-tail-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let log = EventLog::open(&dir).unwrap();
        let mut first = sessiontrail::event_from_json(&note("one")).unwrap();
        log.append(&mut first).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.join(EVENTS_FILE))
            .unwrap();
        // A line longer than any the log writes, then a line being written.
        let long = vec![b'x'; sessiontrail::DEFAULT_MAX_LINE_BYTES + 10];
        file.write_all(&long).unwrap();
        let two = note("two");
        let (head, rest) = two.as_bytes().split_at(10);
        file.write_all(b"\n").unwrap();
        file.write_all(head).unwrap();

        let mut tail = Tail::open(&dir).unwrap();
        let lines = tail.read(10).unwrap();
        let seen: Vec<(u64, bool)> = lines.iter().map(|l| (l.index, l.event.is_some())).collect();
        assert_eq!(seen, [(0, true), (1, false)]);
        assert_eq!((tail.skipped, tail.lines_read()), (1, 2));
        assert!(tail.read(10).unwrap().is_empty(), "the partial line waits");

        // The writer finishes its line; `max` is honoured.
        file.write_all(rest).unwrap();
        file.write_all(format!("\n{}\n", note("three")).as_bytes())
            .unwrap();
        let lines = tail.read(1).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].index, 2);
        let text = |l: &super::Line| match &l.event.as_ref().unwrap().event_type {
            sessiontrail::EventType::AgentNote { text } => text.clone().unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(text(&lines[0]), "two");
        let lines = tail.read(10).unwrap();
        assert_eq!((lines[0].index, text(&lines[0])), (3, "three".to_string()));

        // A log cut shorter than what was read is an error, not a guess.
        file.set_len(10).unwrap();
        let err = tail.read(10).err().unwrap().to_string();
        assert!(err.contains("shorter than"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
