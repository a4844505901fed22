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
mod settings;
mod sink;
mod split;
mod tail;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sessiontrail::EVENTS_FILE;
use sessiontrail_otlp::{Mapper, OtlpBatch};

use crate::failure::Failure;
use cursor::Cursor;
use settings::Signals;
use sink::{SendError, Signal, Sink};

/// How often a followed session is looked at: new events go out well
/// within a second of their append.
const POLL: Duration = Duration::from_millis(200);
/// How often the PATHs are searched again for new sessions, and a session
/// that failed is tried again.
const RESCAN: Duration = Duration::from_millis(500);
/// How long a session whose batch the receiver refused waits before it is
/// read again from its cursor (with --follow).
const REFUSED_WAIT: Duration = Duration::from_secs(10);
const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(5);
/// The longest `Retry-After` honoured as given.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

struct Opts {
    follow: bool,
    batch: usize,
    max_body: usize,
    signals: Signals,
    resource: Vec<sessiontrail_otlp::KeyValue<'static>>,
    /// Request bodies the sender is done with.
    buffers: Receiver<Vec<u8>>,
}

struct Session {
    dir: PathBuf,
    tail: tail::Tail,
    mapper: Mapper,
    /// The cursor when this process opened the session (or the log was
    /// replaced): events before it are mapped (to rebuild open spans) and
    /// not sent.
    shipped: (u64, u64),
    /// Moved by the sender thread.
    cursor: Arc<Mutex<Cursor>>,
    cursor_path: PathBuf,
    /// Set by the sender when the receiver refused one of this session's
    /// batches: the session is closed and opened again from its cursor.
    refused: Arc<AtomicBool>,
    reported_skipped: u64,
}

