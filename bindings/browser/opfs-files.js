// Runs in a dedicated Worker only: FileSystemSyncAccessHandle does not exist
// on the main thread. Needs the Origin Private File System
// (navigator.storage.getDirectory, a secure context: https or localhost).
// The synchronous file side of OpfsHost: used directly by OpfsHost when it
// is opened inside a Worker, and by opfs-worker.js on behalf of an OpfsHost
// in a window. Not a lock: writers agree through the Web Lock the EventLog
// wrapper takes.
//
// The files follow the native session directory (DESIGN §3), under
// sessiontrail/<name>/ in the origin's private file system:
//   events.jsonl        the events
//   events.jsonl.count  16 bytes: u64 LE count, u64 LE size when counted
//   events.jsonl.torn   torn tails cut by repairs, each followed by "\n"
//
// Access handles are opened in "readwrite-unsafe" mode (Chromium 121+):
// several tabs may hold one on the same file, which is what lets two tabs
// share a log; the Web Lock serialises their writes. Where the browser only
// has exclusive handles, the second opener gets a clear error.

const EVENTS = "events.jsonl";
const COUNTER = "events.jsonl.count";
const TORN = "events.jsonl.torn";

export class OpfsFiles {
  #events;
  #counter;
  #torn;
  #path;
  #dirty = new Set(); // handles written since the last flush

  constructor(path, events, counter, torn) {
    this.#path = path;
    this.#events = events;
    this.#counter = counter;
    this.#torn = torn;
  }

  /** Opens (creating when new) the files of log `name`. */
  static async open(name) {
    checkName(name);
    if (typeof FileSystemSyncAccessHandle === "undefined") {
      throw new Error(
        `OPFS log ${JSON.stringify(name)}: synchronous access handles exist only in a dedicated ` +
          "Worker; open OpfsHost from the main thread (it starts its own Worker) or from a Worker",
      );
    }
    if (!globalThis.navigator?.storage?.getDirectory) {
      throw new Error(
        `OPFS log ${JSON.stringify(name)}: this browser has no Origin Private File System ` +
          "(it needs a secure context: https or localhost); use IndexedDbHost",
      );
    }
    const root = await navigator.storage.getDirectory();
    const top = await root.getDirectoryHandle("sessiontrail", { create: true });
    const dir = await top.getDirectoryHandle(name, { create: true });
    const path = `sessiontrail/${name}/${EVENTS}`;
    const handles = [];
    try {
      for (const file of [EVENTS, COUNTER, TORN]) {
        handles.push(await openHandle(dir, file, `sessiontrail/${name}/${file}`));
      }
    } catch (e) {
      for (const h of handles) h.close();
      throw e;
    }
    return new OpfsFiles(path, ...handles);
  }

  get path() {
    return this.#path;
  }

  size() {
    return this.#events.getSize();
  }

  read(offset, length) {
    const size = this.#events.getSize();
    const start = Math.min(offset, size);
    const buf = new Uint8Array(Math.min(length, size - start));
    const n = this.#events.read(buf, { at: start });
    return n === buf.length ? buf : buf.subarray(0, n);
  }

  /** Writes `bytes` at `at`, which must be the current end: a different size
   *  means someone wrote without the Web Lock, and writing would overwrite. */
  append(bytes, at = this.#events.getSize()) {
    const size = this.#events.getSize();
    if (size !== at) {
      throw new Error(
        `${this.#path} is ${size} bytes where ${at} were expected: another writer ` +
          "appended without the Web Lock; nothing was written",
      );
    }
    this.#dirty.add(this.#events);
    const n = this.#events.write(bytes, { at });
    if (n !== bytes.length) {
      this.#events.truncate(at); // all bytes or none
      throw new Error(`${this.#path}: wrote ${n} of ${bytes.length} bytes (disk full?); nothing kept`);
    }
  }

  truncate(length) {
    this.#dirty.add(this.#events);
    this.#events.truncate(length);
  }

  loadCounter() {
    if (this.#counter.getSize() !== 16) return null;
    const buf = new Uint8Array(16);
    this.#counter.read(buf, { at: 0 });
    return buf;
  }

  saveCounter(bytes) {
    // Not flushed: the counter is a hint checked against the real size
    // (DESIGN §4), so a lost update costs a recount, never a number.
    this.#counter.write(bytes, { at: 0 });
    this.#counter.truncate(16);
  }

  saveTorn(bytes) {
    this.#dirty.add(this.#torn);
    this.#torn.write(bytes, { at: this.#torn.getSize() });
  }

  flush() {
    for (const handle of this.#dirty) handle.flush();
    this.#dirty.clear();
  }

  close() {
    this.#events.close();
    this.#counter.close();
    this.#torn.close();
  }
}

async function openHandle(dir, file, path) {
  const handle = await dir.getFileHandle(file, { create: true });
  try {
    return await handle.createSyncAccessHandle({ mode: "readwrite-unsafe" });
  } catch (e) {
    if (e?.name === "NoModificationAllowedError") {
      throw new Error(
        `OPFS ${path} is open in another tab or worker, and this browser gives only exclusive ` +
          "access handles (sharing needs readwrite-unsafe mode, Chromium 121+): close the other " +
          "tab, or use IndexedDbHost for a log shared across tabs",
      );
    }
    throw new Error(`OPFS ${path}: cannot open an access handle: ${e?.message ?? e}`);
  }
}

/** OPFS names are single path segments. */
export function checkName(name) {
  if (typeof name !== "string" || name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) {
    throw new TypeError(
      `OPFS log name must be a non-empty string without "/", "\\" or NUL, and not "." or "..": got ${JSON.stringify(name)}`,
    );
  }
}
