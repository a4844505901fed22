// The browser entry of the sessiontrail package (copied to pkg/web/index.js).
// Runs in a window or a Worker. Needs the wasm-bindgen `web` build beside it
// (./sessiontrail.js, ./sessiontrail_bg.wasm): call `await init()` once before
// anything else (before it, EventLog.withHost throws NOT_INITIALIZED). In a
// bundle that did not copy the .wasm beside it (esbuild, Rollup, Bun: see
// bundledAsIs in wasm-init.js), init() loads the inlined copy instead, and
// OpfsHost starts its worker from a Blob; inline.js is the same API with
// both always inlined, for a one-file bundle. Needs Web Locks (navigator.locks, a secure context) for
// hosts shared across tabs.
//
// EventLog here is a hand-written class over the raw, synchronous wasm class
// (kept private), with the Node entry's names and meaning: every method that
// may wait returns a Promise. The lock itself belongs to the host, as in the
// LogHost contract (bindings/README.md): the wasm core calls host.lock()
// before each append and host.unlock() after. Hosts shared by tabs
// (IndexedDbHost, OpfsHost) hold a Web Lock, "sessiontrail:<host.name>",
// which can only be waited for asynchronously, so they offer withLock(fn):
// each turn of writing runs inside it (pull in other tabs' bytes, the wasm
// append, host.flush), and their lock() refuses an append outside it. That
// is what keeps two tabs from handing out the same sequence number; an
// append resolves only once its bytes are stored.
//
// Group commit: a turn takes every append that arrived while it waited for
// the lock, and appends arriving while it holds the lock queue for the next
// turn; a turn writes its appends with one raw appendBatch and one
// host.flush, numbered in call order. One invalid event fails only its own
// call; a host failure fails every call of the turn (group-commit.js).
//
// Not the Node entry (pkg/node has its own, with the file host), and not a
// lock between processes outside one browser profile: Web Locks are per
// origin and profile.
//
// Not the OTLP functions either: they are `sessiontrail/otlp` (otlp.js), with
// a .wasm of their own that a page fetches only when it imports them.
//
//   import init, { EventLog, IndexedDbHost } from "sessiontrail";
//   await init();
//   const log = EventLog.withHost(await IndexedDbHost.open("ssn_1"));
//   const stored = await log.append({ type: "agent.note", text: "hi", ... });
//   stored.sequence_no; // unique across tabs

import rawInit, { initSync as rawInitSync, EventLog as RawEventLog } from "./sessiontrail.js";
import { refuseUnjsonable } from "./json-values.js";
import { writeGroup } from "./group-commit.js";
import { initWasm, assertReady, markReady, bundledAsIs, decodeBase64 } from "./wasm-init.js";

/** Loads the wasm core, once, before anything else: from
 *  `{ module_or_path }` if given (a URL, Response, bytes or Module), else
 *  from sessiontrail_bg.wasm beside this file, or, in a bundle that did not
 *  copy it (esbuild, Rollup, Bun), from the inlined copy, a chunk of its own
 *  that other bundles never load. A failure is an Error with code
 *  WASM_LOAD_FAILED naming the URL. */
export default async function init(options) {
  const url = new URL("./sessiontrail_bg.wasm", import.meta.url);
  if (options == null && bundledAsIs(import.meta.url, "index.js", url, "sessiontrail_bg.wasm")) {
    const { default: base64 } = await import("./sessiontrail_bg_inline.js");
    return initWasm(rawInit, undefined, () => decodeBase64(base64), "the inlined .wasm");
  }
  return initWasm(rawInit, options, () => url);
}

/** Loads the wasm core from bytes or a Module in hand, synchronously. */
export function initSync(options) {
  const exports = rawInitSync(options);
  markReady();
  return exports;
}
export { MemoryHost } from "./memory-host.js";
export { IndexedDbHost } from "./indexeddb-host.js";
export { OpfsHost } from "./opfs-host.js";

/** Proves a constructor call came from withHost. */
const MAKING = Symbol("EventLog.withHost");

export class EventLog {
  #raw;
  #host;
  /** Hosts without withLock (MemoryHost): turns run one after another. */
  #queue = Promise.resolve();
  /** The appends waiting for the next turn, or null when none waits. */
  #next = null;
  /** Settles when every turn asked for so far is over (reads wait for it). */
  #tail = Promise.resolve();

  /** Wraps `host` (a LogHost) in a log; reads the host's bytes to seed the
   *  numbering, writes nothing. */
  static withHost(host) {
    assertReady("EventLog.withHost()");
    return new EventLog(MAKING, RawEventLog.withHost(host), host);
  }

  constructor(making, raw, host) {
    if (making !== MAKING) {
      throw new TypeError("new EventLog() makes no log: use EventLog.withHost(host)");
    }
    this.#raw = raw;
    this.#host = host;
  }

  /** The host this log was made with. */
  get host() {
    return this.#host;
  }

