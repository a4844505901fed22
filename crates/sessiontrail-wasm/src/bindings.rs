//! The wasm-bindgen exports: the JavaScript class `EventLog`.
//!
//! This module only translates. Events arrive as JavaScript objects, cross
//! as JSON text (`JSON.stringify`, one string copy) and are read by the
//! core's event reader into its own types; the log is
//! `EventLog<JsStore>`, the same append protocol as natively; results go
//! back as JSON text through `JSON.parse`. Names are camelCase for
//! JavaScript (`readAll`, `eventCount`), event fields stay snake_case (they
//! are the wire format). The exports whose names start with `_` serve the
//! Node wrapper's fast append (bindings/node/index.js) and are left out of
//! the TypeScript types.
//!
//! Nothing input-dependent here may panic: the release build aborts on a
//! panic, which JavaScript sees as a wasm trap ("unreachable") that names
//! nothing. Every failure is a thrown `Error` whose message names the field
//! or the host method, with nothing written.

use std::cell::{Cell, OnceCell, RefCell};
use std::ops::ControlFlow;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use sessiontrail::hosting;
use sessiontrail::tail::{read_lines, Position};
use sessiontrail::{
    event_from_json, ErrorKind, EventLog, EventLogError, InvalidEvent, Options, SessionEvent,
};

use crate::js_store::{describe, error_text, JsStore};

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
/// import init, { EventLog } from "sessiontrail";   // browsers: await init() first
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
    /// The Node wrapper's fast path (`_input`, `_appendInput`): the event's
    /// JSON text, written here by JavaScript.
    input: RefCell<Vec<u8>>,
    /// ... and the ids and time the log filled in, read from here by
    /// JavaScript: four lengths, then the texts (see `_appendInput`).
    filled: RefCell<[u8; FILLED_BYTES]>,
}

/// Room for the lengths and texts of a filled event id (20 bytes),
/// timestamp (24, 26 in the year 100000), trace id (32) and span id (16).
const FILLED_BYTES: usize = 128;

/// Clears `busy` when a call leaves the log, however it leaves.
struct Entered<'a>(&'a Cell<bool>);

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

