//! `sessiontrail hook AGENT`: one agent hook firing in, session events out.
//!
//! An agent runs the hook command once per hook event, with the event's
//! payload on stdin, and waits for it; parallel tool calls fire their hooks
//! at the same moment. So this command is one short process that must never
//! be in the agent's way: it prints nothing on stdout (Claude Code would add
//! SessionStart output to the model's context), exits 0 once the events are
//! appended, and on any problem writes one line to stderr and exits 1,
//! never 2 (which Claude Code reads as "block this tool call"). The payload
//! is read and checked whole before anything is written; the events of one
//! firing go in as one batch; the lock wait is bounded (`--timeout-ms`).
//!
//! `claude_code.rs` maps payloads to events, `gemini_cli.rs` rewrites Gemini
//! CLI's payloads into Claude Code's shape first; `ids.rs` derives the trace and
//! span ids every firing of a session agrees on; `pending.rs` keeps start
//! times between firings; `place.rs` says where sessions live.

mod claude_code;
mod edits;
mod gemini_cli;
mod ids;
mod pending;
mod place;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sessiontrail::{now_rfc3339, EventLog, LockWait, Options, EVENTS_FILE};

use claude_code::{Context, Hook, Keep, Timing};
use pending::Pending;

pub const USAGE: &str = "  sessiontrail hook AGENT [--keep LIST] [--timeout-ms N]
      AGENT: claude-code or gemini-cli.
      Record one hook firing: its JSON payload on stdin becomes
      events in $SESSIONTRAIL_ROOT/<session_id>/ (default root: the user data
      directory, e.g. ~/.local/share/sessiontrail/sessions). Prints nothing;
      exit 0, or 1 with one line on stderr. --keep command,prompt,notification
      stores those texts verbatim instead of as sha256 digests and lengths.
      --timeout-ms bounds the lock wait (default 5000).
  sessiontrail hook AGENT --print-settings [--keep LIST] [--timeout-ms N]
      Print the settings.json block that records every session of AGENT.
";

const DEFAULT_TIMEOUT_MS: u64 = 5000;

struct HookOptions {
    keep: Keep,
    timeout: Duration,
    print_settings: bool,
}

/// Runs `sessiontrail hook …` (`args` after `hook`); the exit code is 0 or 1.
pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            // One line, whatever the message held.
            let why = why.replace('\n', " ");
            eprintln!("sessiontrail hook: {why}; nothing was recorded");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (agent, rest) = args
        .split_first()
        .ok_or("missing the agent (usage: sessiontrail hook claude-code)")?;
    if matches!(agent.as_str(), "-h" | "--help" | "help") {
        print!("usage:\n{USAGE}");
        return Ok(());
    }
    let agent: &'static str = match agent.as_str() {
        "claude-code" => "claude-code",
        "gemini-cli" => "gemini-cli",
        other => {
            return Err(format!(
                "unknown agent {other:?}; known: claude-code, gemini-cli"
            ))
        }
    };
    let options = parse_options(rest)?;
    if options.print_settings {
        return print_settings(agent, &options);
    }
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| format!("could not read the payload from stdin: {e}"))?;
    let mut payload: serde_json::Value = serde_json::from_slice(&input)
        .map_err(|e| format!("the payload is not valid JSON: {e}"))?;
    if agent == "gemini-cli" {
        payload = gemini_cli::to_claude_shape(payload);
    }
    record(agent, &payload, &options)
}

