//! Reads a session's `events.jsonl` from where it stopped, line by line, as
//! writers append: the shipper's only reader, over the core's [`Tail`].
//!
//! Following a log costs what was appended, not the log's length
//! (`EventLog::read_from` would rescan from the start on every poll). Lines
//! are numbered as the log numbers them: every complete line holds the next
//! sequence number, whether or not it parses. Bytes after the last `\n` are
//! a line still being written (or a torn tail a writer will repair): left
//! for the next read. A log replaced, cut or rewritten under the reader is
//! an error here: the cursor counts lines of the file that was read, and
//! guessing which of the new file's events were shipped could skip or
//! repeat them.

use std::ops::ControlFlow;
use std::path::Path;

use sessiontrail::tail::Position;
use sessiontrail::SessionEvent;

/// One complete line: its sequence number, and its event unless it is not
/// one (malformed, an unknown type, too long).
pub(super) struct Line {
    pub index: u64,
    pub event: Option<SessionEvent>,
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

    /// Complete lines read so far: the sequence number of the next one.
    pub fn lines_read(&self) -> u64 {
        self.tail.position().line
    }

    /// Up to `max` complete lines after the last one returned.
    pub fn read(&mut self, max: usize) -> Result<Vec<Line>, String> {
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
        if let Some(why) = read.restarted {
            return Err(format!(
                "{}: {why}; was it replaced? Refusing to guess which events were shipped",
                self.tail.path().display()
            ));
        }
        self.skipped += lines.iter().filter(|l| l.event.is_none()).count() as u64;
        Ok(lines)
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
        assert!(
            err.contains("shorter than") && err.contains("Refusing to guess"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
