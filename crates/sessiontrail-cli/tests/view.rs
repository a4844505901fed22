//! `sessiontrail view` as a process: its HTTP API over real session
//! directories, through raw requests on a TcpStream (a test needs no HTTP
//! client to send a GET). What matters: it lists the sessions and serves
//! their events from a byte offset, waits for new ones, refuses every path
//! outside ROOT and every symlink, answers only to its own Host, and never
//! writes a file.

#![cfg(all(unix, feature = "view"))]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::TempDir;
use serde_json::Value;
use sessiontrail::{EventLog, EventType, EVENTS_FILE};

/// A running `sessiontrail view`, stopped when dropped.
struct Viewer {
    child: Child,
    port: u16,
}

impl Viewer {
    fn start(root: &Path) -> Viewer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
            .args(["view", root.to_str().unwrap(), "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("no URL on stdout: {line:?}"))
            .parse()
            .unwrap();
        Viewer { child, port }
    }

    fn request(&self, method: &str, target: &str, host: Option<&str>) -> (u16, String, Vec<u8>) {
        request(self.port, method, target, host)
    }

    fn get(&self, target: &str) -> (u16, Value) {
        get(self.port, target)
    }
}

/// `(status, headers, body)` of one request to the viewer on `port`.
fn request(port: u16, method: &str, target: &str, host: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let host = host.map_or_else(|| format!("127.0.0.1:{port}"), str::to_owned);
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    let status = head[9..12].parse().unwrap();
    (status, head, body)
}

/// The status and JSON body of a GET.
fn get(port: u16, target: &str) -> (u16, Value) {
    let (status, _, body) = request(port, "GET", target, None);
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let len = usize::from_str_radix(std::str::from_utf8(&body[..end]).unwrap(), 16).unwrap();
        if len == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + len]);
        body = &body[end + 4 + len..];
    }
}

fn append(dir: &Path, agent: &str, event_type: EventType) -> sessiontrail::SessionEvent {
    let mut event = common::make_event("ssn_view", event_type);
    event.agent_name = agent.into();
    EventLog::open(dir).unwrap().append(&mut event).unwrap();
    event
}

