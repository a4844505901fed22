//! Scenarios for the wasm `EventLog` export over a JavaScript host, shared by
//! the Node suite (`wasm_node.rs`) and the headless Chromium suite
//! (`wasm_browser.rs`): the same calls, in both JavaScript engines.
//!
//! The host is a plain in-memory `LogHost` written in JavaScript below
//! (`TestHost`), so these tests go through the real boundary: objects in,
//! JSON across, host methods called from wasm, thrown `Error`s out.
#![allow(dead_code)]

use js_sys::{Array, Reflect};
use sessiontrail::ErrorKind;
use sessiontrail_wasm::JsEventLog;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
export class TestHost {
  constructor(name = "test host") {
    this.name = name;
    this.bytes = new Uint8Array(0);
    this.counter = null;
    this.torn = [];
    this.failing = null;    // a method name: that method throws
    this.wrong = null;      // a method name: that method returns a wrong type
    this.locks = 0;         // lock() calls
    this.unlocks = 0;       // unlock() calls
    this.held = false;
    this.lockFailure = null; // a code: lock() throws an Error with it
  }
  lock() {
    this.locks++;
    if (this.lockFailure) {
      throw Object.assign(new Error(`lock failed with ${this.lockFailure}`),
        { code: this.lockFailure });
    }
    if (this.held) throw new Error("locked twice");
    this.held = true;
  }
  unlock() {
    this.unlocks++;
    this.held = false;
  }
  #trip(method) {
    if (this.failing === method) throw new Error(`${method} failed on purpose`);
  }
  size() {
    this.#trip("size");
    if (this.wrong === "size") return "12";
    return this.bytes.length;
  }
  read(offset, length) {
    this.#trip("read");
    if (this.wrong === "read") return [1, 2, 3];
    return this.bytes.slice(offset, offset + length);
  }
  append(bytes) {
    this.#trip("append");
    if (this.locks > 0 && !this.held) throw new Error("append without the lock");
    this.#store(bytes);
  }
  #store(bytes) {
    const next = new Uint8Array(this.bytes.length + bytes.length);
    next.set(this.bytes);
    next.set(bytes, this.bytes.length);
    this.bytes = next;
  }
  truncate(length) {
    this.#trip("truncate");
    this.bytes = this.bytes.slice(0, length);
  }
  loadCounter() {
    this.#trip("loadCounter");
    if (this.wrong === "loadCounter") return "sixteen bytes";
    return this.counter;
  }
  saveCounter(bytes) {
    this.#trip("saveCounter");
    this.counter = bytes.slice();
  }
  saveTorn(bytes) {
    this.#trip("saveTorn");
    this.torn.push(...bytes);
  }
  flush() {
    if (this.failing === "flush") return Promise.reject(new Error("flush failed on purpose"));
    if (this.failing === "flushSync") throw new Error("flush threw on purpose");
    return Promise.resolve("flushed");
  }
  text() { return new TextDecoder().decode(this.bytes); }
  tornText() { return new TextDecoder().decode(new Uint8Array(this.torn)); }
  // Another writer's bytes, as if under its own lock.
  appendRaw(text) { this.#store(new TextEncoder().encode(text)); }
  counterNumbers() {
    if (!this.counter) return null;
    const v = new DataView(this.counter.buffer, this.counter.byteOffset, 16);
    return [Number(v.getBigUint64(0, true)), Number(v.getBigUint64(8, true))];
  }
}

export function event(type, extra) {
  return Object.assign(
    { type, session_id: "ssn_1", agent_id: "agent://t", agent_instance_id: "ai_1",
      agent_name: "tester", host_id: "h" },
    extra || {},
  );
}

export function withoutMethod(name) {
  const host = new TestHost();
  return {
    name: "partial host",
    size: () => host.size(), read: (o, l) => host.read(o, l),
    append: (b) => host.append(b), truncate: (l) => host.truncate(l),
    [name]: undefined,
  };
}

