//! Events from outside Rust: JSON from the command line or from JavaScript.
//!
//! Rust callers build a typed [`SessionEvent`] and cannot get a field wrong.
//! JSON callers can, so their events are read by the codec's input mode,
//! whose errors name the field and say what it must be. What the log can
//! make up itself is filled in: `event_id`, `timestamp`, `trace_id` and
//! `span_id` when absent or null.

use serde_json::Value;

use crate::codec;
use crate::error::EventLogError;
use crate::json;
use crate::schema::SessionEvent;

/// Parses one event to append from JSON text.
///
/// `sequence_no` is ignored: the log assigns it. A key the event does not
/// have (a typo, a field of another event type) is refused by name: extra
/// data goes in `meta`. Text is read strictly, which a [`Value`] cannot be:
/// a duplicate key anywhere (JSON readers keep one of the values) and an
/// integer that a double would round (beyond 64 bits) are refused, naming
/// the field.
pub fn event_from_json(text: &str) -> Result<SessionEvent, EventLogError> {
    codec::read_input(text)
        .map(|(event, _)| event)
        .map_err(EventLogError::InvalidEvent)
}

/// [`event_from_json`] for a JSON value already parsed.
pub fn event_from_value(value: Value) -> Result<SessionEvent, EventLogError> {
    event_from_json(&json::value_to_string(&value))
}

#[cfg(test)]
mod tests;
