// Runs in Node, as an ES module, in the app folder tests/js/run.sh makes
// with the packed tarball installed: `import ... from "sessiontrail"` must
// resolve to the Node build's ESM entry and work.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import sessiontrail, { EventLog, FileHost } from "sessiontrail";
import { event, tempDir } from "./helpers.mjs";

test("import from 'sessiontrail' resolves to the Node ESM entry", () => {
  const resolved = import.meta.resolve("sessiontrail");
  assert.match(resolved, /node_modules\/sessiontrail\/node\/index\.mjs$/);
  assert.equal(sessiontrail.EventLog, EventLog);
  assert.equal(sessiontrail.FileHost, FileHost);
  const require = createRequire(import.meta.url);
  assert.equal(require("sessiontrail").EventLog, EventLog, "require and import share one instance");
});

test("the web build is what browsers and bundlers resolve", async () => {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve("sessiontrail/package.json"));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  assert.equal(pkg.exports["."].browser.default, "./web/index.js");
  assert.equal(pkg.exports["."].default.default, "./web/index.js");
  // The web entry is a valid ES module that exports init and EventLog;
  // loading the .wasm through it from Node (initSync with the bytes) proves
  // the packed web build works without a browser.
  const web = await import(path.join(root, "web", "index.js"));
  assert.equal(typeof web.default, "function", "default export: init");
  web.initSync({ module: fs.readFileSync(path.join(root, "web", "sessiontrail_bg.wasm")) });
  const host = {
    name: "plain host",
    bytes: new Uint8Array(0),
    size() { return this.bytes.length; },
    read(o, l) { return this.bytes.slice(o, o + l); },
    append(b) { const n = new Uint8Array(this.bytes.length + b.length); n.set(this.bytes); n.set(b, this.bytes.length); this.bytes = n; },
    truncate(l) { this.bytes = this.bytes.slice(0, l); },
  };
  const log = web.EventLog.withHost(host);
  const stored = await log.append(event("agent.note", { text: "from the web build" }));
  assert.equal(stored.sequence_no, 0);
  assert.equal((await log.readAll())[0].text, "from the web build");
});

test("EventLog.open in ESM appends to a directory", () => {
  const dir = path.join(tempDir("esm"), "s");
  const log = EventLog.open(dir);
  assert.equal(log.appendSync(event("session.started")).sequence_no, 0);
  assert.equal(log.appendSync(event("agent.note", { text: "hi" })).sequence_no, 1);
  log.close();
  assert.equal(fs.readFileSync(path.join(dir, "events.jsonl"), "utf8").split("\n").length, 3);
});
