// The browser entry of the OTLP functions, `import { toOtlp } from
// "sessiontrail/otlp"` (copied to pkg/web/otlp.js). Runs in a window or a
// Worker, through a bundler (Vite, esbuild, webpack 5) or as a plain ES
// module. Needs beside it: otlp-api.js and json-values.js (made ES modules by
// scripts/build-pkg.sh), and sessiontrail_otlp.js + sessiontrail_otlp_bg.wasm,
// the wasm-bindgen `web` build of crates/sessiontrail-otlp-wasm.
//
// A module of its own, not part of the root entry: the OTLP .wasm is fetched
// only by a page that imports this module, and a page that only logs never
// downloads it. Its top-level `await` fetches and compiles that .wasm before
// the import completes, so the functions are synchronous, as in Node. (Top-level
// await needs an ES2022 target: Vite's default since Vite 7; set
// `build.target: "es2022"` in an older one.)
//
//   import { toOtlp } from "sessiontrail/otlp";
//   const { traces, logs } = toOtlp(await log.readAll());
import init, * as raw from "./sessiontrail_otlp.js";
import { makeOtlp } from "./otlp-api.js";
import { bundledAsIs, decodeBase64 } from "./wasm-init.js";

// In a bundle that did not copy the .wasm (esbuild, Rollup, Bun: see
// wasm-init.js), the inlined copy, a chunk of its own.
if (bundledAsIs(import.meta.url, "otlp.js", new URL("./sessiontrail_otlp_bg.wasm", import.meta.url), "sessiontrail_otlp_bg.wasm")) {
  const { default: base64 } = await import("./sessiontrail_otlp_bg_inline.js");
  await init({ module_or_path: decodeBase64(base64) });
} else {
  await init();
}

export const { toOtlp, toOtlpJson, OtlpMapper, otlpRequests } = makeOtlp(() => raw);
