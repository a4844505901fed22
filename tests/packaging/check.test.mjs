// Runs each bundler's build of app/ (made by run.sh in a fresh project that
// installed the packed tarball), and the project under Vite's dev server,
// in Chromium, served from 127.0.0.1 (a secure context: Web Locks and
// OPFS), and checks what the page recorded: NOT_INITIALIZED before init(),
// WASM_LOAD_FAILED naming a wrong URL, then three appends fired together
// and read back on MemoryHost, IndexedDbHost and OpfsHost, in the window
// and in a module Worker; and the OTLP entry's request bodies, equal to
// Node's. Any page error, console error or failed load (a .wasm or worker
// the bundler did not emit) fails.
//
//   SESSIONTRAIL_PACKAGING_DIR=<project> BUNDLERS="esbuild rollup" node --test check.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createRequire } from "node:module";
import { launch, watchedPage } from "../e2e/harness.js";
import { serve } from "../../www/serve.mjs";

const project = process.env.SESSIONTRAIL_PACKAGING_DIR;
// Vite's dev server, started by run.sh (the "vite-dev" target).
const viteDevUrl = process.env.VITE_DEV_URL;
const bundlers = (process.env.BUNDLERS ?? "").split(/\s+/).filter(Boolean);
assert.ok(project && bundlers.length, "run through tests/packaging/run.sh");

// The OTLP functions as Node gets them from the same installed tarball.
const nodeOtlp = createRequire(join(project, "package.json"))("sessiontrail/otlp");

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const bundler of bundlers) {
  test(`${bundler}: the page appends and reads on every host with no configuration`, async () => {
    // Each build at the root of its own server, as it would be deployed;
    // the dev server serves the project itself.
    const server =
      bundler === "vite-dev"
        ? { url: viteDevUrl, close: async () => {} }
        : await serve({ port: 0, root: join(project, `out-${bundler}`) });
    const context = await browser.newContext();
    const errors = [];
    const page = await watchedPage(context, errors);
    const wasm = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.endsWith(".wasm")) wasm.push(new URL(r.url()).pathname);
    });
    let result;
    try {
      await page.goto(server.url);
      result = await (await page.waitForFunction(() => window.__result, null, { timeout: 30_000 })).jsonValue();
    } finally {
      await context.close();
      await server.close();
    }
    // The one failed load the page asks for (init with a wrong URL). Vite's
    // dev server answers it with its index.html, which does not compile.
    const missing = `HTTP 404: ${server.url}nowhere.wasm`;
    assert.deepEqual(errors, bundler === "vite-dev" ? [] : [missing]);
    assert.equal(result.badUrl.code, "WASM_LOAD_FAILED");
    const why = bundler === "vite-dev" ? "nowhere.wasm is not the sessiontrail .wasm or does not compile" : "nowhere.wasm: HTTP 404";
    assert.ok(result.badUrl.message.includes(`${server.url}${why}`), result.badUrl.message);
    assert.match(result.badUrl.message, /sessiontrail\/inline/);
    // Vite's and webpack's builds copy the two .wasm files (fetched: the
    // core and the OTLP one by the page, the core again by its Worker); the
    // others, Vite's dev server included, leave them, and the inlined
    // copies are used (nothing fetched but the bad URL).
    const copied = wasm.filter((p) => p !== "/nowhere.wasm");
    if (bundler === "vite" || bundler === "webpack") {
      assert.equal(copied.length, 3, copied.join(" "));
      assert.equal(new Set(copied).size, 2, copied.join(" "));
    } else {
      assert.deepEqual(copied, []);
    }
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.beforeInit.code, "NOT_INITIALIZED");
    assert.match(result.beforeInit.message, /await init\(\)/);
    // Every host from the window, then from a dedicated Worker that
    // imported the package itself, where OpfsHost writes its files directly.
    for (const [where, found, opfsMode] of [["window", result, "worker"], ["worker", result.worker, "direct"]]) {
      assert.equal(found.error, undefined, `${bundler} ${where}: ${found.error}`);
      for (const kind of ["memory", "indexeddb", "opfs"]) {
        assert.deepEqual(found[kind], {
          stored: [0, 1, 2],
          read: [1, 2, 3].map((i) => `${kind} ${i}`),
          ok: true,
          mode: kind === "opfs" ? opfsMode : null,
        }, `${bundler} ${where} ${kind}: ${JSON.stringify(found[kind])}`);
      }
    }
    // `sessiontrail/otlp` in the page: the same request bodies, byte for
    // byte, as the package's Node entry makes of the same events.
    assert.equal(result.events.length, 3);
    if (bundler === "rollup-inline") assert.equal(result.otlp, null);
    else assert.deepEqual(result.otlp, nodeOtlp.toOtlpJson(result.events));
  });
}
