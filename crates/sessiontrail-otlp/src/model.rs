//! The OTLP data model as far as sessions need it, and its JSON encoding.
//!
//! OTLP/JSON is the protobuf JSON mapping with a few OTLP-specific rules,
//! and receivers are strict about them (rotel answers 400 to any slip):
//! keys in lowerCamelCase, trace and span ids as lowercase hex (not
//! base64), 64-bit integers (nanosecond times, `intValue`) as decimal
//! strings, enums (span kind, status code, severity) as integers. The
//! types here are written so that serde can only produce that shape.

use std::borrow::Cow;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// The instrumentation scope every record is sent under.
pub const SCOPE_NAME: &str = "sessiontrail";
/// The scope's version: this crate's.
pub const SCOPE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// An OTLP attribute value (`AnyValue`). Text is borrowed from the event
/// where it can be: a log record is written out while its event is alive,
/// and not copying every string is most of what mapping costs.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyValue<'a> {
    String(Cow<'a, str>),
    Bool(bool),
    /// Written as `{"intValue": "123"}`: a decimal string, as int64 is in
    /// protobuf JSON.
    Int(i64),
    Double(f64),
    Array(Vec<AnyValue<'a>>),
    Kvlist(Vec<KeyValue<'a>>),
}

impl<'a> AnyValue<'a> {
    /// A string value, borrowed or owned.
    pub fn string(s: impl Into<Cow<'a, str>>) -> AnyValue<'a> {
        AnyValue::String(s.into())
    }

    /// The same value owning its text.
    pub fn into_owned(self) -> AnyValue<'static> {
        match self {
            AnyValue::String(s) => AnyValue::String(Cow::Owned(s.into_owned())),
            AnyValue::Bool(b) => AnyValue::Bool(b),
            AnyValue::Int(i) => AnyValue::Int(i),
            AnyValue::Double(d) => AnyValue::Double(d),
            AnyValue::Array(v) => {
                AnyValue::Array(v.into_iter().map(AnyValue::into_owned).collect())
            }
            AnyValue::Kvlist(v) => {
                AnyValue::Kvlist(v.into_iter().map(KeyValue::into_owned).collect())
            }
        }
    }

    /// A JSON value (a `meta`) as an attribute value: objects become
    /// key-value lists, arrays arrays, integers that fit an i64 `intValue`,
    /// other numbers `doubleValue`; object keys sorted. OTLP has no null, and receivers refuse
    /// the empty value (`{}`) protobuf would allow (rotel answers 400), so a
    /// null is left out: `None` for a null itself, and no entry for a null
    /// in an object or an array.
    pub fn from_json(value: &'a serde_json::Value) -> Option<AnyValue<'a>> {
        use serde_json::Value;
        Some(match value {
            Value::Null => return None,
            Value::Bool(b) => AnyValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => AnyValue::Int(i),
                // u64 above i64::MAX and floats: a double, as OTLP has no
                // unsigned 64-bit value.
                None => AnyValue::Double(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => AnyValue::String(Cow::Borrowed(s)),
            Value::Array(items) => {
                AnyValue::Array(items.iter().filter_map(AnyValue::from_json).collect())
            }
            Value::Object(map) => {
                let mut values: Vec<KeyValue> = map
                    .iter()
                    .filter_map(|(k, v)| Some(KeyValue::new(k.as_str(), AnyValue::from_json(v)?)))
                    .collect();
                // Sorted by key whatever the map keeps (serde_json's
                // `preserve_order` feature keeps insertion order): the same
                // event always gives the same record, natively and in the
                // npm package's wasm.
                values.sort_by(|a, b| a.key.cmp(&b.key));
                AnyValue::Kvlist(values)
            }
        })
    }
}

/// `{"values": [...]}`, the wrapper of array and key-value list values.
#[derive(Serialize)]
struct Values<'a, T> {
    values: &'a [T],
}

impl Serialize for AnyValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self {
            AnyValue::String(s) => map.serialize_entry("stringValue", s)?,
            AnyValue::Bool(b) => map.serialize_entry("boolValue", b)?,
            AnyValue::Int(i) => map.serialize_entry("intValue", &i.to_string())?,
            AnyValue::Double(d) => map.serialize_entry("doubleValue", d)?,
            AnyValue::Array(values) => map.serialize_entry("arrayValue", &Values { values })?,
            AnyValue::Kvlist(values) => map.serialize_entry("kvlistValue", &Values { values })?,
        }
        map.end()
    }
}

/// One attribute: a key and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyValue<'a> {
    pub key: Cow<'a, str>,
    pub value: AnyValue<'a>,
}

