//! `sessiontrail import AGENT [PATH...]`: what an agent already wrote down,
//! recorded as the sessions its hook would have recorded.
//!
//! A hook records only sessions that ran after it was installed, and hook
//! payloads carry no token counts; the agents' own transcripts have both.
//! Each transcript becomes `$SESSIONTRAIL_ROOT/<session_id>/` with the ids
//! the live hook derives (`hook/ids.rs`), one module per agent's format
//! (`claude_code.rs`) rewriting entries into hook payloads for the one
//! mapping (`hook/claude_code.rs`); `codex.rs` reads Codex CLI's rollouts,
//! `gemini_cli.rs` Gemini CLI's chat recordings.
//!
//! Merging with what is there: every event the importer makes has an id
//! derived from the agent's own (a tool_use_id, a response's message id and
//! request id, a subagent's id, the session, an entry's uuid), and an event
//! whose id the log already holds is left out, so importing twice adds
//! nothing and a session the hook recorded gains only what the hook could
//! not see (its token counts, calls made before the hook was installed).
//! The hook's prompt and turn notes have random ids (its payloads name no
//! entry), so for a session with hook events the importer adds no notes.
//! After a session is imported its cursors are set (`hook/pending.rs`), so
//! the hook's next Stop reads only what the transcript gained since.

mod claude_code;
mod codex;
mod gemini_cli;

pub use claude_code::{read_new_lines, responses_in};
pub use codex::responses_in as codex_responses_in;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sessiontrail::{EventLog, EventType, LockWait, Options};

use crate::failure::Failure;
use crate::hook::claude_code::Keep;
use crate::hook::pending::Pending;
use crate::hook::{ids, place};

/// Record sessions from an agent's own transcripts, with their tokens:
/// each becomes $SESSIONTRAIL_ROOT/<session_id>/, as its hook would record
/// it. Importing again adds nothing; a session the hook recorded gains only
/// what the hook could not see.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    agent: Agent,
}

#[derive(clap::Subcommand)]
enum Agent {
    /// Claude Code's transcripts (default: $CLAUDE_CONFIG_DIR/projects, else
    /// ~/.claude/projects)
    ClaudeCode(ImportOptions),
    /// Codex CLI's rollouts (default: $CODEX_HOME/sessions, else
    /// ~/.codex/sessions)
    Codex(ImportOptions),
    /// Gemini CLI's chat recordings (default: ~/.gemini/tmp)
    GeminiCli(ImportOptions),
}

#[derive(clap::Args)]
struct ImportOptions {
    /// Transcripts: a <session-id>.jsonl file, a project folder of them, or
    /// a folder of project folders
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Store these texts verbatim instead of as sha256 digests and lengths
    /// (as the hook's --keep): command, prompt
    #[arg(long, value_name = "LIST", value_parser = Keep::parse)]
    keep: Option<Keep>,
}

/// A progress line on stderr after every this many bytes read.
const PROGRESS_BYTES: u64 = 32 << 20;

/// Reads one transcript file into a session's events.
type ReadSession = fn(&Path, Keep, &str) -> Result<claude_code::SessionRead, String>;

/// One agent's transcripts: where they are and how they are read.
struct Format {
    /// The transcripts under a PATH the user named.
    find: fn(&Path) -> Result<Vec<PathBuf>, String>,
    read: ReadSession,
    /// The folder read when no PATH is named.
    default: fn() -> Result<PathBuf, Failure>,
}

const CLAUDE_CODE: Format = Format {
    find: claude_code::main_transcripts,
    read: claude_code::read_session,
    default: default_claude_projects,
};

const CODEX: Format = Format {
    find: codex::rollouts,
    read: codex::read_session,
    default: default_codex_sessions,
};

pub fn run(args: Args) -> Result<(), Failure> {
    let (options, format) = match args.agent {
        Agent::ClaudeCode(options) => (options, CLAUDE_CODE),
        Agent::Codex(options) => (options, CODEX),
        Agent::GeminiCli(options) => (options, GEMINI_CLI),
    };
    let (find, read) = (format.find, format.read);
    let paths = if options.paths.is_empty() {
        vec![(format.default)()?]
    } else {
        options.paths
    };
    let mut transcripts = Vec::new();
    for path in &paths {
        transcripts.extend(find(path).map_err(Failure::Usage)?);
    }
    let root = place::sessions_root().map_err(Failure::Usage)?;
    let host = place::host_name();
    let keep = options.keep.unwrap_or_default();
    let total: u64 = transcripts
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let mut summary = Summary::default();
    let mut next_progress = PROGRESS_BYTES;
    for transcript in &transcripts {
        match import_one(read, transcript, &root, keep, &host, &mut summary) {
            Ok(()) => {}
            Err(why) => {
                eprintln!("sessiontrail import: {why}; that session was not imported");
                summary.failed += 1;
            }
        }
        if summary.bytes >= next_progress {
            eprintln!(
                "sessiontrail import: read {} of {} MB, {} sessions",
                summary.bytes >> 20,
                total >> 20,
                summary.sessions
            );
            next_progress = summary.bytes + PROGRESS_BYTES;
        }
    }
    println!("{summary}");
    if summary.failed > 0 {
        return Err(Failure::Import(format!(
            "{} of {} sessions could not be imported",
            summary.failed,
            transcripts.len()
        )));
    }
    Ok(())
}

const GEMINI_CLI: Format = Format {
    find: gemini_cli::recordings,
    read: gemini_cli::read_session,
    default: default_gemini_tmp,
};

