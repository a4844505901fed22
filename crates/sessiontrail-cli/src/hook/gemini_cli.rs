//! Gemini CLI's hook payloads, translated into Claude Code's shape.
//!
//! Gemini CLI's hooks (its hooks reference) send one JSON object on stdin
//! with `session_id`, `hook_event_name` and per-event fields, and its own
//! docs map its events and tools onto Claude Code's (`gemini hooks migrate
//! --from-claude`). So rather than a second mapping, a payload is rewritten
//! into the Claude Code payload it corresponds to, and `claude_code.rs`
//! records it: same events, same privacy, same span tree.
//!
//! What Gemini's payloads lack: a tool call id (BeforeTool and AfterTool of
//! one call are paired by a hash of the tool name and its input, so two
//! identical calls running at once may swap durations), subagents, file
//! operations (a `write_file` has no created/modified) and a structured
//! shell exit code. That is read from the LAST `Exit Code: N` line of the
//! tool's output (`packages/core/src/tools/shell.ts` appends it after the
//! command's own output, so an earlier one is the command's output and
//! must not decide); the current shell tool writes none on success, so a
//! call with no such line and no `error` exited 0.
//!
//! MCP tools are named `mcp_<server>_<tool>` by Gemini CLI; a server or tool
//! name may hold `_`, so the two are taken from the payload's
//! `mcp_context` (`server_name`, `tool_name`) into `meta`, never split.

use serde_json::{Map, Value};

use super::ids;

/// Hook events `--print-settings` registers, each with whether it takes a
/// tool-name matcher.
pub const HOOK_EVENTS: [(&str, bool); 8] = [
    ("SessionStart", false),
    ("BeforeAgent", false),
    ("BeforeTool", true),
    ("AfterTool", true),
    ("Notification", false),
    ("PreCompress", false),
    ("AfterAgent", false),
    ("SessionEnd", false),
];

/// The Claude Code payload this Gemini CLI payload corresponds to. Fields
/// it does not know are left as they are; `Hook::parse` checks the rest.
pub fn to_claude_shape(payload: Value) -> Value {
    let Value::Object(mut map) = payload else {
        return payload;
    };
    let event = map
        .get("hook_event_name")
        .and_then(Value::as_str)
        .unwrap_or("");
    // Read before the response is rewritten below.
    let error = tool_error(&map);
    let claude_event = match event {
        "BeforeTool" => "PreToolUse",
        "AfterTool" if error.is_some() => "PostToolUseFailure",
        "AfterTool" => "PostToolUse",
        "BeforeAgent" => "UserPromptSubmit",
        "AfterAgent" => "Stop",
        "PreCompress" => "PreCompact",
        _ => return Value::Object(map),
    };
    if matches!(event, "BeforeTool" | "AfterTool") {
        translate_tool(&mut map, claude_event == "PostToolUseFailure");
    }
    if let Some(error) = error {
        map.insert("error".into(), error.into());
    }
    if let Some(Value::Object(mcp)) = map.get("mcp_context").cloned() {
        for (from, to) in [("server_name", "mcp_server"), ("tool_name", "mcp_tool")] {
            if let Some(Value::String(name)) = mcp.get(from) {
                map.insert(to.into(), name.clone().into());
            }
        }
    }
    map.insert("hook_event_name".into(), claude_event.into());
    Value::Object(map)
}

/// The `error` of an AfterTool's response, as text.
fn tool_error(map: &Map<String, Value>) -> Option<String> {
    match map.get("tool_response")?.get("error")? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(
            other
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| other.to_string(), str::to_string),
        ),
    }
}

