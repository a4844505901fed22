// Runs in a window or a Worker. Needs Web Locks (navigator.locks: a secure
// context, https or localhost) to be used across tabs.
//
// The lock of the LogHost contract for hosts whose bytes several tabs share
// (IndexedDbHost, OpfsHost). The wasm core takes the lock synchronously
// (host.lock() before every append, host.unlock() after; src/log.rs decides
// when), but a Web Lock can only be waited for asynchronously. So the lock
// comes in two halves:
//   withLock(prepare, fn)  the Promise half: waits for the Web Lock
//                          "sessiontrail:<host name>", runs prepare() (pull in
//                          other tabs' bytes), then fn(), and lets the lock go
//                          when fn's Promise settles. The browser EventLog runs
//                          each turn of appends this way (one turn writes
//                          every append that waited for it).
//   assertHeld()           the synchronous half, called by host.lock(): throws
//                          unless this host is inside withLock, so no append
//                          is ever stored without the Web Lock.
// Web Locks are per origin and browser profile: they do not reach other
// browsers or processes.

export class WebLock {
  #name;
  #hostName;
  #held = false;

  /** @param {string} hostName the host's `name`, which names the lock */
  constructor(hostName) {
    this.#hostName = hostName;
    this.#name = `sessiontrail:${hostName}`;
  }

  /** Runs `prepare()` then `fn()` under the Web Lock; resolves with fn's result. */
  run(prepare, fn) {
    const locks = globalThis.navigator?.locks;
    if (!locks) {
      const e = new Error(
        `${this.#hostName}: Web Locks (navigator.locks) are unavailable, so appends from ` +
          "several tabs cannot be kept apart; serve the page over https or from localhost",
      );
      e.code = "LOCK_UNSUPPORTED";
      return Promise.reject(e);
    }
    return locks.request(this.#name, async () => {
      await prepare();
      this.#held = true;
      try {
        return await fn();
      } finally {
        this.#held = false;
      }
    });
  }

  /** Throws unless inside run(): the synchronous half, for host.lock(). */
  assertHeld() {
    if (this.#held) return;
    const e = new Error(
      `${this.#hostName}: an append needs the Web Lock ${JSON.stringify(this.#name)}; ` +
        "append through the browser EventLog (its append returns a Promise), which takes it",
    );
    e.code = "LOCK_NOT_HELD";
    throw e;
  }
}
