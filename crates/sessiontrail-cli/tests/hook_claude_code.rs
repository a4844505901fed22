//! `sessiontrail hook claude-code` as Claude Code runs it: one process per
//! hook firing, the payload on stdin, fixtures shaped like the payloads of
//! Claude Code's hooks reference (tests/fixtures/claude-code/).
//!
//! Each test gets its own `SESSIONTRAIL_ROOT`, so tests running at once never
//! share a session. What matters: the events and their fields, the span
//! tree, privacy (no secret from a fixture reaches the log), parallel
//! firings (numbers unique, nothing lost), and bad payloads (exit 1, one
//! stderr line, nothing written).

#![cfg(all(unix, feature = "hook"))]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::hook::finish;
use common::TempDir;
use serde_json::Value;
use sha2::{Digest, Sha256};

const SESSION: &str = "3f1c2a9e-5b7d-4e21-9a0c-7d2e8f6b1a44";

fn fixture(name: &str) -> String {
    common::hook::fixture("claude-code", name)
}

fn fixture_value(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn sessiontrail() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
}

/// A hook process with `root` as `SESSIONTRAIL_ROOT`, not yet given its stdin.
fn spawn_hook(root: &Path, args: &[&str]) -> Child {
    common::hook::spawn_hook("claude-code", root, args)
}

fn hook_with(root: &Path, args: &[&str], payload: &[u8]) -> Output {
    finish(spawn_hook(root, args), payload)
}

/// Runs a fixture through the hook and asserts the quiet success Claude
/// Code expects: exit 0, nothing on stdout or stderr.
fn fire(root: &Path, args: &[&str], payload: &str) {
    let out = hook_with(root, args, payload.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
    assert!(out.stderr.is_empty(), "stderr: {:?}", out.stderr);
}

fn fire_fixture(root: &Path, name: &str) {
    fire(root, &[], &fixture(name));
}

fn session_dir(root: &Path) -> PathBuf {
    root.join(SESSION)
}

/// Every stored line as JSON, in file order.
fn stored(root: &Path) -> Vec<Value> {
    common::hook::stored_lines(&session_dir(root))
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Compact JSON with object keys sorted, whether or not serde_json's
/// `preserve_order` is on: what the hook's tool digests are taken over.
fn sorted_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let sorted: std::collections::BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, sorted_json(v))).collect();
            let fields: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(sorted_json).collect();
            format!("[{}]", items.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// The scripted session: every fixture, in the order Claude Code would
/// fire them, with the event types each adds.
const SCRIPT: &[(&str, &[&str])] = &[
    ("session-start", &["session.started", "agent.started"]),
    ("user-prompt-submit", &["agent.note"]),
    // A command is recorded once it ran: a denied one never gets its
    // PostToolUse and so is no process.
    ("pre-tool-use-bash", &[]),
    (
        "post-tool-use-bash",
        &["agent.started_process", "agent.completed_process"],
    ),
    ("pre-tool-use-read", &[]),
    ("post-tool-use-read", &["agent.read_file"]),
    ("post-tool-use-write-create", &["agent.wrote_file"]),
    ("post-tool-use-write-update", &["agent.wrote_file"]),
    ("post-tool-use-edit", &["agent.wrote_file"]),
    ("post-tool-use-multiedit", &["agent.wrote_file"]),
    ("post-tool-use-notebookedit", &["agent.wrote_file"]),
    ("post-tool-use-notebookedit-replace", &["agent.wrote_file"]),
    ("post-tool-use-webfetch", &["agent.connected_network"]),
    ("post-tool-use-websearch", &["agent.called_tool"]),
    ("post-tool-use-mcp", &["agent.called_tool"]),
    ("post-tool-use-grep", &["agent.called_tool"]),
    (
        "post-tool-use-bash-interrupted",
        &["agent.started_process", "agent.completed_process"],
    ),
    (
        "post-tool-use-failure-bash",
        &["agent.started_process", "agent.completed_process"],
    ),
    ("post-tool-use-failure-edit", &["agent.called_tool"]),
    ("subagent-start", &["agent.spawned"]),
    ("subagent-post-tool-use-glob", &["agent.called_tool"]),
    ("subagent-stop", &["agent.returned"]),
    ("notification", &["agent.note"]),
    ("pre-compact", &["agent.note"]),
    ("stop", &["agent.note"]),
    ("session-end", &["agent.completed", "session.closed"]),
];

/// Runs the whole script; returns the stored events, each with the name of
/// the fixture that made it.
fn run_script(root: &Path, args: &[&str]) -> Vec<(&'static str, Value)> {
    let mut expected = Vec::new();
    for (name, adds) in SCRIPT {
        fire(root, args, &fixture(name));
        expected.extend(adds.iter().map(|t| (*name, *t)));
    }
    let events = stored(root);
    assert_eq!(
        types(&events),
        expected.iter().map(|(_, t)| *t).collect::<Vec<_>>()
    );
    expected
        .into_iter()
        .map(|(name, _)| name)
        .zip(events)
        .collect()
}

fn by_fixture<'a>(events: &'a [(&str, Value)], name: &str) -> &'a Value {
    let mut found = events.iter().filter(|(n, _)| *n == name).map(|(_, e)| e);
    let event = found
        .next()
        .unwrap_or_else(|| panic!("no event from {name}"));
    assert!(found.next().is_none(), "{name} made more than one event");
    event
}

