#!/usr/bin/env bash
# Library lines of the crate: non-blank lines of src/ without src/bin/ and
# without test modules (files named tests.rs, fuzz.rs or oracle.rs, and a
# `#[cfg(test)] mod tests { ... }` block, which this code base keeps at the
# end of a file). The figures issue 9 set targets in.
#
#   scripts/count-lines.sh [REV]     a git revision, or the work tree
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-}
files() {
  if [ -z "$rev" ]; then find src -name '*.rs' -not -path 'src/bin/*'
  else git ls-tree -r --name-only "$rev" src | grep '\.rs$' | grep -v '^src/bin/'; fi
}
show() { if [ -z "$rev" ]; then cat "$1"; else git show "$rev:$1"; fi; }
total=0
serialization=0
for f in $(files | sort); do
  case "$f" in */tests.rs | */fuzz.rs | */oracle.rs) continue ;; esac
  n=$(show "$f" | awk '
    /^#\[cfg\((all\()?test/ {
      getline next_line
      if (next_line ~ /^(pub(\(crate\))? )?mod (tests|fuzz|oracle)/) { if (next_line ~ /;$/) next; exit }
      print; print next_line; next
    }
    { print }' | grep -cv '^[[:space:]]*$' || true)
  printf '%6d %s\n' "$n" "$f"
  total=$((total + n))
  case "$f" in
    # The serialization and input code: before issue 9 event_serde.rs,
    # json.rs, json/codec.rs and input.rs; after it codec.rs, json.rs,
    # input.rs and serde_impls.rs (schema.rs is the event types, as event.rs was).
    src/event_serde.rs | src/json.rs | src/json/codec.rs | src/input.rs | src/codec.rs | src/serde_impls.rs)
      serialization=$((serialization + n)) ;;
  esac
done
printf '%6d serialization and input\n%6d total\n' "$serialization" "$total"
