//! The wasm-bindgen exports: translation only, as in sessiontrail-wasm.
//!
//! Events come in as text, one `JSON.stringify` of an event per line (the
//! JavaScript wrapper, bindings/node/otlp-api.js, makes it), and are read
//! by the core's stored-line reader through `events_from_lines`; OTLP/JSON
//! goes back as text for one `JSON.parse`. These raw exports are not the
//! package's API: the wrapper checks the arguments, names the function in
//! error messages, and turns the text into objects.
//!
//! Nothing input-dependent here may panic: the release build aborts on a
//! panic, which JavaScript sees as a wasm trap that names nothing. A bad
//! event is a thrown `Error` with `code` "INVALID_EVENT", the event's
//! `index` and the problem as its message; nothing of the call is mapped.

use wasm_bindgen::prelude::*;

use sessiontrail_otlp::{events_from_lines, EventsError, Mapper, OtlpBatch};

/// Turns a session's events, fed in order over several calls, into spans
/// and log records, keeping the spans whose end has not come yet (the raw
/// class behind the package's `OtlpMapper`).
///
/// ```js
/// const mapper = new OtlpMapper();
/// const { spans, logs } = JSON.parse(mapper.mapLines(events.map((e) => JSON.stringify(e)).join("\n")));
/// mapper.openSpans; // spans started and not yet ended
/// ```
#[wasm_bindgen(js_name = OtlpMapper)]
pub struct JsOtlpMapper {
    mapper: Mapper,
}

#[wasm_bindgen(js_class = OtlpMapper)]
impl JsOtlpMapper {
    /// A mapper that has seen no event.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)] // JavaScript calls `new`, not Default
    pub fn new() -> JsOtlpMapper {
        JsOtlpMapper {
            mapper: Mapper::new(),
        }
    }

    /// Spans started and not yet ended.
    #[wasm_bindgen(getter, js_name = openSpans)]
    pub fn open_spans(&self) -> f64 {
        self.mapper.open_spans() as f64
    }

    /// Maps the events of `lines` (one event's JSON per line) and returns
    /// their spans and log records as `{"spans": [...], "logs": [...]}`.
    /// All or nothing: a bad event throws and the mapper is as before.
    ///
    /// ```js
    /// const out = JSON.parse(mapper.mapLines(text));
    /// ```
    #[wasm_bindgen(js_name = mapLines)]
    pub fn map_lines(&mut self, lines: &str) -> Result<String, JsValue> {
        let events = events_from_lines(lines).map_err(invalid_event)?;
        let mut batch = OtlpBatch::default();
        for event in &events {
            self.mapper.map(event, &mut batch);
        }
        Ok(text(|out| batch.write_records_json(out)))
    }
}

/// The export requests of the events of `lines`, as
/// `{"traces": {...}, "logs": {...}}`, under `service.name` `serviceName`
/// ("sessiontrail" when absent). Spans whose end is not among the events
/// are left out.
///
/// ```js
/// const { traces, logs } = JSON.parse(toOtlpLines(text, "my-agent"));
/// ```
#[wasm_bindgen(js_name = toOtlpLines)]
pub fn to_otlp_lines(lines: &str, service_name: Option<String>) -> Result<String, JsValue> {
    mapped(lines, service_name.as_deref(), |batch| {
        text(|out| batch.write_requests_json(out))
    })
}

/// The same requests as two texts, `[traces, logs]`, the bodies to POST as
/// they are: no objects are made in JavaScript, the bytes are those the
/// CLI sends.
///
/// ```js
/// const [traces, logs] = toOtlpBodies(text, undefined);
/// ```
#[wasm_bindgen(js_name = toOtlpBodies)]
pub fn to_otlp_bodies(lines: &str, service_name: Option<String>) -> Result<js_sys::Array, JsValue> {
    mapped(lines, service_name.as_deref(), |batch| {
        let traces = text(|out| batch.write_traces_json(out));
        let logs = text(|out| batch.write_logs_json(out));
        js_sys::Array::of2(&JsValue::from(traces), &JsValue::from(logs))
    })
}

/// `f` of the batch that a fresh mapper makes of the events of `lines`.
fn mapped<T>(
    lines: &str,
    service_name: Option<&str>,
    f: impl FnOnce(&OtlpBatch) -> T,
) -> Result<T, JsValue> {
    let events = events_from_lines(lines).map_err(invalid_event)?;
    let mut batch = batch_for(service_name);
    let mut mapper = Mapper::new();
    for event in &events {
        mapper.map(event, &mut batch);
    }
    Ok(f(&batch))
}

/// The two export requests with no span and no log record, as
/// `{"traces": {...}, "logs": {...}}`: the wrapper's `otlpRequests` puts
/// the spans and records it collected into them, so the requests' shape
/// (resource, scope, version) is written in one place, the crate.
///
/// ```js
/// const { traces, logs } = JSON.parse(emptyRequests(undefined));
/// traces.resourceSpans[0].scopeSpans[0].spans = out.spans;
/// ```
#[wasm_bindgen(js_name = emptyRequests)]
pub fn empty_requests(service_name: Option<String>) -> String {
    text(|out| batch_for(service_name.as_deref()).write_requests_json(out))
}

fn batch_for<'a>(service_name: Option<&str>) -> OtlpBatch<'a> {
    match service_name {
        Some(name) => OtlpBatch::for_service(name),
        None => OtlpBatch::default(),
    }
}

/// The text `write` makes. Writing into a `Vec` cannot fail and serde_json
/// writes UTF-8, so neither fallback is ever taken; they are there so that
/// nothing here can panic.
fn text<E>(write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> String {
    let mut out = Vec::new();
    let _ = write(&mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `new Error(problem)` with `code` "INVALID_EVENT" and the event's
/// `index`; the wrapper puts the call and the index into the message.
fn invalid_event(e: EventsError) -> JsValue {
    let err = js_sys::Error::new(&e.why());
    let set =
        |key: &str, value: JsValue| js_sys::Reflect::set(&err, &JsValue::from_str(key), &value);
    let _ = set(
        "code",
        JsValue::from_str(sessiontrail::ErrorKind::InvalidEvent.code()),
    );
    let _ = set("index", JsValue::from(e.index as f64));
    err.into()
}
