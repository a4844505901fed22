//! `sessiontrail otlp` against a real OpenTelemetry receiver: rotel, a Rust
//! collector that decodes OTLP/HTTP JSON strictly (400 for numeric
//! nanoseconds, base64 ids, snake_case keys or string enums) and prints
//! every span and log record it decoded.
//!
//! Not part of a plain `cargo test` (`test = false` in Cargo.toml): it needs
//! the rotel binary, which `scripts/fetch-rotel.sh` downloads from PyPI into
//! target/rotel/. `make test-otlp` does both; `ROTEL_AGENT` may name another
//! copy. Its Claude Code session is recorded by the hook (feature `hook`).

#![cfg(all(unix, feature = "otlp", feature = "hook"))]

// The hook tests' plumbing: their fixtures, a hook process fed a payload.
#[path = "common/hook.rs"]
#[allow(dead_code)]
mod hook;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sessiontrail::{generate_event_id, now_rfc3339, EventLog, EventType, SessionEvent};

/// A private temp directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "sessiontrail-otlp-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ------------------------------------------------------------- the receiver

/// One span or log record as rotel printed it.
#[derive(Debug, Clone, Default)]
struct Record {
    /// "span" or "log".
    kind: &'static str,
    /// "Trace ID", "Parent ID", "ID", "Name", "EventName", "Span ID", ...
    fields: BTreeMap<String, String>,
    /// Attribute key to rotel's rendering of the value: `Str(x)`, `Int(3)`.
    attrs: BTreeMap<String, String>,
}

impl Record {
    fn field(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", String::as_str)
    }

    fn attr(&self, key: &str) -> &str {
        self.attrs.get(key).map_or("", String::as_str)
    }
}