/// Renames the tools whose effects `claude_code.rs` records (a failed
/// one only for the shell, whose failure is still a finished process; any
/// other failed call is an `agent.called_tool` under Gemini's own name).
fn translate_tool(map: &mut Map<String, Value>, failed: bool) {
    let (Some(Value::String(name)), Some(input)) = (map.get("tool_name"), map.get("tool_input"))
    else {
        return;
    };
    // Before and after of one call see the same name and input.
    let id = format!("gemini_{}", ids::file_key(name, &ids::json_digest(input)));
    let name = name.clone();
    map.insert("tool_use_id".into(), id.into());
    let claude_name = match name.as_str() {
        "run_shell_command" => "Bash",
        _ if failed => return,
        "read_file" => "Read",
        "write_file" => "Write",
        "replace" => "Edit",
        // Every other tool is an agent.called_tool under its own name.
        _ => return,
    };
    map.insert("tool_name".into(), claude_name.into());
    if let Some(Value::Object(input)) = map.get_mut("tool_input") {
        // Older Gemini CLI versions call the path `absolute_path`.
        if !input.contains_key("file_path") {
            if let Some(path) = input.get("absolute_path").cloned() {
                input.insert("file_path".into(), path);
            }
        }
        let many = input.get("expected_replacements").and_then(Value::as_u64) > Some(1)
            || input.get("allow_multiple") == Some(&Value::Bool(true));
        if claude_name == "Edit" && many {
            input.insert("replace_all".into(), true.into());
        }
    }
    let text = map
        .get("tool_response")
        .and_then(|r| r.get("llmContent"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let response = match (claude_name, text) {
        ("Read", Some(text)) => serde_json::json!({ "file": { "content": text } }),
        ("Bash", text) => {
            let code = match text.as_deref().map(exit_code_line) {
                Some(Line::Code(n)) => Some(n),
                // No `Exit Code:` line: the current shell tool's success.
                Some(Line::None) | None if !failed => Some(0),
                _ => None,
            };
            let mut response = Map::new();
            if let Some(text) = text {
                response.insert("stdout".into(), text.into());
            }
            response.insert("exit_code".into(), code.map_or(Value::Null, Value::from));
            Value::Object(response)
        }
        _ => return,
    };
    map.insert("tool_response".into(), response);
}

/// What the last `Exit Code:` line of a shell tool's output says.
#[derive(Debug, PartialEq)]
enum Line {
    Code(i64),
    /// A line whose value is no number (`Exit Code: (none)`: killed by a
    /// signal).
    Unknown,
    /// No such line.
    None,
}

/// The LAST `Exit Code:` line decides: the shell tool writes its own after
/// the command's output, which may hold any text.
fn exit_code_line(text: &str) -> Line {
    match text
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("Exit Code:"))
    {
        Some(rest) => rest.trim().parse().map_or(Line::Unknown, Line::Code),
        None => Line::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_and_tools_get_their_claude_code_names() {
        let before = to_claude_shape(json!({
            "session_id": "s", "hook_event_name": "BeforeTool",
            "tool_name": "read_file", "tool_input": {"absolute_path": "/a"}
        }));
        let after = to_claude_shape(json!({
            "session_id": "s", "hook_event_name": "AfterTool",
            "tool_name": "read_file", "tool_input": {"absolute_path": "/a"},
            "tool_response": {"llmContent": "text", "returnDisplay": ""}
        }));
        assert_eq!(before["hook_event_name"], "PreToolUse");
        assert_eq!(after["hook_event_name"], "PostToolUse");
        assert_eq!(after["tool_name"], "Read");
        assert_eq!(after["tool_input"]["file_path"], "/a");
        assert_eq!(after["tool_response"]["file"]["content"], "text");
        assert_eq!(before["tool_use_id"], after["tool_use_id"]);
        let other = to_claude_shape(json!({
            "session_id": "s", "hook_event_name": "BeforeTool",
            "tool_name": "read_file", "tool_input": {"absolute_path": "/b"}
        }));
        assert_ne!(before["tool_use_id"], other["tool_use_id"]);
    }

    #[test]
    fn shell_exit_codes_come_from_the_output_or_are_unknown() {
        assert_eq!(
            exit_code_line("Output: x\nExit Code: 3\nSignal: (none)"),
            Line::Code(3)
        );
        // Output that prints its own `Exit Code: 0` cannot spoof the code.
        assert_eq!(
            exit_code_line("Output: Exit Code: 0\nExit Code: 0\nExit Code: 3"),
            Line::Code(3)
        );
        assert_eq!(exit_code_line("Exit Code: (none)"), Line::Unknown);
        assert_eq!(exit_code_line("just output"), Line::None);
        let failed = to_claude_shape(json!({
            "session_id": "s", "hook_event_name": "AfterTool",
            "tool_name": "run_shell_command", "tool_input": {"command": "false"},
            "tool_response": {"llmContent": "", "error": {"message": "boom"}}
        }));
        assert_eq!(failed["hook_event_name"], "PostToolUseFailure");
        assert_eq!(failed["error"], "boom");
        assert_eq!(failed["tool_response"]["exit_code"], Value::Null);
    }

    #[test]
    fn unknown_events_and_non_objects_pass_through() {
        let model = json!({"session_id": "s", "hook_event_name": "AfterModel"});
        assert_eq!(to_claude_shape(model.clone()), model);
        assert_eq!(to_claude_shape(json!([1])), json!([1]));
    }
}
