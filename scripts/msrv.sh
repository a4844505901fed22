#!/usr/bin/env bash
# Why this exists: each crate of the workspace declares the oldest Rust it
# builds with (`rust-version`), and a declaration nobody checks drifts. This
# builds every published-side crate with exactly the toolchain it declares
# (installing it with rustup when missing, about a minute each), the wasm
# crates for wasm32-unknown-unknown, the others natively. `make msrv`; part of
# `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'msrv: %s\n' "$*"; }

# name, rust-version and the target to check it for, from cargo's metadata.
cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["rust_version"]:
        wasm = ("sessiontrail-wasm", "sessiontrail-otlp-wasm")
        target = "wasm32-unknown-unknown" if p["name"] in wasm else ""
        print(p["name"], p["rust_version"], target)
' | while read -r name version target; do
  if ! rustup toolchain list | grep -q "^$version-"; then
    say "installing Rust $version"
    rustup toolchain install "$version" --profile minimal
  fi
  flags=()
  if [ -n "$target" ]; then
    if ! rustup target list --installed --toolchain "$version" | grep -qx "$target"; then
      rustup target add "$target" --toolchain "$version"
    fi
    flags=(--target "$target")
  fi
  say "$name declares Rust $version: cargo +$version check -p $name ${flags[*]}"
  # Its own target directory: another toolchain's artifacts would make the
  # next ordinary build start over.
  CARGO_TARGET_DIR=target/msrv cargo "+$version" check --quiet -p "$name" "${flags[@]}"
done
say "ok"