export function circular() { const o = event("agent.note"); o.self = o; return o; }
export function withBigInt() { return event("agent.opened_port", { port: 10n }); }
export function reentrantHost(holder) {
  const host = new TestHost("reentrant");
  const append = host.append.bind(host);
  host.append = (bytes) => { holder.log.append(event("agent.note")); append(bytes); };
  return host;
}
"#)]
extern "C" {
    #[derive(Clone)]
    pub type TestHost;
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str) -> TestHost;
    #[wasm_bindgen(method)]
    pub fn text(this: &TestHost) -> String;
    #[wasm_bindgen(method, js_name = tornText)]
    pub fn torn_text(this: &TestHost) -> String;
    #[wasm_bindgen(method, js_name = appendRaw)]
    pub fn append_raw(this: &TestHost, text: &str);
    #[wasm_bindgen(method, js_name = counterNumbers)]
    pub fn counter_numbers(this: &TestHost) -> JsValue;
    #[wasm_bindgen(method, setter)]
    pub fn set_failing(this: &TestHost, method: &str);
    #[wasm_bindgen(method, setter)]
    pub fn set_wrong(this: &TestHost, method: &str);
    #[wasm_bindgen(method, setter)]
    pub fn set_counter(this: &TestHost, bytes: &JsValue);
    #[wasm_bindgen(method, getter)]
    pub fn locks(this: &TestHost) -> u32;
    #[wasm_bindgen(method, getter)]
    pub fn unlocks(this: &TestHost) -> u32;
    #[wasm_bindgen(method, getter)]
    pub fn held(this: &TestHost) -> bool;
    #[wasm_bindgen(method, setter, js_name = lockFailure)]
    pub fn set_lock_failure(this: &TestHost, code: &str);

    pub fn event(ty: &str, extra: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = withoutMethod)]
    pub fn without_method(name: &str) -> JsValue;
    pub fn circular() -> JsValue;
    #[wasm_bindgen(js_name = withBigInt)]
    pub fn with_big_int() -> JsValue;
    #[wasm_bindgen(js_name = reentrantHost)]
    pub fn reentrant_host(holder: &js_sys::Object) -> TestHost;
}

fn ev(ty: &str) -> JsValue {
    event(ty, &JsValue::UNDEFINED)
}

fn ev_with(ty: &str, extra: &str) -> JsValue {
    event(ty, &js_sys::JSON::parse(extra).expect("test JSON"))
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).expect("property")
}

fn seq(stored: &JsValue) -> f64 {
    get(stored, "sequence_no")
        .as_f64()
        .expect("sequence_no is a number")
}

fn open(host: &TestHost) -> JsEventLog {
    JsEventLog::with_host(host.clone().into()).expect("withHost")
}

/// The message of the JavaScript `Error` in `result`, failing the test when
/// it is not an `Error` (a trap would not get this far at all).
fn error_message<T>(result: Result<T, JsValue>) -> String {
    match result {
        Ok(_) => panic!("expected an Error, got Ok"),
        Err(e) => {
            let err = e
                .dyn_into::<js_sys::Error>()
                .expect("the thrown value is an Error");
            String::from(err.message())
        }
    }
}

/// The `code` of the JavaScript `Error` in `result`.
fn error_code<T>(result: Result<T, JsValue>) -> String {
    match result {
        Ok(_) => panic!("expected an Error, got Ok"),
        Err(e) => get(&e, "code")
            .as_string()
            .unwrap_or_else(|| panic!("the Error has no string code: {e:?}")),
    }
}

/// The `field` of the JavaScript `Error` in `result`, if it has one.
fn error_field<T>(result: &Result<T, JsValue>) -> Option<String> {
    match result {
        Ok(_) => panic!("expected an Error, got Ok"),
        Err(e) => get(e, "field").as_string(),
    }
}

fn assert_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

