//! Events to spans and log records, one event at a time.
//!
//! Every event becomes one log record at once. A span needs its end, so the
//! [`Mapper`] keeps the spans whose start it has seen (a session, an agent,
//! a process) and emits each when its end arrives; tool events
//! (`agent.called_tool`, and the file, network and port events a tool
//! call leaves) and `agent.decision` are spans by themselves. A log
//! record points at the exported span it belongs to ([`Belongs`]). The mapper is a pure function
//! of the events fed to it so far: feeding the same events again rebuilds
//! the same open spans, which is how `sessiontrail otlp` resumes after a
//! restart without remembering anything but a sequence number.
//!
//! The npm package runs this same file compiled to wasm
//! (crates/sessiontrail-otlp-wasm); there is no second implementation.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

use super::model::{
    AnyValue, KeyValue, LogRecord, OtlpBatch, Span, SpanKind, Status, StatusCode, SEVERITY_ERROR,
    SEVERITY_INFO,
};
use super::time::unix_nanos;
use sessiontrail::{EventType, FieldRef, SessionEvent};

/// A span whose start has been seen and whose end has not.
#[derive(Debug, Clone)]
struct Open {
    span: Span,
    session_id: String,
    /// When it was opened, among all spans of this mapper: spans closed
    /// together by `session.closed` are emitted in this order.
    order: u64,
    /// An agent's provider, from its first decision that names one.
    provider: Option<String>,
    /// An agent's provider as its name tells it ([`agent_provider`]).
    named_provider: Option<&'static str>,
}

/// The span an event's log record belongs to.
enum Belongs {
    /// The span the event makes or starts: the event's own span id.
    Own,
    /// Another span: the one the event ends, or the open one it happened in.
    Other {
        trace_id: String,
        span_id: String,
    },
    Nothing,
}

impl Belongs {
    fn other(span: &Span) -> Belongs {
        Belongs::Other {
            trace_id: span.trace_id.clone(),
            span_id: span.span_id.clone(),
        }
    }
}

/// Turns a session's events, fed in order, into OTLP spans and log records.
///
/// ```
/// use sessiontrail_otlp::{Mapper, OtlpBatch};
/// # let events: Vec<sessiontrail::SessionEvent> = Vec::new();
/// let mut mapper = Mapper::new();
/// let mut batch = OtlpBatch::default();
/// for event in &events {
///     mapper.map(event, &mut batch);
/// }
/// let body = batch.traces_json(); // POST to {endpoint}/v1/traces
/// # assert!(body.contains("resourceSpans"));
/// ```
#[derive(Debug, Default, Clone)]
pub struct Mapper {
    /// Session spans by `session_id`.
    sessions: HashMap<String, Open>,
    /// `invoke_agent` spans by `session_id` NUL `agent_instance_id`.
    agents: HashMap<String, Open>,
    /// Process spans by `session_id` NUL `agent_instance_id` NUL
    /// `process_name`, oldest first: a completed process ends the oldest
    /// started one of that name.
    processes: HashMap<String, VecDeque<Open>>,
    opened: u64,
}

impl Mapper {
    pub fn new() -> Mapper {
        Mapper::default()
    }

    /// Spans started and not yet ended.
    pub fn open_spans(&self) -> usize {
        self.sessions.len()
            + self.agents.len()
            + self.processes.values().map(VecDeque::len).sum::<usize>()
    }

