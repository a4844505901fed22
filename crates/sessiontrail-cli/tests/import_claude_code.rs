//! `sessiontrail import claude-code` and the hook's live tokens, as a user
//! runs them: the built binary over a copy of the transcript fixtures
//! (tests/fixtures/claude-code-transcripts/, the observed on-disk shape; its
//! README says what each entry stands for).
//!
//! What matters: one decision per deduplicated API response with its
//! tokens, subagents under their real parent (nested too), skipped entries
//! counted by kind, `check` ok, privacy (no SECRET reaches the log),
//! importing twice adds nothing, and a session recorded by the hook and
//! imported too holds each happening once.

#![cfg(all(unix, feature = "hook"))]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::hook::{assert_check_ok, of_type};
use common::hook::{finish, spawn_hook, stored_lines};
use common::TempDir;
use serde_json::{json, Value};

const SESSION: &str = "5b0e7c1d-2f3a-4b5c-8d9e-0a1b2c3d4e5f";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code-transcripts")
}

/// A copy of the fixture projects folder under `tmp` (the hook test appends
/// to a transcript, and cursors name the file's real path).
fn copy_projects(tmp: &Path) -> PathBuf {
    let to = tmp.join("projects");
    copy_dir(&fixtures(), &to);
    to
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn transcript(projects: &Path) -> PathBuf {
    projects
        .join("-home-dev-app")
        .join(format!("{SESSION}.jsonl"))
}

fn import(root: &Path, args: &[&Path]) -> Output {
    common::hook::import("claude-code", root, &[], args)
}

fn hook(root: &Path, payload: &Value) {
    let child = spawn_hook("claude-code", root, &[]);
    let out = finish(child, payload.to_string().as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_transcript_becomes_a_session_with_its_tokens() {
    let tmp = TempDir::new("import-tokens");
    let root = tmp.path().join("sessions");
    let projects = copy_projects(tmp.path());
    let out = import(&root, &[&projects]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("imported 1 sessions: 28 events added (9 decisions"),
        "{summary}"
    );
    // Unknown entry types and the line that is not JSON: counted by kind.
    for kind in [
        "file-history-snapshot: 1",
        "progress: 1",
        "summary: 1",
        "line that is not JSON: 1",
    ] {
        assert!(summary.contains(kind), "{kind}: {summary}");
    }

    let dir = root.join(SESSION);
    assert_check_ok(&dir);

    // `cat` shows the tokens: one decision per response (msg_01 is written
    // as two entries, counted once), input = fresh + cache written + read.
    let cat = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["cat", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let events: Vec<Value> = String::from_utf8_lossy(&cat.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let decisions = of_type(&events, "agent.decision");
    assert_eq!(decisions.len(), 9);
    let first = decisions[0];
    assert_eq!(first["model"], "claude-sonnet-4-6");
    assert_eq!(first["provider"], "anthropic");
    assert_eq!(first["tokens_in"], 10 + 2000 + 15000);
    assert_eq!(first["tokens_out"], 120);
    assert_eq!(first["meta"]["cache_read_input_tokens"], 15000);
    assert_eq!(first["meta"]["cache_creation_input_tokens"], 2000);
    assert_eq!(first["meta"]["message_id"], "msg_01");
    let total_out: u64 = decisions
        .iter()
        .map(|d| d["tokens_out"].as_u64().unwrap())
        .sum();
    assert_eq!(total_out, 120 + 80 + 60 + 200 + 40 + 50 + 30 + 25 + 5);
    // The API error row is a note, not a decision of model <synthetic>.
    assert!(decisions.iter().all(|d| d["model"] != "<synthetic>"));
    assert!(events
        .iter()
        .any(|e| e["type"] == "agent.note" && e["text"] == "turn failed (API error)"));
    assert!(events
        .iter()
        .any(|e| e["type"] == "agent.note" && e["text"] == "context compaction (auto)"));

    // The Bash call: started at its tool_use, ended at its result.
    let started = of_type(&events, "agent.started_process")[0];
    let completed = of_type(&events, "agent.completed_process")[0];
    assert_eq!(started["timestamp"], "2026-12-01T09:00:04.000Z");
    assert_eq!(completed["exit_code"], 0);
    assert_eq!(completed["duration_ms"], 5187);
    assert_eq!(started["span_id"], completed["span_id"]);
    // The failed Edit: a called_tool whose outcome says so.
    let edit = events
        .iter()
        .find(|e| e["type"] == "agent.called_tool" && e["tool_name"] == "Edit")
        .unwrap();
    assert_eq!(edit["outcome"], "failed");
    // The Agent call keeps the subagent's totals in meta, not as tokens.
    let agent_call = events
        .iter()
        .find(|e| e["tool_name"] == "Agent" && e["agent_name"] == "claude-code")
        .unwrap();
    assert_eq!(agent_call["meta"]["total_tokens"], 4242);

    // Subagents under their real parent: Explore under the main agent, the
    // nested general-purpose one under Explore.
    let main = &events[1];
    assert_eq!(main["type"], "agent.started");
    let spawned = of_type(&events, "agent.spawned");
    assert_eq!(spawned.len(), 2);
    let explore = spawned
        .iter()
        .find(|e| e["agent_name"] == "Explore")
        .unwrap();
    let nested = spawned
        .iter()
        .find(|e| e["agent_name"] == "general-purpose")
        .unwrap();
    assert_eq!(
        explore["spawned_by_agent_instance_id"],
        main["agent_instance_id"]
    );
    assert_eq!(explore["parent_span_id"], main["span_id"]);
    assert_eq!(
        nested["spawned_by_agent_instance_id"],
        explore["agent_instance_id"]
    );
    assert_eq!(nested["parent_span_id"], explore["span_id"]);
    let read = of_type(&events, "agent.read_file")[0];
    assert_eq!(read["agent_instance_id"], nested["agent_instance_id"]);
    let returned = of_type(&events, "agent.returned");
    assert!(returned.iter().any(|e| e["agent_name"] == "general-purpose"
        && e["returned_to_agent_instance_id"] == explore["agent_instance_id"]));

    // Privacy as the hook: digests and lengths, never text.
    let raw = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert!(!raw.contains("SECRET"), "a transcript text reached the log");
}

#[test]
fn importing_twice_adds_nothing() {
    let tmp = TempDir::new("import-twice");
    let root = tmp.path().join("sessions");
    let projects = copy_projects(tmp.path());
    import(&root, &[&projects]);
    let before = std::fs::read(root.join(SESSION).join("events.jsonl")).unwrap();
    // Again, naming the one transcript file this time.
    let out = import(&root, &[&transcript(&projects)]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("0 events added"), "{summary}");
    assert!(summary.contains("28 already recorded"), "{summary}");
    let after = std::fs::read(root.join(SESSION).join("events.jsonl")).unwrap();
    assert_eq!(before, after);
}

/// The hook's payloads for two of the transcript's happenings, as Claude
/// Code sends them (its hooks reference): the session's start and the Bash
/// call's PostToolUse, with the same tool_use_id the transcript holds.
fn hook_payloads(transcript: &Path) -> Vec<Value> {
    let path = transcript.to_str().unwrap();
    vec![
        json!({"session_id": SESSION, "transcript_path": path, "cwd": "/home/dev/app",
               "hook_event_name": "SessionStart", "source": "startup", "model": "claude-sonnet-4-6"}),
        json!({"session_id": SESSION, "transcript_path": path, "cwd": "/home/dev/app",
               "permission_mode": "default", "hook_event_name": "PostToolUse", "tool_name": "Bash",
               "tool_input": {"command": "cargo test SECRET-CMD-3333", "description": "Run the tests"},
               "tool_response": {"stdout": "test result: ok", "stderr": "", "interrupted": false, "isImage": false},
               "tool_use_id": "toolu_T1Bash", "duration_ms": 4187}),
    ]
}

#[test]
fn a_session_recorded_by_the_hook_and_imported_holds_each_happening_once() {
    let tmp = TempDir::new("import-after-hook");
    let root = tmp.path().join("sessions");
    let projects = copy_projects(tmp.path());
    for payload in hook_payloads(&transcript(&projects)) {
        hook(&root, &payload);
    }
    let hooked = stored_lines(&root.join(SESSION));
    assert_eq!(hooked.len(), 4);
    // Claude Code's own duration_ms (no time waiting for approval).
    assert_eq!(hooked[3]["duration_ms"], 4187);

    import(&root, &[&projects]);
    let events = stored_lines(&root.join(SESSION));
    for kind in [
        "session.started",
        "agent.started",
        "agent.started_process",
        "agent.completed_process",
    ] {
        assert_eq!(of_type(&events, kind).len(), 1, "{kind}");
    }
    // The hook's own records stand (its duration, not the transcript's).
    assert_eq!(
        of_type(&events, "agent.completed_process")[0]["duration_ms"],
        4187
    );
    // What the hook could not see came in: the tokens, the other calls.
    assert_eq!(of_type(&events, "agent.decision").len(), 9);
    assert_eq!(of_type(&events, "agent.spawned").len(), 2);
    // No note: the hook's prompt notes have no id to match, so the import
    // leaves notes to the hook.
    assert!(of_type(&events, "agent.note").is_empty());
}

#[test]
fn the_hook_appends_new_decisions_at_stop_and_import_adds_none_after() {
    let tmp = TempDir::new("hook-live-tokens");
    let root = tmp.path().join("sessions");
    let projects = copy_projects(tmp.path());
    let path = transcript(&projects);
    let payloads = hook_payloads(&path);
    hook(&root, &payloads[0]);
    let stop = json!({"session_id": SESSION, "transcript_path": path.to_str().unwrap(),
                      "cwd": "/home/dev/app", "hook_event_name": "Stop", "stop_hook_active": false});
    hook(&root, &stop);
    let decisions =
        |root: &Path| of_type(&stored_lines(&root.join(SESSION)), "agent.decision").len();
    // The main transcript's four responses (the subagents' come with
    // their SubagentStop or an import).
    assert_eq!(decisions(&root), 4);
    // Nothing new: nothing added.
    hook(&root, &stop);
    assert_eq!(decisions(&root), 4);
    // A lost cursor: the transcript is read again from the start, and the
    // decisions the log holds are left out.
    std::fs::remove_dir_all(root.join(SESSION).join("transcript-cursors")).unwrap();
    hook(&root, &stop);
    assert_eq!(decisions(&root), 4);
    // A new response, repeated over two entries, then a line still being
    // written (no newline yet): one decision, the partial line left.
    let entry = |block: &str| {
        format!(
            r#"{{"type":"assistant","requestId":"req_05","sessionId":"{SESSION}","uuid":"a-{block}","timestamp":"2026-12-01T09:03:00.000Z","message":{{"id":"msg_05","role":"assistant","model":"claude-opus-4-5","content":[{{"type":"text","text":"x"}}],"usage":{{"input_tokens":7,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":9}}}}}}"#
        )
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(file, "{}\n{}", entry("1"), entry("2")).unwrap();
    write!(file, "{}", &entry("3")[..40]).unwrap();
    drop(file);
    hook(&root, &stop);
    let events = stored_lines(&root.join(SESSION));
    let all = of_type(&events, "agent.decision");
    assert_eq!(all.len(), 5);
    assert_eq!(all[4]["model"], "claude-opus-4-5");
    assert_eq!(all[4]["tokens_in"], 7);
    assert_eq!(all[4]["meta"]["hook"], "Stop");

    // A SubagentStop reads the subagent's own transcript.
    let sub = projects
        .join("-home-dev-app")
        .join(SESSION)
        .join("subagents/agent-a1b2c3d.jsonl");
    hook(
        &root,
        &json!({"session_id": SESSION, "transcript_path": path.to_str().unwrap(),
                "hook_event_name": "SubagentStop", "agent_id": "a1b2c3d", "agent_type": "Explore",
                "agent_transcript_path": sub.to_str().unwrap(), "stop_hook_active": false}),
    );
    let events = stored_lines(&root.join(SESSION));
    let explore: Vec<&Value> = of_type(&events, "agent.decision")
        .into_iter()
        .filter(|e| e["agent_name"] == "Explore")
        .collect();
    assert_eq!(explore.len(), 3);

    // The import then adds no decision the hook already has.
    import(&root, &[&projects]);
    let events = stored_lines(&root.join(SESSION));
    let mut keys: Vec<String> = of_type(&events, "agent.decision")
        .iter()
        .map(|e| e["meta"]["message_id"].as_str().unwrap().to_string())
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a response recorded twice");
    assert_eq!(n, 5 + 3 + 2);
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let tmp = TempDir::new("import-missing");
    let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["import", "claude-code"])
        .arg(tmp.path().join("nowhere"))
        .env("SESSIONTRAIL_ROOT", tmp.path().join("sessions"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nowhere"), "{err}");
}

#[test]
fn the_default_is_claude_config_dir_projects() {
    let tmp = TempDir::new("import-default");
    let config = tmp.path().join("claude");
    copy_dir(&fixtures(), &config.join("projects"));
    let root = tmp.path().join("sessions");
    let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(["import", "claude-code"])
        .env("SESSIONTRAIL_ROOT", &root)
        .env("CLAUDE_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(root.join(SESSION).join("events.jsonl").is_file());
}

#[test]
fn a_refused_command_is_a_denied_call_not_a_process() {
    let tmp = TempDir::new("import-denied");
    let root = tmp.path().join("sessions");
    let project = tmp.path().join("projects").join("-home-dev-app");
    std::fs::create_dir_all(&project).unwrap();
    // A Bash call refused at the permission prompt, as the transcript tells
    // it: the tool_result is an error with Claude Code's refusal text.
    let session = "6c1d2e3f-0000-4000-8000-000000000001";
    let lines = [
        json!({"type": "assistant", "sessionId": session, "uuid": "a1", "requestId": "req_1",
               "timestamp": "2026-12-01T10:00:00.000Z",
               "message": {"id": "msg_1", "role": "assistant", "model": "claude-sonnet-4-6",
                           "content": [{"type": "tool_use", "id": "toolu_D1", "name": "Bash",
                                        "input": {"command": "rm -rf build SECRET-CMD-8181"}}],
                           "usage": {"input_tokens": 5, "output_tokens": 9}}}),
        json!({"type": "user", "sessionId": session, "uuid": "u1",
               "timestamp": "2026-12-01T10:00:04.000Z",
               "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_D1", "is_error": true,
                           "content": "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed."}]},
               "toolUseResult": "Error: The user doesn't want to proceed with this tool use."}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(project.join(format!("{session}.jsonl")), text).unwrap();
    import(&root, &[&project]);
    let events = stored_lines(&root.join(session));
    assert!(of_type(&events, "agent.started_process").is_empty());
    assert!(of_type(&events, "agent.completed_process").is_empty());
    let denied = of_type(&events, "agent.called_tool");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["tool_name"], "Bash");
    assert_eq!(denied[0]["outcome"], "denied");
    assert!(denied[0]["meta"]["reason_digest"].is_string());
}
