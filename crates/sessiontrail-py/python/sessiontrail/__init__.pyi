# The types of the `sessiontrail` package (its runtime is __init__.py over the
# native module). The event TypedDicts come from src/schema.rs through
# `make codegen` (_events.pyi); this file is written by hand.

import os
import pathlib
from typing import Any, Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, Union

from ._events import (
    AgentCalledTool as AgentCalledTool,
    AgentCollaborated as AgentCollaborated,
    AgentCompleted as AgentCompleted,
    AgentCompletedProcess as AgentCompletedProcess,
    AgentConnectedNetwork as AgentConnectedNetwork,
    AgentDecision as AgentDecision,
    AgentFailed as AgentFailed,
    AgentHandoff as AgentHandoff,
    AgentNote as AgentNote,
    AgentOpenedPort as AgentOpenedPort,
    AgentReadFile as AgentReadFile,
    AgentReturned as AgentReturned,
    AgentSpawned as AgentSpawned,
    AgentStarted as AgentStarted,
    AgentStartedProcess as AgentStartedProcess,
    AgentWroteFile as AgentWroteFile,
    EventBase as EventBase,
    EventType as EventType,
    SessionClosed as SessionClosed,
    SessionEvent as SessionEvent,
    SessionStarted as SessionStarted,
)

__version__: str
DEFAULT_MAX_LINE_BYTES: int

ErrorCode = Literal[
    "INVALID_EVENT",
    "INVALID_ARGUMENT",
    "LOCK_TIMEOUT",
    "LOCK_UNSUPPORTED",
    "HOST_FAILED",
    "CLOSED",
    "SYMLINK",
    "HARD_LINKED",
    "IO",
    "JSON",
]

class Error(Exception):
    code: str
    field: Optional[str]
    index: Optional[int]
    def __init__(
        self, message: str, code: str = ..., field: Optional[str] = ..., index: Optional[int] = ...
    ) -> None: ...

class InvalidEvent(Error, ValueError): ...
class InvalidArgument(Error, ValueError): ...
class LockTimeout(Error, TimeoutError): ...
class LockUnsupported(Error): ...

class CheckReport:
    ok: bool
    events: int
    lines: int
    bytes: int
    skipped: int
    skipped_lines: List[Tuple[int, str]]
    duplicates: List[int]
    missing: List[Tuple[int, int]]
    missing_count: int
    misplaced: int
    torn_tail_bytes: int
    counter: Literal["missing", "consistent", "stale"]
    json: Mapping[str, Any]
    def __bool__(self) -> bool: ...

Event = Mapping[str, object]
"""An event to append: a dict with `type`, its fields and the common ones;
`event_id`, `timestamp`, `trace_id` and `span_id` may be left out."""

class EventLog:
    @classmethod
    def open(
        cls,
        dir: Union[str, os.PathLike[str]],
        *,
        durability: Literal["buffered", "sync"] = "buffered",
        lock_timeout: Optional[float] = None,
        max_line_bytes: int = ...,
    ) -> EventLog: ...
    def append(self, event: Event) -> SessionEvent: ...
    def append_batch(self, events: Sequence[Event]) -> List[SessionEvent]: ...
    async def append_async(self, event: Event) -> SessionEvent: ...
    async def append_batch_async(self, events: Sequence[Event]) -> List[SessionEvent]: ...
    def read_all(self) -> List[SessionEvent]: ...
    def iter(self) -> Iterator[SessionEvent]: ...
    def read_from(self, seq: int) -> Iterator[SessionEvent]: ...
    def __iter__(self) -> Iterator[SessionEvent]: ...
    def check(self) -> CheckReport: ...
    @property
    def event_count(self) -> int: ...
    @property
    def path(self) -> pathlib.Path: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> EventLog: ...
    def __exit__(self, *exc: object) -> None: ...
