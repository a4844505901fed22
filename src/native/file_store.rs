//! The file store: a session directory with `events.jsonl`, its counter
//! `events.jsonl.count`, its lock `events.jsonl.lock`, and `events.jsonl.torn`
//! for cut-off tails.
//!
//! Descriptors are opened at the first append and kept, so a steady-state
//! append is flock, three `fstat`s, one write, one 16-byte pwrite,
//! unlock. Files are
//! opened without following symbolic links and created 0o600 (directories
//! 0o700); a looser mode on a file we own is tightened with fchmod, and a
//! directory or file another user owns is refused (the owner rule,
//! [`Ownership`]), so a second user on a shared `/tmp` cannot plant the
//! session's files, read or cut them, or hold their lock. `events.jsonl` with more than
//! one hard link is refused: appending would change the other name too.
//! Every file is opened non-blocking and must be a regular file (checked on
//! the descriptor): a FIFO in place of `events.jsonl` would swallow every
//! append and hang its readers. An empty path, or a file given as the
//! session directory, is refused at open, before anything is created.
//!
//! After taking the lock, the store checks that the lock file and
//! `events.jsonl` still have a name (two `fstat`s: `nlink > 0`). If
//! either was deleted or replaced, a writer holding the old lock would not
//! exclude one holding the new, and appends to a deleted file would be
//! acknowledged and lost; so the store reopens everything and locks again.
//!
//! treeship-core replaces the counter by rename, which leaves a kept
//! descriptor pointing at a dead file. So the counter is reopened by path
//! whenever it is read, which happens only after another writer was seen.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::fs_util::{self, Access};
use super::lock::LockFile;
use crate::error::{io_at, EventLogError};
use crate::format::{Counter, COUNTER_LEN};
use crate::log::Ownership;
use crate::store::{LockWait, Store};

/// The events, one JSON line each, in a session directory.
pub const EVENTS_FILE: &str = "events.jsonl";
/// The counter hint: 16 bytes, u64 LE count and u64 LE size.
pub const COUNTER_FILE: &str = "events.jsonl.count";
/// The empty file every writer `flock`s.
pub const LOCK_FILE: &str = "events.jsonl.lock";
/// The bytes cut from torn tails, kept for inspection.
pub const TORN_FILE: &str = "events.jsonl.torn";
/// The Merkle tree sidecar: a header and one leaf hash per line
/// (`crate::tree`).
pub const TREE_FILE: &str = "events.jsonl.tree";

struct Open {
    lock: LockFile,
    events: File,
    /// Opened (or reopened) by path at the next counter write when `None`.
    counter: Option<File>,
    /// The counter descriptor has been checked to hold exactly 16 bytes.
    counter_len_ok: bool,
    /// The tree sidecar, opened with the others (the owner rule applies).
    tree: File,
    /// The tree descriptor has been checked for other hard links.
    tree_checked: bool,
    /// events.jsonl was created by this handle and the directory entry has
    /// not been made durable yet.
    dir_unsynced: bool,
    /// The session directory was created by this handle and its entry in
    /// the parent directory has not been made durable yet.
    parent_unsynced: bool,
}

/// A session directory on disk.
pub struct FileStore {
    dir: PathBuf,
    events_path: PathBuf,
    open: Option<Open>,
    /// A read-only descriptor for reads before the first append.
    reading: Option<File>,
    /// A read-only descriptor of the tree for reads before the first append.
    tree_reading: Option<File>,
    /// The files were reopened because a path named another file.
    reopened: bool,
    /// Whose directory and files are trusted (the owner rule).
    ownership: Ownership,
}

