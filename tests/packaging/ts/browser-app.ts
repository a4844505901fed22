// Browser code as a user writes it: run.sh type-checks it under bundler
// resolution with the DOM lib and no Node types.
import init, { EventLog, MemoryHost } from "sessiontrail";

await init();
const log = EventLog.withHost(new MemoryHost());
const stored = await log.append({
  type: "agent.note",
  session_id: "ssn_ts",
  agent_id: "agent://ts",
  agent_instance_id: "ai_ts",
  agent_name: "ts",
  host_id: "browser",
  text: "hi",
});
const seq: number = stored.sequence_no;
console.log(seq);
