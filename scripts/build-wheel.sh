#!/usr/bin/env bash
# Why this exists: `make wheel`. Builds the `sessiontrail` Python wheel (one
# abi3 wheel for CPython 3.9 and newer) from crates/sessiontrail-py with
# maturin, into target/wheels/, and prints its path. The wheel is what
# `pip install` installs; scripts/test-py.sh tests exactly that file.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(bash scripts/python-env.sh)
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
rm -f target/wheels/sessiontrail-"$version"-*.whl
"$tools/bin/maturin" build --quiet --release -m crates/sessiontrail-py/Cargo.toml -o target/wheels >&2
ls target/wheels/sessiontrail-"$version"-cp39-abi3-*.whl