  /** Stores one event; resolves with it as stored (sequence_no set).
   *  Values JSON cannot hold (NaN, undefined in meta, a function) reject,
   *  naming the field: JSON.stringify would change them without a word. */
  append(event) {
    try {
      this.#live();
      refuseUnjsonable(event);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      if (this.#next === null) {
        const group = [];
        this.#next = group;
        this.#turn(() => this.#writeGroup(group), false).catch((e) => {
          // The turn itself failed (no lock, a host flush): every call of it.
          if (this.#next === group) this.#next = null;
          for (const g of group) g.reject(e);
        });
      }
      this.#next.push({ event, resolve, reject });
    });
  }

  /** Stores several events with contiguous numbers, in one write; all or
   *  nothing. */
  appendBatch(events) {
    try {
      this.#live();
      if (Array.isArray(events)) events.forEach((e, i) => refuseUnjsonable(e, i));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#turn(() => {
      try {
        return this.#live().appendBatch(events);
      } catch (e) {
        throw e;
      }
    });
  }

  /** Pulls in what other tabs appended (under the lock, so never halfway
   *  through one of their appends). The wasm core counts the new lines at
   *  the next append; readAll() and check() see them at once. */
  refresh() {
    return this.#turn(() => {}, false);
  }

  readAll() {
    return this.#read((raw) => raw.readAll());
  }

  readAllWithStats() {
    return this.#read((raw) => raw.readAllWithStats());
  }

  /** The events of whole lines from byte `offset` on, about `maxBytes`. */
  readChunk(offset, maxBytes) {
    return this.#read((raw) => raw.readChunk(offset, maxBytes));
  }

  /** Streams the events whose sequence_no is at least `seq`, reading about
   *  `chunkBytes` of the log at a time: for logs larger than a string.
   *  `for await (const e of log.readFrom(0)) ...` */
  async *readFrom(seq = 0, chunkBytes = 4 << 20) {
    let at = 0;
    for (;;) {
      const chunk = await this.readChunk(at, chunkBytes);
      for (const e of chunk.events) if (e.sequence_no >= seq) yield e;
      if (chunk.done) return;
      at = chunk.next;
    }
  }

  /** The count as this tab last saw it (after its open or last append). */
  get eventCount() {
    return this.#live().eventCount;
  }

  /** An integrity report of the whole log. */
  check() {
    return this.#read((raw) => raw.check());
  }

  /** Makes appended events durable (after this log's pending appends). */
  flush() {
    return this.#read((raw) => raw.flush());
  }

  /** Releases the wasm side of the log (the host stays open). Freeing
   *  twice is harmless; any other call after it throws, saying so. */
  free() {
    if (this.#raw.__wbg_ptr) this.#raw.free();
  }

  /** The wasm log, or an Error naming the problem once it was freed. */
  #live() {
    if (!this.#raw.__wbg_ptr) {
      const e = new Error("this EventLog was freed (free() was called); open the log again to use it");
      e.code = "CLOSED";
      throw e;
    }
    return this.#raw;
  }

  /** `fn(raw)` once this log's pending turns are over, as a Promise. */
  #read(fn) {
    return this.#tail.then(() => fn(this.#live()));
  }

  /**
   * Inside a turn (the lock held): writes the appends that waited for it,
   * one raw append for one, one raw appendBatch for several; settles each
   * caller with its own event or error once the host stored them.
   */
  async #writeGroup(group) {
    if (this.#next === group) this.#next = null; // later appends: next turn
    let results;
    let raw;
    try {
      raw = this.#live();
    } catch (e) {
      results = group.map(() => ({ error: e }));
    }
    if (results === undefined && group.length === 1) {
      try {
        results = [{ value: raw.append(group[0].event) }];
      } catch (e) {
        results = [{ error: e }];
      }
    } else if (results === undefined) {
      results = writeGroup((events) => raw.appendBatch(events), group.map((g) => g.event));
    }
    if (results.some((r) => r.error === undefined)) await this.#flushHost();
    group.forEach((g, i) => {
      const r = results[i];
      if (r.error === undefined) g.resolve(r.value);
      else g.reject(r.error);
    });
  }

  /** host.flush(), its failure an Error with code HOST_FAILED (what the
   *  host threw is the cause): the calls of the turn are not acknowledged. */
  async #flushHost() {
    try {
      await this.#host.flush?.();
    } catch (cause) {
      const e = new Error(
        `storage host failed: ${this.#host.name}: host.flush() failed: ${cause?.message ?? String(cause)}`,
        { cause },
      );
      e.code = "HOST_FAILED";
      throw e;
    }
  }

  /** Runs `action` in a turn: under the host's lock (withLock), or after
   *  the previous turn for a host private to this page; then host.flush. */
  #turn(action, flush = true) {
    const run = async () => {
      const result = await action();
      if (flush) await this.#flushHost();
      return result;
    };
    let done;
    if (typeof this.#host.withLock === "function") {
      done = this.#host.withLock(run);
    } else if (typeof this.#host.refresh === "function") {
      // Shared with other tabs (it can pull in their bytes) but with no way
      // to take turns with them: appends would hand out duplicate numbers.
      const e = new Error(
        `${this.#host.name}: a host shared across tabs (it has refresh()) needs withLock(fn) ` +
          "and lock() (see WebLock in web-lock.js); refusing to append without a lock",
      );
      e.code = "LOCK_UNSUPPORTED";
      done = Promise.reject(e);
    } else {
      // A host private to this page (MemoryHost) only needs its own calls in
      // order; its lock() is taken inside the wasm append.
      done = this.#queue.then(run);
      this.#queue = done.catch(() => {});
    }
    this.#tail = done.catch(() => {});
    return done;
  }
}
