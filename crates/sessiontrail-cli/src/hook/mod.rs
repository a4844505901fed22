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
//! `claude_code.rs` maps payloads to events, `gemini_cli.rs` and `codex.rs`
//! rewrite Gemini CLI's and Codex CLI's payloads into Claude Code's shape
//! first; `ids.rs` derives the trace and
//! span ids every firing of a session agrees on; `pending.rs` keeps start
//! times between firings; `place.rs` says where sessions live.

pub(crate) mod claude_code;
mod codex;
mod edits;
pub(crate) mod gemini_cli;
pub(crate) mod ids;
pub(crate) mod pending;
pub(crate) mod place;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sessiontrail::{now_rfc3339, EventLog, LockWait, Options, EVENTS_FILE};

use claude_code::{Context, Hook, Keep, Origin, Timing};
use pending::Pending;

const DEFAULT_TIMEOUT_MS: u64 = 5000;

/// Record agent hook firings: each firing's JSON payload on stdin becomes
/// events in $SESSIONTRAIL_ROOT/<session_id>/.
///
/// The default root is the user data directory (e.g.
/// ~/.local/share/sessiontrail/sessions). Prints nothing; exits 0, or 1 with
/// one line on stderr (never 2, which an agent reads as "block"). With
/// --print-settings, prints the settings.json block that records every
/// session of the agent instead.
#[derive(clap::Args)]
// A missing agent is an error like any other (one line, exit 1), not the
// help printed to stderr. `sessiontrail hook help` prints the help, as it
// always did.
#[command(
    subcommand_value_name = "AGENT",
    subcommand_help_heading = "Agents",
    arg_required_else_help = false
)]
pub struct Args {
    #[command(subcommand)]
    agent: Agent,
}

#[derive(clap::Subcommand)]
enum Agent {
    /// Claude Code's hooks (settings.json "hooks")
    ClaudeCode(HookOptions),
    /// Gemini CLI's hooks (their payloads are read as Claude Code's)
    GeminiCli(HookOptions),
    /// Codex CLI's hooks (~/.codex/hooks.json; Claude Code's event names)
    Codex(HookOptions),
}

#[derive(clap::Args)]
struct HookOptions {
    /// Store these texts verbatim instead of as sha256 digests and lengths:
    /// a comma-separated list of command, prompt, notification
    #[arg(long, value_name = "LIST", value_parser = Keep::parse)]
    keep: Option<Keep>,
    /// Give up (exit 1, nothing recorded) when the log's lock is not free
    /// within MS milliseconds
    #[arg(
        long = "timeout-ms",
        value_name = "MS",
        default_value_t = DEFAULT_TIMEOUT_MS,
        value_parser = crate::values::millis,
        allow_negative_numbers = true
    )]
    timeout_ms: u64,
    /// Print the settings.json block that runs this hook for every event
    /// (with the same --keep and --timeout-ms), instead of recording
    #[arg(long)]
    print_settings: bool,
}

/// Runs `sessiontrail hook AGENT …`; the exit code is 0 or 1, whatever
/// happens: a panic (a bug) is caught and reported as one line with exit 1
/// rather than Rust's 101, which Gemini CLI reads as "block the tool call".
pub fn main(args: Args) -> ExitCode {
    // The default panic message is several lines with a backtrace hint;
    // the message goes into the one line `report` writes instead.
    std::panic::set_hook(Box::new(|_| {}));
    report(guarded(|| run(args)))
}

/// `f`'s result, or a panic in it as an error naming the panic's message.
fn guarded(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!("internal error (a bug, please report it): {what}"))
    })
}

