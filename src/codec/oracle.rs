//! The oracle: the serde derives of the original types (treeship-core
//! 0.32's `session::event`, and the wasm bindings' first input type), kept
//! for the tests to compare the codec with, and sample events of every
//! type in both type worlds. The derives read numbers through serde_json
//! with `float_roundtrip`, as the codec does (see `json.rs`).

use crate::schema::{EventType, SessionEvent};

#[allow(dead_code)]
pub(crate) mod types {
    use serde::{Deserialize, Serialize};

    /// Every event type the log knows, flattened into the event as `"type": "…"`
    /// plus the type's own fields.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum EventType {
        #[serde(rename = "session.started")]
        SessionStarted,

        #[serde(rename = "session.closed")]
        SessionClosed {
            #[serde(skip_serializing_if = "Option::is_none")]
            summary: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            duration_ms: Option<u64>,
        },

        #[serde(rename = "agent.started")]
        AgentStarted {
            #[serde(skip_serializing_if = "Option::is_none")]
            parent_agent_instance_id: Option<String>,
        },

        #[serde(rename = "agent.spawned")]
        AgentSpawned {
            spawned_by_agent_instance_id: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<String>,
        },

        #[serde(rename = "agent.handoff")]
        AgentHandoff {
            from_agent_instance_id: String,
            to_agent_instance_id: String,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            artifacts: Vec<String>,
        },

        #[serde(rename = "agent.collaborated")]
        AgentCollaborated {
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            collaborator_agent_instance_ids: Vec<String>,
        },

        #[serde(rename = "agent.returned")]
        AgentReturned {
            returned_to_agent_instance_id: String,
        },

        #[serde(rename = "agent.completed")]
        AgentCompleted {
            #[serde(skip_serializing_if = "Option::is_none")]
            termination_reason: Option<String>,
        },

        #[serde(rename = "agent.failed")]
        AgentFailed {
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<String>,
        },

        #[serde(rename = "agent.called_tool")]
        AgentCalledTool {
            tool_name: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            tool_input_digest: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            tool_output_digest: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            duration_ms: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            outcome: Option<String>,
        },

        #[serde(rename = "agent.read_file")]
        AgentReadFile {
            file_path: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            digest: Option<String>,
        },

        #[serde(rename = "agent.wrote_file")]
        AgentWroteFile {
            file_path: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            digest: Option<String>,
            /// `"created"`, `"modified"` or `"deleted"`; absent in older events.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            operation: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            additions: Option<u32>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            deletions: Option<u32>,
        },

        #[serde(rename = "agent.opened_port")]
        AgentOpenedPort {
            port: u16,
            #[serde(skip_serializing_if = "Option::is_none")]
            protocol: Option<String>,
        },

        #[serde(rename = "agent.connected_network")]
        AgentConnectedNetwork {
            destination: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            port: Option<u16>,
        },

        #[serde(rename = "agent.started_process")]
        AgentStartedProcess {
            process_name: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            pid: Option<u32>,
            /// The full command line, e.g. `npm test --runInBand`; absent in older events.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            command: Option<String>,
        },

        #[serde(rename = "agent.completed_process")]
        AgentCompletedProcess {
            process_name: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            exit_code: Option<i32>,
            #[serde(skip_serializing_if = "Option::is_none")]
            duration_ms: Option<u64>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            command: Option<String>,
        },

        /// Free text the agent wants on the timeline, in its own words.
        #[serde(rename = "agent.note")]
        AgentNote {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            text: Option<String>,
        },

