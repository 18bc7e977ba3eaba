"""What the on-call use cases need from a store (mixed into `Store`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredOverride:
    """An override made through the API; `id` is 0 until it is stored."""

    id: int
    schedule: str
    person: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime


class OnCallStore(Protocol):
    def add_override(self, override: StoredOverride) -> int:
        """Store the override; its new ID."""
        ...

    def list_overrides(
        self, schedules: Sequence[str], *, ending_after: datetime
    ) -> list[StoredOverride]:
        """Overrides of those schedules that end after `ending_after`, earliest first."""
        ...

    def remove_override(self, schedule: str, override_id: int) -> bool:
        """Delete it; False when the schedule has no override with that ID."""
        ...
