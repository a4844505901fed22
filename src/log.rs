//! The append protocol and the readers, written once over any [`Store`].
//!
//! An append, under the store's exclusive lock:
//!
//! 1. Find the count. If the size is what this handle itself left behind,
//!    its own count is right. Otherwise another writer has been here: take
//!    the counter hint when its recorded size equals the real size and the
//!    last line's `sequence_no` is one less than it; else count `\n` bytes.
//! 2. Repair a torn tail: move the bytes after the last `\n` to the torn
//!    sidecar and cut the events back to that `\n`.
//! 3. Number the events from the count, serialize, append in one call.
//! 4. With [`Durability::Sync`], make the bytes durable.
//! 5. Record the new count and size in the counter hint; unlock.
//!
//! The last-line check in step 1 exists because a counter is only as good as
//! whoever wrote it: treeship-core's recount skips lines that are not UTF-8,
//! so it can record a count that is too low for a size that matches.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::check::CheckReport;
use crate::error::{io_at, io_error, EventLogError, InvalidEvent};
use crate::format::{self, Counter, LineProblem, LineReader, RawLine};
use crate::schema::SessionEvent;
use crate::store::{LockWait, Store};

/// Whose files and directories a file store trusts (native files only:
/// the other stores have no owners and ignore it).
///
/// A file another user owns, in a directory another user can write, lets
/// that user read the events, cut the file (and with it the numbering) or
/// hold the lock forever; so by default every one is refused
/// ([`crate::ErrorKind::NotOwner`]). `#[non_exhaustive]`: a `match` needs
/// a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Ownership {
    /// The session directory and every file of the log must belong to the
    /// calling (effective) user; what the log creates is 0o700 (directories)
    /// and 0o600 (files).
    #[default]
    Caller,
    /// A shared-group layout: a directory or file that belongs to another
    /// user is accepted when its group is one of the caller's groups; what
    /// the log creates is 0o770 and 0o660, and a file the caller owns is
    /// set to 0o660. Every member of the group is then trusted as the
    /// caller is: any of them can rewrite the log.
    SharedGroup,
}

/// When an appended event is durable.
///
/// `#[non_exhaustive]`: a later release may add a level (a `match` needs a
/// `_` arm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// `append` returns once the bytes are written to the operating system
    /// (the default). They survive the process being killed, not a power cut.
    #[default]
    Buffered,
    /// `append` returns once the bytes are on stable storage (`fdatasync`;
    /// the directory is fsynced too when the file was just created).
    Sync,
}

/// How a log appends and reads.
///
/// `#[non_exhaustive]`, so that an option can be added without breaking
/// anyone: outside this crate an `Options` is made from
/// [`Options::new`] (or `default()`) and the setters, never by a struct
/// literal; the fields stay public to read.
///
/// ```
/// use std::time::Duration;
/// use sessiontrail::{Durability, LockWait, Options};
///
/// let options = Options::new()
///     .durability(Durability::Sync)
///     .lock_wait(LockWait::Timeout(Duration::from_secs(2)));
/// assert_eq!(options.durability, Durability::Sync);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// When an append returns (default [`Durability::Buffered`]).
    pub durability: Durability,
    /// How long an append waits for the lock (default [`LockWait::Block`]).
    pub lock_wait: LockWait,
    /// Lines longer than this are skipped by the readers, never buffered;
    /// an append whose line would be longer is refused
    /// ([`EventLogError::InvalidEvent`], nothing written). Default
    /// [`DEFAULT_MAX_LINE_BYTES`](crate::DEFAULT_MAX_LINE_BYTES).
    pub max_line_bytes: usize,
    /// Whose files a file store trusts (default [`Ownership::Caller`]).
    pub ownership: Ownership,
}

impl Options {
    /// The defaults: buffered, blocking lock, the default line limit, only
    /// the caller's files.
    pub fn new() -> Options {
        Options::default()
    }

    /// Sets [`Options::durability`].
    pub fn durability(mut self, durability: Durability) -> Options {
        self.durability = durability;
        self
    }

    /// Sets [`Options::lock_wait`].
    pub fn lock_wait(mut self, lock_wait: LockWait) -> Options {
        self.lock_wait = lock_wait;
        self
    }

