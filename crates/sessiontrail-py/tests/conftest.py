"""Shared fixtures of the Python package's tests.

scripts/test-py.sh runs these from a copy outside the source tree, with a
venv where the built wheel is installed, so `import sessiontrail` is the
wheel; SESSIONTRAIL_CLI is the release `sessiontrail` binary and
SESSIONTRAIL_NODE_APP a folder where the packed npm package is installed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def base(**fields):
    """The common fields of a test event, with `fields` added."""
    event = {
        "session_id": "ssn_py",
        "agent_id": "agent://py",
        "agent_instance_id": "ai_1",
        "agent_name": "py",
        "host_id": "test",
    }
    event.update(fields)
    return event


@pytest.fixture
def session(tmp_path):
    return tmp_path / "session"


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("SESSIONTRAIL_CLI")
    assert path and os.access(path, os.X_OK), "SESSIONTRAIL_CLI must name the sessiontrail binary (scripts/test-py.sh sets it)"
    return path


@pytest.fixture(scope="session")
def node_app():
    path = os.environ.get("SESSIONTRAIL_NODE_APP")
    assert path and (Path(path) / "node_modules" / "sessiontrail").is_dir(), "SESSIONTRAIL_NODE_APP must hold the installed npm package"
    return path


def python_writer(*args):
    """A Python writer process (writer.py) with the venv's Python."""
    return subprocess.Popen(
        [sys.executable, str(HERE / "writer.py"), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def hold_lock(lock_path):
    """Another process holding the log's flock (the lock every writer
    takes) until a line on its stdin or a kill; returns once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys\n"
         "f = open(sys.argv[1], 'a')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "sys.stdin.readline()\n", str(lock_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "locked\n"
    return holder
