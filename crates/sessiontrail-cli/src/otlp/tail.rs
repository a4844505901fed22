//! Reads a session's `events.jsonl` from where it stopped, line by line, as
//! writers append: the shipper's only reader, over the core's [`Tail`].
//!
//! Following a log costs what was appended, not the log's length
//! (`EventLog::read_from` would rescan from the start on every poll). Lines
//! are numbered as the log numbers them: every complete line holds the next
//! sequence number, whether or not it parses. Bytes after the last `\n` are
//! a line still being written (or a torn tail a writer will repair): left
//! for the next read. A log replaced, cut or rewritten under the reader is
//! read again from its first line, and the read says so ([`Read::restarted`]):
//! the shipper then treats it as a new log (a new mapper, a cursor at 0 for
//! the new file), since the cursor's numbers counted lines of the old one.

use std::ops::ControlFlow;
use std::path::Path;

use sessiontrail::tail::{Position, Restart};
use sessiontrail::SessionEvent;

/// One complete line: its sequence number, and its event unless it is not
/// one (malformed, an unknown type, too long).
pub(super) struct Line {
    pub index: u64,
    pub event: Option<SessionEvent>,
}

/// What one [`Tail::read`] found.
pub(super) struct Read {
    /// Set when the file is not the one read before: `lines` start at its
    /// first line.
    pub restarted: Option<Restart>,
    pub lines: Vec<Line>,
}

pub(super) struct Tail {
    tail: sessiontrail::Tail,
    /// Unreadable lines so far.
    pub skipped: u64,
}

impl Tail {
    pub fn open(session_dir: &Path) -> Result<Tail, String> {
        let tail = sessiontrail::Tail::open(session_dir, Position::default())
            .map_err(|e| e.to_string())?;
        Ok(Tail { tail, skipped: 0 })
    }

    /// The device and inode of the file being read.
    pub fn file_id(&self) -> Option<(u64, u64)> {
        self.tail.file_id()
    }

    /// Complete lines read so far: the sequence number of the next one.
    pub fn lines_read(&self) -> u64 {
        self.tail.position().line
    }

    /// Up to `max` complete lines after the last one returned.
    pub fn read(&mut self, max: usize) -> Result<Read, String> {
        let mut lines = Vec::new();
        let read = self
            .tail
            .read(|line| {
                lines.push(Line {
                    index: line.number,
                    event: line.parse().ok(),
                });
                if lines.len() >= max {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .map_err(|e| e.to_string())?;
        if read.restarted.is_some() {
            self.skipped = 0;
        }
        self.skipped += lines.iter().filter(|l| l.event.is_none()).count() as u64;
        Ok(Read {
            restarted: read.restarted,
            lines,
        })
    }
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
        let lines = tail.read(10).unwrap().lines;
        let seen: Vec<(u64, bool)> = lines.iter().map(|l| (l.index, l.event.is_some())).collect();
        assert_eq!(seen, [(0, true), (1, false)]);
        assert_eq!((tail.skipped, tail.lines_read()), (1, 2));
        assert!(
            tail.read(10).unwrap().lines.is_empty(),
            "the partial line waits"
        );

        // The writer finishes its line; `max` is honoured.
        file.write_all(rest).unwrap();
        file.write_all(format!("\n{}\n", note("three")).as_bytes())
            .unwrap();
        let lines = tail.read(1).unwrap().lines;
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].index, 2);
        let text = |l: &super::Line| match &l.event.as_ref().unwrap().event_type {
            sessiontrail::EventType::AgentNote { text } => text.clone().unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(text(&lines[0]), "two");
        let lines = tail.read(10).unwrap().lines;
        assert_eq!((lines[0].index, text(&lines[0])), (3, "three".to_string()));

        // A log cut shorter than what was read is read again from its
        // first line, and the read says why.
        let first_line = std::fs::read(dir.join(EVENTS_FILE)).unwrap();
        let first_len = first_line.iter().position(|&b| b == b'\n').unwrap() + 1;
        file.set_len(first_len as u64).unwrap();
        let read = tail.read(10).unwrap();
        assert!(
            matches!(
                read.restarted,
                Some(sessiontrail::tail::Restart::Cut { .. })
            ),
            "{:?}",
            read.restarted
        );
        let seen: Vec<u64> = read.lines.iter().map(|l| l.index).collect();
        assert_eq!(seen, [0]);
        assert_eq!((tail.skipped, tail.lines_read()), (0, 1));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
