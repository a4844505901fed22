//! [`Tail`]: follows a session's `events.jsonl` on disk from a byte offset,
//! for readers that come back for what was appended since they last looked
//! (`sessiontrail view`, `sessiontrail otlp --follow`).
//!
//! It reads; it never writes, locks or repairs. The file is opened as the
//! store opens it (`fs_util::open_read`: no final symlink, `O_NONBLOCK`,
//! then `fstat` must say a regular file), so a FIFO or a device in place of
//! `events.jsonl` is an error, never a read that waits for a writer. At each
//! read it looks at the path again (`lstat`, one call) and at the
//! descriptor's size (`fstat`), and starts again from the first line, saying
//! why ([`Restart`]), when what it follows is no longer the file its
//! position was counted in:
//!
//! - the path names another file (device or inode changed: replaced by a
//!   rename, or deleted and written again): reopened from the start;
//! - the file is shorter than the position (cut or rewritten);
//! - the byte before the position is not a `\n` (rewritten in place with
//!   other lines, or a position that belongs to another file).
//!
//! A path that no longer exists keeps the open descriptor: what it holds
//! is still the log that was being read. Without device and inode numbers
//! (not Unix), a replaced file is noticed by the other two checks only.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use super::file_store::FileStore;
use super::fs_util;
use crate::error::{io_at, EventLogError};
use crate::format::DEFAULT_MAX_LINE_BYTES;
use crate::tail::{read_lines, Line, Position};

/// Follows one session's `events.jsonl` from a [`Position`].
///
/// ```no_run
/// use std::ops::ControlFlow;
/// use sessiontrail::{tail::Position, Tail};
///
/// # fn main() -> Result<(), sessiontrail::EventLogError> {
/// let mut tail = Tail::open("sessions/ssn_1".as_ref(), Position::default())?;
/// loop {
///     let read = tail.read(|line| {
///         match line.parse() {
///             Ok(event) => println!("{} {}", event.sequence_no, event.event_type.name()),
///             Err(why) => eprintln!("line {}: {why}", line.number + 1),
///         }
///         ControlFlow::Continue(())
///     })?;
///     if let Some(why) = read.restarted {
///         eprintln!("started again from the first line: {why}");
///     }
///     std::thread::sleep(std::time::Duration::from_millis(200));
/// }
/// # }
/// ```
pub struct Tail {
    path: PathBuf,
    file: File,
    id: Option<(u64, u64)>,
    position: Position,
    max_line_bytes: usize,
}

/// Why a [`Tail`] went back to the first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Restart {
    /// The path names another file than the one being read.
    Replaced,
    /// The file is shorter than the position.
    Cut {
        /// The file's size now.
        size: u64,
        /// The position's offset.
        offset: u64,
    },
    /// The byte before the position is not a line end.
    NotALineStart {
        /// The position's offset.
        offset: u64,
    },
}

impl std::fmt::Display for Restart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Replaced => f.write_str("the file was replaced by another (a new inode)"),
            Self::Cut { size, offset } => write!(
                f,
                "the file is now {size} bytes, shorter than the {offset} already read"
            ),
            Self::NotALineStart { offset } => write!(
                f,
                "byte {offset} does not follow a line end: the file was rewritten"
            ),
        }
    }
}

/// What one [`Tail::read`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TailRead {
    /// Set when the read started again from the first line, and why.
    pub restarted: Option<Restart>,
    /// The file's size when read; lines appended after that wait for the
    /// next read.
    pub size: u64,
    /// Bytes after the last complete line, when the read reached the end
    /// (a torn tail or an append in progress); 0 otherwise.
    pub tail_bytes: u64,
    /// The read stopped because `each` asked, before the end.
    pub more: bool,
    /// Complete lines over the line limit, skipped without being held.
    pub too_long: u64,
}

