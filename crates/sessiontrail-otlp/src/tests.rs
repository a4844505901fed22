//! The mapping, event by event and span by span: what each type
//! becomes, how spans pair and nest, what happens to a span whose end never
//! came, and the exact JSON a strict receiver needs.

use serde_json::{json, Value};

use super::*;
use sessiontrail::{EventType, SessionEvent, EVENT_TYPE_NAMES};

/// The core's test helpers: one sample of every event type.
#[path = "../../../tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
/// 2026-11-26T03:04:05.000Z in nanoseconds.
const T0: u64 = 1_795_662_245_000_000_000;

/// An event of `agent` at `T0 + ms`, with the given span ids.
fn ev(
    seq: u64,
    agent: &str,
    ms: u64,
    span: &str,
    parent: Option<&str>,
    t: EventType,
) -> SessionEvent {
    SessionEvent {
        session_id: "ssn_otlp".into(),
        event_id: format!("evt_{seq:016x}"),
        timestamp: sessiontrail::format_rfc3339_millis(T0 / 1_000_000 + ms),
        sequence_no: seq,
        trace_id: TRACE.into(),
        span_id: span.into(),
        parent_span_id: parent.map(str::to_owned),
        agent_id: format!("agent://{agent}"),
        agent_instance_id: format!("ai_{agent}"),
        agent_name: agent.into(),
        agent_role: None,
        host_id: "host_1".into(),
        tool_runtime_id: None,
        event_type: t,
        artifact_ref: None,
        meta: None,
    }
}

fn span_hex(n: u64) -> String {
    format!("{n:016x}")
}

/// One event of every type, every optional field set, in one order that
/// also pairs starts with ends.
fn every_type() -> Vec<SessionEvent> {
    let s = |v: &str| Some(v.to_string());
    let mut types = vec![
        EventType::SessionStarted,
        EventType::AgentStarted {
            parent_agent_instance_id: s("ai_lead"),
        },
        EventType::AgentSpawned {
            spawned_by_agent_instance_id: "ai_lead".into(),
            reason: s("subtask"),
        },
        EventType::AgentHandoff {
            from_agent_instance_id: "ai_a".into(),
            to_agent_instance_id: "ai_b".into(),
            artifacts: vec!["art_1".into(), "art_2".into()],
        },
        EventType::AgentCollaborated {
            collaborator_agent_instance_ids: vec!["ai_a".into(), "ai_b".into()],
        },
        EventType::AgentCalledTool {
            tool_name: "Bash".into(),
            tool_input_digest: s("sha256:in"),
            tool_output_digest: s("sha256:out"),
            duration_ms: Some(42),
            outcome: s("succeeded"),
        },
        EventType::AgentReadFile {
            file_path: "/src/main.rs".into(),
            digest: s("sha256:r"),
        },
        EventType::AgentWroteFile {
            file_path: "/src/lib.rs".into(),
            digest: s("sha256:w"),
            operation: s("modified"),
            additions: Some(3),
            deletions: Some(1),
        },
        EventType::AgentOpenedPort {
            port: 8080,
            protocol: s("tcp"),
        },
        EventType::AgentConnectedNetwork {
            destination: "api.example.com".into(),
            port: Some(443),
        },
        EventType::AgentStartedProcess {
            process_name: "npm".into(),
            pid: Some(4242),
            command: s("npm test"),
        },
        EventType::AgentCompletedProcess {
            process_name: "npm".into(),
            exit_code: Some(0),
            duration_ms: Some(900),
            command: s("npm test"),
        },
        EventType::AgentNote { text: s("hello") },
        EventType::AgentDecision {
            model: s("claude-sonnet-4"),
            tokens_in: Some(1200),
            tokens_out: Some(340),
            provider: s("anthropic"),
            summary: s("edit the parser"),
            confidence: Some(0.75),
        },
        EventType::AgentReturned {
            returned_to_agent_instance_id: "ai_lead".into(),
        },
        EventType::AgentCompleted {
            termination_reason: s("finished"),
        },
        EventType::AgentFailed {
            reason: s("tool crashed"),
        },
        EventType::SessionClosed {
            summary: s("done"),
            duration_ms: Some(1234),
        },
    ];
    // A type added to the schema after these were written is a log record
    // only until it gets an arm in the mapper: its schema sample goes
    // before the session's end like the others.
    let missing = common::samples_missing_from(&types);
    let closed = types.pop();
    types.extend(missing);
    types.extend(closed);
    types
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let i = i as u64;
            let mut e = ev(i, "lead", i * 10, &span_hex(i + 1), None, t);
            e.agent_role = Some("coder".into());
            e.tool_runtime_id = Some("rt_1".into());
            e.artifact_ref = Some("art_0".into());
            e.meta = Some(
                json!({"k": "v", "n": -3, "x": 1.5, "ok": true, "none": null, "list": [1, null, "two"]}),
            );
            e
        })
        .collect()
}

fn attr<'a, 'b>(attrs: &'a [KeyValue<'b>], key: &str) -> Option<&'a AnyValue<'b>> {
    attrs.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
}

fn str_attr<'a>(attrs: &'a [KeyValue<'_>], key: &str) -> Option<&'a str> {
    match attr(attrs, key)? {
        AnyValue::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

fn span_named<'a>(batch: &'a OtlpBatch, name: &str) -> &'a Span {
    batch
        .spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no span {name:?} in {:?}",
                batch.spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        })
}

