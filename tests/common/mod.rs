//! Helpers shared by the integration tests: private temporary directories,
//! an event builder written as a treeship-core style struct literal, one
//! event of every type, and the re-exec plumbing the multi-process tests use.
//!
//! Each test file is its own crate and uses a different subset of these
//! helpers, so unused ones are allowed here rather than in every file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use sessiontrail::{
    fields_of, generate_event_id, generate_span_id, generate_trace_id, now_rfc3339, EventType,
    FieldKind, SessionEvent, EVENT_TYPE_NAMES,
};

/// A fresh directory under the system temp dir, removed with everything in
/// it when dropped. The session directory inside it is *not* created, so
/// tests can see whether the log creates it.
pub struct TempDir {
    root: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        // pid + a per-process counter + the clock: unique across the test
        // threads of one binary and across binaries running at once.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let root = std::env::temp_dir().join(format!(
            "sessiontrail-test-{tag}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&root).expect("create temp dir");
        TempDir { root }
    }

    /// The temp dir itself (exists).
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `<temp>/session`, the session directory (not created).
    pub fn session(&self) -> PathBuf {
        self.root.join("session")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// An event with every field filled, optional ones included, written as a
/// struct literal the way code against treeship-core 0.32 writes one: if a
/// field were added, removed or renamed this would stop compiling.
pub fn make_event(session: &str, event_type: EventType) -> SessionEvent {
    SessionEvent {
        session_id: session.to_string(),
        event_id: generate_event_id(),
        timestamp: now_rfc3339(),
        sequence_no: 0,
        trace_id: generate_trace_id(),
        span_id: generate_span_id(),
        parent_span_id: Some(generate_span_id()),
        agent_id: "agent://claude-code".to_string(),
        agent_instance_id: "ai_0001".to_string(),
        agent_name: "claude-code".to_string(),
        agent_role: Some("coder".to_string()),
        host_id: "host_test".to_string(),
        tool_runtime_id: Some("rt_test".to_string()),
        event_type,
        artifact_ref: Some("art_0001".to_string()),
        meta: Some(serde_json::json!({"test": true, "nested": {"n": 1, "s": "é ✓ \"q\""}})),
    }
}

/// A small note event, for tests that only care about numbering.
pub fn note(session: &str, text: &str) -> SessionEvent {
    make_event(
        session,
        EventType::AgentNote {
            text: Some(text.to_string()),
        },
    )
}

/// One event type of each kind, every optional field set (so each field's
/// round trip is exercised), in the schema's order. Its names are checked
/// against `EVENT_TYPE_NAMES` by the scenarios. A type with no hand-written
/// sample below (one just added to src/schema.rs) gets [`schema_sample`],
/// so that every test walking every type covers it the day it is added.
pub fn all_event_types() -> Vec<EventType> {
    let mut types = written_samples();
    types.extend(samples_missing_from(&types));
    types.sort_by_key(EventType::index);
    types
}

/// A [`schema_sample`] of each event type that `types` lacks.
pub fn samples_missing_from(types: &[EventType]) -> Vec<EventType> {
    EVENT_TYPE_NAMES
        .iter()
        .filter(|name| !types.iter().any(|t| t.name() == **name))
        .map(|name| schema_sample(name))
        .collect()
}

/// The event type `name` with every field given a value of its kind, made
/// from the schema table alone (`fields_of`).
pub fn schema_sample(name: &str) -> EventType {
    let mut object = serde_json::json!({ "type": name });
    for field in fields_of(name).unwrap_or_else(|| panic!("{name} is not an event type")) {
        object[field.name] = match field.kind {
            FieldKind::Str => format!("{name} {}", field.name).into(),
            FieldKind::F64 => 0.5.into(),
            FieldKind::StrList => serde_json::json!(["a", "b"]),
            _ => 7.into(),
        };
    }
    serde_json::from_value(object).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn written_samples() -> Vec<EventType> {
    let s = |v: &str| Some(v.to_string());
    vec![
        EventType::SessionStarted,
        EventType::SessionClosed {
            summary: s("done"),
            duration_ms: Some(1234),
        },
        EventType::AgentStarted {
            parent_agent_instance_id: s("ai_parent"),
        },
        EventType::AgentSpawned {
            spawned_by_agent_instance_id: "ai_parent".into(),
            reason: s("subtask"),
        },
        EventType::AgentHandoff {
            from_agent_instance_id: "ai_a".into(),
            to_agent_instance_id: "ai_b".into(),
            artifacts: vec!["art_1".into(), "art_2".into()],
        },
        EventType::AgentCollaborated {
            collaborator_agent_instance_ids: vec!["ai_a".into(), "ai_b".into()],
        },
        EventType::AgentReturned {
            returned_to_agent_instance_id: "ai_parent".into(),
        },
        EventType::AgentCompleted {
            termination_reason: s("finished"),
        },
        EventType::AgentFailed {
            reason: s("tool crashed"),
        },
        EventType::AgentCalledTool {
            tool_name: "Bash".into(),
            tool_input_digest: s("sha256:in"),
            tool_output_digest: s("sha256:out"),
            duration_ms: Some(42),
            outcome: s("failed"),
        },
        EventType::AgentReadFile {
            file_path: "/src/main.rs".into(),
            digest: s("sha256:r"),
        },
        EventType::AgentWroteFile {
            file_path: "/src/lib.rs".into(),
            digest: s("sha256:w"),
            operation: s("modified"),
            additions: Some(10),
            deletions: Some(3),
        },
        EventType::AgentOpenedPort {
            port: 8080,
            protocol: s("tcp"),
        },
        EventType::AgentConnectedNetwork {
            destination: "api.example.com".into(),
            port: Some(443),
        },
        EventType::AgentStartedProcess {
            process_name: "npm".into(),
            pid: Some(4242),
            command: s("npm test --runInBand"),
        },
        EventType::AgentCompletedProcess {
            process_name: "npm".into(),
            exit_code: Some(-1),
            duration_ms: Some(900),
            command: s("npm test --runInBand"),
        },
        EventType::AgentNote {
            text: s("line one\nline two\ttab \u{1F600}"),
        },
        EventType::AgentDecision {
            model: s("claude-opus"),
            tokens_in: Some(1000),
            tokens_out: Some(200),
            provider: s("anthropic"),
            summary: s("chose plan B"),
            confidence: Some(0.75),
        },
    ]
}

/// The names `all_event_types` covers must be exactly the crate's list.
pub fn assert_covers_every_type(types: &[EventType]) {
    let names: Vec<&str> = types.iter().map(EventType::name).collect();
    assert_eq!(names, EVENT_TYPE_NAMES, "all_event_types() is out of date");
}

/// One serialized line (with its `\n`) for writing behind the log's back.
pub fn line_of(event: &SessionEvent) -> Vec<u8> {
    let mut line = serde_json::to_vec(event).expect("serialize");
    line.push(b'\n');
    line
}

/// Asserts the sequence numbers are exactly `0..n` in order.
pub fn assert_numbered_in_order(events: &[SessionEvent]) {
    let numbers: Vec<u64> = events.iter().map(|e| e.sequence_no).collect();
    let expected: Vec<u64> = (0..events.len() as u64).collect();
    assert_eq!(
        numbers, expected,
        "sequence numbers are not 0..n in file order"
    );
}

/// A command that runs one test of the current test binary in a child
/// process. The child test sees the given env var and does the work; run
/// without it (as in a plain `cargo test`) it returns at once.
///
/// `--exact` keeps the filter from matching other tests, `--nocapture` lets
/// the child's stdout reach the parent, one thread keeps its output in order.
pub fn child_test(test_name: &str) -> Command {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    cmd.args([
        "--exact",
        test_name,
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

/// Finds `MARKER rest` inside a line of child output. libtest may print its
/// own text on the same line (`test name ... `), so the marker is searched
/// for rather than expected at the start.
pub fn after_marker<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    line.find(marker).map(|i| &line[i + marker.len()..])
}
