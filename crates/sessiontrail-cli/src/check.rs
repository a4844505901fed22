//! `sessiontrail check DIR`: the integrity report of one session, as text
//! or as the JSON every reader of this project shares; exit 1 when the log
//! is damaged.

use std::io::Write;
use std::path::PathBuf;

use sessiontrail::EventLog;

use crate::failure::Failure;
use crate::session;
use crate::terminal::printable;

/// Report events, skipped lines, duplicate and missing sequence numbers, a
/// torn tail and the counter; exit 1 when the log is damaged.
///
/// Reads only: check never repairs (the next append does, under the lock).
#[derive(clap::Args)]
pub struct Args {
    /// The session directory (holding events.jsonl)
    #[arg(value_name = "DIR", value_parser = crate::values::path())]
    dir: PathBuf,
    /// The report as one JSON object, with "ok" for the verdict
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = session::existing(args.dir)?;
    let report = EventLog::open(&dir)?.check()?;
    if args.json {
        // The shape of npm's check() and the viewer's (CheckReport::write_json).
        let mut out = Vec::new();
        report.write_json(&mut out);
        out.push(b'\n');
        std::io::stdout().lock().write_all(&out)?;
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
