//! sessiontrail's append cost, as ratios measured in one run on one disk.
//!
//! Why: sessiontrail sits on the hot path of every tool call of an agent, and
//! its reason to exist next to treeship-core 0.32 is that an append costs
//! the lock protocol and nothing more. So every figure here is a ratio
//! against something measured in the same run, on the same disk, with the
//! same ~390-byte `agent.called_tool` line: treeship-core 0.32's
//! `EventLog::append`, and hand-written "bare" loops that make only the
//! system calls the protocol needs (the floor no implementation can beat).
//! The bare loops serialize the same struct on every append, as sessiontrail
//! must (`serde_json::to_vec` per event; for batches `to_writer` into a
//! reused buffer), so the ratios compare protocols, not serializers.
//!
//! The machine this runs on is small and shared, so noise is the enemy:
//! contenders in one process are interleaved in short chunks (a few ms
//! each, in alternating order) for the whole of each round, so a burst of
//! load or a journal commit lands on all of them alike; a ratio is taken per
//! round and the median over rounds is reported. In comparisons where a
//! contender fsyncs (treeship-core, `Durability::Sync`) the file system is
//! synced between chunks, untimed, so no fsync pays for the pages another
//! contender dirtied. Multi-process runs alternate whole runs instead.
//!
//! Sections (`--only` takes a comma-separated list): `single` (one process
//! against the floor and against treeship-core), `sync`, `batch`, `turns`
//! (two handles taking turns, so every append follows another writer's),
//! `multi` (4 processes, with the proof of unique contiguous numbers),
//! `scale` (the cost of an append with 1k and with 1M events in the log)
//! and `read` (`read_all` of a 100,000-event session of every event type,
//! against treeship-core 0.32's `read_all` of the same file, with the proof
//! that both read the same events).
//!
//! ```text
//! cargo run --release --manifest-path tests/treeship-compat/Cargo.toml --bin bench -- [--json PATH] [--quick] [--only SECTIONS]
//! ```
//!
//! The log directories go under `$SESSIONTRAIL_BENCH_DIR` (default: the
//! system temp dir) and are removed afterwards. `--json PATH` writes the
//! machine-readable results there; they are also printed after the table.
//! `--child …` is internal: the multi-process figure re-executes this binary.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sessiontrail::{CheckReport, CounterState, Durability, EventLog, Options, SessionEvent};
use treeship_compat::{
    indexed_event_id, run_together, sl_called_tool, ts, ts_called_tool, wait_for_go, TempDir,
};

/// How long and how often each comparison runs.
struct Sizes {
    /// Rounds of each comparison (a ratio per round, then the median).
    rounds: usize,
    /// Length of one round of an interleaved comparison.
    round: Duration,
    /// Length of one round of an interleaved comparison with an fsync in it.
    slow_round: Duration,
    /// Rounds of the multi-process comparison, and each child's time.
    multi_rounds: usize,
    multi_time: Duration,
    /// Rounds of the 1k-against-1M comparison, and the length of each.
    scale_rounds: usize,
    /// The size of the big log, in events.
    big: u64,
    /// The size of the log read back, in events, and the rounds of reading.
    read_events: u64,
    read_rounds: usize,
}

const FULL: Sizes = Sizes {
    rounds: 5,
    round: Duration::from_millis(1500),
    slow_round: Duration::from_millis(2000),
    multi_rounds: 7,
    multi_time: Duration::from_millis(500),
    scale_rounds: 7,
    big: 1_000_000,
    read_events: 100_000,
    read_rounds: 15,
};

const QUICK: Sizes = Sizes {
    rounds: 3,
    round: Duration::from_millis(200),
    slow_round: Duration::from_millis(200),
    multi_rounds: 3,
    multi_time: Duration::from_millis(100),
    scale_rounds: 3,
    big: 100_000,
    read_events: 20_000,
    read_rounds: 3,
};

const SMALL: u64 = 1_000;
const BATCH: usize = 100;
const CHILDREN: usize = 4;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        return child_main(&args[2..]);
    }
    let mut json_path = None;
    let mut sizes = &FULL;
    let mut only: Option<String> = None;
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--json" => json_path = Some(PathBuf::from(rest.next().expect("--json PATH"))),
            "--quick" => sizes = &QUICK,
            "--only" => only = Some(rest.next().expect("--only SECTION,…").clone()),
            other => {
                eprintln!("bench: unknown argument {other}\nusage: bench [--json PATH] [--quick] [--only single,sync,batch,turns,multi,scale,read,verify]");
                std::process::exit(2);
            }
        }
    }
    let base = std::env::var_os("SESSIONTRAIL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let root = TempDir::new(&base, "sessiontrail-bench");
    let started = Instant::now();

    let mut report = Report::new(root.path());
    println!("# sessiontrail native benchmark");
    println!("{}", report.machine_line());
    println!(
        "line: {} bytes (agent.called_tool); {} rounds per comparison; ratios are medians of per-round ratios\n",
        line_len(),
        sizes.rounds
    );

    type Section = fn(&mut Report, &Path, &Sizes);
    let sections: [(&str, Section); 8] = [
        ("single", single_process),
        ("sync", durable),
        ("batch", batches),
        ("turns", taking_turns),
        ("multi", multi_process),
        ("scale", scaling),
        ("read", reading),
        ("verify", verifying),
    ];
    for (name, section) in sections {
        if only
            .as_deref()
            .is_none_or(|o| o.split(',').any(|n| n == name))
        {
            section(&mut report, root.path(), sizes);
        }
    }

    report.finish(started.elapsed());
    let json = serde_json::to_string_pretty(&report.json).expect("results serialize");
    if let Some(path) = json_path {
        std::fs::write(&path, &json).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        println!("results written to {}", path.display());
    }
    println!("\n--- json ---\n{json}");
}

// ---------------------------------------------------------------------------
// The contenders

/// The event every loop appends; its `sequence_no` is set per append.
fn event() -> SessionEvent {
    sl_called_tool("ai_cc_1", 7)
}

fn line_len() -> usize {
    let mut e = event();
    e.sequence_no = 12_345;
    serde_json::to_vec(&e).expect("serialize").len() + 1
}

/// A session directory under the bench root, removed on drop.
struct Session(PathBuf);

