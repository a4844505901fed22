#!/usr/bin/env bash
# Why this exists: the wasm32 test suites need a runner that cargo does not
# know about. wasm-bindgen-test-runner (installed with wasm-bindgen-cli, the
# version Cargo.lock pins) runs crates/sessiontrail-wasm/tests/wasm_node.rs under
# Node and wasm_browser.rs in headless Chromium through ChromeDriver; both run
# the scenarios of its tests/wasm_common/ against the exported EventLog.
#
#   scripts/test-wasm.sh            both suites
#   scripts/test-wasm.sh node       Node only
#   scripts/test-wasm.sh browser    headless Chromium only
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# The runner's defaults (20 s a run, 5 s for ChromeDriver to start) are
# tight on a loaded 2-core CI machine; these only bound a hang.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-60}"

which=${1:-all}
case "$which" in
  node | browser | all) ;;
  *) echo "usage: scripts/test-wasm.sh [node|browser]" >&2; exit 2 ;;
esac

if [ "$which" != browser ]; then
  cargo test -p sessiontrail-wasm --target wasm32-unknown-unknown --test wasm_node
fi
if [ "$which" != node ]; then
  if [ ! -x "$CHROMEDRIVER" ]; then
    echo "test-wasm: no ChromeDriver at $CHROMEDRIVER (scripts/setup.sh installs Debian's)" >&2
    exit 1
  fi
  cargo test -p sessiontrail-wasm --target wasm32-unknown-unknown --test wasm_browser
fi
