//! The wasm-bindgen exports: the JavaScript class `EventLog`.
//!
//! This module only translates. Events arrive as JavaScript objects, cross
//! as JSON text (`JSON.stringify`, one string copy) and are parsed by serde
//! into the crate's own types; the log is `EventLog<JsStore>`, the same
//! append protocol as natively; results go back as JSON text through
//! `JSON.parse`. Names are camelCase for JavaScript (`readAll`,
//! `eventCount`), event fields stay snake_case (they are the wire format).
//!
//! Nothing input-dependent here may panic: the release build aborts on a
//! panic, which JavaScript sees as a wasm trap ("unreachable") that names
//! nothing. Every failure is a thrown `Error` whose message names the field
//! or the host method, with nothing written.

use std::cell::{Cell, OnceCell};

use js_sys::{Array, Promise};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js_store::{describe, error_text, JsStore};
use crate::check::{CheckReport, CounterState, SkippedLine};
use crate::error::EventLogError;
use crate::event::{
    generate_event_id, generate_span_id, generate_trace_id, now_rfc3339, EventType, SessionEvent,
};
use crate::input;
use crate::log::{EventLog, Options};

#[wasm_bindgen]
extern "C" {
    /// A Promise, seen only for its two-argument `then`.
    type Thenable;

    /// `promise.then(onFulfilled, onRejected)` with handlers made once per
    /// log (see `FlushHandlers`).
    #[wasm_bindgen(method, js_name = then)]
    fn then_with(this: &Thenable, on_fulfilled: &JsValue, on_rejected: &JsValue) -> Promise;
}

type Handler = Closure<dyn FnMut(JsValue) -> Result<JsValue, JsValue>>;

/// The two handlers `flush()` chains onto what `host.flush()` returns: one
/// resolves to `undefined`, the other turns a rejection into an `Error`
/// naming the host. Made at the first flush and kept with the log, so
/// flushing allocates no closure per call and leaks none.
struct FlushHandlers {
    fulfilled: Handler,
    rejected: Handler,
}

/// A session event log over a JavaScript storage host (the class
/// `EventLog` in JavaScript).
///
/// ```js
/// import init, { EventLog } from "sessionlog";   // browsers: await init() first
/// const log = EventLog.withHost(new MemoryHost());
/// const stored = log.append({
///   type: "agent.called_tool", tool_name: "bash",
///   session_id: "ssn_1", agent_id: "agent://me", agent_instance_id: "ai_1",
///   agent_name: "me", host_id: "laptop",
/// });
/// stored.sequence_no; // 0
/// ```
#[wasm_bindgen(js_name = EventLog)]
pub struct JsEventLog {
    log: EventLog<JsStore>,
    /// Set while a call is inside the log: a host method that calls back
    /// into the same log gets an error instead of a deadlock.
    busy: Cell<bool>,
    flush_handlers: OnceCell<FlushHandlers>,
}

/// Clears `busy` when a call leaves the log, however it leaves.
struct Entered<'a>(&'a Cell<bool>);

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

#[wasm_bindgen(js_class = EventLog)]
impl JsEventLog {
    /// Opens the log kept by `host` (see the LogHost contract in
    /// `bindings/README.md`). Reads the count the host's bytes hold, so a
    /// reopened log continues its numbering; writes nothing.
    ///
    /// ```js
    /// const log = EventLog.withHost(host);
    /// log.eventCount; // the events already stored
    /// ```
    #[wasm_bindgen(js_name = withHost)]
    pub fn with_host(host: JsValue) -> Result<JsEventLog, JsValue> {
        let store = JsStore::new(host).map_err(|e| plain_error(&e))?;
        let log = match EventLog::with_store(store, Options::default()) {
            Ok(log) => log,
            // The store is gone with the failed log; its message is enough.
            Err(e) => return Err(plain_error(&e)),
        };
        let this = JsEventLog {
            log,
            busy: Cell::new(false),
            flush_handlers: OnceCell::new(),
        };
        if let Some(e) = this.log.with_store_mut(JsStore::take_pending) {
            return Err(this.error(e));
        }
        Ok(this)
    }