impl Session {
    fn new(root: &Path, name: &str) -> Session {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        Session(root.join(format!("{name}-{n}")))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A step function: makes `n` calls (appends or batches).
type Step<'a> = Box<dyn FnMut(u64) + 'a>;

/// sessiontrail `append` on one handle, after one append that creates the files.
fn sessiontrail_appends<'a>(root: &Path, durability: Durability) -> Step<'a> {
    let dir = Session::new(root, "sessiontrail");
    let options = Options::new().durability(durability);
    let log = EventLog::open_with(dir.path(), options).expect("open");
    appending(dir, log)
}

/// Appends on `log` (in `dir`, kept alive with it), after one append that
/// creates the files.
fn appending<'a, S: sessiontrail::Store + 'a>(dir: Session, log: EventLog<S>) -> Step<'a> {
    let mut e = event();
    log.append(&mut e).expect("append");
    Box::new(move |n| {
        let _dir = &dir;
        for _ in 0..n {
            log.append(&mut e).expect("append");
        }
    })
}

/// The file store with its Merkle tree turned off: every method but the
/// tree's passes through, and the tree's are the trait's defaults (a store
/// that keeps none). What an append costs without the tree, for the
/// tree's price (issue 22: with it at least 0.85 of without).
struct NoTree(sessiontrail::FileStore);

impl sessiontrail::Store for NoTree {
    type Reader = File;
    fn name(&self) -> String {
        self.0.name()
    }
    fn size(&mut self) -> Result<u64, sessiontrail::EventLogError> {
        self.0.size()
    }
    fn read_at(&mut self, o: u64, b: &mut [u8]) -> Result<usize, sessiontrail::EventLogError> {
        self.0.read_at(o, b)
    }
    fn append(&mut self, b: &[u8]) -> Result<(), sessiontrail::EventLogError> {
        self.0.append(b)
    }
    fn truncate(&mut self, l: u64) -> Result<(), sessiontrail::EventLogError> {
        self.0.truncate(l)
    }
    fn sync(&mut self) -> Result<(), sessiontrail::EventLogError> {
        self.0.sync()
    }
    fn lock(&mut self, w: sessiontrail::LockWait) -> Result<(), sessiontrail::EventLogError> {
        self.0.lock(w)
    }
    fn unlock(&mut self) {
        self.0.unlock()
    }
    fn load_counter(&mut self) -> Option<sessiontrail::Counter> {
        self.0.load_counter()
    }
    fn save_counter(
        &mut self,
        c: sessiontrail::Counter,
    ) -> Result<(), sessiontrail::EventLogError> {
        self.0.save_counter(c)
    }
    fn save_torn(&mut self, b: &[u8]) -> Result<(), sessiontrail::EventLogError> {
        self.0.save_torn(b)
    }
    fn take_reopened(&mut self) -> bool {
        self.0.take_reopened()
    }
    fn reader(&mut self) -> Result<Option<File>, sessiontrail::EventLogError> {
        self.0.reader()
    }
}

/// `sessiontrail_appends` without the tree (`NoTree`).
fn untreed_appends<'a>(root: &Path) -> Step<'a> {
    let dir = Session::new(root, "untreed");
    let store = NoTree(sessiontrail::FileStore::open(dir.path()).expect("open"));
    let log = EventLog::with_store(store, Options::new()).expect("open");
    appending(dir, log)
}

/// treeship-core 0.32 `EventLog::append` on one handle.
fn treeship_appends<'a>(root: &Path) -> Step<'a> {
    let dir = Session::new(root, "treeship");
    let log = ts::EventLog::open(dir.path()).expect("open");
    let mut e = ts_called_tool("ai_cc_1", 7);
    log.append(&mut e).expect("append");
    Box::new(move |n| {
        let _dir = &dir;
        for _ in 0..n {
            log.append(&mut e).expect("append");
        }
    })
}

/// The bare protocol, `batch` events per append (one line each).
fn bare_appends<'a>(root: &Path, batch: usize, sync: bool) -> Step<'a> {
    let dir = Session::new(root, "bare");
    let mut bare = Bare::open(dir.path());
    let mut events: Vec<SessionEvent> = (0..batch as u64)
        .map(|n| sl_called_tool("ai_cc_1", n))
        .collect();
    bare.append(&mut events, sync);
    Box::new(move |n| {
        let _dir = &dir;
        for _ in 0..n {
            bare.append(&mut events, sync);
        }
    })
}

/// No lock, no counter: serialize `batch` events and write them (then
/// fdatasync when `sync`).
fn bare_writes<'a>(root: &Path, batch: usize, sync: bool) -> Step<'a> {
    let dir = Session::new(root, "write");
    let bare = Bare::open(dir.path());
    let mut events: Vec<SessionEvent> = (0..batch as u64)
        .map(|n| sl_called_tool("ai_cc_1", n))
        .collect();
    let mut buf = Vec::new();
    let mut first = 0;
    Box::new(move |n| {
        let _dir = &dir;
        for _ in 0..n {
            sys::write(&bare.events, serialize(&mut events, first, &mut buf));
            if sync {
                sys::fdatasync(&bare.events);
            }
            first += batch as u64;
        }
    })
}

/// Two sessiontrail handles on one log taking turns, so every append follows
/// the other writer's and takes the path that checks the counter. Each call
/// is two appends.
fn sessiontrail_turns<'a>(root: &Path) -> Step<'a> {
    let dir = Session::new(root, "sessiontrail-turns");
    let logs = [
        EventLog::open(dir.path()).expect("open"),
        EventLog::open(dir.path()).expect("open"),
    ];
    let mut e = event();
    for log in &logs {
        log.append(&mut e).expect("append");
    }
    Box::new(move |n| {
        let _dir = &dir;
        for _ in 0..n {
            for log in &logs {
                log.append(&mut e).expect("append");
            }
        }
    })
}

/// The bare protocol with two writers taking turns: each sees the size
/// move and preads the 16-byte counter. Each call is two appends.
fn bare_turns<'a>(root: &Path) -> Step<'a> {
    let dir = Session::new(root, "bare-turns");
    let mut bares = [Bare::open(dir.path()), Bare::open(dir.path())];
    let mut e = [event()];
    for bare in &mut bares {
        bare.append(&mut e, false);
    }
    Box::new(move |n| {
        let _dir = &dir;
        for _ in 0..n {
            for bare in &mut bares {
                bare.append(&mut e, false);
            }
        }
    })
}

/// sessiontrail `append_batch` on one handle.
fn sessiontrail_batches<'a>(root: &Path) -> Step<'a> {
    let dir = Session::new(root, "sessiontrail-batch");
    let log = EventLog::open(dir.path()).expect("open");
    let mut events: Vec<SessionEvent> = (0..BATCH as u64)
        .map(|n| sl_called_tool("ai_cc_1", n))
        .collect();
    log.append_batch(&mut events).expect("append_batch");
    Box::new(move |n| {
        let _dir = &dir;
        for _ in 0..n {
            log.append_batch(&mut events).expect("append_batch");
        }
    })
}

/// The protocol's floor, written out by hand: the three files opened once,
/// then per append flock, fstat, (pread the counter if the size moved),
/// serialize, write, (fdatasync), 16-byte pwrite, unlock. Same files, same
/// format: sessiontrail's `check` accepts what it writes.
struct Bare {
    lock: File,
    events: File,
    counter: File,
    count: u64,
    size: u64,
    buf: Vec<u8>,
}

/// The lines of `events`, numbered from `first`. One event: `to_vec`, as a
/// plain program would. Several: into `buf`, reused from batch to batch, as
/// sessiontrail does, so the batch floor is as low as it can be.
fn serialize<'a>(events: &mut [SessionEvent], first: u64, buf: &'a mut Vec<u8>) -> &'a [u8] {
    if let [e] = events {
        e.sequence_no = first;
        *buf = serde_json::to_vec(e).expect("serialize");
        buf.push(b'\n');
        return buf;
    }
    buf.clear();
    for (i, e) in events.iter_mut().enumerate() {
        e.sequence_no = first + i as u64;
        serde_json::to_writer(&mut *buf, e).expect("serialize");
        buf.push(b'\n');
    }
    buf
}

