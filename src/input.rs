//! Events from outside Rust: JSON from the command line or from JavaScript.
//!
//! Rust callers build a typed [`SessionEvent`] and cannot get a field wrong.
//! JSON callers can, so this module checks a JSON object field by field
//! against [`EVENT_FIELDS`] before serde sees it, to say *which* field is
//! wrong and why (serde's message for a flattened enum names only the
//! expected type). It also fills what the log can make up itself:
//! `event_id`, `timestamp`, `trace_id` and `span_id` when absent.

use serde_json::{Map, Value};

use crate::error::EventLogError;
use crate::event::{SessionEvent, EVENT_TYPE_NAMES};
use crate::json;

/// The JSON shape a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string.
    Str,
    /// An integer from 0 to 65535.
    U16,
    /// An integer from 0 to 4294967295.
    U32,
    /// A non-negative integer.
    U64,
    /// A signed 32-bit integer (an exit code).
    I32,
    /// Any finite number.
    F64,
    /// An array of strings.
    StrList,
}

/// One field of an event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field's name on the wire.
    pub name: &'static str,
    /// Its JSON shape.
    pub kind: FieldKind,
    /// Whether an event of this type must have it.
    pub required: bool,
}

const fn req(name: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: false,
    }
}

use FieldKind::{Str, StrList, F64, I32, U16, U32, U64};

/// The fields of each event type, in the order of [`EVENT_TYPE_NAMES`].
/// A test checks this table against the serde definition of the enum.
pub const EVENT_FIELDS: [&[FieldSpec]; 18] = [
    &[],
    &[opt("summary", Str), opt("duration_ms", U64)],
    &[opt("parent_agent_instance_id", Str)],
    &[req("spawned_by_agent_instance_id", Str), opt("reason", Str)],
    &[
        req("from_agent_instance_id", Str),
        req("to_agent_instance_id", Str),
        opt("artifacts", StrList),
    ],
    &[opt("collaborator_agent_instance_ids", StrList)],
    &[req("returned_to_agent_instance_id", Str)],
    &[opt("termination_reason", Str)],
    &[opt("reason", Str)],
    &[
        req("tool_name", Str),
        opt("tool_input_digest", Str),
        opt("tool_output_digest", Str),
        opt("duration_ms", U64),
    ],
    &[req("file_path", Str), opt("digest", Str)],
    &[
        req("file_path", Str),
        opt("digest", Str),
        opt("operation", Str),
        opt("additions", U32),
        opt("deletions", U32),
    ],
    &[req("port", U16), opt("protocol", Str)],
    &[req("destination", Str), opt("port", U16)],
    &[
        req("process_name", Str),
        opt("pid", U32),
        opt("command", Str),
    ],
    &[
        req("process_name", Str),
        opt("exit_code", I32),
        opt("duration_ms", U64),
        opt("command", Str),
    ],
    &[opt("text", Str)],
    &[
        opt("model", Str),
        opt("tokens_in", U64),
        opt("tokens_out", U64),
        opt("provider", Str),
        opt("summary", Str),
        opt("confidence", F64),
    ],
];

/// The fields every event has besides `type` and its own fields.
pub const COMMON_FIELDS: [FieldSpec; 13] = [
    req("session_id", Str),
    opt("event_id", Str),
    opt("timestamp", Str),
    opt("trace_id", Str),
    opt("span_id", Str),
    opt("parent_span_id", Str),
    req("agent_id", Str),
    req("agent_instance_id", Str),
    req("agent_name", Str),
    opt("agent_role", Str),
    req("host_id", Str),
    opt("tool_runtime_id", Str),
    opt("artifact_ref", Str),
];

/// The fields of the event type with this wire name.
pub fn fields_of(type_name: &str) -> Option<&'static [FieldSpec]> {
    Some(EVENT_FIELDS[crate::event_serde::type_index(type_name)?])
}

/// Parses one event from JSON text; see [`event_from_value`].
///
/// Text is read strictly, which a [`Value`] cannot be: a duplicate key
/// anywhere (JSON readers keep one of the values) and an integer that a
/// double would round (beyond 64 bits) are refused, naming the field.
pub fn event_from_json(text: &str) -> Result<SessionEvent, EventLogError> {
    let value = json::read_value(text).map_err(|e| {
        EventLogError::InvalidEvent(if e.starts_with("field `") {
            e
        } else {
            format!("not valid JSON: {e}")
        })
    })?;
    check(&value)?;
    named(json::read_input(text), &value)
}