impl Tail {
    /// Opens `events.jsonl` in `session_dir` to read from `from`
    /// (`Position::default()` for the first line). Refuses a symlinked
    /// directory or file and anything but a regular file; a missing file
    /// is an error whose kind is `NotFound`.
    pub fn open(session_dir: &Path, from: Position) -> Result<Tail, EventLogError> {
        // The store's own checks of the directory and the path.
        let path = FileStore::open(session_dir)?.events_path().to_path_buf();
        let file = fs_util::open_read(&path)?;
        let meta = file.metadata().map_err(|e| io_at("stat", &path, e))?;
        Ok(Tail {
            id: fs_util::file_id(&meta),
            path,
            file,
            position: from,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        })
    }

    /// Lines longer than this are skipped, never held (default
    /// [`DEFAULT_MAX_LINE_BYTES`]).
    pub fn with_max_line_bytes(mut self, max: usize) -> Tail {
        self.max_line_bytes = max;
        self
    }

    /// The path of the `events.jsonl` being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The device and inode numbers of the file being read (`None` where
    /// the platform has none): what a reader that stores its position
    /// (the OTLP shipper's cursor) records, to know on its next start
    /// whether the log is still the file the position was counted in.
    pub fn file_id(&self) -> Option<(u64, u64)> {
        self.id
    }

    /// Where the next read starts.
    pub fn position(&self) -> Position {
        self.position
    }

    /// Hands `each` the complete lines after the position, up to the size
    /// the file has now, until `each` breaks (after the line it was given);
    /// the position then moves past the last line handed out. Starts again
    /// from the first line when the file is not the one the position was
    /// counted in (see [`Restart`]).
    pub fn read(
        &mut self,
        mut each: impl FnMut(Line<'_>) -> ControlFlow<()>,
    ) -> Result<TailRead, EventLogError> {
        let mut restarted = None;
        if self.replaced()? {
            self.reopen()?;
            restarted = Some(Restart::Replaced);
        }
        let path = &self.path;
        let size = self
            .file
            .metadata()
            .map_err(|e| io_at("stat", path, e))?
            .len();
        let offset = self.position.offset;
        if restarted.is_none() && size < offset {
            restarted = Some(Restart::Cut { size, offset });
        }
        if restarted.is_none() && offset > 0 && !self.follows_line_end(offset)? {
            restarted = Some(Restart::NotALineStart { offset });
        }
        if restarted.is_some() {
            self.position = Position::default();
        }
        let from = self.position;
        (&self.file)
            .seek(SeekFrom::Start(from.offset))
            .map_err(|e| io_at("seek", path, e))?;
        let mut too_long = 0;
        let input = (&self.file).take(size - from.offset);
        let progress = read_lines(input, from, self.max_line_bytes, |line| {
            too_long += u64::from(line.bytes.is_none());
            each(line)
        })
        .map_err(|e| io_at("read", path, e))?;
        self.position = progress.next;
        Ok(TailRead {
            restarted,
            size,
            tail_bytes: progress.tail_bytes,
            more: !progress.at_end && progress.next.offset < size,
            too_long,
        })
    }

    /// Whether the path now names another file. A path gone keeps the
    /// descriptor (see the module doc).
    fn replaced(&self) -> Result<bool, EventLogError> {
        let Some(id) = self.id else {
            return Ok(false);
        };
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) => Ok(meta.file_type().is_symlink() || fs_util::file_id(&meta) != Some(id)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_at("stat", &self.path, e)),
        }
    }

    /// Opens the path again, with the checks of the first open (a symlink
    /// or a FIFO now at the path is refused here).
    fn reopen(&mut self) -> Result<(), EventLogError> {
        let file = fs_util::open_read(&self.path)?;
        let meta = file.metadata().map_err(|e| io_at("stat", &self.path, e))?;
        self.id = fs_util::file_id(&meta);
        self.file = file;
        Ok(())
    }

    fn follows_line_end(&self, offset: u64) -> Result<bool, EventLogError> {
        let mut byte = [0u8];
        let n = fs_util::read_at(&self.file, offset - 1, &mut byte)
            .map_err(|e| io_at("read", &self.path, e))?;
        Ok(n == 1 && byte[0] == b'\n')
    }
}
