// Browser figures (DESIGN §10), in Debian's Chromium: appends per second
// through the recorder page's own path (window.recorder.record: the Web
// Lock, host refresh, the wasm append, host flush, the timeline update and
// the BroadcastChannel post) for each host, beside the package's EventLog
// alone; 400 appends fired together (group commit) against 400 awaited one
// by one, per host; and the time to open a 10,000-event session and render
// its timeline. A benchmark, not a test: it prints figures and asserts nothing.
//
//   node tests/e2e/bench.mjs        (needs pkg/web: make pkg)

import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// `make bench` runs this file directly: install playwright-core the first time.
const here = fileURLToPath(new URL(".", import.meta.url));
if (!existsSync(`${here}node_modules/playwright-core`)) {
  execSync("npm ci --no-audit --no-fund --loglevel=error", { cwd: here, stdio: "inherit" });
}
const pkgWeb = process.env.SESSIONTRAIL_PKG_WEB ?? `${here}../../pkg/web`;
if (!existsSync(`${pkgWeb}/index.js`)) {
  console.error(`bench.mjs: ${pkgWeb} is missing: run 'make pkg' first`);
  process.exit(1);
}
const { DESKTOP, launch, server } = await import("./harness.js");

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const AGENT = { agent_name: "bench", agent_id: "agent://bench", agent_instance_id: "ai_bench", host_id: "chromium" };
const EVENT = { ...AGENT, type: "agent.called_tool", tool_name: "bash", tool_input_digest: "sha256:0123456789abcdef", duration_ms: 42 };

const srv = await server();
const browser = await launch();
const context = await browser.newContext({ viewport: DESKTOP });
const rows = [];
const bursts = [];

