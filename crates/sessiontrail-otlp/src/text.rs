//! The mapping over JSON text, for hosts that hand events over as text.
//!
//! The npm package's OTLP functions (crates/sessiontrail-otlp-wasm) get
//! events from JavaScript as `JSON.stringify` text, one event per line, and
//! give OTLP/JSON back as text for `JSON.parse`: one string each way is
//! cheaper than walking objects field by field across the boundary, and it
//! keeps this reading and writing native, where `cargo test` reaches it.
//! Events are read by the core's stored-line reader ([`parse_line`]), the
//! one every reader of a log uses, so an event the package maps is the
//! event the CLI maps from the same line.

use std::fmt;

use sessiontrail::{parse_line, LineProblem, SessionEvent};

/// Why the events' text could not be read: which event, and its problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsError {
    /// The event's position among the lines (`events[index]`).
    pub index: usize,
    pub problem: LineProblem,
}

impl EventsError {
    /// The problem alone, without the index: "missing field `session_id`"
    /// (a caller that maps one event names it its own way).
    pub fn why(&self) -> String {
        match &self.problem {
            // Not "not an event: ...": the caller's message says it is
            // about an event.
            LineProblem::NotAnEvent(why) => why.clone(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "events[{}]: {}", self.index, self.why())
    }
}

impl std::error::Error for EventsError {}

/// The events of `text`, one stored event per line (`\n` between them; the
/// empty text holds none). All or nothing: the first line that is not an
/// event is the error, naming its index.
///
/// ```
/// let text = r#"{"session_id":"s","event_id":"e","timestamp":"2026-11-26T03:04:05.000Z","sequence_no":0,"trace_id":"t","span_id":"p","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h","type":"agent.note","text":"hi"}"#;
/// let events = sessiontrail_otlp::events_from_lines(text).unwrap();
/// assert_eq!(events[0].sequence_no, 0);
/// let err = sessiontrail_otlp::events_from_lines("{}").unwrap_err();
/// assert!(err.to_string().starts_with("events[0]: missing field"));
/// ```
pub fn events_from_lines(text: &str) -> Result<Vec<SessionEvent>, EventsError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split('\n')
        .enumerate()
        .map(|(index, line)| {
            parse_line(line.as_bytes()).map_err(|problem| EventsError { index, problem })
        })
        .collect()
}
