//! Events to and from JSON text: the one place the log turns an event into
//! its line and a line into an event.
//!
//! Natively this is serde_json with the hand-written serde impls of
//! `event_serde`. Under wasm it is [`codec`], a reader and writer for events
//! written for this crate: serde_json was half of the gzipped `.wasm` (its
//! generic parser, the 17 KB of tables of its float printer, and the float
//! formatting of `core` that its error messages pull in), and events use a
//! small part of it. The codec writes the same bytes and accepts and refuses
//! the same text as serde_json does with those impls, values, numbers and
//! limits included; the tests in `json/tests.rs` compare the two. Error
//! messages read like serde_json's without its line and column.

use serde_json::Value;

use crate::error::EventLogError;
use crate::event::SessionEvent;

// Natively only its strict value reader is used ([`read_value`]): the
// one reader that sees an integer's digits before they become a double.
#[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
pub(crate) mod codec;

#[cfg(test)]
mod tests;

#[cfg(all(test, not(target_family = "wasm")))]
mod fuzz;

/// Appends the line of `event` (without its `\n`) to `out`.
pub(crate) fn write_event(out: &mut Vec<u8>, event: &SessionEvent) -> Result<(), EventLogError> {
    #[cfg(target_family = "wasm")]
    {
        codec::write_event(out, event);
        Ok(())
    }
    #[cfg(not(target_family = "wasm"))]
    {
        serde_json::to_writer(out, event).map_err(EventLogError::Json)
    }
}

/// A stored event from its line.
pub(crate) fn read_event(text: &str) -> Result<SessionEvent, String> {
    #[cfg(target_family = "wasm")]
    {
        codec::read_event(text)
    }
    #[cfg(not(target_family = "wasm"))]
    {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// An event to append from JSON text: `event_id`, `timestamp`, `trace_id`
/// and `span_id` filled when absent or null, `sequence_no` ignored (see
/// `event_serde::EventInput`).
pub(crate) fn read_input(text: &str) -> Result<SessionEvent, String> {
    #[cfg(target_family = "wasm")]
    {
        codec::read_input(text)
    }
    #[cfg(not(target_family = "wasm"))]
    {
        serde_json::from_str::<crate::event_serde::EventInput>(text)
            .map(|input| input.0)
            .map_err(|e| e.to_string())
    }
}

/// An event to append from a JSON value, read as by [`read_input`].
pub(crate) fn read_input_value(value: &Value) -> Result<SessionEvent, String> {
    #[cfg(target_family = "wasm")]
    {
        // Through text: the one reader of events the .wasm has (a second,
        // for `Value`s, would be 9 KB). Only the error path of appendBatch
        // gets here under wasm.
        let mut text = Vec::new();
        codec::write_value(&mut text, value);
        codec::read_input(std::str::from_utf8(&text).unwrap_or_default())
    }
    #[cfg(not(target_family = "wasm"))]
    {
        use serde::Deserialize;
        crate::event_serde::EventInput::deserialize(value)
            .map(|input| input.0)
            .map_err(|e| e.to_string())
    }
}

/// Any JSON value given as input, read strictly: a duplicate key or an
/// integer a double would round is an error that names where it is and
/// starts with "field `" (serde_json would keep the last value, or round,
/// without a word; see `codec::read_value_strict`). The same reader on
/// every target.
pub(crate) fn read_value(text: &str) -> Result<Value, String> {
    codec::read_value_strict(text)
}

/// `value` as JSON text.
pub(crate) fn value_to_string(value: &Value) -> String {
    #[cfg(target_family = "wasm")]
    {
        let mut out = Vec::new();
        codec::write_value(&mut out, value);
        String::from_utf8(out).unwrap_or_default()
    }
    #[cfg(not(target_family = "wasm"))]
    {
        value.to_string()
    }
}

/// Only the `sequence_no` of a line; `None` when the line has none (or is
/// not a JSON object with one).
pub(crate) fn read_sequence_no(text: &str) -> Option<u64> {
    #[cfg(target_family = "wasm")]
    {
        codec::read_sequence_no(text)
    }
    #[cfg(not(target_family = "wasm"))]
    {
        #[derive(serde::Deserialize)]
        struct OnlySequence {
            sequence_no: u64,
        }
        serde_json::from_str::<OnlySequence>(text)
            .ok()
            .map(|s| s.sequence_no)
    }
}
