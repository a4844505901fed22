// `sessiontrail/inline` (copied to pkg/web/inline.js): the browser entry as a
// single file, the core .wasm inlined as base64 (sessiontrail_bg_inline.js)
// and the OPFS worker started from a Blob of its inlined script
// (opfs-worker-inline.js), both written by scripts/build-pkg.sh, imported
// statically. The root entry (index.js) already falls back to these in a
// bundle that did not copy its assets, through dynamic imports; this entry
// is for a bundle that must be one file (`rollup -o`, a CSP without a
// second script). The cost: the .wasm in base64, a third larger than the
// file, decoded once at init. The same API as index.js.

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
