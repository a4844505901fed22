//! sessiontrail against treeship-core 0.32, on one disk and in real processes.
//!
//! sessiontrail promises treeship-core 0.32's file format and lock, so that the
//! two libraries read each other's lines and append to one session directory
//! at the same time without handing out a sequence number twice. These tests
//! hold it to that promise:
//!
//! - every one of the 18 event types, built from the same source text in both
//!   type systems, serializes to the same bytes, and a log written by either
//!   library reads back whole in the other;
//! - treeship-core and sessiontrail processes appending to one directory at
//!   once (this test binary re-executed as children) leave unique,
//!   contiguous numbers that both libraries read;
//! - taking turns in one process, each library accepts the counter the other
//!   leaves, including the one treeship-core replaces by rename;
//! - after a line that is not UTF-8, where treeship-core's recount comes out
//!   low, sessiontrail still hands out only fresh numbers.
//!
//! Children are this binary run again with `--exact <test> --nocapture` and
//! `COMPAT_ROLE` set; a test that sees `COMPAT_ROLE` plays the child's part.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sessiontrail::{CounterState, EventLog, EVENT_TYPE_NAMES};
use treeship_compat::{
    events_size, in_both, indexed_event_id, raw_lines, raw_sequence_no, read_counter, run_together,
    sl_called_tool, ts, ts_called_tool, wait_for_go, TempDir,
};

fn base() -> PathBuf {
    std::env::temp_dir()
}

// ---------------------------------------------------------------------------
// (a) the wire format, event type by event type

/// An event with every optional context field set, around `$event_type`.
macro_rules! full_event {
    ($event_type:expr) => {
        SessionEvent {
            session_id: "ssn_interop".into(),
            event_id: "evt_0123456789abcdef".into(),
            timestamp: "2026-11-26T03:04:05.678Z".into(),
            sequence_no: 0,
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
            span_id: "00f067aa0ba902b7".into(),
            parent_span_id: Some("53995c3f42cd8ad8".into()),
            agent_id: "agent://claude-code".into(),
            agent_instance_id: "ai_cc_1".into(),
            agent_name: "claude-code".into(),
            agent_role: Some("planner".into()),
            host_id: "host_macbook".into(),
            tool_runtime_id: Some("rt_cc_1".into()),
            event_type: $event_type,
            artifact_ref: Some("art_7f3e".into()),
            meta: Some(serde_json::json!({
                "quote": "a \"quoted\" word, a tab\tand a newline\n",
                "unicode": "héllo wörld ✓ 🚀",
                "nested": {"n": -3, "f": 1.5, "big": 18446744073709551615u64, "none": null},
                "list": [1, "two", true]
            })),
        }
    };
}

/// An event with no optional context field, around `$event_type`.
macro_rules! bare_event {
    ($event_type:expr) => {
        SessionEvent {
            session_id: "ssn_interop".into(),
            event_id: "evt_fedcba9876543210".into(),
            timestamp: "2026-11-26T03:04:05Z".into(),
            sequence_no: 0,
            trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
            span_id: "b7ad6b7169203331".into(),
            parent_span_id: None,
            agent_id: "agent://a".into(),
            agent_instance_id: "ai_1".into(),
            agent_name: "a".into(),
            agent_role: None,
            host_id: "h".into(),
            tool_runtime_id: None,
            event_type: $event_type,
            artifact_ref: None,
            meta: None,
        }
    };
}

/// `agent.called_tool` in both crates, sessiontrail's `outcome` (which
/// treeship-core 0.32 lacks) left out so that the two lines are the same;
/// [`an_outcome_is_a_field_treeship_reads_past`] covers it set.
macro_rules! called_tool_in_both {
    ($event:ident, $input:expr, $output:expr, $duration:expr) => {{
        let ts = {
            use ts::{EventType, SessionEvent};
            $event!(EventType::AgentCalledTool {
                tool_name: "Bash".into(),
                tool_input_digest: $input,
                tool_output_digest: $output,
                duration_ms: $duration,
            })
        };
        let sl = {
            use sessiontrail::{EventType, SessionEvent};
            $event!(EventType::AgentCalledTool {
                tool_name: "Bash".into(),
                tool_input_digest: $input,
                tool_output_digest: $output,
                duration_ms: $duration,
                outcome: None,
            })
        };
        (ts, sl)
    }};
}

