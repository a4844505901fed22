//! `sessiontrail cat DIR`: the events as JSON lines, or as a readable
//! timeline, streamed (the log is never read whole into memory).

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use sessiontrail::{EventLog, EventLogError, SessionEvent};

use crate::failure::Failure;
use crate::terminal::printable;
use crate::{session, values};

/// Print the events as JSON lines, or as a readable timeline.
///
/// Unreadable lines are skipped and counted on stderr (`sessiontrail check`
/// says what they are).
#[derive(clap::Args)]
pub struct Args {
    /// The session directory (holding events.jsonl)
    #[arg(value_name = "DIR", value_parser = crate::values::path())]
    dir: PathBuf,
    /// One readable row per event: sequence number, time, type, agent,
    /// fields
    #[arg(long)]
    pretty: bool,
    /// Start at sequence number SEQ
    #[arg(long, value_name = "SEQ", value_parser = values::sequence, allow_negative_numbers = true)]
    from: Option<u64>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = session::existing(args.dir)?;
    let log = EventLog::open(&dir)?;
    let mut events = log.read_from(args.from.unwrap_or(0))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for event in &mut events {
        let event = event?;
        if args.pretty {
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
