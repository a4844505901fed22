//! `keygen`, `seal`, `verify --checkpoint`, `prove` and `verify-proof` as a
//! user runs them: the built binary, files on disk, exit codes. What must
//! hold: a checkpoint signed by the key verifies, one changed byte of its
//! signature or another key is refused (exit 5), every earlier checkpoint
//! verifies against the grown log, a rewritten log (lines and tree sidecar
//! both redone) fails against an earlier checkpoint, and a proof checks
//! with nothing but the line, the proof and the checkpoint.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TempDir;
use sessiontrail::EVENTS_FILE;

const COMMON: &str = r#""session_id":"ssn_seal","agent_id":"agent://cli","agent_instance_id":"ai_1","agent_name":"cli-agent","host_id":"h""#;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = cli(args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn append(dir: &Path, note: &str) {
    let e = format!(r#"{{"type":"agent.note","text":"{note}",{COMMON}}}"#);
    ok(&["append", dir.to_str().unwrap(), &e]);
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A session with `n` events and a key pair: (tmp, dir, key, public key).
fn setup(tag: &str, n: usize) -> (TempDir, PathBuf, PathBuf, PathBuf) {
    let tmp = TempDir::new(tag);
    let dir = tmp.session();
    for i in 0..n {
        append(&dir, &format!("note {i}"));
    }
    let key = tmp.path().join("seal.key");
    let printed = ok(&["keygen", "--out", s(&key), "--name", "example.com/seal"]);
    let public = tmp.path().join("seal.key.pub");
    assert_eq!(std::fs::read_to_string(&public).unwrap(), printed);
    (tmp, dir, key, public)
}

/// `verify DIR --checkpoint CP --public-key KEY`.
fn verify_cp(dir: &Path, cp: &Path, public: &Path) -> Output {
    cli(&[
        "verify",
        s(dir),
        "--checkpoint",
        s(cp),
        "--public-key",
        s(public),
    ])
}

/// The stdout of a command that must exit 0.
fn stdout_of(out: Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// `verify DIR --checkpoint CP --public-key KEY` exits 5 saying `why`.
fn verify_refused(dir: &Path, cp: &Path, public: &Path, why: &str) {
    let out = verify_cp(dir, cp, public);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains(why), "{}", text(&out.stderr));
}

fn seal_to(dir: &Path, key: &Path, out: &Path) -> String {
    ok(&["seal", s(dir), "--key", s(key), "--out", s(out)])
}

#[test]
fn keygen_writes_go_note_keys_and_a_private_file_only_the_owner_reads() {
    let (_tmp, _dir, key, public) = setup("seal-keygen", 0);
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let private = std::fs::read_to_string(&key).unwrap();
    let public = std::fs::read_to_string(&public).unwrap();
    let id = public.split('+').nth(1).unwrap();
    assert_eq!(id.len(), 8);
    assert!(
        private.starts_with(&format!("PRIVATE+KEY+example.com/seal+{id}+")),
        "{private}"
    );
    // base64(0x01 || 32 bytes): 44 characters, the first "A".
    let data = public.trim_end().splitn(3, '+').nth(2).unwrap();
    assert!(
        public.starts_with(&format!("example.com/seal+{id}+A")) && data.len() == 44,
        "{public}"
    );
    // Never overwritten.
    let again = cli(&["keygen", "--out", s(&key)]);
    assert_eq!(again.status.code(), Some(3));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), private);
}

#[test]
fn a_signed_checkpoint_verifies_and_a_forged_or_foreign_one_is_refused() {
    let (tmp, dir, key, public) = setup("seal-sign", 3);
    let cp = tmp.path().join("cp");
    let note = seal_to(&dir, &key, &cp);
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines[0], "example.com/seal");
    assert_eq!(lines[1], "3");
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with("\u{2014} example.com/seal "), "{note}");
    let out = stdout_of(verify_cp(&dir, &cp, &public));
    assert!(
        out.contains(
            "ok: the log extends the checkpoint of example.com/seal at 3 lines (signature valid)"
        ),
        "{out}"
    );

    // One byte of the signature changed.
    let sig_line = lines[4];
    let (head, b64) = sig_line.rsplit_once(' ').unwrap();
    let mut chars: Vec<char> = b64.chars().collect();
    chars[20] = if chars[20] == 'A' { 'B' } else { 'A' };
    let forged = note.replace(
        sig_line,
        &format!("{head} {}", chars.iter().collect::<String>()),
    );
    let forged_path = tmp.path().join("forged");
    std::fs::write(&forged_path, forged).unwrap();
    verify_refused(&dir, &forged_path, &public, "does not verify");

    // Another key (same name).
    let other = tmp.path().join("other.key");
    ok(&["keygen", "--out", s(&other), "--name", "example.com/seal"]);
    let other_pub = tmp.path().join("other.key.pub");
    verify_refused(
        &dir,
        &cp,
        &other_pub,
        "no signature by the key example.com/seal+",
    );

    // An unsigned checkpoint is refused when a key is asked for.
    let bare = tmp.path().join("bare");
    ok(&["seal", s(&dir), "--out", s(&bare)]);
    verify_refused(&dir, &bare, &public, "no signature by the key");
}

