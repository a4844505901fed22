//! The oracle: the derived serde of the original types (treeship-core
//! 0.32's `session::event`, and the wasm bindings' old input type), kept
//! here unchanged, against the hand-written code. Bytes written must be
//! equal; for every input, both must accept it with equal results or both
//! refuse it.

use serde::Deserialize;
use serde_json::Value;

use super::EventInput;
use crate::event::{EventType, SessionEvent, EVENT_TYPE_NAMES};
use crate::input::EVENT_FIELDS;

#[allow(dead_code)]
pub(crate) mod oracle {
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

pub(crate) fn oracle_samples() -> Vec<oracle::SessionEvent> {
    use oracle::{EventType, SessionEvent};
    samples!()
}

#[test]
fn writes_the_bytes_the_derive_wrote() {
    let (real, oracle) = (real_samples(), oracle_samples());
    assert_eq!(real.len(), 36);
    let mut seen_types = std::collections::BTreeSet::new();
    for (r, o) in real.iter().zip(&oracle) {
        // The same event in both type worlds.
        assert_eq!(format!("{r:?}"), format!("{o:?}"));
        seen_types.insert(r.event_type.name());
        let line = serde_json::to_string(r).unwrap();
        assert_eq!(line, serde_json::to_string(o).unwrap());
        assert_eq!(
            serde_json::to_string_pretty(r).unwrap(),
            serde_json::to_string_pretty(o).unwrap()
        );
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            serde_json::to_value(o).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&r.event_type).unwrap(),
            serde_json::to_string(&o.event_type).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&r.event_type).unwrap(),
            serde_json::to_value(&o.event_type).unwrap()
        );
        // And reads back to itself.
        assert_eq!(&serde_json::from_str::<SessionEvent>(&line).unwrap(), r);
    }
    assert_eq!(seen_types.len(), EVENT_TYPE_NAMES.len());
}

/// An object as (key, raw JSON text) pairs, so that number lexemes like
/// `1e3` or `-0` reach the parsers as written.
pub(crate) type Raw = Vec<(String, String)>;

fn render(obj: &Raw) -> String {
    let body: Vec<String> = obj
        .iter()
        .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
        .collect();
    format!("{{{}}}", body.join(","))
}

