//! Which session directories the viewer may show, and the summary of each
//! on its start page.
//!
//! The viewer serves only what it was pointed at: ROOT itself when ROOT is a
//! session directory, else the session directories directly under ROOT. A
//! name from a request is one plain path component naming such a directory;
//! `..`, separators, absolute paths and symlinked directories or
//! `events.jsonl` files are refused, never followed. (A local attacker who
//! swaps a directory for a link between the check and the open is out of
//! scope, as it is for the crate.)
//!
//! Summaries are kept per session and brought up to date by reading only
//! the bytes appended since the last look (see `follow`), so refreshing the
//! list costs a `stat` per session while nothing changes.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{json, Value};
use sessiontrail::{EventLog, EventLogError, EVENTS_FILE};

use sessiontrail::tail::Position;

use super::follow;

/// At most this many agent names are listed per session on the start page.
const LISTED_AGENTS: usize = 12;
/// A summary reads at most this much per step (memory stays bounded).
const SUMMARY_BUDGET: u64 = 8 << 20;

/// Why a session name from a request is not served.
#[derive(Debug)]
pub enum Refusal {
    /// Not one plain path component (`..`, a separator, empty).
    BadName(String),
    /// A symlink where a session directory or its events file should be.
    Symlink(String),
    /// An `events.jsonl` with more than one name (a hard link): the file
    /// may be someone else's, linked here to be read through the viewer.
    HardLink(String),
    /// No session of that name under ROOT.
    NotFound(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::BadName(n) => write!(
                f,
                "not a session name: {n:?} (one directory name under the viewer's root)"
            ),
            Refusal::Symlink(n) => write!(
                f,
                "refused: {n:?} is a symbolic link; the viewer follows none"
            ),
            Refusal::HardLink(n) => write!(
                f,
                "refused: {n:?} has more than one name (a hard link); the viewer serves none"
            ),
            Refusal::NotFound(n) => write!(f, "no session {n:?} under the viewer's root"),
        }
    }
}

/// What the viewer was pointed at.
pub enum Root {
    /// ROOT is itself a session directory, shown under its own name.
    Single { dir: PathBuf, name: String },
    /// ROOT holds session directories.
    Many(PathBuf),
}

impl Root {
    /// Decides what `path` is; an error names the problem.
    pub fn new(path: &Path) -> Result<Root, String> {
        let path: PathBuf = path.components().collect();
        let meta =
            std::fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if !meta.is_dir() {
            return Err(format!("{} is not a directory", path.display()));
        }
        if std::fs::symlink_metadata(path.join(EVENTS_FILE)).is_err() {
            return Ok(Root::Many(path));
        }
        if std::fs::symlink_metadata(&path)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false)
        {
            return Err(format!(
                "{} is a symbolic link to a session directory; the viewer follows none (give the real path)",
                path.display()
            ));
        }
        let name = std::fs::canonicalize(&path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "session".into());
        Ok(Root::Single { dir: path, name })
    }

    /// The directory of session `name`, after the checks above.
    pub fn resolve(&self, name: &str) -> Result<PathBuf, Refusal> {
        match self {
            Root::Single { dir, name: only } => {
                if name == only {
                    check_session_dir(dir, name)?;
                    Ok(dir.clone())
                } else {
                    Err(Refusal::NotFound(name.into()))
                }
            }
            Root::Many(root) => {
                if !plain_name(name) {
                    return Err(Refusal::BadName(name.into()));
                }
                let dir = root.join(name);
                check_session_dir(&dir, name)?;
                Ok(dir)
            }
        }
    }

    /// The names of the sessions to list (checked again by `resolve`).
    fn names(&self) -> Vec<String> {
        match self {
            Root::Single { name, .. } => vec![name.clone()],
            // A root that cannot be listed lists nothing; the page shows
            // an empty list and asks again.
            Root::Many(root) => sessiontrail::session_dirs_under(root)
                .unwrap_or_default()
                .iter()
                .filter_map(|dir| dir.file_name()?.to_str().map(str::to_owned))
                .filter(|n| plain_name(n))
                .collect(),
        }
    }
}

/// One path component that names an entry in its directory.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 255
        && !name.contains(['/', '\\', '\0'])
}

