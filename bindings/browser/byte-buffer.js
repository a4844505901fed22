// Runs anywhere (main thread, Worker, Node): plain JavaScript, no browser API.
// A growable byte array, the in-memory image of one log's events that
// MemoryHost keeps as its storage and IndexedDbHost/OpfsHost keep as a mirror
// serving the synchronous host methods. Not storage by itself: nothing here
// survives a reload.

export class ByteBuffer {
  #bytes;
  #size = 0;

  constructor(initial) {
    const start = initial ? initial.length : 0;
    this.#bytes = new Uint8Array(Math.max(1024, start));
    if (initial) this.append(initial);
  }

  get size() {
    return this.#size;
  }

  /** A copy of up to `length` bytes from `offset` (fewer only at the end). */
  read(offset, length) {
    checkLength("offset", offset);
    checkLength("length", length);
    const start = Math.min(offset, this.#size);
    return this.#bytes.slice(start, Math.min(start + length, this.#size));
  }

  /** Copies `bytes` in: callers may pass a view into wasm memory, which the
   *  next allocation there can move or overwrite. */
  append(bytes) {
    const need = this.#size + bytes.length;
    if (need > this.#bytes.length) {
      // Doubling keeps appends amortised O(1) in the log's length.
      const grown = new Uint8Array(Math.max(need, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#size));
      this.#bytes = grown;
    }
    this.#bytes.set(bytes, this.#size);
    this.#size = need;
  }

  truncate(length) {
    checkLength("length", length);
    if (length > this.#size) {
      throw new RangeError(`truncate to ${length} bytes, but only ${this.#size} are stored`);
    }
    this.#size = length;
  }

  /** The offset just past the last `\n` (0 when there is none): bytes before
   *  it are whole lines that no writer following the protocol changes. */
  endOfLastLine() {
    for (let i = this.#size - 1; i >= 0; i--) {
      if (this.#bytes[i] === 0x0a) return i + 1;
    }
    return 0;
  }
}

function checkLength(what, n) {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  }
}