    /// Adds the log record of `event` to `out`, and the spans it makes or
    /// ends.
    pub fn map<'a>(&mut self, event: &'a SessionEvent, out: &mut OtlpBatch<'a>) {
        let mut record = log_record(event);
        let belongs = self.map_span(event, out);
        // A record points only at a span that is exported (or, for a span
        // still open, will be when its end or its session's close comes),
        // and only in its own trace; else it carries the trace id alone.
        record.span_id = match belongs {
            Belongs::Own => record.span_id,
            Belongs::Other { trace_id, span_id }
                if record.trace_id.as_deref() == Some(&trace_id) =>
            {
                Some(Cow::Owned(span_id))
            }
            Belongs::Other { .. } | Belongs::Nothing => None,
        };
        out.logs.push(record);
    }

    /// The spans `event` makes or ends, and the span its log record
    /// belongs to.
    fn map_span(&mut self, event: &SessionEvent, out: &mut OtlpBatch) -> Belongs {
        let time = unix_nanos(&event.timestamp);
        match &event.event_type {
            EventType::SessionStarted if !self.sessions.contains_key(&event.session_id) => {
                let Some(span) = self.start(event, "session".into(), SpanKind::Internal, None, &[])
                else {
                    return Belongs::Nothing;
                };
                let open = self.open(span, event);
                self.sessions.insert(event.session_id.clone(), open);
                Belongs::Own
            }
            EventType::SessionClosed {
                summary,
                duration_ms,
            } => {
                self.close_session_children(event, time, out);
                let Some(mut open) = self.sessions.remove(&event.session_id) else {
                    return self.enclosing(event);
                };
                let attrs = &mut open.span.attributes;
                push_owned(attrs, "sessiontrail.summary", summary.as_deref());
                push_u64(attrs, "sessiontrail.duration_ms", *duration_ms);
                finish(open, event, time, Status::default(), false, out)
            }
            EventType::AgentStarted {
                parent_agent_instance_id,
            } => {
                let parent = parent_agent_instance_id.as_deref();
                self.start_agent(event, parent, |attrs| {
                    push_owned(attrs, "sessiontrail.parent_agent_instance_id", parent);
                })
            }
            EventType::AgentSpawned {
                spawned_by_agent_instance_id,
                reason,
            } => {
                let by = spawned_by_agent_instance_id.as_str();
                self.start_agent(event, Some(by), |attrs| {
                    push_owned(attrs, "sessiontrail.spawned_by_agent_instance_id", Some(by));
                    push_owned(attrs, "sessiontrail.reason", reason.as_deref());
                })
            }
            EventType::AgentCompleted { termination_reason } => {
                let reason = termination_reason.as_deref();
                let key = "sessiontrail.termination_reason";
                self.end_agent(event, time, key, reason, Status::default(), out)
            }
            EventType::AgentReturned {
                returned_to_agent_instance_id,
            } => {
                let to = Some(returned_to_agent_instance_id.as_str());
                let key = "sessiontrail.returned_to_agent_instance_id";
                self.end_agent(event, time, key, to, Status::default(), out)
            }
            EventType::AgentFailed { reason } => {
                let status = Status {
                    code: StatusCode::Error,
                    message: Some(reason.clone().unwrap_or_else(|| "agent.failed".into())),
                };
                self.end_agent(event, time, "error.type", Some("agent.failed"), status, out)
            }
            EventType::AgentCalledTool {
                tool_name,
                duration_ms,
                ..
            } => {
                let duration = duration_ms.or_else(|| meta_u64(event, "duration_ms"));
                self.tool_span(event, tool_name, duration, out)
            }
            // A tool whose effect the log records by its own type (the
            // hooks' Read, Write, Edit, WebFetch): a tool call all the
            // same, named by the agent's tool name when `meta` has it.
            EventType::AgentReadFile { .. }
            | EventType::AgentWroteFile { .. }
            | EventType::AgentConnectedNetwork { .. }
            | EventType::AgentOpenedPort { .. } => {
                let default = match &event.event_type {
                    EventType::AgentReadFile { .. } => "read_file",
                    EventType::AgentWroteFile { .. } => "write_file",
                    EventType::AgentConnectedNetwork { .. } => "connect_network",
                    _ => "open_port",
                };
                let name = meta_str(event, "tool_name").unwrap_or(default);
                let duration = meta_u64(event, "duration_ms");
                self.tool_span(event, name, duration, out)
            }
            EventType::AgentDecision {
                model,
                tokens_in,
                tokens_out,
                provider,
                summary,
                confidence,
            } => {
                // The agent's provider, for its `invoke_agent` span: the
                // first its decisions name.
                let provider = provider.as_deref().map(provider_name);
                if let (Some(p), Some(agent)) = (
                    provider,
                    self.agents
                        .get_mut(&agent_key(event, &event.agent_instance_id)),
                ) {
                    agent.provider.get_or_insert_with(|| p.to_owned());
                }
                let name = match model {
                    Some(model) => format!("chat {model}"),
                    None => "chat".into(),
                };
                let parents = [event.agent_instance_id.as_str()];
                let Some(mut span) =
                    self.start(event, name, SpanKind::Client, Some("chat"), &parents)
                else {
                    return Belongs::Nothing;
                };
                span.end_time_unix_nano = span.start_time_unix_nano;
                let attrs = &mut span.attributes;
                push_owned(attrs, "gen_ai.request.model", model.as_deref());
                push_owned(attrs, "gen_ai.provider.name", provider);
                push_u64(attrs, "gen_ai.usage.input_tokens", *tokens_in);
                push_u64(attrs, "gen_ai.usage.output_tokens", *tokens_out);
                push_owned(attrs, "sessiontrail.summary", summary.as_deref());
                if let Some(c) = confidence {
                    attrs.push(KeyValue::new(
                        "sessiontrail.confidence",
                        AnyValue::Double(*c),
                    ));
                }
                out.spans.push(span);
                Belongs::Own
            }
            EventType::AgentStartedProcess {
                process_name,
                pid,
                command,
            } => {
                let parents = [event.agent_instance_id.as_str()];
                let name = format!("process {process_name}");
                // The CLI span conventions: a program run by another is a
                // CLIENT span of the caller.
                let Some(mut span) = self.start(event, name, SpanKind::Client, None, &parents)
                else {
                    return Belongs::Nothing;
                };
                let attrs = &mut span.attributes;
                push_owned(attrs, "process.executable.name", Some(process_name));
                if let Some(pid) = pid {
                    attrs.push(KeyValue::new("process.pid", AnyValue::Int(i64::from(*pid))));
                }
                push_command_args(attrs, command.as_deref());
                // A command an agent's shell tool ran: the tool call's id,
                // so that every tool call is found by it.
                push_owned(attrs, "gen_ai.tool.call.id", meta_str(event, "tool_use_id"));
                let open = self.open(span, event);
                let key = process_key(event, process_name);
                self.processes.entry(key).or_default().push_back(open);
                Belongs::Own
            }
            EventType::AgentCompletedProcess {
                process_name,
                exit_code,
                duration_ms,
                command,
            } => {
                let key = process_key(event, process_name);
                let Some(mut open) = self.processes.get_mut(&key).and_then(VecDeque::pop_front)
                else {
                    return self.enclosing(event);
                };
                let queue = self.processes.get(&key);
                if queue.is_some_and(VecDeque::is_empty) {
                    self.processes.remove(&key);
                }
                let attrs = &mut open.span.attributes;
                if !attrs.iter().any(|kv| kv.key == "process.command_args") {
                    push_command_args(attrs, command.as_deref());
                }
                if let Some(code) = exit_code {
                    attrs.push(KeyValue::new(
                        "process.exit.code",
                        AnyValue::Int(i64::from(*code)),
                    ));
                }
                push_u64(attrs, "sessiontrail.duration_ms", *duration_ms);
                // A non-zero exit is an error whose `error.type` is the
                // code as text (the CLI span conventions).
                let status = match exit_code {
                    Some(code) if *code != 0 => {
                        push_owned(attrs, "error.type", Some(&code.to_string()));
                        Status {
                            code: StatusCode::Error,
                            message: Some(format!("exit code {code}")),
                        }
                    }
                    _ => Status::default(),
                };
                finish(open, event, time, status, false, out)
            }
            // Handoffs, collaborations and notes, and any type added to
            // the schema later, are log records only (made by `map`, with
            // every field as an attribute), belonging to the span they
            // happened in; a type that opens or ends a span gets an arm of
            // its own.
            _ => self.enclosing(event),
        }
    }

    /// The `execute_tool` span of a tool call recorded when it returned:
    /// it ends at the event and began `duration_ms` before it. Its
    /// attributes are the GenAI tool attributes and the event's own fields
    /// (named as the log record names them); a call the event says failed
    /// ([`EventType::failed`]) has status ERROR and `error.type`.
    fn tool_span(
        &self,
        event: &SessionEvent,
        tool_name: &str,
        duration_ms: Option<u64>,
        out: &mut OtlpBatch,
    ) -> Belongs {
        let Some(end) = unix_nanos(&event.timestamp) else {
            return Belongs::Nothing;
        };
        let start = end.saturating_sub(duration_ms.unwrap_or(0).saturating_mul(1_000_000));
        let parents = [event.agent_instance_id.as_str()];
        let name = format!("execute_tool {tool_name}");
        let Some(mut span) = self.start(
            event,
            name,
            SpanKind::Internal,
            Some("execute_tool"),
            &parents,
        ) else {
            return Belongs::Nothing;
        };
        span.start_time_unix_nano = start;
        span.end_time_unix_nano = end;
        let attrs = &mut span.attributes;
        if !matches!(event.event_type, EventType::AgentCalledTool { .. }) {
            push_owned(attrs, "gen_ai.tool.name", Some(tool_name));
        }
        // The agent's own tool-call id, which the hooks keep in
        // `meta.tool_use_id` (Claude Code's and Gemini CLI's).
        push_owned(attrs, "gen_ai.tool.call.id", meta_str(event, "tool_use_id"));
        // A tool the agent calls with arguments it made up: the
        // conventions' `function` (not an extension or a datastore).
        push_owned(attrs, "gen_ai.tool.type", Some("function"));
        attrs.extend(type_attributes(event).map(KeyValue::into_owned));
        span.status = tool_status(event, attrs);
        out.spans.push(span);
        Belongs::Own
    }

    /// The open span an event that makes none happened in: its agent's,
    /// else its session's, in its trace.
    fn enclosing(&self, event: &SessionEvent) -> Belongs {
        let Some(trace) = trace_id(&event.trace_id) else {
            return Belongs::Nothing;
        };
        self.agents
            .get(&agent_key(event, &event.agent_instance_id))
            .into_iter()
            .chain(self.sessions.get(&event.session_id))
            .map(|open| &open.span)
            .find(|span| span.trace_id == trace)
            .map_or(Belongs::Nothing, Belongs::other)
    }

    /// Ends the agent's open span, if it has one, with one more attribute
    /// and `status`.
    fn end_agent(
        &mut self,
        event: &SessionEvent,
        time: Option<u64>,
        key: &'static str,
        value: Option<&str>,
        status: Status,
        out: &mut OtlpBatch,
    ) -> Belongs {
        let Some(mut open) = self
            .agents
            .remove(&agent_key(event, &event.agent_instance_id))
        else {
            return self.enclosing(event);
        };
        push_owned(&mut open.span.attributes, key, value);
        finish(open, event, time, status, false, out)
    }

    /// Opens the `invoke_agent` span of the event's agent, unless it is open
    /// already (an agent both spawned by its parent and started by itself
    /// is one span, from the first of the two).
    fn start_agent(
        &mut self,
        event: &SessionEvent,
        parent_agent: Option<&str>,
        attrs: impl FnOnce(&mut Vec<KeyValue<'static>>),
    ) -> Belongs {
        let key = agent_key(event, &event.agent_instance_id);
        if let Some(open) = self.agents.get(&key) {
            return Belongs::other(&open.span);
        }
        let name = format!("invoke_agent {}", event.agent_name);
        let parents: &[&str] = match parent_agent {
            Some(p) => &[p][..],
            None => &[],
        };
        if let Some(mut span) = self.start(
            event,
            name,
            SpanKind::Internal,
            Some("invoke_agent"),
            parents,
        ) {
            attrs(&mut span.attributes);
            let mut open = self.open(span, event);
            open.named_provider = agent_provider(event);
            self.agents.insert(key, open);
            return Belongs::Own;
        }
        Belongs::Nothing
    }

    /// A span started by `event`: its ids, its start time, the attributes
    /// every span has. `None` when the event's trace or span id is not
    /// valid hex or its timestamp cannot be read: such a span could not be
    /// placed, and a receiver refuses a bad id for the whole request.
    ///
    /// The parent is the event's `parent_span_id`; without one, the open
    /// span of the first of `parent_agents` in the same trace, else the
    /// open session span in the same trace, else none (a root).
    fn start(
        &self,
        event: &SessionEvent,
        name: String,
        kind: SpanKind,
        operation: Option<&'static str>,
        parent_agents: &[&str],
    ) -> Option<Span> {
        let trace_id = trace_id(&event.trace_id)?.into_owned();
        let span_id = span_id(&event.span_id)?.into_owned();
        let start = unix_nanos(&event.timestamp)?;
        let parent_span_id = event
            .parent_span_id
            .as_deref()
            .and_then(self::span_id)
            .map(Cow::into_owned)
            .or_else(|| {
                let agents = parent_agents
                    .iter()
                    .filter_map(|a| self.agents.get(&agent_key(event, a)));
                agents
                    .chain(self.sessions.get(&event.session_id))
                    .map(|open| &open.span)
                    .find(|p| p.trace_id == trace_id && p.span_id != span_id)
                    .map(|p| p.span_id.clone())
            });
        let mut attributes = Vec::with_capacity(12);
        if let Some(op) = operation {
            push_owned(&mut attributes, "gen_ai.operation.name", Some(op));
        }
        push_owned(
            &mut attributes,
            "gen_ai.conversation.id",
            Some(&event.session_id),
        );
        for (key, value) in agent_attributes(event) {
            push_owned(&mut attributes, key, value);
        }
        push_owned(
            &mut attributes,
            "sessiontrail.event_id",
            Some(&event.event_id),
        );
        Some(Span {
            trace_id,
            span_id,
            parent_span_id,
            name,
            kind,
            start_time_unix_nano: start,
            end_time_unix_nano: start,
            attributes,
            status: Status::default(),
        })
    }

    fn open(&mut self, span: Span, event: &SessionEvent) -> Open {
        self.opened += 1;
        Open {
            span,
            session_id: event.session_id.clone(),
            order: self.opened,
            provider: None,
            named_provider: None,
        }
    }

    /// At `session.closed`: ends every agent and process span of the
    /// session still open, at the close, marked `sessiontrail.unfinished`.
    fn close_session_children(
        &mut self,
        event: &SessionEvent,
        time: Option<u64>,
        out: &mut OtlpBatch,
    ) {
        let session = &event.session_id;
        let mut closing: Vec<Open> = Vec::new();
        let agent_keys: Vec<String> = self
            .agents
            .iter()
            .filter(|(_, o)| &o.session_id == session)
            .map(|(k, _)| k.clone())
            .collect();
        for key in agent_keys {
            closing.extend(self.agents.remove(&key));
        }
        let process_keys: Vec<String> = self
            .processes
            .iter()
            .filter(|(_, q)| q.front().is_some_and(|o| &o.session_id == session))
            .map(|(k, _)| k.clone())
            .collect();
        for key in process_keys {
            closing.extend(self.processes.remove(&key).into_iter().flatten());
        }
        closing.sort_by_key(|o| o.order);
        for open in closing {
            let _ = finish(open, event, time, Status::default(), true, out);
        }
    }
}

