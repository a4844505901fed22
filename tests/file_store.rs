//! What only the file store does: create nothing at open, create private
//! files, refuse symlinks and hard links, lock against other processes,
//! sync, and name the path in its errors.
//!
//! The protocol itself is tested over every store in `scenarios.rs`; this
//! file checks the promises the design makes about the directory on disk
//! (DESIGN.md section 3 and the rules of section 4). The lock tests hold the
//! lock from another process (this test binary re-executed), the way
//! treeship-core or a second agent would, because `flock` between two
//! descriptors of one process says less about the real case.
//!
//! Modes, symlinks and link counts are Unix notions, so the file is Unix-only.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{child_test, make_event, note, TempDir};
use sessiontrail::{
    Counter, Durability, EventLog, EventLogError, EventType, LockWait, Options, COUNTER_FILE,
    EVENTS_FILE, LOCK_FILE, TORN_FILE,
};

fn append(log: &EventLog, text: &str) -> Result<u64, EventLogError> {
    let mut e = note("sess_file", text);
    log.append(&mut e).map(|()| e.sequence_no)
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file in `dir` with its bytes, sorted by name: a snapshot that
/// shows whether anything at all changed.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            (entry.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// A session directory holding `n` events written by a log that is gone.
fn seeded(tmp: &TempDir, n: u64) -> PathBuf {
    let dir = tmp.session();
    let log = EventLog::open(&dir).unwrap();
    for i in 0..n {
        assert_eq!(append(&log, "seed").unwrap(), i);
    }
    dir
}

#[test]
fn open_and_read_write_nothing() {
    let tmp = TempDir::new("open");
    let dir = tmp.session();

    // A directory that does not exist stays that way through open and reads.
    let log = EventLog::open(&dir).unwrap();
    assert_eq!(log.path(), dir.join(EVENTS_FILE));
    assert_eq!(log.event_count(), 0);
    assert!(log.read_all().unwrap().is_empty());
    assert_eq!(log.iter().unwrap().count(), 0);
    assert!(log.check().unwrap().is_ok());
    assert!(
        !dir.exists(),
        "open or a read created the session directory"
    );

    // An existing empty directory gains no files.
    std::fs::create_dir(&dir).unwrap();
    let log = EventLog::open(&dir).unwrap();
    log.read_all().unwrap();
    log.check().unwrap();
    assert!(snapshot(&dir).is_empty(), "{:?}", snapshot(&dir));

    // A log written elsewhere, without its counter (or lock): opening and
    // reading it neither repairs nor creates anything.
    std::fs::write(dir.join(EVENTS_FILE), common::line_of(&note("s", "x"))).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .write_all(b"{\"torn")
        .unwrap();
    let before = snapshot(&dir);
    let log = EventLog::open(&dir).unwrap();
    assert_eq!(log.event_count(), 1);
    assert_eq!(log.read_all().unwrap().len(), 1);
    assert_eq!(log.check().unwrap().torn_tail_bytes, 6);
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn files_are_created_private() {
    let tmp = TempDir::new("modes");
    let dir = seeded(&tmp, 1);
    for name in [EVENTS_FILE, COUNTER_FILE, LOCK_FILE] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    // The torn sidecar too, created by the first repair.
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .write_all(b"{\"torn")
        .unwrap();
    append(&EventLog::open(&dir).unwrap(), "repairs").unwrap();
    assert_eq!(mode(&dir.join(TORN_FILE)), 0o600);
}

#[test]
fn looser_modes_are_tightened_by_an_append() {
    let tmp = TempDir::new("tighten");
    let dir = seeded(&tmp, 2);
    std::fs::write(dir.join(TORN_FILE), b"old tear\n").unwrap();
    let loose = [
        (EVENTS_FILE, 0o644),
        (COUNTER_FILE, 0o666),
        (LOCK_FILE, 0o640),
        (TORN_FILE, 0o604),
    ];
    for (name, m) in loose {
        set_mode(&dir.join(name), m);
    }
    // A torn tail so the repair opens the torn sidecar too.
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .write_all(b"{\"torn")
        .unwrap();

    let log = EventLog::open(&dir).unwrap();
    // Opening alone changes no mode: open writes nothing.
    assert_eq!(mode(&dir.join(EVENTS_FILE)), 0o644);
    assert_eq!(append(&log, "tightens").unwrap(), 2);
    for (name, _) in loose {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name} was not tightened");
    }
}

#[test]
fn counter_holds_count_and_size_little_endian() {
    let tmp = TempDir::new("counter");
    let dir = seeded(&tmp, 3);
    let bytes = std::fs::read(dir.join(COUNTER_FILE)).unwrap();
    let size = std::fs::metadata(dir.join(EVENTS_FILE)).unwrap().len();
    assert_eq!(bytes.len(), 16);
    assert_eq!(&bytes[..8], &3u64.to_le_bytes());
    assert_eq!(&bytes[8..], &size.to_le_bytes());
    assert_eq!(Counter::decode(&bytes), Some(Counter { count: 3, size }));
}

/// treeship-core replaces the counter by rename. A handle that keeps the
/// old descriptor must write the new file, not the unlinked one.
#[test]
fn a_counter_replaced_by_rename_is_followed() {
    let tmp = TempDir::new("rename");
    let dir = tmp.session();
    let log = EventLog::open(&dir).unwrap();
    for i in 0..3 {
        assert_eq!(append(&log, "ours").unwrap(), i);
    }
    // Another implementation appends number 3 and renames a new counter in.
    let mut theirs = note("sess_file", "theirs");
    theirs.sequence_no = 3;
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .write_all(&common::line_of(&theirs))
        .unwrap();
    let size = std::fs::metadata(dir.join(EVENTS_FILE)).unwrap().len();
    let tmp_counter = dir.join("events.jsonl.count.tmp");
    std::fs::write(&tmp_counter, Counter { count: 4, size }.encode()).unwrap();
    std::fs::rename(&tmp_counter, dir.join(COUNTER_FILE)).unwrap();

    assert_eq!(append(&log, "ours again").unwrap(), 4);
    let size = std::fs::metadata(dir.join(EVENTS_FILE)).unwrap().len();
    let on_disk = Counter::decode(&std::fs::read(dir.join(COUNTER_FILE)).unwrap());
    assert_eq!(on_disk, Some(Counter { count: 5, size }));
}

#[test]
fn a_symlinked_session_dir_is_refused() {
    let tmp = TempDir::new("dirlink");
    let real = seeded(&tmp, 2);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let before = snapshot(&real);

    match EventLog::open(&link) {
        Err(EventLogError::Symlink { path }) => assert_eq!(path, link),
        Err(e) => panic!("expected Symlink, got {e}"),
        Ok(_) => panic!("a symlinked session dir was opened"),
    }

    // Swapped in after open: the first append checks again. The link
    // points at an empty directory, which must stay empty.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let later = tmp.path().join("later");
    let log = EventLog::open(&later).unwrap();
    std::os::unix::fs::symlink(&empty, &later).unwrap();
    let err = append(&log, "through a link").unwrap_err();
    assert!(
        matches!(&err, EventLogError::Symlink { path } if *path == later),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&later.display().to_string()),
        "{err}"
    );
    assert!(snapshot(&empty).is_empty());
    assert_eq!(snapshot(&real), before);
}

