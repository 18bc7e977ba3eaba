"""SLA clocks: how much of an incident's response and resolution targets is spent.

Both clocks count working time of their target's calendar while the incident is active
(open or being worked on). `waiting_for_info` and `on_hold` pause them; resuming continues
from the time already spent. The response clock stops at the first acknowledgement, the
resolution clock while the incident is resolved or closed (a reopened incident's clock goes
on from where it stopped). Targets follow the incident's current severity under its pinned
policy version: a severity change re-targets both clocks and keeps the time spent.

Pure: the caller passes the incident, its status history and `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fireline.domain.calendars import add_working_time, calendar_of, working_time_between
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import ACTIVE, PAUSED, Status
from fireline.domain.policy import BusinessCalendar, ClockStart, Policy, Target


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class StatusSpan:
    """The incident was in `status` from `since` until `until` (None: still is)."""

    status: Status
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class Clock:
    """One clock as of `now`. `due_at` is when the target is (or was) reached by the time
    spent; None while paused before it was reached, since no one can say when it resumes."""

    name: str
    target: Target
    elapsed: timedelta
    remaining: timedelta
    due_at: datetime | None
    state: ClockState
    at_risk: bool
    stopped_at: datetime | None


def clocks_start(incident: Incident, policy: Policy) -> datetime:
    """The instant `incident`'s clocks start from under `policy`'s `clock_start`: detected
    (else reported), reported, or declared. Never later than the declaration."""
    if policy.clock_start is ClockStart.DETECTED and incident.detected_at is not None:
        return min(incident.detected_at, incident.declared_at)
    if policy.clock_start is ClockStart.DECLARED:
        return incident.declared_at
    return min(incident.reported_at, incident.declared_at)


def incident_spans(
    incident: Incident, changes: Sequence[tuple[datetime, Status]], policy: Policy
) -> list[StatusSpan]:
    """`status_spans` of an incident, open from the instant its clocks start."""
    return status_spans(clocks_start(incident, policy), changes)


def status_spans(
    declared_at: datetime, changes: Sequence[tuple[datetime, Status]]
) -> list[StatusSpan]:
    """The statuses an incident passed through: open from `declared_at`, then each change
    (its time and new status), oldest first."""
    spans: list[StatusSpan] = []
    status, since = Status.OPEN, declared_at
    for at, new in changes:
        spans.append(StatusSpan(status, since, at))
        status, since = new, at
    spans.append(StatusSpan(status, since, None))
    return spans


def read_clocks(
    incident: Incident, spans: Sequence[StatusSpan], policy: Policy, now: datetime
) -> tuple[Clock, Clock]:
    """The response and resolution clocks of `incident` at `now` under its pinned `policy`."""
    severity = policy.severity(incident.severity)
    current = spans[-1].status if spans else incident.status
    resolved_at = resolved_since(spans)
    # Resolving an incident nobody acknowledged answers it too: its response clock stops.
    responded_at = incident.acknowledged_at or resolved_at
    response = _clock("response", severity.response, spans, policy, now, responded_at, current)
    resolution = _clock("resolution", severity.resolution, spans, policy, now, resolved_at, current)
    return response, resolution


def resolved_since(spans: Sequence[StatusSpan]) -> datetime | None:
    """When the incident was last resolved, if the history ends resolved or closed."""
    if not spans or spans[-1].status not in (Status.RESOLVED, Status.CLOSED):
        return None
    return next(s.since for s in reversed(spans) if s.status is Status.RESOLVED)


def reached_at(
    calendar: BusinessCalendar | None,
    spans: Sequence[StatusSpan],
    amount: timedelta,
    stopped_at: datetime | None,
    counting: tuple[Status, ...] = ACTIVE,
) -> datetime | None:
    """When the working time spent in `counting` statuses (by default the active ones)
    reaches `amount`: in the past, or ahead when the history ends in such a status. None when
    the clock stops (or the history ends in another status) before it does."""
    spent = timedelta(0)
    for span in spans:
        if span.status not in counting:
            continue
        start = span.since
        if stopped_at is not None and start >= stopped_at:
            break
        until = span.until
        if stopped_at is not None and (until is None or until > stopped_at):
            until = stopped_at
        if until is None:  # still running: it will be reached
            return add_working_time(calendar, start, (amount - spent).total_seconds())
        here = working_time_between(calendar, start, until)
        if spent + here >= amount:
            return add_working_time(calendar, start, (amount - spent).total_seconds())
        spent += here
    return None


def _clock(
    name: str,
    target: Target,
    spans: Sequence[StatusSpan],
    policy: Policy,
    now: datetime,
    stopped_at: datetime | None,
    current: Status,
) -> Clock:
    calendar = calendar_of(policy, target.calendar)
    budget = timedelta(seconds=target.seconds)
    end = min(now, stopped_at) if stopped_at is not None else now
    spent = sum(
        (
            working_time_between(calendar, span.since, min(span.until or end, end))
            for span in spans
            if span.status in ACTIVE
        ),
        timedelta(0),
    )
    due_at = reached_at(calendar, spans, budget, stopped_at)
    running = stopped_at is None and current in ACTIVE
    if stopped_at is not None:
        state = ClockState.MET if spent <= budget else ClockState.BREACHED
    elif spent > budget or (spent == budget and running):
        state = ClockState.BREACHED
    else:
        state = ClockState.PAUSED if current in PAUSED else ClockState.RUNNING
    return Clock(
        name=name,
        target=target,
        elapsed=spent,
        remaining=max(budget - spent, timedelta(0)),
        due_at=due_at,
        state=state,
        at_risk=state in (ClockState.RUNNING, ClockState.PAUSED)
        and spent >= budget * policy.at_risk_share,
        stopped_at=stopped_at,
    )
