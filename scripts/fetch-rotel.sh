#!/usr/bin/env bash
# Fetches rotel, a Rust OpenTelemetry collector, for the OTLP receiver tests
# (tests/otlp_receiver.rs): a real receiver that decodes OTLP/HTTP JSON
# strictly and prints what it decoded. It is published on PyPI as a wheel
# holding a static binary; pip downloads the wheel (nothing is installed
# into Python) and the binary is unzipped into target/rotel/, outside the
# tracked files. Safe to run again: a binary already there is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.0.1a15
DIR=target/rotel
BIN=$DIR/rotel-agent

if [ -x "$BIN" ] && "$BIN" version >/dev/null 2>&1; then
  exit 0
fi
case "$(uname -sm)" in
  "Linux x86_64") ;;
  *) echo "fetch-rotel: the rotel wheel used by the tests is for Linux x86_64; this is $(uname -sm)" >&2; exit 1 ;;
esac
PIP=$(command -v pip3 || command -v pip || true)
if [ -z "$PIP" ]; then
  echo "fetch-rotel: installing Debian's python3-pip to download rotel from PyPI"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip
  PIP=$(command -v pip3)
fi
mkdir -p "$DIR"
echo "fetch-rotel: downloading rotel==$VERSION from PyPI"
"$PIP" download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_34_x86_64 -d "$DIR" "rotel==$VERSION"
WHEEL=$(ls "$DIR"/rotel-"$VERSION"-*.whl | head -n1)
# A wheel is a zip file; Python reads it where unzip is missing.
python3 - "$WHEEL" "$BIN" <<'PY'
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z, open(out + ".tmp", "wb") as f:
    f.write(z.read("rotel/rotel-agent"))
os.chmod(out + ".tmp", 0o755)
os.replace(out + ".tmp", out)
PY
echo "fetch-rotel: $("$BIN" version 2>&1 | head -n1) at $BIN"
