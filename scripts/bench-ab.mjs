// One round of the A/B benchmark of scripts/bench-ab.sh, in a folder where
// one build of the npm package is installed: appends (one at a time, and in
// batches of 16) and a read of everything back, with the lock every Node
// writer takes. Prints one JSON line of rates (events/s). A benchmark, not a
// test: nothing here asserts a time.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventLog } from "sessionlog";

const N = Number(process.env.BENCH_N ?? 20000);
const input = {
  session_id: "ssn_01JD8ZQ4W3X5Y7K9M2",
  agent_id: "agent://claude-code",
  agent_instance_id: "ai_7f3e9a1c",
  agent_name: "claude-code",
  host_id: "host_dev_laptop",
  type: "agent.called_tool",
  tool_name: "Bash",
  tool_input_digest: "sha256:9f86d08188",
  duration_ms: 1234,
};
const decision = {
  ...input,
  type: "agent.decision",
  tool_name: undefined,
  tool_input_digest: undefined,
  duration_ms: undefined,
  model: "claude-sonnet",
  tokens_in: 1200,
  tokens_out: 345,
  confidence: 0.87,
  meta: { turn: 3, files: ["src/a.rs", "src/b.rs"] },
};

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sessionlog-ab-"));
try {
  const rate = (n, body) => {
    const t = process.hrtime.bigint();
    body();
    return n / (Number(process.hrtime.bigint() - t) / 1e9);
  };
  const one = EventLog.open(path.join(root, "one"));
  const appendSync = rate(N, () => {
    for (let i = 0; i < N; i++) one.appendSync(i % 4 === 3 ? decision : input);
  });
  const batch = EventLog.open(path.join(root, "batch"));
  const group = Array.from({ length: 16 }, (_, i) => (i % 4 === 3 ? decision : input));
  const batch16 = rate(N, () => {
    for (let i = 0; i < N; i += 16) batch.appendBatchSync(group);
  });
  const again = EventLog.open(path.join(root, "one"));
  const readAllSync = rate(N, () => {
    if (again.readAllSync().length !== N) throw new Error("read back fewer events");
  });
  console.log(JSON.stringify({ appendSync, batch16, readAllSync }));
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
