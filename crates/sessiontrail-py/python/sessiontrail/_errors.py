"""The exceptions of sessiontrail.

Every one is a ``sessiontrail.Error`` with a stable ``code``: the same
string as the npm package's ``Error.code`` and the Rust crate's
``ErrorKind::code()`` (``"INVALID_EVENT"``, ``"LOCK_TIMEOUT"``, ...).
Programs branch on the class or the code; messages are for people and may
be reworded.
"""

from typing import Optional


class Error(Exception):
    """A failure of the log. ``code`` says which kind (``"IO"``,
    ``"SYMLINK"``, ``"CLOSED"``, ...); nothing was written."""

    code: str
    """The stable code of the failure."""
    field: Optional[str]
    """The field an invalid event was refused for (``InvalidEvent`` only)."""
    index: Optional[int]
    """In ``append_batch``, the position of the event refused."""

    def __init__(
        self,
        message: str,
        code: str = "HOST_FAILED",
        field: Optional[str] = None,
        index: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.index = index


class InvalidEvent(Error, ValueError):
    """The event is not valid: a missing or mistyped field, an unknown
    type, a value JSON cannot hold (NaN, a set, bytes), over the line
    limit. ``field`` names the field (``"port"``, ``"meta.scores[2]"``)
    when the error is about one. Code ``INVALID_EVENT``."""


class InvalidArgument(Error, ValueError):
    """An option or argument the log cannot take (``durability="fast"``).
    Code ``INVALID_ARGUMENT``."""


class LockTimeout(Error, TimeoutError):
    """The lock was not taken within ``lock_timeout`` seconds. Code
    ``LOCK_TIMEOUT``."""


class LockUnsupported(Error):
    """The file system cannot lock (NFS without lockd, some FUSE mounts):
    the log refuses to append without the lock. Code ``LOCK_UNSUPPORTED``."""


# Shown as `sessiontrail.InvalidEvent`, where users import them from.
for _cls in (Error, InvalidEvent, InvalidArgument, LockTimeout, LockUnsupported):
    _cls.__module__ = "sessiontrail"
del _cls
