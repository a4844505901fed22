//! `sessiontrail otlp` against stand-in receivers on 127.0.0.1 (tiny_http,
//! a real HTTP/1.1 server), each answering as a receiver may: a 404 on
//! `/v1/logs`, a 500, a 503 then a 200, a `Retry-After` date, a 302, a 413,
//! a slow answer; and what arrives: gzip, body sizes, headers, the
//! variables of the SDKs. The runs against rotel are in `otlp_receiver.rs`.

#![cfg(all(unix, feature = "otlp"))]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TempDir;
use serde_json::Value;
use sessiontrail::{EventLog, EventType, SessionEvent};

/// One request as the receiver got it (the body decoded when gzipped).
#[derive(Clone)]
struct Got {
    url: String,
    headers: Vec<(String, String)>,
    /// The body's length on the wire.
    wire_len: usize,
    body: Value,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: status, headers, body, and a delay before it.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

fn answer(status: u16) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        delay: Duration::ZERO,
    }
}

/// A receiver on 127.0.0.1 that answers the `n`th request (from 0) as
/// `script(n, url, body length)` says, and keeps every request.
struct Receiver {
    base: String,
    got: Arc<Mutex<Vec<Got>>>,
    server: Arc<tiny_http::Server>,
}

impl Receiver {
    fn start(script: impl Fn(usize, &str, usize) -> Answer + Send + 'static) -> Receiver {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let (s, g) = (Arc::clone(&server), Arc::clone(&got));
        std::thread::spawn(move || {
            for (n, mut request) in s.incoming_requests().enumerate() {
                let mut raw = Vec::new();
                request.as_reader().read_to_end(&mut raw).unwrap();
                let headers: Vec<(String, String)> = request
                    .headers()
                    .iter()
                    .map(|h| (h.field.to_string(), h.value.to_string()))
                    .collect();
                let gzipped = headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case("content-encoding") && v == "gzip");
                let text = if gzipped {
                    let mut out = Vec::new();
                    flate2::read::GzDecoder::new(&raw[..])
                        .read_to_end(&mut out)
                        .unwrap();
                    out
                } else {
                    raw.clone()
                };
                let url = request.url().to_owned();
                let reply = script(n, &url, raw.len());
                g.lock().unwrap().push(Got {
                    url,
                    headers,
                    wire_len: raw.len(),
                    body: serde_json::from_slice(&text).unwrap_or(Value::Null),
                });
                std::thread::sleep(reply.delay);
                let mut response =
                    tiny_http::Response::from_string("").with_status_code(reply.status);
                for (name, value) in reply.headers {
                    response.add_header(tiny_http::Header::from_bytes(name, value).unwrap());
                }
                let _ = request.respond(response);
            }
        });
        Receiver {
            base: format!("http://127.0.0.1:{port}"),
            got,
            server,
        }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn otlp(args: &[&str], env: &[(&str, &str)]) -> Output {
    common::otlp_clean_env(args, env)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A session of `n` notes, each with `meta` bytes of metadata, and an agent
/// that starts first and completes last (so the batch has a span).
fn session(dir: &Path, n: usize, meta: usize) {
    let mut events = Vec::new();
    let mut make = |t: EventType| {
        let mut e = common::make_event("ssn_http", t);
        e.trace_id = "5b8efff798038103d269b633813fc60c".into();
        e.span_id = "00000000000000aa".into();
        e.parent_span_id = None;
        e.meta = Some(serde_json::json!({ "pad": "x".repeat(meta) }));
        events.push(e);
    };
    make(EventType::AgentStarted {
        parent_agent_instance_id: None,
    });
    for _ in 0..n {
        make(EventType::AgentNote { text: None });
    }
    make(EventType::AgentCompleted {
        termination_reason: None,
    });
    let mut events: Vec<SessionEvent> = events;
    EventLog::open(dir)
        .unwrap()
        .append_batch(&mut events)
        .unwrap();
}

fn cursors(dir: &Path) -> Vec<Value> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("otlp-cursor"))
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".tmp"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect()
}

