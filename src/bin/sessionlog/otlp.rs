//! `sessionlog otlp`: ships sessions to an OpenTelemetry receiver as
//! OTLP/HTTP JSON spans and log records, or to a file of OTLP/JSON lines,
//! once or following live, each event exactly once.
//!
//! The mapping is the library's (`sessionlog::otlp`); this module finds the
//! sessions, reads each from where its cursor says the receiver stopped
//! acknowledging (`cursor.rs`), sends, retries what is worth retrying
//! (`sink.rs`), and moves the cursor only after a 2xx. On start every
//! session is read from its first line: the events already shipped are fed
//! to the mapper without sending, which rebuilds the spans still open, so
//! a span whose start was shipped before a restart still ends after it.

mod cursor;
mod sink;
mod tail;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sessionlog::otlp::{AnyValue, Mapper, OtlpBatch};
use sessionlog::EVENTS_FILE;

use crate::{Args, Failure};
use cursor::Cursor;
use sink::{SendError, Signal, Sink};

/// How often a followed session is looked at: new events go out well
/// within a second of their append.
const POLL: Duration = Duration::from_millis(200);
/// How often the PATHs are searched again for new sessions.
const RESCAN: Duration = Duration::from_secs(1);
const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(5);

struct Opts {
    follow: bool,
    batch: usize,
    /// `None` with `--follow`: a follower waits for its receiver forever.
    give_up_after: Option<Duration>,
    resource: Vec<sessionlog::otlp::KeyValue>,
}

struct Session {
    dir: PathBuf,
    tail: tail::Tail,
    mapper: Mapper,
    cursor: Cursor,
    reported_skipped: u64,
}

pub(crate) fn run(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["endpoint", "output", "batch", "give-up-after"])?;
    args.allow(&["endpoint", "output", "batch", "give-up-after", "follow"])?;
    let value = |flag: &str| {
        args.flags
            .iter()
            .find(|(f, _)| *f == flag)
            .and_then(|(_, v)| *v)
    };
    if args.words.is_empty() {
        return Err(Failure::Usage(
            "otlp: missing PATH (a session directory or a root of them)".into(),
        ));
    }
    let follow = args.has("follow");
    let batch = match args.number("batch")? {
        None => 1000,
        Some(n @ 1..=100_000) => n as usize,
        Some(n) => {
            return Err(Failure::Usage(format!(
                "--batch takes 1 to 100000 events, got {n}"
            )))
        }
    };
    let give_up_after = match args.number("give-up-after")? {
        Some(secs) => Some(Duration::from_secs(secs)),
        None if follow => None,
        None => Some(Duration::from_secs(30)),
    };
    let paths: Vec<PathBuf> = args.words.iter().map(PathBuf::from).collect();
    for path in &paths {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Failure::Usage(format!(
                    "otlp: refusing {}: it is a symbolic link",
                    path.display()
                )))
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(Failure::Usage(format!(
                    "otlp: {} is not a directory (give a session directory or a root of them)",
                    path.display()
                )))
            }
            Err(e) => {
                return Err(Failure::Usage(format!(
                    "otlp: no directory at {}: {e}",
                    path.display()
                )))
            }
        }
    }
    let env_endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty());
    let mut sink = match (value("endpoint"), value("output")) {
        (Some(_), Some(_)) => {
            return Err(Failure::Usage(
                "otlp: give --endpoint or --output, not both".into(),
            ))
        }
        (None, Some(file)) => Sink::file(Path::new(file)).map_err(Failure::Usage)?,
        (Some(endpoint), None) => Sink::http(endpoint).map_err(Failure::Usage)?,
        (None, None) => match env_endpoint {
            Some(endpoint) => Sink::http(&endpoint).map_err(Failure::Usage)?,
            None => return Err(Failure::Usage(
                "otlp: give --endpoint URL (or set OTEL_EXPORTER_OTLP_ENDPOINT), or --output FILE"
                    .into(),
            )),
        },
    };
    let service = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|s| !s.is_empty());
    let mut resource = OtlpBatch::default().resource;
    if let Some(name) = service {
        resource = vec![sessionlog::otlp::KeyValue::new(
            "service.name",
            AnyValue::String(name),
        )];
    }
    let opts = Opts {
        follow,
        batch,
        give_up_after,
        resource,
    };

    let mut sessions: BTreeMap<PathBuf, Session> = BTreeMap::new();
    let mut scanned: Option<Instant> = None;
    let mut body = Vec::new();
    loop {
        if scanned.map_or(true, |at| at.elapsed() >= RESCAN) {
            for dir in discover(&paths) {
                if let std::collections::btree_map::Entry::Vacant(entry) = sessions.entry(dir) {
                    let session = open_session(entry.key(), sink.identity())?;
                    entry.insert(session);
                }
            }
            scanned = Some(Instant::now());
        }
        for session in sessions.values_mut() {
            ship(session, &mut sink, &opts, &mut body)?;
        }
        if !opts.follow {
            if sessions.is_empty() {
                eprintln!("sessionlog otlp: no session (a directory holding {EVENTS_FILE}) under the given PATHs");
            }
            return Ok(());
        }
        std::thread::sleep(POLL);
    }
}