/// Ends `open` at `event` and emits it; a span whose end time cannot be
/// read is dropped (its log records still go out). An end before the start
/// (clocks of two hosts) is moved to the start. An `invoke_agent` span gets
/// `gen_ai.provider.name` here: from the agent's decisions, else from the
/// agent's name ([`agent_provider`]).
#[must_use]
fn finish(
    mut open: Open,
    event: &SessionEvent,
    time: Option<u64>,
    status: Status,
    unfinished: bool,
    out: &mut OtlpBatch,
) -> Belongs {
    let Some(end) = time else {
        return Belongs::Nothing;
    };
    let span = &mut open.span;
    span.end_time_unix_nano = end.max(span.start_time_unix_nano);
    if span.name.starts_with("invoke_agent ") {
        let provider = open.provider.as_deref().or(open.named_provider);
        push_owned(&mut span.attributes, "gen_ai.provider.name", provider);
    }
    push_owned(
        &mut span.attributes,
        "sessiontrail.end_event_id",
        Some(&event.event_id),
    );
    if unfinished {
        span.attributes.push(KeyValue::new(
            "sessiontrail.unfinished",
            AnyValue::Bool(true),
        ));
    }
    span.status = status;
    let belongs = Belongs::other(span);
    out.spans.push(open.span);
    belongs
}

