//! Events to and from their lines: the one writer and the one reader of
//! `events.jsonl`, on every target, driven by the schema's tables.
//!
//! - Written: the fields of [`SessionEvent`] in declaration order, with
//!   `"type"` and the event type's own fields (in the schema's order) where
//!   `event_type` stands. `None` is left out, and so is an empty list. These
//!   are the bytes serde's derives and serde_json wrote (the oracle tests in
//!   `codec/tests.rs` keep the derived types to compare with).
//! - Read, a stored line ([`Mode::Stored`]): keys in any order, each read
//!   once straight into its field; unknown keys skipped (a newer writer's
//!   fields, readers stay lenient); optional fields absent or null; list
//!   fields absent (empty) but not null; a missing required field, a
//!   duplicate key, a value of the wrong shape or a number out of range is an
//!   error naming the field.
//! - Read, an event to append ([`Mode::Input`]): the same, but the ids and
//!   time the log can make up are filled when absent or null, `sequence_no`
//!   is ignored (the log assigns it), `meta` is read strictly (see
//!   `json.rs`), and an unknown key is refused by name: a typo such as
//!   `duraton_ms` would otherwise lose the value without a word.

use std::borrow::Cow;

use serde_json::Value;

use crate::error::InvalidEvent;
use crate::event::{generate_event_id, generate_span_id, now_rfc3339, session_trace_id};
use crate::json::{self, bound, write_str, write_u64, Num, Reader, Result};
use crate::schema::{
    type_index, EventType, FieldKind, FieldRef, FieldSpec, FieldValue, SessionEvent, COMMON_FIELDS,
    EVENT_FIELDS, EVENT_TYPE_NAMES, MAX_FIELDS,
};

#[cfg(all(test, not(target_family = "wasm")))]
mod fuzz;
#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;

// ---------------------------------------------------------------- writing

/// Writes `"name":` after a comma. Names are the schema's, plain ASCII.
fn key(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn string(out: &mut Vec<u8>, name: &str, value: &str) {
    key(out, name);
    write_str(out, value);
}

fn optional(out: &mut Vec<u8>, name: &str, value: &Option<String>) {
    if let Some(value) = value {
        string(out, name, value);
    }
}

/// Appends the line of `e` (without its `\n`) to `out`.
pub(crate) fn write_event(out: &mut Vec<u8>, e: &SessionEvent) {
    out.extend_from_slice(b"{\"session_id\":");
    write_str(out, &e.session_id);
    string(out, "event_id", &e.event_id);
    string(out, "timestamp", &e.timestamp);
    key(out, "sequence_no");
    write_u64(out, e.sequence_no);
    string(out, "trace_id", &e.trace_id);
    string(out, "span_id", &e.span_id);
    optional(out, "parent_span_id", &e.parent_span_id);
    string(out, "agent_id", &e.agent_id);
    string(out, "agent_instance_id", &e.agent_instance_id);
    string(out, "agent_name", &e.agent_name);
    optional(out, "agent_role", &e.agent_role);
    string(out, "host_id", &e.host_id);
    optional(out, "tool_runtime_id", &e.tool_runtime_id);
    string(out, "type", e.event_type.name());
    let specs = EVENT_FIELDS[e.event_type.index()];
    for (spec, value) in specs.iter().zip(e.event_type.values()) {
        if value != FieldRef::Absent {
            key(out, spec.name);
            write_field(out, value);
        }
    }
    optional(out, "artifact_ref", &e.artifact_ref);
    if let Some(meta) = &e.meta {
        key(out, "meta");
        json::write_value(out, meta);
    }
    out.push(b'}');
}

fn write_field(out: &mut Vec<u8>, value: FieldRef<'_>) {
    match value {
        FieldRef::Absent => out.extend_from_slice(b"null"),
        FieldRef::Str(s) => write_str(out, s),
        FieldRef::Unsigned(n) => write_u64(out, n),
        FieldRef::Signed(n) => json::write_i64(out, n),
        FieldRef::F64(f) => json::write_f64(out, f),
        FieldRef::List(items) => json::write_list(out, b"[]", items, |out, s| write_str(out, s)),
    }
}

// ---------------------------------------------------------------- reading

/// What a line is read as.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A stored event: every field as the struct has it.
    Stored,
    /// An event to append (see the module doc).
    Input,
}

