// The viewer's SessionModel (www/viewer/model.js) in Node, without a page:
// what a confused or hostile log can claim (parent loops, spans that are
// each other's parents, a completion with no start), and the pairing rules
// the waterfall relies on.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SessionModel, toolOutcome } from "../../www/viewer/model.js";
import { printable } from "../../www/printable.js";

let seq = 0;
function ev(type, instance, fields = {}) {
  return {
    type,
    session_id: "s",
    event_id: `evt_${seq}`,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq * 100)).toISOString(),
    sequence_no: seq++,
    trace_id: "t",
    span_id: fields.span_id ?? `span${seq}`,
    agent_id: `agent://${instance}`,
    agent_instance_id: instance,
    agent_name: instance,
    host_id: "h",
    ...fields,
  };
}

test("parent links that would close a loop are refused and counted", () => {
  const m = new SessionModel();
  m.add([
    ev("agent.spawned", "a", { spawned_by_agent_instance_id: "b" }),
    ev("agent.spawned", "b", { spawned_by_agent_instance_id: "c" }),
    ev("agent.spawned", "c", { spawned_by_agent_instance_id: "a" }), // a → b → c → a
    ev("agent.started", "d", { parent_agent_instance_id: "d" }), // itself
  ]);
  assert.equal(m.agents.get("a").parent, "b");
  assert.equal(m.agents.get("b").parent, "c");
  assert.equal(m.agents.get("c").parent, null);
  assert.equal(m.agents.get("d").parent, null);
  assert.equal(m.cycles, 1);
});

test("spans naming each other as parents end without a loop", () => {
  const m = new SessionModel();
  m.add([
    ev("agent.called_tool", "a", { tool_name: "x", span_id: "s1", parent_span_id: "s2", duration_ms: 5 }),
    ev("agent.called_tool", "a", { tool_name: "y", span_id: "s2", parent_span_id: "s1", duration_ms: 5 }),
  ]);
  const tools = [...m.bars.values()].filter((b) => b.kind === "tool");
  assert.equal(tools.length, 2);
  // Each hangs under the other: walking up from either returns to it.
  const up = (b) => m.parentOf(b);
  assert.equal(up(up(tools[0])), tools[0]);
});

test("a process is paired with the oldest start of the same name by the same agent", () => {
  const m = new SessionModel();
  m.add([
    ev("agent.started_process", "a", { process_name: "cargo", pid: 1 }),
    ev("agent.started_process", "a", { process_name: "cargo", pid: 2 }),
    ev("agent.started_process", "b", { process_name: "cargo", pid: 3 }),
    ev("agent.completed_process", "a", { process_name: "cargo", exit_code: 0 }),
    ev("agent.completed_process", "a", { process_name: "npm", exit_code: 2, duration_ms: 50 }),
  ]);
  assert.deepEqual(
    m.processes.map((p) => [p.agent, p.process, p.pid ?? null, p.open, p.exitCode ?? null, p.failed]),
    [
      ["a", "cargo", 1, false, 0, false],
      ["a", "cargo", 2, true, null, false],
      ["b", "cargo", 3, true, null, false],
      ["a", "npm", null, false, 2, true],
    ],
  );
  assert.equal(m.processes[3].durationMs, 50);
});

test("an agent's bar runs from its start to its end, not to the events it writes later", () => {
  const m = new SessionModel();
  m.add([
    ev("session.started", "lead"),
    ev("agent.started", "lead"),
    ev("agent.completed", "lead"),
    ev("session.closed", "lead", { duration_ms: 1000 }),
  ]);
  const bar = m.agents.get("lead").bar;
  assert.equal(bar.end - bar.start, 100);
  assert.equal(bar.open, false);
  assert.equal(m.wallMs, 1000);
});

test("numbers that are not numbers count as nothing", () => {
  const m = new SessionModel();
  m.add([
    ev("agent.decision", "a", { model: "m", tokens_in: "9999", tokens_out: null }),
    ev("agent.called_tool", "a", { tool_name: "t", duration_ms: "50" }),
    ev("agent.note", "a", { timestamp: "not a time" }),
  ]);
  assert.deepEqual([...m.tokens.values()].map((t) => [t.in, t.out, t.decisions]), [[0, 0, 1]]);
  assert.equal(m.toolMs, 0);
  assert.equal(m.events, 3);
});

test("a tool call that failed or was denied is failed, whatever the tool; older hook events by their error meta", () => {
  const m = new SessionModel();
  const calls = [
    ev("agent.called_tool", "a", { tool_name: "Edit", outcome: "failed" }),
    ev("agent.called_tool", "a", { tool_name: "WebFetch", outcome: "denied" }),
    ev("agent.called_tool", "a", { tool_name: "mcp__db__query", meta: { error_sha256: "x", error_bytes: 3 } }),
    ev("agent.called_tool", "a", { tool_name: "Read", outcome: "succeeded" }),
    ev("agent.called_tool", "a", { tool_name: "Write" }),
    ev("agent.called_tool", "a", { tool_name: "Grep", outcome: "succeeded", meta: { error_bytes: 1 } }),
  ];
  m.add([...calls, ev("agent.completed_process", "a", { process_name: "cargo", exit_code: 101 }), ev("agent.completed_process", "a", { process_name: "ls", exit_code: 0 })]);
  assert.deepEqual(calls.map(toolOutcome), ["failed", "denied", "failed", null, null, null]);
  const tools = [...m.bars.values()].filter((b) => b.kind === "tool");
  assert.equal(tools.length, 6, "every tool call has its bar");
  assert.deepEqual(tools.map((b) => b.failed), [true, true, true, false, false, false]);
  assert.equal(m.failedTools, 3);
  assert.equal(m.failedProcesses, 1);
});

test("printable escapes controls and bidi characters by the CLI's rule (tests/fixtures/printable.json)", () => {
  const cases = JSON.parse(readFileSync(new URL("../fixtures/printable.json", import.meta.url), "utf8"));
  for (const [input, shown] of cases) assert.equal(printable(input), shown, JSON.stringify(input));
  assert.equal(printable('{\n  "a": "\u202e"\n}', { keepNewlines: true }), '{\n  "a": "\\u{202e}"\n}');
});