try {
  for (const storage of ["memory", "indexeddb", "opfs"]) {
    const page = await context.newPage();
    await page.goto(srv.url);
    await page.waitForSelector("body[data-state=idle]");
    const result = await page.evaluate(
      async ({ storage, event, seconds }) => {
        const id = `ssn_bench${Date.now().toString(16)}`;
        const rate = async (append) => {
          for (let i = 0; i < 50; i++) await append(); // warm up
          let n = 0;
          const start = performance.now();
          const end = start + seconds * 1000;
          while (performance.now() < end) {
            await append();
            n++;
          }
          return n / ((performance.now() - start) / 1000);
        };
        await window.recorder.openSession(id, storage);
        const page = await rate(() => window.recorder.record(event));
        // The package alone on a second log of the same storage.
        const sl = await import("./pkg/index.js");
        const host =
          storage === "memory"
            ? new sl.MemoryHost()
            : storage === "indexeddb"
              ? await sl.IndexedDbHost.open(`${id}_raw`)
              : await sl.OpfsHost.open(`${id}_raw`);
        const log = sl.EventLog.withHost(host);
        const wrapper = await rate(() => log.append({ session_id: id, ...event }));
        // Group commit: 400 appends awaited one by one against 400 fired
        // together (all issued, then awaited), each on a fresh log of the
        // same storage; the median of 3 runs of each.
        const fresh = async (tag) =>
          sl.EventLog.withHost(
            storage === "memory"
              ? new sl.MemoryHost()
              : storage === "indexeddb"
                ? await sl.IndexedDbHost.open(`${id}_${tag}`)
                : await sl.OpfsHost.open(`${id}_${tag}`),
          );
        const timed = async (tag, run) => {
          const times = [];
          for (let r = 0; r < 3; r++) {
            const l = await fresh(`${tag}${r}`);
            await l.append({ session_id: id, ...event }); // open and warm
            const start = performance.now();
            await run(l);
            times.push(performance.now() - start);
            if ((await l.readAll()).length !== 401) throw new Error(`${tag}: not 401 events`);
          }
          return times.sort((a, b) => a - b)[1];
        };
        const awaitedMs = await timed("awaited", async (l) => {
          for (let i = 0; i < 400; i++) await l.append({ session_id: id, ...event });
        });
        const togetherMs = await timed("together", (l) =>
          Promise.all(Array.from({ length: 400 }, () => l.append({ session_id: id, ...event }))),
        );
        return { page, wrapper, awaitedMs, togetherMs };
      },
      { storage, event: EVENT, seconds: SECONDS },
    );
    rows.push([storage, result.page, result.wrapper]);
    bursts.push([storage, result.awaitedMs, result.togetherMs]);
    await page.close();
  }

  // OPFS from inside a dedicated Worker: the host writes the files itself
  // (mode "direct"), no mirror, no round trips to a helper Worker.
  {
    const page = await context.newPage();
    await page.goto(srv.url);
    await page.waitForSelector("body[data-state=idle]");
    const direct = await page.evaluate(
      ({ event, seconds, origin }) => {
        const source = `
          import init, { EventLog, OpfsHost } from "${origin}pkg/index.js";
          onmessage = async ({ data: { event, seconds } }) => {
            await init();
            const host = await OpfsHost.open("ssn_benchdirect" + Date.now().toString(16));
            const log = EventLog.withHost(host);
            const append = () => log.append({ session_id: "ssn_bench", ...event });
            for (let i = 0; i < 50; i++) await append();
            let n = 0;
            const start = performance.now();
            while (performance.now() < start + seconds * 1000) { await append(); n++; }
            postMessage({ mode: host.mode, rate: n / ((performance.now() - start) / 1000) });
          };`;
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })), { type: "module" });
        return new Promise((resolve, reject) => {
          worker.onmessage = (m) => resolve(m.data);
          worker.onerror = (e) => reject(new Error(e.message));
          worker.postMessage({ event, seconds });
        });
      },
      { event: EVENT, seconds: SECONDS, origin: srv.url },
    );
    rows.push([`opfs, in a Worker (${direct.mode})`, null, direct.rate]);
    await page.close();
  }

  // 10,000 events stored in IndexedDB (100 batches, as a long session's
  // bursts would be), then a fresh page opens the session: host load, wasm
  // open, line parsing and the first timeline frame.
  const page = await context.newPage();
  await page.goto(srv.url);
  await page.waitForSelector("body[data-state=idle]");
  const id = `ssn_bench10k${Date.now().toString(16)}`;
  await page.evaluate(
    async ({ id, event }) => {
      await window.recorder.openSession(id, "indexeddb");
      for (let b = 0; b < 100; b++) await window.recorder.recordBatch(Array.from({ length: 100 }, () => event));
    },
    { id, event: EVENT },
  );
  await page.close();
  const timings = [];
  for (let i = 0; i < 5; i++) {
    const fresh = await context.newPage();
    await fresh.goto(srv.url);
    await fresh.waitForSelector("body[data-state=idle]");
    timings.push(
      await fresh.evaluate(async (id) => {
        const start = performance.now();
        const { events, timelineMs } = await window.recorder.openSession(id, "indexeddb");
        return { events, totalMs: performance.now() - start, timelineMs };
      }, id),
    );
    await fresh.close();
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  const version = browser.version();
  console.log(`Chromium ${version}, headless; ${SECONDS} s per figure; event ≈ ${JSON.stringify(EVENT).length + 190} bytes a line\n`);
  console.log("| host | appends/s, recorder page path | appends/s, EventLog wrapper alone |");
  console.log("| --- | ---: | ---: |");
  for (const [storage, page, wrapper] of rows) {
    const fmt = (x) => (x === null ? "n/a (no page)" : Math.round(x).toLocaleString("en"));
    console.log(`| ${storage} | ${fmt(page)} | ${fmt(wrapper)} |`);
  }
  console.log("\nGroup commit: 400 appends on a fresh log, median of 3 runs\n");
  console.log("| host | 400 awaited one by one | 400 fired together | speed-up |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const [storage, awaited, together] of bursts) {
    const cell = (ms) => `${ms.toFixed(0)} ms (${Math.round(400 / (ms / 1000)).toLocaleString("en")}/s)`;
    console.log(`| ${storage} | ${cell(awaited)} | ${cell(together)} | ${(awaited / together).toFixed(1)}x |`);
  }
  console.log(
    `\n10,000-event IndexedDB session, median of ${timings.length} fresh pages (events shown: ${timings[0].events}):` +
      `\n  open + parse + first render: ${median(timings.map((t) => t.totalMs)).toFixed(0)} ms` +
      `\n  of which parse + first render: ${median(timings.map((t) => t.timelineMs)).toFixed(0)} ms`,
  );
} finally {
  await browser.close();
  await srv.close();
}
