// The 18 event types of src/event.rs, as the recorder page shows and edits
// them: each type's own fields (wire names, snake_case), which are required,
// what kind of value each holds, and the colour and icon of its timeline row.
// The wasm core is still the judge of what a valid event is; this table only
// lets the form ask for the right fields and catch mistakes early.

/**
 * Field kinds:
 *   text   a string                    u16   integer 0..65535 (ports)
 *   u32    integer 0..4294967295       u64   integer 0..2^53-1 (JavaScript numbers
 *   i32    integer -2^31..2^31-1             are exact only up to there)
 *   f64    any finite number           list  strings, one per line or comma-separated
 *   choice one of `options`
 */
export const EVENT_TYPES = [
  type("session.started", "Session started", "session", "play", []),
  type("session.closed", "Session closed", "session", "stop", [
    field("summary", "Summary", "text"),
    field("duration_ms", "Duration (ms)", "u64"),
  ]),
  type("agent.started", "Agent started", "lifecycle", "play", [
    field("parent_agent_instance_id", "Parent agent instance id", "text"),
  ]),
  type("agent.spawned", "Agent spawned", "lifecycle", "spawn", [
    field("spawned_by_agent_instance_id", "Spawned by agent instance id", "text", { required: true }),
    field("reason", "Reason", "text"),
  ]),
  type("agent.handoff", "Agent handoff", "lifecycle", "handoff", [
    field("from_agent_instance_id", "From agent instance id", "text", { required: true }),
    field("to_agent_instance_id", "To agent instance id", "text", { required: true }),
    field("artifacts", "Artifacts", "list"),
  ]),
  type("agent.collaborated", "Agents collaborated", "lifecycle", "collab", [
    field("collaborator_agent_instance_ids", "Collaborator agent instance ids", "list"),
  ]),
  type("agent.returned", "Agent returned", "lifecycle", "return", [
    field("returned_to_agent_instance_id", "Returned to agent instance id", "text", { required: true }),
  ]),
  type("agent.completed", "Agent completed", "lifecycle", "check", [
    field("termination_reason", "Termination reason", "text"),
  ]),
  type("agent.failed", "Agent failed", "failure", "cross", [field("reason", "Reason", "text")]),
  type("agent.called_tool", "Called a tool", "tool", "tool", [
    field("tool_name", "Tool name", "text", { required: true }),
    field("tool_input_digest", "Input digest", "text"),
    field("tool_output_digest", "Output digest", "text"),
    field("duration_ms", "Duration (ms)", "u64"),
  ]),
  type("agent.read_file", "Read a file", "file", "file", [
    field("file_path", "File path", "text", { required: true }),
    field("digest", "Digest", "text"),
  ]),
  type("agent.wrote_file", "Wrote a file", "file", "edit", [
    field("file_path", "File path", "text", { required: true }),
    field("operation", "Operation", "choice", { options: ["created", "modified", "deleted"] }),
    field("additions", "Lines added", "u32"),
    field("deletions", "Lines deleted", "u32"),
    field("digest", "Digest", "text"),
  ]),
  type("agent.opened_port", "Opened a port", "network", "plug", [
    field("port", "Port", "u16", { required: true }),
    field("protocol", "Protocol", "text"),
  ]),
  type("agent.connected_network", "Connected to network", "network", "globe", [
    field("destination", "Destination", "text", { required: true }),
    field("port", "Port", "u16"),
  ]),
  type("agent.started_process", "Started a process", "process", "terminal", [
    field("process_name", "Process name", "text", { required: true }),
    field("command", "Command line", "text"),
    field("pid", "PID", "u32"),
  ]),
  type("agent.completed_process", "Process completed", "process", "done", [
    field("process_name", "Process name", "text", { required: true }),
    field("command", "Command line", "text"),
    field("exit_code", "Exit code", "i32"),
    field("duration_ms", "Duration (ms)", "u64"),
  ]),
  type("agent.note", "Note", "note", "note", [field("text", "Text", "text", { multiline: true })]),
  type("agent.decision", "Model decision", "decision", "diamond", [
    field("model", "Model", "text"),
    field("provider", "Provider", "text"),
    field("tokens_in", "Tokens in", "u64"),
    field("tokens_out", "Tokens out", "u64"),
    field("confidence", "Confidence", "f64"),
    field("summary", "Summary", "text", { multiline: true }),
  ]),
];

