//! The Merkle tree sidecar (`events.jsonl.tree`): one leaf hash per
//! complete line, kept under the lock by every append, and `verify`.
//!
//! Layout: 8 bytes `sttree1\n` (format and version), then the number of
//! lines the log held when the sidecar was (re)built from the lines, u64
//! little-endian (0 when it grew with the log from its first append), then
//! one 32-byte RFC 9162 leaf hash per line, in line order (leaf `i` at byte
//! `16 + 32 * i`).
//!
//! Why per-line leaves and not only a root or the RFC's compact range:
//! `verify` must name the first line that differs, which needs each line's
//! own hash to compare with; the roots, proofs and checkpoints are all
//! computed from these leaves (`crate::merkle`), and an append costs one
//! write of 32 bytes per event at a place known without a read (16 + 32 ×
//! the count the protocol already has).
//!
//! Lines written by a writer that keeps no tree (treeship-core, an older
//! version) are hashed by the next append, under the lock, from the lines
//! as they are then; a sidecar that is missing, shorter than its header or
//! with another header is rebuilt from the lines, and its header then says
//! at how many lines (`verify` reports it: the tree proves nothing about
//! how those lines looked before). A partial last leaf (a write cut by a
//! crash) is cut off and hashed again. A sidecar with more leaves than the
//! log has lines is evidence (lines were removed) and is left as it is.

use std::io::Read;

use crate::error::EventLogError;
use crate::format;
use crate::merkle::{self, Hash, LeafHasher};
use crate::store::Store;

/// The first 8 bytes of the sidecar.
pub const TREE_MAGIC: &[u8; 8] = b"sttree1\n";
/// The header's length: the magic and the rebuilt-at count.
pub const TREE_HEADER_LEN: u64 = 16;

/// Makes the store's tree hold one leaf per line of the `count` lines in
/// `size` bytes; returns whether it does (false: the store keeps no tree,
/// or the tree has more leaves than there are lines).
pub(crate) fn catch_up<S: Store>(
    store: &mut S,
    count: u64,
    size: u64,
) -> Result<bool, EventLogError> {
    let Some(tree_size) = store.tree_size()? else {
        return Ok(false);
    };
    let mut header = [0u8; TREE_HEADER_LEN as usize];
    let good_header = tree_size >= TREE_HEADER_LEN
        && read_full(store, 0, &mut header)? == header.len()
        && &header[..8] == TREE_MAGIC;
    let leaves = if good_header {
        let leaves = (tree_size - TREE_HEADER_LEN) / 32;
        if leaves > count {
            return Ok(false);
        }
        if (tree_size - TREE_HEADER_LEN) % 32 != 0 {
            store.truncate_tree(TREE_HEADER_LEN + leaves * 32)?;
        }
        leaves
    } else {
        store.truncate_tree(0)?;
        header[..8].copy_from_slice(TREE_MAGIC);
        header[8..].copy_from_slice(&count.to_le_bytes());
        store.write_tree(0, &header)?;
        0
    };
    if leaves == count {
        return Ok(true);
    }
    // Hash lines `leaves..count`. They are the last `count - leaves` lines
    // (the file ends in `\n` here), so their start is found from the end:
    // the `need + 1`-th `\n` from the end ends line `leaves - 1`. Reading
    // back keeps the catch-up after another writer's append as cheap as
    // its lines, not the log.
    let mut buf = vec![0u8; 64 * 1024];
    let need = count - leaves;
    let mut start = 0u64;
    let (mut end, mut seen) = (size, 0u64);
    'find: while end > 0 {
        let from = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - from) as usize];
        let mut done = 0;
        while done < chunk.len() {
            let n = store.read_at(from + done as u64, &mut chunk[done..])?;
            if n == 0 {
                break 'find;
            }
            done += n;
        }
        for i in memchr::memrchr_iter(b'\n', chunk) {
            seen += 1;
            if seen == need + 1 {
                start = from + i as u64 + 1;
                break 'find;
            }
        }
        end = from;
    }
    let mut hashes = Vec::with_capacity(64 * 32);
    let mut at = TREE_HEADER_LEN + leaves * 32;
    let mut hasher = LeafHasher::new();
    let mut offset = start;
    while offset < size {
        let want = (size - offset).min(buf.len() as u64) as usize;
        let n = store.read_at(offset, &mut buf[..want])?;
        if n == 0 {
            break;
        }
        let mut from = 0;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            hasher.update(&buf[from..i]);
            hashes.extend_from_slice(&std::mem::take(&mut hasher).finish());
            from = i + 1;
        }
        hasher.update(&buf[from..n]);
        offset += n as u64;
        if hashes.len() >= 64 * 32 {
            store.write_tree(at, &hashes)?;
            at += hashes.len() as u64;
            hashes.clear();
        }
    }
    store.write_tree(at, &hashes)?;
    Ok(true)
}