    /// Sets [`Options::max_line_bytes`].
    pub fn max_line_bytes(mut self, max_line_bytes: usize) -> Options {
        self.max_line_bytes = max_line_bytes;
        self
    }

    /// Sets [`Options::ownership`].
    pub fn ownership(mut self, ownership: Ownership) -> Options {
        self.ownership = ownership;
        self
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            durability: Durability::default(),
            lock_wait: LockWait::default(),
            max_line_bytes: format::DEFAULT_MAX_LINE_BYTES,
            ownership: Ownership::Caller,
        }
    }
}

/// What this handle last left in the store: `count` events in `size` bytes,
/// ending in `\n`.
#[derive(Clone, Copy)]
struct Known {
    count: u64,
    size: u64,
    /// The tree sidecar held one leaf per line when this handle left it.
    tree: bool,
}

struct Inner<S> {
    store: S,
    known: Option<Known>,
    line: Vec<u8>,
}

/// An append-only log of [`SessionEvent`]s over a [`Store`].
///
/// Natively the default store is a session directory on disk, opened with
/// `EventLog::open`; any store can be used through [`EventLog::with_store`].
pub struct EventLog<S: Store = crate::DefaultStore> {
    inner: Mutex<Inner<S>>,
    sequence: AtomicU64,
    options: Options,
    path: std::path::PathBuf,
}

impl<S: Store> EventLog<S> {
    /// A log over `store`. Writes nothing: the count is read as a hint and
    /// checked again under the lock at the first append.
    pub fn with_store(store: S, options: Options) -> Result<Self, EventLogError> {
        Self::with_store_at(store, options, std::path::PathBuf::new())
    }

    pub(crate) fn with_store_at(
        mut store: S,
        options: Options,
        path: std::path::PathBuf,
    ) -> Result<Self, EventLogError> {
        let hint = count_hint(&mut store)?;
        Ok(EventLog {
            inner: Mutex::new(Inner {
                store,
                known: None,
                line: Vec::with_capacity(512),
            }),
            sequence: AtomicU64::new(hint),
            options,
            path,
        })
    }

    /// Appends one event and sets its `sequence_no`.
    ///
    /// On error nothing is acknowledged; the event's `sequence_no` may have
    /// been set but no reader will see it under that number unless the
    /// bytes reached the store whole.
    pub fn append(&self, event: &mut SessionEvent) -> Result<(), EventLogError> {
        self.append_batch(std::slice::from_mut(event))
    }

