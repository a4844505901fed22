// Runs anywhere (main thread, Worker, Node). Needs nothing.
// MemoryHost keeps a log's bytes in this page's memory: for tests, demos,
// and for checking a file's bytes (load them with `new MemoryHost({ bytes })`
// and call `check()`). It is not storage: everything is gone on reload, and
// it is not shared with other tabs (it has no `refresh`). Its lock is an
// in-process flag: calls in one realm never interleave, so it only catches
// an append that starts inside another.

import { ByteBuffer } from "./byte-buffer.js";

let unnamed = 0;

export class MemoryHost {
  /** A name for error messages and the Web Lock. */
  name;
  #events;
  #counter = null;
  #torn = new ByteBuffer();
  #locked = false;

  /**
   * @param {{ name?: string, bytes?: Uint8Array, counter?: Uint8Array }} [options]
   *   `bytes`: events to start from (copied), e.g. a file being checked.
   */
  constructor({ name, bytes, counter } = {}) {
    // Unnamed hosts get distinct names so they never share a Web Lock.
    this.name = name ?? `memory:${++unnamed}`;
    this.#events = new ByteBuffer(bytes);
    if (counter) this.saveCounter(counter);
  }

  /** Takes the in-process lock (the wasm core calls it before each append). */
  lock() {
    if (this.#locked) {
      const e = new Error(`${this.name}: already locked by an append in progress`);
      e.code = "LOCK_NOT_HELD";
      throw e;
    }
    this.#locked = true;
  }

  unlock() {
    this.#locked = false;
  }

  size() {
    return this.#events.size;
  }

  read(offset, length) {
    return this.#events.read(offset, length);
  }

  append(bytes) {
    this.#events.append(bytes);
  }

  truncate(length) {
    this.#events.truncate(length);
  }

  loadCounter() {
    return this.#counter && this.#counter.slice();
  }

  saveCounter(bytes) {
    if (bytes.length !== 16) {
      throw new RangeError(`${this.name}: a counter is 16 bytes, got ${bytes.length}`);
    }
    this.#counter = bytes.slice();
  }

  saveTorn(bytes) {
    this.#torn.append(bytes);
  }

  /** Every byte of the events, e.g. to download them as events.jsonl. */
  bytes() {
    return this.#events.read(0, this.#events.size);
  }

  /** The torn tails cut so far, each followed by `\n` (events.jsonl.torn). */
  tornBytes() {
    return this.#torn.read(0, this.#torn.size);
  }
}
