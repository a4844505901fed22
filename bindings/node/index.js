// Runs in Node (18 or later), as CommonJS: `require("sessionlog")`.
// Needs, in the same folder of the assembled package (pkg/node/, made by
// scripts/build-pkg.sh): sessionlog.js and sessionlog_bg.wasm, the
// wasm-bindgen `--target nodejs` build, which loads the .wasm synchronously
// from disk; and file-host.js. ESM callers get this same module through
// index.mjs, so `require` and `import` share one wasm instance.
//
// The exported EventLog is the wasm class itself (synchronous, see
// bindings/README.md) with two additions for files:
//   EventLog.open(dir)  = EventLog.withHost(new FileHost(dir))
//   log.close()         closes the files of a log made by open() and frees it
// Node has no flock: see file-host.js for what that means for several
// processes writing one directory.
"use strict";

const { EventLog } = require("./sessionlog.js");
const { FileHost } = require("./file-host.js");

/** The FileHost of each log made by EventLog.open, for close(). */
const hosts = new WeakMap();

/**
 * Opens the session log in directory `dir` (created at the first append).
 * @param {string | URL} dir
 */
EventLog.open = function open(dir) {
  const host = new FileHost(dir);
  let log;
  try {
    log = EventLog.withHost(host);
  } catch (e) {
    host.close();
    throw e;
  }
  hosts.set(log, host);
  return log;
};

/** Frees the log and closes its files (for logs made by EventLog.open). */
EventLog.prototype.close = function close() {
  const host = hosts.get(this);
  hosts.delete(this);
  this.free();
  if (host) host.close();
};

module.exports = { EventLog, FileHost };
