// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed. The npm package's side of the adversarial suite
// (issue 13; the crate's and the CLI's are in tests/hardening.rs): each
// test is a way a hostile or careless caller tried to make the log keep
// half a batch, hang, or store something other than what it was given.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { EventLog } from "sessiontrail";
import { event, lines, snapshot, tempDir } from "./helpers.mjs";

const EVENTS = "events.jsonl";

// ------------------------------------------------ 1. empty or unusable DIR

test("an empty or file DIR is refused and nothing is created", () => {
  const cwd = tempDir("empty-cwd");
  const before = process.cwd();
  process.chdir(cwd);
  try {
    assert.throws(() => EventLog.open(""), /non-empty string/);
  } finally {
    process.chdir(before);
  }
  assert.deepEqual(fs.readdirSync(cwd), []);
  const file = path.join(tempDir("file-dir"), "not-a-dir");
  fs.writeFileSync(file, "keep me");
  assert.throws(() => EventLog.open(file), /as a session directory: it is a regular file/);
  assert.equal(fs.readFileSync(file, "utf8"), "keep me");
});

// ------------------------------------------------ 2. all or nothing

test("a host that fails mid-write leaves the log exactly as it was", () => {
  // A host over a byte array that stores part of a write, then throws: a
  // full disk's short write.
  let bytes = new Uint8Array(0);
  let room = Infinity;
  const host = {
    name: "short-write host",
    size: () => bytes.length,
    read: (offset, length) => bytes.slice(offset, offset + length),
    append(b) {
      const n = Math.min(b.length, room);
      const next = new Uint8Array(bytes.length + n);
      next.set(bytes);
      next.set(b.subarray(0, n), bytes.length);
      bytes = next;
      room -= n;
      if (n < b.length) throw new Error("ENOSPC: no space left on device");
    },
    truncate(length) {
      bytes = bytes.slice(0, length);
    },
  };
  const log = EventLog.withHost(host);
  log.appendBatchSync([event("agent.note", { text: "a" }), event("agent.note", { text: "b" })]);
  const before = bytes.slice();
  room = before.length; // about two more lines
  const batch = ["c", "d", "e", "f"].map((text) => event("agent.note", { text }));
  assert.throws(() => log.appendBatchSync(batch), /ENOSPC/);
  assert.deepEqual(bytes, before, "the partial batch was cut back");
  room = 10;
  assert.throws(() => log.appendSync(event("agent.note", { text: "single" })), /ENOSPC/);
  assert.deepEqual(bytes, before, "the short single write was cut back");
  room = Infinity;
  assert.equal(log.appendSync(event("agent.note")).sequence_no, 2);
  assert.equal(log.checkSync().ok, true);
});

