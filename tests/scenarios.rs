//! The append protocol's scenarios, written once and run over every store.
//!
//! The numbering, recovery and reading rules live in one place (`log.rs`)
//! over the `Store` trait, so they are tested once, generic over a small
//! [`Fixture`] that knows how to reach one log's bytes behind its back, and
//! instantiated for the file store (`EventLog::open(dir)`) and the memory
//! store (clones of one `MemoryStore` share bytes, like two processes
//! opening one file). A scenario that passes on one store and fails on the
//! other points at the store, not the protocol.
//!
//! Covered: append and read back, numbering across reopen and across
//! handles (alternating and from threads), every way the counter can be
//! wrong, torn tails, unreadable lines of each kind, streaming reads,
//! batches in one write, the integrity report, the wire format of every
//! event type, lock timeouts, events over the line limit, an open racing
//! another writer's repair, and the O(1) steady state (measured in bytes
//! read, not in time).
//!
//! Wrapper stores (`Counting`, `CutAfterSize`) pass everything through to
//! the fixture's store and only observe or interleave, so what they show
//! holds for the store underneath.
// Native: the fixtures include the file store. Under wasm the same protocol
// is run over a JavaScript host by crates/sessiontrail-wasm/tests.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{
    all_event_types, assert_covers_every_type, assert_numbered_in_order, line_of, make_event, note,
    TempDir,
};
use sessiontrail::{
    CheckReport, Counter, CounterState, ErrorKind, EventLog, EventLogError, EventType, FileStore,
    LockWait, MemoryStore, Options, SessionEvent, Store, COUNTER_FILE, EVENTS_FILE, LOCK_FILE,
    TORN_FILE,
};

/// One log, and ways to reach its bytes without going through `EventLog`.
trait Fixture {
    /// `Send` so one handle can be shared by threads.
    type S: Store + Send;

    fn new() -> Self;
    /// A fresh store on the same log: what another process would open.
    fn store(&self) -> Self::S;
    /// A new handle on the same log, opened the way a user opens it.
    fn open_with(&self, options: Options) -> EventLog<Self::S>;
    /// The event bytes as stored.
    fn raw(&self) -> Vec<u8>;
    /// Appends bytes without the protocol: a crashing, foreign or unlocked writer.
    fn write_raw(&self, bytes: &[u8]);
    /// The counter sidecar, when it holds exactly 16 bytes.
    fn counter(&self) -> Option<Counter>;
    /// Replaces the counter sidecar's bytes; `None` removes it.
    fn set_counter(&self, bytes: Option<&[u8]>);
    /// The torn-tail sidecar's bytes (empty when there is none).
    fn torn(&self) -> Vec<u8>;
    /// Cuts the event bytes back to `len`, as another writer's torn-tail
    /// repair does.
    fn cut_raw(&self, len: u64);
    /// The name a lock timeout reports.
    fn lock_name(&self) -> String;

    fn open(&self) -> EventLog<Self::S> {
        self.open_with(Options::default())
    }
}

struct FileFixture {
    tmp: TempDir,
}

impl FileFixture {
    fn file(&self, name: &str) -> std::path::PathBuf {
        self.tmp.session().join(name)
    }
}

impl Fixture for FileFixture {
    type S = FileStore;

    fn new() -> Self {
        FileFixture {
            tmp: TempDir::new("scenario"),
        }
    }

    fn store(&self) -> FileStore {
        FileStore::open(&self.tmp.session()).expect("FileStore::open")
    }

    fn open_with(&self, options: Options) -> EventLog<FileStore> {
        EventLog::open_with(&self.tmp.session(), options).expect("EventLog::open")
    }

    fn raw(&self) -> Vec<u8> {
        std::fs::read(self.file(EVENTS_FILE)).unwrap_or_default()
    }

    fn write_raw(&self, bytes: &[u8]) {
        use std::io::Write;
        std::fs::create_dir_all(self.tmp.session()).unwrap();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.file(EVENTS_FILE))
            .and_then(|mut f| f.write_all(bytes))
            .expect("raw write");
    }

    fn counter(&self) -> Option<Counter> {
        Counter::decode(&std::fs::read(self.file(COUNTER_FILE)).ok()?)
    }

    fn set_counter(&self, bytes: Option<&[u8]>) {
        let path = self.file(COUNTER_FILE);
        match bytes {
            Some(b) => std::fs::write(path, b).unwrap(),
            None => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("{e}"),
                _ => {}
            },
        }
    }

    fn torn(&self) -> Vec<u8> {
        std::fs::read(self.file(TORN_FILE)).unwrap_or_default()
    }

    fn cut_raw(&self, len: u64) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(self.file(EVENTS_FILE))
            .and_then(|f| f.set_len(len))
            .expect("cut");
    }

    fn lock_name(&self) -> String {
        self.file(LOCK_FILE).display().to_string()
    }
}

struct MemoryFixture {
    store: MemoryStore,
}

impl Fixture for MemoryFixture {
    type S = MemoryStore;

    fn new() -> Self {
        MemoryFixture {
            store: MemoryStore::new(),
        }
    }

