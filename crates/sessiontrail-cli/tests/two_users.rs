//! Issue 22's owner rule and small holes, tested as the red team found
//! them: a second local user (made here with `useradd`) who shares a
//! `/tmp`-style directory (mode 1777) with the caller, and does her steps
//! as herself (`Command::uid`/`gid`), against the real `sessiontrail`
//! binary. Also: `append`'s exit when its stdout is gone, and `check`
//! while an append is half-written.
//!
//! Creating a user and acting as her needs root; a test that cannot be
//! root says so on stderr and returns (the only skip, as the issue allows).

#![cfg(unix)]

mod common;

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::TempDir;

const MALLORY: &str = "sessiontrail-mallory";

const EVENT: &str = r#"{"type":"agent.note","text":"secret","session_id":"ssn_u","agent_id":"agent://u","agent_instance_id":"ai_1","agent_name":"u","host_id":"h"}"#;

/// Mallory's uid and gid, making her the first time; `None` when this
/// test is not root.
fn mallory() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: creating a second user and acting as her needs root");
        return None;
    }
    let id = |flag: &str| {
        let out = Command::new("id").args([flag, MALLORY]).output().unwrap();
        out.status.success().then(|| {
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<u32>()
                .unwrap()
        })
    };
    if id("-u").is_none() {
        let out = Command::new("useradd")
            .args(["--no-create-home", "--shell", "/usr/sbin/nologin", MALLORY])
            .output()
            .expect("useradd runs");
        // 9: made meanwhile by a test running beside this one.
        assert!(
            out.status.success() || out.status.code() == Some(9),
            "useradd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some((id("-u").unwrap(), id("-g").unwrap()))
}

/// Runs `script` with `sh` as Mallory.
fn as_mallory(who: (u32, u32), script: &str) -> Output {
    Command::new("sh")
        .args(["-c", script])
        .uid(who.0)
        .gid(who.1)
        .output()
        .unwrap()
}

/// A directory everyone may write, sticky, like `/tmp`.
fn shared_tmp(tmp: &TempDir) -> std::path::PathBuf {
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    shared
}

fn append(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .arg("append")
        .arg(dir)
        .arg(EVENT)
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

#[test]
fn a_session_directory_planted_by_another_user_is_refused() {
    let Some(who) = mallory() else { return };
    let tmp = TempDir::new("owner-planted-dir");
    let shared = shared_tmp(&tmp);
    let dir = shared.join("bob-session");
    let out = as_mallory(
        who,
        &format!(
            "mkdir -m 0777 {d} && touch {d}/events.jsonl && chmod 0666 {d}/events.jsonl",
            d = dir.display()
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let out = append(&dir, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains(&format!(
            "refusing to use {}: it belongs to user id {}",
            dir.display(),
            who.0
        )),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
    // Not one byte went into her file, and no sidecar was made.
    assert_eq!(std::fs::read(dir.join("events.jsonl")).unwrap(), b"");
    assert!(!dir.join("events.jsonl.lock").exists());
    assert!(!dir.join("events.jsonl.count").exists());
}

#[test]
fn files_planted_in_a_loose_directory_of_ours_are_refused_by_name() {
    let Some(who) = mallory() else { return };
    let tmp = TempDir::new("owner-planted-files");
    // Our own directory, but one anyone may write (made by hand, or by
    // an older version under a loose umask).
    let dir = tmp.path().join("loose");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    for (name, planted) in [
        ("events.jsonl.lock", "events.jsonl.lock"),
        ("events.jsonl", "events.jsonl"),
        ("events.jsonl.count", "events.jsonl.count"),
        ("events.jsonl.tree", "events.jsonl.tree"),
    ] {
        let _ = std::fs::remove_file(dir.join(name));
        let out = as_mallory(
            who,
            &format!(
                "umask 0; touch {p} && chmod 0666 {p}",
                p = dir.join(planted).display()
            ),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let out = append(&dir, &[]);
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        let wanted = format!(
            "refusing to use {}: it belongs to user id {}",
            dir.join(name).display(),
            who.0
        );
        assert!(stderr(&out).contains(&wanted), "{name}: {}", stderr(&out));
        if name != "events.jsonl" {
            assert_eq!(
                std::fs::read(dir.join("events.jsonl")).unwrap_or_default(),
                b""
            );
        }
        std::fs::remove_file(dir.join(name)).unwrap();
    }
}

#[test]
fn a_lock_she_holds_forever_cannot_hang_an_append() {
    let Some(who) = mallory() else { return };
    let tmp = TempDir::new("owner-held-lock");
    let dir = tmp.path().join("loose");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let lock = dir.join("events.jsonl.lock");
    // She makes the lock file and holds its flock for a minute.
    let holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "60"])
        .uid(who.0)
        .gid(who.1)
        .spawn()
        .unwrap();
    while !lock.exists() {
        std::thread::yield_now();
    }
    append_refused_while_held(&dir, holder, "belongs to user id");
}

/// Appends to `dir` while `holder` holds its lock, then ends the holder;
/// the append must exit 3 saying `why`.
fn append_refused_while_held(dir: &Path, mut holder: std::process::Child, why: &str) {
    let out = append(dir, &[]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(why), "{}", stderr(&out));
}

#[test]
fn what_we_create_is_ours_alone_so_she_can_neither_read_nor_cut_it() {
    let Some(who) = mallory() else { return };
    let tmp = TempDir::new("owner-private");
    let shared = shared_tmp(&tmp);
    let dir = shared.join("sessions").join("bob-session");
    let out = append(&dir, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&shared.join("sessions")), 0o700);
    assert_eq!(mode(&dir), 0o700);
    for name in [
        "events.jsonl",
        "events.jsonl.lock",
        "events.jsonl.count",
        "events.jsonl.tree",
    ] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    let events = dir.join("events.jsonl");
    for step in [
        format!("cat {}", events.display()),
        format!("truncate -s 0 {}", events.display()),
        format!("rm -rf {}", shared.join("sessions").display()),
        format!("mkdir {}/x", dir.display()),
    ] {
        let out = as_mallory(who, &step);
        assert!(!out.status.success(), "she could: {step}");
    }
    let out = append(&dir, &[]);
    let stored: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stored["sequence_no"], 1, "the numbering went on");
}

#[test]
fn the_default_lock_wait_ends_in_a_timeout_not_a_hang() {
    let tmp = TempDir::new("owner-default-timeout");
    let dir = tmp.session();
    assert!(append(&dir, &[]).status.success());
    // Our own stuck writer (stopped, say) holds the lock for a minute.
    let holder = Command::new("flock")
        .arg(dir.join("events.jsonl.lock"))
        .args(["sleep", "60"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // `flock -n` fails while the holder has it: the lock is taken.
    while Command::new("flock")
        .args(["-n"])
        .arg(dir.join("events.jsonl.lock"))
        .arg("true")
        .status()
        .unwrap()
        .success()
    {
        std::thread::yield_now();
    }
    append_refused_while_held(&dir, holder, "within 10000 ms; nothing was written");
}

#[test]
fn append_exits_0_once_stored_even_when_stdout_is_gone() {
    let tmp = TempDir::new("owner-closed-stdout");
    let dir = tmp.session();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .arg("append")
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader of its stdout goes away before it prints anything: it
    // waits for stdin, which comes only after.
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(EVENT.as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 event(s) stored, but printing them failed"),
        "{}",
        stderr(&out)
    );
    let lines = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 1);
}

#[test]
fn check_during_an_append_in_progress_reports_no_damage() {
    let tmp = TempDir::new("owner-check-in-progress");
    let dir = tmp.session();
    assert!(append(&dir, &[]).status.success());
    let stored = std::fs::read(dir.join("events.jsonl")).unwrap();
    let second = String::from_utf8(stored.clone())
        .unwrap()
        .replace("\"sequence_no\":0", "\"sequence_no\":1");
    // A writer (this test) holds the lock, half-way through a line.
    let lock = std::fs::File::open(dir.join("events.jsonl.lock")).unwrap();
    // SAFETY: the descriptor is open for the life of `lock`.
    assert_eq!(
        unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) },
        0
    );
    let mut events = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("events.jsonl"))
        .unwrap();
    let (head, tail) = second.as_bytes().split_at(40);
    events.write_all(head).unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["check", "--json"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for the check to be waiting on the lock (and, before
    // this rule, to have read the half line as a torn tail); the check
    // waits up to 2 s for an append to finish.
    std::thread::sleep(std::time::Duration::from_millis(300));
    events.write_all(tail).unwrap();
    drop(lock);
    let out = check.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["tornTailBytes"], 0, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["lines"], 2, "{report}");
}

#[test]
fn a_torn_tail_no_writer_holds_is_still_damage() {
    let tmp = TempDir::new("owner-check-torn");
    let dir = tmp.session();
    assert!(append(&dir, &[]).status.success());
    let mut events = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("events.jsonl"))
        .unwrap();
    events.write_all(b"{\"session_id\":").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["check", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["tornTailBytes"], 14, "{report}");
}

#[test]
fn timestamps_that_are_not_rfc3339_utc_are_refused_by_name() {
    let tmp = TempDir::new("owner-timestamps");
    let dir = tmp.session();
    for bad in [
        "garbage",
        "",
        "2026-13-45T99:99:99Z",
        "2026-11-26T08:04:05+05:00",
    ] {
        let event = EVENT.replace("\"type\"", &format!("\"timestamp\":\"{bad}\",\"type\""));
        let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
            .arg("append")
            .arg(&dir)
            .arg(&event)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(
                "field `timestamp` must be an RFC 3339 UTC time such as 2026-11-26T03:04:05.678Z; nothing was written"
            ),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
    assert!(!dir.join("events.jsonl").exists());
    let good = EVENT.replace(
        "\"type\"",
        "\"timestamp\":\"2026-11-26T03:04:05.678Z\",\"type\"",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .arg("append")
        .arg(&dir)
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}