impl Bare {
    fn open(dir: &Path) -> Bare {
        std::fs::create_dir_all(dir).expect("create dir");
        let open = |name: &str, append: bool| {
            let mut o = OpenOptions::new();
            o.read(true).create(true).mode(0o600);
            if append {
                o.append(true);
            } else {
                o.write(true);
            }
            o.open(dir.join(name)).expect("open")
        };
        Bare {
            lock: open("events.jsonl.lock", false),
            events: open("events.jsonl", true),
            counter: open("events.jsonl.count", false),
            count: 0,
            size: 0,
            buf: Vec::new(),
        }
    }

    /// One append of `events` (one line each) under one lock.
    fn append(&mut self, events: &mut [SessionEvent], sync: bool) {
        sys::flock(&self.lock, libc::LOCK_EX);
        let size = sys::fstat_size(&self.events);
        if size != self.size {
            let mut c = [0u8; 16];
            sys::pread(&self.counter, &mut c, 0);
            self.count = u64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
        }
        let bytes = serialize(events, self.count, &mut self.buf);
        sys::write(&self.events, bytes);
        if sync {
            sys::fdatasync(&self.events);
        }
        self.count += events.len() as u64;
        self.size = size + bytes.len() as u64;
        let mut c = [0u8; 16];
        c[..8].copy_from_slice(&self.count.to_le_bytes());
        c[8..].copy_from_slice(&self.size.to_le_bytes());
        sys::pwrite(&self.counter, &c, 0);
        sys::flock(&self.lock, libc::LOCK_UN);
    }
}

/// The only `unsafe` of the package: the system calls of the bare loops.
mod sys {
    use super::*;

    fn check(rc: libc::c_long, what: &str) {
        if rc < 0 {
            panic!("{what}: {}", std::io::Error::last_os_error());
        }
    }

    pub fn flock(f: &File, op: libc::c_int) {
        // SAFETY: a valid descriptor for the life of `f`.
        check(unsafe { libc::flock(f.as_raw_fd(), op) }.into(), "flock");
    }

    pub fn fstat_size(f: &File) -> u64 {
        // SAFETY: `st` is written by fstat before it is read; the descriptor
        // is valid for the life of `f`.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        check(
            unsafe { libc::fstat(f.as_raw_fd(), &mut st) }.into(),
            "fstat",
        );
        st.st_size as u64
    }

    pub fn write(f: &File, bytes: &[u8]) {
        // SAFETY: `bytes` is valid for reads of its length.
        let n = unsafe { libc::write(f.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        check(n as libc::c_long, "write");
        assert_eq!(n as usize, bytes.len(), "short write");
    }

    pub fn pwrite(f: &File, bytes: &[u8], offset: i64) {
        // SAFETY: as for write.
        let n = unsafe { libc::pwrite(f.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), offset) };
        check(n as libc::c_long, "pwrite");
    }

    pub fn pread(f: &File, bytes: &mut [u8], offset: i64) {
        // SAFETY: `bytes` is valid for writes of its length.
        let n = unsafe {
            libc::pread(
                f.as_raw_fd(),
                bytes.as_mut_ptr().cast(),
                bytes.len(),
                offset,
            )
        };
        check(n as libc::c_long, "pread");
    }

    pub fn syncfs(f: &File) {
        // SAFETY: a valid descriptor for the life of `f`.
        check(unsafe { libc::syncfs(f.as_raw_fd()) }.into(), "syncfs");
    }

    pub fn fdatasync(f: &File) {
        // SAFETY: a valid descriptor for the life of `f`.
        check(
            unsafe { libc::fdatasync(f.as_raw_fd()) }.into(),
            "fdatasync",
        );
    }
}

// ---------------------------------------------------------------------------
// The figures

/// One contender of an interleaved comparison.
struct Contender<'a> {
    name: &'a str,
    /// Calls per chunk: enough for a few milliseconds.
    chunk: u64,
    /// Events per call (1, or BATCH for batches).
    events_per_call: u64,
    /// Sets the contender up for a round (a fresh directory, files created).
    start: Box<dyn Fn() -> Step<'a> + 'a>,
}

fn contender<'a>(name: &'a str, chunk: u64, start: impl Fn() -> Step<'a> + 'a) -> Contender<'a> {
    Contender {
        name,
        chunk,
        events_per_call: 1,
        start: Box::new(start),
    }
}

