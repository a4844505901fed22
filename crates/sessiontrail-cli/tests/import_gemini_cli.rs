//! `sessiontrail import gemini-cli` over a chat recording in the shape of
//! gemini-cli's `ConversationRecord` (tests/fixtures/gemini-cli-chats/),
//! and with the hook: decisions with tokens, the shell call through the
//! hook's translation with the hook's ids, skipped messages counted,
//! privacy, importing twice adds nothing.

#![cfg(all(unix, feature = "hook"))]

mod common;

use std::path::{Path, PathBuf};

use common::hook::of_type;
use common::TempDir;

const SESSION: &str = "gem-7d1e2f30-aa11-4c5b-9e0f-112233445566";

fn chats() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gemini-cli-chats")
}

fn import(root: &Path) -> String {
    let out = common::hook::import("gemini-cli", root, &[], &[&chats()]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_chat_recording_becomes_a_session_with_its_tokens() {
    let tmp = TempDir::new("import-gemini");
    let root = tmp.path().join("sessions");
    let summary = import(&root);
    assert!(summary.contains("(2 decisions"), "{summary}");
    assert!(summary.contains("info: 1"), "{summary}");
    assert!(summary.contains("tool call not run: 1"), "{summary}");
    let dir = root.join(SESSION);
    let events = common::hook::stored_lines(&dir);
    assert!(events.iter().all(|e| e["agent_id"] == "agent://gemini-cli"));
    let decisions = of_type(&events, "agent.decision");
    assert_eq!(decisions[0]["model"], "gemini-2.5-pro");
    assert_eq!(decisions[0]["provider"], "google");
    assert_eq!(decisions[0]["tokens_in"], 12000);
    assert_eq!(decisions[0]["tokens_out"], 150);
    assert_eq!(decisions[0]["meta"]["cache_read_input_tokens"], 8000);
    assert_eq!(decisions[0]["meta"]["reasoning_output_tokens"], 420);
    let done = of_type(&events, "agent.completed_process")[0];
    assert_eq!(done["process_name"], "npm");
    assert_eq!(done["exit_code"], 0);
    common::hook::assert_check_ok(&dir);
    let raw = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert!(!raw.contains("SECRET"), "{raw}");
    assert!(import(&root).contains("0 events added"));
}

#[test]
fn the_hook_and_the_recording_name_one_shell_call_alike() {
    let tmp = TempDir::new("import-gemini-after-hook");
    let root = tmp.path().join("sessions");
    for name in ["session-start", "after-tool-shell"] {
        let child = common::hook::spawn_hook("gemini-cli", &root, &[]);
        let out = common::hook::finish(child, common::hook::fixture("gemini-cli", name).as_bytes());
        assert_eq!(out.status.code(), Some(0));
    }
    import(&root);
    let events = common::hook::stored_lines(&root.join(SESSION));
    for kind in ["session.started", "agent.completed_process"] {
        assert_eq!(of_type(&events, kind).len(), 1, "{kind}");
    }
    assert_eq!(of_type(&events, "agent.decision").len(), 2);
}