/// Ship sessions to an OpenTelemetry receiver as OTLP/HTTP JSON spans and
/// log records, or write OTLP/JSON lines to files.
///
/// Each event once: a cursor beside each log moves after every 2xx.
/// --follow keeps shipping new events and new sessions. Exit 4 when the
/// receiver refuses a batch or stays unreachable.
///
/// Variables read when the matching option is absent (as the OpenTelemetry
/// SDKs read them): OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
/// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
/// OTEL_EXPORTER_OTLP_COMPRESSION, OTEL_EXPORTER_OTLP_CERTIFICATE,
/// OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY,
/// OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER (`none` turns a signal off),
/// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES.
#[derive(clap::Args)]
pub struct Args {
    /// Session directories, or directories of them
    #[arg(value_name = "PATH", required = true, value_parser = crate::values::path())]
    paths: Vec<PathBuf>,
    /// The receiver's base URL (http://HOST:4318); signals go to
    /// /v1/traces and /v1/logs under it
    #[arg(long, value_name = "URL", conflicts_with = "output")]
    endpoint: Option<String>,
    /// Write OTLP/JSON lines to DIR/traces.jsonl and DIR/logs.jsonl
    /// instead of sending them
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// A request header (repeatable); without any, the headers of
    /// OTEL_EXPORTER_OTLP_HEADERS
    #[arg(long = "header", value_name = "NAME=VALUE", conflicts_with = "output")]
    headers: Vec<String>,
    /// The signals to send: traces, logs, or traces,logs [default: both,
    /// less any whose OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER is none]
    #[arg(long, value_name = "LIST", value_parser = settings::parse_signals)]
    signals: Option<Signals>,
    /// Request compression: gzip or none [default: OTEL_EXPORTER_OTLP_COMPRESSION, else none]
    #[arg(long, value_name = "ALGO", value_parser = ["gzip", "none"], conflicts_with = "output")]
    compression: Option<String>,
    /// A PEM file of the CA certificates that sign the receiver's (instead
    /// of the system's trust store)
    #[arg(long, value_name = "FILE", conflicts_with = "output")]
    certificate: Option<PathBuf>,
    /// A PEM client certificate (with --client-key) for receivers that ask for one
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "output",
        requires = "client_key"
    )]
    client_certificate: Option<PathBuf>,
    /// The PEM private key of --client-certificate
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "output",
        requires = "client_certificate"
    )]
    client_key: Option<PathBuf>,
    /// Keep shipping new events and new sessions until stopped
    #[arg(long)]
    follow: bool,
    /// Events per request (fewer when a request would be over --max-body)
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = crate::values::batch, allow_negative_numbers = true)]
    batch: usize,
    /// The largest request body, in bytes before compression; an event
    /// whose spans or log record alone are larger is reported and skipped
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20, value_parser = crate::values::body_bytes, allow_negative_numbers = true)]
    max_body: usize,
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
        headers,
        signals,
        compression,
        certificate,
        client_certificate,
        client_key,
        follow,
        batch,
        max_body,
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
    let (sink, signals) = settings::sink(settings::Given {
        endpoint,
        output,
        headers,
        signals,
        compression,
        certificate,
        client_certificate,
        client_key,
    })
    .map_err(Failure::Usage)?;
    let resource = settings::resource().map_err(Failure::Usage)?;
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
        max_body,
        signals,
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
///
/// One session's failure (a cursor that is not one, a log that cannot be
/// read, a batch the receiver refused) is reported and stops that session
/// only: the others go on, and it is opened again from its cursor at the
/// next scan (with --follow) or makes the run exit 4 at its end.
fn prepare_all(
    paths: &[PathBuf],
    identity: &str,
    opts: &Opts,
    jobs: &SyncSender<Job>,
    sender_stopped: &dyn Fn() -> bool,
) -> Result<(), Failure> {
    let mut sessions: BTreeMap<PathBuf, Session> = BTreeMap::new();
    let mut failed = Failed {
        follow: opts.follow,
        last: BTreeMap::new(),
        count: 0,
    };
    let mut scanned: Option<Instant> = None;
    loop {
        if scanned.is_none_or(|at| at.elapsed() >= RESCAN) {
            for dir in discover(paths, &mut |path, why| failed.fail(path, why, RESCAN)) {
                if failed.waiting(&dir) {
                    continue;
                }
                if let std::collections::btree_map::Entry::Vacant(entry) = sessions.entry(dir) {
                    match open_session(entry.key(), identity, opts) {
                        Ok(session) => {
                            failed.last.remove(entry.key());
                            entry.insert(session);
                        }
                        Err(why) => failed.fail(entry.key(), why, RESCAN),
                    }
                }
            }
            scanned = Some(Instant::now());
        }
        let mut broken = Vec::new();
        for (dir, session) in sessions.iter_mut() {
            if session.refused.load(Ordering::Relaxed) {
                broken.push((dir.clone(), None));
                continue;
            }
            match prepare(session, opts, jobs) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(why) => broken.push((dir.clone(), Some(why))),
            }
        }
        for (dir, why) in broken {
            sessions.remove(&dir);
            match why {
                // The sender reported the refusal; wait before reading the
                // session again, or the same batch is refused at once.
                None => failed.fail(&dir, String::new(), REFUSED_WAIT),
                Some(why) => failed.fail(&dir, why, RESCAN),
            }
        }
        if sender_stopped() {
            return Ok(());
        }
        if !opts.follow {
            if sessions.is_empty() && failed.count == 0 {
                eprintln!("sessiontrail otlp: no session (a directory holding {EVENTS_FILE}) under the given PATHs");
            }
            return match failed.count {
                0 => Ok(()),
                n => Err(Failure::Ship(format!(
                    "{n} session(s) not shipped in full (see above); the others were"
                ))),
            };
        }
        std::thread::sleep(POLL);
    }
}

/// Sessions that failed: the last failure of each (reported once while it
/// stays the same) and when to try it again.
struct Failed {
    follow: bool,
    last: BTreeMap<PathBuf, (String, Instant)>,
    count: usize,
}

