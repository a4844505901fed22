"""append_async from asyncio code: the event loop runs while the lock is
waited for; concurrent appends are all numbered."""

import asyncio

import sessiontrail
from conftest import base, hold_lock


def test_append_async_does_not_block_the_loop(session):
    log = sessiontrail.EventLog.open(session)
    log.append(base(type="agent.note"))
    holder = hold_lock(session / "events.jsonl.lock")

    async def main():
        ticks = 0
        pending = asyncio.ensure_future(log.append_async(base(type="agent.note", text="waited")))
        while ticks < 20:
            await asyncio.sleep(0.01)
            ticks += 1
        assert not pending.done(), "the lock is held elsewhere: the append is still waiting"
        holder.stdin.write("go\n")
        holder.stdin.flush()
        stored = await asyncio.wait_for(pending, 30)
        return ticks, stored

    try:
        ticks, stored = asyncio.run(main())
    finally:
        holder.kill()
        holder.wait()
    assert ticks == 20
    assert stored["sequence_no"] == 1 and stored["text"] == "waited"


def test_concurrent_async_appends_are_all_numbered(session):
    log = sessiontrail.EventLog.open(session)

    async def main():
        singles = [log.append_async(base(type="agent.note", text=str(i))) for i in range(200)]
        batches = [log.append_batch_async([base(type="agent.note")] * 5) for _ in range(10)]
        return await asyncio.gather(*singles, *batches)

    results = asyncio.run(main())
    numbers = sorted([r["sequence_no"] for r in results[:200]] +
                     [e["sequence_no"] for batch in results[200:] for e in batch])
    assert numbers == list(range(250))
    assert log.check().ok


def test_an_async_bad_event_raises_invalid_event(session):
    log = sessiontrail.EventLog.open(session)

    async def main():
        await log.append_async(base(type="agent.opened_port", port=-1))

    try:
        asyncio.run(main())
    except sessiontrail.InvalidEvent as e:
        assert e.field == "port"
    else:
        raise AssertionError("no InvalidEvent")


def test_concurrent_async_appends_share_writes_and_a_bad_one_fails_alone(session):
    log = sessiontrail.EventLog.open(session)
    writes = []
    real = log._log

    class Counting:
        """The native log, counting the writes group commit makes."""

        def __getattr__(self, name):
            return getattr(real, name)

        def append(self, event):
            writes.append(1)
            return real.append(event)

        def append_batch(self, events):
            writes.append(len(events))
            return real.append_batch(events)

    log._group._native = Counting()

    async def main():
        calls = [log.append_async(base(type="agent.note", text=str(i))) for i in range(300)]
        calls.insert(150, log.append_async(base(type="agent.opened_port", port=-1)))
        return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(main())
    bad = results.pop(150)
    assert isinstance(bad, sessiontrail.InvalidEvent) and bad.field == "port" and bad.index is None
    assert [r["text"] for r in results] == [str(i) for i in range(300)]
    # Numbered in call order, and in far fewer writes than calls.
    assert [r["sequence_no"] for r in results] == list(range(300))
    assert len(writes) < 300 // 4 + 2, writes
    assert log.check().ok
