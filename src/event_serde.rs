//! Hand-written `Serialize` and `Deserialize` for [`SessionEvent`] and
//! [`EventType`].
//!
//! Why not `#[derive]`: a struct with a flattened, internally tagged enum of
//! 18 variants is the most expensive shape serde's derive knows. Every parse
//! buffers the whole event into serde's private `Content` tree, then walks it
//! again per variant; the derived code alone was about 69 KB of the gzipped
//! `.wasm` at opt-level 3 (48 KB at "z"), more than the rest of the core,
//! and the buffering was the slowest part of an append from JavaScript. The
//! code here reads each key once, straight into its place, and keeps the
//! per-type knowledge in one table ([`EVENT_FIELDS`] in `input.rs`, which
//! also drives the field-by-field checks of JSON input): field names, their
//! order and their shapes are written down once.
//!
//! What it writes and accepts is exactly what the derives did (the tests
//! below keep the derived types as an oracle and compare bytes and results):
//!
//! - Written: the struct's fields in declaration order, with `"type"` and the
//!   event type's own fields (in the table's order, which is the enum's
//!   declaration order) where the flattened `event_type` stands, after
//!   `tool_runtime_id` and before `artifact_ref` and `meta`. `None` is left
//!   out, and so is an empty list. A serializer sees a map, as it did.
//! - Read: keys in any order; unknown keys ignored whatever their value
//!   (including the fields of other event types); optional fields absent or
//!   null; list fields absent (empty) but not null; a required field missing,
//!   a duplicate key, a value of the wrong shape or a number out of range is
//!   an error naming it; `type` is a wire name (or, inside an event, as the
//!   derive's buffer allowed, a variant index below 18), anything else an
//!   error naming the value.
//! - [`EventType`] on its own reads and writes the same object without the
//!   event's common fields, and also reads the derive's positional form (a
//!   sequence: the tag, then the fields in order; trailing fields that had
//!   `#[serde(default)]` may be left off).
//!
//! Generic code (one copy per serde data format) is kept to the loop over
//! keys; checking and building the event is plain code, compiled once, and
//! shared with the wasm build's own JSON reader (`json/codec.rs`), which
//! fills the same [`Read`] and calls the same [`event`].
//!
//! The field table also drives [`KEY_ORDER`], the order of the keys as
//! written, which the Node wrapper builds the events it returns by.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::event::{
    generate_event_id, generate_span_id, generate_trace_id, now_rfc3339, EventType, SessionEvent,
    EVENT_TYPE_NAMES,
};
use crate::input::{FieldKind, FieldSpec, EVENT_FIELDS};

/// The most fields an event type has (`agent.decision`).
pub(crate) const MAX_FIELDS: usize = 6;

// ---------------------------------------------------------------- writing

/// One field of an event type, borrowed for writing. `Absent` is `None` or an
/// empty list: not written.
#[derive(Clone, Copy)]
pub(crate) enum Out<'a> {
    Absent,
    Str(&'a str),
    U16(u16),
    U32(u32),
    U64(u64),
    I32(i32),
    F64(f64),
    List(&'a [String]),
}

/// A present field with its spec: an `Option` field is written through
/// `serialize_some`, as the derive wrote it.
pub(crate) struct OutField<'a> {
    pub spec: &'static FieldSpec,
    pub value: Out<'a>,
}

impl Serialize for OutField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let is_option = !self.spec.required && self.spec.kind != FieldKind::StrList;
        if is_option {
            s.serialize_some(&Bare(self.value))
        } else {
            Bare(self.value).serialize(s)
        }
    }
}

struct Bare<'a>(Out<'a>);

impl Serialize for Bare<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Out::Str(v) => s.serialize_str(v),
            Out::U16(v) => s.serialize_u16(v),
            Out::U32(v) => s.serialize_u32(v),
            Out::U64(v) => s.serialize_u64(v),
            Out::I32(v) => s.serialize_i32(v),
            Out::F64(v) => s.serialize_f64(v),
            Out::List(v) => s.collect_seq(v),
            Out::Absent => s.serialize_none(),
        }
    }
}

fn o_str(v: &Option<String>) -> Out<'_> {
    v.as_deref().map_or(Out::Absent, Out::Str)
}

fn o_u16(v: Option<u16>) -> Out<'static> {
    v.map_or(Out::Absent, Out::U16)
}

fn o_u32(v: Option<u32>) -> Out<'static> {
    v.map_or(Out::Absent, Out::U32)
}

fn o_u64(v: Option<u64>) -> Out<'static> {
    v.map_or(Out::Absent, Out::U64)
}

fn o_i32(v: Option<i32>) -> Out<'static> {
    v.map_or(Out::Absent, Out::I32)
}

fn o_f64(v: Option<f64>) -> Out<'static> {
    v.map_or(Out::Absent, Out::F64)
}