fn note(text: &str) -> EventType {
    EventType::AgentNote {
        text: Some(text.into()),
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            let key = path.strip_prefix(dir).unwrap().display().to_string();
            if kind.is_dir() {
                stack.push(path);
                files.insert(key + "/", Vec::new());
            } else if kind.is_symlink() {
                files.insert(key + " ->", Vec::new());
            } else {
                files.insert(key, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn lists_the_sessions_newest_first_with_counts_agents_and_verdicts() {
    let tmp = TempDir::new("view-list");
    let root = tmp.path();
    append(&root.join("older"), "planner", note("one"));
    append(&root.join("older"), "coder", note("two"));
    append(&root.join("newer"), "lone", note("three"));
    // A torn tail makes a session damaged.
    let damaged = root.join("damaged");
    append(&damaged, "x", note("four"));
    std::fs::OpenOptions::new()
        .append(true)
        .open(damaged.join(EVENTS_FILE))
        .unwrap()
        .write_all(b"{\"half")
        .unwrap();
    std::fs::create_dir(root.join("not-a-session")).unwrap();
    std::fs::write(root.join("stray-file"), b"x").unwrap();
    let before = snapshot(root);

    let viewer = Viewer::start(root);
    let (status, list) = viewer.get("/api/sessions");
    assert_eq!(status, 200);
    let sessions = list["sessions"].as_array().unwrap();
    let names: Vec<&str> = sessions
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["damaged", "newer", "older"],
        "newest last event first"
    );
    let older = &sessions[2];
    assert_eq!(older["events"], 2);
    assert_eq!(older["agents"], serde_json::json!(["coder", "planner"]));
    assert_eq!(older["session_ids"], serde_json::json!(["ssn_view"]));
    assert_eq!(older["ok"], true);
    assert_eq!(sessions[0]["ok"], false);
    assert_eq!(sessions[0]["tail_bytes"], 6);

    // A session that appears later is listed at the next request.
    append(&root.join("latest"), "late", note("five"));
    let (_, list) = viewer.get("/api/sessions");
    assert_eq!(list["sessions"][0]["name"], "latest");
    drop(viewer);

    let mut after = snapshot(root);
    after.retain(|k, _| !k.starts_with("latest"));
    assert_eq!(before, after, "the viewer wrote nothing");
}

#[test]
fn serves_events_after_a_byte_offset_and_waits_for_new_ones() {
    let tmp = TempDir::new("view-events");
    let dir = tmp.path().join("s");
    append(&dir, "a", note("first"));
    append(&dir, "a", note("second"));
    let viewer = Viewer::start(tmp.path());

    let (status, all) = viewer.get("/api/sessions/s/events?offset=0&line=0");
    assert_eq!(status, 200);
    let events = all["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["text"], "second");
    assert_eq!(all["line"], 2);
    assert_eq!(all["more"], false);
    let size = std::fs::metadata(dir.join(EVENTS_FILE)).unwrap().len();
    assert_eq!(all["offset"], size);
    assert_eq!(all["size"], size);

    // A long poll at the current size answers with the next append only.
    let target = format!("/api/sessions/s/events?offset={size}&line=2&size={size}&wait=20000");
    let port = viewer.port;
    let waiting = std::thread::spawn(move || get(port, &target));
    std::thread::sleep(std::time::Duration::from_millis(300));
    append(&dir, "a", note("third"));
    let (status, next) = waiting.join().unwrap();
    assert_eq!(status, 200);
    let events = next["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{next}");
    assert_eq!(events[0]["text"], "third");
    assert_eq!(events[0]["sequence_no"], 2);
    assert_eq!(next["line"], 3);

    // Unreadable lines are listed with their numbers and reasons; a torn
    // tail is counted, not read.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap();
    file.write_all(b"<script>alert(1)</script>\n{\"torn")
        .unwrap();
    let offset = next["offset"].as_u64().unwrap();
    let (_, bad) = viewer.get(&format!("/api/sessions/s/events?offset={offset}&line=3"));
    assert_eq!(bad["events"].as_array().unwrap().len(), 0);
    assert_eq!(bad["skipped"][0]["line"], 4);
    assert_eq!(bad["skipped"][0]["text"], "<script>alert(1)</script>");
    assert_eq!(bad["tail_bytes"], 6);

    // The integrity report is check()'s.
    let (status, report) = viewer.get("/api/sessions/s/check");
    assert_eq!(status, 200);
    assert_eq!(report["ok"], false);
    assert_eq!(report["events"], 3);
    assert_eq!(report["skipped"], 1);
    assert_eq!(report["tornTailBytes"], 6);
    assert_eq!(report["skippedLines"][0]["line"], 4);
}

/// A log replaced under a page's cursor (renamed over, longer than what
/// the page read) is not read from the page's offset: the answer says
/// `reset` and holds the new file's lines from the first.
#[test]
fn a_replaced_log_is_answered_from_its_first_line() {
    let tmp = TempDir::new("view-replaced");
    let dir = tmp.path().join("s");
    append(&dir, "a", note("old"));
    let viewer = Viewer::start(tmp.path());
    let (_, first) = viewer.get("/api/sessions/s/events?offset=0&line=0");
    assert_eq!(first["reset"], false);

    let other = tmp.path().join("elsewhere");
    for text in ["new one", "new two"] {
        append(&other, "a", note(text));
    }
    std::fs::rename(other.join(EVENTS_FILE), dir.join(EVENTS_FILE)).unwrap();
    // The offset of the page's cursor falls inside the new file's first
    // line: read from there, it would be half a line.
    let (status, next) = viewer.get(&format!(
        "/api/sessions/s/events?offset={}&line=1",
        first["offset"].as_u64().unwrap() - 3
    ));
    assert_eq!(status, 200);
    assert_eq!(next["reset"], true, "{next}");
    let texts: Vec<&str> = next["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["new one", "new two"]);
    assert_eq!(next["line"], 2);
}

#[test]
fn refuses_paths_outside_root_symlinks_other_hosts_and_writes() {
    let tmp = TempDir::new("view-refuse");
    let root = tmp.path().join("root");
    append(&root.join("real"), "a", note("inside"));
    // A session outside ROOT, reachable by `..` or through links.
    let outside = tmp.path().join("outside");
    append(&outside, "secret", note("outside"));
    std::os::unix::fs::symlink(&outside, root.join("linked")).unwrap();
    let half = root.join("half-linked");
    std::fs::create_dir(&half).unwrap();
    std::os::unix::fs::symlink(outside.join(EVENTS_FILE), half.join(EVENTS_FILE)).unwrap();
    let before = snapshot(tmp.path());

    let viewer = Viewer::start(&root);
    let (_, list) = viewer.get("/api/sessions");
    let names: Vec<&str> = list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["real"], "symlinked sessions are not listed");

    for (target, want) in [
        ("/api/sessions/linked/events", 403),
        ("/api/sessions/linked/check", 403),
        ("/api/sessions/half-linked/events", 403),
        ("/api/sessions/../outside/events", 400),
        ("/api/sessions/%2e%2e/events", 400),
        ("/api/sessions/..%2foutside/events", 400),
        ("/api/sessions/%2Ftmp/events", 400),
        ("/api/sessions/real%00/events", 400),
        ("/api/sessions/nope/events", 404),
        ("/api/sessions/real/../../outside/events", 400),
        ("/../Cargo.toml", 404),
        ("/viewer/../../Cargo.toml", 404),
    ] {
        let (status, body) = viewer.get(target);
        assert_eq!(status, want, "{target}: {body}");
        assert!(body["error"].is_string(), "{target}: {body}");
        assert!(
            !body.to_string().contains("\"outside\"}"),
            "{target} leaked: {body}"
        );
    }
    let (status, _) = viewer.get("/api/sessions/real/events");
    assert_eq!(status, 200);

    // Another site's page resolving its name to 127.0.0.1 is refused.
    let (status, _, _) = viewer.request("GET", "/api/sessions", Some("evil.example:80"));
    assert_eq!(status, 403);
    let (status, _, _) = viewer.request(
        "GET",
        "/api/sessions",
        Some(&format!("localhost:{}", viewer.port)),
    );
    assert_eq!(status, 200);
    for method in ["POST", "PUT", "DELETE"] {
        let (status, _, _) = viewer.request(method, "/api/sessions/real/events", None);
        assert_eq!(status, 405, "{method}");
    }
    drop(viewer);
    assert_eq!(before, snapshot(tmp.path()), "the viewer wrote nothing");
}

#[test]
fn a_session_directory_as_root_is_the_only_session_and_the_page_is_embedded() {
    let tmp = TempDir::new("view-single");
    let dir = tmp.path().join("ssn_single");
    append(&dir, "solo", note("hi"));
    let viewer = Viewer::start(&dir);
    let (_, list) = viewer.get("/api/sessions");
    assert_eq!(list["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(list["sessions"][0]["name"], "ssn_single");
    let (status, events) = viewer.get("/api/sessions/ssn_single/events");
    assert_eq!(status, 200);
    assert_eq!(events["events"][0]["agent_name"], "solo");
    let (status, _) = viewer.get("/api/sessions/other/events");
    assert_eq!(status, 404);

    let (status, head, body) = viewer.request("GET", "/viewer/", None);
    assert_eq!(status, 200);
    let page = String::from_utf8(body).unwrap();
    assert!(
        page.contains("data-source=\"server\""),
        "served in server mode"
    );
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("content-security-policy: default-src 'self'; script-src 'self'"),
        "{head}"
    );
    for asset in [
        "/viewer/app.js",
        "/timeline.js",
        "/style.css",
        "/viewer/viewer.css",
    ] {
        let (status, _, body) = viewer.request("GET", asset, None);
        assert_eq!(status, 200, "{asset}");
        assert!(!body.is_empty(), "{asset}");
    }
    let (status, head, _) = viewer.request("GET", "/", None);
    assert_eq!(status, 303);
    assert!(
        head.to_ascii_lowercase().contains("location: /viewer/"),
        "{head}"
    );
}

#[test]
fn bad_arguments_are_named() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["view"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not provided:\n  <ROOT_OR_DIR>"), "{err}");
    let (code, err) = run(&["view", "/nonexistent/sessiontrail-view", "--port", "0"]);
    assert_eq!(code, Some(3));
    assert!(err.contains("/nonexistent/sessiontrail-view"), "{err}");
    let (code, err) = run(&["view", ".", "--port", "70000"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("for '--port <N>': expected an integer from 0 to 65535"),
        "{err}"
    );
    let (code, err) = run(&["view", ".", "--bogus"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--bogus"), "{err}");

    let tmp = TempDir::new("view-link-root");
    append(&tmp.path().join("real"), "a", note("x"));
    std::os::unix::fs::symlink(tmp.path().join("real"), tmp.path().join("link")).unwrap();
    let (code, err) = run(&[
        "view",
        tmp.path().join("link").to_str().unwrap(),
        "--port",
        "0",
    ]);
    assert_eq!(code, Some(3));
    assert!(err.contains("symbolic link"), "{err}");
}