/// Every event type twice: every field set, then every optional field
/// absent. Each pair is one struct literal expanded against both crates.
fn event_pairs() -> Vec<(ts::SessionEvent, sessiontrail::SessionEvent)> {
    vec![
        in_both!(full_event!(EventType::SessionStarted)),
        in_both!(bare_event!(EventType::SessionStarted)),
        in_both!(full_event!(EventType::SessionClosed {
            summary: Some("done: 3 files changed".into()),
            duration_ms: Some(u64::MAX),
        })),
        in_both!(bare_event!(EventType::SessionClosed {
            summary: None,
            duration_ms: None,
        })),
        in_both!(full_event!(EventType::AgentStarted {
            parent_agent_instance_id: Some("ai_parent".into()),
        })),
        in_both!(bare_event!(EventType::AgentStarted {
            parent_agent_instance_id: None,
        })),
        in_both!(full_event!(EventType::AgentSpawned {
            spawned_by_agent_instance_id: "ai_parent".into(),
            reason: Some("split the review".into()),
        })),
        in_both!(bare_event!(EventType::AgentSpawned {
            spawned_by_agent_instance_id: "ai_parent".into(),
            reason: None,
        })),
        in_both!(full_event!(EventType::AgentHandoff {
            from_agent_instance_id: "ai_1".into(),
            to_agent_instance_id: "ai_2".into(),
            artifacts: vec!["art_1".into(), "art_2".into()],
        })),
        in_both!(bare_event!(EventType::AgentHandoff {
            from_agent_instance_id: "ai_1".into(),
            to_agent_instance_id: "ai_2".into(),
            artifacts: vec![],
        })),
        in_both!(full_event!(EventType::AgentCollaborated {
            collaborator_agent_instance_ids: vec!["ai_2".into(), "ai_3".into()],
        })),
        in_both!(bare_event!(EventType::AgentCollaborated {
            collaborator_agent_instance_ids: vec![],
        })),
        in_both!(full_event!(EventType::AgentReturned {
            returned_to_agent_instance_id: "ai_parent".into(),
        })),
        in_both!(full_event!(EventType::AgentCompleted {
            termination_reason: Some("goal reached".into()),
        })),
        in_both!(bare_event!(EventType::AgentCompleted {
            termination_reason: None,
        })),
        in_both!(full_event!(EventType::AgentFailed {
            reason: Some("tool timed out".into()),
        })),
        in_both!(bare_event!(EventType::AgentFailed { reason: None })),
        called_tool_in_both!(
            full_event,
            Some("sha256:aa".into()),
            Some("sha256:bb".into()),
            Some(42)
        ),
        called_tool_in_both!(bare_event, None, None, None),
        in_both!(full_event!(EventType::AgentReadFile {
            file_path: "/src/naïve dir/main.rs".into(),
            digest: Some("sha256:cc".into()),
        })),
        in_both!(bare_event!(EventType::AgentReadFile {
            file_path: "README.md".into(),
            digest: None,
        })),
        in_both!(full_event!(EventType::AgentWroteFile {
            file_path: "src/lib.rs".into(),
            digest: Some("sha256:dd".into()),
            operation: Some("modified".into()),
            additions: Some(12),
            deletions: Some(u32::MAX),
        })),
        in_both!(bare_event!(EventType::AgentWroteFile {
            file_path: "src/lib.rs".into(),
            digest: None,
            operation: None,
            additions: None,
            deletions: None,
        })),
        in_both!(full_event!(EventType::AgentOpenedPort {
            port: u16::MAX,
            protocol: Some("tcp".into()),
        })),
        in_both!(bare_event!(EventType::AgentOpenedPort {
            port: 0,
            protocol: None,
        })),
        in_both!(full_event!(EventType::AgentConnectedNetwork {
            destination: "api.example.com".into(),
            port: Some(443),
        })),
        in_both!(bare_event!(EventType::AgentConnectedNetwork {
            destination: "10.0.0.1".into(),
            port: None,
        })),
        in_both!(full_event!(EventType::AgentStartedProcess {
            process_name: "npm".into(),
            pid: Some(u32::MAX),
            command: Some("npm test --runInBand".into()),
        })),
        in_both!(bare_event!(EventType::AgentStartedProcess {
            process_name: "npm".into(),
            pid: None,
            command: None,
        })),
        in_both!(full_event!(EventType::AgentCompletedProcess {
            process_name: "npm".into(),
            exit_code: Some(i32::MIN),
            duration_ms: Some(12_345),
            command: Some("npm test".into()),
        })),
        in_both!(bare_event!(EventType::AgentCompletedProcess {
            process_name: "npm".into(),
            exit_code: None,
            duration_ms: None,
            command: None,
        })),
        in_both!(full_event!(EventType::AgentNote {
            text: Some("skipped the flaky test\non purpose".into()),
        })),
        in_both!(bare_event!(EventType::AgentNote { text: None })),
        in_both!(full_event!(EventType::AgentDecision {
            model: Some("claude-sonnet".into()),
            tokens_in: Some(1_234_567),
            tokens_out: Some(89),
            provider: Some("anthropic".into()),
            summary: Some("refactor first".into()),
            confidence: Some(0.87),
        })),
        in_both!(bare_event!(EventType::AgentDecision {
            model: None,
            tokens_in: None,
            tokens_out: None,
            provider: None,
            summary: None,
            confidence: None,
        })),
    ]
}