/// `~/.gemini/tmp`, where Gemini CLI keeps each project's `chats/`.
fn default_gemini_tmp() -> Result<PathBuf, Failure> {
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::Usage("HOME is not set; name the PATH to read".into()))?;
    Ok(PathBuf::from(home).join(".gemini").join("tmp"))
}

/// `$CODEX_HOME/sessions`, else `~/.codex/sessions`.
fn default_codex_sessions() -> Result<PathBuf, Failure> {
    agent_folder("CODEX_HOME", ".codex", "sessions")
}

/// `$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects`.
fn default_claude_projects() -> Result<PathBuf, Failure> {
    agent_folder("CLAUDE_CONFIG_DIR", ".claude", "projects")
}

/// `$<var>/<tail>` when the agent's own variable is set, else
/// `~/<dot_dir>/<tail>`.
fn agent_folder(var: &str, dot_dir: &str, tail: &str) -> Result<PathBuf, Failure> {
    if let Some(dir) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir).join(tail));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            Failure::Usage(format!(
                "neither {var} nor HOME is set; name the PATH to read"
            ))
        })?;
    Ok(PathBuf::from(home).join(dot_dir).join(tail))
}

#[derive(Default)]
struct Summary {
    sessions: u64,
    added: u64,
    present: u64,
    decisions: u64,
    tokens_in: u64,
    tokens_out: u64,
    failed: u64,
    bytes: u64,
    skipped: BTreeMap<String, u64>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} sessions: {} events added ({} decisions, {} tokens in, {} out), {} already recorded",
            self.sessions, self.added, self.decisions, self.tokens_in, self.tokens_out, self.present
        )?;
        if self.skipped.is_empty() {
            write!(f, "; no entry skipped")
        } else {
            let kinds: Vec<String> = self
                .skipped
                .iter()
                .map(|(kind, n)| format!("{kind}: {n}"))
                .collect();
            write!(f, "; entries skipped: {}", kinds.join(", "))
        }
    }
}

fn import_one(
    read_session: ReadSession,
    transcript: &Path,
    root: &Path,
    keep: Keep,
    host: &str,
    summary: &mut Summary,
) -> Result<(), String> {
    let read = read_session(transcript, keep, host)?;
    summary.bytes += read.bytes;
    for (kind, n) in &read.skipped {
        *summary.skipped.entry(kind.clone()).or_default() += n;
    }
    let dir = root.join(&read.session_id);
    let (present, hook_recorded) = existing_ids(&dir)?;
    let mut seen = HashSet::new();
    let mut events: Vec<_> = read
        .events
        .into_iter()
        .filter(|e| {
            let already = present.contains(&e.event_id);
            if already {
                summary.present += 1;
            }
            let note = matches!(e.event_type, EventType::AgentNote { .. });
            !(already || hook_recorded && note) && seen.insert(e.event_id.clone())
        })
        .collect();
    for e in &events {
        if let EventType::AgentDecision {
            tokens_in,
            tokens_out,
            ..
        } = &e.event_type
        {
            summary.decisions += 1;
            summary.tokens_in += tokens_in.unwrap_or(0);
            summary.tokens_out += tokens_out.unwrap_or(0);
        }
    }
    if !events.is_empty() {
        let log = EventLog::open_with(
            &dir,
            Options::new().lock_wait(LockWait::Timeout(Duration::from_secs(10))),
        )
        .map_err(|e| e.to_string())?;
        log.append_batch(&mut events).map_err(|e| e.to_string())?;
    }
    summary.added += events.len() as u64;
    summary.sessions += 1;
    if dir.is_dir() {
        let cursors = Pending::cursors(&dir);
        for (path, end) in &read.cursors {
            cursors.overwrite(&cursor_key(path), *end)?;
        }
    }
    Ok(())
}

/// The event ids `dir` holds, and whether any event came from a hook.
fn existing_ids(dir: &Path) -> Result<(HashSet<String>, bool), String> {
    let mut ids = HashSet::new();
    let mut hook = false;
    if !dir.join(sessiontrail::EVENTS_FILE).exists() {
        return Ok((ids, hook));
    }
    let log = EventLog::open(dir).map_err(|e| e.to_string())?;
    for event in log.iter().map_err(|e| e.to_string())? {
        let event = event.map_err(|e| e.to_string())?;
        hook |= event.meta.as_ref().is_some_and(|m| m.get("hook").is_some());
        ids.insert(event.event_id);
    }
    Ok((ids, hook))
}

/// The ids of the decisions `dir` holds (none when it cannot be read).
pub fn decision_ids(dir: &Path) -> HashSet<String> {
    let Ok(log) = EventLog::open(dir) else {
        return HashSet::new();
    };
    let Ok(events) = log.iter() else {
        return HashSet::new();
    };
    events
        .filter_map(Result::ok)
        .filter(|e| matches!(e.event_type, EventType::AgentDecision { .. }))
        .map(|e| e.event_id)
        .collect()
}

/// The cursor key of a transcript: its canonical path, so the hook's
/// `transcript_path` and the importer's walk name one file alike.
pub fn cursor_key(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    ids::file_key("transcript", &path.to_string_lossy())
}

/// A message's content as text: the string itself, or the `text` of each
/// of its parts joined by newlines (Claude Code's content blocks and
/// Gemini CLI's parts have the same shape). Only its length and digest are
/// ever recorded.
pub(crate) fn content_text(content: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}