/// A stored event from its line.
pub(crate) fn read_event(text: &str) -> Result<SessionEvent> {
    read(text, Mode::Stored).map(|(event, _)| event)
}

/// An event to append from its JSON text, and which of `event_id`,
/// `timestamp`, `trace_id` and `span_id` (bits 0 to 3) the log filled.
pub(crate) fn read_input(text: &str) -> Result<(SessionEvent, u8)> {
    read(text, Mode::Input)
}

/// An [`EventType`] alone: `type` and the type's fields, other keys
/// skipped.
pub(crate) fn read_event_type(text: &str) -> Result<EventType> {
    let mut r = Reader::new(text);
    let mut parts = Parts::default();
    r.object(|r, key| parts.key(r, key, Mode::Stored))?;
    r.end()?;
    parts.event_type(text, Mode::Stored)
}

/// Only the `sequence_no` of a line; `None` when the line has none, or is
/// not a JSON object.
pub(crate) fn read_sequence_no(text: &str) -> Option<u64> {
    let mut r = Reader::new(text);
    let mut seq = None;
    r.object(|r, key| {
        match (key.as_ref(), r.ws()) {
            ("sequence_no", Some(b'0'..=b'9')) if seq.is_none() => match r.number()? {
                Num::U64(n) => seq = Some(n),
                _ => return Err(InvalidEvent::plain(String::new())),
            },
            ("sequence_no", _) => return Err(InvalidEvent::plain(String::new())),
            _ => drop(r.value()?),
        }
        Ok(())
    })
    .ok()?;
    r.end().ok()?;
    seq
}

// Bits of `Parts::seen` past the common string fields.
const SEQUENCE_NO: usize = COMMON_FIELDS.len();
const META: usize = SEQUENCE_NO + 1;
const TYPE: usize = META + 1;

/// Positions in [`COMMON_FIELDS`] of the fields a stored event must have
/// (`Parts::finish` takes the optional ones by the same positions; the
/// oracle tests fail if these drift from the table).
const SESSION_ID: usize = 0;
const EVENT_ID: usize = 1;
const TIMESTAMP: usize = 2;
const TRACE_ID: usize = 3;
const SPAN_ID: usize = 4;
const AGENT_ID: usize = 6;
const AGENT_INSTANCE_ID: usize = 7;
const AGENT_NAME: usize = 8;
const HOST_ID: usize = 10;

/// One line's fields as read so far.
#[derive(Default)]
struct Parts<'a> {
    /// The values of [`COMMON_FIELDS`]; `None` when absent or null.
    strs: [Option<String>; COMMON_FIELDS.len()],
    /// Bit `i`: common field `i`, `sequence_no`, `meta` or `type` was seen.
    seen: u32,
    sequence_no: Option<u64>,
    meta: Option<Value>,
    variant: Option<usize>,
    values: [FieldValue; MAX_FIELDS],
    /// Bit `j`: field `j` of the event type was seen.
    fields_seen: u32,
    /// Where the search for the next common field and the next field of
    /// the type starts: after the last one found, as the log writes them.
    next_common: usize,
    next_field: usize,
    /// Keys of some event type read before `type`, with where their value
    /// starts: which field they are depends on the type.
    early: Vec<(Cow<'a, str>, usize)>,
}

fn read(text: &str, mode: Mode) -> Result<(SessionEvent, u8)> {
    let mut r = Reader::new(text);
    if r.ws() != Some(b'{') {
        let value = r.value()?;
        return Err(InvalidEvent::plain(format!(
            "expected a JSON object, got {}",
            kind_of(&value)
        )));
    }
    let mut parts = Parts::default();
    r.object(|r, key| parts.key(r, key, mode))?;
    r.end()?;
    parts.finish(text, mode)
}

