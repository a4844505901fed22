//! The checks of JSON input: the schema's table against the enum, and
//! the messages for bad input.

use serde_json::{json, Map, Value};

use super::*;
use crate::schema::{FieldKind, EVENT_FIELDS, EVENT_TYPE_NAMES};
use FieldKind::{Str, StrList, F64, I32, U16, U32, U64};

fn base(type_name: &str) -> Map<String, Value> {
    let Value::Object(map) = json!({
        "type": type_name, "session_id": "ssn_1", "agent_id": "agent://a",
        "agent_instance_id": "ai_1", "agent_name": "a", "host_id": "h",
    }) else {
        unreachable!()
    };
    map
}

fn sample(kind: FieldKind) -> Value {
    match kind {
        Str => json!("x"),
        U16 | U32 | U64 => json!(7),
        I32 => json!(-1),
        F64 => json!(0.5),
        StrList => json!(["a", "b"]),
    }
}

/// The table must describe the enum exactly: every listed field
/// round-trips, and each required field really is required by serde.
#[test]
fn the_field_table_matches_the_enum() {
    for (name, fields) in EVENT_TYPE_NAMES.iter().zip(EVENT_FIELDS) {
        let mut full = base(name);
        for f in fields {
            full.insert(f.name.into(), sample(f.kind));
        }
        let event = event_from_value(Value::Object(full.clone())).unwrap();
        let back = serde_json::to_value(&event).unwrap();
        for f in fields {
            assert_eq!(back[f.name], full[f.name], "{name}.{}", f.name);
        }
        for f in fields.iter().filter(|f| f.required) {
            let mut partial = full.clone();
            partial.remove(f.name);
            let raw = serde_json::from_value::<SessionEvent>(Value::Object({
                let mut m = partial.clone();
                m.insert("event_id".into(), json!("e"));
                m.insert("timestamp".into(), json!("t"));
                m.insert("trace_id".into(), json!("t"));
                m.insert("span_id".into(), json!("s"));
                m.insert("sequence_no".into(), json!(0));
                m
            }));
            assert!(raw.is_err(), "serde accepts {name} without {}", f.name);
            let err = event_from_value(Value::Object(partial)).unwrap_err();
            assert_eq!(err.field(), Some(f.name), "{err}");
            assert!(err.to_string().contains(f.name), "{err}");
        }
    }
}

#[test]
fn ids_and_time_are_filled_and_sequence_is_ignored() {
    let mut m = base("session.started");
    m.insert("sequence_no".into(), json!(99));
    let e = event_from_value(Value::Object(m)).unwrap();
    assert!(e.event_id.starts_with("evt_"));
    assert_eq!(e.trace_id.len(), 32);
    assert_eq!(e.span_id.len(), 16);
    assert!(e.timestamp.ends_with('Z'));
    assert_eq!(e.sequence_no, 0);
}

#[test]
fn bad_input_is_named() {
    let with = |type_name: &str, key: &str, value: Value| {
        let mut m = base(type_name);
        m.insert(key.into(), value);
        Value::Object(m)
    };
    let cases: [(Value, &str); 9] = [
        (
            with("session.started", "artifact_ref", json!(5)),
            "field `artifact_ref` must be a string, got 5",
        ),
        (
            with(
                "agent.collaborated",
                "collaborator_agent_instance_ids",
                Value::Null,
            ),
            "field `collaborator_agent_instance_ids` must be an array of strings, got null",
        ),
        (json!([1]), "expected a JSON object, got an array"),
        (json!({}), "missing field `type`"),
        (json!({"type": 3}), "field `type` must be a string"),
        (
            json!({"type": "agent.danced"}),
            "unknown event type `agent.danced`",
        ),
        (
            Value::Object(base("agent.opened_port")),
            "missing field `port`",
        ),
        (
            {
                let mut m = base("agent.opened_port");
                m.insert("port".into(), json!(70000));
                Value::Object(m)
            },
            "field `port` must be an integer from 0 to 65535, got 70000",
        ),
        (
            {
                let mut m = base("session.started");
                m.insert("agent_name".into(), json!(5));
                Value::Object(m)
            },
            "field `agent_name` must be a string, got 5",
        ),
    ];
    for (input, expected) in cases {
        let err = event_from_value(input).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidEvent, "{err:?}");
        // The field the message names (an unknown type is about `type`;
        // a value that is no object, about none).
        let named = match expected.split('`').nth(1) {
            _ if expected.starts_with("unknown event type") => Some("type"),
            named if expected.contains("field `") => named,
            _ => None,
        };
        assert_eq!(err.field(), named, "{err}");
        let err = err.to_string();
        assert!(err.contains(expected), "{err:?} lacks {expected:?}");
    }
    let err = event_from_json("{nope").unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (crate::ErrorKind::InvalidEvent, None)
    );
    assert!(err.to_string().contains("not valid JSON"));
}
