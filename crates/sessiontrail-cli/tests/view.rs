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
    token: String,
    /// The Cookie header line the page sends after its first visit.
    auth: String,
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
        let (port, token) = line
            .trim()
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.split_once("/?token="))
            .unwrap_or_else(|| panic!("no URL with a token on stdout: {line:?}"));
        let port: u16 = port.parse().unwrap();
        assert_eq!(token.len(), 32, "{line}");
        let auth = format!("Cookie: sessiontrail_view_{port}={token}\r\n");
        Viewer {
            child,
            port,
            token: token.to_owned(),
            auth,
        }
    }

    fn request(&self, method: &str, target: &str, host: Option<&str>) -> (u16, String, Vec<u8>) {
        request(self.port, method, target, host, &self.auth)
    }

    fn get(&self, target: &str) -> (u16, Value) {
        get(self.port, target, &self.auth)
    }
}

/// `(status, headers, body)` of one request to the viewer on `port`.
/// `headers` are more header lines, each ending in CRLF.
fn request(
    port: u16,
    method: &str,
    target: &str,
    host: Option<&str>,
    headers: &str,
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let host = host.map_or_else(|| format!("127.0.0.1:{port}"), str::to_owned);
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n"
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
fn get(port: u16, target: &str, headers: &str) -> (u16, Value) {
    let (status, _, body) = request(port, "GET", target, None, headers);
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
    let auth = viewer.auth.clone();
    let waiting = std::thread::spawn(move || get(port, &target, &auth));
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
fn the_api_answers_only_with_the_token_and_the_printed_url_sets_it_as_a_cookie() {
    let tmp = TempDir::new("view-token");
    let root = tmp.path().join("root");
    append(&root.join("private"), "a", note("secret"));
    let viewer = Viewer::start(&root);
    let port = viewer.port;
    let targets = [
        "/api/sessions",
        "/api/sessions/private/events",
        "/api/sessions/private/events?offset=0&line=0&size=0&wait=20000",
        "/api/sessions/private/check",
    ];
    let wrong = format!("Cookie: sessiontrail_view_{port}={}\r\n", "0".repeat(32));
    let other_port = format!("Cookie: sessiontrail_view_1={}\r\n", viewer.token);
    for target in targets {
        for headers in ["", &wrong, &other_port] {
            let (status, _, body) = request(port, "GET", target, None, headers);
            assert_eq!(status, 403, "{target} with {headers:?}");
            let body = String::from_utf8(body).unwrap();
            assert!(body.contains("access token"), "{body}");
            assert!(!body.contains("secret"), "{body}");
        }
        let (status, _, _) = viewer.request("GET", target, None);
        assert_eq!(status, 200, "{target} with the cookie");
    }
    // A script may give the token in the query instead.
    let (status, list) = get(port, &format!("/api/sessions?token={}", viewer.token), "");
    assert_eq!(status, 200);
    assert_eq!(list["sessions"][0]["name"], "private");

    // The printed URL: the token becomes an HttpOnly, SameSite=Strict
    // cookie, and the redirect drops it from the address bar.
    let (status, head, _) = request(port, "GET", &format!("/?token={}", viewer.token), None, "");
    assert_eq!(status, 303, "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("location: /viewer/\r\n"), "{head}");
    assert!(
        head.contains(&format!(
            "set-cookie: sessiontrail_view_{port}={}; path=/; httponly; samesite=strict",
            viewer.token
        )),
        "{head}"
    );
    let (status, head, _) = request(port, "GET", "/viewer/?token=nottheone", None, "");
    assert_eq!(status, 403);
    assert!(!head.to_ascii_lowercase().contains("set-cookie"), "{head}");

    // Another user of this machine, who has the port but not the token
    // (as root: `nobody`, through curl).
    if unsafe { libc::geteuid() } == 0 {
        let out = Command::new("runuser")
            .args([
                "-u",
                "nobody",
                "--",
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
            ])
            .arg(format!(
                "http://127.0.0.1:{port}/api/sessions/private/events"
            ))
            .output()
            .expect("runuser and curl");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "403", "{out:?}");
    }
}

#[test]
fn a_hard_linked_log_is_neither_served_nor_read() {
    let tmp = TempDir::new("view-hardlink");
    let root = tmp.path().join("root");
    append(&root.join("own"), "a", note("mine"));
    let outside = tmp.path().join("someone-else");
    append(&outside, "b", note("theirs"));
    let linked = root.join("linked");
    std::fs::create_dir(&linked).unwrap();
    std::fs::hard_link(outside.join(EVENTS_FILE), linked.join(EVENTS_FILE)).unwrap();
    let viewer = Viewer::start(&root);
    let (status, answer) = viewer.get("/api/sessions/linked/events");
    assert_eq!(status, 403);
    let why = answer["error"].as_str().unwrap();
    assert!(why.contains("hard link"), "{why}");
    let (status, _) = viewer.get("/api/sessions/linked/check");
    assert_eq!(status, 403);
    let (_, list) = viewer.get("/api/sessions");
    let text = list.to_string();
    assert!(
        !text.contains("theirs") && text.contains("hard link"),
        "{text}"
    );
    let (status, _) = viewer.get("/api/sessions/own/events");
    assert_eq!(status, 200);
}

/// Reads one answer's status from `stream`, or `None` when the server
/// closed it without one.
fn status_of(stream: &mut TcpStream) -> Option<u16> {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    std::str::from_utf8(raw.get(9..12)?).ok()?.parse().ok()
}

#[test]
fn slow_idle_and_excess_connections_and_long_polls_do_not_stop_a_normal_request() {
    const MAX_CONNECTIONS: usize = 512;
    const MAX_WAITING: usize = 64;
    let tmp = TempDir::new("view-bounded");
    let root = tmp.path().join("root");
    append(&root.join("s"), "a", note("one"));
    let viewer = Viewer::start(&root);
    let port = viewer.port;
    let size = std::fs::metadata(root.join("s").join(EVENTS_FILE))
        .unwrap()
        .len();
    let connect = || {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A hung server fails the test instead of hanging it.
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        stream
    };
    // Long polls beyond the bound are answered 503 at once, not queued.
    let poll = format!(
        "GET /api/sessions/s/events?offset=0&line=0&size={size}&wait=25000 HTTP/1.1\r\n\
         Host: 127.0.0.1:{port}\r\n{}Connection: close\r\n\r\n",
        viewer.auth
    );
    let mut polls: Vec<TcpStream> = (0..MAX_WAITING + 6)
        .map(|_| {
            let mut s = connect();
            s.write_all(poll.as_bytes()).unwrap();
            s
        })
        .collect();
    // Slow (half-sent headers) and idle (nothing sent) connections.
    let mut slow: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut s = connect();
            s.write_all(b"GET /api/sessions HTTP/1.1\r\nHo").unwrap();
            s
        })
        .collect();
    let idle: Vec<TcpStream> = (0..100).map(|_| connect()).collect();
    let (status, list) = viewer.get("/api/sessions");
    assert_eq!(status, 200);
    assert_eq!(list["sessions"][0]["events"], 1);
    // The excess polls have their 503 (the others still wait): the last
    // ones sent, as the server takes them in order.
    let busy: Vec<Option<u16>> = polls
        .drain(MAX_WAITING..)
        .map(|mut s| status_of(&mut s))
        .collect();
    assert_eq!(busy, vec![Some(503); 6]);
    // A new event ends the waiting polls with it.
    append(&root.join("s"), "a", note("two"));
    for mut s in polls {
        assert_eq!(status_of(&mut s), Some(200));
    }
    // A connection that never finishes its headers is closed by the
    // server (hyper's header-read timeout), not kept.
    assert!(status_of(&mut slow[0]).is_none_or(|s| s == 408));

    // Connections over the bound get a 503 at once; the server serves
    // again once they are gone.
    let mut held: Vec<TcpStream> = (0..MAX_CONNECTIONS).map(|_| connect()).collect();
    let mut excess = connect();
    assert_eq!(status_of(&mut excess), Some(503));
    held.clear();
    drop((slow, idle));
    let mut served = None;
    for _ in 0..100 {
        let mut s = connect();
        write!(
            s,
            "GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{}Connection: close\r\n\r\n",
            viewer.auth
        )
        .unwrap();
        served = status_of(&mut s);
        if served == Some(200) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(served, Some(200));
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
