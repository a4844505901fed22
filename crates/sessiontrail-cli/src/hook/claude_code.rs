//! Claude Code's hook payloads, mapped to session events.
//!
//! Claude Code runs a hook command with one JSON object on stdin (its hooks
//! reference documents the fields): `session_id`, `hook_event_name`, and
//! inside a subagent `agent_id` and `agent_type`, plus fields of each event.
//! [`Hook::events`] turns one payload into the events to append; it reads
//! no files and keeps no state, so it is tested directly, and the caller
//! (`mod.rs`) supplies the few things a payload cannot say: the time, a
//! start time kept by an earlier firing, and whether the session is new.
//!
//! The transcript importer (`src/import/`) goes through this same mapping:
//! it rewrites a transcript's tool_use/tool_result pair into the PostToolUse
//! payload Claude Code would have sent, and its API responses into
//! [`Hook::decision`], so one tool call gives the same events (with the same
//! derived ids) whether a hook saw it or a transcript told of it.
//!
//! The mapping table of `docs/agents.md` is the specification of this file;
//! keep the two together.

use serde_json::{Map, Value};
use sessiontrail::{generate_event_id, generate_span_id, EventType, SessionEvent};

use super::edits;
use super::ids::{self, digest, json_digest, SessionIds};

/// Hook events `--print-settings` registers, each with whether it takes a
/// tool-name matcher.
pub const HOOK_EVENTS: [(&str, bool); 12] = [
    ("SessionStart", false),
    ("UserPromptSubmit", false),
    ("PreToolUse", true),
    ("PostToolUse", true),
    ("PostToolUseFailure", true),
    ("SubagentStart", false),
    ("SubagentStop", false),
    ("Notification", false),
    ("PreCompact", false),
    ("Stop", false),
    ("StopFailure", false),
    ("SessionEnd", false),
];

/// The tools whose calls are processes: Bash, and PowerShell (its Windows
/// twin, with the same `command` input and the same response fields).
pub fn is_shell(tool: &str) -> bool {
    matches!(tool, "Bash" | "PowerShell")
}

/// Which texts are stored verbatim instead of as a digest and a length.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Keep {
    /// The Bash command line (`command` on the process events).
    pub command: bool,
    /// The user's prompt (the `text` of the UserPromptSubmit note).
    pub prompt: bool,
    /// A Notification's message (the `text` of its note).
    pub notification: bool,
}

/// The names `--keep` accepts, as written on the command line.
pub const KEEP_NAMES: [&str; 3] = ["command", "prompt", "notification"];

impl Keep {
    /// `command,prompt`: a comma-separated list of [`KEEP_NAMES`].
    pub fn parse(list: &str) -> Result<Keep, String> {
        let mut keep = Keep::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "command" => keep.command = true,
                "prompt" => keep.prompt = true,
                "notification" => keep.notification = true,
                other => {
                    return Err(format!(
                        "unknown text {other:?}; known: {}",
                        KEEP_NAMES.join(", ")
                    ))
                }
            }
        }
        Ok(keep)
    }

    /// Back to the `--keep` list (for `--print-settings`).
    pub fn to_list(self) -> String {
        let on = [self.command, self.prompt, self.notification];
        let names: Vec<&str> = KEEP_NAMES
            .iter()
            .zip(on)
            .filter_map(|(name, on)| on.then_some(*name))
            .collect();
        names.join(",")
    }
}

/// What the caller knows that the payload does not.
pub struct Context {
    /// Milliseconds since the Unix epoch, now.
    pub now_ms: u64,
    /// `now_ms` as RFC 3339.
    pub timestamp: String,
    pub host_id: String,
    pub keep: Keep,
    /// No event is stored for this session yet (read only for SessionStart).
    pub first_in_session: bool,
    /// The start time kept under [`Hook::timing`]'s key by an earlier firing.
    pub started_ms: Option<u64>,
    /// Who tells of the events: a hook firing or a transcript.
    pub origin: Origin,
}

/// Where a payload came from; it decides what `meta` says of the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A hook firing: `meta.hook` names the hook event.
    Hook,
    /// Rewritten from a transcript entry: `meta.source` is `transcript`,
    /// and `entry` (the entry's own `uuid`) derives the id of an event
    /// no agent id names (a prompt note).
    Transcript { entry: Option<String> },
}

/// What a firing does with the sidecar of start times (see `pending.rs`).
#[derive(Debug, PartialEq)]
pub enum Timing {
    /// Nothing to keep or look up.
    None,
    /// Keep the current time under this key.
    Start(String),
    /// Look up the time under this key (into `Context::started_ms`), and drop
    /// the key once the events are appended.
    End(String),
    /// As `End`, then drop the whole sidecar: the session is over.
    EndSession(String),
}

