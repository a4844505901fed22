//! `sessiontrail otlp` without a receiver: `--output DIR` (OTLP/JSON lines,
//! one file per signal),
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

/// The lines of one signal's output file, parsed.
fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The traces lines of the output directory `out`.
fn traces(out: &Path) -> Vec<Value> {
    lines(&out.join("traces.jsonl"))
}

/// The logs lines of the output directory `out`.
fn logs(out: &Path) -> Vec<Value> {
    lines(&out.join("logs.jsonl"))
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
    let out_file = tmp.path().join("out");
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
    let batch = to_otlp(&events);
    assert!(!batch.spans.is_empty());
    let want = |json: String| -> Value { serde_json::from_str(&json).unwrap() };
    let (got_traces, got_logs) = (traces(&out_file), logs(&out_file));
    assert_eq!(got_traces.len(), 1);
    assert_eq!(got_logs.len(), 1);
    // The same, but for the resource: the shipper adds the instance and the host.
    let strip = |mut line: Value, outer: &str| {
        line[outer][0]["resource"] = Value::Null;
        line
    };
    assert_eq!(
        strip(got_traces[0].clone(), "resourceSpans"),
        strip(want(batch.traces_json()), "resourceSpans")
    );
    assert_eq!(
        strip(got_logs[0].clone(), "resourceLogs"),
        strip(want(batch.logs_json()), "resourceLogs")
    );
    assert_eq!(logs_of(&got_logs[0]).len(), events.len());
    let resource = &got_logs[0]["resourceLogs"][0]["resource"]["attributes"];
    let keys: Vec<&str> = resource
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| kv["key"].as_str().unwrap())
        .collect();
    for key in ["service.name", "service.instance.id", "host.name"] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
}

#[test]
fn each_run_sends_what_is_new_and_ends_spans_begun_before() {
    let tmp = TempDir::new("otlp-runs");
    let dir = tmp.session();
    let out_file = tmp.path().join("out");
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
        (traces(&out_file).len(), logs(&out_file).len()),
        (0, 1),
        "log records only: no span has ended"
    );

    let out = otlp(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "nothing new");
    assert_eq!(logs(&out_file).len(), 1);

    append(&dir, vec![completed("worker", 3), completed("lead", 4)]);
    let out = otlp(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = logs(&out_file);
    assert_eq!((traces(&out_file).len(), got.len()), (1, 2));
    let spans = spans_of(&traces(&out_file)[0]).clone();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0]["name"], "invoke_agent worker");
    assert_eq!(
        spans[0]["spanId"], first[1].span_id,
        "the span begun in the first run"
    );
    let records: Vec<u64> = got.iter().flat_map(logs_of).map(sequence_no).collect();
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
    let out_file = tmp.path().join("out");
    let out = otlp(&[
        dir.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
        "--batch",
        "2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = logs(&out_file);
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
    let out_file = tmp.path().join("out");
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
    assert_eq!(spans_of(&traces(&out_file)[0]).len(), 1);
    assert_eq!(
        logs_of(&logs(&out_file)[0])
            .iter()
            .map(sequence_no)
            .collect::<Vec<_>>(),
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
    let out_file = tmp.path().join("out");
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
    assert_eq!((traces(&out_file).len(), logs(&out_file).len()), (0, 2));
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
    let out_file = tmp.path().join("out");
    let o = out_file.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--endpoint", "http://127.0.0.1:1"],
            "not provided:\n  <PATH>",
        ),
        (vec![d], "--endpoint URL"),
        (
            vec![d, "--endpoint", "http://127.0.0.1:1", "--output", o],
            "'--endpoint <URL>' cannot be used with '--output <DIR>'",
        ),
        (
            vec![d, "--endpoint", "localhost:4318"],
            "http:// or https://",
        ),
        (
            vec![d, "--output", o, "--signals", "traces,metrics"],
            "expected a comma-separated list of traces and logs, got \"metrics\"",
        ),
        (
            vec![d, "--endpoint", "http://127.0.0.1:1", "--compression", "br"],
            "invalid value 'br' for '--compression <ALGO>'",
        ),
        (
            vec![d, "--output", o, "--max-body", "10"],
            "expected an integer from 1024 to 1073741824 (bytes)",
        ),
        (
            vec![
                d,
                "--endpoint",
                "https://127.0.0.1:1",
                "--certificate",
                missing.to_str().unwrap(),
            ],
            "the CA certificate",
        ),
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
    assert!(!out_file.exists(), "no output written");
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
    let out_file = tmp.path().join("out");
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
    let got = logs(&out_file);
    assert_eq!(
        (traces(&out_file).len(), got.len()),
        (1, 1),
        "one traces and one logs line"
    );
    assert_eq!(
        logs_of(&got[0]).iter().map(sequence_no).collect::<Vec<_>>(),
        [0, 1]
    );
}

#[test]
fn a_log_replaced_between_runs_is_shipped_from_its_start() {
    let tmp = TempDir::new("otlp-replaced");
    let dir = tmp.session();
    let out_dir = tmp.path().join("out");
    let args = [dir.to_str().unwrap(), "--output", out_dir.to_str().unwrap()];
    append(
        &dir,
        vec![started("lead", 1), started("b", 2), started("c", 3)],
    );
    assert!(otlp(&args).status.success());
    // The log is replaced by a shorter one, renamed over it (another
    // inode, while the old one still exists); its cursor stays.
    let elsewhere = tmp.path().join("elsewhere");
    append(&elsewhere, vec![started("new", 4)]);
    for name in [EVENTS_FILE, "events.jsonl.count"] {
        std::fs::rename(elsewhere.join(name), dir.join(name)).unwrap();
    }
    let out = otlp(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not the file its cursor counted in"),
        "{}",
        text(&out.stderr)
    );
    let got = logs(&out_dir);
    assert_eq!(got.len(), 2);
    assert_eq!(
        logs_of(&got[1]).iter().map(sequence_no).collect::<Vec<_>>(),
        [0],
        "the new log's first event"
    );
    let names = |line: &Value| -> Vec<String> {
        logs_of(line)
            .iter()
            .map(|l| l["attributes"].to_string())
            .collect()
    };
    assert!(names(&got[1])[0].contains("ai_new"), "{:?}", names(&got[1]));

    // A cursor from before the file was recorded, past the end of the log
    // it is beside: the log was cut or replaced, shipped from its start.
    let cursor = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().contains("otlp-cursor"))
        .unwrap()
        .path();
    let stored: Value = serde_json::from_slice(&std::fs::read(&cursor).unwrap()).unwrap();
    assert!(stored["file"].is_array(), "{stored}");
    let old = serde_json::json!({"endpoint": stored["endpoint"], "traces": 5, "logs": 5});
    std::fs::write(&cursor, old.to_string()).unwrap();
    let out = otlp(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("says 5 events were shipped, but the log holds 1"),
        "{}",
        text(&out.stderr)
    );
    let got = logs(&out_dir);
    assert_eq!(got.len(), 3);
    assert_eq!(
        logs_of(&got[2]).iter().map(sequence_no).collect::<Vec<_>>(),
        [0]
    );
}

