//! Gemini CLI's chat recordings, read into the events its hook would record.
//!
//! Gemini CLI saves each session to
//! `~/.gemini/tmp/<project_hash>/chats/session-<time>-<id>.json`, one JSON
//! document (`ChatRecordingService` in gemini-cli's
//! `packages/core/src/services/chatRecordingService.ts` defines it, and its
//! docs' "Chat Recording" page describes it): `sessionId` (the hooks'
//! `session_id`), `startTime`, and `messages`, each with `id`, `timestamp`,
//! `type` (`user`, `gemini`, or `info`/`error`/`warning` notices) and
//! `content`; a `gemini` message has `model`, `tokens` (`input`, of which
//! `cached` came from the cache, `output`, `thoughts`, `tool`, `total`) and
//! `toolCalls` (`id`, `name`, `args`, `result`, `status`, `resultDisplay`).
//!
//! A message with tokens is one `agent.decision`, named by the message id; a
//! tool call is rewritten into the AfterTool payload Gemini's hook would have
//! had and goes through `hook/gemini_cli.rs` and the one mapping, so its ids
//! (derived from the tool name and input, as the hook's) match the hook's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sessiontrail::format_rfc3339_millis;

use super::claude_code::{entry_ms, SessionRead};
use super::content_text;
use crate::hook::claude_code::{Context, Hook, Keep, Origin, Response};
use crate::hook::gemini_cli::to_claude_shape;

const AGENT: &str = "gemini-cli";

/// Reads one chat recording.
pub fn read_session(path: &Path, keep: Keep, host_id: &str) -> Result<SessionRead, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let record: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a Gemini CLI chat recording: {e}", path.display()))?;
    let session_id = record
        .get("sessionId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{}: no sessionId", path.display()))?
        .to_string();
    crate::hook::place::check_session_id(&session_id)?;
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut events = Vec::new();
    let context = |at: u64, entry: Option<&str>| Context {
        now_ms: at,
        timestamp: format_rfc3339_millis(at),
        host_id: host_id.to_string(),
        keep,
        first_in_session: true,
        started_ms: None,
        origin: Origin::Transcript {
            entry: entry.map(str::to_string),
        },
    };
    let mapped = |payload: Value, at: u64, entry: Option<&str>| {
        let payload = to_claude_shape(payload);
        Hook::parse(AGENT, &payload)
            .map_or_else(|_| Vec::new(), |hook| hook.events(&context(at, entry)))
    };
    let start = record.get("startTime").map(|t| json!({"timestamp": t}));
    if let Some(at) = start.as_ref().and_then(entry_ms) {
        events.extend(mapped(
            json!({"session_id": session_id, "hook_event_name": "SessionStart"}),
            at,
            None,
        ));
    }
    let messages = record.get("messages").and_then(Value::as_array);
    for message in messages.into_iter().flatten() {
        let kind = message.get("type").and_then(Value::as_str).unwrap_or("");
        let (Some(at), Some(id)) = (entry_ms(message), message.get("id").and_then(Value::as_str))
        else {
            *skipped
                .entry("message without id or time".into())
                .or_default() += 1;
            continue;
        };
        match kind {
            "user" => events.extend(mapped(
                json!({"session_id": session_id, "hook_event_name": "BeforeAgent",
                       "prompt": content_text(message.get("content"))}),
                at,
                Some(id),
            )),
            "gemini" => {
                for call in message
                    .get("toolCalls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(payload) = after_tool(&session_id, call) {
                        let at = entry_ms(call).unwrap_or(at);
                        events.extend(mapped(payload, at, None));
                    } else {
                        *skipped.entry("tool call not run".into()).or_default() += 1;
                    }
                }
                if let Some(response) = response_of(message, id) {
                    let stop = json!({"session_id": session_id, "hook_event_name": "Stop"});
                    if let Ok(hook) = Hook::parse(AGENT, &stop) {
                        events.push(hook.decision(&context(at, None), &response));
                    }
                }
            }
            other => {
                let kind = if other.is_empty() {
                    "message without a type"
                } else {
                    other
                };
                *skipped.entry(kind.to_string()).or_default() += 1;
            }
        }
    }
    events.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    let bytes = bytes.len() as u64;
    Ok(SessionRead {
        session_id,
        events,
        cursors: Vec::new(),
        skipped,
        bytes,
    })
}

/// The decision of a `gemini` message with tokens.
fn response_of(message: &Value, id: &str) -> Option<Response> {
    let tokens = message.get("tokens").filter(|t| t.is_object())?;
    let n = |name: &str| tokens.get(name).and_then(Value::as_u64).unwrap_or(0);
    let cached = n("cached").min(n("input"));
    Some(Response {
        message_id: id.to_string(),
        request_id: String::new(),
        model: message
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_string),
        input: n("input") - cached,
        cache_creation: 0,
        cache_read: cached,
        output: n("output"),
        provider: "google",
        reasoning: tokens.get("thoughts").and_then(Value::as_u64),
    })
}

/// The AfterTool payload of a tool call that ran (`success` or `error`);
/// `None` for one that did not (cancelled, awaiting approval).
fn after_tool(session_id: &str, call: &Value) -> Option<Value> {
    let name = call.get("name").and_then(Value::as_str)?;
    let status = call.get("status").and_then(Value::as_str).unwrap_or("");
    let display = call.get("resultDisplay").and_then(Value::as_str);
    let mut response = json!({ "llmContent": result_text(call.get("result")).or(display) });
    match status {
        "success" => {}
        "error" => response["error"] = display.unwrap_or("error").into(),
        _ => return None,
    }
    Some(json!({
        "session_id": session_id, "hook_event_name": "AfterTool", "tool_name": name,
        "tool_input": call.get("args").cloned().unwrap_or_else(|| json!({})),
        "tool_response": response,
    }))
}

/// The text a tool gave the model: the `output` of the first
/// `functionResponse` part of its result.
fn result_text(result: Option<&Value>) -> Option<&str> {
    result?.as_array()?.iter().find_map(|part| {
        part.get("functionResponse")?
            .get("response")?
            .get("output")?
            .as_str()
    })
}

/// The chat recordings under `path`: the file itself, or every
/// `chats/session-*.json` of every project folder under it (the default is
/// `~/.gemini/tmp`).
pub fn recordings(path: &Path) -> Result<Vec<PathBuf>, String> {
    if std::fs::metadata(path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?
        .is_file()
    {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    collect(path, 3, &mut out).map_err(|e| format!("could not list {}: {e}", path.display()))?;
    out.sort();
    Ok(out)
}

fn collect(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_file() {
            if name.starts_with("session-") && name.ends_with(".json") {
                out.push(path);
            }
        } else if entry.file_type()?.is_dir() && depth > 1 {
            collect(&path, depth - 1, out)?;
        }
    }
    Ok(())
}
