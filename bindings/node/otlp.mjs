// Runs in Node (18 or later), as an ES module: `import { toOtlp } from
// "sessiontrail/otlp"`. Needs ./otlp.js (CommonJS) beside it, loaded through
// createRequire so that `import` and `require`, and the root entry, share one
// set of functions and one OTLP wasm instance (loaded on first use).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const otlp = require("./otlp.js");

export const { toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = otlp;
export default otlp;