fn o_list(v: &[String]) -> Out<'_> {
    if v.is_empty() {
        Out::Absent
    } else {
        Out::List(v)
    }
}

fn pad<const N: usize>(values: [Out<'_>; N]) -> [Out<'_>; MAX_FIELDS] {
    let mut out = [Out::Absent; MAX_FIELDS];
    out[..N].copy_from_slice(&values);
    out
}

/// The values of an event type's fields, in the order of its row of
/// [`EVENT_FIELDS`].
fn values(t: &EventType) -> [Out<'_>; MAX_FIELDS] {
    use EventType as T;
    match t {
        T::SessionStarted => pad([]),
        T::SessionClosed {
            summary,
            duration_ms,
        } => pad([o_str(summary), o_u64(*duration_ms)]),
        T::AgentStarted {
            parent_agent_instance_id,
        } => pad([o_str(parent_agent_instance_id)]),
        T::AgentSpawned {
            spawned_by_agent_instance_id,
            reason,
        } => pad([Out::Str(spawned_by_agent_instance_id), o_str(reason)]),
        T::AgentHandoff {
            from_agent_instance_id,
            to_agent_instance_id,
            artifacts,
        } => pad([
            Out::Str(from_agent_instance_id),
            Out::Str(to_agent_instance_id),
            o_list(artifacts),
        ]),
        T::AgentCollaborated {
            collaborator_agent_instance_ids,
        } => pad([o_list(collaborator_agent_instance_ids)]),
        T::AgentReturned {
            returned_to_agent_instance_id,
        } => pad([Out::Str(returned_to_agent_instance_id)]),
        T::AgentCompleted { termination_reason } => pad([o_str(termination_reason)]),
        T::AgentFailed { reason } => pad([o_str(reason)]),
        T::AgentCalledTool {
            tool_name,
            tool_input_digest,
            tool_output_digest,
            duration_ms,
        } => pad([
            Out::Str(tool_name),
            o_str(tool_input_digest),
            o_str(tool_output_digest),
            o_u64(*duration_ms),
        ]),
        T::AgentReadFile { file_path, digest } => pad([Out::Str(file_path), o_str(digest)]),
        T::AgentWroteFile {
            file_path,
            digest,
            operation,
            additions,
            deletions,
        } => pad([
            Out::Str(file_path),
            o_str(digest),
            o_str(operation),
            o_u32(*additions),
            o_u32(*deletions),
        ]),
        T::AgentOpenedPort { port, protocol } => pad([Out::U16(*port), o_str(protocol)]),
        T::AgentConnectedNetwork { destination, port } => {
            pad([Out::Str(destination), o_u16(*port)])
        }
        T::AgentStartedProcess {
            process_name,
            pid,
            command,
        } => pad([Out::Str(process_name), o_u32(*pid), o_str(command)]),
        T::AgentCompletedProcess {
            process_name,
            exit_code,
            duration_ms,
            command,
        } => pad([
            Out::Str(process_name),
            o_i32(*exit_code),
            o_u64(*duration_ms),
            o_str(command),
        ]),
        T::AgentNote { text } => pad([o_str(text)]),
        T::AgentDecision {
            model,
            tokens_in,
            tokens_out,
            provider,
            summary,
            confidence,
        } => pad([
            o_str(model),
            o_u64(*tokens_in),
            o_u64(*tokens_out),
            o_str(provider),
            o_str(summary),
            o_f64(*confidence),
        ]),
    }
}

/// The fields of `t` that are written, in order.
pub(crate) fn present(t: &EventType) -> impl Iterator<Item = OutField<'_>> {
    EVENT_FIELDS[t.index()]
        .iter()
        .zip(values(t))
        .filter(|(_, value)| !matches!(value, Out::Absent))
        .map(|(spec, value)| OutField { spec, value })
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("EventType", 1 + present(self).count())?;
        state.serialize_field("type", self.name())?;
        let specs = EVENT_FIELDS[self.index()].iter();
        for (spec, value) in specs.zip(values(self)) {
            if matches!(value, Out::Absent) {
                state.skip_field(spec.name)?;
            } else {
                state.serialize_field(spec.name, &OutField { spec, value })?;
            }
        }
        state.end()
    }
}

impl Serialize for SessionEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("session_id", &self.session_id)?;
        map.serialize_entry("event_id", &self.event_id)?;
        map.serialize_entry("timestamp", &self.timestamp)?;
        map.serialize_entry("sequence_no", &self.sequence_no)?;
        map.serialize_entry("trace_id", &self.trace_id)?;
        map.serialize_entry("span_id", &self.span_id)?;
        if self.parent_span_id.is_some() {
            map.serialize_entry("parent_span_id", &self.parent_span_id)?;
        }
        map.serialize_entry("agent_id", &self.agent_id)?;
        map.serialize_entry("agent_instance_id", &self.agent_instance_id)?;
        map.serialize_entry("agent_name", &self.agent_name)?;
        if self.agent_role.is_some() {
            map.serialize_entry("agent_role", &self.agent_role)?;
        }
        map.serialize_entry("host_id", &self.host_id)?;
        if self.tool_runtime_id.is_some() {
            map.serialize_entry("tool_runtime_id", &self.tool_runtime_id)?;
        }
        map.serialize_entry("type", self.event_type.name())?;
        for field in present(&self.event_type) {
            map.serialize_entry(field.spec.name, &field)?;
        }
        if self.artifact_ref.is_some() {
            map.serialize_entry("artifact_ref", &self.artifact_ref)?;
        }
        if self.meta.is_some() {
            map.serialize_entry("meta", &self.meta)?;
        }
        map.end()
    }
}

