// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed; needs the native CLI (SESSIONTRAIL_CLI) and the
// treeship-core 0.32 writer (SESSIONTRAIL_TREESHIP_WRITER), both built by
// run.sh.
//
// Every writer takes the lock. Node processes, native `sessiontrail`
// processes and treeship-core processes append to one session directory at
// the same moment, some events hundreds of KiB; then Node writers are killed
// with SIGKILL at random moments, round after round, next to native writers.
// Each time the log is read raw, trusting no library: every acknowledged
// event is there exactly once, with the number it was told, numbers unique
// and contiguous in file order, every line whole.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { assertSharedLog, cli, cliAppendAsync, parseAcks, tempDir } from "./helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeWriter = path.join(here, "node-writer.mjs");

function treeshipWriter() {
  const bin = process.env.SESSIONTRAIL_TREESHIP_WRITER;
  if (!bin || !fs.existsSync(bin)) {
    throw new Error(
      "the treeship-core writer is needed: set SESSIONTRAIL_TREESHIP_WRITER to " +
        "target/debug/treeship-writer " +
        `(cargo build -p treeship-compat --bin treeship-writer); got ${JSON.stringify(bin)}`,
    );
  }
  return bin;
}

/** Starts a writer process; `done` resolves with { status, signal, acks }. */
function startWriter(command, args) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let acked;
  const firstAck = new Promise((resolve) => (acked = resolve));
  child.stdout.on("data", (d) => {
    out += d;
    if (out.includes("\n")) acked();
  });
  child.stderr.on("data", (d) => (err += d));
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      acked();
      resolve({ status, signal, acks: parseAcks(out), err });
    });
  });
  return { child, done, firstAck };
}

/** `count` CLI appends, one process after another, every 4th with a big
 *  meta; resolves with their acknowledgements. */
async function cliLoop(dir, who, count, bigBytes) {
  const acks = [];
  for (let n = 0; n < count; n++) {
    const ev = {
      type: "agent.called_tool",
      tool_name: "Read",
      session_id: "ssn_writers",
      agent_id: `agent://${who}`,
      agent_instance_id: who,
      agent_name: who,
      host_id: "host_writers",
      duration_ms: n,
    };
    if (n % 4 === 3) ev.meta = { blob: "c".repeat(bigBytes) };
    const stored = await cliAppendAsync(dir, ev);
    acks.push({ id: stored.event_id, seq: stored.sequence_no });
  }
  return acks;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("Node, native and treeship-core processes append at the same moment: nothing lost, no number twice", async () => {
  const dir = path.join(tempDir("mixed"), "session");
  const big = 200 * 1024;
  const writers = [
    ...[0, 1, 2, 3].map((i) => startWriter(process.execPath, [nodeWriter, dir, `node${i}`, "60", "4", String(big)])),
    startWriter(treeshipWriter(), [dir, "treeship0", "60", "4", String(big)]),
  ];
  const natives = [cliLoop(dir, "native0", 30, big), cliLoop(dir, "native1", 30, big)];
  const results = await Promise.all(writers.map((w) => w.done));
  for (const r of results) assert.equal(r.status, 0, `a writer failed: ${r.err}`);
  const acks = [...results.flatMap((r) => r.acks), ...(await Promise.all(natives)).flat()];

  // 4 Node writers × (60 appends, of which 8 are batches of 3 and 11 are
  // groups of 3 Promise appends), 60 treeship-core appends, 60 CLI
  // appends: all acknowledged.
  assert.equal(acks.length, 4 * (60 + 8 * 2 + 11 * 2) + 60 + 60);
  const lines = assertSharedLog(dir, acks);
  assert.equal(lines.length, acks.length, "nothing stored that was not acknowledged");
  assert.equal(fs.existsSync(path.join(dir, "events.jsonl.torn")), false, "nothing was cut aside as torn");
  // Every kind of writer really wrote, and big events among them.
  const who = new Set(lines.map((l) => JSON.parse(l).agent_instance_id));
  for (const w of ["node0", "node1", "node2", "node3", "treeship0", "native0", "native1"]) {
    assert.ok(who.has(w), `${w} wrote`);
  }
  assert.ok(lines.filter((l) => l.length > big).length >= 4 * 15 + 15 + 14);
  const check = spawnSync(cli(), ["check", dir], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test("Node writers killed with SIGKILL at random moments next to native writers: nothing acknowledged lost", async () => {
  const dir = path.join(tempDir("sigkill"), "session");
  const acks = [];
  let killedMidRun = 0;
  for (let round = 0; round < 8; round++) {
    // Events of 64 KiB every 3rd append make the write long enough for a
    // kill to land inside it now and then.
    const nodes = [0, 1].map((i) =>
      startWriter(process.execPath, [nodeWriter, dir, `r${round}n${i}`, "0", "3", String(64 * 1024)]),
    );
    const native = cliLoop(dir, `r${round}cli`, 6, 64 * 1024);
    // Once both are appending (their start-up takes a while), at a random
    // moment.
    await Promise.all(nodes.map((n) => n.firstAck));
    await sleep(Math.floor(Math.random() * 150));
    for (const n of nodes) n.child.kill("SIGKILL");
    for (const r of await Promise.all(nodes.map((n) => n.done))) {
      assert.equal(r.signal, "SIGKILL", `a Node writer ended on its own: ${r.err}`);
      acks.push(...r.acks);
      if (r.acks.length > 0) killedMidRun++;
    }
    acks.push(...(await native));
  }
  // The next writer repairs whatever a kill left torn.
  const last = await cliAppendAsync(dir, {
    type: "session.closed",
    session_id: "ssn_writers",
    agent_id: "agent://closer",
    agent_instance_id: "closer",
    agent_name: "closer",
    host_id: "host_writers",
  });
  acks.push({ id: last.event_id, seq: last.sequence_no });
  assert.equal(killedMidRun, 16, "every Node writer was killed while appending");
  const lines = assertSharedLog(dir, acks);
  assert.equal(JSON.parse(lines.at(-1)).event_id, last.event_id);
  const check = spawnSync(cli(), ["check", dir], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});