/// One payload, its common fields checked.
pub struct Hook<'a> {
    /// The agent CLI, as in `agent://claude-code`.
    pub agent: &'static str,
    pub session_id: &'a str,
    pub event_name: &'a str,
    /// Set inside a subagent, and on SubagentStart/Stop (the subagent's id).
    agent_id: Option<&'a str>,
    agent_type: Option<&'a str>,
    /// The agent that spawned a subagent, when the payload says (the
    /// importer does, from the subagent's `.meta.json`; Claude Code's
    /// hook payloads do not): else the main agent.
    parent_agent_id: Option<&'a str>,
    payload: &'a Map<String, Value>,
}

const SESSION_KEY: &str = "session";

impl<'a> Hook<'a> {
    /// A payload of `agent` (`claude-code`, or `gemini-cli` once
    /// `gemini_cli::to_claude_shape` has translated it), with the fields
    /// every payload needs checked; the error names the first one wrong.
    pub fn parse(agent: &'static str, payload: &'a Value) -> Result<Hook<'a>, String> {
        let Value::Object(payload) = payload else {
            return Err(format!(
                "the payload is {}, not a JSON object",
                kind_of(payload)
            ));
        };
        let required = |name: &str| match payload.get(name) {
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(other) => Err(format!(
                "field {name}: expected a string, got {}",
                kind_of(other)
            )),
            None => Err(format!("field {name} is missing")),
        };
        let hook = Hook {
            agent,
            session_id: required("session_id")?,
            event_name: required("hook_event_name")?,
            agent_id: optional_str(payload, "agent_id")?.filter(|s| !s.is_empty()),
            agent_type: optional_str(payload, "agent_type")?.filter(|s| !s.is_empty()),
            parent_agent_id: optional_str(payload, "parent_agent_id")?.filter(|s| !s.is_empty()),
            payload,
        };
        if matches!(
            hook.event_name,
            "PreToolUse" | "PostToolUse" | "PostToolUseFailure" | "PermissionDenied"
        ) {
            required("tool_name")?;
        }
        Ok(hook)
    }

    fn str(&self, name: &str) -> Option<&'a str> {
        self.payload.get(name).and_then(Value::as_str)
    }

    fn tool_use_id(&self) -> Option<&'a str> {
        self.str("tool_use_id").filter(|s| !s.is_empty())
    }

    /// The sidecar key this firing keeps or looks up.
    pub fn timing(&self, first_in_session: bool) -> Timing {
        let tool = || self.tool_use_id().map(|id| ids::file_key("tool", id));
        let agent = || ids::file_key("agent", self.agent_id.unwrap_or(""));
        match self.event_name {
            "SessionStart" if first_in_session => Timing::Start(SESSION_KEY.into()),
            "SessionEnd" => Timing::EndSession(SESSION_KEY.into()),
            "PreToolUse" => tool().map_or(Timing::None, Timing::Start),
            "PostToolUse" | "PostToolUseFailure" | "PermissionDenied" => {
                tool().map_or(Timing::None, Timing::End)
            }
            "SubagentStart" => Timing::Start(agent()),
            "SubagentStop" => Timing::End(agent()),
            _ => Timing::None,
        }
    }

    /// The events this payload records, in order (possibly none).
    pub fn events(&self, ctx: &Context) -> Vec<SessionEvent> {
        let ids = SessionIds::new(self.session_id);
        let b = Builder {
            hook: self,
            ctx,
            ids: &ids,
        };
        // Claude Code's own `duration_ms` (PostToolUse, PostToolUseFailure;
        // it leaves out time spent waiting for a permission prompt) when
        // given, else the time since the start kept in the sidecar.
        let duration = self
            .payload
            .get("duration_ms")
            .and_then(Value::as_u64)
            .or_else(|| ctx.started_ms.map(|t| ctx.now_ms.saturating_sub(t)));
        let main = b.actor(None);
        match self.event_name {
            "SessionStart" => {
                let mut meta = b.meta();
                copy_str(&mut meta, self.payload, "source");
                copy_str(&mut meta, self.payload, "model");
                if !ctx.first_in_session {
                    let source = self.str("source").unwrap_or("unknown");
                    return vec![b.note(&main, Some(format!("session resumed ({source})")), meta)];
                }
                copy_str(&mut meta, self.payload, "cwd");
                let session_span = ids.session_span();
                vec![
                    b.event(
                        &main,
                        session_span.clone(),
                        None,
                        EventType::SessionStarted,
                        meta.clone(),
                    ),
                    b.event(
                        &main,
                        main.span.clone(),
                        Some(session_span),
                        EventType::AgentStarted {
                            parent_agent_instance_id: None,
                        },
                        meta,
                    ),
                ]
            }
            "SessionEnd" => {
                let reason = self.str("reason").map(str::to_string);
                let session_span = ids.session_span();
                vec![
                    b.event(
                        &main,
                        main.span.clone(),
                        Some(session_span.clone()),
                        EventType::AgentCompleted {
                            termination_reason: reason.clone(),
                        },
                        b.meta(),
                    ),
                    b.event(
                        &main,
                        session_span,
                        None,
                        EventType::SessionClosed {
                            summary: reason,
                            duration_ms: duration,
                        },
                        b.meta(),
                    ),
                ]
            }
            "SubagentStart" | "SubagentStop" => {
                let sub = b.actor(Some(self.agent_id.unwrap_or("")));
                let parent = b.actor(self.parent_agent_id);
                let mut meta = b.meta();
                if let Some(id) = self.agent_id {
                    meta.insert("claude_agent_id".into(), id.into());
                }
                let event_type = if self.event_name == "SubagentStart" {
                    EventType::AgentSpawned {
                        spawned_by_agent_instance_id: parent.instance.clone(),
                        reason: self.agent_type.map(str::to_string),
                    }
                } else {
                    insert_opt(&mut meta, "duration_ms", duration);
                    EventType::AgentReturned {
                        returned_to_agent_instance_id: parent.instance.clone(),
                    }
                };
                vec![b.event(&sub, sub.span.clone(), Some(parent.span), event_type, meta)]
            }
            "UserPromptSubmit" => {
                let actor = b.actor(self.agent_id);
                let mut meta = b.meta();
                let prompt = self.str("prompt").unwrap_or("");
                describe_text(&mut meta, "prompt", prompt);
                let text = if ctx.keep.prompt {
                    prompt.to_string()
                } else {
                    "prompt submitted".to_string()
                };
                vec![b.note(&actor, Some(text), meta)]
            }
            "Notification" => {
                let actor = b.actor(self.agent_id);
                let mut meta = b.meta();
                copy_str(&mut meta, self.payload, "notification_type");
                let message = self.str("message").unwrap_or("");
                describe_text(&mut meta, "message", message);
                let text = if ctx.keep.notification {
                    message.to_string()
                } else {
                    "notification".to_string()
                };
                vec![b.note(&actor, Some(text), meta)]
            }
            "PreCompact" => {
                let actor = b.actor(self.agent_id);
                let mut meta = b.meta();
                copy_str(&mut meta, self.payload, "trigger");
                if let Some(text) = self.str("custom_instructions").filter(|s| !s.is_empty()) {
                    describe_text(&mut meta, "instructions", text);
                }
                let trigger = self.str("trigger").unwrap_or("unknown");
                vec![b.note(
                    &actor,
                    Some(format!("context compaction ({trigger})")),
                    meta,
                )]
            }
            "Stop" => {
                let actor = b.actor(self.agent_id);
                vec![b.note(&actor, Some("turn finished".into()), b.meta())]
            }
            // A turn that ended on an API error (a rate limit, an overloaded
            // server, a refused request); the transcript's API error rows
            // are rewritten into this too. The session goes on, so a note,
            // not `agent.failed`.
            "StopFailure" => {
                let actor = b.actor(self.agent_id);
                let mut meta = b.meta();
                let error = self
                    .payload
                    .get("error")
                    .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
                    .unwrap_or_default();
                if is_error_kind(&error) {
                    meta.insert("error".into(), error.into());
                } else if !error.is_empty() {
                    describe_text(&mut meta, "error", &error);
                }
                vec![b.note(&actor, Some("turn failed (API error)".into()), meta)]
            }
            // Nothing is recorded before a tool ran: a call refused at the
            // permission prompt never gets its PostToolUse, so a process
            // recorded here would be one that never ended. PreToolUse only
            // keeps its start time (`timing`).
            "PreToolUse" => Vec::new(),
            "PostToolUse" => b.post_tool(duration, false),
            "PostToolUseFailure" => b.post_tool(duration, true),
            // A call that never ran (refused at the permission prompt or by
            // a rule): a called tool whose outcome says so, whatever the
            // tool, so a refused command is no process. The importer
            // rewrites a transcript's refusals into this; Claude Code's
            // own PermissionDenied hook event is read the same way.
            "PermissionDenied" => vec![b.denied()],
            // A hook event this version does not know (Claude Code adds
            // some from time to time): a note naming it, nothing from its
            // payload, so the timeline shows it happened.
            other => {
                let actor = b.actor(self.agent_id);
                vec![b.note(&actor, Some(other.to_string()), b.meta())]
            }
        }
    }

    /// An `agent.decision` for one API response the transcript holds, by
    /// this payload's agent (the subagent of a SubagentStop, else the main
    /// agent), timed at the response's entry (`ctx.timestamp`).
    pub fn decision(&self, ctx: &Context, response: &Response) -> SessionEvent {
        {
            let ids = SessionIds::new(self.session_id);
            let b = Builder {
                hook: self,
                ctx,
                ids: &ids,
            };
            let actor = b.actor(self.agent_id);
            let mut meta = b.meta();
            meta.insert("message_id".into(), response.message_id.clone().into());
            meta.insert("request_id".into(), response.request_id.clone().into());
            for (name, n) in [
                ("input_tokens", response.input),
                ("cache_creation_input_tokens", response.cache_creation),
                ("cache_read_input_tokens", response.cache_read),
            ] {
                meta.insert(name.into(), n.into());
            }
            if let Some(n) = response.reasoning {
                meta.insert("reasoning_output_tokens".into(), n.into());
            }
            let mut event = b.event(
                &actor,
                ids.response_span(&response.key()),
                Some(actor.span.clone()),
                EventType::AgentDecision {
                    model: response.model.clone(),
                    tokens_in: Some(response.tokens_in()),
                    tokens_out: Some(response.output),
                    provider: Some(response.provider.into()),
                    summary: None,
                    confidence: None,
                },
                meta,
            );
            event.event_id = ids.event_id(&response.key(), event.event_type.name());
            event
        }
    }
}