    fn store(&self) -> MemoryStore {
        self.store.clone()
    }

    fn open_with(&self, options: Options) -> EventLog<MemoryStore> {
        EventLog::with_store(self.store.clone(), options).expect("EventLog::with_store")
    }

    fn raw(&self) -> Vec<u8> {
        self.store.bytes()
    }

    fn write_raw(&self, bytes: &[u8]) {
        self.store.append_raw(bytes);
    }

    fn counter(&self) -> Option<Counter> {
        self.store.clone().load_counter()
    }

    fn set_counter(&self, bytes: Option<&[u8]>) {
        self.store.set_counter_bytes(bytes.map(<[u8]>::to_vec));
    }

    fn torn(&self) -> Vec<u8> {
        self.store.torn_bytes()
    }

    fn cut_raw(&self, len: u64) {
        self.store.clone().truncate(len).expect("cut");
    }

    fn lock_name(&self) -> String {
        self.store.name()
    }
}

/// A store that passes everything through and records the size of each
/// append and the bytes read, so a test can see "one write" and "O(1)".
struct Counting<S> {
    inner: S,
    appends: Arc<Mutex<Vec<usize>>>,
    read: Arc<Mutex<u64>>,
}

impl<S: Store> Counting<S> {
    fn new(inner: S) -> Self {
        Counting {
            inner,
            appends: Arc::default(),
            read: Arc::default(),
        }
    }
}

impl<S: Store> Store for Counting<S> {
    type Reader = S::Reader;
    fn name(&self) -> String {
        self.inner.name()
    }
    fn size(&mut self) -> Result<u64, EventLogError> {
        self.inner.size()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        let n = self.inner.read_at(offset, buf)?;
        *self.read.lock().unwrap() += n as u64;
        Ok(n)
    }
    fn append(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.appends.lock().unwrap().push(bytes.len());
        self.inner.append(bytes)
    }
    fn truncate(&mut self, len: u64) -> Result<(), EventLogError> {
        self.inner.truncate(len)
    }
    fn sync(&mut self) -> Result<(), EventLogError> {
        self.inner.sync()
    }
    fn lock(&mut self, wait: LockWait) -> Result<(), EventLogError> {
        self.inner.lock(wait)
    }
    fn unlock(&mut self) {
        self.inner.unlock()
    }
    fn load_counter(&mut self) -> Option<Counter> {
        self.inner.load_counter()
    }
    fn save_counter(&mut self, counter: Counter) -> Result<(), EventLogError> {
        self.inner.save_counter(counter)
    }
    fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.inner.save_torn(bytes)
    }
    fn reader(&mut self) -> Result<Option<Self::Reader>, EventLogError> {
        self.inner.reader()
    }
}

/// A store whose first `size()` is followed at once by `cut` (another
/// process's repair landing between a reader's stat and its read).
struct CutAfterSize<'a, S> {
    inner: S,
    cut: Option<Box<dyn FnOnce() + 'a>>,
}

impl<S: Store> Store for CutAfterSize<'_, S> {
    type Reader = S::Reader;
    fn name(&self) -> String {
        self.inner.name()
    }
    fn size(&mut self) -> Result<u64, EventLogError> {
        let size = self.inner.size()?;
        if let Some(cut) = self.cut.take() {
            cut();
        }
        Ok(size)
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        self.inner.read_at(offset, buf)
    }
    fn append(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.inner.append(bytes)
    }
    fn truncate(&mut self, len: u64) -> Result<(), EventLogError> {
        self.inner.truncate(len)
    }
    fn sync(&mut self) -> Result<(), EventLogError> {
        self.inner.sync()
    }
    fn lock(&mut self, wait: LockWait) -> Result<(), EventLogError> {
        self.inner.lock(wait)
    }
    fn unlock(&mut self) {
        self.inner.unlock()
    }
    fn load_counter(&mut self) -> Option<Counter> {
        self.inner.load_counter()
    }
    fn save_counter(&mut self, counter: Counter) -> Result<(), EventLogError> {
        self.inner.save_counter(counter)
    }
    fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.inner.save_torn(bytes)
    }
    fn reader(&mut self) -> Result<Option<Self::Reader>, EventLogError> {
        self.inner.reader()
    }
}

/// Appends a note through `log` and returns the number it got.
fn append_note<S: Store>(log: &EventLog<S>, text: &str) -> u64 {
    let mut e = note("sess_scenario", text);
    log.append(&mut e).expect("append");
    e.sequence_no
}

fn numbers<S: Store>(log: &EventLog<S>) -> Vec<u64> {
    log.read_all()
        .expect("read_all")
        .iter()
        .map(|e| e.sequence_no)
        .collect()
}

fn check<S: Store>(log: &EventLog<S>) -> CheckReport {
    log.check().expect("check")
}

