#!/usr/bin/env bash
# Why this exists: the Python package must be tested as a user gets it.
# This builds the wheel (scripts/build-wheel.sh), installs that file into a
# fresh venv (target/py/test-venv, remade each run, with pytest and the
# openai-agents extra from PyPI),
# installs the packed npm package into an empty folder for the tests'
# Node writer, and runs crates/sessiontrail-py/tests with that venv's
# Python, from outside the source tree, so `import sessiontrail` can only
# find the installed wheel.
#
#   scripts/test-py.sh              build the wheel, install, test
#   scripts/test-py.sh bench        the same install, then the benchmark
#
# Needs target/release/sessiontrail and pkg/ (make cli pkg; `make test-py`
# builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
mode=${1:-test}
case "$mode" in test | bench) ;; *) echo "usage: scripts/test-py.sh [bench]" >&2; exit 2 ;; esac

cli="$repo/target/release/sessiontrail"
[ -x "$cli" ] || { echo "test-py: no $cli; run make cli" >&2; exit 1; }
[ -f "$repo/pkg/package.json" ] || { echo "test-py: no pkg/; run make pkg" >&2; exit 1; }

tools=$(bash scripts/python-env.sh)
wheel=$(bash scripts/build-wheel.sh)
venv="$repo/target/py/test-venv"
rm -rf "$venv"
python3 -m venv "$venv"
pytest_pin=$(awk '{ print $2 }' "$tools/.pins")
# The wheel with its openai-agents extra, as `pip install
# 'sessiontrail[openai-agents]'` would; the SDK pinned to the version the
# integration is tested with; mypy for the stubs (test_types.py).
"$venv/bin/pip" install --quiet --disable-pip-version-check "$pytest_pin" "$wheel[openai-agents]" openai-agents==0.25.0 mypy==1.13.0
echo "test-py: installed $(basename "$wheel") ($(wc -c < "$wheel") bytes) into $venv"

work=$(mktemp -d "${TMPDIR:-/tmp}/sessiontrail-py.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$repo/pkg" && npm pack --silent --pack-destination "$work" | tail -n1)
mkdir "$work/node-app"
printf '{ "private": true }\n' > "$work/node-app/package.json"
(cd "$work/node-app" && npm install --silent --no-audit --no-fund --no-package-lock "$work/$tarball")

cp -R crates/sessiontrail-py/tests "$work/tests"
cp README.md "$work/tests/README.md"
cd "$work/tests"
export SESSIONTRAIL_CLI="$cli"
export SESSIONTRAIL_NODE_APP="$work/node-app"
if [ "$mode" = bench ]; then
  "$venv/bin/python" bench.py
else
  "$venv/bin/python" -m pytest -q -p no:cacheprovider
fi
