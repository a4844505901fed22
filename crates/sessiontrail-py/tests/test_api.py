"""The API as a Python user meets it: the installed wheel, real files."""

import json
import os
import re
import threading
import time
from pathlib import Path

import pytest

import sessiontrail
from conftest import base, hold_lock


def test_the_package_is_the_installed_wheel():
    # scripts/test-py.sh runs from a copy of the tests: the package can only
    # come from the venv's site-packages, where pip put the wheel.
    assert "site-packages" in Path(sessiontrail.__file__).parts
    assert Path(sessiontrail._native.__file__).name.endswith(".abi3.so")
    root = Path(sessiontrail.__file__).parent
    assert (root / "py.typed").exists() and (root / "__init__.pyi").exists()
    assert (root / "_events.pyi").exists()


def test_append_returns_the_stored_event_and_fills_ids(session):
    with sessiontrail.EventLog.open(session) as log:
        assert not session.exists(), "open writes nothing"
        given = base(type="agent.called_tool", tool_name="bash", duration_ms=42)
        stored = log.append(given)
        assert "sequence_no" not in given, "the caller's dict is left as it was"
        assert stored["sequence_no"] == 0
        assert re.fullmatch(r"evt_[0-9a-f]{16}", stored["event_id"])
        assert re.fullmatch(r"[0-9a-f]{32}", stored["trace_id"])
        assert re.fullmatch(r"[0-9a-f]{16}", stored["span_id"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stored["timestamp"])
        # What append returned is the line on disk, byte for byte as JSON.
        line = (session / "events.jsonl").read_text().splitlines()[0]
        assert json.loads(line) == stored
        assert log.event_count == 1
        assert log.path == session / "events.jsonl"
        given_ids = base(type="agent.note", event_id="evt_0123456789abcdef", sequence_no=99)
        again = log.append(given_ids)
        assert again["event_id"] == "evt_0123456789abcdef"
        assert again["sequence_no"] == 1, "a given sequence_no is ignored"
        assert (os.stat(session / "events.jsonl").st_mode & 0o777) == 0o600


def test_batch_read_all_iter_read_from_check(session):
    log = sessiontrail.EventLog.open(session)
    first = log.append_batch([base(type="agent.note", text=str(i)) for i in range(5)])
    assert [e["sequence_no"] for e in first] == [0, 1, 2, 3, 4]
    tup = log.append_batch((base(type="agent.note", text="t"),))
    assert tup[0]["sequence_no"] == 5
    assert log.append_batch([]) == []
    everything = log.read_all()
    assert everything == first + tup
    assert list(log.iter()) == everything
    assert list(log) == everything
    assert [e["sequence_no"] for e in log.read_from(3)] == [3, 4, 5]
    assert list(log.read_from(99)) == []
    report = log.check()
    assert report.ok and bool(report)
    assert (report.events, report.lines, report.skipped, report.counter) == (6, 6, 0, "consistent")
    assert report.bytes == os.path.getsize(session / "events.jsonl")
    # One shape with the command line's `check --json`.
    assert set(report.json) >= {"ok", "events", "skippedLines", "tornTailBytes"}
    with pytest.raises(sessiontrail.InvalidArgument):
        log.read_from(-1)


def test_a_reopened_log_continues_its_numbers_and_check_sees_damage(session):
    log = sessiontrail.EventLog.open(session)
    log.append_batch([base(type="agent.note")] * 3)
    log.close()
    with open(session / "events.jsonl", "ab") as f:
        f.write(b"not json\n")
        f.write(b'{"torn": ')
    log = sessiontrail.EventLog.open(session)
    report = log.check()
    assert not report.ok
    assert report.skipped == 1 and report.skipped_lines[0][0] == 4
    assert report.torn_tail_bytes == len(b'{"torn": ')
    # The next append repairs the torn tail under the lock and numbers on.
    assert log.append(base(type="agent.note"))["sequence_no"] == 4
    assert (session / "events.jsonl.torn").read_bytes() == b'{"torn": \n'
    assert [e["sequence_no"] for e in log.read_all()] == [0, 1, 2, 4]
    assert log.check().torn_tail_bytes == 0


def test_closed_log_raises_closed(session):
    with sessiontrail.EventLog.open(session) as log:
        log.append(base(type="agent.note"))
    assert log.closed
    with pytest.raises(sessiontrail.Error) as info:
        log.append(base(type="agent.note"))
    assert info.value.code == "CLOSED"
    with pytest.raises(sessiontrail.Error):
        log.read_all()
    with pytest.raises(TypeError):
        sessiontrail.EventLog()


def test_lock_timeout_writes_nothing_and_the_gil_is_released_while_waiting(session):
    log = sessiontrail.EventLog.open(session, lock_timeout=0.3)
    log.append(base(type="agent.note"))
    size = os.path.getsize(session / "events.jsonl")
    # Another process holds the log's flock: the same lock every writer takes.
    holder = hold_lock(session / "events.jsonl.lock")
    try:
        ticks = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.01)

        t = threading.Thread(target=ticker)
        t.start()
        with pytest.raises(sessiontrail.LockTimeout) as info:
            log.append(base(type="agent.note"))
        stop.set()
        t.join()
        assert info.value.code == "LOCK_TIMEOUT"
        assert isinstance(info.value, TimeoutError)
        assert "events.jsonl.lock" in str(info.value)
        # Another thread ran while append waited: the GIL was not held.
        assert len(ticks) >= 5, ticks
        assert os.path.getsize(session / "events.jsonl") == size
    finally:
        holder.kill()
        holder.wait()
    assert log.append(base(type="agent.note"))["sequence_no"] == 1


def test_threads_share_one_log(session):
    log = sessiontrail.EventLog.open(session)

    def work(n):
        for i in range(200):
            log.append(base(type="agent.note", text=f"{n}-{i}"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [e["sequence_no"] for e in log.read_all()] == list(range(800))
    assert log.check().ok


def test_options(session, tmp_path):
    log = sessiontrail.EventLog.open(session, durability="sync", max_line_bytes=600)
    assert log.append(base(type="agent.note", text="short"))["sequence_no"] == 0
    with pytest.raises(sessiontrail.InvalidEvent) as info:
        log.append(base(type="agent.note", text="x" * 1000))
    assert "line limit" in str(info.value)
    assert log.event_count == 1
    for bad in [dict(durability="fast"), dict(lock_timeout=-1), dict(lock_timeout=float("nan")),
                dict(max_line_bytes=0), dict(max_line_bytes=-1), dict(max_line_bytes=True)]:
        with pytest.raises(sessiontrail.InvalidArgument) as info:
            sessiontrail.EventLog.open(tmp_path / "other", **bad)
        assert info.value.code == "INVALID_ARGUMENT"
        assert isinstance(info.value, ValueError)


def test_a_symlinked_session_directory_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(sessiontrail.Error) as info:
        sessiontrail.EventLog.open(tmp_path / "link").append(base(type="agent.note"))
    assert info.value.code == "SYMLINK"
    assert "link" in str(info.value)
    assert list(real.iterdir()) == []
