"""Timeline events: the append-only record of everything that happened to an incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True)
class TimelineEvent:
    """One entry: who did what when, with the value before and after for changes.

    `kind` is one of: ``declared``, ``severity_decided``, ``field_changed``,
    ``severity_changed``, ``status_changed``, ``acknowledged``, ``role_assigned``,
    ``role_released``, ``comment``, ``restriction_changed``, ``access_granted``,
    ``access_revoked``.
    """

    kind: str
    at: datetime
    actor: str
    summary: str
    field: str | None = None
    before: JsonValue = None
    after: JsonValue = None
    note: str | None = None