pub(crate) fn raw_of(value: &Value) -> Raw {
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

/// Values every field is tried with.
const ODD_VALUES: [&str; 27] = [
    "null",
    "\"\"",
    "\"x\"",
    "\"agent.note\"",
    "0",
    "-0",
    "1",
    "-1",
    "65535",
    "65536",
    "70000",
    "4294967295",
    "4294967296",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "18446744073709551615",
    "18446744073709551616",
    "1.5",
    "1e3",
    "1.0",
    "true",
    "[]",
    "[\"a\",\"b\"]",
    "[\"a\",1]",
    "{\"a\":[1]}",
];

/// Inputs derived from one event: every key dropped, nulled, duplicated,
/// given every odd value; the order turned around; unknown keys, fields of
/// other types with bad values.
pub(crate) fn variations(base: &Raw, extra_keys: bool) -> Vec<String> {
    let mut out = vec![render(base)];
    let mut reversed = base.clone();
    reversed.reverse();
    out.push(render(&reversed));
    let mut type_last: Raw = base.iter().filter(|(k, _)| k != "type").cloned().collect();
    type_last.extend(base.iter().filter(|(k, _)| k == "type").cloned());
    out.push(render(&type_last));
    let mut type_first: Raw = base.iter().filter(|(k, _)| k == "type").cloned().collect();
    type_first.extend(base.iter().filter(|(k, _)| k != "type").cloned());
    out.push(render(&type_first));
    for i in 0..base.len() {
        let mut dropped = base.clone();
        dropped.remove(i);
        out.push(render(&dropped));
        for order in [&dropped, &type_last] {
            let mut dup = order.clone();
            dup.push(base[i].clone());
            out.push(render(&dup));
        }
        for odd in ODD_VALUES {
            let mut changed = base.clone();
            changed[i].1 = odd.to_string();
            out.push(render(&changed));
        }
    }
    let mut all_fields: Vec<&str> = EVENT_FIELDS
        .iter()
        .take(if extra_keys { EVENT_FIELDS.len() } else { 0 })
        .flat_map(|f| f.iter().map(|s| s.name))
        .collect();
    if extra_keys {
        all_fields.extend(["zzz", "sequence_no", "meta", "type", "TYPE", ""]);
    }
    for name in all_fields {
        for odd in ["\"x\"", "70000", "-1", "null", "[1]"] {
            let mut extra = base.clone();
            extra.insert(0, (name.to_string(), odd.to_string()));
            out.push(render(&extra));
            let mut extra = base.clone();
            extra.push((name.to_string(), odd.to_string()));
            out.push(render(&extra));
        }
    }
    for tag in [
        "\"agent.danced\"",
        "\"Agent.Note\"",
        "\"agent_note\"",
        "9",
        "17",
        "18",
        "-1",
        "9.0",
        "null",
        "true",
        "[\"agent.note\"]",
    ] {
        let mut changed = base.clone();
        for (k, v) in changed.iter_mut() {
            if k == "type" {
                *v = tag.to_string();
            }
        }
        out.push(render(&changed));
    }
    out
}

/// Reads `text` (and `value`, the same as a `serde_json::Value`) as `R` and
/// as `O`: both must fail, or give the same.
fn compare<R, O>(text: &str, value: Option<&Value>)
where
    R: for<'de> Deserialize<'de> + std::fmt::Debug,
    O: for<'de> Deserialize<'de> + std::fmt::Debug,
{
    fn same<T: std::fmt::Debug, U: std::fmt::Debug>(
        how: &str,
        text: &str,
        real: Result<T, serde_json::Error>,
        oracle: Result<U, serde_json::Error>,
    ) {
        match (real, oracle) {
            (Ok(r), Ok(o)) => assert_eq!(format!("{r:?}"), format!("{o:?}"), "{how} {text}"),
            (Err(_), Err(_)) => {}
            (r, o) => panic!(
                "{how} {text}: hand-written {:?}, derived {:?}",
                r.map_err(|e| e.to_string()),
                o.map_err(|e| e.to_string())
            ),
        }
    }
    let name = std::any::type_name::<R>();
    same(
        &format!("{name} from_str"),
        text,
        serde_json::from_str::<R>(text),
        serde_json::from_str::<O>(text),
    );
    if let Some(value) = value {
        same(
            &format!("{name} from_value"),
            text,
            R::deserialize(value),
            O::deserialize(value),
        );
    }
}

/// The input type, whose filled ids are random: those are compared for
/// being filled exactly when the input had none.
fn compare_input(text: &str) {
    let real = serde_json::from_str::<EventInput>(text).map(|e| e.0);
    let oracle = serde_json::from_str::<oracle::EventInput>(text);
    match (real, oracle) {
        (Ok(mut r), Ok(o)) => {
            let given = |v: &Option<String>, filled: &mut String| match v {
                Some(v) => assert_eq!(v, filled, "{text}"),
                None => *filled = "filled".into(),
            };
            given(&o.event_id, &mut r.event_id);
            given(&o.timestamp, &mut r.timestamp);
            given(&o.trace_id, &mut r.trace_id);
            given(&o.span_id, &mut r.span_id);
            let fill = |v: Option<String>| v.unwrap_or_else(|| "filled".into());
            let o = oracle::SessionEvent {
                session_id: o.session_id,
                event_id: fill(o.event_id),
                timestamp: fill(o.timestamp),
                sequence_no: 0,
                trace_id: fill(o.trace_id),
                span_id: fill(o.span_id),
                parent_span_id: o.parent_span_id,
                agent_id: o.agent_id,
                agent_instance_id: o.agent_instance_id,
                agent_name: o.agent_name,
                agent_role: o.agent_role,
                host_id: o.host_id,
                tool_runtime_id: o.tool_runtime_id,
                event_type: o.event_type,
                artifact_ref: o.artifact_ref,
                meta: o.meta,
            };
            assert_eq!(format!("{r:?}"), format!("{o:?}"), "input {text}");
        }
        (Err(_), Err(_)) => {}
        // On purpose: an event to append refuses a key it does not have,
        // which the derive skipped (issue 13; `input_refuses_unknown_keys`).
        (Err(e), Ok(_)) if e.to_string().contains("unknown field `") => {}
        (r, o) => panic!(
            "input {text}: hand-written {:?}, derived {:?}",
            r.map(|_| ()).map_err(|e| e.to_string()),
            o.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
}

#[test]
fn reads_what_the_derive_read() {
    let mut cases: Vec<String> = [
        "{}",
        "[]",
        "null",
        "1",
        "\"agent.note\"",
        "{\"type\":\"agent.note\"}",
        "{\"type\":\"session.started\",\"type\":\"session.started\"}",
        "[\"agent.note\",\"text\"]",
        "{\"type\":\"agent.note\",}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for event in oracle_samples() {
        let value = serde_json::to_value(&event).unwrap();
        let full = raw_of(&value);
        // Unknown keys and other types' fields are tried on whole events
        // only: the loop that skips them is the same for the other forms.
        cases.extend(variations(&full, true));
        // The event type alone, and the event without its generated fields
        // (as an input would come).
        let alone = serde_json::to_value(&event.event_type).unwrap();
        cases.extend(variations(&raw_of(&alone), false));
        let input: Raw = full
            .iter()
            .filter(|(k, _)| {
                ![
                    "event_id",
                    "timestamp",
                    "trace_id",
                    "span_id",
                    "sequence_no",
                ]
                .contains(&k.as_str())
            })
            .cloned()
            .collect();
        cases.extend(variations(&input, false));
    }
    // The positional form of an event type alone: the tag, then the fields
    // in order, cut off after each, with one too many, with odd values.
    for (t, name) in oracle_samples().iter().zip(EVENT_TYPE_NAMES.iter().cycle()) {
        let value = serde_json::to_value(&t.event_type).unwrap();
        let fields = EVENT_FIELDS[EVENT_TYPE_NAMES.iter().position(|n| n == name).unwrap()];
        let mut items = vec![format!("\"{name}\"")];
        items.extend(
            fields
                .iter()
                .map(|f| value.get(f.name).unwrap_or(&Value::Null).to_string()),
        );
        for n in 0..=items.len() {
            cases.push(format!("[{}]", items[..n].join(",")));
        }
        cases.push(format!("[{},1]", items.join(",")));
        for j in 1..items.len() {
            for odd in ODD_VALUES {
                let mut changed = items.clone();
                changed[j] = odd.to_string();
                cases.push(format!("[{}]", changed.join(",")));
            }
        }
    }
    assert!(cases.len() > 20_000, "{}", cases.len());
    for text in &cases {
        let value = serde_json::from_str::<Value>(text).ok();
        compare::<SessionEvent, oracle::SessionEvent>(text, value.as_ref());
        compare::<EventType, oracle::EventType>(text, value.as_ref());
        compare_input(text);
        // The byte reader is a separate instantiation of the same code.
        assert_eq!(
            serde_json::from_slice::<SessionEvent>(text.as_bytes()).is_ok(),
            serde_json::from_str::<SessionEvent>(text).is_ok(),
            "from_slice {text}"
        );
    }
}

/// The keys of a JSON object, in the order written.
fn keys_in_order(text: &str) -> Vec<String> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                keys.push(k);
            }
            Ok(keys)
        }
    }
    use serde::Deserializer;
    serde_json::Deserializer::from_str(text)
        .deserialize_map(Keys)
        .unwrap()
}

/// `KEY_ORDER` (which the Node wrapper builds returned events by) is the
/// order the events are written in.
#[test]
fn the_key_order_is_the_written_order() {
    use super::{kind_letter, KEY_ORDER};
    for event in real_samples().iter().take(EVENT_TYPE_NAMES.len()) {
        let line = serde_json::to_string(event).unwrap();
        let fields = EVENT_FIELDS[event.event_type.index()];
        let expected: Vec<String> = KEY_ORDER
            .iter()
            .flat_map(|&(name, letter)| {
                if letter == '*' {
                    fields.iter().map(|f| f.name.to_string()).collect()
                } else {
                    vec![name.to_string()]
                }
            })
            .collect();
        assert_eq!(keys_in_order(&line), expected, "{line}");
        for f in fields {
            assert!("sifl".contains(kind_letter(f.kind)));
        }
    }
}
