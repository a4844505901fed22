//! The event schema, written down once: every event type's wire name, Rust
//! variant and fields, with each field's kind and whether it is required.
//!
//! [`event_types!`] turns the table at the bottom of this file into the
//! [`EventType`] enum, [`EVENT_TYPE_NAMES`], [`EVENT_TYPES`] and
//! [`EVENT_FIELDS`], and the two functions the codec reads and writes an
//! event type's fields through. A field's kind and optionality come from its
//! Rust type (the [`Field`] impls below), so they cannot disagree with it.
//! Adding an event type, or a field to one, is one edit here; the JSON
//! reader and writer (`codec.rs`), the checks of input and the serde
//! adapters follow, and so do the TypeScript types, the recorder's field
//! table and the Node wrapper's key order, which `make codegen` (`cargo
//! xtask codegen`, crates/xtask) writes; `make lint` fails while a
//! checked-in copy differs from what it makes.
//!
//! The structs, field names and JSON shapes are those of treeship-core 0.32's
//! `session::event`, so a struct literal written against treeship-core
//! compiles here and a line written by either parses in the other. Do not add
//! fields to [`SessionEvent`]: that would break those struct literals.
//!
//! This module is a leaf: it uses nothing else of the crate.

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

impl FieldKind {
    /// What a value of this kind must be, as error messages say it.
    pub fn wanted(self) -> &'static str {
        match self {
            FieldKind::Str => "a string",
            FieldKind::U16 => "an integer from 0 to 65535",
            FieldKind::U32 => "an integer from 0 to 4294967295",
            FieldKind::U64 => "a non-negative integer",
            FieldKind::I32 => "an integer from -2147483648 to 2147483647",
            FieldKind::F64 => "a finite number",
            FieldKind::StrList => "an array of strings",
        }
    }

    /// The smallest and largest integer of an integer kind.
    pub(crate) fn range(self) -> Option<(i128, i128)> {
        match self {
            FieldKind::U16 => Some((0, u16::MAX.into())),
            FieldKind::U32 => Some((0, u32::MAX.into())),
            FieldKind::U64 => Some((0, u64::MAX.into())),
            FieldKind::I32 => Some((i32::MIN.into(), i32::MAX.into())),
            _ => None,
        }
    }
}

/// One field of an event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field's name on the wire (and in Rust).
    pub name: &'static str,
    /// Its JSON shape.
    pub kind: FieldKind,
    /// Whether an event of this type must have it.
    pub required: bool,
    /// Its doc comment, one line per line (empty when it has none).
    pub doc: &'static str,
}

/// One event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeSpec {
    /// The wire name, the value of `type`.
    pub name: &'static str,
    /// The [`EventType`] variant's name (also the TypeScript interface's).
    pub variant: &'static str,
    /// Its doc comment (empty when it has none).
    pub doc: &'static str,
    /// Its own fields, in the order they are written.
    pub fields: &'static [FieldSpec],
}

/// A field's value borrowed from an event ([`EventType::fields`]). `Absent`
/// (`None`, or an empty list) is not written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldRef<'a> {
    /// No value: an optional field that is `None`, or an empty list.
    Absent,
    /// A string field.
    Str(&'a str),
    /// An unsigned integer field.
    Unsigned(u64),
    /// A signed integer field.
    Signed(i64),
    /// A floating-point field.
    F64(f64),
    /// A list of strings.
    List(&'a [String]),
}

/// A field's value as read and checked against its kind, to be moved into
/// the event. The reader only ever gives a field a value of its own kind.
#[derive(Debug, Default, PartialEq)]
pub(crate) enum FieldValue {
    #[default]
    Absent,
    Str(String),
    Unsigned(u64),
    Signed(i64),
    F64(f64),
    List(Vec<String>),
}

/// A Rust type a field of an event type can have.
pub(crate) trait Field: Sized {
    const KIND: FieldKind;
    const REQUIRED: bool;
    fn get(&self) -> FieldRef<'_>;
    fn take(value: FieldValue) -> Self;
}

/// The [`Field`] impls: each Rust type's kind, whether it is required, and
/// how its value is lent and taken back (the reader only ever gives a field
/// a value of its own kind, so the fallbacks are never used).
macro_rules! field_types {
    ($($ty:ty: $kind:ident, $required:literal, |$v:ident| $get:expr, $value:pat => $take:expr;)*) => {$(
        impl Field for $ty {
            const KIND: FieldKind = FieldKind::$kind;
            const REQUIRED: bool = $required;
            fn get(&self) -> FieldRef<'_> {
                let $v = self;
                $get
            }
            fn take(value: FieldValue) -> Self {
                match value {
                    $value => $take,
                    _ => Default::default(),
                }
            }
        }
    )*};
}