#[test]
fn a_symlinked_events_file_is_refused() {
    let tmp = TempDir::new("filelink");
    let outside = tmp.path().join("outside.jsonl");
    std::fs::write(&outside, b"someone else's bytes\n").unwrap();
    let dir = tmp.session();
    std::fs::create_dir(&dir).unwrap();
    let events = dir.join(EVENTS_FILE);
    std::os::unix::fs::symlink(&outside, &events).unwrap();

    match EventLog::open(&dir) {
        Err(EventLogError::Symlink { path }) => assert_eq!(path, events),
        Err(e) => panic!("expected Symlink, got {e}"),
        Ok(_) => panic!("a symlinked events.jsonl was opened"),
    }

    // Swapped in after open: O_NOFOLLOW refuses it at the append, and a
    // read refuses it too rather than reading someone else's file.
    std::fs::remove_file(&events).unwrap();
    let log = EventLog::open(&dir).unwrap();
    std::os::unix::fs::symlink(&outside, &events).unwrap();
    let err = append(&log, "through a link").unwrap_err();
    assert!(
        matches!(&err, EventLogError::Symlink { path } if *path == events),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&events.display().to_string()),
        "{err}"
    );
    assert!(matches!(log.read_all(), Err(EventLogError::Symlink { .. })));
    assert_eq!(std::fs::read(&outside).unwrap(), b"someone else's bytes\n");
}