#[test]
fn every_event_type_serializes_to_the_same_bytes_in_both() {
    let pairs = event_pairs();
    let mut names: Vec<&str> = pairs.iter().map(|(_, sl)| sl.event_type.name()).collect();
    names.sort_unstable();
    names.dedup();
    let mut all = EVENT_TYPE_NAMES.to_vec();
    all.sort_unstable();
    assert_eq!(names, all, "the pairs must cover every event type");

    for (ts_event, sl_event) in &pairs {
        let ts_bytes = serde_json::to_vec(ts_event).unwrap();
        let sl_bytes = serde_json::to_vec(sl_event).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ts_bytes),
            String::from_utf8_lossy(&sl_bytes),
            "{} serializes differently",
            sl_event.event_type.name()
        );
        let value: Value = serde_json::from_slice(&sl_bytes).unwrap();
        assert_eq!(value["type"], sl_event.event_type.name());
        // Each parses as the other's type, back to the same JSON.
        let ts_from_sl: ts::SessionEvent = serde_json::from_slice(&sl_bytes).unwrap();
        let sl_from_ts: sessiontrail::SessionEvent = serde_json::from_slice(&ts_bytes).unwrap();
        assert_eq!(serde_json::to_value(&ts_from_sl).unwrap(), value);
        assert_eq!(&sl_from_ts, sl_event);
    }
}