/// A command line the parser refused, reported as every hook failure is:
/// one line on stderr, exit 1, never 2.
pub fn refuse_usage(error: &clap::Error) -> ExitCode {
    // clap's first line names the problem ("error: unexpected argument
    // '--bogus' found"); the rest is usage for a person at a terminal.
    let rendered = error.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let why = first.strip_prefix("error: ").unwrap_or(first);
    let known = match error.kind() {
        clap::error::ErrorKind::MissingSubcommand | clap::error::ErrorKind::InvalidSubcommand => {
            // The agents as the parser knows them, so the list cannot drift.
            let hook = <Args as clap::Args>::augment_args(clap::Command::new("hook"));
            let names: Vec<&str> = hook.get_subcommands().map(|c| c.get_name()).collect();
            format!("; known agents: {}", names.join(", "))
        }
        _ => String::new(),
    };
    report(Err(format!(
        "{why}{known} (see `sessiontrail hook --help`)"
    )))
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            // One line, whatever the message held.
            let why = why.replace('\n', " ");
            eprintln!("sessiontrail hook: {why}; nothing was recorded");
            ExitCode::from(1)
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let (agent, options) = match args.agent {
        Agent::ClaudeCode(options) => ("claude-code", options),
        Agent::GeminiCli(options) => ("gemini-cli", options),
        Agent::Codex(options) => ("codex", options),
    };
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
    } else if agent == "codex" {
        payload = codex::to_claude_shape(payload);
    }
    record(agent, &payload, &options)
}

fn record(
    agent: &'static str,
    payload: &serde_json::Value,
    options: &HookOptions,
) -> Result<(), String> {
    let hook = Hook::parse(agent, payload)?;
    let keep = options.keep.unwrap_or_default();
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
        keep,
        first_in_session,
        started_ms,
        origin: Origin::Hook,
    };
    let mut events = hook.events(&context);
    let read = if agent == "gemini-cli" {
        None // its transcript_path is a chat file of another format
    } else {
        new_decisions(agent, &hook, payload, &dir, &context, &mut events)
    };
    // Claude Code gives SessionEnd hooks 1.5 s: wait for the lock 1 s at
    // most there, so the hook reports rather than being killed.
    let timeout_ms = if hook.event_name == "SessionEnd" {
        options.timeout_ms.min(SESSION_END_TIMEOUT_MS)
    } else {
        options.timeout_ms
    };
    if !events.is_empty() {
        let log = EventLog::open_with(
            &dir,
            Options::new().lock_wait(LockWait::Timeout(Duration::from_millis(timeout_ms))),
        )
        .map_err(|e| e.to_string())?;
        log.append_batch(&mut events).map_err(|e| e.to_string())?;
    }
    // The cursor moves only once the decisions are in the log.
    if let Some((key, end)) = read {
        Pending::cursors(&dir).overwrite(&key, end)?;
    }
    match &timing {
        Timing::End(key) => pending.forget(key),
        Timing::EndSession(_) => pending.clear(),
        Timing::Start(_) | Timing::None => {}
    }
    Ok(())
}

/// The lock wait of a SessionEnd firing, at most.
const SESSION_END_TIMEOUT_MS: u64 = 1000;

