// The recorder page's own view of the event types: each type's label, its
// category (the colour of its timeline row and its group in the type picker)
// and icon, and each field's label, keyed by field name. The names, kinds
// and required flags come from event-schema.js, generated from the Rust
// schema (`cargo xtask codegen`), so a field added there shows up in the form;
// tests/www/labels.test.mjs fails until it has a label here. The wasm core
// is still the judge of what a valid event is; this table only lets the form
// ask for the right fields and catch mistakes early.

import * as schema from "./event-schema.js";

/**
 * Field kinds (event-schema.js's, plus the page's own choice and json):
 *   text   a string                    u16   integer 0..65535 (ports)
 *   u32    integer 0..4294967295       u64   integer 0..2^53-1 (JavaScript numbers
 *   i32    integer -2^31..2^31-1             are exact only up to there)
 *   f64    any finite number           list  strings, one per line or comma-separated
 *   choice one of `options`            json  any JSON value
 */

/** Per event type: label, category, icon (icons.js). */
const TYPE_LOOKS = {
  "session.started": ["Session started", "session", "play"],
  "session.closed": ["Session closed", "session", "stop"],
  "agent.started": ["Agent started", "lifecycle", "play"],
  "agent.spawned": ["Agent spawned", "lifecycle", "spawn"],
  "agent.handoff": ["Agent handoff", "lifecycle", "handoff"],
  "agent.collaborated": ["Agents collaborated", "lifecycle", "collab"],
  "agent.returned": ["Agent returned", "lifecycle", "return"],
  "agent.completed": ["Agent completed", "lifecycle", "check"],
  "agent.failed": ["Agent failed", "failure", "cross"],
  "agent.called_tool": ["Called a tool", "tool", "tool"],
  "agent.read_file": ["Read a file", "file", "file"],
  "agent.wrote_file": ["Wrote a file", "file", "edit"],
  "agent.opened_port": ["Opened a port", "network", "plug"],
  "agent.connected_network": ["Connected to network", "network", "globe"],
  "agent.started_process": ["Started a process", "process", "terminal"],
  "agent.completed_process": ["Process completed", "process", "done"],
  "agent.note": ["Note", "note", "note"],
  "agent.decision": ["Model decision", "decision", "diamond"],
};

/** Every field's label, by name. The form shows a type's fields in this
 *  order (not the schema's). */
export const FIELD_LABELS = {
  parent_agent_instance_id: "Parent agent instance id",
  spawned_by_agent_instance_id: "Spawned by agent instance id",
  from_agent_instance_id: "From agent instance id",
  to_agent_instance_id: "To agent instance id",
  artifacts: "Artifacts",
  collaborator_agent_instance_ids: "Collaborator agent instance ids",
  returned_to_agent_instance_id: "Returned to agent instance id",
  termination_reason: "Termination reason",
  reason: "Reason",
  tool_name: "Tool name",
  tool_input_digest: "Input digest",
  tool_output_digest: "Output digest",
  outcome: "Outcome",
  file_path: "File path",
  operation: "Operation",
  additions: "Lines added",
  deletions: "Lines deleted",
  digest: "Digest",
  destination: "Destination",
  port: "Port",
  protocol: "Protocol",
  process_name: "Process name",
  command: "Command line",
  pid: "PID",
  exit_code: "Exit code",
  text: "Text",
  model: "Model",
  provider: "Provider",
  tokens_in: "Tokens in",
  tokens_out: "Tokens out",
  confidence: "Confidence",
  summary: "Summary",
  duration_ms: "Duration (ms)",
  // The common fields the form asks for.
  agent_name: "Agent name",
  agent_id: "Agent id",
  agent_instance_id: "Agent instance id",
  host_id: "Host id",
  agent_role: "Agent role",
  parent_span_id: "Parent span id",
  tool_runtime_id: "Tool runtime id",
  artifact_ref: "Artifact reference",
  meta: "Meta (a JSON object)",
};

/** Fields the form shows otherwise than a box for their kind. */
const FIELD_FORMS = {
  operation: { kind: "choice", options: ["created", "modified", "deleted"] },
  outcome: { kind: "choice", options: ["succeeded", "failed", "denied"] },
  text: { multiline: true },
  summary: { multiline: true },
};

const ORDER = Object.keys(FIELD_LABELS);
const position = (f) => (ORDER.includes(f.name) ? ORDER.indexOf(f.name) : ORDER.length);

export const EVENT_TYPES = schema.EVENT_TYPES.map(({ name, fields }) => {
  const [label, category, icon] = TYPE_LOOKS[name] ?? [name, "unknown", undefined];
  return { name, label, category, icon, fields: fields.map((f) => field(f)).sort((a, b) => position(a) - position(b)) };
});

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

/** The fields every event carries besides its type's own (the envelope),
 *  as the form groups them. session_id, event_id, timestamp, trace_id,
 *  span_id and sequence_no are filled by the page or the core. */
export const AGENT_FIELDS = common("agent_name", "agent_id", "agent_instance_id", "host_id", "agent_role");

export const MORE_FIELDS = [
  ...common("parent_span_id", "tool_runtime_id", "artifact_ref"),
  field({ name: "meta", kind: "json", required: false }, { multiline: true }),
];

/** The common fields with these names, as the schema has them. */
function common(...names) {
  return names.map((name) => {
    const spec = schema.COMMON_FIELDS.find((f) => f.name === name);
    if (!spec) throw new Error(`event-types.js: ${name} is not a common field of the schema`);
    return field(spec);
  });
}

/** A schema field as the form shows it. A field without a label shows its
 *  name (the labels test fails for it). */
function field({ name, kind, required }, extra = FIELD_FORMS[name]) {
  return { name, label: FIELD_LABELS[name] ?? name, kind, required, multiline: false, ...extra };
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
      return join(e.tool_name + ms(e.duration_ms), e.outcome);
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
