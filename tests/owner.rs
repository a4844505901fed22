//! The owner rule of the file store (issue 22): a session directory or a
//! file of the log that another user owns is refused with
//! [`ErrorKind::NotOwner`], naming the path and the owner, before anything
//! is written; [`Ownership::SharedGroup`] accepts another user's when its
//! group is one of the caller's, and creates group-writable files.
//!
//! Another user's files are made by `chown` to a uid no one has, which
//! needs root; without root a test says so on stderr and returns. The
//! attacks as a real second user, through the command line, are in
//! crates/sessiontrail-cli/tests/two_users.rs.
#![cfg(unix)]

mod common;

use std::os::unix::fs::{chown, MetadataExt};
use std::path::Path;

use common::{note, TempDir};
use sessiontrail::{
    ErrorKind, EventLog, EventLogError, Options, Ownership, EVENTS_FILE, LOCK_FILE,
};

/// A uid and a gid no account has.
const STRANGER: u32 = 54_321;

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        eprintln!("skipped: making files another user owns needs root (chown)");
    }
    root
}

fn append(dir: &Path, options: Options) -> Result<u64, EventLogError> {
    let log = EventLog::open_with(dir, options)?;
    let mut e = note("sess_owner", "x");
    log.append(&mut e)?;
    Ok(e.sequence_no)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

#[test]
fn another_users_directory_or_file_is_refused_by_name() {
    if !root() {
        return;
    }
    let tmp = TempDir::new("owner-core");
    let dir = tmp.session();
    assert_eq!(append(&dir, Options::new()).unwrap(), 0);
    for target in [dir.clone(), dir.join(EVENTS_FILE), dir.join(LOCK_FILE)] {
        let size = std::fs::metadata(dir.join(EVENTS_FILE)).unwrap().len();
        chown(&target, Some(STRANGER), Some(STRANGER)).unwrap();
        let err = append(&dir, Options::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotOwner, "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "refusing to use {}: it belongs to user id {STRANGER}, not to the calling user (id 0); nothing was written",
                target.display()
            )
        );
        // Not in our group either: a shared group does not help.
        let err = append(&dir, Options::new().ownership(Ownership::SharedGroup)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotOwner, "{err}");
        assert_eq!(
            std::fs::metadata(dir.join(EVENTS_FILE)).unwrap().len(),
            size
        );
        chown(&target, Some(0), Some(0)).unwrap();
    }
    assert_eq!(
        append(&dir, Options::new()).unwrap(),
        1,
        "ours again: appends go on"
    );
}

#[test]
fn a_shared_group_layout_accepts_the_groups_files_and_makes_its_own_group_writable() {
    if !root() {
        return;
    }
    let tmp = TempDir::new("owner-shared");
    let dir = tmp.path().join("team").join("session");
    let shared = Options::new().ownership(Ownership::SharedGroup);
    assert_eq!(append(&dir, shared).unwrap(), 0);
    assert_eq!(mode(&dir), 0o770);
    for name in [
        EVENTS_FILE,
        LOCK_FILE,
        "events.jsonl.count",
        "events.jsonl.tree",
    ] {
        assert_eq!(mode(&dir.join(name)), 0o660, "{name}");
    }
    // A colleague (another uid, our group: gid 0) made the log's files.
    for name in ["", EVENTS_FILE, LOCK_FILE] {
        chown(dir.join(name), Some(STRANGER), Some(0)).unwrap();
    }
    assert_eq!(append(&dir, shared).unwrap(), 1);
    // The default still refuses them.
    let err = append(&dir, Options::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotOwner, "{err}");
}

#[test]
fn directories_the_log_creates_are_private() {
    let tmp = TempDir::new("owner-modes");
    let dir = tmp.path().join("a").join("b").join("session");
    assert_eq!(append(&dir, Options::new()).unwrap(), 0);
    for d in [
        tmp.path().join("a"),
        tmp.path().join("a").join("b"),
        dir.clone(),
    ] {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
    }
}
