// Type-checked (never run) by types.test.mjs with module "nodenext": the
// Node types of the packed package, as a TypeScript user in Node sees them.
import { EventLog, FileHost, type CheckReport, type EventInput, type SessionEvent } from "sessionlog";

const log: EventLog = EventLog.open("/tmp/x");
const input: EventInput = {
  type: "agent.opened_port", port: 8080,
  session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h",
};
const stored = log.append({
  type: "agent.called_tool", tool_name: "bash",
  session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h",
});
const tool: string = stored.tool_name; // narrowed to AgentCalledTool
const seq: number = stored.sequence_no;
const all: SessionEvent[] = log.appendBatch([input]);
for (const e of log.readAll()) {
  if (e.type === "agent.opened_port") {
    const port: number = e.port;
    void port;
  }
}
for (const e of log.readFrom(10)) {
  const n: number = e.sequence_no;
  void n;
}
const chunk = log.readChunk(0, 1 << 20);
const next: number = chunk.next;
const done: boolean = chunk.done;
void [next, done, chunk.events satisfies SessionEvent[]];
const report: CheckReport = log.check();
const ok: boolean = report.ok && report.counter !== "stale";
const count: number = log.eventCount;
const flushed: Promise<void> = log.flush();
const host = new FileHost(new URL("file:///tmp/y"));
const other = EventLog.withHost(host);
other.close();
// @ts-expect-error: a missing required field is a type error
log.append({ type: "agent.called_tool", session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h" });
// @ts-expect-error: an unknown type is a type error
log.append({ type: "agent.danced", session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h" });
void [tool, seq, all, ok, count, flushed];

// The OTLP mapping.
import { toOtlp, OtlpMapper, otlpRequests, type OtlpOut, type OtlpSpan } from "sessionlog";
const requests = toOtlp(log.readAll(), { serviceName: "me" });
const firstSpan: OtlpSpan | undefined = requests.traces.resourceSpans[0]?.scopeSpans[0]?.spans[0];
const mapper = new OtlpMapper();
const out: OtlpOut = { spans: [], logs: [] };
for (const e of log.readAll()) mapper.map(e, out);
const body: string = JSON.stringify(otlpRequests(out).logs);
void firstSpan, body;
