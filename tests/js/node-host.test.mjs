// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed. The Node file host and the wasm core together, as a
// user gets them: numbering across reopen and processes, torn-tail repair,
// file modes, symlink and hard-link refusal, bad input refused with nothing
// written, and no event lost to an immediate process.exit().
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { EventLog, FileHost } from "sessiontrail";
import { event, lines, snapshot, tempDir } from "./helpers.mjs";

const EVENTS = "events.jsonl";

test("open writes nothing; the first append creates the files 0o600", () => {
  const dir = path.join(tempDir("create"), "session");
  const log = EventLog.open(dir);
  assert.equal(log.eventCount, 0);
  assert.equal(fs.existsSync(dir), false, "open creates nothing");
  const stored = log.appendSync(event("session.started"));
  assert.equal(stored.sequence_no, 0);
  assert.match(stored.event_id, /^evt_[0-9a-f]{16}$/);
  assert.match(stored.trace_id, /^[0-9a-f]{32}$/);
  assert.match(stored.span_id, /^[0-9a-f]{16}$/);
  assert.match(stored.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  for (const name of [EVENTS, "events.jsonl.count", "events.jsonl.lock"]) {
    const mode = fs.statSync(path.join(dir, name)).mode & 0o777;
    assert.equal(mode, 0o600, `${name} is 0o600, got 0o${mode.toString(8)}`);
  }
  log.close();
});

test("the counter is 16 bytes: count and size, little-endian", () => {
  const dir = path.join(tempDir("counter"), "s");
  const log = EventLog.open(dir);
  for (let i = 0; i < 3; i++) log.appendSync(event("agent.note", { text: `n${i}` }));
  log.close();
  const counter = fs.readFileSync(path.join(dir, "events.jsonl.count"));
  assert.equal(counter.length, 16);
  assert.equal(counter.readBigUInt64LE(0), 3n);
  assert.equal(counter.readBigUInt64LE(8), BigInt(fs.statSync(path.join(dir, EVENTS)).size));
});

test("a looser mode on a file we own is tightened", () => {
  const dir = tempDir("tighten");
  fs.writeFileSync(path.join(dir, EVENTS), "", { mode: 0o644 });
  fs.chmodSync(path.join(dir, EVENTS), 0o644);
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  log.close();
  assert.equal(fs.statSync(path.join(dir, EVENTS)).mode & 0o777, 0o600);
});

test("a directory or file another user owns is refused, naming it (issue 22)", (t) => {
  if (process.geteuid() !== 0) {
    t.skip("making files another user owns needs root (chown)");
    return;
  }
  const stranger = 54321;
  for (const name of ["", EVENTS, "events.jsonl.lock", "events.jsonl.count"]) {
    const dir = tempDir("owner");
    EventLog.open(dir).appendSync(event("session.started"));
    const target = path.join(dir, name);
    fs.chownSync(target, stranger, stranger);
    const before = snapshot(dir);
    const log = EventLog.open(dir);
    assert.throws(
      () => log.appendSync(event("agent.note")),
      (e) =>
        e.code === "HOST_FAILED" &&
        e.message.includes(`refusing to use ${name === "" ? dir : target}: it belongs to user id ${stranger}`),
      `owned by another: ${name || "the directory"}`,
    );
    assert.deepEqual(snapshot(dir), before, "nothing written");
  }
  // What the host creates is private: the directory 0o700.
  const parent = tempDir("owner-new");
  const dir = path.join(parent, "a", "session");
  EventLog.open(dir).appendSync(event("session.started"));
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(parent, "a")).mode & 0o777, 0o700);
});

