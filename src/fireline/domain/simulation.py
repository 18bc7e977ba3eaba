"""What would happen to an incident under a policy, in order: `fireline policy simulate`.

The simulation builds the status history the options describe (acknowledged, identified,
paused and resumed, resolved at) and asks `plan_timers`, the code the worker's timers come
from, what fires and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fireline.domain.clocks import StatusSpan, status_spans
from fireline.domain.errors import InvalidInput
from fireline.domain.lifecycle import Status
from fireline.domain.planning import plan_timers
from fireline.domain.policy import Policy
from fireline.domain.timers import Course


@dataclass(frozen=True)
class Scenario:
    """An incident of `severity` (and `criticality`) declared at `at`; the offsets say
    what happens when."""

    severity: int
    at: datetime
    horizon: timedelta
    criticality: str | None = None
    acknowledged_after: timedelta | None = None
    identified_after: timedelta | None = None
    paused_after: timedelta | None = None
    resumed_after: timedelta | None = None
    resolved_after: timedelta | None = None


@dataclass(frozen=True)
class Happening:
    """One thing that fires; `after` is whole seconds since declaration."""

    after: int
    at: datetime
    kind: str
    clock: str | None = None
    level: int | None = None
    targets: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


def simulate(policy: Policy, scenario: Scenario) -> list[Happening]:
    """Everything that fires within the horizon, in time order."""
    try:
        policy.severity(scenario.severity)
    except KeyError:
        levels = [str(s.level) for s in policy.severities]
        raise InvalidInput(
            "severity", f"no severity {scenario.severity} (allowed: {', '.join(levels)})"
        ) from None
    if scenario.criticality is not None and scenario.criticality not in policy.tier_names:
        raise InvalidInput(
            "criticality",
            f"no criticality tier {scenario.criticality!r} "
            f"(allowed: {', '.join(policy.tier_names) or 'none defined'})",
        )
    course = Course(
        severity=scenario.severity,
        criticality=scenario.criticality,
        declared_at=scenario.at,
        acknowledged_at=_offset(scenario, scenario.acknowledged_after),
        spans=tuple(_history(scenario)),
    )
    start, end = scenario.at, scenario.at + scenario.horizon
    return [
        Happening(
            after=int((timer.due_at - start).total_seconds()),
            at=timer.due_at,
            kind=timer.kind.value,
            clock=timer.clock,
            level=timer.level,
            targets=timer.targets,
            note=timer.note,
        )
        for timer in plan_timers(course, policy)
        if timer.due_at <= end
    ]


def _history(scenario: Scenario) -> list[StatusSpan]:
    moves: list[tuple[timedelta, Status]] = []
    if scenario.acknowledged_after is not None:
        moves.append((scenario.acknowledged_after, Status.INVESTIGATING))
    if scenario.identified_after is not None:
        moves.append((scenario.identified_after, Status.IDENTIFIED))
    if scenario.resumed_after is not None and scenario.paused_after is None:
        raise InvalidInput("resume_at", "needs a pause to resume from (--pause-at)")
    if scenario.paused_after is not None:
        moves.append((scenario.paused_after, Status.WAITING_FOR_INFO))
        if scenario.resumed_after is not None:
            if scenario.resumed_after <= scenario.paused_after:
                raise InvalidInput("resume_at", "must be later than --pause-at")
            moves.append((scenario.resumed_after, Status.INVESTIGATING))
    if scenario.resolved_after is not None:
        moves.append((scenario.resolved_after, Status.RESOLVED))
    moves.sort(key=lambda move: move[0])
    # A pause returns to where it came from, as the lifecycle has it.
    changes: list[tuple[datetime, Status]] = []
    before_pause = Status.OPEN
    for offset, status in moves:
        current = changes[-1][1] if changes else Status.OPEN
        if status is Status.WAITING_FOR_INFO:
            before_pause = current
        elif offset == scenario.resumed_after and current is Status.WAITING_FOR_INFO:
            status = before_pause
        changes.append((scenario.at + offset, status))
    return status_spans(scenario.at, changes)


def _offset(scenario: Scenario, after: timedelta | None) -> datetime | None:
    return None if after is None else scenario.at + after