/// A field treeship-core 0.32 does not have (`outcome`, added after it):
/// its reader skips it and reads the rest of the line, so a log
/// sessiontrail writes with failed tool calls still reads whole there.
#[test]
fn an_outcome_is_a_field_treeship_reads_past() {
    let tmp = TempDir::new(&base(), "compat-outcome");
    let dir = tmp.path().join("session");
    let (ts_event, _) = called_tool_in_both!(full_event, None, None, Some(42));
    let mut sl_event = {
        use sessiontrail::{EventType, SessionEvent};
        full_event!(EventType::AgentCalledTool {
            tool_name: "Bash".into(),
            tool_input_digest: None,
            tool_output_digest: None,
            duration_ms: Some(42),
            outcome: Some("failed".into()),
        })
    };
    EventLog::open(&dir).unwrap().append(&mut sl_event).unwrap();
    let (lines, _) = raw_lines(&dir);
    assert!(String::from_utf8_lossy(&lines[0]).contains(r#""outcome":"failed""#));

    let (events, skipped) = ts::EventLog::open(&dir)
        .unwrap()
        .read_all_with_stats()
        .unwrap();
    assert_eq!(skipped, 0);
    assert_eq!(
        serde_json::to_value(&events[0]).unwrap(),
        serde_json::to_value(&ts_event).unwrap(),
        "treeship-core reads everything but the outcome"
    );
    assert_eq!(sl_event.event_type.failed(), Some(true));
}

#[test]
fn a_log_written_by_treeship_reads_whole_in_sessiontrail() {
    let tmp = TempDir::new(&base(), "compat-ts-to-sl");
    let dir = tmp.path().join("session");
    let pairs = event_pairs();

    let writer = ts::EventLog::open(&dir).unwrap();
    let mut expected = Vec::new();
    for (i, (ts_event, sl_event)) in pairs.into_iter().enumerate() {
        let mut ts_event = ts_event;
        writer.append(&mut ts_event).unwrap();
        assert_eq!(ts_event.sequence_no, i as u64);
        let mut sl_event = sl_event;
        sl_event.sequence_no = i as u64;
        expected.push(sl_event);
    }

    // Byte for byte, each line is what sessiontrail would have written.
    let (lines, torn) = raw_lines(&dir);
    assert_eq!(torn, 0);
    assert_eq!(lines.len(), expected.len());
    for (line, event) in lines.iter().zip(&expected) {
        assert_eq!(
            String::from_utf8_lossy(line),
            serde_json::to_string(event).unwrap()
        );
    }

    let reader = EventLog::open(&dir).unwrap();
    assert_eq!(reader.event_count(), expected.len() as u64);
    let (events, skipped) = reader.read_all_with_stats().unwrap();
    assert_eq!(skipped, 0);
    assert_eq!(events, expected);
    let report = reader.check().unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.misplaced, 0, "{report}");
    assert_eq!(report.counter, CounterState::Consistent, "{report}");
}

#[test]
fn a_log_written_by_sessiontrail_reads_whole_in_treeship() {
    let tmp = TempDir::new(&base(), "compat-sl-to-ts");
    let dir = tmp.path().join("session");
    let pairs = event_pairs();

    let writer = EventLog::open(&dir).unwrap();
    let mut expected = Vec::new();
    // Half one at a time, half in one batch: both paths write the format.
    let (singles, batch) = pairs.split_at(pairs.len() / 2);
    for (ts_event, sl_event) in singles {
        let mut sl_event = sl_event.clone();
        writer.append(&mut sl_event).unwrap();
        let mut ts_event = ts_event.clone();
        ts_event.sequence_no = sl_event.sequence_no;
        expected.push(ts_event);
    }
    let mut sl_batch: Vec<_> = batch.iter().map(|(_, sl)| sl.clone()).collect();
    writer.append_batch(&mut sl_batch).unwrap();
    for ((ts_event, _), sl_event) in batch.iter().zip(&sl_batch) {
        let mut ts_event = ts_event.clone();
        ts_event.sequence_no = sl_event.sequence_no;
        expected.push(ts_event);
    }

    let (lines, torn) = raw_lines(&dir);
    assert_eq!(torn, 0);
    for (line, event) in lines.iter().zip(&expected) {
        assert_eq!(
            String::from_utf8_lossy(line),
            serde_json::to_string(event).unwrap()
        );
    }

    let reader = ts::EventLog::open(&dir).unwrap();
    assert_eq!(reader.event_count(), expected.len() as u64);
    let (events, skipped) = reader.read_all_with_stats().unwrap();
    assert_eq!(skipped, 0);
    let got: Vec<Value> = events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let want: Vec<Value> = expected
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    assert_eq!(got, want);
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.sequence_no, i as u64);
    }

    // And treeship-core accepts the counter sessiontrail left: its next
    // number follows on.
    let mut next = ts_called_tool("treeship", 0);
    reader.append(&mut next).unwrap();
    assert_eq!(next.sequence_no, expected.len() as u64);
}

// ---------------------------------------------------------------------------
// (b) both libraries, several processes, one directory, at the same time

const ROLE: &str = "COMPAT_ROLE";
const DIR: &str = "COMPAT_DIR";
const WHO: &str = "COMPAT_WHO";
const COUNT: &str = "COMPAT_COUNT";

/// A child of this test binary that runs only `test` and plays `role`.
fn child(test: &str, role: &str, dir: &Path, who: &str, count: u64) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("the test binary's path"));
    c.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .env(WHO, who)
        .env(COUNT, count.to_string());
    c
}