/// Appends `n` notes through a fresh handle; returns the raw bytes after.
fn seed<F: Fixture>(f: &F, n: u64) -> Vec<u8> {
    let log = f.open();
    for i in 0..n {
        assert_eq!(append_note(&log, &format!("seed {i}")), i);
    }
    f.raw()
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

fn append_and_read_back<F: Fixture>() {
    let f = F::new();
    let log = f.open();
    assert_eq!(log.event_count(), 0);
    assert!(log.read_all().unwrap().is_empty());

    let mut written = Vec::new();
    for (i, t) in all_event_types().into_iter().take(5).enumerate() {
        let mut e = make_event("sess_rw", t);
        e.sequence_no = 999; // whatever the caller put there is replaced
        log.append(&mut e).unwrap();
        assert_eq!(e.sequence_no, i as u64);
        assert_eq!(log.event_count(), i as u64 + 1);
        written.push(e);
    }

    // The events come back equal to what append returned, and the stored
    // bytes are exactly one serialized line per event: nothing else.
    assert_eq!(log.read_all().unwrap(), written);
    let expected: Vec<u8> = written.iter().flat_map(line_of).collect();
    assert_eq!(f.raw(), expected);
    assert_eq!(
        f.counter(),
        Some(Counter {
            count: 5,
            size: expected.len() as u64
        })
    );
    let report = check(&log);
    assert!(report.is_ok(), "{report}");
    assert_eq!((report.events, report.lines), (5, 5));
    assert_eq!(report.counter, CounterState::Consistent);
    assert!(f.torn().is_empty());
}

fn reopen_continues_numbering<F: Fixture>() {
    let f = F::new();
    seed(&f, 3);

    let log = f.open();
    assert_eq!(log.event_count(), 3, "a reopened log must not start at 0");
    assert_eq!(append_note(&log, "after reopen"), 3);
    drop(log);

    // Reopened without a counter: the hint is a count of lines.
    f.set_counter(None);
    let log = f.open();
    assert_eq!(log.event_count(), 4);
    assert_eq!(append_note(&log, "after reopen without counter"), 4);
    assert_eq!(numbers(&log), [0, 1, 2, 3, 4]);
}

fn two_handles_never_share_a_number<F: Fixture>() {
    let f = F::new();
    let a = f.open();
    let b = f.open();
    for i in 0..10 {
        let handle = if i % 2 == 0 { &a } else { &b };
        assert_eq!(append_note(handle, "alternating"), i);
    }
    // Each handle's count is what it last saw, never less than its own.
    assert_eq!((a.event_count(), b.event_count()), (9, 10));

    // Now at once: three handles on four threads, one of them shared by
    // two threads (EventLog is Sync).
    let c = f.open();
    std::thread::scope(|s| {
        for handle in [&a, &b, &c, &c] {
            s.spawn(move || {
                for _ in 0..50 {
                    append_note(handle, "threaded");
                }
            });
        }
    });
    let events = f.open().read_all().unwrap();
    assert_eq!(events.len(), 210);
    assert_numbered_in_order(&events);
    let report = check(&a);
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.counter, CounterState::Consistent);
}

fn missing_counter_is_recounted<F: Fixture>() {
    let f = F::new();
    let first = f.open();
    for i in 0..4 {
        assert_eq!(append_note(&first, "x"), i);
    }
    f.set_counter(None);
    assert_eq!(check(&first).counter, CounterState::Missing);

    // A handle that knows nothing recounts.
    let fresh = f.open();
    assert_eq!(fresh.event_count(), 4);
    assert_eq!(append_note(&fresh, "fresh"), 4);
    // The first handle's knowledge is stale (another writer was here).
    assert_eq!(append_note(&first, "first again"), 5);

    // Removed again while the last writer's knowledge is current: it keeps
    // its own count. (The file store may then write the counter into the
    // unlinked inode it holds open, by design: it reopens the counter only
    // after seeing another writer. So the counter is checked after the next
    // handle's append, which recreates it on either store.)
    f.set_counter(None);
    assert_eq!(append_note(&first, "first, counter gone"), 6);
    assert_eq!(append_note(&f.open(), "another handle"), 7);
    let size = f.raw().len() as u64;
    assert_eq!(f.counter(), Some(Counter { count: 8, size }));
    assert_eq!(numbers(&first), (0..8).collect::<Vec<_>>());
}

fn counter_of_wrong_length_is_ignored<F: Fixture>() {
    let f = F::new();
    seed(&f, 4);
    let good = f.counter().expect("counter after appends").encode();
    let mut too_long = good.to_vec();
    too_long.push(0);
    let cases: [&[u8]; 4] = [b"", b"1234567", &[0xff; 17], &too_long];

    for (i, bytes) in cases.into_iter().enumerate() {
        f.set_counter(Some(bytes));
        let log = f.open();
        assert_eq!(check(&log).counter, CounterState::Missing, "case {i}");
        assert_eq!(append_note(&log, "after a corrupt counter"), 4 + i as u64);
        // The writer leaves a well-formed 16-byte counter behind.
        let size = f.raw().len() as u64;
        assert_eq!(
            f.counter(),
            Some(Counter {
                count: 5 + i as u64,
                size
            }),
            "case {i}"
        );
    }
}