/// `c`, each of whose calls appends `events` events (a batch, or a turn of
/// two writers).
fn per_call(events: u64, c: Contender<'_>) -> Contender<'_> {
    Contender {
        events_per_call: events,
        ..c
    }
}

/// Rounds of an interleaved comparison: in each round every contender is
/// set up afresh (under `root`), then they take turns, a chunk each, in
/// alternating order, until `round` has passed. A contender's rate for the
/// round is its events over its own time.
///
/// With `settle`, the file system is synced (syncfs, untimed) before each
/// chunk, so each chunk starts with no dirty pages and an fsync in one
/// contender (treeship-core renames a freshly fsynced counter on every
/// append) does not pay for the pages the others dirtied. Without it, the
/// fast loops run as they would in a program: writeback in the background.
fn interleaved(
    title: &str,
    root: &Path,
    s: &Sizes,
    round: Duration,
    settle: bool,
    contenders: &[Contender],
) -> Vec<Rates> {
    println!("## {title}");
    let settle = settle.then(|| File::open(root).expect("open the bench directory"));
    let mut rates: Vec<Rates> = contenders
        .iter()
        .map(|c| Rates {
            name: c.name.to_string(),
            per_round: Vec::new(),
        })
        .collect();
    for _ in 0..s.rounds {
        let mut steps: Vec<Step> = contenders.iter().map(|c| (c.start)()).collect();
        let mut events = vec![0u64; contenders.len()];
        let mut spent = vec![Duration::ZERO; contenders.len()];
        let begin = Instant::now();
        let mut pass = 0;
        while begin.elapsed() < round {
            let mut order: Vec<usize> = (0..contenders.len()).collect();
            if pass % 2 == 1 {
                order.reverse();
            }
            for i in order {
                if let Some(dir) = &settle {
                    sys::syncfs(dir);
                }
                let t = Instant::now();
                steps[i](contenders[i].chunk);
                spent[i] += t.elapsed();
                events[i] += contenders[i].chunk * contenders[i].events_per_call;
            }
            pass += 1;
        }
        drop(steps);
        for (i, r) in rates.iter_mut().enumerate() {
            r.per_round.push(events[i] as f64 / spent[i].as_secs_f64());
        }
    }
    print_rates(&rates);
    rates
}

fn single_process(report: &mut Report, root: &Path, s: &Sizes) {
    let rates = interleaved(
        "one process, default durability, against the floor (appends/s)",
        root,
        s,
        s.round,
        false,
        &[
            contender("sessiontrail append", 500, || {
                sessiontrail_appends(root, Durability::Buffered)
            }),
            contender("bare flock+fstat+write+pwrite+unlock", 500, || {
                bare_appends(root, 1, false)
            }),
            contender("bare write (no lock, no counter)", 2000, || {
                bare_writes(root, 1, false)
            }),
            contender("sessiontrail append without the tree", 500, || {
                untreed_appends(root)
            }),
        ],
    );
    report.rates("single_process", &rates);
    report.ratio(
        "sessiontrail / the same without the Merkle tree",
        &rates[0],
        &rates[3],
        Some(0.85),
    );
    report.ratio(
        "sessiontrail / bare protocol floor",
        &rates[0],
        &rates[1],
        Some(0.70),
    );
    report.ratio("sessiontrail / bare write", &rates[0], &rates[2], None);
    println!();

    let rates = interleaved(
        "one process, default durability, against treeship-core (appends/s; syncfs between chunks)",
        root,
        s,
        s.slow_round,
        true,
        &[
            contender("sessiontrail append", 500, || {
                sessiontrail_appends(root, Durability::Buffered)
            }),
            contender("treeship-core 0.32 append", 2, || treeship_appends(root)),
        ],
    );
    report.rates("single_process_treeship", &rates);
    report.ratio(
        "sessiontrail / treeship-core 0.32",
        &rates[0],
        &rates[1],
        Some(50.0),
    );
    println!();
}

fn durable(report: &mut Report, root: &Path, s: &Sizes) {
    let rates = interleaved(
        "one process, Durability::Sync (appends/s; syncfs between chunks)",
        root,
        s,
        s.slow_round,
        true,
        &[
            contender("sessiontrail append, Sync", 4, || {
                sessiontrail_appends(root, Durability::Sync)
            }),
            contender("bare write+fdatasync", 4, || bare_writes(root, 1, true)),
            contender("bare protocol floor + fdatasync", 4, || {
                bare_appends(root, 1, true)
            }),
        ],
    );
    report.rates("sync", &rates);
    report.ratio(
        "sessiontrail Sync / bare write+fdatasync",
        &rates[0],
        &rates[1],
        Some(0.80),
    );
    report.ratio(
        "sessiontrail Sync / bare floor+fdatasync",
        &rates[0],
        &rates[2],
        None,
    );
    println!();
}

fn taking_turns(report: &mut Report, root: &Path, s: &Sizes) {
    let rates = interleaved(
        "one process, two writers taking turns: every append follows the other's (appends/s)",
        root,
        s,
        s.round,
        false,
        &[
            per_call(
                2,
                contender("sessiontrail, two handles", 250, || {
                    sessiontrail_turns(root)
                }),
            ),
            per_call(
                2,
                contender("bare protocol floor, two writers", 250, || bare_turns(root)),
            ),
        ],
    );
    report.rates("taking_turns", &rates);
    report.ratio(
        "sessiontrail turns / bare floor turns",
        &rates[0],
        &rates[1],
        None,
    );
    println!();
}

fn batches(report: &mut Report, root: &Path, s: &Sizes) {
    let rates = interleaved(
        &format!("one process, batches of {BATCH} events (events/s)"),
        root,
        s,
        s.round,
        false,
        &[
            per_call(
                BATCH as u64,
                contender("sessiontrail append_batch", 20, || {
                    sessiontrail_batches(root)
                }),
            ),
            per_call(
                BATCH as u64,
                contender("bare protocol floor, one write per batch", 20, || {
                    bare_appends(root, BATCH, false)
                }),
            ),
            per_call(
                BATCH as u64,
                contender("bare write of the batch bytes", 20, || {
                    bare_writes(root, BATCH, false)
                }),
            ),
        ],
    );
    report.rates("batch", &rates);
    report.ratio(
        "sessiontrail batch / bare floor batch",
        &rates[0],
        &rates[1],
        None,
    );
    report.ratio(
        "sessiontrail batch / bare batch write",
        &rates[0],
        &rates[2],
        None,
    );
    println!();
}

/// `CHILDREN` processes of `kind` appending to one fresh directory for
/// `time`, released together. Returns the total appends per second (over
/// the span from the first child's start to the last child's end), how many
/// they appended, and sessiontrail's check of the result.
fn multi_run(root: &Path, kind: &str, time: Duration) -> (f64, u64, CheckReport) {
    let dir = Session::new(root, &format!("multi-{kind}"));
    let exe = std::env::current_exe().expect("own path");
    let outputs = run_together(
        (0..CHILDREN)
            .map(|i| {
                let mut c = Command::new(&exe);
                c.arg("--child")
                    .arg(kind)
                    .arg(dir.path())
                    .arg(time.as_millis().to_string())
                    .arg(format!("{kind}-{i}"));
                c
            })
            .collect(),
    );
    let reports: Vec<[u128; 3]> = outputs
        .iter()
        .map(|o| {
            let fields: Vec<u128> = String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(|t| t.parse().expect("a number"))
                .collect();
            fields.try_into().expect("start end count")
        })
        .collect();
    let start = reports.iter().map(|r| r[0]).min().expect("children");
    let end = reports.iter().map(|r| r[1]).max().expect("children");
    let total: u128 = reports.iter().map(|r| r[2]).sum();
    let check = EventLog::open(dir.path())
        .expect("open")
        .check()
        .expect("check");
    (
        total as f64 / ((end - start) as f64 / 1e9),
        total as u64,
        check,
    )
}

/// A child of `multi_run`: `KIND DIR MILLIS WHO`. Opens its log, waits for
/// the parent's go, appends for MILLIS, and prints its start and end (ns
/// since 1970) and how many events it appended.
fn child_main(args: &[String]) {
    let [kind, dir, millis, who] = args else {
        panic!("--child KIND DIR MILLIS WHO")
    };
    let dir = PathBuf::from(dir);
    let time = Duration::from_millis(millis.parse().expect("MILLIS"));
    let sl_log = EventLog::open(&dir).expect("open");
    let ts_log = ts::EventLog::open(&dir).expect("open");
    let mut bare = (kind == "bare").then(|| Bare::open(&dir));
    let mut sl_event = [sl_called_tool(who, 0)];
    let mut ts_event = ts_called_tool(who, 0);
    wait_for_go();
    let start = now_nanos();
    let begin = Instant::now();
    let mut n = 0;
    while begin.elapsed() < time {
        match kind.as_str() {
            "sessiontrail" => {
                sl_event[0].event_id = indexed_event_id(n);
                sl_log.append(&mut sl_event[0]).expect("append");
            }
            "treeship" => {
                ts_event.event_id = indexed_event_id(n);
                ts_log.append(&mut ts_event).expect("append");
            }
            "bare" => {
                sl_event[0].event_id = indexed_event_id(n);
                bare.as_mut().expect("opened").append(&mut sl_event, false);
            }
            other => panic!("unknown child kind {other}"),
        }
        n += 1;
    }
    println!("{start} {} {n}", now_nanos());
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos()
}

fn multi_process(report: &mut Report, root: &Path, s: &Sizes) {
    let title = format!("{CHILDREN} processes at once, one directory (total appends/s)");
    println!("## {title}");
    let kinds = ["sessiontrail", "bare", "treeship"];
    let names = [
        "sessiontrail, 4 processes",
        "bare protocol floor, 4 processes",
        "treeship-core 0.32, 4 processes",
    ];
    let mut rates: Vec<Rates> = names
        .iter()
        .map(|n| Rates {
            name: n.to_string(),
            per_round: Vec::new(),
        })
        .collect();
    let mut proofs: Vec<(&str, u64, CheckReport)> = Vec::new();
    for round in 0..s.multi_rounds {
        let mut order = [0, 1, 2];
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (rate, appended, check) = multi_run(root, kinds[i], s.multi_time);
            rates[i].per_round.push(rate);
            proofs.push((kinds[i], appended, check));
        }
    }
    print_rates(&rates);
    report.rates("multi_process", &rates);
    report.ratio(
        "sessiontrail 4 procs / treeship-core 4 procs",
        &rates[0],
        &rates[2],
        None,
    );
    report.ratio(
        "sessiontrail 4 procs / bare floor 4 procs",
        &rates[0],
        &rates[1],
        None,
    );

    // The proof: after every run, sessiontrail's check() read the log back.
    println!("proof (sessiontrail's check() of every run's log):");
    let mut all_ok = true;
    let mut json_runs = Vec::new();
    for kind in kinds {
        let runs: Vec<_> = proofs.iter().filter(|p| p.0 == kind).collect();
        let (mut events, mut appended, mut dups, mut missing, mut misplaced, mut torn) =
            (0, 0, 0, 0, 0, 0);
        let mut kind_ok = true;
        for (_, n, check) in &runs {
            let ok = check.is_ok()
                && check.events == *n
                && check.lines == *n
                && check.misplaced == 0
                && check.counter == CounterState::Consistent;
            kind_ok &= ok;
            events += check.events;
            appended += n;
            dups += check.duplicates.len();
            missing += check.missing_count;
            misplaced += check.misplaced;
            torn += check.torn_tail_bytes;
            // The report in its one JSON shape (npm's check(), check --json).
            let mut report = Vec::new();
            check.write_json(&mut report);
            let report: serde_json::Value =
                serde_json::from_slice(&report).expect("write_json writes JSON");
            json_runs.push(json!({"kind": kind, "appended": n, "ok": ok, "check": report}));
        }
        all_ok &= kind_ok;
        println!(
            "  {kind:<10} {} runs, {events} events read back of {appended} appended; duplicates {dups}, missing {missing}, misplaced {misplaced}, torn bytes {torn}: {}",
            runs.len(),
            if kind_ok {
                "every run numbered 0..n-1 in file order, counter consistent"
            } else {
                "DAMAGED"
            }
        );
    }
    println!();
    report.json["multi_process_proof"] = json!({"all_ok": all_ok, "runs": json_runs});
    report.checks.push((
        "4 processes: numbers unique and contiguous (check)".into(),
        all_ok,
    ));
}

