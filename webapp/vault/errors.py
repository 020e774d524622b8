"""The two ways a vault call can fail that callers must handle."""

from __future__ import annotations

__all__ = ["SessionGone", "VaultUnavailable"]


class VaultUnavailable(Exception):
    """The session storage cannot be reached or written right now (show a 503 page).

    The message is short and names the cause (e.g. "database is locked"); it never holds
    session contents. The underlying driver error is chained as ``__cause__`` for the log.
    """


class SessionGone(Exception):
    """The session to update does not exist any more: expired, deleted, or a bad token."""

    def __init__(self, message: str = "the session has expired or does not exist") -> None:
        super().__init__(message)