        /// A model decision with its token usage. No cost: prices change, a
        /// recorded event must not.
        #[serde(rename = "agent.decision")]
        AgentDecision {
            #[serde(skip_serializing_if = "Option::is_none")]
            model: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            tokens_in: Option<u64>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            tokens_out: Option<u64>,
            /// e.g. `"anthropic"`, `"openai"`, `"bedrock"`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            provider: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            summary: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            confidence: Option<f64>,
        },
    }

    /// One event with its full context; one line of `events.jsonl`.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
    pub struct SessionEvent {
        pub session_id: String,
        pub event_id: String,
        pub timestamp: String,
        pub sequence_no: u64,
        pub trace_id: String,
        pub span_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub parent_span_id: Option<String>,
        pub agent_id: String,
        pub agent_instance_id: String,
        pub agent_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub agent_role: Option<String>,
        pub host_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub tool_runtime_id: Option<String>,
        #[serde(flatten)]
        pub event_type: EventType,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub artifact_ref: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub meta: Option<serde_json::Value>,
    }

    /// The wasm bindings' input type before the hand-written code: ids and
    /// time optional, `sequence_no` unknown (ignored).
    #[derive(Deserialize)]
    pub struct EventInput {
        pub session_id: String,
        pub event_id: Option<String>,
        pub timestamp: Option<String>,
        pub trace_id: Option<String>,
        pub span_id: Option<String>,
        pub parent_span_id: Option<String>,
        pub agent_id: String,
        pub agent_instance_id: String,
        pub agent_name: String,
        pub agent_role: Option<String>,
        pub host_id: String,
        pub tool_runtime_id: Option<String>,
        #[serde(flatten)]
        pub event_type: EventType,
        pub artifact_ref: Option<String>,
        pub meta: Option<serde_json::Value>,
    }
}