/// Writes a log of `n` events straight to disk (no library, no counter):
/// the lines a long session would have left.
fn write_log(dir: &Path, n: u64) -> u64 {
    use std::io::Write;
    std::fs::create_dir_all(dir).expect("create dir");
    let file = File::create(dir.join("events.jsonl")).expect("create");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut e = event();
    for i in 0..n {
        e.sequence_no = i;
        serde_json::to_writer(&mut out, &e).expect("serialize");
        out.write_all(b"\n").expect("write");
    }
    // On disk before measuring, so its writeback does not land in a window.
    out.into_inner().expect("flush").sync_all().expect("sync");
    std::fs::metadata(dir.join("events.jsonl"))
        .expect("stat")
        .len()
}

/// Cuts a log back to its first `size` bytes and drops the counter, so each
/// round starts from the same log.
fn reset_log(dir: &Path, size: u64) {
    OpenOptions::new()
        .write(true)
        .open(dir.join("events.jsonl"))
        .and_then(|f| f.set_len(size))
        .expect("truncate");
    let _ = std::fs::remove_file(dir.join("events.jsonl.count"));
}

/// One log of the scaling comparison.
struct Sized<'a> {
    dir: &'a Path,
    size: u64,
    count: u64,
}

fn scaling(report: &mut Report, root: &Path, s: &Sizes) {
    println!(
        "## cost per append with {} vs {} events already in the log",
        thousands(SMALL as f64),
        thousands(s.big as f64)
    );
    let small_dir = Session::new(root, "scale-small");
    let big_dir = Session::new(root, "scale-big");
    let built = Instant::now();
    let logs = [
        Sized {
            dir: small_dir.path(),
            size: write_log(small_dir.path(), SMALL),
            count: SMALL,
        },
        Sized {
            dir: big_dir.path(),
            size: write_log(big_dir.path(), s.big),
            count: s.big,
        },
    ];
    println!(
        "built the logs by writing lines directly ({:.0} MB) in {:.1} s",
        logs[1].size as f64 / 1e6,
        built.elapsed().as_secs_f64()
    );
    // Per round and log: [first append µs, steady µs/append, hook µs/append].
    let mut samples: [Vec<[f64; 3]>; 2] = [Vec::new(), Vec::new()];
    let settle = File::open(root).expect("open the bench directory");
    for round in 0..s.scale_rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        sys::syncfs(&settle);
        // The first append on each: the counter is gone, so it recounts.
        let mut handles: Vec<Option<EventLog>> = vec![None, None];
        let mut firsts = [0.0; 2];
        for i in order {
            reset_log(logs[i].dir, logs[i].size);
            let log = EventLog::open(logs[i].dir).expect("open");
            let mut e = event();
            let t = Instant::now();
            log.append(&mut e).expect("append");
            firsts[i] = t.elapsed().as_secs_f64() * 1e6;
            assert_eq!(e.sequence_no, logs[i].count, "the first append follows on");
            handles[i] = Some(log);
        }
        // Then the steady state on each handle, interleaved in chunks; then
        // a fresh handle per append (a hook process), interleaved the same.
        let mut steady = [(0u64, Duration::ZERO); 2];
        let mut hook = [(0u64, Duration::ZERO); 2];
        let begin = Instant::now();
        let mut pass = 0;
        while begin.elapsed() < s.round {
            let order = if pass % 2 == 0 { [0, 1] } else { [1, 0] };
            for i in order {
                let log = handles[i].as_ref().expect("opened");
                let mut e = event();
                let t = Instant::now();
                for _ in 0..500 {
                    log.append(&mut e).expect("append");
                }
                steady[i].1 += t.elapsed();
                steady[i].0 += 500;
                let t = Instant::now();
                for _ in 0..20 {
                    EventLog::open(logs[i].dir)
                        .expect("open")
                        .append(&mut e)
                        .expect("append");
                }
                hook[i].1 += t.elapsed();
                hook[i].0 += 20;
            }
            pass += 1;
        }
        for i in 0..2 {
            let us = |(n, d): (u64, Duration)| d.as_secs_f64() * 1e6 / n as f64;
            samples[i].push([firsts[i], us(steady[i]), us(hook[i])]);
        }
    }

    let column = |i: usize, k: usize| samples[i].iter().map(|s| s[k]).collect::<Vec<f64>>();
    let paired = |k: usize| {
        let ratios: Vec<f64> = samples[1]
            .iter()
            .zip(&samples[0])
            .map(|(b, s)| b[k] / s[k])
            .collect();
        median(&ratios)
    };
    println!(
        "{:<44} {:>11} {:>11} {:>9}",
        "µs per append (median of rounds)",
        thousands(SMALL as f64),
        thousands(s.big as f64),
        "ratio"
    );
    let names = [
        "first append after the counter is lost",
        "steady state, one handle",
        "open + append per event (a hook process)",
    ];
    let mut rows = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let (a, b, r) = (median(&column(0, k)), median(&column(1, k)), paired(k));
        println!("{name:<44} {a:>11.2} {b:>11.2} {r:>8.2}x");
        rows.push(
            json!({"name": name, "small_us": column(0, k), "big_us": column(1, k),
            "small_median_us": a, "big_median_us": b, "ratio": r}),
        );
    }
    let steady = paired(1);
    let met = steady <= 1.2;
    println!(
        "target: steady state at {} events within 1.2x of 1k: {steady:.2}x, {}\n",
        thousands(s.big as f64),
        if met { "met" } else { "MISSED" }
    );
    report.json["scaling"] = json!({
        "small_events": SMALL, "big_events": s.big, "big_bytes": logs[1].size,
        "rows": rows, "steady_ratio": steady, "target_max": 1.2, "met": met,
    });
    report.checks.push((
        format!(
            "steady append at {} events <= 1.2x the cost at 1k: {steady:.2}x",
            thousands(s.big as f64)
        ),
        met,
    ));
}

