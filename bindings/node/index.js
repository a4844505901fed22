// Runs in Node (18 or later), as CommonJS: `require("sessiontrail")`.
// Needs, in the same folder of the assembled package (pkg/node/, made by
// scripts/build-pkg.sh): sessiontrail.js and sessiontrail_bg.wasm, the
// wasm-bindgen `--target nodejs` build, which loads the .wasm synchronously
// from disk; and file-host.js. ESM callers get this same module through
// index.mjs, so `require` and `import` share one wasm instance.
//
// The exported EventLog is a hand-written class over the raw wasm class
// (kept in a private field, so nothing of the wasm-bindgen glue, `_input`,
// `__wbg_ptr` and the like, is reachable from it). Its surface is the one
// the browser entry has, with the same names and meaning: every method that
// may wait returns a Promise. Node adds synchronous forms named as `fs`
// names them (`appendSync`, `readAllSync`, ...): when `appendSync` returns,
// the line is in the file, so a hook may call `process.exit()` at once.
// Every append takes flock(2) on events.jsonl.lock (file-host.js, flock.js),
// as the native writers do.
//
// Group commit: the Promise `append`s issued in one turn of the event loop
// are written together at the next microtask, with one raw appendBatch (one
// lock, one write, one counter update), numbered in call order; each caller
// gets its own stored event, or its own error (see #commit).
"use strict";

const wasm = require("./sessiontrail.js");
const { FileHost } = require("./file-host.js");
const { refuseUnjsonable } = require("./json-values.js");
const { writeGroup } = require("./group-commit.js");

const RawEventLog = wasm.EventLog;

/** Said once per process when a log is opened without the lock. */
let warnedUnlocked = false;

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

const OBJECT = Object.prototype;

/** For each event type: its keys in stored order, and a letter for each
 *  (event-keys.js, generated from src/schema.rs): s string, x id the log
 *  fills, q the sequence number, t the type, i integer, f float, l list,
 *  m meta. */
