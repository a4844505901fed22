//! The only place that locks a file.
//!
//! The lock is an exclusive `flock` (through fs2; `LockFileEx` on Windows) on
//! `events.jsonl.lock`, the same lock treeship-core takes, so both can append
//! to one directory at once.
//!
//! What it does not guarantee:
//! - It is advisory: a writer that does not take it (a text editor, `echo >>`)
//!   is not stopped. The size check in the append protocol notices such
//!   writes afterwards and recounts; it cannot undo them.
//! - On NFS, `flock` is emulated with POSIX byte-range locks when the server
//!   runs lockd, and fails with `ENOLCK` when it does not. Where the file
//!   system cannot lock at all (ENOTSUP, EOPNOTSUPP, ENOLCK, ENOSYS) the
//!   append fails with [`EventLogError::LockUnsupported`]; it never writes
//!   unlocked.
//! - A process that is stopped (SIGSTOP, a debugger) while holding the lock
//!   stalls every other writer. Blocking is the default; a timeout turns the
//!   stall into [`EventLogError::LockTimeout`] with nothing written.
//!   A process that dies releases its lock: the kernel closes its descriptors.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs2::FileExt;

use crate::error::{io_at, EventLogError};
use crate::store::LockWait;

pub(crate) struct LockFile {
    file: File,
    path: PathBuf,
}

impl LockFile {
    /// Wraps an already opened lock file (opened without following links).
    pub(crate) fn new(file: File, path: &Path) -> Self {
        LockFile {
            file,
            path: path.to_path_buf(),
        }
    }

    pub(crate) fn lock(&self, wait: LockWait) -> Result<(), EventLogError> {
        match wait {
            LockWait::Block => loop {
                match self.file.lock_exclusive() {
                    Ok(()) => return Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(self.error(e)),
                }
            },
            LockWait::Timeout(limit) => self.lock_within(limit),
        }
    }

    fn lock_within(&self, limit: Duration) -> Result<(), EventLogError> {
        let start = Instant::now();
        let mut pause = Duration::from_micros(100);
        loop {
            match self.file.try_lock_exclusive() {
                Ok(()) => return Ok(()),
                Err(e) if is_contended(&e) => {}
                Err(e) => return Err(self.error(e)),
            }
            let waited = start.elapsed();
            if waited >= limit {
                return Err(EventLogError::LockTimeout {
                    path: self.path.clone(),
                    waited: limit,
                });
            }
            std::thread::sleep(pause.min(limit - waited));
            pause = (pause * 2).min(Duration::from_millis(10));
        }
    }

    /// The lock file's metadata, through its descriptor.
    pub(crate) fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        self.file.metadata()
    }

    pub(crate) fn unlock(&self) {
        // Unlocking a held flock cannot fail on a valid descriptor; if it
        // somehow did, closing the descriptor (on drop) releases it anyway.
        let _ = FileExt::unlock(&self.file);
    }

    fn error(&self, e: std::io::Error) -> EventLogError {
        if is_unsupported(&e) {
            EventLogError::LockUnsupported {
                path: self.path.clone(),
                source: e,
            }
        } else {
            io_at("lock", &self.path, e)
        }
    }
}

fn is_contended(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock
        || e.raw_os_error() == fs2::lock_contended_error().raw_os_error()
        || e.kind() == std::io::ErrorKind::Interrupted
}

#[cfg(unix)]
fn is_unsupported(e: &std::io::Error) -> bool {
    // ENOTSUP and EOPNOTSUPP are one value on Linux, two on the BSDs.
    let unsupported = [libc::ENOTSUP, libc::EOPNOTSUPP, libc::ENOLCK, libc::ENOSYS];
    e.raw_os_error()
        .is_some_and(|code| unsupported.contains(&code))
}

#[cfg(not(unix))]
fn is_unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported
}
