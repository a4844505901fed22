//! For crates that host the log on another platform, not for applications.
//!
//! `crates/sessiontrail-wasm` implements [`Store`](crate::Store) over a
//! JavaScript host and exports the log to JavaScript; it needs a few of the
//! core's own pieces to do so without a second copy of them: the event
//! writer, the input reader that reports which ids it filled, and I/O
//! errors whose `Debug` does not pull Rust's string escaping into a
//! size-budgeted `.wasm`. Everything here may change in a minor release;
//! applications use the crate root.

use std::path::Path;

use crate::error::EventLogError;
use crate::schema::SessionEvent;

/// Appends the stored line of `event` (without its `\n`) to `out`: the
/// bytes every writer of this crate stores.
pub fn write_event(out: &mut Vec<u8>, event: &SessionEvent) {
    crate::codec::write_event(out, event)
}

/// `s` as a quoted JSON string, escaped as stored lines are.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    crate::json::write_str(out, s)
}

/// An event to append from its JSON text (as [`crate::event_from_json`]),
/// and which of `event_id`, `timestamp`, `trace_id` and `span_id` (bits 0
/// to 3) the reader filled because the text had none.
pub fn read_input(text: &str) -> Result<(SessionEvent, u8), EventLogError> {
    crate::codec::read_input(text).map_err(EventLogError::InvalidEvent)
}

/// An I/O error of `kind` with `message`, whose `Debug` is the message as
/// it is (`io::Error::new` with a `String` brings the string escaper and its
/// Unicode tables, 3.5 KB, into a `.wasm`).
pub fn io_error(kind: std::io::ErrorKind, message: String) -> std::io::Error {
    crate::error::io_error(kind, message)
}

/// [`EventLogError::Io`] whose message says what was done (`op`) to which
/// path, keeping the kind of `e`.
pub fn io_at(op: &str, path: &Path, e: std::io::Error) -> EventLogError {
    crate::error::io_at(op, path, e)
}
