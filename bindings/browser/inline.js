// The browser entry with nothing to serve beside the bundle (copied to
// pkg/web/inline.js): the core .wasm inlined as base64
// (sessiontrail_bg_inline.js) and the OPFS worker started from a Blob of its
// inlined script (opfs-worker-inline.js), both written by
// scripts/build-pkg.sh. It is what `import "sessiontrail"` gives bundlers
// that do not copy `new URL("./x.wasm", import.meta.url)` assets (esbuild,
// Rollup, Bun's bundler): the package's exports map sends the `development`
// and `production` conditions (Vite, webpack) to index.js, which fetches the
// .wasm as a file, and every other browser bundler here. Also importable by
// name, `import init from "sessiontrail/inline"`. The cost: the bundle is
// about a third larger than the .wasm alone (base64), decoded once at init.
//
// The same API as index.js; `await init()` needs no argument.

import rawInit from "./sessiontrail.js";
import { initWasm, decodeBase64 } from "./wasm-init.js";
import { useWorkerScript } from "./opfs-host.js";
import wasmBase64 from "./sessiontrail_bg_inline.js";
import workerScript from "./opfs-worker-inline.js";

export { initSync, EventLog, MemoryHost, IndexedDbHost, OpfsHost } from "./index.js";

useWorkerScript(workerScript);

/** Loads the wasm core: the inlined one, or `{ module_or_path }` if given. */
export default function init(options) {
  return initWasm(rawInit, options, () => decodeBase64(wasmBase64), "the inlined .wasm");
}
