// Runs in Node (18 or later), inside the temporary app folder that
// tests/js/run.sh makes: `sessiontrail` there is the installed tarball.
// Helpers shared by the *.test.mjs files: temporary directories, events,
// file snapshots, and the native CLI.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawn, spawnSync } from "node:child_process";

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sessiontrail-js-${tag}-`));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const common = {
  session_id: "ssn_js",
  agent_id: "agent://js-tests",
  agent_instance_id: "ai_js_1",
  agent_name: "js-tests",
  host_id: "host_js",
};

/** An event of `type` with the common fields and `extra`. */
export function event(type, extra = {}) {
  return { ...common, type, ...extra };
}

/** Every file in `dir` with its bytes (hex) and mode: to prove nothing
 *  changed. A missing directory is an empty snapshot. */
export function snapshot(dir) {
  if (!fs.existsSync(dir)) return {};
  const out = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    out[name] = {
      mode: st.mode,
      bytes: st.isFile() ? fs.readFileSync(p).toString("hex") : null,
    };
  }
  return out;
}

export function lines(dir) {
  const text = fs.readFileSync(path.join(dir, "events.jsonl"), "utf8");
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

/** The native CLI (tests/js/run.sh builds it and sets SESSIONTRAIL_CLI). */
export function cli() {
  const bin = process.env.SESSIONTRAIL_CLI;
  if (!bin || !fs.existsSync(bin)) {
    throw new Error(
      `the native CLI is needed: set SESSIONTRAIL_CLI to target/release/sessiontrail ` +
        `(cargo build --release -p sessiontrail-cli); got ${JSON.stringify(bin)}`,
    );
  }
  return bin;
}

/** `sessiontrail append DIR JSON`; the stored event. */
export function cliAppend(dir, ev) {
  const out = execFileSync(cli(), ["append", dir, JSON.stringify(ev)], { encoding: "utf8" });
  return JSON.parse(out.trim());
}

/** `sessiontrail check DIR`: { status, stdout, stderr }. */
export function cliCheck(dir) {
  return spawnSync(cli(), ["check", dir], { encoding: "utf8" });
}

/** `sessiontrail append DIR` with `ev` on stdin, as its own process; resolves
 *  with the stored event (the CLI's acknowledgement). */
export function cliAppendAsync(dir, ev) {
  return new Promise((resolve, reject) => {
    const child = spawn(cli(), ["append", dir], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (status) => {
      if (status === 0) resolve(JSON.parse(out.trim()));
      else reject(new Error(`sessiontrail append exited ${status}: ${err}`));
    });
    child.stdin.end(JSON.stringify(ev));
  });
}

/**
 * Reads events.jsonl without trusting any library and asserts what every
 * writer promises together: every line is whole JSON, line i holds
 * sequence_no i (unique and contiguous in file order), event ids are
 * unique, and every acknowledged id is there. Returns the parsed lines.
 */
export function assertSharedLog(dir, acknowledged) {
  const raw = fs.readFileSync(path.join(dir, "events.jsonl"), "utf8");
  if (raw.length > 0 && !raw.endsWith("\n")) {
    throw new Error(`events.jsonl ends in a torn line: ...${JSON.stringify(raw.slice(-80))}`);
  }
  const lines = raw.split("\n").slice(0, -1);
  const seen = new Map();
  lines.forEach((line, i) => {
    let ev;
    try {
      ev = JSON.parse(line);
    } catch (e) {
      throw new Error(`line ${i + 1} is not whole JSON (${e.message}): ${line.slice(0, 120)}`);
    }
    if (ev.sequence_no !== i) {
      throw new Error(`line ${i + 1} holds sequence_no ${ev.sequence_no}, expected ${i}`);
    }
    if (seen.has(ev.event_id)) {
      throw new Error(`event ${ev.event_id} is stored twice: lines ${seen.get(ev.event_id) + 1} and ${i + 1}`);
    }
    seen.set(ev.event_id, i);
  });
  for (const { id, seq } of acknowledged) {
    if (!seen.has(id)) throw new Error(`acknowledged event ${id} (sequence_no ${seq}) is missing`);
    if (seq !== undefined && seen.get(id) !== seq) {
      throw new Error(`acknowledged event ${id} was told sequence_no ${seq} but is on line ${seen.get(id) + 1}`);
    }
  }
  return lines;
}

/** The `<event_id> <sequence_no>` lines a writer printed, whole lines only
 *  (a writer killed mid-print acknowledged nothing with its last piece). */
export function parseAcks(text) {
  return text
    .split("\n")
    .slice(0, -1)
    .map((line) => {
      const m = /^(\S+) (\d+)$/.exec(line);
      if (!m) throw new Error(`a writer printed ${JSON.stringify(line)}`);
      return { id: m[1], seq: Number(m[2]) };
    });
}
