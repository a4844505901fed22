// The OTLP functions in real Chromium, as `sessiontrail/otlp` (pkg/web/otlp.js):
// served as plain ES modules (www/serve.mjs, /pkg/), and bundled by Vite, the
// way an app gets them. In both, a page that uses only EventLog never fetches
// the OTLP .wasm, importing sessiontrail/otlp fetches it, and the mapping the
// page computes equals the Node build's for the same events (whose equality
// with the CLI's `sessiontrail otlp --output` tests/js/otlp.test.mjs checks).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { build } from "vite";
import { AGENT, ROOT, launch, server, watchedPage } from "./harness.js";

const PKG = path.dirname(process.env.SESSIONTRAIL_PKG_WEB ?? path.join(ROOT, "pkg", "web"));
const nodeOtlp = createRequire(import.meta.url)(path.join(PKG, "node", "otlp.js"));

let srv;
let browser;
let errors;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "sessiontrail-e2e-otlp-"));

before(async () => {
  srv = await server();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** A session whose spans open and close, as the page appends it. */
const SESSION = [
  { type: "session.started" },
  { type: "agent.started" },
  { type: "agent.called_tool", tool_name: "Bash", duration_ms: 3 },
  { type: "agent.decision", model: "m", tokens_in: 1, tokens_out: 2, confidence: 0.5 },
  { type: "agent.note", text: "hi", meta: { b: [1, null, "x"], a: { k: true } } },
  { type: "agent.completed", termination_reason: "done" },
  { type: "session.closed", summary: "fin" },
].map((e) => ({ ...AGENT, ...e }));

/** A page that records which .wasm files it fetches. */
async function page() {
  errors = [];
  const context = await browser.newContext();
  const p = await watchedPage(context, errors);
  p.wasm = [];
  p.on("request", (r) => {
    const name = new URL(r.url()).pathname.split("/").pop();
    if (name.endsWith(".wasm")) p.wasm.push(name);
  });
  return p;
}

/** In `p`, whose `window.sessiontrail` is the package's root entry: the
 *  session appended to a MemoryHost log and read back, as `window.events`. */
async function appendSession(p) {
  await p.evaluate(async (session) => {
    const sl = window.sessiontrail;
    await sl.default();
    const log = sl.EventLog.withHost(new sl.MemoryHost());
    await log.appendBatch(session);
    window.events = await log.readAll();
  }, SESSION);
}

/** In `p`: `window.loadOtlp()` (an import of sessiontrail/otlp), then its
 *  mapping of `window.events` and the error of a bad call. */
function mapInPage(p) {
  return p.evaluate(async () => {
    const otlp = await window.loadOtlp();
    const mapper = new otlp.OtlpMapper();
    const out = mapper.mapBatch(window.events.slice(0, 3));
    mapper.map(window.events[3], out);
    mapper.mapBatch(window.events.slice(4), out);
    let error;
    try {
      otlp.toOtlp([{ ...window.events[0], session_id: undefined }]);
    } catch (e) {
      error = { code: e.code, index: e.index, message: e.message, trap: e instanceof WebAssembly.RuntimeError };
    }
    return { events: window.events, requests: otlp.toOtlp(window.events), collected: otlp.otlpRequests(out), error };
  });
}

function assertMapping({ events, requests, collected, error }) {
  assert.equal(events.length, SESSION.length);
  const expected = nodeOtlp.toOtlp(events);
  assert.deepEqual(requests, expected);
  assert.deepEqual(collected, expected);
  assert.deepEqual(requests.traces.resourceSpans[0].scopeSpans[0].spans.map((s) => s.name), ["execute_tool Bash", "chat m", "invoke_agent e2e", "session"]);
  assert.deepEqual(error, {
    code: "INVALID_EVENT",
    index: 0,
    message: "toOtlp(events, options): events[0]: missing field `session_id`",
    trap: false,
  });
}

test("plain ES modules: the OTLP .wasm is fetched only by importing sessiontrail/otlp", async () => {
  const p = await page();
  await p.goto(`${srv.url}pkg/index.js`);
  await p.evaluate(async () => {
    window.sessiontrail = await import("/pkg/index.js");
    window.loadOtlp = () => import("/pkg/otlp.js");
  });
  await appendSession(p);
  assert.deepEqual(p.wasm, ["sessiontrail_bg.wasm"]);
  assertMapping(await mapInPage(p));
  assert.deepEqual(p.wasm, ["sessiontrail_bg.wasm", "sessiontrail_otlp_bg.wasm"]);
  assert.deepEqual(errors, []);
});

/** Serves `dir` on 127.0.0.1 (a built app); resolves with its URL. */
function serveDir(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const s = createServer((req, res) => {
    const file = path.join(dir, path.normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)));
    const target = file.endsWith(path.sep) ? path.join(file, "index.html") : file;
    if (!target.startsWith(dir) || !fs.existsSync(target) || !fs.statSync(target).isFile()) {
      return res.writeHead(req.url === "/favicon.ico" ? 204 : 404).end();
    }
    res.writeHead(200, { "content-type": types[path.extname(target)] ?? "application/octet-stream" });
    fs.createReadStream(target).pipe(res);
  });
  return new Promise((resolve) => {
    s.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${s.address().port}/`, close: () => new Promise((r) => s.close(r)) }));
  });
}

test("Vite: the bundle splits sessiontrail/otlp and its .wasm off, and fetches them when imported", async () => {
  const app = path.join(work, "vite-app");
  fs.mkdirSync(path.join(app, "node_modules"), { recursive: true });
  // The package as an app has it: node_modules/sessiontrail (the built pkg/).
  fs.symlinkSync(PKG, path.join(app, "node_modules", "sessiontrail"), "dir");
  fs.writeFileSync(path.join(app, "index.html"), '<!doctype html><script type="module" src="/main.js"></script>\n');
  fs.writeFileSync(
    path.join(app, "main.js"),
    [
      'import * as sessiontrail from "sessiontrail";',
      "window.sessiontrail = sessiontrail;",
      'window.loadOtlp = () => import("sessiontrail/otlp");',
      "",
    ].join("\n"),
  );
  const outDir = path.join(app, "dist");
  await build({ root: app, configFile: false, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const assets = fs.readdirSync(path.join(outDir, "assets"));
  assert.equal(assets.filter((f) => /^sessiontrail_otlp_bg-.*\.wasm$/.test(f)).length, 1, assets.join(" "));
  assert.equal(assets.filter((f) => /^sessiontrail_bg-.*\.wasm$/.test(f)).length, 1, assets.join(" "));

  const site = await serveDir(outDir);
  try {
    const p = await page();
    await p.goto(site.url);
    await p.waitForFunction(() => window.sessiontrail !== undefined);
    await appendSession(p);
    assert.deepEqual(p.wasm.map((f) => f.replace(/-[^.]*\.wasm$/, ".wasm")), ["sessiontrail_bg.wasm"]);
    assertMapping(await mapInPage(p));
    assert.deepEqual(p.wasm.map((f) => f.replace(/-[^.]*\.wasm$/, ".wasm")), ["sessiontrail_bg.wasm", "sessiontrail_otlp_bg.wasm"]);
    assert.deepEqual(errors, []);
  } finally {
    await site.close();
  }
});
