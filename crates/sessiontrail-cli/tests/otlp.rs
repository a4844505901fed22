//! `sessiontrail otlp` without a receiver: `--output FILE` (OTLP/JSON lines),
//! the cursor across runs, batches, unreadable lines, an unreachable
//! receiver and bad usage. The runs against a real receiver are in
//! `otlp_receiver.rs`.

#![cfg(all(unix, feature = "otlp"))]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use common::TempDir;
use serde_json::Value;
use sessiontrail::{EventLog, EventType, SessionEvent, EVENTS_FILE};
use sessiontrail_otlp::to_otlp;

fn otlp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .arg("otlp")
        .args(args)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ids(span: u64) -> (String, String) {
    (
        "5b8efff798038103d269b633813fc60c".into(),
        format!("{span:016x}"),
    )
}

fn event(agent: &str, span: u64, event_type: EventType) -> SessionEvent {
    let mut e = common::make_event("ssn_file", event_type);
    (e.trace_id, e.span_id) = ids(span);
    e.parent_span_id = None;
    e.agent_instance_id = format!("ai_{agent}");
    e.agent_name = agent.into();
    e
}

fn append(dir: &Path, mut events: Vec<SessionEvent>) -> Vec<SessionEvent> {
    EventLog::open(dir)
        .unwrap()
        .append_batch(&mut events)
        .unwrap();
    events
}

