// Part of `make demo`: a Node agent appends to the session the Rust crate and
// the CLI wrote, then reads the whole log back. Runs from a folder where
// scripts/demo.sh installed the packed package, so `require('sessiontrail')`
// is what a user gets (koffi, for the lock, included).
const { EventLog } = require('sessiontrail');

const dir = process.argv[2];
const log = EventLog.open(dir);
const common = {
  session_id: 'ssn_demo',
  agent_id: 'agent://demo-node',
  agent_instance_id: 'ai_node_1',
  agent_name: 'node-agent',
  host_id: 'host_demo',
};
for (const event of [
  { type: 'agent.spawned', spawned_by_agent_instance_id: 'ai_rust_1', reason: 'run the tests' },
  { type: 'agent.started_process', process_name: 'npm', command: 'npm test' },
  { type: 'agent.completed_process', process_name: 'npm', exit_code: 0, duration_ms: 5120 },
  { type: 'agent.completed', termination_reason: 'tests pass' },
]) {
  const stored = log.appendSync({ ...common, ...event });
  console.log(`node agent appended #${stored.sequence_no} ${stored.type}`);
}
const { events, skipped } = log.readAllWithStatsSync();
console.log(`node reads back ${events.length} events (${skipped} skipped), check ok: ${log.checkSync().ok}`);
