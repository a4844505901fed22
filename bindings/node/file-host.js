// Runs in Node (18 or later), as CommonJS. Needs node:fs, node:path, and
// ./flock.js (koffi) for the lock.
//
// FileHost: the LogHost of bindings/README.md over a session directory, with
// the files, modes and rules of the native crate (src/native/), so a log
// written here is read, checked and appended to by `sessiontrail` and by Rust
// programs, and the other way round:
//
//   events.jsonl        the events, one JSON object per line
//   events.jsonl.count  16 bytes: u64 LE event count, u64 LE byte size of
//                       events.jsonl when counted (a hint, checked by size)
//   events.jsonl.lock   empty; every writer's flock target (see below)
//   events.jsonl.torn   bytes of torn final lines, cut off before an append
//
// Files are created 0o600 and opened with O_NOFOLLOW; a looser mode on a
// file we own is tightened with fchmod. A symlinked session directory or
// events.jsonl, and an events.jsonl with more than one hard link, are
// refused with an error that names the path, as is anything but a regular
// file (a FIFO, a device, a directory: opened non-blocking and checked on
// the descriptor, so no read hangs) and a file given as the directory.
// Nothing is created before the first append. An events.jsonl deleted or replaced behind an open host is
// noticed at the next append (the open file has no name left: nlink 0) and
// the files are reopened, as the native store does; as natively, an
// events.jsonl renamed away (it keeps a name) or replaced while another hard
// link keeps the old file alive is not. Every
// write is synchronous (fs.writeSync), so a hook that appends and calls
// process.exit() at once loses nothing.
//
// The lock: before every append the wasm core calls lock(), which takes
// flock(2) on events.jsonl.lock through ./flock.js, the same lock the native
// crate, the CLI and treeship-core take; unlock() after. So Node writers and
// native writers can append to one directory at the same moment without a
// number handed out twice. After locking, the host checks that the lock
// file and events.jsonl still have a name (nlink > 0 on the descriptors) and
// reopens and locks again if either was deleted or replaced, as natively.
// `{ lock: "none" }` turns the lock off by name; it is unsafe whenever
// another process writes the session.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { fileURLToPath } = require("node:url");
const flock = require("./flock.js");

const EVENTS_FILE = "events.jsonl";
const COUNTER_FILE = "events.jsonl.count";
const LOCK_FILE = "events.jsonl.lock";
const TORN_FILE = "events.jsonl.torn";
// The Merkle tree sidecar, written by the core's append protocol through
// treeSize/readTree/writeTree/truncateTree (docs/format.md "The Merkle tree").
const TREE_FILE = "events.jsonl.tree";
const COUNTER_LEN = 16;
const PRIVATE_MODE = 0o600;

const C = fs.constants;
// O_NOFOLLOW is missing on Windows, where symlinks need privileges anyway.
// O_NONBLOCK: opening a FIFO for reading would wait for a writer; every
// open is checked to be a regular file right after (requireRegular), and
// for a regular file non-blocking changes nothing.
const NOFOLLOW = (C.O_NOFOLLOW || 0) | (C.O_NONBLOCK || 0);

function symlinkError(p) {
  const e = new Error(`refusing to use ${p}: it is a symbolic link`);
  e.code = "ELOOP";
  e.path = p;
  return e;
}

function hardLinkError(p, links) {
  const e = new Error(
    `refusing to write ${p}: it has ${links} hard links, so writing would change another file`,
  );
  e.code = "EMLINK";
  e.path = p;
  return e;
}

function kindOf(st) {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "a special file";
}

/**
 * Closes `fd` and throws unless it is a regular file: a FIFO would take
 * every append and keep none (and block its readers), a device or a
 * directory is not a log. Checked on the descriptor, as natively.
 */
function requireRegular(fd, p) {
  let st;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  if (st.isFile()) return;
  fs.closeSync(fd);
  throw notRegularError(p, st);
}

function notRegularError(p, st) {
  const e = new Error(`refusing to use ${p}: it is ${kindOf(st)}, not a regular file`);
  e.code = "EINVAL";
  e.path = p;
  return e;
}

/** Throws when `p` is a symbolic link; a missing path is fine. */
function refuseSymlink(p) {
  let st;
  try {
    st = fs.lstatSync(p);
  } catch (e) {
    if (e.code === "ENOENT") return;
    throw e;
  }
  if (st.isSymbolicLink()) throw symlinkError(p);
}

