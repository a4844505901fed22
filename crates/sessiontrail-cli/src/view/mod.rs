//! `sessiontrail view ROOT_OR_DIR [--port N] [--open]`: a local, read-only web
//! viewer for session directories, live while writers append.
//!
//! The page (www/viewer/, plain ES modules) is embedded in the binary, so
//! the command works after `cargo install` with nothing on disk. The server
//! (`server`, hyper) listens on 127.0.0.1 only; it answers GETs and never
//! writes a file. This module decides the answers.
//!
//! Live updates are long polls: the page asks for the lines
//! after the byte offset it has seen, with the file size it last saw; the
//! server answers at once when the size differs, else checks the size every
//! 200 ms (a `stat`, nothing read) until it does or the wait ends. The
//! server keeps no state per page, so its memory stays flat however long a
//! session grows.
//!
//! HTTP API (JSON):
//!   GET /api/sessions                       the start page's list, newest first
//!   GET /api/sessions/NAME/events?offset=B&line=L[&size=S&wait=MS]
//!                                           the events after byte B (line L)
//!   GET /api/sessions/NAME/check            the integrity report (check())

mod assets;
mod follow;
mod server;
mod sessions;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use sessiontrail::{EventLog, EventLogError, EVENTS_FILE};

use crate::failure::Failure;
use sessions::{Catalog, Refusal, Root};

const DEFAULT_PORT: u16 = 8787;
/// The longest a page's request for new events waits for one.
const MAX_WAIT: Duration = Duration::from_secs(25);
/// How often a waiting request looks at the file's size.
const POLL: Duration = Duration::from_millis(200);
/// Bytes of lines per answer: a large session loads in a few answers, each
/// shown as it arrives.
const EVENTS_BUDGET: u64 = 4 << 20;

pub struct State {
    root: Root,
    catalog: Catalog,
    /// The Host headers this server answers to (DNS rebinding defence: a
    /// page from elsewhere that resolves its own name to 127.0.0.1 is
    /// refused).
    hosts: [String; 2],
}

/// An answer, whatever server sends it.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
        }
    }

    fn with(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// A read-only web viewer of sessions on 127.0.0.1, live while writers
/// append.
///
/// Serves the sessions under ROOT (or the one session DIR), each with its
/// timeline, agent tree, span waterfall, side effects, totals and
/// integrity; prints the URL. Never writes a file.
#[derive(clap::Args)]
pub struct Args {
    /// A directory of sessions, or one session directory
    #[arg(value_name = "ROOT_OR_DIR", value_parser = crate::values::path())]
    dir: std::path::PathBuf,
    /// The port on 127.0.0.1; 0 picks a free one
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PORT, value_parser = crate::values::port, allow_negative_numbers = true)]
    port: u16,
    /// Open the URL in the default browser
    #[arg(long)]
    open: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let Args { dir, port, open } = args;
    let root = Root::new(&dir).map_err(|why| failure(std::io::ErrorKind::NotFound, why))?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        failure(
            e.kind(),
            format!("cannot listen on 127.0.0.1:{port}: {e} (--port 0 picks a free port)"),
        )
    })?;
    let port = listener.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}/");
    let mut out = std::io::stdout().lock();
    writeln!(out, "{url}")?;
    out.flush()?;
    drop(out);
    eprintln!(
        "sessiontrail view: serving {} read-only at {url} (Ctrl-C stops)",
        dir.display()
    );
    if open {
        open_browser(&url);
    }
    let state = Arc::new(State {
        root,
        catalog: Catalog::new(),
        hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
    });
    server::serve(listener, state)?;
    Ok(())
}

fn failure(kind: std::io::ErrorKind, why: String) -> Failure {
    Failure::Log(EventLogError::Io(std::io::Error::new(kind, why)))
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("sessiontrail view: could not run {opener} ({e}); open {url} yourself");
    }
}