pub fn append_numbers_and_fills_ids() {
    let host = TestHost::new("mem");
    let log = open(&host);
    assert_eq!(log.event_count(), 0.0);
    let first = log.append(ev("session.started")).unwrap();
    assert_eq!(seq(&first), 0.0);
    let id = get(&first, "event_id").as_string().unwrap();
    assert!(id.starts_with("evt_") && id.len() == 20, "{id}");
    assert_eq!(get(&first, "trace_id").as_string().unwrap().len(), 32);
    assert_eq!(get(&first, "span_id").as_string().unwrap().len(), 16);
    assert!(get(&first, "timestamp").as_string().unwrap().ends_with('Z'));
    let given = ev_with(
        "agent.called_tool",
        r#"{"tool_name":"bash","event_id":"evt_given","trace_id":"t","span_id":"s",
            "timestamp":"2026-01-01T00:00:00.000Z","sequence_no":99,"meta":{"k":[1,2]}}"#,
    );
    let second = log.append(given).unwrap();
    assert_eq!(seq(&second), 1.0, "a sequence_no in the input is ignored");
    assert_eq!(get(&second, "event_id").as_string().unwrap(), "evt_given");
    assert_eq!(get(&second, "tool_name").as_string().unwrap(), "bash");
    assert_eq!(log.event_count(), 2.0);
    let text = host.text();
    assert_eq!(text.matches('\n').count(), 2);
    assert!(text.contains(r#""sequence_no":1"#) && text.contains(r#""meta":{"k":[1,2]}"#));
    assert_eq!(
        js_sys::JSON::stringify(&host.counter_numbers()).unwrap(),
        format!("[2,{}]", text.len()),
        "the counter records 2 events in the file's size"
    );
    let all = log.read_all().unwrap();
    let all: Array = all.dyn_into().unwrap();
    assert_eq!(all.length(), 2);
    assert_eq!(
        get(&all.get(1), "event_id").as_string().unwrap(),
        "evt_given"
    );
}

pub fn reopen_continues_numbering() {
    let host = TestHost::new("mem");
    {
        let log = open(&host);
        for i in 0..3 {
            assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), f64::from(i));
        }
    }
    host.set_counter(&JsValue::NULL);
    let log = open(&host);
    assert_eq!(log.event_count(), 3.0, "seeded from the host's bytes");
    assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), 3.0);
}

pub fn two_logs_taking_turns_never_share_a_number() {
    let host = TestHost::new("shared");
    let a = open(&host);
    let b = open(&host);
    for i in 0..10 {
        let log = if i % 3 == 0 { &a } else { &b };
        assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), f64::from(i));
    }
    let report = a.check().unwrap();
    assert_eq!(get(&report, "ok"), JsValue::TRUE);
    assert_eq!(get(&report, "events").as_f64(), Some(10.0));
    assert_eq!(get(&report, "counter").as_string().unwrap(), "consistent");
}

pub fn torn_tail_is_repaired_through_the_host() {
    let host = TestHost::new("torn");
    let log = open(&host);
    log.append(ev("session.started")).unwrap();
    let torn = r#"{"session_id":"ssn_1","torn"#;
    host.append_raw(torn);
    let report = log.check().unwrap();
    assert_eq!(get(&report, "ok"), JsValue::FALSE);
    assert_eq!(
        get(&report, "tornTailBytes").as_f64(),
        Some(torn.len() as f64)
    );
    let reopened = open(&host);
    assert_eq!(seq(&reopened.append(ev("agent.note")).unwrap()), 1.0);
    assert_eq!(host.torn_text(), format!("{torn}\n"));
    assert!(host.text().ends_with("}\n"));
    assert_eq!(host.text().matches('\n').count(), 2);
    let report = reopened.check().unwrap();
    assert_eq!(get(&report, "ok"), JsValue::TRUE);
    assert_eq!(get(&report, "tornTailBytes").as_f64(), Some(0.0));
    // The first handle sees the repair as a foreign change and goes on.
    assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), 2.0);
}

pub fn stale_counter_and_bad_lines_are_survived() {
    let host = TestHost::new("damaged");
    let log = open(&host);
    log.append(ev("session.started")).unwrap();
    host.append_raw("not json\n");
    host.append_raw("{\"type\":\"agent.danced\"}\n");
    let with_stats = log.read_all_with_stats().unwrap();
    assert_eq!(get(&with_stats, "skipped").as_f64(), Some(2.0));
    let events: Array = get(&with_stats, "events").dyn_into().unwrap();
    assert_eq!(events.length(), 1);
    let report = log.check().unwrap();
    assert_eq!(get(&report, "skipped").as_f64(), Some(2.0));
    assert_eq!(get(&report, "counter").as_string().unwrap(), "stale");
    let lines: Array = get(&report, "skippedLines").dyn_into().unwrap();
    assert_eq!(get(&lines.get(0), "line").as_f64(), Some(2.0));
    // Each complete line holds a number, parsed or not.
    assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), 3.0);
}

