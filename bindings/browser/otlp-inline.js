// `sessiontrail/otlp` for the bundlers that get inline.js (see there): the
// OTLP .wasm inlined as base64 (sessiontrail_otlp_bg_inline.js, written by
// scripts/build-pkg.sh), decoded and compiled by the top-level await, so
// nothing is served beside the bundle. Otherwise otlp.js.
import init, * as raw from "./sessiontrail_otlp.js";
import { makeOtlp } from "./otlp-api.js";
import { decodeBase64 } from "./wasm-init.js";
import otlpBase64 from "./sessiontrail_otlp_bg_inline.js";

await init({ module_or_path: decodeBase64(otlpBase64) });

export const { toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = makeOtlp(() => raw);
