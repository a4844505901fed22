#!/usr/bin/env bash
# The npm package built from two revisions, measured against each other in
# one run: each round runs scripts/bench-ab.mjs once with each build, in
# alternating order, and the medians and the new/old ratios are printed.
# What changes in a rewrite of the core (issue 9: one codec) must not make
# Node's appends slower; this says so with both builds on the same machine
# at the same minutes.
#
#   scripts/bench-ab.sh OLD_REV [ROUNDS]    (default 9 rounds; BENCH_N events)
#
# The old revision is built in a temporary git worktree (wasm-bindgen and the
# wasm target must be installed: scripts/setup.sh); the new one is the work
# tree, built by scripts/build-pkg.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
old_rev=${1:?usage: scripts/bench-ab.sh OLD_REV [ROUNDS]}
rounds=${2:-9}
work=$(mktemp -d "${TMPDIR:-/tmp}/sessionlog-ab.XXXXXX")
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
  cp "$repo/scripts/bench-ab.mjs" "$work/$side/"
  echo "bench-ab: $side = $( [ "$side" = old ] && git -C "$repo" rev-parse --short "$old_rev" || echo "work tree $(git -C "$repo" rev-parse --short HEAD)" ), .wasm $(gzip -9c "$work/$side/node_modules/sessionlog/node/sessionlog_bg.wasm" | wc -c) bytes gzipped"
done

for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for side in $order; do
    (cd "$work/$side" && node bench-ab.mjs) | sed "s/^/$side /" >> "$work/results"
  done
done

node - "$work/results" <<'JS'
const fs = require("node:fs");
const rows = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").map((l) => {
  const [side, json] = [l.slice(0, 3), l.slice(4)];
  return { side, ...JSON.parse(json) };
});
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
console.log(`uptime: ${require("node:os").loadavg().map((x) => x.toFixed(2)).join(", ")}`);
console.log("events/s, median of rounds   old          new          new/old");
for (const key of ["appendSync", "batch16", "readAllSync"]) {
  const old = median(rows.filter((r) => r.side === "old").map((r) => r[key]));
  const neu = median(rows.filter((r) => r.side === "new").map((r) => r[key]));
  console.log(`${key.padEnd(28)} ${old.toFixed(0).padStart(10)}   ${neu.toFixed(0).padStart(10)}   ${(neu / old).toFixed(2)}x`);
}
JS