fn agent_key(event: &SessionEvent, agent_instance_id: &str) -> String {
    format!("{}\0{agent_instance_id}", event.session_id)
}

fn process_key(event: &SessionEvent, process_name: &str) -> String {
    format!(
        "{}\0{}\0{process_name}",
        event.session_id, event.agent_instance_id
    )
}

/// The log record of one event.
pub(crate) fn log_record(event: &SessionEvent) -> LogRecord<'_> {
    let time = unix_nanos(&event.timestamp);
    let trace = trace_id(&event.trace_id);
    let span = span_id(&event.span_id);
    let mut attrs = Vec::with_capacity(16);
    push_str(&mut attrs, "session.id", Some(&event.session_id));
    push_str(&mut attrs, "sessiontrail.event_id", Some(&event.event_id));
    push_u64(
        &mut attrs,
        "sessiontrail.sequence_no",
        Some(event.sequence_no),
    );
    for (key, value) in agent_attributes(event) {
        push_str(&mut attrs, key, value);
    }
    push_str(
        &mut attrs,
        "sessiontrail.tool_runtime_id",
        event.tool_runtime_id.as_deref(),
    );
    push_str(
        &mut attrs,
        "sessiontrail.artifact_ref",
        event.artifact_ref.as_deref(),
    );
    push_str(
        &mut attrs,
        "sessiontrail.parent_span_id",
        event.parent_span_id.as_deref(),
    );
    // What OTLP cannot carry in its own fields is kept as text.
    if time.is_none() {
        push_str(&mut attrs, "sessiontrail.timestamp", Some(&event.timestamp));
    }
    if trace.is_none() {
        push_str(&mut attrs, "sessiontrail.trace_id", Some(&event.trace_id));
    }
    if span.is_none() {
        push_str(&mut attrs, "sessiontrail.span_id", Some(&event.span_id));
    }
    attrs.extend(type_attributes(event));
    let failed = matches!(event.event_type, EventType::AgentFailed { .. });
    LogRecord {
        time_unix_nano: time.unwrap_or(0),
        severity_number: if failed {
            SEVERITY_ERROR
        } else {
            SEVERITY_INFO
        },
        severity_text: if failed { "ERROR" } else { "INFO" },
        event_name: event.event_type.name(),
        body: event.meta.as_ref().and_then(AnyValue::from_json),
        attributes: attrs,
        trace_id: trace,
        span_id: span,
    }
}

