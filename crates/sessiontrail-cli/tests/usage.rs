//! The command line itself, as a person or an agent's settings meet it:
//! `--help` on every command, `--version`, and what a mistyped option,
//! a missing argument or a bad number answers (exit 2 and a message that
//! names it), except under `sessiontrail hook`, which never exits 2 (an
//! agent reads 2 as "block this tool call").

#![cfg(unix)]

mod common;

use std::process::{Command, Output, Stdio};

use common::TempDir;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every command and subcommand this build has, as typed after the
/// program's name.
fn commands() -> Vec<Vec<&'static str>> {
    let mut all = vec![vec!["append"], vec!["cat"], vec!["check"]];
    if cfg!(feature = "view") {
        all.push(vec!["view"]);
    }
    if cfg!(feature = "otlp") {
        all.push(vec!["otlp"]);
    }
    if cfg!(feature = "hook") {
        all.extend([
            vec!["hook"],
            vec!["hook", "claude-code"],
            vec!["hook", "gemini-cli"],
        ]);
    }
    all
}

#[test]
fn help_on_every_command_prints_its_usage_and_exits_0() {
    for command in commands() {
        for flag in ["--help", "-h"] {
            let mut args = command.clone();
            args.push(flag);
            let out = run(&args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?}: {}",
                text(&out.stderr)
            );
            let help = text(&out.stdout);
            let usage = format!("Usage: sessiontrail {}", command.join(" "));
            assert!(help.contains(&usage), "{args:?} printed:\n{help}");
            assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
        }
    }
    // `help COMMAND` says the same as `COMMAND --help`.
    assert_eq!(run(&["help", "cat"]).stdout, run(&["cat", "--help"]).stdout);
    if cfg!(feature = "hook") {
        let out = run(&["hook", "help", "claude-code"]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(out.stdout, run(&["hook", "claude-code", "--help"]).stdout);
    }
}

#[test]
fn the_top_level_help_lists_every_command() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(help.contains("Usage: sessiontrail <COMMAND>"), "{help}");
    for command in commands().iter().filter(|c| c.len() == 1) {
        assert!(help.contains(&format!("\n  {} ", command[0])), "{help}");
    }
}

#[test]
fn command_help_names_its_options() {
    let mut expected: Vec<(&[&str], &[&str])> = vec![
        (
            &["append"],
            &["<DIR>", "[EVENT_JSON]", "--sync", "--timeout-ms <MS>"],
        ),
        (&["cat"], &["<DIR>", "--pretty", "--from <SEQ>"]),
        (&["check"], &["<DIR>", "--json"]),
    ];
    if cfg!(feature = "view") {
        expected.push((
            &["view"],
            &["<ROOT_OR_DIR>", "--port <N>", "--open", "8787"],
        ));
    }
    if cfg!(feature = "otlp") {
        expected.push((
            &["otlp"],
            &[
                "<PATH>...",
                "--endpoint <URL>",
                "--output <DIR>",
                "--header <NAME=VALUE>",
                "--signals <LIST>",
                "--compression <ALGO>",
                "--certificate <FILE>",
                "--client-certificate <FILE>",
                "--client-key <FILE>",
                "--follow",
                "--batch <N>",
                "--max-body <BYTES>",
                "--give-up-after <SECS>",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "OTEL_RESOURCE_ATTRIBUTES",
            ],
        ));
    }
    if cfg!(feature = "hook") {
        expected.push((&["hook"], &["claude-code", "gemini-cli"]));
        expected.push((
            &["hook", "claude-code"],
            &[
                "--keep <LIST>",
                "--timeout-ms <MS>",
                "--print-settings",
                "5000",
            ],
        ));
    }
    for (command, names) in expected {
        let mut args = command.to_vec();
        args.push("--help");
        let help = text(&run(&args).stdout);
        for name in names {
            assert!(
                help.contains(name),
                "{command:?} --help lacks {name}:\n{help}"
            );
        }
    }
}

#[test]
fn version_prints_the_name_and_version() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "sessiontrail 0.1.0\n");
    assert_eq!(run(&["-V"]).stdout, out.stdout);
}

