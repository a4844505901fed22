//! `sessiontrail otlp`: ships sessions to an OpenTelemetry receiver as
//! OTLP/HTTP JSON spans and log records, or to a file of OTLP/JSON lines,
//! once or following live, each event exactly once.
//!
//! The mapping is the library's (`sessiontrail_otlp`); this module finds the
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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sessiontrail::EVENTS_FILE;
use sessiontrail_otlp::{AnyValue, Mapper, OtlpBatch};

use crate::failure::Failure;
use cursor::Cursor;
use sink::{SendError, Signal, Sink};

/// How often a followed session is looked at: new events go out well
/// within a second of their append.
const POLL: Duration = Duration::from_millis(200);
/// How often the PATHs are searched again for new sessions.
const RESCAN: Duration = Duration::from_millis(500);
const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(5);

struct Opts {
    follow: bool,
    batch: usize,
    resource: Vec<sessiontrail_otlp::KeyValue<'static>>,
    /// Request bodies the sender is done with.
    buffers: Receiver<Vec<u8>>,
}

struct Session {
    dir: PathBuf,
    tail: tail::Tail,
    mapper: Mapper,
    /// The cursor when this process opened the session: events before it
    /// are mapped (to rebuild open spans) and not sent.
    shipped: (u64, u64),
    /// Moved by the sender thread.
    cursor: Arc<Mutex<Cursor>>,
    cursor_path: PathBuf,
    reported_skipped: u64,
}

/// Ship sessions to an OpenTelemetry receiver as OTLP/HTTP JSON spans and
/// log records, or append OTLP/JSON lines to a file.
///
/// Each event once: a cursor beside each log moves after every 2xx.
/// --follow keeps shipping new events and new sessions. Exit 4 when the
/// receiver refuses (400) or stays unreachable.
#[derive(clap::Args)]
pub struct Args {
    /// Session directories, or directories of them
    #[arg(value_name = "PATH", required = true, value_parser = crate::values::path())]
    paths: Vec<PathBuf>,
    /// The receiver's base URL (http://HOST:4318), as
    /// OTEL_EXPORTER_OTLP_ENDPOINT, which is read when this is absent
    #[arg(long, value_name = "URL", conflicts_with = "output")]
    endpoint: Option<String>,
    /// Append OTLP/JSON lines to FILE instead of sending them
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A request header (repeatable); without any, the headers of
    /// OTEL_EXPORTER_OTLP_HEADERS
    #[arg(long = "header", value_name = "NAME=VALUE", conflicts_with = "output")]
    headers: Vec<String>,
    /// Keep shipping new events and new sessions until stopped
    #[arg(long)]
    follow: bool,
    /// Events per request
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = crate::values::batch, allow_negative_numbers = true)]
    batch: usize,
    /// Stop retrying an unreachable receiver after SECS seconds (exit 4)
    /// [default: 30, or never with --follow]
    #[arg(long, value_name = "SECS", value_parser = crate::values::seconds, allow_negative_numbers = true)]
    give_up_after: Option<u64>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let Args {
        paths,
        endpoint,
        output,
        mut headers,
        follow,
        batch,
        give_up_after,
    } = args;
    let give_up_after = match give_up_after {
        Some(secs) => Some(Duration::from_secs(secs)),
        None if follow => None,
        None => Some(Duration::from_secs(30)),
    };
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
    // One name per directory: a session reached through two spellings of
    // its path (a root and the session itself, `.` and its full path) is
    // one session, shipped once.
    let paths = paths
        .iter()
        .map(|p| {
            std::fs::canonicalize(p)
                .map_err(|e| Failure::Usage(format!("otlp: cannot resolve {}: {e}", p.display())))
        })
        .collect::<Result<Vec<PathBuf>, Failure>>()?;
    // --header NAME=VALUE (repeatable), else OTEL_EXPORTER_OTLP_HEADERS.
    if headers.is_empty() {
        if let Ok(text) = std::env::var("OTEL_EXPORTER_OTLP_HEADERS") {
            headers = sink::env_headers(&text);
        }
    }
    let env_endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty());
    // The parser refuses --endpoint with --output.
    let sink = match (endpoint, output) {
        (_, Some(file)) => Sink::file(&file).map_err(Failure::Usage)?,
        (Some(endpoint), None) => Sink::http(&endpoint, &headers).map_err(Failure::Usage)?,
        (None, None) => match env_endpoint {
            Some(endpoint) => Sink::http(&endpoint, &headers).map_err(Failure::Usage)?,
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
        resource = vec![sessiontrail_otlp::KeyValue::new(
            "service.name",
            AnyValue::string(name),
        )];
    }
    // Mapping and sending overlap: this thread reads and maps the next
    // batch while the sender thread waits for the receiver's answer to the
    // last one (and moves the cursor). One batch in flight, in order.
    let identity = sink.identity().to_owned();
    let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(1);
    // Request bodies go back for reuse: a fresh buffer of megabytes per
    // batch costs its page faults every time.
    let (spent, buffers) = std::sync::mpsc::channel::<Vec<u8>>();
    let stop = Arc::new(AtomicBool::new(false));
    let stop_sender = Arc::clone(&stop);
    let sender = std::thread::spawn(move || {
        let retry = Retry {
            give_up_after,
            stop: stop_sender,
        };
        deliver_all(sink, &retry, queue, spent)
    });
    let opts = Opts {
        follow,
        batch,
        resource,
        buffers,
    };
    let prepared = prepare_all(&paths, &identity, &opts, &jobs, &|| sender.is_finished());
    drop(jobs);
    if prepared.is_err() {
        // Do not wait for a receiver that may never come back to report a
        // failure on this side; what was queued is not marked as shipped.
        stop.store(true, Ordering::Relaxed);
    }
    let delivered = sender
        .join()
        .unwrap_or_else(|_| Err(Failure::Ship("the sending thread panicked".into())));
    // A sending failure stops the preparing side quietly (it sees the
    // sender gone), so whichever side failed is the one to report.
    prepared.and(delivered)
}