// ---------------------------------------------------------------- reading

/// What a map is read as.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A stored event: every field as the struct has it.
    Event,
    /// An event to append: `event_id`, `timestamp`, `trace_id` and `span_id`
    /// may be absent or null (they are filled), `sequence_no` is ignored.
    Input,
    /// An [`EventType`] alone: only `type` and the type's fields are known.
    TypeOnly,
}

/// The event's own string fields, by index into [`Common::strs`].
pub(crate) const STRING_KEYS: [&str; 13] = [
    "session_id",
    "event_id",
    "timestamp",
    "trace_id",
    "span_id",
    "parent_span_id",
    "agent_id",
    "agent_instance_id",
    "agent_name",
    "agent_role",
    "host_id",
    "tool_runtime_id",
    "artifact_ref",
];
/// The fields an input may leave to the log, in [`STRING_KEYS`].
#[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
pub(crate) const FILLED: [usize; 4] = [EVENT_ID, TIMESTAMP, TRACE_ID, SPAN_ID];

/// The keys of an event in the order they are written, with a letter for
/// each that tells the Node wrapper's fast path (bindings/node/index.js)
/// what the value is: `s` a string, `x` a string the log fills when absent,
/// `q` the sequence number, `t` the type, `*` the type's own fields (each
/// with its kind's letter, see [`kind_letter`]), `m` meta.
#[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
pub(crate) const KEY_ORDER: [(&str, char); 17] = [
    ("session_id", 's'),
    ("event_id", 'x'),
    ("timestamp", 'x'),
    ("sequence_no", 'q'),
    ("trace_id", 'x'),
    ("span_id", 'x'),
    ("parent_span_id", 's'),
    ("agent_id", 's'),
    ("agent_instance_id", 's'),
    ("agent_name", 's'),
    ("agent_role", 's'),
    ("host_id", 's'),
    ("tool_runtime_id", 's'),
    ("type", 't'),
    ("*", '*'),
    ("artifact_ref", 's'),
    ("meta", 'm'),
];

/// The letter of a field kind in [`KEY_ORDER`]: `s` a string, `i` an
/// integer, `f` a float, `l` a list of strings.
#[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
pub(crate) fn kind_letter(kind: FieldKind) -> char {
    match kind {
        FieldKind::Str => 's',
        FieldKind::U16 | FieldKind::U32 | FieldKind::U64 | FieldKind::I32 => 'i',
        FieldKind::F64 => 'f',
        FieldKind::StrList => 'l',
    }
}

const SESSION_ID: usize = 0;
const EVENT_ID: usize = 1;
const TIMESTAMP: usize = 2;
const TRACE_ID: usize = 3;
const SPAN_ID: usize = 4;
const PARENT_SPAN_ID: usize = 5;
const AGENT_ID: usize = 6;
const AGENT_INSTANCE_ID: usize = 7;
const AGENT_NAME: usize = 8;
const AGENT_ROLE: usize = 9;
const HOST_ID: usize = 10;
const TOOL_RUNTIME_ID: usize = 11;
const ARTIFACT_REF: usize = 12;

