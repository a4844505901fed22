#!/usr/bin/env bash
# `make demo`: one session recorded by three writers taking turns (the Rust
# crate, the native CLI as an agent hook would call it, and a Node agent
# through the npm package), then read back by the CLI and by Node, and
# checked. Everything goes to a scratch directory that is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=$(mktemp -d "${TMPDIR:-/tmp}/sessiontrail-demo.XXXXXX")
dir="$scratch/session"
cli=target/release/sessiontrail

echo "== session directory: $dir"
echo
echo "== 1. a Rust agent records through the crate"
cargo run --quiet --release -p sessiontrail --example record_session -- "$dir"

echo
echo "== 2. hooks record tool calls through the CLI (one process each)"
common='"session_id":"ssn_demo","agent_id":"agent://demo-cli","agent_instance_id":"ai_rust_1","agent_name":"rust-agent","host_id":"host_demo"'
"$cli" append "$dir" "{\"type\":\"agent.called_tool\",\"tool_name\":\"bash\",\"duration_ms\":312,$common}" >/dev/null
"$cli" append "$dir" "{\"type\":\"agent.wrote_file\",\"file_path\":\"src/parser.rs\",\"operation\":\"modified\",\"additions\":12,\"deletions\":3,$common}" >/dev/null
echo "cli appended 2 events"
echo
echo "   a bad event is refused with a message, and nothing is written:"
"$cli" append "$dir" "{\"type\":\"agent.opened_port\",\"port\":70000,$common}" || true

if [ -f pkg/package.json ]; then
  echo
  echo "== 3. a Node agent records through the npm package (pkg/, packed and installed as a user gets it)"
  app="$scratch/node-agent"
  mkdir "$app"
  printf '{ "private": true }\n' > "$app/package.json"
  tarball=$(cd pkg && npm pack --silent --pack-destination "$scratch" | tail -n1)
  (cd "$app" && npm install --silent --no-audit --no-fund --no-package-lock "$scratch/$tarball")
  cp scripts/demo-node.cjs "$app/"
  node "$app/demo-node.cjs" "$dir"
fi

echo
echo "== the timeline (sessiontrail cat --pretty)"
"$cli" cat "$dir" --pretty
echo
echo "== the integrity report (sessiontrail check)"
"$cli" check "$dir"
echo
echo "== watch it in a browser (live while writers append; Ctrl-C stops):"
echo "   $cli view $dir"
