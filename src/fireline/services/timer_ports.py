"""What the timer use cases need from a store (mixed into `Store`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fireline.domain.lifecycle import Status
from fireline.domain.timers import Handover, Timer


@dataclass(frozen=True)
class StoredTimer:
    """A timer row: `planned_at` is when it was (last) planned; `fired_at` None: still due."""

    id: int
    incident_id: str
    timer: Timer
    planned_at: datetime
    fired_at: datetime | None


class TimerStore(Protocol):
    def replace_timers(
        self, plans: Sequence[tuple[str, Sequence[Timer]]], now: datetime, *, fresh: bool = False
    ) -> None:
        """For each (incident ID, plan): drop its timers not yet fired and store the plan's,
        except those whose key already fired (a fired key never fires again). `fresh`: the
        incidents were just declared and have no timers yet, so there is nothing to drop."""
        ...

    def claim_due_timers(self, now: datetime, limit: int) -> list[StoredTimer]:
        """Up to `limit` unfired timers due at `now`, earliest first, locked for this
        transaction; rows another transaction holds are skipped, not waited for."""
        ...

    def mark_timers_fired(self, ids: Sequence[int], now: datetime) -> int:
        """Mark the timers fired unless they already are; how many this call marked."""
        ...

    def bring_timer_forward(self, incident_id: str, key: str, now: datetime) -> bool:
        """Make the incident's unfired timer `key` due at `now` if it is due later, and its
        backup pages as much earlier; False when there is no such timer to move."""
        ...

    def incidents_without_timers(self, after: str, limit: int) -> list[str]:
        """IDs (greater than `after`, in order) of unresolved incidents with no timer at all:
        those declared before the release that brought timers."""
        ...

    def list_timers(self, incident_id: str) -> list[StoredTimer]:
        """Every timer of the incident, fired or not, in due order."""
        ...

    def next_due_at(self) -> datetime | None:
        """When the earliest unfired timer is due; None when there is none."""
        ...

    def manual_escalation_level(self, incident_id: str) -> int:
        """The highest level people escalated the incident to (0: none)."""
        ...

    def last_handover(self, incident_id: str) -> Handover | None:
        """The incident's latest hand-over by manual escalation, with the first thing the new
        owner did on the incident since (None: never handed over)."""
        ...

    def status_changes(self, incident_id: str) -> list[tuple[datetime, Status]]:
        """Each status change of the incident (its time and new status), oldest first."""
        ...