/// Writes the leaves of the lines in `lines` (each ending in `\n`) after
/// the `count` leaves the tree holds: one write.
pub(crate) fn append_leaves<S: Store>(
    store: &mut S,
    count: u64,
    lines: &[u8],
) -> Result<(), EventLogError> {
    let mut hashes = [0u8; 32 * 16];
    let mut at = TREE_HEADER_LEN + count * 32;
    let mut n = 0;
    let mut from = 0;
    for i in memchr::memchr_iter(b'\n', lines) {
        hashes[n * 32..n * 32 + 32].copy_from_slice(&merkle::leaf_hash(&lines[from..i]));
        n += 1;
        from = i + 1;
        if n == 16 {
            store.write_tree(at, &hashes)?;
            at += 16 * 32;
            n = 0;
        }
    }
    if n > 0 {
        store.write_tree(at, &hashes[..n * 32])?;
    }
    Ok(())
}

fn read_full<S: Store>(store: &mut S, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
    let mut done = 0;
    while done < buf.len() {
        let n = store.read_tree(offset + done as u64, &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    Ok(done)
}

/// The leaf hash of every complete line of `reader`'s first `size` bytes.
pub fn line_leaves(reader: impl Read, size: u64) -> std::io::Result<Vec<Hash>> {
    let mut reader = reader.take(size);
    let mut buf = vec![0u8; 256 * 1024];
    let mut out = Vec::new();
    let mut hasher = LeafHasher::new();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut from = 0;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            hasher.update(&buf[from..i]);
            out.push(std::mem::take(&mut hasher).finish());
            from = i + 1;
        }
        hasher.update(&buf[from..n]);
    }
    Ok(out)
}

/// What changed where the lines and the tree first differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// As many lines as leaves, and this one's bytes differ.
    Changed,
    /// Fewer lines than leaves, and they differ from here: lines were
    /// removed (later ones possibly renumbered).
    Removed,
    /// More lines than leaves, and they differ from here: lines were
    /// inserted.
    Inserted,
    /// The lines agree with the tree but end before it: the log was cut.
    Cut,
}

impl Change {
    /// The word `verify` prints: changed, removed, inserted, cut.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Changed => "changed",
            Change::Removed => "removed",
            Change::Inserted => "inserted",
            Change::Cut => "cut",
        }
    }
}

/// Where the lines and the tree first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The line, counted from 1 as people and `check` count.
    pub line: u64,
    /// The `sequence_no` the line holds now, when it has one (none for a
    /// cut, where the line is gone).
    pub sequence_no: Option<u64>,
    /// What kind of change it is.
    pub kind: Change,
}

/// What [`EventLog::verify`](crate::EventLog::verify) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Complete lines in the log.
    pub lines: u64,
    /// Leaves in the tree sidecar; `None` when there is no usable sidecar.
    pub leaves: Option<u64>,
    /// How many lines the log held when the sidecar was last built from the
    /// lines (0: it grew with the log).
    pub rebuilt_at: Option<u64>,
    /// The first difference, if any.
    pub difference: Option<Difference>,
    /// The RFC 9162 root over the lines as they are now.
    pub root: Hash,
    /// The leaf hash of every line (for proofs and checkpoints).
    pub line_leaves: Vec<Hash>,
}

impl VerifyReport {
    /// Whether the lines and the tree agree: no difference, and a tree
    /// when there are lines. Lines after the last leaf (written by a
    /// writer that keeps no tree, hashed at the next append) do not fail it.
    pub fn is_ok(&self) -> bool {
        self.difference.is_none() && (self.lines == 0 || self.leaves.is_some())
    }

    /// The report as one JSON object, the shape of npm's `verify()`:
    /// `{"ok", "lines", "leaves", "rebuiltAt", "uncovered", "root",
    /// "difference": null | {"line", "sequenceNo", "kind"}}` (absent numbers
    /// are `null`, the root lowercase hex).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        let opt = |n: Option<u64>| n.map_or("null".to_string(), |n| n.to_string());
        let root: String = self.root.iter().map(|b| format!("{b:02x}")).collect();
        let _ = write!(
            out,
            r#"{{"ok":{},"lines":{},"leaves":{},"rebuiltAt":{},"uncovered":{},"root":"{root}","difference":"#,
            self.is_ok(),
            self.lines,
            opt(self.leaves),
            opt(self.rebuilt_at),
            self.uncovered()
        );
        match &self.difference {
            None => out.extend_from_slice(b"null}"),
            Some(d) => {
                let _ = write!(
                    out,
                    r#"{{"line":{},"sequenceNo":{},"kind":"{}"}}}}"#,
                    d.line,
                    opt(d.sequence_no),
                    d.kind.as_str()
                );
            }
        }
    }

    /// Lines after the tree's last leaf: not covered yet.
    pub fn uncovered(&self) -> u64 {
        self.lines.saturating_sub(self.leaves.unwrap_or(0))
    }
}

impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let root: String = self.root.iter().map(|b| format!("{b:02x}")).collect();
        match (&self.difference, self.leaves) {
            (Some(d), _) => {
                write!(f, "TAMPERED: line {} ", d.line)?;
                if let Some(seq) = d.sequence_no {
                    write!(f, "(sequence_no {seq}) ")?;
                }
                writeln!(
                    f,
                    "{}: the lines differ from the tree from there ({} lines, {} leaves)",
                    d.kind.as_str(),
                    self.lines,
                    self.leaves.unwrap_or(0)
                )?;
            }
            (None, None) if self.lines > 0 => writeln!(
                f,
                "NOT COVERED: no tree sidecar for {} lines (the next append or `sessiontrail seal` builds it, from the lines as they are then)",
                self.lines
            )?,
            _ => writeln!(f, "ok: {} lines agree with the tree, root {root}", self.lines)?,
        }
        if self.difference.is_none() && self.leaves.is_some() && self.uncovered() > 0 {
            writeln!(
                f,
                "{} lines after the tree's last leaf are not covered yet (written by a writer that keeps no tree; the next append hashes them)",
                self.uncovered()
            )?;
        }
        if let Some(n) = self.rebuilt_at.filter(|&n| n > 0) {
            writeln!(
                f,
                "the tree was built from the lines when the log held {n} lines: it proves nothing about how those lines looked before"
            )?;
        }
        Ok(())
    }
}

/// Compares the lines (`line_leaves`, hashed from the log) with the
/// store's tree sidecar.
///
/// `read_to` is the size the lines were read to: when the log has grown
/// past it since (an append during `verify`), leaves beyond the lines read
/// are that append's, not a sign of a cut.
pub(crate) fn compare<S: Store>(
    store: &mut S,
    line_leaves: Vec<Hash>,
    read_to: u64,
) -> Result<VerifyReport, EventLogError> {
    let lines = line_leaves.len() as u64;
    let root = merkle::root(&line_leaves);
    let tree_size = store.tree_size()?.unwrap_or(0);
    let mut header = [0u8; TREE_HEADER_LEN as usize];
    let usable = tree_size >= TREE_HEADER_LEN
        && read_full(store, 0, &mut header)? == header.len()
        && &header[..8] == TREE_MAGIC;
    let mut report = VerifyReport {
        lines,
        leaves: None,
        rebuilt_at: None,
        difference: None,
        root,
        line_leaves,
    };
    if !usable {
        return Ok(report);
    }
    let mut leaves = (tree_size - TREE_HEADER_LEN) / 32;
    if leaves > lines && store.size()? > read_to {
        leaves = lines;
    }
    report.leaves = Some(leaves);
    report.rebuilt_at = Some(u64::from_le_bytes(header[8..].try_into().expect("8 bytes")));
    let mut buf = vec![0u8; 64 * 1024 * 32 / 32];
    let mut first = None;
    let mut i = 0u64;
    while i < leaves.min(lines) && first.is_none() {
        let n = ((leaves.min(lines) - i) as usize).min(buf.len() / 32);
        let got = read_full(store, TREE_HEADER_LEN + i * 32, &mut buf[..n * 32])?;
        if got < n * 32 {
            break;
        }
        for (j, stored) in buf[..n * 32].chunks_exact(32).enumerate() {
            if stored != report.line_leaves[(i as usize) + j] {
                first = Some(i + j as u64);
                break;
            }
        }
        i += n as u64;
    }
    report.difference = match first {
        Some(at) => Some(Difference {
            line: at + 1,
            sequence_no: None,
            kind: match lines.cmp(&leaves) {
                std::cmp::Ordering::Equal => Change::Changed,
                std::cmp::Ordering::Less => Change::Removed,
                std::cmp::Ordering::Greater => Change::Inserted,
            },
        }),
        None if lines < leaves => Some(Difference {
            line: lines + 1,
            sequence_no: None,
            kind: Change::Cut,
        }),
        None => None,
    };
    Ok(report)
}

/// The `sequence_no` of line `line` (from 1) of `reader`, when it has one.
pub(crate) fn sequence_of_line(reader: impl Read, line: u64) -> Option<u64> {
    let mut lines = format::LineReader::new(reader, format::DEFAULT_MAX_LINE_BYTES);
    let mut n = 0;
    while let Ok(Some(raw)) = lines.next_line() {
        n += 1;
        if n == line {
            return match raw {
                format::RawLine::Complete(bytes) => format::parse_sequence_no(bytes),
                _ => None,
            };
        }
    }
    None
}
