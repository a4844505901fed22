// Sessions for the viewer's tests and benchmark, written through the native
// CLI (`sessiontrail append DIR`, a batch on stdin), and the running
// `sessiontrail view` they are shown by.

import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.js";

// SESSIONTRAIL_CLI: another build (a debug one while working on the page).
export const CLI = process.env.SESSIONTRAIL_CLI ?? join(ROOT, "target/release/sessiontrail");

const UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const PLACEHOLDER = "2000-01-01T00:00:00Z";

/** Appends `events` (objects) to session directory `dir` in one batch. A
 *  `timestamp` an append refuses (not RFC 3339 UTC, e.g. hostile text) is
 *  appended as a placeholder and then put into the stored line, as an
 *  older writer left it: the viewer must still show such a line safely. */
export function append(dir, events) {
  const file = join(dir, "events.jsonl");
  const before = existsSync(file) ? readFileSync(file, "utf8").length : 0;
  const odd = (e) => typeof e.timestamp === "string" && !UTC.test(e.timestamp);
  const input = events.map((e) => JSON.stringify(odd(e) ? { ...e, timestamp: PLACEHOLDER } : e)).join("\n");
  execFileSync(CLI, ["append", dir], { input, stdio: ["pipe", "ignore", "inherit"] });
  if (!events.some(odd)) return;
  const text = readFileSync(file, "utf8");
  const lines = text.slice(before).split("\n").map((line, i) =>
    events[i] && odd(events[i])
      ? line.replace(`"timestamp":"${PLACEHOLDER}"`, () => `"timestamp":${JSON.stringify(events[i].timestamp)}`)
      : line,
  );
  writeFileSync(file, text.slice(0, before) + lines.join("\n"));
}

/** Starts `sessiontrail view ROOT --port 0`; resolves with its base URL,
 *  the URL it printed (with the access token), the cookie a first visit of
 *  that URL sets (for contexts that skip the visit) and a stop function
 *  (kills that process only). */
export async function startViewer(root) {
  const child = spawn(CLI, ["view", root, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  while (!out.includes("\n")) {
    const [chunk] = await Promise.race([once(child.stdout, "data"), once(child, "exit").then(() => [null])]);
    if (chunk === null) throw new Error("sessiontrail view exited before printing its URL");
    out += chunk;
  }
  const printed = out.split("\n")[0].trim();
  const { origin, searchParams } = new URL(printed);
  const url = `${origin}/`;
  return {
    url,
    printed,
    cookie: { name: `sessiontrail_view_${new URL(origin).port}`, value: searchParams.get("token"), url, httpOnly: true, sameSite: "Strict" },
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill();
        await once(child, "exit");
      }
    },
  };
}

const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const at = (s) => new Date(T0 + s * 1000).toISOString();
const TRACE = "a".repeat(32);
const span = (c) => c.repeat(16);
const envelope = (name, instance, s, spanId, parent) => ({
  session_id: "ssn_multi",
  agent_id: `agent://${name}`,
  agent_instance_id: instance,
  agent_name: name,
  host_id: "host_e2e",
  timestamp: at(s),
  trace_id: TRACE,
  span_id: spanId,
  ...(parent ? { parent_span_id: parent } : {}),
});

const S = span("0");
const LEAD = span("1");
const RES = span("2");
const CODER = span("3");
const TESTER = span("4");

/** A session of four agents: the lead spawns a researcher (who calls a tool
 *  and returns), hands off to a coder (who runs a failing process and
 *  spawns a tester, who fails), with decisions by two models. */
