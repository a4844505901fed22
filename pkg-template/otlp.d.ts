// Types of the OTLP functions: `sessiontrail/otlp` in every build, and the
// root `sessiontrail` in Node (index.d.ts re-exports this file). Sessions as
// OTLP/JSON export requests, ready for JSON.stringify and a POST to
// `{endpoint}/v1/traces` and `/v1/logs`. The mapping is the crate's
// (crates/sessiontrail-otlp) in a second .wasm, loaded on first use in Node
// and when `sessiontrail/otlp` is imported in browsers.
//
// Errors: an Error with `code` (EventLogErrorCode): INVALID_ARGUMENT (events
// not an array, a bad `out` or `options`), INVALID_EVENT (an event that is
// not a stored event: the message names the call, `events[i]` and the
// field; `index` is i), CLOSED (a freed OtlpMapper), WASM_TRAP.
import type { SessionEvent } from "./types.js";

/** An OTLP attribute value. 64-bit integers are decimal strings. */
export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: OtlpAnyValue[] } }
  | { kvlistValue: { values: OtlpKeyValue[] } };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  parentSpanId?: string;
  /** `session`, `invoke_agent {agent}`, `execute_tool {tool}`, `chat {model}`, `process {name}`. */
  name: string;
  /** 1 INTERNAL, 3 CLIENT. */
  kind: number;
  /** Nanoseconds since the epoch, as a decimal string. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  /** Left out when unset; code 2 is ERROR. */
  status?: { code: number; message?: string };
}

export interface OtlpLogRecord {
  /** Left out when the event's timestamp is not RFC 3339. */
  timeUnixNano?: string;
  /** 9 INFO, 17 ERROR (agent.failed). */
  severityNumber: number;
  severityText: "INFO" | "ERROR";
  /** The event type. */
  eventName: string;
  /** The event's meta. */
  body?: OtlpAnyValue;
  attributes: OtlpKeyValue[];
  traceId?: string;
  spanId?: string;
}

export interface OtlpScope {
  name: "sessiontrail";
  version: string;
}

export interface OtlpResource {
  attributes: OtlpKeyValue[];
}

/** The body of a POST to `{endpoint}/v1/traces`. */
export interface OtlpTracesRequest {
  resourceSpans: { resource: OtlpResource; scopeSpans: { scope: OtlpScope; spans: OtlpSpan[] }[] }[];
}

/** The body of a POST to `{endpoint}/v1/logs`. */
export interface OtlpLogsRequest {
  resourceLogs: { resource: OtlpResource; scopeLogs: { scope: OtlpScope; logRecords: OtlpLogRecord[] }[] }[];
}

export interface OtlpOptions {
  /** The resource's `service.name`; "sessiontrail" by default. */
  serviceName?: string;
}

/** Spans and log records collected by an OtlpMapper. */
export interface OtlpOut {
  spans: OtlpSpan[];
  logs: OtlpLogRecord[];
}

/**
 * The spans and log records of `events` (in log order) as OTLP/JSON export
 * requests. A span whose end is not among `events` is left out.
 *
 * @example
 * const { traces, logs } = toOtlp(log.readAll());
 * await fetch("http://localhost:4318/v1/traces", {
 *   method: "POST", headers: { "content-type": "application/json" },
 *   body: JSON.stringify(traces),
 * });
 */
export declare function toOtlp(
  events: readonly SessionEvent[],
  options?: OtlpOptions,
): { traces: OtlpTracesRequest; logs: OtlpLogsRequest };

/**
 * `toOtlp` as the two request bodies, JSON text to POST as it is (the bytes
 * the CLI sends), made without building objects: faster than
 * `JSON.stringify` of what `toOtlp` returns.
 *
 * @example
 * const { traces, logs } = toOtlpJson(log.readAllSync());
 * await fetch("http://localhost:4318/v1/traces", {
 *   method: "POST", headers: { "content-type": "application/json" }, body: traces,
 * });
 */
export declare function toOtlpJson(
  events: readonly SessionEvent[],
  options?: OtlpOptions,
): { traces: string; logs: string };

/** The export requests of collected spans and log records. */
export declare function otlpRequests(
  out: OtlpOut,
  options?: OtlpOptions,
): { traces: OtlpTracesRequest; logs: OtlpLogsRequest };

/**
 * Maps events in order over any number of calls, keeping spans open across
 * them: every event gives a log record at once, a span goes out in the call
 * that maps its end. The events are stored events (`readAll` gives them):
 * `sequence_no`, the ids and the time included.
 *
 * @example
 * const mapper = new OtlpMapper();
 * const out: OtlpOut = { spans: [], logs: [] };
 * mapper.mapBatch(log.readAllSync(), out);
 * const { traces, logs } = otlpRequests(out);
 */
export declare class OtlpMapper {
  constructor();
  /** Spans started and not yet ended. */
  readonly openSpans: number;
  /** Pushes the log record of `event`, and the spans it ends, onto
   *  `out.spans` and `out.logs` (a new `out` when absent); returns `out`. */
  map(event: SessionEvent, out?: OtlpOut): OtlpOut;
  /** `map` for several events in one call into wasm; all or nothing. */
  mapBatch(events: readonly SessionEvent[], out?: OtlpOut): OtlpOut;
  /** Frees the wasm side now rather than at garbage collection. */
  free(): void;
}
