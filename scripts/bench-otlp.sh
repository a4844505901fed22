#!/usr/bin/env bash
# Benchmarks `sessionlog otlp`: events shipped per second from one large
# session, to a file of OTLP/JSON lines (--output) and to rotel, a real
# OpenTelemetry receiver (blackhole exporter, no debug printing), each
# against `sessionlog cat` of the same session in the same run (reading and
# re-serializing every event: the floor any shipper pays). Target: at least
# 50,000 events/s. Figures go in BENCHMARKS.md ("OTLP export").
#
#   bash scripts/bench-otlp.sh [EVENTS]     (default 200000; needs target/release/sessionlog)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-200000}
RUNS=${RUNS:-3}
CLI=target/release/sessionlog
[ -x "$CLI" ] || { echo "bench-otlp: build the CLI first: cargo build --release --bin sessionlog" >&2; exit 1; }
bash scripts/fetch-rotel.sh
WORK=$(mktemp -d "${SESSIONLOG_BENCH_DIR:-${TMPDIR:-/tmp}}/sessionlog-bench-otlp.XXXXXX")
ROTEL_PID=
cleanup() { [ -n "$ROTEL_PID" ] && kill "$ROTEL_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
SESSION=$WORK/session

# One session of N events: agents that start, call tools, decide, run
# processes and complete, so that a third of the events end a span.
python3 - "$N" <<'PY' | "$CLI" append "$SESSION" >/dev/null
import json, sys
n = int(sys.argv[1])
trace = "4bf92f3577b34da6a3ce929d0e0e4736"
common = {"session_id": "ssn_bench", "agent_id": "agent://claude-code", "agent_role": "coder",
          "host_id": "host_bench", "trace_id": trace}
cycle = [
    ("agent.started", {}),
    ("agent.called_tool", {"tool_name": "Bash", "tool_input_digest": "sha256:" + "a" * 64, "duration_ms": 42}),
    ("agent.read_file", {"file_path": "src/main.rs", "digest": "sha256:" + "b" * 64}),
    ("agent.decision", {"model": "claude-sonnet-4", "provider": "anthropic", "tokens_in": 1200, "tokens_out": 340}),
    ("agent.started_process", {"process_name": "cargo", "pid": 4242, "command": "cargo test"}),
    ("agent.completed_process", {"process_name": "cargo", "exit_code": 0, "duration_ms": 900}),
    ("agent.note", {"text": "ran the tests"}),
    ("agent.wrote_file", {"file_path": "src/lib.rs", "operation": "modified", "additions": 3, "deletions": 1}),
    ("agent.completed", {"termination_reason": "done"}),
]
out = sys.stdout
for i in range(n):
    kind, fields = cycle[i % len(cycle)]
    agent = i // len(cycle)
    event = dict(common, type=kind, agent_instance_id=f"ai_{agent}", agent_name=f"agent-{agent % 7}",
                 span_id=f"{i + 1:016x}", meta={"turn": i, "tags": ["bench"]}, **fields)
    out.write(json.dumps(event))
    out.write("\n")
PY
EVENTS=$(wc -l < "$SESSION/events.jsonl")
BYTES=$(stat -c %s "$SESSION/events.jsonl")

now() { date +%s%N; }
rate() { python3 -c "import sys; print(f'{$EVENTS / (($2 - $1) / 1e9):,.0f}')"; }
best() { sort -n | head -n1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); GRPC=$(free_port)
target/rotel/rotel-agent start --exporter blackhole \
  --otlp-http-endpoint "127.0.0.1:$PORT" --otlp-grpc-endpoint "127.0.0.1:$GRPC" \
  --pid-file "$WORK/rotel.pid" --log-file "$WORK/rotel.log" >"$WORK/rotel.out" 2>&1 &
ROTEL_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

declare -a CAT FILE HTTP
for run in $(seq "$RUNS"); do
  t0=$(now); "$CLI" cat "$SESSION" >/dev/null; t1=$(now); CAT+=($((t1 - t0)))
  rm -f "$SESSION"/events.jsonl.otlp-cursor-* "$WORK/out.jsonl"
  t0=$(now); "$CLI" otlp "$SESSION" --output "$WORK/out.jsonl" >/dev/null; t1=$(now); FILE+=($((t1 - t0)))
  rm -f "$SESSION"/events.jsonl.otlp-cursor-*
  t0=$(now); "$CLI" otlp "$SESSION" --endpoint "http://127.0.0.1:$PORT" >/dev/null; t1=$(now); HTTP+=($((t1 - t0)))
done
if grep -q "Failed to decode" "$WORK/rotel.out"; then
  echo "bench-otlp: rotel refused a request:" >&2; cat "$WORK/rotel.out" >&2; exit 1
fi
OUT_BYTES=$(stat -c %s "$WORK/out.jsonl")
cat_ns=$(printf '%s\n' "${CAT[@]}" | best)
file_ns=$(printf '%s\n' "${FILE[@]}" | best)
http_ns=$(printf '%s\n' "${HTTP[@]}" | best)
echo "session: $EVENTS events, $BYTES bytes of events.jsonl; OTLP/JSON written: $OUT_BYTES bytes"
echo "best of $RUNS runs (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-34s %14s %12s %10s\n' "" "events/s" "seconds" "vs cat"
printf '%-34s %14s %12s %10s\n' "sessionlog cat (read + serialize)" "$(rate 0 "$cat_ns")" "$(python3 -c "print(f'{$cat_ns/1e9:.2f}')")" "1.00"
printf '%-34s %14s %12s %10s\n' "sessionlog otlp --output FILE" "$(rate 0 "$file_ns")" "$(python3 -c "print(f'{$file_ns/1e9:.2f}')")" "$(python3 -c "print(f'{$cat_ns/$file_ns:.2f}')")"
printf '%-34s %14s %12s %10s\n' "sessionlog otlp --endpoint (rotel)" "$(rate 0 "$http_ns")" "$(python3 -c "print(f'{$http_ns/1e9:.2f}')")" "$(python3 -c "print(f'{$cat_ns/$http_ns:.2f}')")"