/// The session directories among and directly under `paths`: a PATH
/// holding `events.jsonl` is a session, else each of its subdirectories
/// holding one is. Symbolic links are not followed.
fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    let is_session = |dir: &Path| {
        std::fs::symlink_metadata(dir.join(EVENTS_FILE)).is_ok_and(|m| m.file_type().is_file())
    };
    let mut found = Vec::new();
    for path in paths {
        if is_session(path) {
            found.push(path.clone());
            continue;
        }
        let Ok(entries) = std::fs::read_dir(path) else {
            continue;
        };
        let mut children: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .filter(|dir| is_session(dir))
            .collect();
        children.sort();
        found.extend(children);
    }
    found
}

fn open_session(dir: &Path, identity: &str) -> Result<Session, Failure> {
    let cursor = Cursor::load(dir, identity).map_err(Failure::Ship)?;
    let tail = tail::Tail::open(dir).map_err(|e| Failure::Ship(e.to_string()))?;
    Ok(Session {
        dir: dir.to_path_buf(),
        tail,
        mapper: Mapper::new(),
        cursor,
        reported_skipped: 0,
    })
}

/// Sends what `session` has that its cursor has not seen acknowledged, one
/// batch of events at a time, moving the cursor after each answer.
fn ship(
    session: &mut Session,
    sink: &mut Sink,
    opts: &Opts,
    body: &mut Vec<u8>,
) -> Result<(), Failure> {
    loop {
        let lines = session
            .tail
            .read(opts.batch)
            .map_err(|e| Failure::Ship(e.to_string()))?;
        let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
            break;
        };
        let (first, end) = (first.index, last.index + 1);
        let cursor = &mut session.cursor;
        let mut batch = OtlpBatch {
            resource: opts.resource.clone(),
            ..OtlpBatch::default()
        };
        for line in &lines {
            let Some(event) = &line.event else { continue };
            let (spans, logs) = (batch.spans.len(), batch.logs.len());
            session.mapper.map(event, &mut batch);
            // Shipped before: mapped only to rebuild the open spans.
            if line.index < cursor.traces {
                batch.spans.truncate(spans);
            }
            if line.index < cursor.logs {
                batch.logs.truncate(logs);
            }
        }
        let what = |signal: Signal| {
            format!(
                "the {} of {} events {first}..{end}",
                signal.name(),
                session.dir.display()
            )
        };
        let sent_spans = !batch.spans.is_empty();
        if sent_spans {
            body.clear();
            batch
                .write_traces_json(&mut *body)
                .map_err(|e| Failure::Ship(e.to_string()))?;
            send(sink, Signal::Traces, body, opts, &what(Signal::Traces))?;
        }
        cursor.traces = cursor.traces.max(end);
        if !batch.logs.is_empty() {
            if sent_spans {
                // The spans are in: a failure below must not send them again.
                cursor.save().map_err(Failure::Ship)?;
            }
            body.clear();
            batch
                .write_logs_json(&mut *body)
                .map_err(|e| Failure::Ship(e.to_string()))?;
            send(sink, Signal::Logs, body, opts, &what(Signal::Logs))?;
        }
        cursor.logs = cursor.logs.max(end);
        cursor.save().map_err(Failure::Ship)?;
        if !batch.is_empty() {
            println!(
                "{}: shipped events {first}..{end}: {} spans, {} log records",
                session.dir.display(),
                batch.spans.len(),
                batch.logs.len()
            );
        }
    }
    if session.tail.skipped > session.reported_skipped {
        eprintln!(
            "sessionlog otlp: {}: skipped {} unreadable line(s); run `sessionlog check {}` for details",
            session.dir.display(),
            session.tail.skipped - session.reported_skipped,
            session.dir.display()
        );
        session.reported_skipped = session.tail.skipped;
    }
    Ok(())
}

/// Sends one request, retrying with backoff while that makes sense.
fn send(
    sink: &mut Sink,
    signal: Signal,
    body: &[u8],
    opts: &Opts,
    what: &str,
) -> Result<(), Failure> {
    let started = Instant::now();
    let mut delay = FIRST_RETRY;
    loop {
        match sink.send(signal, body) {
            Ok(None) => return Ok(()),
            Ok(Some(complaint)) => {
                eprintln!("sessionlog otlp: {what}: {complaint}");
                return Ok(());
            }
            Err(SendError::Fatal(why)) => {
                return Err(Failure::Ship(format!(
                    "{what}: {why}; not retried, and not marked as shipped"
                )))
            }
            Err(SendError::Retry { why, after }) => {
                let wait = after.unwrap_or(delay).min(Duration::from_secs(60));
                if let Some(limit) = opts.give_up_after {
                    if started.elapsed() + wait > limit {
                        return Err(Failure::Ship(format!(
                            "{what}: {why}; gave up after retrying for {} s, nothing marked as shipped",
                            started.elapsed().as_secs()
                        )));
                    }
                }
                eprintln!(
                    "sessionlog otlp: {what}: {why}; retrying in {} ms",
                    wait.as_millis()
                );
                std::thread::sleep(wait);
                delay = (delay * 2).min(MAX_RETRY);
            }
        }
    }
}
