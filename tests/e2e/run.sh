#!/usr/bin/env bash
# Runs the browser end-to-end tests (hosts.test.js, recorder.test.js,
# otlp.test.js) in Debian's Chromium through playwright-core. A script because
# the tests need more than `node --test`: playwright-core and Vite installed, the package's browser
# build (pkg/web, from `make pkg`), the native CLI (to check an export), and
# the recorder's static server on a free port, stopped however the run ends.
#
#   bash tests/e2e/run.sh                 # every test
#   bash tests/e2e/run.sh recorder.test.js
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "run.sh: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2; exit 1; }
{ [ -d node_modules/playwright-core ] && [ -d node_modules/vite ]; } || npm ci --no-audit --no-fund --loglevel=error
pkg_web=${SESSIONTRAIL_PKG_WEB:-$root/pkg/web}
[ -f "$pkg_web/index.js" ] && [ -f "$pkg_web/sessiontrail_bg.wasm" ] \
  || { echo "run.sh: $pkg_web is missing or incomplete: run 'make pkg' first" >&2; exit 1; }
[ -x "$root/target/release/sessiontrail" ] || (cd "$root" && cargo build --release -p sessiontrail-cli)

out=$(mktemp)
PORT=0 node "$root/www/serve.mjs" >"$out" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$out"' EXIT
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://[^ ]*' "$out" | head -n1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "run.sh: the server did not start:" >&2; cat "$out" >&2; exit 1; }
echo "run.sh: serving on $url"

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(hosts.test.js recorder.test.js otlp.test.js)
# One file at a time: two browsers at once on two cores only make both slow.
SESSIONTRAIL_E2E_URL=$url node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
