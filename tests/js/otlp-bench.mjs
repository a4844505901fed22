// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed (`tests/js/run.sh bench`). A benchmark, not a test: it
// asserts nothing about time.
//
// `toOtlp` on one session of BENCH_OTLP_N events (10,000 by default; a mix of
// agents, tool calls, decisions, processes and notes, a third of them ending
// a span), read back from a log as a program would have them:
//   wasm     the package's toOtlp: the crate's mapper in the OTLP .wasm
//   js       the JavaScript twin it replaced (bindings/otlp.js, deleted;
//            run.sh takes it from git history into SESSIONTRAIL_OTLP_JS_TWIN),
//            when that file is there
// each alone and followed by JSON.stringify of both requests (what a
// shipper sends), and `json`, toOtlpJson (the two bodies as text straight
// from wasm), interleaved over the repeats; prints events/s (median)
// and the ratio, the sizes of both .wasm files, raw and gzipped, and
// whether the two gave the same JSON.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { EventLog, toOtlp, toOtlpJson } from "sessiontrail";

const require = createRequire(import.meta.url);
const N = Number(process.env.BENCH_OTLP_N ?? 10000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);
const twinPath = process.env.SESSIONTRAIL_OTLP_JS_TWIN;
const twin = twinPath && fs.existsSync(twinPath) ? require(twinPath) : undefined;

function session(n) {
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  let span = 0;
  const ev = (type, agent, extra = {}) => ({
    session_id: "ssn_bench", agent_id: "agent://claude-code", agent_role: "coder",
    agent_instance_id: `ai_${agent}`, agent_name: `agent-${agent}`, host_id: "host_1",
    trace_id: trace, span_id: (++span).toString(16).padStart(16, "0"), type, ...extra,
  });
  const out = [ev("session.started", 0)];
  for (let a = 1; out.length < n - 1; a++) {
    out.push(ev("agent.started", a, { parent_agent_instance_id: "ai_0" }));
    for (let k = 0; k < 4 && out.length < n - 1; k++) {
      out.push(ev("agent.called_tool", a, { tool_name: "Bash", tool_input_digest: "sha256:9f86d08188", duration_ms: 12 }));
      out.push(ev("agent.decision", a, { model: "claude-sonnet-4", provider: "anthropic", tokens_in: 1200, tokens_out: 340 }));
      out.push(ev("agent.started_process", a, { process_name: "cargo", pid: 4242, command: "cargo test" }));
      out.push(ev("agent.completed_process", a, { process_name: "cargo", exit_code: k % 2, duration_ms: 900 }));
      out.push(ev("agent.note", a, { text: "step", meta: { step: k, tags: ["a", "b"] } }));
    }
    out.push(ev("agent.completed", a, { termination_reason: "done" }));
  }
  out.length = Math.min(out.length, n - 1);
  out.push(ev("session.closed", 0, { summary: "fin", duration_ms: 1000 }));
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sessiontrail-otlp-bench-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
const log = EventLog.open(path.join(dir, "s"));
log.appendBatchSync(session(N));
const events = log.readAllSync();
log.close();

const loops = { wasm: (e) => toOtlp(e) };
if (twin) loops.js = (e) => twin.toOtlp(e);
const timings = {};
for (const name of Object.keys(loops)) {
  timings[name] = [];
  timings[`${name}+stringify`] = [];
}
timings.json = [];
// Warm-up (the first wasm call also compiles the OTLP .wasm).
for (const fn of Object.values(loops)) fn(events);
const names = Object.keys(loops);
for (let r = 0; r < REPEATS; r++) {
  for (const name of r % 2 ? [...names].reverse() : names) {
    let t = process.hrtime.bigint();
    loops[name](events);
    timings[name].push(Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    const { traces, logs } = loops[name](events);
    JSON.stringify(traces);
    JSON.stringify(logs);
    timings[`${name}+stringify`].push(Number(process.hrtime.bigint() - t) / 1e9);
    if (name === "wasm") {
      t = process.hrtime.bigint();
      toOtlpJson(events);
      timings.json.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rate = (name) => events.length / median(timings[name]);
console.log(`toOtlp on ${events.length} events, median of ${REPEATS} (Node ${process.version})`);
for (const name of Object.keys(timings)) {
  console.log(`  ${name.padEnd(16)} ${Math.round(rate(name)).toLocaleString("en-US").padStart(10)} events/s`);
}
if (twin) {
  console.log(`  wasm / js: ${(rate("wasm") / rate("js")).toFixed(2)} (toOtlp), ${(rate("wasm+stringify") / rate("js+stringify")).toFixed(2)} (with JSON.stringify)`);
  console.log(`  json / js+stringify: ${(rate("json") / rate("js+stringify")).toFixed(2)} (the bodies a shipper sends)`);
  const same = JSON.stringify(toOtlp(events)) === JSON.stringify(twin.toOtlp(events));
  console.log(`  the same JSON from both: ${same}`);
} else {
  console.log("  (no JavaScript twin to compare with: SESSIONTRAIL_OTLP_JS_TWIN is not set)");
}
const root = path.dirname(require.resolve("sessiontrail/package.json"));
for (const file of ["node/sessiontrail_bg.wasm", "node/sessiontrail_otlp_bg.wasm"]) {
  const bytes = fs.readFileSync(path.join(root, file));
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  console.log(`  ${path.basename(file).padEnd(26)} ${bytes.length} bytes, ${gz} gzipped`);
}