impl<'a> Parts<'a> {
    fn key(&mut self, r: &mut Reader<'a>, key: Cow<'a, str>, mode: Mode) -> Result<()> {
        let bit = match key.as_ref() {
            "sequence_no" => SEQUENCE_NO,
            "meta" => META,
            "type" => TYPE,
            name => match find_from(&COMMON_FIELDS, self.next_common, name) {
                Some(i) => {
                    self.next_common = i + 1;
                    i
                }
                None => return self.own_field(r, key, mode),
            },
        };
        if self.seen & (1 << bit) != 0 {
            return Err(twice(&key));
        }
        self.seen |= 1 << bit;
        match bit {
            SEQUENCE_NO if mode == Mode::Input => drop(r.value()?),
            SEQUENCE_NO => match r.value()? {
                Value::Number(n) if n.is_u64() => self.sequence_no = n.as_u64(),
                other => return Err(mismatch("sequence_no", FieldKind::U64, &other)),
            },
            META => {
                if mode == Mode::Input {
                    r.strict(Some("meta"));
                }
                let meta = r.value();
                r.strict(None);
                self.meta = Some(meta?).filter(|v| !v.is_null());
            }
            TYPE => {
                if r.ws() != Some(b'"') {
                    return Err(mismatch("type", FieldKind::Str, &r.value()?));
                }
                r.i += 1;
                let name = r.string()?;
                let index = type_index(&name).ok_or_else(|| {
                    let mut shown = name.into_owned();
                    bound(&mut shown, 64);
                    InvalidEvent::at(
                        "type",
                        format!(
                            "unknown event type `{shown}` (expected one of: {})",
                            EVENT_TYPE_NAMES.join(", ")
                        ),
                    )
                })?;
                self.variant = Some(index);
            }
            i => {
                self.strs[i] = match read_field(r, &COMMON_FIELDS[i])? {
                    FieldValue::Str(s) => Some(s),
                    _ => None,
                }
            }
        }
        Ok(())
    }

    /// A key that is not one of every event's: a field of the event type,
    /// or (before `type`) of some event type, or unknown.
    fn own_field(&mut self, r: &mut Reader<'a>, key: Cow<'a, str>, mode: Mode) -> Result<()> {
        match self.variant {
            Some(v) => match find_from(EVENT_FIELDS[v], self.next_field, &key) {
                Some(j) => {
                    self.next_field = j + 1;
                    self.put(r, v, j)
                }
                None => unknown(r, &key, mode, Some(v)),
            },
            None if is_some_field(&key) => {
                self.early.push((key, r.i));
                r.value().map(drop)
            }
            None => unknown(r, &key, mode, None),
        }
    }

    /// Reads field `j` of event type `v`; a second one is an error.
    fn put(&mut self, r: &mut Reader<'_>, v: usize, j: usize) -> Result<()> {
        let spec = &EVENT_FIELDS[v][j];
        if self.fields_seen & (1 << j) != 0 {
            return Err(twice(spec.name));
        }
        self.fields_seen |= 1 << j;
        self.values[j] = read_field(r, spec)?;
        Ok(())
    }

    /// The event type, from `type` and the fields read.
    fn event_type(&mut self, text: &'a str, mode: Mode) -> Result<EventType> {
        let v = self.variant.ok_or_else(|| {
            InvalidEvent::at(
                "type",
                format!(
                    "missing field `type` (one of: {})",
                    EVENT_TYPE_NAMES.join(", ")
                ),
            )
        })?;
        for (key, at) in std::mem::take(&mut self.early) {
            match EVENT_FIELDS[v].iter().position(|f| f.name == key) {
                Some(j) => self.put(&mut Reader::at(text, at), v, j)?,
                None => unknown(&mut Reader::at(text, at), &key, mode, Some(v))?,
            }
        }
        for (spec, value) in EVENT_FIELDS[v].iter().zip(&self.values) {
            if spec.required && *value == FieldValue::Absent {
                return Err(InvalidEvent::at(
                    spec.name,
                    format!(
                        "missing field `{}` (required in `{}` events)",
                        spec.name, EVENT_TYPE_NAMES[v]
                    ),
                ));
            }
        }
        EventType::from_values(v, std::mem::take(&mut self.values))
            .ok_or_else(|| InvalidEvent::at("type", "unknown event type".into()))
    }