export const TYPE_BY_NAME = new Map(EVENT_TYPES.map((t) => [t.name, t]));

/** Groups for the type picker, in the order they are offered. */
export const CATEGORIES = {
  session: "Session",
  lifecycle: "Agent lifecycle",
  failure: "Agent lifecycle",
  tool: "Tools and files",
  file: "Tools and files",
  process: "Processes and network",
  network: "Processes and network",
  note: "Notes and decisions",
  decision: "Notes and decisions",
};

/** The fields every event carries besides its type's own (the envelope).
 *  session_id, event_id, timestamp, trace_id, span_id and sequence_no are
 *  filled by the page or the core. */
export const AGENT_FIELDS = [
  field("agent_name", "Agent name", "text", { required: true }),
  field("agent_id", "Agent id", "text", { required: true }),
  field("agent_instance_id", "Agent instance id", "text", { required: true }),
  field("host_id", "Host id", "text", { required: true }),
  field("agent_role", "Agent role", "text"),
];

export const MORE_FIELDS = [
  field("parent_span_id", "Parent span id", "text"),
  field("tool_runtime_id", "Tool runtime id", "text"),
  field("artifact_ref", "Artifact reference", "text"),
  field("meta", "Meta (a JSON object)", "json", { multiline: true }),
];

function type(name, label, category, icon, fields) {
  return { name, label, category, icon, fields };
}

function field(name, label, kind, extra = {}) {
  return { name, label, kind, required: false, multiline: false, ...extra };
}

/** A one-line summary of an event's own fields for its timeline row. */
export function summarize(e) {
  const ms = (v) => (v === undefined ? "" : ` · ${v} ms`);
  switch (e.type) {
    case "session.closed":
      return join(e.summary, e.duration_ms !== undefined && `${e.duration_ms} ms`);
    case "agent.started":
      return e.parent_agent_instance_id ? `parent ${e.parent_agent_instance_id}` : "";
    case "agent.spawned":
      return join(`by ${e.spawned_by_agent_instance_id}`, e.reason);
    case "agent.handoff":
      return `${e.from_agent_instance_id} → ${e.to_agent_instance_id}` + (e.artifacts?.length ? ` · ${e.artifacts.join(", ")}` : "");
    case "agent.collaborated":
      return (e.collaborator_agent_instance_ids ?? []).join(", ");
    case "agent.returned":
      return `to ${e.returned_to_agent_instance_id}`;
    case "agent.completed":
      return e.termination_reason ?? "";
    case "agent.failed":
      return e.reason ?? "";
    case "agent.called_tool":
      return e.tool_name + ms(e.duration_ms);
    case "agent.read_file":
      return e.file_path;
    case "agent.wrote_file": {
      const diff = [e.additions !== undefined && `+${e.additions}`, e.deletions !== undefined && `−${e.deletions}`];
      return join(e.file_path, e.operation, diff.filter(Boolean).join(" "));
    }
    case "agent.opened_port":
      return `port ${e.port}` + (e.protocol ? `/${e.protocol}` : "");
    case "agent.connected_network":
      return e.destination + (e.port !== undefined ? `:${e.port}` : "");
    case "agent.started_process":
      return join(e.command ?? e.process_name, e.pid !== undefined && `pid ${e.pid}`);
    case "agent.completed_process":
      return join(e.command ?? e.process_name, e.exit_code !== undefined && `exit ${e.exit_code}`) + ms(e.duration_ms);
    case "agent.note":
      return e.text ?? "";
    case "agent.decision":
      return join(e.model, e.summary, e.tokens_in !== undefined && `${e.tokens_in}→${e.tokens_out ?? "?"} tokens`);
    default:
      return "";
  }
}

function join(...parts) {
  return parts.filter((p) => p !== undefined && p !== null && p !== false && p !== "").join(" · ");
}
