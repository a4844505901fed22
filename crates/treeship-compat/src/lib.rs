//! Shared pieces of the treeship-core 0.32 interop tests and the benchmark.
//!
//! sessiontrail promises that treeship-core 0.32 and sessiontrail read each
//! other's lines and can append to one session directory at the same time.
//! Both the tests (`tests/interop.rs`) and the benchmark (`src/bin/bench.rs`)
//! need the same things to check that: one event built in both type systems,
//! children started together so their appends really overlap, and a raw
//! reading of `events.jsonl` that trusts neither library. They live here so
//! the two use exactly the same event and the same checks.
//!
//! treeship-core is a dependency of this package only, never of sessiontrail.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub use treeship_core::session as ts;

/// The file names of a session directory (the same for both libraries).
pub const EVENTS: &str = "events.jsonl";
pub const COUNTER: &str = "events.jsonl.count";

/// Builds the same event in both type systems from one piece of source
/// text: the tokens are expanded once with treeship-core's `EventType` and
/// `SessionEvent` in scope and once with sessiontrail's. So the struct
/// literals compile against both crates, and the two values can be compared
/// as JSON.
#[macro_export]
macro_rules! in_both {
    ($body:expr) => {{
        #[allow(unused_imports)]
        let ts = {
            use $crate::ts::{EventType, SessionEvent};
            $body
        };
        #[allow(unused_imports)]
        let sl = {
            use sessiontrail::{EventType, SessionEvent};
            $body
        };
        (ts, sl)
    }};
}

/// A realistic `agent.called_tool` event, the most common line in a real
/// session (every tool call of an agent writes one): about 390 bytes as a
/// line. `who` names the writer (it lands in `agent_instance_id`) and `n`
/// is the writer's own running index (it is the event id's 16 hex digits),
/// so a reader can tell which writer wrote which line and in what order.
/// Fields only one crate has (sessiontrail's `outcome`) follow as
/// `field: value` after `n`, so the same literal builds both.
#[macro_export]
macro_rules! called_tool {
    ($who:expr, $n:expr $(, $extra:ident: $value:expr)*) => {
        SessionEvent {
            session_id: "ssn_01JDQ4ZK7W9V3M5T8R".into(),
            event_id: $crate::indexed_event_id($n),
            timestamp: "2026-11-26T03:04:05.678Z".into(),
            sequence_no: 0,
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
            span_id: "00f067aa0ba902b7".into(),
            parent_span_id: None,
            agent_id: "agent://claude-code".into(),
            agent_instance_id: String::from($who),
            agent_name: "claude-code".into(),
            agent_role: None,
            host_id: "host_7c2e91".into(),
            tool_runtime_id: None,
            event_type: EventType::AgentCalledTool {
                tool_name: "Bash".into(),
                tool_input_digest: None,
                tool_output_digest: None,
                duration_ms: Some(1834),
                $($extra: $value,)*
            },
            artifact_ref: None,
            meta: None,
        }
    };
}

/// The event id of a writer's `n`th event: `evt_` and `n` as 16 hex digits.
pub fn indexed_event_id(n: u64) -> String {
    format!("evt_{n:016x}")
}

/// A sessiontrail `agent.called_tool` event; see [`called_tool!`].
pub fn sl_called_tool(who: &str, n: u64) -> sessiontrail::SessionEvent {
    use sessiontrail::{EventType, SessionEvent};
    // treeship-core has no outcome: left out, the two lines are the same.
    called_tool!(who, n, outcome: None)
}

/// The same event as treeship-core's type.
pub fn ts_called_tool(who: &str, n: u64) -> ts::SessionEvent {
    use ts::{EventType, SessionEvent};
    called_tool!(who, n)
}

/// A session directory under `base` that no other run uses, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `base/<prefix>-<pid>-<counter>-<nanos>` (not the session
    /// directory itself: callers join a name, so a library may create it).
    pub fn new(base: &Path, prefix: &str) -> TempDir {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = base.join(format!(
            "{prefix}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts every command with a piped stdin, then releases them all at once
/// by writing one byte to each, so their appends overlap instead of running
/// one after another as the processes start. The children call
/// [`wait_for_go`] first. Returns their outputs; panics (naming the child
/// and showing its stderr) when any fails.
pub fn run_together(commands: Vec<Command>) -> Vec<Output> {
    let mut children: Vec<Child> = commands
        .into_iter()
        .map(|mut c| {
            c.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn {c:?}: {e}"))
        })
        .collect();
    for child in &mut children {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(b"g").expect("release a child");
    }
    children
        .into_iter()
        .enumerate()
        .map(|(i, child)| {
            let out = child.wait_with_output().expect("wait for a child");
            assert!(
                out.status.success(),
                "child {i} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            out
        })
        .collect()
}

/// In a child started by [`run_together`]: blocks until the parent says go.
pub fn wait_for_go() {
    let mut byte = [0u8; 1];
    std::io::stdin()
        .read_exact(&mut byte)
        .expect("the parent releases its children through stdin");
}

/// The complete lines of `events.jsonl` as raw bytes (without the `\n`),
/// read without either library, plus the length of any torn tail.
pub fn raw_lines(session_dir: &Path) -> (Vec<Vec<u8>>, usize) {
    let path = session_dir.join(EVENTS);
    let file =
        std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut reader = BufReader::new(file);
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        if n == 0 {
            return (lines, 0);
        }
        if line.last() != Some(&b'\n') {
            return (lines, line.len());
        }
        line.pop();
        lines.push(line);
    }
}

/// The `sequence_no` of a raw line, read as plain JSON (no event types), or
/// `None` when the line is not a JSON object with a numeric `sequence_no`.
pub fn raw_sequence_no(line: &[u8]) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_slice(line).ok()?;
    value.get("sequence_no")?.as_u64()
}

/// The counter sidecar as (count, size), read by path without either
/// library; `None` when it is missing or not 16 bytes.
pub fn read_counter(session_dir: &Path) -> Option<(u64, u64)> {
    let bytes = std::fs::read(session_dir.join(COUNTER)).ok()?;
    let bytes: [u8; 16] = bytes.try_into().ok()?;
    let (count, size) = bytes.split_at(8);
    Some((
        u64::from_le_bytes(count.try_into().ok()?),
        u64::from_le_bytes(size.try_into().ok()?),
    ))
}

/// The size of `events.jsonl` in bytes (0 when missing).
pub fn events_size(session_dir: &Path) -> u64 {
    std::fs::metadata(session_dir.join(EVENTS))
        .map(|m| m.len())
        .unwrap_or(0)
}