/// What a child does: wait for the parent's go, then append `COUNT` events
/// tagged with its name and a running index. `sessiontrail-fresh` opens a new
/// handle for every append (like a hook process), `sessiontrail-kept` keeps
/// one (like a daemon); treeship-core's handle holds no state.
fn play_child(role: &str) {
    let dir = PathBuf::from(std::env::var_os(DIR).expect("COMPAT_DIR"));
    let who = std::env::var(WHO).expect("COMPAT_WHO");
    let count: u64 = std::env::var(COUNT).expect("COMPAT_COUNT").parse().unwrap();
    wait_for_go();
    let mut last = None;
    let kept = EventLog::open(&dir).unwrap();
    for n in 0..count {
        let seq = match role {
            "treeship" => {
                let mut e = ts_called_tool(&who, n);
                ts::EventLog::open(&dir).unwrap().append(&mut e).unwrap();
                e.sequence_no
            }
            "sessiontrail-kept" => {
                let mut e = sl_called_tool(&who, n);
                kept.append(&mut e).unwrap();
                e.sequence_no
            }
            "sessiontrail-fresh" => {
                let mut e = sl_called_tool(&who, n);
                EventLog::open(&dir).unwrap().append(&mut e).unwrap();
                e.sequence_no
            }
            other => panic!("unknown {ROLE} {other}"),
        };
        assert!(last < Some(seq), "{who}: {seq} after {last:?}");
        last = Some(seq);
    }
    println!("{who}: {count} appends, last sequence_no {last:?}");
}

#[test]
fn processes_of_both_libraries_append_to_one_directory_at_once() {
    const TEST: &str = "processes_of_both_libraries_append_to_one_directory_at_once";
    if let Ok(role) = std::env::var(ROLE) {
        return play_child(&role);
    }
    const PER_CHILD: u64 = 200;
    let tmp = TempDir::new(&base(), "compat-procs");
    let dir = tmp.path().join("session");
    let writers = [
        ("treeship", "treeship-0"),
        ("treeship", "treeship-1"),
        ("sessiontrail-kept", "sessiontrail-kept"),
        ("sessiontrail-fresh", "sessiontrail-fresh"),
    ];
    run_together(
        writers
            .iter()
            .map(|(role, who)| child(TEST, role, &dir, who, PER_CHILD))
            .collect(),
    );

    let total = PER_CHILD * writers.len() as u64;
    // Raw bytes first, trusting neither library: every line is an event
    // whose number is its position, and each writer's lines are in order.
    let (lines, torn) = raw_lines(&dir);
    assert_eq!(torn, 0, "a torn tail after every writer finished");
    assert_eq!(lines.len() as u64, total);
    let mut next_index = std::collections::HashMap::new();
    let mut switches = 0;
    let mut previous = String::new();
    for (position, line) in lines.iter().enumerate() {
        let value: Value = serde_json::from_slice(line).unwrap();
        assert_eq!(
            value["sequence_no"],
            position as u64,
            "line {}",
            position + 1
        );
        let who = value["agent_instance_id"].as_str().unwrap().to_string();
        let index = next_index.entry(who.clone()).or_insert(0u64);
        assert_eq!(value["event_id"], indexed_event_id(*index), "{who}");
        *index += 1;
        if who != previous {
            switches += 1;
            previous = who;
        }
    }
    assert_eq!(next_index.len(), writers.len());
    assert!(next_index.values().all(|&n| n == PER_CHILD));
    println!(
        "{total} lines from {} writers, {switches} changes of writer in file order",
        writers.len()
    );

    // Each library reads every line, the other's included, the same way.
    let (ts_events, ts_skipped) = ts::EventLog::open(&dir)
        .unwrap()
        .read_all_with_stats()
        .unwrap();
    let log = EventLog::open(&dir).unwrap();
    let (sl_events, sl_skipped) = log.read_all_with_stats().unwrap();
    assert_eq!((ts_skipped, sl_skipped), (0, 0));
    assert_eq!(ts_events.len() as u64, total);
    assert_eq!(sl_events.len() as u64, total);
    for (t, s) in ts_events.iter().zip(&sl_events) {
        assert_eq!(
            serde_json::to_value(t).unwrap(),
            serde_json::to_value(s).unwrap()
        );
    }

    let report = log.check().unwrap();
    println!("{report}");
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.events, total);
    assert_eq!(report.misplaced, 0);
    assert_eq!(report.counter, CounterState::Consistent);
    assert_eq!(read_counter(&dir), Some((total, events_size(&dir))));
}