#[wasm_bindgen(js_class = EventLog)]
impl JsEventLog {
    /// Not a way to make a log: `new EventLog()` throws, saying which is.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsEventLog, JsValue> {
        Err(message_error(
            INVALID_ARGUMENT,
            "new EventLog() makes no log: use EventLog.open(dir) in Node or EventLog.withHost(host)"
                .into(),
        ))
    }

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
            input: RefCell::new(Vec::new()),
            filled: RefCell::new([0; FILLED_BYTES]),
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
        let text = stringify_event(&event, self.max_line_bytes())?;
        let mut event = event_from_json(&text).map_err(|e| self.error(e))?;
        self.log.append(&mut event).map_err(|e| self.error(e))?;
        self.stored(false)
    }

    /// The Node wrapper's fast path, step 1: the address in wasm memory of
    /// `capacity` bytes for an event's JSON text. Stays valid until the next
    /// call with a larger capacity.
    /// Refuses, before anything is allocated, an event whose text (a third
    /// of `capacity`) is over the line limit.
    #[wasm_bindgen(js_name = _input, skip_typescript)]
    pub fn input_buffer(&self, capacity: usize) -> Result<usize, JsValue> {
        if capacity / 3 > self.max_line_bytes() {
            return Err(too_long(Call::Append, capacity / 3, self.max_line_bytes()));
        }
        let mut input = self.input.borrow_mut();
        if input.len() < capacity || input.len() > (1 << 20).max(capacity * 4) {
            *input = vec![0; capacity];
        }
        Ok(input.as_mut_ptr() as usize)
    }

    /// The address of the area `_appendInput` writes the filled ids to;
    /// fixed for the life of the log.
    #[wasm_bindgen(js_name = _filled, skip_typescript)]
    pub fn filled_area(&self) -> usize {
        self.filled.as_ptr() as usize
    }

    /// The Node wrapper's fast path, step 2: appends the event whose JSON
    /// text (from `JSON.stringify`) is the first `len` bytes at `_input`,
    /// exactly as `append` would, and returns its sequence number. The ids
    /// and time it filled in are at `_filled`: byte `i` (0 to 3) is the
    /// length of the `event_id`, `timestamp`, `trace_id` and `span_id` it
    /// made (0 for one the event had), then those texts, in that order.
    #[wasm_bindgen(js_name = _appendInput, skip_typescript)]
    pub fn append_input(&self, len: usize) -> Result<f64, JsValue> {
        let _entered = self.enter()?;
        let input = self.input.borrow();
        let text = input
            .get(..len)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .ok_or_else(|| {
                message_error(INVALID_EVENT, "invalid event: the text is not UTF-8".into())
            })?;
        let (mut event, filled) = hosting::read_input(text).map_err(|e| self.error(e))?;
        drop(input);
        self.log.append(&mut event).map_err(|e| self.error(e))?;
        let mut area = self.filled.borrow_mut();
        let mut at = 4;
        let values = [
            &event.event_id,
            &event.timestamp,
            &event.trace_id,
            &event.span_id,
        ];
        for (i, value) in values.into_iter().enumerate() {
            let bytes = value.as_bytes();
            let fits = bytes.len() < 256 && at + bytes.len() <= FILLED_BYTES;
            if filled & (1 << i) != 0 && fits {
                area[i] = bytes.len() as u8;
                area[at..at + bytes.len()].copy_from_slice(bytes);
                at += bytes.len();
            } else {
                area[i] = 0;
            }
        }
        Ok(event.sequence_no as f64)
    }

    /// Appends several events in one write, numbered contiguously in order;
    /// returns them as stored. All or nothing: one bad event throws (naming
    /// its index) and none is written. Each event is turned into JSON and
    /// measured on its own, so one over the line limit is refused before
    /// it is copied.
    ///
    /// ```js
    /// const [a, b] = log.appendBatch([started, called]);
    /// b.sequence_no === a.sequence_no + 1; // true
    /// ```
    #[wasm_bindgen(js_name = appendBatch)]
    pub fn append_batch(&self, events: JsValue) -> Result<JsValue, JsValue> {
        let _entered = self.enter()?;
        if !Array::is_array(&events) {
            return Err(message_error(
                INVALID_EVENT,
                format!(
                    "appendBatch(events) needs an array of event objects, got {}",
                    describe(&events)
                ),
            ));
        }
        let items: Array = events.unchecked_into();
        let mut events = Vec::with_capacity(items.length() as usize);
        for (i, item) in items.iter().enumerate() {
            let text = stringify_event_in(&item, Call::Batch(i), self.max_line_bytes())
                .map_err(|e| with_index(e, i))?;
            let event = event_from_json(&text).map_err(|e| {
                with_index(
                    self.error(match e {
                        EventLogError::InvalidEvent(why) => {
                            EventLogError::InvalidEvent(InvalidEvent::new(
                                why.field().map(str::to_string),
                                format!("events[{i}]: {}", why.reason()),
                            ))
                        }
                        other => other,
                    }),
                    i,
                )
            })?;
            events.push(event);
        }
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
        let chunk = self.read_lines(0, u64::MAX)?;
        let mut out = Vec::new();
        write_events(&mut out, &chunk.events);
        parse_json(&out)
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
        let _entered = self.enter()?;
        self.read_lines(0, u64::MAX)?.to_js(false)
    }

    /// Reads the events stored from byte `offset` on, about `maxBytes` of
    /// them (whole lines; at least one line when there is one), without
    /// holding the whole log: the streaming read behind `readFrom` in the
    /// Node and browser wrappers, for logs larger than a JavaScript string.
    /// `next` is where the next chunk starts; `done` says the end was
    /// reached (a torn final line is not read: it may be an append in
    /// progress). Lines that are not events are skipped and counted.
    ///
    /// ```js
    /// let at = 0, chunk;
    /// do {
    ///   chunk = log.readChunk(at, 4 << 20);
    ///   for (const e of chunk.events) console.log(e.sequence_no);
    ///   at = chunk.next;
    /// } while (!chunk.done);
    /// ```
    #[wasm_bindgen(js_name = readChunk)]
    pub fn read_chunk(&self, offset: f64, max_bytes: f64) -> Result<JsValue, JsValue> {
        let _entered = self.enter()?;
        if !(offset >= 0.0 && offset.fract() == 0.0 && offset <= 9_007_199_254_740_991.0) {
            return Err(message_error(
                INVALID_ARGUMENT,
                "readChunk(offset, maxBytes): offset must be a byte offset (a whole number, 0 or more)".into(),
            ));
        }
        // `as u64` saturates: NaN and negatives read one line.
        self.read_lines(offset as u64, max_bytes as u64)?
            .to_js(true)
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
        to_js(|out| report.write_json(out))
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
                    sessiontrail::Store::name(s),
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
                        let err = coded_error(
                            HOST_FAILED,
                            &format!(
                                "storage host failed: {name}: host.flush() rejected: {}",
                                error_text(&e)
                            ),
                        );
                        err.set_cause(&e);
                        Err(err.into())
                    }),
                });
                Promise::resolve(&value)
                    .unchecked_ref::<Thenable>()
                    .then_with(handlers.fulfilled.as_ref(), handlers.rejected.as_ref())
            }
            Err(e) => {
                let err = coded_error(
                    HOST_FAILED,
                    &format!(
                        "storage host failed: {name}: host.flush() threw: {}",
                        error_text(&e)
                    ),
                );
                err.set_cause(&e);
                Promise::reject(&err)
            }
        }
    }
}