fn check_session_dir(dir: &Path, name: &str) -> Result<(), Refusal> {
    let meta = std::fs::symlink_metadata(dir).map_err(|_| Refusal::NotFound(name.into()))?;
    if meta.file_type().is_symlink() {
        return Err(Refusal::Symlink(name.into()));
    }
    if !meta.is_dir() {
        return Err(Refusal::NotFound(name.into()));
    }
    let events = std::fs::symlink_metadata(dir.join(EVENTS_FILE))
        .map_err(|_| Refusal::NotFound(name.into()))?;
    if events.file_type().is_symlink() {
        return Err(Refusal::Symlink(format!("{name}/{EVENTS_FILE}")));
    }
    if !events.is_file() {
        return Err(Refusal::NotFound(name.into()));
    }
    // The core's writers do not refuse a hard-linked log (issue 22's owner
    // rule only leaves such a file's mode alone), so the viewer does.
    if links(&events) > 1 {
        return Err(Refusal::HardLink(format!("{name}/{EVENTS_FILE}")));
    }
    Ok(())
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

/// Windows keeps the count behind an unstable API; there a link is
/// not seen.
#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

/// What the start page shows of one session, kept up to date incrementally.
#[derive(Default)]
struct Summary {
    cursor: Position,
    size: u64,
    events: u64,
    skipped: u64,
    /// Every event so far holds its own line's number (the common, healthy
    /// case; anything else asks `check()` for the verdict).
    in_place: bool,
    tail_bytes: u64,
    session_ids: BTreeSet<String>,
    first: Option<String>,
    last: Option<String>,
    agents: BTreeSet<String>,
    more_agents: bool,
    /// `check()`'s verdict and the size it was taken at.
    checked: Option<(u64, bool)>,
}

/// The start page's list, newest first.
pub struct Catalog {
    summaries: Mutex<HashMap<String, Summary>>,
}

impl Catalog {
    pub fn new() -> Self {
        Catalog {
            summaries: Mutex::new(HashMap::new()),
        }
    }

    /// The sessions under `root` as JSON, newest (last event) first.
    pub fn list(&self, root: &Root) -> Value {
        let mut summaries = self.summaries.lock().unwrap_or_else(|e| e.into_inner());
        let mut rows = Vec::new();
        let names = root.names();
        summaries.retain(|name, _| names.contains(name));
        for name in names {
            let dir = match root.resolve(&name) {
                Ok(dir) => dir,
                Err(refusal @ Refusal::HardLink(_)) => {
                    rows.push(json!({ "name": name, "error": refusal.to_string() }));
                    continue;
                }
                Err(_) => continue,
            };
            let summary = summaries.entry(name.clone()).or_insert_with(|| Summary {
                in_place: true,
                ..Summary::default()
            });
            if let Err(e) = update(summary, &dir) {
                rows.push(json!({ "name": name, "error": e.to_string() }));
                continue;
            }
            rows.push(json!({
                "name": name,
                "session_ids": summary.session_ids.iter().take(4).collect::<Vec<_>>(),
                "first": summary.first,
                "last": summary.last,
                "events": summary.events,
                "skipped": summary.skipped,
                "tail_bytes": summary.tail_bytes,
                "agents": summary.agents,
                "more_agents": summary.more_agents,
                "ok": verdict(summary, &dir),
            }));
        }
        rows.sort_by(|a, b| {
            let key = |v: &Value| v["last"].as_str().unwrap_or("").to_owned();
            key(b)
                .cmp(&key(a))
                .then_with(|| a["name"].as_str().cmp(&b["name"].as_str()))
        });
        json!({ "sessions": rows })
    }
}

fn update(s: &mut Summary, dir: &Path) -> Result<(), EventLogError> {
    let path = dir.join(EVENTS_FILE);
    if follow::size_of(&path)? == s.size {
        return Ok(());
    }
    loop {
        let batch = follow::read_after(dir, s.cursor, SUMMARY_BUDGET)?;
        if batch.reset {
            // Read from the first line: what was summed up is of another file.
            *s = Summary {
                in_place: true,
                ..Summary::default()
            };
        }
        for (event, line) in batch.events.iter().zip(&batch.lines) {
            s.events += 1;
            s.in_place &= event.sequence_no == *line;
            if s.session_ids.len() < 4 {
                s.session_ids.insert(event.session_id.clone());
            }
            if s.first.is_none() {
                s.first = Some(event.timestamp.clone());
            }
            s.last = Some(event.timestamp.clone());
            if !s.agents.contains(&event.agent_name) {
                if s.agents.len() < LISTED_AGENTS {
                    s.agents.insert(event.agent_name.clone());
                } else {
                    s.more_agents = true;
                }
            }
        }
        s.skipped += batch.skipped.len() as u64;
        s.cursor = batch.next;
        s.size = batch.size;
        s.tail_bytes = batch.tail_bytes;
        if !batch.more {
            return Ok(());
        }
    }
}

/// Whether the log is whole, as `check()` says. The common case (every line
/// an event holding its own number, no torn tail) is whole without a read;
/// anything else is checked once per size.
fn verdict(s: &mut Summary, dir: &Path) -> Option<bool> {
    if s.in_place && s.skipped == 0 && s.tail_bytes == 0 {
        return Some(true);
    }
    if let Some((size, ok)) = s.checked {
        if size == s.size {
            return Some(ok);
        }
    }
    let ok = EventLog::open(dir)
        .and_then(|log| log.check())
        .ok()?
        .is_ok();
    s.checked = Some((s.size, ok));
    Some(ok)
}

#[cfg(test)]
mod tests {
    use super::plain_name;

    #[test]
    fn only_plain_names_are_session_names() {
        for good in ["ssn_1", "a b", "é", ".hidden", "x..y"] {
            assert!(plain_name(good), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "/etc",
            "..\\x",
            "a\0b",
            &"x".repeat(256),
        ] {
            assert!(!plain_name(bad), "{bad:?}");
        }
    }
}