fn counter_with_stale_size_is_recounted<F: Fixture>() {
    let f = F::new();
    seed(&f, 4);
    let stale = Counter {
        count: 100,
        size: 5,
    };
    f.set_counter(Some(&stale.encode()));
    let log = f.open();
    assert_eq!(
        check(&log).counter,
        CounterState::Stale {
            count: 100,
            size: 5
        }
    );
    assert_eq!(append_note(&log, "after stale size"), 4);
    assert_eq!(check(&log).counter, CounterState::Consistent);
}

/// A counter whose size matches but whose count does not (what
/// treeship-core's recount records after skipping a non-UTF-8 line) is
/// caught by the last line's own `sequence_no`.
fn counter_with_matching_size_but_wrong_count_is_recounted<F: Fixture>() {
    let f = F::new();
    seed(&f, 4);
    // One short first (the treeship-core case), then other lies; each round
    // appends one line, so the lie is rebuilt at the current size.
    for (round, count) in [3u64, 2, 0, 9].into_iter().enumerate() {
        let lines = 4 + round as u64;
        let size = f.raw().len() as u64;
        f.set_counter(Some(&Counter { count, size }.encode()));
        let log = f.open();
        assert_eq!(check(&log).counter, CounterState::Stale { count, size });
        assert_eq!(
            append_note(&log, "after a lying counter"),
            lines,
            "counter said {count} of {lines}"
        );
    }
    let log = f.open();
    assert_eq!(numbers(&log), (0..8).collect::<Vec<_>>());
    let report = check(&log);
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.counter, CounterState::Consistent);
}

fn torn_tail_is_moved_aside<F: Fixture>() {
    let f = F::new();
    let old = f.open();
    for i in 0..3 {
        assert_eq!(append_note(&old, "before the tear"), i);
    }
    let before = f.raw();
    let torn: &[u8] = br#"{"session_id":"sess","event_id":"evt_0011"#;
    f.write_raw(torn);

    // Readers see the three events; the tail is not an event, not a skip.
    let (events, skipped) = old.read_all_with_stats().unwrap();
    assert_eq!((events.len(), skipped), (3, 0));
    let report = check(&old);
    assert_eq!(report.torn_tail_bytes, torn.len() as u64);
    assert_eq!((report.lines, report.skipped), (3, 0));
    assert!(!report.is_ok());

    // A writer that knows nothing repairs, then appends after the last `\n`.
    let fresh = f.open();
    let mut e = note("sess", "after the tear");
    fresh.append(&mut e).unwrap();
    assert_eq!(e.sequence_no, 3);
    let mut expected = before.clone();
    expected.extend(line_of(&e));
    assert_eq!(f.raw(), expected, "only the torn bytes may change");
    let mut expected_torn = torn.to_vec();
    expected_torn.push(b'\n');
    assert_eq!(f.torn(), expected_torn);
    let report = check(&fresh);
    assert!(report.is_ok(), "{report}");

    // A second tear, repaired by the handle that wrote before the first one
    // (its own knowledge is stale): each repair is one line in the sidecar.
    f.write_raw(b"\xff\xfepartial");
    assert_eq!(append_note(&old, "after the second tear"), 4);
    expected_torn.extend_from_slice(b"\xff\xfepartial\n");
    assert_eq!(f.torn(), expected_torn);
    assert_eq!(numbers(&old), [0, 1, 2, 3, 4]);
    assert!(check(&old).is_ok());
}

fn torn_tail_is_moved_aside_even_when_the_writer_knows_the_log<F: Fixture>() {
    let f = F::new();
    let log = f.open();
    append_note(&log, "one");
    let before = f.raw();
    // The counter and the handle both describe the size before the tear.
    f.write_raw(b"{\"half");
    assert_eq!(append_note(&log, "two"), 1);
    assert_eq!(&f.raw()[..before.len()], &before[..]);
    assert_eq!(f.torn(), b"{\"half\n");
    assert!(check(&log).is_ok());
}

fn a_log_that_is_only_a_torn_tail<F: Fixture>() {
    let f = F::new();
    f.write_raw(b"{\"session_id\":");
    let log = f.open();
    assert_eq!(log.event_count(), 0);
    assert_eq!(log.read_all_with_stats().unwrap().1, 0);
    let mut e = note("sess", "first");
    log.append(&mut e).unwrap();
    assert_eq!(e.sequence_no, 0);
    assert_eq!(f.raw(), line_of(&e));
    assert_eq!(f.torn(), b"{\"session_id\":\n");
}

/// A tail longer than the 64 KiB scan chunk is found and moved whole.
fn torn_tail_longer_than_a_chunk<F: Fixture>() {
    let f = F::new();
    let before = seed(&f, 2);
    let mut torn = b"{\"meta\":\"".to_vec();
    torn.resize(200_000, b'x');
    f.write_raw(&torn);
    let log = f.open();
    assert_eq!(append_note(&log, "after a long tear"), 2);
    assert_eq!(&f.raw()[..before.len()], &before[..]);
    assert_eq!(
        f.raw().len(),
        before.len() + line_of(&log.read_all().unwrap()[2]).len()
    );
    torn.push(b'\n');
    assert_eq!(f.torn(), torn);
}

