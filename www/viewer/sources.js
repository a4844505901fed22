// Where the viewer's events come from.
//
// Served by `sessiontrail view`: the server's JSON API. A session's events
// arrive in answers to long polls: each asks for the lines after the byte
// offset already seen, with the file size last seen, and the server answers
// as soon as the size changes (or after a wait), so a new event shows
// within a fraction of a second and nothing is read twice.
//
// Served from www/ (make www) or anywhere without that API: a JSONL file
// the person drops or picks, read in the page. Its integrity report comes
// from the wasm core (../pkg/, when the package is built) or, without it,
// from what the page's own line reader saw.

import { parseLines } from "../line-reader.js";

const WAIT_MS = 20_000;

/** Follows one session on the server: `onBatch(answer)` for each answer
 *  with events or news (torn tail, skipped lines), `onReset()` before an
 *  answer read from the top because the file was replaced or rewritten, `onStatus(text, ok)` for the connection's state. */
export class ServerSession {
  #name;
  #stopped = false;
  #controller = new AbortController();

  constructor(name, { onBatch, onReset, onStatus }) {
    this.#name = name;
    this.onBatch = onBatch;
    this.onReset = onReset;
    this.onStatus = onStatus;
  }

  async start() {
    const base = `/api/sessions/${encodeURIComponent(this.#name)}/events`;
    // Resolves with { res } or { error }.
    const ask = (cursor, waitFor) => {
      const q = new URLSearchParams({ offset: cursor.offset, line: cursor.line });
      if (waitFor !== null) {
        q.set("size", waitFor);
        q.set("wait", WAIT_MS);
      }
      return fetch(`${base}?${q}`, { signal: this.#controller.signal, cache: "no-store" }).then(
        (res) => ({ res }),
        (e) => ({ error: e.message }),
      );
    };
    const first = { offset: 0, line: 0 };
    let cursor = first;
    let pending = ask(first, null);
    while (!this.#stopped) {
      let { res, error } = await pending;
      let answer = null;
      let asked = false;
      if (res) {
        // More to read: ask for it now (the cursor is in the headers), so
        // the server reads the next part while this one is parsed and drawn.
        if (res.ok && res.headers.get("X-More") === "1") {
          pending = ask({ offset: Number(res.headers.get("X-Next-Offset")), line: Number(res.headers.get("X-Next-Line")) }, null);
          asked = true;
        }
        try {
          answer = await res.json();
        } catch (e) {
          error = e.message;
        }
        if (answer && !res.ok) {
          // Refused (a bad name, a symlink, no such session): asking again
          // will not change the answer.
          if (res.status < 500) return this.onStatus(`cannot show this session: ${answer.error ?? `HTTP ${res.status}`}`, false);
          error = answer.error ?? `HTTP ${res.status}`;
        }
      }
      if (this.#stopped) return;
      if (error || !answer) {
        this.onStatus(`not connected: ${error}; trying again`, false);
        await sleep(1000);
        pending = ask(cursor, null);
        continue;
      }
      // The file is not the one the cursor was counted in (replaced, cut,
      // rewritten): the server read this answer from its first line, so
      // what was shown goes and this answer starts again.
      if (answer.reset) this.onReset();
      cursor = { offset: answer.offset, line: answer.line };
      if (!asked) pending = ask(cursor, answer.more ? null : answer.size);
      this.onBatch(answer);
      this.onStatus(answer.more ? `loading… ${answer.line.toLocaleString("en")} lines read` : "live: new events show as they are written", true);
    }
  }

  stop() {
    this.#stopped = true;
    this.#controller.abort();
  }
}

export async function fetchJson(url) {
  const res = await fetch(url, { cache: "no-store" });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** Reads a dropped or picked JSONL file: its events, unreadable lines and
 *  torn tail, and an integrity report. */
export async function readFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { events, unreadable, consumed } = parseLines(bytes);
  const tailBytes = bytes.length - consumed;
  let report;
  try {
    report = await wasmCheck(file.name, bytes);
  } catch {
    report = pageCheck(events, unreadable, consumed, tailBytes);
  }
  return { events, unreadable, tailBytes, report };
}

async function wasmCheck(name, bytes) {
  // Only where the package is served beside the page (make www).
  const { default: init, EventLog, MemoryHost } = await import("../pkg/index.js");
  await init();
  const log = EventLog.withHost(new MemoryHost({ name: `file:${name}`, bytes }));
  try {
    return await log.check();
  } finally {
    log.free();
  }
}

/** The report's shape (see integrity-report.js) from the page's own
 *  reading, when the wasm core is not at hand: skipped lines are counted
 *  but not listed, and a file has no counter. */
function pageCheck(events, unreadable, consumed, tailBytes) {
  const seen = new Map();
  let highest = -1;
  let misplaced = 0;
  for (const e of events) {
    seen.set(e.sequence_no, (seen.get(e.sequence_no) ?? 0) + 1);
    highest = Math.max(highest, e.sequence_no);
  }
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  const missing = [];
  let missingCount = 0;
  for (let n = 0; n <= highest; n++) {
    if (seen.has(n)) continue;
    let end = n;
    while (end + 1 <= highest && !seen.has(end + 1)) end++;
    missing.push([n, end]);
    missingCount += end - n + 1;
    n = end;
  }
  return {
    ok: !unreadable && !duplicates.length && !missingCount && !tailBytes,
    events: events.length,
    lines: events.length + unreadable,
    bytes: consumed + tailBytes,
    skipped: unreadable,
    skippedLines: [],
    duplicates,
    missing: missing.slice(0, 100),
    missingCount,
    misplaced,
    tornTailBytes: tailBytes,
    counter: "missing",
  };
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