#[test]
fn every_earlier_checkpoint_verifies_against_the_grown_log() {
    let (tmp, dir, key, public) = setup("seal-grow", 1);
    let mut cps = Vec::new();
    for round in 0..10 {
        let cp = tmp.path().join(format!("cp{round}"));
        seal_to(&dir, &key, &cp);
        cps.push(cp);
        for i in 0..=round {
            append(&dir, &format!("round {round} note {i}"));
        }
        for cp in &cps {
            stdout_of(verify_cp(&dir, cp, &public));
        }
    }
}

#[test]
fn a_rewritten_log_fails_against_an_earlier_checkpoint() {
    let (tmp, dir, key, public) = setup("seal-rewrite", 4);
    let cp = tmp.path().join("cp");
    seal_to(&dir, &key, &cp);
    append(&dir, "after");
    // Rewrite line 2 and delete the sidecar: the next append rebuilds it
    // from the rewritten lines, so `verify` alone finds them consistent.
    let events = dir.join(EVENTS_FILE);
    let rewritten = std::fs::read_to_string(&events)
        .unwrap()
        .replace("note 1", "note X");
    std::fs::write(&events, rewritten).unwrap();
    std::fs::remove_file(dir.join(format!("{EVENTS_FILE}.tree"))).unwrap();
    append(&dir, "covering up");
    ok(&["verify", s(&dir)]);
    let out = verify_cp(&dir, &cp, &public);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout)
            .contains("TAMPERED: the log's first 4 lines are not the ones the checkpoint sealed"),
        "{}",
        text(&out.stdout)
    );

    // Lines removed: fewer than the checkpoint's.
    let kept: String = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&events, kept).unwrap();
    std::fs::remove_file(dir.join(format!("{EVENTS_FILE}.tree"))).unwrap();
    append(&dir, "again");
    let out = cli(&["verify", s(&dir), "--checkpoint", s(&cp)]);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stdout).contains("fewer than the checkpoint's 4"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_proof_checks_with_nothing_else_and_a_changed_line_or_proof_is_refused() {
    let (tmp, dir, key, public) = setup("seal-prove", 7);
    let cp = tmp.path().join("cp");
    seal_to(&dir, &key, &cp);
    append(&dir, "later");
    let line = tmp.path().join("line");
    ok(&[
        "prove",
        s(&dir),
        "3",
        "--checkpoint",
        s(&cp),
        "--out",
        s(&line),
    ]);
    let proof = tmp.path().join("line.proof");
    let stored = std::fs::read_to_string(&line).unwrap();
    assert!(
        stored.contains(r#""sequence_no":3"#) && stored.contains("note 3"),
        "{stored}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    assert_eq!(json["leafIndex"], 3);
    assert_eq!(json["treeSize"], 7);
    assert_eq!(json["hashes"].as_array().unwrap().len(), 3);

    // Checked with no log: move the session away.
    std::fs::rename(&dir, tmp.path().join("gone")).unwrap();
    let args = [
        "verify-proof",
        "--line",
        s(&line),
        "--proof",
        s(&proof),
        "--checkpoint",
        s(&cp),
        "--public-key",
        s(&public),
    ];
    let out = ok(&args);
    assert!(
        out.contains("ok: the line is leaf 3 of the 7-line tree of example.com/seal"),
        "{out}"
    );

    // The same on stdout without --out: the line, then the proof.
    let out = ok(&["prove", s(&tmp.path().join("gone")), "3"]);
    let (printed_line, printed_proof) = out.split_once('\n').unwrap();
    assert_eq!(format!("{printed_line}\n"), stored);
    assert!(printed_proof.contains(r#""treeSize":8"#), "{printed_proof}");

    // A changed line.
    std::fs::write(&line, stored.replace("note 3", "note 4")).unwrap();
    let out = cli(&args);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stderr).contains("the line or the proof was changed"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&line, &stored).unwrap();
    ok(&args);

    // A changed proof byte (one hash's first base64 character).
    let good = std::fs::read_to_string(&proof).unwrap();
    let first = json["hashes"][0].as_str().unwrap();
    let flipped = format!(
        "{}{}",
        if first.starts_with('A') { 'B' } else { 'A' },
        &first[1..]
    );
    std::fs::write(&proof, good.replace(first, &flipped)).unwrap();
    let out = cli(&args);
    assert_eq!(out.status.code(), Some(5));

    // Not a proof at all: a usage error naming the file.
    std::fs::write(&proof, "{}").unwrap();
    let out = cli(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a proof"),
        "{}",
        text(&out.stderr)
    );
}