/// The attributes of an event type's own fields, sorted by name so that
/// the order does not depend on how the event was built: each under its
/// semantic-conventions name where one means the same ([`convention_key`]),
/// else as `sessiontrail.<field>`. Log records and tool spans both carry
/// them.
fn type_attributes(event: &SessionEvent) -> impl Iterator<Item = KeyValue<'_>> {
    let t = &event.event_type;
    let mut fields: Vec<_> = t.fields().collect();
    fields.sort_by_key(|(spec, _)| spec.name);
    fields.into_iter().filter_map(move |(spec, value)| {
        let key = convention_key(t.name(), spec.name, &value);
        let value = match value {
            FieldRef::Absent => return None,
            FieldRef::Str(s) => AnyValue::string(s),
            FieldRef::Unsigned(n) => int(n),
            FieldRef::Signed(n) => AnyValue::Int(n),
            FieldRef::F64(x) => AnyValue::Double(x),
            FieldRef::List(items) => {
                AnyValue::Array(items.iter().map(|s| AnyValue::string(s.as_str())).collect())
            }
        };
        let key: Cow<'static, str> = match key {
            Some(key) => Cow::Borrowed(key),
            None => Cow::Owned(format!("sessiontrail.{}", spec.name)),
        };
        Some(KeyValue::new(key, value))
    })
}

