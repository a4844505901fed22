#!/usr/bin/env node
// Serves the recorder page on 127.0.0.1 with no dependencies: www/ at /, and
// the package's browser build (pkg/web/, made by `make pkg`) at /pkg/. The
// page needs a secure context for Web Locks and OPFS, and 127.0.0.1 is one.
//
//   node www/serve.mjs              # http://127.0.0.1:8080/ (PORT=0: any free port)
//   PORT=9000 node www/serve.mjs
//
// Also importable: `const { url, close } = await serve({ port: 0 })`.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const WWW = fileURLToPath(new URL(".", import.meta.url));
// SESSIONTRAIL_PKG_WEB points /pkg/ elsewhere (e.g. a build under test).
const PKG_WEB = process.env.SESSIONTRAIL_PKG_WEB ?? resolve(WWW, "..", "pkg", "web");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm", // needed by WebAssembly.instantiateStreaming
  ".ts": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jsonl": "application/x-ndjson",
};

/** Starts the server; resolves with its URL and a close function. */
/** `root` is what / serves (www/; the packaging tests serve their builds). */
export async function serve({ port = 8080, host = "127.0.0.1", pkgDir = PKG_WEB, root = WWW } = {}) {
  const server = createServer(async (req, res) => {
    let path = req.url;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (path === "/favicon.ico") return res.writeHead(204).end(); // none; not an error
      const file = path.startsWith("/pkg/") ? inside(pkgDir, path.slice(5)) : inside(root, path.slice(1) || "index.html");
      if (!file || req.method !== "GET") throw Object.assign(new Error(), { code: "ENOENT" });
      const target = (await stat(file)).isDirectory() ? join(file, "index.html") : file;
      const body = await readFile(target);
      res.writeHead(200, {
        "content-type": TYPES[extname(target)] ?? "application/octet-stream",
        "cache-control": "no-store", // a rebuilt package shows at the next reload
      });
      res.end(body);
    } catch (e) {
      // A malformed %-escape (URIError) is a bad request, like a missing file.
      const missing = e.code === "ENOENT" || e instanceof URIError;
      const missingPkg = path.startsWith("/pkg/") && missing;
      res.writeHead(missing ? 404 : 500, { "content-type": "text/plain; charset=utf-8" });
      res.end(missingPkg ? `not found: ${path} (build the package with "make pkg")\n` : `not found: ${path}\n`);
    }
  });
  await new Promise((ok, fail) => server.once("error", fail).listen(port, host, ok));
  const url = `http://${host}:${server.address().port}/`;
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}

/** `rel` resolved under `root`, or null when it would step outside. */
function inside(root, rel) {
  const full = normalize(join(root, rel));
  return full === root || full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : null;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = process.env.PORT === undefined ? 8080 : Number(process.env.PORT);
  const { url } = await serve({ port });
  console.log(`sessiontrail recorder: ${url}`);
  try {
    await stat(PKG_WEB);
  } catch {
    console.log(`note: ${PKG_WEB} is missing; build it with "make pkg" before opening the page`);
  }
}
