//! Storage behind the log: the small trait every backend implements.
//!
//! The append protocol (in `log`) is written once against [`Store`]. The
//! native file store, the JavaScript host store and the in-memory store
//! differ only in how they move bytes and take the lock, so the same test
//! scenarios run over each of them.

mod memory;

pub use memory::MemoryStore;

use std::io::Read;
use std::time::Duration;

use crate::error::EventLogError;
use crate::format::Counter;

/// How long an append waits for the lock.
///
/// `#[non_exhaustive]`: a later release may add a way to wait (a `match`
/// needs a `_` arm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LockWait {
    /// Wait as long as it takes (the default). A writer that holds the lock
    /// forever stalls the others; it never makes them write unlocked.
    #[default]
    Block,
    /// Give up after this long with [`EventLogError::LockTimeout`], having
    /// written nothing.
    Timeout(Duration),
}

/// Byte storage for one log: the events, the counter hint, the torn-tail
/// sidecar, and a lock that serialises appenders.
///
/// **For store implementers only.** Applications use [`EventLog`] over
/// the stores this crate provides (the file store natively, `FileStore`;
/// [`MemoryStore`]) and never call these methods: the append
/// protocol in [`EventLog`] calls them, in its own order, under its own
/// lock, and calling them directly (saving a counter, cutting bytes,
/// keeping a torn tail) can make that protocol hand out a number twice.
/// The protocol's parts here (the counter hint, the torn sidecar, the
/// reopen signal) may change in a minor release, as the module
/// [`hosting`](crate::hosting) may.
///
/// Every method that changes bytes is called only between [`Store::lock`]
/// and [`Store::unlock`].
///
/// [`EventLog`]: crate::EventLog
pub trait Store {
    /// A reader over the stored events, from the first byte.
    type Reader: Read;

    /// A name for the log in error messages (a path, a host's name).
    fn name(&self) -> String;

    /// The current byte size of the events. Cheap: it is read before every
    /// append to notice other writers.
    fn size(&mut self) -> Result<u64, EventLogError>;

    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError>;

    /// Appends all of `bytes` at the end, or fails.
    fn append(&mut self, bytes: &[u8]) -> Result<(), EventLogError>;

    /// Cuts the events back to `len` bytes (torn-tail repair only).
    fn truncate(&mut self, len: u64) -> Result<(), EventLogError>;

    /// Makes every appended byte durable.
    fn sync(&mut self) -> Result<(), EventLogError>;

    /// Takes the exclusive lock that serialises appenders.
    fn lock(&mut self, wait: LockWait) -> Result<(), EventLogError>;

    /// Releases the lock taken by [`Store::lock`].
    fn unlock(&mut self);

    /// The counter hint, if there is one of the right length.
    fn load_counter(&mut self) -> Option<Counter>;

    /// Records the counter hint. A failure here costs a recount later, never
    /// a wrong number, because the hint is checked against the real size.
    fn save_counter(&mut self, counter: Counter) -> Result<(), EventLogError>;

    /// Keeps the bytes of a torn tail for inspection before they are cut.
    fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError>;

    /// Whether the store has reopened its storage since the last call (a
    /// file was replaced behind it), so what the log remembers of the last
    /// append no longer describes it. Stores that cannot be replaced keep
    /// the default.
    fn take_reopened(&mut self) -> bool {
        false
    }

    /// The size of the events with no append half-written: what `check`
    /// reads up to, so a line still being written is not called a torn
    /// tail. Stores whose appends a reader cannot see half-done keep the
    /// default, [`Store::size`].
    fn settled_size(&mut self) -> Result<u64, EventLogError> {
        self.size()
    }

    /// The byte size of the Merkle tree sidecar (`crate::tree`), or `None`
    /// for a store that keeps no tree (the default). A store that keeps one
    /// but has none yet answers `Some(0)`.
    fn tree_size(&mut self) -> Result<Option<u64>, EventLogError> {
        Ok(None)
    }

    /// Reads up to `buf.len()` bytes of the tree sidecar at `offset`.
    fn read_tree(&mut self, _offset: u64, _buf: &mut [u8]) -> Result<usize, EventLogError> {
        Ok(0)
    }

    /// Writes `bytes` at `offset` of the tree sidecar, creating it (under
    /// the lock).
    fn write_tree(&mut self, _offset: u64, _bytes: &[u8]) -> Result<(), EventLogError> {
        Ok(())
    }

    /// Cuts the tree sidecar to `len` bytes (under the lock).
    fn truncate_tree(&mut self, _len: u64) -> Result<(), EventLogError> {
        Ok(())
    }

    /// A reader over the events as stored now, or `None` when nothing has
    /// been stored yet.
    fn reader(&mut self) -> Result<Option<Self::Reader>, EventLogError>;
}
