"""sessiontrail: an append-only event log for AI-agent sessions.

The same log as the Rust crate, the ``sessiontrail`` command line and the
npm package, written by the same native core (``sessiontrail._native``):
one ``flock`` per append, numbers unique and contiguous across every
writer of a session directory, a torn tail repaired, never an unlocked
write.

    >>> import sessiontrail, tempfile
    >>> with sessiontrail.EventLog.open(tempfile.mkdtemp()) as log:
    ...     stored = log.append({"type": "agent.called_tool", "tool_name": "bash",
    ...         "session_id": "ssn_01", "agent_id": "agent://me",
    ...         "agent_instance_id": "ai_1", "agent_name": "me", "host_id": "laptop"})
    ...     stored["sequence_no"]
    0
"""

import asyncio
import os
import pathlib
from typing import Any, Dict, Iterator, List, Optional, Union

from . import _native
from ._group import GroupCommit
from ._errors import Error, InvalidArgument, InvalidEvent, LockTimeout, LockUnsupported
from ._report import CheckReport

__all__ = [
    "EventLog",
    "CheckReport",
    "Error",
    "InvalidEvent",
    "InvalidArgument",
    "LockTimeout",
    "LockUnsupported",
    "DEFAULT_MAX_LINE_BYTES",
]

__version__: str = _native.__version__

DEFAULT_MAX_LINE_BYTES: int = _native.DEFAULT_MAX_LINE_BYTES
"""Lines longer than this are refused by ``append`` and skipped by readers."""


class EventLog:
    """The event log of one session directory (``events.jsonl`` and its
    ``.count``, ``.lock`` and ``.torn`` sidecars).

    Open it with :meth:`EventLog.open`. Safe to share between threads and
    processes: every append takes the log's exclusive lock (the GIL is
    released while it waits and writes). A context manager: leaving the
    ``with`` block closes it.
    """

    __slots__ = ("_log", "_group")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("EventLog() makes no log: use EventLog.open(dir)")

    @classmethod
    def open(
        cls,
        dir: Union[str, "os.PathLike[str]"],
        *,
        durability: str = "buffered",
        lock_timeout: Optional[float] = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> "EventLog":
        """Opens the log in the session directory ``dir``; writes nothing
        (the directory and files are made by the first append).

        ``durability``: ``"buffered"`` (an append returns once the bytes
        are with the OS: they survive the process, not a power cut) or
        ``"sync"`` (``fdatasync`` before returning). ``lock_timeout``:
        seconds to wait for the lock before :class:`LockTimeout` (``None``:
        as long as it takes). ``max_line_bytes``: the longest line an
        append may write and a reader reads.
        """
        if isinstance(max_line_bytes, bool) or not isinstance(max_line_bytes, int) or max_line_bytes < 1:
            raise InvalidArgument(
                f"max_line_bytes must be an int of at least 1, got {max_line_bytes!r}", "INVALID_ARGUMENT")
        self = object.__new__(cls)
        self._log = _native.Log.open(os.fspath(dir), durability, lock_timeout, max_line_bytes)
        self._group = GroupCommit(self._log)
        return self

    def append(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """Appends one event and returns it as stored, in a new dict: with
        its ``sequence_no``, and ``event_id``, ``timestamp``, ``trace_id``
        and ``span_id`` filled in when absent. Raises
        :class:`InvalidEvent` naming the field; nothing is written then."""
        return self._log.append(event)

    def append_batch(self, events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Appends the events under one lock in one write, numbered in
        order; all or nothing. Returns them as stored."""
        return self._log.append_batch(events)

    async def append_async(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """:meth:`append` in a worker thread, so the event loop is not
        blocked while the lock is waited for and the event written.
        Appends issued while one is being written go together in the next
        write (group commit: one lock, one write), numbered in call order;
        the event's dict is read when that write happens."""
        return await self._group.append(event)

    async def append_batch_async(self, events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """:meth:`append_batch` in a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(None, self._log.append_batch, events)

    def read_all(self) -> List[Dict[str, Any]]:
        """Every readable event, in file order. Lines that are not events
        are skipped (``check()`` counts them); a torn final line is not an
        event."""
        events: List[Dict[str, Any]] = []
        for chunk in self._log.chunks(0):
            events.extend(chunk)
        return events

    def iter(self) -> Iterator[Dict[str, Any]]:
        """The events one at a time, read from the file as the generator
        goes (a chunk at a time): a log larger than memory can be read."""
        return self.read_from(0)

    def read_from(self, seq: int) -> Iterator[Dict[str, Any]]:
        """As :meth:`iter`, from the first event whose ``sequence_no`` is
        at least ``seq``."""
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise InvalidArgument(f"read_from(seq) needs an int 0 or more, got {seq!r}", "INVALID_ARGUMENT")
        chunks = self._log.chunks(seq)

        def events() -> Iterator[Dict[str, Any]]:
            for chunk in chunks:
                yield from chunk

        return events()

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return self.iter()

    def check(self) -> CheckReport:
        """Reads the whole log and reports its integrity (the report
        ``sessiontrail check`` prints). Takes no lock."""
        return CheckReport._from_json(self._log.check())

    @property
    def event_count(self) -> int:
        """The number of events as this handle last saw them: at open,
        then after each of its appends."""
        return self._log.event_count

    @property
    def path(self) -> "pathlib.Path":
        """The path of ``events.jsonl``."""
        return self._log.path

    @property
    def closed(self) -> bool:
        return self._log.closed

    def close(self) -> None:
        """Lets go of the files; later calls raise :class:`Error` with code
        ``CLOSED``. Appends under way finish first."""
        self._log.close()

    def __enter__(self) -> "EventLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.event_count} events"
        return f"<sessiontrail.EventLog {self.path!r} ({state})>"
