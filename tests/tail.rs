//! `Tail`: following a session's events.jsonl on disk from a byte offset.
//! One test per case the readers that follow a log meet: growth, a torn
//! tail, a line over the limit, a file replaced, cut, rewritten under the
//! position, a FIFO or a symlink in place of the file.
#![cfg(unix)]

mod common;

use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

use common::{line_of, note, TempDir};
use sessiontrail::tail::{Position, Restart};
use sessiontrail::{EventLog, EventLogError, Tail, EVENTS_FILE};

/// What a read handed out: (line number, the note's text or "-" for a
/// line that is not an event), and the read itself.
fn read_all(tail: &mut Tail) -> (Vec<(u64, String)>, sessiontrail::tail::TailRead) {
    read_at_most(tail, usize::MAX)
}

fn read_at_most(tail: &mut Tail, max: usize) -> (Vec<(u64, String)>, sessiontrail::tail::TailRead) {
    let mut seen = Vec::new();
    let read = tail
        .read(|line| {
            let text = match line.parse() {
                Ok(event) => match event.event_type {
                    sessiontrail::EventType::AgentNote { text } => text.unwrap_or_default(),
                    other => format!("{other:?}"),
                },
                Err(_) => "-".into(),
            };
            seen.push((line.number, text));
            if seen.len() >= max {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    (seen, read)
}

fn seen(pairs: &[(u64, &str)]) -> Vec<(u64, String)> {
    pairs.iter().map(|&(n, t)| (n, t.to_string())).collect()
}

fn append_notes(dir: &Path, texts: &[&str]) {
    let log = EventLog::open(dir).unwrap();
    for text in texts {
        log.append(&mut note("s", text)).unwrap();
    }
}

fn append_raw(dir: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

/// Reads what was appended since the last read, and nothing twice; a torn
/// tail waits, unread, until its line ends.
#[test]
fn follows_growth_and_waits_for_a_torn_tail() {
    let tmp = TempDir::new("tail-grow");
    let dir = tmp.session();
    append_notes(&dir, &["one", "two"]);
    let mut tail = Tail::open(&dir, Position::default()).unwrap();
    let (lines, read) = read_all(&mut tail);
    assert_eq!(lines, seen(&[(0, "one"), (1, "two")]));
    assert_eq!(
        (read.restarted, read.tail_bytes, read.more),
        (None, 0, false)
    );
    assert_eq!(tail.position().line, 2);
    assert_eq!(tail.position().offset, read.size);

    // A line being written: not read, and the position stays before it.
    let three = line_of(&note("s", "three"));
    let (head, rest) = three.split_at(20);
    append_raw(&dir, head);
    let before = tail.position();
    let (lines, read) = read_all(&mut tail);
    assert!(lines.is_empty());
    assert_eq!(read.tail_bytes, 20);
    assert_eq!(tail.position(), before);

    append_raw(&dir, rest);
    let (lines, read) = read_all(&mut tail);
    assert_eq!(lines, seen(&[(2, "three")]));
    assert_eq!(read.tail_bytes, 0);
}

/// A line over the limit is handed out without its bytes, counted, and
/// the lines after it keep their numbers.
#[test]
fn a_line_over_the_limit_is_skipped_and_counted() {
    let tmp = TempDir::new("tail-long");
    let dir = tmp.session();
    append_notes(&dir, &["one"]);
    let mut long = vec![b'x'; 10_000];
    long.push(b'\n');
    append_raw(&dir, &long);
    append_raw(&dir, &line_of(&note("s", "three")));
    let mut tail = Tail::open(&dir, Position::default())
        .unwrap()
        .with_max_line_bytes(4096);
    let (lines, read) = read_all(&mut tail);
    assert_eq!(lines, seen(&[(0, "one"), (1, "-"), (2, "three")]));
    assert_eq!(read.too_long, 1);
}

/// `each` stops the read; the next one goes on after the last line handed
/// out, and `more` says whether lines were left.
#[test]
fn a_read_stopped_early_goes_on_where_it_stopped() {
    let tmp = TempDir::new("tail-stop");
    let dir = tmp.session();
    append_notes(&dir, &["a", "b", "c"]);
    let mut tail = Tail::open(&dir, Position::default()).unwrap();
    let (lines, read) = read_at_most(&mut tail, 2);
    assert_eq!(lines, seen(&[(0, "a"), (1, "b")]));
    assert!(read.more);
    let (lines, read) = read_at_most(&mut tail, 1);
    assert_eq!(lines, seen(&[(2, "c")]));
    assert!(!read.more, "stopped at the last line: nothing left");

    // Opened at a position another reader kept: the same lines follow.
    let mut again = Tail::open(&dir, Position { offset: 0, line: 0 }).unwrap();
    read_at_most(&mut again, 1);
    let mut resumed = Tail::open(&dir, again.position()).unwrap();
    let (lines, read) = read_all(&mut resumed);
    assert_eq!(lines, seen(&[(1, "b"), (2, "c")]));
    assert_eq!(read.restarted, None);
}

/// A file renamed over the path is another file: read from its first line,
/// and the read says so.
#[test]
fn a_replaced_file_is_read_from_the_start() {
    let tmp = TempDir::new("tail-replace");
    let dir = tmp.session();
    append_notes(&dir, &["old 1", "old 2"]);
    let mut tail = Tail::open(&dir, Position::default()).unwrap();
    read_all(&mut tail);

    // Longer than what was read, so only the inode tells.
    let other = tmp.path().join("other");
    append_notes(&other, &["new 1", "new 2", "new 3"]);
    std::fs::rename(other.join(EVENTS_FILE), dir.join(EVENTS_FILE)).unwrap();
    let (lines, read) = read_all(&mut tail);
    assert_eq!(read.restarted, Some(Restart::Replaced));
    assert_eq!(lines, seen(&[(0, "new 1"), (1, "new 2"), (2, "new 3")]));
    let (lines, read) = read_all(&mut tail);
    assert!(lines.is_empty());
    assert_eq!(read.restarted, None, "said once");
}

/// A file cut below the position was rewritten: read from its first line.
#[test]
fn a_cut_file_is_read_from_the_start() {
    let tmp = TempDir::new("tail-cut");
    let dir = tmp.session();
    append_notes(&dir, &["one", "two"]);
    let mut tail = Tail::open(&dir, Position::default()).unwrap();
    let (_, first) = read_all(&mut tail);
    let one = line_of(&note("s", "again"));
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .set_len(0)
        .unwrap();
    append_raw(&dir, &one);
    let (lines, read) = read_all(&mut tail);
    assert_eq!(
        read.restarted,
        Some(Restart::Cut {
            size: one.len() as u64,
            offset: first.size
        })
    );
    assert_eq!(lines, seen(&[(0, "again")]));
}

/// A position that does not follow a `\n` belongs to other bytes than
/// these: read from the first line rather than from the middle of one.
#[test]
fn a_position_in_the_middle_of_a_line_starts_again() {
    let tmp = TempDir::new("tail-middle");
    let dir = tmp.session();
    append_notes(&dir, &["one", "two"]);
    let mut tail = Tail::open(&dir, Position { offset: 5, line: 1 }).unwrap();
    let (lines, read) = read_all(&mut tail);
    assert_eq!(read.restarted, Some(Restart::NotALineStart { offset: 5 }));
    assert_eq!(lines, seen(&[(0, "one"), (1, "two")]));
}

/// A FIFO in place of events.jsonl is refused at once (opened without
/// blocking, then fstat), at open and when one replaces the file later.
#[test]
fn a_fifo_is_an_error_not_a_wait() {
    let tmp = TempDir::new("tail-fifo");
    let dir = tmp.session();
    std::fs::create_dir(&dir).unwrap();
    mkfifo(&dir.join(EVENTS_FILE));
    let err = Tail::open(&dir, Position::default()).err().unwrap();
    assert!(err.to_string().contains("FIFO"), "{err}");

    let other = tmp.path().join("other");
    append_notes(&other, &["one"]);
    let mut tail = Tail::open(&other, Position::default()).unwrap();
    read_all(&mut tail);
    std::fs::remove_file(other.join(EVENTS_FILE)).unwrap();
    mkfifo(&other.join(EVENTS_FILE));
    let err = tail.read(|_| ControlFlow::Continue(())).unwrap_err();
    assert!(err.to_string().contains("FIFO"), "{err}");
}

/// Symbolic links are refused: at the file, at the directory, and when one
/// takes the file's place later.
#[test]
fn symlinks_are_refused() {
    let tmp = TempDir::new("tail-symlink");
    let real = tmp.path().join("real");
    append_notes(&real, &["one"]);

    let linked_file = tmp.path().join("linked-file");
    std::fs::create_dir(&linked_file).unwrap();
    std::os::unix::fs::symlink(real.join(EVENTS_FILE), linked_file.join(EVENTS_FILE)).unwrap();
    let err = Tail::open(&linked_file, Position::default()).err().unwrap();
    assert!(matches!(err, EventLogError::Symlink { .. }), "{err}");

    let linked_dir = tmp.path().join("linked-dir");
    std::os::unix::fs::symlink(&real, &linked_dir).unwrap();
    let err = Tail::open(&linked_dir, Position::default()).err().unwrap();
    assert!(matches!(err, EventLogError::Symlink { .. }), "{err}");

    let session = tmp.session();
    append_notes(&session, &["one"]);
    let mut tail = Tail::open(&session, Position::default()).unwrap();
    std::fs::remove_file(session.join(EVENTS_FILE)).unwrap();
    std::os::unix::fs::symlink(real.join(EVENTS_FILE), session.join(EVENTS_FILE)).unwrap();
    let err = tail.read(|_| ControlFlow::Continue(())).unwrap_err();
    assert!(matches!(err, EventLogError::Symlink { .. }), "{err}");
}

/// A missing file is an error of kind NotFound, naming the path; a file
/// deleted while followed is still read through the open descriptor.
#[test]
fn a_missing_file_is_named_and_a_deleted_one_is_still_read() {
    let tmp = TempDir::new("tail-missing");
    let dir = tmp.session();
    std::fs::create_dir(&dir).unwrap();
    match Tail::open(&dir, Position::default()) {
        Err(EventLogError::Io(e)) => {
            assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
            assert!(e.to_string().contains(EVENTS_FILE), "{e}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("opened a missing file"),
    }

    append_notes(&dir, &["one"]);
    let mut tail = Tail::open(&dir, Position::default()).unwrap();
    std::fs::remove_file(dir.join(EVENTS_FILE)).unwrap();
    let (lines, read) = read_all(&mut tail);
    assert_eq!(lines, seen(&[(0, "one")]));
    assert_eq!(read.restarted, None);
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo has no other precondition.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}
