//! Records a short agent session through the crate, the way an agent CLI
//! would: one `EventLog` for the session, one event per step.
//!
//! `cargo run --example record_session -- DIR` (used by `make demo`).

use std::path::PathBuf;

use sessiontrail::{
    generate_event_id, generate_span_id, generate_trace_id, now_rfc3339, EventLog, EventType,
    SessionEvent,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: record_session DIR")?
        .into();
    let log = EventLog::open(&dir)?;
    let trace = generate_trace_id();
    let event = |event_type: EventType| SessionEvent {
        session_id: "ssn_demo".into(),
        event_id: generate_event_id(),
        timestamp: now_rfc3339(),
        sequence_no: 0,
        trace_id: trace.clone(),
        span_id: generate_span_id(),
        parent_span_id: None,
        agent_id: "agent://demo-cli".into(),
        agent_instance_id: "ai_rust_1".into(),
        agent_name: "rust-agent".into(),
        agent_role: Some("planner".into()),
        host_id: "host_demo".into(),
        tool_runtime_id: None,
        event_type,
        artifact_ref: None,
        meta: None,
    };
    let steps = [
        EventType::SessionStarted,
        EventType::AgentStarted {
            parent_agent_instance_id: None,
        },
        EventType::AgentDecision {
            model: Some("claude-sonnet".into()),
            tokens_in: Some(1830),
            tokens_out: Some(212),
            provider: Some("anthropic".into()),
            summary: Some("read the failing test first".into()),
            confidence: Some(0.8),
        },
        EventType::AgentReadFile {
            file_path: "tests/parser.rs".into(),
            digest: None,
        },
    ];
    for step in steps {
        let mut e = event(step);
        log.append(&mut e)?;
        println!(
            "rust agent appended #{} {}",
            e.sequence_no,
            e.event_type.name()
        );
    }
    Ok(())
}
