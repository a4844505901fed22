// Type-checked (never run) by types.test.mjs with moduleResolution
// "bundler": the web build's types, as a bundler user sees them.
import init, { EventLog, IndexedDbHost, MemoryHost, OpfsHost, type SessionEvent } from "sessionlog";

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

// The OTLP mapping, the same in the browser build.
import { toOtlp, type OtlpLogsRequest } from "sessionlog";
export function otlpLogs(events: Parameters<typeof toOtlp>[0]): OtlpLogsRequest {
  return toOtlp(events).logs;
}