/// The sidecars are opened without following links as well: a symlinked
/// counter or lock fails the append and its target keeps its bytes.
#[test]
fn symlinked_sidecars_are_refused() {
    for name in [COUNTER_FILE, LOCK_FILE] {
        let tmp = TempDir::new("sidelink");
        let dir = seeded(&tmp, 2);
        let outside = tmp.path().join("precious");
        std::fs::write(&outside, b"0123456789abcdefXYZ").unwrap();
        let sidecar = dir.join(name);
        std::fs::remove_file(&sidecar).unwrap();
        std::os::unix::fs::symlink(&outside, &sidecar).unwrap();
        let events_before = std::fs::read(dir.join(EVENTS_FILE)).unwrap();

        let err = append(&EventLog::open(&dir).unwrap(), "x").unwrap_err();
        assert!(
            matches!(&err, EventLogError::Symlink { path } if *path == sidecar),
            "{name}: {err:?}"
        );
        assert_eq!(std::fs::read(&outside).unwrap(), b"0123456789abcdefXYZ");
        assert_eq!(std::fs::read(dir.join(EVENTS_FILE)).unwrap(), events_before);
    }
}

#[test]
fn a_hard_linked_events_file_is_refused() {
    let tmp = TempDir::new("hardlink");
    let dir = tmp.session();
    let early = EventLog::open(&dir).unwrap();
    for i in 0..2 {
        assert_eq!(append(&early, "seed").unwrap(), i);
    }
    let events = dir.join(EVENTS_FILE);
    let other = tmp.path().join("other.jsonl");
    std::fs::hard_link(&events, &other).unwrap();
    set_mode(&other, 0o644);
    let before = snapshot(&dir);

    // A new handle and one whose descriptors were open before the link.
    for log in [EventLog::open(&dir).unwrap(), early] {
        let err = append(&log, "into a shared inode").unwrap_err();
        match &err {
            EventLogError::HardLinked { path, links } => {
                assert_eq!(*path, events);
                assert_eq!(*links, 2);
            }
            e => panic!("expected HardLinked, got {e:?}"),
        }
        let text = err.to_string();
        assert!(text.contains(&events.display().to_string()), "{text}");
        assert!(text.contains("2 hard links"), "{text}");
    }
    assert_eq!(snapshot(&dir), before, "something was written");
    assert_eq!(std::fs::read(&other).unwrap(), before[0].1);
    // Not even the mode of the other name is changed.
    assert_eq!(mode(&other), 0o644);
}