// ---------------------------------------------------------------------------
// (c) taking turns in one process

/// Bytes this thread has read through read(2)-like calls so far. A writer
/// that accepts the counter reads a few KiB at most; one that recounts reads
/// the whole file. Linux only.
#[cfg(target_os = "linux")]
fn bytes_read_by_this_thread() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/thread-self/io").ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .and_then(|n| n.trim().parse().ok())
}

#[cfg(not(target_os = "linux"))]
fn bytes_read_by_this_thread() -> Option<u64> {
    None
}

/// Runs `append`, asserts the number it got and the counter it left, and
/// returns how many bytes it read (when the OS says).
fn turn(dir: &Path, expected_seq: u64, append: impl FnOnce() -> Vec<u64>) -> Option<u64> {
    let before = bytes_read_by_this_thread();
    let numbers = append();
    let after = bytes_read_by_this_thread();
    let want: Vec<u64> = (expected_seq..expected_seq + numbers.len() as u64).collect();
    assert_eq!(numbers, want);
    // The counter at the path (after a rename, that is the new file)
    // records exactly what is there.
    assert_eq!(
        read_counter(dir),
        Some((expected_seq + numbers.len() as u64, events_size(dir))),
        "counter after the append of {want:?}"
    );
    let read = after? - before?;
    println!(
        "{want:?}: read {read} bytes of a {} byte log",
        events_size(dir)
    );
    Some(read)
}

#[test]
fn taking_turns_each_accepts_the_counter_the_other_leaves() {
    let tmp = TempDir::new(&base(), "compat-turns");
    let dir = tmp.path().join("session");

    // A log long enough that a recount would show: ~800 KB.
    let sl = EventLog::open(&dir).unwrap();
    let mut preamble: Vec<_> = (0..2000).map(|n| sl_called_tool("preamble", n)).collect();
    sl.append_batch(&mut preamble).unwrap();
    let mut next = 2000u64;

    for round in 0..20u64 {
        // treeship-core after sessiontrail: it must take sessiontrail's counter,
        // not recount (it replaces the counter by rename on the way out).
        let read = turn(&dir, next, || {
            let mut e = ts_called_tool("treeship", round);
            ts::EventLog::open(&dir).unwrap().append(&mut e).unwrap();
            vec![e.sequence_no]
        });
        if let Some(read) = read {
            assert!(
                read < events_size(&dir) / 2,
                "round {round}: treeship-core read {read} bytes: it recounted"
            );
        }
        next += 1;

        // sessiontrail, through the handle it has kept since the preamble,
        // whose counter descriptor now points at the file treeship-core
        // renamed over: it must read and write the counter at the path.
        let read = turn(&dir, next, || {
            if round % 2 == 0 {
                let mut e = sl_called_tool("sessiontrail", round);
                sl.append(&mut e).unwrap();
                vec![e.sequence_no]
            } else {
                let mut batch: Vec<_> = (0..3)
                    .map(|k| sl_called_tool("sessiontrail", round * 10 + k))
                    .collect();
                sl.append_batch(&mut batch).unwrap();
                batch.iter().map(|e| e.sequence_no).collect()
            }
        });
        if let Some(read) = read {
            assert!(
                read < events_size(&dir) / 2,
                "round {round}: sessiontrail read {read} bytes: it recounted"
            );
        }
        next += if round % 2 == 0 { 1 } else { 3 };

        // sessiontrail again, same handle: nobody else wrote, so its own
        // knowledge is enough and it reads nothing from the log. (The
        // figure includes the ~110 bytes of /proc/thread-self/io itself.)
        let read = turn(&dir, next, || {
            let mut e = sl_called_tool("sessiontrail", 1000 + round);
            sl.append(&mut e).unwrap();
            vec![e.sequence_no]
        });
        if let Some(read) = read {
            assert!(
                read < 1024,
                "round {round}: an uncontended append read {read} bytes"
            );
        }
        next += 1;
    }

    let report = sl.check().unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.events, next);
    assert_eq!(report.misplaced, 0);
    assert_eq!(report.counter, CounterState::Consistent);
    // treeship-core keeps no Merkle tree: each of its lines was hashed by
    // the sessiontrail append after it, so every line is covered.
    let verified = sl.verify().unwrap();
    assert!(verified.is_ok(), "{verified}");
    assert_eq!((verified.lines, verified.leaves), (next, Some(next)));
    let (events, skipped) = ts::EventLog::open(&dir)
        .unwrap()
        .read_all_with_stats()
        .unwrap();
    assert_eq!((events.len() as u64, skipped), (next, 0));
}