/// Live tokens: at the end of a turn (Stop, StopFailure), of a subagent
/// (SubagentStop, whose `agent_transcript_path` is the subagent's own) and
/// of the session, the API responses the transcript gained since its cursor
/// (Claude Code's transcript, or Codex's rollout and its `token_count`s)
/// become `agent.decision`s, added to `events`; returns the cursor to keep
/// once they are appended. Only the new bytes are read. Anything wrong with
/// the transcript (missing, unreadable) leaves the decisions for the next
/// firing or `sessiontrail import`: the firing's own events still go in.
fn new_decisions(
    agent: &str,
    hook: &Hook,
    payload: &serde_json::Value,
    dir: &Path,
    ctx: &Context,
    events: &mut Vec<sessiontrail::SessionEvent>,
) -> Option<(String, u64)> {
    let field = match hook.event_name {
        "Stop" | "StopFailure" | "SessionEnd" => "transcript_path",
        "SubagentStop" => "agent_transcript_path",
        _ => return None,
    };
    let path = Path::new(payload.get(field)?.as_str()?);
    let key = crate::import::cursor_key(path);
    let cursor = Pending::cursors(dir).recall(&key);
    let (lines, end) = crate::import::read_new_lines(path, cursor.unwrap_or(0)).ok()?;
    // Without a cursor (the session's first read, or a cursor lost) the
    // log may hold some of these responses already: leave those out.
    let known = match cursor {
        Some(_) => std::collections::HashSet::new(),
        None => crate::import::decision_ids(dir),
    };
    let responses = if agent == "codex" {
        let model = payload.get("model").and_then(serde_json::Value::as_str);
        crate::import::codex_responses_in(&lines, model)
    } else {
        crate::import::responses_in(&lines)
    };
    for (at_ms, response) in responses {
        let ctx = Context {
            now_ms: at_ms,
            timestamp: sessiontrail::format_rfc3339_millis(at_ms),
            host_id: ctx.host_id.clone(),
            keep: ctx.keep,
            first_in_session: false,
            started_ms: None,
            origin: Origin::Hook,
        };
        let event = hook.decision(&ctx, &response);
        if !known.contains(&event.event_id) {
            events.push(event);
        }
    }
    Some((key, end))
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
    let list = options.keep.unwrap_or_default().to_list();
    if !list.is_empty() {
        command.push_str(" --keep ");
        command.push_str(&list);
    }
    if options.timeout_ms != DEFAULT_TIMEOUT_MS {
        command.push_str(&format!(" --timeout-ms {}", options.timeout_ms));
    }
    // Gemini CLI runs hooks with a sanitized environment that drops
    // SESSIONTRAIL_ROOT, so its block sets the root it would use now.
    let root = if agent == "gemini-cli" {
        Some(place::sessions_root()?)
    } else {
        None
    };
    print!("{}", settings(agent, &command, root.as_deref()));
    if agent == "claude-code" {
        eprintln!(
            "sessiontrail: add this block or install the plugin in integrations/claude-code, \
             not both: with both, every event is recorded twice"
        );
    }
    Ok(())
}

/// The `hooks` block of the agent's settings.json that runs `command` for
/// every hook event its module maps, as pretty JSON in the module's order
/// (a `serde_json::Map` would sort the events by name). Claude Code takes
/// its timeout in seconds, Gemini CLI in milliseconds, a hook `name` and
/// the `env` that sets `root` (Gemini's hooks get no SESSIONTRAIL_ROOT of
/// their own).
pub fn settings(agent: &str, command: &str, root: Option<&Path>) -> String {
    let (events, fields): (&[(&str, bool)], String) = if agent == "gemini-cli" {
        let env = root.map_or_else(String::new, |root| {
            let root = serde_json::Value::from(root.to_string_lossy().as_ref()).to_string();
            format!(r#", "env": {{ "SESSIONTRAIL_ROOT": {root} }}"#)
        });
        (
            &gemini_cli::HOOK_EVENTS,
            format!(r#""name": "sessiontrail", "type": "command", "timeout": 10000{env}"#),
        )
    } else if agent == "codex" {
        // ~/.codex/hooks.json: Claude Code's layout, timeouts in seconds.
        (
            &codex::HOOK_EVENTS,
            r#""type": "command", "timeout": 10"#.to_string(),
        )
    } else {
        (
            &claude_code::HOOK_EVENTS,
            r#""type": "command", "timeout": 10"#.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_naming_it() {
        assert_eq!(guarded(|| Ok(())), Ok(()));
        assert_eq!(guarded(|| Err("x".into())), Err("x".to_string()));
        let err = guarded(|| panic!("index {} out of range", 3)).unwrap_err();
        assert!(err.contains("index 3 out of range"), "{err}");
        let err = guarded(|| panic!("static")).unwrap_err();
        assert!(err.contains("static"), "{err}");
    }
}