/// The lines of the output file, parsed.
fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn spans_of(line: &Value) -> &Vec<Value> {
    line["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap()
}

fn logs_of(line: &Value) -> &Vec<Value> {
    line["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
        .as_array()
        .unwrap()
}

fn sequence_no(log: &Value) -> u64 {
    let attr = log["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "sessiontrail.sequence_no")
        .unwrap();
    attr["value"]["intValue"].as_str().unwrap().parse().unwrap()
}

fn started(agent: &str, span: u64) -> SessionEvent {
    event(
        agent,
        span,
        EventType::AgentStarted {
            parent_agent_instance_id: None,
        },
    )
}

fn completed(agent: &str, span: u64) -> SessionEvent {
    event(
        agent,
        span,
        EventType::AgentCompleted {
            termination_reason: None,
        },
    )
}

#[test]
fn the_output_file_holds_the_mapping_of_the_session() {
    let tmp = TempDir::new("otlp-file");
    let dir = tmp.session();
    let out_file = tmp.path().join("out.jsonl");
    let events = append(
        &dir,
        common::all_event_types()
            .into_iter()
            .enumerate()
            .map(|(i, t)| event("lead", i as u64 + 1, t))
            .collect(),
    );
    let out = otlp(&[
        dir.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = lines(&out_file);
    let batch = to_otlp(&events);
    assert!(!batch.spans.is_empty());
    let want: Vec<Value> = vec![
        serde_json::from_str(&batch.traces_json()).unwrap(),
        serde_json::from_str(&batch.logs_json()).unwrap(),
    ];
    assert_eq!(got, want);
    assert_eq!(logs_of(&got[1]).len(), events.len());
}

#[test]
fn each_run_sends_what_is_new_and_ends_spans_begun_before() {
    let tmp = TempDir::new("otlp-runs");
    let dir = tmp.session();
    let out_file = tmp.path().join("out.jsonl");
    let args = [
        dir.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
    ];
    let first = append(&dir, vec![started("lead", 1), started("worker", 2)]);

    let out = otlp(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        lines(&out_file).len(),
        1,
        "log records only: no span has ended"
    );

    let out = otlp(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "nothing new");
    assert_eq!(lines(&out_file).len(), 1);

    append(&dir, vec![completed("worker", 3), completed("lead", 4)]);
    let out = otlp(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = lines(&out_file);
    assert_eq!(got.len(), 3);
    let spans = spans_of(&got[1]);
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0]["name"], "invoke_agent worker");
    assert_eq!(
        spans[0]["spanId"], first[1].span_id,
        "the span begun in the first run"
    );
    let records: Vec<u64> = [&got[0], &got[2]]
        .iter()
        .flat_map(|l| logs_of(l))
        .map(sequence_no)
        .collect();
    assert_eq!(records, [0, 1, 2, 3], "each event once");
}

#[test]
fn batches_split_requests_and_change_nothing_else() {
    let tmp = TempDir::new("otlp-batch");
    let dir = tmp.session();
    let events: Vec<SessionEvent> = (0..5)
        .map(|i| event("lead", i + 1, EventType::AgentNote { text: None }))
        .collect();
    let events = append(&dir, events);
    let out_file = tmp.path().join("out.jsonl");
    let out = otlp(&[
        dir.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
        "--batch",
        "2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = lines(&out_file);
    assert_eq!(
        got.iter().map(|l| logs_of(l).len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    let all: Vec<Value> = got.iter().flat_map(|l| logs_of(l).clone()).collect();
    let want: Value = serde_json::from_str(&to_otlp(&events).logs_json()).unwrap();
    assert_eq!(&all, logs_of(&want));
}

#[test]
fn unreadable_lines_are_skipped_and_keep_their_numbers() {
    let tmp = TempDir::new("otlp-skip");
    let dir = tmp.session();
    append(&dir, vec![started("lead", 1)]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap();
    file.write_all(b"{not json\n").unwrap();
    drop(file);
    append(&dir, vec![completed("lead", 3)]);
    let out_file = tmp.path().join("out.jsonl");
    let out = otlp(&[
        dir.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("skipped 1 unreadable line"),
        "{}",
        text(&out.stderr)
    );
    let got = lines(&out_file);
    assert_eq!(spans_of(&got[0]).len(), 1);
    assert_eq!(
        logs_of(&got[1]).iter().map(sequence_no).collect::<Vec<_>>(),
        [0, 2]
    );
}

#[test]
fn a_root_ships_every_session_under_it() {
    let tmp = TempDir::new("otlp-root");
    let root = tmp.path().join("root");
    for name in ["one", "two"] {
        append(&root.join(name), vec![started("lead", 1)]);
    }
    std::fs::create_dir_all(root.join("not-a-session")).unwrap();
    let out_file = tmp.path().join("out.jsonl");
    let out = otlp(&[
        root.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.contains("one: shipped") && stdout.contains("two: shipped"),
        "{stdout}"
    );
    assert_eq!(lines(&out_file).len(), 2);
}

#[test]
fn an_unreachable_receiver_is_retried_then_given_up_marking_nothing() {
    let tmp = TempDir::new("otlp-down");
    let dir = tmp.session();
    append(&dir, vec![started("lead", 1)]);
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = otlp(&[
        dir.to_str().unwrap(),
        "--endpoint",
        &endpoint,
        "--give-up-after",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("retrying in"), "{stderr}");
    assert!(stderr.contains("gave up"), "{stderr}");
    let cursors = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("otlp-cursor"))
        .count();
    assert_eq!(cursors, 0, "nothing marked as shipped");

    // OTEL_EXPORTER_OTLP_ENDPOINT stands in for --endpoint.
    let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["otlp", dir.to_str().unwrap(), "--give-up-after", "0"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("{endpoint}/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("{endpoint}/v1/logs")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_usage_is_refused_before_anything_is_sent() {
    let tmp = TempDir::new("otlp-usage");
    let dir = tmp.session();
    append(&dir, vec![started("lead", 1)]);
    let d = dir.to_str().unwrap();
    let missing = tmp.path().join("missing");
    let out_file = tmp.path().join("out.jsonl");
    let o = out_file.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--endpoint", "http://127.0.0.1:1"],
            "not provided:\n  <PATH>",
        ),
        (vec![d], "--endpoint URL"),
        (
            vec![d, "--endpoint", "http://127.0.0.1:1", "--output", o],
            "'--endpoint <URL>' cannot be used with '--output <FILE>'",
        ),
        (
            vec![d, "--endpoint", "localhost:4318"],
            "http:// or https://",
        ),
        (vec![d, "--endpoint", "https://example.com"], "without TLS"),
        (
            vec![d, "--output", o, "--batch", "0"],
            "for '--batch <N>': expected an integer from 1 to 100000",
        ),
        (
            vec![d, "--output", o, "--frobnicate"],
            "unexpected argument '--frobnicate'",
        ),
        (
            vec![missing.to_str().unwrap(), "--output", o],
            "no directory at",
        ),
        (
            vec![dir.join(EVENTS_FILE).to_str().unwrap(), "--output", o],
            "is not a directory",
        ),
    ] {
        let out = otlp(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(std::fs::read(&out_file).unwrap_or_default().is_empty());
    let entries: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(entries.iter().all(|n| !n.contains("otlp")), "{entries:?}");
}

#[test]
fn a_session_named_twice_is_shipped_once() {
    let tmp = TempDir::new("otlp-twice");
    let root = tmp.path().join("root");
    append(
        &root.join("one"),
        vec![started("lead", 1), completed("lead", 2)],
    );
    let out_file = tmp.path().join("out.jsonl");
    let session = root.join("one");
    let dotted = root.join("one/../one/.");
    let out = otlp(&[
        root.to_str().unwrap(),
        session.to_str().unwrap(),
        dotted.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = lines(&out_file);
    assert_eq!(got.len(), 2, "one traces and one logs line");
    assert_eq!(
        logs_of(&got[1]).iter().map(sequence_no).collect::<Vec<_>>(),
        [0, 1]
    );
}

#[test]
fn a_cursor_past_the_end_of_its_log_is_refused() {
    let tmp = TempDir::new("otlp-replaced");
    let dir = tmp.session();
    let out_file = tmp.path().join("out.jsonl");
    let args = [
        dir.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
    ];
    append(
        &dir,
        vec![started("lead", 1), started("b", 2), started("c", 3)],
    );
    assert!(otlp(&args).status.success());
    // The log is replaced by a shorter one; its cursor stays.
    for name in [EVENTS_FILE, "events.jsonl.count"] {
        std::fs::remove_file(dir.join(name)).unwrap();
    }
    append(&dir, vec![started("new", 4)]);
    let before = std::fs::read(&out_file).unwrap();
    let out = otlp(&args);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("says 3 events were shipped"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("holds 1"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&out_file).unwrap(), before, "nothing sent");
}

#[test]
fn a_follower_waiting_for_its_receiver_still_reports_a_broken_session() {
    let tmp = TempDir::new("otlp-broken");
    let root = tmp.path().join("root");
    append(&root.join("a"), vec![started("lead", 1)]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args([
            "otlp",
            root.to_str().unwrap(),
            "--endpoint",
            &endpoint,
            "--follow",
        ])
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = std::sync::Arc::clone(&lines);
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(line);
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !lines.lock().unwrap().iter().any(|l| l.contains("retrying")) {
        assert!(
            std::time::Instant::now() < deadline,
            "never retried: {:?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // A session appears whose cursor for this endpoint is not a cursor
    // (the file name is FNV-1a of the endpoint, as in cursor.rs).
    let b = root.join("b");
    append(&b, vec![started("lead", 1)]);
    let hash = endpoint.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    });
    std::fs::write(
        b.join(format!("events.jsonl.otlp-cursor-{hash:016x}")),
        "garbage",
    )
    .unwrap();
    // It exits on its own, without waiting for the receiver.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running: {:?}", lines.lock().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    reader.join().unwrap();
    let said = lines.lock().unwrap().join("\n");
    assert_eq!(status.code(), Some(4), "{said}");
    assert!(said.contains("is not a cursor"), "{said}");
}
