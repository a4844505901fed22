// Viewer figures (DESIGN §11), in Debian's Chromium with the release CLI:
// the time from opening a 100,000-event session's page in `sessiontrail view`
// to its first whole screen (every event read, totals, agent tree,
// waterfall, side effects and timeline drawn: the page's own mark,
// firstScreenMs, from the start of the navigation); then the viewer's
// resident memory while the open session grows by another 100,000 events
// in batches. A benchmark, not a test: it prints figures and asserts
// nothing.
//
//   node tests/e2e/viewer-bench.mjs      (needs target/release/sessiontrail: make cli)

import { execSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
if (!existsSync(`${here}node_modules/playwright-core`)) {
  execSync("npm ci --no-audit --no-fund --loglevel=error", { cwd: here, stdio: "inherit" });
}
const { DESKTOP, launch } = await import("./harness.js");
const { CLI, append, startViewer } = await import("./viewer-sessions.js");
if (!existsSync(CLI)) {
  console.error(`viewer-bench.mjs: ${CLI} is missing: run 'make cli' first`);
  process.exit(1);
}

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** `n` events from `from` on: five agents, mostly tool calls, with file
 *  writes, processes and decisions among them. */
function events(from, n) {
  const list = [];
  for (let i = from; i < from + n; i++) {
    const a = i % 5;
    const env = { session_id: "ssn_bench", agent_id: `agent://a${a}`, agent_instance_id: `ai_${a}`, agent_name: `agent-${a}`, host_id: "bench" };
    if (i === 0) list.push({ type: "session.started", ...env });
    else if (i < 5) list.push({ type: "agent.spawned", spawned_by_agent_instance_id: "ai_0", ...env });
    else if (i % 10 === 0) list.push({ type: "agent.wrote_file", file_path: `src/f${i % 300}.rs`, operation: "modified", additions: 3, deletions: 1, ...env });
    else if (i % 10 === 3) list.push({ type: "agent.decision", model: `model-${a % 2}`, provider: "p", tokens_in: 900, tokens_out: 120, ...env });
    else if (i % 10 === 6) list.push({ type: "agent.completed_process", process_name: "cargo", command: "cargo test", exit_code: 0, duration_ms: 1200, ...env });
    else list.push({ type: "agent.called_tool", tool_name: "bash", tool_input_digest: "sha256:0123456789abcdef", duration_ms: 40 + (i % 50), ...env });
  }
  return list;
}

function appendInBatches(dir, from, n, batch = 10_000) {
  for (let i = from; i < from + n; i += batch) append(dir, events(i, Math.min(batch, from + n - i)));
}

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

const root = mkdtempSync(join(tmpdir(), "sessiontrail-viewer-bench-"));
const dir = join(root, "big");
appendInBatches(dir, 0, EVENTS);
const bytes = statSync(join(dir, "events.jsonl")).size;
const viewer = await startViewer(root);
const browser = await launch();
try {
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: DESKTOP });
    await context.addCookies([viewer.cookie]);
    const page = await context.newPage();
    await page.goto(`${viewer.url}viewer/?session=big`);
    await page.waitForSelector("body[data-state=live]", { timeout: 120_000 });
    const { ms, shown } = await page.evaluate(() => ({ ms: window.viewer.firstScreenMs, shown: window.viewer.model().events }));
    if (shown !== EVENTS) throw new Error(`the page shows ${shown} events, not ${EVENTS}`);
    times.push(ms);
    await context.close();
  }
  times.sort((a, b) => a - b);
  console.log(`viewer: ${EVENTS} events (${(bytes / 1e6).toFixed(1)} MB), first whole screen in ${times.map((t) => t.toFixed(0)).join(" / ")} ms (median ${times[times.length >> 1].toFixed(0)} ms, ${RUNS} runs)`);

  // Memory while the open session grows: the page follows every append.
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([viewer.cookie]);
  const page = await context.newPage();
  await page.goto(`${viewer.url}viewer/?session=big`);
  await page.waitForSelector("body[data-state=live]", { timeout: 120_000 });
  const rss = [[EVENTS, rssKiB(viewer.pid)]];
  const step = EVENTS / 4;
  for (let n = EVENTS; n < 2 * EVENTS; n += step) {
    appendInBatches(dir, n, step);
    await page.waitForFunction((want) => window.viewer.model().events === want, n + step, { timeout: 120_000 });
    rss.push([n + step, rssKiB(viewer.pid)]);
  }
  console.log(`viewer: server RSS while the open session grows: ${rss.map(([n, kib]) => `${n / 1000}k events ${(kib / 1024).toFixed(1)} MiB`).join(", ")}`);
  await context.close();
} finally {
  await browser.close();
  await viewer.stop();
  rmSync(root, { recursive: true, force: true });
}