impl<'a> KeyValue<'a> {
    pub fn new(key: impl Into<Cow<'a, str>>, value: AnyValue<'a>) -> KeyValue<'a> {
        KeyValue {
            key: key.into(),
            value,
        }
    }

    /// The same attribute owning its text.
    pub fn into_owned(self) -> KeyValue<'static> {
        KeyValue {
            key: Cow::Owned(self.key.into_owned()),
            value: self.value.into_owned(),
        }
    }
}

/// `SpanKind`, written as its protobuf number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    Internal = 1,
    Client = 3,
}

impl Serialize for SpanKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(*self as u8)
    }
}

/// `Status.StatusCode`, written as its protobuf number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusCode {
    #[default]
    Unset = 0,
    Ok = 1,
    Error = 2,
}

impl Serialize for StatusCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(*self as u8)
    }
}

/// A span's status; left out of the JSON when unset.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Status {
    pub code: StatusCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Status {
    fn is_unset(&self) -> bool {
        self.code == StatusCode::Unset && self.message.is_none()
    }
}

/// Nanoseconds since the Unix epoch, written as a decimal string (fixed64).
fn nanos<S: Serializer>(n: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(n)
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One OTLP span.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<String>,
    pub name: String,
    pub kind: SpanKind,
    #[serde(serialize_with = "nanos")]
    pub start_time_unix_nano: u64,
    #[serde(serialize_with = "nanos")]
    pub end_time_unix_nano: u64,
    pub attributes: Vec<KeyValue<'static>>,
    #[serde(skip_serializing_if = "Status::is_unset")]
    pub status: Status,
}

/// `SeverityNumber` INFO and ERROR, the two a session event gets.
pub const SEVERITY_INFO: u8 = 9;
pub const SEVERITY_ERROR: u8 = 17;

/// One OTLP log record, borrowing from its event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRecord<'a> {
    /// 0 (left out of the JSON) when the event's timestamp could not be
    /// read: OTLP's "time unknown".
    #[serde(serialize_with = "nanos", skip_serializing_if = "is_zero")]
    pub time_unix_nano: u64,
    pub severity_number: u8,
    pub severity_text: &'static str,
    /// The event type, e.g. `agent.called_tool`.
    pub event_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<AnyValue<'a>>,
    pub attributes: Vec<KeyValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_id: Option<Cow<'a, str>>,
}

/// Spans and log records ready to send, with the resource they come from.
/// The log records borrow from the events they were made of.
#[derive(Debug, Clone, PartialEq)]
pub struct OtlpBatch<'a> {
    pub spans: Vec<Span>,
    pub logs: Vec<LogRecord<'a>>,
    /// The resource's attributes; `service.name = "sessiontrail"` by default.
    pub resource: Vec<KeyValue<'static>>,
}

impl Default for OtlpBatch<'_> {
    fn default() -> Self {
        OtlpBatch {
            spans: Vec::new(),
            logs: Vec::new(),
            resource: vec![KeyValue::new(
                "service.name",
                AnyValue::string("sessiontrail"),
            )],
        }
    }
}

#[derive(Serialize)]
struct Scope {
    name: &'static str,
    version: &'static str,
}

const SCOPE: Scope = Scope {
    name: SCOPE_NAME,
    version: SCOPE_VERSION,
};

/// The semantic conventions the names follow (OTLP's `schemaUrl` of each
/// resource's spans and logs).
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.37.0";

