//! Finding session directories under a root: the one listing behind every
//! command that takes "a session directory or a root of them"
//! (`sessiontrail view`, `sessiontrail otlp`).
//!
//! It lives in the core, beside the store, because what a session
//! directory is (a directory holding a regular `events.jsonl`, reached
//! without a symlink) is the store's rule, and any host that keeps many
//! sessions under one root (the CLI's `SESSIONTRAIL_ROOT`, a Python agent)
//! lists them the same way.

use std::path::{Path, PathBuf};

use super::file_store::EVENTS_FILE;
use crate::error::{io_at, EventLogError};

/// Whether `dir` is a session directory: neither it nor its `events.jsonl`
/// is a symbolic link, and `events.jsonl` is a regular file.
pub fn is_session_dir(dir: &Path) -> bool {
    let lstat = std::fs::symlink_metadata;
    lstat(dir).is_ok_and(|m| m.is_dir()) && lstat(&dir.join(EVENTS_FILE)).is_ok_and(|m| m.is_file())
}

/// The session directories at `path`: `path` itself when it is one, else
/// [`session_dirs_under`] it.
pub fn session_dirs(path: &Path) -> Result<Vec<PathBuf>, EventLogError> {
    if is_session_dir(path) {
        return Ok(vec![path.to_path_buf()]);
    }
    session_dirs_under(path)
}

/// The session directories directly under `root`, sorted by name.
/// Symbolic links among them are skipped, never followed; a `root` that
/// cannot be listed is an error naming it.
pub fn session_dirs_under(root: &Path) -> Result<Vec<PathBuf>, EventLogError> {
    let entries = std::fs::read_dir(root).map_err(|e| io_at("list", root, e))?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        // file_type() does not follow links: a symlinked directory is not
        // a directory here.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|dir| is_session_dir(dir))
        .collect();
    found.sort();
    Ok(found)
}
