// The Merkle tree through the packed package's Node file host: Node
// appends keep events.jsonl.tree in step with the native CLI's (one
// sidecar, two writers), checked by the native `sessiontrail verify`,
// which names a line changed afterwards (issue 22). npm has no verify()
// yet: the .wasm budget.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { EventLog } from "sessiontrail";
import { cli, cliAppend, event, tempDir } from "./helpers.mjs";

test("Node and CLI appends share one tree; the CLI verify names a line changed later", () => {
  const dir = path.join(tempDir("tree"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("agent.note", { text: "one" }));
  cliAppend(dir, event("agent.note", { text: "two" }));
  log.appendSync(event("agent.note", { text: "three" }));
  // Header and three leaves: each append wrote its own, none was
  // hashed later by a catch-up (that would leave a leaf missing before
  // the CLI's append, and its header says when it was built: 0).
  const tree = fs.readFileSync(path.join(dir, "events.jsonl.tree"));
  assert.equal(tree.length, 16 + 3 * 32);
  assert.equal(tree.subarray(0, 8).toString("latin1"), "sttree1\n");
  assert.equal(tree.readBigUInt64LE(8), 0n);
  let native = spawnSync(cli(), ["verify", dir], { encoding: "utf8" });
  assert.equal(native.status, 0, native.stdout + native.stderr);
  assert.ok(native.stdout.includes("ok: 3 lines agree with the tree"), native.stdout);

  const file = path.join(dir, "events.jsonl");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"two"', '"twx"'));
  native = spawnSync(cli(), ["verify", dir], { encoding: "utf8" });
  assert.equal(native.status, 5, native.stdout + native.stderr);
  assert.ok(native.stdout.includes("TAMPERED: line 2 (sequence_no 1) changed"), native.stdout);
  log.close();
});
