//! Why a command failed, and the one place that turns that into a message
//! on stderr and an exit code.
//!
//! Exit codes: 0 ok, 1 a damaged log (`check`), 2 bad usage or input, 3 the
//! log could not be read or written, 4 sessions could not be shipped
//! (`otlp`), 5 lines that differ from their Merkle tree (`verify`). `sessiontrail hook` keeps its own rule (0 or 1, never 2: an
//! agent reads 2 as "block"), in `hook/mod.rs`. `append` exits 0 once its
//! events are stored, whatever happens to its output (`append.rs`). The
//! table for users is in docs/format.md ("Exit codes").

use std::process::ExitCode;

use sessiontrail::EventLogError;

pub enum Failure {
    /// The command line asked for something the command cannot do (beyond
    /// what the parser checks: a PATH that is not a directory, no endpoint).
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    Usage(String),
    /// The events given were refused before the log was touched (not JSON,
    /// not an event): the message is the reason alone, and this variant
    /// says that nothing was written.
    Input(String),
    /// The log refused or failed. Its message is the log's own; an
    /// `InvalidEvent` the log refuses at append says itself that nothing
    /// was written.
    Log(EventLogError),
    /// `check` found damage (the report is already printed).
    Damaged,
    /// `verify` found lines that differ from their tree, or no tree (the
    /// report is already printed).
    Tampered,
    /// Sessions could not be shipped (`otlp`).
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    Ship(String),
    /// Transcripts could not be read or recorded (`import`; each reason is
    /// already printed, this one says how many).
    #[cfg_attr(not(feature = "hook"), allow(dead_code))]
    Import(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Log(EventLogError::Io(e))
    }
}

impl From<EventLogError> for Failure {
    fn from(e: EventLogError) -> Self {
        Failure::Log(e)
    }
}

impl Failure {
    /// The exit code of this failure. A log's error exits with its kind's
    /// code (`ErrorKind::exit_code`, the core's one table: 2 for an invalid
    /// event, 3 for a log that could not be read or written).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Damaged => 1,
            Failure::Tampered => 5,
            Failure::Usage(_) | Failure::Input(_) => 2,
            Failure::Log(e) => e.kind().exit_code(),
            Failure::Ship(_) => 4,
            Failure::Import(_) => 3,
        }
    }

    /// Prints the message (nothing for `Damaged`: the report said it).
    fn report(&self) {
        match self {
            Failure::Damaged | Failure::Tampered => {}
            Failure::Usage(why) => {
                eprintln!("sessiontrail: {why}\n\nFor more information, try '--help'.")
            }
            Failure::Input(why) => {
                eprintln!("sessiontrail: invalid event: {why}; nothing was written")
            }
            Failure::Log(e) => eprintln!("sessiontrail: {e}"),
            Failure::Ship(why) => eprintln!("sessiontrail otlp: {why}"),
            Failure::Import(why) => eprintln!("sessiontrail import: {why}"),
        }
    }
}

/// A command's result as the process's exit.
pub fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report();
            ExitCode::from(failure.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessiontrail::InvalidEvent;

    #[test]
    fn each_failure_has_its_exit_code() {
        let io = || EventLogError::Io(std::io::Error::other("disk"));
        assert_eq!(Failure::Damaged.exit_code(), 1);
        assert_eq!(Failure::Usage("u".into()).exit_code(), 2);
        assert_eq!(Failure::Input("i".into()).exit_code(), 2);
        // The log refusing an event at append is bad input, not a log
        // that cannot be written.
        let too_long = InvalidEvent::new(None, "too long".into());
        assert_eq!(
            Failure::Log(EventLogError::InvalidEvent(too_long)).exit_code(),
            2
        );
        let link = EventLogError::Symlink { path: "l".into() };
        assert_eq!(Failure::Log(link).exit_code(), 3);
        assert_eq!(Failure::Log(io()).exit_code(), 3);
        assert_eq!(Failure::from(std::io::Error::other("x")).exit_code(), 3);
        assert_eq!(Failure::Ship("s".into()).exit_code(), 4);
        assert_eq!(Failure::Import("i".into()).exit_code(), 3);
        assert_eq!(Failure::Tampered.exit_code(), 5);
    }
}
