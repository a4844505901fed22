//! The native platform: files, flock, the system clock and the OS's random
//! numbers. The wasm module offers the same functions for JavaScript hosts.

mod file_store;
mod fs_util;
mod lock;
mod sessions;
mod tail;

use std::path::Path;

pub use file_store::{FileStore, COUNTER_FILE, EVENTS_FILE, LOCK_FILE, TORN_FILE, TREE_FILE};
pub use sessions::{is_session_dir, session_dirs, session_dirs_under};
pub use tail::{Restart, Tail, TailRead};

/// Opens `path` for reading as the store opens a log's files: no final
/// symbolic link, an open that never waits (`O_NONBLOCK`), then the
/// descriptor must be a regular file, so a FIFO, a device or a directory at
/// the path is an error naming it, never a read that blocks. For a
/// program's own files beside a log (the OTLP shipper's cursors).
pub fn open_regular(path: &std::path::Path) -> Result<std::fs::File, crate::EventLogError> {
    fs_util::open_read(path)
}

use crate::error::EventLogError;
use crate::log::{EventLog, Options};

/// The store `EventLog` uses when none is named.
pub type DefaultStore = FileStore;

impl EventLog<FileStore> {
    /// Opens the log in a session directory with the default options.
    ///
    /// Writes nothing: the directory and files are created by the first
    /// append. Refuses a directory or `events.jsonl` that is a symlink.
    pub fn open(session_dir: &Path) -> Result<Self, EventLogError> {
        Self::open_with(session_dir, Options::default())
    }

    /// Opens the log in a session directory with `options`.
    pub fn open_with(session_dir: &Path, options: Options) -> Result<Self, EventLogError> {
        let mut store = FileStore::open(session_dir)?;
        store.set_ownership(options.ownership);
        let path = store.events_path().to_path_buf();
        EventLog::with_store_at(store, options, path)
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn fill_random(buf: &mut [u8]) {
    // getrandom fails only where the OS has no random source at all; ids
    // are then still unique enough from the clock, and an event id is not a
    // secret, so degrade instead of failing the append.
    if getrandom::getrandom(buf).is_err() {
        let seed = unix_millis() ^ u64::from(std::process::id()) << 32;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed.rotate_left(i as u32 * 7) >> (i % 8)) as u8;
        }
    }
}
