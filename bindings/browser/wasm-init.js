// Why this exists: the browser entries (index.js, whose .wasm is a file
// beside it, and inline.js, whose .wasm is inlined as base64) share one
// loader, so that both say the same thing when loading fails and both
// refuse a call before the core is loaded. wasm-bindgen's own init() leaves
// those cases to the browser: a 404 became "failed to fetch Wasm", and a
// call before init "Cannot read properties of undefined", with no `code`.

let ready = false;

/** This module's URL: another module of the package with the same URL was
 *  bundled into one file with it (see `bundledAsIs`). */
const HERE = import.meta.url;

/**
 * Whether `asset` (`new URL("./<file>", import.meta.url)` in the package's
 * module `ownName`, whose import.meta.url is `moduleUrl`) points at a file
 * that is not there: the module was bundled (its URL is a bundle's or a
 * chunk's, not `…/ownName`; or it is one file with this module, when the
 * bundle happens to be called `ownName`) and the bundler left the asset
 * URL as written, not copying the file (esbuild, Rollup, Bun, Vite's dev
 * server). Vite and webpack rename the asset they copy (webpack also makes
 * import.meta.url the source file's); unbundled, each module keeps its
 * name and the file is beside it. The entries then use the inlined copy,
 * which always works.
 *
 * The module's own name, not only a shared URL: a build with several
 * entries (a page and its Worker) puts modules used by both into a shared
 * chunk, so the OTLP entry and this module can be in different files.
 */
export function bundledAsIs(moduleUrl, ownName, asset, file) {
  if (!asset.pathname.endsWith(`/${file}`)) return false;
  return moduleUrl === HERE || !new URL(moduleUrl).pathname.endsWith(`/${ownName}`);
}

function coded(code, message, cause) {
  const e = new Error(message, cause === undefined ? undefined : { cause });
  e.code = code;
  return e;
}

/** Throws NOT_INITIALIZED unless an init() finished: `what` is the call. */
export function assertReady(what) {
  if (!ready) {
    throw coded(
      "NOT_INITIALIZED",
      `sessiontrail: ${what} was called before the wasm core was loaded: ` +
        'call `await init()` once first (`import init from "sessiontrail"`)',
    );
  }
}

/** What to do when the .wasm file is not where the entry looks for it. */
const ADVICE =
  "the bundler did not copy sessiontrail_bg.wasm next to the bundle: import from " +
  '"sessiontrail/inline" (the .wasm inlined, no file to serve), or serve ' +
  "node_modules/sessiontrail/web/sessiontrail_bg.wasm and pass its URL: " +
  "`await init({ module_or_path: url })`";

/**
 * Loads the core through wasm-bindgen's `rawInit`: from `options`
 * (`{ module_or_path }`: a URL, Request, Response, bytes or a
 * WebAssembly.Module), or else from `fallback()` (the entry's own URL or
 * inlined bytes, called `fallbackName` in errors). A URL is fetched here, so that a failure names it.
 */
export async function initWasm(rawInit, options, fallback, fallbackName = "the given module_or_path") {
  let source = options;
  if (options !== undefined && options !== null && Object.getPrototypeOf(options) === Object.prototype) {
    source = options.module_or_path;
  }
  let where = "the given module_or_path";
  if (source === undefined || source === null) {
    source = fallback();
    where = fallbackName;
  }
  if (typeof source === "string" || source instanceof URL || (typeof Request === "function" && source instanceof Request)) {
    const url = String(source instanceof URL || typeof source === "string" ? source : source.url);
    where = url;
    let response;
    try {
      response = await fetch(source);
    } catch (cause) {
      throw coded("WASM_LOAD_FAILED", `sessiontrail: could not fetch its .wasm from ${url}: ${cause?.message ?? cause}; ${ADVICE}`, cause);
    }
    if (!response.ok) {
      throw coded("WASM_LOAD_FAILED", `sessiontrail: could not fetch its .wasm from ${url}: HTTP ${response.status}; ${ADVICE}`);
    }
    source = response;
  }
  try {
    await rawInit({ module_or_path: source });
  } catch (cause) {
    throw coded(
      "WASM_LOAD_FAILED",
      `sessiontrail: ${where} is not the sessiontrail .wasm or does not compile: ${cause?.message ?? cause}` +
        (where.includes("/") ? `; ${ADVICE}` : ""),
      cause,
    );
  }
  ready = true;
}

/** Marks the core loaded by initSync (which needs the bytes in hand). */
export function markReady() {
  ready = true;
}

/** The bytes of a base64 string (an inlined .wasm). */
export function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
