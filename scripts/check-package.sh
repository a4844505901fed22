#!/usr/bin/env bash
# Why this exists: the root of the repository is both the `sessiontrail`
# crate and everything else (the npm package's sources, the pages, the
# workspace's tests, crates/), so what `cargo publish` would ship is decided
# by the `include` list in Cargo.toml. This fails when the packaged crate
# holds anything but its sources, its README, LICENSE and CHANGELOG, or
# lacks one of those, and when the core depends on what only the command
# line needs (an HTTP server or client, clap), whatever features are on.
# (sha2 left this list with issue 22: the core's Merkle tree hashes with it.)
# Part of `make lint`.
set -euo pipefail
cd "$(dirname "$0")/.."

list=$(cargo package -p sessiontrail --list --allow-dirty --quiet)
# What cargo itself adds: the normalized manifest, the original, the lock
# file and the VCS note.
extra=$(printf '%s\n' "$list" | grep -vxE 'src/.+\.rs|src/README\.md|LICENSE|CHANGELOG\.md|Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|\.cargo_vcs_info\.json' || true)
if [ -n "$extra" ]; then
  echo "check-package: the sessiontrail crate would ship files it should not:" >&2
  printf '  %s\n' $extra >&2
  exit 1
fi
for needed in src/lib.rs src/README.md LICENSE CHANGELOG.md; do
  printf '%s\n' "$list" | grep -qx "$needed" || {
    echo "check-package: the sessiontrail crate would not ship $needed" >&2
    exit 1
  }
done
heavy=$(cargo tree -p sessiontrail -e normal --all-features --target all --prefix none --quiet |
  grep -E '^(hyper|hyper-util|tokio|ureq|clap) ' | sort -u || true)
if [ -n "$heavy" ]; then
  echo "check-package: the sessiontrail crate depends on what only the CLI needs:" >&2
  printf '  %s\n' "$heavy" >&2
  exit 1
fi
echo "check-package: ok ($(printf '%s\n' "$list" | wc -l) files)"