/// What one key of the map is.
pub(crate) enum Key {
    /// One of [`STRING_KEYS`].
    Str(usize),
    SequenceNo,
    Meta,
    Type,
    /// Field `j` of the event type already read.
    Field(usize),
    /// A field of some event type, seen before `type`: which one it is
    /// depends on the type.
    Early(&'static str),
    /// `sequence_no` in an event to append: the log numbers it, so a
    /// number given is skipped (a stored event can be appended again).
    Ignored,
    /// Anything else: skipped in a stored event (written by a newer
    /// version, say; readers stay lenient), refused in an event to append
    /// (a typo such as `duraton_ms` would lose the value without a word).
    Unknown,
}

pub(crate) fn classify(mode: Mode, variant: Option<usize>, key: &str) -> Key {
    if mode != Mode::TypeOnly {
        let common = match key {
            "session_id" => Key::Str(SESSION_ID),
            "event_id" => Key::Str(EVENT_ID),
            "timestamp" => Key::Str(TIMESTAMP),
            "sequence_no" if mode == Mode::Event => Key::SequenceNo,
            "sequence_no" => Key::Ignored,
            "trace_id" => Key::Str(TRACE_ID),
            "span_id" => Key::Str(SPAN_ID),
            "parent_span_id" => Key::Str(PARENT_SPAN_ID),
            "agent_id" => Key::Str(AGENT_ID),
            "agent_instance_id" => Key::Str(AGENT_INSTANCE_ID),
            "agent_name" => Key::Str(AGENT_NAME),
            "agent_role" => Key::Str(AGENT_ROLE),
            "host_id" => Key::Str(HOST_ID),
            "tool_runtime_id" => Key::Str(TOOL_RUNTIME_ID),
            "artifact_ref" => Key::Str(ARTIFACT_REF),
            "meta" => Key::Meta,
            _ => Key::Unknown,
        };
        if !matches!(common, Key::Unknown) {
            return common;
        }
    }
    if key == "type" {
        return Key::Type;
    }
    match variant {
        Some(v) => EVENT_FIELDS[v]
            .iter()
            .position(|f| f.name == key)
            .map_or(Key::Unknown, Key::Field),
        None => EVENT_FIELDS
            .iter()
            .flat_map(|fields| fields.iter())
            .find(|f| f.name == key)
            .map_or(Key::Unknown, |f| Key::Early(f.name)),
    }
}

/// Reads a key as a [`Key`] without allocating.
struct KeySeed {
    mode: Mode,
    variant: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        match classify(self.mode, self.variant, key) {
            Key::Unknown if self.mode == Mode::Input => Err(E::custom(unknown_field(key))),
            known => Ok(known),
        }
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(key) {
            Ok(key) => self.visit_str(key),
            Err(_) if self.mode == Mode::Input => Err(E::custom("a field name is not UTF-8")),
            Err(_) => Ok(Key::Unknown),
        }
    }
}

/// Reads the value of `type` as an event type's index.
///
/// Inside an event the derive read the tag through its buffer, where a
/// variant index (a number below 18) stands for the type as well as its
/// wire name does; an [`EventType`] alone read it straight from the data
/// format, as an identifier. `any` picks the first.
struct TagSeed {
    any: bool,
}

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        if self.any {
            d.deserialize_any(self)
        } else {
            d.deserialize_identifier(self)
        }
    }
}

