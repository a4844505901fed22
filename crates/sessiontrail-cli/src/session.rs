//! The session directory a reader (`cat`, `check`) is given. Readers need
//! one that exists: an empty report for a mistyped path would look like a
//! healthy empty log.

use std::path::PathBuf;

use sessiontrail::EventLogError;

use crate::failure::Failure;

/// `dir` when something is there (the log then says whether it is a
/// session), else exit 3 naming the path.
pub fn existing(dir: PathBuf) -> Result<PathBuf, Failure> {
    match std::fs::symlink_metadata(&dir) {
        Ok(_) => Ok(dir),
        Err(e) => Err(Failure::Log(EventLogError::Io(std::io::Error::new(
            e.kind(),
            format!("no session directory at {}: {e}", dir.display()),
        )))),
    }
}
