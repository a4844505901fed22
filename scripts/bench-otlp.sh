#!/usr/bin/env bash
# Benchmarks `sessiontrail otlp`: events shipped per second from one large
# session, to files of OTLP/JSON lines (--output DIR) and to rotel, a real
# OpenTelemetry receiver (blackhole exporter, no debug printing), each
# against `sessiontrail cat` of the same session in the same run (reading and
# re-serializing every event: the floor any shipper pays). Target: at least
# 50,000 events/s. Figures go in docs/benchmarks.md.
#
#   bash scripts/bench-otlp.sh [EVENTS]     (default 200000; needs target/release/sessiontrail)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-200000}
RUNS=${RUNS:-3}
CLI=target/release/sessiontrail
[ -x "$CLI" ] || { echo "bench-otlp: build the CLI first: cargo build --release -p sessiontrail-cli" >&2; exit 1; }
bash scripts/fetch-rotel.sh
WORK=$(mktemp -d "${SESSIONTRAIL_BENCH_DIR:-${TMPDIR:-/tmp}}/sessiontrail-bench-otlp.XXXXXX")
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

TICK=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); GRPC=$(free_port)
target/rotel/rotel-agent start --exporter blackhole \
  --otlp-http-endpoint "127.0.0.1:$PORT" --otlp-grpc-endpoint "127.0.0.1:$GRPC" \
  --pid-file "$WORK/rotel.pid" --log-file "$WORK/rotel.log" >"$WORK/rotel.out" 2>&1 &
ROTEL_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
# rotel's CPU seconds so far (user + system), from /proc.
rotel_cpu() { awk -v t="$TICK" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$ROTEL_PID/stat"; }

# One timed run: "wall user+sys" in seconds (bash's time keyword).
measure() {
  local TIMEFORMAT='%R %U %S'
  { time "$@" >/dev/null; } 2>&1 | tail -n1 | awk '{ printf "%s %.3f", $1, $2 + $3 }'
}

declare -a CAT FILE HTTP
ROTEL_CPU=()
for run in $(seq "$RUNS"); do
  CAT+=("$(measure "$CLI" cat "$SESSION")")
  rm -rf "$SESSION"/events.jsonl.otlp-cursor-* "$WORK/out"
  FILE+=("$(measure "$CLI" otlp "$SESSION" --output "$WORK/out")")
  rm -f "$SESSION"/events.jsonl.otlp-cursor-*
  before=$(rotel_cpu)
  HTTP+=("$(measure "$CLI" otlp "$SESSION" --endpoint "http://127.0.0.1:$PORT")")
  ROTEL_CPU+=("$(python3 -c "print(f'{$(rotel_cpu) - $before:.3f}')")")
done
if grep -q "Failed to decode" "$WORK/rotel.out"; then
  echo "bench-otlp: rotel refused a request:" >&2; cat "$WORK/rotel.out" >&2; exit 1
fi
OUT_BYTES=$(cat "$WORK/out/traces.jsonl" "$WORK/out/logs.jsonl" | wc -c)

python3 - "$EVENTS" "$BYTES" "$OUT_BYTES" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "${CAT[*]}" "${FILE[*]}" "${HTTP[*]}" "${ROTEL_CPU[*]}" <<'PY'
import sys
events, size, out_bytes, runs, load = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def pairs(arg):
    xs = [float(x) for x in arg.split()]
    return [(xs[i], xs[i + 1]) for i in range(0, len(xs), 2)]
cat, file, http = pairs(sys.argv[6]), pairs(sys.argv[7]), pairs(sys.argv[8])
rotel = [float(x) for x in sys.argv[9].split()]
best = lambda runs: min(runs)  # the fastest wall time, with its CPU
c, f, h = best(cat), best(file), best(http)
r = rotel[http.index(h)]
print(f"session: {events:,} events, {size:,} bytes of events.jsonl; {out_bytes:,} bytes of OTLP/JSON")
print(f"best of {runs} runs; load average (1, 5, 15 min) at the end: {load}")
print(f"{'':36} {'events/s':>10} {'wall s':>8} {'CPU s':>7} {'vs cat':>7}")
for name, (wall, cpu) in [("sessiontrail cat (read + serialize)", c), ("sessiontrail otlp --output DIR", f),
                          ("sessiontrail otlp --endpoint (rotel)", h)]:
    print(f"{name:36} {events / wall:>10,.0f} {wall:>8.2f} {cpu:>7.2f} {c[0] / wall:>7.2f}")
print(f"{'  rotel decoding the same requests':36} {'':>10} {'':>8} {r:>7.2f}")
print(f"events per CPU-second: shipper {events / h[1]:,.0f}, rotel {events / r:,.0f}; "
      f"with one core each (shipping and rotel overlap), about {events / max(h[1], r):,.0f} events/s")
PY
