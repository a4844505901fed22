// The A/B benchmark of scripts/bench-ab.sh: two builds of the npm package
// (the folders given, each with `sessiontrail` installed) loaded into one Node
// process, and the same work done with each in small alternating slices, so
// that the machine's drift (this one swings by a third from second to
// second) hits both alike. Appends one at a time and in batches of 16, and
// reads everything back, with the lock every Node writer takes. Prints
// events/s per build and the ratio. A benchmark: nothing asserts a time.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const [oldDir, newDir] = process.argv.slice(2);
const load = (dir) => createRequire(path.join(path.resolve(dir), "package.json"))("sessiontrail").EventLog;
const sides = { old: load(oldDir), new: load(newDir) };
const SLICES = Number(process.env.BENCH_SLICES ?? 40);
const SLICE = Number(process.env.BENCH_SLICE ?? 1000);

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
  session_id: input.session_id,
  agent_id: input.agent_id,
  agent_instance_id: input.agent_instance_id,
  agent_name: input.agent_name,
  host_id: input.host_id,
  type: "agent.decision",
  model: "claude-sonnet",
  tokens_in: 1200,
  tokens_out: 345,
  confidence: 0.87,
  meta: { turn: 3, files: ["src/a.rs", "src/b.rs"] },
};
const group = Array.from({ length: 16 }, (_, i) => (i % 4 === 3 ? decision : input));

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sessiontrail-ab-"));
const work = {
  appendSync: (log) => {
    for (let i = 0; i < SLICE; i++) log.appendSync(i % 4 === 3 ? decision : input);
    return SLICE;
  },
  batch16: (log) => {
    for (let i = 0; i < SLICE; i += 16) log.appendBatchSync(group);
    return SLICE;
  },
};
try {
  const logs = {};
  for (const [name, EventLog] of Object.entries(sides)) {
    logs[name] = {
      appendSync: EventLog.open(path.join(root, name, "one")),
      batch16: EventLog.open(path.join(root, name, "batch")),
    };
  }
  const totals = {};
  for (const task of ["appendSync", "batch16"]) {
    for (let s = 0; s < SLICES; s++) {
      for (const name of s % 2 ? ["new", "old"] : ["old", "new"]) {
        const t = process.hrtime.bigint();
        const n = work[task](logs[name][task]);
        const key = `${task}.${name}`;
        totals[key] ??= { n: 0, ns: 0 };
        totals[key].n += n;
        totals[key].ns += Number(process.hrtime.bigint() - t);
      }
    }
  }
  // Reading: each build reads back the log it wrote one at a time.
  for (let s = 0; s < Math.max(4, SLICES / 8); s++) {
    for (const name of s % 2 ? ["new", "old"] : ["old", "new"]) {
      const log = sides[name].open(path.join(root, name, "one"));
      const t = process.hrtime.bigint();
      const n = log.readAllSync().length;
      const key = `readAllSync.${name}`;
      totals[key] ??= { n: 0, ns: 0 };
      totals[key].n += n;
      totals[key].ns += Number(process.hrtime.bigint() - t);
    }
  }
  const rate = (key) => totals[key].n / (totals[key].ns / 1e9);
  console.log(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(", ")}`);
  console.log("events/s          old          new      new/old");
  for (const task of ["appendSync", "batch16", "readAllSync"]) {
    const [o, n] = [rate(`${task}.old`), rate(`${task}.new`)];
    console.log(`${task.padEnd(12)} ${o.toFixed(0).padStart(10)}   ${n.toFixed(0).padStart(10)}   ${(n / o).toFixed(2)}x`);
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
