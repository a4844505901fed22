// Runs anywhere JavaScript does (Node 18+, browsers, workers): sessions to
// OpenTelemetry, the JavaScript twin of the crate's src/otlp/ (mapper.rs,
// model.rs, time.rs), so a Node agent or a page can ship sessions without the
// CLI. Plain code, no wasm: the mapping is kept out of the .wasm, which has a
// 64 KB gzipped budget. The tests of the packed package compare its output
// with `sessiontrail otlp --output` on the same sessions; a change here goes
// into the Rust files too, and the other way round.
//
// This file is the body of a module: scripts/build-pkg.sh copies it into
// pkg/node/otlp.js with a CommonJS export line and into pkg/web/otlp.js with
// an ES export line, and puts the crate's version where the placeholder
// below is.
//
//   const { traces, logs } = toOtlp(log.readAll());
//   await fetch(`${endpoint}/v1/traces`, { method: "POST",
//     headers: { "content-type": "application/json" }, body: JSON.stringify(traces) });
//   await fetch(`${endpoint}/v1/logs`, { ... body: JSON.stringify(logs) });

const SCOPE = { name: "sessiontrail", version: "__SESSIONTRAIL_VERSION__" };
const KIND_INTERNAL = 1;
const KIND_CLIENT = 3;
const STATUS_ERROR = 2;

/** The fields every event has; the rest of an event's keys are its type's. */
const COMMON = new Set([
  "session_id", "event_id", "timestamp", "sequence_no", "trace_id", "span_id",
  "parent_span_id", "agent_id", "agent_instance_id", "agent_name", "agent_role",
  "host_id", "tool_runtime_id", "type", "artifact_ref", "meta",
]);
/** Type fields that are floats (FieldKind::F64 in src/schema.rs): a double
 *  even when the number is whole. tests/schema_js.rs checks this set and
 *  COMMON against the schema. */
const FLOAT_FIELDS = new Set(["confidence"]);

const present = (v) => v !== undefined && v !== null;
const str = (value) => ({ stringValue: String(value) });

/** An integer as OTLP's intValue (a decimal string), or a double past i64. */
function int(n) {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63
    ? { intValue: BigInt(n).toString() }
    : { doubleValue: n };
}

/** A JSON value (meta) as an AnyValue; undefined for null, which OTLP
 *  cannot carry (and receivers refuse as an empty value). Object keys are
 *  sorted, as the crate's serde_json map keeps them. */
function anyValue(value) {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case "boolean":
      return { boolValue: value };
    case "number":
      return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
    case "string":
      return { stringValue: value };
    default:
      break;
  }
  if (Array.isArray(value)) {
    return { arrayValue: { values: value.map(anyValue).filter((v) => v !== undefined) } };
  }
  const values = [];
  for (const key of Object.keys(value).sort(compareUtf8)) {
    const v = anyValue(value[key]);
    if (v !== undefined) values.push({ key, value: v });
  }
  return { kvlistValue: { values } };
}

/** Orders strings by their UTF-8 bytes, as Rust compares them. */
function compareUtf8(a, b) {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    if (ea[i] !== eb[i]) return ea[i] - eb[i];
  }
  return ea.length - eb.length;
}

function push(attrs, key, value) {
  if (present(value)) attrs.push({ key, value: str(value) });
}

function pushInt(attrs, key, value) {
  if (present(value)) attrs.push({ key, value: int(value) });
}

