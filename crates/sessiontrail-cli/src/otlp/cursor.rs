//! How far a session has been shipped to one destination:
//! `events.jsonl.otlp-cursor-<16 hex>` beside the log, the hex an FNV-1a
//! hash of the destination (the endpoint's base URL, or `file:` and the
//! output's absolute path). One file per destination: a session shipped to
//! two receivers keeps two cursors, and two shippers to two receivers never
//! write the same file.
//!
//! One line of JSON:
//! `{"endpoint":"http://host:4318","traces":120,"logs":120,"file":[2049,1234]}`,
//! the destination it counts for, per signal the sequence number of the
//! first event whose output has not been acknowledged, and the device and
//! inode of the `events.jsonl` those numbers count in. Spans and log records
//! go in two requests, so each has its own number: when the traces were
//! accepted and the logs were not, a restart sends only the logs. A log
//! that is not the file the cursor counted in (another inode, or fewer lines
//! than the cursor says) is a new log: shipped from its first line.
//!
//! The cursor is read through the core's `open_regular`: a FIFO or a device
//! put at its name is an error naming it, never a read that waits.
//!
//! It is written only after the receiver answered 2xx (or the output file
//! was synced), to a temporary file that is synced and renamed over the old
//! one, so a reader sees the old cursor or the new, never half of one. The
//! one window left: a shipper killed between the receiver's answer and the
//! rename sends that request again on restart.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sessiontrail::EVENTS_FILE;

#[derive(Serialize, Deserialize)]
struct Stored {
    endpoint: String,
    traces: u64,
    logs: u64,
    /// Absent in cursors written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<(u64, u64)>,
}

pub(super) struct Cursor {
    path: PathBuf,
    endpoint: String,
    /// The first event whose spans the receiver has not acknowledged.
    pub traces: u64,
    /// The first event whose log record the receiver has not acknowledged.
    pub logs: u64,
    /// The device and inode of the log the numbers count in.
    pub file: Option<(u64, u64)>,
    saved: (u64, u64, Option<(u64, u64)>),
}

impl Cursor {
    /// The file of `endpoint`'s cursor, beside `events.jsonl`.
    pub fn path(session_dir: &Path, endpoint: &str) -> PathBuf {
        // FNV-1a, 64 bits: stable across Rust versions, unlike std's hasher.
        let hash = endpoint.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        session_dir.join(format!("{EVENTS_FILE}.otlp-cursor-{hash:016x}"))
    }

    /// The cursor of `session_dir` for `endpoint`; at 0 when there is none.
    pub fn load(session_dir: &Path, endpoint: &str) -> Result<Cursor, String> {
        let path = Cursor::path(session_dir, endpoint);
        let read = || -> Result<Option<Vec<u8>>, String> {
            match std::fs::symlink_metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
                Ok(_) => {}
            }
            let mut bytes = Vec::new();
            sessiontrail::open_regular(&path)
                .map_err(|e| e.to_string())?
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Ok(Some(bytes))
        };
        let (traces, logs, file) = match read()? {
            None => (0, 0, None),
            Some(bytes) => {
                let stored: Stored = serde_json::from_slice(&bytes).map_err(|e| {
                    format!(
                        "{} is not a cursor ({e}); move it away to ship this session from the start",
                        path.display()
                    )
                })?;
                // Two destinations with one hash: never seen, but then
                // following the other's cursor would skip events.
                if stored.endpoint != endpoint {
                    return Err(format!(
                        "{} is the cursor of {}, not of {endpoint}",
                        path.display(),
                        stored.endpoint,
                    ));
                }
                (stored.traces, stored.logs, stored.file)
            }
        };
        Ok(Cursor {
            path,
            endpoint: endpoint.to_owned(),
            traces,
            logs,
            file,
            saved: (traces, logs, file),
        })
    }

    /// Starts again at the first event of the log `file`.
    pub fn restart(&mut self, file: Option<(u64, u64)>) {
        (self.traces, self.logs, self.file) = (0, 0, file);
    }

    /// Writes the cursor when it moved: temp file, sync, rename.
    pub fn save(&mut self) -> Result<(), String> {
        if self.saved == (self.traces, self.logs, self.file) {
            return Ok(());
        }
        let stored = Stored {
            endpoint: self.endpoint.clone(),
            traces: self.traces,
            logs: self.logs,
            file: self.file,
        };
        let mut text = serde_json::to_vec(&stored).map_err(|e| e.to_string())?;
        text.push(b'\n');
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let write = || -> std::io::Result<()> {
            // A leftover temporary file goes first; then an exclusive
            // create, which never follows a symlink put at its name (the
            // core's open helper is for the log's own files, this needs no
            // second one).
            match std::fs::remove_file(&tmp) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&tmp)?;
            file.write_all(&text)?;
            file.sync_data()?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        self.saved = (self.traces, self.logs, self.file);
        Ok(())
    }
}
