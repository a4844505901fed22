//! The hook's sidecar: start times kept between two firings of one call.
//!
//! A PostToolUse payload says what a tool did but not how long it took, and
//! the PreToolUse firing that saw it start is another process. So PreToolUse
//! writes its time to `<session>/hook-pending/tool-<hash of tool_use_id>`
//! and PostToolUse reads and removes it; SubagentStart and SessionStart do
//! the same for subagents and the session. One small file per key, written
//! to a temporary name and renamed into place, so a reader sees a whole time
//! or none, and parallel calls never share a file. A call whose Post never
//! comes (a denied tool) leaves its file until SessionEnd removes the folder.
//!
//! The sidecar only ever adds a duration: when it is missing or unreadable
//! the event is recorded without one.
//!
//! The same store of one number per key keeps the transcript cursors
//! (`<session>/transcript-cursors/`, [`Pending::cursors`]): how far the
//! hook and the importer have read each transcript of the session, in
//! bytes. That folder outlives the session, so an import after the session
//! ended and a hook firing after an import start where the other stopped.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The sidecar folder's name inside a session directory.
pub const PENDING_DIR: &str = "hook-pending";
/// The folder of transcript cursors inside a session directory.
pub const CURSOR_DIR: &str = "transcript-cursors";

pub struct Pending {
    dir: PathBuf,
}

impl Pending {
    pub fn new(session_dir: &Path) -> Self {
        Pending {
            dir: session_dir.join(PENDING_DIR),
        }
    }

    /// The transcript cursors of a session, keyed by `ids::file_key(
    /// "transcript", path)`.
    pub fn cursors(session_dir: &Path) -> Self {
        Pending {
            dir: session_dir.join(CURSOR_DIR),
        }
    }

    /// Keeps `unix_ms` under `key` (a file name from `ids::file_key`).
    pub fn remember(&self, key: &str, unix_ms: u64) -> Result<(), String> {
        let fail = |what: &str, path: &Path, e: std::io::Error| {
            format!("could not {what} {}: {e}", path.display())
        };
        create_private_dir(&self.dir).map_err(|e| fail("create", &self.dir, e))?;
        let tmp = self.dir.join(format!(".tmp-{}-{key}", std::process::id()));
        let target = self.dir.join(key);
        let written =
            private_file(&tmp).and_then(|mut f| f.write_all(unix_ms.to_string().as_bytes()));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail("write", &tmp, e));
        }
        std::fs::rename(&tmp, &target).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            fail("rename into place", &target, e)
        })
    }

    /// Keeps `n` under `key` by writing over the file in place: twenty
    /// digits, always the same width, so no truncation is needed. For the
    /// transcript cursors, written at every Stop: a rename over an existing
    /// file makes ext4 flush the new file's data first (its
    /// `auto_da_alloc` heuristic), which cost about 0.4 ms a firing here.
    /// A reader that finds the file unreadable (being created, or torn by a
    /// crash) treats the cursor as missing, and the hook then checks the
    /// log for what it already holds (`hook/mod.rs`).
    pub fn overwrite(&self, key: &str, n: u64) -> Result<(), String> {
        create_private_dir(&self.dir)
            .map_err(|e| format!("could not create {}: {e}", self.dir.display()))?;
        let path = self.dir.join(key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{n:020}\n").as_bytes()))
            .map_err(|e| format!("could not write {}: {e}", path.display()))
    }

    /// The time kept under `key`, if any.
    pub fn recall(&self, key: &str) -> Option<u64> {
        std::fs::read_to_string(self.dir.join(key))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Drops `key`; a key already gone is fine.
    pub fn forget(&self, key: &str) {
        let _ = std::fs::remove_file(self.dir.join(key));
    }

    /// Drops the whole sidecar (at the end of the session).
    pub fn clear(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The folder and its missing parents (the session directory itself when
/// no event has created it yet), readable by the owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
