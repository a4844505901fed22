#!/usr/bin/env bash
# Why this exists: the npm package `sessionlog` is assembled, not generated.
# Node needs wasm-bindgen's `nodejs` build (loads the .wasm synchronously from
# disk, CommonJS); browsers and bundlers need the `web` build (ES module,
# `await init()`); wasm-pack emits one target per package, and a package with
# only one of them fails in the other world. So this script builds the wasm
# once, runs wasm-bindgen for both targets, adds the hand-written host shims
# and wrappers from bindings/, and the package.json, README and types from
# pkg-template/, into pkg/ (a build output, never committed).
#
#   scripts/build-pkg.sh            build pkg/
#   SESSIONLOG_WASM_OPT=/path/to/wasm-opt scripts/build-pkg.sh
#                                   also run that wasm-opt (binaryen >= 116
#                                   only: older ones rewrite the externref
#                                   table and the package dies in Node with
#                                   "WebAssembly.Table.grow(): failed to grow
#                                   table"). Off by default.
#
# pkg/node/  sessionlog.js + sessionlog_bg.wasm (nodejs target), index.js
#            (CommonJS entry), index.mjs (ESM entry), file-host.js, flock.js,
#            json-values.js, group-commit.js, and a {"type":"commonjs"} package.json
# pkg/web/   sessionlog.js + sessionlog_bg.wasm (web target), bindings/browser/*
#            (index.js is the browser entry), json-values.js and group-commit.js
#            (made ES modules), and a {"type":"module"} package.json
# pkg/       package.json (exports map), README.md, index.d.ts (Node types),
#            browser.d.ts (web types), types.d.ts (the events, shared)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'build-pkg: %s\n' "$*"; }

# The CLI must equal the wasm-bindgen crate in Cargo.lock, or the glue and
# the wasm disagree (scripts/setup.sh installs the right one).
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "build-pkg: wasm-bindgen CLI $want is needed (found: ${have:-none}); run scripts/setup.sh" >&2
  exit 1
fi

# The wasm-release profile (Cargo.toml): release with a smaller opt-level,
# for the .wasm's size budget; native release builds keep opt-level 3.
say "cargo build --lib --target wasm32-unknown-unknown --profile wasm-release"
cargo build --quiet --lib --target wasm32-unknown-unknown --profile wasm-release
wasm=target/wasm32-unknown-unknown/wasm-release/sessionlog.wasm

rm -rf pkg
mkdir -p pkg/node pkg/web
# The name and producers sections only help debuggers; they are a third of
# the gzipped size.
bindgen_flags=(--remove-name-section --remove-producers-section)
wasm-bindgen --target nodejs "${bindgen_flags[@]}" --out-dir pkg/node "$wasm"
wasm-bindgen --target web "${bindgen_flags[@]}" --out-dir pkg/web "$wasm"

if [ -n "${SESSIONLOG_WASM_OPT:-}" ]; then
  version=$("$SESSIONLOG_WASM_OPT" --version | grep -o '[0-9]\+' | head -n1)
  if [ "${version:-0}" -lt 116 ]; then
    echo "build-pkg: $SESSIONLOG_WASM_OPT is binaryen $version; 116 or later is needed" >&2
    exit 1
  fi
  for dir in pkg/node pkg/web; do
    say "wasm-opt -O $dir/sessionlog_bg.wasm"
    "$SESSIONLOG_WASM_OPT" -O --enable-reference-types --enable-bulk-memory \
      --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-multivalue "$dir/sessionlog_bg.wasm" -o "$dir/sessionlog_bg.wasm"
  done
fi

cp bindings/node/index.js bindings/node/index.mjs bindings/node/file-host.js \
  bindings/node/flock.js bindings/node/json-values.js bindings/node/group-commit.js pkg/node/
printf '{\n  "type": "commonjs"\n}\n' > pkg/node/package.json

# The OTLP mapping (bindings/otlp.js, plain JavaScript, not in the .wasm):
# one body, given a CommonJS export here and an ES one for the web build.
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
otlp_exports="toOtlp, OtlpMapper, otlpRequests"
{ sed "s/__SESSIONLOG_VERSION__/$version/" bindings/otlp.js; printf '\nmodule.exports = { %s };\n' "$otlp_exports"; } > pkg/node/otlp.js

if [ -d bindings/browser ]; then
  cp -R bindings/browser/. pkg/web/
fi
if [ ! -f pkg/web/index.js ]; then
  # bindings/browser/index.js (the browser wrapper with the Web Lock) is not
  # there yet: re-export the raw web build so the package still works.
  say "bindings/browser/index.js is missing; writing a placeholder pkg/web/index.js"
  cat > pkg/web/index.js <<'EOF'
// Placeholder written by scripts/build-pkg.sh because bindings/browser/index.js
// does not exist yet: the raw web build, without the browser hosts and
// without the Web Lock around appends.
export { default, initSync, EventLog } from "./sessionlog.js";
EOF
fi
# The value check of bindings/node/json-values.js, as an ES module: one
# source, its `module.exports` line made an `export`.
sed -e 's/^module\.exports = { refuseUnjsonable };$/export { refuseUnjsonable };/' \
  -e '/^"use strict";$/d' bindings/node/json-values.js > pkg/web/json-values.js
grep -q '^export { refuseUnjsonable };$' pkg/web/json-values.js
# The same for the group commit both entries share.
sed -e 's/^module\.exports = { writeGroup, withField };$/export { writeGroup, withField };/' \
  -e '/^"use strict";$/d' bindings/node/group-commit.js > pkg/web/group-commit.js
grep -q '^export { writeGroup, withField };$' pkg/web/group-commit.js
printf '{\n  "type": "module"\n}\n' > pkg/web/package.json
{ sed "s/__SESSIONLOG_VERSION__/$version/" bindings/otlp.js; printf '\nexport { %s };\n' "$otlp_exports"; } > pkg/web/otlp.js

cp pkg-template/package.json pkg-template/README.md pkg-template/index.d.ts \
  pkg-template/browser.d.ts pkg-template/types.d.ts pkg-template/otlp.d.ts pkg/
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync("pkg/package.json", "utf8"));
  p.version = process.argv[1];
  fs.writeFileSync("pkg/package.json", JSON.stringify(p, null, 2) + "\n");
' "$version"

raw=$(wc -c < pkg/node/sessionlog_bg.wasm)
gz=$(gzip -9 -c pkg/node/sessionlog_bg.wasm | wc -c)
say "pkg/ ready: sessionlog@$version, sessionlog_bg.wasm $raw bytes ($gz gzipped)"
