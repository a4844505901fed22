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
