//! The event model: one [`SessionEvent`] is one line of the log.
//!
//! The structs, field names and JSON shapes are those of treeship-core 0.32's
//! `session::event`, so a struct literal written against treeship-core compiles
//! here and a line written by either parses in the other. Do not add fields to
//! [`SessionEvent`]: that would break those struct literals. Optional fields are
//! left out of the JSON when absent.

use serde::{Deserialize, Serialize};

use crate::platform;

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

/// The wire names of every event type, in declaration order.
pub const EVENT_TYPE_NAMES: [&str; 18] = [
    "session.started",
    "session.closed",
    "agent.started",
    "agent.spawned",
    "agent.handoff",
    "agent.collaborated",
    "agent.returned",
    "agent.completed",
    "agent.failed",
    "agent.called_tool",
    "agent.read_file",
    "agent.wrote_file",
    "agent.opened_port",
    "agent.connected_network",
    "agent.started_process",
    "agent.completed_process",
    "agent.note",
    "agent.decision",
];

impl EventType {
    /// The wire name, as written in the `type` field.
    pub fn name(&self) -> &'static str {
        let index = match self {
            Self::SessionStarted => 0,
            Self::SessionClosed { .. } => 1,
            Self::AgentStarted { .. } => 2,
            Self::AgentSpawned { .. } => 3,
            Self::AgentHandoff { .. } => 4,
            Self::AgentCollaborated { .. } => 5,
            Self::AgentReturned { .. } => 6,
            Self::AgentCompleted { .. } => 7,
            Self::AgentFailed { .. } => 8,
            Self::AgentCalledTool { .. } => 9,
            Self::AgentReadFile { .. } => 10,
            Self::AgentWroteFile { .. } => 11,
            Self::AgentOpenedPort { .. } => 12,
            Self::AgentConnectedNetwork { .. } => 13,
            Self::AgentStartedProcess { .. } => 14,
            Self::AgentCompletedProcess { .. } => 15,
            Self::AgentNote { .. } => 16,
            Self::AgentDecision { .. } => 17,
        };
        EVENT_TYPE_NAMES[index]
    }
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

/// A random event id: `evt_` and 16 lowercase hex digits.
pub fn generate_event_id() -> String {
    format!("evt_{}", random_hex::<8>())
}

/// A random W3C span id: 16 lowercase hex digits.
pub fn generate_span_id() -> String {
    random_hex::<8>()
}

/// A random W3C trace id: 32 lowercase hex digits.
pub fn generate_trace_id() -> String {
    random_hex::<16>()
}

/// The current time as RFC 3339 UTC with millisecond precision,
/// e.g. `2026-11-26T03:04:05.678Z`.
pub fn now_rfc3339() -> String {
    format_rfc3339_millis(platform::unix_millis())
}

fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    platform::fill_random(&mut bytes);
    let mut out = String::with_capacity(N * 2);
    for b in bytes {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    out
}

/// Formats milliseconds since the Unix epoch (UTC) as RFC 3339.
///
/// The civil date comes from Howard Hinnant's days-to-civil algorithm, so no
/// date crate is needed on either target.
pub(crate) fn format_rfc3339_millis(unix_millis: u64) -> String {
    let millis = unix_millis % 1000;
    let secs = unix_millis / 1000;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        let e = generate_event_id();
        assert!(e.starts_with("evt_") && e.len() == 20, "{e}");
        assert!(e[4..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(generate_span_id().len(), 16);
        assert_eq!(generate_trace_id().len(), 32);
        assert_ne!(generate_trace_id(), generate_trace_id());
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_rfc3339_millis(951_782_400_123),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(
            format_rfc3339_millis(1_795_662_245_678),
            "2026-11-26T03:04:05.678Z"
        );
        assert!(now_rfc3339().ends_with('Z'));
    }

    #[test]
    fn names_match_the_serialized_type() {
        let samples = [
            EventType::SessionStarted,
            EventType::AgentNote { text: None },
            EventType::AgentOpenedPort {
                port: 80,
                protocol: None,
            },
        ];
        for t in samples {
            let json = serde_json::to_value(&t).unwrap();
            assert_eq!(json["type"], t.name());
        }
    }
}
