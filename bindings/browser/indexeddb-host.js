// Runs in a window or a Worker; needs IndexedDB (absent in some private
// modes and in Node). A log shared by every tab of one origin.
//
// Layout: one database per log, "sessiontrail:<name>", holding
//   chunks  key = byte offset, value = the bytes appended there (Uint8Array);
//           an append is one record, so refresh() reads only the records at
//           or after the bytes this tab already has;
//   meta    "counter" (the 16-byte counter hint), "epoch" (bumped by every
//           truncate, so other tabs know to reload rather than extend);
//   torn    the torn tails cut by repairs, in order (auto-increment keys).
//
// The wasm core calls host methods synchronously and IndexedDB is
// asynchronous, so an in-memory mirror of the bytes answers size() and
// read(), and writes are queued: the writes of one task go in one
// transaction, in order. flush() resolves when they are committed.
//
// The lock is a Web Lock (web-lock.js): the browser EventLog runs each
// append inside withLock() (refresh, append, flush), and lock() refuses an
// append outside it; that is what keeps numbers unique across tabs.
//
// What it is not: durable before flush() resolves (the EventLog wrapper
// awaits it before an append resolves); small (the mirror holds the whole log in memory).

import { ByteBuffer } from "./byte-buffer.js";
import { openDatabase, requestDone, transactionDone } from "./idb.js";
import { WebLock } from "./web-lock.js";

const CHUNKS = "chunks";
const META = "meta";
const TORN = "torn";
const PRIVATE = Symbol("IndexedDbHost");

export class IndexedDbHost {
  /** "indexeddb:<name>": for error messages and the Web Lock. */
  name;
  #db;
  #durability;
  #mirror = new ByteBuffer();
  #counter = null;
  #epoch = 0;
  #pending = [];
  #stored = Promise.resolve();
  #refreshing = Promise.resolve();
  #failure = null;
  #lock;

