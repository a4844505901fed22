"""iter() reads a log larger than the process may hold in memory."""

import json
import resource
import subprocess
import sys
import textwrap

import sessiontrail
from conftest import base

LIMIT = 160 << 20  # the address space the reading process may use
EVENTS = 600_000  # about 250 MB of log


def make_log(session):
    log = sessiontrail.EventLog.open(session)
    template = log.append(base(type="agent.note", text="x" * 200, meta={"i": 0}))
    # The rest of the lines written directly, as fast as a disk takes them:
    # the same event with its own number and id.
    head = json.dumps(template, separators=(",", ":"))
    with open(log.path, "ab") as f:
        chunk = []
        for i in range(1, EVENTS):
            line = head.replace('"sequence_no":0', f'"sequence_no":{i}', 1).replace(
                template["event_id"], f"evt_{i:016x}", 1)
            chunk.append(line)
            if len(chunk) == 10_000:
                f.write(("\n".join(chunk) + "\n").encode())
                chunk = []
        f.write(("\n".join(chunk) + "\n").encode() if chunk else b"")
    return log.path


def run_limited(code, session):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), str(session)],
                          capture_output=True, text=True, preexec_fn=limit, timeout=600)


def test_iter_streams_a_log_larger_than_memory_allows(session):
    path = make_log(session)
    assert path.stat().st_size > LIMIT * 3 // 2
    streamed = run_limited("""
        import sys, sessiontrail
        n = last = 0
        for e in sessiontrail.EventLog.open(sys.argv[1]).iter():
            assert e["sequence_no"] == n
            n += 1
        print(n)
    """, session)
    assert streamed.returncode == 0, streamed.stderr[-2000:]
    assert int(streamed.stdout) == EVENTS
    # The control: holding every event at once does not fit in that limit.
    held = run_limited("""
        import sys, sessiontrail
        print(len(sessiontrail.EventLog.open(sys.argv[1]).read_all()))
    """, session)
    assert held.returncode != 0, "read_all fit in the limit: the log is not larger than memory allows"