test("a file-size limit part-way through a batch leaves events.jsonl unchanged", () => {
  const dir = path.join(tempDir("fsize"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("agent.note", { text: "first" }));
  log.close();
  const before = snapshot(dir);
  const size = fs.statSync(path.join(dir, EVENTS)).size;
  const child = path.join(tempDir("fsize-child"), "child.cjs");
  const req = createRequire(import.meta.url);
  fs.writeFileSync(
    child,
    `const { EventLog } = require(${JSON.stringify(req.resolve("sessiontrail"))});
     const log = EventLog.open(process.argv[2]);
     const batch = [0, 1, 2, 3, 4].map((i) => (${JSON.stringify(event("agent.note"))}));
     try { log.appendBatchSync(batch); console.log("appended"); }
     catch (e) { console.log("refused: " + e.message); }`,
  );
  // RLIMIT_FSIZE with SIGXFSZ ignored: the write fails with EFBIG.
  const limit = Math.floor(size * 2.5);
  const out = spawnSync(
    "sh",
    ["-c", `trap '' XFSZ; exec prlimit --fsize=${limit} "$0" "$@"`, process.execPath, child, dir],
    { encoding: "utf8" },
  );
  assert.match(out.stdout, /refused: .*(EFBIG|too large)/i, out.stdout + out.stderr);
  assert.deepEqual(snapshot(dir), before);
  const again = EventLog.open(dir);
  assert.equal(again.appendSync(event("agent.note")).sequence_no, 1);
  again.close();
});

// ------------------------------------------------ 3. only regular files

test("a FIFO in place of events.jsonl is refused, and nothing blocks", () => {
  const dir = tempDir("fifo");
  const made = spawnSync("mkfifo", [path.join(dir, EVENTS)]);
  assert.equal(made.status, 0);
  // Opening reads the count: refused at once (a blocking open would hang
  // this test).
  assert.throws(() => EventLog.open(dir), /FIFO \(named pipe\), not a regular file/);
});

// ------------------------------------------------ 4. values JSON cannot hold

test("values JSON.stringify would change are refused, naming the field", () => {
  const dir = path.join(tempDir("nan"), "s");
  const log = EventLog.open(dir);
  const cases = [
    [{ duration_ms: NaN }, "agent.called_tool", /field `duration_ms` is NaN/],
    [{ meta: { score: Infinity } }, "agent.note", /field `meta.score` is Infinity/],
    [{ meta: { list: [1, undefined] } }, "agent.note", /field `meta.list\[1\]` is undefined/],
    [{ meta: { f() {} } }, "agent.note", /field `meta.f` is a function/],
    [{ meta: { n: 10n } }, "agent.note", /field `meta.n` is a BigInt/],
    [{ meta: { s: Symbol("x") } }, "agent.note", /field `meta.s` is a symbol/],
    [{ meta: { m: new Map([[1, 2]]) } }, "agent.note", /field `meta.m` is a Map/],
    [{ text: () => 1 }, "agent.note", /field `text` is a function/],
  ];
  for (const [extra, type, message] of cases) {
    const ev = event(type, { tool_name: type === "agent.called_tool" ? "t" : undefined, ...extra });
    assert.throws(() => log.appendSync(ev), message, JSON.stringify(Object.keys(extra)));
    // The field the message names is the Error's `field`.
    const named = message.source.match(/field `([^`]+)`/)[1].replace(/\\/g, "");
    assert.throws(
      () => log.appendSync(ev),
      (e) => e.code === "INVALID_EVENT" && e.field === named,
      `${JSON.stringify(Object.keys(extra))}: field ${named}`,
    );
  }
  assert.throws(
    () => log.appendBatchSync([event("agent.note"), event("agent.note", { meta: { x: NaN } })]),
    /events\[1\]: field `meta.x` is NaN/,
  );
  assert.equal(fs.existsSync(dir), false, "nothing was written");
  // Allowed: an absent (undefined) top-level field, a Date (its toJSON).
  const when = new Date(0);
  const stored = log.appendSync(event("agent.note", { agent_role: undefined, meta: { when } }));
  assert.equal(stored.meta.when, "1970-01-01T00:00:00.000Z");
  assert.equal("agent_role" in stored, false);
  log.close();
});

// ------------------------------------------------ 5. inputs over the limit

test("an event over the line limit is refused by size, and the log stays usable", () => {
  const dir = path.join(tempDir("huge"), "s");
  const log = EventLog.open(dir);
  const huge = "x".repeat((16 << 20) + 1);
  // The fast path (a plain event), the full path (meta), and a batch.
  assert.throws(() => log.appendSync(event("agent.note", { text: huge })), /over the line limit/);
  assert.throws(
    () => log.appendSync(event("agent.note", { meta: { huge } })),
    /over the line limit of 16777216 bytes/,
  );
  assert.throws(
    () => log.appendBatchSync([event("agent.note"), event("agent.note", { text: huge })]),
    /events\[1\].*over the line limit/,
  );
  assert.equal(fs.existsSync(path.join(dir, EVENTS)), false);
  assert.equal(log.appendSync(event("agent.note")).sequence_no, 0);
  assert.equal(log.readAllSync().length, 1);
  log.close();
});

// ------------------------------------------------ 6. never silently changed

test("unknown fields are refused by name; numbers are kept as JavaScript has them", () => {
  const dir = path.join(tempDir("unknown"), "s");
  const log = EventLog.open(dir);
  assert.throws(
    () => log.appendSync(event("agent.called_tool", { tool_name: "t", duraton_ms: 5 })),
    /unknown field `duraton_ms`/,
  );
  assert.throws(
    () => log.appendBatchSync([event("agent.note", { port: 1 })]),
    /events\[0\]: .*unknown field `port`/,
  );
  assert.equal(fs.existsSync(dir), false);
  const stored = log.appendSync(event("agent.note", { meta: { big: 2 ** 64, safe: 2 ** 53 - 1 } }));
  assert.equal(stored.meta.big, 2 ** 64);
  assert.equal(lines(dir)[0].meta.big, 2 ** 64);
  assert.equal(lines(dir)[0].meta.safe, 2 ** 53 - 1);
  log.close();
});

// ------------------------------------------------ 11. messages

test("a closed log and new EventLog() say what is wrong", async () => {
  assert.throws(() => new EventLog(), /new EventLog\(\) makes no log: use EventLog.open/);
  const log = EventLog.open(path.join(tempDir("closed"), "s"));
  log.appendSync(event("agent.note"));
  log.close();
  log.close(); // twice is harmless
  for (const call of [
    () => log.appendSync(event("agent.note")),
    () => log.appendSync(event("agent.note", { meta: {} })),
    () => log.appendBatchSync([event("agent.note")]),
    () => log.readAllSync(),
    () => log.checkSync(),
    () => log.eventCount,
  ]) {
    assert.throws(call, (e) => /this EventLog is closed/.test(e.message) && e.code === "CLOSED");
  }
  await assert.rejects(log.flush(), /this EventLog is closed/);
});

// ------------------------------------------------ 8. bounded reports

test("check quotes a bounded part of a huge bad value", () => {
  const dir = tempDir("check-bound");
  const line = `{"type":"${"x".repeat(1 << 20)}"}\n`;
  fs.writeFileSync(path.join(dir, EVENTS), line.repeat(5));
  const log = EventLog.open(dir);
  const report = log.checkSync();
  assert.equal(report.skipped, 5);
  for (const s of report.skippedLines) assert.ok(s.reason.length < 1000, `${s.reason.length}`);
  assert.ok(JSON.stringify(report).length < 10_000);
  log.close();
});

// ------------------------------------------------ 10. streaming reads

test("readFrom streams a log in chunks, as readAll would read it", () => {
  const dir = path.join(tempDir("chunks"), "s");
  const log = EventLog.open(dir);
  for (let i = 0; i < 40; i++) log.appendSync(event("agent.note", { text: `n${i}`.repeat(i) }));
  // A damaged line and a torn tail: skipped, and not read.
  fs.appendFileSync(path.join(dir, EVENTS), "not json\n");
  log.appendSync(event("agent.note", { text: "after the damage" }));
  fs.appendFileSync(path.join(dir, EVENTS), '{"torn');
  const all = log.readAllSync();
  assert.equal(all.length, 41);
  // Tiny chunks: every line is its own chunk, and nothing is lost or doubled.
  assert.deepEqual([...log.readFromSync(0, 1)], all);
  assert.deepEqual([...log.readFromSync(0)], all);
  assert.deepEqual(
    [...log.readFromSync(35, 200)].map((e) => e.sequence_no),
    [35, 36, 37, 38, 39, 41],
  );
  // One chunk is bounded by its size, not by the log's.
  const first = log.readChunkSync(0, 300);
  assert.ok(first.events.length > 0 && first.events.length < 10, `${first.events.length}`);
  assert.equal(first.done, false);
  let at = 0;
  let chunk;
  let skipped = 0;
  do {
    chunk = log.readChunkSync(at, 1000);
    skipped += chunk.skipped;
    at = chunk.next;
  } while (!chunk.done);
  assert.equal(skipped, 1);
  assert.equal(at, fs.statSync(path.join(dir, EVENTS)).size - '{"torn'.length);
  assert.throws(() => log.readChunkSync(-1, 10), /offset must be a byte offset/);
  log.close();
  assert.throws(() => [...log.readFromSync(0)], /this EventLog is closed/);
});
