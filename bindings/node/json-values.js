// Runs in Node (CommonJS, this file) and in browsers (scripts/build-pkg.sh
// writes pkg/web/json-values.js from it, with `export` for the last line).
// Needs nothing.
//
// Why: an event crosses into the wasm core as JSON.stringify text, and
// JSON.stringify changes values JSON cannot hold without a word: NaN and
// the infinities become null, undefined and functions and symbols vanish
// from objects (null in arrays), a Map or a Set becomes {}. The stored
// event would then differ from the one given, silently. So before an event
// is stringified, this walks it and throws an Error naming the first such
// field (`meta.scores[2]`); nothing is written.
//
// What it allows: undefined in a top-level field, which means absent (as
// TypeScript's optional fields do); objects with a toJSON method (a Date):
// they choose their JSON. A BigInt would make JSON.stringify throw anyway;
// here the error names the field.
"use strict";

/** Deeper than this, the core's own nesting limit refuses the event. */
const MAX_DEPTH = 160;

function describeBad(v) {
  switch (typeof v) {
    case "number":
      return `${v}, which JSON cannot hold (JSON.stringify would write null)`;
    case "undefined":
      return "undefined, which JSON cannot hold (JSON.stringify would drop it or write null)";
    case "function":
      return "a function, which JSON cannot hold (JSON.stringify would drop it)";
    case "symbol":
      return "a symbol, which JSON cannot hold (JSON.stringify would drop it)";
    case "bigint":
      return "a BigInt, which JSON cannot hold (write it as a string)";
    default:
      return `a ${v.constructor.name}, which JSON.stringify would write as {} (convert it first)`;
  }
}

function lossy(v) {
  return (
    v instanceof Map ||
    v instanceof Set ||
    v instanceof WeakMap ||
    v instanceof WeakSet ||
    v instanceof RegExp ||
    v instanceof Promise ||
    v instanceof ArrayBuffer ||
    ArrayBuffer.isView(v)
  );
}

function fail(index, field, v) {
  const where = index >= 0 ? `events[${index}]: ` : "";
  const e = new Error(`invalid event: ${where}field \`${field}\` is ${describeBad(v)}; nothing was written`);
  e.code = "INVALID_EVENT";
  e.field = field;
  return e;
}

/**
 * Throws an Error naming the first value in `event` that JSON.stringify
 * would change; `index`, when given, is the event's index in a batch
 * (`events[2]: ` in the message).
 */
function refuseUnjsonable(event, index = -1) {
  if (typeof event !== "object" || event === null || typeof event.toJSON === "function") return;
  // Iterative, with the ancestors of each value to leave cycles to
  // JSON.stringify's own error.
  const stack = [];
  for (const key of Object.keys(event)) {
    const v = event[key];
    if (v === undefined) continue; // an absent top-level field
    stack.push([v, key, 1]);
  }
  const seen = new Set();
  while (stack.length > 0) {
    const [v, field, depth] = stack.pop();
    switch (typeof v) {
      case "string":
      case "boolean":
        continue;
      case "number":
        if (!Number.isFinite(v)) throw fail(index, field, v);
        continue;
      case "object":
        break;
      default:
        throw fail(index, field, v);
    }
    if (v === null || typeof v.toJSON === "function" || depth > MAX_DEPTH || seen.has(v)) continue;
    if (lossy(v)) throw fail(index, field, v);
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${field}[${i}]`, depth + 1]);
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push([v[keys[i]], `${field}.${keys[i]}`, depth + 1]);
      }
    }
  }
}

module.exports = { refuseUnjsonable };