/// The agent an event is about.
struct Actor {
    agent_id: String,
    instance: String,
    name: String,
    role: &'static str,
    span: String,
    /// The span the agent's own span sits under.
    parent: Option<String>,
}

struct Builder<'a, 'h> {
    hook: &'a Hook<'h>,
    ctx: &'a Context,
    ids: &'a SessionIds<'h>,
}

impl Builder<'_, '_> {
    /// The main agent (`None`) or the subagent with this `agent_id`.
    fn actor(&self, agent_id: Option<&str>) -> Actor {
        match agent_id {
            None => Actor {
                agent_id: format!("agent://{}", self.hook.agent),
                instance: self.ids.agent_instance(None),
                name: self.hook.agent.into(),
                role: "main",
                span: self.ids.agent_span(None),
                parent: Some(self.ids.session_span()),
            },
            Some(id) => {
                let kind = self.hook.agent_type.unwrap_or("subagent");
                Actor {
                    agent_id: format!("agent://{}/{kind}", self.hook.agent),
                    instance: self.ids.agent_instance(Some(id)),
                    name: kind.to_string(),
                    role: "subagent",
                    span: self.ids.agent_span(Some(id)),
                    parent: Some(self.ids.agent_span(None)),
                }
            }
        }
    }

    /// `meta` with the hook event's name (every hook event carries it), or
    /// `source: transcript` for what the importer rewrote.
    fn meta(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        match self.ctx.origin {
            Origin::Hook => meta.insert("hook".into(), self.hook.event_name.into()),
            Origin::Transcript { .. } => meta.insert("source".into(), "transcript".into()),
        };
        meta
    }