field_types! {
    String: Str, true, |v| FieldRef::Str(v), FieldValue::Str(s) => s;
    Option<String>: Str, false, |v| v.as_deref().map_or(FieldRef::Absent, FieldRef::Str),
        FieldValue::Str(s) => Some(s);
    // An empty list is not written, as the derive's `skip_serializing_if`.
    Vec<String>: StrList, false,
        |v| if v.is_empty() { FieldRef::Absent } else { FieldRef::List(v) },
        FieldValue::List(items) => items;
    u16: U16, true, |v| FieldRef::Unsigned((*v).into()), FieldValue::Unsigned(n) => n as u16;
    Option<u16>: U16, false, |v| v.map_or(FieldRef::Absent, |n| FieldRef::Unsigned(n.into())),
        FieldValue::Unsigned(n) => Some(n as u16);
    Option<u32>: U32, false, |v| v.map_or(FieldRef::Absent, |n| FieldRef::Unsigned(n.into())),
        FieldValue::Unsigned(n) => Some(n as u32);
    Option<u64>: U64, false, |v| v.map_or(FieldRef::Absent, FieldRef::Unsigned),
        FieldValue::Unsigned(n) => Some(n);
    Option<i32>: I32, false, |v| v.map_or(FieldRef::Absent, |n| FieldRef::Signed(n.into())),
        FieldValue::Signed(n) => Some(n as i32);
    Option<f64>: F64, false, |v| v.map_or(FieldRef::Absent, FieldRef::F64),
        FieldValue::F64(n) => Some(n);
}

/// The most fields an event type has.
pub(crate) const MAX_FIELDS: usize = {
    let mut max = 0;
    let mut i = 0;
    while i < EVENT_FIELDS.len() {
        if EVENT_FIELDS[i].len() > max {
            max = EVENT_FIELDS[i].len();
        }
        i += 1;
    }
    max
};