test("a reopened log continues its numbering, with or without the counter", () => {
  const dir = path.join(tempDir("reopen"), "s");
  let log = EventLog.open(dir);
  for (let i = 0; i < 5; i++) assert.equal(log.appendSync(event("agent.note")).sequence_no, i);
  log.close();
  log = EventLog.open(dir);
  assert.equal(log.eventCount, 5);
  assert.equal(log.appendSync(event("agent.note")).sequence_no, 5);
  log.close();
  fs.rmSync(path.join(dir, "events.jsonl.count"));
  log = EventLog.open(dir);
  assert.equal(log.eventCount, 6, "recounted from the lines");
  assert.equal(log.appendSync(event("agent.note")).sequence_no, 6);
  assert.deepEqual(lines(dir).map((e) => e.sequence_no), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(log.checkSync().ok, true);
  log.close();
});

test("two handles and another process taking turns never share a number", () => {
  const dir = path.join(tempDir("turns"), "s");
  const a = EventLog.open(dir);
  const b = EventLog.open(dir);
  const child = (n) => {
    const script = `
      const { EventLog } = require("sessiontrail");
      const log = EventLog.open(${JSON.stringify(dir)});
      for (let i = 0; i < ${n}; i++) log.appendSync(${JSON.stringify(event("agent.note", { text: "child" }))});
    `;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  };
  const seen = [];
  for (let round = 0; round < 4; round++) {
    seen.push(a.appendSync(event("agent.note", { text: "a" })).sequence_no);
    child(2);
    seen.push(b.appendSync(event("agent.note", { text: "b" })).sequence_no);
  }
  assert.deepEqual(seen, [0, 3, 4, 7, 8, 11, 12, 15]);
  const report = a.checkSync();
  assert.equal(report.ok, true);
  assert.equal(report.events, 16);
  assert.deepEqual(report.duplicates, []);
  assert.equal(report.counter, "consistent");
  a.close();
  b.close();
});

test("a torn tail is moved to events.jsonl.torn before the next append", () => {
  const dir = path.join(tempDir("torn"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  const torn = '{"session_id":"ssn_js","event_id":"evt_dead';
  fs.appendFileSync(path.join(dir, EVENTS), torn);
  const before = log.checkSync();
  assert.equal(before.ok, false);
  assert.equal(before.tornTailBytes, torn.length);
  const reopened = EventLog.open(dir);
  assert.equal(reopened.eventCount, 1, "a torn line holds no number");
  assert.equal(reopened.appendSync(event("agent.note")).sequence_no, 1);
  assert.equal(fs.readFileSync(path.join(dir, "events.jsonl.torn"), "utf8"), `${torn}\n`);
  assert.equal(fs.statSync(path.join(dir, "events.jsonl.torn")).mode & 0o777, 0o600);
  const after = reopened.checkSync();
  assert.equal(after.ok, true);
  assert.equal(after.tornTailBytes, 0);
  assert.deepEqual(lines(dir).map((e) => e.sequence_no), [0, 1]);
  // The first handle notices the repair as a foreign change and goes on.
  assert.equal(log.appendSync(event("agent.note")).sequence_no, 2);
  log.close();
  reopened.close();
});

test("damaged lines are skipped and counted, and still hold their number", () => {
  const dir = path.join(tempDir("damaged"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  fs.appendFileSync(path.join(dir, EVENTS), 'not json\n{"type":"agent.danced"}\n');
  fs.appendFileSync(path.join(dir, EVENTS), Buffer.from([0xff, 0xfe, 0x0a]));
  const { events, skipped } = log.readAllWithStatsSync();
  assert.equal(events.length, 1);
  assert.equal(skipped, 3);
  assert.equal(log.readAllSync().length, 1);
  const report = log.checkSync();
  assert.equal(report.skipped, 3);
  assert.deepEqual(report.skippedLines.map((s) => s.line), [2, 3, 4]);
  assert.match(report.skippedLines[2].reason, /UTF-8/);
  assert.equal(log.appendSync(event("agent.note")).sequence_no, 4);
  log.close();
});

test("appendBatch numbers contiguously in one write", () => {
  const dir = path.join(tempDir("batch"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  const stored = log.appendBatchSync([
    event("agent.called_tool", { tool_name: "bash" }),
    event("agent.opened_port", { port: 3000 }),
    event("agent.completed"),
  ]);
  assert.deepEqual(stored.map((e) => e.sequence_no), [1, 2, 3]);
  assert.deepEqual(stored.map((e) => e.type), ["agent.called_tool", "agent.opened_port", "agent.completed"]);
  assert.equal(log.eventCount, 4);
  log.close();
});

test("every event type round-trips with its fields", () => {
  const dir = path.join(tempDir("types"), "s");
  const log = EventLog.open(dir);
  const samples = [
    event("session.started"),
    event("session.closed", { summary: "done", duration_ms: 10 }),
    event("agent.started", { parent_agent_instance_id: "ai_0" }),
    event("agent.spawned", { spawned_by_agent_instance_id: "ai_0", reason: "tests" }),
    event("agent.handoff", { from_agent_instance_id: "a", to_agent_instance_id: "b", artifacts: ["x"] }),
    event("agent.collaborated", { collaborator_agent_instance_ids: ["a", "b"] }),
    event("agent.returned", { returned_to_agent_instance_id: "ai_0" }),
    event("agent.completed", { termination_reason: "ok" }),
    event("agent.failed", { reason: "boom" }),
    event("agent.called_tool", { tool_name: "bash", tool_input_digest: "sha256:1", tool_output_digest: "sha256:2", duration_ms: 5 }),
    event("agent.read_file", { file_path: "a.rs", digest: "sha256:3" }),
    event("agent.wrote_file", { file_path: "b.rs", digest: "d", operation: "modified", additions: 3, deletions: 1 }),
    event("agent.opened_port", { port: 65535, protocol: "tcp" }),
    event("agent.connected_network", { destination: "example.com", port: 443 }),
    event("agent.started_process", { process_name: "npm", pid: 4242, command: "npm test" }),
    event("agent.completed_process", { process_name: "npm", exit_code: -1, duration_ms: 9, command: "npm test" }),
    event("agent.note", { text: "ünïcode ✓ \u2028 \"quoted\"" }),
    event("agent.decision", { model: "m", tokens_in: 10, tokens_out: 20, provider: "p", summary: "s", confidence: 0.75 }),
  ];
  const stored = log.appendBatchSync(samples);
  assert.equal(stored.length, 18);
  const read = log.readAllSync();
  samples.forEach((input, i) => {
    for (const [key, value] of Object.entries(input)) {
      assert.deepEqual(read[i][key], value, `${input.type}.${key}`);
    }
    assert.deepEqual(read[i], stored[i]);
  });
  assert.equal(log.checkSync().ok, true);
  log.close();
});

test("append returns exactly the stored event, with its keys in the stored order", () => {
  // Node's append takes a shortcut for plain events (bindings/node/index.js)
  // and the full wasm append for the rest; both must return what is stored.
  const dir = path.join(tempDir("returned"), "s");
  const log = EventLog.open(dir);
  class Custom {
    constructor() {
      Object.assign(this, event("agent.note", { text: "from a class" }));
    }
  }
  const withGetter = event("agent.note");
  Object.defineProperty(withGetter, "text", { get: () => "from a getter", enumerable: true });
  const inputs = [
    event("agent.called_tool", { tool_name: "bash", duration_ms: 5, parent_span_id: null }),
    { type: "agent.note", text: "type first", ...event("agent.note") },
    event("agent.note", { text: "ünïcode ✓ \u2028 \"quoted\" \n\t\u0001" }),
    event("agent.handoff", { from_agent_instance_id: "a", to_agent_instance_id: "b", artifacts: [] }),
    event("agent.handoff", { from_agent_instance_id: "a", to_agent_instance_id: "b", artifacts: ["x", "y"] }),
    event("agent.decision", { tokens_in: -0, confidence: 1 }),
    event("agent.decision", { confidence: 0.1 }),
    event("agent.note", { meta: { b: [1, 2.5, null], a: { c: "d" } } }),
    event("agent.note", { event_id: "mine", timestamp: "2026-01-02T03:04:05.6Z", trace_id: "t", span_id: "s", sequence_no: 99 }),
    event("agent.note", { event_id: null, timestamp: undefined }),
    event("agent.opened_port", { port: 2 ** 16 - 1 }),
    event("agent.completed_process", { process_name: "p", exit_code: -2147483648 }),
    event("agent.started_process", { process_name: "p", pid: 2 ** 32 - 1, command: "x" }),
    event("session.closed", { duration_ms: Number.MAX_SAFE_INTEGER }),
    new Custom(),
    withGetter,
    Object.assign(Object.create(null), event("agent.note", { text: "no prototype" })),
  ];
  inputs.forEach((input, i) => {
    const returned = log.appendSync(input);
    const line = fs.readFileSync(path.join(dir, EVENTS), "utf8").trimEnd().split("\n")[i];
    const stored = JSON.parse(line);
    assert.deepStrictEqual(returned, stored, `input ${i}`);
    assert.deepStrictEqual(Object.keys(returned), Object.keys(stored), `key order of input ${i}`);
    assert.equal(returned.sequence_no, i);
  });
  // The returned lists are the log's own, not the caller's.
  const artifacts = ["x"];
  const stored = log.appendSync(event("agent.handoff", { from_agent_instance_id: "a", to_agent_instance_id: "b", artifacts }));
  artifacts.push("later");
  assert.deepEqual(stored.artifacts, ["x"]);
  assert.equal(log.checkSync().ok, true);
  log.close();
  // A closed log throws, and writes nothing anywhere: another log is whole.
  assert.throws(() => log.appendSync(event("agent.note", { text: "after close" })));
  const other = EventLog.open(path.join(tempDir("returned-other"), "s"));
  for (let i = 0; i < 50; i++) assert.equal(other.appendSync(event("agent.note", { text: `n${i}` })).sequence_no, i);
  assert.equal(other.checkSync().ok, true);
  other.close();
});

test("bad events throw an Error naming the problem and write nothing", () => {
  const dir = path.join(tempDir("bad"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  const circular = event("agent.note");
  circular.self = circular;
  const cases = [
    [null, /needs an event object, got null/, undefined],
    [undefined, /needs an event object, got undefined/, undefined],
    [42, /needs an event object, got the number 42/, undefined],
    ["agent.note", /needs an event object, got the string/, undefined],
    [[event("agent.note")], /needs an event object, got an array/, undefined],
    [{ ...event("agent.note"), type: undefined }, /missing field `type`/, "type"],
    [event("agent.danced"), /unknown event type `agent\.danced`/, "type"],
    [event("agent.called_tool"), /missing field `tool_name`/, "tool_name"],
    [event("agent.opened_port", { port: 70000 }), /field `port` must be an integer from 0 to 65535, got 70000/, "port"],
    [event("agent.opened_port", { port: -1 }), /field `port`/, "port"],
    [event("agent.opened_port", { port: 80.5 }), /field `port`/, "port"],
    [event("agent.opened_port", { port: "80" }), /field `port` must be an integer/, "port"],
    [{ ...event("session.started"), session_id: 7 }, /field `session_id` must be a string/, "session_id"],
    [{ ...event("session.started"), agent_name: null }, /missing field `agent_name`/, "agent_name"],
    [event("agent.handoff", { from_agent_instance_id: "a", to_agent_instance_id: "b", artifacts: "x" }), /field `artifacts`/, "artifacts"],
    [event("agent.completed_process", { process_name: "x", exit_code: 2 ** 31 }), /field `exit_code`/, "exit_code"],
    [event("agent.decision", { tokens_in: 1.5 }), /field `tokens_in`/, "tokens_in"],
    [circular, /cannot be turned into JSON.*circular/i, undefined],
    [event("agent.opened_port", { port: 10n }), /field `port` is a BigInt/, "port"],
    // A time the log would store but OTLP and readers could not place.
    [event("agent.note", { timestamp: "garbage" }), /field `timestamp` must be an RFC 3339 UTC time/, "timestamp"],
    [event("agent.note", { timestamp: "" }), /field `timestamp` must be an RFC 3339 UTC time/, "timestamp"],
    [event("agent.note", { timestamp: "2026-13-45T99:99:99Z" }), /field `timestamp` must be an RFC 3339 UTC time/, "timestamp"],
    [event("agent.note", { timestamp: "2026-11-26T08:04:05+05:00" }), /RFC 3339 UTC/, "timestamp"],
  ];
  const before = snapshot(dir);
  // Which error: the code; the field refused: `field`, set from the
  // core's structured error (not read back from the message).
  for (const [input, message, field] of cases) {
    assert.throws(
      () => log.appendSync(input),
      (e) => e instanceof Error && e.code === "INVALID_EVENT" && e.field === field && message.test(e.message),
      `append(${String(input?.type ?? input)}) should throw ${message} about ${field}`,
    );
  }
  assert.throws(() => log.appendBatchSync(event("agent.note")), /appendBatch\(events\) needs an array/);
  assert.throws(
    () => log.appendBatchSync([event("agent.note"), event("agent.opened_port", { port: 70000 })]),
    /events\[1\]: field `port`/,
  );
  assert.deepEqual(snapshot(dir), before, "nothing written by any bad input");
  assert.equal(log.eventCount, 1);
  assert.equal(log.appendSync(event("agent.note")).sequence_no, 1);
  log.close();
});

/** A FileHost whose `method` misbehaves as `how` ("throw" or a return value). */
function faultyHost(dir, method, how) {
  const host = new FileHost(dir);
  const real = host[method].bind(host);
  let armed = false;
  const faulty = new Proxy(host, {
    get(target, key) {
      if (key === method) {
        return (...args) => {
          if (!armed) return real(...args);
          if (how === "throw") throw new Error(`${method} broke on purpose`);
          return how;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { host: faulty, arm: () => (armed = true), close: () => host.close() };
}

test("a host method that throws or returns the wrong type is an Error; nothing written", () => {
  const dir = path.join(tempDir("faulty"), "s");
  const seed = EventLog.open(dir);
  seed.appendSync(event("session.started"));
  seed.close();
  const cases = [
    ["size", "throw", /host\.size\(\) threw: Error: size broke on purpose/],
    ["size", "12", /host\.size\(\) returned the string "12", expected a byte count/],
    ["size", -1, /host\.size\(\) returned the number -1/],
    ["read", "throw", /host\.read\(offset, length\) threw/],
    ["read", [1, 2], /host\.read\(\d+, \d+\) returned an array, expected a Uint8Array/],
    ["append", "throw", /host\.append\(bytes\) threw: Error: append broke on purpose/],
    ["loadCounter", "throw", /host\.loadCounter\(\) threw/],
    ["loadCounter", 16, /host\.loadCounter\(\) returned the number 16, expected a Uint8Array or null/],
  ];
  for (const [method, how, message] of cases) {
    fs.rmSync(path.join(dir, "events.jsonl.count"), { force: true });
    const { host, arm, close } = faultyHost(dir, method, how);
    const log = EventLog.withHost(host);
    const before = snapshot(dir);
    arm();
    assert.throws(
      () => log.appendSync(event("agent.note")),
      (e) => {
        assert.ok(e instanceof Error, "an Error, not a trap");
        assert.match(e.message, message);
        assert.ok(e.message.includes(path.join(dir, EVENTS)), `names the host: ${e.message}`);
        return true;
      },
      `${method} ${how}`,
    );
    assert.deepEqual(snapshot(dir), before, `${method} ${how}: nothing written`);
    close();
    log.free();
  }
  // And it was never damaged: the native layout is intact.
  assert.equal(EventLog.open(dir).checkSync().ok, true);
});

test("withHost refuses what is not a LogHost", () => {
  assert.throws(() => EventLog.withHost(undefined), /withHost\(host\) needs a LogHost object/);
  assert.throws(() => EventLog.withHost({ name: "half", size: () => 0 }), /half: host\.read is not a function/);
  assert.throws(() => new FileHost(""), /FileHost needs a session directory path/);
  assert.throws(() => EventLog.open(42), /FileHost needs a session directory path/);
});

test("a symlinked session directory or events.jsonl is refused", () => {
  const root = tempDir("symlink");
  const real = path.join(root, "real");
  fs.mkdirSync(real);
  fs.symlinkSync(real, path.join(root, "link"));
  assert.throws(() => EventLog.open(path.join(root, "link")), /refusing to use .*link: it is a symbolic link/);

  const dir = path.join(root, "s");
  fs.mkdirSync(dir);
  const target = path.join(root, "elsewhere.jsonl");
  fs.writeFileSync(target, "");
  fs.symlinkSync(target, path.join(dir, EVENTS));
  assert.throws(() => EventLog.open(dir), /refusing to use .*events\.jsonl: it is a symbolic link/);
  assert.equal(fs.readFileSync(target, "utf8"), "");
});

test("a hard-linked events.jsonl is refused before anything is written", () => {
  const root = tempDir("hardlink");
  const dir = path.join(root, "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  log.close();
  const other = path.join(root, "other-name.jsonl");
  fs.linkSync(path.join(dir, EVENTS), other);
  const before = snapshot(dir);
  const reopened = EventLog.open(dir);
  assert.throws(
    () => reopened.appendSync(event("agent.note")),
    /refusing to write .*events\.jsonl: it has 2 hard links, so writing would change another file/,
  );
  assert.deepEqual(snapshot(dir), before);
  reopened.close();
  // A fresh directory with a hard-linked events.jsonl: no sidecar is made.
  const fresh = path.join(root, "fresh");
  fs.mkdirSync(fresh);
  fs.linkSync(other, path.join(fresh, EVENTS));
  const log2 = EventLog.open(fresh);
  assert.throws(() => log2.appendSync(event("agent.note")), /2 hard links|3 hard links/);
  assert.deepEqual(fs.readdirSync(fresh), [EVENTS]);
  log2.close();
});

test("a refused hard link leaves its target's mode alone, and hard-linked sidecars are not written", () => {
  const root = tempDir("hardlink-mode");
  const dir = path.join(root, "s");
  fs.mkdirSync(dir);
  const target = path.join(root, "someone-elses.jsonl");
  fs.writeFileSync(target, "");
  fs.chmodSync(target, 0o644);
  fs.linkSync(target, path.join(dir, EVENTS));
  const log = EventLog.open(dir);
  assert.throws(() => log.appendSync(event("agent.note")), /2 hard links/);
  log.close();
  assert.equal(fs.statSync(target).mode & 0o777, 0o644);

  // A counter hard-linked to another file: the append succeeds (the counter
  // is only a hint), the other file keeps its bytes.
  const dir2 = path.join(root, "s2");
  const log2 = EventLog.open(dir2);
  log2.appendSync(event("session.started"));
  log2.close();
  const precious = path.join(root, "precious");
  fs.writeFileSync(precious, "0123456789abcdef");
  fs.rmSync(path.join(dir2, "events.jsonl.count"));
  fs.linkSync(precious, path.join(dir2, "events.jsonl.count"));
  const log3 = EventLog.open(dir2);
  assert.equal(log3.appendSync(event("agent.note")).sequence_no, 1);
  log3.close();
  assert.equal(fs.readFileSync(precious, "utf8"), "0123456789abcdef");
});

test("append then process.exit() at once loses nothing", () => {
  const dir = path.join(tempDir("exit"), "s");
  const script = `
    const { EventLog } = require("sessiontrail");
    const log = EventLog.open(${JSON.stringify(dir)});
    for (let i = 0; i < 50; i++) log.appendSync(${JSON.stringify(event("agent.note", { text: "hook" }))});
    process.exit(0);
  `;
  for (let run = 0; run < 3; run++) {
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  }
  const all = lines(dir);
  assert.equal(all.length, 150);
  assert.deepEqual(all.map((e) => e.sequence_no), [...Array(150).keys()]);
});

test("flush resolves after fdatasync; close frees the log", async () => {
  const dir = path.join(tempDir("flush"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  assert.equal(await log.flush(), undefined);
  log.close();
  assert.throws(() => log.appendSync(event("agent.note")), /this EventLog is closed/);
});

test("an events.jsonl replaced or deleted behind an open log is reopened, not lost", () => {
  const dir = path.join(tempDir("replaced"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  log.appendSync(event("agent.note"));
  const events = path.join(dir, EVENTS);
  const size = fs.statSync(events).size;
  // Same size, three lines: only noticing the new file gets the count right.
  const replacement = path.join(dir, "replacement");
  fs.writeFileSync(replacement, "x".repeat(size - 3) + "\n\n\n", { mode: 0o600 });
  fs.renameSync(replacement, events);
  assert.equal(log.appendSync(event("agent.note", { text: "after rename" })).sequence_no, 3);
  const last = fs.readFileSync(events, "utf8").trimEnd().split("\n").at(-1);
  assert.equal(JSON.parse(last).text, "after rename", "written to the file the path names");
  fs.rmSync(events);
  assert.equal(log.appendSync(event("agent.note", { text: "after delete" })).sequence_no, 0);
  assert.deepEqual(lines(dir).map((e) => e.text), ["after delete"]);
  log.close();
});
