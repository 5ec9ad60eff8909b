"""The domain's error tree.

Every error a user can cause names the field or record at fault. The web layer maps these to
problem+json responses in one place; the CLI prints the message on one line and exits 2.
"""

from __future__ import annotations


class MonetiotError(Exception):
    """Base of every error monetiot raises on purpose. `extra`: members a problem+json answer
    adds (a quarantine id, per-record results)."""

    extra: dict[str, object] | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(MonetiotError):
    """Something a user sent is malformed or breaks a rule; `field` says where."""


class OutOfRange(InvalidInput):
    """A number beyond what monetiot accepts or bills (docs/limits.md): too large or too
    precise, sent by a user or computed from what was sent; `field` says where."""


class TooLarge(InvalidInput):
    """A request body larger than monetiot reads (HTTP 413)."""


class UnsupportedFormat(InvalidInput):
    """A payload in a format (media type) monetiot does not read (HTTP 415)."""


class NotFound(MonetiotError):
    """The named thing does not exist for this tenant."""


class Conflict(MonetiotError):
    """The request collides with existing state (a duplicate key, an overlap)."""


class StoredOutOfRange(Conflict):
    """A figure computed from stored data is beyond what monetiot reports: data stored before
    the limits existed (docs/limits.md). The message says what to void."""


class Unauthorized(MonetiotError):
    """Missing or unknown credentials."""


class Forbidden(MonetiotError):
    """Known credentials without the scope the operation needs."""