    /// The event id: derived from what the agent calls the happening (see
    /// `ids.rs`), so the hook and the importer agree; random for what no
    /// agent id names.
    fn event_id(&self, event_type: &EventType, meta: &Map<String, Value>) -> String {
        let key = match event_type {
            EventType::SessionStarted
            | EventType::AgentStarted { .. }
            | EventType::SessionClosed { .. }
            | EventType::AgentCompleted { .. } => Some("session".to_string()),
            EventType::AgentSpawned { .. } | EventType::AgentReturned { .. } => {
                self.hook.agent_id.map(|id| format!("agent:{id}"))
            }
            _ => match meta.get("tool_use_id").and_then(Value::as_str) {
                Some(id) => Some(format!("tool:{id}")),
                None => match &self.ctx.origin {
                    Origin::Transcript { entry: Some(uuid) } => Some(format!("entry:{uuid}")),
                    _ => None,
                },
            },
        };
        match key {
            Some(key) => self.ids.event_id(&key, event_type.name()),
            None => generate_event_id(),
        }
    }

    fn event(
        &self,
        actor: &Actor,
        span_id: String,
        parent_span_id: Option<String>,
        event_type: EventType,
        meta: Map<String, Value>,
    ) -> SessionEvent {
        SessionEvent {
            session_id: self.hook.session_id.to_string(),
            event_id: self.event_id(&event_type, &meta),
            timestamp: self.ctx.timestamp.clone(),
            sequence_no: 0,
            trace_id: self.ids.trace_id.clone(),
            span_id,
            parent_span_id,
            agent_id: actor.agent_id.clone(),
            agent_instance_id: actor.instance.clone(),
            agent_name: actor.name.clone(),
            agent_role: Some(actor.role.to_string()),
            host_id: self.ctx.host_id.clone(),
            tool_runtime_id: None,
            event_type,
            artifact_ref: None,
            meta: Some(Value::Object(meta)),
        }
    }