    /// Appends one event and returns it as stored: with its `sequence_no`,
    /// and with `event_id`, `timestamp`, `trace_id` and `span_id` filled in
    /// when they were absent. A `sequence_no` in the input is ignored.
    ///
    /// Throws an `Error` naming the problem (the field, the host method)
    /// when the event is not valid or the host fails; nothing is written.
    ///
    /// ```js
    /// const e = log.append({
    ///   type: "agent.opened_port", port: 8080,
    ///   session_id: "ssn_1", agent_id: "agent://me", agent_instance_id: "ai_1",
    ///   agent_name: "me", host_id: "laptop",
    /// });
    /// console.log(e.sequence_no, e.event_id); // 3 "evt_5f0c…"
    /// ```
    pub fn append(&self, event: JsValue) -> Result<JsValue, JsValue> {
        let _entered = self.enter()?;
        let text = stringify_event(&event)?;
        let mut event = parse_event(&text).map_err(|e| self.error(e))?;
        self.log.append(&mut event).map_err(|e| self.error(e))?;
        self.stored(false)
    }

    /// Appends several events in one write, numbered contiguously in order;
    /// returns them as stored. All or nothing: one bad event throws (naming
    /// its index) and none is written.
    ///
    /// ```js
    /// const [a, b] = log.appendBatch([started, called]);
    /// b.sequence_no === a.sequence_no + 1; // true
    /// ```
    #[wasm_bindgen(js_name = appendBatch)]
    pub fn append_batch(&self, events: JsValue) -> Result<JsValue, JsValue> {
        let _entered = self.enter()?;
        if !Array::is_array(&events) {
            return Err(message_error(format!(
                "appendBatch(events) needs an array of event objects, got {}",
                describe(&events)
            )));
        }
        let text = stringify(&events, "appendBatch(events)")?;
        let mut events = parse_batch(&text).map_err(|e| self.error(e))?;
        if events.is_empty() {
            return Ok(Array::new().into());
        }
        self.log
            .append_batch(&mut events)
            .map_err(|e| self.error(e))?;
        self.stored(true)
    }

    /// Every readable event, in order. Lines that are not events (torn,
    /// malformed, an unknown type) are skipped; see `readAllWithStats`.
    ///
    /// ```js
    /// for (const e of log.readAll()) console.log(e.sequence_no, e.type);
    /// ```
    #[wasm_bindgen(js_name = readAll)]
    pub fn read_all(&self) -> Result<JsValue, JsValue> {
        let _entered = self.enter()?;
        let events = self.log.read_all().map_err(|e| self.error(e))?;
        to_js(&events)
    }

    /// Every readable event and the number of complete lines skipped
    /// because they are not events.
    ///
    /// ```js
    /// const { events, skipped } = log.readAllWithStats();
    /// if (skipped) console.warn(`${skipped} damaged lines`);
    /// ```
    #[wasm_bindgen(js_name = readAllWithStats)]
    pub fn read_all_with_stats(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct WithStats {
            events: Vec<SessionEvent>,
            skipped: usize,
        }
        let _entered = self.enter()?;
        let (events, skipped) = self.log.read_all_with_stats().map_err(|e| self.error(e))?;
        to_js(&WithStats { events, skipped })
    }

    /// The number of events as this log last saw them: at open, then after
    /// each of its appends. Another writer's appends show after the next
    /// append here.
    ///
    /// ```js
    /// const next = log.eventCount; // the sequence_no the next append gets
    /// ```
    #[wasm_bindgen(getter, js_name = eventCount)]
    pub fn event_count(&self) -> f64 {
        self.log.event_count() as f64
    }

    /// Reads the whole log and reports its integrity: events, skipped lines,
    /// duplicate and missing sequence numbers, a torn tail, the counter.
    ///
    /// ```js
    /// const report = log.check();
    /// if (!report.ok) console.error(report.duplicates, report.missing);
    /// ```
    pub fn check(&self) -> Result<JsValue, JsValue> {
        let _entered = self.enter()?;
        let report = self.log.check().map_err(|e| self.error(e))?;
        if let Some(e) = self.log.with_store_mut(JsStore::take_pending) {
            return Err(self.error(e));
        }
        to_js(&JsCheckReport::from(&report))
    }

