// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed, with SESSIONTRAIL_CLI set to the native CLI. The OTLP
// mapping of the npm package (bindings/otlp.js) must give exactly what the
// crate gives: the same sessions go through `sessiontrail otlp --output` and
// through toOtlp / OtlpMapper, and the parsed JSON must be equal.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { EventLog, toOtlp, OtlpMapper, otlpRequests } from "sessiontrail";
import { cli, event, tempDir } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const TRACE = "0af7651916cd43dd8448eb211c80319c";
const span = (n) => n.toString(16).padStart(16, "0");

/** Every type with every field, a multi-agent tree, spans left open and
 *  closed by the session's end, odd ids and times, and meta of every shape. */
function sessionEvents() {
  const ev = (type, agent, n, extra = {}) =>
    event(type, {
      trace_id: TRACE,
      span_id: span(n),
      agent_instance_id: `ai_${agent}`,
      agent_name: agent,
      agent_id: `agent://${agent}`,
      ...extra,
    });
  return [
    ev("session.started", "lead", 1, { agent_role: "lead", tool_runtime_id: "rt", artifact_ref: "art" }),
    ev("agent.started", "lead", 2, { parent_agent_instance_id: "ai_nobody" }),
    ev("agent.spawned", "worker", 3, { spawned_by_agent_instance_id: "ai_lead", reason: "split" }),
    ev("agent.started", "worker", 4),
    ev("agent.handoff", "lead", 5, { from_agent_instance_id: "ai_lead", to_agent_instance_id: "ai_worker", artifacts: ["a", "b"] }),
    ev("agent.collaborated", "lead", 6, { collaborator_agent_instance_ids: ["ai_worker"] }),
    ev("agent.called_tool", "worker", 7, { tool_name: "Bash", tool_input_digest: "sha256:i", tool_output_digest: "sha256:o", duration_ms: 12 }),
    ev("agent.read_file", "worker", 8, { file_path: "/a", digest: "sha256:r" }),
    ev("agent.wrote_file", "worker", 9, { file_path: "/b", digest: "sha256:w", operation: "created", additions: 3, deletions: 0 }),
    ev("agent.opened_port", "worker", 10, { port: 8080, protocol: "tcp" }),
    ev("agent.connected_network", "worker", 11, { destination: "example.com", port: 443 }),
    ev("agent.started_process", "worker", 12, { process_name: "npm", pid: 42, command: "npm test" }),
    ev("agent.started_process", "worker", 13, { process_name: "npm", pid: 43 }),
    ev("agent.completed_process", "worker", 14, { process_name: "npm", exit_code: 1, duration_ms: 5, command: "npm test" }),
    ev("agent.note", "worker", 15, { text: "hello", meta: { z: 1, a: [1, null, "x", true, { k: 0.5 }], n: null, big: 12345678901 } }),
    ev("agent.decision", "lead", 16, { model: "gpt-5", tokens_in: 10, tokens_out: 20, provider: "openai", summary: "go", confidence: 0.25 }),
    ev("agent.decision", "lead", 17, { parent_span_id: span(99) }),
    ev("agent.returned", "worker", 18, { returned_to_agent_instance_id: "ai_lead" }),
    ev("agent.failed", "lead", 19, { reason: "boom" }),
    ev("agent.completed", "lead", 20, { termination_reason: "done" }),
    ev("agent.note", "odd", 21, { trace_id: "nope", timestamp: "2026-11-26T03:04:05.123456789+02:00" }),
    ev("agent.note", "odd", 22, { span_id: "0000000000000000", timestamp: "yesterday" }),
    ev("agent.started", "late", 23),
    ev("session.closed", "lead", 24, { summary: "fin", duration_ms: 99 }),
  ];
}

function writeSession(events) {
  const dir = path.join(tempDir("otlp"), "s");
  const log = EventLog.open(dir);
  log.appendBatchSync(events);
  const stored = log.readAllSync();
  log.close();
  return { dir, stored };
}

/** `sessiontrail otlp DIR --output FILE`: the lines it added to FILE, parsed. */
function cliOtlp(dir, out = path.join(path.dirname(dir), "out.jsonl")) {
  const before = fs.existsSync(out) ? fs.readFileSync(out, "utf8").length : 0;
  execFileSync(cli(), ["otlp", dir, "--output", out], { encoding: "utf8" });
  const added = fs.readFileSync(out, "utf8").slice(before);
  return added.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

/** Through JSON, as a receiver sees it (BigInt-free, undefined-free). */
const wire = (value) => JSON.parse(JSON.stringify(value));

test("toOtlp gives what the crate gives for the same session", () => {
  const { dir, stored } = writeSession(sessionEvents());
  const native = cliOtlp(dir);
  const { traces, logs } = toOtlp(stored);
  assert.equal(native.length, 2);
  assert.deepEqual(wire(traces), native[0]);
  assert.deepEqual(wire(logs), native[1]);
  // And the session has what the test is about.
  const spans = traces.resourceSpans[0].scopeSpans[0].spans;
  assert.deepEqual(
    spans.map((s) => s.name),
    ["execute_tool Bash", "process npm", "chat gpt-5", "chat", "invoke_agent worker", "invoke_agent lead", "process npm", "invoke_agent late", "session"],
  );
  assert.equal(logs.resourceLogs[0].scopeLogs[0].logRecords.length, 24);
  assert.equal(traces.resourceSpans[0].scopeSpans[0].scope.version, require("sessiontrail/package.json").version);
});

test("OtlpMapper across batches gives what the CLI gives across runs", () => {
  const events = sessionEvents();
  const { dir, stored } = writeSession(events.slice(0, 10));
  const first = cliOtlp(dir);
  const log = EventLog.open(dir);
  log.appendBatchSync(events.slice(10));
  const all = log.readAllSync();
  log.close();
  const second = cliOtlp(dir); // the same output: its cursor says what is new

  const mapper = new OtlpMapper();
  const batch1 = { spans: [], logs: [] };
  for (const e of stored) mapper.map(e, batch1);
  assert.equal(mapper.openSpans, 3, "the session and two agents");
  const batch2 = { spans: [], logs: [] };
  for (const e of all.slice(10)) mapper.map(e, batch2);
  assert.equal(mapper.openSpans, 0);
  const requests = (out) => {
    const r = otlpRequests(out);
    return [...(out.spans.length ? [r.traces] : []), ...(out.logs.length ? [r.logs] : [])].map(wire);
  };
  assert.deepEqual(requests(batch1), first);
  assert.deepEqual(requests(batch2), second);
});

test("require and import give the same functions, and the web build has the same mapping", () => {
  const cjs = require("sessiontrail");
  assert.equal(cjs.toOtlp, toOtlp);
  assert.equal(cjs.OtlpMapper, OtlpMapper);
  const root = path.dirname(require.resolve("sessiontrail/package.json"));
  const body = (file) => fs.readFileSync(path.join(root, file), "utf8").replace(/\n(module\.exports = |export )\{[^}]*\};\n$/, "");
  assert.equal(body("node/otlp.js"), body("web/otlp.js"));
  assert.doesNotMatch(body("node/otlp.js"), /__SESSIONTRAIL_VERSION__/);
  assert.equal(toOtlp([], { serviceName: "my-agent" }).traces.resourceSpans[0].resource.attributes[0].value.stringValue, "my-agent");
});