pub fn batch_is_contiguous_and_all_or_nothing() {
    let host = TestHost::new("batch");
    let log = open(&host);
    log.append(ev("session.started")).unwrap();
    let batch = Array::of3(
        &ev("agent.note"),
        &ev_with("agent.opened_port", r#"{"port":8080}"#),
        &ev("agent.completed"),
    );
    let stored: Array = log.append_batch(batch.into()).unwrap().dyn_into().unwrap();
    let numbers: Vec<f64> = stored.iter().map(|e| seq(&e)).collect();
    assert_eq!(numbers, [1.0, 2.0, 3.0]);
    let before = host.text();
    let bad = Array::of3(
        &ev("agent.note"),
        &ev("agent.note"),
        &ev_with("agent.opened_port", r#"{"port":70000}"#),
    );
    let refused = log.append_batch(bad.into());
    // The index the JS group commit uses to fail that one call alone.
    if let Err(e) = &refused {
        assert_eq!(
            get(e, "index").as_f64(),
            Some(2.0),
            "the Error names its event's index"
        );
    }
    let message = error_message(refused);
    assert_contains(&message, &["events[2]", "port", "65535"]);
    assert_eq!(host.text(), before, "nothing written");
    let not_an_object = Array::of2(&ev("agent.note"), &JsValue::from(7));
    let refused = log.append_batch(not_an_object.into());
    let Err(e) = &refused else {
        panic!("a number in a batch was stored")
    };
    assert_eq!(get(e, "index").as_f64(), Some(1.0));
    let message = error_message(log.append_batch(ev("agent.note")));
    assert_contains(&message, &["appendBatch(events)", "array"]);
    let empty: Array = log
        .append_batch(Array::new().into())
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(empty.length(), 0);
    assert_eq!(log.event_count(), 4.0);
}

pub fn bad_events_throw_errors_that_name_the_problem() {
    let host = TestHost::new("strict");
    let log = open(&host);
    log.append(ev("session.started")).unwrap();
    let before = host.text();
    // Each: the input, the `field` the Error names (the core's structured
    // field, not a reading of the message), and words of the message.
    let cases: Vec<(JsValue, Option<&str>, Vec<&str>)> = vec![
        (JsValue::NULL, None, vec!["needs an event object", "null"]),
        (
            JsValue::UNDEFINED,
            None,
            vec!["needs an event object", "undefined"],
        ),
        (JsValue::from(42), None, vec!["needs an event object", "42"]),
        (
            JsValue::from("agent.note"),
            None,
            vec!["needs an event object", "string"],
        ),
        (
            Array::new().into(),
            None,
            vec!["needs an event object", "array"],
        ),
        (
            ev("agent.danced"),
            Some("type"),
            vec!["unknown event type", "agent.danced"],
        ),
        (
            ev("agent.called_tool"),
            Some("tool_name"),
            vec!["missing field", "tool_name"],
        ),
        (
            ev_with("agent.opened_port", r#"{"port":70000}"#),
            Some("port"),
            vec!["port", "65535", "70000"],
        ),
        (
            ev_with("agent.opened_port", r#"{"port":"80"}"#),
            Some("port"),
            vec!["port", "integer"],
        ),
        (
            ev_with("session.started", r#"{"session_id":5}"#),
            Some("session_id"),
            vec!["session_id", "string"],
        ),
        (
            ev_with("agent.started_process", r#"{"process_name":"x","pid":-1}"#),
            Some("pid"),
            vec!["pid"],
        ),
        (
            ev_with(
                "agent.handoff",
                r#"{"from_agent_instance_id":"a","to_agent_instance_id":"b","artifacts":[1]}"#,
            ),
            Some("artifacts"),
            vec!["artifacts", "array of strings"],
        ),
        (
            js_sys::JSON::parse(r#"{"session_id":"s"}"#).unwrap(),
            Some("type"),
            vec!["missing field", "type"],
        ),
        (circular(), None, vec!["JSON", "circular"]),
        (with_big_int(), None, vec!["JSON", "BigInt"]),
    ];
    for (input, field, parts) in cases {
        let result = log.append(input);
        assert_eq!(error_field(&result).as_deref(), field, "{parts:?}");
        let message = error_message(result);
        assert_contains(&message, &parts);
    }
    // A batch names the event by its index, and the field by itself.
    let batch = log.append_batch(
        Array::of2(
            &ev("agent.note"),
            &ev_with("agent.opened_port", r#"{"port":-1}"#),
        )
        .into(),
    );
    assert_eq!(error_field(&batch).as_deref(), Some("port"));
    assert_eq!(
        get(batch.as_ref().unwrap_err(), "index").as_f64(),
        Some(1.0)
    );
    assert_contains(&error_message(batch), &["events[1]: field `port`"]);
    assert_eq!(host.text(), before, "nothing written by any bad event");
    assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), 1.0);
}

pub fn host_failures_throw_errors_that_name_the_method() {
    for (method, parts) in [
        ("size", vec!["test host", "size()", "failed on purpose"]),
        (
            "append",
            vec!["test host", "append(bytes)", "failed on purpose"],
        ),
        (
            "loadCounter",
            vec!["test host", "loadCounter()", "failed on purpose"],
        ),
    ] {
        let host = TestHost::new("test host");
        host.append_raw("{\"partial\":1}\n");
        host.set_counter(&js_sys::Uint8Array::new_with_length(16).into());
        let log = open(&host);
        let before = host.text();
        host.set_failing(method);
        let err = log.append(ev("agent.note")).expect_err(method);
        let err: js_sys::Error = err.dyn_into().expect("an Error");
        assert_contains(&String::from(err.message()), &parts);
        assert!(
            !err.cause().is_undefined(),
            "{method}: the host's error is the cause"
        );
        assert_eq!(host.text(), before, "{method}: nothing written");
        host.set_failing("");
        assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), 1.0, "{method}");
    }
    // A torn tail whose sidecar cannot be written is left alone.
    let host = TestHost::new("test host");
    let log = open(&host);
    host.append_raw("{\"torn");
    host.set_failing("saveTorn");
    let message = error_message(log.append(ev("agent.note")));
    assert_contains(&message, &["saveTorn(bytes)", "failed on purpose"]);
    assert_eq!(host.text(), "{\"torn");
    // A counter that cannot be saved costs a recount, not the append.
    let host = TestHost::new("test host");
    let log = open(&host);
    host.set_failing("saveCounter");
    assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), 0.0);
    assert_eq!(seq(&log.append(ev("agent.note")).unwrap()), 1.0);
}

pub fn wrong_types_from_the_host_are_errors() {
    for (method, parts) in [
        (
            "size",
            vec!["size()", "returned the string \"12\"", "byte count"],
        ),
        ("read", vec!["read(", "an array", "Uint8Array"]),
        ("loadCounter", vec!["loadCounter()", "Uint8Array or null"]),
    ] {
        let host = TestHost::new("typed");
        host.append_raw("{\"x\":1}\n");
        let log = open(&host);
        host.set_wrong(method);
        let message = error_message(log.append(ev("agent.note")));
        assert_contains(&message, &parts);
        assert_eq!(host.text(), "{\"x\":1}\n", "{method}: nothing written");
        assert!(host.torn_text().is_empty());
    }
    let host = TestHost::new("typed");
    host.set_wrong("size");
    let message = error_message(JsEventLog::with_host(host.into()));
    assert_contains(&message, &["typed", "size()", "byte count"]);
}

pub fn hosts_that_are_not_hosts_are_refused() {
    let message = error_message(JsEventLog::with_host(JsValue::from(7)));
    assert_contains(&message, &["withHost(host)", "LogHost", "7"]);
    let message = error_message(JsEventLog::with_host(JsValue::NULL));
    assert_contains(&message, &["withHost(host)", "null"]);
    for method in ["size", "read", "append", "truncate"] {
        let message = error_message(JsEventLog::with_host(without_method(method)));
        assert_contains(
            &message,
            &["partial host", &format!("host.{method} is not a function")],
        );
    }
}

pub fn reentry_from_a_host_method_is_an_error() {
    let holder = js_sys::Object::new();
    let host = reentrant_host(&holder);
    let log = open(&host);
    let log_js: JsValue = log.into();
    Reflect::set(&holder, &"log".into(), &log_js).unwrap();
    let append: js_sys::Function = Reflect::get(&log_js, &"append".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let err = append
        .call1(&log_js, &ev("agent.note"))
        .expect_err("re-entry");
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert_contains(
        &String::from(err.message()),
        &["append(bytes) threw", "inside one of its own host methods"],
    );
    assert_eq!(host.text(), "", "nothing written");
}

pub async fn flush_resolves_and_names_the_host_when_it_fails() {
    let host = TestHost::new("flushy");
    let log = open(&host);
    log.append(ev("agent.note")).unwrap();
    let done = JsFuture::from(log.flush()).await.expect("flush resolves");
    assert!(done.is_undefined());
    host.set_failing("flush");
    let err = JsFuture::from(log.flush())
        .await
        .expect_err("flush rejects");
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert_contains(
        &String::from(err.message()),
        &["flushy", "host.flush() rejected", "flush failed on purpose"],
    );
    host.set_failing("flushSync");
    let err = JsFuture::from(log.flush()).await.expect_err("flush throws");
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert_contains(
        &String::from(err.message()),
        &["flushy", "host.flush() threw"],
    );
}

/// The lock is part of the host contract: the core takes it around every
/// append (one `lock`, one `unlock`, whatever happens in between), never for
/// an event it refuses before writing, and a host that cannot lock fails the
/// append with nothing written and an error code a program can branch on:
/// the host's own `LOCK_…` code, else HOST_FAILED.
pub fn every_append_takes_the_host_lock() {
    let host = TestHost::new("locking host");
    let log = open(&host);
    log.append(ev("session.started")).expect("append");
    assert_eq!((host.locks(), host.unlocks(), host.held()), (1, 1, false));
    log.append_batch(Array::of2(&ev("agent.note"), &ev("agent.note")).into())
        .expect("batch");
    assert_eq!((host.locks(), host.unlocks()), (2, 2));

    // Refused before the lock: nothing to release.
    let bad = log.append(ev_with("agent.opened_port", r#"{"port":"x"}"#));
    assert_eq!(error_code(bad), "INVALID_EVENT");
    assert_eq!(host.locks(), 2);

    // A host failure under the lock still lets it go.
    host.set_failing("append");
    assert_eq!(error_code(log.append(ev("agent.note"))), "HOST_FAILED");
    assert_eq!((host.locks(), host.unlocks(), host.held()), (3, 3, false));
    host.set_failing("");

    let before = host.text();
    host.set_lock_failure("LOCK_TIMEOUT");
    let timed_out = log.append(ev("agent.note"));
    let message = error_message(log.append(ev("agent.note")));
    assert_eq!(
        error_code(timed_out),
        "LOCK_TIMEOUT",
        "the host's own code is kept"
    );
    assert_eq!(
        message, "lock failed with LOCK_TIMEOUT",
        "and its own words"
    );
    host.set_lock_failure("EACCES");
    let failed = log.append(ev("agent.note"));
    let message = error_message(log.append(ev("agent.note")));
    assert_eq!(error_code(failed), "HOST_FAILED");
    assert_contains(
        &message,
        &["locking host: host.lock() threw", "lock failed with EACCES"],
    );
    assert_eq!(host.text(), before, "nothing written without the lock");
    assert_eq!(host.unlocks(), 3, "a lock that failed is not released");

    host.set_lock_failure("");
    assert_eq!(seq(&log.append(ev("agent.note")).expect("append")), 3.0);
}

/// Every failure the wasm core throws carries its `ErrorKind`'s code, the
/// core's one table (`src/error.rs`); the table below covers every kind
/// JavaScript can meet but the two the JS wrappers make themselves
/// (`CLOSED`, `WASM_TRAP`: `tests/js/api.test.mjs`, `hardening.test.mjs`).
pub fn every_failure_throws_its_kinds_code() {
    type Failure = Box<dyn Fn() -> Result<JsValue, JsValue>>;
    let locked_by = |code: &'static str| -> Failure {
        Box::new(move || {
            let host = TestHost::new("lock");
            let log = open(&host);
            host.set_lock_failure(code);
            log.append(ev("agent.note"))
        })
    };
    let cases: Vec<(&str, ErrorKind, Failure)> = vec![
        (
            "a bad event",
            ErrorKind::InvalidEvent,
            Box::new(|| {
                open(&TestHost::new("h")).append(ev_with("agent.opened_port", r#"{"port":"x"}"#))
            }),
        ),
        (
            "new EventLog()",
            ErrorKind::InvalidArgument,
            Box::new(|| JsEventLog::new().map(JsValue::from)),
        ),
        (
            "readChunk(-1)",
            ErrorKind::InvalidArgument,
            Box::new(|| open(&TestHost::new("h")).read_chunk(-1.0, 10.0)),
        ),
        (
            "lock timed out",
            ErrorKind::LockTimeout,
            locked_by("LOCK_TIMEOUT"),
        ),
        (
            "lock unsupported",
            ErrorKind::LockUnsupported,
            locked_by("LOCK_UNSUPPORTED"),
        ),
        (
            "lock not held",
            ErrorKind::LockNotHeld,
            locked_by("LOCK_NOT_HELD"),
        ),
        // A code the package does not promise stays on the cause.
        (
            "lock failed",
            ErrorKind::HostFailed,
            locked_by("LOCK_FAILED"),
        ),
        (
            "host.append threw",
            ErrorKind::HostFailed,
            Box::new(|| {
                let host = TestHost::new("h");
                let log = open(&host);
                host.set_failing("append");
                log.append(ev("agent.note"))
            }),
        ),
        // A failed read is an `Io` error inside the core: under a
        // JavaScript host that is the host's failure.
        (
            "host.read threw",
            ErrorKind::HostFailed,
            Box::new(|| {
                let host = TestHost::new("h");
                let log = open(&host);
                log.append(ev("agent.note")).unwrap();
                host.set_failing("read");
                log.read_all()
            }),
        ),
        (
            "a host method called the log",
            ErrorKind::Reentrant,
            Box::new(|| {
                let holder = js_sys::Object::new();
                let host = reentrant_host(&holder);
                let log_js: JsValue = open(&host).into();
                Reflect::set(&holder, &"log".into(), &log_js).unwrap();
                let append: js_sys::Function = get(&log_js, "append").dyn_into().unwrap();
                // The host's append threw the log's REENTRANT Error; the
                // append that called the host fails with that as cause.
                let outer = append.call1(&log_js, &ev("agent.note")).unwrap_err();
                assert_eq!(get(&outer, "code").as_string().unwrap(), "HOST_FAILED");
                Err(get(&outer, "cause"))
            }),
        ),
    ];
    // Closed and WasmTrap are thrown by the JavaScript wrappers (tests/js);
    // NotInitialized and WasmLoadFailed by the browser entry's init()
    // (tests/packaging).
    let mut covered = vec![
        ErrorKind::Closed,
        ErrorKind::WasmTrap,
        ErrorKind::NotInitialized,
        ErrorKind::WasmLoadFailed,
    ];
    for (what, kind, fail) in cases {
        assert_eq!(error_code(fail()), kind.code(), "{what}");
        covered.push(kind);
    }
    for kind in ErrorKind::ALL.iter().filter(|k| k.reaches_javascript()) {
        assert!(covered.contains(kind), "no case throws {kind}");
    }
}

/// Numbers cross the boundary as JSON text, and under wasm the core reads
/// a float with JavaScript's own `parseFloat`: every double given comes
/// back as the same double, as `confidence` and inside `meta`.
pub fn numbers_come_back_as_the_same_doubles() {
    let host = TestHost::new("mem");
    let log = open(&host);
    let mut values = vec![
        0.1,
        1.0 / 3.0,
        1e21,
        1e-7,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        2f64.powi(64),
        9_007_199_254_740_993.0,
        123_456_789_012_345_680_000.0,
    ];
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    while values.len() < 1_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let f = f64::from_bits(x);
        if f.is_finite() && f != 0.0 {
            values.push(f);
        }
    }
    let events = Array::new();
    for &f in &values {
        let e = ev("agent.decision");
        Reflect::set(&e, &"confidence".into(), &f.into()).unwrap();
        Reflect::set(&e, &"meta".into(), &Array::of2(&f.into(), &(-f).into())).unwrap();
        events.push(&e);
    }
    log.append_batch(events.into()).unwrap();
    let all: Array = log.read_all().unwrap().dyn_into().unwrap();
    assert_eq!(all.length() as usize, values.len());
    for (i, &f) in values.iter().enumerate() {
        let event = all.get(i as u32);
        let back = get(&event, "confidence").as_f64().unwrap();
        assert_eq!(back.to_bits(), f.to_bits(), "confidence {f:e}");
        let meta: Array = get(&event, "meta").dyn_into().unwrap();
        assert_eq!(
            meta.get(1).as_f64().unwrap().to_bits(),
            (-f).to_bits(),
            "meta {f:e}"
        );
    }
}

/// Runs each scenario as a `#[wasm_bindgen_test]` in the including file.
macro_rules! wasm_scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            fn $name() {
                wasm_common::$name();
            }
        )*
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn flush_resolves_and_names_the_host_when_it_fails() {
            wasm_common::flush_resolves_and_names_the_host_when_it_fails().await;
        }
    };
}
