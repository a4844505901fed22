// The page every bundler builds (tests/packaging/run.sh): what a new user
// writes, `import ... from "sessiontrail"` with no bundler configuration,
// a module Worker that imports the package too (worker.js), and the OTLP
// functions (`sessiontrail/otlp`, the second .wasm). It records in
// window.__result what happened, for check.test.mjs.
import init, * as sessiontrail from "sessiontrail";
import { toOtlpJson } from "sessiontrail/otlp";
import { exercise } from "./hosts.js";

const { EventLog, MemoryHost } = sessiontrail;

/** What worker.js posts back, or the error that stopped it. */
function inWorker() {
  return new Promise((resolve) => {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }) => {
      resolve(data);
      worker.terminate();
    };
    worker.onerror = (e) => resolve({ error: `worker failed to start or threw: ${e.message ?? "no detail"}` });
  });
}

async function run() {
  const result = {};
  try {
    EventLog.withHost(new MemoryHost());
    result.beforeInit = { code: null };
  } catch (e) {
    result.beforeInit = { code: e.code, message: e.message };
  }
  try {
    await init({ module_or_path: new URL("./nowhere.wasm", location.href) });
    result.badUrl = { code: null };
  } catch (e) {
    result.badUrl = { code: e.code, message: e.message };
  }
  await init();
  const { events, ...hosts } = await exercise(sessiontrail, "window");
  Object.assign(result, hosts);
  // The memory log's events as OTLP request bodies: check.test.mjs maps
  // the same events in Node and compares the bytes.
  result.events = events ?? [];
  result.otlp = toOtlpJson === null ? null : toOtlpJson(result.events);
  result.worker = await inWorker();
  return result;
}

run().then(
  (result) => (window.__result = result),
  (e) => (window.__result = { error: `${e.code ?? ""} ${e.stack ?? e}` }),
);
