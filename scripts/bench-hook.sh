#!/usr/bin/env bash
# Times one `sessiontrail hook claude-code` process from spawn to exit against
# `true` and `sessiontrail append` (median and p99; examples/bench_hook.rs says
# how). Part of `make bench`; the figures go to docs/benchmarks.md.
# Arguments pass through: --runs N (default 2000), --json PATH, --baseline
# PATH (another build of sessiontrail, whose hook runs interleaved).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p sessiontrail-cli --bin sessiontrail --example bench_hook
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
target/release/examples/bench_hook --bin target/release/sessiontrail "$@"
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