/// Sample events, written once and built twice: with the crate's types and
/// with the oracle's (whichever `EventType` and `SessionEvent` are in scope).
macro_rules! samples {
    () => {{
        let s = |v: &str| Some(v.to_string());
        // Every event type with every optional field set, then with none.
        let full = vec![
            EventType::SessionStarted,
            EventType::SessionClosed {
                summary: s("done: \"all\" of it\n\u{7f}\u{2028}é🦀"),
                duration_ms: Some(u64::MAX),
            },
            EventType::AgentStarted {
                parent_agent_instance_id: s("ai_parent"),
            },
            EventType::AgentSpawned {
                spawned_by_agent_instance_id: "ai_0".into(),
                reason: s("fan out"),
            },
            EventType::AgentHandoff {
                from_agent_instance_id: "ai_1".into(),
                to_agent_instance_id: "ai_2".into(),
                artifacts: vec!["a".into(), "".into(), "c\\d".into()],
            },
            EventType::AgentCollaborated {
                collaborator_agent_instance_ids: vec!["x".into()],
            },
            EventType::AgentReturned {
                returned_to_agent_instance_id: "ai_1".into(),
            },
            EventType::AgentCompleted {
                termination_reason: s("ok"),
            },
            EventType::AgentFailed { reason: s("oom") },
            EventType::AgentCalledTool {
                tool_name: "Bash".into(),
                tool_input_digest: s("sha256:00"),
                tool_output_digest: s("sha256:ff"),
                duration_ms: Some(0),
                outcome: s("failed"),
            },
            EventType::AgentReadFile {
                file_path: "/etc/hosts".into(),
                digest: s("sha256:1"),
            },
            EventType::AgentWroteFile {
                file_path: "src/main.rs".into(),
                digest: s("sha256:2"),
                operation: s("modified"),
                additions: Some(u32::MAX),
                deletions: Some(0),
            },
            EventType::AgentOpenedPort {
                port: u16::MAX,
                protocol: s("tcp"),
            },
            EventType::AgentConnectedNetwork {
                destination: "example.com".into(),
                port: Some(443),
            },
            EventType::AgentStartedProcess {
                process_name: "npm".into(),
                pid: Some(4242),
                command: s("npm test --runInBand"),
            },
            EventType::AgentCompletedProcess {
                process_name: "npm".into(),
                exit_code: Some(i32::MIN),
                duration_ms: Some(17),
                command: s("npm test"),
            },
            EventType::AgentNote { text: s("") },
            EventType::AgentDecision {
                model: s("claude"),
                tokens_in: Some(1),
                tokens_out: Some(u64::MAX - 1),
                provider: s("anthropic"),
                summary: s("pick A"),
                confidence: Some(0.1),
            },
        ];
        let none = vec![
            EventType::SessionStarted,
            EventType::SessionClosed {
                summary: None,
                duration_ms: None,
            },
            EventType::AgentStarted {
                parent_agent_instance_id: None,
            },
            EventType::AgentSpawned {
                spawned_by_agent_instance_id: "".into(),
                reason: None,
            },
            EventType::AgentHandoff {
                from_agent_instance_id: "ai_1".into(),
                to_agent_instance_id: "ai_2".into(),
                artifacts: vec![],
            },
            EventType::AgentCollaborated {
                collaborator_agent_instance_ids: vec![],
            },
            EventType::AgentReturned {
                returned_to_agent_instance_id: "ai_1".into(),
            },
            EventType::AgentCompleted {
                termination_reason: None,
            },
            EventType::AgentFailed { reason: None },
            EventType::AgentCalledTool {
                tool_name: "Bash".into(),
                tool_input_digest: None,
                tool_output_digest: None,
                duration_ms: None,
                outcome: None,
            },
            EventType::AgentReadFile {
                file_path: "a".into(),
                digest: None,
            },
            EventType::AgentWroteFile {
                file_path: "a".into(),
                digest: None,
                operation: None,
                additions: None,
                deletions: None,
            },
            EventType::AgentOpenedPort {
                port: 0,
                protocol: None,
            },
            EventType::AgentConnectedNetwork {
                destination: "h".into(),
                port: None,
            },
            EventType::AgentStartedProcess {
                process_name: "p".into(),
                pid: None,
                command: None,
            },
            EventType::AgentCompletedProcess {
                process_name: "p".into(),
                exit_code: Some(i32::MAX),
                duration_ms: None,
                command: None,
            },
            EventType::AgentNote { text: None },
            EventType::AgentDecision {
                model: None,
                tokens_in: None,
                tokens_out: None,
                provider: None,
                summary: None,
                confidence: Some(-1.5e300),
            },
        ];
        let mut out = Vec::new();
        for (i, t) in full.into_iter().enumerate() {
            out.push(SessionEvent {
                session_id: "ssn_1".into(),
                event_id: "evt_0011223344556677".into(),
                timestamp: "2026-11-26T03:04:05.678Z".into(),
                sequence_no: i as u64 * 1_000_000_007,
                trace_id: "0".repeat(32),
                span_id: "1".repeat(16),
                parent_span_id: s("2222222222222222"),
                agent_id: "agent://a".into(),
                agent_instance_id: "ai_1".into(),
                agent_name: "a\tb".into(),
                agent_role: s("planner"),
                host_id: "h".into(),
                tool_runtime_id: s("rt"),
                event_type: t,
                artifact_ref: s("sha256:art"),
                meta: Some(serde_json::json!({
                    "z": [1, -2, 3.5, null, true, {"y": "\u{0}"}],
                    "a": {"nested": {"deep": [[]]}},
                    "big": u64::MAX,
                })),
            });
        }
        for (i, t) in none.into_iter().enumerate() {
            out.push(SessionEvent {
                session_id: "".into(),
                event_id: "e".into(),
                timestamp: "t".into(),
                sequence_no: i as u64,
                trace_id: "t".into(),
                span_id: "s".into(),
                parent_span_id: None,
                agent_id: "a".into(),
                agent_instance_id: "i".into(),
                agent_name: "n".into(),
                agent_role: None,
                host_id: "h".into(),
                tool_runtime_id: None,
                event_type: t,
                artifact_ref: None,
                meta: None,
            });
        }
        out
    }};
}

pub(crate) fn real_samples() -> Vec<SessionEvent> {
    samples!()
}

pub(crate) fn oracle_samples() -> Vec<types::SessionEvent> {
    use types::{EventType, SessionEvent};
    samples!()
}
