// The browser entry of the sessionlog package (copied to pkg/web/index.js).
// Runs in a window or a Worker. Needs the wasm-bindgen `web` build beside it
// (./sessionlog.js, ./sessionlog_bg.wasm): call `await init()` once before
// anything else. Needs Web Locks (navigator.locks, a secure context) for
// hosts shared across tabs.
//
// EventLog here wraps the raw, synchronous wasm class with one change:
// append and appendBatch return Promises. The lock itself belongs to the
// host, as in the LogHost contract (bindings/README.md): the wasm core calls
// host.lock() before each append and host.unlock() after. Hosts shared by
// tabs (IndexedDbHost, OpfsHost) hold a Web Lock, "sessionlog:<host.name>",
// which can only be waited for asynchronously, so they offer withLock(fn):
// each append here runs inside it (pull in other tabs' bytes, the wasm
// append, host.flush), and their lock() refuses an append outside it. That
// is what keeps two tabs from handing out the same sequence number; an
// append resolves only once its bytes are stored.
//
// Not the Node entry (pkg/node has its own, with the file host), and not a
// lock between processes outside one browser profile: Web Locks are per
// origin and profile.
//
//   import init, { EventLog, IndexedDbHost } from "sessionlog";
//   await init();
//   const log = EventLog.withHost(await IndexedDbHost.open("ssn_1"));
//   const stored = await log.append({ type: "agent.note", text: "hi", ... });
//   stored.sequence_no; // unique across tabs

import init, { initSync, EventLog as RawEventLog } from "./sessionlog.js";
import { refuseUnjsonable } from "./json-values.js";

export { init as default, initSync };
export { MemoryHost } from "./memory-host.js";
export { IndexedDbHost } from "./indexeddb-host.js";
export { OpfsHost } from "./opfs-host.js";
export { toOtlp, OtlpMapper, otlpRequests } from "./otlp.js";

export class EventLog {
  #raw;
  #host;
  #queue = Promise.resolve(); // hosts without withLock; see #locked

  /** Wraps `host` (a LogHost) in a log; reads the host's bytes to seed the
   *  numbering, writes nothing. */
  static withHost(host) {
    return new EventLog(RawEventLog.withHost(host), host);
  }

  constructor(raw, host) {
    if (!(raw instanceof RawEventLog)) throw new TypeError("use EventLog.withHost(host)");
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
      refuseUnjsonable(event);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#locked(() => this.#live().append(event));
  }

  /** Stores several events with contiguous numbers, in one write. */
  appendBatch(events) {
    try {
      if (Array.isArray(events)) events.forEach((e, i) => refuseUnjsonable(e, i));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#locked(() => this.#live().appendBatch(events));
  }

  /** Pulls in what other tabs appended (under the lock, so never halfway
   *  through one of their appends). The wasm core counts the new lines at
   *  the next append; readAll() and check() see them at once. */
  refresh() {
    return this.#locked(() => {}, false);
  }

  readAll() {
    return this.#live().readAll();
  }

  readAllWithStats() {
    return this.#live().readAllWithStats();
  }

  /** Streams the events whose sequence_no is at least `seq`, reading about
   *  `chunkBytes` of the log at a time: for logs larger than a string. */
  *readFrom(seq = 0, chunkBytes = 4 << 20) {
    let at = 0;
    for (;;) {
      const chunk = this.readChunk(at, chunkBytes);
      for (const e of chunk.events) if (e.sequence_no >= seq) yield e;
      if (chunk.done) return;
      at = chunk.next;
    }
  }

  /** The events of whole lines from byte `offset` on, about `maxBytes`. */
  readChunk(offset, maxBytes) {
    return this.#live().readChunk(offset, maxBytes);
  }

  /** The count as this tab last saw it (after its open or last append). */
  get eventCount() {
    return this.#live().eventCount;
  }

  check() {
    return this.#live().check();
  }

  flush() {
    try {
      return this.#live().flush();
    } catch (e) {
      return Promise.reject(e);
    }
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

  #locked(action, flush = true) {
    const run = async () => {
      const result = action();
      if (flush) await this.#host.flush?.();
      return result;
    };
    if (typeof this.#host.withLock === "function") return this.#host.withLock(run);
    if (typeof this.#host.refresh === "function") {
      // Shared with other tabs (it can pull in their bytes) but with no way
      // to take turns with them: appends would hand out duplicate numbers.
      const e = new Error(
        `${this.#host.name}: a host shared across tabs (it has refresh()) needs withLock(fn) ` +
          "and lock() (see WebLock in web-lock.js); refusing to append without a lock",
      );
      e.code = "LOCK_UNSUPPORTED";
      return Promise.reject(e);
    }
    // A host private to this page (MemoryHost) only needs its own calls in
    // order; its lock() is taken inside the wasm append.
    const next = this.#queue.then(run);
    this.#queue = next.catch(() => {});
    return next;
  }
}
