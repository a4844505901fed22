//! The adversarial suite (issue 13): each test is one way a hostile or
//! careless user tried to make the log lie (acknowledge and lose, keep half
//! a batch, hang a reader, change a value without a word), through the crate
//! and through the `sessiontrail` command. The npm package's side of the same
//! items is in tests/js/hardening.test.mjs.

#![cfg(unix)]

mod common;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{note, TempDir};
use sessiontrail::{
    event_from_json, EventLog, EventLogError, FileStore, MemoryStore, Options, Store, COUNTER_FILE,
    EVENTS_FILE, LOCK_FILE,
};

const COMMON: &str = r#""session_id":"ssn_h","agent_id":"agent://h","agent_instance_id":"ai_1","agent_name":"h","host_id":"h""#;

fn event(type_and_fields: &str) -> String {
    format!("{{{type_and_fields},{COMMON}}}")
}

fn cli_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sessiontrail"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(mut command: Command, stdin: &[u8]) -> Output {
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    // A child that refuses its input early closes the pipe: not an error here.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

fn cli(args: &[&str], stdin: &str) -> Output {
    run(cli_command(args), stdin.as_bytes())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

// ------------------------------------------------- 1. an empty or unusable DIR

#[test]
fn an_empty_dir_is_refused_and_nothing_is_created() {
    let tmp = TempDir::new("h-empty");
    let out = run(
        {
            let mut c = cli_command(&["append", "", &event(r#""type":"agent.note""#)]);
            c.current_dir(tmp.path());
            c
        },
        b"",
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("session directory path is empty"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

    let err = FileStore::open(Path::new("")).err().expect("refused");
    assert!(err.to_string().contains("empty"), "{err}");
    assert!(EventLog::open(Path::new("")).is_err());
}

#[test]
fn a_file_given_as_dir_is_refused_by_name() {
    let tmp = TempDir::new("h-file-dir");
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"keep me").unwrap();
    let err = EventLog::open(&file).err().expect("refused");
    assert!(
        err.to_string()
            .contains("as a session directory: it is a regular file"),
        "{err}"
    );
    let out = cli(
        &[
            "append",
            file.to_str().unwrap(),
            &event(r#""type":"agent.note""#),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not-a-dir"), "{}", stderr(&out));
    assert_eq!(read(&file), b"keep me");
}

// ------------------------------------------------- 2. all or nothing

/// A batch that does not fit leaves the store exactly as it was, counter
/// included, and the next append numbers on from where the log really is.
#[test]
fn a_batch_cut_short_by_a_full_store_leaves_nothing() {
    let store = MemoryStore::new();
    let log = EventLog::with_store(store.clone(), Options::default()).unwrap();
    log.append_batch(&mut [note("s", "a"), note("s", "b")])
        .unwrap();
    let before = store.bytes();
    let counter_before = store.clone().load_counter();

    // Room for one more line and a half: the batch of three fails mid-write.
    let line = before.len() as u64 / 2;
    store.set_capacity(Some(before.len() as u64 + line * 3 / 2));
    let mut batch = [note("s", "c"), note("s", "d"), note("s", "e")];
    let err = log.append_batch(&mut batch).unwrap_err();
    assert!(err.to_string().contains("no space left"), "{err}");
    assert_eq!(store.bytes(), before, "the partial batch was cut back");
    assert_eq!(store.clone().load_counter(), counter_before);
    assert_eq!(log.event_count(), 2);

    // A single event whose write is short: the same.
    store.set_capacity(Some(before.len() as u64 + 10));
    assert!(log.append(&mut note("s", "short")).is_err());
    assert_eq!(store.bytes(), before);

    store.set_capacity(None);
    let mut next = note("s", "after");
    log.append(&mut next).unwrap();
    assert_eq!(next.sequence_no, 2);
    let report = log.check().unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.events, 3);
}

/// The same on a real file system: a file-size limit (RLIMIT_FSIZE, with
/// SIGXFSZ ignored so the write fails with EFBIG instead of killing) makes
/// the CLI's stdin batch fail part-way; the log is byte-for-byte unchanged.
#[test]
fn a_batch_cut_short_by_a_file_size_limit_leaves_nothing() {
    let tmp = TempDir::new("h-fsize");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let one = event(r#""type":"agent.note","text":"first""#);
    assert!(cli(&["append", d, &one], "").status.success());
    let events = dir.join(EVENTS_FILE);
    let before = read(&events);
    let counter = read(&dir.join(COUNTER_FILE));

    let batch: String = (0..5)
        .map(|i| event(&format!(r#""type":"agent.note","text":"batch {i}""#)))
        .collect::<Vec<_>>()
        .join("\n");
    let limit = before.len() as u64 * 5 / 2; // room for about one more line
    let mut command = cli_command(&["append", d]);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork
    // and exec.
    unsafe {
        command.pre_exec(move || {
            let rlim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let out = run(command, batch.as_bytes());
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(read(&events), before, "the partial batch was cut back");
    assert_eq!(read(&dir.join(COUNTER_FILE)), counter);

    let out = cli(&["append", d], &batch);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = EventLog::open(&dir).unwrap();
    let numbers: Vec<u64> = log
        .read_all()
        .unwrap()
        .iter()
        .map(|e| e.sequence_no)
        .collect();
    assert_eq!(numbers, [0, 1, 2, 3, 4, 5]);
    assert!(log.check().unwrap().is_ok());
}

// ------------------------------------------------- 3. only regular files

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// A FIFO in place of events.jsonl (or a sidecar) is refused by name by
/// writers and readers alike, and nobody blocks on it. (Before, every append
/// was acknowledged with number 0 and lost, and `cat` hung.)
#[test]
fn a_fifo_in_place_of_a_log_file_is_refused_without_blocking() {
    for name in [EVENTS_FILE, COUNTER_FILE, LOCK_FILE] {
        let tmp = TempDir::new("h-fifo");
        let dir = tmp.session();
        std::fs::create_dir(&dir).unwrap();
        if name != EVENTS_FILE {
            // A log to read, so readers get as far as the sidecar.
            EventLog::open(&dir)
                .unwrap()
                .append(&mut note("s", "x"))
                .unwrap();
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        mkfifo(&dir.join(name));
        let d = dir.to_str().unwrap();

        let out = cli(&["append", d, &event(r#""type":"agent.note""#)], "");
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("FIFO (named pipe), not a regular file"),
            "{name}: {}",
            stderr(&out)
        );
        let err = EventLog::open(&dir)
            .and_then(|log| log.append(&mut note("s", "y")))
            .unwrap_err();
        assert!(matches!(err, EventLogError::Io(_)), "{err}");
        assert!(err.to_string().contains(name), "{err}");

        if name == EVENTS_FILE {
            // Readers: an error, not a hang (the test would time out).
            for cmd in ["cat", "check"] {
                let out = cli(&[cmd, d], "");
                assert_eq!(out.status.code(), Some(3), "{cmd}: {}", stderr(&out));
                assert!(
                    stderr(&out).contains("not a regular file"),
                    "{}",
                    stderr(&out)
                );
            }
            let log = EventLog::open(&dir).unwrap();
            assert!(log.read_all().is_err());
            assert!(log.check().is_err());
        }
    }
}

#[test]
fn a_directory_in_place_of_events_jsonl_is_refused() {
    let tmp = TempDir::new("h-dir-events");
    let dir = tmp.session();
    std::fs::create_dir_all(dir.join(EVENTS_FILE)).unwrap();
    let err = EventLog::open(&dir).err().expect("refused");
    assert!(
        err.to_string()
            .contains("is a directory, not a regular file"),
        "{err}"
    );
    let out = cli(&["cat", dir.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    // The event text checks are untouched by any of this.
    assert!(event_from_json(&event(r#""type":"agent.note""#)).is_ok());
}

// ------------------------------------------------- 6. never silently changed

/// A typo in a field name, a field of another type, a duplicate key, an
/// integer a double would round: each refused, naming the field, through
/// the CLI (argument and stdin) and the crate's text reader.
#[test]
fn values_that_would_be_changed_are_refused_by_name() {
    let tmp = TempDir::new("h-strict");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let cases = [
        (
            r#""type":"agent.called_tool","tool_name":"bash","duraton_ms":5"#,
            "unknown field `duraton_ms`",
        ),
        (
            r#""type":"agent.note","tool_name":"bash""#,
            "unknown field `tool_name`",
        ),
        (
            r#""type":"agent.note","meta":{"k":1,"k":2}"#,
            "field `meta.k`: the key appears twice",
        ),
        (
            r#""type":"agent.note","meta":{"n":123456789012345678901234567890}"#,
            "field `meta.n`: the integer 123456789012345678901234567890 is beyond 64 bits",
        ),
    ];
    for (fields, message) in cases {
        let text = event(fields);
        for out in [cli(&["append", d, &text], ""), cli(&["append", d], &text)] {
            assert_eq!(out.status.code(), Some(2), "{fields}");
            let err = stderr(&out);
            assert!(err.contains(message), "{fields}: {err}");
            assert_eq!(err.matches("nothing was written").count(), 1, "{err}");
        }
        let err = event_from_json(&text).unwrap_err();
        let named = message.split('`').nth(1);
        assert_eq!(err.field(), named, "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
    assert!(!dir.join(EVENTS_FILE).exists());
    // Kept: 64-bit integers exactly, and a sequence_no given (ignored).
    let text = event(r#""type":"agent.note","sequence_no":9,"meta":{"n":18446744073709551615}"#);
    let out = cli(&["append", d, &text], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&read(&dir.join(EVENTS_FILE))).contains(r#""sequence_no":0"#));
    assert!(String::from_utf8_lossy(&read(&dir.join(EVENTS_FILE)))
        .contains(r#""meta":{"n":18446744073709551615}"#));
}

/// An event the reader takes but the log refuses (a `meta` deeper than the
/// readers parse back) is bad input too: exit 2, and the log's own words,
/// which say once that nothing was written. The command decides this on
/// the error's kind, not on its words.
#[test]
fn an_event_the_log_refuses_exits_2_saying_so_once() {
    let tmp = TempDir::new("h-deep");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let deep = format!("{}1{}", "[".repeat(101), "]".repeat(101));
    let text = event(&format!(r#""type":"agent.note","meta":{deep}"#));
    for out in [cli(&["append", d, &text], ""), cli(&["append", d], &text)] {
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.starts_with("sessiontrail: invalid event: the event: field `meta` nests deeper"),
            "{err}"
        );
        assert_eq!(err.matches("nothing was written").count(), 1, "{err}");
    }
    assert!(!dir.join(EVENTS_FILE).exists(), "nothing written");
}

// ------------------------------------------------- 7. cat --pretty escapes

#[test]
fn pretty_output_escapes_control_characters_and_terminal_escapes() {
    let tmp = TempDir::new("h-pretty");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let forged = r#"{"type":"agent.note","text":"x\n    9  00:00:00.000  agent.note  forged\u001b[2J","session_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"evil\n    8  forged-row\u001b]0;title\u0007\u202e","host_id":"h"}"#;
    assert!(cli(&["append", d, forged], "").status.success());
    let out = cli(&["cat", d, "--pretty"], "");
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(!shown.contains('\u{202e}'), "{shown:?}");
    assert!(
        shown.contains(r"\u{1b}") && shown.contains(r"\n"),
        "{shown}"
    );
}

// ------------------------------------------------- 8. bounded reports

#[test]
fn check_quotes_a_bounded_part_of_bad_values() {
    let tmp = TempDir::new("h-check-bound");
    let dir = tmp.session();
    std::fs::create_dir(&dir).unwrap();
    let mut line = br#"{"type":""#.to_vec();
    line.extend(vec![b'x'; 1 << 20]);
    line.extend_from_slice(b"\"}\n");
    std::fs::write(dir.join(EVENTS_FILE), line.repeat(30)).unwrap();
    let out = cli(&["check", dir.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.len() < 30 * 400 + 2000,
        "{} bytes",
        out.stdout.len()
    );
    let json = cli(&["check", dir.to_str().unwrap(), "--json"], "");
    assert!(
        json.stdout.len() < 30 * 400 + 2000,
        "{} bytes",
        json.stdout.len()
    );
}

// ------------------------------------------------- 9. stdin is bounded

/// An event on stdin longer than the line limit is refused as soon as the
/// limit is passed: the CLI stops reading (it does not buffer the rest)
/// and writes nothing.
#[test]
fn stdin_is_read_one_bounded_event_at_a_time() {
    let tmp = TempDir::new("h-stdin");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let good = event(r#""type":"agent.note""#);
    let mut input = format!("{good}\n").into_bytes();
    input.extend_from_slice(br#"{"type":"agent.note","text":""#);
    input.extend(vec![b'x'; sessiontrail::DEFAULT_MAX_LINE_BYTES + 10]);
    input.extend_from_slice(b"\"}");
    let out = run(cli_command(&["append", d]), &input);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("event 2 is longer than the line limit"),
        "{err}"
    );
    assert!(!dir.join(EVENTS_FILE).exists());

    // Numbering in messages is 1-based everywhere: the first event of a
    // batch is event 1.
    let bad = event(r#""type":"agent.opened_port","port":-1"#);
    let out = cli(&["append", d], &format!("{bad}\n{good}"));
    assert!(
        stderr(&out).contains("event 1: field `port`"),
        "{}",
        stderr(&out)
    );
}

// ------------------------------------------------- 11. messages

/// A lone trailing (low) surrogate is called that, not "leading".
#[test]
fn a_lone_surrogate_is_named_for_what_it_is() {
    for (text, word) in [(r"\udc00", "trailing"), (r"\ud800x", "leading")] {
        let ev = event(&format!(r#""type":"agent.note","text":"a{text}""#));
        let err = event_from_json(&ev).unwrap_err().to_string();
        assert!(err.contains(&format!("lone {word} surrogate")), "{err}");
    }
}

/// A store whose `sync` fails (a disk error at fdatasync): with
/// `Durability::Sync` the bytes written are cut back, so an append that
/// failed is never read back as an event.
#[test]
fn a_failed_sync_leaves_nothing() {
    struct FailingSync(MemoryStore);
    impl Store for FailingSync {
        type Reader = <MemoryStore as Store>::Reader;
        fn name(&self) -> String {
            self.0.name()
        }
        fn size(&mut self) -> Result<u64, EventLogError> {
            self.0.size()
        }
        fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
            self.0.read_at(offset, buf)
        }
        fn append(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
            self.0.append(bytes)
        }
        fn truncate(&mut self, len: u64) -> Result<(), EventLogError> {
            self.0.truncate(len)
        }
        fn sync(&mut self) -> Result<(), EventLogError> {
            Err(EventLogError::Io(std::io::Error::other("fdatasync: EIO")))
        }
        fn lock(&mut self, wait: sessiontrail::LockWait) -> Result<(), EventLogError> {
            self.0.lock(wait)
        }
        fn unlock(&mut self) {
            self.0.unlock()
        }
        fn load_counter(&mut self) -> Option<sessiontrail::Counter> {
            self.0.load_counter()
        }
        fn save_counter(&mut self, c: sessiontrail::Counter) -> Result<(), EventLogError> {
            self.0.save_counter(c)
        }
        fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
            self.0.save_torn(bytes)
        }
        fn reader(&mut self) -> Result<Option<Self::Reader>, EventLogError> {
            self.0.reader()
        }
    }
    let store = MemoryStore::new();
    let buffered = EventLog::with_store(store.clone(), Options::default()).unwrap();
    buffered.append(&mut note("s", "kept")).unwrap();
    let before = store.bytes();
    let options = Options::new().durability(sessiontrail::Durability::Sync);
    let synced = EventLog::with_store(FailingSync(store.clone()), options).unwrap();
    let err = synced
        .append_batch(&mut [note("s", "a"), note("s", "b")])
        .unwrap_err();
    assert!(err.to_string().contains("EIO"), "{err}");
    assert_eq!(store.bytes(), before);
    let mut next = note("s", "next");
    buffered.append(&mut next).unwrap();
    assert_eq!(next.sequence_no, 1);
}
