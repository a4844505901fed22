//! Crash safety: writers killed with SIGKILL at random moments lose nothing
//! they acknowledged and leave nothing the next writer cannot repair.
//!
//! Each round starts four child processes (this test binary re-executed;
//! the child test `crash_child` does the work when its env vars are set and
//! returns at once otherwise). A child appends in a loop and, after each
//! append returns Ok, prints `ACK <event_id> <sequence_no>` on stdout,
//! flushed, so the parent knows exactly what was acknowledged. The parent
//! kills every child with `Child::kill` (SIGKILL: no destructor, no unlock,
//! no flush) a random few milliseconds after its first acknowledgement.
//! Nothing runs between rounds to tidy up: the next round's writers cope.
//!
//! The four kinds of child, so kills land in every part of an append:
//! - `small`: one small event per append; kills land anywhere.
//! - `batch`: 1-4 events per append in one write; a cut write can leave
//!   whole lines of an unacknowledged batch followed by a torn one.
//! - `big`: once due, events with 256-512 KiB of `meta`, so the write
//!   itself takes a while. Killed at random moments such a child mostly
//!   dies while serializing (in a debug build the write is a few percent of
//!   an append), so it announces each big write on stdout just before
//!   making it, and the parent kills it on that announcement, racing the
//!   write the kernel is copying.
//! - `chunked`: once due, its store writes each append in two pieces with a
//!   pause between (a legitimate `Store`: a JS host may write in pieces)
//!   and announces the pause; it is killed there, so a torn tail is left
//!   behind in most rounds whatever the machine's load.
//!
//! The last two write one small event, then wait until the parent says (on
//! their stdin) that they are due. Appending all round would make the log
//! large, and every open and repair after a crash recounts it (a debug
//! build counts ~75 MB/s); for the same reason the rounds are spread over
//! a few logs rather than all spent on one.
//!
//! At the end one more append repairs whatever the last kill left, and then
//! the log must be whole: every line an event, numbers unique and
//! contiguous, no torn tail, and every acknowledged event present exactly
//! once under the number it was acknowledged with.
//!
//! Kill delays come from a xorshift generator seeded from the clock; the
//! seed is printed (libtest shows it when the test fails) and
//! `SESSIONTRAIL_CRASH_SEED=<n>` replays the same choices (process timing
//! still varies).
// Native: other processes and real files.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{after_marker, assert_numbered_in_order, child_test, note, TempDir};
use sessiontrail::{
    Counter, EventLog, EventLogError, FileStore, LockWait, Options, Store, TORN_FILE,
};

/// Logs, each crashed for `ROUNDS` rounds and then checked.
const LOGS: usize = 3;
const ROUNDS: usize = 10;
const KINDS: [&str; 4] = ["small", "batch", "big", "chunked"];
/// A child is due this long (at most) after its first acknowledgement.
const MAX_KILL_DELAY_MS: u64 = 50;
/// How long a `chunked` child waits between the two pieces of a write.
const CHUNK_PAUSE: Duration = Duration::from_millis(10);
/// What a child prints where the parent should kill it once it is due.
const KILL_POINT: &str = "KILLPOINT";

const ENV_DIR: &str = "SESSIONTRAIL_CRASH_DIR";
const ENV_KIND: &str = "SESSIONTRAIL_CRASH_KIND";
const ENV_CHILD_SEED: &str = "SESSIONTRAIL_CRASH_CHILD_SEED";

/// xorshift64*: tiny, deterministic, good enough to pick kill moments.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Set in a `big` or `chunked` child when the parent says it is due.
static DUE: AtomicBool = AtomicBool::new(false);

/// Prints the kill point marker, flushed, so the parent sees it now.
fn announce() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{KILL_POINT}").and_then(|()| out.flush());
}

/// How a due child's store writes: announcing the write first, or in two
/// pieces with the pause between them announced.
#[derive(Clone, Copy, PartialEq)]
enum Writes {
    Announced,
    Chunked,
}

/// The file store, writing as `Writes` says once the child is due (as the
/// file store does before); everything else passes straight through.
struct ChildStore(FileStore, Writes);

