//! Claude Code's transcripts, read into the events its hook would record.
//!
//! Claude Code writes each session to
//! `~/.claude/projects/<project>/<session-id>.jsonl` (or under
//! `$CLAUDE_CONFIG_DIR/projects`), one JSON entry per line, and each
//! subagent's run to `<project>/<session-id>/subagents/agent-<id>.jsonl`
//! with an `agent-<id>.meta.json` beside it whose `toolUseId` names the
//! Agent (formerly Task) call that spawned it. The format is internal and
//! changes between versions, so this reads what it knows and counts what it
//! skips: an entry of an unknown `type`, a line that is not JSON, a result
//! with no call are counted by kind, never a failure.
//!
//! What it knows (the shape observed in transcripts of Claude Code 2.x, as
//! the fixtures under `tests/fixtures/claude-code-transcripts/` show):
//! - `assistant` entries: `message.{id, model, usage, content}` and
//!   `requestId`; one entry per content block, each repeating the whole
//!   message's `usage`, so responses are deduplicated by `message.id` +
//!   `requestId`. `tool_use` blocks are the calls. `isApiErrorMessage`
//!   marks a turn that ended on an API error (model `<synthetic>`).
//! - `user` entries: a prompt (a string, or `text` blocks), or `tool_result`
//!   blocks with the structured result in the entry's `toolUseResult` (the
//!   `tool_response` of the hook's PostToolUse payload). `isMeta` entries
//!   and compaction summaries (`isCompactSummary`) are not prompts.
//! - `system` entries with `subtype` `compact_boundary`: a compaction
//!   (`compactMetadata.trigger`).
//!
//! Nothing here maps an entry to an event itself: each is rewritten into
//! the hook payload it corresponds to (a tool call and its result into
//! PostToolUse or PostToolUseFailure, a prompt into UserPromptSubmit) and
//! recorded by `hook::claude_code`, so both name one happening with the same
//! derived ids and keep the same privacy (digests and lengths, never text).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use sessiontrail::{format_rfc3339_millis, SessionEvent};

use super::content_text;
use crate::hook::claude_code::{Context, Hook, Keep, Origin, Response};

/// What the importer read of one session: its events in time order, how far
/// it read each transcript, and what it skipped.
pub struct SessionRead {
    pub session_id: String,
    pub events: Vec<SessionEvent>,
    /// Each transcript read, with the byte offset after its last complete
    /// line (the cursor the live hook goes on from).
    pub cursors: Vec<(PathBuf, u64)>,
    pub skipped: BTreeMap<String, u64>,
    /// Bytes of transcript read.
    pub bytes: u64,
}

/// The API response an entry carries, if it is an assistant entry of a
/// real response (not an API error row, whose model is `<synthetic>`).
pub fn response_of(entry: &Value) -> Option<Response> {
    if entry.get("type").and_then(Value::as_str) != Some("assistant")
        || entry.get("isApiErrorMessage") == Some(&Value::Bool(true))
    {
        return None;
    }
    let message = entry.get("message")?;
    let model = message.get("model").and_then(Value::as_str);
    if model == Some("<synthetic>") {
        return None;
    }
    let usage = message.get("usage")?;
    let n = |name: &str| usage.get(name).and_then(Value::as_u64).unwrap_or(0);
    Some(Response {
        message_id: message.get("id").and_then(Value::as_str)?.to_string(),
        request_id: entry
            .get("requestId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        model: model.map(str::to_string),
        input: n("input_tokens"),
        cache_creation: n("cache_creation_input_tokens"),
        cache_read: n("cache_read_input_tokens"),
        output: n("output_tokens"),
        provider: "anthropic",
        reasoning: None,
    })
}

/// Milliseconds since the epoch of an entry's `timestamp`.
pub fn entry_ms(entry: &Value) -> Option<u64> {
    let text = entry.get("timestamp").and_then(Value::as_str)?;
    sessiontrail_otlp::unix_nanos(text).map(|n| n / 1_000_000)
}

/// The complete lines of `path` from byte `offset` on, and the offset after
/// the last of them: a line the agent is still writing is left for the next
/// read. An offset past the end (the file was replaced) reads from the start.
pub fn read_new_lines(path: &Path, offset: u64) -> std::io::Result<(Vec<u8>, u64)> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let from = if offset > len { 0 } else { offset };
    file.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    file.take(len - from).read_to_end(&mut bytes)?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    bytes.truncate(complete);
    Ok((bytes, from + complete as u64))
}