impl FileStore {
    /// Opens a session directory. Writes nothing; refuses a symlinked
    /// directory or events file.
    pub fn open(dir: &Path) -> Result<Self, EventLogError> {
        // `lstat("link/")` and `lstat("link/.")` follow the link, so the
        // symlink check needs the path without trailing `/` and `.`.
        let dir: PathBuf = dir.components().collect();
        let dir = dir.as_path();
        // An empty path would put the log in whatever the current directory
        // happens to be: a mistake (an unset variable), never a choice.
        if dir.as_os_str().is_empty() {
            return Err(EventLogError::Io(crate::error::io_error(
                std::io::ErrorKind::InvalidInput,
                "the session directory path is empty; nothing was created".into(),
            )));
        }
        fs_util::refuse_symlink(dir)?;
        fs_util::require_dir_or_missing(dir)?;
        let events_path = dir.join(EVENTS_FILE);
        fs_util::refuse_symlink(&events_path)?;
        Ok(FileStore {
            dir: dir.to_path_buf(),
            events_path,
            open: None,
            reading: None,
            tree_reading: None,
            reopened: false,
            ownership: Ownership::Caller,
        })
    }

    /// Sets whose directory and files a writer trusts (default
    /// [`Ownership::Caller`]); `EventLog::open_with` sets it from
    /// [`crate::Options::ownership`].
    pub fn set_ownership(&mut self, ownership: Ownership) {
        self.ownership = ownership;
    }

    /// The session directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of `events.jsonl`.
    pub fn events_path(&self) -> &Path {
        &self.events_path
    }

    fn sidecar(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Creates the directory and opens the three files, once per handle.
    fn ensure_open(&mut self) -> Result<&mut Open, EventLogError> {
        if self.open.is_none() {
            fs_util::refuse_symlink(&self.dir)?;
            let ownership = self.ownership;
            let dir_created = fs_util::create_dirs(&self.dir, ownership)?;
            fs_util::refuse_symlink(&self.dir)?;
            // Another user's directory is theirs to rewrite: refuse it
            // before a file is created in it.
            let dir_meta =
                std::fs::symlink_metadata(&self.dir).map_err(|e| io_at("stat", &self.dir, e))?;
            fs_util::require_owner(&dir_meta, &self.dir, ownership)?;
            // Reads before the first append used their own descriptor.
            self.reading = None;
            let lock_path = self.sidecar(LOCK_FILE);
            let lock = fs_util::open_private(&lock_path, Access::ReadWrite, ownership)?.0;
            let (events, created) =
                fs_util::open_private(&self.events_path, Access::Append, ownership)?;
            // Opened now, not at the first counter write, so a symlinked
            // counter fails the append instead of silently costing a
            // recount on every one.
            let counter =
                fs_util::open_private(&self.sidecar(COUNTER_FILE), Access::ReadWrite, ownership)?.0;
            let tree =
                fs_util::open_private(&self.sidecar(TREE_FILE), Access::ReadWrite, ownership)?.0;
            self.tree_reading = None;
            self.open = Some(Open {
                lock: LockFile::new(lock, &lock_path),
                events,
                counter: Some(counter),
                counter_len_ok: false,
                tree,
                tree_checked: false,
                dir_unsynced: created,
                parent_unsynced: dir_created,
            });
        }
        Ok(self.open.as_mut().expect("opened above"))
    }

    /// Whether the locked files still have a name. A file deleted, or
    /// replaced by a rename over its path, has no link left (`nlink == 0`
    /// on the descriptor); two `fstat`s, no path lookups. Not caught: a
    /// path replaced while another hard link keeps the old file alive.
    fn files_current(&self) -> Result<bool, EventLogError> {
        let Some(open) = &self.open else {
            return Ok(false);
        };
        let lock_path = self.sidecar(LOCK_FILE);
        let lock = open
            .lock
            .metadata()
            .map_err(|e| io_at("stat", &lock_path, e))?;
        let events = open
            .events
            .metadata()
            .map_err(|e| io_at("stat", &self.events_path, e))?;
        Ok(fs_util::link_count(&lock) > 0 && fs_util::link_count(&events) > 0)
    }
}

impl Store for FileStore {
    type Reader = File;

    fn name(&self) -> String {
        self.events_path.display().to_string()
    }

