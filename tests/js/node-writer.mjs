// Runs in Node, in the app folder tests/js/run.sh makes (the packed
// tarball installed). Not a test: a writer process that the writer tests
// start many of at once, next to native and treeship-core writers.
//
//   node node-writer.mjs DIR WHO COUNT BIG_EVERY [BIG_BYTES]
//
// Appends COUNT events (0: until killed) through EventLog.open(DIR); every
// BIG_EVERY-th append (0: none) carries a `meta` string of BIG_BYTES bytes
// (default 200 KiB), every 7th is an appendBatch of 3, and every other
// 5th is 3 Promise appends issued together (one group commit). After each
// append returns, it prints one line per stored event, `<event_id> <sequence_no>`,
// with a synchronous write: a line printed is an acknowledged event.
import fs from "node:fs";
import { EventLog } from "sessiontrail";

const [dir, who, countArg, bigEveryArg, bigBytesArg] = process.argv.slice(2);
const count = Number(countArg);
const bigEvery = Number(bigEveryArg ?? 0);
const blob = "n".repeat(Number(bigBytesArg ?? 200 * 1024));

const log = EventLog.open(dir);
const base = {
  session_id: "ssn_writers",
  agent_id: `agent://${who}`,
  agent_instance_id: who,
  agent_name: who,
  host_id: "host_writers",
  type: "agent.called_tool",
  tool_name: "Bash",
};
for (let n = 0; count === 0 || n < count; n++) {
  const event = { ...base, duration_ms: n };
  if (bigEvery > 0 && n % bigEvery === bigEvery - 1) event.meta = { blob };
  let stored;
  if (n % 7 === 6) stored = log.appendBatchSync([event, { ...base }, { ...base }]);
  // Promise appends issued together: one group commit of 3.
  else if (n % 5 === 4) stored = await Promise.all([log.append(event), log.append({ ...base }), log.append({ ...base })]);
  else stored = [log.appendSync(event)];
  fs.writeSync(1, stored.map((e) => `${e.event_id} ${e.sequence_no}\n`).join(""));
}
log.close();
