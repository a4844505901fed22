// Node code as a user writes it: the Node API (EventLog.open, appendSync).
// run.sh type-checks it under node16 and nodenext importing "sessiontrail",
// and under bundler importing "sessiontrail/node", with Node types and no
// DOM lib.
import { EventLog } from "SPECIFIER";
import { toOtlp } from "sessiontrail/otlp";

const log = EventLog.open("/tmp/ssn_ts");
const stored = log.appendSync({
  type: "agent.note",
  session_id: "ssn_ts",
  agent_id: "agent://ts",
  agent_instance_id: "ai_ts",
  agent_name: "ts",
  host_id: "node",
  text: "hi",
});
const seq: number = stored.sequence_no;
const { traces } = toOtlp(log.readAllSync());
console.log(seq, traces);