    fn note(&self, actor: &Actor, text: Option<String>, meta: Map<String, Value>) -> SessionEvent {
        self.event(
            actor,
            actor.span.clone(),
            actor.parent.clone(),
            EventType::AgentNote { text },
            meta,
        )
    }

    fn tool_name(&self) -> &str {
        self.hook.str("tool_name").unwrap_or("")
    }

    fn input(&self) -> &Value {
        self.hook.payload.get("tool_input").unwrap_or(&Value::Null)
    }

    fn response(&self) -> &Value {
        self.hook
            .payload
            .get("tool_response")
            .unwrap_or(&Value::Null)
    }

    /// A tool event by the agent that made the call, on the call's span
    /// (the same in the Pre and Post firings), with `tool_use_id` in meta.
    fn tool_event(&self, event_type: EventType, mut meta: Map<String, Value>) -> SessionEvent {
        let actor = self.actor(self.hook.agent_id);
        let span = match self.hook.tool_use_id() {
            Some(id) => {
                meta.insert("tool_use_id".into(), id.into());
                self.ids.tool_span(id)
            }
            None => generate_span_id(),
        };
        self.event(&actor, span, Some(actor.span.clone()), event_type, meta)
    }

    fn command_meta(&self, meta: &mut Map<String, Value>, command: &str) {
        if !self.ctx.keep.command {
            describe_text(meta, "command", command);
        }
    }

    /// A finished tool call. A shell command is two events, written
    /// together once it ran: `agent.started_process`, timed `duration` before
    /// now, and `agent.completed_process`.
    fn post_tool(&self, duration: Option<u64>, failed: bool) -> Vec<SessionEvent> {
        let mut meta = self.meta();
        let input = self.input();
        let response = self.response();
        let tool = self.tool_name();
        if failed {
            let error = self.hook.str("error").unwrap_or("");
            describe_text(&mut meta, "error", error);
            if self.hook.payload.get("is_interrupt") == Some(&Value::Bool(true)) {
                meta.insert("interrupted".into(), true.into());
            }
        }
        // An MCP tool's server and tool names, where the payload gives them
        // apart (Gemini CLI's `mcp_context`, via `gemini_cli.rs`).
        copy_str(&mut meta, self.hook.payload, "mcp_server");
        copy_str(&mut meta, self.hook.payload, "mcp_tool");
        if is_shell(tool) {
            let command = text(input, "command").unwrap_or("");
            let default = if tool == "Bash" { "bash" } else { "powershell" };
            let process_name = program_name(command, default);
            self.command_meta(&mut meta, command);
            let mut start_meta = meta.clone();
            if input.get("run_in_background") == Some(&Value::Bool(true)) {
                start_meta.insert("background".into(), true.into());
            }
            let mut started = self.tool_event(
                EventType::AgentStartedProcess {
                    process_name: process_name.clone(),
                    pid: None,
                    command: self.ctx.keep.command.then(|| command.to_string()),
                },
                start_meta,
            );
            if let Some(d) = duration {
                started.timestamp =
                    sessiontrail::format_rfc3339_millis(self.ctx.now_ms.saturating_sub(d));
            }
            let completed = self.tool_event(
                EventType::AgentCompletedProcess {
                    process_name,
                    exit_code: self.exit_code(&mut meta, failed),
                    duration_ms: duration,
                    command: self.ctx.keep.command.then(|| command.to_string()),
                },
                meta,
            );
            return vec![started, completed];
        }
        if !failed {
            insert_opt(&mut meta, "duration_ms", duration);
            if let Some(event_type) = self.side_effect(tool, input, response, &mut meta) {
                return vec![self.tool_event(event_type, meta)];
            }
            meta.remove("duration_ms");
            if matches!(tool, "Agent" | "Task") {
                agent_tool_meta(response, &mut meta);
            }
        }
        vec![self.tool_event(
            EventType::AgentCalledTool {
                tool_name: tool.to_string(),
                tool_input_digest: Some(json_digest(input)),
                tool_output_digest: (!failed && !response.is_null()).then(|| json_digest(response)),
                duration_ms: duration,
                outcome: Some(if failed { "failed" } else { "succeeded" }.into()),
            },
            meta,
        )]
    }

    /// A tool call that never ran.
    fn denied(&self) -> SessionEvent {
        let mut meta = self.meta();
        if let Some(reason) = self.hook.str("reason").filter(|r| !r.is_empty()) {
            describe_text(&mut meta, "reason", reason);
        }
        self.tool_event(
            EventType::AgentCalledTool {
                tool_name: self.tool_name().to_string(),
                tool_input_digest: Some(json_digest(self.input())),
                tool_output_digest: None,
                duration_ms: None,
                outcome: Some("denied".into()),
            },
            meta,
        )
    }

