//! `sessiontrail verify DIR`: the lines against their Merkle tree sidecar
//! (the core's `EventLog::verify`); exit 5 naming the first line that
//! differs, and how, when they do not agree.

use std::path::PathBuf;

use sessiontrail::EventLog;

use crate::failure::Failure;
use crate::session;
use crate::terminal::printable;

/// Hash every line and compare it with the tree kept at each append; exit 5
/// naming the first line (and sequence number) that differs and whether it
/// was changed, removed, inserted or cut.
///
/// Reads only. Without a checkpoint kept outside the directory, whoever can
/// write the directory can rewrite the lines and the tree together.
#[derive(clap::Args)]
pub struct Args {
    /// The session directory (holding events.jsonl)
    #[arg(value_name = "DIR", value_parser = crate::values::path())]
    dir: PathBuf,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = session::existing(args.dir)?;
    let report = EventLog::open(&dir)?.verify()?;
    println!(
        "{}",
        printable(&dir.join(sessiontrail::EVENTS_FILE).display().to_string())
    );
    for line in report.to_string().lines() {
        println!("{}", printable(line));
    }
    if report.is_ok() {
        Ok(())
    } else {
        Err(Failure::Tampered)
    }
}