/// Spawns `sessiontrail otlp ARGS`, its stderr gathered line by line.
fn spawn(
    args: &[&str],
) -> (
    std::process::Child,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .arg("otlp")
        .args(args)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = std::sync::Arc::clone(&lines);
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(line);
        }
    });
    (child, lines)
}

/// Waits (up to a minute) until `done` holds.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The path of `session`'s cursor for the output directory `out` (created
/// here): FNV-1a of the destination, as in cursor.rs.
fn file_cursor(session: &Path, out: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(out).unwrap();
    let identity = format!("file:{}", std::fs::canonicalize(out).unwrap().display());
    let hash = identity.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    });
    session.join(format!("events.jsonl.otlp-cursor-{hash:016x}"))
}

#[test]
fn a_broken_session_is_reported_and_the_others_go_on() {
    let tmp = TempDir::new("otlp-broken");
    let root = tmp.path().join("root");
    let out_dir = tmp.path().join("out");
    append(&root.join("a"), vec![started("lead", 1)]);
    // A session whose cursor for this output is not a cursor (the file
    // name is FNV-1a of the destination, as in cursor.rs).
    let b = root.join("b");
    append(&b, vec![started("lead", 1)]);
    let cursor = file_cursor(&b, &out_dir);
    std::fs::write(&cursor, "garbage").unwrap();
    let args = [
        root.to_str().unwrap(),
        "--output",
        out_dir.to_str().unwrap(),
    ];

    // Once: a is shipped, b is named, exit 4.
    let out = otlp(&args);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is not a cursor"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(logs(&out_dir).len(), 1, "a shipped");

    // Following: b is reported, a goes on shipping, and b is shipped once
    // its cursor is fixed.
    let mut follow = args.to_vec();
    follow.push("--follow");
    let (mut child, said) = spawn(&follow);
    wait_for("b reported", || {
        said.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("is not a cursor") && l.contains("trying it again later"))
    });
    append(&root.join("a"), vec![completed("lead", 2)]);
    wait_for("a's new event shipped", || traces(&out_dir).len() == 1);
    assert_eq!(child.try_wait().unwrap(), None, "still following");
    std::fs::remove_file(&cursor).unwrap();
    wait_for("b shipped", || logs(&out_dir).len() == 3);
    wait_for("b's cursor written", || {
        std::fs::read(&cursor)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .is_some_and(|c| c["logs"] == 1)
    });
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_follower_ships_a_log_replaced_under_it_from_its_start() {
    let tmp = TempDir::new("otlp-follow-replaced");
    let dir = tmp.session();
    let out_dir = tmp.path().join("out");
    append(&dir, vec![started("lead", 1), started("b", 2)]);
    let (mut child, said) = spawn(&[
        dir.to_str().unwrap(),
        "--output",
        out_dir.to_str().unwrap(),
        "--follow",
    ]);
    wait_for("the first events shipped", || logs(&out_dir).len() == 1);
    // Moved away (as a rotation does), then new appends make a new log.
    std::fs::rename(dir.join(EVENTS_FILE), tmp.path().join("old.jsonl")).unwrap();
    std::fs::remove_file(dir.join("events.jsonl.count")).unwrap();
    append(&dir, vec![started("fresh", 7)]);
    wait_for("the new log shipped", || logs(&out_dir).len() == 2);
    // Killed once the cursor is saved (a kill between the output's sync and
    // the cursor's rename repeats that batch: the documented window).
    let cursor = file_cursor(&dir, &out_dir);
    let meta = std::fs::metadata(dir.join(EVENTS_FILE)).unwrap();
    let file = {
        use std::os::unix::fs::MetadataExt;
        serde_json::json!([meta.dev(), meta.ino()])
    };
    wait_for("the cursor of the new log saved", || {
        std::fs::read(&cursor)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|c| c["logs"] == 1 && c["file"] == file)
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let got = logs(&out_dir);
    assert_eq!(
        logs_of(&got[1]).iter().map(sequence_no).collect::<Vec<_>>(),
        [0]
    );
    assert!(logs_of(&got[1])[0]["attributes"]
        .to_string()
        .contains("ai_fresh"));
    assert!(
        said.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("replaced") && l.contains("from its first event")),
        "{:?}",
        said.lock().unwrap()
    );
    // A restart does not apply the old cursor to the new file.
    let out = otlp(&[dir.to_str().unwrap(), "--output", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(logs(&out_dir).len(), 2, "nothing new, nothing repeated");
}

#[test]
fn a_fifo_in_place_of_a_cursor_is_refused_without_waiting() {
    let tmp = TempDir::new("otlp-fifo");
    let dir = tmp.session();
    append(&dir, vec![started("lead", 1)]);
    let out_dir = tmp.path().join("out");
    let cursor = file_cursor(&dir, &out_dir);
    let c = std::ffi::CString::new(cursor.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let out = otlp(&[dir.to_str().unwrap(), "--output", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("FIFO"), "{}", text(&out.stderr));
    assert!(logs(&out_dir).is_empty());
}

#[test]
fn a_line_check_refuses_is_not_shipped() {
    let tmp = TempDir::new("otlp-dupkey");
    let dir = tmp.session();
    let stored = append(&dir, vec![started("lead", 1)]);
    // The second line holds a duplicate key: `check` skips it, and so must otlp.
    let mut line = serde_json::to_string(&stored[0]).unwrap();
    line = line.replacen("\"sequence_no\":0", "\"sequence_no\":1", 1);
    line.insert_str(1, "\"agent_name\":\"twice\",");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap();
    file.write_all(format!("{line}\n").as_bytes()).unwrap();
    drop(file);
    let check = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["check", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        text(&check.stdout).contains("skipped"),
        "{}",
        text(&check.stdout)
    );
    let out_dir = tmp.path().join("out");
    let out = otlp(&[dir.to_str().unwrap(), "--output", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("skipped 1 unreadable line"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        logs_of(&logs(&out_dir)[0])
            .iter()
            .map(sequence_no)
            .collect::<Vec<_>>(),
        [0]
    );
}

#[test]
fn a_session_written_without_trace_context_is_one_trace() {
    let tmp = TempDir::new("otlp-one-trace");
    let dir = tmp.session();
    let common = r#""session_id":"ssn_plain","agent_id":"agent://a","agent_instance_id":"ai_1","agent_name":"a","host_id":"h""#;
    let lines: String = [
        r#""type":"session.started""#,
        r#""type":"agent.started""#,
        r#""type":"agent.called_tool","tool_name":"Read","duration_ms":3"#,
        r#""type":"agent.completed""#,
        r#""type":"session.closed""#,
    ]
    .iter()
    .map(|t| format!("{{{t},{common}}}\n"))
    .collect();
    let mut append = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["append", dir.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    append
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    assert!(append.wait().unwrap().success());
    let out_dir = tmp.path().join("out");
    let out = otlp(&[dir.to_str().unwrap(), "--output", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let spans = spans_of(&traces(&out_dir)[0]).clone();
    let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["execute_tool Read", "invoke_agent a", "session"]);
    let traces: std::collections::BTreeSet<&str> = spans
        .iter()
        .map(|s| s["traceId"].as_str().unwrap())
        .collect();
    assert_eq!(traces.len(), 1, "one trace: {traces:?}");
    assert_eq!(
        traces.iter().next().copied(),
        Some(sessiontrail::session_trace_id("ssn_plain").as_str())
    );
    let id = |name: &str| spans.iter().find(|s| s["name"] == name).unwrap();
    assert!(id("session").get("parentSpanId").is_none(), "the root");
    assert_eq!(
        id("invoke_agent a")["parentSpanId"],
        id("session")["spanId"]
    );
    assert_eq!(
        id("execute_tool Read")["parentSpanId"],
        id("invoke_agent a")["spanId"]
    );
}