    /// A finished Bash call's exit code: 0 for PostToolUse (Claude Code
    /// fires it for commands that succeeded) unless the response gives one,
    /// the `Exit code N` that starts a PostToolUseFailure's error, none for
    /// an interrupted or backgrounded command. Output sizes and the output's
    /// digest go to `meta`.
    fn exit_code(&self, meta: &mut Map<String, Value>, failed: bool) -> Option<i32> {
        let response = self.response();
        if failed {
            // A translated payload's own code (Gemini's last `Exit Code:`
            // line), else Claude Code's `Exit code N` error.
            if let Some(code) = response.get("exit_code").and_then(Value::as_i64) {
                return Some(i32::try_from(code).unwrap_or(i32::MAX));
            }
            let error = self.hook.str("error").unwrap_or("");
            return error
                .strip_prefix("Exit code ")
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit() && c != '-').next())
                .and_then(|n| n.parse().ok());
        }
        for stream in ["stdout", "stderr"] {
            if let Some(out) = response.get(stream).and_then(Value::as_str) {
                meta.insert(format!("{stream}_bytes"), out.len().into());
            }
        }
        if !response.is_null() {
            meta.insert("output_digest".into(), json_digest(response).into());
        }
        if response.get("interrupted") == Some(&Value::Bool(true)) {
            meta.insert("interrupted".into(), true.into());
            return None;
        }
        if let Some(task) = response.get("backgroundTaskId").and_then(Value::as_str) {
            meta.insert("background_task_id".into(), task.into());
            return None;
        }
        // An `exit_code` of null is a translated payload saying the code is
        // unknown (`gemini_cli.rs`).
        match ["exit_code", "exitCode", "returnCode"]
            .iter()
            .find_map(|k| response.get(*k))
        {
            Some(Value::Null) => None,
            Some(code) => code.as_i64().map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            None => Some(0),
        }
    }

    /// The event for a tool with an effect outside the agent: a file read
    /// or written, a host contacted. `None` for every other tool.
    fn side_effect(
        &self,
        tool: &str,
        input: &Value,
        response: &Value,
        meta: &mut Map<String, Value>,
    ) -> Option<EventType> {
        let path = || {
            text(input, "file_path")
                .or_else(|| text(input, "notebook_path"))
                .or_else(|| text(response, "filePath"))
                .filter(|p| !p.is_empty())
                .map(str::to_string)
        };
        let patch = || {
            response
                .get("structuredPatch")
                .and_then(edits::from_structured_patch)
        };
        let split = |counts: Option<edits::Counts>| match counts {
            Some((a, d)) => (Some(a), Some(d)),
            None => (None, None),
        };
        match tool {
            "Read" => {
                let file_path = path()?;
                let content = response.get("file").and_then(|f| text(f, "content"));
                if let Some(content) = content {
                    meta.insert("bytes".into(), content.len().into());
                }
                Some(EventType::AgentReadFile {
                    file_path,
                    digest: content.map(|c| digest(c.as_bytes())),
                })
            }
            "Write" => {
                let content = text(input, "content");
                let (operation, counts) = match text(response, "type") {
                    Some("create") => (Some("created"), content.map(|c| (edits::lines(c), 0))),
                    Some("update") => (Some("modified"), patch()),
                    _ => (None, None),
                };
                let (additions, deletions) = split(counts);
                Some(EventType::AgentWroteFile {
                    file_path: path()?,
                    digest: content.map(|c| digest(c.as_bytes())),
                    operation: operation.map(str::to_string),
                    additions,
                    deletions,
                })
            }
            "Edit" | "MultiEdit" => {
                let counts = patch().or_else(|| {
                    let one = |edit: &Value| {
                        if edit.get("replace_all") == Some(&Value::Bool(true)) {
                            return None; // how many places is not in the payload
                        }
                        Some(edits::replacement(
                            text(edit, "old_string")?,
                            text(edit, "new_string")?,
                        ))
                    };
                    if tool == "Edit" {
                        return one(input);
                    }
                    input
                        .get("edits")?
                        .as_array()?
                        .iter()
                        .try_fold((0u32, 0u32), |sum, e| {
                            let (a, d) = one(e)?;
                            Some((sum.0.saturating_add(a), sum.1.saturating_add(d)))
                        })
                });
                let (additions, deletions) = split(counts);
                Some(EventType::AgentWroteFile {
                    file_path: path()?,
                    digest: None,
                    operation: Some("modified".into()),
                    additions,
                    deletions,
                })
            }
            "NotebookEdit" => {
                let added = text(input, "new_source").map(edits::lines);
                // The response's `old_source` is the cell as it was (absent
                // for an inserted cell).
                let removed = text(response, "old_source").map(edits::lines);
                let (additions, deletions) = match text(input, "edit_mode") {
                    Some("delete") => (Some(0), removed),
                    Some("insert") => (added, Some(0)),
                    _ => (added, removed),
                };
                Some(EventType::AgentWroteFile {
                    file_path: path()?,
                    digest: None,
                    operation: Some("modified".into()),
                    additions,
                    deletions,
                })
            }
            "WebFetch" => {
                let (destination, port) = host_and_port(text(input, "url")?)?;
                Some(EventType::AgentConnectedNetwork { destination, port })
            }
            _ => None,
        }
    }
}

