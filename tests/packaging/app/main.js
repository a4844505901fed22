// The page every bundler builds (tests/packaging/run.sh): what a new user
// writes, `import ... from "sessiontrail"` with no bundler configuration.
// It records in window.__result what happened, for check.test.mjs.
import init, { EventLog, MemoryHost, IndexedDbHost, OpfsHost } from "sessiontrail";

const AGENT = {
  session_id: "ssn_packaging",
  agent_id: "agent://packaging",
  agent_instance_id: "ai_packaging",
  agent_name: "packaging",
  host_id: "chromium",
};

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
  const name = `pkg_${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 8)}`;
  const hosts = {
    memory: async () => new MemoryHost(),
    indexeddb: () => IndexedDbHost.open(name),
    opfs: () => OpfsHost.open(name),
  };
  for (const [kind, open] of Object.entries(hosts)) {
    try {
      const host = await open();
      const log = EventLog.withHost(host);
      const stored = await Promise.all(
        [1, 2, 3].map((i) => log.append({ ...AGENT, type: "agent.note", text: `${kind} ${i}` })),
      );
      const read = await log.readAll();
      result[kind] = {
        stored: stored.map((e) => e.sequence_no),
        read: read.map((e) => e.text),
        ok: (await log.check()).ok,
        mode: host.mode ?? null,
      };
      log.free();
      await host.close?.();
    } catch (e) {
      result[kind] = { error: `${e.code ?? ""} ${e.message}` };
    }
  }
  return result;
}

run().then(
  (result) => (window.__result = result),
  (e) => (window.__result = { error: `${e.code ?? ""} ${e.stack ?? e}` }),
);
