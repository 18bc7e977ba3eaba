"""Timers: everything that will fire for an incident, and when, from its course so far.

The worker stores timers as rows with a due time and fires each once; `policy simulate`
prints them. Both come from `plan_timers`, so what a policy author sees is what the worker
does. A timer's `key` names it within its incident: after a change (severity, status,
acknowledgement) the timers not yet fired are planned again, and a key that already fired
never fires a second time.

Pure: the caller passes the incident's course and its pinned policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fireline.domain.calendars import add_working_time, calendar_of
from fireline.domain.clocks import StatusSpan, reached_at
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import ACTIVE, PAUSED, Status
from fireline.domain.policy import ALWAYS_ON, Policy, Target, TierEscalation
from fireline.domain.timeline import TimelineEvent

NO_RESOLUTION_PATH = (Status.OPEN, Status.INVESTIGATING)
"""Escalation by time runs only in these: `identified` and later mean a path was found."""
UNRESOLVED = (*ACTIVE, *PAUSED)
"""Elapsed-time notices count wall time in these, pauses included (handbook 004)."""
LATE_AFTER = timedelta(seconds=30)
"""A timer fired this long after it came due is marked late on the timeline."""
SYSTEM_ACTOR = "fireline"


class TimerKind(StrEnum):
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    ESCALATION = "escalation"
    NOTIFY = "notify"
    REVIEW_DUE = "review_due"


_ORDER = {kind: position for position, kind in enumerate(TimerKind)}


@dataclass(frozen=True)
class Course:
    """What an incident's timers depend on: its classification and its status history."""

    severity: int
    criticality: str | None
    declared_at: datetime
    acknowledged_at: datetime | None
    spans: tuple[StatusSpan, ...]

    @property
    def resolved_at(self) -> datetime | None:
        """When the incident was last resolved, if it is resolved or closed now."""
        if self.spans[-1].status not in (Status.RESOLVED, Status.CLOSED):
            return None
        return next(s.since for s in reversed(self.spans) if s.status is Status.RESOLVED)


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


def course_of(incident: Incident, spans: Sequence[StatusSpan]) -> Course:
    return Course(
        severity=incident.severity,
        criticality=incident.criticality,
        declared_at=incident.declared_at,
        acknowledged_at=incident.acknowledged_at,
        spans=tuple(spans),
    )


def plan_timers(course: Course, policy: Policy) -> list[Timer]:
    """Every timer the course leads to if nothing else changes, past ones included, in the
    order they fire."""
    timers = [*_sla(course, policy), *_escalation(course, policy), *_elapsed(course, policy)]
    timers += _reviews(course, policy, timers)
    # One timer per key: a policy may name the same contact twice for the same wait.
    unique = {timer.key: timer for timer in reversed(timers)}
    return sorted(unique.values(), key=lambda t: (t.due_at, _ORDER[t.kind], t.key))


def fired_event(
    timer: Timer, *, planned_at: datetime, now: datetime, actor: str = SYSTEM_ACTOR
) -> TimelineEvent:
    """The timeline entry for `timer` firing at `now`. It is late when it fires more than
    LATE_AFTER after it came due (or, if it was planned after its due time, after it was
    planned): that happens only when no worker ran."""
    late = now - max(timer.due_at, planned_at)
    summary = timer.note
    late_by = None
    if late > LATE_AFTER:
        late_by = int(late.total_seconds())
        summary += f" (late by {_spelled(timedelta(seconds=late_by))}: no worker was running)"
    return TimelineEvent(
        kind=timer.kind.value,
        at=now,
        actor=actor,
        summary=summary,
        after={
            "key": timer.key,
            "due_at": timer.due_at.isoformat(),
            "clock": timer.clock,
            "level": timer.level,
            "targets": list(timer.targets),
            "late_by_seconds": late_by,
        },
    )


def _sla(course: Course, policy: Policy) -> list[Timer]:
    severity = policy.severity(course.severity)
    resolved_at = course.resolved_at
    stops = {"response": course.acknowledged_at or resolved_at, "resolution": resolved_at}
    timers = []
    for name, target in (("response", severity.response), ("resolution", severity.resolution)):
        budget = timedelta(seconds=target.seconds)
        share = policy.at_risk_share
        for kind, amount, note in (
            (
                TimerKind.SLA_WARNING,
                budget * share,
                f"{name.capitalize()} target at risk: {share:.0%} of {_spelled(budget)} spent",
            ),
            (
                TimerKind.SLA_BREACH,
                budget,
                f"{name.capitalize()} target of {_spelled(budget)} ({target.calendar}) breached",
            ),
        ):
            calendar = calendar_of(policy, target.calendar)
            due = reached_at(calendar, course.spans, amount, stops[name])
            if due is not None:
                timers.append(Timer(f"{kind.value}:{name}", kind, due, clock=name, note=note))
    return timers


