#!/usr/bin/env bash
# The npm package built from two revisions, measured against each other in
# one run: scripts/bench-ab.mjs loads both builds into one Node process and
# does the same work with each in small alternating slices, ROUNDS times.
# What changes in a rewrite of the core (issue 9: one codec) must not make
# Node's appends slower; this says so with both builds on the same machine
# at the same moments (separate processes a minute apart differ by a third
# here on their own).
#
#   scripts/bench-ab.sh OLD_REV [ROUNDS]    (default 3 rounds)
#
# The old revision is built in a temporary git worktree (wasm-bindgen and the
# wasm target must be installed: scripts/setup.sh); the new one is the work
# tree, built by scripts/build-pkg.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
old_rev=${1:?usage: scripts/bench-ab.sh OLD_REV [ROUNDS]}
rounds=${2:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/sessiontrail-ab.XXXXXX")
cleanup() {
  git -C "$repo" worktree remove --force "$work/old-tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$repo" worktree add --detach "$work/old-tree" "$old_rev" >/dev/null
for side in old new; do
  tree=$repo
  [ "$side" = old ] && tree=$work/old-tree
  (cd "$tree" && bash scripts/build-pkg.sh >/dev/null)
  tarball=$(cd "$tree/pkg" && npm pack --silent --pack-destination "$work" | tail -n1)
  mv "$work/$tarball" "$work/$side.tgz"
  mkdir "$work/$side"
  printf '{ "private": true, "type": "module" }\n' > "$work/$side/package.json"
  (cd "$work/$side" && npm install --silent --no-audit --no-fund --no-package-lock "$work/$side.tgz")
  echo "bench-ab: $side = $( [ "$side" = old ] && git -C "$repo" rev-parse --short "$old_rev" || echo "work tree $(git -C "$repo" rev-parse --short HEAD)" ), .wasm $(gzip -9c "$work/$side/node_modules/sessiontrail/node/sessiontrail_bg.wasm" | wc -c) bytes gzipped"
done

cp "$repo/scripts/bench-ab.mjs" "$work/"
for _ in $(seq 1 "$rounds"); do
  node "$work/bench-ab.mjs" "$work/old" "$work/new"
done
