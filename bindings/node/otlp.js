// Runs in Node (18 or later), as CommonJS: the OTLP functions of
// `require("sessiontrail")` and `require("sessiontrail/otlp")`. Needs, in the
// same folder (pkg/node/): otlp-api.js, json-values.js, and
// sessiontrail_otlp.js + sessiontrail_otlp_bg.wasm, the wasm-bindgen
// `--target nodejs` build of crates/sessiontrail-otlp-wasm.
//
// Lazy: requiring this file loads no wasm. The OTLP .wasm is read and
// compiled (synchronously: the nodejs glue does fs.readFileSync and
// `new WebAssembly.Module` when it is required) the first time an OTLP
// function is called, so every function stays synchronous and a program
// that only logs never reads the file.
"use strict";

const { makeOtlp } = require("./otlp-api.js");

let raw = null;

function load() {
  if (raw === null) raw = require("./sessiontrail_otlp.js");
  return raw;
}

const { toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = makeOtlp(load);

module.exports = { toOtlp, toOtlpJson, OtlpMapper, otlpRequests };