const KEYS = new Map(
  Object.entries(require("./event-keys.js")).map(([type, line]) => {
    const split = line.split(" ").map((p) => p.split(":"));
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

/** Proves a constructor call came from open/withHost. */
const MAKING = Symbol("EventLog.withHost");

class EventLog {
  /** The raw wasm log; its pointer is 0 once closed, freed or trapped. */
  #raw;
  /** The LogHost; closed by close() when this log opened it. */
  #host;
  #ownsHost;
  /** The Promise appends of this turn, written at the next microtask. */
  #group = null;

  constructor(making, raw, host, ownsHost) {
    if (making !== MAKING) {
      throw new TypeError(
        "new EventLog() makes no log: use EventLog.open(dir, options) or EventLog.withHost(host)",
      );
    }
    this.#raw = raw;
    this.#host = host;
    this.#ownsHost = ownsHost;
  }

  /**
   * Opens the session log in directory `dir` (created at the first append).
   * @param {string | URL} dir
   * @param {{ lock?: "flock" | "none", lockTimeoutMs?: number }} [options]
   */
  static open(dir, options) {
    const host = new FileHost(dir, options);
    if (host.locking === "none" && !warnedUnlocked) {
      warnedUnlocked = true;
      process.emitWarning(
        `sessiontrail: ${host.name} is opened with { lock: "none" }: its appends take no lock, so ` +
          "another process appending to the same session at the same moment can be handed the same " +
          "sequence numbers",
        { code: "SESSIONTRAIL_UNLOCKED" },
      );
    }
    try {
      return new EventLog(MAKING, RawEventLog.withHost(host), host, true);
    } catch (e) {
      host.close();
      throw e;
    }
  }

  /** Opens the log kept by `host` (a LogHost), continuing its numbering. */
  static withHost(host) {
    return new EventLog(MAKING, RawEventLog.withHost(host), host, false);
  }

  /** "flock" for a log made by EventLog.open (every append locks), "none"
   *  when it was opened with { lock: "none" }; undefined for withHost. */
  get locking() {
    return this.#ownsHost ? this.#host.locking : undefined;
  }

  /** The count as this log last saw it (after its open or last append). */
  get eventCount() {
    return this.#call((raw) => raw.eventCount);
  }

  // ------------------------------------------------------------ sync forms

  /** Appends one event; returns it as stored. The line is in the file when
   *  this returns. */
  appendSync(event) {
    this.#commit(); // Promise appends issued before this one come first
    const raw = this.#live();
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
      return out === undefined ? raw.append(event) : appendPlain(raw, out);
    } catch (e) {
      throw this.#trapError(e);
    }
  }

  /** Appends several events in one write, numbered contiguously; all or
   *  nothing. */
  appendBatchSync(events) {
    this.#commit();
    const raw = this.#live();
    if (Array.isArray(events)) events.forEach((e, i) => refuseUnjsonable(e, i));
    try {
      return raw.appendBatch(events);
    } catch (e) {
      throw this.#trapError(e);
    }
  }

  readAllSync() {
    return this.#call((raw) => raw.readAll());
  }

  readAllWithStatsSync() {
    return this.#call((raw) => raw.readAllWithStats());
  }

  /** The events of whole lines from byte `offset` on, about `maxBytes`. */
  readChunkSync(offset, maxBytes) {
    return this.#call((raw) => raw.readChunk(offset, maxBytes));
  }

  /** Streams the events whose sequence_no is at least `seq`, reading about
   *  `chunkBytes` of the log at a time: for logs larger than a string. */
  *readFromSync(seq = 0, chunkBytes = 4 << 20) {
    let at = 0;
    for (;;) {
      const chunk = this.readChunkSync(at, chunkBytes);
      for (const e of chunk.events) if (e.sequence_no >= seq) yield e;
      if (chunk.done) return;
      at = chunk.next;
    }
  }

  checkSync() {
    return this.#call((raw) => raw.check());
  }

  /** Makes appended events durable (fdatasync for files) before returning. */
  flushSync() {
    this.#commit();
    this.#live();
    const host = this.#host;
    if (typeof host.flush !== "function") return;
    let result;
    try {
      result = host.flush();
    } catch (e) {
      throw hostFlushError(host, e);
    }
    if (result !== null && typeof result?.then === "function") {
      result.then(undefined, () => {}); // reported by the TypeError below
      const e = new TypeError(
        `${host.name}: host.flush() returned a Promise; use \`await log.flush()\` with this host`,
      );
      e.code = "INVALID_ARGUMENT";
      throw e;
    }
  }

  // --------------------------------------------------------- Promise forms

  /**
   * Stores one event; resolves with it as stored. The appends issued in
   * one turn are written together at the next microtask (group commit),
   * numbered in call order.
   */
  append(event) {
    try {
      this.#live();
      refuseUnjsonable(event);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      if (this.#group === null) {
        this.#group = [];
        queueMicrotask(() => this.#commit());
      }
      this.#group.push({ event, resolve, reject });
    });
  }

  appendBatch(events) {
    return settle(() => this.appendBatchSync(events));
  }

  readAll() {
    return settle(() => this.readAllSync());
  }

  readAllWithStats() {
    return settle(() => this.readAllWithStatsSync());
  }

  readChunk(offset, maxBytes) {
    return settle(() => this.readChunkSync(offset, maxBytes));
  }

  /** The streaming read as an async iterator:
   *  `for await (const e of log.readFrom(0)) ...` */
  async *readFrom(seq = 0, chunkBytes = 4 << 20) {
    yield* this.readFromSync(seq, chunkBytes);
  }

  check() {
    return settle(() => this.checkSync());
  }

  /** Makes appended events durable (fdatasync for files). */
  flush() {
    try {
      this.#commit();
      return this.#live().flush();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Frees the log and closes its files (for logs made by EventLog.open).
   *  Closing twice is harmless. */
  close() {
    this.#commit();
    if (this.#raw.__wbg_ptr) this.#raw.free();
    if (this.#ownsHost) this.#host.close();
  }

  /** Frees the wasm side of the log (the host stays open); any later call
   *  throws, saying so. Freeing twice is harmless. */
  free() {
    this.#commit();
    if (this.#raw.__wbg_ptr) this.#raw.free();
  }

  // --------------------------------------------------------------- inside

  /**
   * Writes the pending Promise appends (the group) at once: one raw
   * appendBatch, each caller settled with its own event or error
   * (group-commit.js). Called at the microtask the first of them queued,
   * and before any other call, so that calls take effect in call order.
   */
  #commit() {
    const group = this.#group;
    if (group === null) return;
    this.#group = null;
    if (group.length === 1) {
      const { event, resolve, reject } = group[0];
      try {
        resolve(this.appendSync(event));
      } catch (e) {
        reject(e);
      }
      return;
    }
    let raw;
    try {
      raw = this.#live();
    } catch (e) {
      for (const g of group) g.reject(e);
      return;
    }
    const results = writeGroup(
      (events) => {
        try {
          return raw.appendBatch(events);
        } catch (e) {
          throw this.#trapError(e);
        }
      },
      group.map((g) => g.event),
    );
    group.forEach((g, i) => {
      const r = results[i];
      if (r.error === undefined) g.resolve(r.value);
      else g.reject(r.error);
    });
  }

  /** The raw log, or an Error naming the problem once it is closed. */
  #live() {
    if (!this.#raw.__wbg_ptr) throw closedError();
    return this.#raw;
  }

  /** `fn(raw)` after the pending appends; a trap closes the log. */
  #call(fn) {
    this.#commit();
    const raw = this.#live();
    try {
      return fn(raw);
    } catch (e) {
      throw this.#trapError(e);
    }
  }

  /**
   * The error to throw for `e`. A wasm trap (out of memory, a bug) leaves
   * the core's memory in an unknown state, so the log is closed and the
   * Error says so, instead of a bare "RuntimeError: unreachable" and a log
   * that fails strangely afterwards. (Inputs over the line limit are
   * refused before they are copied, so a trap is not how a large event
   * ends.)
   */
  #trapError(e) {
    if (!(e instanceof WebAssembly.RuntimeError)) return e;
    this.#raw.__wbg_ptr = 0; // every later call says "closed"
    if (this.#ownsHost) this.#host.close();
    const err = new Error(
      `sessiontrail: the wasm core failed (${e.message}); this EventLog is closed. ` +
        "The failed call was not acknowledged (`check` tells whether its bytes are " +
        "stored); reopen the log, in a new process if it happens again",
    );
    err.code = "WASM_TRAP";
    err.cause = e;
    return err;
  }
}

/** A Promise of `fn()`: its value, or its error as a rejection. */
function settle(fn) {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

function hostFlushError(host, cause) {
  const e = new Error(
    `storage host failed: ${host.name}: host.flush() threw: ${cause?.message ?? String(cause)}`,
  );
  e.code = "HOST_FAILED";
  e.cause = cause;
  return e;
}

function closedError() {
  const e = new Error(
    "this EventLog is closed (close() or free() was called); open the log again to use it",
  );
  e.code = "CLOSED";
  return e;
}

// The OTLP mapping: the crate's mapper in a second .wasm, which otlp.js
// loads the first time one of these is called (not here).
const { toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = require("./otlp.js");

module.exports = { EventLog, FileHost, toOtlp, toOtlpJson, OtlpMapper, otlpRequests };
