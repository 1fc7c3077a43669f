"""Errors of the ledger.

Every error the ledger raises on purpose derives from ``LedgerError`` and carries the field it
concerns (when there is one) and the reason. The API maps each class to one HTTP status, in one
place::

    LedgerError
    ├── ValidationError            400/422  a value is malformed (field + reason)
    │   ├── InvalidIdentifierError          a credit code or citizen ID fails its check
    │   └── UnknownRegionError              a region code is not in the dated table
    ├── NotFoundError              404
    │   ├── RecordNotFoundError
    │   └── SubjectNotFoundError
    ├── ConflictError              409
    │   ├── DuplicateFilingError            same (source, document number), different content
    │   └── ConcurrentChangeError           another command changed the aggregate first
    ├── LifecycleError             409      the step is impossible in the record's current state
    ├── CalendarUnavailableError   422      a date needs a year with no calendar data (a
    │                                       deadline is then recorded as waiting, not refused)
    └── PermissionDeniedError      403
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason)


class ValidationError(LedgerError):
    """A value is malformed or missing."""


class EventTooLargeError(ValidationError):
    """A command would record an event larger than a stored event may be; ``field`` names
    the field that takes most of it."""


class InvalidIdentifierError(ValidationError):
    """A unified social credit code or a citizen ID fails its format or check character."""


class UnknownRegionError(ValidationError):
    """A region code is not in the dated GB/T 2260 table."""


class NotFoundError(LedgerError):
    """The thing asked for does not exist."""


class RecordNotFoundError(NotFoundError):
    """No credit record has this id."""


class SubjectNotFoundError(NotFoundError):
    """No subject has this identifier."""


class ConflictError(LedgerError):
    """The command conflicts with facts already in the log."""


class DuplicateFilingError(ConflictError):
    """The same source department filed the same document number with different content."""


class ConcurrentChangeError(ConflictError):
    """Another command changed the same aggregate first; retry with fresh state."""


class LifecycleError(LedgerError):
    """The step is impossible in the record's current state."""


class CalendarUnavailableError(LedgerError):
    """A working-day count needs a calendar year that has not been published (``year``)."""

    def __init__(self, reason: str, *, field: str | None = None, year: int | None = None) -> (
        None
    ):
        super().__init__(reason, field=field)
        self.year = year


class PermissionDeniedError(LedgerError):
    """The actor's role may not take this step."""