    fn size(&mut self) -> Result<u64, EventLogError> {
        let path = &self.events_path;
        match &self.open {
            Some(open) => {
                let meta = open.events.metadata().map_err(|e| io_at("stat", path, e))?;
                let links = fs_util::link_count(&meta);
                if links > 1 {
                    return Err(EventLogError::HardLinked {
                        path: path.clone(),
                        links,
                    });
                }
                Ok(meta.len())
            }
            None => match std::fs::symlink_metadata(path) {
                Ok(meta) => Ok(meta.len()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
                Err(e) => Err(io_at("stat", path, e)),
            },
        }
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        let file = match &self.open {
            Some(open) => &open.events,
            None => {
                if self.reading.is_none() {
                    self.reading = Some(fs_util::open_read(&self.events_path)?);
                }
                self.reading.as_ref().expect("opened above")
            }
        };
        fs_util::read_at(file, offset, buf).map_err(|e| io_at("read", &self.events_path, e))
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        let path = &self.events_path;
        let open = self.open.as_mut().expect("append is called under the lock");
        // One write_all on an O_APPEND descriptor: for a regular file Linux
        // writes it in one call, so a kill mid-line is the only way to tear it.
        open.events
            .write_all(bytes)
            .map_err(|e| io_at("append to", path, e))
    }

    fn truncate(&mut self, len: u64) -> Result<(), EventLogError> {
        let path = &self.events_path;
        let open = self
            .open
            .as_mut()
            .expect("truncate is called under the lock");
        open.events
            .set_len(len)
            .map_err(|e| io_at("truncate", path, e))
    }

    fn sync(&mut self) -> Result<(), EventLogError> {
        let path = &self.events_path;
        let dir = &self.dir;
        let open = self.open.as_mut().expect("sync is called under the lock");
        open.events
            .sync_data()
            .map_err(|e| io_at("fdatasync", path, e))?;
        if open.dir_unsynced {
            fs_util::sync_dir(dir)?;
            open.dir_unsynced = false;
        }
        if open.parent_unsynced {
            // Only the nearest parent: levels above that `create_dir_all`
            // also made are left to the caller, who chose the path.
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs_util::sync_dir(parent)?;
            }
            open.parent_unsynced = false;
        }
        Ok(())
    }

    fn lock(&mut self, wait: LockWait) -> Result<(), EventLogError> {
        // Two rounds cover a file replaced once; more means something keeps
        // deleting the session's files, which is worth an error.
        for _ in 0..3 {
            self.ensure_open()?.lock.lock(wait)?;
            match self.files_current() {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    self.unlock();
                    self.open = None;
                    self.reopened = true;
                }
                Err(e) => {
                    self.unlock();
                    return Err(e);
                }
            }
        }
        Err(io_at(
            "lock",
            &self.sidecar(LOCK_FILE),
            std::io::Error::other(
                "the lock file or events.jsonl was replaced three times while locking",
            ),
        ))
    }

    fn unlock(&mut self) {
        if let Some(open) = &self.open {
            open.lock.unlock();
        }
    }

    fn take_reopened(&mut self) -> bool {
        std::mem::take(&mut self.reopened)
    }

    fn load_counter(&mut self) -> Option<Counter> {
        let path = self.sidecar(COUNTER_FILE);
        // Opened by path: another writer may have renamed a new counter into
        // place since this handle's descriptor was opened. A handle that
        // writes keeps the fresh descriptor (read-write, never created here,
        // so a check creates nothing) for the counter write that follows.
        // One read of 17 bytes: on a regular file a short read is the end,
        // and anything but exactly 16 bytes is no counter.
        let mut bytes = [0u8; COUNTER_LEN + 1];
        let n = match &mut self.open {
            Some(open) => {
                open.counter = fs_util::open_existing_rw(&path, self.ownership)
                    .ok()
                    .flatten();
                open.counter_len_ok = false;
                fs_util::read_at(open.counter.as_ref()?, 0, &mut bytes).ok()?
            }
            None => fs_util::read_at(&fs_util::open_read(&path).ok()?, 0, &mut bytes).ok()?,
        };
        Counter::decode(&bytes[..n])
    }

