"""What would happen to an incident under a policy, in order: `fireline policy simulate`.

The simulation builds the status history the options describe (acknowledged, identified,
paused and resumed, resolved at) and asks `plan_timers`, the code the worker's timers come
from, what fires and when; update reminders move their cadence on as the worker's do
(`unroll_cadence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from fireline.domain.clocks import status_spans
from fireline.domain.communication import audience_of, unroll_cadence
from fireline.domain.errors import InvalidInput
from fireline.domain.lifecycle import PAUSED, Status
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
    series: str | None = None
    """What recurs, when this is one of a run: the audience of an update reminder (or of its
    overdue escalation); None for what fires once."""


@dataclass(frozen=True)
class Repetition:
    """A run of happenings alike: `first`, then more of it, `count` in all, the last
    `last_after` seconds after declaration. `every` is the gap in seconds between each and
    the next when it never varies; None when it does (a cadence in business hours)."""

    first: Happening
    count: int
    every: int | None
    last_after: int


REPEATING_FROM = 3
"""A run of this many or more is a repetition; two reminders read better as two rows."""

_RunKey = tuple[str, str, tuple[str, ...]]


def _run_key(happening: Happening) -> _RunKey | None:
    """What tells a happening's run: its series, kind and targets; None when it never recurs."""
    if happening.series is None:
        return None
    return (happening.series, happening.kind, happening.targets)


def collapse_repetitions(
    happenings: Sequence[Happening], least: int = REPEATING_FROM
) -> list[Happening | Repetition]:
    """`happenings` (in time order) with each repetition in one place, its first's.

    Happenings repeat one another when they have the same series (not None), kind and
    targets: an audience's update reminders are one run, their overdue escalations another.
    A run of fewer than `least` stays as it is, one happening each.
    """
    runs: dict[_RunKey, list[Happening]] = {}
    for happening in happenings:
        if (key := _run_key(happening)) is not None:
            runs.setdefault(key, []).append(happening)
    rows: list[Happening | Repetition] = []
    for happening in happenings:
        key = _run_key(happening)
        run = runs[key] if key is not None else []
        if len(run) < least:
            rows.append(happening)
        elif happening is run[0]:
            gaps = {later.after - earlier.after for earlier, later in pairwise(run)}
            every = gaps.pop() if len(gaps) == 1 else None
            rows.append(Repetition(happening, len(run), every, run[-1].after))
    return rows


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
    changes, acknowledged_at = _history(scenario)
    course = Course(
        severity=scenario.severity,
        criticality=scenario.criticality,
        declared_at=scenario.at,
        acknowledged_at=acknowledged_at,
        spans=tuple(status_spans(scenario.at, changes)),
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
            series=audience_of(timer),
        )
        for timer in unroll_cadence(course, policy, end, lambda c: plan_timers(c, policy))
        if timer.due_at <= end
    ]


def _history(scenario: Scenario) -> tuple[list[tuple[datetime, Status]], datetime | None]:
    """The status changes the options describe, as the lifecycle allows them, and when the
    incident was first answered (acknowledged, or moved on from open, as the API has it).

    Raises InvalidInput for a history the lifecycle refuses: a resume without a pause,
    anything after the resolution, a move while paused."""
    if scenario.resumed_after is not None and scenario.paused_after is None:
        raise InvalidInput("resume_at", "needs a pause to resume from (--pause-at)")
    if (
        scenario.resumed_after is not None
        and scenario.paused_after is not None
        and scenario.resumed_after <= scenario.paused_after
    ):
        raise InvalidInput("resume_at", "must be later than --pause-at")
    options = [
        ("ack_at", scenario.acknowledged_after),
        ("identified_at", scenario.identified_after),
        ("pause_at", scenario.paused_after),
        ("resume_at", scenario.resumed_after),
    ]
    resolved = scenario.resolved_after
    for name, offset in options:
        if offset is not None and resolved is not None and offset > resolved:
            raise InvalidInput(name, "must not be later than --resolve-at (allowed: earlier)")
    moves = sorted(
        (
            (offset, name)
            for name, offset in [*options, ("resolve_at", resolved)]
            if offset is not None
        ),
        key=lambda move: (move[0], _ORDER.index(move[1])),
    )
    changes: list[tuple[datetime, Status]] = []
    status, before_pause = Status.OPEN, Status.OPEN
    answered: datetime | None = None
    for offset, name in moves:
        at = scenario.at + offset
        if status in PAUSED and name in ("identified_at", "ack_at"):
            raise InvalidInput(
                name, "falls inside the pause (allowed: before --pause-at or after --resume-at)"
            )
        new = {
            "ack_at": Status.INVESTIGATING if status is Status.OPEN else status,
            "identified_at": Status.IDENTIFIED,
            "pause_at": Status.WAITING_FOR_INFO,
            "resume_at": before_pause,
            "resolve_at": Status.RESOLVED,
        }[name]
        if name == "pause_at":
            before_pause = status
        if name == "ack_at" or (status is Status.OPEN and new is not Status.OPEN):
            answered = answered or at
        if new is not status:
            changes.append((at, new))
            status = new
    return changes, answered


_ORDER = ["ack_at", "identified_at", "pause_at", "resume_at", "resolve_at"]
"""Moves at the same instant happen in this order."""


def _offset(scenario: Scenario, after: timedelta | None) -> datetime | None:
    return None if after is None else scenario.at + after