/// `args` exits 2 with every one of `says` on stderr, nothing on stdout.
fn assert_usage_error(args: &[&str], says: &[&str]) {
    let out = run(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for said in says {
        assert!(err.contains(said), "{args:?} does not say {said:?}:\n{err}");
    }
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn an_unknown_option_or_a_missing_argument_exits_2_naming_it() {
    let tmp = TempDir::new("usage-unknown");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let mut commands: Vec<(&str, &str)> =
        vec![("append", "<DIR>"), ("cat", "<DIR>"), ("check", "<DIR>")];
    if cfg!(feature = "view") {
        commands.push(("view", "<ROOT_OR_DIR>"));
    }
    if cfg!(feature = "otlp") {
        commands.push(("otlp", "<PATH>..."));
    }
    for (command, argument) in commands {
        assert_usage_error(&[command], &["not provided", argument]);
        assert_usage_error(
            &[command, d, "--frobnicate"],
            &["unexpected argument '--frobnicate'"],
        );
    }
    // A near miss is pointed at what was meant.
    assert_usage_error(&["cat", d, "--form", "2"], &["'--form'", "'--from'"]);
    // An option that takes a value, given none.
    assert_usage_error(
        &["append", d, "--timeout-ms"],
        &["a value is required for '--timeout-ms <MS>'"],
    );
    assert_usage_error(&["frobnicate"], &["unrecognized subcommand 'frobnicate'"]);
    assert!(!dir.exists(), "a usage error created the session");
}

#[test]
fn a_bad_number_names_the_option_and_what_it_takes() {
    let tmp = TempDir::new("usage-numbers");
    let dir = tmp.session();
    let d = dir.to_str().unwrap();
    let out = tmp.path().join("out.jsonl");
    let o = out.to_str().unwrap();
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["append", d, "{}", "--timeout-ms", "-1"],
            "invalid value '-1' for '--timeout-ms <MS>': expected a non-negative integer",
        ),
        (
            vec!["append", d, "{}", "--timeout-ms", "1.5"],
            "invalid value '1.5' for '--timeout-ms <MS>'",
        ),
        (
            vec!["cat", d, "--from", "last"],
            "invalid value 'last' for '--from <SEQ>': expected a non-negative integer",
        ),
    ];
    if cfg!(feature = "view") {
        cases.push((
            vec!["view", d, "--port", "abc"],
            "invalid value 'abc' for '--port <N>': expected an integer from 0 to 65535",
        ));
        cases.push((
            vec!["view", d, "--port", "-1"],
            "invalid value '-1' for '--port <N>'",
        ));
    }
    if cfg!(feature = "otlp") {
        cases.push((
            vec!["otlp", d, "--output", o, "--batch", "100001"],
            "invalid value '100001' for '--batch <N>': expected an integer from 1 to 100000",
        ));
        cases.push((
            vec!["otlp", d, "--output", o, "--give-up-after", "-5"],
            "invalid value '-5' for '--give-up-after <SECS>': expected a non-negative integer",
        ));
    }
    for (args, says) in cases {
        assert_usage_error(&args, &[says]);
    }
    assert!(!dir.exists(), "a usage error created the session");
    assert!(!out.exists(), "a usage error created the output");
}

/// Under `sessiontrail hook`, every refusal of the command line is a hook
/// failure: exit 1 (never 2), one line on stderr naming the problem,
/// nothing on stdout, nothing recorded.
#[cfg(feature = "hook")]
#[test]
fn the_hook_with_a_bad_argument_exits_1_not_2_naming_it() {
    let tmp = TempDir::new("usage-hook");
    let root = tmp.path().join("sessions");
    for (args, says) in [
        (
            vec!["hook", "claude-code", "--timeout-ms", "-1"],
            "'--timeout-ms <MS>'",
        ),
        (
            vec!["hook", "gemini-cli", "--timeout-ms", "soon"],
            "'--timeout-ms <MS>'",
        ),
        (
            vec!["hook", "claude-code", "--timeout-ms"],
            "'--timeout-ms <MS>'",
        ),
        (
            vec!["hook", "claude-code", "--keep", "output"],
            "unknown text \"output\"",
        ),
        (vec!["hook", "claude-code", "--bogus"], "'--bogus'"),
        (vec!["hook", "claude-code", "stray"], "'stray'"),
        (
            vec!["hook", "cursor"],
            "known agents: claude-code, gemini-cli, codex",
        ),
        (vec!["hook"], "known agents: claude-code, gemini-cli, codex"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sessiontrail"))
            .args(&args)
            .env("SESSIONTRAIL_ROOT", &root)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("sessiontrail hook: ") && err.contains(says),
            "{args:?} does not say {says:?}: {err}"
        );
        assert!(err.trim_end().ends_with("nothing was recorded"), "{err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(!root.exists(), "a refused hook created the root");
}