/// The counter and torn sidecars are written too, so they are held to the
/// same rule: a hard-linked one is never written through.
#[test]
fn hard_linked_sidecars_are_not_written() {
    // The counter: the append succeeds (the counter is only a hint) but the
    // other name keeps its bytes.
    let tmp = TempDir::new("hardcounter");
    let dir = seeded(&tmp, 2);
    let other = tmp.path().join("other.count");
    std::fs::write(&other, b"0123456789abcdefXYZ").unwrap();
    std::fs::remove_file(dir.join(COUNTER_FILE)).unwrap();
    std::fs::hard_link(&other, dir.join(COUNTER_FILE)).unwrap();
    let log = EventLog::open(&dir).unwrap();
    assert_eq!(append(&log, "a").unwrap(), 2);
    assert_eq!(append(&log, "b").unwrap(), 3);
    assert_eq!(append(&EventLog::open(&dir).unwrap(), "c").unwrap(), 4);
    assert_eq!(std::fs::read(&other).unwrap(), b"0123456789abcdefXYZ");

    // The torn sidecar: the repair is refused, so the append is refused and
    // the events keep their torn tail for a later, allowed repair.
    let tmp = TempDir::new("hardtorn");
    let dir = seeded(&tmp, 2);
    let other = tmp.path().join("other.torn");
    std::fs::write(&other, b"keep me\n").unwrap();
    std::fs::hard_link(&other, dir.join(TORN_FILE)).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .write_all(b"{\"torn")
        .unwrap();
    let events_before = std::fs::read(dir.join(EVENTS_FILE)).unwrap();
    let err = append(&EventLog::open(&dir).unwrap(), "x").unwrap_err();
    assert!(
        matches!(&err, EventLogError::HardLinked { path, .. } if *path == dir.join(TORN_FILE)),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&other).unwrap(), b"keep me\n");
    assert_eq!(std::fs::read(dir.join(EVENTS_FILE)).unwrap(), events_before);
}

/// The env var that makes `lock_holder_child` hold a lock.
const HOLD_LOCK: &str = "SESSIONTRAIL_TEST_HOLD_LOCK";

/// Not a test on its own: run by `hold_lock_in_child` in a child process.
/// Takes an fs2 exclusive lock on the named file (what treeship-core
/// does), says so on stdout, and holds it until its stdin is closed.
#[test]
fn lock_holder_child() {
    let Some(path) = std::env::var_os(HOLD_LOCK) else {
        return;
    };
    use fs2::FileExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .expect("open the lock file");
    file.lock_exclusive().expect("lock");
    println!("LOCKED");
    std::io::stdout().flush().unwrap();
    // Blocks until the parent drops our stdin (or dies).
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
    FileExt::unlock(&file).unwrap();
}

/// Starts a child process holding the lock on `lock_path`; returns once
/// the lock is held. Dropping the child's stdin releases it.
fn hold_lock_in_child(lock_path: &Path) -> Child {
    let mut child = child_test("lock_holder_child")
        .env(HOLD_LOCK, lock_path)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn the lock holder");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("LOCKED") => {
                // Keep reading what libtest prints after the test: a closed
                // pipe would fail the child with EPIPE.
                std::thread::spawn(move || lines.for_each(drop));
                break;
            }
            Some(Ok(_)) => continue,
            _ => {
                let out = child.wait_with_output().unwrap();
                panic!(
                    "lock holder exited before locking: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    child
}

fn release(mut child: Child) {
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "lock holder failed: {status}");
}