/// The event of type `kind` that fixture `name` made.
fn by_fixture_type<'a>(events: &'a [(&str, Value)], name: &str, kind: &str) -> &'a Value {
    let mut found = events
        .iter()
        .filter(|(n, e)| *n == name && e["type"] == kind)
        .map(|(_, e)| e);
    let event = found
        .next()
        .unwrap_or_else(|| panic!("no {kind} from {name}"));
    assert!(found.next().is_none(), "{name} made more than one {kind}");
    event
}

#[test]
fn a_scripted_session_is_recorded_in_order_and_checks_ok() {
    let tmp = TempDir::new("hook-script");
    let root = tmp.path().join("sessions");
    let events = run_script(&root, &[]);

    for (i, (_, e)) in events.iter().enumerate() {
        assert_eq!(e["sequence_no"], i as u64);
        assert_eq!(e["session_id"], SESSION);
    }
    let check = sessiontrail()
        .args(["check", session_dir(&root).to_str().unwrap()])
        .output()
        .unwrap();
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("verdict:     ok"));
    // SessionEnd removed the sidecar of start times.
    assert!(!session_dir(&root).join("hook-pending").exists());
}

#[test]
fn each_fixture_gives_the_documented_fields() {
    let tmp = TempDir::new("hook-fields");
    let root = tmp.path().join("sessions");
    let events = run_script(&root, &[]);
    let get = |name| match name {
        "post-tool-use-bash" | "post-tool-use-bash-interrupted" | "post-tool-use-failure-bash" => {
            by_fixture_type(&events, name, "agent.completed_process")
        }
        _ => by_fixture(&events, name),
    };

    let started = &events[0].1;
    assert_eq!(events[0].0, "session-start");
    assert_eq!(started["meta"]["source"], "startup");
    assert_eq!(started["meta"]["model"], "claude-sonnet-4-6");
    assert_eq!(started["meta"]["cwd"], "/home/dev/app");

    let prompt = fixture_value("user-prompt-submit")["prompt"]
        .as_str()
        .unwrap()
        .to_string();
    let note = get("user-prompt-submit");
    assert_eq!(note["text"], "prompt submitted");
    assert_eq!(note["meta"]["prompt_bytes"], prompt.len());
    assert_eq!(note["meta"]["prompt_digest"], sha256(prompt.as_bytes()));

    let started_process = by_fixture_type(&events, "post-tool-use-bash", "agent.started_process");
    assert_eq!(started_process["process_name"], "cargo");
    assert!(started_process.get("command").is_none());
    let bash = get("post-tool-use-bash");
    // The start is timed the command's duration before its end.
    let at = |e: &Value| e["timestamp"].as_str().unwrap().to_string();
    assert!(at(started_process) <= at(bash), "{started_process} {bash}");
    assert_eq!(bash["process_name"], "cargo");
    assert_eq!(bash["exit_code"], 0);
    assert!(bash["duration_ms"].is_u64(), "{bash}");
    assert!(bash.get("command").is_none());
    let response = &fixture_value("post-tool-use-bash")["tool_response"];
    assert_eq!(
        bash["meta"]["stdout_bytes"],
        response["stdout"].as_str().unwrap().len()
    );
    assert_eq!(bash["meta"]["tool_use_id"], "toolu_01BashA");

    let interrupted = get("post-tool-use-bash-interrupted");
    assert!(interrupted.get("exit_code").is_none());
    assert_eq!(interrupted["meta"]["interrupted"], true);
    // No PreToolUse fired for it, so no duration.
    assert!(interrupted.get("duration_ms").is_none());
    let failed = get("post-tool-use-failure-bash");
    assert_eq!(
        (&failed["process_name"], &failed["exit_code"]),
        (&"npm".into(), &2.into())
    );

    let read = get("post-tool-use-read");
    let content = fixture_value("post-tool-use-read")["tool_response"]["file"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(read["file_path"], "/home/dev/app/src/parser.rs");
    assert_eq!(read["digest"], sha256(content.as_bytes()));
    assert!(
        read["meta"]["duration_ms"].is_u64(),
        "PreToolUse Read fired first"
    );

    let wrote = |name| {
        let e = get(name);
        (
            e["file_path"].as_str().unwrap().to_string(),
            e["operation"].clone(),
            e["additions"].clone(),
            e["deletions"].clone(),
        )
    };
    let some = |n: u32| Value::from(n);
    assert_eq!(
        wrote("post-tool-use-write-create"),
        (
            "/home/dev/app/src/new.rs".into(),
            "created".into(),
            some(3),
            some(0)
        )
    );
    assert_eq!(
        wrote("post-tool-use-write-update"),
        (
            "/home/dev/app/README.md".into(),
            "modified".into(),
            some(1),
            some(2)
        )
    );
    assert_eq!(
        wrote("post-tool-use-edit"),
        (
            "/home/dev/app/src/parser.rs".into(),
            "modified".into(),
            some(3),
            some(1)
        )
    );
    // No structuredPatch in this one: counted from the two edits.
    assert_eq!(
        wrote("post-tool-use-multiedit"),
        (
            "/home/dev/app/src/lib.rs".into(),
            "modified".into(),
            some(2),
            some(2)
        )
    );
    assert_eq!(
        wrote("post-tool-use-notebookedit"),
        (
            "/home/dev/app/analysis.ipynb".into(),
            "modified".into(),
            some(2),
            some(0)
        )
    );
    // Claude Code's own duration_ms wins over the sidecar's timing.
    assert_eq!(
        get("post-tool-use-notebookedit-replace")["meta"]["duration_ms"],
        12
    );
    // A replaced cell: its old source is in the response.
    assert_eq!(
        wrote("post-tool-use-notebookedit-replace"),
        (
            "/home/dev/app/analysis.ipynb".into(),
            "modified".into(),
            some(1),
            some(3)
        )
    );
    let written = fixture_value("post-tool-use-write-create")["tool_input"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get("post-tool-use-write-create")["digest"],
        sha256(written.as_bytes())
    );

    let net = get("post-tool-use-webfetch");
    assert_eq!(
        (&net["destination"], &net["port"]),
        (&"docs.rs".into(), &443.into())
    );

    for (name, tool) in [
        ("post-tool-use-websearch", "WebSearch"),
        ("post-tool-use-mcp", "mcp__github__create_issue"),
        ("post-tool-use-grep", "Grep"),
    ] {
        let e = get(name);
        let payload = fixture_value(name);
        assert_eq!(e["tool_name"], tool);
        let json = sorted_json;
        assert_eq!(
            e["tool_input_digest"],
            sha256(json(&payload["tool_input"]).as_bytes())
        );
        assert_eq!(
            e["tool_output_digest"],
            sha256(json(&payload["tool_response"]).as_bytes())
        );
    }
    let edit_failed = get("post-tool-use-failure-edit");
    assert_eq!(edit_failed["tool_name"], "Edit");
    assert!(edit_failed.get("tool_output_digest").is_none());
    assert_eq!(edit_failed["meta"]["hook"], "PostToolUseFailure");
    assert!(edit_failed["meta"]["error_digest"].is_string());

    assert_eq!(get("subagent-start")["reason"], "Explore");
    assert_eq!(get("subagent-start")["agent_name"], "Explore");
    assert!(get("subagent-stop")["meta"]["duration_ms"].is_u64());
    assert_eq!(
        get("notification")["meta"]["notification_type"],
        "permission_prompt"
    );
    assert_eq!(get("pre-compact")["meta"]["trigger"], "manual");
    assert_eq!(get("stop")["text"], "turn finished");

    let end = &events[events.len() - 2..];
    assert_eq!(end[0].1["termination_reason"], "prompt_input_exit");
    assert_eq!(end[1].1["summary"], "prompt_input_exit");
    assert!(end[1].1["duration_ms"].is_u64());
}

#[test]
fn tool_calls_sit_under_their_agent_in_one_trace() {
    let tmp = TempDir::new("hook-spans");
    let root = tmp.path().join("sessions");
    let events = run_script(&root, &[]);
    let get = |name| by_fixture(&events, name);
    let span = |e: &Value| e["span_id"].as_str().unwrap().to_string();
    let parent = |e: &Value| e["parent_span_id"].as_str().map(str::to_string);

    let trace = events[0].1["trace_id"].as_str().unwrap();
    assert_eq!(trace.len(), 32);
    assert!(events.iter().all(|(_, e)| e["trace_id"] == trace));

    let session = &events[0].1;
    let main = &events[1].1;
    assert_eq!(parent(session), None);
    assert_eq!(parent(main), Some(span(session)));
    let main_instance = main["agent_instance_id"].clone();

    for name in [
        "post-tool-use-read",
        "post-tool-use-mcp",
        "post-tool-use-webfetch",
    ] {
        let e = get(name);
        assert_eq!(parent(e), Some(span(main)), "{name}");
        assert_eq!(e["agent_instance_id"], main_instance, "{name}");
    }
    // One span for a Bash call's two process events.
    let bash = |kind| by_fixture_type(&events, "post-tool-use-bash", kind);
    assert_eq!(
        span(bash("agent.started_process")),
        span(bash("agent.completed_process"))
    );
    assert_ne!(
        span(bash("agent.completed_process")),
        span(get("post-tool-use-read"))
    );

    let spawned = get("subagent-start");
    assert_eq!(spawned["spawned_by_agent_instance_id"], main_instance);
    assert_eq!(parent(spawned), Some(span(main)));
    assert_ne!(spawned["agent_instance_id"], main_instance);
    let sub_tool = get("subagent-post-tool-use-glob");
    assert_eq!(sub_tool["agent_instance_id"], spawned["agent_instance_id"]);
    assert_eq!(parent(sub_tool), Some(span(spawned)));
    let returned = get("subagent-stop");
    assert_eq!(returned["agent_instance_id"], spawned["agent_instance_id"]);
    assert_eq!(returned["returned_to_agent_instance_id"], main_instance);

    // The same session recorded again gets the same trace and agent ids.
    let again = TempDir::new("hook-spans-again");
    let again_root = again.path().join("sessions");
    fire_fixture(&again_root, "session-start");
    let first = stored(&again_root);
    assert_eq!(first[0]["trace_id"], trace);
    assert_eq!(first[1]["agent_instance_id"], main_instance);
}

#[test]
fn prompts_commands_outputs_and_contents_are_never_stored_verbatim() {
    let tmp = TempDir::new("hook-privacy");
    let root = tmp.path().join("sessions");
    run_script(&root, &[]);
    let raw = std::fs::read_to_string(session_dir(&root).join("events.jsonl")).unwrap();
    // Every fixture hides a SECRET- marker in a prompt, a command line, an
    // output, a file's content, a URL's query, a search, an MCP input.
    assert!(!raw.contains("SECRET-"), "a secret reached the log:\n{raw}");
    assert!(
        !raw.contains("Find every caller"),
        "the subagent prompt was stored"
    );
    assert!(
        !raw.contains("needs your permission"),
        "the notification text was stored"
    );
}

#[test]
fn keep_stores_the_chosen_texts_and_only_those() {
    let tmp = TempDir::new("hook-keep");
    let root = tmp.path().join("sessions");
    let events = run_script(&root, &["--keep", "command,prompt"]);
    let command = fixture_value("pre-tool-use-bash")["tool_input"]["command"].clone();
    for kind in ["agent.started_process", "agent.completed_process"] {
        assert_eq!(
            by_fixture_type(&events, "post-tool-use-bash", kind)["command"],
            command
        );
    }
    assert_eq!(
        by_fixture(&events, "user-prompt-submit")["text"],
        fixture_value("user-prompt-submit")["prompt"]
    );
    let raw = std::fs::read_to_string(session_dir(&root).join("events.jsonl")).unwrap();
    for kept in ["SECRET-CMD-", "SECRET-PROMPT-"] {
        assert!(raw.contains(kept), "{kept}");
    }
    for private in [
        "SECRET-OUTPUT-",
        "SECRET-FILE-",
        "SECRET-WRITE-",
        "SECRET-URL-",
        "SECRET-MCP-",
        "SECRET-ERROR-",
    ] {
        assert!(!raw.contains(private), "{private} was stored");
    }
}

#[test]
fn a_second_session_start_is_a_note_not_a_second_session() {
    let tmp = TempDir::new("hook-resume");
    let root = tmp.path().join("sessions");
    fire_fixture(&root, "session-start");
    let resume = fixture("session-start").replace("\"startup\"", "\"resume\"");
    fire(&root, &[], &resume);
    let events = stored(&root);
    assert_eq!(
        types(&events),
        ["session.started", "agent.started", "agent.note"]
    );
    assert_eq!(events[2]["text"], "session resumed (resume)");
}

/// A PostToolUse Grep payload with its own tool_use_id.
fn grep_call(i: usize) -> String {
    fixture("post-tool-use-grep").replace("toolu_01Grep", &format!("toolu_par_{i:02}"))
}

#[test]
fn sixteen_parallel_post_tool_use_hooks_lose_nothing() {
    let tmp = TempDir::new("hook-parallel");
    let root = tmp.path().join("sessions");
    // All 16 processes start before any gets its payload, so their appends
    // overlap as much as parallel tool calls' hooks do.
    let children: Vec<Child> = (0..16).map(|_| spawn_hook(&root, &[])).collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .enumerate()
        .map(|(i, child)| finish(child, grep_call(i).as_bytes()))
        .collect();
    for out in &outputs {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let events = stored(&root);
    let numbers: BTreeSet<u64> = events
        .iter()
        .map(|e| e["sequence_no"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (0..16).collect());
    let calls: BTreeSet<String> = events
        .iter()
        .map(|e| e["meta"]["tool_use_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        calls,
        (0..16).map(|i| format!("toolu_par_{i:02}")).collect()
    );
    let check = sessiontrail()
        .args(["check", session_dir(&root).to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn parallel_bash_calls_each_get_their_own_duration() {
    let tmp = TempDir::new("hook-parallel-bash");
    let root = tmp.path().join("sessions");
    let with_id = |name: &str, i: usize| {
        fixture(name).replace("toolu_01BashA", &format!("toolu_bash_{i:02}"))
    };
    for phase in ["pre-tool-use-bash", "post-tool-use-bash"] {
        let children: Vec<Child> = (0..16).map(|_| spawn_hook(&root, &[])).collect();
        let outputs: Vec<Output> = children
            .into_iter()
            .enumerate()
            .map(|(i, child)| finish(child, with_id(phase, i).as_bytes()))
            .collect();
        for out in outputs {
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let events = stored(&root);
    assert_eq!(events.len(), 32);
    let completed: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "agent.completed_process")
        .collect();
    assert_eq!(completed.len(), 16);
    for done in completed {
        assert!(done["duration_ms"].is_u64(), "{done}");
        let started = events
            .iter()
            .find(|e| {
                e["type"] == "agent.started_process"
                    && e["meta"]["tool_use_id"] == done["meta"]["tool_use_id"]
            })
            .unwrap();
        assert_eq!(started["span_id"], done["span_id"]);
    }
    // Every PostToolUse took its start time away.
    let pending = session_dir(&root).join("hook-pending");
    assert_eq!(std::fs::read_dir(pending).unwrap().count(), 0);
}

/// Bad payloads: each must exit 1 with one line on stderr and write nothing.
fn bad_payloads() -> Vec<(String, Vec<u8>)> {
    let mut bad: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), b"".to_vec()),
        ("garbage".into(), b"garbage".to_vec()),
        ("binary".into(), vec![0xff, 0xfe, 0x00, 0x7b]),
        ("an array".into(), b"[]".to_vec()),
        ("null".into(), b"null".to_vec()),
        ("two objects".into(), b"{} {}".to_vec()),
        (
            "no session_id".into(),
            br#"{"hook_event_name":"Stop"}"#.to_vec(),
        ),
        (
            "no hook_event_name".into(),
            format!(r#"{{"session_id":"{SESSION}"}}"#).into_bytes(),
        ),
        (
            "numeric session_id".into(),
            br#"{"session_id":7,"hook_event_name":"Stop"}"#.to_vec(),
        ),
        (
            "PostToolUse without tool_name".into(),
            format!(r#"{{"session_id":"{SESSION}","hook_event_name":"PostToolUse"}}"#).into_bytes(),
        ),
    ];
    for id in [
        "",
        ".",
        "..",
        "../escape",
        "a/b",
        "/etc",
        "nul\\u0000byte",
        "line\\nbreak",
    ] {
        bad.push((
            format!("session_id {id:?}"),
            format!(r#"{{"session_id":"{id}","hook_event_name":"Stop"}}"#).into_bytes(),
        ));
    }
    for (name, _) in SCRIPT {
        let text = fixture(name);
        for cut in [1, text.len() / 2, text.trim_end().len() - 1] {
            bad.push((
                format!("{name} cut at {cut}"),
                text.as_bytes()[..cut].to_vec(),
            ));
        }
    }
    bad
}

fn assert_refused(out: &Output, what: &str) {
    assert_eq!(out.status.code(), Some(1), "{what}");
    assert!(out.stdout.is_empty(), "{what}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    assert!(
        stderr.starts_with("sessiontrail hook: "),
        "{what}: {stderr}"
    );
}

#[test]
fn bad_payloads_exit_1_and_write_nothing() {
    let tmp = TempDir::new("hook-bad");
    let root = tmp.path().join("sessions");
    for (what, payload) in bad_payloads() {
        let out = hook_with(&root, &[], &payload);
        assert_refused(&out, &what);
        assert!(!root.exists(), "{what} created {}", root.display());
        assert!(!tmp.path().join("escape").exists(), "{what}");
    }
}

#[test]
fn bad_payloads_leave_an_existing_session_untouched() {
    let tmp = TempDir::new("hook-bad-existing");
    let root = tmp.path().join("sessions");
    fire_fixture(&root, "session-start");
    fire_fixture(&root, "pre-tool-use-read");
    let snapshot = |root: &Path| {
        let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let mut dirs = vec![session_dir(root)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let bytes = std::fs::read(&path).unwrap();
                    files.push((path, bytes));
                }
            }
        }
        files.sort();
        files
    };
    let before = snapshot(&root);
    for (what, payload) in bad_payloads() {
        let out = hook_with(&root, &[], &payload);
        assert_refused(&out, &what);
    }
    assert_eq!(snapshot(&root), before);
}

#[test]
fn bad_usage_exits_1_never_2() {
    let tmp = TempDir::new("hook-usage");
    let root = tmp.path().join("sessions");
    for args in [
        vec!["hook"],
        vec!["hook", "codex"],
        vec!["hook", "claude-code", "--bogus"],
        vec!["hook", "claude-code", "--timeout-ms"],
        vec!["hook", "claude-code", "--timeout-ms", "soon"],
        vec!["hook", "claude-code", "--keep", "output"],
    ] {
        let out = sessiontrail()
            .args(&args)
            .env("SESSIONTRAIL_ROOT", &root)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_refused(&out, &format!("{args:?}"));
    }
    assert!(!root.exists());
}

#[test]
fn a_held_lock_times_out_with_exit_1_and_nothing_written() {
    use fs2::FileExt;
    let tmp = TempDir::new("hook-lock");
    let root = tmp.path().join("sessions");
    fire_fixture(&root, "session-start");
    let events_file = session_dir(&root).join("events.jsonl");
    let before = std::fs::read(&events_file).unwrap();
    let lock = std::fs::File::open(session_dir(&root).join("events.jsonl.lock")).unwrap();
    lock.lock_exclusive().unwrap();
    let out = hook_with(&root, &["--timeout-ms", "200"], fixture("stop").as_bytes());
    FileExt::unlock(&lock).unwrap();
    assert_refused(&out, "held lock");
    assert!(String::from_utf8_lossy(&out.stderr).contains("lock"));
    assert_eq!(std::fs::read(&events_file).unwrap(), before);
    // Once the lock is free the same payload goes in.
    fire_fixture(&root, "stop");
    assert_eq!(stored(&root).len(), 3);
}

#[test]
fn a_symlinked_session_directory_is_refused() {
    let tmp = TempDir::new("hook-symlink");
    let root = tmp.path().join("sessions");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, session_dir(&root)).unwrap();
    for name in ["session-start", "pre-tool-use-read"] {
        let out = hook_with(&root, &[], fixture(name).as_bytes());
        assert_refused(&out, name);
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn without_sessiontrail_root_sessions_go_under_the_user_data_directory() {
    let tmp = TempDir::new("hook-default-root");
    let run = |envs: &[(&str, &Path)]| {
        let mut cmd = sessiontrail();
        cmd.args(["hook", "claude-code"])
            .env_remove("SESSIONTRAIL_ROOT")
            .env_remove("XDG_DATA_HOME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = finish(cmd.spawn().unwrap(), fixture("stop").as_bytes());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let xdg = tmp.path().join("xdg");
    run(&[
        ("XDG_DATA_HOME", &xdg),
        ("HOME", &tmp.path().join("unused")),
    ]);
    assert!(xdg
        .join("sessiontrail/sessions")
        .join(SESSION)
        .join("events.jsonl")
        .is_file());

    let home = tmp.path().join("home");
    run(&[
        ("HOME", &home),
        ("XDG_DATA_HOME", Path::new("relative/ignored")),
    ]);
    let data = if cfg!(target_os = "macos") {
        "Library/Application Support"
    } else {
        ".local/share"
    };
    let file = home
        .join(data)
        .join("sessiontrail/sessions")
        .join(SESSION)
        .join("events.jsonl");
    assert!(file.is_file(), "{}", file.display());
    assert!(!tmp.path().join("unused").exists());
}

/// The `hooks` object of a settings.json: event → (matcher, command).
fn hook_table(settings: &Value) -> Vec<(String, Option<String>, String)> {
    settings["hooks"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(event, groups)| {
            let groups = groups.as_array().unwrap();
            assert_eq!(groups.len(), 1, "{event}");
            let hooks = groups[0]["hooks"].as_array().unwrap();
            assert_eq!(hooks.len(), 1, "{event}");
            assert_eq!(hooks[0]["type"], "command");
            (
                event.clone(),
                groups[0]["matcher"].as_str().map(str::to_string),
                hooks[0]["command"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn printed_settings_cover_every_hook_and_their_command_records() {
    let out = sessiontrail()
        .args([
            "hook",
            "claude-code",
            "--print-settings",
            "--keep",
            "command",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    // The plugin and this block both would record every event twice.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not both"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let settings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let table = hook_table(&settings);
    let events: BTreeSet<&str> = table.iter().map(|(e, _, _)| e.as_str()).collect();
    let wanted: BTreeSet<&str> = [
        "SessionStart",
        "SessionEnd",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "PostToolUseFailure",
        "SubagentStart",
        "SubagentStop",
        "Stop",
        "StopFailure",
        "Notification",
        "PreCompact",
    ]
    .into_iter()
    .collect();
    assert_eq!(events, wanted);
    for (event, matcher, _) in &table {
        let tool_event = event.contains("ToolUse");
        assert_eq!(matcher.as_deref(), tool_event.then_some("*"), "{event}");
    }

    // The printed command, run by a shell as Claude Code runs it, records.
    let tmp = TempDir::new("hook-settings");
    let root = tmp.path().join("sessions");
    let command = &table[0].2;
    assert!(
        command.ends_with(" hook claude-code --keep command"),
        "{command}"
    );
    let child = Command::new("sh")
        .args(["-c", command])
        .env("SESSIONTRAIL_ROOT", &root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = finish(child, fixture("post-tool-use-bash").as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = stored(&root);
    assert_eq!(
        events[0]["command"],
        fixture_value("post-tool-use-bash")["tool_input"]["command"]
    );
}

#[test]
fn the_plugin_registers_the_same_hooks_as_the_printed_settings() {
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../integrations/claude-code");
    let hooks: Value =
        serde_json::from_str(&std::fs::read_to_string(plugin.join("hooks/hooks.json")).unwrap())
            .unwrap();
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(plugin.join(".claude-plugin/plugin.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["name"], "sessiontrail");
    let printed = sessiontrail()
        .args(["hook", "claude-code", "--print-settings"])
        .output()
        .unwrap();
    let printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let strip = |table: Vec<(String, Option<String>, String)>| {
        table
            .into_iter()
            .map(|(event, matcher, command)| {
                assert!(
                    command.ends_with("sessiontrail hook claude-code"),
                    "{command}"
                );
                (event, matcher)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(hook_table(&hooks)), strip(hook_table(&printed)));
}

#[test]
fn powershell_is_a_shell_like_bash() {
    let tmp = TempDir::new("hook-powershell");
    let root = tmp.path().join("sessions");
    fire_fixture(&root, "post-tool-use-powershell");
    let events = stored(&root);
    assert_eq!(
        types(&events),
        ["agent.started_process", "agent.completed_process"]
    );
    let done = &events[1];
    assert_eq!(done["process_name"], "Get-ChildItem");
    assert_eq!(done["exit_code"], 0);
    assert_eq!(done["duration_ms"], 310);
    let raw = std::fs::read_to_string(session_dir(&root).join("events.jsonl")).unwrap();
    assert!(!raw.contains("SECRET-"), "{raw}");
}

#[test]
fn stop_failure_is_a_note_with_the_error_kind_only() {
    let tmp = TempDir::new("hook-stop-failure");
    let root = tmp.path().join("sessions");
    fire_fixture(&root, "stop-failure");
    let events = stored(&root);
    assert_eq!(types(&events), ["agent.note"]);
    assert_eq!(events[0]["text"], "turn failed (API error)");
    assert_eq!(events[0]["meta"]["error"], "rate_limit");
    let raw = std::fs::read_to_string(session_dir(&root).join("events.jsonl")).unwrap();
    assert!(!raw.contains("SECRET-"), "{raw}");
}

#[test]
fn session_end_waits_for_the_lock_one_second_at_most() {
    use fs2::FileExt;
    let tmp = TempDir::new("hook-session-end-lock");
    let root = tmp.path().join("sessions");
    fire_fixture(&root, "session-start");
    let lock = std::fs::File::open(session_dir(&root).join("events.jsonl.lock")).unwrap();
    lock.lock_exclusive().unwrap();
    // Claude Code gives SessionEnd hooks 1.5 s: the default 5 s wait is cut
    // to 1 s there, so the hook reports instead of being killed.
    let out = hook_with(&root, &[], fixture("session-end").as_bytes());
    FileExt::unlock(&lock).unwrap();
    assert_refused(&out, "held lock at SessionEnd");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("within 1000 ms"), "{err}");
}
