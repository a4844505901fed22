// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed. The README's Node example, taken from the packed
// README.md, runs as written (in a fresh directory) and prints what its
// comments say.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { tempDir } from "./helpers.mjs";

test("the README's Node example runs and prints what it says", () => {
  const require = createRequire(import.meta.url);
  const readme = fs.readFileSync(path.join(path.dirname(require.resolve("sessiontrail/package.json")), "README.md"), "utf8");
  const node = readme.slice(readme.indexOf("## Node"));
  const code = node.slice(node.indexOf("```js\n") + 6, node.indexOf("\n```", node.indexOf("```js\n")));
  assert.match(code, /EventLog\.open\("\/tmp\/session-1"\)/);
  const dir = path.join(tempDir("readme"), "session-1");
  const script = path.join(process.cwd(), "readme-example.mjs");
  fs.writeFileSync(script, code.replace('"/tmp/session-1"', JSON.stringify(dir)));
  try {
    const run = spawnSync(process.execPath, [script], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const printed = run.stdout.trim().split("\n");
    const promised = [...code.matchAll(/console\.log\(.*\);? \/\/ (.*?)(?: in a new directory)?$/gm)].map((m) => m[1]);
    assert.deepEqual(printed, promised);
  } finally {
    fs.rmSync(script, { force: true });
  }
});
