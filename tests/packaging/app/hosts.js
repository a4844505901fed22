// What the packaging page does on each host, in the window (main.js) and
// in a dedicated Worker (worker.js): three appends fired together, read
// back, checked. It takes the package's exports as an argument instead of
// importing them, so that the one-file build (run.sh's rollup-inline)
// swaps the specifier in main.js and worker.js only.

const AGENT = {
  session_id: "ssn_packaging",
  agent_id: "agent://packaging",
  agent_instance_id: "ai_packaging",
  agent_name: "packaging",
  host_id: "chromium",
};

/** `{ memory, indexeddb, opfs }`: what each host stored and read back, or
 *  the error it threw. `where` names the logs apart (window or worker). */
export async function exercise({ EventLog, MemoryHost, IndexedDbHost, OpfsHost }, where) {
  const result = {};
  const name = `pkg_${where}_${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 8)}`;
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
      if (kind === "memory") result.events = read;
      log.free();
      await host.close?.();
    } catch (e) {
      result[kind] = { error: `${e.code ?? ""} ${e.message}` };
    }
  }
  return result;
}
