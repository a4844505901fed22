// Runs in Node (18 or later), as an ES module: `import { toOtlp } from
// "sessiontrail/otlp"`. Needs ./otlp.js (CommonJS) beside it, imported (Node
// puts a CommonJS module imported so in require's cache, so `import` and
// `require`, and the root entry, share one set of functions and one OTLP
// wasm instance, loaded on first use), which bundlers can follow.
import otlp from "./otlp.js";

export const { toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = otlp;
export default otlp;
