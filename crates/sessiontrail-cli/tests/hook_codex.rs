//! `sessiontrail hook codex` as Codex CLI runs it: one process per hook
//! firing, fixtures shaped by Codex's generated hook schemas
//! (tests/fixtures/codex/README.md). The mapping is Claude Code's
//! (tests/hook_claude_code.rs); these check what differs: the agent, the
//! exit code Codex does not give, privacy and the printed hooks.json.

#![cfg(all(unix, feature = "hook"))]

mod common;

use std::path::Path;
use std::process::Command;

use common::TempDir;
use serde_json::Value;

const SESSION: &str = "019a1b2c-3d4e-7f60-8a9b-0c1d2e3f4a5b";

fn fire(root: &Path, name: &str) {
    let child = common::hook::spawn_hook("codex", root, &[]);
    let out = common::hook::finish(child, common::hook::fixture("codex", name).as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{name}");
}

#[test]
fn a_codex_session_is_recorded_as_its_own_agent() {
    let tmp = TempDir::new("codex-script");
    let root = tmp.path().join("sessions");
    for name in [
        "session-start",
        "user-prompt-submit",
        "pre-tool-use-bash",
        "post-tool-use-bash",
        "stop",
    ] {
        fire(&root, name);
    }
    let dir = root.join(SESSION);
    let events = common::hook::stored_lines(&dir);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "session.started",
            "agent.started",
            "agent.note",
            "agent.started_process",
            "agent.completed_process",
            "agent.note"
        ]
    );
    assert!(events.iter().all(|e| e["agent_id"] == "agent://codex"));
    assert_eq!(events[0]["meta"]["model"], "gpt-5.1-codex");
    let done = &events[4];
    assert_eq!(done["process_name"], "cargo");
    assert_eq!(done["meta"]["tool_use_id"], "call_7a8b9c");
    // Codex fires PostToolUse for failed commands too and gives no code:
    // unknown, not 0.
    assert!(done.get("exit_code").is_none(), "{done}");
    assert!(done["duration_ms"].is_u64(), "{done}");
    common::hook::assert_check_ok(&dir);
    let raw = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert!(!raw.contains("SECRET-"), "{raw}");
}

#[test]
fn printed_codex_hooks_json_registers_every_mapped_event() {
    let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["hook", "codex", "--print-settings"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let settings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hooks = settings["hooks"].as_object().unwrap();
    let mut events: Vec<&str> = hooks.keys().map(String::as_str).collect();
    events.sort_unstable();
    assert_eq!(
        events,
        [
            "PostToolUse",
            "PreCompact",
            "PreToolUse",
            "SessionStart",
            "Stop",
            "SubagentStart",
            "SubagentStop",
            "UserPromptSubmit"
        ]
    );
    for (event, groups) in hooks {
        let hook = &groups[0]["hooks"][0];
        assert_eq!(hook["type"], "command", "{event}");
        assert_eq!(hook["timeout"], 10, "seconds in Codex");
        assert!(hook["command"].as_str().unwrap().ends_with(" hook codex"));
    }
}