    /// Appends several events under one lock, in order, with contiguous
    /// numbers, in a single write.
    pub fn append_batch(&self, events: &mut [SessionEvent]) -> Result<(), EventLogError> {
        if events.is_empty() {
            return Ok(());
        }
        // Under wasm every event reaches the log through the JSON reader,
        // whose nesting limit is the readers' own, and the .wasm has a size
        // budget; natively a Rust caller can build any `meta`.
        #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
        for (i, event) in events.iter().enumerate() {
            check_meta_depth(i, events.len(), event)?;
        }
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        inner.store.lock(self.options.lock_wait)?;
        let result = append_locked(inner, events, self.options);
        inner.store.unlock();
        match result {
            Ok(count) => {
                self.sequence.store(count, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                inner.known = None;
                Err(e)
            }
        }
    }

    /// The number of events as this handle last saw it: at open, then after
    /// each of its appends. Other writers' appends show after the next one.
    pub fn event_count(&self) -> u64 {
        self.sequence.load(Ordering::SeqCst)
    }

    /// The path of `events.jsonl` (empty for stores that are not files).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The options the log was opened with.
    pub fn options(&self) -> Options {
        self.options
    }

    /// Every readable event, in file order. Unreadable lines are skipped.
    pub fn read_all(&self) -> Result<Vec<SessionEvent>, EventLogError> {
        Ok(self.read_all_with_stats()?.0)
    }

    /// Every readable event and the number of complete lines skipped because
    /// they are not events (malformed JSON, an unknown type, invalid UTF-8,
    /// blank, or over the line limit). A torn final line is not counted: it
    /// may be an append still in progress.
    pub fn read_all_with_stats(&self) -> Result<(Vec<SessionEvent>, usize), EventLogError> {
        let mut iter = self.iter()?;
        let mut events = Vec::with_capacity(self.expected_events());
        for event in &mut iter {
            events.push(event?);
        }
        Ok((events, iter.skipped() as usize))
    }

    /// How many events the counter says the log holds, when it agrees with
    /// the file's size: `read_all` makes room for them at once instead of
    /// growing (and copying) its vector a dozen times. Bounded by the size,
    /// so a damaged counter cannot ask for more memory than the file could
    /// fill (no event line is shorter than 128 bytes).
    fn expected_events(&self) -> usize {
        let mut inner = self.lock_inner();
        let size = inner.store.size().unwrap_or(0);
        match inner.store.load_counter() {
            Some(c) if c.size == size => c.count.min(size / 128) as usize,
            _ => 0,
        }
    }

    /// Streams the events without holding the file in memory; unreadable
    /// lines are skipped and counted (see [`Events::skipped`]).
    pub fn iter(&self) -> Result<Events<S::Reader>, EventLogError> {
        let mut inner = self.lock_inner();
        let reader = inner.store.reader()?;
        Ok(Events {
            lines: reader.map(|r| LineReader::new(r, self.options.max_line_bytes)),
            skipped: 0,
            from: 0,
            name: inner.store.name(),
        })
    }

    /// Streams the events whose `sequence_no` is at least `seq`.
    pub fn read_from(&self, seq: u64) -> Result<Events<S::Reader>, EventLogError> {
        let mut events = self.iter()?;
        events.from = seq;
        Ok(events)
    }

    /// Reads the whole log and reports its integrity. Takes no lock: run it
    /// on a quiet log for a report that cannot race an append.
    pub fn check(&self) -> Result<CheckReport, EventLogError> {
        let mut inner = self.lock_inner();
        // Read up to a size no append was half-way through, so a line being
        // written now is neither read nor called a torn tail.
        let size = inner.store.settled_size()?;
        let counter = inner.store.load_counter();
        let reader = inner.store.reader()?;
        let name = inner.store.name();
        drop(inner);
        // Natively, no further than that size. Under wasm the host's size
        // is the settled one already (`Store::settled_size`), and a second
        // reader type would cost the `.wasm` a copy of the line reader.
        #[cfg(not(target_family = "wasm"))]
        let reader = reader.map(|r| std::io::Read::take(r, size));
        let lines = reader.map(|r| LineReader::new(r, self.options.max_line_bytes));
        CheckReport::build(lines, counter, size).map_err(|e| match e {
            EventLogError::Io(e) => io_at("read", std::path::Path::new(&name), e),
            other => other,
        })
    }

    /// Hashes every complete line and compares it with the Merkle tree
    /// sidecar (`crate::tree`): the first line that differs, and how, or
    /// that they agree. Reads only; takes the lock only for a moment to
    /// read a settled size, as [`EventLog::check`] does.
    ///
    /// Without a checkpoint kept outside the log, whoever can write the
    /// session directory can rewrite the lines and the tree together; this
    /// catches edits that left the tree behind, a checkpoint the rest.
    pub fn verify(&self) -> Result<crate::tree::VerifyReport, EventLogError> {
        let mut inner = self.lock_inner();
        let size = inner.store.settled_size()?;
        let name = inner.store.name();
        let at = |e| io_at("read", std::path::Path::new(&name), e);
        let leaves = match inner.store.reader()? {
            Some(r) => crate::tree::line_leaves(r, size).map_err(at)?,
            None => Vec::new(),
        };
        let mut report = crate::tree::compare(&mut inner.store, leaves, size)?;
        if let Some(d) = report.difference.as_mut() {
            if let Some(r) = inner.store.reader()? {
                d.sequence_no = crate::tree::sequence_of_line(r, d.line);
            }
        }
        Ok(report)
    }

    /// Runs `f` with the store, for stores that expose more than the trait.
    pub fn with_store_mut<T>(&self, f: impl FnOnce(&mut S) -> T) -> T {
        f(&mut self.lock_inner().store)
    }

    fn lock_inner(&self) -> MutexGuard<'_, Inner<S>> {
        // Every field of Inner is valid between statements, so a panic in
        // another thread leaves nothing half-changed that matters; and
        // `known` is cleared by failed appends.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Steps 1-5 of the module doc; returns the new count.
fn append_locked<S: Store>(
    inner: &mut Inner<S>,
    events: &mut [SessionEvent],
    options: Options,
) -> Result<u64, EventLogError> {
    let known = reconcile(inner)?;
    let Known { count, size, .. } = known;
    // Lines another writer left unhashed (or a missing sidecar) are hashed
    // now, before this append's lines, so the tree keeps line order.
    let tree = known.tree || crate::tree::catch_up(&mut inner.store, count, size)?;
    inner.line.clear();
    for (i, event) in events.iter_mut().enumerate() {
        event.sequence_no = count + i as u64;
        let start = inner.line.len();
        crate::codec::write_event(&mut inner.line, event);
        // A line the readers would skip is an event acknowledged and then
        // lost: refuse it while nothing is written.
        let len = inner.line.len() - start;
        if len > options.max_line_bytes {
            inner.line = Vec::with_capacity(512);
            return Err(EventLogError::InvalidEvent(InvalidEvent::plain(format!(
                "{} serializes to {len} bytes, over the line limit of {} bytes (Options::max_line_bytes); nothing was written",
                which_event(i, events.len()),
                options.max_line_bytes
            ))));
        }
        inner.line.push(b'\n');
    }
    // All or nothing: a write that failed part-way (a full disk, a size
    // limit, a host that threw after storing some bytes) may have left
    // complete lines behind, which the next reader would number. Cut the
    // store back to where this append began, still under the lock, before
    // anyone can see them; the counter is not touched.
    let written = inner.store.append(&inner.line).and_then(|()| {
        if options.durability == Durability::Sync {
            inner.store.sync()
        } else {
            Ok(())
        }
    });
    if let Err(e) = written {
        return Err(roll_back(&mut inner.store, size, e));
    }
    // A lost tree write, like a lost counter write, is mended by the next
    // append's catch-up (`tree: false` sends it there).
    let tree = tree && crate::tree::append_leaves(&mut inner.store, count, &inner.line).is_ok();
    let after = Known {
        count: count + events.len() as u64,
        size: size + inner.line.len() as u64,
        tree,
    };
    // A lost counter write costs the next writer a recount, not a number.
    let _ = inner.store.save_counter(Counter {
        count: after.count,
        size: after.size,
    });
    inner.known = Some(after);
    if inner.line.capacity() > 1 << 20 {
        inner.line = Vec::with_capacity(512);
    }
    Ok(after.count)
}

/// Cuts the store back to `size` after a failed write and returns the
/// write's error, or an error naming both when the cut failed too (the log
/// then holds the partial bytes, and says so).
#[cold]
#[inline(never)]
fn roll_back<S: Store>(store: &mut S, size: u64, e: EventLogError) -> EventLogError {
    match store.size() {
        Ok(now) if now == size => e,
        _ => match store.truncate(size) {
            Ok(()) => e,
            Err(cut) => EventLogError::Io(io_error(
                std::io::ErrorKind::Other,
                format!(
                    "{}: the append failed ({e}) and cutting the partial write back to {size} bytes failed too ({cut}); run `sessiontrail check` on this log",
                    store.name()
                ),
            )),
        },
    }
}

/// The deepest `meta` an event may carry. JSON readers stop at 128 levels
/// (serde_json, and the wasm codec with it), and the event object is one of
/// them; a deeper `meta` would be acknowledged and then unreadable.
pub const MAX_META_DEPTH: usize = 100;

#[cfg_attr(all(target_family = "wasm", target_os = "unknown"), allow(dead_code))]
fn check_meta_depth(index: usize, of: usize, event: &SessionEvent) -> Result<(), EventLogError> {
    let Some(meta) = &event.meta else {
        return Ok(());
    };
    // Iterative, so a pathological value cannot overflow the stack here.
    let mut stack = vec![(meta, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        let before = stack.len();
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            serde_json::Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
        if depth > MAX_META_DEPTH && stack.len() > before {
            return Err(EventLogError::InvalidEvent(InvalidEvent::at(
                "meta",
                format!(
                    "{}: field `meta` nests deeper than {MAX_META_DEPTH} levels, which readers cannot parse back; nothing was written",
                    which_event(index, of)
                ),
            )));
        }
    }
    Ok(())
}

/// "the event", or "event 2 of 3 in the append" (1-based, as people and
/// the CLI count; `index` is 0-based).
#[cold]
#[inline(never)]
fn which_event(index: usize, of: usize) -> String {
    if of == 1 {
        "the event".into()
    } else {
        format!("event {} of {of} in the append", index + 1)
    }
}

/// Finds the count and size to append after, repairing a torn tail.
fn reconcile<S: Store>(inner: &mut Inner<S>) -> Result<Known, EventLogError> {
    let store = &mut inner.store;
    let size = store.size()?;
    if store.take_reopened() {
        inner.known = None;
    }
    if let Some(known) = inner.known {
        if known.size == size {
            return Ok(known);
        }
    }
    // Loaded before the torn-tail branch too: loading is also how a file
    // store lets go of a counter another writer replaced by rename.
    let counter = store.load_counter();
    if size > 0 && last_byte(store, size)? != b'\n' {
        let size = repair_torn_tail(store, size)?;
        return Ok(Known {
            count: count_lines(store, size)?,
            size,
            tree: false,
        });
    }
    if let Some(counter) = counter {
        if counter.size == size && last_line_agrees(store, counter.count, size)? {
            return Ok(Known {
                count: counter.count,
                size,
                tree: false,
            });
        }
    }
    Ok(Known {
        count: count_lines(store, size)?,
        size,
        tree: false,
    })
}

/// The count as a hint, for `event_count` before the first append: the
/// counter when it matches the size, else a count of complete lines.
///
/// Runs without the lock, so a writer may cut a torn tail while this
/// counts: the events can end before `size`. The lines up to their end are
/// as good a hint, and `open` must not fail because another process is
/// repairing a crash.
fn count_hint<S: Store>(store: &mut S) -> Result<u64, EventLogError> {
    let size = store.size()?;
    if let Some(c) = store.load_counter() {
        if c.size == size {
            return Ok(c.count);
        }
    }
    count_lines(store, size)
}

const SCAN_CHUNK: usize = 64 * 1024;

fn last_byte<S: Store>(store: &mut S, size: u64) -> Result<u8, EventLogError> {
    let mut b = [0u8; 1];
    read_exact_at(store, size - 1, &mut b)?;
    Ok(b[0])
}

fn read_exact_at<S: Store>(
    store: &mut S,
    offset: u64,
    buf: &mut [u8],
) -> Result<(), EventLogError> {
    let mut done = 0;
    while done < buf.len() {
        let n = store.read_at(offset + done as u64, &mut buf[done..])?;
        if n == 0 {
            return Err(EventLogError::Host(format!(
                "{} ended at byte {} while {} bytes were expected",
                store.name(),
                offset + done as u64,
                offset + buf.len() as u64
            )));
        }
        done += n;
    }
    Ok(())
}

/// Counts `\n` bytes in the first `size` bytes.
///
/// Stops early where the bytes end: without the lock (`count_hint`) another
/// writer may cut a torn tail while this counts, and under it the next size
/// check notices any difference.
fn count_lines<S: Store>(store: &mut S, size: u64) -> Result<u64, EventLogError> {
    let mut buf = vec![0u8; SCAN_CHUNK];
    let (mut offset, mut count) = (0u64, 0u64);
    while offset < size {
        let want = (size - offset).min(SCAN_CHUNK as u64) as usize;
        let n = store.read_at(offset, &mut buf[..want])?;
        if n == 0 {
            break;
        }
        count += format::count_newlines(&buf[..n]);
        offset += n as u64;
    }
    Ok(count)
}

/// The offset just past the last `\n` before `size`, or 0 when there is none.
fn end_of_last_line<S: Store>(store: &mut S, size: u64) -> Result<u64, EventLogError> {
    // Start with a chunk the size of a typical line, and grow: a fresh
    // handle's first append reads only about one line back.
    let mut chunk_len = 1024;
    let mut buf = Vec::new();
    let mut end = size;
    while end > 0 {
        let start = end.saturating_sub(chunk_len as u64);
        buf.resize((end - start) as usize, 0);
        let chunk = &mut buf[..];
        read_exact_at(store, start, chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
        chunk_len = (chunk_len * 4).min(SCAN_CHUNK);
    }
    Ok(0)
}

/// Moves the bytes after the last `\n` to the torn sidecar (followed by a
/// `\n`, so each repair is one line there) and cuts them off. Returns the
/// new size.
fn repair_torn_tail<S: Store>(store: &mut S, size: u64) -> Result<u64, EventLogError> {
    let keep = end_of_last_line(store, size)?;
    let mut buf = vec![0u8; SCAN_CHUNK];
    let mut offset = keep;
    while offset < size {
        let want = (size - offset).min(SCAN_CHUNK as u64) as usize;
        read_exact_at(store, offset, &mut buf[..want])?;
        store.save_torn(&buf[..want])?;
        offset += want as u64;
    }
    store.save_torn(b"\n")?;
    store.truncate(keep)?;
    Ok(keep)
}

/// Whether the last line's `sequence_no` is `count - 1`, i.e. whether a
/// counter claiming `count` events agrees with the file's own last word.
fn last_line_agrees<S: Store>(store: &mut S, count: u64, size: u64) -> Result<bool, EventLogError> {
    if size == 0 || count == 0 {
        return Ok(size == 0 && count == 0);
    }
    // The file ends in `\n` (checked by the caller); find the one before it.
    let start = end_of_last_line(store, size - 1)?;
    let len = size - 1 - start;
    if len > format::DEFAULT_MAX_LINE_BYTES as u64 {
        return Ok(false);
    }
    let mut line = vec![0u8; len as usize];
    read_exact_at(store, start, &mut line)?;
    Ok(format::parse_sequence_no(&line) == Some(count - 1))
}

/// A streaming iterator over a log's events; see [`EventLog::iter`].
pub struct Events<R> {
    lines: Option<LineReader<R>>,
    skipped: u64,
    from: u64,
    /// The store's name, for read errors.
    name: String,
}

impl<R: std::io::Read> Events<R> {
    /// Complete lines skipped so far because they are not events.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

impl<R: std::io::Read> Iterator for Events<R> {
    type Item = Result<SessionEvent, EventLogError>;

    fn next(&mut self) -> Option<Self::Item> {
        let lines = self.lines.as_mut()?;
        loop {
            let parsed = match lines.next_line() {
                Err(e) => {
                    // Name the log, and end the stream: a read error tends
                    // to repeat, and a caller that skips errors (`flatten`)
                    // must not loop forever.
                    self.lines = None;
                    return Some(Err(io_at("read", std::path::Path::new(&self.name), e)));
                }
                Ok(None) | Ok(Some(RawLine::Tail(_))) => return None,
                Ok(Some(RawLine::TooLong(len))) => Err(LineProblem::TooLong { len }),
                Ok(Some(RawLine::Complete(line))) => format::parse_line(line),
            };
            match parsed {
                Ok(event) if event.sequence_no >= self.from => return Some(Ok(event)),
                Ok(_) => {}
                Err(_) => self.skipped += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{EventType, SessionEvent};
    use crate::store::MemoryStore;

    fn note_with_meta(meta: serde_json::Value) -> SessionEvent {
        SessionEvent {
            session_id: "s".into(),
            event_id: "evt_0".into(),
            timestamp: "t".into(),
            sequence_no: 0,
            trace_id: "t".into(),
            span_id: "s".into(),
            parent_span_id: None,
            agent_id: "a".into(),
            agent_instance_id: "i".into(),
            agent_name: "n".into(),
            agent_role: None,
            host_id: "h".into(),
            tool_runtime_id: None,
            event_type: EventType::AgentNote { text: None },
            artifact_ref: None,
            meta: Some(meta),
        }
    }

    fn nested(levels: usize) -> serde_json::Value {
        let mut v = serde_json::json!(1);
        for _ in 0..levels {
            v = serde_json::json!([v]);
        }
        v
    }

    /// A `meta` the readers could not parse back is refused before anything
    /// is written; the deepest allowed one round-trips.
    #[test]
    fn meta_deeper_than_readers_parse_is_refused() {
        let store = MemoryStore::new();
        let log = EventLog::with_store(store.clone(), Options::default()).unwrap();
        let err = log
            .append(&mut note_with_meta(nested(MAX_META_DEPTH + 1)))
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidEvent, "{err:?}");
        assert_eq!(err.field(), Some("meta"));
        assert!(err.to_string().contains("`meta` nests deeper"), "{err}");
        assert!(store.bytes().is_empty());

        let mut ok = note_with_meta(nested(MAX_META_DEPTH));
        log.append(&mut ok).unwrap();
        assert_eq!(log.read_all().unwrap(), [ok]);
        assert!(log.check().unwrap().is_ok());
    }
}
