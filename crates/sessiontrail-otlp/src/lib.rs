//! Sessions as OpenTelemetry data: events to OTLP spans and log records in
//! OTLP/JSON, the encoding every OpenTelemetry receiver accepts over HTTP.
//!
//! Teams already run an observability stack (an OpenTelemetry Collector and
//! Tempo, Loki, Jaeger, Honeycomb, Langfuse behind it); this module is what
//! puts a session there. It is the mapping only: `sessiontrail otlp` (the
//! command, in crates/sessiontrail-cli) sends what it makes, and a program can
//! send it with any HTTP client. Spans follow OpenTelemetry's GenAI semantic
//! conventions (`invoke_agent`, `execute_tool`, `chat`); the full table is in
//! the repository's `docs/opentelemetry.md`.
//!
//! The JSON is written with serde over the small model in `model.rs`
//! rather than the opentelemetry-proto crates, which pull in about 45
//! crates for what is a few types here. Native and wasm: the npm package
//! runs this same mapping compiled to its own second `.wasm`
//! (crates/sessiontrail-otlp-wasm, loaded only when an OTLP function is
//! used, so the core's `.wasm` keeps its size budget), over the text
//! functions of `text.rs`.

mod mapper;
mod model;
mod text;
mod time;

#[cfg(test)]
mod tests;

pub use mapper::Mapper;
pub use model::{
    AnyValue, KeyValue, LogRecord, OtlpBatch, Span, SpanKind, Status, StatusCode, SCHEMA_URL,
    SCOPE_NAME, SCOPE_VERSION, SEVERITY_ERROR, SEVERITY_INFO,
};
pub use text::{events_from_lines, EventsError};
/// RFC 3339 to nanoseconds since the epoch (also the CLI's transcript
/// importer reads agents' timestamps with it: one reader of dates).
pub use time::unix_nanos;

use sessiontrail::SessionEvent;

/// The spans and log records of `events` (in log order), for one export.
///
/// Every event gives a log record. A span whose end is not among `events`
/// is not in the batch: feed a [`Mapper`] instead to carry open spans over
/// to later events.
///
/// ```
/// use sessiontrail_otlp::to_otlp;
/// # let events: Vec<sessiontrail::SessionEvent> = Vec::new();
/// let batch = to_otlp(&events);
/// let traces = batch.traces_json(); // POST to {endpoint}/v1/traces
/// let logs = batch.logs_json();     // POST to {endpoint}/v1/logs
/// # assert!(traces.starts_with("{\"resourceSpans\"") && logs.starts_with("{\"resourceLogs\""));
/// ```
pub fn to_otlp(events: &[SessionEvent]) -> OtlpBatch<'_> {
    let mut mapper = Mapper::new();
    let mut batch = OtlpBatch::default();
    for event in events {
        mapper.map(event, &mut batch);
    }
    batch
}

// The Rust example of the OpenTelemetry manual runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/opentelemetry.md")]
struct OpentelemetryManualDoctests;