/// The API responses in `lines` (one transcript's new lines), each once,
/// with the time of its first entry.
pub fn responses_in(lines: &[u8]) -> Vec<(u64, Response)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in lines.split(|&b| b == b'\n') {
        // Most lines are not assistant entries; skip them unparsed.
        if !contains(line, b"\"assistant\"") {
            continue;
        }
        let Ok(entry) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        if let (Some(r), Some(ms)) = (response_of(&entry), entry_ms(&entry)) {
            if seen.insert(r.key()) {
                out.push((ms, r));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A subagent as its files tell of it.
#[derive(Clone)]
struct Agent {
    id: String,
    kind: Option<String>,
    /// The agent whose Agent call spawned it (`None`: the main agent).
    parent: Option<String>,
}

/// A `tool_use` block waiting for its result.
struct ToolUse {
    name: String,
    input: Value,
    at_ms: Option<u64>,
}

struct Reader<'a> {
    session_id: String,
    keep: Keep,
    host_id: &'a str,
    events: Vec<SessionEvent>,
    skipped: BTreeMap<String, u64>,
    responses: HashSet<String>,
    tool_uses: HashMap<String, ToolUse>,
    started: bool,
    bytes: u64,
}

/// Reads the session of the main transcript `main` and its subagents.
pub fn read_session(main: &Path, keep: Keep, host_id: &str) -> Result<SessionRead, String> {
    let session_id = main
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| format!("{}: not a transcript file name", main.display()))?
        .to_string();
    crate::hook::place::check_session_id(&session_id)?;
    let mut reader = Reader {
        session_id: session_id.clone(),
        keep,
        host_id,
        events: Vec::new(),
        skipped: BTreeMap::new(),
        responses: HashSet::new(),
        tool_uses: HashMap::new(),
        started: false,
        bytes: 0,
    };
    let mut cursors = Vec::new();
    let read = |path: &Path| -> Result<(Vec<u8>, u64), String> {
        read_new_lines(path, 0).map_err(|e| format!("could not read {}: {e}", path.display()))
    };
    let (bytes, end) = read(main)?;
    reader.read_lines(&bytes, None);
    cursors.push((main.to_path_buf(), end));

    // Subagents: read whole first, as their parents can be one another
    // (an Agent call inside a subagent), then recorded in start order.
    let mut subagents = Vec::new();
    for path in subagent_files(main) {
        let (bytes, end) = read(&path)?;
        let entries: Vec<Value> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap_or(Value::Null))
            .collect();
        let meta = read_meta(&path);
        cursors.push((path.clone(), end));
        reader.bytes += bytes.len() as u64;
        subagents.push((path, entries, meta));
    }
    // Which agent made each Agent call, by its tool_use id.
    let mut caller: HashMap<String, Option<String>> = HashMap::new();
    let stem_id = |path: &Path| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("agent-"))
            .unwrap_or("")
            .to_string()
    };
    for (path, entries, _) in &subagents {
        let id = agent_id_of(entries).unwrap_or_else(|| stem_id(path));
        for entry in entries {
            for block in blocks(entry, "tool_use") {
                if let Some(use_id) = block.get("id").and_then(Value::as_str) {
                    caller.insert(use_id.to_string(), Some(id.clone()));
                }
            }
        }
    }
    for (path, entries, meta) in &subagents {
        let id = agent_id_of(entries).unwrap_or_else(|| stem_id(path));
        let use_id = meta.get("toolUseId").and_then(Value::as_str);
        let spawning = use_id.and_then(|u| reader.tool_uses.get(u));
        let kind = meta
            .get("agentType")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                spawning
                    .and_then(|t| t.input.get("subagent_type"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        let agent = Agent {
            id,
            kind,
            parent: use_id.and_then(|u| caller.get(u).cloned()).flatten(),
        };
        reader.read_subagent(entries, &agent);
    }
    // Time order, the session's start first (a stable sort keeps the order
    // of events of one moment).
    reader.events.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    Ok(SessionRead {
        session_id,
        events: reader.events,
        cursors,
        skipped: reader.skipped,
        bytes: reader.bytes + end,
    })
}

/// `<dir>/<session-id>/subagents/agent-*.jsonl`, without the compaction
/// agents' files (`agent-acompact-*`, Claude Code's own summarising run).
fn subagent_files(main: &Path) -> Vec<PathBuf> {
    let Some(stem) = main.file_stem() else {
        return Vec::new();
    };
    let dir = main.with_file_name(stem).join("subagents");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("agent-")
                && name.ends_with(".jsonl")
                && !name.starts_with("agent-acompact-")
        })
        .collect();
    files.sort();
    files
}

