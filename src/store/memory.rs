//! An in-memory store: the browser's `MemoryHost` without JavaScript, and the
//! store that lets the wasm-path logic run in native `cargo test`.
//!
//! Clones share one buffer, like two processes opening one file, so the
//! multi-writer scenarios run here too. Its lock is a flag and a condition
//! variable shared by the clones.

use std::io::Cursor;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::{LockWait, Store};
use crate::error::EventLogError;
use crate::format::{Counter, COUNTER_LEN};

#[derive(Default)]
struct Shared {
    events: Vec<u8>,
    counter: Option<Vec<u8>>,
    torn: Vec<u8>,
    tree: Vec<u8>,
    locked: bool,
    /// The most event bytes the store holds, like a full disk; see
    /// [`MemoryStore::set_capacity`].
    capacity: Option<u64>,
}

/// Log bytes held in memory; clones see the same bytes.
#[derive(Default)]
pub struct MemoryStore {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    holds_lock: bool,
}

/// A clone is another writer on the same bytes: it shares them but not the
/// lock. (A derived Clone would copy `holds_lock`, and dropping the clone of
/// a locked store would release the lock its original still holds.)
impl Clone for MemoryStore {
    fn clone(&self) -> Self {
        MemoryStore {
            shared: Arc::clone(&self.shared),
            holds_lock: false,
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that starts with these event bytes (an imported file, say).
    pub fn from_bytes(events: Vec<u8>) -> Self {
        let store = Self::new();
        store.state().events = events;
        store
    }

    /// A copy of the event bytes.
    pub fn bytes(&self) -> Vec<u8> {
        self.state().events.clone()
    }

    /// A copy of the torn-tail sidecar's bytes.
    pub fn torn_bytes(&self) -> Vec<u8> {
        self.state().torn.clone()
    }

    /// Replaces the counter sidecar's bytes (`None` removes it); for tests of
    /// stale and corrupt counters.
    pub fn set_counter_bytes(&self, bytes: Option<Vec<u8>>) {
        self.state().counter = bytes;
    }

    /// Makes the store behave like a disk with room for `capacity` bytes of
    /// events (`None`: unlimited): an append that does not fit stores the
    /// bytes that do, then fails, as a short write to a full disk does. For
    /// tests of the all-or-nothing append.
    pub fn set_capacity(&self, capacity: Option<u64>) {
        self.state().capacity = capacity;
    }

    /// A copy of the Merkle tree sidecar's bytes.
    pub fn tree_bytes(&self) -> Vec<u8> {
        self.state().tree.clone()
    }

    /// Replaces the tree sidecar's bytes, as a damaged disk or a forger
    /// would.
    pub fn set_tree_bytes(&self, bytes: Vec<u8>) {
        self.state().tree = bytes;
    }

    /// Replaces the event bytes without the protocol, as a forger would.
    pub fn set_bytes(&self, bytes: Vec<u8>) {
        self.state().events = bytes;
    }

    /// Appends raw bytes without the protocol, as a foreign or crashing
    /// writer would.
    pub fn append_raw(&self, bytes: &[u8]) {
        self.state().events.extend_from_slice(bytes);
    }

    fn state(&self) -> MutexGuard<'_, Shared> {
        // A panic elsewhere while holding this mutex leaves plain bytes behind,
        // which are as valid as before; keep going.
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    type Reader = Cursor<Vec<u8>>;

    fn name(&self) -> String {
        "memory log".to_string()
    }

    fn size(&mut self) -> Result<u64, EventLogError> {
        Ok(self.state().events.len() as u64)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        let state = self.state();
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(state.events.len());
        let n = buf.len().min(state.events.len() - start);
        buf[..n].copy_from_slice(&state.events[start..start + n]);
        Ok(n)
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        let mut state = self.state();
        let room = match state.capacity {
            Some(cap) => cap.saturating_sub(state.events.len() as u64),
            None => u64::MAX,
        };
        let fits = usize::try_from(room).unwrap_or(usize::MAX).min(bytes.len());
        state.events.extend_from_slice(&bytes[..fits]);
        if fits < bytes.len() {
            return Err(EventLogError::Io(crate::error::io_error(
                std::io::ErrorKind::Other,
                format!(
                    "append to memory log: no space left ({fits} of {} bytes written)",
                    bytes.len()
                ),
            )));
        }
        Ok(())
    }

    fn tree_size(&mut self) -> Result<Option<u64>, EventLogError> {
        Ok(Some(self.state().tree.len() as u64))
    }

    fn read_tree(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        let state = self.state();
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(state.tree.len());
        let n = buf.len().min(state.tree.len() - start);
        buf[..n].copy_from_slice(&state.tree[start..start + n]);
        Ok(n)
    }

    fn write_tree(&mut self, offset: u64, bytes: &[u8]) -> Result<(), EventLogError> {
        let mut state = self.state();
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        if state.tree.len() < start + bytes.len() {
            state.tree.resize(start + bytes.len(), 0);
        }
        state.tree[start..start + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    fn truncate_tree(&mut self, len: u64) -> Result<(), EventLogError> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        self.state().tree.truncate(len);
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), EventLogError> {
        let mut state = self.state();
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        state.events.truncate(len);
        Ok(())
    }

    fn sync(&mut self) -> Result<(), EventLogError> {
        Ok(())
    }

    fn lock(&mut self, wait: LockWait) -> Result<(), EventLogError> {
        let (mutex, freed) = &*self.shared;
        let deadline = match wait {
            LockWait::Block => None,
            // A timeout too long to add to now is no timeout.
            LockWait::Timeout(d) => Instant::now().checked_add(d).map(|at| (at, d)),
        };
        let mut state = mutex.lock().unwrap_or_else(|e| e.into_inner());
        while state.locked {
            state = match deadline {
                None => freed.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some((at, waited)) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(EventLogError::LockTimeout {
                            path: self.name().into(),
                            waited,
                        });
                    }
                    freed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        state.locked = true;
        self.holds_lock = true;
        Ok(())
    }

    fn unlock(&mut self) {
        if std::mem::take(&mut self.holds_lock) {
            self.state().locked = false;
            self.shared.1.notify_one();
        }
    }

    fn load_counter(&mut self) -> Option<Counter> {
        self.state().counter.as_deref().and_then(Counter::decode)
    }

    fn save_counter(&mut self, counter: Counter) -> Result<(), EventLogError> {
        self.state().counter = Some(counter.encode()[..COUNTER_LEN].to_vec());
        Ok(())
    }

    fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.state().torn.extend_from_slice(bytes);
        Ok(())
    }

    fn reader(&mut self) -> Result<Option<Self::Reader>, EventLogError> {
        let state = self.state();
        Ok((!state.events.is_empty()).then(|| Cursor::new(state.events.clone())))
    }
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        self.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_clone_does_not_share_the_lock() {
        let mut holder = MemoryStore::new();
        holder.lock(LockWait::Block).unwrap();
        // Cloning and dropping a clone of the holder must not unlock it.
        drop(holder.clone());
        let mut other = holder.clone();
        let wait = LockWait::Timeout(Duration::from_millis(20));
        assert!(matches!(
            other.lock(wait),
            Err(EventLogError::LockTimeout { .. })
        ));
        holder.unlock();
        other.lock(wait).unwrap();
        other.unlock();
    }
}
