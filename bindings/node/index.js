// Runs in Node (18 or later), as CommonJS: `require("sessionlog")`.
// Needs, in the same folder of the assembled package (pkg/node/, made by
// scripts/build-pkg.sh): sessionlog.js and sessionlog_bg.wasm, the
// wasm-bindgen `--target nodejs` build, which loads the .wasm synchronously
// from disk; and file-host.js. ESM callers get this same module through
// index.mjs, so `require` and `import` share one wasm instance.
//
// The exported EventLog is the wasm class itself (synchronous, see
// bindings/README.md) with additions for files:
//   EventLog.open(dir, options) = EventLog.withHost(new FileHost(dir, options))
//   log.close()         closes the files of a log made by open() and frees it
//   log.locking         "flock", or "none" for a log opened with { lock: "none" }
// and a faster append (below) that returns the same event. Every append
// takes flock(2) on events.jsonl.lock (file-host.js, flock.js), as the
// native writers do.
"use strict";

const wasm = require("./sessionlog.js");
const { FileHost } = require("./file-host.js");
const { refuseUnjsonable } = require("./json-values.js");

const { EventLog } = wasm;

/** The FileHost of each log made by EventLog.open, for close(). */
const hosts = new WeakMap();

/** Said once per process when a log is opened without the lock. */
let warnedUnlocked = false;

/**
 * Opens the session log in directory `dir` (created at the first append).
 * @param {string | URL} dir
 * @param {{ lock?: "flock" | "none", lockTimeoutMs?: number }} [options]
 */
EventLog.open = function open(dir, options) {
  const host = new FileHost(dir, options);
  if (host.locking === "none" && !warnedUnlocked) {
    warnedUnlocked = true;
    process.emitWarning(
      `sessionlog: ${host.name} is opened with { lock: "none" }: its appends take no lock, so ` +
        "another process appending to the same session at the same moment can be handed the same " +
        "sequence numbers",
      { code: "SESSIONLOG_UNLOCKED" },
    );
  }
  let log;
  try {
    log = EventLog.withHost(host);
  } catch (e) {
    host.close();
    throw e;
  }
  hosts.set(log, host);
  return log;
};

Object.defineProperty(EventLog.prototype, "locking", {
  /** "flock" for a log made by EventLog.open (every append locks), "none"
   *  when it was opened with { lock: "none" }; undefined for withHost. */
  get() {
    return hosts.get(this)?.locking;
  },
  configurable: true,
});

/** Frees the log and closes its files (for logs made by EventLog.open).
 *  Closing twice is harmless. */
EventLog.prototype.close = function close() {
  const host = hosts.get(this);
  hosts.delete(this);
  if (this.__wbg_ptr) this.free();
  if (host) host.close();
};

// The fast append.
//
// The wasm class's append stringifies the event, and returns the stored
// event by parsing the line it wrote: two JSON passes and two string copies
// on top of the one JSON.stringify that any logger pays, on every tool call.
// For the common event (a plain object with only the fields of its type,
// which are strings, integers and lists of strings), this one reads each
// field once into a new object, in the order the log writes them, gives the
// wasm core that object's JSON.stringify text through its memory (not a
// string crossing), and returns the object with the sequence number and the
// ids and time the core filled in. What it returns is what is stored: the
// same keys in the same order with the same values, nulls left out as the
// stored line leaves them out. Anything else (another prototype, a toJSON
// method, a key the type does not have, meta, a non-integer number, a value
// of the wrong type, an unknown type) takes the wasm class's own append, which
// also makes the errors: the fast path is only ever a shortcut to the same
// result. The numbering, checks and file writes are the core's either way.

const rawAppend = EventLog.prototype.append;
const OBJECT = Object.prototype;

/** For each event type: its keys in stored order, and a letter for each
 *  (src/event_serde.rs KEY_ORDER): s string, x id the log fills, q the
 *  sequence number, t the type, i integer, f float, l list, m meta. */