#[test]
fn every_type_gives_one_log_record_with_the_event_in_it() {
    let events = every_type();
    let names: Vec<&str> = events.iter().map(|e| e.event_type.name()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    let mut all = EVENT_TYPE_NAMES.to_vec();
    all.sort();
    assert_eq!(sorted, all, "the fixture covers every type once");

    let batch = to_otlp(&events);
    assert_eq!(batch.logs.len(), EVENT_TYPE_NAMES.len());
    for (event, log) in events.iter().zip(&batch.logs) {
        let name = event.event_type.name();
        assert_eq!(log.event_name, name);
        assert_eq!(
            log.time_unix_nano,
            T0 + event.sequence_no * 10 * 1_000_000,
            "{name}"
        );
        assert_eq!(log.trace_id.as_deref(), Some(TRACE));
        // The span the record belongs to, which is exported: the one the
        // event makes or starts, ends, or happened in.
        let belongs = match event.sequence_no {
            // The second start of the open agent span, the handoff, the
            // collaboration, the note, the return that ends the span.
            2 | 3 | 4 | 12 | 14 => span_hex(2),
            // completed_process ends the process started by event 10.
            11 => span_hex(11),
            // After the agent's span ended: the session's.
            n if n >= 15 => span_hex(1),
            n => span_hex(n + 1),
        };
        assert_eq!(log.span_id.as_deref(), Some(belongs.as_str()), "{name}");
        let a = &log.attributes;
        assert_eq!(str_attr(a, "session.id"), Some("ssn_otlp"));
        assert_eq!(
            str_attr(a, "sessiontrail.event_id"),
            Some(event.event_id.as_str())
        );
        assert_eq!(
            attr(a, "sessiontrail.sequence_no"),
            Some(&AnyValue::Int(event.sequence_no as i64))
        );
        assert_eq!(str_attr(a, "gen_ai.agent.name"), Some("lead"));
        assert_eq!(str_attr(a, "sessiontrail.agent_role"), Some("coder"));
        assert_eq!(str_attr(a, "sessiontrail.tool_runtime_id"), Some("rt_1"));
        assert_eq!(str_attr(a, "sessiontrail.artifact_ref"), Some("art_0"));
        assert_eq!(str_attr(a, "host.id"), Some("host_1"));
        // The type's own fields, each one, sorted by field name: under
        // the conventions' name where one means the same.
        let mut fields: Vec<&str> = sessiontrail::fields_of(name)
            .unwrap()
            .iter()
            .map(|f| f.name)
            .collect();
        fields.sort();
        let want: Vec<String> = fields
            .iter()
            .map(|f| match (name, *f) {
                ("agent.called_tool", "tool_name") => "gen_ai.tool.name".into(),
                ("agent.read_file" | "agent.wrote_file", "file_path") => "file.path".into(),
                ("agent.connected_network", "destination") => "server.address".into(),
                (_, "port") => "server.port".into(),
                ("agent.opened_port", "protocol") => "network.transport".into(),
                (_, "process_name") => "process.executable.name".into(),
                (_, "pid") => "process.pid".into(),
                (_, "exit_code") => "process.exit.code".into(),
                ("agent.decision", "model") => "gen_ai.request.model".into(),
                ("agent.decision", "tokens_in") => "gen_ai.usage.input_tokens".into(),
                ("agent.decision", "tokens_out") => "gen_ai.usage.output_tokens".into(),
                (_, f) => format!("sessiontrail.{f}"),
            })
            .collect();
        let own: Vec<&str> = a
            .iter()
            .map(|kv| kv.key.as_ref())
            .filter(|k| want.iter().any(|w| w == k))
            .collect();
        assert_eq!(own, want, "{name}");
        // meta is the body, as OTLP values.
        let body = serde_json::to_value(log.body.as_ref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"kvlistValue": {"values": [
                {"key": "k", "value": {"stringValue": "v"}},
                {"key": "list", "value": {"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "two"}]}}},
                {"key": "n", "value": {"intValue": "-3"}},
                {"key": "ok", "value": {"boolValue": true}},
                {"key": "x", "value": {"doubleValue": 1.5}},
            ]}})
        );
        let failed = name == "agent.failed";
        assert_eq!(log.severity_number, if failed { 17 } else { 9 }, "{name}");
    }
    let decision = &batch.logs[13].attributes;
    assert_eq!(
        attr(decision, "sessiontrail.confidence"),
        Some(&AnyValue::Double(0.75))
    );
    assert_eq!(
        attr(decision, "gen_ai.usage.input_tokens"),
        Some(&AnyValue::Int(1200))
    );
    let port = &batch.logs[8].attributes;
    assert_eq!(attr(port, "server.port"), Some(&AnyValue::Int(8080)));
    assert_eq!(str_attr(port, "network.transport"), Some("tcp"));
    let handoff = &batch.logs[3].attributes;
    assert_eq!(
        attr(handoff, "sessiontrail.artifacts"),
        Some(&AnyValue::Array(vec![
            AnyValue::string("art_1"),
            AnyValue::string("art_2")
        ]))
    );
}

#[test]
fn every_type_gives_the_spans_of_the_table() {
    let events = every_type();
    let batch = to_otlp(&events);
    let names: Vec<&str> = batch.spans.iter().map(|s| s.name.as_str()).collect();
    // In order of their ends: the tool calls (called_tool, and the file,
    // port and network events, which are tool calls too), the process, the
    // decision, the agent (started, then returned: one span although also
    // spawned), and the session at its close. completed and failed end
    // nothing: the agent's span had already ended at agent.returned.
    assert_eq!(
        names,
        [
            "execute_tool Bash",
            "execute_tool read_file",
            "execute_tool write_file",
            "execute_tool open_port",
            "execute_tool connect_network",
            "process npm",
            "chat claude-sonnet-4",
            "invoke_agent lead",
            "session"
        ]
    );
    let session = span_named(&batch, "session");
    assert_eq!(
        (session.start_time_unix_nano, session.end_time_unix_nano),
        // session.closed is the last event, 10 ms after the one before.
        (T0, T0 + (EVENT_TYPE_NAMES.len() as u64 - 1) * 10_000_000)
    );
    assert_eq!(session.parent_span_id, None);
    assert_eq!(
        str_attr(&session.attributes, "sessiontrail.summary"),
        Some("done")
    );
    assert_eq!(
        str_attr(&session.attributes, "sessiontrail.end_event_id"),
        Some(events[17].event_id.as_str())
    );

    let agent = span_named(&batch, "invoke_agent lead");
    assert_eq!(agent.span_id, span_hex(2), "the span of agent.started");
    assert_eq!(
        agent.parent_span_id.as_deref(),
        Some(span_hex(1).as_str()),
        "the session"
    );
    assert_eq!(
        (agent.start_time_unix_nano, agent.end_time_unix_nano),
        (T0 + 10_000_000, T0 + 140_000_000)
    );
    assert_eq!(
        str_attr(&agent.attributes, "gen_ai.operation.name"),
        Some("invoke_agent")
    );
    assert_eq!(
        str_attr(&agent.attributes, "gen_ai.agent.id"),
        Some("agent://lead")
    );
    assert_eq!(
        str_attr(
            &agent.attributes,
            "sessiontrail.returned_to_agent_instance_id"
        ),
        Some("ai_lead")
    );
    assert_eq!(agent.status, Status::default());
    assert_eq!(
        str_attr(&agent.attributes, "gen_ai.provider.name"),
        Some("anthropic"),
        "from the agent's decision"
    );

    let tool = span_named(&batch, "execute_tool Bash");
    assert_eq!(tool.span_id, span_hex(6));
    assert_eq!(tool.kind, SpanKind::Internal);
    assert_eq!(
        (tool.start_time_unix_nano, tool.end_time_unix_nano),
        (T0 + 50_000_000 - 42_000_000, T0 + 50_000_000)
    );
    assert_eq!(str_attr(&tool.attributes, "gen_ai.tool.name"), Some("Bash"));
    assert_eq!(
        str_attr(&tool.attributes, "gen_ai.tool.type"),
        Some("function")
    );
    assert_eq!(
        str_attr(&tool.attributes, "gen_ai.tool.call.id"),
        None,
        "no meta"
    );
    assert_eq!(
        tool.parent_span_id.as_deref(),
        Some(span_hex(2).as_str()),
        "its agent"
    );

    // A tool whose effect has its own type: the same GenAI attributes, its
    // fields under the conventions' names, the duration the hooks keep in
    // meta (none here: zero length).
    for (name, seq) in [
        ("execute_tool read_file", 6),
        ("execute_tool write_file", 7),
        ("execute_tool open_port", 8),
        ("execute_tool connect_network", 9),
    ] {
        let span = span_named(&batch, name);
        assert_eq!(span.span_id, span_hex(seq + 1), "{name}");
        assert_eq!(span.kind, SpanKind::Internal);
        assert_eq!(span.start_time_unix_nano, span.end_time_unix_nano);
        assert_eq!(span.end_time_unix_nano, T0 + seq * 10_000_000);
        let a = &span.attributes;
        assert_eq!(str_attr(a, "gen_ai.operation.name"), Some("execute_tool"));
        assert_eq!(
            str_attr(a, "gen_ai.tool.name"),
            name.strip_prefix("execute_tool ")
        );
        assert_eq!(str_attr(a, "gen_ai.tool.type"), Some("function"));
        assert_eq!(span.parent_span_id.as_deref(), Some(span_hex(2).as_str()));
        assert_eq!(span.status, Status::default());
    }
    let read = &span_named(&batch, "execute_tool read_file").attributes;
    assert_eq!(str_attr(read, "file.path"), Some("/src/main.rs"));
    assert_eq!(str_attr(read, "sessiontrail.digest"), Some("sha256:r"));
    let wrote = &span_named(&batch, "execute_tool write_file").attributes;
    assert_eq!(str_attr(wrote, "file.path"), Some("/src/lib.rs"));
    assert_eq!(
        attr(wrote, "sessiontrail.additions"),
        Some(&AnyValue::Int(3))
    );
    let port = &span_named(&batch, "execute_tool open_port").attributes;
    assert_eq!(attr(port, "server.port"), Some(&AnyValue::Int(8080)));
    assert_eq!(str_attr(port, "network.transport"), Some("tcp"));
    let net = &span_named(&batch, "execute_tool connect_network").attributes;
    assert_eq!(str_attr(net, "server.address"), Some("api.example.com"));
    assert_eq!(attr(net, "server.port"), Some(&AnyValue::Int(443)));

    let chat = span_named(&batch, "chat claude-sonnet-4");
    assert_eq!(chat.kind, SpanKind::Client);
    assert_eq!(chat.start_time_unix_nano, chat.end_time_unix_nano);
    let a = &chat.attributes;
    assert_eq!(str_attr(a, "gen_ai.operation.name"), Some("chat"));
    assert_eq!(str_attr(a, "gen_ai.request.model"), Some("claude-sonnet-4"));
    assert_eq!(str_attr(a, "gen_ai.provider.name"), Some("anthropic"));
    assert_eq!(
        attr(a, "gen_ai.usage.input_tokens"),
        Some(&AnyValue::Int(1200))
    );
    assert_eq!(
        attr(a, "gen_ai.usage.output_tokens"),
        Some(&AnyValue::Int(340))
    );
    assert_eq!(str_attr(a, "gen_ai.conversation.id"), Some("ssn_otlp"));

    let process = span_named(&batch, "process npm");
    assert_eq!(
        (process.start_time_unix_nano, process.end_time_unix_nano),
        (T0 + 100_000_000, T0 + 110_000_000)
    );
    assert_eq!(
        attr(&process.attributes, "process.pid"),
        Some(&AnyValue::Int(4242))
    );
    assert_eq!(
        attr(&process.attributes, "process.exit.code"),
        Some(&AnyValue::Int(0))
    );
    assert_eq!(
        attr(&process.attributes, "process.command_args"),
        Some(&AnyValue::Array(vec![
            AnyValue::string("npm"),
            AnyValue::string("test")
        ]))
    );
    assert_eq!(str_attr(&process.attributes, "process.command_line"), None);
    assert_eq!(process.status, Status::default());
    assert_eq!(process.kind, SpanKind::Client, "a program run by the agent");
    assert_eq!(str_attr(&process.attributes, "error.type"), None);
}

/// A lead agent spawns a worker; the worker calls a tool and fails; the
/// lead decides and completes. No event names a parent span: the tree comes
/// from the pairing.
fn multi_agent() -> Vec<SessionEvent> {
    let s = |v: &str| Some(v.to_string());
    vec![
        ev(
            0,
            "lead",
            0,
            &span_hex(0x10),
            None,
            EventType::SessionStarted,
        ),
        ev(
            1,
            "lead",
            1,
            &span_hex(0x11),
            None,
            EventType::AgentStarted {
                parent_agent_instance_id: None,
            },
        ),
        ev(
            2,
            "worker",
            2,
            &span_hex(0x12),
            None,
            EventType::AgentSpawned {
                spawned_by_agent_instance_id: "ai_lead".into(),
                reason: s("split"),
            },
        ),
        ev(
            3,
            "worker",
            50,
            &span_hex(0x13),
            None,
            EventType::AgentCalledTool {
                tool_name: "Read".into(),
                tool_input_digest: None,
                tool_output_digest: None,
                duration_ms: Some(40),
                outcome: None,
            },
        ),
        ev(
            4,
            "worker",
            60,
            &span_hex(0x14),
            None,
            EventType::AgentFailed {
                reason: s("timeout"),
            },
        ),
        ev(
            5,
            "lead",
            70,
            &span_hex(0x15),
            None,
            EventType::AgentDecision {
                model: s("gpt-5"),
                tokens_in: Some(10),
                tokens_out: Some(20),
                provider: s("openai"),
                summary: None,
                confidence: None,
            },
        ),
        ev(
            6,
            "lead",
            80,
            &span_hex(0x16),
            None,
            EventType::AgentCompleted {
                termination_reason: None,
            },
        ),
        ev(
            7,
            "lead",
            90,
            &span_hex(0x17),
            None,
            EventType::SessionClosed {
                summary: None,
                duration_ms: Some(90),
            },
        ),
    ]
}

#[test]
fn a_multi_agent_session_becomes_one_tree() {
    let events = multi_agent();
    let batch = to_otlp(&events);
    let parent = |name: &str| span_named(&batch, name).parent_span_id.clone();
    assert_eq!(parent("session"), None);
    assert_eq!(parent("invoke_agent lead"), Some(span_hex(0x10)));
    assert_eq!(
        parent("invoke_agent worker"),
        Some(span_hex(0x11)),
        "spawned by the lead"
    );
    assert_eq!(
        parent("execute_tool Read"),
        Some(span_hex(0x12)),
        "inside the worker"
    );
    assert_eq!(parent("chat gpt-5"), Some(span_hex(0x11)));
    let worker = span_named(&batch, "invoke_agent worker");
    assert_eq!(
        worker.status,
        Status {
            code: StatusCode::Error,
            message: Some("timeout".into())
        }
    );
    assert_eq!(
        str_attr(&worker.attributes, "error.type"),
        Some("agent.failed")
    );
    assert_eq!(
        str_attr(
            &worker.attributes,
            "sessiontrail.spawned_by_agent_instance_id"
        ),
        Some("ai_lead")
    );
    assert_eq!(batch.spans.len(), 5);
    assert!(batch.spans.iter().all(|s| s.trace_id == TRACE));
}

#[test]
fn an_explicit_parent_wins_and_other_traces_are_not_adopted() {
    let mut events = multi_agent();
    events[3].parent_span_id = Some("ABCDEFABCDEFABCD".into());
    events[5].trace_id = "1".repeat(32);
    let batch = to_otlp(&events);
    assert_eq!(
        span_named(&batch, "execute_tool Read")
            .parent_span_id
            .as_deref(),
        Some("abcdefabcdefabcd")
    );
    let chat = span_named(&batch, "chat gpt-5");
    assert_eq!(chat.trace_id, "1".repeat(32));
    assert_eq!(
        chat.parent_span_id, None,
        "the lead's span is in another trace"
    );
}

#[test]
fn spans_whose_end_never_came() {
    let events = multi_agent();
    // The session is closed while the worker's process still runs and an
    // agent never said it completed: both end at the close, marked.
    let mut open_ended: Vec<SessionEvent> = events[..3].to_vec();
    open_ended.push(ev(
        3,
        "worker",
        10,
        &span_hex(0x20),
        None,
        EventType::AgentStartedProcess {
            process_name: "cargo".into(),
            pid: None,
            command: None,
        },
    ));
    let mut mapper = Mapper::new();
    let mut batch = OtlpBatch::default();
    for e in &open_ended {
        mapper.map(e, &mut batch);
    }
    assert!(batch.spans.is_empty(), "nothing has ended");
    assert_eq!(batch.logs.len(), 4, "every start is still a log record");
    assert_eq!(mapper.open_spans(), 4);

    let close = ev(
        4,
        "lead",
        500,
        &span_hex(0x21),
        None,
        EventType::SessionClosed {
            summary: None,
            duration_ms: None,
        },
    );
    mapper.map(&close, &mut batch);
    let names: Vec<&str> = batch.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "invoke_agent lead",
            "invoke_agent worker",
            "process cargo",
            "session"
        ]
    );
    for span in &batch.spans[..3] {
        assert_eq!(span.end_time_unix_nano, T0 + 500_000_000, "{}", span.name);
        assert_eq!(
            attr(&span.attributes, "sessiontrail.unfinished"),
            Some(&AnyValue::Bool(true))
        );
    }
    assert_eq!(
        attr(&batch.spans[3].attributes, "sessiontrail.unfinished"),
        None
    );
    assert_eq!(mapper.open_spans(), 0);

    // An end whose start was never seen ends nothing.
    let mut batch = OtlpBatch::default();
    Mapper::new().map(&events[6], &mut batch);
    assert_eq!((batch.spans.len(), batch.logs.len()), (0, 1));
}