/// The semantic-conventions attribute (v1.37.0) a field of a type is, when
/// the field means exactly what the attribute does: a file's path, the
/// host and port connected to, a listening port and its transport (only a
/// transport the conventions list), a process's name, pid and exit code, a
/// tool's name, a decision's model and tokens. `None`: `sessiontrail.*`.
fn convention_key(type_name: &str, field: &str, value: &FieldRef) -> Option<&'static str> {
    Some(match (type_name, field) {
        ("agent.called_tool", "tool_name") => "gen_ai.tool.name",
        ("agent.read_file" | "agent.wrote_file", "file_path") => "file.path",
        ("agent.connected_network", "destination") => "server.address",
        ("agent.connected_network" | "agent.opened_port", "port") => "server.port",
        ("agent.opened_port", "protocol") => match value {
            FieldRef::Str("tcp" | "udp" | "quic" | "unix" | "pipe") => "network.transport",
            _ => return None,
        },
        ("agent.started_process" | "agent.completed_process", "process_name") => {
            "process.executable.name"
        }
        ("agent.started_process", "pid") => "process.pid",
        ("agent.completed_process", "exit_code") => "process.exit.code",
        ("agent.decision", "model") => "gen_ai.request.model",
        ("agent.decision", "tokens_in") => "gen_ai.usage.input_tokens",
        ("agent.decision", "tokens_out") => "gen_ai.usage.output_tokens",
        _ => return None,
    })
}