impl Failed {
    /// Reports `why` (unless it was the last failure of `dir`, or empty:
    /// reported already) and keeps `dir` closed for `wait`.
    fn fail(&mut self, dir: &Path, why: String, wait: Duration) {
        let repeated = self.last.get(dir).is_some_and(|(last, _)| *last == why);
        if !repeated && !why.is_empty() {
            eprintln!(
                "sessiontrail otlp: {}: {why}{}",
                dir.display(),
                if self.follow {
                    "; trying it again later, the other sessions go on"
                } else {
                    ""
                }
            );
        }
        self.count += 1;
        self.last
            .insert(dir.to_path_buf(), (why, Instant::now() + wait));
    }

    /// Whether `dir` failed and is not to be tried yet.
    fn waiting(&self, dir: &Path) -> bool {
        self.last
            .get(dir)
            .is_some_and(|(_, until)| Instant::now() < *until)
    }
}

/// The session directories among and directly under `paths` (the core's
/// listing: a PATH holding `events.jsonl` is a session, else each of its
/// subdirectories holding one is; symbolic links are not followed). A PATH
/// that cannot be listed is reported through `fail`.
fn discover(paths: &[PathBuf], fail: &mut dyn FnMut(&Path, String)) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for path in paths {
        match sessiontrail::session_dirs(path) {
            Ok(dirs) => found.extend(dirs),
            Err(e) => fail(path, e.to_string()),
        }
    }
    found
}

fn open_session(dir: &Path, identity: &str, opts: &Opts) -> Result<Session, String> {
    let mut cursor = Cursor::load(dir, identity)?;
    let tail = tail::Tail::open(dir)?;
    // A cursor that counted lines of another file (the log was replaced
    // while no shipper ran) does not apply: this log is new.
    if cursor.file.is_some() && cursor.file != tail.file_id() {
        eprintln!(
            "sessiontrail otlp: {}: {} is not the file its cursor counted in (another inode); shipping it from its first event",
            dir.display(),
            EVENTS_FILE
        );
        cursor.restart(tail.file_id());
    }
    cursor.file = tail.file_id();
    let shipped = shipped_by(&cursor, opts.signals);
    Ok(Session {
        dir: dir.to_path_buf(),
        tail,
        mapper: Mapper::new(),
        shipped,
        cursor_path: Cursor::path(dir, identity),
        cursor: Arc::new(Mutex::new(cursor)),
        refused: Arc::new(AtomicBool::new(false)),
        reported_skipped: 0,
    })
}

/// The cursor's numbers for the signals sent; a signal not sent counts as
/// shipped to the end (its number is kept, for a later run that sends it).
fn shipped_by(cursor: &Cursor, signals: Signals) -> (u64, u64) {
    (
        if signals.traces {
            cursor.traces
        } else {
            u64::MAX
        },
        if signals.logs { cursor.logs } else { u64::MAX },
    )
}

/// One batch of a session, mapped and encoded, for the sender.
struct Job {
    dir: PathBuf,
    cursor: Arc<Mutex<Cursor>>,
    /// The log the events are lines of: the cursor moves only while it
    /// still counts in that file.
    file: Option<(u64, u64)>,
    refused: Arc<AtomicBool>,
    /// The batch's events are `first..end`.
    first: u64,
    end: u64,
    traces: Option<Vec<u8>>,
    logs: Option<Vec<u8>>,
    counts: (usize, usize),
}

/// Starts `session` again from the first line of the file its tail now
/// reads: a new mapper, a cursor at 0 for that file.
fn restart(session: &mut Session, why: &str) {
    eprintln!(
        "sessiontrail otlp: {}: {why}; shipping the new {EVENTS_FILE} from its first event",
        session.dir.display()
    );
    session.mapper = Mapper::new();
    session.shipped = (0, 0);
    session.reported_skipped = 0;
    let mut cursor = session.cursor.lock().unwrap_or_else(|e| e.into_inner());
    cursor.restart(session.tail.file_id());
}

