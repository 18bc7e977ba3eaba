"""Errors the core raises when a request breaks a rule.

Every error carries a message written for the person who made the request. Entry points
map the branches of this tree to their own vocabulary (HTTP status, CLI exit code)::

    FirelineError
    ├── InvalidInput          the request itself is wrong (HTTP 422)
    │   ├── UnknownName       it names a type, severity, role, service, person, team … that
    │   │                     does not exist
    │   └── DeactivatedPerson it newly gives something to a person who is deactivated
    ├── NotFound              the thing it points at does not exist (HTTP 404)
    ├── Conflict              it is well formed but the current state forbids it (HTTP 409)
    │   └── IllegalTransition a status change the lifecycle does not allow
    └── TooManyAttempts       too many wrong passwords in a row; try later (HTTP 429)
"""

from __future__ import annotations

from collections.abc import Iterable


class FirelineError(Exception):
    """Base of every rule violation; `message` is safe to show to the requester."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(FirelineError):
    """The request is malformed for the domain; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class UnknownName(InvalidInput):
    """A name that nothing defines; `allowed` lists what does, when that list is short and
    anyone may read it (policy vocabulary), and is empty otherwise.

    `detail` replaces the default wording ("unknown value …; allowed: …"), for names whose
    alternatives are not listed (people, teams: the requester may not be allowed to see
    them, and there may be thousands).
    """

    def __init__(
        self, field: str, value: object, allowed: Iterable[str] = (), *, detail: str | None = None
    ) -> None:
        self.allowed = tuple(allowed)
        choices = ", ".join(self.allowed) if self.allowed else "(none defined)"
        super().__init__(field, detail or f"unknown value {value!r}; allowed: {choices}")
        self.value = value


class DeactivatedPerson(InvalidInput):
    """The request would newly give something (an incident, a role, a shift, a token,
    access) to a person who exists but is deactivated; `value` is their name."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(field, f"{value[:80]!r} is deactivated")
        self.value = value


class NotFound(FirelineError):
    """The addressed resource does not exist (or is not visible to the requester)."""


class Conflict(FirelineError):
    """The request is valid in itself but conflicts with the current state."""


class IllegalTransition(Conflict):
    """A status change that the incident lifecycle forbids; `allowed` lists the legal targets."""

    def __init__(self, current: str, requested: str, allowed: Iterable[str]) -> None:
        self.current = current
        self.requested = requested
        self.allowed = tuple(allowed)
        choices = ", ".join(self.allowed) if self.allowed else "none (the incident is final)"
        super().__init__(
            f"cannot move an incident from {current!r} to {requested!r}; "
            f"allowed from {current!r}: {choices}"
        )


class TooManyAttempts(FirelineError):
    """Too many wrong passwords in a row for this account; `retry_after` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong passwords in a row; try again in {retry_after} seconds")
        self.retry_after = retry_after
