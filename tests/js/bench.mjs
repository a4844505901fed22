// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed (`tests/js/run.sh bench`). A benchmark, not a test: it
// asserts nothing about time.
//
// Seven loops write the same ~430-byte event lines to files on one disk,
// interleaved (each repeat runs them all in a rotating order) so that drift
// on a noisy machine hits them alike:
//   sessiontrail  EventLog.open(dir).appendSync(input): wasm core, file host,
//               ids and timestamp filled, size check, counter write
//   batch16     the same through appendBatch, 16 events per call (one size
//               check, one write and one counter write per 16 events)
//   bare        JSON.stringify(event) + "\n", fs.writeSync on one descriptor
//   plainjs     the cheapest plain-JS loop that keeps the same promises:
//               koffi flock, an fstat of events.jsonl (the size check), a
//               freshly made event line (pooled random ids, the time,
//               JSON.stringify) in one write, the 16-byte counter pwrite,
//               unlock. What the wasm core is measured against.
//   awaited     `await log.append(input)`, one at a time (the Promise form)
//   burst16     16 Promise appends fired together, then awaited: one group
//               commit (one lock, one write) per 16
//   pino        pino(pino.destination({ sync: true })).info(event)
// and prints appends/s (median of the repeats), the ratios of sessiontrail to
// the bare loop, the plain-JS loop and pino, and the size of the packed .wasm, raw and
// gzipped.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import pino from "pino";
import { EventLog, FileHost } from "sessiontrail";
import assert from "node:assert/strict";

// koffi as the package itself resolves it (a dependency of sessiontrail).
const requireFromPackage = createRequire(createRequire(import.meta.url).resolve("sessiontrail"));
const koffi = requireFromPackage("koffi");
const flock = koffi
  .load(process.platform === "darwin" ? "/usr/lib/libSystem.B.dylib" : "libc.so.6")
  .func("int flock(int fd, int operation)");

const N = Number(process.env.BENCH_N ?? 20000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);

// What an agent hook appends: no ids, no timestamp, no sequence number.
const input = {
  session_id: "ssn_01JD8ZQ4W3X5Y7K9M2",
  agent_id: "agent://claude-code",
  agent_instance_id: "ai_7f3e9a1c",
  agent_name: "claude-code",
  host_id: "host_dev_laptop",
  type: "agent.called_tool",
  tool_name: "Bash",
  tool_input_digest: "sha256:9f86d08188",
  duration_ms: 1234,
};

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sessiontrail-bench-"));
process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
let runs = 0;
const freshDir = (tag) => path.join(root, `${tag}-${runs++}`);

// The stored form of `input`, as sessiontrail writes it, for the other two.
const probeDir = freshDir("probe");
const probe = EventLog.open(probeDir);
const stored = probe.appendSync(input);
probe.close();
const storedLine = fs.readFileSync(path.join(probeDir, "events.jsonl"), "utf8");

function timed(n, body) {
  const start = process.hrtime.bigint();
  body(n);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return n / seconds;
}

async function timedAsync(n, body) {
  const start = process.hrtime.bigint();
  await body(n);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return n / seconds;
}

// The Node file host with its Merkle tree methods hidden: the core then
// keeps no tree (the trait's defaults), so `untreed` is `sessiontrail`
// without the tree, for the tree's price (issue 22: >= 0.85).
class NoTreeHost extends FileHost {}
for (const m of ["treeSize", "readTree", "writeTree", "truncateTree"]) {
  Object.defineProperty(NoTreeHost.prototype, m, { value: undefined });
}