/// Checks a JSON value field by field and turns it into an event, filling
/// `event_id`, `timestamp`, `trace_id` and `span_id` when absent or null.
/// `sequence_no` is ignored: the log assigns it. A key the event does not
/// have (a typo, a field of another event type) is refused by name: extra
/// data goes in `meta`.
pub fn event_from_value(value: Value) -> Result<SessionEvent, EventLogError> {
    check(&value)?;
    named(json::read_input_value(&value), &value)
}

/// The event read from `value` (already checked), or the reader's error
/// with the event's type.
fn named(read: Result<SessionEvent, String>, value: &Value) -> Result<SessionEvent, EventLogError> {
    read.map_err(|e| {
        let type_name = value.get("type").and_then(Value::as_str).unwrap_or("");
        EventLogError::InvalidEvent(format!("`{type_name}` event: {e}"))
    })
}

/// The checks of [`event_from_value`]: the shape of every field the event
/// and its type have, with errors that name the field.
fn check(value: &Value) -> Result<(), EventLogError> {
    let invalid = |why: String| EventLogError::InvalidEvent(why);
    let Value::Object(map) = value else {
        return Err(invalid(format!(
            "expected a JSON object, got {}",
            kind_of(value)
        )));
    };
    let type_name = match map.get("type") {
        None | Some(Value::Null) => {
            return Err(invalid(format!(
                "missing field `type` (one of: {})",
                type_names()
            )))
        }
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(invalid(format!(
                "field `type` must be a string, got {}",
                kind_of(other)
            )))
        }
    };
    let own = fields_of(type_name).ok_or_else(|| {
        invalid(format!(
            "unknown event type `{type_name}` (expected one of: {})",
            type_names()
        ))
    })?;
    for spec in COMMON_FIELDS.iter().chain(own) {
        check_field(map, spec, type_name)?;
    }
    // A key the event does not have is refused by the reader that follows
    // (`event_serde`'s input mode, the codec's), naming it.
    Ok(())
}

/// Cuts `s` to at most `max_chars` characters, marking the cut with `…`:
/// messages and reports quote a bounded prefix of a value, never all of it.
pub(crate) fn bound(s: &mut String, max_chars: usize) {
    if let Some((cut, _)) = s.char_indices().nth(max_chars) {
        s.truncate(cut);
        s.push('…');
    }
}

/// The wire names, comma-separated.
fn type_names() -> String {
    let mut out = String::new();
    for name in EVENT_TYPE_NAMES {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(name);
    }
    out
}

fn check_field(
    map: &Map<String, Value>,
    spec: &FieldSpec,
    type_name: &str,
) -> Result<(), EventLogError> {
    let value = match map.get(spec.name) {
        None | Some(Value::Null) if spec.required => {
            return Err(EventLogError::InvalidEvent(format!(
                "missing field `{}` (required in `{type_name}` events)",
                spec.name
            )))
        }
        // A list is optional by being absent or empty; null is not a list
        // (treeship-core refuses it too), so say so by name.
        Some(Value::Null) if spec.kind == FieldKind::StrList => {
            return Err(EventLogError::InvalidEvent(format!(
                "field `{}` must be an array of strings, got null",
                spec.name
            )))
        }
        None | Some(Value::Null) => return Ok(()),
        Some(v) => v,
    };
    let fits = match spec.kind {
        FieldKind::Str => value.is_string(),
        FieldKind::U16 => value.as_u64().is_some_and(|n| n <= u64::from(u16::MAX)),
        FieldKind::U32 => value.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)),
        FieldKind::U64 => value.is_u64(),
        FieldKind::I32 => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        FieldKind::F64 => value.as_f64().is_some_and(f64::is_finite),
        FieldKind::StrList => value
            .as_array()
            .is_some_and(|items| items.iter().all(Value::is_string)),
    };
    if fits {
        return Ok(());
    }
    let wanted = match spec.kind {
        FieldKind::Str => "a string",
        FieldKind::U16 => "an integer from 0 to 65535",
        FieldKind::U32 => "an integer from 0 to 4294967295",
        FieldKind::U64 => "a non-negative integer",
        FieldKind::I32 => "an integer from -2147483648 to 2147483647",
        FieldKind::F64 => "a finite number",
        FieldKind::StrList => "an array of strings",
    };
    Err(EventLogError::InvalidEvent(format!(
        "field `{}` must be {wanted}, got {}",
        spec.name,
        describe(value)
    )))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Number(_) => json::value_to_string(value),
        Value::String(s) if s.len() <= 40 => format!("\"{s}\""),
        other => kind_of(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            let err = event_from_value(input).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
        assert!(event_from_json("{nope")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
    }
}
