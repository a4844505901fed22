// Runs in Node (18 or later), inside the temporary app folder that
// tests/js/run.sh makes: `sessionlog` there is the installed tarball.
// Helpers shared by the *.test.mjs files: temporary directories, events,
// file snapshots, and the native CLI.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sessionlog-js-${tag}-`));
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

/** The native CLI (tests/js/run.sh builds it and sets SESSIONLOG_CLI). */
export function cli() {
  const bin = process.env.SESSIONLOG_CLI;
  if (!bin || !fs.existsSync(bin)) {
    throw new Error(
      `the native CLI is needed: set SESSIONLOG_CLI to target/release/sessionlog ` +
        `(cargo build --release --bin sessionlog); got ${JSON.stringify(bin)}`,
    );
  }
  return bin;
}

/** `sessionlog append DIR JSON`; the stored event. */
export function cliAppend(dir, ev) {
  const out = execFileSync(cli(), ["append", dir, JSON.stringify(ev)], { encoding: "utf8" });
  return JSON.parse(out.trim());
}

/** `sessionlog check DIR`: { status, stdout, stderr }. */
export function cliCheck(dir) {
  return spawnSync(cli(), ["check", dir], { encoding: "utf8" });
}
