"""Many processes and languages on one session directory at once: Python
processes (the wheel), the `sessiontrail` CLI and Node (the npm package);
and Python writers killed with SIGKILL in the middle of appending."""

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import sessiontrail
from conftest import HERE, python_writer


def cli_loop(cli, directory, tag, count, acked, stop=None):
    """A CLI writer: one `sessiontrail append` process per event, as hooks do."""
    i = 0
    while (stop is None and i < count) or (stop is not None and not stop.is_set()):
        event = {"type": "agent.note", "text": f"{tag} {i}", "session_id": "ssn_mp",
                 "agent_id": "agent://cli", "agent_instance_id": tag, "agent_name": "cli",
                 "host_id": "test"}
        done = subprocess.run([cli, "append", str(directory), json.dumps(event)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        stored = json.loads(done.stdout)
        acked.append((stored["sequence_no"], stored["event_id"]))
        i += 1


def drain(proc, acked):
    for line in proc.stdout:
        parts = line.split()
        if len(parts) == 2:
            acked.append((int(parts[0]), parts[1]))


def assert_whole(cli, directory, acked):
    events = sessiontrail.EventLog.open(directory).read_all()
    numbers = [e["sequence_no"] for e in events]
    assert numbers == list(range(len(events))), "unique and contiguous, in file order"
    by_id = {e["event_id"]: e["sequence_no"] for e in events}
    lost = [(seq, eid) for seq, eid in acked if by_id.get(eid) != seq]
    assert not lost, f"acknowledged and not in the log under its number: {lost[:5]}"
    done = subprocess.run([cli, "check", str(directory)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return events


def test_python_cli_and_node_writers_share_one_session(session, cli, node_app):
    per_python, per_cli, per_node = 400, 40, 400
    script = Path(node_app) / "node_writer.cjs"
    shutil.copy(HERE / "node_writer.cjs", script)
    pythons = [python_writer(session, f"py{n}", per_python) for n in range(4)]
    node = subprocess.Popen(["node", str(script), str(session), str(per_node)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acked = {name: [] for name in ["py0", "py1", "py2", "py3", "cli0", "cli1", "node"]}
    threads = [threading.Thread(target=cli_loop, args=(cli, session, f"cli{n}", per_cli, acked[f"cli{n}"]))
               for n in range(2)]
    threads += [threading.Thread(target=drain, args=(p, acked[f"py{n}"])) for n, p in enumerate(pythons)]
    threads.append(threading.Thread(target=drain, args=(node, acked["node"])))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in pythons + [node]:
        assert p.wait() == 0, p.stderr.read()
    counts = {name: len(a) for name, a in acked.items()}
    assert counts == {"py0": per_python, "py1": per_python, "py2": per_python, "py3": per_python,
                      "cli0": per_cli, "cli1": per_cli, "node": per_node}, counts
    everything = [x for a in acked.values() for x in a]
    events = assert_whole(cli, session, everything)
    assert len(events) == 4 * per_python + 2 * per_cli + per_node
    # The writers interleaved: no one writer's events are all in one run.
    writers = [e["agent_instance_id"] for e in events]
    changes = sum(1 for a, b in zip(writers, writers[1:]) if a != b)
    assert changes > 7, changes


def test_python_writers_killed_mid_append_lose_nothing_acknowledged(session, cli):
    rng = random.Random(23)
    acked_python, acked_cli = [], []
    stop = threading.Event()
    clis = [threading.Thread(target=cli_loop, args=(cli, session, f"cli{n}", 0, acked_cli, stop))
            for n in range(2)]
    for t in clis:
        t.start()
    killed = 0
    for round_ in range(4):
        writers = [python_writer(session, f"py{round_}-{n}", 0) for n in range(3)]
        drains = [threading.Thread(target=drain, args=(w, acked_python)) for w in writers]
        for t in drains:
            t.start()
        for w in writers:
            time.sleep(rng.uniform(0.05, 0.3))
            os.kill(w.pid, signal.SIGKILL)
        for w in writers:
            assert w.wait() == -signal.SIGKILL
            killed += 1
        for t in drains:
            t.join()
    stop.set()
    for t in clis:
        t.join()
    assert killed == 12 and len(acked_python) > 100 and len(acked_cli) > 4
    # A writer killed mid-line leaves a torn tail; the next append moves it
    # to events.jsonl.torn under the lock and numbers on.
    sessiontrail.EventLog.open(session).append(
        {"type": "session.closed", "session_id": "ssn_mp", "agent_id": "agent://py",
         "agent_instance_id": "last", "agent_name": "py", "host_id": "test"})
    assert_whole(cli, session, acked_python + acked_cli)