/// The program a command line runs, for `process_name`: its first word
/// after any `NAME=value` assignments, without its directory, at most 64
/// characters; `bash` when there is none. The rest of the command line is
/// kept only with `--keep command`.
pub fn program_name(command: &str, default: &str) -> String {
    let is_assignment = |word: &str| {
        word.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    command
        .split_whitespace()
        .find(|w| !is_assignment(w))
        .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .filter(|w| !w.is_empty())
        .map_or_else(|| default.to_string(), |w| w.chars().take(64).collect())
}

/// The host of a URL, lowercased, and its port (explicit, or 443 / 80 for
/// https / http). Nothing else of the URL is kept.
pub fn host_and_port(url: &str) -> Option<(String, Option<u16>)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, rest) = v6.split_once(']')?;
            (host, rest.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return None;
    }
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => Some(p.parse().ok()?),
        None => match scheme.to_ascii_lowercase().as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        },
    };
    Some((host.to_ascii_lowercase(), port))
}

/// One API response of a transcript: what an `agent.decision` records.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub message_id: String,
    pub request_id: String,
    pub model: Option<String>,
    pub input: u64,
    pub cache_creation: u64,
    pub cache_read: u64,
    pub output: u64,
    /// The model's provider, as `agent.decision.provider` names it.
    pub provider: &'static str,
    /// Reasoning tokens counted apart from `output` (OpenAI's), if told.
    pub reasoning: Option<u64>,
}

impl Response {
    /// What names the response among its repeats (Claude Code writes one
    /// entry per content block, each with the whole message's usage).
    pub fn key(&self) -> String {
        format!("response:{}:{}", self.message_id, self.request_id)
    }

    /// Every input token the request was billed for: fresh, written to the
    /// cache and read from it.
    pub fn tokens_in(&self) -> u64 {
        self.input
            .saturating_add(self.cache_creation)
            .saturating_add(self.cache_read)
    }
}

/// What the Agent tool (called Task before) reports of the subagent's run:
/// its total tokens and tool uses, and the model it resolved to. Kept in
/// `meta`, not as a decision: the subagent's own transcript gives its
/// responses one by one, and counting the total too would count it twice.
fn agent_tool_meta(response: &Value, meta: &mut Map<String, Value>) {
    for (from, to) in [
        ("totalTokens", "total_tokens"),
        ("totalToolUseCount", "total_tool_uses"),
        ("totalDurationMs", "total_duration_ms"),
    ] {
        if let Some(n) = response.get(from).and_then(Value::as_u64) {
            meta.insert(to.into(), n.into());
        }
    }
    if let Some(model) = ["resolvedModel", "model"]
        .iter()
        .find_map(|k| text(response, k))
    {
        meta.insert("resolved_model".into(), model.into());
    }
    if let Some(id) = text(response, "agentId") {
        meta.insert("claude_agent_id".into(), id.into());
    }
}

/// Whether a StopFailure's `error` is a kind (`rate_limit`,
/// `server_error`), kept as is, rather than a message, kept as a digest.
fn is_error_kind(error: &str) -> bool {
    !error.is_empty()
        && error.len() <= 40
        && error.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// The string field `name` of `value`, if it is one.
fn text<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    value.get(name).and_then(Value::as_str)
}

fn optional_str<'a>(
    payload: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, String> {
    match payload.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "field {name}: expected a string, got {}",
            kind_of(other)
        )),
    }
}

/// What the log keeps of a text it does not keep: its sha256 digest and its
/// length in bytes, as `{name}_digest` and `{name}_bytes`.
fn describe_text(meta: &mut Map<String, Value>, name: &str, text: &str) {
    meta.insert(format!("{name}_digest"), digest(text.as_bytes()).into());
    meta.insert(format!("{name}_bytes"), text.len().into());
}

fn copy_str(meta: &mut Map<String, Value>, payload: &Map<String, Value>, name: &str) {
    if let Some(Value::String(s)) = payload.get(name) {
        meta.insert(name.into(), s.clone().into());
    }
}

