// Type-checked (never run) by types.test.mjs with moduleResolution
// "bundler": the web build's types, as a bundler user sees them.
import init, { EventLog, IndexedDbHost, MemoryHost, OpfsHost, type SessionEvent } from "sessiontrail";

export async function main(): Promise<number> {
  await init();
  const log = EventLog.withHost(new MemoryHost({ name: "m" }));
  const stored = await log.append({
    type: "agent.note", text: "hi",
    session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h",
  });
  const text: string | undefined = stored.text;
  const batch: SessionEvent[] = await log.appendBatch([]);
  const idb = EventLog.withHost(await IndexedDbHost.open("ssn_1"));
  const opfs = EventLog.withHost(await OpfsHost.open("ssn_2"));
  const ok: boolean = (await idb.check()).ok;
  const all: SessionEvent[] = await opfs.readAll();
  void [text, batch, ok, all];
  for await (const e of idb.readFrom(3, 1 << 20)) void (e.sequence_no satisfies number);
  // @ts-expect-error: the Sync forms are Node's only
  idb.readAllSync();
  return stored.sequence_no;
}

// The OTLP mapping: in the browser build, its own entry (its own .wasm).
import { toOtlp, OtlpMapper, type OtlpLogsRequest } from "sessiontrail/otlp";
export const mapped: number = new OtlpMapper().mapBatch([]).spans.length;
export function otlpLogs(events: Parameters<typeof toOtlp>[0]): OtlpLogsRequest {
  return toOtlp(events).logs;
}

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
