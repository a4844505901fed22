//! Many real processes appending to one session directory at once.
//!
//! The reason the lock exists: hooks fire as separate processes, each
//! opening the log, and before the lock they took the same number. Threads
//! in one process share less than processes do (the kernel's view of one
//! file description, the allocator, the exit path), so this test runs real
//! processes: the test binary re-executes itself, and the child test
//! `appender_child` does the appending when its env vars are set (without
//! them, as in a plain `cargo test`, it returns at once).
//!
//! Children differ in how they append: one handle kept for all appends,
//! a new handle per append (the one-process-per-hook shape, which reads the
//! counter every time), and batches. They start together on a signal so they
//! really contend. Afterwards the numbers must be unique and contiguous, in
//! file order, and each child's own events in the order it appended them.
// Native: other processes and real files.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{assert_numbered_in_order, child_test, note, TempDir};
use sessiontrail::{CounterState, EventLog, SessionEvent};

const CHILDREN: usize = 8;
const APPENDS: u64 = 240;
const BATCH: u64 = 4;
const _: () = assert!(APPENDS % BATCH == 0, "batch children append APPENDS events");

const ENV_DIR: &str = "SESSIONTRAIL_TEST_APPEND_DIR";
const ENV_GO: &str = "SESSIONTRAIL_TEST_APPEND_GO";
const ENV_ID: &str = "SESSIONTRAIL_TEST_APPEND_ID";
const ENV_MODE: &str = "SESSIONTRAIL_TEST_APPEND_MODE";

fn event(id: &str, i: u64) -> SessionEvent {
    let mut e = note("sess_procs", &format!("{id} #{i}"));
    e.agent_instance_id = id.to_string();
    e.meta = Some(serde_json::json!({ "i": i }));
    e
}

/// Not a test on its own: the body of each child process.
#[test]
fn appender_child() {
    let Some(dir) = std::env::var_os(ENV_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let go = PathBuf::from(std::env::var_os(ENV_GO).unwrap());
    let id = std::env::var(ENV_ID).unwrap();
    let mode = std::env::var(ENV_MODE).unwrap();

    // Wait for the parent's signal so every child appends at the same time,
    // not one after another as they happen to start. (Bounded, in case the
    // parent failed before giving it.)
    let give_up = std::time::Instant::now() + Duration::from_secs(60);
    while !go.exists() {
        assert!(std::time::Instant::now() < give_up, "no go signal");
        std::thread::sleep(Duration::from_millis(1));
    }
    match mode.as_str() {
        "keep" => {
            let log = EventLog::open(&dir).unwrap();
            for i in 0..APPENDS {
                log.append(&mut event(&id, i)).unwrap();
            }
        }
        "reopen" => {
            for i in 0..APPENDS {
                EventLog::open(&dir)
                    .unwrap()
                    .append(&mut event(&id, i))
                    .unwrap();
            }
        }
        "batch" => {
            let log = EventLog::open(&dir).unwrap();
            for start in (0..APPENDS).step_by(BATCH as usize) {
                let mut batch: Vec<_> = (start..start + BATCH).map(|i| event(&id, i)).collect();
                log.append_batch(&mut batch).unwrap();
            }
        }
        other => panic!("unknown mode {other}"),
    }
}

fn run_children(dir: &Path, go: &Path) -> Vec<(String, &'static str)> {
    let modes = ["keep", "reopen", "batch"];
    let mut children = Vec::new();
    for n in 0..CHILDREN {
        let id = format!("child{n}");
        let mode = modes[n % modes.len()];
        let child = child_test("appender_child")
            .env(ENV_DIR, dir)
            .env(ENV_GO, go)
            .env(ENV_ID, &id)
            .env(ENV_MODE, mode)
            .spawn()
            .expect("spawn child");
        children.push((id, mode, child));
    }
    std::fs::write(go, b"go").unwrap();
    children
        .into_iter()
        .map(|(id, mode, child)| {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{id} ({mode}) failed: {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr)
            );
            (id, mode)
        })
        .collect()
}

#[test]
fn concurrent_processes_get_unique_contiguous_numbers() {
    let tmp = TempDir::new("procs");
    let dir = tmp.session();
    let go = tmp.path().join("go");
    let children = run_children(&dir, &go);

    let log = EventLog::open(&dir).unwrap();
    let events = log.read_all().unwrap();
    assert_eq!(events.len() as u64, CHILDREN as u64 * APPENDS);
    // Unique and contiguous, and in file order: number n is on line n+1.
    assert_numbered_in_order(&events);
    let report = log.check().unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.misplaced, 0);
    assert_eq!(report.counter, CounterState::Consistent);
    assert!(!dir.join(sessiontrail::TORN_FILE).exists());

    // Each child's events are all there, in the order it appended them,
    // and each batch holds consecutive numbers.
    let mut by_child: HashMap<&str, Vec<(u64, u64)>> = HashMap::new();
    for e in &events {
        let i = e.meta.as_ref().unwrap()["i"].as_u64().unwrap();
        by_child
            .entry(&e.agent_instance_id)
            .or_default()
            .push((i, e.sequence_no));
    }
    for (id, mode) in &children {
        let mine = &by_child[id.as_str()];
        let order: Vec<u64> = mine.iter().map(|&(i, _)| i).collect();
        assert_eq!(order, (0..APPENDS).collect::<Vec<_>>(), "{id} ({mode})");
        if *mode == "batch" {
            for batch in mine.chunks(BATCH as usize) {
                let first = batch[0].1;
                let seqs: Vec<u64> = batch.iter().map(|&(_, s)| s).collect();
                assert_eq!(seqs, (first..first + BATCH).collect::<Vec<_>>(), "{id}");
            }
        }
    }

    // The log goes on from where the children left it.
    let mut next = note("sess_procs", "parent");
    log.append(&mut next).unwrap();
    assert_eq!(next.sequence_no, CHILDREN as u64 * APPENDS);
}
