//! `sessiontrail`: the command-line tool over a session directory.
//!
//! An agent hook fires once per tool call and is usually one process per
//! firing, so this binary is the fast path for shell and hook users: one
//! lock, one write, no runtime to start. Errors go to stderr with a non-zero
//! exit and nothing half-written.
//!
//! This file parses the command line and holds the small commands (`append`,
//! `cat`, `check`); a command with more to it lives in a module of its own
//! beside this file.

// Native only. Cargo builds every bin for integration tests, the wasm32
// suites (tests/wasm_*.rs) included, so under wasm this is an empty program.
#![cfg_attr(target_family = "wasm", no_main)]
#![cfg(not(target_family = "wasm"))]

#[cfg(feature = "hook")]
mod hook;
mod stdin_events;
#[cfg(feature = "view")]
mod view;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[cfg(feature = "otlp")]
mod otlp;

use sessiontrail::{
    event_from_json, Durability, EventLog, EventLogError, LockWait, Options, SessionEvent,
};

const USAGE: &str = "\
usage:
  sessiontrail append DIR [EVENT_JSON] [--sync] [--timeout-ms N]
      Append one event (from the argument), or every JSON object on stdin
      (one batch, one lock). Fills event_id, timestamp, trace_id and span_id
      when absent; prints each stored event as one JSON line.
  sessiontrail cat DIR [--pretty] [--from SEQ]
      Print the events as JSON lines, or as a readable timeline.
      Unreadable lines are skipped and counted on stderr.
  sessiontrail check DIR [--json]
      Report events, skipped lines, duplicate and missing sequence numbers,
      a torn tail and the counter. Exit 1 when the log is damaged.
  sessiontrail hook claude-code|gemini-cli   (see `sessiontrail hook --help`)
  sessiontrail view ROOT_OR_DIR [--port N] [--open]
      A read-only web viewer on 127.0.0.1 (default port 8787; 0 picks a
      free one; the URL is printed): the sessions under ROOT (or the one
      session DIR), each with its timeline, agent tree, span waterfall,
      side effects, totals and integrity, live while writers append.
  sessiontrail otlp PATH... (--endpoint URL | --output FILE) [--follow]
                  [--header NAME=VALUE]... [--batch N] [--give-up-after SECS]
      Ship sessions to an OpenTelemetry receiver as OTLP/HTTP JSON spans and
      log records (URL is the base, as OTEL_EXPORTER_OTLP_ENDPOINT, which is
      read when --endpoint is absent; headers from OTEL_EXPORTER_OTLP_HEADERS
      when no --header), or append OTLP/JSON lines to FILE.
      Each event once: a cursor beside each log moves after every 2xx.
      --follow keeps shipping new events and new sessions. Exit 4 when the
      receiver refuses (400) or stays unreachable.

DIR is a session directory holding events.jsonl (created by the first append).
PATH is a session directory or a directory of them.
";

/// Exit codes: 0 ok, 1 a damaged log (check), 2 bad usage or input, 3 the
/// log could not be read or written, 4 sessions could not be shipped (otlp).
enum Failure {
    Usage(String),
    Input(String),
    Log(EventLogError),
    Damaged,
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    Ship(String),
}

