"""What would happen to an incident under a policy, in order: `fireline policy simulate`.

The simulation builds the status history the options describe (acknowledged at, paused and
resumed at, resolved at) and asks the same clock code the API and the worker use when each
clock would warn and breach. Escalation, notification and paging kinds join as the policy
learns them (issue 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fireline.domain.calendars import calendar_of
from fireline.domain.clocks import AT_RISK_SHARE, StatusSpan, reached_at, status_spans
from fireline.domain.errors import InvalidInput
from fireline.domain.lifecycle import Status
from fireline.domain.policy import Policy


@dataclass(frozen=True)
class Scenario:
    """An incident of `severity` declared at `at`; the offsets say what happens when."""

    severity: int
    at: datetime
    horizon: timedelta
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
        severity = policy.severity(scenario.severity)
    except KeyError:
        levels = [str(s.level) for s in policy.severities]
        raise InvalidInput(
            "severity", f"no severity {scenario.severity} (allowed: {', '.join(levels)})"
        ) from None
    spans = _history(scenario)
    start, end = scenario.at, scenario.at + scenario.horizon
    stops = {
        "response": _offset(scenario, scenario.acknowledged_after or scenario.resolved_after),
        "resolution": _offset(scenario, scenario.resolved_after),
    }
    happenings = []
    for name, target in (("response", severity.response), ("resolution", severity.resolution)):
        budget = timedelta(seconds=target.seconds)
        for kind, amount, note in (
            (
                "sla_warning",
                budget * AT_RISK_SHARE,
                f"{AT_RISK_SHARE:.0%} of the {name} target spent",
            ),
            (
                "sla_breach",
                budget,
                f"{name} target of {_spelled(budget)} ({target.calendar}) reached",
            ),
        ):
            instant = reached_at(calendar_of(policy, target.calendar), spans, amount, stops[name])
            if instant is not None and instant <= end:
                after = int((instant - start).total_seconds())
                happenings.append(Happening(after, instant, kind, clock=name, note=note))
    return sorted(happenings, key=lambda h: (h.at, h.kind != "sla_warning", h.clock or ""))


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
    return status_spans(scenario.at, [(scenario.at + offset, status) for offset, status in moves])


def _offset(scenario: Scenario, after: timedelta | None) -> datetime | None:
    return None if after is None else scenario.at + after


def _spelled(length: timedelta) -> str:
    seconds = int(length.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