const KEYS = new Map(
  wasm
    ._eventKeys()
    .trim()
    .split("\n")
    .map((line) => {
      const [type, ...pairs] = line.split(" ");
      const split = pairs.map((p) => p.split(":"));
      return [type, { names: split.map((p) => p[0]), kinds: split.map((p) => p[1]) }];
    }),
);

let memory = null;
/** A Buffer over all of wasm memory, made again when the memory grows. */
function memoryBuffer() {
  if (memory === null) memory = wasm._memory();
  const buffer = memory.buffer;
  if (memoryBuffer.cached === undefined || memoryBuffer.cached.buffer !== buffer) {
    memoryBuffer.cached = Buffer.from(buffer);
  }
  return memoryBuffer.cached;
}

/** Per log: where the ids it filled come back (fixed while it lives). */
const areas = new WeakMap();

const FILLED = ["event_id", "timestamp", "trace_id", "span_id"];

/**
 * The event as it will be stored, with placeholders for what the log fills
 * in; undefined when it needs the full append. Reads each field once.
 */
function plainEvent(event) {
  if (
    typeof event !== "object" ||
    event === null ||
    Object.getPrototypeOf(event) !== OBJECT ||
    event.toJSON !== undefined
  ) {
    return undefined;
  }
  const keys = typeof event.type === "string" ? KEYS.get(event.type) : undefined;
  if (keys === undefined) return undefined;
  const { names, kinds } = keys;
  const out = {};
  let known = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const kind = kinds[i];
    let value = event[name];
    if (value !== undefined || name in event) known++;
    if (value === undefined || value === null) {
      // Placeholders keep the log's fields in their place.
      if (kind === "x") out[name] = null;
      else if (kind === "q") out[name] = 0;
      continue;
    }
    switch (kind) {
      case "s":
      case "x":
      case "t":
        if (typeof value !== "string") return undefined;
        break;
      case "q":
        value = 0; // the log numbers the event
        break;
      case "i":
      case "f":
        if (!Number.isSafeInteger(value)) return undefined;
        if (value === 0) value = 0; // -0 is stored as 0
        break;
      case "l": {
        if (!Array.isArray(value)) return undefined;
        if (value.length === 0) continue; // an empty list is not stored
        const list = new Array(value.length);
        for (let j = 0; j < value.length; j++) {
          if (typeof value[j] !== "string") return undefined;
          list[j] = value[j];
        }
        value = list;
        break;
      }
      default:
        return undefined; // meta: the full append
    }
    out[name] = value;
  }
  // Another key is not stored, but JSON.stringify of the event must still
  // succeed (a circular value, a BigInt there is an error): the full append.
  let all = 0;
  for (const _ in event) all++;
  return all === known ? out : undefined;
}

/** Appends `out` (from plainEvent) through wasm memory; returns it stored. */
function appendPlain(log, out) {
  const text = JSON.stringify(out);
  const capacity = text.length * 3;
  // Asked on every append, not kept: a freed log throws here, before
  // anything is written into memory that is no longer its own.
  const input = log._input(capacity);
  const written = memoryBuffer().write(text, input, capacity, "utf8");
  out.sequence_no = log._appendInput(written);
  // The ids and time the log made, where the event had none.
  let filled = areas.get(log);
  if (filled === undefined) {
    filled = log._filled();
    areas.set(log, filled);
  }
  const mem = memoryBuffer();
  let at = filled + 4;
  for (let i = 0; i < 4; i++) {
    const len = mem[filled + i];
    if (len === 0) continue;
    out[FILLED[i]] = mem.toString("latin1", at, at + len);
    at += len;
  }
  return out;
}

/**
 * Appends one event and returns it as stored (see the wasm class's append;
 * this is the same, faster for plain events).
 */