fn parse_options(args: &[String]) -> Result<HookOptions, String> {
    let mut options = HookOptions {
        keep: Keep::default(),
        timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
        print_settings: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{arg} needs a value"))
                .cloned()
        };
        match arg.as_str() {
            "--print-settings" => options.print_settings = true,
            "--keep" => options.keep = Keep::parse(&value()?)?,
            "--timeout-ms" => {
                let v = value()?;
                let ms = v
                    .parse()
                    .map_err(|_| format!("--timeout-ms takes a non-negative integer, got {v:?}"))?;
                options.timeout = Duration::from_millis(ms);
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(options)
}

fn record(
    agent: &'static str,
    payload: &serde_json::Value,
    options: &HookOptions,
) -> Result<(), String> {
    let hook = Hook::parse(agent, payload)?;
    place::check_session_id(hook.session_id)?;
    let dir = place::sessions_root()?.join(hook.session_id);
    // The log refuses a symlinked session directory; the sidecar must not
    // write through one either.
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "{} is a symbolic link; refusing to write through it",
            dir.display()
        ));
    }
    let first_in_session = hook.event_name == "SessionStart" && !has_events(&dir.join(EVENTS_FILE));
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let pending = Pending::new(&dir);
    let timing = hook.timing(first_in_session);
    let started_ms = match &timing {
        Timing::Start(key) => {
            pending.remember(key, now_ms)?;
            None
        }
        Timing::End(key) | Timing::EndSession(key) => pending.recall(key),
        Timing::None => None,
    };
    let context = Context {
        now_ms,
        timestamp: now_rfc3339(),
        host_id: place::host_name(),
        keep: options.keep,
        first_in_session,
        started_ms,
    };
    let mut events = hook.events(&context);
    if !events.is_empty() {
        let log = EventLog::open_with(
            &dir,
            Options {
                lock_wait: LockWait::Timeout(options.timeout),
                ..Options::default()
            },
        )
        .map_err(|e| e.to_string())?;
        log.append_batch(&mut events).map_err(|e| e.to_string())?;
    }
    match &timing {
        Timing::End(key) => pending.forget(key),
        Timing::EndSession(_) => pending.clear(),
        Timing::Start(_) | Timing::None => {}
    }
    Ok(())
}

/// Whether `events.jsonl` holds anything; a missing file holds nothing.
fn has_events(events_file: &Path) -> bool {
    std::fs::metadata(events_file).is_ok_and(|m| m.len() > 0)
}

/// The settings.json block, with this very binary as the command so it
/// works without `sessiontrail` on PATH, and the same `--keep` and
/// `--timeout-ms` as given.
fn print_settings(agent: &str, options: &HookOptions) -> Result<(), String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("could not find this program's own path: {e}"))?;
    let mut command = shell_word(&exe.to_string_lossy());
    command.push_str(" hook ");
    command.push_str(agent);
    let list = options.keep.to_list();
    if !list.is_empty() {
        command.push_str(" --keep ");
        command.push_str(&list);
    }
    if options.timeout != Duration::from_millis(DEFAULT_TIMEOUT_MS) {
        command.push_str(&format!(" --timeout-ms {}", options.timeout.as_millis()));
    }
    print!("{}", settings(agent, &command));
    Ok(())
}

/// The `hooks` block of the agent's settings.json that runs `command` for
/// every hook event its module maps, as pretty JSON in the module's order
/// (a `serde_json::Map` would sort the events by name). Claude Code takes
/// its timeout in seconds, Gemini CLI in milliseconds and a hook `name`.
pub fn settings(agent: &str, command: &str) -> String {
    let (events, fields): (&[(&str, bool)], &str) = if agent == "gemini-cli" {
        (
            &gemini_cli::HOOK_EVENTS,
            r#""name": "sessiontrail", "type": "command", "timeout": 10000"#,
        )
    } else {
        (
            &claude_code::HOOK_EVENTS,
            r#""type": "command", "timeout": 10"#,
        )
    };
    let command = serde_json::Value::from(command).to_string();
    let groups: Vec<String> = events
        .iter()
        .map(|(event, matcher)| {
            let matcher = if *matcher { r#""matcher": "*", "# } else { "" };
            format!(
                "    \"{event}\": [\n      {{ {matcher}\"hooks\": [{{ {fields}, \"command\": {command} }}] }}\n    ]"
            )
        })
        .collect();
    format!("{{\n  \"hooks\": {{\n{}\n  }}\n}}\n", groups.join(",\n"))
}

/// `word` as one shell word: as is when it holds only safe characters,
/// else in single quotes.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