/// The answer to one request. Blocking: a request for new events may wait
/// (see `events`).
pub fn answer(state: &State, method: &str, host: Option<&str>, target: &str) -> Reply {
    if method != "GET" && method != "HEAD" {
        return error(405, "the viewer is read-only: GET only".into());
    }
    if !host.is_some_and(|h| state.hosts.iter().any(|ok| ok == h)) {
        return error(403, format!("unexpected Host header {host:?}"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/" => Reply::new(303, Vec::new()).with("Location", "/viewer/"),
        "/viewer" | "/viewer/" => asset("/viewer/index.html"),
        "/api/sessions" => json_answer(&state.catalog.list(&state.root)),
        _ => match path.strip_prefix("/api/sessions/") {
            Some(rest) => session_api(state, rest, query),
            None => asset(path),
        },
    }
}

fn session_api(state: &State, rest: &str, query: &str) -> Reply {
    let Some((name, what)) = rest.rsplit_once('/') else {
        return error(404, format!("no such API: {rest:?}"));
    };
    let Ok(name) = percent_decode_str(name).decode_utf8() else {
        return error(400, "a session name must be UTF-8".into());
    };
    let dir = match state.root.resolve(&name) {
        Ok(dir) => dir,
        Err(refusal) => {
            let status = match refusal {
                Refusal::BadName(_) => 400,
                Refusal::Symlink(_) => 403,
                Refusal::NotFound(_) => 404,
            };
            return error(status, refusal.to_string());
        }
    };
    let result = match what {
        "events" => events(&dir, query),
        "check" => check(&dir),
        _ => return error(404, format!("no such API: {what:?}")),
    };
    result.unwrap_or_else(|e| error(500, format!("cannot read session {name:?}: {e}")))
}

/// The events after the page's cursor, waiting (up to `wait` ms) while the
/// file still has the size the page last saw.
fn events(dir: &Path, query: &str) -> Result<Reply, EventLogError> {
    let param = |key: &str| -> Option<u64> {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse().ok())
    };
    let from = sessiontrail::tail::Position {
        offset: param("offset").unwrap_or(0),
        line: param("line").unwrap_or(0),
    };
    let path = dir.join(EVENTS_FILE);
    if let Some(seen) = param("size") {
        let wait = Duration::from_millis(param("wait").unwrap_or(0)).min(MAX_WAIT);
        let deadline = Instant::now() + wait;
        while follow::size_of(&path)? == seen && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
    }
    let batch = follow::read_after(dir, from, EVENTS_BUDGET)?;
    let mut out = Vec::with_capacity(batch.json.len() + 256);
    write!(
        out,
        "{{\"offset\":{},\"line\":{},\"size\":{},\"tail_bytes\":{},\"more\":{},\"reset\":{},\"events\":[",
        batch.next.offset, batch.next.line, batch.size, batch.tail_bytes, batch.more, batch.reset
    )?;
    out.extend_from_slice(&batch.json);
    out.extend_from_slice(b"],\"skipped\":");
    let skipped: Vec<Value> = batch
        .skipped
        .iter()
        .map(|s| json!({ "line": s.line, "reason": s.reason, "text": s.text }))
        .collect();
    serde_json::to_writer(&mut out, &skipped)?;
    out.push(b'}');
    // The cursor again in headers, so that a page loading a large session
    // asks for the next part while it still parses this one.
    Ok(api_reply(Reply::new(200, out))
        .with("X-Next-Offset", &batch.next.offset.to_string())
        .with("X-Next-Line", &batch.next.line.to_string())
        .with("X-More", if batch.more { "1" } else { "0" }))
}

/// The crate's integrity report, in the shape npm's `check()` gives the
/// recorder (so both pages render it with the same code) and `check --json`
/// prints: one writer, `CheckReport::write_json`.
fn check(dir: &Path) -> Result<Reply, EventLogError> {
    let report = EventLog::open(dir)?.check()?;
    let mut out = Vec::new();
    report.write_json(&mut out);
    Ok(api_reply(Reply::new(200, out)))
}

fn asset(path: &str) -> Reply {
    let Some(asset) = assets::find(path) else {
        return error(404, format!("not found: {path}"));
    };
    // The same page opens dropped files when served from www/; served from
    // here it reads the sessions under ROOT.
    let body = if asset.path == "/viewer/index.html" {
        asset
            .body
            .replacen("data-source=\"file\"", "data-source=\"server\"", 1)
            .into_bytes()
    } else {
        asset.body.as_bytes().to_vec()
    };
    Reply::new(200, body)
        .with("Content-Type", asset.kind)
        .with("Cache-Control", "no-cache")
        .with("X-Content-Type-Options", "nosniff")
        .with("Referrer-Policy", "no-referrer")
        // Nothing but this server's own files runs or loads, whatever a log
        // holds: no inline script, no other origin.
        .with(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        )
}

fn json_answer(value: &Value) -> Reply {
    api_reply(Reply::new(200, value.to_string().into_bytes()))
}

fn api_reply(reply: Reply) -> Reply {
    reply
        .with("Content-Type", "application/json; charset=utf-8")
        .with("Cache-Control", "no-store")
        .with("X-Content-Type-Options", "nosniff")
}

fn error(status: u16, message: String) -> Reply {
    let mut reply = json_answer(&json!({ "error": message }));
    reply.status = status;
    reply
}