fn records(got: &[Got]) -> usize {
    got.iter()
        .map(|g| {
            g.body["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum()
}

#[test]
fn a_receiver_without_logs_takes_traces_only_when_asked() {
    let tmp = TempDir::new("http-404");
    let dir = tmp.session();
    session(&dir, 2, 0);
    let receiver = Receiver::start(|_, url, _| answer(if url == "/v1/logs" { 404 } else { 200 }));
    let d = dir.to_str().unwrap();
    let out = otlp(&[d, "--endpoint", &receiver.base], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("/v1/logs answered 404"),
        "{}",
        text(&out.stderr)
    );
    // --signals traces, and OTEL_LOGS_EXPORTER=none, send no logs.
    for (args, env) in [
        (vec!["--signals", "traces"], vec![]),
        (vec![], vec![("OTEL_LOGS_EXPORTER", "none")]),
    ] {
        let fresh = tmp.path().join(format!("s{}", args.len()));
        session(&fresh, 2, 0);
        let mut all = vec![fresh.to_str().unwrap(), "--endpoint", &receiver.base];
        all.extend(args);
        let before = receiver.got().len();
        let out = otlp(&all, &env);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let new: Vec<String> = receiver.got()[before..]
            .iter()
            .map(|g| g.url.clone())
            .collect();
        assert_eq!(new, ["/v1/traces"]);
        assert_eq!(
            cursors(&fresh)[0]["logs"],
            0,
            "logs never marked as shipped"
        );
    }
}

#[test]
fn a_500_is_not_retried_and_a_503_is() {
    let tmp = TempDir::new("http-500");
    let dir = tmp.session();
    session(&dir, 1, 0);
    let d = dir.to_str().unwrap();
    let receiver = Receiver::start(|_, _, _| answer(500));
    let out = otlp(&[d, "--endpoint", &receiver.base], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("answered 500"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("retrying"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(receiver.got().len(), 1, "sent once");
    assert!(cursors(&dir).is_empty());

    // 503 twice (once with Retry-After: 1), then 200.
    let receiver = Receiver::start(|n, _, _| match n {
        0 => Answer {
            headers: vec![("Retry-After", "1".into())],
            ..answer(503)
        },
        1 => answer(503),
        _ => answer(200),
    });
    let out = otlp(&[d, "--endpoint", &receiver.base], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("answered 503"), "{stderr}");
    assert!(
        stderr.contains("retrying in 1000 ms"),
        "Retry-After honoured: {stderr}"
    );
    let urls: Vec<String> = receiver.got().iter().map(|g| g.url.clone()).collect();
    assert_eq!(urls, ["/v1/traces", "/v1/traces", "/v1/traces", "/v1/logs"]);
    assert_eq!(cursors(&dir)[0]["logs"], 3);
}

#[test]
fn retry_after_as_a_date_is_honoured() {
    let tmp = TempDir::new("http-date");
    let dir = tmp.session();
    session(&dir, 1, 0);
    let receiver = Receiver::start(|n, _, _| match n {
        0 => Answer {
            headers: vec![(
                "Retry-After",
                httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(4)),
            )],
            ..answer(429)
        },
        _ => answer(200),
    });
    let out = otlp(&[dir.to_str().unwrap(), "--endpoint", &receiver.base], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    // The date is whole seconds: 3 to 4 s from when it was answered, less
    // the time to read the answer; far above the 100-200 ms first backoff.
    let waited: u64 = stderr
        .split("retrying in ")
        .nth(1)
        .and_then(|r| r.split(" ms").next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!((1500..=4000).contains(&waited), "{waited} ms: {stderr}");
    assert_eq!(receiver.got().len(), 3);
}

#[test]
fn a_redirect_is_not_followed() {
    let tmp = TempDir::new("http-302");
    let dir = tmp.session();
    session(&dir, 1, 0);
    let elsewhere = Receiver::start(|_, _, _| answer(200));
    let target = format!("{}/v1/traces", elsewhere.base);
    let receiver = Receiver::start(move |_, _, _| Answer {
        headers: vec![("Location", target.clone())],
        ..answer(302)
    });
    let out = otlp(
        &[
            dir.to_str().unwrap(),
            "--endpoint",
            &receiver.base,
            "--header",
            "x-api-key=secret",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("answered 302, a redirect to") && stderr.contains(&elsewhere.base),
        "{stderr}"
    );
    assert!(elsewhere.got().is_empty(), "nothing went to the other host");
    assert_eq!(receiver.got().len(), 1);
    assert!(cursors(&dir).is_empty(), "nothing marked as shipped");
}

#[test]
fn a_413_splits_the_request_and_the_cap_splits_batches() {
    let tmp = TempDir::new("http-413");
    let dir = tmp.session();
    session(&dir, 8, 300);
    // Answers 413 to bodies over 2 KB, as a receiver with a small limit does.
    let sized = Receiver::start(|_, _, len| answer(if len > 2048 { 413 } else { 200 }));
    let out = otlp(&[dir.to_str().unwrap(), "--endpoint", &sized.base], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("answered 413") && stderr.contains("two halves"),
        "{stderr}"
    );
    let got = sized.got();
    let accepted: Vec<&Got> = got.iter().filter(|g| g.wire_len <= 2048).collect();
    assert_eq!(
        records(&accepted.into_iter().cloned().collect::<Vec<_>>()),
        10,
        "every event once"
    );

    // --max-body: every request within it, every event once, in order.
    let dir2 = tmp.path().join("capped");
    session(&dir2, 8, 300);
    let receiver = Receiver::start(|_, _, _| answer(200));
    let out = otlp(
        &[
            dir2.to_str().unwrap(),
            "--endpoint",
            &receiver.base,
            "--max-body",
            "2048",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = receiver.got();
    assert!(got.len() > 2, "split into several requests");
    assert!(
        got.iter().all(|g| g.wire_len <= 2048),
        "{:?}",
        got.iter().map(|g| g.wire_len).collect::<Vec<_>>()
    );
    assert_eq!(records(&got), 10);
    assert_eq!(cursors(&dir2)[0]["logs"], 10);

    // One event larger than the cap: named, skipped, the others shipped.
    let dir3 = tmp.path().join("huge");
    session(&dir3, 1, 0);
    let mut huge = common::make_event("ssn_http", EventType::AgentNote { text: None });
    huge.meta = Some(serde_json::json!({ "pad": "y".repeat(5000) }));
    EventLog::open(&dir3).unwrap().append(&mut huge).unwrap();
    session(&dir3, 1, 0);
    let receiver = Receiver::start(|_, _, _| answer(200));
    let out = otlp(
        &[
            dir3.to_str().unwrap(),
            "--endpoint",
            &receiver.base,
            "--max-body",
            "4096",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("event 3 skipped") && text(&out.stderr).contains("--max-body"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(records(&receiver.got()), 6);
    assert_eq!(cursors(&dir3)[0]["logs"], 7);
}

#[test]
fn a_slow_receiver_is_waited_for_not_sent_twice() {
    let tmp = TempDir::new("http-slow");
    let dir = tmp.session();
    session(&dir, 1, 0);
    let receiver = Receiver::start(|_, _, _| Answer {
        delay: Duration::from_secs(2),
        ..answer(200)
    });
    let out = otlp(&[dir.to_str().unwrap(), "--endpoint", &receiver.base], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let urls: Vec<String> = receiver.got().iter().map(|g| g.url.clone()).collect();
    assert_eq!(urls, ["/v1/traces", "/v1/logs"]);
}

#[test]
fn gzip_headers_endpoints_and_resource_come_from_options_and_variables() {
    let tmp = TempDir::new("http-env");
    let dir = tmp.session();
    session(&dir, 3, 2000);
    let traces = Receiver::start(|_, _, _| answer(200));
    let logs = Receiver::start(|_, _, _| answer(200));
    let traces_url = format!("{}/custom/traces", traces.base);
    let logs_url = format!("{}/custom/logs", logs.base);
    let out = otlp(
        &[dir.to_str().unwrap()],
        &[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &traces_url),
            ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", &logs_url),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=a%20b"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment.name=ci,team=core%2Cinfra",
            ),
            ("OTEL_SERVICE_NAME", "agents"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (t, l) = (traces.got(), logs.got());
    assert_eq!(t.len(), 1);
    assert_eq!(l.len(), 1);
    assert_eq!(t[0].url, "/custom/traces");
    assert_eq!(l[0].url, "/custom/logs");
    for g in [&t[0], &l[0]] {
        assert_eq!(g.header("content-encoding"), Some("gzip"));
        assert_eq!(g.header("x-api-key"), Some("a b"));
    }
    let plain_len = serde_json::to_vec(&l[0].body).unwrap().len();
    assert!(
        l[0].wire_len * 4 < plain_len,
        "gzipped: {} of {plain_len}",
        l[0].wire_len
    );
    assert_eq!(records(&l), 5);
    let resource: Vec<(String, String)> = l[0].body["resourceLogs"][0]["resource"]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| {
            (
                kv["key"].as_str().unwrap().to_owned(),
                kv["value"]["stringValue"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let value = |key: &str| {
        resource
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("service.name"), Some("agents"));
    assert_eq!(value("deployment.environment.name"), Some("ci"));
    assert_eq!(value("team"), Some("core,infra"));
    assert!(
        value("host.name").is_some_and(|h| !h.is_empty()),
        "{resource:?}"
    );
    assert_eq!(value("service.instance.id").map(str::len), Some(36));
}

#[test]
fn per_signal_variables_override_the_general_ones() {
    let tmp = TempDir::new("http-per-signal");
    let dir = tmp.session();
    session(&dir, 3, 2000);
    let traces = Receiver::start(|_, _, _| answer(200));
    let logs = Receiver::start(|_, _, _| answer(200));
    let general = [
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            format!("{}/v1/traces", traces.base),
        ),
        (
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
            format!("{}/v1/logs", logs.base),
        ),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=general".into()),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "x-api-key=for%20traces".into(),
        ),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip".into()),
        ("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "none".into()),
        // A bad general timeout would fail the run: each signal's wins.
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon".into()),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10000".into()),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "10000".into()),
    ];
    let env: Vec<(&str, &str)> = general.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = otlp(&[dir.to_str().unwrap()], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (t, l) = (traces.got(), logs.got());
    assert_eq!((t.len(), l.len()), (1, 1));
    assert_eq!(t[0].header("x-api-key"), Some("for traces"));
    assert_eq!(l[0].header("x-api-key"), Some("general"));
    assert_eq!(t[0].header("content-encoding"), Some("gzip"));
    assert_eq!(l[0].header("content-encoding"), None);
    assert_eq!(records(&l), 5);

    // The general timeout, when no signal's overrides it, is checked.
    let out = otlp(&[dir.to_str().unwrap()], &env[..7]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("OTEL_EXPORTER_OTLP_TIMEOUT is a number of milliseconds"));

    // One signal's CA file is that signal's alone: a missing one stops
    // the run only when that signal is sent.
    let fresh = TempDir::new("http-per-signal-ca");
    let dir = fresh.session();
    session(&dir, 1, 0);
    let missing = fresh.path().join("no-such-ca.pem");
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", traces.base.as_str()),
        (
            "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
            missing.to_str().unwrap(),
        ),
    ];
    let out = otlp(&[dir.to_str().unwrap()], &env);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no-such-ca.pem"),
        "{}",
        text(&out.stderr)
    );
    let out = otlp(&[dir.to_str().unwrap(), "--signals", "traces"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A signal's timeout: a logs receiver slower than it is given up on
    // (a timeout is retried, up to --give-up-after), traces go.
    let slow = Receiver::start(|_, _, _| Answer {
        delay: Duration::from_secs(3),
        ..answer(200)
    });
    let quick = Receiver::start(|_, _, _| answer(200));
    let out = otlp(
        &[dir.to_str().unwrap(), "--give-up-after", "1"],
        &[
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                &format!("{}/v1/traces", quick.base),
            ),
            (
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                &format!("{}/v1/logs", slow.base),
            ),
            ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "300"),
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("/v1/logs"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(quick.got().len(), 1);
}
