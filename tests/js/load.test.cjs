// Runs in Node, as CommonJS, in the app folder tests/js/run.sh makes with
// the packed tarball installed: `require("sessiontrail")` must resolve to the
// Node build and work, and `import()` from CommonJS must reach the ESM entry
// with the same class.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

test("require('sessiontrail') loads the Node build synchronously", () => {
  const resolved = require.resolve("sessiontrail");
  assert.match(resolved, /node_modules[\\/]sessiontrail[\\/]node[\\/]index\.js$/);
  const { EventLog, FileHost } = require("sessiontrail");
  assert.equal(typeof EventLog.open, "function");
  assert.equal(typeof EventLog.withHost, "function");
  assert.equal(typeof FileHost, "function");

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sessiontrail-cjs-"));
  try {
    const log = EventLog.open(path.join(dir, "s"));
    const stored = log.appendSync({
      type: "session.started",
      session_id: "ssn_cjs",
      agent_id: "agent://cjs",
      agent_instance_id: "ai_1",
      agent_name: "cjs",
      host_id: "h",
    });
    assert.equal(stored.sequence_no, 0);
    assert.equal(log.eventCount, 1);
    log.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("import('sessiontrail') from CommonJS gets the same class", async () => {
  const esm = await import("sessiontrail");
  const cjs = require("sessiontrail");
  assert.equal(esm.EventLog, cjs.EventLog, "one module, one wasm instance");
  assert.equal(esm.default.EventLog, cjs.EventLog);
});

test("the package.json files say what each folder is", () => {
  const root = path.dirname(require.resolve("sessiontrail/package.json"));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  assert.equal(pkg.name, "sessiontrail");
  for (const block of Object.values(pkg.exports["."])) {
    assert.equal(Object.keys(block)[0], "types", "types first in every exports block");
  }
  const nodeType = JSON.parse(fs.readFileSync(path.join(root, "node", "package.json"), "utf8"));
  assert.equal(nodeType.type, "commonjs");
  const webType = JSON.parse(fs.readFileSync(path.join(root, "web", "package.json"), "utf8"));
  assert.equal(webType.type, "module");
  for (const f of ["index.d.ts", "browser.d.ts", "types.d.ts", "README.md",
    "node/sessiontrail_bg.wasm", "web/sessiontrail_bg.wasm", "web/index.js"]) {
    assert.ok(fs.existsSync(path.join(root, f)), `${f} is packed`);
  }
});