/// Each kind of unreadable line: skipped and counted by the readers,
/// reported with its line number and reason by check(), and still holding
/// its sequence number for the writers.
fn unreadable_lines_are_skipped_counted_and_numbered<F: Fixture>() {
    let f = F::new();
    let small = Options::new().max_line_bytes(4096);
    let log = f.open_with(small);
    assert_eq!(append_note(&log, "zero"), 0);
    assert_eq!(append_note(&log, "one"), 1);

    // Line 3: not JSON.
    f.write_raw(b"this is not json\n");
    // Line 4: a whole event but of a type nobody knows.
    let mut unknown = note("sess", "x");
    unknown.sequence_no = 3;
    let unknown = String::from_utf8(line_of(&unknown))
        .unwrap()
        .replace("\"agent.note\"", "\"agent.danced\"");
    f.write_raw(unknown.as_bytes());
    // Line 5: a whole event with an invalid UTF-8 byte inside a string.
    let mut bad_utf8 = note("sess", "x");
    bad_utf8.sequence_no = 4;
    bad_utf8.agent_name = "AGENT".into();
    let mut bytes = line_of(&bad_utf8);
    let at = bytes.windows(5).position(|w| w == b"AGENT").unwrap();
    bytes[at + 2] = 0xff;
    f.write_raw(&bytes);
    // Lines 6 and 7: blank, and only whitespace.
    f.write_raw(b"\n  \t \n");
    // Line 8: a valid event, but longer than this handle's line limit.
    let mut long = note("sess", "long");
    long.sequence_no = 7;
    long.meta = Some(serde_json::json!({ "blob": "y".repeat(10_000) }));
    f.write_raw(&line_of(&long));

    // The writer counts lines, not events: the next number is 8.
    assert_eq!(append_note(&log, "eight"), 8);

    let (events, skipped) = log.read_all_with_stats().unwrap();
    assert_eq!(
        events.iter().map(|e| e.sequence_no).collect::<Vec<_>>(),
        [0, 1, 8]
    );
    assert_eq!(skipped, 6);

    let report = check(&log);
    assert_eq!((report.events, report.lines, report.skipped), (3, 9, 6));
    let lines: Vec<u64> = report.skipped_lines.iter().map(|s| s.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8]);
    let reasons: Vec<&str> = report.skipped_lines.iter().map(|s| &*s.reason).collect();
    assert!(reasons[0].starts_with("not an event"), "{reasons:?}");
    assert!(reasons[1].starts_with("not an event"), "{reasons:?}");
    assert!(reasons[1].contains("agent.danced"), "{reasons:?}");
    assert!(reasons[2].starts_with("invalid UTF-8"), "{reasons:?}");
    assert_eq!(&reasons[3..5], ["blank line", "blank line"]);
    assert!(
        reasons[5].contains("over the reader's limit"),
        "{reasons:?}"
    );
    assert!(reasons[5].contains(&(line_of(&long).len() - 1).to_string()));
    assert_eq!(report.missing, [(2, 7)]);
    assert_eq!(report.missing_count, 6);
    assert!(report.duplicates.is_empty());
    assert_eq!(report.counter, CounterState::Consistent);
    assert!(!report.is_ok());

    // With the default limit the long line is an event like any other.
    let roomy = f.open();
    let (events, skipped) = roomy.read_all_with_stats().unwrap();
    assert_eq!(
        events.iter().map(|e| e.sequence_no).collect::<Vec<_>>(),
        [0, 1, 7, 8]
    );
    assert_eq!(skipped, 5);
    assert_eq!(check(&roomy).missing, [(2, 6)]);

    // Without a counter the recount still counts the unreadable lines
    // (the non-UTF-8 one included).
    f.set_counter(None);
    let fresh = f.open_with(small);
    assert_eq!(fresh.event_count(), 9);
    assert_eq!(append_note(&fresh, "nine"), 9);

    // A garbage last line behind a counter whose size matches but whose
    // count is one short: the last line cannot vouch for the counter, so
    // the writer recounts.
    f.write_raw(b"garbage\n");
    let size = f.raw().len() as u64;
    f.set_counter(Some(&Counter { count: 10, size }.encode()));
    assert_eq!(append_note(&f.open(), "eleven"), 11);
}

