#![doc = include_str!("README.md")]
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod check;
mod codec;
mod error;
mod event;
mod format;
pub mod hosting;
mod input;
mod json;
mod log;
pub mod merkle;
mod schema;
mod serde_impls;
mod store;
pub mod tail;
mod timestamp;
mod tree;

#[cfg(not(target_family = "wasm"))]
mod native;
#[cfg(not(target_family = "wasm"))]
use native as platform;

#[cfg(target_family = "wasm")]
mod wasm;
#[cfg(target_family = "wasm")]
use wasm as platform;

pub use check::{CheckReport, CounterState, SkippedLine};
pub use error::{ErrorKind, EventLogError, InvalidEvent};
pub use event::{
    format_rfc3339_millis, generate_event_id, generate_span_id, generate_trace_id, now_rfc3339,
    session_trace_id,
};
pub use format::{parse_line, Counter, LineProblem, COUNTER_LEN, DEFAULT_MAX_LINE_BYTES};
pub use input::{event_from_json, event_from_value};
pub use log::{Durability, EventLog, Events, Options, Ownership};
#[cfg(not(target_family = "wasm"))]
pub use native::{
    is_session_dir, open_regular, session_dirs, session_dirs_under, FileStore, Tail, COUNTER_FILE,
    EVENTS_FILE, LOCK_FILE, TORN_FILE, TREE_FILE,
};
pub use platform::DefaultStore;
pub use schema::{
    fields_of, EventType, EventTypeSpec, FieldKind, FieldRef, FieldSpec, SessionEvent,
    COMMON_FIELDS, EVENT_FIELDS, EVENT_TYPES, EVENT_TYPE_NAMES,
};
pub use store::{LockWait, MemoryStore, Store};
pub use timestamp::{parse_rfc3339, DateTime};
pub use tree::{Change, Difference, VerifyReport, TREE_HEADER_LEN, TREE_MAGIC};

// The repository README's Rust example runs as a doctest too, so it cannot
// drift from the API (src/README.md, the crate doc above, is the other).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