    fn finish(mut self, text: &'a str, mode: Mode) -> Result<(SessionEvent, u8)> {
        let event_type = self.event_type(text, mode)?;
        let mut filled = 0u8;
        let mut string = |i: usize| match self.strs[i].take() {
            Some(s) => Ok(s),
            None if mode == Mode::Input && !COMMON_FIELDS[i].required => {
                filled |= 1 << (i - 1);
                Ok(match i {
                    EVENT_ID => generate_event_id(),
                    TIMESTAMP => now_rfc3339(),
                    TRACE_ID => String::new(),
                    _ => generate_span_id(),
                })
            }
            None => Err(missing(COMMON_FIELDS[i].name)),
        };
        let session_id = string(SESSION_ID)?;
        let event_id = string(EVENT_ID)?;
        let timestamp = string(TIMESTAMP)?;
        // Stored lines stay as written (treeship-core's `+00:00`, older
        // writers'); an event to append carries a UTC time or none.
        if mode == Mode::Input && !crate::timestamp::is_utc_timestamp(&timestamp) {
            return Err(bad_timestamp());
        }
        let trace_id = string(TRACE_ID)?;
        let span_id = string(SPAN_ID)?;
        let agent_id = string(AGENT_ID)?;
        let agent_instance_id = string(AGENT_INSTANCE_ID)?;
        let agent_name = string(AGENT_NAME)?;
        let host_id = string(HOST_ID)?;
        let sequence_no = match (mode, self.sequence_no) {
            (Mode::Input, _) => 0,
            (Mode::Stored, Some(n)) => n,
            (Mode::Stored, None) => return Err(missing("sequence_no")),
        };
        let [_, _, _, _, _, parent_span_id, _, _, _, agent_role, _, tool_runtime_id, artifact_ref] =
            self.strs;
        let mut event = SessionEvent {
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
            event_type,
            artifact_ref,
            meta: self.meta,
        };
        // A trace id filled in is the session's own (one trace per session
        // when the writer gives no trace context), not a random one per event.
        if filled & (1 << (TRACE_ID - 1)) != 0 {
            event.trace_id = session_trace_id(&event.session_id);
        }
        Ok((event, filled))
    }
}

/// The position of the field named `name`, searched from `from` on and
/// then from the start: a line the log wrote has its keys in the table's
/// order, so the first comparison is the one that matches.
fn find_from(fields: &[FieldSpec], from: usize, name: &str) -> Option<usize> {
    let from = from.min(fields.len());
    (from..fields.len())
        .chain(0..from)
        .find(|&i| fields[i].name == name)
}

/// Whether `name` is a field of some event type.
fn is_some_field(name: &str) -> bool {
    EVENT_FIELDS
        .iter()
        .flat_map(|f| f.iter())
        .any(|f| f.name == name)
}

/// A key no field of the event has: skipped in a stored line, refused in
/// an event to append.
fn unknown(r: &mut Reader<'_>, key: &str, mode: Mode, variant: Option<usize>) -> Result<()> {
    if mode == Mode::Stored {
        return r.value().map(drop);
    }
    let mut shown = key.to_string();
    bound(&mut shown, 64);
    let reason = match variant {
        Some(v) if is_some_field(key) => format!(
            "unknown field `{shown}`: it is not a field of `{}` events",
            EVENT_TYPE_NAMES[v]
        ),
        _ => format!("unknown field `{shown}` (put extra data in `meta`)"),
    };
    Err(InvalidEvent::new(Some(shown), reason))
}