/// `agent-<id>.meta.json` beside a subagent's transcript, or `{}`.
fn read_meta(path: &Path) -> Value {
    let meta = path.with_extension("meta.json");
    std::fs::read(meta)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}))
}

fn agent_id_of(entries: &[Value]) -> Option<String> {
    entries
        .iter()
        .find_map(|e| e.get("agentId").and_then(Value::as_str))
        .map(str::to_string)
}

/// The content blocks of type `kind` of an entry's message.
fn blocks<'v>(entry: &'v Value, kind: &'v str) -> impl Iterator<Item = &'v Value> {
    entry
        .get("message")
        .and_then(|m| m.get("content"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(move |b| b.get("type").and_then(Value::as_str) == Some(kind))
}

impl Reader<'_> {
    fn skip(&mut self, kind: &str) {
        *self.skipped.entry(kind.to_string()).or_default() += 1;
    }

    fn read_lines(&mut self, bytes: &[u8], agent: Option<&Agent>) {
        self.bytes += bytes.len() as u64;
        for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            match serde_json::from_slice::<Value>(line) {
                Ok(entry) => self.entry(&entry, agent),
                Err(_) => self.skip("line that is not JSON"),
            }
        }
    }

    fn read_subagent(&mut self, entries: &[Value], agent: &Agent) {
        let times: Vec<u64> = entries.iter().filter_map(entry_ms).collect();
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            return;
        };
        self.record(
            json!({"hook_event_name": "SubagentStart"}),
            Some(agent),
            first,
            None,
            None,
        );
        for entry in entries {
            if entry.is_null() {
                self.skip("line that is not JSON");
            } else {
                self.entry(entry, Some(agent));
            }
        }
        self.record(
            json!({"hook_event_name": "SubagentStop"}),
            Some(agent),
            last,
            Some(first),
            None,
        );
    }

    /// Records the hook payload `payload` (its event fields; the session's
    /// and agent's are added here) as if it fired at `at_ms`.
    fn record(
        &mut self,
        mut payload: Value,
        agent: Option<&Agent>,
        at_ms: u64,
        started_ms: Option<u64>,
        entry: Option<&str>,
    ) {
        let Value::Object(map) = &mut payload else {
            return;
        };
        map.insert("session_id".into(), self.session_id.clone().into());
        if let Some(agent) = agent {
            map.insert("agent_id".into(), agent.id.clone().into());
            if let Some(kind) = &agent.kind {
                map.insert("agent_type".into(), kind.clone().into());
            }
            if let Some(parent) = &agent.parent {
                map.insert("parent_agent_id".into(), parent.clone().into());
            }
        }
        let ctx = self.context(at_ms, started_ms, entry);
        // A payload built here always parses; one that did not would be a
        // bug, counted rather than fatal.
        match Hook::parse("claude-code", &payload) {
            Ok(hook) => self.events.extend(hook.events(&ctx)),
            Err(_) => self.skip("entry the hook mapping refused"),
        }
    }

    fn context(&self, at_ms: u64, started_ms: Option<u64>, entry: Option<&str>) -> Context {
        Context {
            now_ms: at_ms,
            timestamp: format_rfc3339_millis(at_ms),
            host_id: self.host_id.to_string(),
            keep: self.keep,
            first_in_session: true,
            started_ms,
            origin: Origin::Transcript {
                entry: entry.map(str::to_string),
            },
        }
    }

    fn entry(&mut self, entry: &Value, agent: Option<&Agent>) {
        let kind = entry.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(at) = entry_ms(entry) else {
            self.skip(if kind.is_empty() {
                "entry without a type"
            } else {
                kind
            });
            return;
        };
        let uuid = entry.get("uuid").and_then(Value::as_str);
        if agent.is_none() && !self.started {
            self.started = true;
            let mut payload = json!({"hook_event_name": "SessionStart"});
            if let Some(cwd) = entry.get("cwd").and_then(Value::as_str) {
                payload["cwd"] = cwd.into();
            }
            self.record(payload, None, at, None, None);
        }
        match kind {
            "assistant" => self.assistant(entry, agent, at, uuid),
            "user" => self.user(entry, agent, at, uuid),
            "system"
                if entry.get("subtype").and_then(Value::as_str) == Some("compact_boundary") =>
            {
                let trigger = entry
                    .get("compactMetadata")
                    .and_then(|m| m.get("trigger"))
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                let payload = json!({"hook_event_name": "PreCompact", "trigger": trigger});
                self.record(payload, agent, at, None, uuid);
            }
            "system" => {
                let subtype = entry.get("subtype").and_then(Value::as_str).unwrap_or("");
                self.skip(format!("system {subtype}").trim_end());
            }
            other => self.skip(if other.is_empty() {
                "entry without a type"
            } else {
                other
            }),
        }
    }

    fn assistant(&mut self, entry: &Value, agent: Option<&Agent>, at: u64, uuid: Option<&str>) {
        if entry.get("isApiErrorMessage") == Some(&Value::Bool(true)) {
            let error = entry
                .get("error")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| text_of(entry));
            let payload = json!({"hook_event_name": "StopFailure", "error": error});
            self.record(payload, agent, at, None, uuid);
            return;
        }
        if let Some(response) = response_of(entry) {
            if self.responses.insert(response.key()) {
                let payload = json!({"hook_event_name": "Stop", "session_id": self.session_id});
                let mut payload = payload;
                if let Some(agent) = agent {
                    payload["agent_id"] = agent.id.clone().into();
                    if let Some(kind) = &agent.kind {
                        payload["agent_type"] = kind.clone().into();
                    }
                }
                let ctx = self.context(at, None, None);
                if let Ok(hook) = Hook::parse("claude-code", &payload) {
                    self.events.push(hook.decision(&ctx, &response));
                }
            }
        }
        for block in blocks(entry, "tool_use") {
            let Some(id) = block.get("id").and_then(Value::as_str) else {
                self.skip("tool_use without an id");
                continue;
            };
            let use_ = ToolUse {
                name: block
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                input: block.get("input").cloned().unwrap_or(Value::Null),
                at_ms: Some(at),
            };
            self.tool_uses.insert(id.to_string(), use_);
        }
    }

    fn user(&mut self, entry: &Value, agent: Option<&Agent>, at: u64, uuid: Option<&str>) {
        let results: Vec<&Value> = blocks(entry, "tool_result").collect();
        if !results.is_empty() {
            for block in results {
                self.tool_result(entry, block, agent, at);
            }
            return;
        }
        if entry.get("isMeta") == Some(&Value::Bool(true)) {
            self.skip("user (meta)");
            return;
        }
        if entry.get("isCompactSummary") == Some(&Value::Bool(true)) {
            // The summary a compaction wrote: the compact_boundary before
            // it is the compaction's event.
            return;
        }
        let prompt = text_of(entry);
        let payload = json!({"hook_event_name": "UserPromptSubmit", "prompt": prompt});
        self.record(payload, agent, at, None, uuid);
    }

    fn tool_result(&mut self, entry: &Value, block: &Value, agent: Option<&Agent>, at: u64) {
        let Some(id) = block.get("tool_use_id").and_then(Value::as_str) else {
            self.skip("tool_result without a tool_use_id");
            return;
        };
        let Some(use_) = self.tool_uses.remove(id) else {
            self.skip("tool_result without its tool_use");
            return;
        };
        let failed = block.get("is_error") == Some(&Value::Bool(true));
        let error = content_text(block.get("content"));
        let denied = failed && is_refusal(&error);
        let mut payload = Map::new();
        let event = match (failed, denied) {
            (_, true) => "PermissionDenied",
            (true, false) => "PostToolUseFailure",
            (false, _) => "PostToolUse",
        };
        payload.insert("hook_event_name".into(), event.into());
        payload.insert("tool_name".into(), use_.name.into());
        payload.insert("tool_input".into(), use_.input);
        payload.insert("tool_use_id".into(), id.into());
        // The structured result, as the hook's `tool_response`; an error's
        // `toolUseResult` is its message, which is the hook's `error`.
        match entry.get("toolUseResult") {
            Some(result @ Value::Object(_)) if !failed => {
                payload.insert("tool_response".into(), result.clone());
            }
            _ => {}
        }
        if denied {
            payload.insert("reason".into(), error.into());
        } else if failed {
            payload.insert("error".into(), error.into());
        }
        if let Some(started) = use_.at_ms {
            payload.insert("duration_ms".into(), at.saturating_sub(started).into());
        }
        self.record(Value::Object(payload), agent, at, use_.at_ms, None);
    }
}

