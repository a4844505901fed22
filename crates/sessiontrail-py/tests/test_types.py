"""The wheel's stubs, as a type checker (mypy --strict) reads them: the
event TypedDicts generated from the schema narrow on `type`, and a
wrong use of a field is an error."""

import subprocess
import sys
import textwrap


def mypy(tmp_path, code):
    path = tmp_path / "example.py"
    path.write_text(textwrap.dedent(code))
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
                          capture_output=True, text=True, cwd=tmp_path)
    return done.returncode, done.stdout + done.stderr


GOOD = """
    import sessiontrail

    log = sessiontrail.EventLog.open("session")
    stored = log.append({"type": "agent.note"})
    n: int = stored["sequence_no"]
    for e in log.iter():
        if e["type"] == "agent.called_tool":
            name: str = e["tool_name"]
        elif e["type"] == "agent.decision":
            tokens: int | None = e.get("tokens_in")
    ok: bool = log.check().ok
    try:
        log.append_batch([{"type": "agent.note"}])
    except sessiontrail.InvalidEvent as err:
        field: str | None = err.field
        code: str = err.code
"""


def test_the_stubs_type_check_a_correct_program(tmp_path):
    rc, out = mypy(tmp_path, GOOD)
    assert rc == 0, out


def test_the_stubs_catch_a_wrong_field(tmp_path):
    rc, out = mypy(tmp_path, """
        import sessiontrail

        log = sessiontrail.EventLog.open("session")
        for e in log.iter():
            if e["type"] == "agent.opened_port":
                port: str = e["port"]
            e["tool_name"]
    """)
    assert rc == 1, out
    assert 'Incompatible types in assignment (expression has type "int", variable has type "str")' in out
    assert '"tool_name"' in out