/// The value of a field, checked against its kind. Null is `Absent` (the
/// caller knows whether that is allowed), except for a list: null is not a
/// list, and treeship-core refuses it too.
fn read_field(r: &mut Reader<'_>, spec: &FieldSpec) -> Result<FieldValue> {
    let value = match (spec.kind, r.ws()) {
        (FieldKind::StrList, Some(b'n')) => None,
        // Only `null` starts with `n`.
        (_, Some(b'n')) => {
            r.value()?;
            Some(FieldValue::Absent)
        }
        (FieldKind::Str, Some(b'"')) => {
            r.i += 1;
            Some(FieldValue::Str(r.string()?.into_owned()))
        }
        (FieldKind::StrList, Some(b'[')) => {
            let mut items = Some(Vec::new());
            r.array(|r, _| {
                match (r.ws(), &mut items) {
                    (Some(b'"'), Some(items)) => {
                        r.i += 1;
                        items.push(r.string()?.into_owned());
                    }
                    _ => items = r.value().map(|_| None)?,
                }
                Ok(())
            })?;
            return items.map(FieldValue::List).ok_or_else(|| {
                InvalidEvent::at(
                    spec.name,
                    format!("field `{}` must be an array of strings", spec.name),
                )
            });
        }
        (FieldKind::Str | FieldKind::StrList, _) => None,
        (kind, Some(b'-' | b'0'..=b'9')) => {
            let at = r.i;
            let n = r.number()?;
            match number(kind, n) {
                Some(value) => Some(value),
                None => {
                    r.i = at;
                    None
                }
            }
        }
        _ => None,
    };
    match value {
        Some(value) => Ok(value),
        None => Err(mismatch(spec.name, spec.kind, &r.value()?)),
    }
}

/// A number as a field of `kind` holds it, or `None` when it is not one.
fn number(kind: FieldKind, n: Num) -> Option<FieldValue> {
    if kind == FieldKind::F64 {
        return Some(FieldValue::F64(match n {
            Num::U64(u) => u as f64,
            Num::I64(i) => i as f64,
            Num::F64(f) => f,
        }));
    }
    let (lo, hi) = kind.range()?;
    let wide = match n {
        Num::U64(u) => i128::from(u),
        Num::I64(i) => i128::from(i),
        Num::F64(_) => return None,
    };
    if !(lo..=hi).contains(&wide) {
        return None;
    }
    Some(if kind == FieldKind::I32 {
        FieldValue::Signed(wide as i64)
    } else {
        FieldValue::Unsigned(wide as u64)
    })
}

/// A field given twice.
#[cold]
fn twice(name: &str) -> InvalidEvent {
    InvalidEvent::at(name, format!("field `{name}` appears twice"))
}

/// The error for a `timestamp` that is not RFC 3339 UTC. The value is not
/// quoted: a fixed sentence costs the size-budgeted `.wasm` less.
#[cold]
fn bad_timestamp() -> InvalidEvent {
    InvalidEvent::at(
        "timestamp",
        "field `timestamp` must be an RFC 3339 UTC time such as 2026-11-26T03:04:05.678Z".into(),
    )
}

/// A required field that is absent.
#[cold]
fn missing(name: &str) -> InvalidEvent {
    InvalidEvent::at(name, format!("missing field `{name}`"))
}

/// The error for a value of the wrong kind.
#[cold]
fn mismatch(name: &str, kind: FieldKind, value: &Value) -> InvalidEvent {
    let got = match value {
        Value::Number(_) => json::value_to_string(value),
        Value::String(s) if s.chars().count() <= 40 => {
            let mut out = Vec::new();
            write_str(&mut out, s);
            String::from_utf8(out).unwrap_or_default()
        }
        other => kind_of(other).to_string(),
    };
    InvalidEvent::at(
        name,
        format!("field `{name}` must be {}, got {got}", kind.wanted()),
    )
}

/// A value's kind, as messages name it.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
