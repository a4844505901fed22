//! `sessiontrail import codex` over a rollout in the observed shape
//! (tests/fixtures/codex-rollouts/README.md), and with the hook: one
//! decision per token count (a count written twice counted once), the shell
//! call through the hook's mapping with the same ids as `hook codex`, the
//! skipped entries counted, privacy, importing twice adds nothing.

#![cfg(all(unix, feature = "hook"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::hook::of_type;
use common::TempDir;

const SESSION: &str = "019a1b2c-3d4e-7f60-8a9b-0c1d2e3f4a5b";

fn rollouts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codex-rollouts")
}

fn import(root: &Path, envs: &[(&str, &Path)], args: &[&Path]) -> Output {
    common::hook::import("codex", root, envs, args)
}

#[test]
fn a_rollout_becomes_a_session_with_its_tokens() {
    let tmp = TempDir::new("import-codex");
    let root = tmp.path().join("sessions");
    // The default: $CODEX_HOME/sessions.
    let home = tmp.path().join("codex-home");
    std::fs::create_dir_all(&home).unwrap();
    std::os::unix::fs::symlink(rollouts(), home.join("sessions")).unwrap();
    let out = import(&root, &[("CODEX_HOME", &home)], &[]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("(2 decisions"), "{summary}");
    assert!(summary.contains("ghost_snapshot: 1"), "{summary}");
    assert!(summary.contains("line that is not JSON: 1"), "{summary}");

    let dir = root.join(SESSION);
    let events = common::hook::stored_lines(&dir);
    assert!(events.iter().all(|e| e["agent_id"] == "agent://codex"));
    let decisions = of_type(&events, "agent.decision");
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["model"], "gpt-5.1-codex");
    assert_eq!(decisions[0]["provider"], "openai");
    assert_eq!(decisions[0]["tokens_in"], 9000);
    assert_eq!(decisions[0]["tokens_out"], 300);
    assert_eq!(decisions[0]["meta"]["cache_read_input_tokens"], 6000);
    assert_eq!(decisions[1]["tokens_in"], 9500);
    let done = of_type(&events, "agent.completed_process")[0];
    assert_eq!(done["process_name"], "cargo");
    assert_eq!(done["exit_code"], 101);
    assert_eq!(done["duration_ms"], 5300);
    assert_eq!(done["meta"]["tool_use_id"], "call_7a8b9c");
    common::hook::assert_check_ok(&dir);
    let raw = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert!(!raw.contains("SECRET"), "{raw}");

    // Again: nothing added.
    let out = import(&root, &[], &[&rollouts()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 events added"));
}

#[test]
fn the_hook_and_the_rollout_name_one_shell_call_alike() {
    let tmp = TempDir::new("import-codex-after-hook");
    let root = tmp.path().join("sessions");
    for name in ["session-start", "post-tool-use-bash"] {
        let child = common::hook::spawn_hook("codex", &root, &[]);
        let out = common::hook::finish(child, common::hook::fixture("codex", name).as_bytes());
        assert_eq!(out.status.code(), Some(0));
    }
    import(&root, &[], &[&rollouts()]);
    let events = common::hook::stored_lines(&root.join(SESSION));
    for kind in [
        "session.started",
        "agent.started",
        "agent.started_process",
        "agent.completed_process",
    ] {
        assert_eq!(of_type(&events, kind).len(), 1, "{kind}");
    }
    assert_eq!(of_type(&events, "agent.decision").len(), 2);
}

#[test]
fn the_codex_hook_reads_new_token_counts_at_stop() {
    let tmp = TempDir::new("codex-live-tokens");
    let root = tmp.path().join("sessions");
    let rollout = rollouts()
        .join("2026/12/01")
        .join(format!("rollout-2026-12-01T11-00-00-{SESSION}.jsonl"));
    // Codex's Stop payload (its stop.command.input schema's fields).
    let stop = serde_json::json!({
        "session_id": SESSION, "transcript_path": rollout.to_str().unwrap(),
        "cwd": "/home/dev/app", "model": "gpt-5.1-codex", "permission_mode": "default",
        "turn_id": "turn-1", "hook_event_name": "Stop", "stop_hook_active": false,
        "last_assistant_message": null
    });
    for _ in 0..2 {
        let child = common::hook::spawn_hook("codex", &root, &[]);
        let out = common::hook::finish(child, stop.to_string().as_bytes());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let events = common::hook::stored_lines(&root.join(SESSION));
    let decisions = of_type(&events, "agent.decision");
    // Two counts (one written twice), read once though Stop fired twice.
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[1]["model"], "gpt-5.1-codex");
    assert_eq!(decisions[1]["meta"]["reasoning_output_tokens"], 30);
    import(&root, &[], &[&rollouts()]);
    let events = common::hook::stored_lines(&root.join(SESSION));
    assert_eq!(of_type(&events, "agent.decision").len(), 2);
}
