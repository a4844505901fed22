//! `sessiontrail hook gemini-cli` as Gemini CLI runs it: one process per hook
//! firing, fixtures shaped like the payloads of Gemini CLI's hooks
//! reference (tests/fixtures/gemini-cli/). The mapping itself is Claude
//! Code's (tests/hook_claude_code.rs covers it in depth); these tests check
//! the translation: events, tool names, pairing without a tool call id,
//! exit codes, privacy, bad payloads and the printed settings.

#![cfg(all(unix, feature = "hook"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TempDir;
use serde_json::Value;

const SESSION: &str = "gem-7d1e2f30-aa11-4c5b-9e0f-112233445566";

fn fixture(name: &str) -> String {
    common::hook::fixture("gemini-cli", name)
}

fn hook(root: &Path, payload: &[u8]) -> Output {
    common::hook::finish(common::hook::spawn_hook("gemini-cli", root, &[]), payload)
}

fn session_dir(root: &Path) -> PathBuf {
    root.join(SESSION)
}

fn stored(root: &Path) -> Vec<Value> {
    common::hook::stored_lines(&session_dir(root))
}

const SCRIPT: &[(&str, &[&str])] = &[
    ("session-start", &["session.started", "agent.started"]),
    ("before-agent", &["agent.note"]),
    // A command is recorded once it ran (as for Claude Code).
    ("before-tool-shell", &[]),
    (
        "after-tool-shell",
        &["agent.started_process", "agent.completed_process"],
    ),
    // The current shell tool: no `Exit Code:` line on success.
    (
        "after-tool-shell-current",
        &["agent.started_process", "agent.completed_process"],
    ),
    // Output holding its own `Exit Code: 0` before the real one.
    (
        "after-tool-shell-spoof",
        &["agent.started_process", "agent.completed_process"],
    ),
    ("before-tool-read", &[]),
    ("after-tool-read", &["agent.read_file"]),
    ("after-tool-write", &["agent.wrote_file"]),
    ("after-tool-replace", &["agent.wrote_file"]),
    ("after-tool-web-search", &["agent.called_tool"]),
    ("after-tool-mcp", &["agent.called_tool"]),
    ("after-tool-read-error", &["agent.called_tool"]),
    (
        "after-tool-shell-failed",
        &["agent.started_process", "agent.completed_process"],
    ),
    ("notification", &["agent.note"]),
    ("pre-compress", &["agent.note"]),
    ("after-agent", &["agent.note"]),
    ("session-end", &["agent.completed", "session.closed"]),
];

fn run_script(root: &Path) -> Vec<(&'static str, Value)> {
    let mut names = Vec::new();
    for (name, adds) in SCRIPT {
        let out = hook(root, fixture(name).as_bytes());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{name}");
        names.extend(adds.iter().map(|t| (*name, *t)));
    }
    let events = stored(root);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, names.iter().map(|(_, t)| *t).collect::<Vec<_>>());
    names.into_iter().map(|(n, _)| n).zip(events).collect()
}