/// Finds the sessions and maps what is new in them into jobs for the
/// sender, once or (with `--follow`) forever. Returns early when the
/// sender has stopped.
fn prepare_all(
    paths: &[PathBuf],
    identity: &str,
    opts: &Opts,
    jobs: &SyncSender<Job>,
    sender_stopped: &dyn Fn() -> bool,
) -> Result<(), Failure> {
    let mut sessions: BTreeMap<PathBuf, Session> = BTreeMap::new();
    let mut scanned: Option<Instant> = None;
    loop {
        if scanned.is_none_or(|at| at.elapsed() >= RESCAN) {
            for dir in discover(paths)? {
                if let std::collections::btree_map::Entry::Vacant(entry) = sessions.entry(dir) {
                    let session = open_session(entry.key(), identity)?;
                    entry.insert(session);
                }
            }
            scanned = Some(Instant::now());
        }
        for session in sessions.values_mut() {
            if !prepare(session, opts, jobs)? {
                return Ok(());
            }
        }
        if sender_stopped() {
            return Ok(());
        }
        if !opts.follow {
            if sessions.is_empty() {
                eprintln!("sessiontrail otlp: no session (a directory holding {EVENTS_FILE}) under the given PATHs");
            }
            return Ok(());
        }
        std::thread::sleep(POLL);
    }
}

/// The session directories among and directly under `paths` (the core's
/// listing: a PATH holding `events.jsonl` is a session, else each of its
/// subdirectories holding one is; symbolic links are not followed).
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut found = Vec::new();
    for path in paths {
        found.extend(sessiontrail::session_dirs(path)?);
    }
    Ok(found)
}

fn open_session(dir: &Path, identity: &str) -> Result<Session, Failure> {
    let cursor = Cursor::load(dir, identity).map_err(Failure::Ship)?;
    let tail = tail::Tail::open(dir).map_err(Failure::Ship)?;
    Ok(Session {
        dir: dir.to_path_buf(),
        tail,
        mapper: Mapper::new(),
        shipped: (cursor.traces, cursor.logs),
        cursor_path: Cursor::path(dir, identity),
        cursor: Arc::new(Mutex::new(cursor)),
        reported_skipped: 0,
    })
}

/// One batch of a session, mapped and encoded, for the sender.
struct Job {
    dir: PathBuf,
    cursor: Arc<Mutex<Cursor>>,
    /// The batch's events are `first..end`.
    first: u64,
    end: u64,
    traces: Option<Vec<u8>>,
    logs: Option<Vec<u8>>,
    counts: (usize, usize),
}