/// Whether a failed tool result is Claude Code's word that the call never
/// ran: the user refused it at the prompt, or a permission rule denied it
/// (the texts Claude Code writes for those, as transcripts show them).
fn is_refusal(text: &str) -> bool {
    text.starts_with("The user doesn't want to proceed with this tool use")
        || text.starts_with("Permission to use ") && text.contains(" has been denied")
        || text.contains("requested permissions to use") && text.contains("haven't granted it yet")
}

/// The text of an entry's message: a string content, or its `text` blocks
/// joined.
fn text_of(entry: &Value) -> String {
    content_text(entry.get("message").and_then(|m| m.get("content")))
}

/// The main transcripts under `path`: the file itself, or the `*.jsonl`
/// files of a project folder, or of each project folder of a projects
/// folder (never a subagent's file, which its main transcript reads).
pub fn main_transcripts(path: &Path) -> Result<Vec<PathBuf>, String> {
    transcripts_under(path, 2)
}

/// `path` itself when it is a file, else the `*.jsonl` files at most
/// `depth` folders down (a folder beside a `<name>.jsonl` of its own name is
/// that transcript's and is not entered).
pub fn transcripts_under(path: &Path, depth: u32) -> Result<Vec<PathBuf>, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    collect(path, depth, &mut out)
        .map_err(|e| format!("could not list {}: {e}", path.display()))?;
    out.sort();
    Ok(out)
}

fn collect(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_file() && path.extension().is_some_and(|e| e == "jsonl") {
            out.push(path);
        } else if kind.is_dir() && depth > 1 {
            // A session's own folder (`<id>/subagents`) sits beside
            // `<id>.jsonl`; it is read with that transcript.
            if path.with_extension("jsonl").is_file() {
                continue;
            }
            collect(&path, depth - 1, out)?;
        }
    }
    Ok(())
}