/// A string in the event's `meta` object.
fn meta_str<'a>(event: &'a SessionEvent, key: &str) -> Option<&'a str> {
    event.meta.as_ref()?.get(key)?.as_str()
}

/// A whole number in the event's `meta` object (the hooks keep a tool's
/// `duration_ms` there when its type has no such field).
fn meta_u64(event: &SessionEvent, key: &str) -> Option<u64> {
    event.meta.as_ref()?.get(key)?.as_u64()
}

/// `process.command_args`: the command's words as a POSIX shell splits
/// them (shlex), the program first. Only a kept command is in the event at
/// all (the hooks keep it with `--keep command`), so this exports nothing a
/// writer did not choose to record; a command shlex cannot split (an open
/// quote) is left to the log record's `sessiontrail.command`.
fn push_command_args(attrs: &mut Vec<KeyValue<'static>>, command: Option<&str>) {
    let Some(words) = command.and_then(shlex::split) else {
        return;
    };
    let words = words.into_iter().map(AnyValue::string).collect();
    attrs.push(KeyValue::new(
        "process.command_args",
        AnyValue::Array(words),
    ));
}

/// The provider an agent's name tells: the coding agents whose hooks this
/// project ships, and their usual names (`agent_name`, or the first part
/// of an `agent://name/...` id, which a subagent keeps).
fn agent_provider(event: &SessionEvent) -> Option<&'static str> {
    let from_id = event
        .agent_id
        .strip_prefix("agent://")
        .and_then(|rest| rest.split('/').next());
    [Some(event.agent_name.as_str()), from_id]
        .into_iter()
        .flatten()
        .find_map(|name| match name.to_ascii_lowercase().as_str() {
            "claude-code" | "claude_code" | "claude" => Some("anthropic"),
            "gemini-cli" | "gemini_cli" | "gemini" => Some("gcp.gemini"),
            "codex" | "codex-cli" | "openai-codex" => Some("openai"),
            _ => None,
        })
}

/// A tool span's status: ERROR when the event says the call failed (the
/// core's one rule, [`EventType::failed`]), with `error.type` the
/// recorded outcome (`failed`: the tool ran and reported an error;
/// `denied`: it never ran), as a low-cardinality class of error should be.
fn tool_status(event: &SessionEvent, attrs: &mut Vec<KeyValue<'static>>) -> Status {
    if event.event_type.failed() != Some(true) {
        return Status::default();
    }
    let class = match &event.event_type {
        EventType::AgentCalledTool {
            outcome: Some(outcome),
            ..
        } => outcome.clone(),
        // The conventions' fallback when no class is known.
        _ => "_OTHER".to_owned(),
    };
    let message = format!("tool call {class}");
    attrs.push(KeyValue::new("error.type", AnyValue::string(class)));
    Status {
        code: StatusCode::Error,
        message: Some(message),
    }
}

