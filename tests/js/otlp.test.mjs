// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed, with SESSIONTRAIL_CLI set to the native CLI. The OTLP
// functions of the npm package run the crate's mapper compiled to a second
// .wasm (crates/sessiontrail-otlp-wasm), and must give exactly what the CLI
// gives: the same sessions go through `sessiontrail otlp --output` and
// through toOtlp / OtlpMapper, and the parsed JSON must be equal. That
// second .wasm is read only when an OTLP function is first called, and bad
// input is an Error with a code, never a trap.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { EventLog, toOtlp, toOtlpJson, OtlpMapper, otlpRequests } from "sessiontrail";
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
  appendStored(dir, events);
  const log = EventLog.open(dir);
  const stored = log.readAllSync();
  log.close();
  return { dir, stored };
}

const PLACEHOLDER = "2000-01-01T00:00:00Z";

/** Appends `events` to the log in `dir` as an older writer (or
 *  treeship-core, with its `+00:00`) stored them: an append refuses a
 *  `timestamp` that is not RFC 3339 UTC with `Z`, so each is appended with a
 *  placeholder and its own time is put into the stored line afterwards. The
 *  readers and the mapping still take such lines. */
function appendStored(dir, events) {
  const file = path.join(dir, "events.jsonl");
  const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8").length : 0;
  const log = EventLog.open(dir);
  log.appendBatchSync(events.map((e) => (e.timestamp === undefined ? e : { ...e, timestamp: PLACEHOLDER })));
  log.close();
  const text = fs.readFileSync(file, "utf8");
  const lines = text.slice(before).split("\n").map((line, i) =>
    events[i]?.timestamp === undefined
      ? line
      : line.replace(`"timestamp":"${PLACEHOLDER}"`, `"timestamp":${JSON.stringify(events[i].timestamp)}`),
  );
  fs.writeFileSync(file, text.slice(0, before) + lines.join("\n"));
}

/** The resource attributes the shipper adds to the mapping's (an id per
 *  run, the host): checked present, then taken out, so what is left is
 *  the mapping's bytes. */
const SHIPPER_RESOURCE = /,\{"key":"(service\.instance\.id|host\.name|host\.id)","value":\{"stringValue":"[^"]*"\}\}/g;

/** `sessiontrail otlp DIR --output OUT`: the lines it added to
 *  OUT/traces.jsonl, then to OUT/logs.jsonl (one file per signal), less the
 *  shipper's resource attributes. */
function cliOtlpLines(dir, out = path.join(path.dirname(dir), "out")) {
  const files = ["traces.jsonl", "logs.jsonl"].map((name) => path.join(out, name));
  const before = files.map((f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8").length : 0));
  execFileSync(cli(), ["otlp", dir, "--output", out], { encoding: "utf8" });
  return files.flatMap((f, i) => {
    const added = fs.existsSync(f) ? fs.readFileSync(f, "utf8").slice(before[i]) : "";
    return added.split("\n").filter((l) => l !== "").map((line) => {
      // The resource comes first, before the scope (spans carry a host.id too).
      const cut = line.indexOf(',"scope');
      const [resource, rest] = [line.slice(0, cut), line.slice(cut)];
      const keys = [...resource.matchAll(SHIPPER_RESOURCE)].map((m) => m[1]);
      assert.ok(keys.includes("service.instance.id") && keys.includes("host.name"), resource);
      return resource.replace(SHIPPER_RESOURCE, "") + rest;
    });
  });
}

/** The same, parsed. */
const cliOtlp = (dir, out) => cliOtlpLines(dir, out).map((l) => JSON.parse(l));

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
    ["execute_tool Bash", "execute_tool read_file", "execute_tool write_file", "execute_tool open_port", "execute_tool connect_network", "process npm", "chat gpt-5", "chat", "invoke_agent worker", "invoke_agent lead", "process npm", "invoke_agent late", "session"],
  );
  assert.equal(logs.resourceLogs[0].scopeLogs[0].logRecords.length, 24);
  assert.equal(traces.resourceSpans[0].scopeSpans[0].scope.version, require("sessiontrail/package.json").version);
});

test("toOtlpJson gives the bytes the CLI writes", () => {
  const { dir, stored } = writeSession(sessionEvents());
  const bodies = toOtlpJson(stored);
  assert.deepEqual([bodies.traces, bodies.logs], cliOtlpLines(dir));
  assert.deepEqual(JSON.parse(toOtlpJson(stored, { serviceName: "me" }).logs), wire(toOtlp(stored, { serviceName: "me" }).logs));
  assert.throws(() => toOtlpJson([{}]), (e) => e.code === "INVALID_EVENT" && /^toOtlpJson\(events, options\): events\[0\]: missing field/.test(e.message));
});