    /// Makes appended events durable: resolves when `host.flush()` has
    /// (at once for hosts without one), rejects with an `Error` naming the
    /// host when it throws or rejects.
    ///
    /// ```js
    /// log.append(event);
    /// await log.flush();
    /// ```
    pub fn flush(&self) -> Promise {
        let (host, flush, name) = match self.enter() {
            Ok(_entered) => self.log.with_store_mut(|s| {
                (
                    s.host().clone(),
                    s.flush_method().cloned(),
                    crate::store::Store::name(s),
                )
            }),
            Err(e) => return Promise::reject(&e),
        };
        let Some(flush) = flush else {
            return Promise::resolve(&JsValue::UNDEFINED);
        };
        // Not inside `enter`: a flush that calls back into the log (to read
        // it, say) is not re-entry into an append.
        match flush.call0(&host) {
            Ok(value) => {
                let handlers = self.flush_handlers.get_or_init(|| FlushHandlers {
                    fulfilled: Closure::new(|_| Ok(JsValue::UNDEFINED)),
                    rejected: Closure::new(move |e: JsValue| {
                        let err = js_sys::Error::new(&format!(
                            "storage host failed: {name}: host.flush() rejected: {}",
                            error_text(&e)
                        ));
                        err.set_cause(&e);
                        Err(err.into())
                    }),
                });
                Promise::resolve(&value)
                    .unchecked_ref::<Thenable>()
                    .then_with(handlers.fulfilled.as_ref(), handlers.rejected.as_ref())
            }
            Err(e) => {
                let err = js_sys::Error::new(&format!(
                    "storage host failed: {name}: host.flush() threw: {}",
                    error_text(&e)
                ));
                err.set_cause(&e);
                Promise::reject(&err)
            }
        }
    }
}

impl JsEventLog {
    fn enter(&self) -> Result<Entered<'_>, JsValue> {
        if self.busy.replace(true) {
            return Err(message_error(
                "EventLog was called from inside one of its own host methods; \
                 a host must not use the log it stores"
                    .into(),
            ));
        }
        self.log.with_store_mut(|s| {
            s.take_pending();
            s.take_thrown();
        });
        Ok(Entered(&self.busy))
    }

    /// The events just appended, parsed from the very bytes the host
    /// stored: one object, or an array for a batch. Serde escapes every
    /// control character inside strings, so each `\n` ends a line.
    fn stored(&self, batch: bool) -> Result<JsValue, JsValue> {
        self.log.with_store_mut(|store| {
            let lines = store.last_appended();
            let lines = lines.strip_suffix(b"\n").unwrap_or(lines);
            let text = std::str::from_utf8(lines)
                .map_err(|e| message_error(format!("event log json: {e}")))?;
            if batch {
                js_sys::JSON::parse(&format!("[{}]", text.replace('\n', ",")))
            } else {
                js_sys::JSON::parse(text)
            }
        })
    }

    /// The JavaScript `Error` for `e`, with what the host threw as `cause`.
    fn error(&self, e: EventLogError) -> JsValue {
        let err = js_sys::Error::new(&e.to_string());
        if let Some(cause) = self.log.with_store_mut(JsStore::take_thrown) {
            err.set_cause(&cause);
        }
        err.into()
    }
}

fn plain_error(e: &EventLogError) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

fn message_error(message: String) -> JsValue {
    js_sys::Error::new(&message).into()
}

/// `JSON.stringify(event)` for `append`, with errors that say what was
/// given instead of an event object.
fn stringify_event(value: &JsValue) -> Result<String, JsValue> {
    if !value.is_object() || Array::is_array(value) {
        return Err(message_error(format!(
            "invalid event: append(event) needs an event object, got {}",
            describe(value)
        )));
    }
    stringify(value, "append(event)")
}

/// `JSON.stringify(value)`; `call` names the export in error messages.
fn stringify(value: &JsValue, call: &str) -> Result<String, JsValue> {
    let text = js_sys::JSON::stringify(value).map_err(|e| {
        message_error(format!(
            "invalid event: {call}: the event cannot be turned into JSON: {}",
            error_text(&e)
        ))
    })?;
    // A toJSON method can make JSON.stringify return undefined.
    text.as_string().ok_or_else(|| {
        message_error(format!(
            "invalid event: {call}: JSON.stringify gave {} (a toJSON method?)",
            describe(&text)
        ))
    })
}

