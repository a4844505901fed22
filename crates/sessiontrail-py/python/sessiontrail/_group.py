"""Group commit for ``EventLog.append_async``.

Why: each append from asyncio code runs in a worker thread so the loop is
not blocked, and a trip to a thread costs more than the append itself.
Appends issued while a write is under way queue up and go in the next
turn together: one thread trip, one lock, one write (the core's
``append_batch``), numbered in call order, each caller answered on its own,
as the npm package's group commit does. An invalid event in a batch
fails alone (the core names its index: it is appended by itself, for
its own error, and the rest go again together; without an index the
batch is appended one event at a time), so every other caller still gets
its own result.

An event's dict is read when its batch is written, not when
``append_async`` is called; a caller cancelled while its event is queued
does not take the event back.
"""

import asyncio
from typing import Any, Dict, List, Optional, Tuple

from ._errors import InvalidEvent


class GroupCommit:
    __slots__ = ("_native", "_queue", "_loop", "_task")

    def __init__(self, native: Any) -> None:
        self._native = native
        self._queue: List[Tuple[Dict[str, Any], "asyncio.Future[Dict[str, Any]]"]] = []
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._task: Optional["asyncio.Task[None]"] = None

    async def append(self, event: Dict[str, Any]) -> Dict[str, Any]:
        loop = asyncio.get_running_loop()
        if self._task is not None and self._loop is not loop:
            # Another loop's batch is being written: no queue across loops.
            return await loop.run_in_executor(None, self._native.append, event)
        future = loop.create_future()
        self._queue.append((event, future))
        if self._task is None:
            self._loop = loop
            self._task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = self._loop
        assert loop is not None
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._commit(loop, batch)
        finally:
            self._task = None
            self._loop = None

    async def _commit(self, loop: asyncio.AbstractEventLoop, batch: list) -> None:
        try:
            if len(batch) == 1:
                stored = [await loop.run_in_executor(None, self._native.append, batch[0][0])]
            else:
                stored = await loop.run_in_executor(None, self._native.append_batch, [e for e, _ in batch])
        except InvalidEvent as e:
            if len(batch) == 1:
                fail(batch, e)
                return
            if e.index is not None and 0 <= e.index < len(batch):
                # That one fails with its own error; the rest go again.
                bad = batch.pop(e.index)
                await self._commit(loop, [bad])
                await self._commit(loop, batch)
                return
            for item in batch:  # each caller its own result or its own error
                await self._commit(loop, [item])
            return
        except BaseException as e:  # nothing was written: every caller fails
            fail(batch, e)
            if not isinstance(e, Exception):
                raise
            return
        for (_, future), event in zip(batch, stored):
            if not future.done():
                future.set_result(event)


def fail(batch: list, e: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(e)