fn read_from_and_iter_stream_in_order<F: Fixture>() {
    let f = F::new();
    let log = f.open();

    // Nothing stored yet.
    assert_eq!(log.iter().unwrap().count(), 0);
    assert_eq!(log.read_from(0).unwrap().count(), 0);
    let report = check(&log);
    assert!(report.is_ok(), "{report}");
    assert_eq!((report.events, report.lines), (0, 0));
    assert_eq!(report.counter, CounterState::Missing);

    for i in 0..10 {
        assert_eq!(append_note(&log, "n"), i);
    }
    let seqs = |events: sessiontrail::Events<_>| -> Vec<u64> {
        events.map(|e| e.unwrap().sequence_no).collect()
    };
    assert_eq!(seqs(log.iter().unwrap()), (0..10).collect::<Vec<_>>());
    assert_eq!(seqs(log.read_from(0).unwrap()), (0..10).collect::<Vec<_>>());
    assert_eq!(seqs(log.read_from(4).unwrap()), (4..10).collect::<Vec<_>>());
    assert_eq!(seqs(log.read_from(9).unwrap()), [9]);
    assert!(seqs(log.read_from(10).unwrap()).is_empty());
    assert!(seqs(log.read_from(u64::MAX).unwrap()).is_empty());

    // An unreadable line and a torn tail in the stream: skipped and counted,
    // and the tail ends the stream without an error.
    f.write_raw(b"junk\n");
    assert_eq!(append_note(&log, "after junk"), 11);
    f.write_raw(b"{\"torn");
    let mut from9 = log.read_from(9).unwrap();
    let got: Vec<u64> = (&mut from9).map(|e| e.unwrap().sequence_no).collect();
    assert_eq!(got, [9, 11]);
    assert_eq!(from9.skipped(), 1);
    let mut all = log.iter().unwrap();
    assert_eq!((&mut all).count(), 11);
    assert_eq!(all.skipped(), 1);
}

fn append_batch_numbers_contiguously_in_one_write<F: Fixture>() {
    let f = F::new();
    let counting = Counting::new(f.store());
    let appends = Arc::clone(&counting.appends);
    let log = EventLog::with_store(counting, Options::default()).unwrap();

    // An empty batch touches nothing.
    log.append_batch(&mut []).unwrap();
    assert!(appends.lock().unwrap().is_empty());
    assert!(f.raw().is_empty());

    assert_eq!(append_note(&log, "single"), 0);
    let mut batch: Vec<SessionEvent> = all_event_types()
        .into_iter()
        .take(5)
        .map(|t| make_event("sess_batch", t))
        .collect();
    log.append_batch(&mut batch).unwrap();
    assert_eq!(
        batch.iter().map(|e| e.sequence_no).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(log.event_count(), 6);

    // Exactly one more store write, holding exactly the five lines.
    let batch_bytes: Vec<u8> = batch.iter().flat_map(line_of).collect();
    let first_line = line_of(&log.read_all().unwrap()[0]).len();
    assert_eq!(*appends.lock().unwrap(), [first_line, batch_bytes.len()]);
    let raw = f.raw();
    assert!(raw.ends_with(&batch_bytes));
    assert_eq!(&log.read_all().unwrap()[1..], &batch[..]);

    // Another handle continues after the batch, batches included.
    let other = f.open();
    let mut more = vec![note("s", "a"), note("s", "b"), note("s", "c")];
    other.append_batch(&mut more).unwrap();
    assert_eq!(
        more.iter().map(|e| e.sequence_no).collect::<Vec<_>>(),
        [6, 7, 8]
    );
    assert_eq!(append_note(&log, "first handle again"), 9);
    let report = check(&log);
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.events, 10);
}

fn check_reports_each_kind_of_damage<F: Fixture>() {
    let f = F::new();
    let log = f.open();
    for i in 0..3 {
        assert_eq!(append_note(&log, "ok"), i);
    }
    let clean = check(&log);
    assert!(clean.is_ok());
    assert!(clean.to_string().ends_with("verdict:     ok"), "{clean}");
    let size3 = f.raw().len() as u64;

    // Line 4 repeats number 1; line 5 claims 6, leaving 3-5 missing;
    // line 6 is garbage; then 6 bytes of a torn line.
    let mut dup = note("sess", "dup");
    dup.sequence_no = 1;
    f.write_raw(&line_of(&dup));
    let mut ahead = note("sess", "ahead");
    ahead.sequence_no = 6;
    f.write_raw(&line_of(&ahead));
    f.write_raw(b"garbage\n");
    f.write_raw(b"{\"torn");

    let r = check(&log);
    assert_eq!(r.events, 5);
    assert_eq!(r.lines, 6);
    assert_eq!(r.bytes, f.raw().len() as u64);
    assert_eq!(r.skipped, 1);
    assert_eq!(r.skipped_lines.len(), 1);
    assert_eq!(r.skipped_lines[0].line, 6);
    assert!(r.skipped_lines[0].reason.starts_with("not an event"));
    assert_eq!(r.duplicates, [1]);
    assert_eq!(r.missing, [(3, 5)]);
    assert_eq!(r.missing_count, 3);
    assert_eq!(r.misplaced, 2);
    assert_eq!(r.torn_tail_bytes, 6);
    assert_eq!(
        r.counter,
        CounterState::Stale {
            count: 3,
            size: size3
        }
    );
    assert!(!r.is_ok());
    let text = r.to_string();
    for needle in [
        "events:      5",
        "skipped:     1",
        "line 6: not an event",
        "duplicates:  1 (sequence_no 1)",
        "missing:     3 (sequence_no 3-5)",
        "misplaced:   2",
        "torn tail:   6 bytes",
        &format!("stale: records 3 events in {size3} bytes"),
        "verdict:     DAMAGED",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }

    // The next append repairs the tail and numbers by line position (6).
    // The foreign line that claimed 6 now collides with it: numbers are
    // positions, so a writer outside the protocol shows up as a duplicate.
    assert_eq!(append_note(&log, "after damage"), 6);
    let r = check(&log);
    assert_eq!(r.torn_tail_bytes, 0);
    assert_eq!(r.counter, CounterState::Consistent);
    assert_eq!(r.duplicates, [1, 6]);
    assert_eq!(r.missing, [(3, 5)]);
}