// ---------------------------------------------------------------------------
// Reading a long session back

/// A small deterministic generator (xorshift64*), so every run reads the
/// same log and the bench needs no `rand`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(digits);
        s
    }

    fn digest(&mut self) -> String {
        format!("sha256:{}", self.hex(64))
    }
}

const FILES: [&str; 12] = [
    "src/log.rs",
    "src/native/lock.rs",
    "src/bin/sessiontrail/main.rs",
    "tests/interop.rs",
    "README.md",
    "Cargo.toml",
    "www/app.js",
    "pkg-template/types.d.ts",
    "docs/design/append-protocol.md",
    "scripts/build-pkg.sh",
    "services/billing/handlers/invoice_export.py",
    "web/src/components/SessionTimeline.tsx",
];

/// Paths and text with escapes and non-ASCII, as real sessions have a few.
const ODD_FILES: [&str; 4] = [
    "docs/Überblick — Architektur.md",
    "C:\\Users\\dev\\project\\src\\main.rs",
    "notes/\"draft\" plan.md",
    "assets/アイコン/✅ done.svg",
];

const NOTES: [&str; 4] = [
    "Tried \"cargo test --release\": 2 failures in tests/interop.rs\n→ the counter test expects 16 bytes; fixing that next.",
    "Stopped here: the user asked to keep the API unchanged.\tWill revisit the lock order tomorrow ✓",
    "Skipped the migration: «prod» is read-only from this host; 日本語のログも確認済み。",
    "Plan:\n1. read src/log.rs\n2. add the \\n escape case\n3. run clippy 🚀",
];

const SUMMARIES: [&str; 6] = [
    "Read the failing test before editing the reader; the error names the field.",
    "Use append_batch for the import: one lock and one write per 1,000 events.",
    "The user wants the CLI output unchanged, so the change stays in the library.",
    "Run the interop tests against treeship-core 0.32 before committing.",
    "Split the module: the schema table and the codec change for different reasons.",
    "Ask before deleting \"build/\": it may hold the user's release artifacts.",
];

