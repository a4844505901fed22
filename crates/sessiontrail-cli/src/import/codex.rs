//! Codex CLI's rollouts, read into the events its hook would record.
//!
//! Codex writes each session to
//! `${CODEX_HOME:-~/.codex}/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`,
//! one `{timestamp, type, payload}` object per line (undocumented; the shape
//! third-party readers such as ccusage parse, which
//! `tests/fixtures/codex-rollouts/` follows):
//! - `session_meta`: `payload.id` (the session id the hooks get as
//!   `session_id`), `cwd`, `model_provider`;
//! - `turn_context`: `payload.model`, the model of the turns after it;
//! - `event_msg` with `payload.type` `token_count`: `payload.info` (null
//!   before the first response) holds `last_token_usage` (this response's
//!   `input_tokens`, of which `cached_input_tokens` came from the cache,
//!   `output_tokens`, `reasoning_output_tokens`) and the session's running
//!   `total_token_usage`; Codex can write the same count twice, so a
//!   response is named by the running total it brought (`total_tokens`),
//!   and a repeat of it is left out;
//! - `response_item` with `payload.type` `function_call` (`name`,
//!   `arguments` as JSON text, `call_id`) and `function_call_output`
//!   (`call_id`, `output`): a tool call and its result.
//!
//! Each becomes a hook payload for the one mapping (`hook/claude_code.rs`),
//! as Codex's own hooks would have sent it: a `shell` call is `Bash` with
//! its command, whose exit code comes from the output's `metadata.exit_code`
//! when the output is JSON that has one, else is unknown.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde_json::{json, Map, Value};
use sessiontrail::format_rfc3339_millis;

use super::claude_code::{entry_ms, read_new_lines, SessionRead};
use crate::hook::claude_code::{Context, Hook, Keep, Origin, Response};

const AGENT: &str = "codex";

/// Reads one rollout file.
pub fn read_session(path: &Path, keep: Keep, host_id: &str) -> Result<SessionRead, String> {
    let (bytes, end) =
        read_new_lines(path, 0).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut skip = |kind: &str| *skipped.entry(kind.to_string()).or_default() += 1;
    let mut session_id: Option<String> = None;
    let mut provider = "openai";
    let mut model: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let mut calls: HashMap<String, (String, Value, u64)> = HashMap::new();
    let mut events = Vec::new();
    let context = |at: u64, started: Option<u64>| Context {
        now_ms: at,
        timestamp: format_rfc3339_millis(at),
        host_id: host_id.to_string(),
        keep,
        first_in_session: true,
        started_ms: started,
        origin: Origin::Transcript { entry: None },
    };
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let Ok(line) = serde_json::from_slice::<Value>(line) else {
            skip("line that is not JSON");
            continue;
        };
        let kind = line.get("type").and_then(Value::as_str).unwrap_or("");
        let payload = line.get("payload").unwrap_or(&Value::Null);
        let sub = payload.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(at) = entry_ms(&line) else {
            skip("entry without a time");
            continue;
        };
        if kind == "session_meta" {
            if session_id.is_some() {
                continue;
            }
            let Some(id) = payload.get("id").and_then(Value::as_str) else {
                return Err(format!("{}: session_meta has no id", path.display()));
            };
            crate::hook::place::check_session_id(id)?;
            session_id = Some(id.to_string());
            if payload.get("model_provider").and_then(Value::as_str) == Some("azure") {
                provider = "azure";
            }
            let mut start = json!({"session_id": id, "hook_event_name": "SessionStart"});
            if let Some(cwd) = payload.get("cwd").and_then(Value::as_str) {
                start["cwd"] = cwd.into();
            }
            if let Ok(hook) = Hook::parse(AGENT, &start) {
                events.extend(hook.events(&context(at, None)));
            }
            continue;
        }
        let Some(id) = session_id.as_deref() else {
            skip("entry before session_meta");
            continue;
        };
        let base = || json!({"session_id": id, "hook_event_name": "Stop"});
        match (kind, sub) {
            ("turn_context", _) => {
                model = payload
                    .get("model")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            ("event_msg", "token_count") => {
                let Some(response) = token_response(payload, model.as_deref(), provider) else {
                    continue; // a rate-limit update before any response
                };
                if !seen.insert(response.message_id.clone()) {
                    continue;
                }
                if let Ok(hook) = Hook::parse(AGENT, &base()) {
                    events.push(hook.decision(&context(at, None), &response));
                }
            }
            ("response_item", "function_call") => {
                let (Some(call), Some(name)) = (
                    payload.get("call_id").and_then(Value::as_str),
                    payload.get("name").and_then(Value::as_str),
                ) else {
                    skip("function_call without call_id or name");
                    continue;
                };
                let arguments = payload
                    .get("arguments")
                    .and_then(Value::as_str)
                    .and_then(|a| serde_json::from_str(a).ok())
                    .unwrap_or(Value::Null);
                calls.insert(call.to_string(), (name.to_string(), arguments, at));
            }
            ("response_item", "function_call_output") => {
                let Some((name, arguments, started)) = payload
                    .get("call_id")
                    .and_then(Value::as_str)
                    .and_then(|c| calls.remove(c))
                else {
                    skip("function_call_output without its call");
                    continue;
                };
                let call = payload.get("call_id").cloned().unwrap_or(Value::Null);
                let output = payload.get("output").cloned().unwrap_or(Value::Null);
                let mut post = Map::new();
                post.insert("session_id".into(), id.into());
                post.insert("hook_event_name".into(), "PostToolUse".into());
                post.insert("tool_use_id".into(), call);
                post.insert("duration_ms".into(), at.saturating_sub(started).into());
                if matches!(name.as_str(), "shell" | "exec_command" | "local_shell") {
                    post.insert("tool_name".into(), "Bash".into());
                    post.insert(
                        "tool_input".into(),
                        json!({"command": shell_command(&arguments)}),
                    );
                    post.insert("tool_response".into(), shell_response(&output));
                } else {
                    post.insert("tool_name".into(), name.into());
                    post.insert("tool_input".into(), arguments);
                    post.insert("tool_response".into(), output);
                }
                let post = Value::Object(post);
                if let Ok(hook) = Hook::parse(AGENT, &post) {
                    events.extend(hook.events(&context(at, Some(started))));
                }
            }
            ("response_item", "message" | "reasoning") | ("event_msg", _) => {}
            _ => skip(if kind.is_empty() {
                "entry without a type"
            } else {
                kind
            }),
        }
    }
    let session_id =
        session_id.ok_or_else(|| format!("{}: no session_meta entry", path.display()))?;
    events.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    Ok(SessionRead {
        session_id,
        events,
        cursors: vec![(path.to_path_buf(), end)],
        skipped,
        bytes: end,
    })
}

