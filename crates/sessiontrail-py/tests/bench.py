"""`make bench`'s Python figures (docs/benchmarks.md): appends/s of

- sessiontrail's `EventLog.append` (the wheel, durability "buffered");
- the cheapest plain-Python loop that keeps the same promises: descriptors
  kept open, `fcntl.flock` on the lock file, `os.fstat` to see whether
  another writer appended, the ids and time filled (from a pooled random
  buffer), one `os.write` of the `json.dumps` line on an O_APPEND
  descriptor, the 16-byte counter `os.pwrite`, unlock, and a new dict
  returned as `append` does;
- the standard library's `logging` with a JSON formatter writing the same
  event to a `FileHandler` (no file lock, no numbers: a floor for "just
  write a JSON line").

Interleaved in one process: rounds of each contender in turn, each on its
own fresh directory; the median of the rounds is reported, and ratios are
taken within the run. Run by `scripts/test-py.sh bench` with the wheel
installed.
"""

import asyncio
import fcntl
import json
import logging
import os
import statistics
import struct
import sys
import tempfile
import time

import sessiontrail

N = int(os.environ.get("BENCH_N", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))

EVENT = {
    "type": "agent.called_tool", "tool_name": "bash", "duration_ms": 42,
    "session_id": "ssn_01HZXBENCH000000000000000", "agent_id": "agent://claude-code/main",
    "agent_instance_id": "ai_01HZXBENCH", "agent_name": "claude-code", "host_id": "bench-host",
    "meta": {"cwd": "/home/user/project", "exit": 0, "args": ["-c", "ls -la"]},
}


def run_sessiontrail(directory):
    log = sessiontrail.EventLog.open(directory)
    append = log.append
    start = time.perf_counter()
    for _ in range(N):
        append(EVENT)
    elapsed = time.perf_counter() - start
    assert log.event_count == N
    return elapsed


def run_plain(directory):
    os.makedirs(directory, exist_ok=True)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
    events = os.open(os.path.join(directory, "events.jsonl"), flags, 0o600)
    counter = os.open(os.path.join(directory, "events.jsonl.count"), os.O_RDWR | os.O_CREAT, 0o600)
    lock = os.open(os.path.join(directory, "events.jsonl.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    count = size = 0
    pool, at = "", 0
    flock, fstat, write, pwrite, dumps, pack = fcntl.flock, os.fstat, os.write, os.pwrite, json.dumps, struct.pack
    start = time.perf_counter()
    for _ in range(N):
        flock(lock, fcntl.LOCK_EX)
        if fstat(events).st_size != size:
            raise RuntimeError("another writer appended: a recount would go here")
        if at + 64 > len(pool):
            pool, at = os.urandom(4096).hex(), 0
        t = time.time()
        stored = dict(EVENT)
        stored["event_id"] = "evt_" + pool[at:at + 16]
        stored["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)
        stored["sequence_no"] = count
        stored["trace_id"] = pool[at + 16:at + 48]
        stored["span_id"] = pool[at + 48:at + 64]
        at += 64
        line = (dumps(stored, separators=(",", ":"), allow_nan=False) + "\n").encode()
        write(events, line)
        count += 1
        size += len(line)
        pwrite(counter, pack("<QQ", count, size), 0)
        flock(lock, fcntl.LOCK_UN)
    elapsed = time.perf_counter() - start
    for fd in (events, counter, lock):
        os.close(fd)
    return elapsed


class JsonFormatter(logging.Formatter):
    def format(self, record):
        return json.dumps(record.msg, separators=(",", ":"))


def run_logging(directory):
    os.makedirs(directory, exist_ok=True)
    handler = logging.FileHandler(os.path.join(directory, "events.jsonl"))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"bench.{directory}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    info = logger.info
    start = time.perf_counter()
    for _ in range(N):
        info(EVENT)
    elapsed = time.perf_counter() - start
    handler.close()
    logger.removeHandler(handler)
    return elapsed


ASYNC_BURST = 400


def run_async(directory, grouped):
    """ASYNC_BURST appends fired together from asyncio, N in all: with
    group commit (`append_async`) or each in its own executor trip."""
    log = sessiontrail.EventLog.open(directory)

    async def burst():
        loop = asyncio.get_running_loop()
        for _ in range(N // ASYNC_BURST):
            if grouped:
                await asyncio.gather(*[log.append_async(EVENT) for _ in range(ASYNC_BURST)])
            else:
                await asyncio.gather(*[loop.run_in_executor(None, log._log.append, EVENT) for _ in range(ASYNC_BURST)])

    start = time.perf_counter()
    asyncio.run(burst())
    elapsed = time.perf_counter() - start
    assert log.event_count == N // ASYNC_BURST * ASYNC_BURST
    return elapsed


def run_async_grouped(directory):
    return run_async(directory, True)


def run_async_executor(directory):
    return run_async(directory, False)


CONTENDERS = [
    ("sessiontrail EventLog.append", run_sessiontrail),
    ("plain Python: flock + fstat + write + counter pwrite", run_plain),
    ("logging + JSON formatter (no lock, no numbers)", run_logging),
]
ASYNC_CONTENDERS = [
    (f"append_async, {ASYNC_BURST} at once (group commit)", run_async_grouped),
    (f"{ASYNC_BURST} at once, each append in run_in_executor", run_async_executor),
]


def measure(contenders, root):
    times = {name: [] for name, _ in contenders}
    for r in range(ROUNDS):
        k = r % len(contenders)
        for name, run in contenders[k:] + contenders[:k]:
            times[name].append(run(os.path.join(root, f"{r}-{run.__name__}")))
    rates = {name: N / statistics.median(t) for name, t in times.items()}
    ours = rates[contenders[0][0]]
    for name, rate in rates.items():
        print(f"  {name:55} {rate:10,.0f}/s   {contenders[0][0].split(',')[0]} = {ours / rate:.2f}x")


def main():
    print(f"Python {sys.version.split()[0]}, {N} appends x {ROUNDS} rounds, interleaved; median appends/s:")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as root:
        measure(CONTENDERS, root)
        measure(ASYNC_CONTENDERS, root)


if __name__ == "__main__":
    main()
