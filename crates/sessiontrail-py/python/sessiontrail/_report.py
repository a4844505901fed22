"""The integrity report of ``EventLog.check()``.

Made from the one JSON shape the core writes (``CheckReport::write_json``:
what ``sessiontrail check --json`` prints and the npm package's
``check()`` returns), with its names in snake_case.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple


@dataclass(frozen=True)
class CheckReport:
    """What a log holds and what is wrong with it."""

    ok: bool
    """Every line an event, numbers unique and contiguous, no torn tail."""
    events: int
    """Lines that parse as events."""
    lines: int
    """Complete lines (each holds one sequence number)."""
    bytes: int
    """Bytes in events.jsonl."""
    skipped: int
    """Complete lines that are not events."""
    skipped_lines: List[Tuple[int, str]]
    """The first of them: (1-based line number, reason)."""
    duplicates: List[int]
    """Sequence numbers on more than one event."""
    missing: List[Tuple[int, int]]
    """Gaps as inclusive ranges (first, last)."""
    missing_count: int
    misplaced: int
    """Events whose number is not their line's position."""
    torn_tail_bytes: int
    """Bytes after the last newline (a torn tail, or an append under way)."""
    counter: str
    """``"missing"``, ``"consistent"`` or ``"stale"``."""
    json: Dict[str, Any] = field(repr=False, compare=False)
    """The report as ``sessiontrail check --json`` prints it."""

    def __bool__(self) -> bool:
        return self.ok

    @classmethod
    def _from_json(cls, j: Dict[str, Any]) -> "CheckReport":
        return cls(
            ok=j["ok"],
            events=j["events"],
            lines=j["lines"],
            bytes=j["bytes"],
            skipped=j["skipped"],
            skipped_lines=[(s["line"], s["reason"]) for s in j["skippedLines"]],
            duplicates=list(j["duplicates"]),
            missing=[(a, b) for a, b in j["missing"]],
            missing_count=j["missingCount"],
            misplaced=j["misplaced"],
            torn_tail_bytes=j["tornTailBytes"],
            counter=j["counter"],
            json=j,
        )
