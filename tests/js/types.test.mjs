// Runs in Node, in the app folder tests/js/run.sh makes with the packed
// tarball installed: the packed .d.ts files type-check real usage, for Node
// (module "nodenext": the "node" exports condition, index.d.ts) and for
// bundlers (moduleResolution "bundler": the default condition, browser.d.ts).
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
// No @types/node: the package types need only the DOM lib (URL, Response).
const common = ["--noEmit", "--strict", "--target", "es2022", "--skipLibCheck", "false"];

function check(args) {
  const run = spawnSync(process.execPath, [tsc, ...common, ...args], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stdout + run.stderr);
}

test("the Node types check under module nodenext", () => {
  check(["--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom", "types/node-usage.mts"]);
});

test("the browser types check under moduleResolution bundler", () => {
  check(["--module", "esnext", "--moduleResolution", "bundler", "--lib", "es2022,dom", "types/browser-usage.ts"]);
});
