//! `sessiontrail append DIR [EVENT_JSON]`: the fast path for shell and hook
//! users, one process per event or per batch: one lock, one write, no
//! runtime to start. Every event is read and checked before the log is
//! touched, so bad input writes nothing.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use sessiontrail::{
    event_from_json, Durability, EventLog, EventLogError, LockWait, Options, SessionEvent,
};

use crate::failure::Failure;
use crate::stdin_events::{JsonTexts, TextError};
use crate::values;

/// Append one event (from the argument), or every JSON object on stdin
/// (one batch, one lock).
///
/// Fills event_id, timestamp, trace_id and span_id when absent; prints each
/// stored event, with its sequence_no, as one JSON line. Bad input (exit 2)
/// writes nothing.
#[derive(clap::Args)]
pub struct Args {
    /// The session directory (created by the first append)
    #[arg(value_name = "DIR", value_parser = crate::values::path())]
    dir: PathBuf,
    /// One event as a JSON object; without it, every JSON object on stdin
    #[arg(value_name = "EVENT_JSON")]
    event: Option<String>,
    /// fdatasync the log before answering (Durability::Sync)
    #[arg(long)]
    sync: bool,
    /// Give up (exit 3, nothing written) when the lock is not free within
    /// MS milliseconds, so a lock held forever (a stopped or planted
    /// holder) cannot hang the caller
    #[arg(long, value_name = "MS", value_parser = values::millis, allow_negative_numbers = true,
          default_value_t = DEFAULT_TIMEOUT_MS)]
    timeout_ms: u64,
}

/// The default lock wait of `append`: long enough for any honest holder
/// (an append holds the lock for microseconds, a recount of a large log
/// for well under a second), short enough that a hook does not hang.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

pub fn run(args: Args) -> Result<(), Failure> {
    let options = Options::new()
        .durability(if args.sync {
            Durability::Sync
        } else {
            Durability::Buffered
        })
        .lock_wait(LockWait::Timeout(Duration::from_millis(args.timeout_ms)));
    // Open first (it writes nothing): a DIR that cannot be a log is
    // refused before stdin is read.
    let log = EventLog::open_with(&args.dir, options)?;
    // Parse and check every event before touching the log, so bad input
    // writes nothing.
    let mut events = match &args.event {
        Some(json) => parse_events(JsonTexts::new(json.as_bytes(), options.max_line_bytes))?,
        None => parse_events(JsonTexts::new(
            std::io::BufReader::with_capacity(64 * 1024, std::io::stdin().lock()),
            options.max_line_bytes,
        ))?,
    };
    log.append_batch(&mut events)?;
    // Every event is stored: from here on the exit is 0. A reader of
    // stdout that is gone (a closed pipe) is said on stderr, not in the
    // exit code, which would invite a retry that appends them twice.
    if let Err(e) = print(&events) {
        eprintln!(
            "sessiontrail: warning: {} event(s) stored, but printing them failed: {e}",
            events.len()
        );
    }
    Ok(())
}

/// Prints each stored event as one JSON line on stdout.
fn print(events: &[SessionEvent]) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    for event in events {
        serde_json::to_writer(&mut out, event)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Every JSON value in the input, each checked as an event (strictly: see
/// `event_from_json`). Numbering in messages is 1-based, matching the order
/// on stdin; the first event is numbered only when others follow it.
fn parse_events<R: std::io::BufRead>(
    mut texts: JsonTexts<R>,
) -> Result<Vec<SessionEvent>, Failure> {
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
                return Err(Failure::Input(format!("event {n}: {}", why.reason())))
            }
            Err(e) => pending = Some(refused(e)),
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

/// An event the reader refused, before the log was touched: an invalid
/// one is bad input (its reason alone; `Failure::Input` adds that nothing
/// was written), anything else the log's own failure.
fn refused(e: EventLogError) -> Failure {
    match e {
        EventLogError::InvalidEvent(why) => Failure::Input(why.reason().to_string()),
        other => Failure::Log(other),
    }
}

/// Prefixes the first event's error with its number, in a batch.
fn number_first(failure: Failure) -> Failure {
    match failure {
        Failure::Input(why) => Failure::Input(format!("event 1: {why}")),
        other => other,
    }
}
