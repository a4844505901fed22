// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed (`tests/js/run.sh bench`). A benchmark, not a test: it
// asserts nothing about time.
//
// Five loops write the same ~430-byte event lines to files on one disk,
// interleaved (each repeat runs them all in a rotating order) so that drift
// on a noisy machine hits them alike:
//   sessionlog  EventLog.open(dir).append(input): wasm core, file host,
//               ids and timestamp filled, size check, counter write
//   batch16     the same through appendBatch, 16 events per call (one size
//               check, one write and one counter write per 16 events)
//   bare        JSON.stringify(event) + "\n", fs.writeSync on one descriptor
//   floor       the bare loop plus the two other system calls the Node file
//               host makes per append: an fstat of events.jsonl (the size
//               check) and the 16-byte counter pwrite. No single append
//               through the file host can beat it.
//   pino        pino(pino.destination({ sync: true })).info(event)
// and prints appends/s (median of the repeats), the ratio of sessionlog to
// the bare loop and to the floor, and the size of the packed .wasm, raw and
// gzipped.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import pino from "pino";
import { EventLog } from "sessionlog";

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

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sessionlog-bench-"));
process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
let runs = 0;
const freshDir = (tag) => path.join(root, `${tag}-${runs++}`);

// The stored form of `input`, as sessionlog writes it, for the other two.
const probeDir = freshDir("probe");
const probe = EventLog.open(probeDir);
const stored = probe.append(input);
probe.close();
const storedLine = fs.readFileSync(path.join(probeDir, "events.jsonl"), "utf8");

function timed(n, body) {
  const start = process.hrtime.bigint();
  body(n);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return n / seconds;
}

const loops = {
  sessionlog() {
    const dir = freshDir("sessionlog");
    const log = EventLog.open(dir);
    log.append(input); // the files exist from here on, as in a long session
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i++) log.append(input);
    });
    log.close();
    return rate;
  },
  batch16() {
    const dir = freshDir("batch16");
    const log = EventLog.open(dir);
    log.append(input);
    const batch = Array(16).fill(input);
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i += 16) log.appendBatch(batch);
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
  floor() {
    const dir = freshDir("floor");
    fs.mkdirSync(dir);
    const fd = fs.openSync(path.join(dir, "events.jsonl"), "a", 0o600);
    const counterFd = fs.openSync(path.join(dir, "events.jsonl.count"), "w", 0o600);
    const counter = Buffer.alloc(16);
    const event = { ...stored };
    const rate = timed(N, (n) => {
      for (let i = 0; i < n; i++) {
        event.sequence_no = i;
        fs.fstatSync(fd);
        fs.writeSync(fd, JSON.stringify(event) + "\n");
        counter.writeUInt32LE(i + 1, 0);
        fs.writeSync(counterFd, counter, 0, 16, 0);
      }
    });
    fs.closeSync(fd);
    fs.closeSync(counterFd);
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
for (const name of names) loops[name](); // warm up every path once
for (let r = 0; r < REPEATS; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length];
    rates[name].push(loops[name]());
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
  sessionlog: Buffer.byteLength(storedLine),
  batch16: Buffer.byteLength(storedLine),
  bare: Buffer.byteLength(JSON.stringify({ ...stored })) + 1,
  floor: Buffer.byteLength(JSON.stringify({ ...stored })) + 1,
  pino: lineBytes(path.join(root, fs.readdirSync(root).find((d) => d.startsWith("pino")), "events.log")),
};

const require = createRequire(import.meta.url);
const wasmPath = path.join(path.dirname(require.resolve("sessionlog")), "sessionlog_bg.wasm");
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
const ratio = med.sessionlog / med.bare;
console.log(`sessionlog / bare = ${(ratio * 100).toFixed(0)}% (target >= 50%)`);
console.log(`sessionlog / pino = ${((med.sessionlog / med.pino) * 100).toFixed(0)}%`);
console.log(
  `floor / bare      = ${((med.floor / med.bare) * 100).toFixed(0)}% ` +
    `(the most one append with these system calls can reach; sessionlog / floor = ` +
    `${((med.sessionlog / med.floor) * 100).toFixed(0)}%)`,
);
console.log(`batch16 / bare    = ${((med.batch16 / med.bare) * 100).toFixed(0)}%`);
console.log(
  `sessionlog_bg.wasm: ${wasm.length.toLocaleString("en-US")} bytes raw, ` +
    `${gz.toLocaleString("en-US")} bytes gzipped -9 (target <= 65,536)`,
);
