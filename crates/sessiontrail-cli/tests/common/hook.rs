//! Plumbing of the `sessiontrail hook` tests (tests/hook_*.rs), one agent CLI
//! per file: its fixtures, one hook process fed a payload on stdin as the
//! agent runs it, and the stored lines read back as JSON.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// `tests/fixtures/<agent>/<name>.json`.
pub fn fixture(agent: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(agent)
        .join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `sessiontrail hook <agent> ARGS` with `root` as `SESSIONTRAIL_ROOT`, not yet
/// given its stdin.
pub fn spawn_hook(agent: &str, root: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["hook", agent])
        .args(args)
        .env("SESSIONTRAIL_ROOT", root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Writes `payload` to a spawned hook's stdin, closes it, waits.
pub fn finish(mut child: Child, payload: &[u8]) -> Output {
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(payload).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// Every line of `dir/events.jsonl` as JSON, in file order.
pub fn stored_lines(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The events of type `kind` among `events`.
pub fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// `sessiontrail check DIR` passes.
pub fn assert_check_ok(dir: &Path) {
    let check = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["check", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

/// `sessiontrail import <agent> ARGS` with `root` as `SESSIONTRAIL_ROOT`
/// and `envs` set, asserted to succeed (its stderr shown otherwise).
pub fn import(agent: &str, root: &Path, envs: &[(&str, &Path)], args: &[&Path]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sessiontrail"));
    command
        .args(["import", agent])
        .args(args)
        .env("SESSIONTRAIL_ROOT", root);
    for (k, v) in envs {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
