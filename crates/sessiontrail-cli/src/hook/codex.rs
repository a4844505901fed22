//! Codex CLI's hook payloads, read as Claude Code's.
//!
//! Codex CLI's hooks (developers.openai.com/codex/hooks; the payloads'
//! JSON schemas are generated into `codex-rs/hooks/schema/generated/`) take
//! Claude Code's event names and field names: `session_id`,
//! `hook_event_name`, `transcript_path`, `cwd`, `tool_name` (`Bash`),
//! `tool_input.command`, `tool_response`, `tool_use_id`, plus `turn_id` and
//! `model` on every payload. So, as for Gemini CLI, a payload is rewritten
//! only where it differs and then recorded by `claude_code.rs`.
//!
//! Where it differs: Codex fires PostToolUse for every command that ran,
//! failed ones too (it has no PostToolUseFailure), and its schema does not
//! fix the shape of `tool_response`; so a Bash call's exit code is taken
//! from the response when it gives one (`exit_code`, `exitCode`) and is
//! otherwise unknown, never assumed 0. A response that is a string is the
//! command's output.

use serde_json::{Map, Value};

/// Hook events `--print-settings` registers, each with whether it takes a
/// tool-name matcher (the events of Codex's schemas that `claude_code.rs`
/// maps).
pub const HOOK_EVENTS: [(&str, bool); 8] = [
    ("SessionStart", false),
    ("UserPromptSubmit", false),
    ("PreToolUse", true),
    ("PostToolUse", true),
    ("SubagentStart", false),
    ("SubagentStop", false),
    ("PreCompact", false),
    ("Stop", false),
];

/// The Claude Code payload this Codex payload corresponds to.
pub fn to_claude_shape(payload: Value) -> Value {
    let Value::Object(mut map) = payload else {
        return payload;
    };
    let event = map.get("hook_event_name").and_then(Value::as_str);
    let tool = map.get("tool_name").and_then(Value::as_str);
    if event == Some("PostToolUse") && tool == Some("Bash") {
        let response = match map.remove("tool_response") {
            Some(Value::String(output)) => {
                let mut response = Map::new();
                response.insert("stdout".into(), output.into());
                response
            }
            Some(Value::Object(response)) => response,
            _ => Map::new(),
        };
        let mut response = response;
        if !["exit_code", "exitCode", "returnCode"]
            .iter()
            .any(|k| response.contains_key(*k))
        {
            // Null: unknown (`claude_code.rs` would read absent as 0).
            response.insert("exit_code".into(), Value::Null);
        }
        map.insert("tool_response".into(), Value::Object(response));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bash_exit_code_is_the_responses_or_unknown() {
        let post = |response: Value| {
            to_claude_shape(json!({
                "session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Bash",
                "tool_input": {"command": "ls"}, "tool_response": response, "tool_use_id": "c1"
            }))["tool_response"]
                .clone()
        };
        assert_eq!(
            post(json!("out")),
            json!({"stdout": "out", "exit_code": null})
        );
        assert_eq!(post(json!({"exit_code": 2})), json!({"exit_code": 2}));
        assert_eq!(post(json!(null)), json!({"exit_code": null}));
        let stop = json!({"session_id": "s", "hook_event_name": "Stop", "turn_id": "t"});
        assert_eq!(to_claude_shape(stop.clone()), stop);
    }
}