/// The response a `token_count` payload tells of, or `None` before the
/// first (an `info` of null). Named by the running total it brought.
fn token_response(
    payload: &Value,
    model: Option<&str>,
    provider: &'static str,
) -> Option<Response> {
    let info = payload.get("info").filter(|i| !i.is_null())?;
    let n = |usage: &str, name: &str| {
        info.get(usage)
            .and_then(|u| u.get(name))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let input = n("last_token_usage", "input_tokens");
    let cached = n("last_token_usage", "cached_input_tokens").min(input);
    Some(Response {
        message_id: format!("total-{}", n("total_token_usage", "total_tokens")),
        request_id: String::new(),
        model: model.map(str::to_string),
        input: input - cached,
        cache_creation: 0,
        cache_read: cached,
        output: n("last_token_usage", "output_tokens"),
        provider,
        reasoning: Some(n("last_token_usage", "reasoning_output_tokens")),
    })
}

/// The responses in `lines` (a rollout's new lines), each once, with their
/// times; `model` is the hook payload's (the rollout's `turn_context` may
/// lie before the lines read).
pub fn responses_in(lines: &[u8], model: Option<&str>) -> Vec<(u64, Response)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in lines.split(|&b| b == b'\n') {
        if !line.windows(13).any(|w| w == b"\"token_count\"") {
            continue;
        }
        let Ok(line) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let payload = line.get("payload").unwrap_or(&Value::Null);
        if let (Some(r), Some(at)) = (token_response(payload, model, "openai"), entry_ms(&line)) {
            if seen.insert(r.message_id.clone()) {
                out.push((at, r));
            }
        }
    }
    out
}

/// A shell call's command line: `command` as an argv array (`["bash",
/// "-lc", "cargo test"]`: the script), or as a string (`cmd`, `command`).
fn shell_command(arguments: &Value) -> String {
    match arguments.get("command").or_else(|| arguments.get("cmd")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(argv)) => {
            let words: Vec<&str> = argv.iter().filter_map(Value::as_str).collect();
            match words.as_slice() {
                [shell, flag, script] if flag.starts_with('-') && shell.ends_with("sh") => {
                    (*script).to_string()
                }
                _ => words.join(" "),
            }
        }
        _ => String::new(),
    }
}

/// The hook's `tool_response` of a shell call: the output, and the exit
/// code when the output is JSON that gives one (null: unknown).
fn shell_response(output: &Value) -> Value {
    let parsed = output
        .as_str()
        .and_then(|s| serde_json::from_str::<Value>(s).ok());
    let text = parsed
        .as_ref()
        .and_then(|p| p.get("output"))
        .and_then(Value::as_str)
        .or_else(|| output.as_str())
        .unwrap_or("");
    let code = parsed
        .as_ref()
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("exit_code"))
        .and_then(Value::as_i64);
    json!({"stdout": text, "exit_code": code})
}

/// The rollouts under `path`: the file itself, or every `rollout-*.jsonl`
/// down to `YYYY/MM/DD` (four folders from `sessions`).
pub fn rollouts(path: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let all = super::claude_code::transcripts_under(path, 4)?;
    if all.len() == 1 && all[0] == path {
        return Ok(all);
    }
    Ok(all
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rollout-"))
        })
        .collect())
}