/// The `n`th event of a realistic session: mostly tool calls, file reads and
/// writes, and model decisions (token counts, a float confidence), the other
/// types now and then, `meta` on one in ten, escapes and non-ASCII
/// text on about one in fifty. About 490 bytes a line on average (the run
/// prints it), from 380 to about 800.
fn session_event(rng: &mut Rng, n: u64, total: u64) -> SessionEvent {
    use sessiontrail::EventType as T;
    let odd = rng.below(50) == 0;
    let file = |rng: &mut Rng| {
        if odd {
            rng.pick(&ODD_FILES).to_string()
        } else {
            rng.pick(&FILES).to_string()
        }
    };
    let subagent = rng.below(4) == 0;
    let roll = rng.below(1000);
    let event_type = if n == 0 {
        T::SessionStarted
    } else if n + 1 == total {
        T::SessionClosed {
            summary: Some("Refactored the reader; all tests pass.".into()),
            duration_ms: Some(n * 137),
        }
    } else {
        match roll {
            0..=349 => T::AgentCalledTool {
                tool_name: rng
                    .pick(&[
                        "Bash", "Read", "Edit", "Grep", "Glob", "Write", "WebFetch", "Task",
                    ])
                    .into(),
                tool_input_digest: rng.chance(35).then(|| rng.digest()),
                tool_output_digest: rng.chance(10).then(|| rng.digest()),
                duration_ms: Some(rng.below(30_000)),
                // None keeps the generated sessions (and figures) as before.
                outcome: None,
            },
            350..=549 => T::AgentReadFile {
                file_path: file(rng),
                digest: rng.chance(40).then(|| rng.digest()),
            },
            550..=699 => T::AgentWroteFile {
                file_path: file(rng),
                digest: rng.chance(50).then(|| rng.digest()),
                operation: Some(
                    rng.pick(&["modified", "modified", "created", "deleted"])
                        .into(),
                ),
                additions: Some(rng.below(200) as u32),
                deletions: rng.chance(80).then(|| rng.below(120) as u32),
            },
            700..=869 => T::AgentDecision {
                model: Some(
                    rng.pick(&["claude-sonnet-4-5", "claude-opus-4-1", "gpt-5"])
                        .into(),
                ),
                tokens_in: Some(2_000 + rng.below(180_000)),
                tokens_out: Some(50 + rng.below(4_000)),
                provider: Some(
                    rng.pick(&["anthropic", "anthropic", "openai", "bedrock"])
                        .into(),
                ),
                summary: if odd {
                    Some(rng.pick(&NOTES).into())
                } else {
                    rng.chance(40).then(|| rng.pick(&SUMMARIES).into())
                },
                confidence: Some(rng.below(1000) as f64 / 1000.0),
            },
            870..=899 => T::AgentStartedProcess {
                process_name: rng.pick(&["cargo", "npm", "pytest", "git"]).into(),
                pid: Some(1_000 + rng.below(60_000) as u32),
                command: Some(
                    rng.pick(&[
                        "cargo test --release --test interop",
                        "npm test -- --runInBand",
                        "pytest -q tests/test_export.py",
                        "git status --porcelain",
                    ])
                    .into(),
                ),
            },
            900..=929 => T::AgentCompletedProcess {
                process_name: rng.pick(&["cargo", "npm", "pytest", "git"]).into(),
                exit_code: Some(if rng.below(5) == 0 { 1 } else { 0 }),
                duration_ms: Some(rng.below(120_000)),
                command: Some("cargo clippy --all-targets -- -D warnings".into()),
            },
            930..=954 => T::AgentNote {
                text: Some(if odd {
                    rng.pick(&NOTES).into()
                } else {
                    rng.pick(&SUMMARIES).into()
                }),
            },
            955..=964 => T::AgentConnectedNetwork {
                destination: rng
                    .pick(&["api.github.com", "registry.npmjs.org", "crates.io"])
                    .into(),
                port: Some(443),
            },
            965..=967 => T::AgentOpenedPort {
                port: 3000 + rng.below(6000) as u16,
                protocol: Some("tcp".into()),
            },
            968..=973 => T::AgentSpawned {
                spawned_by_agent_instance_id: "ai_cc_1".into(),
                reason: Some("explore the test suite in parallel".into()),
            },
            974..=977 => T::AgentStarted {
                parent_agent_instance_id: Some("ai_cc_1".into()),
            },
            978..=981 => T::AgentCompleted {
                termination_reason: Some("task_complete".into()),
            },
            982..=984 => T::AgentReturned {
                returned_to_agent_instance_id: "ai_cc_1".into(),
            },
            985..=987 => T::AgentHandoff {
                from_agent_instance_id: "ai_cc_1".into(),
                to_agent_instance_id: format!("ai_cc_{}", 2 + rng.below(3)),
                artifacts: vec!["plan.md".into(), "src/log.rs".into()],
            },
            988..=990 => T::AgentCollaborated {
                collaborator_agent_instance_ids: vec!["ai_cc_2".into(), "ai_cc_3".into()],
            },
            991..=993 => T::AgentFailed {
                reason: Some("tool timed out after 120 s".into()),
            },
            _ => T::AgentCalledTool {
                tool_name: "mcp__github__create_pull_request".into(),
                tool_input_digest: Some(rng.digest()),
                tool_output_digest: None,
                duration_ms: Some(rng.below(5_000)),
                outcome: None,
            },
        }
    };
    let meta = (rng.below(10) == 0).then(|| match &event_type {
        T::AgentDecision { .. } => json!({
            "cache_read_tokens": rng.below(100_000),
            "stop_reason": "tool_use",
            "temperature": 0.2,
        }),
        _ => json!({
            "hook_event": "PostToolUse",
            "tool_use_id": format!("toolu_01{}", rng.hex(22)),
            "cwd": if odd { "/home/dév/projets/démo" } else { "/home/dev/acme-api" },
            "permission_mode": "default",
            "tags": ["ci", "refactor"],
            "ok": true,
        }),
    });
    let ms = n * 137;
    SessionEvent {
        session_id: "ssn_01JDQ4ZK7W9V3M5T8R".into(),
        event_id: format!("evt_{}", rng.hex(16)),
        timestamp: format!(
            "2026-11-26T{:02}:{:02}:{:02}.{:03}Z",
            3 + ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        ),
        sequence_no: 0,
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
        span_id: rng.hex(16),
        parent_span_id: rng.chance(50).then(|| rng.hex(16)),
        agent_id: "agent://claude-code".into(),
        agent_instance_id: if subagent {
            format!("ai_cc_{}", 2 + n % 3)
        } else {
            "ai_cc_1".into()
        },
        agent_name: "claude-code".into(),
        agent_role: subagent.then(|| "subagent".into()),
        host_id: "host_7c2e91".into(),
        tool_runtime_id: (matches!(event_type, T::AgentCalledTool { .. }) && rng.chance(20))
            .then(|| "rt_mcp_github_0.6.2".into()),
        event_type,
        artifact_ref: None,
        meta,
    }
}

/// Writes the session through sessiontrail (`append_batch`, 1,000 events a
/// call, as an import would) and syncs it, so no writeback lands in a
/// timed read. Returns the events as written (numbered) and the file size.
fn write_session(dir: &Path, n: u64) -> (Vec<SessionEvent>, u64) {
    let mut rng = Rng(0x5e55_1017_0000_0001);
    let mut events: Vec<SessionEvent> = (0..n).map(|i| session_event(&mut rng, i, n)).collect();
    let log = EventLog::open(dir).expect("open");
    for chunk in events.chunks_mut(1_000) {
        log.append_batch(chunk).expect("append_batch");
    }
    let path = dir.join("events.jsonl");
    File::open(&path)
        .and_then(|f| f.sync_all())
        .expect("sync the log");
    (events, std::fs::metadata(&path).expect("stat").len())
}

/// `EventLog::verify` of the big log (every line hashed and compared with
/// its leaf): MB/s of events.jsonl, median of 3 (issue 22: at least 200
/// MB/s at 1,000,000 events).
fn verifying(report: &mut Report, root: &Path, s: &Sizes) {
    let n = s.big;
    let dir = Session::new(root, "verify");
    let (_, bytes) = write_session(dir.path(), n);
    let mut rates = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let r = EventLog::open(dir.path())
            .expect("open")
            .verify()
            .expect("verify");
        let secs = t.elapsed().as_secs_f64();
        assert!(r.is_ok() && r.lines == n, "verify of the bench log: {r}");
        rates.push(bytes as f64 / 1e6 / secs);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "## verify of a {}-event session ({:.1} MB): {:.0} MB/s median of 3 ({:.0}-{:.0}); target >= 200 MB/s: {}\n",
        thousands(n as f64),
        bytes as f64 / 1e6,
        rates[1],
        rates[0],
        rates[2],
        if rates[1] >= 200.0 { "met" } else { "MISSED" }
    );
    report.json["verify"] = json!({"events": n, "bytes": bytes, "mb_per_s": rates});
}

