// Runs in a window or in a dedicated Worker; needs the Origin Private File
// System (a secure context: https or localhost) and, from a window, module
// Workers. A log stored as real files, the native session layout (see
// opfs-files.js), shared by the tabs of one origin.
//
// Synchronous access handles exist only in Workers, so:
// - opened in a dedicated Worker (`host.mode === "direct"`), OpfsHost reads
//   and writes the files itself through access handles; nothing is mirrored;
// - opened in a window (`host.mode === "worker"`), it starts a Worker
//   (opfs-worker.js) that holds the handles, keeps an in-memory mirror that
//   answers size() and read(), and sends writes to the Worker in order;
//   flush() resolves when the Worker has written and flushed them.
//
// The lock is a Web Lock (web-lock.js): the browser EventLog runs each
// append inside withLock(), and lock() refuses an append outside it, so
// writers in every tab and worker take turns. Not usable from a SharedWorker or service worker (no
// access handles there); small from a window (the mirror holds the log).

import { ByteBuffer } from "./byte-buffer.js";
import { OpfsFiles, checkName } from "./opfs-files.js";
import { WebLock } from "./web-lock.js";
import { bundledAsIs } from "./wasm-init.js";

const PRIVATE = Symbol("OpfsHost");

/** The worker as one classic script (inline.js sets it, or #startWorker in
 *  a bundle that did not copy opfs-worker.js): started from a Blob URL,
 *  made once per page, so no worker file is served. */
let workerUrl = null;
export function useWorkerScript(text) {
  workerUrl ??= URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
}

export class OpfsHost {
  /** "opfs:<name>": for error messages and the Web Lock. */
  name;
  /** "direct" in a Worker, "worker" in a window (see the file comment). */
  mode;
  #files = null; // direct mode
  #worker = null; // worker mode, with the three below
  #mirror = null;
  #counter = null;
  #calls = new Map();
  #nextId = 0;
  #failure = null;
  #lock;

  /** Opens (creating when new) the OPFS log `name`. */
  static async open(name) {
    checkName(name);
    if (!globalThis.navigator?.storage?.getDirectory) {
      throw new Error(
        `OpfsHost.open(${JSON.stringify(name)}): this browser has no Origin Private File System ` +
          "(it needs a secure context: https or localhost); use IndexedDbHost",
      );
    }
    const host = new OpfsHost(PRIVATE, name);
    if (inDedicatedWorker()) {
      host.mode = "direct";
      host.#files = await OpfsFiles.open(name);
    } else {
      host.mode = "worker";
      await host.#startWorker(name);
    }
    return host;
  }

  /** Deletes the stored log `name` (close every host on it first). */
  static async delete(name) {
    checkName(name);
    const root = await navigator.storage.getDirectory();
    const top = await root.getDirectoryHandle("sessiontrail", { create: true });
    await top.removeEntry(name, { recursive: true }).catch((e) => {
      if (e?.name !== "NotFoundError") throw e;
    });
  }

  constructor(token, name) {
    if (token !== PRIVATE) throw new TypeError("use `await OpfsHost.open(name)`");
    this.name = `opfs:${name}`;
    this.#lock = new WebLock(this.name);
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
    return this.#files ? this.#files.size() : this.#mirror.size;
  }

  read(offset, length) {
    this.#check();
    return this.#files ? this.#files.read(offset, length) : this.#mirror.read(offset, length);
  }

  append(bytes) {
    this.#check();
    if (this.#files) return this.#files.append(bytes);
    const at = this.#mirror.size;
    this.#mirror.append(bytes);
    this.#send({ op: "append", at, bytes: bytes.slice() });
  }

  truncate(length) {
    this.#check();
    if (this.#files) return this.#files.truncate(length);
    this.#mirror.truncate(length);
    this.#send({ op: "truncate", length });
  }

  loadCounter() {
    this.#check();
    if (this.#files) return this.#files.loadCounter();
    return this.#counter && this.#counter.slice();
  }

  saveCounter(bytes) {
    this.#check();
    if (this.#files) return this.#files.saveCounter(bytes);
    this.#counter = bytes.slice();
    this.#send({ op: "counter", bytes: this.#counter.slice() });
  }

  saveTorn(bytes) {
    this.#check();
    if (this.#files) return this.#files.saveTorn(bytes);
    this.#send({ op: "torn", bytes: bytes.slice() });
  }

  /** Resolves when every write so far is in the files and flushed. */
  async flush() {
    this.#check();
    if (this.#files) return this.#files.flush();
    await this.#call({ op: "flush" });
  }

  /** Pulls in what other tabs wrote. Call it under the log's Web Lock. */
  async refresh() {
    this.#check();
    if (this.#files) return; // reads go to the file itself
    // Re-read from the end of the last whole line: whole lines never change,
    // but a torn tail this tab saw may have been cut by another tab.
    const from = this.#mirror.endOfLastLine();
    const reply = await this.#call({ op: "refresh", from });
    if (reply.reset) this.#mirror = new ByteBuffer(reply.bytes);
    else {
      this.#mirror.truncate(from);
      this.#mirror.append(reply.bytes);
    }
    this.#counter = reply.counter;
  }

  /** Every byte of the events. */
  bytes() {
    return this.read(0, this.size());
  }

  async close() {
    if (this.#files) this.#files.close();
    if (this.#worker) {
      await this.#call({ op: "close" }).catch(() => {});
      this.#worker.terminate();
    }
    this.#failure ??= new Error(`${this.name}: closed`);
  }

  #check() {
    if (this.#failure) throw this.#failure;
  }

  async #startWorker(name) {
    if (typeof Worker === "undefined") {
      throw new Error(`OpfsHost.open(${JSON.stringify(name)}): Workers are unavailable here; use IndexedDbHost`);
    }
    if (workerUrl === null && bundledAsIs(import.meta.url, "opfs-host.js", new URL("./opfs-worker.js", import.meta.url), "opfs-worker.js")) {
      useWorkerScript((await import("./opfs-worker-inline.js")).default);
    }
    this.#worker =
      workerUrl === null
        ? new Worker(new URL("./opfs-worker.js", import.meta.url), { type: "module" })
        : new Worker(workerUrl);
    this.#worker.onmessage = ({ data }) => {
      const call = this.#calls.get(data.id);
      this.#calls.delete(data.id);
      if (data.ok) call.resolve(data);
      else call.reject(new Error(`${this.name}: ${data.error}`));
    };
    this.#worker.onerror = (event) => {
      event.preventDefault?.();
      this.#fail(new Error(`${this.name}: the OPFS worker failed to start or crashed: ${event.message ?? "no detail (a worker script that did not load: is opfs-worker.js served beside the bundle? \"sessiontrail/inline\" needs no file)"}`));
    };
    try {
      const opened = await this.#call({ op: "open", name });
      this.#mirror = new ByteBuffer(opened.bytes);
      this.#counter = opened.counter;
    } catch (e) {
      this.#worker.terminate();
      throw e;
    }
  }

  #send(message) {
    this.#worker.postMessage(message, [message.bytes?.buffer].filter(Boolean));
  }

  #call(message) {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#worker.postMessage({ ...message, id });
    }).catch((e) => {
      // A failed write leaves the mirror ahead of the file: stop here.
      if (message.op !== "open") this.#fail(e);
      throw e;
    });
  }

  #fail(error) {
    this.#failure ??= error;
    for (const call of this.#calls.values()) call.reject(error);
    this.#calls.clear();
  }
}

function inDedicatedWorker() {
  return typeof DedicatedWorkerGlobalScope !== "undefined" && globalThis instanceof DedicatedWorkerGlobalScope;
}
