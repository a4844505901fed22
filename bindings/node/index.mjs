// Runs in Node (18 or later), as an ES module: `import { EventLog } from
// "sessiontrail"`. Needs ./index.js (CommonJS) beside it, loaded through
// createRequire so that `import` and `require` in one process share one
// module, one wasm instance and one set of open files.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const sessiontrail = require("./index.js");

export const { EventLog, FileHost, toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = sessiontrail;
export default sessiontrail;
