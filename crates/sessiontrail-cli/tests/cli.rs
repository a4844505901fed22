//! The `sessiontrail` command as a hook or a person uses it: real processes,
//! arguments and stdin in, stdout, stderr and exit codes out.
//!
//! What matters most here is the failure path: bad input must name the
//! problem on stderr, exit non-zero, and leave the log byte-for-byte as it
//! was.

#![cfg(unix)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::TempDir;
use sessiontrail::{EventLog, EVENTS_FILE, EVENT_TYPE_NAMES};

const COMMON: &str = r#""session_id":"ssn_cli","agent_id":"agent://cli","agent_instance_id":"ai_1","agent_name":"cli-agent","host_id":"h""#;

fn cli(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn event(type_and_fields: &str) -> String {
    format!("{{{type_and_fields},{COMMON}}}")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn events_bytes(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join(EVENTS_FILE)).unwrap_or_default()
}

#[test]
fn append_fills_ids_and_prints_the_stored_event() {
    let tmp = TempDir::new("cli-append");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let out = cli(
        &[
            "append",
            d,
            &event(r#""type":"agent.called_tool","tool_name":"bash""#),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stored: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stored["sequence_no"], 0);
    assert_eq!(stored["tool_name"], "bash");
    assert!(stored["event_id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(stored["trace_id"].as_str().unwrap().len(), 32);
    assert_eq!(stored["span_id"].as_str().unwrap().len(), 16);
    assert!(stored["timestamp"].as_str().unwrap().ends_with('Z'));
    // What was printed is what was stored.
    let on_disk = EventLog::open(&dir).unwrap().read_all().unwrap();
    assert_eq!(serde_json::to_value(&on_disk[0]).unwrap(), stored);
}

#[test]
fn stdin_events_go_in_as_one_batch_with_contiguous_numbers() {
    let tmp = TempDir::new("cli-stdin");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    assert!(
        cli(&["append", d, &event(r#""type":"session.started""#)], None)
            .status
            .success()
    );
    let input = EVENT_TYPE_NAMES
        .iter()
        .filter(|n| **n == "agent.note" || **n == "agent.completed")
        .map(|n| event(&format!(r#""type":"{n}""#)))
        .collect::<Vec<_>>()
        .join("\n");
    let out = cli(&["append", d], Some(&input));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let numbers: Vec<u64> = text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["sequence_no"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(numbers, [1, 2]);
}

#[test]
fn bad_input_names_the_problem_and_writes_nothing() {
    let tmp = TempDir::new("cli-bad");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    assert!(
        cli(&["append", d, &event(r#""type":"session.started""#)], None)
            .status
            .success()
    );
    let before = events_bytes(&dir);
    let port = event(r#""type":"agent.opened_port","port":70000"#);
    let good = event(r#""type":"agent.note""#);
    let cases: Vec<(Vec<&str>, Option<String>, &str)> = vec![
        (vec!["append", d, "{not json"], None, "not valid JSON"),
        (vec!["append", d, "[1,2]"], None, "expected a JSON object"),
        (
            vec!["append", d, &port],
            None,
            "field `port` must be an integer from 0 to 65535, got 70000",
        ),
        (
            vec!["append", d, r#"{"type":"agent.danced"}"#],
            None,
            "unknown event type `agent.danced`",
        ),
        (
            vec!["append", d, r#"{"type":"session.started"}"#],
            None,
            "missing field `session_id`",
        ),
        // One bad event in a batch refuses the whole batch.
        (
            vec!["append", d],
            Some(format!("{good}\n{port}")),
            "event 2: field `port`",
        ),
        (vec!["append", d], Some(String::new()), "no event given"),
    ];
    for (args, stdin, expected) in cases {
        let out = cli(&args, stdin.as_deref());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert!(out.stdout.is_empty());
        assert_eq!(events_bytes(&dir), before, "{args:?} changed the log");
    }
}

#[test]
fn usage_errors_exit_2_with_the_usage() {
    let tmp = TempDir::new("cli-usage");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&[], "requires a subcommand"),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (&["cat"], "required arguments were not provided:\n  <DIR>"),
        (&["check", d, "--colour"], "unexpected argument '--colour'"),
        (
            &["append", d, "{}", "--timeout-ms", "soon"],
            "for '--timeout-ms <MS>': expected a non-negative integer",
        ),
    ];
    for (args, expected) in cases {
        let out = cli(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        // Every usage error says where the usage is.
        assert!(
            err.contains(expected) && err.contains("try '--help'"),
            "{err}"
        );
    }
    assert!(!dir.exists(), "a usage error created the session");
}

#[test]
fn a_log_that_cannot_be_opened_exits_3_naming_the_path() {
    let tmp = TempDir::new("cli-link");
    let target = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&target).unwrap();
    let link = tmp.path().join("linked");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = cli(
        &[
            "append",
            link.to_str().unwrap(),
            &event(r#""type":"session.started""#),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains(link.to_str().unwrap()) && err.contains("symbolic link"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
}

#[test]
fn cat_prints_lines_or_a_timeline_and_counts_skipped_lines() {
    let tmp = TempDir::new("cli-cat");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    for e in [
        event(r#""type":"session.started""#),
        event(r#""type":"agent.called_tool","tool_name":"grep","duration_ms":7"#),
        event(r#""type":"agent.note","text":"two words""#),
    ] {
        assert!(cli(&["append", d, &e], None).status.success());
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(EVENTS_FILE))
        .unwrap()
        .write_all(b"garbage\n")
        .unwrap();

    let out = cli(&["cat", d], None);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).lines().count(), 3);
    assert!(text(&out.stderr).contains("skipped 1 unreadable line"));

    let pretty = text(&cli(&["cat", d, "--pretty"], None).stdout);
    let rows: Vec<&str> = pretty.lines().collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows[1].contains("agent.called_tool") && rows[1].contains("tool_name=grep"),
        "{pretty}"
    );
    assert!(rows[2].contains(r#"text="two words""#), "{pretty}");

    let from = text(&cli(&["cat", d, "--from", "2"], None).stdout);
    assert_eq!(from.lines().count(), 1);
    assert!(from.contains("agent.note"));
}

#[test]
fn check_exits_1_on_damage_and_reports_it() {
    let tmp = TempDir::new("cli-check");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    for _ in 0..2 {
        assert!(cli(&["append", d, &event(r#""type":"agent.note""#)], None)
            .status
            .success());
    }
    let ok = cli(&["check", d], None);
    assert_eq!(ok.status.code(), Some(0));
    assert!(text(&ok.stdout).contains("verdict:     ok"));

    // Duplicate the last line and leave a torn tail.
    let bytes = events_bytes(&dir);
    let last_start = bytes[..bytes.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut damaged = bytes.clone();
    damaged.extend_from_slice(&bytes[last_start..]);
    damaged.extend_from_slice(b"{\"torn");
    std::fs::write(dir.join(EVENTS_FILE), &damaged).unwrap();

    let out = cli(&["check", d, "--json"], None);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["duplicates"], serde_json::json!([1]));
    assert_eq!(report["tornTailBytes"], 6);
    assert_eq!(events_bytes(&dir), damaged, "check changed the log");
}

#[test]
fn readers_refuse_a_session_that_does_not_exist() {
    let tmp = TempDir::new("cli-missing");
    let missing = tmp.path().join("typo");
    for command in ["cat", "check"] {
        let out = cli(&[command, missing.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(3), "{command}");
        let err = text(&out.stderr);
        assert!(
            err.contains("no session directory at") && err.contains("typo"),
            "{err}"
        );
    }
    assert!(!missing.exists());
}

/// `lstat("link/")` follows the link; the trailing slash must not let a
/// symlinked session directory through.
#[test]
fn a_trailing_slash_does_not_let_a_symlinked_dir_through() {
    let tmp = TempDir::new("cli-slash");
    let target = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&target).unwrap();
    let link = tmp.path().join("linked");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for suffix in ["/", "/.", "/./"] {
        let arg = format!("{}{suffix}", link.display());
        let out = cli(
            &["append", &arg, &event(r#""type":"session.started""#)],
            None,
        );
        assert_eq!(out.status.code(), Some(3), "{arg}");
        assert!(text(&out.stderr).contains("symbolic link"), "{arg}");
    }
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
}

/// `verify`: 0 on the log as appended; 5 naming the line, its number and
/// the kind once a byte inside a string is changed (which `check` misses).
#[test]
fn verify_names_a_changed_line_and_exits_5() {
    let tmp = TempDir::new("cli-verify");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    for text_of in ["one", "two", "three"] {
        let e = event(&format!(r#""type":"agent.note","text":"{text_of}""#));
        let out = cli(&["append", d, &e], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = cli(&["verify", d], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ok: 3 lines agree with the tree"),
        "{}",
        text(&out.stdout)
    );

    let changed = text(&events_bytes(&dir)).replace("\"two\"", "\"twx\"");
    std::fs::write(dir.join(EVENTS_FILE), changed).unwrap();
    assert_eq!(cli(&["check", d], None).status.code(), Some(0));
    let out = cli(&["verify", d], None);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        text(&out.stdout).contains("TAMPERED: line 2 (sequence_no 1) changed"),
        "{}",
        text(&out.stdout)
    );
}