#[test]
fn a_mapper_fed_again_resumes_where_it_stopped() {
    // What `sessiontrail otlp` does after a restart: replay the shipped
    // events (their output dropped), then map the rest. The spans of the
    // rest are those a single pass gives for them.
    let events = multi_agent();
    let whole = to_otlp(&events);
    for cut in 0..=events.len() {
        let mut mapper = Mapper::new();
        let mut replay = OtlpBatch::default();
        for e in &events[..cut] {
            mapper.map(e, &mut replay);
        }
        let mut rest = OtlpBatch::default();
        for e in &events[cut..] {
            mapper.map(e, &mut rest);
        }
        let mut joined = replay.clone();
        joined.spans.extend(rest.spans);
        joined.logs.extend(rest.logs);
        assert_eq!(joined, whole, "cut at {cut}");
    }
}

#[test]
fn processes_pair_oldest_first_and_a_failed_exit_is_an_error() {
    let start = |seq, ms, pid| {
        ev(
            seq,
            "lead",
            ms,
            &span_hex(seq + 1),
            None,
            EventType::AgentStartedProcess {
                process_name: "sh".into(),
                pid: Some(pid),
                command: None,
            },
        )
    };
    let done = |seq, ms, code| {
        ev(
            seq,
            "lead",
            ms,
            &span_hex(seq + 1),
            None,
            EventType::AgentCompletedProcess {
                process_name: "sh".into(),
                exit_code: Some(code),
                duration_ms: None,
                command: Some("sh -c x".into()),
            },
        )
    };
    let events = [
        start(0, 0, 1),
        start(1, 5, 2),
        done(2, 10, 3),
        done(3, 20, 0),
    ];
    let batch = to_otlp(&events);
    assert_eq!(batch.spans.len(), 2);
    let (first, second) = (&batch.spans[0], &batch.spans[1]);
    assert_eq!(
        attr(&first.attributes, "process.pid"),
        Some(&AnyValue::Int(1))
    );
    assert_eq!(
        first.status,
        Status {
            code: StatusCode::Error,
            message: Some("exit code 3".into())
        }
    );
    assert_eq!(
        attr(&first.attributes, "process.command_args"),
        Some(&AnyValue::Array(
            ["sh", "-c", "x"].map(AnyValue::string).to_vec()
        ))
    );
    assert_eq!(str_attr(&first.attributes, "process.command_line"), None);
    assert_eq!(str_attr(&first.attributes, "error.type"), Some("3"));
    assert_eq!(str_attr(&second.attributes, "error.type"), None);
    assert_eq!(
        attr(&second.attributes, "process.pid"),
        Some(&AnyValue::Int(2))
    );
    assert_eq!(second.status, Status::default());
}

