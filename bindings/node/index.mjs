// Runs in Node (18 or later), as an ES module: `import { EventLog } from
// "sessiontrail"`. Needs ./index.js (CommonJS) beside it, imported (Node puts
// a CommonJS module imported so in require's cache, so `import` and
// `require` in one process share one module, one wasm instance and one set
// of open files), which bundlers can follow, unlike a createRequire.
import sessiontrail from "./index.js";

export const { EventLog, FileHost, toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = sessiontrail;
export default sessiontrail;