fn reading(report: &mut Report, root: &Path, s: &Sizes) {
    let n = s.read_events;
    println!(
        "## read_all of a {}-event session (events/s, open + read_all, one call per round)",
        thousands(n as f64)
    );
    let dir = Session::new(root, "read");
    let built = Instant::now();
    let (written, bytes) = write_session(dir.path(), n);
    let mut types = std::collections::BTreeMap::<&str, u64>::new();
    for e in &written {
        *types.entry(e.event_type.name()).or_default() += 1;
    }
    println!(
        "wrote it with append_batch: {:.1} MB, {:.0} bytes a line on average, {} event types, in {:.1} s",
        bytes as f64 / 1e6,
        bytes as f64 / n as f64,
        types.len(),
        built.elapsed().as_secs_f64()
    );

    let sl_read = || {
        EventLog::open(dir.path())
            .expect("open")
            .read_all()
            .expect("sessiontrail read_all")
    };
    let ts_read = || {
        ts::EventLog::open(dir.path())
            .expect("open")
            .read_all()
            .expect("treeship-core read_all")
    };

    // The proof, untimed (and a warm-up): both read every event, and the
    // same events, as written.
    let (sl_events, ts_events) = (sl_read(), ts_read());
    assert_eq!(sl_events.len() as u64, n, "sessiontrail read every event");
    assert_eq!(ts_events.len() as u64, n, "treeship-core read every event");
    assert!(sl_events == written, "sessiontrail read what it wrote");
    for (i, (sl, ts)) in sl_events.iter().zip(&ts_events).enumerate() {
        let (sl, ts) = (
            serde_json::to_string(sl).expect("serialize"),
            serde_json::to_string(ts).expect("serialize"),
        );
        assert!(
            sl == ts,
            "the two read event {i} differently:\nsessiontrail:    {sl}\ntreeship-core: {ts}"
        );
    }
    drop((sl_events, ts_events));
    println!(
        "proof: both read {} events, equal as JSON, equal to those written",
        thousands(n as f64)
    );

    // One read per contender per round, in alternating order; the result is
    // dropped outside the timed part (freeing it is not reading it).
    let mut rates = [
        Rates {
            name: "sessiontrail EventLog::read_all".into(),
            per_round: Vec::new(),
        },
        Rates {
            name: "treeship-core 0.32 EventLog::read_all".into(),
            per_round: Vec::new(),
        },
    ];
    for round in 0..s.read_rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let t = Instant::now();
            // The tuple is made before the events are dropped.
            let (len, elapsed) = if i == 0 {
                let events = sl_read();
                (events.len(), t.elapsed())
            } else {
                let events = ts_read();
                (events.len(), t.elapsed())
            };
            assert_eq!(len as u64, n, "{} read every event", rates[i].name);
            rates[i].per_round.push(n as f64 / elapsed.as_secs_f64());
        }
    }
    print_rates(&rates);
    report.rates("read_all", &rates);
    report.ratio(
        "sessiontrail read_all / treeship-core read_all",
        &rates[0],
        &rates[1],
        Some(1.5),
    );
    println!();
    report.json["read_all_log"] = json!({
        "events": n, "bytes": bytes, "mean_line_bytes": bytes as f64 / n as f64,
        "types": types, "rounds": s.read_rounds, "equal": true,
    });
}

// ---------------------------------------------------------------------------
// Rates, medians, the table and the JSON

/// A contender's rates, one per round.
struct Rates {
    name: String,
    per_round: Vec<f64>,
}

fn print_rates(rates: &[Rates]) {
    println!("{:<44} {:>11} {:>11}  per round", "", "median", "best");
    for r in rates {
        let rounds: Vec<String> = r.per_round.iter().map(|v| thousands(*v)).collect();
        println!(
            "{:<44} {:>11} {:>11}  {}",
            r.name,
            thousands(median(&r.per_round)),
            thousands(best(&r.per_round)),
            rounds.join(" ")
        );
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn best(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// 1234567.8 as "1,234,568".
fn thousands(v: f64) -> String {
    let digits = format!("{v:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

struct Report {
    json: Value,
    /// (name, median ratio, least acceptable value)
    ratios: Vec<(String, f64, Option<f64>)>,
    /// Pass/fail figures that are not ratios.
    checks: Vec<(String, bool)>,
}

impl Report {
    fn new(dir: &Path) -> Report {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let fs = Command::new("df")
            .arg("--output=fstype")
            .arg(dir)
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.lines().nth(1).map(|l| l.trim().to_string()))
            .unwrap_or_else(|| "unknown".into());
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let git = |args: &[&str]| {
            Command::new("git")
                .arg("-C")
                .arg(env!("CARGO_MANIFEST_DIR"))
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
        let dirty = git(&[
            "status",
            "--porcelain",
            "--",
            "../../src",
            "../../Cargo.toml",
        ])
        .is_some_and(|s| !s.is_empty());
        let source = format!(
            "{commit}{}",
            if dirty {
                " + uncommitted changes in src/"
            } else {
                ""
            }
        );
        Report {
            json: json!({
                "sessiontrail_source": source,
                "machine": {"cores": cores, "cpu": cpu, "kernel": kernel, "filesystem": fs,
                    "bench_dir": dir.display().to_string()},
                "line_bytes": line_len(),
                "command": "cargo run --release --manifest-path tests/treeship-compat/Cargo.toml --bin bench",
                "ratios": [],
            }),
            ratios: Vec::new(),
            checks: Vec::new(),
        }
    }

    fn machine_line(&self) -> String {
        let m = &self.json["machine"];
        format!(
            "machine: {} cores ({}), kernel {}; logs under {} ({})",
            m["cores"],
            m["cpu"].as_str().unwrap_or("?"),
            m["kernel"].as_str().unwrap_or("?"),
            m["bench_dir"].as_str().unwrap_or("?"),
            m["filesystem"].as_str().unwrap_or("?"),
        ) + &format!(
            "\nsessiontrail source: {}",
            self.json["sessiontrail_source"].as_str().unwrap_or("?")
        )
    }

    fn rates(&mut self, section: &str, rates: &[Rates]) {
        self.json[section] = rates
            .iter()
            .map(|r| {
                json!({"name": r.name, "per_round": r.per_round,
                    "median": median(&r.per_round), "best": best(&r.per_round)})
            })
            .collect();
    }

    /// The median over rounds of `a / b` (each round's pair ran back to
    /// back); `target` is the least acceptable value.
    fn ratio(&mut self, name: &str, a: &Rates, b: &Rates, target: Option<f64>) {
        let per_round: Vec<f64> = a
            .per_round
            .iter()
            .zip(&b.per_round)
            .map(|(x, y)| x / y)
            .collect();
        let value = median(&per_round);
        println!("ratio {name}: {value:.2}{}", verdict(value, target));
        self.ratios.push((name.to_string(), value, target));
        if let Some(list) = self.json["ratios"].as_array_mut() {
            list.push(
                json!({"name": name, "per_round": per_round, "median": value,
                "target_min": target, "met": target.map(|t| value >= t)}),
            );
        }
    }

    fn finish(&mut self, elapsed: Duration) {
        println!("## summary");
        println!(
            "{:<46} {:>8}",
            "ratio (median of per-round ratios)", "value"
        );
        for (name, value, target) in &self.ratios {
            println!("{name:<46} {value:>8.2}{}", verdict(*value, *target));
        }
        for (name, ok) in &self.checks {
            println!("{name}: {}", if *ok { "met" } else { "MISSED" });
        }
        println!("whole run: {:.0} s", elapsed.as_secs_f64());
        self.json["checks"] = self
            .checks
            .iter()
            .map(|(n, ok)| json!({"name": n, "met": ok}))
            .collect();
        self.json["elapsed_s"] = json!(elapsed.as_secs_f64());
    }
}

fn verdict(value: f64, target: Option<f64>) -> String {
    match target {
        Some(t) if value >= t => format!("  (target >= {t}: met)"),
        Some(t) => format!("  (target >= {t}: MISSED)"),
        None => String::new(),
    }
}