#[test]
fn lock_timeout_when_another_process_holds_the_lock() {
    let tmp = TempDir::new("locktimeout");
    let dir = seeded(&tmp, 2);
    let lock_path = dir.join(LOCK_FILE);
    let holder = hold_lock_in_child(&lock_path);
    let before = snapshot(&dir);

    let log = EventLog::open_with(
        &dir,
        Options::new().lock_wait(LockWait::Timeout(Duration::from_millis(100))),
    )
    .unwrap();
    let err = append(&log, "while locked").unwrap_err();
    match &err {
        EventLogError::LockTimeout { path, waited } => {
            assert_eq!(*path, lock_path);
            assert_eq!(*waited, Duration::from_millis(100));
        }
        e => panic!("expected LockTimeout, got {e:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&lock_path.display().to_string()), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    // A batch too; and the files are untouched, byte for byte.
    let mut batch = vec![note("s", "a"), note("s", "b")];
    assert!(matches!(
        log.append_batch(&mut batch),
        Err(EventLogError::LockTimeout { .. })
    ));
    assert_eq!(snapshot(&dir), before);

    release(holder);
    assert_eq!(append(&log, "after release").unwrap(), 2);
}

/// A blocking append waits for the other process rather than writing
/// unlocked, and completes once the lock is released.
#[test]
fn a_blocking_append_waits_for_another_process() {
    let tmp = TempDir::new("lockblock");
    let dir = seeded(&tmp, 1);
    let holder = hold_lock_in_child(&dir.join(LOCK_FILE));
    let before = std::fs::read(dir.join(EVENTS_FILE)).unwrap();

    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let writer_dir = dir.clone();
    let writer = std::thread::spawn(move || {
        let log = EventLog::open(&writer_dir).unwrap();
        let n = append(&log, "waited").unwrap();
        done_tx.send(()).unwrap();
        n
    });
    // However long we wait here, a correct append cannot have finished or
    // written: the lock is held. (A wrong one may or may not be caught.)
    std::thread::sleep(Duration::from_millis(100));
    assert!(done_rx.try_recv().is_err(), "append finished while locked");
    assert_eq!(std::fs::read(dir.join(EVENTS_FILE)).unwrap(), before);

    release(holder);
    assert_eq!(writer.join().unwrap(), 1);
}

#[test]
fn sync_durability_appends_correctly() {
    let tmp = TempDir::new("sync");
    let dir = tmp.session();
    let options = Options::new().durability(Durability::Sync);
    // A fresh directory: the first append creates events.jsonl and fsyncs
    // the directory as well as the data.
    let log = EventLog::open_with(&dir, options).unwrap();
    assert_eq!(log.options().durability, Durability::Sync);
    for i in 0..5 {
        assert_eq!(append(&log, "synced").unwrap(), i);
    }
    let mut batch: Vec<_> = (0..3)
        .map(|_| make_event("sess_sync", EventType::SessionStarted))
        .collect();
    log.append_batch(&mut batch).unwrap();
    assert_eq!(batch[2].sequence_no, 7);

    // A second Sync handle on the existing log, then a buffered one.
    let again = EventLog::open_with(&dir, options).unwrap();
    assert_eq!(append(&again, "synced again").unwrap(), 8);
    assert_eq!(
        append(&EventLog::open(&dir).unwrap(), "buffered").unwrap(),
        9
    );

    let events = log.read_all().unwrap();
    common::assert_numbered_in_order(&events);
    let report = log.check().unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.events, 10);
}

/// Opens and appends, returning the first error.
fn open_and_append(dir: &Path) -> EventLogError {
    EventLog::open(dir)
        .and_then(|log| append(&log, "x"))
        .expect_err("expected an error")
}

#[test]
fn io_errors_name_the_path() {
    let tmp = TempDir::new("errors");

    // The session "directory" is a regular file (refused at open, where
    // events.jsonl inside it cannot even be looked at).
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let err = open_and_append(&not_a_dir);
    assert!(matches!(err, EventLogError::Io(_)), "{err:?}");
    assert!(
        err.to_string().contains(&not_a_dir.display().to_string()),
        "{err}"
    );

    // The session directory cannot be created: its parent is a file.
    let under_file = not_a_dir.join("session");
    let err = open_and_append(&under_file);
    assert!(
        err.to_string().contains(&not_a_dir.display().to_string()),
        "{err}"
    );

    // events.jsonl is a directory (open fails reading it for the hint).
    let dir = tmp.session();
    std::fs::create_dir_all(dir.join(EVENTS_FILE)).unwrap();
    let err = open_and_append(&dir);
    let events = dir.join(EVENTS_FILE).display().to_string();
    assert!(err.to_string().contains(&events), "{err}");

    // It becomes a directory after open: the append and the reads say so.
    let dir = tmp.path().join("later");
    let log = EventLog::open(&dir).unwrap();
    std::fs::create_dir_all(dir.join(EVENTS_FILE)).unwrap();
    let events = dir.join(EVENTS_FILE).display().to_string();
    let err = append(&log, "x").unwrap_err();
    assert!(err.to_string().contains(&events), "{err}");
    let err = log.read_all().unwrap_err();
    assert!(err.to_string().contains(&events), "{err}");
    let err = log.check().unwrap_err();
    assert!(err.to_string().contains(&events), "{err}");
    // A directory is not a regular file: the stream is refused at its
    // start, naming the path (nothing to skip, nothing to spin on).
    let err = log.iter().err().expect("refused");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

/// A lock file deleted (or replaced) while a handle keeps its descriptor
/// must not let two writers hold "the lock": the old handle notices that the
/// path names another file, reopens and locks the new one, so the numbers
/// stay unique.
#[test]
fn a_replaced_lock_file_is_relocked() {
    let tmp = TempDir::new("relock");
    let dir = seeded(&tmp, 2);
    let old = EventLog::open(&dir).unwrap();
    assert_eq!(append(&old, "opens the descriptors").unwrap(), 2);
    std::fs::remove_file(dir.join(LOCK_FILE)).unwrap();

    // A second writer creates a fresh lock file and holds it from another
    // process; the old handle must wait for it instead of writing.
    let child = hold_lock_in_child(&dir.join(LOCK_FILE));
    let waiting = EventLog::open_with(
        &dir,
        Options::new().lock_wait(LockWait::Timeout(Duration::from_millis(200))),
    )
    .unwrap();
    assert!(matches!(
        append(&waiting, "must wait").unwrap_err(),
        EventLogError::LockTimeout { .. }
    ));
    // The old handle's blocking append waits in a thread until the child
    // lets go. Had it locked only its deleted lock file, it would write
    // while the child holds the new one.
    let events = dir.join(EVENTS_FILE);
    let size_before = std::fs::metadata(&events).unwrap().len();
    let blocked = std::thread::spawn(move || {
        let seq = append(&old, "must not slip past the new lock");
        (old, seq)
    });
    std::thread::sleep(Duration::from_millis(150));
    let size_while_held = std::fs::metadata(&events).unwrap().len();
    release(child);
    let (old, seq) = blocked.join().unwrap();
    assert_eq!(
        size_while_held, size_before,
        "wrote while another held the lock"
    );
    assert_eq!(seq.unwrap(), 3, "the blocking append goes on after release");
    assert_eq!(append(&old, "and goes on").unwrap(), 4);
    let report = old.check().unwrap();
    assert!(report.is_ok() && report.lines == 5, "{report}");
}

/// An events file replaced behind a handle (restored from a backup, say)
/// gets the next appends, numbered from its own count: appends to the
/// deleted file would be acknowledged and lost.
#[test]
fn a_replaced_events_file_gets_the_appends() {
    let tmp = TempDir::new("replaced");
    let dir = seeded(&tmp, 3);
    let log = EventLog::open(&dir).unwrap();
    assert_eq!(append(&log, "opens the descriptors").unwrap(), 3);

    // Same byte size, fewer lines: only a reopen can number this right.
    let events = dir.join(EVENTS_FILE);
    let original = std::fs::read(&events).unwrap();
    let first_line_end = original.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut replacement = original[..first_line_end].to_vec();
    replacement.resize(original.len() - 1, b' ');
    replacement.push(b'\n');
    let staged = dir.join("restored.tmp");
    std::fs::write(&staged, &replacement).unwrap();
    std::fs::rename(&staged, &events).unwrap();

    assert_eq!(append(&log, "lands in the new file").unwrap(), 2);
    let on_disk = std::fs::read(&events).unwrap();
    assert!(on_disk.starts_with(&replacement));
    assert_eq!(log.read_all().unwrap().last().unwrap().sequence_no, 2);
}

/// check() reads; it must not create a missing counter, even on a handle
/// that has appended before.
#[test]
fn check_creates_nothing() {
    let tmp = TempDir::new("checkro");
    let dir = seeded(&tmp, 2);
    let log = EventLog::open(&dir).unwrap();
    append(&log, "x").unwrap();
    std::fs::remove_file(dir.join(COUNTER_FILE)).unwrap();
    let before = snapshot(&dir);
    let report = log.check().unwrap();
    assert_eq!(report.counter, sessiontrail::CounterState::Missing);
    assert_eq!(snapshot(&dir), before);
}
