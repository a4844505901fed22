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
    /// A checkpoint from `sessiontrail seal`: the log must extend it (an
    /// RFC 9162 consistency proof from its tree to today's)
    #[arg(long, value_name = "FILE", value_parser = crate::values::path())]
    checkpoint: Option<PathBuf>,
    /// The signer's public key (`keygen`'s FILE.pub): the checkpoint must
    /// carry its valid signature
    #[arg(long, value_name = "FILE", value_parser = crate::values::path(), requires = "checkpoint")]
    public_key: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = session::existing(args.dir)?;
    // The signature first: a forged checkpoint is refused before the log
    // is read.
    let checkpoint = match &args.checkpoint {
        Some(path) => Some(crate::seal::read_checkpoint(
            path,
            args.public_key.as_deref(),
        )?),
        None => None,
    };
    let report = EventLog::open(&dir)?.verify()?;
    println!(
        "{}",
        printable(&dir.join(sessiontrail::EVENTS_FILE).display().to_string())
    );
    for line in report.to_string().lines() {
        println!("{}", printable(line));
    }
    if !report.is_ok() {
        return Err(Failure::Tampered);
    }
    if let Some(cp) = checkpoint {
        match crate::seal::extends(&report, &cp) {
            Ok(()) => println!(
                "ok: the log extends the checkpoint of {} at {} lines{}",
                printable(&cp.origin),
                cp.size,
                if args.public_key.is_some() {
                    " (signature valid)"
                } else {
                    " (signature not checked: no --public-key)"
                }
            ),
            Err(why) => {
                println!("TAMPERED: {}", printable(&why));
                return Err(Failure::Tampered);
            }
        }
    }
    Ok(())
}
