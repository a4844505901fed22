// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed; needs the native CLI (SESSIONTRAIL_CLI), util-linux
// `flock`, and a second install of the tarball made with --omit=optional
// (SESSIONTRAIL_APP_NO_KOFFI_BINARY), where koffi has no binary to load.
//
// The Node host's lock: flock(2) on events.jsonl.lock, the lock of the
// native crate, the CLI and treeship-core. Each side excludes the other; a
// timeout throws LOCK_TIMEOUT with nothing written; without koffi the log
// refuses to open, saying why; { lock: "none" } works and says what it is.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { EventLog, FileHost } from "sessiontrail";
import { cli, event, snapshot, tempDir } from "./helpers.mjs";

/** Holds the session's lock with util-linux flock(1) until `release()`. */
async function holdWithFlockCommand(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const lockFile = path.join(dir, "events.jsonl.lock");
  const holder = spawn("flock", [lockFile, "sh", "-c", "echo held; read _"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    holder.on("error", reject);
    holder.stdout.once("data", resolve);
  });
  return {
    release: () =>
      new Promise((resolve) => {
        holder.on("close", resolve);
        holder.stdin.end("\n");
      }),
  };
}

test("a Node append waits for a lock held by another process, and times out with LOCK_TIMEOUT writing nothing", async () => {
  const dir = path.join(tempDir("timeout"), "s");
  const first = EventLog.open(dir);
  first.appendSync(event("session.started"));
  first.close();
  const before = snapshot(dir);

  const holder = await holdWithFlockCommand(dir);
  const log = EventLog.open(dir, { lockTimeoutMs: 150 });
  try {
    assert.throws(
      () => log.appendSync(event("agent.note", { text: "must wait" })),
      (e) => {
        assert.equal(e.code, "LOCK_TIMEOUT");
        assert.match(e.message, /^could not lock .*events\.jsonl\.lock within 150 ms; nothing was written$/);
        return true;
      },
    );
    // The batch path and the fast path release nothing they did not take and
    // write nothing either.
    assert.throws(() => log.appendBatchSync([event("agent.note", { text: "a" })]), { code: "LOCK_TIMEOUT" });
    assert.deepEqual(snapshot(dir), before, "nothing written while another process held the lock");
  } finally {
    await holder.release();
  }
  assert.equal(log.appendSync(event("agent.note", { text: "after" })).sequence_no, 1);
  log.close();
});

test("a lock held from Node stops the native CLI, and the CLI gets in once it is released", () => {
  const dir = path.join(tempDir("exclude"), "s");
  const log = EventLog.open(dir);
  log.appendSync(event("session.started"));
  const host = new FileHost(dir);
  host.lock();
  const json = JSON.stringify(event("agent.note", { text: "native" }));
  const blocked = spawnSync(cli(), ["append", dir, json, "--timeout-ms", "200"], { encoding: "utf8" });
  assert.equal(blocked.status, 3, blocked.stderr);
  assert.match(blocked.stderr, /could not lock/);
  // util-linux flock(1), which calls flock(2), is excluded too.
  assert.equal(spawnSync("flock", ["-n", path.join(dir, "events.jsonl.lock"), "true"]).status, 1);

  host.unlock();
  const ok = spawnSync(cli(), ["append", dir, json, "--timeout-ms", "2000"], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).sequence_no, 1);
  host.close();
  // The Node log sees the native append and numbers after it.
  assert.equal(log.appendSync(event("agent.note", { text: "node" })).sequence_no, 2);
  log.close();
});

test("every failing append lets the lock go: a bad event, a host failure", () => {
  const dir = path.join(tempDir("release"), "s");
  const log = EventLog.open(dir, { lockTimeoutMs: 100 });
  log.appendSync(event("session.started"));
  assert.throws(() => log.appendSync({ ...event("agent.opened_port"), port: "not a number" }), { code: "INVALID_EVENT" });
  assert.throws(() => log.appendSync(event("agent.note", { meta: { deep: "x".repeat(20 * 1024 * 1024) } })), {
    code: "INVALID_EVENT",
  });
  // A host whose write fails after the lock was taken.
  const host = new FileHost(dir, { lockTimeoutMs: 100 });
  const failing = EventLog.withHost(
    ({
      name: host.name,
      size: () => host.size(),
      read: (o, l) => host.read(o, l),
      append: () => {
        throw Object.assign(new Error("disk on fire"), { code: "EIO" });
      },
      truncate: (l) => host.truncate(l),
      lock: () => host.lock(),
      unlock: () => host.unlock(),
    }),
  );
  assert.throws(() => failing.appendSync(event("agent.note", { text: "x" })), (e) => {
    assert.equal(e.code, "HOST_FAILED");
    assert.match(e.message, /disk on fire/);
    assert.equal(e.cause.code, "EIO");
    return true;
  });
  failing.free();
  // If any of those had kept the lock, these would time out.
  assert.equal(spawnSync("flock", ["-n", path.join(dir, "events.jsonl.lock"), "true"]).status, 0);
  assert.equal(log.appendSync(event("agent.note", { text: "still going" })).sequence_no, 1);
  host.close();
  log.close();
});

