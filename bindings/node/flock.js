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
//
// Also here, because this is the one module that loads koffi: `stat(fd)`,
// the link count and size of a descriptor, which the file host asks for
// twice on every append (is the lock file still current; has another
// writer appended). On Linux it calls statx(2) through the koffi already
// loaded for flock: about 0.55 us against fs.fstatSync's 1.0-1.1 us, which
// builds a whole fs.Stats object for two of its fields (measured with
// Node 20; docs/benchmarks.md). statx's struct is the same on every Linux
// architecture, unlike struct stat. Elsewhere, where statx is missing
// (macOS, musl before 1.2.5, a kernel before 4.11 or a seccomp filter that
// refuses it), or before koffi is loaded (a log opened with
// { lock: "none" }), fs.fstatSync answers, with the same result.
"use strict";

const fs = require("node:fs");
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
      const lib = koffi.load(name);
      const flock = lib.func("int flock(int fd, int operation)");
      return { flock, errno: () => koffi.errno(), statx: loadStatx(lib) };
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

/** libc's statx, or null where it has none (see the module doc). */
function loadStatx(lib) {
  if (process.platform !== "linux") return null;
  try {
    return lib.func("int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)");
  } catch {
    return null;
  }
}

// statx(2): AT_EMPTY_PATH makes it describe `dirfd` itself; the mask asks
// for the two fields read back (offsets from linux/stat.h's struct statx,
// the same on every architecture: stx_mask u32 at 0, stx_nlink u32 at 16,
// stx_size u64 at 40).
const AT_EMPTY_PATH = 0x1000;
const STATX_NLINK = 0x4;
const STATX_SIZE = 0x200;
const statxBuf = Buffer.alloc(256);

/**
 * `{ nlink, size }` of the open file `fd`, as `fs.fstatSync(fd)` gives
 * them (which this falls back to, and whose errors it throws).
 */
function stat(fd) {
  const statx = loaded !== null && !(loaded instanceof Error) ? loaded.statx : null;
  if (statx !== null && statx(fd, "", AT_EMPTY_PATH, STATX_NLINK | STATX_SIZE, statxBuf) === 0) {
    const mask = statxBuf.readUInt32LE(0);
    if ((mask & (STATX_NLINK | STATX_SIZE)) === (STATX_NLINK | STATX_SIZE)) {
      // A size past 2^53 is not a JavaScript integer; fstatSync says the same.
      return { nlink: statxBuf.readUInt32LE(16), size: Number(statxBuf.readBigUInt64LE(40)) };
    }
  } else if (statx !== null && loaded.errno() === E.ENOSYS) {
    loaded.statx = null; // not this kernel: never again
  }
  // Any failure (a closed descriptor: EBADF) is reported by fstatSync's own
  // error, as before.
  const st = fs.fstatSync(fd);
  return { nlink: st.nlink, size: st.size };
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

module.exports = { load, lockExclusive, unlock, stat };
