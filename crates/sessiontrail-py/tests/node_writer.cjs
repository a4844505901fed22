// The Node writer of test_processes.py: the packed npm package, installed
// into SESSIONTRAIL_NODE_APP (this file is copied there to resolve it).
//   node node_writer.cjs DIR COUNT
// Prints `SEQ EVENT_ID` for every append that returned.
"use strict";
const { EventLog } = require("sessiontrail");
const [dir, count] = process.argv.slice(2);
const log = EventLog.open(dir);
const out = [];
for (let i = 0; i < Number(count); i++) {
  const e = log.appendSync({
    type: "agent.note", text: `node ${i}`, session_id: "ssn_mp", agent_id: "agent://node",
    agent_instance_id: "node", agent_name: "node", host_id: "test", meta: { writer: "node", i },
  });
  out.push(`${e.sequence_no} ${e.event_id}`);
}
process.stdout.write(out.join("\n") + "\n");