fn insert_opt(meta: &mut Map<String, Value>, name: &str, value: Option<u64>) {
    if let Some(v) = value {
        meta.insert(name.into(), v.into());
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context {
            now_ms: 10_000,
            timestamp: "2026-12-01T00:00:10.000Z".into(),
            host_id: "h".into(),
            keep: Keep::default(),
            first_in_session: true,
            started_ms: Some(9_000),
            origin: Origin::Hook,
        }
    }

    fn events(payload: Value, ctx: &Context) -> Vec<SessionEvent> {
        Hook::parse("claude-code", &payload).unwrap().events(ctx)
    }

    #[test]
    fn common_fields_are_checked_by_name() {
        for (payload, want) in [
            (json!([1]), "not a JSON object"),
            (
                json!({"hook_event_name": "Stop"}),
                "field session_id is missing",
            ),
            (
                json!({"session_id": 3, "hook_event_name": "Stop"}),
                "session_id: expected a string, got a number",
            ),
            (
                json!({"session_id": "s", "hook_event_name": "PostToolUse"}),
                "field tool_name is missing",
            ),
            (
                json!({"session_id": "s", "hook_event_name": "Stop", "agent_id": []}),
                "agent_id: expected a string",
            ),
        ] {
            let err = Hook::parse("claude-code", &payload).err().unwrap();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn program_names_skip_assignments_and_directories() {
        let program_name = |c| program_name(c, "bash");
        assert_eq!(program_name("npm test --runInBand"), "npm");
        assert_eq!(
            program_name("  RUST_LOG=debug FOO=1 /usr/bin/cargo test"),
            "cargo"
        );
        assert_eq!(program_name("'./run tests.sh'"), "run");
        assert_eq!(program_name(""), "bash");
        assert_eq!(program_name("a=b"), "bash");
        assert_eq!(program_name("=x ls"), "=x");
    }

    #[test]
    fn hosts_keep_nothing_else_of_the_url() {
        let h = |u| host_and_port(u);
        assert_eq!(
            h("https://Docs.Example.com/a?q=secret"),
            Some(("docs.example.com".into(), Some(443)))
        );
        assert_eq!(
            h("http://user:pw@example.org:8080/x"),
            Some(("example.org".into(), Some(8080)))
        );
        assert_eq!(h("http://[::1]:3000/"), Some(("::1".into(), Some(3000))));
        assert_eq!(
            h("ftp://files.example"),
            Some(("files.example".into(), None))
        );
        assert_eq!(h("example.com/path"), None);
        assert_eq!(h("https:///path"), None);
        assert_eq!(h("https://host:notaport/"), None);
    }

    #[test]
    fn keep_lists_round_trip_and_unknown_names_are_refused() {
        let keep = Keep::parse("prompt, command").unwrap();
        assert!(keep.command && keep.prompt && !keep.notification);
        assert_eq!(Keep::parse(&keep.to_list()).unwrap(), keep);
        assert!(Keep::parse("output").unwrap_err().contains("\"output\""));
    }

    #[test]
    fn a_subagents_tool_call_sits_under_the_subagent() {
        let payload = json!({
            "session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Grep",
            "tool_input": {"pattern": "x"}, "tool_response": {"matches": 1},
            "tool_use_id": "toolu_1", "agent_id": "sub1", "agent_type": "Explore"
        });
        let ids = SessionIds::new("s");
        let e = &events(payload, &ctx())[0];
        assert_eq!(e.span_id, ids.tool_span("toolu_1"));
        assert_eq!(
            e.parent_span_id.as_deref(),
            Some(ids.agent_span(Some("sub1")).as_str())
        );
        assert_eq!(e.agent_instance_id, ids.agent_instance(Some("sub1")));
        assert_eq!(e.agent_name, "Explore");
        assert_eq!(
            e.event_type,
            EventType::AgentCalledTool {
                tool_name: "Grep".into(),
                tool_input_digest: Some(digest(br#"{"pattern":"x"}"#)),
                tool_output_digest: Some(digest(br#"{"matches":1}"#)),
                duration_ms: Some(1000),
                outcome: Some("succeeded".into()),
            }
        );
    }

    #[test]
    fn timing_keys_pair_pre_with_post_and_start_with_stop() {
        let hook = |v: Value| {
            let v = Box::leak(Box::new(v));
            Hook::parse("claude-code", v).unwrap().timing(true)
        };
        let pre = hook(
            json!({"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_use_id": "t"}),
        );
        let post = hook(
            json!({"session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_use_id": "t"}),
        );
        match (pre, post) {
            (Timing::Start(a), Timing::End(b)) => assert_eq!(a, b),
            other => panic!("{other:?}"),
        }
        let start =
            hook(json!({"session_id": "s", "hook_event_name": "SubagentStart", "agent_id": "a"}));
        let stop =
            hook(json!({"session_id": "s", "hook_event_name": "SubagentStop", "agent_id": "a"}));
        match (start, stop) {
            (Timing::Start(a), Timing::End(b)) => assert_eq!(a, b),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            hook(json!({"session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Bash"})),
            Timing::None
        );
    }
}
