// Runs in Node (CommonJS, this file) and in browsers (scripts/build-pkg.sh
// writes pkg/web/group-commit.js from it, with `export` for the last line).
// Needs nothing.
//
// Why: both entries' EventLog write the appends a program issued together
// (Promise `append`s in one turn) as one raw appendBatch: one lock, one host
// write, one counter update. A batch is all or nothing, but the callers of
// a group are strangers to each other: one invalid event must fail only its
// own call. The raw appendBatch names the refused event (the Error's
// `index`, set by src/wasm/bindings.rs), so that one is failed and the
// batch tried again without it; any other failure (the host's) fails every
// call left in the group, and nothing of the group is written.
"use strict";

/**
 * Writes `events` with `appendBatch` (the raw wasm log's, bound); returns,
 * for each event in order, `{ value }` (the stored event) or `{ error }`.
 */
function writeGroup(appendBatch, events) {
  const results = new Array(events.length);
  const left = events.map((_, i) => i);
  while (left.length > 0) {
    let stored;
    try {
      stored = appendBatch(left.map((i) => events[i]));
    } catch (e) {
      const at = e?.index;
      if (e?.code === "INVALID_EVENT" && Number.isInteger(at) && at >= 0 && at < left.length) {
        results[left[at]] = { error: alone(e) };
        left.splice(at, 1);
        continue;
      }
      for (const i of left) results[i] = { error: e };
      return results;
    }
    left.forEach((i, k) => {
      results[i] = { value: stored[k] };
    });
    return results;
  }
  return results;
}

/** The batch's error for one event, worded for the `append` that gave it:
 *  its place in a batch the caller never made is dropped. (Its `field` is
 *  set by the core, from the error itself, not from these words.) */
function alone(e) {
  e.message = e.message.replace(/(appendBatch\(events\): )?events\[\d+\]: /, "");
  delete e.index;
  return e;
}

module.exports = { writeGroup };