EventLog.prototype.append = function append(event) {
  if (!this.__wbg_ptr) throw closedError();
  let out;
  try {
    out = plainEvent(event);
  } catch {
    // A getter that throws, a Proxy: the full append says what is wrong.
    out = undefined;
  }
  // Values JSON cannot hold (NaN, undefined in meta, a function) would be
  // changed by JSON.stringify without a word: refused here, by name. (The
  // fast path takes only strings, safe integers and lists of strings.)
  if (out === undefined) refuseUnjsonable(event);
  try {
    return out === undefined ? rawAppend.call(this, event) : appendPlain(this, out);
  } catch (e) {
    throw trapError(this, e);
  }
};

// Guards for the other methods (rarely hot): a closed log names itself
// instead of the wasm-bindgen's "null pointer passed to rust", and every
// event of a batch is checked as append checks one.
const rawAppendBatch = EventLog.prototype.appendBatch;
EventLog.prototype.appendBatch = function appendBatch(events) {
  if (!this.__wbg_ptr) throw closedError();
  if (Array.isArray(events)) {
    events.forEach((e, i) => refuseUnjsonable(e, i));
  }
  try {
    return rawAppendBatch.call(this, events);
  } catch (e) {
    throw trapError(this, e);
  }
};
for (const name of ["readAll", "readAllWithStats", "readChunk", "check", "flush"]) {
  const raw = EventLog.prototype[name];
  EventLog.prototype[name] = function (...args) {
    if (!this.__wbg_ptr) {
      if (name === "flush") return Promise.reject(closedError());
      throw closedError();
    }
    try {
      return raw.apply(this, args);
    } catch (e) {
      throw trapError(this, e);
    }
  };
}
{
  const count = Object.getOwnPropertyDescriptor(EventLog.prototype, "eventCount");
  Object.defineProperty(EventLog.prototype, "eventCount", {
    ...count,
    get() {
      if (!this.__wbg_ptr) throw closedError();
      return count.get.call(this);
    },
  });
}

/**
 * Streams the events whose sequence_no is at least `seq`, reading about
 * `chunkBytes` of the log at a time (the wasm core's readChunk): for logs
 * larger than a JavaScript string, where readAll fails.
 *
 *   for (const e of log.readFrom(0)) console.log(e.sequence_no, e.type);
 */
EventLog.prototype.readFrom = function* readFrom(seq = 0, chunkBytes = 4 << 20) {
  let at = 0;
  for (;;) {
    const chunk = this.readChunk(at, chunkBytes);
    for (const e of chunk.events) if (e.sequence_no >= seq) yield e;
    if (chunk.done) return;
    at = chunk.next;
  }
};

function closedError() {
  const e = new Error(
    "this EventLog is closed (close() or free() was called); open the log again to use it",
  );
  e.code = "CLOSED";
  return e;
}

/**
 * The error to throw for `e`, thrown by a call on `log`. A wasm trap (out
 * of memory, a bug) leaves the core's memory in an unknown state, so the
 * log is closed and the Error says so, instead of a bare "RuntimeError:
 * unreachable" and a log that fails strangely afterwards. (Inputs over the
 * line limit are refused before they are copied, so a trap is not how a
 * large event ends.)
 */
function trapError(log, e) {
  if (!(e instanceof WebAssembly.RuntimeError)) return e;
  const host = hosts.get(log);
  hosts.delete(log);
  log.__wbg_ptr = 0; // every later call says "closed"
  if (host) host.close();
  const err = new Error(
    `sessionlog: the wasm core failed (${e.message}); this EventLog is closed. ` +
      "The failed call was not acknowledged (`check` tells whether its bytes are " +
      "stored); reopen the log, in a new process if it happens again",
  );
  err.code = "WASM_TRAP";
  err.cause = e;
  return err;
}


// The OTLP mapping: plain JavaScript beside the wasm (bindings/otlp.js).
const { toOtlp, OtlpMapper, otlpRequests } = require("./otlp.js");

module.exports = { EventLog, FileHost, toOtlp, OtlpMapper, otlpRequests };