test("OtlpMapper across batches gives what the CLI gives across runs", () => {
  const events = sessionEvents();
  const { dir, stored } = writeSession(events.slice(0, 10));
  const first = cliOtlp(dir);
  appendStored(dir, events.slice(10));
  const log = EventLog.open(dir);
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

test("require and import, root and sessiontrail/otlp, give the same functions", async () => {
  const cjs = require("sessiontrail");
  const sub = require("sessiontrail/otlp");
  const esm = await import("sessiontrail/otlp");
  for (const name of ["toOtlp", "toOtlpJson", "OtlpMapper", "otlpRequests"]) {
    assert.equal(typeof cjs[name], "function", name);
    assert.equal(sub[name], cjs[name], name);
    assert.equal(esm[name], cjs[name], name);
  }
  assert.equal(cjs.toOtlp, toOtlp);
  assert.equal(toOtlp([], { serviceName: "my-agent" }).traces.resourceSpans[0].resource.attributes[0].value.stringValue, "my-agent");
  assert.equal(otlpRequests({ spans: [], logs: [] }, { serviceName: "me" }).logs.resourceLogs[0].resource.attributes[0].value.stringValue, "me");
});

test("the web build's OTLP face is the Node one, made an ES module", () => {
  const root = path.dirname(require.resolve("sessiontrail/package.json"));
  const read = (file) => fs.readFileSync(path.join(root, file), "utf8");
  // Only the require/import, the export line and "use strict" differ.
  const body = (text) =>
    text
      .split("\n")
      .filter((l) => !/^(const \{ refuseUnjsonable \} = require|import \{ refuseUnjsonable \} from|module\.exports = |export \{|"use strict";)/.test(l))
      .join("\n");
  assert.equal(body(read("web/otlp-api.js")), body(read("node/otlp-api.js")));
  assert.doesNotMatch(read("web/otlp-api.js"), /require\(/);
  assert.ok(fs.statSync(path.join(root, "web/sessiontrail_otlp_bg.wasm")).size > 0);
  const exportsMap = require("sessiontrail/package.json").exports["./otlp"];
  for (const cond of [exportsMap.node, exportsMap.browser, exportsMap.default]) {
    assert.equal(Object.keys(cond)[0], "types");
  }
  // The browser root entry has no OTLP functions: they are sessiontrail/otlp.
  assert.doesNotMatch(read("web/index.js"), /from "\.\/(otlp|sessiontrail_otlp)/);
});

/** Runs `script` in a fresh Node in the app folder with fs.readFileSync
 *  watched; returns what it printed (JSON). */
function watched(script, type = "commonjs") {
  const watch = `
    const fs = require("node:fs");
    const read = fs.readFileSync;
    globalThis.wasmRead = [];
    fs.readFileSync = function (p, ...rest) {
      if (String(p).endsWith(".wasm")) globalThis.wasmRead.push(path.basename(String(p)));
      return read.call(this, p, ...rest);
    };
  `;
  const cjs = `const path = require("node:path");${watch}${script}`;
  const esm = `import { createRequire } from "node:module"; const require = createRequire(import.meta.url); const path = require("node:path");${watch}${script}`;
  const out = execFileSync(process.execPath, ["--input-type=" + (type === "module" ? "module" : "commonjs"), "-e", type === "module" ? esm : cjs], {
    encoding: "utf8",
    env: { ...process.env, OTLP_TEST_DIR: path.join(tempDir("otlp-lazy"), "s") },
  });
  return JSON.parse(out);
}

const LOG_USE = `
  const log = EventLog.open(process.env.OTLP_TEST_DIR);
  log.appendSync({ type: "agent.note", text: "hi", session_id: "s", agent_id: "a", agent_instance_id: "i", agent_name: "n", host_id: "h" });
  const events = log.readAllSync();
  log.checkSync();
  log.close();
  const before = [...globalThis.wasmRead];
`;

test("the OTLP .wasm is read only when an OTLP function is first called (require)", () => {
  const seen = watched(`
    const { EventLog, toOtlp, OtlpMapper } = require("sessiontrail");
    ${LOG_USE}
    const mapped = toOtlp(events).logs.resourceLogs[0].scopeLogs[0].logRecords.length;
    const afterFirst = [...globalThis.wasmRead];
    new OtlpMapper().map(events[0]);
    process.stdout.write(JSON.stringify({ before, afterFirst, after: globalThis.wasmRead, mapped }));
  `);
  assert.deepEqual(seen.before, ["sessiontrail_bg.wasm"]);
  assert.deepEqual(seen.afterFirst, ["sessiontrail_bg.wasm", "sessiontrail_otlp_bg.wasm"]);
  assert.deepEqual(seen.after, seen.afterFirst, "read once");
  assert.equal(seen.mapped, 1);
});

test("the OTLP .wasm is read only when an OTLP function is first called (import)", () => {
  const seen = watched(`
    const { EventLog, OtlpMapper } = await import("sessiontrail");
    ${LOG_USE}
    const mapper = new OtlpMapper();
    process.stdout.write(JSON.stringify({ before, after: globalThis.wasmRead, open: mapper.map(events[0]).logs.length }));
  `, "module");
  assert.deepEqual(seen.before, ["sessiontrail_bg.wasm"]);
  assert.deepEqual(seen.after, ["sessiontrail_bg.wasm", "sessiontrail_otlp_bg.wasm"]);
  assert.equal(seen.open, 1);
});

/** `fn()` throws an Error with `code` whose message matches `message`. */
function throwsCoded(fn, code, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test("bad input is an Error with a code naming the problem, never a trap", () => {
  const { stored } = writeSession(sessionEvents().slice(0, 3));
  const [first, second] = stored;
  throwsCoded(() => toOtlp("events"), "INVALID_ARGUMENT", /^toOtlp\(events, options\) needs an array of events, got string/);
  throwsCoded(() => toOtlp({ length: 1, 0: first }), "INVALID_ARGUMENT", /needs an array of events, got an object/);
  throwsCoded(() => toOtlp([first, 7]), "INVALID_EVENT", /events\[1\] must be an event object, got number 7/);
  throwsCoded(() => toOtlp([first, null]), "INVALID_EVENT", /events\[1\] must be an event object, got null/);
  const { session_id: _, ...noSession } = second;
  assert.throws(() => toOtlp([first, noSession]), (e) => {
    assert.equal(e.code, "INVALID_EVENT");
    assert.equal(e.index, 1);
    assert.equal(e.message, "toOtlp(events, options): events[1]: missing field `session_id`");
    return true;
  });
  const { sequence_no: __, ...unnumbered } = first;
  throwsCoded(() => toOtlp([unnumbered]), "INVALID_EVENT", /events\[0\]: missing field `sequence_no`/);
  throwsCoded(() => toOtlp([{ ...first, type: "agent.danced" }]), "INVALID_EVENT", /events\[0\]: unknown event type `agent.danced`/);
  throwsCoded(() => toOtlp([{ ...first, type: "agent.opened_port", port: "80" }]), "INVALID_EVENT", /events\[0\]: .*`port`/);
  throwsCoded(() => toOtlp([{ ...first, meta: { score: NaN } }]), "INVALID_EVENT", /events\[0\]: field `meta.score` is NaN/);
  const circular = { ...first };
  circular.meta = { self: circular };
  throwsCoded(() => toOtlp([circular]), "INVALID_EVENT", /events\[0\] cannot be turned into JSON/);
  throwsCoded(() => toOtlp([first], { serviceName: 5 }), "INVALID_ARGUMENT", /options.serviceName must be a string, got number 5/);
  throwsCoded(() => toOtlp([first], "svc"), "INVALID_ARGUMENT", /options must be an object/);

  const mapper = new OtlpMapper();
  throwsCoded(() => mapper.map(noSession), "INVALID_EVENT", /^map\(event, out\): missing field `session_id`$/);
  throwsCoded(() => mapper.map(first, { spans: [] }), "INVALID_ARGUMENT", /out must be \{ spans: \[\], logs: \[\] \}/);
  throwsCoded(() => mapper.mapBatch(first), "INVALID_ARGUMENT", /mapBatch\(events, out\) needs an array of events/);
  throwsCoded(() => otlpRequests(), "INVALID_ARGUMENT", /otlpRequests\(out, options\) needs out/);
  throwsCoded(() => otlpRequests({ spans: 1, logs: [] }), "INVALID_ARGUMENT", /out must be/);

  // All or nothing: a batch with a bad event maps none of it.
  const out = { spans: [], logs: [] };
  throwsCoded(() => mapper.mapBatch([first, noSession], out), "INVALID_EVENT", /^mapBatch\(events, out\): events\[1\]: missing field `session_id`$/);
  assert.deepEqual(out, { spans: [], logs: [] });
  assert.equal(mapper.openSpans, 0);
  // ... and the mapper goes on as if the bad call had not been made.
  assert.equal(mapper.mapBatch([first, second], out), out);
  assert.equal(out.logs.length, 2);
  assert.equal(mapper.openSpans, 2, "the session and the lead agent");
  mapper.free();
  mapper.free();
  throwsCoded(() => mapper.map(first), "CLOSED", /freed/);
  throwsCoded(() => mapper.openSpans, "CLOSED", /freed/);
});

test("mapBatch and map give the same records, and toOtlp the same requests", () => {
  const { stored } = writeSession(sessionEvents());
  const one = new OtlpMapper();
  const byEvent = { spans: [], logs: [] };
  for (const e of stored) one.map(e, byEvent);
  const batched = new OtlpMapper().mapBatch(stored);
  assert.deepEqual(batched, byEvent);
  assert.deepEqual(otlpRequests(batched), toOtlp(stored));
});