    fn save_counter(&mut self, counter: Counter) -> Result<(), EventLogError> {
        let path = self.sidecar(COUNTER_FILE);
        let open = self
            .open
            .as_mut()
            .expect("save_counter is called under the lock");
        if open.counter.is_none() {
            open.counter = Some(fs_util::open_private(&path, Access::ReadWrite, self.ownership)?.0);
            open.counter_len_ok = false;
        }
        let file = open.counter.as_ref().expect("opened above");
        // Once per descriptor, before its first write: refuse a counter with
        // another hard link (the caller ignores the error: a recount later),
        // and cut one longer than 16 bytes, which is no counter. The steady
        // state stays one pwrite.
        if !open.counter_len_ok {
            let meta = fs_util::refuse_hard_links(file, &path)?;
            // A counter renamed into place by another writer may be looser.
            fs_util::tighten(file, &path, fs_util::modes(self.ownership).0)?;
            if meta.len() != COUNTER_LEN as u64 {
                file.set_len(COUNTER_LEN as u64)
                    .map_err(|e| io_at("write counter", &path, e))?;
            }
            open.counter_len_ok = true;
        }
        fs_util::write_at(file, 0, &counter.encode()).map_err(|e| io_at("write counter", &path, e))
    }

    fn tree_size(&mut self) -> Result<Option<u64>, EventLogError> {
        let path = self.sidecar(TREE_FILE);
        match &self.open {
            Some(open) => Ok(Some(
                open.tree
                    .metadata()
                    .map_err(|e| io_at("stat", &path, e))?
                    .len(),
            )),
            None => match std::fs::symlink_metadata(&path) {
                Ok(meta) => Ok(Some(meta.len())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(0)),
                Err(e) => Err(io_at("stat", &path, e)),
            },
        }
    }

    fn read_tree(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        let path = self.sidecar(TREE_FILE);
        let file = match &self.open {
            Some(open) => &open.tree,
            None => {
                if self.tree_reading.is_none() {
                    match fs_util::open_read(&path) {
                        Ok(f) => self.tree_reading = Some(f),
                        Err(EventLogError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                            return Ok(0)
                        }
                        Err(e) => return Err(e),
                    }
                }
                self.tree_reading.as_ref().expect("opened above")
            }
        };
        fs_util::read_at(file, offset, buf).map_err(|e| io_at("read", &path, e))
    }

    fn write_tree(&mut self, offset: u64, bytes: &[u8]) -> Result<(), EventLogError> {
        let path = self.sidecar(TREE_FILE);
        let open = self
            .open
            .as_mut()
            .expect("write_tree is called under the lock");
        if !open.tree_checked {
            fs_util::refuse_hard_links(&open.tree, &path)?;
            open.tree_checked = true;
        }
        fs_util::write_at(&open.tree, offset, bytes).map_err(|e| io_at("write", &path, e))
    }

    fn truncate_tree(&mut self, len: u64) -> Result<(), EventLogError> {
        let path = self.sidecar(TREE_FILE);
        let open = self
            .open
            .as_mut()
            .expect("truncate_tree is called under the lock");
        open.tree
            .set_len(len)
            .map_err(|e| io_at("truncate", &path, e))
    }

    fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        let path = self.sidecar(TORN_FILE);
        let mut file = fs_util::open_private(&path, Access::Append, self.ownership)?.0;
        fs_util::refuse_hard_links(&file, &path)?;
        file.write_all(bytes)
            .map_err(|e| io_at("append to", &path, e))
    }

    /// The size read while holding the lock for a moment, so an append in
    /// progress is either wholly in or wholly out. The lock file is opened
    /// read-only and only if it exists (a check creates nothing). When the
    /// lock is not free within 2 s (a holder stopped, or a recount of a
    /// huge log) the size is read without it, and a tail being written may
    /// then be reported torn.
    fn settled_size(&mut self) -> Result<u64, EventLogError> {
        let lock_path = self.sidecar(LOCK_FILE);
        let Ok(file) = fs_util::open_read(&lock_path) else {
            return self.size();
        };
        let lock = LockFile::new(file, &lock_path);
        if lock
            .lock(LockWait::Timeout(std::time::Duration::from_secs(2)))
            .is_err()
        {
            return self.size();
        }
        let size = self.size();
        lock.unlock();
        size
    }

    fn reader(&mut self) -> Result<Option<File>, EventLogError> {
        match fs_util::open_read(&self.events_path) {
            Ok(file) => Ok(Some(file)),
            Err(EventLogError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}
