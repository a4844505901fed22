// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed. The public EventLog of the Node entry (issue 8): only
// documented members, Promise forms beside the Sync forms, and group commit
// of the Promise appends issued together.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { EventLog } from "sessiontrail";
import { event, lines, tempDir } from "./helpers.mjs";

const require = createRequire(import.meta.url);

/** A LogHost over a byte array that counts its writes and can be made to
 *  throw on the next one. */
function countingHost() {
  let bytes = new Uint8Array(0);
  const host = {
    name: "counting host",
    appends: 0,
    failing: false,
    size: () => bytes.length,
    read: (offset, length) => bytes.slice(offset, offset + length),
    append(b) {
      if (host.failing) throw new Error("EIO: the disk went away");
      host.appends++;
      const next = new Uint8Array(bytes.length + b.length);
      next.set(bytes);
      next.set(b, bytes.length);
      bytes = next;
    },
    truncate(length) {
      bytes = bytes.slice(0, length);
    },
    bytes: () => bytes.slice(),
  };
  return host;
}

/** Every property name reachable from `value`: own and inherited, up to
 *  Object.prototype. */
function reachable(value) {
  const names = new Set();
  for (let o = value; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Reflect.ownKeys(o)) names.add(String(name));
  }
  return [...names];
}

test("nothing starting with _ is reachable from EventLog, a log, or either module", () => {
  const log = EventLog.open(path.join(tempDir("api-members"), "s"));
  log.appendSync(event("session.started"));
  for (const [what, value] of [
    ["EventLog", EventLog],
    ["a log", log],
    ["require('sessiontrail')", require("sessiontrail")],
  ]) {
    const hidden = reachable(value).filter((n) => n.startsWith("_"));
    assert.deepEqual(hidden, [], `${what} exposes ${hidden}`);
  }
  assert.equal(log.__wbg_ptr, undefined);
  log.close();
});