impl From<EventLogError> for Failure {
    fn from(e: EventLogError) -> Self {
        match e {
            EventLogError::InvalidEvent(why) => Failure::Input(why),
            other => Failure::Log(other),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Log(EventLogError::Io(e))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Its own exit codes: an agent reads 2 as "block", so a hook never uses it.
    #[cfg(feature = "hook")]
    if args.first().map(String::as_str) == Some("hook") {
        return hook::main(&args[1..]);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Damaged) => ExitCode::from(1),
        Err(Failure::Usage(why)) => {
            eprintln!("sessiontrail: {why}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Input(why)) => {
            // Some reasons (from the log itself) already say it.
            let said = why.ends_with("nothing was written");
            let tail = if said { "" } else { "; nothing was written" };
            eprintln!("sessiontrail: invalid event: {why}{tail}");
            ExitCode::from(2)
        }
        Err(Failure::Log(e)) => {
            eprintln!("sessiontrail: {e}");
            ExitCode::from(3)
        }
        Err(Failure::Ship(why)) => {
            eprintln!("sessiontrail otlp: {why}");
            ExitCode::from(4)
        }
    }
}

/// The command line split into positional words and `--flags`.
struct Args<'a> {
    words: Vec<&'a str>,
    flags: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Args<'a> {
    /// `with_value` names the flags that take the next word as their value.
    fn parse(args: &'a [String], with_value: &[&str]) -> Result<Self, Failure> {
        let mut parsed = Args {
            words: Vec::new(),
            flags: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if let Some(flag) = arg.strip_prefix("--") {
                if with_value.contains(&flag) {
                    let value = it
                        .next()
                        .ok_or_else(|| Failure::Usage(format!("--{flag} needs a value")))?;
                    parsed.flags.push((flag, Some(value)));
                } else {
                    parsed.flags.push((flag, None));
                }
            } else {
                parsed.words.push(arg);
            }
        }
        Ok(parsed)
    }

    fn allow(&self, known: &[&str]) -> Result<(), Failure> {
        match self.flags.iter().find(|(f, _)| !known.contains(f)) {
            Some((f, _)) => Err(Failure::Usage(format!("unknown option --{f}"))),
            None => Ok(()),
        }
    }

    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|(f, _)| *f == flag)
    }

    fn number(&self, flag: &str) -> Result<Option<u64>, Failure> {
        match self.flags.iter().find(|(f, _)| *f == flag) {
            None => Ok(None),
            Some((_, value)) => {
                let value = value.unwrap_or_default();
                value.parse().map(Some).map_err(|_| {
                    Failure::Usage(format!(
                        "--{flag} takes a non-negative integer, got {value:?}"
                    ))
                })
            }
        }
    }

    fn dir(&self, max_words: usize) -> Result<PathBuf, Failure> {
        match self.words.as_slice() {
            [] => Err(Failure::Usage("missing DIR".into())),
            words if words.len() > max_words => Err(Failure::Usage(format!(
                "unexpected argument {:?}",
                words[max_words]
            ))),
            [dir, ..] => Ok(PathBuf::from(dir)),
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::Usage("missing command".into()));
    };
    match command.as_str() {
        "append" => append(rest),
        "cat" => cat(rest),
        "check" => check(rest),
        #[cfg(feature = "view")]
        "view" => view::run(rest),
        #[cfg(not(feature = "view"))]
        "view" => Err(Failure::Usage(
            "this sessiontrail was built without the `view` feature".into(),
        )),
        #[cfg(feature = "otlp")]
        "otlp" => otlp::run(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        "-V" | "--version" => {
            println!("sessiontrail {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        other => Err(Failure::Usage(format!("unknown command {other:?}"))),
    }
}

fn append(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["timeout-ms"])?;
    args.allow(&["sync", "timeout-ms"])?;
    let dir = args.dir(2)?;
    let options = Options {
        durability: if args.has("sync") {
            Durability::Sync
        } else {
            Durability::Buffered
        },
        lock_wait: match args.number("timeout-ms")? {
            Some(ms) => LockWait::Timeout(Duration::from_millis(ms)),
            None => LockWait::Block,
        },
        ..Options::default()
    };
    // Open first (it writes nothing): a DIR that cannot be a log is
    // refused before stdin is read.
    let log = EventLog::open_with(&dir, options)?;
    // Parse and check every event before touching the log, so bad input
    // writes nothing.
    let mut events = match args.words.get(1) {
        Some(json) => parse_events(stdin_events::JsonTexts::new(
            json.as_bytes(),
            options.max_line_bytes,
        ))?,
        None => parse_events(stdin_events::JsonTexts::new(
            std::io::BufReader::with_capacity(64 * 1024, std::io::stdin().lock()),
            options.max_line_bytes,
        ))?,
    };
    log.append_batch(&mut events)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for event in &events {
        serde_json::to_writer(&mut out, event).map_err(EventLogError::Json)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Every JSON value in the input, each checked as an event (strictly: see
/// `event_from_json`). Numbering in messages is 1-based, matching the order
/// on stdin; the first event is numbered only when others follow it.
fn parse_events<R: std::io::BufRead>(
    mut texts: stdin_events::JsonTexts<R>,
) -> Result<Vec<SessionEvent>, Failure> {
    use stdin_events::TextError;
    let mut events = Vec::new();
    let mut pending: Option<Failure> = None;
    loop {
        let n = events.len() + 1 + usize::from(pending.is_some());
        let text = match texts.next_text() {
            Ok(Some(text)) => text,
            Ok(None) => break,
            Err(TextError::Read(e)) => {
                return Err(Failure::Input(format!("could not read stdin: {e}")))
            }
            Err(TextError::TooLong) => {
                return Err(Failure::Input(format!(
                    "event {n} is longer than the line limit of {} bytes (refused after reading that much of it)",
                    sessiontrail::DEFAULT_MAX_LINE_BYTES
                )))
            }
            Err(TextError::NotUtf8) => {
                return Err(Failure::Input(format!("event {n} is not UTF-8")))
            }
        };
        // The first event's error is worded as a single event's until a
        // second value shows it was a batch.
        if let Some(failure) = pending.take() {
            return Err(number_first(failure));
        }
        match event_from_json(&text) {
            Ok(event) => events.push(event),
            Err(EventLogError::InvalidEvent(why)) if n > 1 => {
                return Err(Failure::Input(format!("event {n}: {why}")))
            }
            Err(e) => pending = Some(Failure::from(e)),
        }
    }
    if let Some(failure) = pending {
        return Err(failure);
    }
    if events.is_empty() {
        return Err(Failure::Input(
            "no event given (pass EVENT_JSON or pipe JSON to stdin)".into(),
        ));
    }
    Ok(events)
}

/// Prefixes the first event's error with its number, in a batch.
fn number_first(failure: Failure) -> Failure {
    match failure {
        Failure::Input(why) => Failure::Input(format!("event 1: {why}")),
        other => other,
    }
}

/// Readers need a session that exists: an empty report for a mistyped
/// path would look like a healthy empty log.
fn existing_session(dir: PathBuf) -> Result<PathBuf, Failure> {
    match std::fs::symlink_metadata(&dir) {
        Ok(_) => Ok(dir),
        Err(e) => Err(Failure::Log(EventLogError::Io(std::io::Error::new(
            e.kind(),
            format!("no session directory at {}: {e}", dir.display()),
        )))),
    }
}

fn cat(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["from"])?;
    args.allow(&["pretty", "from"])?;
    let dir = existing_session(args.dir(1)?)?;
    let log = EventLog::open(&dir)?;
    let mut events = log.read_from(args.number("from")?.unwrap_or(0))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let pretty = args.has("pretty");
    for event in &mut events {
        let event = event?;
        if pretty {
            writeln!(out, "{}", timeline_row(&event))?;
        } else {
            serde_json::to_writer(&mut out, &event).map_err(EventLogError::Json)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if events.skipped() > 0 {
        eprintln!(
            "sessiontrail: skipped {} unreadable line(s); run `sessiontrail check {}` for details",
            events.skipped(),
            dir.display()
        );
    }
    Ok(())
}

/// `  12  08:00:01.250  agent.called_tool      claude-code  tool_name=bash duration_ms=42`
fn timeline_row(event: &SessionEvent) -> String {
    let time = event
        .timestamp
        .split_once('T')
        .map_or(event.timestamp.as_str(), |(_, t)| t.trim_end_matches('Z'));
    let mut fields = String::new();
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&event.event_type) {
        for (key, value) in map.iter().filter(|(k, _)| k.as_str() != "type") {
            let shown = match value {
                serde_json::Value::String(s) if !s.contains(char::is_whitespace) => s.clone(),
                other => other.to_string(),
            };
            fields.push_str(&format!(" {key}={shown}"));
        }
    }
    let row = format!(
        "{:>5}  {:<12}  {:<24} {}{}",
        event.sequence_no,
        time,
        event.event_type.name(),
        event.agent_name,
        fields
    );
    printable(&row)
}

/// `text` safe to print on a terminal: control characters (a newline
/// would forge a timeline row, ESC starts a terminal escape sequence, C1
/// controls too) and the bidirectional overrides that reorder what is
/// shown are written as `\u{…}` escapes (`\n`, `\t`, `\r` as such).
fn printable(text: &str) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn check(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &[])?;
    args.allow(&["json"])?;
    let dir = existing_session(args.dir(1)?)?;
    let report = EventLog::open(&dir)?.check()?;
    if args.has("json") {
        let mut value = serde_json::to_value(&report).map_err(EventLogError::Json)?;
        value["ok"] = serde_json::Value::Bool(report.is_ok());
        println!("{value}");
    } else {
        println!("{}", dir.join(sessiontrail::EVENTS_FILE).display());
        // Reasons quote what was in the file: escaped for the terminal.
        for line in report.to_string().lines() {
            println!("{}", printable(line));
        }
    }
    if report.is_ok() {
        Ok(())
    } else {
        Err(Failure::Damaged)
    }
}