#[test]
fn ids_and_times_otlp_cannot_carry_stay_as_text() {
    let mut events = multi_agent();
    events[3].trace_id = "not-a-trace".into();
    events[5].span_id = "0000000000000000".into();
    events[1].timestamp = "yesterday".into();
    events[2].span_id = "ABCDEF0123456789".into();
    let batch = to_otlp(&events);
    let tool = &batch.logs[3];
    assert_eq!(tool.trace_id, None);
    assert_eq!(
        str_attr(&tool.attributes, "sessiontrail.trace_id"),
        Some("not-a-trace")
    );
    assert_eq!(
        batch.logs[5].span_id, None,
        "the all-zero id is W3C's invalid id"
    );
    assert_eq!(batch.logs[1].time_unix_nano, 0);
    assert_eq!(
        str_attr(&batch.logs[1].attributes, "sessiontrail.timestamp"),
        Some("yesterday")
    );
    assert_eq!(
        batch.logs[2].span_id.as_deref(),
        Some("abcdef0123456789"),
        "hex is lowercased"
    );
    // No span from a bad id or time: the tool call, the decision, and the
    // lead's agent span (its start time is unreadable) are missing.
    let names: Vec<&str> = batch.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["invoke_agent worker", "session"]);
    assert_eq!(
        batch.spans[0].parent_span_id.as_deref(),
        Some(span_hex(0x10).as_str()),
        "the session, as the lead has no span"
    );
    // And the JSON has nothing a receiver would refuse.
    let traces: Value = serde_json::from_str(&batch.traces_json()).unwrap();
    let logs: Value = serde_json::from_str(&batch.logs_json()).unwrap();
    assert!(
        !batch.traces_json().contains("not-a-trace")
            && !logs.to_string().contains("\"traceId\":\"not")
    );
    assert_eq!(
        traces["resourceSpans"][0]["scopeSpans"][0]["spans"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn the_json_is_otlp_json() {
    let events = multi_agent();
    let batch = to_otlp(&events);
    let traces: Value = serde_json::from_str(&batch.traces_json()).unwrap();
    let rs = &traces["resourceSpans"][0];
    assert_eq!(
        rs["resource"],
        json!({"attributes": [{"key": "service.name", "value": {"stringValue": "sessiontrail"}}]})
    );
    assert_eq!(rs["schemaUrl"], "https://opentelemetry.io/schemas/1.37.0");
    let scope = &rs["scopeSpans"][0];
    assert_eq!(
        scope["scope"],
        json!({"name": "sessiontrail", "version": env!("CARGO_PKG_VERSION")})
    );
    let worker = scope["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "invoke_agent worker")
        .unwrap();
    assert_eq!(worker["traceId"], TRACE);
    assert_eq!(worker["spanId"], span_hex(0x12));
    assert_eq!(worker["parentSpanId"], span_hex(0x11));
    assert_eq!(worker["kind"], 1);
    assert_eq!(worker["startTimeUnixNano"], (T0 + 2_000_000).to_string());
    assert_eq!(worker["endTimeUnixNano"], (T0 + 60_000_000).to_string());
    assert_eq!(worker["status"], json!({"code": 2, "message": "timeout"}));
    let session = scope["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "session")
        .unwrap();
    assert!(session.get("status").is_none() && session.get("parentSpanId").is_none());
    let duration = session["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "sessiontrail.duration_ms")
        .unwrap();
    assert_eq!(duration["value"], json!({"intValue": "90"}));

    let logs: Value = serde_json::from_str(&batch.logs_json()).unwrap();
    assert_eq!(logs["resourceLogs"][0]["schemaUrl"], rs["schemaUrl"]);
    let records = logs["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
        .as_array()
        .unwrap();
    assert_eq!(records.len(), 8);
    let failed = &records[4];
    assert_eq!(failed["eventName"], "agent.failed");
    assert_eq!(failed["timeUnixNano"], (T0 + 60_000_000).to_string());
    assert_eq!(failed["severityNumber"], 17);
    assert_eq!(failed["severityText"], "ERROR");
    assert_eq!(failed["traceId"], TRACE);
    // The worker's span, which agent.failed ends (not the event's own
    // span id, which no span has).
    assert_eq!(failed["spanId"], span_hex(0x12));
    assert!(failed.get("body").is_none(), "no meta, no body");
    // No snake_case key anywhere.
    fn keys(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                out.push(k.clone());
                keys(v, out)
            }),
            Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    keys(&traces, &mut all);
    keys(&logs, &mut all);
    assert!(all.iter().all(|k| !k.contains('_')), "{all:?}");
}

#[test]
fn numbers_past_what_otlp_holds() {
    let mut e = ev(
        0,
        "lead",
        0,
        &span_hex(1),
        None,
        EventType::AgentDecision {
            model: None,
            tokens_in: Some(u64::MAX),
            tokens_out: Some(i64::MAX as u64),
            provider: None,
            summary: None,
            confidence: None,
        },
    );
    e.meta = Some(json!({"big": u64::MAX, "neg": i64::MIN}));
    let events = [e];
    let batch = to_otlp(&events);
    let chat = span_named(&batch, "chat");
    assert_eq!(
        attr(&chat.attributes, "gen_ai.usage.input_tokens"),
        Some(&AnyValue::Double(u64::MAX as f64))
    );
    assert_eq!(
        attr(&chat.attributes, "gen_ai.usage.output_tokens"),
        Some(&AnyValue::Int(i64::MAX))
    );
    assert_eq!(
        batch.logs[0].body,
        Some(AnyValue::Kvlist(vec![
            KeyValue::new("big", AnyValue::Double(u64::MAX as f64)),
            KeyValue::new("neg", AnyValue::Int(i64::MIN)),
        ]))
    );
}

// ------------------------------------------------- the text functions (text.rs)

/// The stored line of `event`, as the log (and `JSON.stringify` of what
/// `readAll` returns) writes it.
fn line_of(event: &SessionEvent) -> String {
    let mut out = Vec::new();
    sessiontrail::hosting::write_event(&mut out, event);
    String::from_utf8(out).unwrap()
}

#[test]
fn events_from_lines_reads_what_the_log_writes() {
    let events = vec![
        ev(0, "lead", 0, &span_hex(1), None, EventType::SessionStarted),
        ev(
            1,
            "lead",
            5,
            &span_hex(2),
            None,
            EventType::AgentNote {
                text: Some("a\nb".into()),
            },
        ),
    ];
    let text = events.iter().map(line_of).collect::<Vec<_>>().join("\n");
    assert_eq!(events_from_lines(&text).unwrap(), events);
    assert_eq!(events_from_lines("").unwrap(), Vec::<SessionEvent>::new());
}

#[test]
fn events_from_lines_names_the_first_bad_event() {
    let good = line_of(&ev(
        0,
        "lead",
        0,
        &span_hex(1),
        None,
        EventType::SessionStarted,
    ));
    let no_session = good.replacen("\"session_id\":\"ssn_otlp\",", "", 1);
    let err = events_from_lines(&format!("{good}\n{no_session}\n{{}}")).unwrap_err();
    assert_eq!(err.index, 1);
    assert_eq!(err.why(), "missing field `session_id`");
    assert_eq!(err.to_string(), "events[1]: missing field `session_id`");
    let err = events_from_lines(&format!("{good}\n")).unwrap_err();
    assert_eq!(
        (err.index, err.to_string()),
        (1, "events[1]: blank line".into())
    );
    let err = events_from_lines("7").unwrap_err();
    assert_eq!(
        err.to_string(),
        "events[0]: expected a JSON object, got a number"
    );
}

#[test]
fn the_records_and_requests_json_hold_the_batch() {
    let events = [ev(
        0,
        "lead",
        0,
        &span_hex(1),
        None,
        EventType::AgentDecision {
            model: Some("m".into()),
            tokens_in: None,
            tokens_out: None,
            provider: None,
            summary: None,
            confidence: None,
        },
    )];
    let mut batch = OtlpBatch::for_service("svc");
    Mapper::new().map(&events[0], &mut batch);
    let mut records = Vec::new();
    batch.write_records_json(&mut records).unwrap();
    let records: Value = serde_json::from_slice(&records).unwrap();
    let traces: Value = serde_json::from_str(&batch.traces_json()).unwrap();
    let logs: Value = serde_json::from_str(&batch.logs_json()).unwrap();
    assert_eq!(
        records["spans"],
        traces["resourceSpans"][0]["scopeSpans"][0]["spans"]
    );
    assert_eq!(
        records["logs"],
        logs["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    );
    assert_eq!(records["spans"].as_array().unwrap().len(), 1);
    let mut both = Vec::new();
    batch.write_requests_json(&mut both).unwrap();
    let both: Value = serde_json::from_slice(&both).unwrap();
    assert_eq!(both, json!({ "traces": traces, "logs": logs }));
    assert_eq!(
        both["traces"]["resourceSpans"][0]["resource"]["attributes"][0],
        json!({ "key": "service.name", "value": { "stringValue": "svc" } })
    );
}

#[test]
fn providers_are_named_as_the_conventions_name_them() {
    use crate::mapper::provider_name;
    for (given, named) in [
        ("anthropic", "anthropic"),
        ("Anthropic", "anthropic"),
        (" OpenAI ", "openai"),
        ("Google", "gcp.gemini"),
        ("AWS.Bedrock", "aws.bedrock"),
        ("bedrock", "aws.bedrock"),
        ("Mistral-AI", "mistral_ai"),
        ("Vertex AI", "gcp.vertex_ai"),
        ("my-own-llm", "my-own-llm"),
    ] {
        assert_eq!(provider_name(given), named, "{given:?}");
    }
}

#[test]
fn a_tool_call_carries_the_agent_s_call_id() {
    let mut call = ev(
        0,
        "lead",
        10,
        &span_hex(1),
        None,
        EventType::AgentCalledTool {
            tool_name: "Read".into(),
            tool_input_digest: None,
            tool_output_digest: None,
            duration_ms: Some(2),
            outcome: None,
        },
    );
    call.meta = Some(serde_json::json!({"tool_use_id": "toolu_01", "other": 1}));
    let batch = to_otlp(std::slice::from_ref(&call));
    let tool = span_named(&batch, "execute_tool Read");
    assert_eq!(
        str_attr(&tool.attributes, "gen_ai.tool.call.id"),
        Some("toolu_01")
    );
    assert_eq!(
        str_attr(&tool.attributes, "gen_ai.tool.type"),
        Some("function")
    );
}

/// A coding agent's session as its hook records it: `claude-code` and a
/// subagent, tools with the agent's call ids in `meta`, a file read whose
/// duration is in `meta`, a failed and a denied call, a note, and a note
/// written in another trace.
fn coding_session() -> Vec<SessionEvent> {
    let tool = |name: &str, outcome: Option<&str>| EventType::AgentCalledTool {
        tool_name: name.into(),
        tool_input_digest: None,
        tool_output_digest: None,
        duration_ms: Some(5),
        outcome: outcome.map(str::to_owned),
    };
    let mut events = vec![
        ev(
            0,
            "claude-code",
            0,
            &span_hex(1),
            None,
            EventType::SessionStarted,
        ),
        ev(
            1,
            "claude-code",
            1,
            &span_hex(2),
            None,
            EventType::AgentStarted {
                parent_agent_instance_id: None,
            },
        ),
        ev(
            2,
            "claude-code",
            100,
            &span_hex(3),
            None,
            tool("Grep", Some("succeeded")),
        ),
        ev(
            3,
            "claude-code",
            200,
            &span_hex(4),
            None,
            EventType::AgentReadFile {
                file_path: "/repo/src/lib.rs".into(),
                digest: None,
            },
        ),
        ev(
            4,
            "claude-code",
            300,
            &span_hex(5),
            None,
            tool("Edit", Some("failed")),
        ),
        ev(
            5,
            "claude-code",
            400,
            &span_hex(6),
            None,
            tool("WebFetch", Some("denied")),
        ),
        ev(
            6,
            "claude-code",
            450,
            &span_hex(7),
            None,
            EventType::AgentNote { text: None },
        ),
        ev(
            7,
            "claude-code",
            460,
            &span_hex(8),
            None,
            EventType::AgentNote { text: None },
        ),
        ev(
            8,
            "Explore",
            500,
            &span_hex(9),
            None,
            EventType::AgentSpawned {
                spawned_by_agent_instance_id: "ai_claude-code".into(),
                reason: None,
            },
        ),
        ev(
            9,
            "Explore",
            600,
            &span_hex(10),
            None,
            EventType::AgentReturned {
                returned_to_agent_instance_id: "ai_claude-code".into(),
            },
        ),
        ev(
            10,
            "claude-code",
            700,
            &span_hex(11),
            None,
            EventType::AgentCompleted {
                termination_reason: None,
            },
        ),
        ev(
            11,
            "claude-code",
            800,
            &span_hex(12),
            None,
            EventType::SessionClosed {
                summary: None,
                duration_ms: None,
            },
        ),
    ];
    for (i, e) in events.iter_mut().enumerate() {
        if (2..=5).contains(&i) {
            e.meta = Some(
                json!({"hook": "PostToolUse", "tool_use_id": format!("toolu_{i}"), "duration_ms": 30}),
            );
        }
    }
    events[7].trace_id = "1".repeat(32);
    events[8].agent_id = "agent://claude-code/Explore".into();
    events[9].agent_id = "agent://claude-code/Explore".into();
    events
}

#[test]
fn every_tool_call_is_a_span_and_failed_ones_are_errors() {
    let events = coding_session();
    let batch = to_otlp(&events);
    for (name, seq) in [
        ("execute_tool Grep", 2),
        ("execute_tool read_file", 3),
        ("execute_tool Edit", 4),
        ("execute_tool WebFetch", 5),
    ] {
        let span = span_named(&batch, name);
        let a = &span.attributes;
        let call_id = format!("toolu_{seq}");
        assert_eq!(str_attr(a, "gen_ai.tool.call.id"), Some(call_id.as_str()));
        assert_eq!(str_attr(a, "gen_ai.operation.name"), Some("execute_tool"));
        assert_eq!(span.parent_span_id.as_deref(), Some(span_hex(2).as_str()));
        // called_tool's own duration_ms (5) wins over meta's (30); the file
        // read has only meta's.
        let ms = if seq == 3 { 30 } else { 5 };
        assert_eq!(
            span.end_time_unix_nano - span.start_time_unix_nano,
            ms * 1_000_000,
            "{name}"
        );
    }
    let read = span_named(&batch, "execute_tool read_file");
    assert_eq!(
        str_attr(&read.attributes, "file.path"),
        Some("/repo/src/lib.rs")
    );

    let ok = span_named(&batch, "execute_tool Grep");
    assert_eq!(ok.status, Status::default());
    assert_eq!(str_attr(&ok.attributes, "error.type"), None);
    for (name, outcome) in [
        ("execute_tool Edit", "failed"),
        ("execute_tool WebFetch", "denied"),
    ] {
        let span = span_named(&batch, name);
        assert_eq!(span.status.code, StatusCode::Error, "{name}");
        assert_eq!(str_attr(&span.attributes, "error.type"), Some(outcome));
        assert_eq!(
            str_attr(&span.attributes, "sessiontrail.outcome"),
            Some(outcome)
        );
    }

    // The provider from the agent's name, the subagent's from its id.
    for name in ["invoke_agent claude-code", "invoke_agent Explore"] {
        let agent = span_named(&batch, name);
        assert_eq!(
            str_attr(&agent.attributes, "gen_ai.provider.name"),
            Some("anthropic"),
            "{name}"
        );
    }

    // Log records point at exported spans only: the note at its agent's
    // span; the note of another trace at none; the return at the span it
    // ended; agent.completed at the agent's span.
    let span_of = |i: usize| batch.logs[i].span_id.as_deref();
    assert_eq!(span_of(6), Some(span_hex(2).as_str()));
    assert_eq!(span_of(7), None);
    assert_eq!(
        batch.logs[7].trace_id.as_deref(),
        Some("1".repeat(32).as_str())
    );
    assert_eq!(span_of(9), Some(span_hex(9).as_str()));
    assert_eq!(span_of(10), Some(span_hex(2).as_str()));
    assert_eq!(span_of(11), Some(span_hex(1).as_str()));
    let exported: Vec<&str> = batch.spans.iter().map(|s| s.span_id.as_str()).collect();
    for log in &batch.logs {
        if let Some(id) = &log.span_id {
            assert!(
                exported.contains(&id.as_ref()),
                "{id} of {}",
                log.event_name
            );
        }
    }
}

#[test]
fn a_decision_s_provider_wins_over_the_agent_s_name() {
    let mut events = coding_session();
    events.insert(
        2,
        ev(
            99,
            "claude-code",
            50,
            &span_hex(99),
            None,
            EventType::AgentDecision {
                model: None,
                tokens_in: None,
                tokens_out: None,
                provider: Some("Bedrock".into()),
                summary: None,
                confidence: None,
            },
        ),
    );
    let batch = to_otlp(&events);
    let agent = span_named(&batch, "invoke_agent claude-code");
    assert_eq!(
        str_attr(&agent.attributes, "gen_ai.provider.name"),
        Some("aws.bedrock")
    );
    let mut other = coding_session();
    for e in &mut other {
        e.agent_name = "my-agent".into();
        e.agent_id = "agent://my-agent".into();
    }
    let batch = to_otlp(&other);
    let agent = span_named(&batch, "invoke_agent my-agent");
    assert_eq!(str_attr(&agent.attributes, "gen_ai.provider.name"), None);
}

/// The semantic conventions' attribute registry the mapping names its
/// attributes from (`semconv/attributes.txt`, written from the
/// conventions' YAML by scripts/semconv-attributes.py).
fn conventions() -> std::collections::HashMap<&'static str, (&'static str, Vec<&'static str>)> {
    let text = include_str!("../semconv/attributes.txt");
    assert!(
        text.lines().next().unwrap().contains(&format!(
            "conventions v{}",
            SCHEMA_URL.rsplit('/').next().unwrap()
        )),
        "the list is of the schemaUrl's version"
    );
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut cols = l.split('\t');
            let name = cols.next().unwrap();
            let kind = cols.next().unwrap();
            let values = cols
                .next()
                .map(|v| v.split(',').collect())
                .unwrap_or_default();
            (name, (kind, values))
        })
        .collect()
}

#[test]
fn attributes_are_the_conventions() {
    let registry = conventions();
    // Enums the conventions leave open: any value, the listed ones where
    // they apply (provider names are checked below against the list).
    let open = ["error.type", "gen_ai.provider.name"];
    let mut sessions = vec![every_type(), multi_agent(), coding_session()];
    let mut decision = every_type();
    for e in &mut decision {
        if let EventType::AgentDecision { provider, .. } = &mut e.event_type {
            *provider = Some("a-provider-of-our-own".into());
        }
    }
    sessions.push(decision);
    let mut seen = std::collections::BTreeSet::<String>::new();
    for events in &sessions {
        let batch = to_otlp(events);
        let spans = batch.spans.iter().map(|s| (s.name.as_str(), &s.attributes));
        let logs = batch.logs.iter().map(|l| (l.event_name, &l.attributes));
        let resource = std::iter::once(("resource", &batch.resource));
        for (owner, attrs) in spans.chain(logs).chain(resource) {
            for kv in attrs.iter() {
                let key = kv.key.as_ref();
                if key.starts_with("sessiontrail.") {
                    continue;
                }
                let Some((kind, values)) = registry.get(key) else {
                    panic!("{owner}: {key} is not an attribute of the conventions");
                };
                let fits = match (*kind, &kv.value) {
                    ("string", AnyValue::String(_)) => true,
                    ("int", AnyValue::Int(_)) => true,
                    ("double", AnyValue::Double(_)) => true,
                    ("boolean", AnyValue::Bool(_)) => true,
                    ("string[]", AnyValue::Array(items)) => {
                        items.iter().all(|i| matches!(i, AnyValue::String(_)))
                    }
                    ("enum", AnyValue::String(v)) => {
                        open.contains(&key) || values.contains(&v.as_ref())
                    }
                    _ => false,
                };
                assert!(
                    fits,
                    "{owner}: {key} = {:?} is not a {kind} {values:?}",
                    kv.value
                );
                seen.insert(key.to_owned());
            }
        }
    }
    // The walk met every conventions attribute the mapping emits.
    for key in [
        "error.type",
        "file.path",
        "gen_ai.operation.name",
        "gen_ai.provider.name",
        "gen_ai.tool.call.id",
        "gen_ai.tool.type",
        "network.transport",
        "process.command_args",
        "process.exit.code",
        "server.address",
        "server.port",
        "service.name",
    ] {
        assert!(seen.contains(key), "{key} never emitted");
    }
    // Every well-known provider value is one of the conventions' and names
    // itself; every other spelling names one of them.
    let (_, members) = &registry["gen_ai.provider.name"];
    let mut known: Vec<&str> = mapper::WELL_KNOWN.to_vec();
    let mut listed = members.clone();
    known.sort();
    listed.sort();
    assert_eq!(known, listed);
    for (alias, name) in mapper::ALIASES {
        assert!(members.contains(&name), "{alias} -> {name}");
        assert_eq!(mapper::provider_name(alias), name);
    }
}