/** `id` in lowercase when it is `len` hex digits and not all zero. */
function hexId(id, len) {
  if (typeof id !== "string" || id.length !== len || !/^[0-9a-fA-F]+$/.test(id) || /^0+$/.test(id)) {
    return undefined;
  }
  return id.toLowerCase();
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const U64_MAX = 2n ** 64n - 1n;

/** RFC 3339 to nanoseconds since the epoch (a BigInt), or undefined; the
 *  steps of src/otlp/time.rs. */
function unixNanos(text) {
  if (typeof text !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const fraction = BigInt(((m[7] ?? "") + "000000000").slice(0, 9));
  let offset = 0;
  if (m[8] === undefined) {
    const [h, mi] = [Number(m[10]), Number(m[11])];
    if (h > 23 || mi > 59) return undefined;
    offset = (h * 3600 + mi * 60) * (m[9] === "+" ? 1 : -1);
  }
  // Howard Hinnant's days-from-civil.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const epochDays = era * 146097 + doe - 719468;
  const seconds = BigInt(epochDays * 86400 + hour * 3600 + minute * 60 + second - offset);
  const nanos = seconds * 1000000000n + fraction;
  return nanos < 0n || nanos > U64_MAX ? undefined : nanos;
}

/** Who wrote an event, as its span and its log record both carry it (the
 *  crate's `agent_attributes`, in the same order). */
function pushAgent(attrs, event) {
  push(attrs, "gen_ai.agent.id", event.agent_id);
  push(attrs, "gen_ai.agent.name", event.agent_name);
  push(attrs, "sessiontrail.agent_instance_id", event.agent_instance_id);
  push(attrs, "sessiontrail.agent_role", event.agent_role);
  push(attrs, "host.id", event.host_id);
}

/** The log record of one event. */
function logRecord(event) {
  const time = unixNanos(event.timestamp);
  const traceId = hexId(event.trace_id, 32);
  const spanId = hexId(event.span_id, 16);
  const attrs = [];
  push(attrs, "session.id", event.session_id);
  push(attrs, "sessiontrail.event_id", event.event_id);
  pushInt(attrs, "sessiontrail.sequence_no", event.sequence_no);
  pushAgent(attrs, event);
  push(attrs, "sessiontrail.tool_runtime_id", event.tool_runtime_id);
  push(attrs, "sessiontrail.artifact_ref", event.artifact_ref);
  push(attrs, "sessiontrail.parent_span_id", event.parent_span_id);
  if (time === undefined) push(attrs, "sessiontrail.timestamp", event.timestamp);
  if (traceId === undefined) push(attrs, "sessiontrail.trace_id", event.trace_id);
  if (spanId === undefined) push(attrs, "sessiontrail.span_id", event.span_id);
  for (const key of Object.keys(event).filter((k) => !COMMON.has(k)).sort()) {
    const value = event[key];
    if (!present(value)) continue;
    let v;
    if (Array.isArray(value)) {
      if (value.length === 0) continue; // the log leaves empty lists out
      v = { arrayValue: { values: value.map(str) } };
    } else if (typeof value === "number") {
      v = FLOAT_FIELDS.has(key) ? { doubleValue: value } : int(value);
    } else {
      v = str(value);
    }
    attrs.push({ key: `sessiontrail.${key}`, value: v });
  }
  const failed = event.type === "agent.failed";
  const record = {};
  if (time !== undefined && time !== 0n) record.timeUnixNano = time.toString();
  record.severityNumber = failed ? 17 : 9;
  record.severityText = failed ? "ERROR" : "INFO";
  record.eventName = event.type;
  const body = present(event.meta) ? anyValue(event.meta) : undefined;
  if (body !== undefined) record.body = body;
  record.attributes = attrs;
  if (traceId !== undefined) record.traceId = traceId;
  if (spanId !== undefined) record.spanId = spanId;
  return record;
}

/**
 * Turns a session's events, fed in order, into OTLP/JSON spans and log
 * records (the crate's `sessiontrail::otlp::Mapper`): every event is a log
 * record at once; a span goes out when its end arrives.
 *
 * @example
 * const mapper = new OtlpMapper();
 * const out = { spans: [], logs: [] };
 * for (const event of log.readAll()) mapper.map(event, out);
 * const { traces, logs } = otlpRequests(out);
 */
class OtlpMapper {
  #sessions = new Map();
  #agents = new Map();
  #processes = new Map();
  #opened = 0;

  /** Spans started and not yet ended. */
  get openSpans() {
    let n = this.#sessions.size + this.#agents.size;
    for (const queue of this.#processes.values()) n += queue.length;
    return n;
  }

  /** Adds the log record of `event` to `out.logs`, and the spans it ends
   *  to `out.spans`. */
  map(event, out) {
    out.logs.push(logRecord(event));
    const time = unixNanos(event.timestamp);
    const agentKey = (instance) => `${event.session_id}\0${instance}`;
    const parents = [event.agent_instance_id];
    switch (event.type) {
      case "session.started":
        if (!this.#sessions.has(event.session_id)) {
          const span = this.#start(event, "session", KIND_INTERNAL, undefined, []);
          if (span) this.#sessions.set(event.session_id, this.#open(span, event));
        }
        break;
      case "session.closed": {
        this.#closeSessionChildren(event, time, out);
        const open = this.#sessions.get(event.session_id);
        if (open) {
          this.#sessions.delete(event.session_id);
          push(open.span.attributes, "sessiontrail.summary", event.summary);
          pushInt(open.span.attributes, "sessiontrail.duration_ms", event.duration_ms);
          finish(open, event, time, undefined, false, out);
        }
        break;
      }
      case "agent.started":
        this.#startAgent(event, event.parent_agent_instance_id, (attrs) => {
          push(attrs, "sessiontrail.parent_agent_instance_id", event.parent_agent_instance_id);
        });
        break;
      case "agent.spawned":
        this.#startAgent(event, event.spawned_by_agent_instance_id, (attrs) => {
          push(attrs, "sessiontrail.spawned_by_agent_instance_id", event.spawned_by_agent_instance_id);
          push(attrs, "sessiontrail.reason", event.reason);
        });
        break;
      case "agent.completed":
      case "agent.returned":
      case "agent.failed": {
        const key = agentKey(event.agent_instance_id);
        const open = this.#agents.get(key);
        if (!open) break;
        this.#agents.delete(key);
        const attrs = open.span.attributes;
        let status;
        if (event.type === "agent.completed") {
          push(attrs, "sessiontrail.termination_reason", event.termination_reason);
        } else if (event.type === "agent.returned") {
          push(attrs, "sessiontrail.returned_to_agent_instance_id", event.returned_to_agent_instance_id);
        } else {
          push(attrs, "error.type", "agent.failed");
          status = { code: STATUS_ERROR, message: present(event.reason) ? event.reason : "agent.failed" };
        }
        finish(open, event, time, status, false, out);
        break;
      }
      case "agent.called_tool": {
        if (time === undefined) break;
        const duration = present(event.duration_ms) ? BigInt(event.duration_ms) * 1000000n : 0n;
        const start = time > duration ? time - duration : 0n;
        const span = this.#start(event, `execute_tool ${event.tool_name}`, KIND_INTERNAL, "execute_tool", parents);
        if (!span) break;
        span.startTimeUnixNano = start.toString();
        span.endTimeUnixNano = time.toString();
        push(span.attributes, "gen_ai.tool.name", event.tool_name);
        push(span.attributes, "sessiontrail.tool_input_digest", event.tool_input_digest);
        push(span.attributes, "sessiontrail.tool_output_digest", event.tool_output_digest);
        pushInt(span.attributes, "sessiontrail.duration_ms", event.duration_ms);
        out.spans.push(span);
        break;
      }
      case "agent.decision": {
        const name = present(event.model) ? `chat ${event.model}` : "chat";
        const span = this.#start(event, name, KIND_CLIENT, "chat", parents);
        if (!span) break;
        const a = span.attributes;
        push(a, "gen_ai.request.model", event.model);
        push(a, "gen_ai.provider.name", event.provider);
        pushInt(a, "gen_ai.usage.input_tokens", event.tokens_in);
        pushInt(a, "gen_ai.usage.output_tokens", event.tokens_out);
        push(a, "sessiontrail.summary", event.summary);
        if (present(event.confidence)) a.push({ key: "sessiontrail.confidence", value: { doubleValue: event.confidence } });
        out.spans.push(span);
        break;
      }
      case "agent.started_process": {
        const span = this.#start(event, `process ${event.process_name}`, KIND_INTERNAL, undefined, parents);
        if (!span) break;
        push(span.attributes, "process.executable.name", event.process_name);
        pushInt(span.attributes, "process.pid", event.pid);
        push(span.attributes, "process.command_line", event.command);
        const key = `${event.session_id}\0${event.agent_instance_id}\0${event.process_name}`;
        const queue = this.#processes.get(key) ?? [];
        queue.push(this.#open(span, event));
        this.#processes.set(key, queue);
        break;
      }
      case "agent.completed_process": {
        const key = `${event.session_id}\0${event.agent_instance_id}\0${event.process_name}`;
        const queue = this.#processes.get(key);
        if (!queue || queue.length === 0) break;
        const open = queue.shift();
        if (queue.length === 0) this.#processes.delete(key);
        const attrs = open.span.attributes;
        if (!attrs.some((kv) => kv.key === "process.command_line")) {
          push(attrs, "process.command_line", event.command);
        }
        pushInt(attrs, "process.exit.code", event.exit_code);
        pushInt(attrs, "sessiontrail.duration_ms", event.duration_ms);
        const failed = present(event.exit_code) && event.exit_code !== 0;
        const status = failed ? { code: STATUS_ERROR, message: `exit code ${event.exit_code}` } : undefined;
        finish(open, event, time, status, false, out);
        break;
      }
      default:
        break;
    }
  }

  #startAgent(event, parentAgent, addAttrs) {
    const key = `${event.session_id}\0${event.agent_instance_id}`;
    if (this.#agents.has(key)) return;
    const parents = present(parentAgent) ? [parentAgent] : [];
    const span = this.#start(event, `invoke_agent ${event.agent_name}`, KIND_INTERNAL, "invoke_agent", parents);
    if (!span) return;
    addAttrs(span.attributes);
    this.#agents.set(key, this.#open(span, event));
  }

  /** A span started by `event` (see Mapper::start in mapper.rs). */
  #start(event, name, kind, operation, parentAgents) {
    const traceId = hexId(event.trace_id, 32);
    const spanId = hexId(event.span_id, 16);
    const start = unixNanos(event.timestamp);
    if (traceId === undefined || spanId === undefined || start === undefined) return undefined;
    let parentSpanId = hexId(event.parent_span_id, 16);
    if (parentSpanId === undefined) {
      const candidates = parentAgents
        .map((a) => this.#agents.get(`${event.session_id}\0${a}`))
        .concat([this.#sessions.get(event.session_id)]);
      const found = candidates.find(
        (o) => o !== undefined && o.span.traceId === traceId && o.span.spanId !== spanId,
      );
      parentSpanId = found?.span.spanId;
    }
    const attributes = [];
    if (operation !== undefined) push(attributes, "gen_ai.operation.name", operation);
    push(attributes, "gen_ai.conversation.id", event.session_id);
    pushAgent(attributes, event);
    push(attributes, "sessiontrail.event_id", event.event_id);
    const span = { traceId, spanId };
    if (parentSpanId !== undefined) span.parentSpanId = parentSpanId;
    Object.assign(span, {
      name,
      kind,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: start.toString(),
      attributes,
    });
    return span;
  }

  #open(span, event) {
    this.#opened += 1;
    return { span, sessionId: event.session_id, order: this.#opened };
  }

  #closeSessionChildren(event, time, out) {
    const closing = [];
    for (const [key, open] of this.#agents) {
      if (open.sessionId === event.session_id) {
        closing.push(open);
        this.#agents.delete(key);
      }
    }
    for (const [key, queue] of this.#processes) {
      if (queue.length > 0 && queue[0].sessionId === event.session_id) {
        closing.push(...queue);
        this.#processes.delete(key);
      }
    }
    closing.sort((a, b) => a.order - b.order);
    for (const open of closing) finish(open, event, time, undefined, true, out);
  }
}

/** Ends `open` at `event` and emits it (finish in mapper.rs). */
function finish(open, event, time, status, unfinished, out) {
  if (time === undefined) return;
  const span = open.span;
  const start = BigInt(span.startTimeUnixNano);
  span.endTimeUnixNano = (time > start ? time : start).toString();
  push(span.attributes, "sessiontrail.end_event_id", event.event_id);
  if (unfinished) span.attributes.push({ key: "sessiontrail.unfinished", value: { boolValue: true } });
  if (status !== undefined) span.status = status;
  out.spans.push(span);
}

/**
 * The OTLP/JSON export requests of `out` (`{ spans, logs }`): `traces`, an
 * ExportTraceServiceRequest for `{endpoint}/v1/traces`, and `logs`, an
 * ExportLogsServiceRequest for `{endpoint}/v1/logs`.
 * `options.serviceName` sets the resource's service.name ("sessiontrail").
 */
function otlpRequests(out, options = {}) {
  const resource = {
    attributes: [{ key: "service.name", value: str(options.serviceName ?? "sessiontrail") }],
  };
  return {
    traces: { resourceSpans: [{ resource, scopeSpans: [{ scope: { ...SCOPE }, spans: out.spans }] }] },
    logs: { resourceLogs: [{ resource, scopeLogs: [{ scope: { ...SCOPE }, logRecords: out.logs }] }] },
  };
}

/**
 * The spans and log records of `events` (in log order) as OTLP/JSON export
 * requests: `{ traces, logs }`, each ready for JSON.stringify. A span whose
 * end is not among `events` is left out (use OtlpMapper to carry it over).
 */
function toOtlp(events, options = {}) {
  const mapper = new OtlpMapper();
  const out = { spans: [], logs: [] };
  for (const event of events) mapper.map(event, out);
  return otlpRequests(out, options);
}
