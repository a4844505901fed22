// Type-checked (never run) by types.test.mjs with module "nodenext": the
// Node types of the packed package, as a TypeScript user in Node sees them.
import {
  EventLog, FileHost,
  type CheckReport, type EventInput, type EventLogError, type EventLogErrorCode, type SessionEvent,
} from "sessiontrail";

const log: EventLog = EventLog.open("/tmp/x");
const input: EventInput = {
  type: "agent.opened_port", port: 8080,
  session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h",
};
const stored = log.appendSync({
  type: "agent.called_tool", tool_name: "bash",
  session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h",
});
const tool: string = stored.tool_name; // narrowed to AgentCalledTool
const seq: number = stored.sequence_no;
const all: SessionEvent[] = log.appendBatchSync([input]);
for (const e of log.readAllSync()) {
  if (e.type === "agent.opened_port") {
    const port: number = e.port;
    void port;
  }
}
for (const e of log.readFromSync(10)) {
  const n: number = e.sequence_no;
  void n;
}
const chunk = log.readChunkSync(0, 1 << 20);
const next: number = chunk.next;
const done: boolean = chunk.done;
void [next, done, chunk.events satisfies SessionEvent[]];
const report: CheckReport = log.checkSync();
const ok: boolean = report.ok && report.counter !== "stale";
const count: number = log.eventCount;
const flushed: Promise<void> = log.flush();
const host = new FileHost(new URL("file:///tmp/y"));
const other = EventLog.withHost(host);
other.close();
// The Promise forms, the same as in browsers.
export async function promises(): Promise<number> {
  const one = await log.append({
    type: "agent.read_file", file_path: "a.rs",
    session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h",
  });
  const path: string = one.file_path;
  const many: SessionEvent[] = await log.appendBatch([input]);
  const events: SessionEvent[] = await log.readAll();
  const { skipped } = await log.readAllWithStats();
  const checked: CheckReport = await log.check();
  const more: boolean = (await log.readChunk(0, 10)).done;
  for await (const e of log.readFrom(0)) void (e.sequence_no satisfies number);
  await log.flush();
  log.flushSync();
  try {
    log.appendSync(input);
  } catch (e) {
    const err = e as EventLogError;
    const code: EventLogErrorCode = err.code;
    const field: string | undefined = err.field;
    void [code, field];
  }
  void [path, many, events, skipped, checked, more];
  // @ts-expect-error: append returns a Promise, not the event
  const notYet: number = log.append(input).sequence_no;
  void notYet;
  return one.sequence_no;
}
// @ts-expect-error: a missing required field is a type error
log.appendSync({ type: "agent.called_tool", session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h" });
// @ts-expect-error: an unknown type is a type error
log.appendSync({ type: "agent.danced", session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h" });
void [tool, seq, all, ok, count, flushed];

// The OTLP mapping.
import { toOtlp, OtlpMapper, otlpRequests, type OtlpOut, type OtlpSpan } from "sessiontrail";
const requests = toOtlp(log.readAllSync(), { serviceName: "me" });
const firstSpan: OtlpSpan | undefined = requests.traces.resourceSpans[0]?.scopeSpans[0]?.spans[0];
const mapper = new OtlpMapper();
const out: OtlpOut = { spans: [], logs: [] };
for (const e of log.readAllSync()) mapper.map(e, out);
const body: string = JSON.stringify(otlpRequests(out).logs);
void firstSpan, body;
// The same functions from their own entry, which every build has.
import { toOtlp as toOtlpSub, toOtlpJson, OtlpMapper as OtlpMapperSub } from "sessiontrail/otlp";
const again: OtlpOut = new OtlpMapperSub().mapBatch(log.readAllSync());
const subLogs = toOtlpSub(log.readAllSync(), { serviceName: "me" }).logs;
const bodies: { traces: string; logs: string } = toOtlpJson(log.readAllSync());
void again, subLogs, bodies;

// Every event type name (generated into events.d.ts from the Rust schema and
// re-exported through types.d.ts) is exported by the entry, as it was when
// the types were written by hand.
import type {
  EventBase, EventType, JsonValue, FilledFields, Stored,
  SessionStarted, SessionClosed, AgentStarted, AgentSpawned, AgentHandoff, AgentCollaborated,
  AgentReturned, AgentCompleted, AgentFailed, AgentCalledTool, AgentReadFile, AgentWroteFile,
  AgentOpenedPort, AgentConnectedNetwork, AgentStartedProcess, AgentCompletedProcess, AgentNote,
  AgentDecision,
} from "sessiontrail";
export type EveryEventName = [
  EventBase, JsonValue, FilledFields, Stored<{ type: "agent.note" } & EventBase>,
  SessionStarted, SessionClosed, AgentStarted, AgentSpawned, AgentHandoff, AgentCollaborated,
  AgentReturned, AgentCompleted, AgentFailed, AgentCalledTool, AgentReadFile, AgentWroteFile,
  AgentOpenedPort, AgentConnectedNetwork, AgentStartedProcess, AgentCompletedProcess, AgentNote,
  AgentDecision,
];
// A stored event has the ids append fills; a type's optional fields stay optional.
export const storedIds = (e: SessionEvent): string[] => [e.event_id, e.timestamp, e.trace_id, e.span_id];
export const eventTypes: EventType[] = ["session.started", "agent.decision"];
// @ts-expect-error: not an event type
export const notAType: EventType = "agent.unknown";
export const handoff: Omit<AgentHandoff, keyof EventBase> = { type: "agent.handoff", from_agent_instance_id: "a", to_agent_instance_id: "b" };