impl<'de> Visitor<'de> for TagSeed {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        type_index(name).ok_or_else(|| E::unknown_variant(name, &EVENT_TYPE_NAMES))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<usize, E> {
        EVENT_TYPE_NAMES
            .iter()
            .position(|n| n.as_bytes() == name)
            .ok_or_else(|| E::unknown_variant(&String::from_utf8_lossy(name), &EVENT_TYPE_NAMES))
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<usize, E> {
        match usize::try_from(index) {
            Ok(i) if i < EVENT_TYPE_NAMES.len() => Ok(i),
            _ => Err(E::invalid_value(
                de::Unexpected::Unsigned(index),
                &"variant index 0 <= i < 18",
            )),
        }
    }
}

/// A field value read before its shape is known: the value of a key that
/// may belong to the event type, checked against the field's kind once the
/// type is known. Unlike serde's `Content` it keeps nothing of what no field
/// can be.
#[derive(Default)]
pub(crate) enum Loose {
    /// Not in the map.
    #[default]
    Absent,
    Null,
    Str(String),
    U64(u64),
    I64(i64),
    F64(f64),
    /// An array of strings.
    List(Vec<String>),
    /// Anything no field can be, as serde names it in errors.
    Other(Shape),
}

/// A value's shape, for errors about values that fit no field.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    Bool(bool),
    Seq,
    Map,
    Other,
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Other(Shape::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(if v >= 0 {
            Loose::U64(v as u64)
        } else {
            Loose::I64(v)
        })
    }

    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::U64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::F64(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Str(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Loose, E> {
        Ok(match std::str::from_utf8(v) {
            Ok(s) => Loose::Str(s.to_owned()),
            Err(_) => Loose::Other(Shape::Other),
        })
    }

    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut items = Vec::new();
        let mut all_strings = true;
        while let Some(item) = seq.next_element::<Loose>()? {
            match item {
                Loose::Str(s) if all_strings => items.push(s),
                _ => all_strings = false,
            }
        }
        Ok(if all_strings {
            Loose::List(items)
        } else {
            Loose::Other(Shape::Seq)
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Other(Shape::Map))
    }
}

/// Why a map is not an event; turned into the data format's error by
/// [`Problem::into_error`], so the checks are compiled once.
pub(crate) enum Problem {
    Missing(&'static str),
    Duplicate(&'static str),
    /// A field of another event type in an event to append: the field, the
    /// event's type.
    NotOfType(&'static str, &'static str),
    /// The value of a field has the wrong shape: what it is, what was wanted.
    Type(Loose, &'static str),
    /// A number out of the field's range.
    Range(Loose, &'static str),
}

impl Problem {
    fn into_error<E: de::Error>(self) -> E {
        match self {
            Problem::Missing(name) => E::missing_field(name),
            Problem::Duplicate(name) => E::duplicate_field(name),
            Problem::NotOfType(name, type_name) => E::custom(not_of_type(name, type_name)),
            Problem::Type(v, wanted) => E::invalid_type(unexpected(&v), &wanted),
            Problem::Range(v, wanted) => E::invalid_value(unexpected(&v), &wanted),
        }
    }
}

/// The message for a key an event to append does not have.
#[cold]
pub(crate) fn unknown_field(key: &str) -> String {
    let mut shown = key.to_string();
    crate::input::bound(&mut shown, 64);
    format!("unknown field `{shown}` (put extra data in `meta`)")
}

/// The message for a field of another event type in an event to append.
#[cold]
pub(crate) fn not_of_type(name: &str, type_name: &str) -> String {
    format!("unknown field `{name}`: it is not a field of `{type_name}` events")
}

/// A value as serde's error messages name it.
fn unexpected(v: &Loose) -> de::Unexpected<'_> {
    use de::Unexpected as U;
    match v {
        Loose::Absent | Loose::Null => U::Unit,
        Loose::Str(s) => U::Str(s),
        Loose::U64(n) => U::Unsigned(*n),
        Loose::I64(n) => U::Signed(*n),
        Loose::F64(n) => U::Float(*n),
        Loose::List(_) | Loose::Other(Shape::Seq) => U::Seq,
        Loose::Other(Shape::Map) => U::Map,
        Loose::Other(Shape::Bool(b)) => U::Bool(*b),
        Loose::Other(Shape::Other) => U::Other("a value"),
    }
}

/// The event's own fields as read so far.
#[derive(Default)]
pub(crate) struct Common {
    /// The values of [`STRING_KEYS`]; `None` when absent or null.
    pub strs: [Option<String>; 13],
    /// Bit `i`: key `STRING_KEYS[i]` was seen (null included).
    pub seen: u16,
    pub sequence_no: Option<u64>,
    pub meta: Option<Option<serde_json::Value>>,
}

/// Everything read from one map.
pub(crate) struct Read {
    pub common: Common,
    pub variant: Option<usize>,
    /// The event type's fields, by their index in its row of the table.
    pub fields: [Loose; MAX_FIELDS],
    /// Fields of some event type read before `type`.
    pub early: Vec<(&'static str, Loose)>,
}

impl Read {
    pub(crate) fn new() -> Read {
        Read {
            common: Common::default(),
            variant: None,
            fields: Default::default(),
            early: Vec::new(),
        }
    }

    /// Notes key `STRING_KEYS[i]`; a second one is an error.
    pub(crate) fn see_str(&mut self, i: usize) -> Result<(), Problem> {
        if self.common.seen & (1 << i) != 0 {
            return Err(Problem::Duplicate(STRING_KEYS[i]));
        }
        self.common.seen |= 1 << i;
        Ok(())
    }

    /// Refuses a second `sequence_no`, `meta` or `type`.
    pub(crate) fn see(&self, key: &Key) -> Result<(), Problem> {
        let (seen, name) = match key {
            Key::SequenceNo => (self.common.sequence_no.is_some(), "sequence_no"),
            Key::Meta => (self.common.meta.is_some(), "meta"),
            Key::Type => (self.variant.is_some(), "type"),
            _ => (false, ""),
        };
        if seen {
            return Err(Problem::Duplicate(name));
        }
        Ok(())
    }
}

/// The index of the event type named `name`.
pub(crate) fn type_index(name: &str) -> Option<usize> {
    EVENT_TYPE_NAMES.iter().position(|&n| n == name)
}

struct EventVisitor(Mode);

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 == Mode::TypeOnly {
            "an event type object"
        } else {
            "a session event object"
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Read, A::Error> {
        if self.0 != Mode::TypeOnly {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        visit_positional(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        let mode = self.0;
        let mut read = Read::new();
        loop {
            let seed = KeySeed {
                mode,
                variant: read.variant,
            };
            let Some(key) = map.next_key_seed(seed)? else {
                break;
            };
            if let Err(p) = read.see(&key) {
                return Err(p.into_error());
            }
            match key {
                Key::Str(i) => {
                    if let Err(p) = read.see_str(i) {
                        return Err(p.into_error());
                    }
                    read.common.strs[i] = map.next_value()?;
                }
                Key::SequenceNo => read.common.sequence_no = Some(map.next_value()?),
                Key::Meta => read.common.meta = Some(map.next_value()?),
                Key::Type => {
                    let tag = TagSeed {
                        any: mode != Mode::TypeOnly,
                    };
                    read.variant = Some(map.next_value_seed(tag)?);
                }
                Key::Field(j) => {
                    let value = map.next_value()?;
                    if let Err(p) = put(&mut read.fields, read.variant, j, value) {
                        return Err(p.into_error());
                    }
                }
                Key::Early(name) => {
                    let value = map.next_value()?;
                    read.early.push((name, value));
                }
                Key::Unknown | Key::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(read)
    }
}

/// Stores field `j` of the event type, refusing a second value.
pub(crate) fn put(
    fields: &mut [Loose; MAX_FIELDS],
    variant: Option<usize>,
    j: usize,
    value: Loose,
) -> Result<(), Problem> {
    if !matches!(fields[j], Loose::Absent) {
        let name = variant.map_or("", |v| EVENT_FIELDS[v][j].name);
        return Err(Problem::Duplicate(name));
    }
    fields[j] = value;
    Ok(())
}

/// A field's value once checked against its spec.
#[derive(Default)]
enum Val {
    /// An optional field absent or null.
    #[default]
    Absent,
    Str(String),
    /// An integer of an unsigned kind, within the kind's range.
    Unsigned(u64),
    /// An `i32`.
    Signed(i32),
    F64(f64),
    List(Vec<String>),
}

/// Checks `value` against `spec`, as the derive did: optional fields absent
/// or null are `Absent`, list fields absent are empty (null is an error),
/// numbers must fit the kind.
#[inline(never)]
fn check(spec: &FieldSpec, value: Loose) -> Result<Val, Problem> {
    use FieldKind as K;
    let wanted = match spec.kind {
        K::Str => "a string",
        K::U16 => "u16",
        K::U32 => "u32",
        K::U64 => "u64",
        K::I32 => "i32",
        K::F64 => "f64",
        K::StrList => "a sequence of strings",
    };
    let max = match spec.kind {
        K::U16 => u64::from(u16::MAX),
        K::U32 => u64::from(u32::MAX),
        K::I32 => i32::MAX as u64,
        _ => u64::MAX,
    };
    Ok(match (spec.kind, value) {
        (_, Loose::Absent) if spec.required => return Err(Problem::Missing(spec.name)),
        (K::StrList, Loose::Absent) => Val::List(Vec::new()),
        (_, Loose::Absent) => Val::Absent,
        (K::StrList, Loose::List(items)) => Val::List(items),
        (K::StrList, other) => return Err(Problem::Type(other, wanted)),
        (_, Loose::Null) if !spec.required => Val::Absent,
        (K::Str, Loose::Str(s)) => Val::Str(s),
        (K::F64, Loose::U64(n)) => Val::F64(n as f64),
        (K::F64, Loose::I64(n)) => Val::F64(n as f64),
        (K::F64, Loose::F64(n)) => Val::F64(n),
        (K::U16 | K::U32 | K::U64 | K::I32, Loose::U64(n)) if n <= max => match spec.kind {
            K::I32 => Val::Signed(n as i32),
            _ => Val::Unsigned(n),
        },
        (K::I32, Loose::I64(n)) if n >= i64::from(i32::MIN) => Val::Signed(n as i32),
        (K::U16 | K::U32 | K::U64 | K::I32, v @ (Loose::U64(_) | Loose::I64(_))) => {
            return Err(Problem::Range(v, wanted))
        }
        (_, other) => return Err(Problem::Type(other, wanted)),
    })
}

/// The checked fields of one event type, taken out as the enum's fields.
/// Only ever asked for what `check` made of the field's kind, so the
/// fallbacks are never used.
struct Fields([Val; MAX_FIELDS]);

impl Fields {
    fn take(&mut self, j: usize) -> Val {
        std::mem::take(&mut self.0[j])
    }

    fn string(&mut self, j: usize) -> String {
        self.opt_string(j).unwrap_or_default()
    }

    // Not inlined: ~50 calls, each with drop glue for the other kinds.
    #[inline(never)]
    fn opt_string(&mut self, j: usize) -> Option<String> {
        match self.take(j) {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    // Not inlined: ~50 calls, each with drop glue for the other kinds.
    #[inline(never)]
    fn list(&mut self, j: usize) -> Vec<String> {
        match self.take(j) {
            Val::List(items) => items,
            _ => Vec::new(),
        }
    }

    // Not inlined: ~50 calls, each with drop glue for the other kinds.
    #[inline(never)]
    fn opt_unsigned(&mut self, j: usize) -> Option<u64> {
        match self.take(j) {
            Val::Unsigned(n) => Some(n),
            _ => None,
        }
    }

    fn u16(&mut self, j: usize) -> u16 {
        self.opt_u16(j).unwrap_or_default()
    }

    fn opt_u16(&mut self, j: usize) -> Option<u16> {
        self.opt_unsigned(j).map(|n| n as u16)
    }

    fn opt_u32(&mut self, j: usize) -> Option<u32> {
        self.opt_unsigned(j).map(|n| n as u32)
    }

    // Not inlined: ~50 calls, each with drop glue for the other kinds.
    #[inline(never)]
    fn opt_i32(&mut self, j: usize) -> Option<i32> {
        match self.take(j) {
            Val::Signed(n) => Some(n),
            _ => None,
        }
    }

    // Not inlined: ~50 calls, each with drop glue for the other kinds.
    #[inline(never)]
    fn opt_f64(&mut self, j: usize) -> Option<f64> {
        match self.take(j) {
            Val::F64(n) => Some(n),
            _ => None,
        }
    }
}

/// Builds event type `variant` from its checked fields. The field indices
/// are the positions in its row of [`EVENT_FIELDS`]; the tests (and the
/// oracle) catch a getter that does not match the row's kind.
fn build(variant: usize, mut f: Fields) -> EventType {
    use EventType as T;
    match variant {
        0 => T::SessionStarted,
        1 => T::SessionClosed {
            summary: f.opt_string(0),
            duration_ms: f.opt_unsigned(1),
        },
        2 => T::AgentStarted {
            parent_agent_instance_id: f.opt_string(0),
        },
        3 => T::AgentSpawned {
            spawned_by_agent_instance_id: f.string(0),
            reason: f.opt_string(1),
        },
        4 => T::AgentHandoff {
            from_agent_instance_id: f.string(0),
            to_agent_instance_id: f.string(1),
            artifacts: f.list(2),
        },
        5 => T::AgentCollaborated {
            collaborator_agent_instance_ids: f.list(0),
        },
        6 => T::AgentReturned {
            returned_to_agent_instance_id: f.string(0),
        },
        7 => T::AgentCompleted {
            termination_reason: f.opt_string(0),
        },
        8 => T::AgentFailed {
            reason: f.opt_string(0),
        },
        9 => T::AgentCalledTool {
            tool_name: f.string(0),
            tool_input_digest: f.opt_string(1),
            tool_output_digest: f.opt_string(2),
            duration_ms: f.opt_unsigned(3),
        },
        10 => T::AgentReadFile {
            file_path: f.string(0),
            digest: f.opt_string(1),
        },
        11 => T::AgentWroteFile {
            file_path: f.string(0),
            digest: f.opt_string(1),
            operation: f.opt_string(2),
            additions: f.opt_u32(3),
            deletions: f.opt_u32(4),
        },
        12 => T::AgentOpenedPort {
            port: f.u16(0),
            protocol: f.opt_string(1),
        },
        13 => T::AgentConnectedNetwork {
            destination: f.string(0),
            port: f.opt_u16(1),
        },
        14 => T::AgentStartedProcess {
            process_name: f.string(0),
            pid: f.opt_u32(1),
            command: f.opt_string(2),
        },
        15 => T::AgentCompletedProcess {
            process_name: f.string(0),
            exit_code: f.opt_i32(1),
            duration_ms: f.opt_unsigned(2),
            command: f.opt_string(3),
        },
        16 => T::AgentNote {
            text: f.opt_string(0),
        },
        _ => T::AgentDecision {
            model: f.opt_string(0),
            tokens_in: f.opt_unsigned(1),
            tokens_out: f.opt_unsigned(2),
            provider: f.opt_string(3),
            summary: f.opt_string(4),
            confidence: f.opt_f64(5),
        },
    }
}

/// The event type of a map read in any mode.
fn event_type(read: &mut Read, mode: Mode) -> Result<EventType, Problem> {
    let variant = read.variant.ok_or(Problem::Missing("type"))?;
    let specs = EVENT_FIELDS[variant];
    let mut values = std::mem::take(&mut read.fields);
    for (name, value) in read.early.drain(..) {
        // `name` is the table's own string, so the first match of the type's
        // row is the field; keys of other types are ignored in a stored
        // event, as unknown keys, and refused in one to append.
        match specs.iter().position(|s| s.name == name) {
            Some(j) => put(&mut values, Some(variant), j, value)?,
            None if mode == Mode::Input => {
                return Err(Problem::NotOfType(name, EVENT_TYPE_NAMES[variant]))
            }
            None => {}
        }
    }
    let mut fields = Fields(Default::default());
    for (j, (spec, value)) in specs.iter().zip(values).enumerate() {
        fields.0[j] = check(spec, value)?;
    }
    Ok(build(variant, fields))
}

impl Common {
    /// A required string field: absent and null are errors.
    fn required(&mut self, i: usize) -> Result<String, Problem> {
        match self.strs[i].take() {
            Some(s) => Ok(s),
            None if self.seen & (1 << i) == 0 => Err(Problem::Missing(STRING_KEYS[i])),
            None => Err(Problem::Type(Loose::Null, "a string")),
        }
    }

    /// An optional string field, or one the log fills when absent or null.
    fn take(&mut self, i: usize) -> Option<String> {
        self.strs[i].take()
    }
}

/// The event of a map read as [`Mode::Event`] or [`Mode::Input`].
pub(crate) fn event(mut read: Read, mode: Mode) -> Result<SessionEvent, Problem> {
    let c = &mut read.common;
    // In the struct's order, as the derive checked them (the flattened type
    // last, it went through a buffer).
    let session_id = c.required(SESSION_ID)?;
    let (event_id, timestamp, sequence_no, trace_id, span_id);
    if mode == Mode::Input {
        event_id = c.take(EVENT_ID).unwrap_or_else(generate_event_id);
        timestamp = c.take(TIMESTAMP).unwrap_or_else(now_rfc3339);
        sequence_no = 0;
        trace_id = c.take(TRACE_ID).unwrap_or_else(generate_trace_id);
        span_id = c.take(SPAN_ID).unwrap_or_else(generate_span_id);
    } else {
        event_id = c.required(EVENT_ID)?;
        timestamp = c.required(TIMESTAMP)?;
        sequence_no = c.sequence_no.ok_or(Problem::Missing("sequence_no"))?;
        trace_id = c.required(TRACE_ID)?;
        span_id = c.required(SPAN_ID)?;
    }
    let agent_id = c.required(AGENT_ID)?;
    let agent_instance_id = c.required(AGENT_INSTANCE_ID)?;
    let agent_name = c.required(AGENT_NAME)?;
    let host_id = c.required(HOST_ID)?;
    let parent_span_id = c.take(PARENT_SPAN_ID);
    let agent_role = c.take(AGENT_ROLE);
    let tool_runtime_id = c.take(TOOL_RUNTIME_ID);
    let artifact_ref = c.take(ARTIFACT_REF);
    let meta = c.meta.take().flatten();
    Ok(SessionEvent {
        session_id,
        event_id,
        timestamp,
        sequence_no,
        trace_id,
        span_id,
        parent_span_id,
        agent_id,
        agent_instance_id,
        agent_name,
        agent_role,
        host_id,
        tool_runtime_id,
        event_type: event_type(&mut read, mode)?,
        artifact_ref,
        meta,
    })
}

fn read_event<'de, D: Deserializer<'de>>(d: D, mode: Mode) -> Result<SessionEvent, D::Error> {
    let read = d.deserialize_map(EventVisitor(mode))?;
    event(read, mode).map_err(Problem::into_error)
}

impl<'de> Deserialize<'de> for SessionEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SessionEvent, D::Error> {
        read_event(d, Mode::Event)
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EventType, D::Error> {
        let mut read = d.deserialize_any(EventVisitor(Mode::TypeOnly))?;
        event_type(&mut read, Mode::TypeOnly).map_err(Problem::into_error)
    }
}

/// The fields the derive gave `#[serde(default)]`: in the positional form
/// of an [`EventType`] (a sequence: the tag, then the fields in order) only
/// these may be cut off at the end.
const POSITIONAL_DEFAULTS: [(&str, &str); 12] = [
    ("agent.handoff", "artifacts"),
    ("agent.collaborated", "collaborator_agent_instance_ids"),
    ("agent.wrote_file", "operation"),
    ("agent.wrote_file", "additions"),
    ("agent.wrote_file", "deletions"),
    ("agent.started_process", "command"),
    ("agent.completed_process", "command"),
    ("agent.note", "text"),
    ("agent.decision", "tokens_in"),
    ("agent.decision", "tokens_out"),
    ("agent.decision", "provider"),
    ("agent.decision", "confidence"),
];

/// Reads the positional form of an [`EventType`].
fn visit_positional<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Read, A::Error> {
    let variant = seq
        .next_element_seed(TagSeed { any: false })?
        .ok_or_else(|| de::Error::missing_field("type"))?;
    let mut read = Read::new();
    read.variant = Some(variant);
    let specs = EVENT_FIELDS[variant];
    for (j, spec) in specs.iter().enumerate() {
        match seq.next_element::<Loose>()? {
            // `Loose::Absent` reads as the default.
            None if POSITIONAL_DEFAULTS.contains(&(EVENT_TYPE_NAMES[variant], spec.name)) => {}
            None => return Err(de::Error::invalid_length(j, &"more elements")),
            Some(value) => read.fields[j] = value,
        }
    }
    if seq.next_element::<IgnoredAny>()?.is_some() {
        return Err(de::Error::invalid_length(
            specs.len() + 2,
            &"fewer elements",
        ));
    }
    Ok(read)
}

/// An event to append, as JSON callers give it: `event_id`, `timestamp`,
/// `trace_id` and `span_id` are filled when absent or null, and a
/// `sequence_no` is ignored (the log assigns it). Otherwise read exactly as
/// a [`SessionEvent`].
#[cfg_attr(target_family = "wasm", allow(dead_code))]
pub(crate) struct EventInput(pub SessionEvent);

impl<'de> Deserialize<'de> for EventInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EventInput, D::Error> {
        read_event(d, Mode::Input).map(EventInput)
    }
}

#[cfg(test)]
pub(crate) mod tests;