/** The owner rule, as natively (`Ownership::Caller`; no shared-group
 *  option here): `st` (of `p`) must belong to the calling user. */
function requireOwner(st, p) {
  if (typeof process.geteuid !== "function") return;
  const me = process.geteuid();
  if (st.uid === me) return;
  const e = new Error(
    `refusing to use ${p}: it belongs to user id ${st.uid}, not to the calling user (id ${me}); nothing was written`,
  );
  e.code = "EPERM";
  e.path = p;
  throw e;
}

/**
 * Refuses a file another user owns, and tightens a looser mode on a file
 * we own to 0o600, through its descriptor. Not a file with other hard
 * links: the mode belongs to the other names too, and such a file is
 * refused before anything is written to it.
 */
function tighten(fd, p) {
  if (typeof process.geteuid !== "function") return;
  const st = fs.fstatSync(fd);
  requireOwner(st, p);
  if (st.nlink === 1 && (st.mode & 0o777) !== PRIVATE_MODE) {
    fs.fchmodSync(fd, PRIVATE_MODE);
  }
}

/**
 * Opens `p` without following a final symlink, creating it 0o600 when
 * missing. Returns the descriptor and whether this call created the file.
 */
function openPrivate(p, flags) {
  const open = (extra, mode) => {
    try {
      return fs.openSync(p, flags | NOFOLLOW | extra, mode);
    } catch (e) {
      if (e.code === "ELOOP") throw symlinkError(p);
      throw e;
    }
  };
  let fd;
  let created = false;
  try {
    fd = open(0);
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
    try {
      fd = open(C.O_CREAT | C.O_EXCL, PRIVATE_MODE);
      created = true;
    } catch (e2) {
      // Another process created it between the two opens.
      if (e2.code !== "EEXIST") throw e2;
      fd = open(0);
    }
  }
  requireRegular(fd, p);
  try {
    tighten(fd, p);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return { fd, created };
}

/** Opens an existing `p` read-write without following a symlink (a
 *  symlink throws); -1 when there is none. */
function openExisting(p) {
  try {
    const fd = fs.openSync(p, C.O_RDWR | NOFOLLOW);
    try {
      tighten(fd, p);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    return fd;
  } catch (e) {
    if (e.code === "ENOENT") return -1;
    if (e.code === "ELOOP") throw symlinkError(p);
    throw e;
  }
}

/** Reads into `buf` from `position` until full or at the end; the count. */
function readFull(fd, buf, position) {
  let n = 0;
  while (n < buf.length) {
    const k = fs.readSync(fd, buf, n, buf.length - n, position + n);
    if (k === 0) break;
    n += k;
  }
  return n;
}

/** The lock modes of `new FileHost(dir, { lock })`. */
const LOCK_MODES = ["flock", "none"];

/** Checks FileHost's options; returns { lock, lockTimeoutMs }. */
function hostOptions(options) {
  if (options === undefined) return { lock: "flock", lockTimeoutMs: undefined };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`the options of a session log must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "lock" && key !== "lockTimeoutMs") {
      throw new TypeError(`unknown option ${JSON.stringify(key)} (known: lock, lockTimeoutMs)`);
    }
  }
  const { lock = "flock", lockTimeoutMs } = options;
  if (!LOCK_MODES.includes(lock)) {
    throw new TypeError(`option lock must be "flock" (the default) or "none", got ${describe(lock)}`);
  }
  if (
    lockTimeoutMs !== undefined &&
    !(typeof lockTimeoutMs === "number" && Number.isFinite(lockTimeoutMs) && lockTimeoutMs >= 0)
  ) {
    throw new TypeError(
      `option lockTimeoutMs must be a non-negative number of milliseconds, got ${describe(lockTimeoutMs)}`,
    );
  }
  return { lock, lockTimeoutMs };
}

function describe(v) {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

class FileHost {
  /** The path of events.jsonl: error messages name it. */
  name;
  /** The session directory. */
  dir;
  #events;
  #counter;
  #lock;
  #torn;
  #tree;
  /** The tree descriptor has been checked for other hard links. */
  #treeChecked = false;
  /** Descriptors once opened for writing: { events, counter, lock }. */
  #fds = null;
  /** events.jsonl was created by this host and its directory not fsynced. */
  #dirUnsynced = false;
  /** The counter descriptor has been checked to hold exactly 16 bytes. */
  #counterLenOk = false;
  /** A read-only descriptor for reads before the first append. */
  #readFd = -1;
  /** The files were reopened since takeReopened() last said so. */
  #reopened = false;
  /** "flock", or "none" when the caller turned locking off by name. */
  #locking;
  #lockTimeoutMs;
  /** This host holds the flock now. */
  #held = false;

  /**
   * @param {string | URL} dir the session directory; created at the first
   *   append, not before.
   * @param {{ lock?: "flock" | "none", lockTimeoutMs?: number }} [options]
   *   lock: "flock" (the default) takes flock(2) on events.jsonl.lock
   *   around every append; "none" takes no lock, which is unsafe when any
   *   other process writes the session. lockTimeoutMs: give up waiting for
   *   the lock after this long (an Error with code LOCK_TIMEOUT, nothing
   *   written); without it, wait as long as it takes.
   */
  constructor(dir, options) {
    if (dir instanceof URL) dir = fileURLToPath(dir);
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError(
        `FileHost needs a session directory path (a non-empty string), got ${describe(dir)}`,
      );
    }
    this.dir = path.resolve(dir);
    this.#events = path.join(this.dir, EVENTS_FILE);
    this.#counter = path.join(this.dir, COUNTER_FILE);
    this.#lock = path.join(this.dir, LOCK_FILE);
    this.#torn = path.join(this.dir, TORN_FILE);
    this.#tree = path.join(this.dir, TREE_FILE);
    this.name = this.#events;
    const { lock, lockTimeoutMs } = hostOptions(options);
    this.#locking = lock;
    this.#lockTimeoutMs = lockTimeoutMs;
    refuseSymlink(this.dir);
    // A file given as the session directory is refused now, as natively,
    // not at the first append.
    let st = null;
    try {
      st = fs.lstatSync(this.dir);
    } catch (e) {
      if (e.code !== "ENOENT") throw e;
    }
    if (st && !st.isDirectory()) {
      const what = st.isFile() ? "a regular file" : kindOf(st);
      const e = new Error(`refusing to use ${this.dir} as a session directory: it is ${what}`);
      e.code = "ENOTDIR";
      e.path = this.dir;
      throw e;
    }
    refuseSymlink(this.#events);
    // Fails here, before anything is written, when flock cannot be called.
    if (lock === "flock") flock.load();
  }

  /** "flock", or "none" when this host was made with { lock: "none" }. */
  get locking() {
    return this.#locking;
  }

  /**
   * Takes the exclusive lock that every writer of the session takes (the
   * wasm core calls this before each append). Blocks, or throws an Error
   * with code LOCK_TIMEOUT after lockTimeoutMs; LOCK_UNSUPPORTED where the
   * file system cannot lock. A no-op with { lock: "none" }.
   */
  lock() {
    if (this.#locking === "none" || this.#held) return;
    // Two rounds cover a file replaced once; more means something keeps
    // deleting the session's files.
    for (let round = 0; round < 3; round++) {
      const fds = this.#open();
      flock.lockExclusive(fds.lock, this.#lock, this.#lockTimeoutMs);
      this.#held = true;
      // The lock file here; events.jsonl's link count comes with the size
      // check that follows (size()), one fstat instead of two.
      let current;
      try {
        current = flock.stat(fds.lock).nlink > 0;
      } catch (e) {
        this.unlock();
        throw e;
      }
      if (current) return;
      // A writer holding the old lock file would not exclude one holding a
      // new one, and appends to a deleted events.jsonl would be lost.
      this.unlock();
      this.close();
      this.#reopened = true;
    }
    throw new Error(
      `cannot lock ${this.#lock}: the lock file or events.jsonl was replaced three times while locking`,
    );
  }

  /** Releases the lock taken by lock(). */
  unlock() {
    if (!this.#held) return;
    this.#held = false;
    if (this.#fds) flock.unlock(this.#fds.lock);
  }

  /** Creates the directory and opens the three files, once. */
  #open() {
    if (this.#fds) return this.#fds;
    refuseSymlink(this.dir);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    refuseSymlink(this.dir);
    // Another user's directory is theirs to rewrite: refused before a
    // file is created in it.
    requireOwner(fs.lstatSync(this.dir), this.dir);
    // events.jsonl first: a hard-linked one is refused before any sidecar
    // is created.
    const events = openPrivate(this.#events, C.O_RDWR | C.O_APPEND);
    const fds = { events: events.fd, counter: -1, lock: -1, tree: -1 };
    try {
      const st = fs.fstatSync(events.fd);
      if (st.nlink > 1) throw hardLinkError(this.#events, st.nlink);
      fds.lock = openPrivate(this.#lock, C.O_RDWR).fd;
      // The counter is opened now when it exists, so a symlinked one fails
      // the append instead of costing a recount on every one; it is created
      // by the first counter write, so a failed append leaves none behind.
      fds.counter = openExisting(this.#counter);
      fds.tree = openPrivate(this.#tree, C.O_RDWR).fd;
    } catch (e) {
      for (const fd of [fds.events, fds.lock, fds.counter]) if (fd >= 0) fs.closeSync(fd);
      throw e;
    }
    this.#closeReadFd();
    this.#dirUnsynced = events.created;
    this.#fds = fds;
    return fds;
  }

  #closeReadFd() {
    if (this.#readFd >= 0) {
      fs.closeSync(this.#readFd);
      this.#readFd = -1;
    }
  }

  size() {
    if (this.#fds) {
      // One fstat of the descriptor, as the native store does (a path
      // lstat cost as much as the append's write): the size, and the link
      // count, which says whether events.jsonl still has a name. Deleted,
      // or replaced by a rename over its path, it has none (nlink 0);
      // appends to it would be acknowledged and lost, so the files are
      // reopened. Not caught, here as natively: events.jsonl renamed away,
      // or replaced while another hard link keeps the old file alive.
      // flock.stat: statx through koffi where it can (half the cost).
      let st = flock.stat(this.#fds.events);
      if (st.nlink === 0) {
        // Closing the files lets the lock go, so a host that held it takes
        // it again on the new files before answering.
        const held = this.#held;
        this.unlock();
        this.close();
        this.#reopened = true;
        if (held) this.lock();
        st = flock.stat(this.#open().events);
      }
      if (st.nlink > 1) throw hardLinkError(this.#events, st.nlink);
      return st.size;
    }
    let st;
    try {
      st = fs.lstatSync(this.#events);
    } catch (e) {
      if (e.code === "ENOENT") return 0;
      throw e;
    }
    if (st.isSymbolicLink()) throw symlinkError(this.#events);
    // A FIFO's size is 0: it would read as an empty log.
    if (!st.isFile()) throw notRegularError(this.#events, st);
    return st.size;
  }

  read(offset, length) {
    let fd = this.#fds ? this.#fds.events : this.#readFd;
    if (fd < 0) {
      try {
        fd = fs.openSync(this.#events, C.O_RDONLY | NOFOLLOW);
      } catch (e) {
        if (e.code === "ENOENT") return new Uint8Array(0);
        if (e.code === "ELOOP") throw symlinkError(this.#events);
        throw e;
      }
      requireRegular(fd, this.#events);
      this.#readFd = fd;
    }
    const buf = Buffer.allocUnsafe(length);
    return buf.subarray(0, readFull(fd, buf, offset));
  }

  append(bytes) {
    const { events } = this.#open();
    // One write on an O_APPEND descriptor; the loop only finishes a short
    // write (a full disk, a signal).
    let done = 0;
    while (done < bytes.length) {
      done += fs.writeSync(events, bytes, done, bytes.length - done);
    }
  }

  truncate(length) {
    fs.ftruncateSync(this.#open().events, length);
  }

  treeSize() {
    if (this.#fds) return fs.fstatSync(this.#fds.tree).size;
    let st;
    try {
      st = fs.lstatSync(this.#tree);
    } catch (e) {
      if (e.code === "ENOENT") return 0;
      throw e;
    }
    if (st.isSymbolicLink()) throw symlinkError(this.#tree);
    return st.size;
  }

  readTree(offset, length) {
    let fd = this.#fds ? this.#fds.tree : -1;
    let own = false;
    if (fd < 0) {
      try {
        fd = fs.openSync(this.#tree, C.O_RDONLY | NOFOLLOW);
      } catch (e) {
        if (e.code === "ENOENT") return new Uint8Array(0);
        if (e.code === "ELOOP") throw symlinkError(this.#tree);
        throw e;
      }
      own = true;
    }
    try {
      const buf = Buffer.allocUnsafe(length);
      return buf.subarray(0, readFull(fd, buf, offset));
    } finally {
      if (own) fs.closeSync(fd);
    }
  }

  writeTree(offset, bytes) {
    const { tree } = this.#open();
    if (!this.#treeChecked) {
      const st = fs.fstatSync(tree);
      if (st.nlink > 1) throw hardLinkError(this.#tree, st.nlink);
      this.#treeChecked = true;
    }
    let done = 0;
    while (done < bytes.length) {
      done += fs.writeSync(tree, bytes, done, bytes.length - done, offset + done);
    }
  }

  truncateTree(length) {
    fs.ftruncateSync(this.#open().tree, length);
  }

  loadCounter() {
    // Reopened by path every time: treeship-core replaces the counter by
    // rename, which would leave a kept descriptor on a dead file.
    let fd;
    if (this.#fds) {
      // Read-write for the counter write that follows, but never created
      // here (as natively): a load that fails must leave nothing behind.
      try {
        fd = openExisting(this.#counter);
      } catch (e) {
        if (e.code === "ELOOP") return null;
        throw e;
      }
      if (this.#fds.counter >= 0) fs.closeSync(this.#fds.counter);
      this.#fds.counter = fd;
      this.#counterLenOk = false;
      if (fd < 0) return null;
    } else {
      try {
        fd = fs.openSync(this.#counter, C.O_RDONLY | NOFOLLOW);
      } catch (e) {
        if (e.code === "ENOENT" || e.code === "ELOOP") return null;
        throw e;
      }
      requireRegular(fd, this.#counter);
    }
    try {
      // One byte more than a counter: a longer file is no counter.
      const buf = Buffer.alloc(COUNTER_LEN + 1);
      return new Uint8Array(buf.subarray(0, readFull(fd, buf, 0)));
    } finally {
      if (!this.#fds) fs.closeSync(fd);
    }
  }

  saveCounter(bytes) {
    const fds = this.#open();
    if (fds.counter < 0) {
      fds.counter = openPrivate(this.#counter, C.O_RDWR).fd;
      this.#counterLenOk = false;
    }
    // Once per descriptor, before its first write, as natively: refuse a
    // counter with another hard link (the log ignores a failed counter
    // write: a recount later), cut one longer than 16 bytes.
    if (!this.#counterLenOk) {
      const st = fs.fstatSync(fds.counter);
      if (st.nlink > 1) throw hardLinkError(this.#counter, st.nlink);
      if (st.size > COUNTER_LEN) fs.ftruncateSync(fds.counter, COUNTER_LEN);
      this.#counterLenOk = true;
    }
    fs.writeSync(fds.counter, bytes, 0, bytes.length, 0);
  }

  saveTorn(bytes) {
    this.#open();
    const { fd } = openPrivate(this.#torn, C.O_WRONLY | C.O_APPEND);
    try {
      const st = fs.fstatSync(fd);
      if (st.nlink > 1) throw hardLinkError(this.#torn, st.nlink);
      let done = 0;
      while (done < bytes.length) {
        done += fs.writeSync(fd, bytes, done, bytes.length - done);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** fdatasync events.jsonl (and fsync the directory after creating it). */
  flush() {
    if (!this.#fds) return;
    fs.fdatasyncSync(this.#fds.events);
    if (this.#dirUnsynced) {
      const dirFd = fs.openSync(this.dir, C.O_RDONLY);
      try {
        fs.fsyncSync(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
      this.#dirUnsynced = false;
    }
  }

  /** Whether the files were reopened (events.jsonl replaced behind this
   *  host) since the last call: the log then forgets what it last wrote. */
  takeReopened() {
    const reopened = this.#reopened;
    this.#reopened = false;
    return reopened;
  }

  /** Closes the descriptors (which releases the lock). The host opens them
   *  again if used after. */
  close() {
    this.#held = false;
    this.#closeReadFd();
    if (this.#fds) {
      for (const fd of Object.values(this.#fds)) if (fd >= 0) fs.closeSync(fd);
      this.#fds = null;
      this.#counterLenOk = false;
      this.#treeChecked = false;
    }
  }
}

module.exports = { FileHost, EVENTS_FILE, COUNTER_FILE, LOCK_FILE, TORN_FILE, TREE_FILE };
