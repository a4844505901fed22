// Runs each bundler's build of app/ (made by run.sh in a fresh project that
// installed the packed tarball) in Chromium, served from 127.0.0.1 (a
// secure context: Web Locks and OPFS), and checks what the page recorded:
// NOT_INITIALIZED before init(), then three appends fired together and read
// back on MemoryHost, IndexedDbHost and OpfsHost. Any page error, console
// error or failed load (a .wasm or worker the bundler did not emit) fails.
//
//   SESSIONTRAIL_PACKAGING_DIR=<project> BUNDLERS="esbuild rollup" node --test check.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch, watchedPage } from "../e2e/harness.js";
import { serve } from "../../www/serve.mjs";

const project = process.env.SESSIONTRAIL_PACKAGING_DIR;
const bundlers = (process.env.BUNDLERS ?? "").split(/\s+/).filter(Boolean);
assert.ok(project && bundlers.length, "run through tests/packaging/run.sh");

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const bundler of bundlers) {
  test(`${bundler}: the page appends and reads on every host with no configuration`, async () => {
    // Each build at the root of its own server, as it would be deployed.
    const server = await serve({ port: 0, root: join(project, `out-${bundler}`) });
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
    // The one failed load the page asks for (init with a wrong URL).
    const missing = `HTTP 404: ${server.url}nowhere.wasm`;
    assert.deepEqual(errors, [missing]);
    assert.equal(result.badUrl.code, "WASM_LOAD_FAILED");
    assert.ok(result.badUrl.message.includes(`${server.url}nowhere.wasm: HTTP 404`), result.badUrl.message);
    assert.match(result.badUrl.message, /sessiontrail\/inline/);
    // Vite and webpack copy the .wasm (a file, fetched); the others leave
    // it, and the inlined copy is used (nothing fetched but the bad URL).
    const copied = wasm.filter((p) => p !== "/nowhere.wasm");
    if (bundler === "vite" || bundler === "webpack") assert.equal(copied.length, 1, copied.join(" "));
    else assert.deepEqual(copied, []);
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.beforeInit.code, "NOT_INITIALIZED");
    assert.match(result.beforeInit.message, /await init\(\)/);
    for (const kind of ["memory", "indexeddb", "opfs"]) {
      assert.deepEqual(result[kind], {
        stored: [0, 1, 2],
        read: [1, 2, 3].map((i) => `${kind} ${i}`),
        ok: true,
        mode: kind === "opfs" ? "worker" : null,
      }, `${bundler} ${kind}: ${JSON.stringify(result[kind])}`);
    }
  });
}