  /**
   * Opens (creating when new) the log `name` and loads its bytes.
   * @param {string} name
   * @param {{ durability?: "default" | "strict" | "relaxed" }} [options]
   *   IndexedDB transaction durability; "strict" makes flush() wait for the
   *   disk, at a cost per append.
   */
  static async open(name, { durability = "default" } = {}) {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`IndexedDbHost.open: name must be a non-empty string, got ${String(name)}`);
    }
    if (typeof indexedDB === "undefined") {
      throw new Error(
        `IndexedDbHost.open(${JSON.stringify(name)}): IndexedDB is not available in this context ` +
          "(some private-browsing modes and non-browser runtimes lack it); use OpfsHost or MemoryHost",
      );
    }
    const db = await openDatabase(databaseName(name), {
      [CHUNKS]: {},
      [META]: {},
      [TORN]: { autoIncrement: true },
    });
    const host = new IndexedDbHost(PRIVATE, name, db, durability);
    await host.#reload();
    return host;
  }

  /** Deletes the stored log `name` (close every host on it first). */
  static async delete(name) {
    await requestDone(indexedDB.deleteDatabase(databaseName(name)));
  }

  constructor(token, name, db, durability) {
    if (token !== PRIVATE) throw new TypeError("use `await IndexedDbHost.open(name)`");
    this.name = `indexeddb:${name}`;
    this.#lock = new WebLock(this.name);
    this.#db = db;
    this.#durability = durability;
    // Another tab deleting the database must not wait forever on this one.
    db.onversionchange = () => {
      db.close();
      this.#failure ??= new Error(`${this.name}: the database was deleted in another tab; reopen the log`);
    };
  }

  /** The synchronous half of the lock (the wasm core calls it before each
   *  append): throws unless this host is inside withLock. */
  lock() {
    this.#lock.assertHeld();
  }

  unlock() {}

  /** Runs `fn` under the Web Lock "sessiontrail:<name>", after pulling in
   *  what other tabs stored; resolves with fn's result. */
  withLock(fn) {
    return this.#lock.run(() => this.refresh(), fn);
  }

  size() {
    this.#check();
    return this.#mirror.size;
  }

  read(offset, length) {
    this.#check();
    return this.#mirror.read(offset, length);
  }

  append(bytes) {
    this.#check();
    const offset = this.#mirror.size;
    this.#mirror.append(bytes);
    // slice(): `bytes` may be a view into wasm memory, and IndexedDB would
    // clone the whole buffer behind a view.
    this.#queue({ op: "chunk", offset, bytes: bytes.slice() });
  }

  truncate(length) {
    this.#check();
    this.#mirror.truncate(length);
    this.#epoch += 1;
    this.#queue({ op: "truncate", length, epoch: this.#epoch });
  }

  loadCounter() {
    this.#check();
    return this.#counter && this.#counter.slice();
  }

  saveCounter(bytes) {
    this.#check();
    this.#counter = bytes.slice();
    this.#queue({ op: "counter", bytes: this.#counter.slice() });
  }

  saveTorn(bytes) {
    this.#check();
    this.#queue({ op: "torn", bytes: bytes.slice() });
  }

  /** Resolves when every write queued so far is committed; rejects, naming
   *  the host, if one failed (the host then refuses further use). */
  async flush() {
    this.#check();
    this.#commit();
    await this.#stored;
  }

  /** Pulls in what other tabs stored since this tab last looked. Call it
   *  under the log's Web Lock (the EventLog wrapper does). */
  refresh() {
    const run = this.#refreshing.then(() => this.#refreshOnce());
    this.#refreshing = run.catch(() => {});
    return run;
  }

  /** Every byte of the events as this tab knows them. */
  bytes() {
    return this.#mirror.read(0, this.#mirror.size);
  }

  /** The torn tails cut so far, each followed by `\n`. */
  async tornBytes() {
    const tx = this.#db.transaction(TORN, "readonly");
    const parts = await requestDone(tx.objectStore(TORN).getAll());
    const out = new ByteBuffer();
    for (const part of parts) out.append(part);
    return out.read(0, out.size);
  }

  /** Closes the database once the writes queued so far are committed
   *  (IndexedDB lets started transactions finish). */
  close() {
    if (!this.#failure) this.#commit();
    this.#db.close();
    this.#failure ??= new Error(`${this.name}: closed`);
  }

  #check() {
    if (this.#failure) throw this.#failure;
  }

  #queue(write) {
    this.#pending.push(write);
    // One transaction per task rather than per write: appendBatch and the
    // counter that follows every append land together.
    if (this.#pending.length === 1) queueMicrotask(() => this.#commit());
  }

  #commit() {
    if (this.#pending.length === 0) return;
    const writes = this.#pending;
    this.#pending = [];
    let done;
    try {
      const tx = this.#db.transaction([CHUNKS, META, TORN], "readwrite", {
        durability: this.#durability,
      });
      done = transactionDone(tx);
      applyWrites(tx, writes);
    } catch (e) {
      done = Promise.reject(e);
    }
    const stored = done.catch((e) => {
      this.#failure ??= new Error(
        `${this.name}: could not store appended bytes (${e?.message ?? e}); ` +
          "this tab's copy no longer matches what is stored: reopen the log",
      );
      throw this.#failure;
    });
    // Read-write transactions over the same stores commit in the order they
    // were created, so waiting for all of them is waiting for the last.
    this.#stored = Promise.all([this.#stored, stored]).then(() => {});
    this.#stored.catch(() => {}); // reported by flush() and by #check()
  }

  async #refreshOnce() {
    this.#check();
    // Commit this tab's own queued writes first, so that the read below
    // (created after them) sees them rather than mistaking them for gaps.
    this.#commit();
    const from = this.#mirror.size;
    const tx = this.#db.transaction([CHUNKS, META], "readonly");
    const chunks = tx.objectStore(CHUNKS);
    const meta = tx.objectStore(META);
    const range = IDBKeyRange.lowerBound(from);
    const [keys, values, epoch, counter] = await Promise.all([
      requestDone(chunks.getAllKeys(range)),
      requestDone(chunks.getAll(range)),
      requestDone(meta.get("epoch")),
      requestDone(meta.get("counter")),
    ]);
    if ((epoch ?? 0) !== this.#epoch) return this.#reload();
    for (let i = 0; i < keys.length; i++) {
      const end = keys[i] + values[i].length;
      if (end <= this.#mirror.size) continue; // this tab's own, already here
      if (keys[i] !== this.#mirror.size) return this.#reload();
      this.#mirror.append(values[i]);
    }
    if (counter) this.#counter = counter;
  }

  async #reload() {
    const tx = this.#db.transaction([CHUNKS, META], "readonly");
    const [keys, values, epoch, counter] = await Promise.all([
      requestDone(tx.objectStore(CHUNKS).getAllKeys()),
      requestDone(tx.objectStore(CHUNKS).getAll()),
      requestDone(tx.objectStore(META).get("epoch")),
      requestDone(tx.objectStore(META).get("counter")),
    ]);
    const mirror = new ByteBuffer();
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== mirror.size) {
        throw new Error(
          `${this.name}: stored bytes have a gap or overlap at byte ${mirror.size} ` +
            `(next record starts at ${keys[i]}); something other than sessiontrail changed the database`,
        );
      }
      mirror.append(values[i]);
    }
    this.#mirror = mirror;
    this.#epoch = epoch ?? 0;
    this.#counter = counter ?? null;
  }
}

function databaseName(name) {
  return `sessiontrail:${name}`;
}

/** Places the queued writes on one transaction, in order. Adjacent chunks
 *  become one record, and only the last counter is written. */
function applyWrites(tx, writes) {
  const chunks = tx.objectStore(CHUNKS);
  const meta = tx.objectStore(META);
  const torn = tx.objectStore(TORN);
  let run = [];
  const putRun = () => {
    if (run.length === 0) return;
    chunks.put(concat(run.map((w) => w.bytes)), run[0].offset);
    run = [];
  };
  let counter = null;
  for (const w of writes) {
    if (w.op === "chunk") {
      const last = run[run.length - 1];
      if (last && last.offset + last.bytes.length !== w.offset) putRun();
      run.push(w);
      continue;
    }
    putRun();
    if (w.op === "counter") counter = w.bytes;
    else if (w.op === "torn") torn.add(w.bytes);
    else if (w.op === "truncate") truncateChunks(chunks, w.length), meta.put(w.epoch, "epoch");
  }
  putRun();
  if (counter) meta.put(counter, "counter");
}

/** Drops the records at or after `length` and shortens the one across it. */
function truncateChunks(chunks, length) {
  chunks.delete(IDBKeyRange.lowerBound(length));
  const before = chunks.openCursor(IDBKeyRange.upperBound(length, true), "prev");
  before.onsuccess = () => {
    const cursor = before.result;
    if (cursor && cursor.key + cursor.value.length > length) {
      cursor.update(cursor.value.slice(0, length - cursor.key));
    }
  };
}

function concat(parts) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
