#!/usr/bin/env bash
# Why this exists: the npm package must be tested as a user gets it, not as
# it sits in pkg/. This script builds pkg/ (scripts/build-pkg.sh) and the
# native CLI, packs pkg/ with `npm pack`, installs the tarball into an empty
# temporary folder (so nothing in this repository can be resolved by
# accident), copies the tests there and runs them with node:test. The bytes
# tested are the bytes packed. A second install of the same tarball, made
# with --omit=optional, has no koffi: the lock tests check the error
# a user who installed that way gets. The mixed-writer tests also need the
# treeship-core 0.32 writer (crates/treeship-compat), built here.
#
#   tests/js/run.sh                build, pack, install, run the tests
#   tests/js/run.sh bench          the same, then run bench.mjs instead
#   SESSIONTRAIL_NO_BUILD=1 tests/js/run.sh
#                                  use the pkg/ and target/release/sessiontrail
#                                  already built (e.g. by `make`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mode=${1:-test}
# The last commit that had the JavaScript twin of the OTLP mapping.
otlp_twin_rev=a5020fc
case "$mode" in test | bench) ;; *) echo "usage: tests/js/run.sh [bench]" >&2; exit 2 ;; esac

if [ -z "${SESSIONTRAIL_NO_BUILD:-}" ]; then
  "$repo/scripts/build-pkg.sh"
  (cd "$repo" && cargo build --quiet --release -p sessiontrail-cli)
fi
cli="$repo/target/release/sessiontrail"
(cd "$repo" && cargo build --quiet -p treeship-compat --bin treeship-writer)
treeship_writer="$repo/target/debug/treeship-writer"
[ -f "$repo/pkg/package.json" ] || { echo "run.sh: no pkg/; run scripts/build-pkg.sh" >&2; exit 1; }
[ -x "$cli" ] || { echo "run.sh: no $cli; run cargo build --release -p sessiontrail-cli" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sessiontrail-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$repo/pkg" && npm pack --silent --pack-destination "$work" | tail -n1)
app="$work/app"
mkdir "$app"
cp "$here/package.json" "$app/"
(cd "$app" && npm install --silent --no-audit --no-fund --no-package-lock "$work/$tarball")
cp -R "$here"/*.mjs "$here"/*.cjs "$here/types" "$app/"
echo "run.sh: installed $tarball ($(wc -c < "$work/$tarball") bytes) into $app"
no_koffi="$work/app-no-koffi-binary"
mkdir "$no_koffi"
printf '{ "private": true }\n' > "$no_koffi/package.json"
# As a user runs it, install scripts and all: koffi is an optional
# dependency itself, so --omit=optional leaves out koffi and its binary, and
# no install script tries to build it from source.
(cd "$no_koffi" && npm install --silent --no-audit --no-fund --no-package-lock --omit=optional "$work/$tarball")
[ ! -e "$no_koffi/node_modules/koffi" ] || { echo "run.sh: --omit=optional installed koffi" >&2; exit 1; }

cd "$app"
export SESSIONTRAIL_CLI="$cli"
export SESSIONTRAIL_TREESHIP_WRITER="$treeship_writer"
export SESSIONTRAIL_APP_NO_KOFFI_BINARY="$no_koffi"
if [ "$mode" = bench ]; then
  node bench.mjs
  # toOtlp against the JavaScript twin of the mapping it replaced
  # (bindings/otlp.js, deleted after a5020fc), taken from git history when
  # there is one.
  twin="$work/otlp-js-twin.cjs"
  if git -C "$repo" cat-file -e "$otlp_twin_rev:bindings/otlp.js" 2>/dev/null; then
    { git -C "$repo" show "$otlp_twin_rev:bindings/otlp.js" | sed "s/__SESSIONTRAIL_VERSION__/$(awk -F'"' '/^version = / { print $2; exit }' "$repo/Cargo.toml")/"
      printf '\nmodule.exports = { toOtlp, OtlpMapper, otlpRequests };\n'; } > "$twin"
    export SESSIONTRAIL_OTLP_JS_TWIN="$twin"
  fi
  node otlp-bench.mjs
else
  node --test --test-concurrency=1 ./*.test.mjs ./*.test.cjs
fi
