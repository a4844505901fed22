// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed, with SESSIONTRAIL_CLI set to the native
// target/release/sessiontrail. One directory, two implementations: the Node
// writer (wasm core + FileHost) and the native CLI (flock + FileStore)
// taking turns must never share a number, and each must accept what the
// other wrote.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { EventLog } from "sessiontrail";
import { cli, cliAppend, cliCheck, event, lines, tempDir } from "./helpers.mjs";

test("Node and the native CLI taking turns never share a number", () => {
  const dir = path.join(tempDir("interop"), "s");
  const log = EventLog.open(dir);
  const numbers = [];
  for (let round = 0; round < 6; round++) {
    numbers.push(log.appendSync(event("agent.note", { text: `node ${round}` })).sequence_no);
    numbers.push(cliAppend(dir, event("agent.called_tool", { tool_name: "bash" })).sequence_no);
    numbers.push(cliAppend(dir, event("agent.note", { text: "cli" })).sequence_no);
  }
  assert.deepEqual(numbers, [...Array(18).keys()]);
  assert.deepEqual(lines(dir).map((e) => e.sequence_no), [...Array(18).keys()]);

  const native = cliCheck(dir);
  assert.equal(native.status, 0, `sessiontrail check: ${native.stdout}${native.stderr}`);
  assert.match(native.stdout, /verdict:\s+ok/);
  const report = log.checkSync();
  assert.equal(report.ok, true);
  assert.equal(report.events, 18);
  assert.equal(report.counter, "consistent");
  log.close();
});

test("the native check passes on what Node wrote, repairs included", () => {
  const dir = path.join(tempDir("node-wrote"), "s");
  const log = EventLog.open(dir);
  log.appendBatchSync([event("session.started"), event("agent.opened_port", { port: 8080 })]);
  fs.appendFileSync(path.join(dir, "events.jsonl"), '{"torn":');
  log.appendSync(event("session.closed", { summary: "bye" }));
  log.close();
  const native = cliCheck(dir);
  assert.equal(native.status, 0, native.stdout + native.stderr);
  assert.match(native.stdout, /events:\s+3/);
  const cat = spawnSync(cli(), ["cat", dir], { encoding: "utf8" });
  assert.equal(cat.status, 0, cat.stderr);
  const catted = cat.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(catted.map((e) => e.type), ["session.started", "agent.opened_port", "session.closed"]);
  assert.deepEqual(catted, lines(dir));
});

test("Node's check passes on what the CLI wrote, and Node continues it", () => {
  const dir = path.join(tempDir("cli-wrote"), "s");
  for (let i = 0; i < 5; i++) cliAppend(dir, event("agent.note", { text: `cli ${i}` }));
  const log = EventLog.open(dir);
  assert.equal(log.eventCount, 5);
  const report = log.checkSync();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.equal(report.counter, "consistent");
  assert.equal(log.appendSync(event("agent.note", { text: "node" })).sequence_no, 5);
  assert.deepEqual(log.readAllSync().map((e) => e.text), ["cli 0", "cli 1", "cli 2", "cli 3", "cli 4", "node"]);
  log.close();
  for (const name of ["events.jsonl", "events.jsonl.count", "events.jsonl.lock"]) {
    assert.equal(fs.statSync(path.join(dir, name)).mode & 0o777, 0o600, name);
  }
});