export const MULTI_AGENT = [
  { type: "session.started", ...envelope("lead", "ai_lead", 0, S) },
  { type: "agent.started", ...envelope("lead", "ai_lead", 0.1, LEAD, S) },
  { type: "agent.decision", model: "claude-x", provider: "anthropic", tokens_in: 1200, tokens_out: 300, summary: "split the work", ...envelope("lead", "ai_lead", 0.2, LEAD, S) },
  { type: "agent.spawned", spawned_by_agent_instance_id: "ai_lead", reason: "find the API", ...envelope("researcher", "ai_res", 0.5, RES, LEAD) },
  { type: "agent.called_tool", tool_name: "web_search", duration_ms: 800, ...envelope("researcher", "ai_res", 1.5, span("5"), RES) },
  { type: "agent.connected_network", destination: "api.example.com", port: 443, ...envelope("researcher", "ai_res", 1.6, span("6"), RES) },
  { type: "agent.decision", model: "gpt-y", provider: "openai", tokens_in: 500, tokens_out: 100, ...envelope("researcher", "ai_res", 1.7, RES, LEAD) },
  { type: "agent.returned", returned_to_agent_instance_id: "ai_lead", ...envelope("researcher", "ai_res", 2.0, RES, LEAD) },
  { type: "agent.handoff", from_agent_instance_id: "ai_lead", to_agent_instance_id: "ai_coder", artifacts: ["plan.md"], ...envelope("lead", "ai_lead", 2.1, LEAD, S) },
  { type: "agent.started", parent_agent_instance_id: "ai_lead", ...envelope("coder", "ai_coder", 2.2, CODER, LEAD) },
  { type: "agent.read_file", file_path: "src/a.rs", ...envelope("coder", "ai_coder", 2.3, span("7"), CODER) },
  { type: "agent.wrote_file", file_path: "src/a.rs", operation: "modified", additions: 12, deletions: 3, ...envelope("coder", "ai_coder", 2.4, span("8"), CODER) },
  { type: "agent.started_process", process_name: "cargo", command: "cargo test", pid: 4242, ...envelope("coder", "ai_coder", 2.5, span("9"), CODER) },
  { type: "agent.completed_process", process_name: "cargo", command: "cargo test", exit_code: 101, duration_ms: 1500, ...envelope("coder", "ai_coder", 4.0, span("a"), CODER) },
  { type: "agent.opened_port", port: 8080, protocol: "tcp", ...envelope("coder", "ai_coder", 4.1, span("b"), CODER) },
  { type: "agent.spawned", spawned_by_agent_instance_id: "ai_coder", reason: "run the suite", ...envelope("tester", "ai_test", 4.2, TESTER, CODER) },
  { type: "agent.failed", reason: "tests failed: 3 of 10", ...envelope("tester", "ai_test", 4.5, TESTER, CODER) },
  { type: "agent.decision", model: "claude-x", provider: "anthropic", tokens_in: 800, tokens_out: 200, ...envelope("coder", "ai_coder", 4.6, CODER, LEAD) },
  { type: "agent.completed", termination_reason: "patch ready", ...envelope("coder", "ai_coder", 5.0, CODER, LEAD) },
  { type: "agent.completed", ...envelope("lead", "ai_lead", 5.5, LEAD, S) },
  { type: "session.closed", summary: "done", duration_ms: 6000, ...envelope("lead", "ai_lead", 6.0, S) },
];

/** Markup, script and `javascript:` URLs in every string a log can hold;
 *  each would set window.__pwned if it ever ran. */
export const HOSTILE = [
  `<img src=x onerror="window.__pwned='img'">`,
  `<script>window.__pwned='script'</script>`,
  `javascript:window.__pwned='url'`,
  `"><svg onload="window.__pwned='svg'">`,
  `</td></tr><iframe srcdoc="<script>parent.__pwned='frame'</script>">`,
];

export function hostileEvents() {
  const h = (i) => HOSTILE[i % HOSTILE.length];
  let n = 0;
  const env = () => ({
    session_id: h(n),
    agent_id: h(n + 1),
    agent_instance_id: `ai_${h(n + 2)}`,
    agent_name: h(n + 3),
    agent_role: h(n + 4),
    host_id: h(n),
    tool_runtime_id: h(n + 1),
    artifact_ref: h(n + 2),
    meta: { [h(n)]: h(n + 1), href: h(2) },
    event_id: h(n + 3),
    trace_id: h(n + 4),
    span_id: h(n + 1),
    parent_span_id: h(n + 2),
    timestamp: h(n++),
  });
  return [
    { type: "session.started", ...env() },
    { type: "agent.started", parent_agent_instance_id: h(1), ...env() },
    { type: "agent.spawned", spawned_by_agent_instance_id: h(2), reason: h(3), ...env() },
    { type: "agent.handoff", from_agent_instance_id: h(0), to_agent_instance_id: h(4), artifacts: HOSTILE, ...env() },
    { type: "agent.collaborated", collaborator_agent_instance_ids: HOSTILE, ...env() },
    { type: "agent.returned", returned_to_agent_instance_id: h(2), ...env() },
    { type: "agent.completed", termination_reason: h(3), ...env() },
    { type: "agent.failed", reason: h(4), ...env() },
    { type: "agent.called_tool", tool_name: h(0), tool_input_digest: h(1), tool_output_digest: h(2), duration_ms: 5, ...env() },
    { type: "agent.read_file", file_path: h(3), digest: h(4), ...env() },
    { type: "agent.wrote_file", file_path: h(0), operation: "created", additions: 1, deletions: 0, digest: h(1), ...env() },
    { type: "agent.opened_port", port: 1, protocol: h(2), ...env() },
    { type: "agent.connected_network", destination: h(2), port: 2, ...env() },
    { type: "agent.started_process", process_name: h(3), command: h(4), pid: 3, ...env() },
    { type: "agent.completed_process", process_name: h(3), command: h(0), exit_code: 1, duration_ms: 4, ...env() },
    { type: "agent.note", text: h(1), ...env() },
    { type: "agent.decision", model: h(2), provider: h(3), tokens_in: 1, tokens_out: 2, summary: h(4), ...env() },
    { type: "session.closed", summary: h(0), duration_ms: 7, ...env() },
  ];
}

/** A plain event for the live tests. */
export function liveEvent(i) {
  return {
    type: "agent.called_tool",
    tool_name: `tool_${i}`,
    duration_ms: 10 + i,
    session_id: "ssn_live",
    agent_id: "agent://live",
    agent_instance_id: "ai_live",
    agent_name: "live-agent",
    host_id: "host_e2e",
  };
}
