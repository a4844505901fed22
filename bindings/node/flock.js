// Runs in Node (18 or later), as CommonJS. Needs the npm package `koffi`
// (a dependency of sessiontrail, pinned exactly; its prebuilt binary comes as
// an optional platform package such as @koromix/koffi-linux-x64).
//
// The only place in the npm package that locks a file. It calls flock(2)
// from libc through koffi's FFI, on the descriptor of events.jsonl.lock:
// the same call on the same file as the native crate (fs2), the
// `sessiontrail` CLI and treeship-core, so Node writers and those writers
// exclude each other, in one process or many.
//
// What it does not guarantee (as natively, src/native/lock.rs):
// - flock is advisory: a writer that does not take it (`echo >>`, a log
//   opened with { lock: "none" }) is not stopped.
// - Where the file system cannot lock (ENOTSUP, EOPNOTSUPP, ENOLCK, ENOSYS:
//   NFS without lockd, some FUSE mounts) the lock fails with code
//   LOCK_UNSUPPORTED; nothing is ever written unlocked instead.
// - A process stopped while it holds the lock stalls every other writer.
//   Waiting blocks by default; a timeout turns the stall into an Error with
//   code LOCK_TIMEOUT and nothing written. A process that dies releases its
//   lock: the kernel closes its descriptors.
// - Windows has no flock. The route there is LockFileEx on the handle that
//   libuv's uv_get_osfhandle gives for the descriptor; it is not built yet,
//   so on Windows loading fails with LOCK_UNSUPPORTED and says so.
//
// Waiting blocks the calling thread, as the synchronous fs calls the file
// host makes do: the append that waits is itself synchronous.
"use strict";

const os = require("node:os");

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

const E = os.constants.errno;
const CONTENDED = new Set([E.EWOULDBLOCK, E.EAGAIN]);
const UNSUPPORTED = new Set([E.ENOTSUP, E.EOPNOTSUPP, E.ENOLCK, E.ENOSYS].filter((n) => n !== undefined));

/** An Error with a stable `code` and the path it is about. */
function lockError(code, message, path, extra = {}) {
  const e = new Error(message);
  e.code = code;
  e.path = path;
  return Object.assign(e, extra);
}

/** `{ flock, errno }` once loaded, or the Error that loading threw. */
let loaded = null;

/**
 * Loads koffi and libc's flock, once per process. Throws an Error with code
 * LOCK_UNSUPPORTED that says why and what to do when it cannot.
 */
function load() {
  if (loaded === null) loaded = tryLoad();
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

function tryLoad() {
  const unlockedHint =
    'Only if no other process or tool ever writes this session at the same time, open it with { lock: "none" } ' +
    "(unsafe with other writers: they could be handed the same sequence numbers).";
  if (process.platform === "win32") {
    return lockError(
      "LOCK_UNSUPPORTED",
      "sessiontrail: locking session files from Node is not built for Windows yet " +
        "(the route is LockFileEx on the handle from libuv's uv_get_osfhandle). " +
        unlockedHint,
    );
  }
  let koffi;
  try {
    koffi = require("koffi");
  } catch (cause) {
    return lockError(
      "LOCK_UNSUPPORTED",
      `sessiontrail: cannot load koffi, which sessiontrail uses to call flock(2) (${cause.message}). ` +
        "Reinstall the package without --omit=optional / --no-optional so that koffi's prebuilt binary " +
        "for this platform (@koromix/koffi-" + process.platform + "-" + process.arch + ") is installed, " +
        "and keep koffi external if you bundle. " + unlockedHint,
      undefined,
      { cause },
    );
  }
  const libraries =
    process.platform === "darwin" ? ["/usr/lib/libSystem.B.dylib"] : ["libc.so.6", null];
  const failures = [];
  for (const name of libraries) {
    try {
      const flock = koffi.load(name).func("int flock(int fd, int operation)");
      return { flock, errno: () => koffi.errno() };
    } catch (e) {
      // musl has no libc.so.6; the process's own symbols (null) have flock.
      failures.push(`${name ?? "the process itself"}: ${e.message}`);
    }
  }
  return lockError(
    "LOCK_UNSUPPORTED",
    `sessiontrail: cannot find flock(2) in libc (${failures.join("; ")}). ${unlockedHint}`,
  );
}

/** One flock call, retried on EINTR; the errno, or 0 on success. */
function call(fd, op) {
  const { flock, errno } = load();
  for (;;) {
    if (flock(fd, op) === 0) return 0;
    const code = errno();
    if (code !== E.EINTR) return code;
  }
}

function failure(code, path) {
  if (UNSUPPORTED.has(code)) {
    return lockError(
      "LOCK_UNSUPPORTED",
      `cannot lock ${path}: the file system does not support flock (errno ${code}); nothing was written`,
      path,
    );
  }
  return lockError("LOCK_FAILED", `cannot lock ${path}: flock failed with errno ${code}`, path);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Takes the exclusive lock on `fd` (the descriptor of `path`). Blocks until
 * it is free, or, with `timeoutMs`, gives up after that long with an Error
 * of code LOCK_TIMEOUT.
 * @param {number} fd
 * @param {string} path for error messages
 * @param {number | undefined} timeoutMs
 */
function lockExclusive(fd, path, timeoutMs) {
  if (timeoutMs === undefined) {
    const code = call(fd, LOCK_EX);
    if (code !== 0) throw failure(code, path);
    return;
  }
  // Try, then sleep and try again, backing off from 0.1 ms to 10 ms as the
  // crate does: a blocking flock cannot be given a deadline.
  const start = process.hrtime.bigint();
  let pause = 0.1;
  for (;;) {
    const code = call(fd, LOCK_EX | LOCK_NB);
    if (code === 0) return;
    if (!CONTENDED.has(code)) throw failure(code, path);
    const waited = Number(process.hrtime.bigint() - start) / 1e6;
    if (waited >= timeoutMs) {
      throw lockError(
        "LOCK_TIMEOUT",
        `could not lock ${path} within ${timeoutMs} ms; nothing was written`,
        path,
        { timeoutMs },
      );
    }
    Atomics.wait(sleeper, 0, 0, Math.min(pause, timeoutMs - waited));
    pause = Math.min(pause * 2, 10);
  }
}

/** Releases the lock on `fd`. Cannot fail on a valid descriptor; closing the
 *  descriptor releases it anyway. */
function unlock(fd) {
  call(fd, LOCK_UN);
}

module.exports = { load, lockExclusive, unlock };