/// Maps what `session` has that was not shipped before into jobs, one
/// batch of events at a time. `Ok(false)` when the sender has stopped.
fn prepare(session: &mut Session, opts: &Opts, jobs: &SyncSender<Job>) -> Result<bool, String> {
    loop {
        let read = session.tail.read(opts.batch)?;
        if let Some(why) = read.restarted {
            restart(session, &why.to_string());
        }
        let (traces_before, logs_before) = session.shipped;
        let lines = read.lines;
        let Some(last) = lines.last() else {
            // At the end of the log: a cursor past it counted lines of
            // another file (the log was cut or replaced while no shipper
            // ran): this one is shipped from its start.
            let read = session.tail.lines_read();
            let cursor_at = [traces_before, logs_before]
                .into_iter()
                .filter(|&n| n != u64::MAX)
                .max()
                .unwrap_or(0);
            if read < cursor_at {
                session.tail = tail::Tail::open(&session.dir)?;
                restart(
                    session,
                    &format!(
                        "{} says {cursor_at} events were shipped, but the log holds {read}: it was cut or replaced",
                        session.cursor_path.display()
                    ),
                );
                continue;
            }
            break;
        };
        let end = last.index + 1;
        let mut batch = OtlpBatch {
            resource: opts.resource.clone(),
            ..OtlpBatch::default()
        };
        // Where each line's output ends in the batch, to split it by events.
        let mut marks = Vec::with_capacity(lines.len());
        for line in &lines {
            if let Some(event) = &line.event {
                let (spans, logs) = (batch.spans.len(), batch.logs.len());
                session.mapper.map(event, &mut batch);
                // Shipped before (or not sent at all): mapped only to
                // rebuild the spans still open.
                if line.index < traces_before {
                    batch.spans.truncate(spans);
                }
                if line.index < logs_before {
                    batch.logs.truncate(logs);
                }
            }
            marks.push(split::Mark {
                index: line.index,
                spans: batch.spans.len(),
                logs: batch.logs.len(),
            });
        }
        if end <= traces_before.min(logs_before) {
            continue;
        }
        let mut encode = |write: &dyn Fn(&mut Vec<u8>) -> serde_json::Result<()>| {
            let mut body = opts.buffers.try_recv().unwrap_or_default();
            body.clear();
            write(&mut body).map(|()| body).map_err(|e| e.to_string())
        };
        let pieces = split::encode(batch, &marks, opts.max_body, &mut encode)?;
        for piece in pieces {
            for (index, size) in &piece.skipped {
                eprintln!(
                    "sessiontrail otlp: {}: event {index} skipped: its output is {size} bytes, over the request limit of {} (--max-body)",
                    session.dir.display(),
                    opts.max_body
                );
            }
            let job = Job {
                dir: session.dir.clone(),
                cursor: Arc::clone(&session.cursor),
                file: session.tail.file_id(),
                refused: Arc::clone(&session.refused),
                first: piece.first,
                end: piece.end,
                traces: piece.traces,
                logs: piece.logs,
                counts: piece.counts,
            };
            if jobs.send(job).is_err() {
                return Ok(false);
            }
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

/// How long the sender keeps retrying.
struct Retry {
    /// `None` with `--follow`: a follower waits for its receiver forever.
    give_up_after: Option<Duration>,
    /// Set when the other side failed: stop retrying.
    stop: Arc<AtomicBool>,
}

/// The sender thread: sends each job in order and moves its session's
/// cursor after each answer. A batch the receiver refuses stops its
/// session (reported; the preparing side opens it again later); a
/// receiver that stays unreachable stops everything.
fn deliver_all(
    mut sink: Sink,
    retry: &Retry,
    jobs: Receiver<Job>,
    spent: std::sync::mpsc::Sender<Vec<u8>>,
) -> Result<(), Failure> {
    let mut refused = 0usize;
    for job in jobs {
        if !job.refused.load(Ordering::Relaxed) {
            match deliver(&mut sink, retry, &job) {
                Ok(()) => {}
                Err(Outcome::Refused(why)) => {
                    eprintln!("sessiontrail otlp: {why}");
                    job.refused.store(true, Ordering::Relaxed);
                    refused += 1;
                }
                Err(Outcome::Stop(failure)) => return Err(failure),
            }
        }
        for body in [job.traces, job.logs].into_iter().flatten() {
            let _ = spent.send(body);
        }
    }
    match refused {
        0 => Ok(()),
        n => Err(Failure::Ship(format!(
            "{n} batch(es) refused (see above), not marked as shipped; the other sessions went on"
        ))),
    }
}

enum Outcome {
    /// This batch cannot go: its session stops, the others go on.
    Refused(String),
    /// Nothing can go (the receiver stayed unreachable).
    Stop(Failure),
}

fn deliver(sink: &mut Sink, retry: &Retry, job: &Job) -> Result<(), Outcome> {
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
    // Shipped events of a log since replaced: the cursor now counts in the
    // new file, and these numbers are not its.
    let current = cursor.file == job.file;
    let saving = |cursor: &mut Cursor| cursor.save().map_err(Outcome::Refused);
    if let Some(body) = &job.traces {
        send(sink, Signal::Traces, body, retry, &what(Signal::Traces))?;
    }
    if current && sink.sends(Signal::Traces) {
        cursor.traces = cursor.traces.max(job.end);
    }
    if let Some(body) = &job.logs {
        if job.traces.is_some() && current {
            // The spans are in: a failure below must not send them again.
            saving(&mut cursor)?;
        }
        send(sink, Signal::Logs, body, retry, &what(Signal::Logs))?;
    }
    if current && sink.sends(Signal::Logs) {
        cursor.logs = cursor.logs.max(job.end);
    }
    if current {
        saving(&mut cursor)?;
    }
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

/// Sends one request, retrying with backoff while that makes sense; a 413
/// sends the body's records in two halves instead.
fn send(
    sink: &mut Sink,
    signal: Signal,
    body: &[u8],
    retry: &Retry,
    what: &str,
) -> Result<(), Outcome> {
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
                return Err(Outcome::Refused(format!(
                    "{what}: {why}; not retried, and not marked as shipped"
                )))
            }
            Err(SendError::TooLarge(why)) => {
                let Some((first, second)) = split::halve(signal, body) else {
                    eprintln!(
                        "sessiontrail otlp: {what}: {why}; one record the receiver will not take, skipped"
                    );
                    return Ok(());
                };
                eprintln!("sessiontrail otlp: {what}: {why}; sending it in two halves");
                send(sink, signal, &first, retry, what)?;
                return send(sink, signal, &second, retry, what);
            }
            Err(SendError::Retry { why, after }) => {
                let wait = match after {
                    Some(after) => after.min(MAX_RETRY_AFTER),
                    None => jitter(delay),
                };
                if retry.stop.load(Ordering::Relaxed) {
                    return Err(Outcome::Stop(Failure::Ship(format!(
                        "{what}: {why}; stopped retrying, nothing marked as shipped"
                    ))));
                }
                if let Some(limit) = retry.give_up_after {
                    if started.elapsed() + wait > limit {
                        return Err(Outcome::Stop(Failure::Ship(format!(
                            "{what}: {why}; gave up after retrying for {} s, nothing marked as shipped",
                            started.elapsed().as_secs()
                        ))));
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

/// A wait between half and all of `delay`, at random ("equal jitter"), so
/// shippers refused at once do not come back at once.
fn jitter(delay: Duration) -> Duration {
    let random = u64::from_str_radix(&sessiontrail::generate_span_id(), 16).unwrap_or(0);
    let half = delay / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_nanos(random % nanos)
}