#[test]
fn a_scripted_gemini_session_is_recorded_and_checks_ok() {
    let tmp = TempDir::new("gemini-script");
    let root = tmp.path().join("sessions");
    let events = run_script(&root);
    // The last event a fixture made (a shell call's completed_process).
    let get = |name: &str| {
        events
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| e)
            .unwrap()
    };
    assert_eq!(events[0].1["agent_id"], "agent://gemini-cli");
    assert_eq!(events[0].1["agent_name"], "gemini-cli");

    let shell = get("after-tool-shell");
    assert_eq!(shell["process_name"], "npm");
    assert_eq!(shell["exit_code"], 0);
    // Paired with its BeforeTool by name and input: one span, a duration.
    assert!(shell["duration_ms"].is_u64(), "{shell}");
    let started = events
        .iter()
        .find(|(n, e)| *n == "after-tool-shell" && e["type"] == "agent.started_process")
        .unwrap();
    assert_eq!(shell["span_id"], started.1["span_id"]);
    assert_eq!(get("after-tool-shell-failed")["exit_code"], 1);
    assert_eq!(get("after-tool-shell-current")["exit_code"], 0);
    assert_eq!(get("after-tool-shell-spoof")["exit_code"], 3);

    let read = get("after-tool-read");
    assert_eq!(read["file_path"], "/home/dev/app/src/index.ts");
    assert!(read["digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(read["meta"]["duration_ms"].is_u64());
    let write = get("after-tool-write");
    assert_eq!(write["file_path"], "/home/dev/app/src/new.ts");
    assert!(write.get("operation").is_none(), "Gemini does not say");
    let replace = get("after-tool-replace");
    assert_eq!(
        (&replace["additions"], &replace["deletions"]),
        (&1.into(), &0.into())
    );

    assert_eq!(
        get("after-tool-web-search")["tool_name"],
        "google_web_search"
    );
    let mcp = get("after-tool-mcp");
    assert_eq!(mcp["tool_name"], "mcp_github_list_issues");
    assert_eq!(mcp["meta"]["mcp_server"], "github");
    assert_eq!(mcp["meta"]["mcp_tool"], "list_issues");
    let failed = get("after-tool-read-error");
    assert_eq!(failed["tool_name"], "read_file");
    assert_eq!(failed["meta"]["hook"], "PostToolUseFailure");
    assert_eq!(get("after-agent")["text"], "turn finished");
    assert_eq!(events.last().unwrap().1["summary"], "exit");

    let check = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["check", session_dir(&root).to_str().unwrap()])
        .output()
        .unwrap();
    assert!(check.status.success());
    let raw = std::fs::read_to_string(session_dir(&root).join("events.jsonl")).unwrap();
    assert!(!raw.contains("SECRET-"), "a secret reached the log:\n{raw}");
}

#[test]
fn bad_gemini_payloads_exit_1_and_write_nothing() {
    let tmp = TempDir::new("gemini-bad");
    let root = tmp.path().join("sessions");
    let mut bad: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"not json".to_vec(),
        br#"{"hook_event_name":"AfterTool","tool_name":"read_file"}"#.to_vec(),
        br#"{"session_id":"../up","hook_event_name":"SessionStart"}"#.to_vec(),
        format!(r#"{{"session_id":"{SESSION}","hook_event_name":"AfterTool"}}"#).into_bytes(),
    ];
    for (name, _) in SCRIPT {
        let text = fixture(name);
        bad.push(text.as_bytes()[..text.len() / 2].to_vec());
    }
    for payload in bad {
        let out = hook(&root, &payload);
        let what = String::from_utf8_lossy(&payload);
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).lines().count(),
            1,
            "{what}"
        );
        assert!(out.stdout.is_empty(), "{what}");
        assert!(!root.exists(), "{what}");
    }
}

#[test]
fn printed_gemini_settings_register_every_mapped_event() {
    let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["hook", "gemini-cli", "--print-settings"])
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
            "AfterAgent",
            "AfterTool",
            "BeforeAgent",
            "BeforeTool",
            "Notification",
            "PreCompress",
            "SessionEnd",
            "SessionStart"
        ]
    );
    for (event, groups) in hooks {
        let group = &groups[0];
        let tool_event = event.ends_with("Tool");
        assert_eq!(
            group["matcher"].as_str(),
            tool_event.then_some("*"),
            "{event}"
        );
        let hook = &group["hooks"][0];
        assert_eq!(hook["type"], "command");
        assert_eq!(hook["timeout"], 10000, "milliseconds in Gemini CLI");
        assert!(hook["command"]
            .as_str()
            .unwrap()
            .ends_with(" hook gemini-cli"));
        // Gemini CLI drops SESSIONTRAIL_ROOT from a hook's environment:
        // the block sets the root this machine uses.
        assert!(
            hook["env"]["SESSIONTRAIL_ROOT"]
                .as_str()
                .is_some_and(|r| r.ends_with("sessions")),
            "{hook}"
        );
    }
}