impl Store for ChildStore {
    type Reader = <FileStore as Store>::Reader;
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
        if !DUE.load(Ordering::SeqCst) {
            return self.0.append(bytes);
        }
        match self.1 {
            Writes::Announced => {
                announce();
                self.0.append(bytes)
            }
            Writes::Chunked => {
                let (head, tail) = bytes.split_at(bytes.len() / 2);
                self.0.append(head)?;
                announce();
                std::thread::sleep(CHUNK_PAUSE);
                self.0.append(tail)
            }
        }
    }
    fn truncate(&mut self, len: u64) -> Result<(), EventLogError> {
        self.0.truncate(len)
    }
    fn sync(&mut self) -> Result<(), EventLogError> {
        self.0.sync()
    }
    fn lock(&mut self, wait: LockWait) -> Result<(), EventLogError> {
        self.0.lock(wait)
    }
    fn unlock(&mut self) {
        self.0.unlock()
    }
    fn load_counter(&mut self) -> Option<Counter> {
        self.0.load_counter()
    }
    fn save_counter(&mut self, counter: Counter) -> Result<(), EventLogError> {
        self.0.save_counter(counter)
    }
    fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.0.save_torn(bytes)
    }
    fn reader(&mut self) -> Result<Option<Self::Reader>, EventLogError> {
        self.0.reader()
    }
}

/// Not a test on its own: the body of each child process. Appends until
/// killed, acknowledging each event on stdout after `append` returns Ok.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(ENV_DIR) else {
        return;
    };
    let kind = std::env::var(ENV_KIND).unwrap();
    let seed: u64 = std::env::var(ENV_CHILD_SEED).unwrap().parse().unwrap();
    let mut rng = Rng::new(seed);
    let dir = Path::new(&dir);
    if kind == "big" || kind == "chunked" {
        // The parent writes a line when this child is due. The end of stdin
        // means the parent is gone: stop rather than wait forever.
        std::thread::spawn(|| loop {
            let mut line = String::new();
            match std::io::stdin().read_line(&mut line) {
                Ok(0) | Err(_) => std::process::exit(0),
                Ok(_) => DUE.store(true, Ordering::SeqCst),
            }
        });
    }
    match kind.as_str() {
        // The ordinary way in, for the children that need nothing special.
        "small" | "batch" => append_until_killed(&EventLog::open(dir).unwrap(), &kind, &mut rng),
        "big" | "chunked" => {
            let writes = if kind == "big" {
                Writes::Announced
            } else {
                Writes::Chunked
            };
            let store = ChildStore(FileStore::open(dir).unwrap(), writes);
            let log = EventLog::with_store(store, Options::default()).unwrap();
            append_until_killed(&log, &kind, &mut rng);
        }
        other => panic!("unknown kind {other}"),
    }
}

