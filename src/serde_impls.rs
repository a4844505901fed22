//! `Serialize` and `Deserialize` for [`SessionEvent`] and [`EventType`], so
//! code written against treeship-core's types (`serde_json::to_string(&e)`,
//! a struct holding events) compiles and works unchanged.
//!
//! They are thin adapters over the schema and the codec, not a second
//! reader: serializing walks the schema's fields in the line's order, so
//! serde_json writes exactly the line the log writes; deserializing takes
//! the data format's value as JSON and reads it with the codec's stored-line
//! reader, so every format is judged by the same rules and messages.

use serde::de::{Deserializer, Error as _};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codec;
use crate::json;
use crate::schema::{EventType, FieldRef, SessionEvent, EVENT_FIELDS};

/// A field's value as serde sees it.
struct Out<'a>(FieldRef<'a>);

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            FieldRef::Absent => s.serialize_none(),
            FieldRef::Str(v) => s.serialize_str(v),
            FieldRef::Unsigned(n) => s.serialize_u64(n),
            FieldRef::Signed(n) => s.serialize_i64(n),
            FieldRef::F64(f) => s.serialize_f64(f),
            FieldRef::List(items) => s.collect_seq(items),
        }
    }
}

/// `type` and the type's present fields, into an open map.
fn type_entries<M: SerializeMap>(map: &mut M, t: &EventType) -> Result<(), M::Error> {
    map.serialize_entry("type", t.name())?;
    for (spec, value) in EVENT_FIELDS[t.index()].iter().zip(t.values()) {
        if value != FieldRef::Absent {
            map.serialize_entry(spec.name, &Out(value))?;
        }
    }
    Ok(())
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        type_entries(&mut map, self)?;
        map.end()
    }
}

fn some(s: &Option<String>) -> Option<FieldRef<'_>> {
    s.as_deref().map(FieldRef::Str)
}

impl Serialize for SessionEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let before = [
            ("session_id", Some(FieldRef::Str(&self.session_id))),
            ("event_id", Some(FieldRef::Str(&self.event_id))),
            ("timestamp", Some(FieldRef::Str(&self.timestamp))),
            ("sequence_no", Some(FieldRef::Unsigned(self.sequence_no))),
            ("trace_id", Some(FieldRef::Str(&self.trace_id))),
            ("span_id", Some(FieldRef::Str(&self.span_id))),
            ("parent_span_id", some(&self.parent_span_id)),
            ("agent_id", Some(FieldRef::Str(&self.agent_id))),
            (
                "agent_instance_id",
                Some(FieldRef::Str(&self.agent_instance_id)),
            ),
            ("agent_name", Some(FieldRef::Str(&self.agent_name))),
            ("agent_role", some(&self.agent_role)),
            ("host_id", Some(FieldRef::Str(&self.host_id))),
            ("tool_runtime_id", some(&self.tool_runtime_id)),
        ];
        for (name, value) in before {
            if let Some(value) = value {
                map.serialize_entry(name, &Out(value))?;
            }
        }
        type_entries(&mut map, &self.event_type)?;
        if let Some(value) = some(&self.artifact_ref) {
            map.serialize_entry("artifact_ref", &Out(value))?;
        }
        if let Some(meta) = &self.meta {
            map.serialize_entry("meta", meta)?;
        }
        map.end()
    }
}

/// The data format's value as JSON text.
fn as_json<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(json::value_to_string(&Value::deserialize(d)?))
}

impl<'de> Deserialize<'de> for SessionEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SessionEvent, D::Error> {
        codec::read_event(&as_json(d)?).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EventType, D::Error> {
        codec::read_event_type(&as_json(d)?).map_err(D::Error::custom)
    }
}