def _tier_escalation(course: Course, policy: Policy) -> TierEscalation | None:
    """The escalation of the incident's criticality tier; without one, of the tier its
    severity corresponds to (the tier that implies that severity)."""
    by_tier = {entry.criticality: entry for entry in policy.escalation.tiers}
    if course.criticality is not None and course.criticality in by_tier:
        return by_tier[course.criticality]
    for tier in sorted(policy.criticality_tiers, key=lambda t: t.level):
        if tier.implies_severity == course.severity and tier.name in by_tier:
            return by_tier[tier.name]
    return None


def _escalation(course: Course, policy: Policy) -> list[Timer]:
    entry = _tier_escalation(course, policy)
    if entry is None:
        return []
    steps: list[tuple[int, datetime]] = []
    calendar = calendar_of(policy, entry.every.calendar)
    every = timedelta(seconds=entry.every.seconds)
    for level in range(1, entry.up_to + 1):
        due = reached_at(calendar, course.spans, every * level, None, NO_RESOLUTION_PATH)
        if due is None:
            break
        steps.append((level, due))
    late = entry.unresolved_level
    if entry.unresolved_after is not None and late is not None and late > len(steps):
        due = _unresolved_for(course, policy, entry.unresolved_after, ACTIVE)
        if due is not None:
            steps.append((late, due))
    timers = []
    for level, due in steps:
        action = policy.escalation.level(level)
        timers.append(
            Timer(
                f"escalation:{level}",
                TimerKind.ESCALATION,
                due,
                level=level,
                targets=action.targets if action else (),
                note=f"Escalated to level {level}" + (f": {action.action}" if action else ""),
            )
        )
    return timers


def _elapsed(course: Course, policy: Policy) -> list[Timer]:
    timers = []
    for notice in policy.escalation.elapsed:
        if course.severity not in notice.severities:
            continue
        due = _unresolved_for(course, policy, notice.after, UNRESOLVED)
        if due is None:
            continue
        after = _spelled(timedelta(seconds=notice.after.seconds))
        # The calendar is part of the key: 1h and 1 business hour are different notices.
        wait = str(notice.after.seconds)
        if notice.after.calendar != ALWAYS_ON:
            wait += f"@{notice.after.calendar}"
        for target in notice.targets:
            timers.append(
                Timer(
                    f"notify:{wait}:{target}",
                    TimerKind.NOTIFY,
                    due,
                    targets=(target,),
                    note=f"Notify {target}: Sev-{course.severity} unresolved after {after}",
                )
            )
    return timers


def _reviews(course: Course, policy: Policy, timers: Sequence[Timer]) -> list[Timer]:
    resolved_at = course.resolved_at
    if resolved_at is None:
        return []
    reached = max(
        (
            t.level or 0
            for t in timers
            if t.kind is TimerKind.ESCALATION and t.due_at <= resolved_at
        ),
        default=0,
    )
    reviews = []
    for rule in policy.review_rules:
        if rule.due_within is None:
            continue
        matches = (
            course.severity in rule.severities
            or (course.criticality is not None and course.criticality in rule.criticalities)
            or (
                rule.escalation_level_at_least is not None
                and reached >= rule.escalation_level_at_least
            )
        )
        if matches:
            calendar = calendar_of(policy, rule.due_within.calendar)
            due = add_working_time(calendar, resolved_at, rule.due_within.seconds)
            note = f"Post-incident review due ({rule.description or rule.name})"
            reviews.append(Timer(f"review_due:{rule.name}", TimerKind.REVIEW_DUE, due, note=note))
    return reviews


def _unresolved_for(
    course: Course, policy: Policy, target: Target, counting: tuple[Status, ...]
) -> datetime | None:
    calendar = calendar_of(policy, target.calendar)
    return reached_at(calendar, course.spans, timedelta(seconds=target.seconds), None, counting)


def _spelled(length: timedelta) -> str:
    seconds = int(length.total_seconds())
    if seconds == 0:
        return "0s"
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