fn append_until_killed<S: Store>(log: &EventLog<S>, kind: &str, rng: &mut Rng) {
    let tag = format!("{kind}-{}", std::process::id());
    // Bounded so a child whose parent died cannot run forever; writing the
    // acks to a closed pipe also ends it.
    for n in 0..1_000_000u64 {
        // A child killed at a kill point proves it runs with one event, then
        // waits to be due: appending all round would only grow the log.
        if n == 1 && (kind == "big" || kind == "chunked") {
            while !DUE.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let blob = match kind {
            "big" if DUE.load(Ordering::SeqCst) => 256 * 1024 + rng.below(256 * 1024) as usize,
            _ => 0,
        };
        let count = if kind == "batch" { 1 + rng.below(4) } else { 1 };
        let mut events: Vec<_> = (0..count)
            .map(|i| {
                let mut e = note("sess_crash", &format!("{tag} #{n}.{i}"));
                e.agent_instance_id = tag.clone();
                if blob > 0 {
                    e.meta = Some(serde_json::json!({ "blob": "z".repeat(blob) }));
                }
                e
            })
            .collect();
        let result = log.append_batch(&mut events);
        let mut text = String::new();
        match &result {
            Ok(()) => {
                for e in &events {
                    text.push_str(&format!("ACK {} {}\n", e.event_id, e.sequence_no));
                }
            }
            Err(e) => text.push_str(&format!("ERR {e}\n")),
        }
        // One write per append, flushed before the next append starts: an
        // ack printed is an append that returned Ok.
        let mut out = std::io::stdout().lock();
        if out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
            || result.is_err()
        {
            return;
        }
    }
}

/// What the parent collects from one child's stdout.
#[derive(Default)]
struct Output {
    acks: Vec<(String, u64)>,
    errors: Vec<String>,
    /// Whether the child was killed at its kill point.
    killed_at_point: bool,
}

/// Kills and reaps the child when dropped, so a failing assertion does not
/// leave children appending after the test.
struct KillOnDrop(Arc<Mutex<Child>>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let mut child = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

struct Running {
    kind: &'static str,
    child: Arc<Mutex<Child>>,
    _guard: KillOnDrop,
    stdin: ChildStdin,
    /// Set once the child is due: its stdout thread kills it at its next
    /// kill point.
    due: Arc<AtomicBool>,
    stdout: JoinHandle<Output>,
    stderr: JoinHandle<String>,
}

/// Starts one child. Its stdout is read on a thread (so a full pipe never
/// stalls it) that collects acks, kills the child at a kill point once it
/// is due, and sends `index` on `first` at the first ack (or at the end of
/// the output, if none came).
fn start(
    dir: &Path,
    kind: &'static str,
    seed: u64,
    index: usize,
    first: mpsc::Sender<usize>,
) -> Running {
    let mut child = child_test("crash_child")
        .env(ENV_DIR, dir)
        .env(ENV_KIND, kind)
        .env(ENV_CHILD_SEED, seed.to_string())
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let child = Arc::new(Mutex::new(child));
    let due = Arc::new(AtomicBool::new(false));

    let (to_kill, is_due) = (Arc::clone(&child), Arc::clone(&due));
    let stdout = std::thread::spawn(move || {
        let mut output = Output::default();
        let mut signalled = false;
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            // A line cut by the kill has no `\n`. (Pipe writes this small
            // are atomic, so this does not happen, but it would ack nothing.)
            if line.last() != Some(&b'\n') {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            if text.contains(KILL_POINT) {
                if is_due.load(Ordering::SeqCst) && !output.killed_at_point {
                    let _ = to_kill.lock().unwrap().kill();
                    output.killed_at_point = true;
                }
            } else if let Some(rest) = after_marker(&text, "ACK ") {
                let mut parts = rest.split_whitespace();
                let id = parts.next().expect("ack id").to_string();
                let seq = parts.next().expect("ack seq").parse().expect("ack seq");
                output.acks.push((id, seq));
                if !signalled {
                    signalled = true;
                    let _ = first.send(index);
                }
            } else if let Some(rest) = after_marker(&text, "ERR ") {
                output.errors.push(rest.trim_end().to_string());
            }
        }
        if !signalled {
            let _ = first.send(index);
        }
        output
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    Running {
        kind,
        _guard: KillOnDrop(Arc::clone(&child)),
        child,
        stdin,
        due,
        stdout,
        stderr,
    }
}

/// Waits for a child that should die at its kill point soon; kills it
/// wherever it is if it does not (a backstop, e.g. a child stuck behind
/// a slow recount). Reaching it is not a failure, only a lost tear.
fn reap(child: &Mutex<Child>) -> ExitStatus {
    let give_up = Instant::now() + Duration::from_secs(2);
    loop {
        if let Some(status) = child.lock().unwrap().try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= give_up {
            let mut child = child.lock().unwrap();
            let _ = child.kill();
            return child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Tallies over all rounds, printed at the end.
#[derive(Default)]
struct Tally {
    acks: Vec<(String, u64)>,
    killed_at_point: usize,
}

/// One round: start a child of each kind, wait until each has acknowledged
/// something (so the kill lands while it appends, however slowly the
/// machine starts processes), then kill each at a random moment.
fn round(dir: &Path, rng: &mut Rng, seed: u64, tally: &mut Tally) {
    let (first_tx, first_rx) = mpsc::channel();
    let mut running: Vec<Running> = KINDS
        .iter()
        .enumerate()
        .map(|(i, &kind)| start(dir, kind, rng.next(), i, first_tx.clone()))
        .collect();
    drop(first_tx);

    // Each child is due a random delay after its first ack.
    let mut due: Vec<(Instant, usize)> = Vec::new();
    while due.len() < running.len() {
        let i = first_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("seed {seed}: a child never acknowledged an append"));
        let delay = Duration::from_millis(rng.below(MAX_KILL_DELAY_MS + 1));
        due.push((Instant::now() + delay, i));
    }
    // Children killed at a kill point go last: with the others dead a CPU
    // is free to deliver the kill the moment the point is announced.
    let at_point = |kind: &str| kind == "big" || kind == "chunked";
    due.sort_by_key(|&(at, i)| (at_point(running[i].kind), at));
    for (at, i) in due {
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        if at_point(running[i].kind) {
            // Armed first, then told: its next kill point is the one.
            running[i].due.store(true, Ordering::SeqCst);
            let _ = running[i].stdin.write_all(b"due\n");
        } else {
            // Killing a child that already exited (it should not) is
            // harmless; its output is checked below.
            let _ = running[i].child.lock().unwrap().kill();
        }
    }

    for r in running {
        let status = reap(&r.child);
        let output = r.stdout.join().unwrap();
        let stderr = r.stderr.join().unwrap();
        let kind = r.kind;
        assert!(
            output.errors.is_empty(),
            "seed {seed}: {kind} child reported {:?}\n{stderr}",
            output.errors
        );
        assert!(
            !output.acks.is_empty(),
            "seed {seed}: {kind} child ({status}) acknowledged nothing\n{stderr}"
        );
        tally.acks.extend(output.acks);
        tally.killed_at_point += usize::from(output.killed_at_point);
    }
}

fn seed() -> u64 {
    if let Ok(s) = std::env::var("SESSIONTRAIL_CRASH_SEED") {
        return s.parse().expect("SESSIONTRAIL_CRASH_SEED is a u64");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    now.as_nanos() as u64 ^ u64::from(std::process::id()) << 32
}

#[test]
fn killed_writers_lose_nothing_acknowledged() {
    let seed = seed();
    // Printed first so libtest shows it with any failure below.
    println!("crash seed: {seed} (replay with SESSIONTRAIL_CRASH_SEED={seed})");
    let mut rng = Rng::new(seed);
    for _ in 0..LOGS {
        crash_and_check(&mut rng, seed);
    }
}

/// Runs the rounds on a fresh log, repairs it with one append, and checks
/// that everything acknowledged survived.
fn crash_and_check(rng: &mut Rng, seed: u64) {
    let tmp = TempDir::new("crash");
    let dir = tmp.session();

    let mut tally = Tally::default();
    for _ in 0..ROUNDS {
        round(&dir, rng, seed, &mut tally);
    }
    let log = EventLog::open(&dir).unwrap();
    println!(
        "after {ROUNDS} rounds, before repair:\n{}",
        log.check().unwrap()
    );

    // One more append repairs whatever the last kill left.
    let mut last = note("sess_crash", "after the crashes");
    log.append(&mut last).unwrap();

    let report = log.check().unwrap();
    assert_eq!(report.skipped, 0, "seed {seed}: unreadable lines\n{report}");
    assert_eq!(report.torn_tail_bytes, 0, "seed {seed}\n{report}");
    assert!(report.duplicates.is_empty(), "seed {seed}\n{report}");
    assert_eq!(report.missing_count, 0, "seed {seed}\n{report}");
    assert_eq!(report.misplaced, 0, "seed {seed}\n{report}");
    assert!(report.is_ok(), "seed {seed}\n{report}");

    let events = log.read_all().unwrap();
    assert_numbered_in_order(&events);
    assert_eq!(events.len() as u64, report.lines);
    assert_eq!(last.sequence_no, report.lines - 1);

    // Every acknowledged event is there exactly once, under its number.
    let mut found: HashMap<&str, Vec<u64>> = HashMap::new();
    for e in &events {
        found.entry(&e.event_id).or_default().push(e.sequence_no);
    }
    for (id, seq) in &tally.acks {
        assert_eq!(
            found.get(id.as_str()).map(Vec::as_slice),
            Some(&[*seq][..]),
            "seed {seed}: acknowledged {id} as {seq}"
        );
    }

    // How many tails the writers repaired (one torn-sidecar line each), so
    // a run shows the kills did cut writes. Not asserted: where a kill lands
    // is up to the scheduler.
    let repairs = std::fs::read(dir.join(TORN_FILE))
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0);
    println!(
        "{} acknowledged of {} events; {} kills at a kill point; {repairs} torn tails repaired",
        tally.acks.len(),
        events.len(),
        tally.killed_at_point
    );
}