/// A u64 as an `intValue`, or a double past i64 (OTLP has no unsigned).
fn int(n: u64) -> AnyValue<'static> {
    match i64::try_from(n) {
        Ok(i) => AnyValue::Int(i),
        Err(_) => AnyValue::Double(n as f64),
    }
}

/// A string attribute of a log record, borrowed from its event.
/// Who wrote an event, as both its span and its log record carry it, in
/// this order.
fn agent_attributes(event: &SessionEvent) -> [(&'static str, Option<&str>); 5] {
    [
        ("gen_ai.agent.id", Some(&event.agent_id)),
        ("gen_ai.agent.name", Some(&event.agent_name)),
        (
            "sessiontrail.agent_instance_id",
            Some(&event.agent_instance_id),
        ),
        ("sessiontrail.agent_role", event.agent_role.as_deref()),
        ("host.id", Some(&event.host_id)),
    ]
}

fn push_str<'a>(attrs: &mut Vec<KeyValue<'a>>, key: &'static str, value: Option<&'a str>) {
    if let Some(v) = value {
        attrs.push(KeyValue::new(key, AnyValue::string(v)));
    }
}

/// A string attribute of a span, which outlives its events.
/// The conventions' well-known `gen_ai.provider.name` values (v1.37.0),
/// and other spellings met in the wild.
pub(crate) const WELL_KNOWN: [&str; 15] = [
    "anthropic",
    "aws.bedrock",
    "azure.ai.inference",
    "azure.ai.openai",
    "cohere",
    "deepseek",
    "gcp.gemini",
    "gcp.gen_ai",
    "gcp.vertex_ai",
    "groq",
    "ibm.watsonx.ai",
    "mistral_ai",
    "openai",
    "perplexity",
    "x_ai",
];
pub(crate) const ALIASES: [(&str, &str); 12] = [
    ("google", "gcp.gemini"),
    ("gemini", "gcp.gemini"),
    ("vertex", "gcp.vertex_ai"),
    ("vertexai", "gcp.vertex_ai"),
    ("vertex_ai", "gcp.vertex_ai"),
    ("bedrock", "aws.bedrock"),
    ("azure", "azure.ai.openai"),
    ("azure_openai", "azure.ai.openai"),
    ("mistral", "mistral_ai"),
    ("mistralai", "mistral_ai"),
    ("xai", "x_ai"),
    ("watsonx", "ibm.watsonx.ai"),
];

/// A provider as `gen_ai.provider.name` names it: one of the conventions'
/// well-known values when `given` is one, in any case, or a common other
/// spelling of one (`Google` → `gcp.gemini`, `bedrock` → `aws.bedrock`);
/// anything else as given.
pub(crate) fn provider_name(given: &str) -> &str {
    let key = given.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    WELL_KNOWN
        .iter()
        .find(|w| **w == key)
        .copied()
        .or_else(|| ALIASES.iter().find(|(a, _)| *a == key).map(|(_, w)| *w))
        .unwrap_or(given)
}

fn push_owned(attrs: &mut Vec<KeyValue<'static>>, key: &'static str, value: Option<&str>) {
    if let Some(v) = value {
        attrs.push(KeyValue::new(key, AnyValue::string(v.to_owned())));
    }
}

fn push_u64(attrs: &mut Vec<KeyValue<'_>>, key: &'static str, value: Option<u64>) {
    if let Some(n) = value {
        attrs.push(KeyValue::new(key, int(n)));
    }
}

/// `id` in lowercase when it is `len` hex digits and not all zero (the W3C
/// "invalid" id), else `None`.
fn hex_id(id: &str, len: usize) -> Option<Cow<'_, str>> {
    let ok = id.len() == len
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && id.bytes().any(|b| b != b'0');
    match ok {
        false => None,
        true if id.bytes().any(|b| b.is_ascii_uppercase()) => {
            Some(Cow::Owned(id.to_ascii_lowercase()))
        }
        true => Some(Cow::Borrowed(id)),
    }
}

fn trace_id(id: &str) -> Option<Cow<'_, str>> {
    hex_id(id, 32)
}

fn span_id(id: &str) -> Option<Cow<'_, str>> {
    hex_id(id, 16)
}
