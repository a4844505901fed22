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
//! Access: 127.0.0.1 does not separate the users of one machine, so the
//! server makes a random token at start and prints it in its URL
//! (`/?token=T`). The first visit with it gets the token as an HttpOnly,
//! SameSite=Strict cookie and a redirect that drops it from the address
//! bar; every /api request without the cookie (or `?token=T`, for scripts)
//! is refused with 403. The page's own files are the binary's and hold
//! nothing of a log, so they are served without it.
//!
//! HTTP API (JSON):
//!   GET /api/sessions                       the start page's list, newest first
//!   GET /api/sessions/NAME/events?offset=B&line=L[&size=S&wait=MS]
//!                                           the events after byte B (line L)
//!   GET /api/sessions/NAME/check            the integrity report (check())

mod assets;
pub(crate) mod follow;
mod server;
mod sessions;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use sessiontrail::{EventLog, EventLogError, EVENTS_FILE};

use crate::failure::Failure;
use sessions::{Catalog, Refusal, Root};

const DEFAULT_PORT: u16 = 8787;
/// The longest a page's request for new events waits for one.
const MAX_WAIT: Duration = Duration::from_secs(25);
/// How often a waiting request looks at the file's size.
pub const POLL: Duration = Duration::from_millis(200);
/// Bytes of lines per answer: a large session loads in a few answers, each
/// shown as it arrives.
const EVENTS_BUDGET: u64 = 4 << 20;

pub struct State {
    root: Root,
    /// The access token (hex) and the name of the cookie holding it (the
    /// port is in the name: cookies are not kept per port, and two viewers
    /// on one machine must not overwrite each other's).
    token: String,
    cookie: String,
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
    let token = new_token()?;
    let url = format!("http://127.0.0.1:{port}/?token={token}");
    let mut out = std::io::stdout().lock();
    writeln!(out, "{url}")?;
    out.flush()?;
    drop(out);
    eprintln!(
        "sessiontrail view: serving {} read-only at {url} (Ctrl-C stops)",
        dir.display()
    );
    eprintln!("sessiontrail view: the token in the URL is the key; anyone without it gets 403");
    if open {
        open_browser(&url);
    }
    let state = Arc::new(State {
        root,
        catalog: Catalog::new(),
        token,
        cookie: format!("sessiontrail_view_{port}"),
        hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
    });
    server::serve(listener, state)?;
    Ok(())
}

/// 128 random bits from the OS, in hex.
fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal without returning early at the first difference, so the time an
/// answer takes says nothing about how much of a guessed token was right.
fn same_token(given: &str, token: &str) -> bool {
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The value of query parameter `key`, as given (tokens and numbers need
/// no decoding).
fn query_param<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

impl State {
    /// Whether the request carries the token: the cookie (the page) or
    /// `?token=` (a script). A Cookie header is `name=value` pairs split
    /// by `; ` (RFC 6265 §4.2.1); only ours is looked at.
    fn admitted(&self, cookies: Option<&str>, query: &str) -> bool {
        let cookie = cookies.into_iter().flat_map(|c| c.split(';')).any(|pair| {
            pair.trim()
                .split_once('=')
                .is_some_and(|(k, v)| k == self.cookie && same_token(v, &self.token))
        });
        cookie || query_param(query, "token").is_some_and(|t| same_token(t, &self.token))
    }
}

/// The request as `answer` needs it.
pub struct Request<'r> {
    pub method: &'r str,
    pub host: Option<&'r str>,
    pub cookies: Option<&'r str>,
    pub target: &'r str,
}

/// A long poll the server waits for (without a thread) before answering:
/// the events file and the size the page last saw, and for how long.
pub struct Wait {
    pub path: std::path::PathBuf,
    pub seen: u64,
    pub wait: Duration,
}

/// Refuses what no answer is given to (wrong method, Host or token), else
/// says whether the request is a long poll to wait for.
pub fn admit(state: &State, request: &Request) -> Result<Option<Wait>, Reply> {
    if request.method != "GET" && request.method != "HEAD" {
        return Err(error(405, "the viewer is read-only: GET only".into()));
    }
    let host = request.host;
    if !host.is_some_and(|h| state.hosts.iter().any(|ok| ok == h)) {
        return Err(error(403, format!("unexpected Host header {host:?}")));
    }
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target, ""));
    let Some(rest) = path.strip_prefix("/api/") else {
        return Ok(None);
    };
    if !state.admitted(request.cookies, query) {
        return Err(error(
            403,
            "no access token: open the URL that `sessiontrail view` printed (it holds the token)"
                .into(),
        ));
    }
    let Some(name) = rest
        .strip_prefix("sessions/")
        .and_then(|r| r.strip_suffix("/events"))
    else {
        return Ok(None);
    };
    let (Some(seen), Ok(name)) = (
        query_param(query, "size").and_then(|v| v.parse().ok()),
        percent_decode_str(name).decode_utf8(),
    ) else {
        return Ok(None);
    };
    let Ok(dir) = state.root.resolve(&name) else {
        return Ok(None);
    };
    let wait = query_param(query, "wait")
        .and_then(|v| v.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis)
        .min(MAX_WAIT);
    Ok(Some(Wait {
        path: dir.join(EVENTS_FILE),
        seen,
        wait,
    }))
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

/// The answer to one request (blocking: it may read a large file). A long
/// poll's wait is over by now (see `admit`).
pub fn answer(state: &State, request: &Request) -> Reply {
    if let Err(refused) = admit(state, request) {
        return refused;
    }
    let target = request.target;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if let Some(token) = query_param(query, "token").filter(|_| !path.starts_with("/api/")) {
        return login(state, path, token);
    }
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

/// The printed URL's first visit: the token becomes a cookie and the
/// address bar loses it (a redirect to the same page without the query).
fn login(state: &State, path: &str, token: &str) -> Reply {
    if !same_token(token, &state.token) {
        return error(
            403,
            "wrong access token: open the URL that `sessiontrail view` printed".into(),
        );
    }
    let to = if path == "/" { "/viewer/" } else { path };
    Reply::new(303, Vec::new())
        .with("Location", to)
        .with(
            "Set-Cookie",
            &format!(
                "{}={}; Path=/; HttpOnly; SameSite=Strict",
                state.cookie, state.token
            ),
        )
        .with("Cache-Control", "no-store")
        .with("Referrer-Policy", "no-referrer")
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
                Refusal::Symlink(_) | Refusal::HardLink(_) => 403,
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

/// The events after the page's cursor (a long poll has waited already,
/// see `admit`).
fn events(dir: &Path, query: &str) -> Result<Reply, EventLogError> {
    let param = |key: &str| -> Option<u64> { query_param(query, key).and_then(|v| v.parse().ok()) };
    let from = sessiontrail::tail::Position {
        offset: param("offset").unwrap_or(0),
        line: param("line").unwrap_or(0),
    };
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
