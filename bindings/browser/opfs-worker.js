// Runs as a dedicated module Worker, started by OpfsHost when it is opened
// in a window (the main thread has no synchronous OPFS access). It holds the
// access handles of one log and does, in order, what the window's OpfsHost
// asks. Not meant to be started by hand, and not shared between logs.
//
// Messages in:  { op: "open", id, name } | { op: "refresh", id, from }
//               | { op: "flush", id } | { op: "close", id }
//               | { op: "append", at, bytes } | { op: "truncate", length }
//               | { op: "counter", bytes } | { op: "torn", bytes }
// Replies (to the ops with an id): { id, ok: true, ...result } or
// { id, ok: false, error }. The writes have no reply: the first one that
// fails is reported by the next flush or refresh, and every write after it
// is refused, since the window's mirror no longer matches the file.

import { OpfsFiles } from "./opfs-files.js";

let files = null;
let failure = null;

const handlers = {
  async open({ name }) {
    files = await OpfsFiles.open(name);
    const bytes = files.read(0, files.size());
    return { result: { path: files.path, bytes, counter: files.loadCounter() }, transfer: [bytes.buffer] };
  },
  refresh({ from }) {
    throwFailure();
    const size = files.size();
    // A file shorter than what the window has means a torn tail was cut by
    // another tab: send everything and let the window start over.
    const reset = size < from;
    const start = reset ? 0 : from;
    const bytes = files.read(start, size - start);
    return { result: { reset, bytes, counter: files.loadCounter() }, transfer: [bytes.buffer] };
  },
  flush() {
    throwFailure();
    files.flush();
    return { result: {} };
  },
  close() {
    files?.close();
    files = null;
    return { result: {} };
  },
  append({ at, bytes }) {
    files.append(bytes, at);
  },
  truncate({ length }) {
    files.truncate(length);
  },
  counter({ bytes }) {
    files.saveCounter(bytes);
  },
  torn({ bytes }) {
    files.saveTorn(bytes);
  },
};

function throwFailure() {
  if (failure) throw failure;
}

// Messages are handled strictly one after another: `open` awaits, and
// nothing may overtake it.
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};

async function handle(data) {
  const { op, id } = data;
  if (id === undefined) {
    if (failure) return; // refused: reported already by flush/refresh
    try {
      handlers[op](data);
    } catch (e) {
      failure = e;
    }
    return;
  }
  try {
    const { result, transfer = [] } = await handlers[op](data);
    self.postMessage({ id, ok: true, ...result }, transfer);
  } catch (e) {
    self.postMessage({ id, ok: false, error: e?.message ?? String(e) });
  }
}