const loops = {
  untreed() {
    const dir = freshDir("untreed");
    const host = new NoTreeHost(dir);
    const log = EventLog.withHost(host);
    log.appendSync(input);
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i++) log.appendSync(input);
    });
    log.close();
    host.close();
    assert(!fs.existsSync(path.join(dir, "events.jsonl.tree")) || fs.statSync(path.join(dir, "events.jsonl.tree")).size === 0);
    return rate;
  },
  sessiontrail() {
    const dir = freshDir("sessiontrail");
    const log = EventLog.open(dir);
    log.appendSync(input); // the files exist from here on, as in a long session
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i++) log.appendSync(input);
    });
    log.close();
    return rate;
  },
  batch16() {
    const dir = freshDir("batch16");
    const log = EventLog.open(dir);
    log.appendSync(input);
    const batch = Array(16).fill(input);
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i += 16) log.appendBatchSync(batch);
    });
    log.close();
    return rate;
  },
  async awaited() {
    const dir = freshDir("awaited");
    const log = EventLog.open(dir);
    log.appendSync(input);
    const rate = await timedAsync(N, async (n) => {
      for (let i = 0; i < n; i++) await log.append(input);
    });
    log.close();
    return rate;
  },
  async burst16() {
    const dir = freshDir("burst16");
    const log = EventLog.open(dir);
    log.appendSync(input);
    const rate = await timedAsync(N, async (n) => {
      for (let i = 0; i < n; i += 16) {
        const calls = [];
        for (let k = 0; k < 16; k++) calls.push(log.append(input));
        await Promise.all(calls);
      }
    });
    log.close();
    return rate;
  },
  bare() {
    const dir = freshDir("bare");
    fs.mkdirSync(dir);
    const fd = fs.openSync(path.join(dir, "events.jsonl"), "a", 0o600);
    const event = { ...stored };
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i++) {
        event.sequence_no = i;
        fs.writeSync(fd, JSON.stringify(event) + "\n");
      }
    });
    fs.closeSync(fd);
    return rate;
  },
  plainjs() {
    // The cheapest plain-JS loop that keeps sessiontrail's promises: the lock
    // every writer takes (koffi flock, as the package does), the size check
    // (fstat), a freshly made event line (ids from a pooled random buffer,
    // the time, the sequence number, JSON.stringify) in one write, the
    // 16-byte counter pwrite, unlock.
    const dir = freshDir("plainjs");
    fs.mkdirSync(dir);
    const fd = fs.openSync(path.join(dir, "events.jsonl"), "a", 0o600);
    const counterFd = fs.openSync(path.join(dir, "events.jsonl.count"), "w", 0o600);
    const lockFd = fs.openSync(path.join(dir, "events.jsonl.lock"), "w", 0o600);
    const counter = Buffer.alloc(16);
    const pool = Buffer.alloc(4096);
    let left = 0;
    const hex = (bytes) => {
      if (left < bytes) {
        crypto.randomFillSync(pool);
        left = pool.length;
      }
      left -= bytes;
      return pool.toString("hex", left, left + bytes);
    };
    let size = 0;
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i++) {
        if (flock(lockFd, 2) !== 0) throw new Error("flock");
        if (fs.fstatSync(fd).size !== size) throw new Error("another writer");
        const line =
          JSON.stringify({
            session_id: input.session_id,
            event_id: "evt_" + hex(8),
            timestamp: new Date().toISOString(),
            sequence_no: i,
            trace_id: hex(16),
            span_id: hex(8),
            agent_id: input.agent_id,
            agent_instance_id: input.agent_instance_id,
            agent_name: input.agent_name,
            host_id: input.host_id,
            type: input.type,
            tool_name: input.tool_name,
            tool_input_digest: input.tool_input_digest,
            duration_ms: input.duration_ms,
          }) + "\n";
        size += fs.writeSync(fd, line);
        counter.writeUInt32LE(i + 1, 0);
        counter.writeUInt32LE(size, 8);
        fs.writeSync(counterFd, counter, 0, 16, 0);
        flock(lockFd, 8);
      }
    });
    for (const f of [fd, counterFd, lockFd]) fs.closeSync(f);
    return rate;
  },
  pino() {
    const dir = freshDir("pino");
    fs.mkdirSync(dir);
    const dest = pino.destination({ dest: path.join(dir, "events.log"), sync: true });
    const logger = pino({ base: null }, dest);
    const event = { ...stored };
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i++) {
        event.sequence_no = i;
        logger.info(event);
      }
    });
    dest.flushSync();
    dest.end();
    return rate;
  },
};

const names = Object.keys(loops);
const rates = Object.fromEntries(names.map((n) => [n, []]));
for (const name of names) await loops[name](); // warm up every path once
for (let r = 0; r < REPEATS; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length];
    rates[name].push(await loops[name]());
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const med = Object.fromEntries(names.map((n) => [n, median(rates[n])]));
const lineBytes = (file) => {
  const first = fs.readFileSync(file, "utf8").split("\n")[0];
  return Buffer.byteLength(first) + 1;
};
const sizes = {
  sessiontrail: Buffer.byteLength(storedLine),
  untreed: Buffer.byteLength(storedLine),
  batch16: Buffer.byteLength(storedLine),
  awaited: Buffer.byteLength(storedLine),
  burst16: Buffer.byteLength(storedLine),
  bare: Buffer.byteLength(JSON.stringify({ ...stored })) + 1,
  plainjs: Buffer.byteLength(storedLine),
  pino: lineBytes(path.join(root, fs.readdirSync(root).find((d) => d.startsWith("pino")), "events.log")),
};

const require = createRequire(import.meta.url);
const wasmPath = path.join(path.dirname(require.resolve("sessiontrail")), "sessiontrail_bg.wasm");
const wasm = fs.readFileSync(wasmPath);
const gz = zlib.gzipSync(wasm, { level: 9 }).length;

console.log(`node ${process.version}, ${os.cpus().length} cpus, ${N} appends x ${REPEATS} repeats, interleaved`);
console.log("loop        line bytes   appends/s (median)   all repeats");
for (const name of names) {
  console.log(
    `${name.padEnd(11)} ${String(sizes[name]).padStart(10)}   ${Math.round(med[name]).toLocaleString("en-US").padStart(18)}   ` +
      rates[name].map((x) => Math.round(x / 1000) + "k").join(" "),
  );
}
const ratio = med.sessiontrail / med.bare;
console.log(`sessiontrail / bare    = ${(ratio * 100).toFixed(0)}% (unlocked, unnumbered: no promise kept)`);
console.log(
  `sessiontrail / plainjs = ${(med.sessiontrail / med.plainjs).toFixed(2)}x ` +
    "(the same promises by hand: flock + fstat + fresh line + counter + unlock; target >= 1.0x)",
);
console.log(`sessiontrail / untreed = ${(med.sessiontrail / med.untreed).toFixed(2)} (with the Merkle tree / without; target >= 0.85)`);
console.log(`sessiontrail / pino    = ${(med.sessiontrail / med.pino).toFixed(2)}x`);
console.log(`batch16 / pino       = ${(med.batch16 / med.pino).toFixed(2)}x per event (target >= 1.0x)`);
console.log(`awaited / sessiontrail = ${(med.awaited / med.sessiontrail).toFixed(2)}x (await log.append, one at a time, against appendSync)`);
console.log(`burst16 / awaited    = ${(med.burst16 / med.awaited).toFixed(2)}x (16 Promise appends fired together: one group commit)`);
console.log(
  `sessiontrail_bg.wasm: ${wasm.length.toLocaleString("en-US")} bytes raw, ` +
    `${gz.toLocaleString("en-US")} bytes gzipped -9 (target <= 73,167: 64,975 at 7cd76c0 + 8 KiB for SHA-256, issue 22)`,
);