fn every_event_type_round_trips<F: Fixture>() {
    let types = all_event_types();
    assert_covers_every_type(&types);
    let f = F::new();
    let log = f.open();
    let mut events: Vec<SessionEvent> = types
        .into_iter()
        .map(|t| make_event("sess_types", t))
        .collect();
    // Half one by one, half as a batch: both paths serialize the same way.
    let (singles, batch) = events.split_at_mut(9);
    for e in singles {
        log.append(e).unwrap();
    }
    log.append_batch(batch).unwrap();
    assert_numbered_in_order(&events);
    assert_eq!(log.read_all().unwrap(), events);

    // Each stored line names its type on the wire.
    let raw = f.raw();
    for (line, e) in raw.split(|&b| b == b'\n').zip(&events) {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap();
        assert_eq!(v["type"], e.event_type.name());
        assert_eq!(v["sequence_no"], e.sequence_no);
    }

    // Absent optional fields are left out of the line, and come back absent.
    let mut bare = make_event("sess_types", EventType::AgentNote { text: None });
    bare.parent_span_id = None;
    bare.agent_role = None;
    bare.tool_runtime_id = None;
    bare.artifact_ref = None;
    bare.meta = None;
    log.append(&mut bare).unwrap();
    let last = f.raw();
    let last = last[..last.len() - 1]
        .rsplit(|&b| b == b'\n')
        .next()
        .unwrap();
    let text = std::str::from_utf8(last).unwrap();
    for absent in [
        "parent_span_id",
        "agent_role",
        "tool_runtime_id",
        "artifact_ref",
        "meta",
        "text",
    ] {
        assert!(!text.contains(absent), "{absent} in {text}");
    }
    assert_eq!(log.read_all().unwrap().last(), Some(&bare));
}

/// A line written by hand in the documented wire shape (field order and all
/// as another implementation might write it) is read, and numbered after.
fn a_hand_written_wire_line_is_read<F: Fixture>() {
    let f = F::new();
    f.write_raw(
        br#"{"type":"agent.called_tool","tool_name":"Bash","duration_ms":7,"session_id":"ssn_1","event_id":"evt_00112233aabbccdd","timestamp":"2026-11-26T03:04:05.678Z","sequence_no":0,"trace_id":"0123456789abcdef0123456789abcdef","span_id":"0123456789abcdef","agent_id":"agent://x","agent_instance_id":"ai_1","agent_name":"x","host_id":"h","some_future_field":{"ignored":true}}
"#,
    );
    let log = f.open();
    let events = log.read_all().unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.event_id, "evt_00112233aabbccdd");
    assert_eq!(e.parent_span_id, None);
    assert_eq!(
        e.event_type,
        EventType::AgentCalledTool {
            tool_name: "Bash".into(),
            tool_input_digest: None,
            tool_output_digest: None,
            duration_ms: Some(7),
            outcome: None,
        }
    );
    assert_eq!(append_note(&log, "next"), 1);
}

/// Another holder of the lock makes a timed append fail cleanly: the error
/// names the lock, nothing is written, and the next append numbers right.
fn lock_timeout_writes_nothing<F: Fixture>() {
    let f = F::new();
    seed(&f, 2);
    let before = f.raw();
    let mut holder = f.store();
    holder.lock(LockWait::Block).unwrap();

    let timed = f.open_with(Options::new().lock_wait(LockWait::Timeout(Duration::from_millis(50))));
    let mut e = note("sess", "blocked");
    match timed.append(&mut e) {
        Err(EventLogError::LockTimeout { path, waited }) => {
            assert_eq!(path.display().to_string(), f.lock_name());
            assert_eq!(waited, Duration::from_millis(50));
        }
        other => panic!("expected LockTimeout, got {other:?}"),
    }
    assert_eq!(f.raw(), before);
    assert_eq!(timed.event_count(), 2);

    holder.unlock();
    assert_eq!(append_note(&timed, "unblocked"), 2);
    assert!(check(&timed).is_ok());
}