test("options are checked: unknown keys, bad lock modes and timeouts are TypeErrors", () => {
  const dir = path.join(tempDir("options"), "s");
  assert.throws(() => EventLog.open(dir, { lock: "fcntl" }), /option lock must be "flock" \(the default\) or "none"/);
  assert.throws(() => EventLog.open(dir, { lockTimeout: 5 }), /unknown option "lockTimeout"/);
  assert.throws(() => EventLog.open(dir, { lockTimeoutMs: -1 }), /lockTimeoutMs must be a non-negative number/);
  assert.throws(() => EventLog.open(dir, "flock"), /options of a session log must be an object/);
  assert.equal(fs.existsSync(dir), false);
});

test('{ lock: "none" } appends without the lock, says so once, and reports it', () => {
  const dir = path.join(tempDir("nolock"), "s");
  const script = `
    const { EventLog } = require("sessiontrail");
    const a = EventLog.open(process.argv[1], { lock: "none" });
    const b = EventLog.open(process.argv[1], { lock: "none" });
    const ev = ${JSON.stringify(event("agent.note", { text: "unlocked" }))};
    console.log(JSON.stringify([a.locking, a.appendSync(ev).sequence_no, b.appendSync(ev).sequence_no]));
  `;
  // Run while util-linux flock(1) holds the session's lock: an unlocked
  // append does not wait for it.
  fs.mkdirSync(dir, { recursive: true });
  const holder = spawnSync("flock", [path.join(dir, "events.jsonl.lock"), process.execPath, "-e", script, dir], {
    encoding: "utf8",
  });
  assert.equal(holder.status, 0, holder.stderr);
  assert.deepEqual(JSON.parse(holder.stdout), ["none", 0, 1]);
  const warnings = holder.stderr.match(/\[SESSIONTRAIL_UNLOCKED\]/g) ?? [];
  assert.equal(warnings.length, 1, holder.stderr);
  assert.match(holder.stderr, /opened with \{ lock: "none" \}: its appends take no lock/);

  const locked = EventLog.open(dir);
  assert.equal(locked.locking, "flock");
  locked.close();
});

test("without koffi's binary, EventLog.open refuses with LOCK_UNSUPPORTED and writes nothing", () => {
  const app = process.env.SESSIONTRAIL_APP_NO_KOFFI_BINARY;
  assert.ok(app && fs.existsSync(app), `SESSIONTRAIL_APP_NO_KOFFI_BINARY must name the --omit=optional install, got ${app}`);
  assert.equal(
    fs.existsSync(path.join(app, "node_modules", "@koromix")),
    false,
    "the install without optional packages has no koffi binary",
  );
  const dir = path.join(tempDir("nokoffi"), "s");
  const script = `
    const { EventLog } = require("sessiontrail");
    const out = {};
    try { EventLog.open(process.argv[1]); out.opened = true; }
    catch (e) { out.code = e.code; out.message = e.message; }
    const log = EventLog.open(process.argv[1], { lock: "none" });
    out.unlocked = log.appendSync(${JSON.stringify(event("agent.note", { text: "x" }))}).sequence_no;
    console.log(JSON.stringify(out));
  `;
  const probeDir = path.join(dir, "..", "probe");
  const r = spawnSync(process.execPath, ["-e", script, probeDir], { cwd: app, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.code, "LOCK_UNSUPPORTED");
  assert.match(out.message, /cannot load koffi/);
  assert.match(out.message, /--omit=optional/);
  assert.match(out.message, /lock: "none"/);
  assert.equal(out.unlocked, 0, '{ lock: "none" } still works without koffi');

  // Refused before anything was created.
  const refuse = spawnSync(
    process.execPath,
    ["-e", `try { require("sessiontrail").EventLog.open(process.argv[1]) } catch { }`, dir],
    { cwd: app, encoding: "utf8" },
  );
  assert.equal(refuse.status, 0, refuse.stderr);
  assert.equal(fs.existsSync(dir), false, "nothing written");
});
