//! The one error type of the crate.
//!
//! `Io` and `Json` keep treeship-core's variant names so code that matches on
//! them still compiles. Every I/O error this crate makes carries the path and
//! the operation in its message (see [`io_at`]), so `Io` still names the file
//! while keeping the original `ErrorKind`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An error from opening, appending to or reading a log.
#[derive(Debug)]
pub enum EventLogError {
    /// An I/O error; its message names the path and what was being done.
    Io(std::io::Error),
    /// An event could not be serialized or parsed.
    Json(serde_json::Error),
    /// The session directory or `events.jsonl` is a symbolic link. Nothing
    /// was written: following it could write someone else's file.
    Symlink { path: PathBuf },
    /// `events.jsonl` has more than one hard link, so writing to it would
    /// change another name too. Nothing was written.
    HardLinked { path: PathBuf, links: u64 },
    /// The lock was not taken within the timeout. Nothing was written.
    LockTimeout { path: PathBuf, waited: Duration },
    /// The file system cannot take an exclusive lock (NFS without lockd,
    /// some FUSE mounts). Nothing was written: an unlocked append could hand
    /// out a sequence number twice.
    LockUnsupported {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An event given to the log is not valid (wrong shape, unknown type,
    /// out-of-range number). Nothing was written.
    InvalidEvent(String),
    /// A storage host (a JavaScript object under wasm) failed or broke its
    /// contract. Nothing was acknowledged.
    Host(String),
}

impl fmt::Display for EventLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "event log io: {e}"),
            Self::Json(e) => write!(f, "event log json: {e}"),
            Self::Symlink { path } => write!(
                f,
                "refusing to use {}: it is a symbolic link",
                path.display()
            ),
            Self::HardLinked { path, links } => write!(
                f,
                "refusing to write {}: it has {links} hard links, so writing would change another file",
                path.display()
            ),
            Self::LockTimeout { path, waited } => write!(
                f,
                "could not lock {} within {} ms; nothing was written",
                path.display(),
                // u64, not u128: u128 formatting is 1.5 KB of .wasm.
                u64::try_from(waited.as_millis()).unwrap_or(u64::MAX)
            ),
            Self::LockUnsupported { path, source } => write!(
                f,
                "the file system cannot lock {} ({source}); refusing to append without a lock",
                path.display()
            ),
            Self::InvalidEvent(why) => write!(f, "invalid event: {why}"),
            Self::Host(why) => write!(f, "storage host failed: {why}"),
        }
    }
}

impl std::error::Error for EventLogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Json(e) => Some(e),
            Self::LockUnsupported { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<std::io::Error> for EventLogError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<serde_json::Error> for EventLogError {
    fn from(e: serde_json::Error) -> Self {
        Self::Json(e)
    }
}

/// Wraps an I/O error so its message says what was done to which path,
/// keeping its kind.
pub(crate) fn io_at(op: &str, path: &Path, e: std::io::Error) -> EventLogError {
    EventLogError::Io(io_error(e.kind(), format!("{op} {}: {e}", path.display())))
}

/// An I/O error of `kind` with `message`.
///
/// Not `io::Error::new(kind, message)`: that boxes the `String` in a type
/// whose `Debug` escapes it with `{:?}`, which brings Rust's string escaping
/// and its Unicode tables (3.5 KB) into the `.wasm`. This one's `Debug` is
/// the message as it is.
pub(crate) fn io_error(kind: std::io::ErrorKind, message: String) -> std::io::Error {
    struct Message(String);
    impl fmt::Debug for Message {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl fmt::Display for Message {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl std::error::Error for Message {}
    std::io::Error::new(kind, Message(message))
}