/// The steady state reads no event bytes, and a fresh handle on a log with
/// a good counter reads only the end of the file; a missing counter costs
/// one full read. Measured in bytes read, so it is exact, not timed.
fn appends_read_a_bounded_amount<F: Fixture>() {
    let f = F::new();
    let writer = f.open();
    let mut batch: Vec<SessionEvent> = (0..2000).map(|i| note("sess", &i.to_string())).collect();
    writer.append_batch(&mut batch).unwrap();
    let size = f.raw().len() as u64;
    assert!(size > 4 * 64 * 1024, "log too small for the test: {size}");

    let counting = Counting::new(f.store());
    let read = Arc::clone(&counting.read);
    let log = EventLog::with_store(counting, Options::default()).unwrap();
    *read.lock().unwrap() = 0; // the open-time hint is allowed to read
    assert_eq!(append_note(&log, "fresh"), 2000);
    let fresh_read = *read.lock().unwrap();
    // The last byte, one 64 KiB chunk scanned back for the last line's
    // start, and that line (well under 1 KiB): not the file.
    assert!(
        fresh_read <= 1 + 64 * 1024 + 1024,
        "read {fresh_read} of {size} bytes"
    );

    *read.lock().unwrap() = 0;
    assert_eq!(append_note(&log, "steady"), 2001);
    assert_eq!(
        *read.lock().unwrap(),
        0,
        "a steady-state append read event bytes"
    );

    // Another writer appends, then the counter goes: a full recount.
    writer.append(&mut note("sess", "other writer")).unwrap();
    f.set_counter(None);
    *read.lock().unwrap() = 0;
    assert_eq!(append_note(&log, "recount"), 2003);
    assert!(
        *read.lock().unwrap() >= size,
        "a missing counter must be recounted"
    );
}

/// An event whose line would be over the log's line limit is refused with
/// nothing written: its own readers would skip it, so acknowledging it
/// would lose it.
fn an_event_over_the_line_limit_is_refused<F: Fixture>() {
    let f = F::new();
    let before = seed(&f, 2);
    let small = f.open_with(Options::new().max_line_bytes(4096));
    let mut big = note("sess", "big");
    big.meta = Some(serde_json::json!({ "blob": "b".repeat(10_000) }));

    let err = small.append(&mut big.clone()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidEvent, "{err:?}");
    assert_eq!(err.field(), None, "about the whole line, not one field");
    let text = err.to_string();
    assert!(
        text.contains("4096") && text.contains("max_line_bytes"),
        "{text}"
    );
    // In a batch, the events before it are not written either.
    let mut batch = vec![note("sess", "fits"), big.clone()];
    let err = small.append_batch(&mut batch).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidEvent, "{err:?}");
    assert!(
        err.to_string().contains("event 2 of 2 in the append"),
        "{err}"
    );
    assert_eq!(f.raw(), before);

    // The numbering is unharmed, and a roomier log takes the event.
    assert_eq!(append_note(&small, "small"), 2);
    let roomy = f.open();
    roomy.append(&mut big).unwrap();
    assert_eq!(big.sequence_no, 3);
    assert_eq!(roomy.read_all().unwrap()[3], big);
}

/// Opening takes no lock, so another process may cut a torn tail while
/// `open` counts lines for its hint. That must not fail the open (it did:
/// the count expected the bytes it had just been told were there).
fn open_while_another_writer_cuts_a_torn_tail<F: Fixture>() {
    let f = F::new();
    let keep = seed(&f, 3).len() as u64;
    f.write_raw(&[b'x'; 100_000]);
    let store = CutAfterSize {
        inner: f.store(),
        cut: Some(Box::new(|| f.cut_raw(keep))),
    };
    let log = EventLog::with_store(store, Options::default())
        .expect("open must not fail while another writer repairs");
    assert_eq!(log.event_count(), 3);
    assert_eq!(append_note(&log, "after the race"), 3);
    assert!(check(&log).is_ok());
}

/// Reads the raw bytes through the store's reader: the trait's `reader()`
/// gives the same bytes the fixture sees.
fn store_reader_sees_the_stored_bytes<F: Fixture>() {
    let f = F::new();
    assert!(f.store().reader().unwrap().is_none());
    seed(&f, 3);
    let mut out = Vec::new();
    f.store()
        .reader()
        .unwrap()
        .expect("a reader once something is stored")
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, f.raw());
}

/// Instantiates every scenario for one fixture, as `#[test]`s in a module
/// named after the store, so a failure names both the scenario and store.
macro_rules! for_store {
    ($module:ident, $fixture:ty) => {
        mod $module {
            use super::*;
            for_store!(@tests $fixture;
                append_and_read_back,
                reopen_continues_numbering,
                two_handles_never_share_a_number,
                missing_counter_is_recounted,
                counter_of_wrong_length_is_ignored,
                counter_with_stale_size_is_recounted,
                counter_with_matching_size_but_wrong_count_is_recounted,
                torn_tail_is_moved_aside,
                torn_tail_is_moved_aside_even_when_the_writer_knows_the_log,
                a_log_that_is_only_a_torn_tail,
                torn_tail_longer_than_a_chunk,
                unreadable_lines_are_skipped_counted_and_numbered,
                read_from_and_iter_stream_in_order,
                append_batch_numbers_contiguously_in_one_write,
                check_reports_each_kind_of_damage,
                every_event_type_round_trips,
                a_hand_written_wire_line_is_read,
                lock_timeout_writes_nothing,
                appends_read_a_bounded_amount,
                store_reader_sees_the_stored_bytes,
                open_while_another_writer_cuts_a_torn_tail,
                an_event_over_the_line_limit_is_refused,
            );
        }
    };
    (@tests $fixture:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                super::$name::<$fixture>();
            }
        )*
    };
}

for_store!(file_store, FileFixture);
for_store!(memory_store, MemoryFixture);
