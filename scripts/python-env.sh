#!/usr/bin/env bash
# Why this exists: the Python package is built and tested with tools from
# PyPI (maturin, pytest) that a fresh machine does not have, and must not be
# installed into the system's Python. This makes the venv that holds them,
# target/py/tools, once (again when the pinned versions change), and prints
# its path. Used by scripts/build-wheel.sh and scripts/test-py.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: the wheel's build and the test run are the same on every machine.
MATURIN=maturin==1.16.0
PYTEST=pytest==9.2.0
TOOLS=target/py/tools
want="$MATURIN $PYTEST"

if [ "$(cat "$TOOLS/.pins" 2>/dev/null || true)" != "$want" ]; then
  rm -rf "$TOOLS"
  mkdir -p target/py
  python3 -m venv "$TOOLS" >&2
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check $want >&2
  echo "$want" > "$TOOLS/.pins"
fi
echo "$TOOLS"
