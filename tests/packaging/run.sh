#!/usr/bin/env bash
# Why this exists: the npm package must work in every bundler its users
# have with no configuration beyond an entry and an output folder (issue
# 18). This does what a new user does: packs pkg/ (`make pkg`) with npm
# pack, makes a fresh project under target/packaging/, installs the tarball
# and the pinned bundlers (package.json here) from the registry, builds
# app/ with esbuild, Rollup (+node-resolve), Bun, Vite and webpack, each
# with its plainest command (and with Rollup into one file from
# sessiontrail/inline), and runs every build in Chromium
# (check.test.mjs): the hosts in the page and in a module Worker, the
# OTLP entry; and Vite's dev server serving the project. Then tsc on ts/ under the node16, nodenext and bundler
# resolutions, without customConditions: Node code with Node types and no
# DOM lib, browser code with the DOM lib and no Node types. Last, the npm
# README's Node example (from the packed README) under Node, Bun and Deno
# (with the permissions the README names): the same output, and the flock
# lock taken in each; the example as a one-file esbuild Node bundle, in
# CommonJS and in ESM. And
# `npm install --omit=optional` of the tarball.
#
#   bash tests/packaging/run.sh              # every bundler, then tsc
#   bash tests/packaging/run.sh esbuild vite # some, then tsc
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ -f "$root/pkg/package.json" ] && [ -f "$root/pkg/web/inline.js" ] \
  || { echo "packaging: $root/pkg is missing or stale: run 'make pkg' first" >&2; exit 1; }
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "packaging: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2; exit 1; }
# playwright-core, for the harness the browser tests share.
[ -d "$root/tests/e2e/node_modules/playwright-core" ] \
  || (cd "$root/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)

bundlers=("$@")
[ ${#bundlers[@]} -gt 0 ] || bundlers=(esbuild rollup bun vite vite-dev webpack rollup-inline)

project="$root/target/packaging/project"
rm -rf "$project"
mkdir -p "$project"
tarball=$(cd "$root/pkg" && npm pack --silent --pack-destination "$project")
cp "$here/package.json" "$here"/app/*.html "$here"/app/*.js "$project/"
cp -R "$here/ts" "$project/ts"
cd "$project"
echo "packaging: npm install $tarball and the bundlers in $project"
npm install --no-audit --no-fund --loglevel=error "./$tarball"

build() {
  local name=$1
  shift
  echo "packaging: $name: $*"
  "$@"
  [ -f "out-$name/index.html" ] || cp index.html "out-$name/"
}
for bundler in "${bundlers[@]}"; do
  case $bundler in
    # The Worker is a second entry where the bundler does not follow
    # `new Worker(new URL("./worker.js", import.meta.url))` itself (Vite and
    # webpack do): what their docs tell a user to do.
    esbuild) build esbuild npx esbuild main.js worker.js --bundle --format=esm --outdir=out-esbuild --log-level=warning ;;
    rollup) build rollup npx rollup main.js worker.js --format es --dir out-rollup --plugin 'node-resolve={browser:true}' --silent ;;
    bun) build bun npx bun build main.js worker.js --target browser --outdir out-bun ;;
    vite) build vite npx vite build --outDir out-vite --logLevel warn ;;
    # The dev server, not a build: started below, checked with the others.
    vite-dev) ;;
    # sessiontrail/inline, for the one output file it exists for (one for
    # the page, one for its Worker); the OTLP entry, which has no inline
    # twin, left out.
    rollup-inline)
      for f in main worker; do
        sed -e 's|from "sessiontrail";|from "sessiontrail/inline";|' \
          -e 's|^import { toOtlpJson } from "sessiontrail/otlp";|const toOtlpJson = null;|' $f.js > $f-inline.js
        grep -q 'sessiontrail/inline' $f-inline.js
      done
      ! grep -q 'sessiontrail/otlp"' main-inline.js
      build rollup-inline npx rollup main-inline.js --format es --file out-rollup-inline/main.js \
        --plugin 'node-resolve={browser:true}' --silent
      npx rollup worker-inline.js --format es --file out-rollup-inline/worker.js \
        --plugin 'node-resolve={browser:true}' --silent
      [ "$(ls out-rollup-inline)" = "$(printf 'index.html\nmain.js\nworker.js')" ] \
        || { echo "packaging: rollup-inline made more than one file each: $(ls out-rollup-inline)" >&2; exit 1; }
      ;;
    webpack) build webpack npx webpack --entry ./main.js --output-path out-webpack --mode production --no-stats ;;
    *) echo "packaging: unknown bundler $bundler" >&2; exit 2 ;;
  esac
done

# Vite's dev server (`npx vite`), which serves the sources and the
# package pre-bundled by its dependency optimizer, not a build.
vite_dev_url=
if [[ " ${bundlers[*]} " == *" vite-dev "* ]]; then
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  echo "packaging: vite-dev: npx vite --port $port"
  npx vite --host 127.0.0.1 --port "$port" --strictPort --logLevel warn > vite-dev.log 2>&1 &
  vite_pid=$!
  trap 'kill "$vite_pid" 2>/dev/null || true' EXIT
  vite_dev_url="http://127.0.0.1:$port/"
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$vite_dev_url" 2>/dev/null && break
    kill -0 "$vite_pid" 2>/dev/null || { cat vite-dev.log >&2; exit 1; }
    sleep 0.1
  done
fi

SESSIONTRAIL_PACKAGING_DIR=$project BUNDLERS="${bundlers[*]}" VITE_DEV_URL=$vite_dev_url \
  node --test --test-reporter=spec "$here/check.test.mjs"
if [ -n "$vite_dev_url" ]; then
  kill "$vite_pid"
  wait "$vite_pid" 2>/dev/null || true
  trap - EXIT
fi

# tsc: one folder per case, each with its tsconfig.json and its source.
tscheck() {
  local name=$1 module=$2 specifier=$3 source=$4 lib=$5 types=$6
  mkdir -p "ts/$name"
  sed "s|SPECIFIER|$specifier|" "ts/$source" > "ts/$name/app.ts"
  cat > "ts/$name/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "module": "$module", "moduleResolution": "$( [ "$module" = esnext ] && echo bundler || echo "$module")",
    "target": "es2022", "lib": $lib, "types": $types,
    "strict": true, "noEmit": true, "skipLibCheck": false
  },
  "files": ["app.ts"]
}
JSON
  echo "packaging: tsc $name"
  npx tsc -p "ts/$name"
}
tscheck node16 node16 sessiontrail node-app.ts '["es2022"]' '["node"]'
tscheck nodenext nodenext sessiontrail node-app.ts '["es2022"]' '["node"]'
tscheck bundler-node esnext sessiontrail/node node-app.ts '["es2022"]' '["node"]'
tscheck bundler-browser esnext sessiontrail browser-app.ts '["es2022", "dom"]' '[]'

# The README's Node example in each runtime, with its session directory
# from the command line; then whether the log locks (koffi's flock).
node -e '
  const fs = require("fs");
  const readme = fs.readFileSync("node_modules/sessiontrail/README.md", "utf8");
  const node = readme.slice(readme.indexOf("## Node"));
  const code = node.slice(node.indexOf("```js\n") + 6, node.indexOf("\n```", node.indexOf("```js\n")));
  if (!code.includes("EventLog.open(\"/tmp/session-1\")")) throw new Error("the README example changed: update run.sh");
  fs.writeFileSync("example.mjs", code.replace("\"/tmp/session-1\"", "process.argv[2]"));
  fs.writeFileSync("locking.mjs",
    "import { EventLog } from \"sessiontrail\";\nconsole.log(EventLog.open(process.argv[2]).locking);\n");
'
sessions=$(mktemp -d)
trap 'rm -rf "$sessions"' EXIT
deno_flags=(--allow-read --allow-write --allow-ffi --allow-sys)
node example.mjs "$sessions/node" > example-node.txt
for runtime in bun deno; do
  case $runtime in
    bun) run=(npx bun) ;;
    deno) run=(npx deno run "${deno_flags[@]}") ;;
  esac
  echo "packaging: the README's Node example under $runtime: ${run[*]} example.mjs"
  "${run[@]}" example.mjs "$sessions/$runtime" > "example-$runtime.txt"
  diff -u example-node.txt "example-$runtime.txt" \
    || { echo "packaging: $runtime printed something else than Node" >&2; exit 1; }
  locking=$("${run[@]}" locking.mjs "$sessions/$runtime")
  [ "$locking" = flock ] || { echo "packaging: $runtime: log.locking is '$locking', not flock" >&2; exit 1; }
done
# A one-file Node bundle (a hook script), in a folder of its own, with
# esbuild's default format for Node (CommonJS): the .wasm comes from its
# inlined copy; koffi, a native module, stays external (the one flag the
# README names).
cat > hook.mjs <<'JS'
import { EventLog } from "sessiontrail";
const log = EventLog.open(process.argv[2]);
const stored = log.appendSync({
  type: "agent.note", text: "from a bundle", session_id: "ssn_hook", agent_id: "agent://hook",
  agent_instance_id: "ai_hook", agent_name: "hook", host_id: "node",
});
console.log(stored.sequence_no, log.locking, log.readAllSync().length);
log.close();
JS
mkdir -p out-node
echo "packaging: esbuild hook.mjs --bundle --platform=node --external:koffi"
npx esbuild hook.mjs --bundle --platform=node --external:koffi --outfile=out-node/hook.cjs --log-level=warning
ls out-node | grep -q '\.wasm$' && { echo "packaging: esbuild copied a .wasm; the test proves nothing" >&2; exit 1; }
bundled=$(node out-node/hook.cjs "$sessions/bundle"; node out-node/hook.cjs "$sessions/bundle")
[ "$bundled" = "$(printf '0 flock 1\n1 flock 2')" ] \
  || { echo "packaging: the Node bundle printed: $bundled" >&2; exit 1; }
# The same hook as an ES module bundle (--format=esm): the package's Node
# code is CommonJS, whose require() of node builtins and koffi esbuild
# cannot turn into imports, so the bundle is given a require of its own,
# the one line the README names. Without it: "Dynamic require of
# "node:fs" is not supported".
banner="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
grep -qF "$banner" node_modules/sessiontrail/README.md \
  || { echo "packaging: the npm README does not give the ESM bundle's banner line" >&2; exit 1; }
echo "packaging: esbuild hook.mjs --bundle --platform=node --format=esm --external:koffi --banner:js=..."
npx esbuild hook.mjs --bundle --platform=node --format=esm --external:koffi "--banner:js=$banner" \
  --outfile=out-node/hook.mjs --log-level=warning
bundled=$(node out-node/hook.mjs "$sessions/bundle-esm"; node out-node/hook.mjs "$sessions/bundle-esm")
[ "$bundled" = "$(printf '0 flock 1\n1 flock 2')" ] \
  || { echo "packaging: the ESM Node bundle printed: $bundled" >&2; exit 1; }
grep -qx '0 1 2' example-node.txt || { echo "packaging: the example printed:" >&2; cat example-node.txt >&2; exit 1; }

# --omit=optional: the install succeeds with no script run (koffi itself is
# optional, so neither it nor its binary package is installed, and its
# install script never tries to build from source), and EventLog.open then
# refuses with LOCK_UNSUPPORTED, saying how to fix it.
omit="$root/target/packaging/omit-optional"
rm -rf "$omit"
mkdir -p "$omit"
cp "$tarball" "$omit/"
printf '{ "private": true }\n' > "$omit/package.json"
echo "packaging: npm install --omit=optional $tarball"
(cd "$omit" && npm install --no-audit --no-fund --loglevel=error --omit=optional "./$tarball")
[ ! -e "$omit/node_modules/koffi" ] || { echo "packaging: --omit=optional still installed koffi" >&2; exit 1; }
(cd "$omit" && node -e '
  const { EventLog } = require("sessiontrail");
  try {
    EventLog.open(process.argv[1]);
  } catch (e) {
    if (e.code !== "LOCK_UNSUPPORTED" || !/--omit=optional/.test(e.message) || !/lock: "none"/.test(e.message)) throw e;
    console.log("packaging: --omit=optional: EventLog.open refuses with LOCK_UNSUPPORTED and says how to fix it");
    process.exit(0);
  }
  throw new Error("EventLog.open succeeded without koffi");
' "$sessions/omit")
echo "packaging: every build ran in Chromium, every tsc case passed, Bun and Deno ran the Node example, --omit=optional installs"