/// Lines read by [`JsEventLog::read_lines`].
struct Chunk {
    events: Vec<SessionEvent>,
    skipped: u64,
    /// The offset after the last line read.
    next: u64,
    /// The end was reached (a torn tail is not read).
    done: bool,
}

impl Chunk {
    /// `{events, skipped}`, with `next` and `done` for `readChunk`.
    fn to_js(&self, with_position: bool) -> Result<JsValue, JsValue> {
        let mut out = b"{\"events\":".to_vec();
        write_events(&mut out, &self.events);
        out.extend_from_slice(b",\"skipped\":");
        out.extend_from_slice(self.skipped.to_string().as_bytes());
        if with_position {
            out.extend_from_slice(b",\"next\":");
            out.extend_from_slice(self.next.to_string().as_bytes());
            out.extend_from_slice(b",\"done\":");
            out.extend_from_slice(if self.done { b"true" } else { b"false" });
        }
        out.push(b'}');
        parse_json(&out)
    }
}

impl JsEventLog {
    /// The events of the lines from byte `start` on, until about `max`
    /// bytes were read (at least one line) or the end: the one reader of
    /// `readAll`, `readAllWithStats` and `readChunk`. Unreadable lines are
    /// skipped and counted, a torn tail is not read.
    fn read_lines(&self, start: u64, max: u64) -> Result<Chunk, JsValue> {
        let reader = self
            .log
            .with_store_mut(|s| s.reader_at(start))
            .map_err(|e| self.error(e))?;
        let mut chunk = Chunk {
            events: Vec::new(),
            skipped: 0,
            next: start,
            done: true,
        };
        let Some(reader) = reader else {
            return Ok(chunk);
        };
        // The core's byte-offset reader, as `sessiontrail view` and `otlp`
        // use it natively; the line number is not needed here.
        let from = Position {
            offset: start,
            line: 0,
        };
        let progress = read_lines(reader, from, self.max_line_bytes(), |line| {
            match line.parse() {
                Ok(event) => chunk.events.push(event),
                Err(_) => chunk.skipped += 1,
            }
            if line.end() - start >= max {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(|e| {
            let name = self.log.with_store_mut(|s| sessiontrail::Store::name(s));
            self.error(hosting::io_at("read", std::path::Path::new(&name), e))
        })?;
        chunk.next = progress.next.offset;
        chunk.done = progress.at_end;
        Ok(chunk)
    }

    fn max_line_bytes(&self) -> usize {
        self.log.options().max_line_bytes
    }

    fn enter(&self) -> Result<Entered<'_>, JsValue> {
        if self.busy.replace(true) {
            return Err(message_error(
                REENTRANT,
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
                .map_err(|e| message_error(HOST_FAILED, format!("event log json: {e}")))?;
            if batch {
                js_sys::JSON::parse(&format!("[{}]", text.replace('\n', ",")))
            } else {
                js_sys::JSON::parse(text)
            }
        })
    }

    /// The JavaScript `Error` for `e`, with what the host threw as `cause`.
    fn error(&self, e: EventLogError) -> JsValue {
        let cause = self.log.with_store_mut(JsStore::take_thrown);
        // A host that failed for a reason of its own that programs branch
        // on keeps its code: the Node file host's LOCK_TIMEOUT and
        // LOCK_UNSUPPORTED, a browser host's LOCK_NOT_HELD. Only a lock
        // kind of the one table: any other code (the Node host's
        // LOCK_FAILED for an unexpected errno, an ENOENT) is not one the
        // package promises, and stays on the `cause`.
        let own = cause.as_ref().and_then(|c| {
            let code = js_sys::Reflect::get(c, &JsValue::from_str("code"))
                .ok()?
                .as_string()?;
            [
                ErrorKind::LockTimeout,
                ErrorKind::LockUnsupported,
                ErrorKind::LockNotHeld,
            ]
            .into_iter()
            .find(|kind| kind.code() == code)
        });
        // Its words too: they already name the lock file and the wait.
        let message = match (
            &own,
            cause.as_ref().and_then(|c| c.dyn_ref::<js_sys::Error>()),
        ) {
            (Some(_), Some(thrown)) => String::from(thrown.message()),
            _ => e.to_string(),
        };
        let err = coded_error(own.unwrap_or(e.kind()), &message);
        set_field(&err, &e);
        if let Some(cause) = cause {
            err.set_cause(&cause);
        }
        err.into()
    }
}

// The stable `code` of every Error the log throws is an `ErrorKind`'s code
// (the core's one table; pkg-template/types.d.ts lists those JavaScript
// meets): programs branch on these, messages are for people.
const INVALID_EVENT: ErrorKind = ErrorKind::InvalidEvent;
const HOST_FAILED: ErrorKind = ErrorKind::HostFailed;
const REENTRANT: ErrorKind = ErrorKind::Reentrant;
const INVALID_ARGUMENT: ErrorKind = ErrorKind::InvalidArgument;

/// Sets the Error's `field` to the field an invalid event is about.
fn set_field(err: &js_sys::Error, e: &EventLogError) {
    if let Some(field) = e.field() {
        let _ = js_sys::Reflect::set(err, &JsValue::from_str("field"), &JsValue::from_str(field));
    }
}

/// `err` with `index` set to the position of the refused event in a batch:
/// the JS wrappers' group commit fails that one call and retries the rest.
fn with_index(err: JsValue, i: usize) -> JsValue {
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("index"), &JsValue::from(i as u32));
    err
}

/// `new Error(message)` with `code` set.
fn coded_error(kind: ErrorKind, message: &str) -> js_sys::Error {
    let err = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(
        &err,
        &JsValue::from_str("code"),
        &JsValue::from_str(kind.code()),
    );
    err
}

fn plain_error(e: &EventLogError) -> JsValue {
    let err = coded_error(e.kind(), &e.to_string());
    set_field(&err, e);
    err.into()
}

fn message_error(code: ErrorKind, message: String) -> JsValue {
    coded_error(code, &message).into()
}

/// `JSON.stringify(event)` for `append`, with errors that say what was
/// given instead of an event object.
fn stringify_event(value: &JsValue, max: usize) -> Result<String, JsValue> {
    stringify_event_in(value, Call::Append, max)
}

/// Which argument an error is about: named only when there is an error,
/// so a batch's success path formats nothing.
#[derive(Clone, Copy)]
enum Call {
    Append,
    Batch(usize),
}

impl Call {
    #[cold]
    fn name(self) -> String {
        match self {
            Call::Append => "append(event)".into(),
            Call::Batch(i) => format!("appendBatch(events): events[{i}]"),
        }
    }
}

/// [`stringify_event`] where `call` names the argument in error messages.
fn stringify_event_in(value: &JsValue, call: Call, max: usize) -> Result<String, JsValue> {
    if !value.is_object() || Array::is_array(value) {
        return Err(message_error(
            INVALID_EVENT,
            format!(
                "invalid event: {} needs an event object, got {}",
                call.name(),
                describe(value)
            ),
        ));
    }
    stringify(value, call, max)
}

/// The error for an event whose JSON text is `len` UTF-16 units long, over
/// the line limit: at least that many bytes, so its line could not be read.
#[cold]
fn too_long(call: Call, len: usize, max: usize) -> JsValue {
    message_error(INVALID_EVENT, format!(
        "invalid event: {}: its JSON text is {len} characters, over the line limit of {max} bytes; nothing was written",
        call.name()
    ))
}

/// `JSON.stringify(value)`; `call` names the export in error messages.
/// Text longer than `max` is refused by its length, before it is copied
/// into wasm memory (a copy of hundreds of MB would exhaust it).
fn stringify(value: &JsValue, call: Call, max: usize) -> Result<String, JsValue> {
    let text = js_sys::JSON::stringify(value).map_err(|e| {
        message_error(
            INVALID_EVENT,
            format!(
                "invalid event: {}: the event cannot be turned into JSON: {}",
                call.name(),
                error_text(&e)
            ),
        )
    })?;
    // UTF-16 units: each is at least one byte of UTF-8.
    let len = text.length() as usize;
    if len > max {
        return Err(too_long(call, len, max));
    }
    // A toJSON method can make JSON.stringify return undefined.
    text.as_string().ok_or_else(|| {
        message_error(
            INVALID_EVENT,
            format!(
                "invalid event: {}: JSON.stringify gave {} (a toJSON method?)",
                call.name(),
                describe(&text)
            ),
        )
    })
}

/// The wasm instance's memory, for the Node wrapper's fast path.
#[wasm_bindgen(js_name = _memory, skip_typescript)]
pub fn memory() -> JsValue {
    wasm_bindgen::memory()
}

/// `JSON.parse` of the text `write` makes.
fn to_js(write: impl FnOnce(&mut Vec<u8>)) -> Result<JsValue, JsValue> {
    let mut out = Vec::new();
    write(&mut out);
    parse_json(&out)
}

#[inline(never)]
fn parse_json(text: &[u8]) -> Result<JsValue, JsValue> {
    let text = std::str::from_utf8(text)
        .map_err(|e| message_error(HOST_FAILED, format!("event log json: {e}")))?;
    js_sys::JSON::parse(text)
}

/// Events as a JSON array of their lines.
#[inline(never)]
fn write_events(out: &mut Vec<u8>, events: &[SessionEvent]) {
    out.push(b'[');
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        hosting::write_event(out, event);
    }
    out.push(b']');
}