// ---------------------------------------------------------------------------
// (d) a line that is not UTF-8

/// Appends raw bytes to events.jsonl the way a buggy writer or a damaged
/// disk would: no lock, no counter.
fn append_raw(dir: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(treeship_compat::EVENTS))
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

const NOT_UTF8: &[u8] = b"{\"sequence_no\":99,\"note\":\"\xff\xfe not utf-8\"}\n";

/// Every number sessiontrail wrote was fresh when it wrote it: greater than
/// every number on an earlier line. So no two sessiontrail lines share a
/// number, and no sessiontrail line repeats an earlier line's number. (A
/// later line of another writer may still repeat it: that is the other
/// writer's doing.)
fn assert_sessiontrail_numbers_fresh(dir: &Path) {
    let (lines, torn) = raw_lines(dir);
    assert_eq!(torn, 0);
    let mut earlier: Vec<(u64, String)> = Vec::new();
    let mut mine = Vec::new();
    for line in &lines {
        let Ok(value) = serde_json::from_slice::<Value>(line) else {
            continue; // the non-UTF-8 line
        };
        let seq = value["sequence_no"].as_u64().unwrap();
        let who = value["agent_instance_id"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        if who == "sessiontrail" {
            assert!(
                earlier.iter().all(|(s, _)| *s < seq),
                "sessiontrail wrote {seq} after {earlier:?}"
            );
            mine.push(seq);
        }
        earlier.push((seq, who));
    }
    let mut unique = mine.clone();
    unique.dedup();
    assert_eq!(unique, mine, "a number twice among sessiontrail's lines");
}

#[test]
fn after_treeship_recounts_past_a_non_utf8_line_sessiontrail_numbers_stay_fresh() {
    let tmp = TempDir::new(&base(), "compat-utf8");
    let dir = tmp.path().join("session");
    let sl = EventLog::open(&dir).unwrap();
    let append_sl = |n: u64| {
        let mut e = sl_called_tool("sessiontrail", n);
        sl.append(&mut e).unwrap();
        e.sequence_no
    };
    let append_ts = |n: u64| {
        let mut e = ts_called_tool("treeship", n);
        ts::EventLog::open(&dir).unwrap().append(&mut e).unwrap();
        e.sequence_no
    };

    assert_eq!((append_sl(0), append_sl(1), append_sl(2)), (0, 1, 2));
    // Line 4 is not UTF-8. It holds number 3: it is a line.
    append_raw(&dir, NOT_UTF8);
    // sessiontrail sees the size change, counts `\n` bytes: 4.
    assert_eq!(append_sl(3), 4);
    // treeship-core with a trusted counter goes on correctly.
    assert_eq!(append_ts(0), 5);
    assert_eq!(append_sl(4), 6);

    // The counter goes missing (a crash between the events and the counter,
    // an older tool, a cleanup). treeship-core recounts, skipping the line
    // it cannot decode, and comes out one short: it hands out 6 again.
    std::fs::remove_file(dir.join(treeship_compat::COUNTER)).unwrap();
    let treeship_number = append_ts(1);
    assert_eq!(
        treeship_number, 6,
        "the premise: treeship-core 0.32's recount skips the undecodable line"
    );
    // Its counter now says 7 events for this size, and the last line
    // (treeship's own) agrees with that, so sessiontrail takes it: 7 is fresh.
    assert_eq!(append_sl(5), 7);
    assert_eq!(append_ts(2), 8);
    assert_eq!(append_sl(6), 9);

    assert_sessiontrail_numbers_fresh(&dir);
    let report = sl.check().unwrap();
    println!("{report}");
    assert_eq!(report.duplicates, [6], "only treeship-core's own repeat");
    assert_eq!(report.skipped, 1);
}

#[test]
fn a_low_counter_from_an_interrupted_treeship_recount_is_caught() {
    let tmp = TempDir::new(&base(), "compat-low-counter");
    let dir = tmp.path().join("session");
    let sl = EventLog::open(&dir).unwrap();
    let append_sl = |n: u64| {
        let mut e = sl_called_tool("sessiontrail", n);
        sl.append(&mut e).unwrap();
        e.sequence_no
    };

    assert_eq!((append_sl(0), append_sl(1), append_sl(2)), (0, 1, 2));
    append_raw(&dir, NOT_UTF8); // holds 3
    assert_eq!(append_sl(3), 4);
    std::fs::remove_file(dir.join(treeship_compat::COUNTER)).unwrap();

    // treeship-core recounts and writes its (low) counter first, then stops
    // before writing its line: here because events.jsonl has a second hard
    // link, which it refuses only after the recount.
    let link = tmp.path().join("second-name.jsonl");
    std::fs::hard_link(dir.join(treeship_compat::EVENTS), &link).unwrap();
    let mut e = ts_called_tool("treeship", 0);
    let refused = ts::EventLog::open(&dir).unwrap().append(&mut e);
    assert!(
        refused.is_err(),
        "treeship-core appended to a hard-linked log"
    );
    std::fs::remove_file(&link).unwrap();
    let size = events_size(&dir);
    assert_eq!(
        read_counter(&dir),
        Some((4, size)),
        "the premise: a counter one short whose size matches the file"
    );

    // A fresh handle (a hook process) finds the size matching, but the last
    // line says 4, not 3: it does not trust the counter, counts `\n` bytes
    // and goes on at 5. Taking the counter would have handed out 4 again.
    let mut e = sl_called_tool("sessiontrail", 4);
    EventLog::open(&dir).unwrap().append(&mut e).unwrap();
    assert_eq!(e.sequence_no, 5);
    assert_eq!(read_counter(&dir), Some((6, events_size(&dir))));

    // And treeship-core, given a right counter again, goes on from there.
    let mut e = ts_called_tool("treeship", 1);
    ts::EventLog::open(&dir).unwrap().append(&mut e).unwrap();
    assert_eq!(e.sequence_no, 6);

    assert_sessiontrail_numbers_fresh(&dir);
    let report = sl.check().unwrap();
    assert!(report.duplicates.is_empty(), "{report}");
    assert_eq!(report.missing_count, 1, "3 is held by the non-UTF-8 line");
    let raw: Vec<Option<u64>> = raw_lines(&dir)
        .0
        .iter()
        .map(|l| raw_sequence_no(l))
        .collect();
    assert_eq!(
        raw,
        [Some(0), Some(1), Some(2), None, Some(4), Some(5), Some(6)]
    );
}

/// A torn tail found right after a treeship-core append: the repair path
/// must also let go of the counter treeship-core replaced by rename, or this
/// handle keeps writing its counter into the dead file and every other
/// writer recounts from then on.
#[test]
fn a_torn_tail_after_treeship_leaves_a_current_counter() {
    let tmp = TempDir::new(&base(), "compat-torn-after-rename");
    let dir = tmp.path().join("session");
    let sl = EventLog::open(&dir).unwrap();
    for n in 0..2 {
        sl.append(&mut sl_called_tool("sessiontrail", n)).unwrap();
    }
    ts::EventLog::open(&dir)
        .unwrap()
        .append(&mut ts_called_tool("treeship", 0))
        .unwrap();
    append_raw(&dir, b"{\"torn"); // a writer killed mid-line
    let mut e = sl_called_tool("sessiontrail", 2);
    sl.append(&mut e).unwrap();
    assert_eq!(e.sequence_no, 3);
    assert_eq!(read_counter(&dir), Some((4, events_size(&dir))));
}