test("new EventLog() is a TypeError that says how to make a log", () => {
  assert.throws(() => new EventLog(), (e) => e instanceof TypeError && /EventLog\.open\(dir/.test(e.message));
  assert.throws(() => new EventLog(Symbol("EventLog.withHost"), {}, {}), TypeError);
});

test("every Promise form resolves with what its Sync form returns", async () => {
  const dir = path.join(tempDir("api-forms"), "s");
  const log = EventLog.open(dir);
  const stored = await log.append(event("session.started"));
  assert.equal(stored.sequence_no, 0);
  const batch = await log.appendBatch([event("agent.note", { text: "a" }), event("agent.note", { text: "b" })]);
  assert.deepEqual(batch.map((e) => e.sequence_no), [1, 2]);
  assert.deepEqual(await log.readAll(), log.readAllSync());
  assert.deepEqual(await log.readAllWithStats(), log.readAllWithStatsSync());
  assert.deepEqual(await log.check(), log.checkSync());
  assert.deepEqual(await log.readChunk(0, 10), log.readChunkSync(0, 10));
  const streamed = [];
  for await (const e of log.readFrom(1, 1)) streamed.push(e.sequence_no);
  assert.deepEqual(streamed, [1, 2]);
  assert.deepEqual([...log.readFromSync(1)].map((e) => e.sequence_no), [1, 2]);
  await log.flush();
  log.flushSync();
  log.close();
  await assert.rejects(log.append(event("agent.note")), (e) => e.code === "CLOSED");
  await assert.rejects(log.readAll(), (e) => e.code === "CLOSED");
  assert.throws(() => log.flushSync(), (e) => e.code === "CLOSED");
});

test("Promise appends issued together are one write, numbered in call order", async () => {
  const host = countingHost();
  const log = EventLog.withHost(host);
  log.appendSync(event("session.started"));
  const before = host.appends;
  const texts = Array.from({ length: 50 }, (_, i) => `n${i}`);
  const stored = await Promise.all(texts.map((text) => log.append(event("agent.note", { text }))));
  assert.equal(host.appends - before, 1, "one host write for the burst");
  assert.deepEqual(stored.map((e) => e.sequence_no), texts.map((_, i) => i + 1));
  assert.deepEqual(stored.map((e) => e.text), texts);
  const read = log.readAllSync().slice(1);
  assert.deepEqual(read.map((e) => [e.sequence_no, e.text]), stored.map((e) => [e.sequence_no, e.text]));
  assert.deepEqual(stored[7], read[7], "each caller gets its own event as stored");
  assert.equal(log.checkSync().ok, true);
});

test("a Sync call after Promise appends of the same turn comes after them", async () => {
  const dir = path.join(tempDir("api-order"), "s");
  const log = EventLog.open(dir);
  const first = log.append(event("agent.note", { text: "promise 1" }));
  const second = log.append(event("agent.note", { text: "promise 2" }));
  const sync = log.appendSync(event("agent.note", { text: "sync" }));
  assert.equal(sync.sequence_no, 2);
  assert.deepEqual([(await first).sequence_no, (await second).sequence_no], [0, 1]);
  assert.deepEqual(lines(dir).map((e) => e.text), ["promise 1", "promise 2", "sync"]);
  log.close();
});

test("an invalid event in a burst fails alone, with its code and field", async () => {
  const dir = path.join(tempDir("api-invalid"), "s");
  const log = EventLog.open(dir);
  const calls = [
    log.append(event("agent.note", { text: "a" })),
    log.append(event("agent.opened_port", { port: 70000 })),
    log.append(event("agent.note", { text: "b" })),
    log.append({ type: "agent.teleported" }),
    log.append(event("agent.note", { text: "c", meta: { score: NaN } })),
    log.append(event("agent.note", { text: "d" })),
  ];
  const results = await Promise.allSettled(calls);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled", "rejected", "rejected", "fulfilled"]);
  assert.deepEqual(results.filter((r) => r.value).map((r) => [r.value.text, r.value.sequence_no]), [["a", 0], ["b", 1], ["d", 2]]);
  const port = results[1].reason;
  assert.equal(port.code, "INVALID_EVENT");
  assert.equal(port.field, "port");
  assert.match(port.message, /field `port` must be an integer from 0 to 65535, got 70000/);
  assert.doesNotMatch(port.message, /events\[/, "the message names no batch the caller never made");
  assert.equal(results[3].reason.code, "INVALID_EVENT");
  assert.match(results[3].reason.message, /agent\.teleported/);
  assert.equal(results[4].reason.field, "meta.score");
  assert.deepEqual(lines(dir).map((e) => e.text), ["a", "b", "d"]);
  assert.equal(log.checkSync().ok, true);
  log.close();
});

test("a host that throws fails every append of its group and writes nothing", async () => {
  const host = countingHost();
  const log = EventLog.withHost(host);
  await log.append(event("session.started"));
  const before = host.bytes();
  host.failing = true;
  const results = await Promise.allSettled(["a", "b", "c"].map((text) => log.append(event("agent.note", { text }))));
  for (const r of results) {
    assert.equal(r.status, "rejected");
    assert.equal(r.reason.code, "HOST_FAILED");
    assert.match(r.reason.cause.message, /EIO/);
  }
  assert.deepEqual(host.bytes(), before, "nothing of the group was written");
  host.failing = false;
  const next = await Promise.all([log.append(event("agent.note", { text: "d" })), log.append(event("agent.note", { text: "e" }))]);
  assert.deepEqual(next.map((e) => e.sequence_no), [1, 2], "the numbers of the failed group were not used");
  assert.equal(log.checkSync().ok, true);
});

test("appends awaited one by one are each written before they resolve", async () => {
  const dir = path.join(tempDir("api-awaited"), "s");
  const log = EventLog.open(dir);
  for (let i = 0; i < 5; i++) {
    const stored = await log.append(event("agent.note", { text: `t${i}` }));
    assert.equal(stored.sequence_no, i);
    assert.equal(lines(dir).length, i + 1);
  }
  assert.equal(fs.existsSync(path.join(dir, "events.jsonl")), true);
  log.close();
});

test("close() right after Promise appends writes them first", async () => {
  const dir = path.join(tempDir("api-close"), "s");
  const log = EventLog.open(dir);
  const calls = ["a", "b", "c"].map((text) => log.append(event("agent.note", { text })));
  log.close();
  assert.deepEqual((await Promise.all(calls)).map((e) => e.sequence_no), [0, 1, 2]);
  assert.deepEqual(lines(dir).map((e) => e.text), ["a", "b", "c"]);
  await assert.rejects(log.append(event("agent.note")), (e) => e.code === "CLOSED");
});