/// Parses rotel's `--debug-log-verbosity detailed` output.
fn parse_records(lines: &[String]) -> Vec<Record> {
    let mut records = Vec::new();
    let mut current: Option<Record> = None;
    for line in lines {
        let trimmed = line.trim();
        let starts = |p: &str| trimmed.starts_with(p);
        if starts("Span #") || starts("LogRecord #") {
            records.extend(current.take());
            current = Some(Record {
                kind: if starts("Span #") { "span" } else { "log" },
                ..Record::default()
            });
        } else if starts("ResourceSpans #")
            || starts("ResourceLog #")
            || starts("ScopeSpans #")
            || starts("ScopeLogs #")
        {
            records.extend(current.take());
        } else if let Some(rec) = current.as_mut() {
            if let Some(attr) = trimmed.strip_prefix("-> ") {
                if let Some((k, v)) = attr.split_once(": ") {
                    rec.attrs.insert(k.to_string(), v.to_string());
                }
            } else if let Some((k, v)) = trimmed.split_once(':') {
                rec.fields
                    .insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    records.extend(current);
    records
}

struct Rotel {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

fn rotel_binary() -> PathBuf {
    let path = std::env::var_os("ROTEL_AGENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/rotel/rotel-agent")
        });
    assert!(
        path.exists(),
        "no rotel at {}: run `bash scripts/fetch-rotel.sh` (make test-otlp does)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Rotel {
    /// Starts rotel on free ports (or on `port`, for a restart), with
    /// `extra` arguments, and waits until it accepts connections. rotel
    /// cannot bind port 0, so a port is picked first; if another process
    /// takes it in between, rotel exits and another is tried.
    fn start(tmp: &Path, port: Option<u16>, extra: &[&str]) -> Rotel {
        let mut last_output = Vec::new();
        for attempt in 0..10 {
            let http = port.unwrap_or_else(free_port);
            let grpc = free_port();
            let mut child = Command::new(rotel_binary())
                .args(["start", "--exporter", "blackhole"])
                .args([
                    "--debug-log",
                    "traces",
                    "--debug-log",
                    "logs",
                    "--debug-log-verbosity",
                    "detailed",
                ])
                .args(["--otlp-http-endpoint", &format!("127.0.0.1:{http}")])
                .args(["--otlp-grpc-endpoint", &format!("127.0.0.1:{grpc}")])
                .arg("--pid-file")
                .arg(tmp.join(format!("rotel-{http}-{attempt}.pid")))
                .arg("--log-file")
                .arg(tmp.join(format!("rotel-{http}-{attempt}.log")))
                .args(extra)
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start rotel");
            let lines = Arc::new(Mutex::new(Vec::new()));
            let mut readers = Vec::new();
            for stream in [
                Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
                Box::new(child.stderr.take().unwrap()),
            ] {
                let lines = Arc::clone(&lines);
                readers.push(std::thread::spawn(move || {
                    for line in BufReader::new(stream).lines().map_while(Result::ok) {
                        lines.lock().unwrap().push(line);
                    }
                }));
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                // Both ports, and still running a moment later: rotel binds
                // one, then exits if the other is taken (picked ports race
                // with other processes), and something else may answer on
                // a port it never got.
                let listening = |port| TcpStream::connect(("127.0.0.1", port)).is_ok();
                let alive = |child: &mut Child| child.try_wait().unwrap().is_none();
                if listening(http) && listening(grpc) && {
                    std::thread::sleep(Duration::from_millis(200));
                    alive(&mut child) && listening(http)
                } {
                    return Rotel {
                        child,
                        port: http,
                        lines,
                        readers,
                    };
                }
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            last_output = lines.lock().unwrap().clone();
        }
        panic!("rotel did not start; it said:\n{}", last_output.join("\n"));
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn records(&self) -> Vec<Record> {
        parse_records(&self.lines())
    }

    fn logs(&self) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| r.kind == "log")
            .collect()
    }

    fn spans(&self) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| r.kind == "span")
            .collect()
    }

    /// Waits until rotel has printed `logs` log records and `spans` spans
    /// (a deadline, not a timing assertion: it only keeps a broken run from
    /// hanging), then checks there is no more than that.
    fn wait_for(&self, logs: usize, spans: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (l, s) = (self.logs().len(), self.spans().len());
            if l >= logs && s >= spans {
                assert_eq!(
                    (l, s),
                    (logs, spans),
                    "more than expected arrived:\n{}",
                    self.lines().join("\n")
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "rotel has {l} of {logs} log records and {s} of {spans} spans; it said:\n{}",
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops rotel the way an operator does (SIGTERM, so it prints what it
    /// still holds), waits for it and for its output, and returns it all.
    fn stop(mut self) -> Vec<String> {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.lines()
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// -------------------------------------------------------------- the session

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn span_hex(n: u64) -> String {
    format!("{n:016x}")
}

/// An event of agent `agent`, in `TRACE`, with span id `span`.
fn event(
    session: &str,
    agent: &str,
    span: u64,
    parent: Option<u64>,
    event_type: EventType,
) -> SessionEvent {
    SessionEvent {
        session_id: session.into(),
        event_id: generate_event_id(),
        timestamp: now_rfc3339(),
        sequence_no: 0,
        trace_id: TRACE.into(),
        span_id: span_hex(span),
        parent_span_id: parent.map(span_hex),
        agent_id: format!("agent://{agent}"),
        agent_instance_id: format!("ai_{agent}"),
        agent_name: agent.into(),
        agent_role: None,
        host_id: "host_otlp".into(),
        tool_runtime_id: None,
        event_type,
        artifact_ref: None,
        meta: Some(serde_json::json!({"step": span})),
    }
}

fn append(dir: &Path, events: Vec<SessionEvent>) {
    let log = EventLog::open(dir).unwrap();
    let mut events = events;
    log.append_batch(&mut events).unwrap();
}

fn shipper(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sessiontrail"));
    command
        .arg("otlp")
        .args(args)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
    command
}

/// A `sessiontrail otlp --follow` process whose stderr is collected.
struct Follower {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Follower {
    fn start(args: &[&str]) -> Follower {
        let mut child = shipper(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&stderr);
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Follower { child, stderr }
    }

    fn wait_for_stderr(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self
            .stderr
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains(needle))
        {
            assert!(
                Instant::now() < deadline,
                "the shipper never said {needle:?}: {:?}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it (it is idle when the tests do this) and checks that it was
    /// still running: a follower does not exit on its own.
    fn stop(mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the follower exited: {:?}",
            self.stderr.lock().unwrap()
        );
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str]) -> Output {
    shipper(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The (traces, logs) numbers of the one cursor in `dir`, if written.
fn cursor(dir: &Path) -> Option<(u64, u64)> {
    let entry = std::fs::read_dir(dir).unwrap().flatten().find(|e| {
        e.file_name()
            .to_string_lossy()
            .starts_with("events.jsonl.otlp-cursor-")
            && !e.file_name().to_string_lossy().ends_with(".tmp")
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
    Some((
        value["traces"].as_u64().unwrap(),
        value["logs"].as_u64().unwrap(),
    ))
}

fn wait_for_cursor(dir: &Path, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while cursor(dir) != Some((n, n)) {
        assert!(
            Instant::now() < deadline,
            "cursor of {} is {:?}, not at {n}",
            dir.display(),
            cursor(dir)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_multi_agent_session_arrives_whole() {
    let tmp = TempDir::new("whole");
    let dir = tmp.0.join("ssn_multi");
    let s = "ssn_multi";
    let some = |v: &str| Some(v.to_string());
    append(
        &dir,
        vec![
            event(s, "lead", 0x10, None, EventType::SessionStarted),
            event(
                s,
                "lead",
                0x11,
                Some(0x10),
                EventType::AgentStarted {
                    parent_agent_instance_id: None,
                },
            ),
            event(
                s,
                "tester",
                0x12,
                Some(0x11),
                EventType::AgentSpawned {
                    spawned_by_agent_instance_id: "ai_lead".into(),
                    reason: some("run the tests"),
                },
            ),
            // No parent given: the tester's own span is found by pairing.
            event(
                s,
                "tester",
                0x13,
                None,
                EventType::AgentCalledTool {
                    tool_name: "Bash".into(),
                    tool_input_digest: None,
                    tool_output_digest: None,
                    duration_ms: Some(25),
                    outcome: None,
                },
            ),
            event(
                s,
                "tester",
                0x14,
                None,
                EventType::AgentStartedProcess {
                    process_name: "cargo".into(),
                    pid: Some(77),
                    command: some("cargo test"),
                },
            ),
            event(
                s,
                "tester",
                0x15,
                None,
                EventType::AgentCompletedProcess {
                    process_name: "cargo".into(),
                    exit_code: Some(101),
                    duration_ms: Some(5),
                    command: None,
                },
            ),
            event(
                s,
                "tester",
                0x16,
                None,
                EventType::AgentFailed {
                    reason: some("tests failed"),
                },
            ),
            event(
                s,
                "lead",
                0x17,
                None,
                EventType::AgentDecision {
                    model: some("claude-opus-4"),
                    tokens_in: Some(1500),
                    tokens_out: Some(200),
                    provider: some("anthropic"),
                    summary: None,
                    confidence: Some(0.5),
                },
            ),
            event(
                s,
                "lead",
                0x18,
                None,
                EventType::AgentWroteFile {
                    file_path: "src/lib.rs".into(),
                    digest: None,
                    operation: some("modified"),
                    additions: Some(2),
                    deletions: None,
                },
            ),
            event(
                s,
                "lead",
                0x19,
                None,
                EventType::AgentCompleted {
                    termination_reason: some("done"),
                },
            ),
            event(
                s,
                "lead",
                0x1a,
                None,
                EventType::SessionClosed {
                    summary: some("fixed"),
                    duration_ms: None,
                },
            ),
        ],
    );
    let rotel = Rotel::start(&tmp.0, None, &[]);
    // A header such as an API key goes along (rotel does not check it).
    let out = run(&[
        dir.to_str().unwrap(),
        "--endpoint",
        &rotel.endpoint(),
        "--header",
        "x-api-key=secret",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("shipped events 0..11: 7 spans, 11 log records"),
        "{}",
        text(&out.stdout)
    );
    rotel.wait_for(11, 7);

    let logs = rotel.logs();
    // Each record points at the span it belongs to, which is exported: the
    // one its event starts or makes, or the one it ends (the process, the
    // tester's, the lead's, the session).
    let belongs = [
        0x10, 0x11, 0x12, 0x13, 0x14, 0x14, 0x12, 0x17, 0x18, 0x11, 0x10,
    ];
    let types: Vec<&str> = logs.iter().map(|l| l.field("EventName")).collect();
    assert_eq!(types[0], "session.started");
    assert_eq!(types[10], "session.closed");
    for (i, log) in logs.iter().enumerate() {
        assert_eq!(log.field("Trace ID"), TRACE);
        assert_eq!(log.field("Span ID"), span_hex(belongs[i]));
        assert_eq!(log.attr("sessiontrail.sequence_no"), format!("Int({i})"));
        assert_eq!(log.attr("session.id"), "Str(ssn_multi)");
        assert!(
            log.attr("sessiontrail.event_id").starts_with("Str(evt_"),
            "{log:?}"
        );
        assert_eq!(log.field("Body"), format!("Map(step:Int({}))", 0x10 + i));
    }
    assert_eq!(logs[6].field("SeverityNumber"), "SEVERITY_NUMBER_ERROR(17)");
    assert_eq!(logs[8].attr("file.path"), "Str(src/lib.rs)");
    assert_eq!(logs[8].attr("sessiontrail.additions"), "Int(2)");

    let spans = rotel.spans();
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s.field("Name") == name)
            .unwrap_or_else(|| panic!("no span {name}: {spans:#?}"))
    };
    for span in &spans {
        assert_eq!(span.field("Trace ID"), TRACE);
        assert_eq!(span.attr("gen_ai.conversation.id"), "Str(ssn_multi)");
    }
    let session = by_name("session");
    assert_eq!(
        (session.field("ID"), session.field("Parent ID")),
        (span_hex(0x10).as_str(), "")
    );
    assert_eq!(session.attr("sessiontrail.summary"), "Str(fixed)");
    let lead = by_name("invoke_agent lead");
    assert_eq!(
        (lead.field("ID"), lead.field("Parent ID")),
        (span_hex(0x11).as_str(), span_hex(0x10).as_str())
    );
    assert_eq!(lead.attr("gen_ai.operation.name"), "Str(invoke_agent)");
    assert_eq!(lead.attr("gen_ai.agent.name"), "Str(lead)");
    assert_eq!(lead.attr("gen_ai.agent.id"), "Str(agent://lead)");
    let tester = by_name("invoke_agent tester");
    assert_eq!(
        (tester.field("ID"), tester.field("Parent ID")),
        (span_hex(0x12).as_str(), span_hex(0x11).as_str())
    );
    assert_eq!(tester.field("Status code"), "STATUS_CODE_ERROR");
    assert_eq!(tester.field("Status message"), "tests failed");
    let tool = by_name("execute_tool Bash");
    assert_eq!(
        (tool.field("ID"), tool.field("Parent ID")),
        (span_hex(0x13).as_str(), span_hex(0x12).as_str())
    );
    assert_eq!(tool.attr("gen_ai.tool.name"), "Str(Bash)");
    assert_eq!(tool.attr("gen_ai.tool.type"), "Str(function)");
    let start: u64 = tool.field("Start time").parse().unwrap();
    let end: u64 = tool.field("End time").parse().unwrap();
    assert_eq!(end - start, 25_000_000, "duration_ms before the event");
    let process = by_name("process cargo");
    assert_eq!(process.field("Parent ID"), span_hex(0x12));
    assert_eq!(process.attr("process.exit.code"), "Int(101)");
    assert_eq!(process.attr("error.type"), "Str(101)");
    assert_eq!(process.field("Kind"), "SPAN_KIND_CLIENT");
    assert_eq!(
        process.attr("process.command_args"),
        "Slice(Str(cargo), Str(test))"
    );
    assert_eq!(process.attr("process.command_line"), "");
    assert_eq!(process.field("Status code"), "STATUS_CODE_ERROR");
    let chat = by_name("chat claude-opus-4");
    assert_eq!(chat.field("Parent ID"), span_hex(0x11));
    assert_eq!(chat.field("Kind"), "SPAN_KIND_CLIENT");
    assert_eq!(chat.attr("gen_ai.request.model"), "Str(claude-opus-4)");
    assert_eq!(chat.attr("gen_ai.provider.name"), "Str(anthropic)");
    assert_eq!(chat.attr("gen_ai.usage.input_tokens"), "Int(1500)");
    assert_eq!(chat.attr("gen_ai.usage.output_tokens"), "Int(200)");
    assert_eq!(chat.attr("sessiontrail.confidence"), "Double(0.5)");

    // Shipped once: a second run has nothing to send.
    assert_eq!(cursor(&dir), Some((11, 11)));
    let again = run(&[dir.to_str().unwrap(), "--endpoint", &rotel.endpoint()]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), "");
    assert!(
        !rotel.lines().iter().any(|l| l.contains("Failed to decode")),
        "{}",
        rotel.lines().join("\n")
    );
}

#[test]
fn following_across_restarts_loses_nothing_and_repeats_nothing() {
    let tmp = TempDir::new("follow");
    let root = tmp.0.join("sessions");
    std::fs::create_dir_all(&root).unwrap();
    let a = root.join("a");
    let b = root.join("b");
    let note = |s: &str, span: u64| {
        event(
            s,
            "lead",
            span,
            None,
            EventType::AgentNote {
                text: Some(format!("note {span}")),
            },
        )
    };

    append(
        &a,
        vec![
            event("a", "lead", 1, None, EventType::SessionStarted),
            event(
                "a",
                "worker",
                2,
                None,
                EventType::AgentStarted {
                    parent_agent_instance_id: None,
                },
            ),
            note("a", 3),
        ],
    );
    let rotel = Rotel::start(&tmp.0, None, &[]);
    let endpoint = rotel.endpoint();
    let root_arg = root.to_str().unwrap().to_string();
    let follow = |endpoint: &str| Follower::start(&[&root_arg, "--endpoint", endpoint, "--follow"]);
    let first = follow(&endpoint);
    rotel.wait_for(3, 0);

    // A session created after the shipper started, and appends to both.
    append(
        &b,
        vec![
            event("b", "lead", 20, None, EventType::SessionStarted),
            note("b", 21),
        ],
    );
    rotel.wait_for(5, 0);
    append(&a, vec![note("a", 4), note("a", 5)]);
    rotel.wait_for(7, 0);

    // The shipper is stopped (killed, idle) and events are appended while
    // none runs; a new one sends those, and only those.
    wait_for_cursor(&a, 5);
    wait_for_cursor(&b, 2);
    first.stop();
    append(&a, vec![note("a", 6), note("a", 7)]);
    let second = follow(&endpoint);
    rotel.wait_for(9, 0);
    wait_for_cursor(&a, 7);

    // The receiver goes away; events keep coming; the shipper retries until
    // a receiver is back on the same port. The worker's span began before
    // both restarts and ends now.
    let port = rotel.port;
    let first_receiver = rotel.stop();
    append(
        &a,
        vec![
            note("a", 8),
            event(
                "a",
                "worker",
                9,
                None,
                EventType::AgentCompleted {
                    termination_reason: None,
                },
            ),
            event(
                "a",
                "lead",
                10,
                None,
                EventType::SessionClosed {
                    summary: None,
                    duration_ms: None,
                },
            ),
        ],
    );
    append(&b, vec![note("b", 22)]);
    // The receiver comes back once the shipper has found it gone.
    second.wait_for_stderr("retrying");
    let rotel = Rotel::start(&tmp.0, Some(port), &[]);
    rotel.wait_for(4, 2);
    wait_for_cursor(&a, 10);
    wait_for_cursor(&b, 3);
    second.stop();

    // Every event of both sessions arrived exactly once, over both receivers.
    let mut seen = BTreeMap::new();
    let before = parse_records(&first_receiver);
    assert!(
        before.iter().all(|r| r.kind == "log"),
        "no span had ended before the restart"
    );
    for log in before.iter().chain(rotel.logs().iter()) {
        *seen
            .entry((
                log.attr("session.id").to_string(),
                log.attr("sessiontrail.sequence_no").to_string(),
            ))
            .or_insert(0) += 1;
    }
    let want: BTreeSet<(String, String)> = (0..10)
        .map(|i| ("Str(a)".to_string(), format!("Int({i})")))
        .chain((0..3).map(|i| ("Str(b)".to_string(), format!("Int({i})"))))
        .collect();
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), want);
    assert!(seen.values().all(|&n| n == 1), "repeated: {seen:?}");

    // The worker's span kept its start across both restarts.
    let spans = rotel.spans();
    let worker = spans
        .iter()
        .find(|s| s.field("Name") == "invoke_agent worker")
        .unwrap();
    assert_eq!(worker.field("ID"), span_hex(2));
    assert_eq!(worker.field("Parent ID"), span_hex(1), "the session's span");
    let started = before
        .iter()
        .find(|l| {
            l.attr("session.id") == "Str(a)" && l.attr("sessiontrail.sequence_no") == "Int(1)"
        })
        .unwrap();
    assert_eq!(worker.field("Start time"), started.field("Timestamp"));
    assert!(spans
        .iter()
        .any(|s| s.field("Name") == "session" && s.field("ID") == span_hex(1)));
}

#[test]
fn a_400_is_reported_and_not_retried() {
    // A receiver whose paths are swapped refuses both requests with 400:
    // each is a valid request of the other signal.
    let tmp = TempDir::new("400");
    let dir = tmp.0.join("ssn");
    append(
        &dir,
        vec![event(
            "ssn",
            "lead",
            1,
            None,
            EventType::AgentNote { text: None },
        )],
    );
    let rotel = Rotel::start(
        &tmp.0,
        None,
        &[
            "--otlp-receiver-traces-http-path",
            "/v1/logs",
            "--otlp-receiver-logs-http-path",
            "/v1/traces",
        ],
    );
    let out = run(&[dir.to_str().unwrap(), "--endpoint", &rotel.endpoint()]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("/v1/logs answered 400 Bad Request"),
        "{stderr}"
    );
    assert!(stderr.contains("not retried"), "{stderr}");
    assert!(!stderr.contains("retrying"), "{stderr}");
    assert_eq!(cursor(&dir), None, "nothing marked as shipped");
    let lines = rotel.stop();
    let refusals = lines
        .iter()
        .filter(|l| l.contains("Failed to decode"))
        .count();
    assert_eq!(
        refusals,
        1,
        "one request, not retried:\n{}",
        lines.join("\n")
    );
}

/// The hook's fixtures (tests/fixtures/claude-code), fired in the order
/// Claude Code fires them; `None` where a PreToolUse of a Bash call that
/// has only a PostToolUse fixture goes (made from pre-tool-use-bash).
const CLAUDE_CODE_SESSION: &[&str] = &[
    "session-start",
    "user-prompt-submit",
    "pre-tool-use-bash",
    "post-tool-use-bash",
    "pre-tool-use-read",
    "post-tool-use-read",
    "post-tool-use-write-create",
    "post-tool-use-write-update",
    "post-tool-use-edit",
    "post-tool-use-multiedit",
    "post-tool-use-notebookedit",
    "post-tool-use-webfetch",
    "post-tool-use-websearch",
    "post-tool-use-mcp",
    "post-tool-use-grep",
    "post-tool-use-bash-interrupted",
    "post-tool-use-failure-bash",
    "post-tool-use-failure-edit",
    "subagent-start",
    "subagent-post-tool-use-glob",
    "subagent-stop",
    "notification",
    "pre-compact",
    "stop",
    "session-end",
];

fn claude_code_fixture(name: &str) -> serde_json::Value {
    serde_json::from_str(&hook::fixture("claude-code", name)).unwrap()
}

/// `sessiontrail hook claude-code --keep command` fed one payload, as Claude
/// Code runs it.
fn fire_hook(root: &Path, payload: &serde_json::Value) {
    let child = hook::spawn_hook("claude-code", root, &["--keep", "command"]);
    let out = hook::finish(child, payload.to_string().as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_claude_code_session_recorded_by_the_hook_is_one_trace_with_every_tool_a_span() {
    let tmp = TempDir::new("claude");
    let root = tmp.0.join("sessions");
    let mut calls: Vec<(String, String)> = Vec::new();
    for name in CLAUDE_CODE_SESSION {
        let payload = claude_code_fixture(name);
        let event = payload["hook_event_name"].as_str().unwrap();
        let id = payload["tool_use_id"].as_str();
        // Claude Code fires PreToolUse before every Bash call; two Bash
        // fixtures have only their PostToolUse, so make their PreToolUse.
        if event.starts_with("PostToolUse") && payload["tool_name"] == "Bash" {
            let mut pre = claude_code_fixture("pre-tool-use-bash");
            if pre["tool_use_id"] != payload["tool_use_id"] {
                pre["tool_use_id"] = payload["tool_use_id"].clone();
                pre["tool_input"] = payload["tool_input"].clone();
                fire_hook(&root, &pre);
            }
        }
        fire_hook(&root, &payload);
        if event.starts_with("PostToolUse") {
            let tool = payload["tool_name"].as_str().unwrap();
            calls.push((id.unwrap().to_owned(), tool.to_owned()));
        }
    }
    assert_eq!(calls.len(), 15, "every tool fixture");

    let rotel = Rotel::start(&tmp.0, None, &[]);
    let out = run(&[root.to_str().unwrap(), "--endpoint", &rotel.endpoint()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = root.join("3f1c2a9e-5b7d-4e21-9a0c-7d2e8f6b1a44");
    let count = std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .count();
    // session, two agents, 15 tool calls (3 of them Bash processes).
    rotel.wait_for(count, 18);
    let spans = rotel.spans();
    let logs = rotel.logs();
    assert_eq!((spans.len(), logs.len()), (18, count));

    // One trace: the hook wrote no trace context of its own making but the
    // session's.
    let trace = spans[0].field("Trace ID").to_owned();
    assert_eq!(trace.len(), 32);
    assert!(spans
        .iter()
        .chain(&logs)
        .all(|r| r.field("Trace ID") == trace));

    // Every tool call is one span, found by its call id; Bash's a process.
    for (id, tool) in &calls {
        let found: Vec<&Record> = spans
            .iter()
            .filter(|s| s.attr("gen_ai.tool.call.id") == format!("Str({id})"))
            .collect();
        assert_eq!(found.len(), 1, "{tool} {id}: {spans:#?}");
        let span = found[0];
        if tool == "Bash" {
            assert!(span.field("Name").starts_with("process "), "{span:?}");
        } else {
            assert!(span.field("Name").starts_with("execute_tool "), "{span:?}");
            assert_eq!(span.attr("gen_ai.operation.name"), "Str(execute_tool)");
            assert_eq!(span.attr("gen_ai.tool.type"), "Str(function)");
        }
    }
    let by_call = |id: &str| {
        spans
            .iter()
            .find(|s| s.attr("gen_ai.tool.call.id") == format!("Str({id})"))
            .unwrap()
    };
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s.field("Name") == name)
            .unwrap_or_else(|| panic!("no span {name}"))
    };
    let main = by_name("invoke_agent claude-code");
    assert_eq!(main.attr("gen_ai.provider.name"), "Str(anthropic)");
    assert_eq!(main.field("Parent ID"), by_name("session").field("ID"));

    // The tools' own attributes.
    let read = by_call("toolu_01Read");
    assert!(read.attr("file.path").starts_with("Str(/"), "{read:?}");
    assert_eq!(read.field("Parent ID"), main.field("ID"));
    let fetch = by_call("toolu_01Fetch");
    assert_eq!(fetch.attr("server.port"), "Int(443)");
    assert!(fetch.attr("server.address").starts_with("Str("));
    let failed = by_call("toolu_01EditF");
    assert_eq!(failed.field("Status code"), "STATUS_CODE_ERROR");
    assert_eq!(failed.attr("error.type"), "Str(failed)");
    // rotel prints no status for UNSET.
    let edit = by_call("toolu_01Edit");
    assert_eq!(
        (edit.field("Status code"), edit.attr("error.type")),
        ("", "")
    );
    let bash = by_call("toolu_01BashA");
    assert!(
        bash.attr("process.command_args")
            .starts_with("Slice(Str(API_TOKEN="),
        "{bash:?}"
    );
    assert_eq!(bash.field("Kind"), "SPAN_KIND_CLIENT");
    let lint = by_call("toolu_01BashF");
    assert_eq!(lint.field("Status code"), "STATUS_CODE_ERROR");
    assert_eq!(
        lint.attr("process.command_args"),
        "Slice(Str(npm), Str(run), Str(lint))"
    );
    // The subagent's tool under the subagent, the subagent under the main.
    let glob = by_call("toolu_01Glob");
    let sub = spans
        .iter()
        .find(|s| s.field("ID") == glob.field("Parent ID"))
        .expect("the Glob's parent is exported");
    assert!(sub.field("Name").starts_with("invoke_agent "), "{sub:?}");
    assert_eq!(sub.attr("gen_ai.provider.name"), "Str(anthropic)");
    assert_eq!(sub.field("Parent ID"), main.field("ID"));

    // Log records point only at exported spans.
    let ids: BTreeSet<&str> = spans.iter().map(|s| s.field("ID")).collect();
    for log in &logs {
        let id = log.field("Span ID");
        assert!(id.is_empty() || ids.contains(id), "{log:?}");
    }
    assert!(
        !rotel.lines().iter().any(|l| l.contains("Failed to decode")),
        "{}",
        rotel.lines().join("\n")
    );
}
