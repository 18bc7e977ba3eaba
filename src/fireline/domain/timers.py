"""Timers: what will fire for an incident and when, and the course they are planned from.

The worker stores timers as rows with a due time and fires each once; `policy simulate`
prints them. Both come from `fireline.domain.planning.plan_timers`, so what a policy author
sees is what the worker does. A timer's `key` names it within its incident: after a change
(severity, status, acknowledgement) the timers not yet fired are planned again, and a key
that already fired never fires a second time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from fireline.domain.clocks import StatusSpan, resolved_since
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import ACTIVE, PAUSED, Status

NO_RESOLUTION_PATH = (Status.OPEN, Status.INVESTIGATING)
"""Escalation by time runs only in these: `identified` and later mean a path was found."""
UNRESOLVED = (*ACTIVE, *PAUSED)
"""Elapsed-time notices count wall time in these, pauses included (handbook 004)."""


class TimerKind(StrEnum):
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    ESCALATION = "escalation"
    NOTIFY = "notify"
    REVIEW_DUE = "review_due"
    PAGE = "page"
    CONTACT_OVERDUE = "contact_overdue"
    INITIAL_NOTICE = "initial_notice"
    UPDATE_DUE = "update_due"
    UPDATE_OVERDUE = "update_overdue"
    RESOLUTION_NOTICE = "resolution_notice"


ORDER = {kind: position for position, kind in enumerate(TimerKind)}


@dataclass(frozen=True)
class Handover:
    """The incident was handed to `owner` at `at` by a manual escalation; `contacted_at` is
    the first thing the new owner did on it since (None: nothing yet)."""

    owner: str
    at: datetime
    contacted_at: datetime | None = None


@dataclass(frozen=True)
class CadenceMark:
    """Where one audience's update cadence stands on an incident: when it last got an update,
    and when its last reminder went out."""

    last_update: datetime | None = None
    last_reminder: datetime | None = None


@dataclass(frozen=True)
class Course:
    """What an incident's timers depend on: its classification and its status history."""

    severity: int
    criticality: str | None
    declared_at: datetime
    acknowledged_at: datetime | None
    spans: tuple[StatusSpan, ...]
    escalated_to: int = 0
    """The highest level a person escalated the incident to: timers skip levels up to it."""
    handover: Handover | None = None
    cadence: Mapping[str, CadenceMark] = field(default_factory=dict)
    """audience name → where its update cadence stands."""

    @property
    def resolved_at(self) -> datetime | None:
        """When the incident was last resolved, if it is resolved or closed now."""
        return resolved_since(self.spans)


@dataclass(frozen=True)
class Timer:
    """One thing that fires at `due_at`; `note` says what, in words for the timeline."""

    key: str
    kind: TimerKind
    due_at: datetime
    clock: str | None = None
    level: int | None = None
    targets: tuple[str, ...] = ()
    note: str = ""


def course_of(
    incident: Incident,
    spans: Sequence[StatusSpan],
    escalated_to: int = 0,
    handover: Handover | None = None,
    cadence: Mapping[str, CadenceMark] | None = None,
) -> Course:
    return Course(
        severity=incident.severity,
        criticality=incident.criticality,
        declared_at=incident.declared_at,
        acknowledged_at=incident.acknowledged_at,
        spans=tuple(spans),
        escalated_to=escalated_to,
        handover=handover,
        cadence=dict(cadence or {}),
    )


def spelled(length: timedelta) -> str:
    seconds = int(length.total_seconds())
    if seconds == 0:
        return "0s"
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
