// Runs in Node (CommonJS, this file) and in browsers (scripts/build-pkg.sh
// writes pkg/web/otlp-api.js from it, its require and module.exports lines
// made import and export). Needs json-values.js beside it, and is given the
// raw OTLP wasm module (sessiontrail_otlp.js, crates/sessiontrail-otlp-wasm)
// by a `load()` function: node/otlp.js loads it on first use, web/otlp.js
// before it exports anything.
//
// Why: the package's OTLP functions are the crate's mapper compiled to wasm,
// in a second .wasm of their own, so that a program that only logs never
// loads it. This file is their JavaScript face, the same for both builds:
// it checks the arguments (an Error with `code` and a message naming the
// call and the event, never a wasm trap), hands the events over as text
// (one JSON.stringify per event, one per line) and parses the OTLP/JSON
// text that comes back. The mapping itself, and the requests' shape, are
// the crate's alone.
//
//   const { traces, logs } = toOtlp(log.readAllSync());
//   await fetch(`${endpoint}/v1/traces`, { method: "POST",
//     headers: { "content-type": "application/json" }, body: JSON.stringify(traces) });
"use strict";

const { refuseUnjsonable } = require("./json-values.js");

function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value).slice(0, 40)}`;
}

function coded(code, message, extra) {
  const e = new Error(message);
  e.code = code;
  return Object.assign(e, extra);
}

/** `options.serviceName`, checked: a string or absent. */
function serviceNameOf(options, call) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object") {
    throw coded("INVALID_ARGUMENT", `${call}: options must be an object, got ${describe(options)}`);
  }
  const name = options.serviceName;
  if (name === undefined || name === null) return undefined;
  if (typeof name !== "string") {
    throw coded("INVALID_ARGUMENT", `${call}: options.serviceName must be a string, got ${describe(name)}`);
  }
  return name;
}

/** `out`, checked to be `{ spans: [], logs: [] }`; a new one when absent. */
function outOf(out, call) {
  if (out === undefined) return { spans: [], logs: [] };
  if (typeof out !== "object" || out === null || !Array.isArray(out.spans) || !Array.isArray(out.logs)) {
    throw coded("INVALID_ARGUMENT", `${call}: out must be { spans: [], logs: [] }, got ${describe(out)}`);
  }
  return out;
}

/** One event's JSON text, or an Error naming it (`where`: "events[3]"). */
function eventLine(event, where, call, index) {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw coded("INVALID_EVENT", `${call}: ${where} must be an event object, got ${describe(event)}`, { index });
  }
  refuseUnjsonable(event, index);
  let text;
  try {
    text = JSON.stringify(event);
  } catch (e) {
    throw coded("INVALID_EVENT", `${call}: ${where} cannot be turned into JSON: ${e.message}`, { index, cause: e });
  }
  if (typeof text !== "string") {
    throw coded("INVALID_EVENT", `${call}: ${where} gave no JSON (a toJSON method?)`, { index });
  }
  return text;
}

/** The events' text for the wasm reader: one event per line. JSON.stringify
 *  never writes a raw newline, so a line is an event. */
function eventLines(events, call) {
  if (!Array.isArray(events)) {
    throw coded("INVALID_ARGUMENT", `${call} needs an array of events, got ${describe(events)}`);
  }
  const lines = new Array(events.length);
  for (let i = 0; i < events.length; i++) lines[i] = eventLine(events[i], `events[${i}]`, call, i);
  return lines.join("\n");
}

/**
 * The error to throw for what a raw call threw. The wasm side's errors
 * (INVALID_EVENT, with the event's `index`) get the call and the event
 * named in front of their message; a trap becomes WASM_TRAP.
 */
function callError(e, call, single) {
  if (e instanceof WebAssembly.RuntimeError) {
    return coded(
      "WASM_TRAP",
      `sessiontrail: the OTLP wasm failed in ${call} (${e.message}); start a new process before mapping again`,
      { cause: e },
    );
  }
  if (e instanceof Error && e.code === "INVALID_EVENT" && typeof e.index === "number") {
    e.message = single ? `${call}: ${e.message}` : `${call}: events[${e.index}]: ${e.message}`;
  }
  return e;
}

/** Every element of `from` pushed onto `to` (no spread: a batch can be
 *  longer than the arguments a call takes). */
function pushAll(to, from) {
  for (let i = 0; i < from.length; i++) to.push(from[i]);
}

/**
 * The OTLP functions over the raw wasm module that `load()` returns.
 * Nothing is loaded until one of them is called.
 */
function makeOtlp(load) {
  /** Turns a session's events, fed in order, into OTLP/JSON spans and log
   *  records (the crate's `Mapper`): every event is a log record at once; a
   *  span goes out when its end arrives, in the call that maps its end. */
  class OtlpMapper {
    #raw;

    constructor() {
      this.#raw = new (load().OtlpMapper)();
    }

    /** Spans started and not yet ended. */
    get openSpans() {
      return this.#call("openSpans", true, (raw) => raw.openSpans);
    }

    /** Maps one event: its log record, and the spans it ends, are pushed
     *  onto `out.spans` and `out.logs` (a new `out` when none is given);
     *  returns `out`. */
    map(event, out) {
      const target = outOf(out, "map(event, out)");
      const line = eventLine(event, "event", "map(event, out)", 0);
      return this.#mapLines(line, target, "map(event, out)", true);
    }

    /** Maps several events in one call (one crossing into wasm): all or
     *  nothing, a bad event throws naming its index and nothing is added. */
    mapBatch(events, out) {
      const target = outOf(out, "mapBatch(events, out)");
      const lines = eventLines(events, "mapBatch(events, out)");
      return this.#mapLines(lines, target, "mapBatch(events, out)", false);
    }

    /** Frees the wasm side now instead of at garbage collection; any later
     *  call throws. */
    free() {
      if (this.#raw.__wbg_ptr) this.#raw.free();
    }

    #mapLines(lines, out, call, single) {
      const mapped = JSON.parse(this.#call(call, single, (raw) => raw.mapLines(lines)));
      pushAll(out.spans, mapped.spans);
      pushAll(out.logs, mapped.logs);
      return out;
    }

    #call(call, single, fn) {
      if (!this.#raw.__wbg_ptr) {
        throw coded("CLOSED", "this OtlpMapper was freed; make a new one");
      }
      try {
        return fn(this.#raw);
      } catch (e) {
        throw callError(e, call, single);
      }
    }
  }

  /** The export requests of `out` (`{ spans, logs }`): `traces` for
   *  `{endpoint}/v1/traces` and `logs` for `{endpoint}/v1/logs`, holding
   *  out's arrays themselves. */
  function otlpRequests(out, options) {
    const call = "otlpRequests(out, options)";
    if (out === undefined) throw coded("INVALID_ARGUMENT", `${call} needs out, { spans: [], logs: [] }`);
    const records = outOf(out, call);
    const serviceName = serviceNameOf(options, call);
    let requests;
    try {
      requests = JSON.parse(load().emptyRequests(serviceName));
    } catch (e) {
      throw callError(e, call, false);
    }
    requests.traces.resourceSpans[0].scopeSpans[0].spans = records.spans;
    requests.logs.resourceLogs[0].scopeLogs[0].logRecords = records.logs;
    return requests;
  }

  /** The spans and log records of `events` (in log order) as the two
   *  export requests, `{ traces, logs }`. A span whose end is not among
   *  `events` is left out (an OtlpMapper carries it over). */
  function toOtlp(events, options) {
    const call = "toOtlp(events, options)";
    const lines = eventLines(events, call);
    const serviceName = serviceNameOf(options, call);
    const raw = load();
    let text;
    try {
      text = raw.toOtlpLines(lines, serviceName);
    } catch (e) {
      throw callError(e, call, false);
    }
    return JSON.parse(text);
  }

  /** `toOtlp` as the two request bodies, `{ traces, logs }`, JSON text to
   *  POST as it is: the bytes the CLI sends, made without building the
   *  objects first (faster than JSON.stringify of toOtlp's). */
  function toOtlpJson(events, options) {
    const call = "toOtlpJson(events, options)";
    const lines = eventLines(events, call);
    const serviceName = serviceNameOf(options, call);
    const raw = load();
    try {
      const [traces, logs] = raw.toOtlpBodies(lines, serviceName);
      return { traces, logs };
    } catch (e) {
      throw callError(e, call, false);
    }
  }

  return { toOtlp, toOtlpJson, OtlpMapper, otlpRequests };
}

module.exports = { makeOtlp };
