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
import { launch, watchedPage } from "../e2e/harness.js";
import { serve } from "../../www/serve.mjs";

const project = process.env.SESSIONTRAIL_PACKAGING_DIR;
const bundlers = (process.env.BUNDLERS ?? "").split(/\s+/).filter(Boolean);
assert.ok(project && bundlers.length, "run through tests/packaging/run.sh");

let server;
let browser;
before(async () => {
  server = await serve({ port: 0, root: project });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

for (const bundler of bundlers) {
  test(`${bundler}: the page appends and reads on every host with no configuration`, async () => {
    const context = await browser.newContext();
    const errors = [];
    const page = await watchedPage(context, errors);
    await page.goto(`${server.url}out-${bundler}/index.html`);
    const result = await (await page.waitForFunction(() => window.__result, null, { timeout: 30_000 })).jsonValue();
    await context.close();
    assert.deepEqual(errors, []);
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