/// `values` in the first places of a [`MAX_FIELDS`] array.
fn pad<const N: usize>(values: [FieldRef<'_>; N]) -> [FieldRef<'_>; MAX_FIELDS] {
    let mut out = [FieldRef::Absent; MAX_FIELDS];
    out[..N].copy_from_slice(&values);
    out
}

/// Generates everything the table defines; see the module doc.
macro_rules! event_types {
    ($(
        $(#[doc = $tdoc:literal])*
        $wire:literal => $variant:ident $({
            $( $(#[doc = $fdoc:literal])* $field:ident: $ty:ty, )*
        })?
    )*) => {
        /// Every event type the log knows, flattened into the event as
        /// `"type": "…"` plus the type's own fields. The wire names are
        /// [`EVENT_TYPE_NAMES`], in declaration order.
        ///
        /// Deliberately **not** `#[non_exhaustive]`, nor are its variants:
        /// this enum and [`SessionEvent`] stay source-compatible with
        /// treeship-core 0.32's, whose users build events with struct
        /// literals (`EventType::AgentCalledTool { tool_name, .. }` with
        /// every field named) and match on the variants. The price is that
        /// adding an event type, or a field to one, is a breaking change
        /// (a major release): accepted, since the types follow the wire
        /// format, which changes rarely and on purpose. Write a `_` arm in
        /// a `match` anyway, so that a new type costs your code nothing but
        /// the version bump.
        #[derive(Debug, Clone, PartialEq)]
        pub enum EventType {
            $(
                #[doc = concat!("`\"type\": \"", $wire, "\"`")]
                #[doc = ""]
                $(#[doc = $tdoc])*
                $variant $({ $(
                    #[doc = concat!("Wire field `", stringify!($field), "`.")]
                    $(#[doc = $fdoc])*
                    $field: $ty,
                )* })?,
            )*
        }

        /// The variants without their fields, for their positions.
        #[allow(clippy::enum_variant_names)]
        enum Position { $($variant,)* }

        /// Every event type, in declaration order.
        pub const EVENT_TYPES: [EventTypeSpec; [$($wire),*].len()] = [$(
            EventTypeSpec {
                name: $wire,
                variant: stringify!($variant),
                doc: concat!($($tdoc, "\n",)*),
                fields: &[$($(
                    FieldSpec {
                        name: stringify!($field),
                        kind: <$ty as Field>::KIND,
                        required: <$ty as Field>::REQUIRED,
                        doc: concat!($($fdoc, "\n",)*),
                    },
                )*)?],
            },
        )*];

        impl EventType {
            /// The position of this type in [`EVENT_TYPES`].
            pub fn index(&self) -> usize {
                match self {
                    $( Self::$variant { .. } => Position::$variant as usize, )*
                }
            }

            /// The values of this type's fields, in the order of its row of
            /// [`EVENT_FIELDS`].
            pub(crate) fn values(&self) -> [FieldRef<'_>; MAX_FIELDS] {
                match self {
                    $( Self::$variant { $($($field,)*)? } => pad([$($(Field::get($field),)*)?]), )*
                }
            }

            /// This type's own fields with their values, in the order they
            /// are written: a reader of any event type's fields that needs
            /// no match over the types (the OTLP mapping's attributes).
            pub fn fields(&self) -> impl Iterator<Item = (&'static FieldSpec, FieldRef<'_>)> {
                EVENT_FIELDS[self.index()].iter().zip(self.values())
            }

            /// Event type `index` made of its checked field values.
            pub(crate) fn from_values(
                index: usize,
                values: [FieldValue; MAX_FIELDS],
            ) -> Option<EventType> {
                // Struct fields are evaluated in the order written, which is
                // the order of the values.
                let mut values = values.into_iter();
                let mut _next = move || values.next().unwrap_or_default();
                $(
                    if index == Position::$variant as usize {
                        return Some(Self::$variant { $($($field: Field::take(_next()),)*)? });
                    }
                )*
                None
            }
        }
    };
}

/// The wire names of every event type, in declaration order.
pub const EVENT_TYPE_NAMES: [&str; EVENT_TYPES.len()] = {
    let mut names = [""; EVENT_TYPES.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = EVENT_TYPES[i].name;
        i += 1;
    }
    names
};

/// The fields of each event type, in the order of [`EVENT_TYPE_NAMES`].
pub const EVENT_FIELDS: [&[FieldSpec]; EVENT_TYPES.len()] = {
    let mut fields: [&[FieldSpec]; EVENT_TYPES.len()] = [&[]; EVENT_TYPES.len()];
    let mut i = 0;
    while i < fields.len() {
        fields[i] = EVENT_TYPES[i].fields;
        i += 1;
    }
    fields
};

impl EventType {
    /// The wire name, as written in the `type` field.
    pub fn name(&self) -> &'static str {
        EVENT_TYPE_NAMES[self.index()]
    }

    /// Whether what this event records failed: the one rule every reader
    /// (the OTLP mapping's span status, the viewer's failures) applies.
    /// `Some(true)` for a tool call whose `outcome` is `"failed"` or
    /// `"denied"`, a process that exited non-zero and `agent.failed`;
    /// `Some(false)` for a tool call that `"succeeded"`, a process that
    /// exited 0 and `agent.completed`; `None` where the event does not say
    /// (no outcome or exit code recorded, or a type with no outcome).
    pub fn failed(&self) -> Option<bool> {
        match self {
            EventType::AgentCalledTool { outcome, .. } => match outcome.as_deref()? {
                "failed" | "denied" => Some(true),
                "succeeded" => Some(false),
                _ => None,
            },
            EventType::AgentCompletedProcess { exit_code, .. } => Some((*exit_code)? != 0),
            EventType::AgentFailed { .. } => Some(true),
            EventType::AgentCompleted { .. } => Some(false),
            _ => None,
        }
    }
}

/// The fields of the event type with this wire name.
pub fn fields_of(type_name: &str) -> Option<&'static [FieldSpec]> {
    Some(EVENT_FIELDS[type_index(type_name)?])
}

/// The position of the event type with this wire name.
pub(crate) fn type_index(name: &str) -> Option<usize> {
    EVENT_TYPE_NAMES.iter().position(|&n| n == name)
}

/// One event with its full context; one line of `events.jsonl`. Its fields
/// are written in this order, the event type's where `event_type` stands.
#[derive(Debug, Clone, PartialEq)]
///
/// Not `#[non_exhaustive]`: built with a struct literal, as in
/// treeship-core 0.32 (see [`EventType`] for why).
pub struct SessionEvent {
    /// The session this event belongs to.
    pub session_id: String,
    /// `evt_` and 16 lowercase hex digits, unique per event.
    pub event_id: String,
    /// RFC 3339 UTC, e.g. `2026-11-26T03:04:05.678Z`.
    pub timestamp: String,
    /// The event's number in its log: 0, 1, 2, … in file order, set by
    /// the append.
    pub sequence_no: u64,
    /// 32 lowercase hex digits (W3C trace id).
    pub trace_id: String,
    /// 16 lowercase hex digits (W3C span id).
    pub span_id: String,
    /// The span this one is a child of.
    pub parent_span_id: Option<String>,
    /// The agent, as a stable identifier (`agent://…`).
    pub agent_id: String,
    /// This run of the agent.
    pub agent_instance_id: String,
    /// The agent's name, for people.
    pub agent_name: String,
    /// The agent's role (e.g. `planner`, `subagent`).
    pub agent_role: Option<String>,
    /// The machine the agent ran on.
    pub host_id: String,
    /// The tool runtime (an MCP server, a sandbox) the event came from.
    pub tool_runtime_id: Option<String>,
    /// What happened: `"type"` and the type's own fields on the wire.
    pub event_type: EventType,
    /// A reference to an artifact (a file, a blob) the event is about.
    pub artifact_ref: Option<String>,
    /// Any extra JSON the writer wants kept.
    pub meta: Option<serde_json::Value>,
}

const fn common(name: &'static str, required: bool, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Str,
        required,
        doc,
    }
}

/// The string fields every event has besides `type` and its own fields, as
/// an event to append gives them: the ids and time the log fills when absent
/// are optional here (`sequence_no` is always the log's, `meta` any JSON).
pub const COMMON_FIELDS: [FieldSpec; 13] = [
    common("session_id", true, ""),
    common(
        "event_id",
        false,
        "`evt_` and 16 lowercase hex digits; filled by append when absent.",
    ),
    common(
        "timestamp",
        false,
        "RFC 3339 UTC, e.g. `2026-11-26T03:04:05.678Z`; filled when absent.",
    ),
    common(
        "trace_id",
        false,
        "32 lowercase hex digits (W3C trace id); filled when absent with the session's own (`session_trace_id`), so every event of a session written without trace context is in one trace.",
    ),
    common(
        "span_id",
        false,
        "16 lowercase hex digits (W3C span id); filled when absent.",
    ),
    common("parent_span_id", false, ""),
    common("agent_id", true, ""),
    common("agent_instance_id", true, ""),
    common("agent_name", true, ""),
    common("agent_role", false, ""),
    common("host_id", true, ""),
    common("tool_runtime_id", false, ""),
    common("artifact_ref", false, ""),
];

event_types! {
    "session.started" => SessionStarted

    "session.closed" => SessionClosed {
        summary: Option<String>,
        duration_ms: Option<u64>,
    }

    "agent.started" => AgentStarted {
        parent_agent_instance_id: Option<String>,
    }

    "agent.spawned" => AgentSpawned {
        spawned_by_agent_instance_id: String,
        reason: Option<String>,
    }

    "agent.handoff" => AgentHandoff {
        from_agent_instance_id: String,
        to_agent_instance_id: String,
        /// Left out of the stored line when empty.
        artifacts: Vec<String>,
    }

    "agent.collaborated" => AgentCollaborated {
        /// Left out of the stored line when empty.
        collaborator_agent_instance_ids: Vec<String>,
    }

    "agent.returned" => AgentReturned {
        returned_to_agent_instance_id: String,
    }

    "agent.completed" => AgentCompleted {
        termination_reason: Option<String>,
    }

    "agent.failed" => AgentFailed {
        reason: Option<String>,
    }

    "agent.called_tool" => AgentCalledTool {
        tool_name: String,
        tool_input_digest: Option<String>,
        tool_output_digest: Option<String>,
        duration_ms: Option<u64>,
        /// `"succeeded"`, `"failed"` (the tool ran and reported an error)
        /// or `"denied"` (it never ran: refused or blocked); absent when
        /// not recorded (older events, writers that cannot tell).
        outcome: Option<String>,
    }

    "agent.read_file" => AgentReadFile {
        file_path: String,
        digest: Option<String>,
    }

    "agent.wrote_file" => AgentWroteFile {
        file_path: String,
        digest: Option<String>,
        /// `"created"`, `"modified"` or `"deleted"`; absent in older events.
        operation: Option<String>,
        additions: Option<u32>,
        deletions: Option<u32>,
    }

    "agent.opened_port" => AgentOpenedPort {
        port: u16,
        protocol: Option<String>,
    }

    "agent.connected_network" => AgentConnectedNetwork {
        destination: String,
        port: Option<u16>,
    }

    "agent.started_process" => AgentStartedProcess {
        process_name: String,
        pid: Option<u32>,
        /// The full command line, e.g. `npm test --runInBand`; absent in older events.
        command: Option<String>,
    }

    "agent.completed_process" => AgentCompletedProcess {
        process_name: String,
        exit_code: Option<i32>,
        duration_ms: Option<u64>,
        command: Option<String>,
    }

    /// Free text the agent wants on the timeline, in its own words.
    "agent.note" => AgentNote {
        text: Option<String>,
    }

    /// A model decision with its token usage. No cost: prices change, a
    /// recorded event must not.
    "agent.decision" => AgentDecision {
        model: Option<String>,
        tokens_in: Option<u64>,
        tokens_out: Option<u64>,
        /// e.g. `"anthropic"`, `"openai"`, `"bedrock"`.
        provider: Option<String>,
        summary: Option<String>,
        confidence: Option<f64>,
    }
}

#[cfg(test)]
mod tests {
    use super::EventType;

    fn tool(outcome: Option<&str>) -> EventType {
        EventType::AgentCalledTool {
            tool_name: "Edit".into(),
            tool_input_digest: None,
            tool_output_digest: None,
            duration_ms: None,
            outcome: outcome.map(Into::into),
        }
    }

    fn process(exit_code: Option<i32>) -> EventType {
        EventType::AgentCompletedProcess {
            process_name: "cargo".into(),
            exit_code,
            duration_ms: None,
            command: None,
        }
    }

    #[test]
    fn failed_reads_outcomes_exit_codes_and_agent_ends() {
        assert_eq!(tool(Some("failed")).failed(), Some(true));
        assert_eq!(tool(Some("denied")).failed(), Some(true));
        assert_eq!(tool(Some("succeeded")).failed(), Some(false));
        // An outcome this version does not know, or none, says nothing.
        assert_eq!(tool(Some("timed out")).failed(), None);
        assert_eq!(tool(None).failed(), None);
        assert_eq!(process(Some(3)).failed(), Some(true));
        assert_eq!(process(Some(-9)).failed(), Some(true));
        assert_eq!(process(Some(0)).failed(), Some(false));
        assert_eq!(process(None).failed(), None);
        assert_eq!(EventType::AgentFailed { reason: None }.failed(), Some(true));
        let completed = EventType::AgentCompleted {
            termination_reason: None,
        };
        assert_eq!(completed.failed(), Some(false));
        assert_eq!(EventType::SessionStarted.failed(), None);
    }
}