#[derive(Serialize)]
struct Resource<'a> {
    attributes: &'a [KeyValue<'static>],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TracesRequest<'a> {
    resource_spans: [ResourceSpans<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    resource: Resource<'a>,
    scope_spans: [ScopeSpans<'a>; 1],
    schema_url: &'static str,
}

#[derive(Serialize)]
struct ScopeSpans<'a> {
    scope: Scope,
    spans: &'a [Span],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogsRequest<'a> {
    resource_logs: [ResourceLogs<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceLogs<'a> {
    resource: Resource<'a>,
    scope_logs: [ScopeLogs<'a>; 1],
    schema_url: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScopeLogs<'a> {
    scope: Scope,
    log_records: &'a [LogRecord<'a>],
}

/// The spans and log records alone, as `{"spans": [...], "logs": [...]}`:
/// what the npm package's `OtlpMapper.map` adds to its `out` object.
#[derive(Serialize)]
struct Records<'a> {
    spans: &'a [Span],
    logs: &'a [LogRecord<'a>],
}

impl OtlpBatch<'_> {
    /// An empty batch whose resource's `service.name` is `name` (the
    /// `OTEL_SERVICE_NAME` of the OpenTelemetry SDKs) instead of
    /// "sessiontrail".
    pub fn for_service(name: &str) -> Self {
        OtlpBatch {
            resource: vec![KeyValue::new(
                "service.name",
                AnyValue::string(name.to_owned()),
            )],
            ..OtlpBatch::default()
        }
    }

    /// No spans and no log records.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty() && self.logs.is_empty()
    }

    /// Drops the spans and log records, keeps the resource.
    pub fn clear(&mut self) {
        self.spans.clear();
        self.logs.clear();
    }

    /// Writes the spans as one `ExportTraceServiceRequest` in OTLP/JSON
    /// (the body of a POST to `/v1/traces`), without a trailing newline.
    pub fn write_traces_json<W: std::io::Write>(&self, out: W) -> serde_json::Result<()> {
        serde_json::to_writer(
            out,
            &TracesRequest {
                resource_spans: [ResourceSpans {
                    resource: Resource {
                        attributes: &self.resource,
                    },
                    scope_spans: [ScopeSpans {
                        scope: SCOPE,
                        spans: &self.spans,
                    }],
                    schema_url: SCHEMA_URL,
                }],
            },
        )
    }

    /// Writes the log records as one `ExportLogsServiceRequest` in
    /// OTLP/JSON (the body of a POST to `/v1/logs`).
    pub fn write_logs_json<W: std::io::Write>(&self, out: W) -> serde_json::Result<()> {
        serde_json::to_writer(
            out,
            &LogsRequest {
                resource_logs: [ResourceLogs {
                    resource: Resource {
                        attributes: &self.resource,
                    },
                    scope_logs: [ScopeLogs {
                        scope: SCOPE,
                        log_records: &self.logs,
                    }],
                    schema_url: SCHEMA_URL,
                }],
            },
        )
    }

    /// Writes both export requests as one JSON object,
    /// `{"traces": <ExportTraceServiceRequest>, "logs": <ExportLogsServiceRequest>}`:
    /// what the npm package's `toOtlp` returns, in one text to parse.
    pub fn write_requests_json<W: std::io::Write>(&self, mut out: W) -> serde_json::Result<()> {
        out.write_all(b"{\"traces\":")
            .map_err(serde_json::Error::io)?;
        self.write_traces_json(&mut out)?;
        out.write_all(b",\"logs\":")
            .map_err(serde_json::Error::io)?;
        self.write_logs_json(&mut out)?;
        out.write_all(b"}").map_err(serde_json::Error::io)
    }

    /// Writes the spans and log records without their requests, as
    /// `{"spans": [...], "logs": [...]}`, for a caller that collects them
    /// over several batches and wraps them at the end.
    pub fn write_records_json<W: std::io::Write>(&self, out: W) -> serde_json::Result<()> {
        serde_json::to_writer(
            out,
            &Records {
                spans: &self.spans,
                logs: &self.logs,
            },
        )
    }

    /// The `ExportTraceServiceRequest` as a JSON string.
    pub fn traces_json(&self) -> String {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail, and every value here serializes.
        let _ = self.write_traces_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// The `ExportLogsServiceRequest` as a JSON string.
    pub fn logs_json(&self) -> String {
        let mut out = Vec::new();
        let _ = self.write_logs_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
