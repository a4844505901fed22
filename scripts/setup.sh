#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh machine, and nothing
# that is already there: the wasm target, wasm-bindgen-cli at exactly the
# version Cargo.lock pins, rustfmt and clippy, Debian's Chromium with its
# ChromeDriver for the browser tests, and Python's venv for the wheel. Safe to run again; `make test` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding $component"
    rustup component add "$component"
  fi
done

# The CLI must equal the wasm-bindgen crate version in Cargo.lock, or the
# generated glue and the wasm disagree. `--locked` pins the CLI's own
# dependencies; some registry mirrors lack one of them, so fall back to an
# unlocked install there.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes"
  cargo install wasm-bindgen-cli --version "=$want" --locked ||
    cargo install wasm-bindgen-cli --version "=$want"
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
fi

# The Python package's build and test environments are venvs that make
# itself (scripts/python-env.sh): they need Python 3.9+ with venv and pip
# (Debian ships those apart, as python3-venv).
if ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
  say "installing Debian's python3 and python3-venv"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv
fi

say "ok: $(wasm-bindgen --version), $(/usr/bin/chromium --version 2>/dev/null | head -n1), node $(node --version)"