/// Maps what `session` has that was not shipped before into jobs, one
/// batch of events at a time. `false` when the sender has stopped.
fn prepare(session: &mut Session, opts: &Opts, jobs: &SyncSender<Job>) -> Result<bool, Failure> {
    let (traces_before, logs_before) = session.shipped;
    loop {
        let lines = session.tail.read(opts.batch).map_err(Failure::Ship)?;
        let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
            // At the end of the log: a cursor past it belongs to a log that
            // was replaced or cut, and following it would skip new events.
            let read = session.tail.lines_read();
            if read < traces_before.min(logs_before) {
                return Err(Failure::Ship(format!(
                    "{} says {} events were shipped, but {} holds {read}; was the log replaced? \
                     Move the cursor away to ship this log from the start",
                    session.cursor_path.display(),
                    traces_before.min(logs_before),
                    session.dir.join(EVENTS_FILE).display()
                )));
            }
            break;
        };
        let (first, end) = (first.index, last.index + 1);
        let mut batch = OtlpBatch {
            resource: opts.resource.clone(),
            ..OtlpBatch::default()
        };
        for line in &lines {
            let Some(event) = &line.event else { continue };
            let (spans, logs) = (batch.spans.len(), batch.logs.len());
            session.mapper.map(event, &mut batch);
            // Shipped before this process started: mapped only to rebuild
            // the spans still open.
            if line.index < traces_before {
                batch.spans.truncate(spans);
            }
            if line.index < logs_before {
                batch.logs.truncate(logs);
            }
        }
        if end <= traces_before.min(logs_before) {
            continue;
        }
        let encode = |write: &dyn Fn(&mut Vec<u8>) -> serde_json::Result<()>| {
            let mut body = opts.buffers.try_recv().unwrap_or_default();
            body.clear();
            write(&mut body)
                .map(|()| body)
                .map_err(|e| Failure::Ship(e.to_string()))
        };
        let job = Job {
            dir: session.dir.clone(),
            cursor: Arc::clone(&session.cursor),
            first,
            end,
            traces: match batch.spans.is_empty() {
                true => None,
                false => Some(encode(&|out| batch.write_traces_json(out))?),
            },
            logs: match batch.logs.is_empty() {
                true => None,
                false => Some(encode(&|out| batch.write_logs_json(out))?),
            },
            counts: (batch.spans.len(), batch.logs.len()),
        };
        if jobs.send(job).is_err() {
            return Ok(false);
        }
    }
    if session.tail.skipped > session.reported_skipped {
        eprintln!(
            "sessiontrail otlp: {}: skipped {} unreadable line(s); run `sessiontrail check {}` for details",
            session.dir.display(),
            session.tail.skipped - session.reported_skipped,
            session.dir.display()
        );
        session.reported_skipped = session.tail.skipped;
    }
    Ok(true)
}

/// The sender thread: sends each job in order and moves its session's
/// cursor after each answer. Stops at the first failure.
/// How long the sender keeps retrying.
struct Retry {
    /// `None` with `--follow`: a follower waits for its receiver forever.
    give_up_after: Option<Duration>,
    /// Set when the other side failed: stop retrying.
    stop: Arc<AtomicBool>,
}

fn deliver_all(
    mut sink: Sink,
    retry: &Retry,
    jobs: Receiver<Job>,
    spent: std::sync::mpsc::Sender<Vec<u8>>,
) -> Result<(), Failure> {
    for job in jobs {
        deliver(&mut sink, retry, &job)?;
        for body in [job.traces, job.logs].into_iter().flatten() {
            let _ = spent.send(body);
        }
    }
    Ok(())
}

fn deliver(sink: &mut Sink, retry: &Retry, job: &Job) -> Result<(), Failure> {
    let mut cursor = job.cursor.lock().unwrap_or_else(|e| e.into_inner());
    let what = |signal: Signal| {
        format!(
            "the {} of {} events {}..{}",
            signal.name(),
            job.dir.display(),
            job.first,
            job.end
        )
    };
    if let Some(body) = &job.traces {
        send(sink, Signal::Traces, body, retry, &what(Signal::Traces))?;
    }
    cursor.traces = cursor.traces.max(job.end);
    if let Some(body) = &job.logs {
        if job.traces.is_some() {
            // The spans are in: a failure below must not send them again.
            cursor.save().map_err(Failure::Ship)?;
        }
        send(sink, Signal::Logs, body, retry, &what(Signal::Logs))?;
    }
    cursor.logs = cursor.logs.max(job.end);
    cursor.save().map_err(Failure::Ship)?;
    if job.traces.is_some() || job.logs.is_some() {
        println!(
            "{}: shipped events {}..{}: {} spans, {} log records",
            job.dir.display(),
            job.first,
            job.end,
            job.counts.0,
            job.counts.1
        );
    }
    Ok(())
}

/// Sends one request, retrying with backoff while that makes sense.
fn send(
    sink: &mut Sink,
    signal: Signal,
    body: &[u8],
    retry: &Retry,
    what: &str,
) -> Result<(), Failure> {
    let started = Instant::now();
    let mut delay = FIRST_RETRY;
    loop {
        match sink.send(signal, body) {
            Ok(None) => return Ok(()),
            Ok(Some(complaint)) => {
                eprintln!("sessiontrail otlp: {what}: {complaint}");
                return Ok(());
            }
            Err(SendError::Fatal(why)) => {
                return Err(Failure::Ship(format!(
                    "{what}: {why}; not retried, and not marked as shipped"
                )))
            }
            Err(SendError::Retry { why, after }) => {
                let wait = after.unwrap_or(delay).min(Duration::from_secs(60));
                if retry.stop.load(Ordering::Relaxed) {
                    return Err(Failure::Ship(format!(
                        "{what}: {why}; stopped retrying, nothing marked as shipped"
                    )));
                }
                if let Some(limit) = retry.give_up_after {
                    if started.elapsed() + wait > limit {
                        return Err(Failure::Ship(format!(
                            "{what}: {why}; gave up after retrying for {} s, nothing marked as shipped",
                            started.elapsed().as_secs()
                        )));
                    }
                }
                eprintln!(
                    "sessiontrail otlp: {what}: {why}; retrying in {} ms",
                    wait.as_millis()
                );
                std::thread::sleep(wait);
                delay = (delay * 2).min(MAX_RETRY);
            }
        }
    }
}
