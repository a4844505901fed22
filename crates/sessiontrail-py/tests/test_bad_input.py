"""Bad input is refused by field, with code INVALID_EVENT, nothing written."""

import datetime
import decimal

import pytest

import sessiontrail
from conftest import base


def cyclic():
    d = {}
    d["self"] = d
    return d


CASES = [
    # (event, field, words in the message)
    (base(type="agent.opened_port", port="8080"), "port", "integer from 0 to 65535"),
    (base(type="agent.opened_port", port=70000), "port", "65535"),
    (base(type="agent.opened_port", port=True), "port", "integer"),
    (base(type="agent.called_tool"), "tool_name", "tool_name"),
    (base(type="agent.no_such_type"), "type", "unknown event type"),
    ({k: v for k, v in base(type="agent.note").items() if k != "host_id"}, "host_id", "host_id"),
    (base(type="agent.note", typo_field=1), "typo_field", "typo_field"),
    (base(type="agent.note", meta={"score": float("nan")}), "meta.score", "NaN"),
    (base(type="agent.note", meta={"scores": [1.0, float("inf")]}), "meta.scores[1]", "Infinity"),
    (base(type="agent.decision", meta={"tags": {"a", "b"}}), "meta.tags", "set"),
    (base(type="agent.note", meta={"raw": b"\x00"}), "meta.raw", "bytes"),
    (base(type="agent.note", meta={"at": datetime.datetime(2026, 1, 1)}), "meta.at", "isoformat"),
    (base(type="agent.note", meta={"n": decimal.Decimal("1.5")}), "meta.n", "Decimal"),
    (base(type="agent.note", meta={"obj": object()}), "meta.obj", "object"),
    (base(type="agent.note", meta={1: "int key"}), "meta", "key 1"),
    (base(type="agent.note", meta=cyclic()), "meta" + ".self" * 159, "deeper"),
    (base(type="agent.note", text="\ud800"), "text", "surrogate"),
    (base(type="agent.note", meta={"big": 2**64}), "meta.big", "64"),
    (base(type="agent.completed_process", exit_code=2**31), "exit_code", "2147483647"),
]


@pytest.mark.parametrize("event,field,words", CASES, ids=[c[1][:30] for c in CASES])
def test_bad_field_is_named(session, event, field, words):
    log = sessiontrail.EventLog.open(session)
    with pytest.raises(sessiontrail.InvalidEvent) as info:
        log.append(event)
    e = info.value
    assert e.code == "INVALID_EVENT"
    assert isinstance(e, ValueError) and isinstance(e, sessiontrail.Error)
    assert e.field is not None and e.field.rstrip("…") == field[:80]
    assert words in str(e), str(e)
    assert not session.exists(), "nothing was written"


def test_not_a_dict(session):
    log = sessiontrail.EventLog.open(session)
    for bad in [None, 5, "{}", [base(type="agent.note")]]:
        with pytest.raises(sessiontrail.InvalidEvent) as info:
            log.append(bad)
        assert info.value.field is None
        assert "must be a dict" in str(info.value)
    with pytest.raises(sessiontrail.InvalidEvent) as info:
        log.append_batch(base(type="agent.note"))
    assert "list of event dicts" in str(info.value)


def test_a_bad_event_in_a_batch_is_named_by_index_and_nothing_is_written(session):
    log = sessiontrail.EventLog.open(session)
    log.append(base(type="agent.note"))
    size = (session / "events.jsonl").stat().st_size
    for batch, index, field in [
        ([base(type="agent.note"), base(type="agent.opened_port", port=-1)], 1, "port"),
        ([base(type="agent.note"), base(type="agent.note"), base(type="agent.note", meta={"x": {1}})], 2, "meta.x"),
    ]:
        with pytest.raises(sessiontrail.InvalidEvent) as info:
            log.append_batch(batch)
        assert info.value.index == index
        assert info.value.field == field
        assert (session / "events.jsonl").stat().st_size == size
    assert log.check().ok and log.check().events == 1


def test_values_json_holds_are_kept(session):
    log = sessiontrail.EventLog.open(session)
    meta = {"t": (1, 2), "f": 0.1, "neg": -0.0, "e": 1e300, "tiny": 5e-324, "u": "\u00e9\U0001f600\n\"",
            "n": None, "b": False, "big": 2**63, "nested": [{"a": [[]]}]}
    stored = log.append(base(type="agent.decision", model="m", tokens_in=7, meta=meta))
    expected = dict(meta, t=[1, 2])
    assert stored["meta"] == expected
    assert log.read_all()[0]["meta"] == expected