/// What `append` accepts: an event whose ids, timestamp and sequence number
/// may be missing. Only the fast path: when serde refuses the text,
/// [`input::event_from_json`] (the checks the CLI uses) says which field is
/// wrong, so the message never depends on serde's wording.
#[derive(Deserialize)]
struct EventInput {
    session_id: String,
    event_id: Option<String>,
    timestamp: Option<String>,
    trace_id: Option<String>,
    span_id: Option<String>,
    parent_span_id: Option<String>,
    agent_id: String,
    agent_instance_id: String,
    agent_name: String,
    agent_role: Option<String>,
    host_id: String,
    tool_runtime_id: Option<String>,
    #[serde(flatten)]
    event_type: EventType,
    artifact_ref: Option<String>,
    meta: Option<serde_json::Value>,
}

impl From<EventInput> for SessionEvent {
    fn from(i: EventInput) -> SessionEvent {
        SessionEvent {
            session_id: i.session_id,
            event_id: i.event_id.unwrap_or_else(generate_event_id),
            timestamp: i.timestamp.unwrap_or_else(now_rfc3339),
            sequence_no: 0,
            trace_id: i.trace_id.unwrap_or_else(generate_trace_id),
            span_id: i.span_id.unwrap_or_else(generate_span_id),
            parent_span_id: i.parent_span_id,
            agent_id: i.agent_id,
            agent_instance_id: i.agent_instance_id,
            agent_name: i.agent_name,
            agent_role: i.agent_role,
            host_id: i.host_id,
            tool_runtime_id: i.tool_runtime_id,
            event_type: i.event_type,
            artifact_ref: i.artifact_ref,
            meta: i.meta,
        }
    }
}

fn parse_event(text: &str) -> Result<SessionEvent, EventLogError> {
    match serde_json::from_str::<EventInput>(text) {
        Ok(input) => Ok(input.into()),
        Err(_) => input::event_from_json(text),
    }
}

fn parse_batch(text: &str) -> Result<Vec<SessionEvent>, EventLogError> {
    if let Ok(inputs) = serde_json::from_str::<Vec<EventInput>>(text) {
        return Ok(inputs.into_iter().map(SessionEvent::from).collect());
    }
    let values: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| EventLogError::InvalidEvent(format!("appendBatch(events): {e}")))?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            input::event_from_value(value).map_err(|e| match e {
                EventLogError::InvalidEvent(why) => {
                    EventLogError::InvalidEvent(format!("events[{i}]: {why}"))
                }
                other => other,
            })
        })
        .collect()
}

/// `JSON.parse(serde_json::to_string(value))`.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text =
        serde_json::to_string(value).map_err(|e| message_error(format!("event log json: {e}")))?;
    js_sys::JSON::parse(&text)
}

/// `CheckReport` as JavaScript sees it (bindings/README.md).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsCheckReport<'a> {
    ok: bool,
    events: u64,
    lines: u64,
    bytes: u64,
    skipped: u64,
    skipped_lines: &'a [SkippedLine],
    duplicates: &'a [u64],
    missing: &'a [(u64, u64)],
    missing_count: u64,
    misplaced: u64,
    torn_tail_bytes: u64,
    counter: &'static str,
}

impl<'a> From<&'a CheckReport> for JsCheckReport<'a> {
    fn from(r: &'a CheckReport) -> Self {
        JsCheckReport {
            ok: r.is_ok(),
            events: r.events,
            lines: r.lines,
            bytes: r.bytes,
            skipped: r.skipped,
            skipped_lines: &r.skipped_lines,
            duplicates: &r.duplicates,
            missing: &r.missing,
            missing_count: r.missing_count,
            misplaced: r.misplaced,
            torn_tail_bytes: r.torn_tail_bytes,
            counter: match r.counter {
                CounterState::Missing => "missing",
                CounterState::Consistent => "consistent",
                CounterState::Stale { .. } => "stale",
            },
        }
    }
}
