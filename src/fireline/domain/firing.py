"""Firing a timer: who its schedule targets reach, and the timeline entry it leaves.

Pure: the caller passes the timer, the schedules in force and `now`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from fireline.domain.notifications import METHOD_WORDS
from fireline.domain.oncall import Schedule, on_call_at
from fireline.domain.recipients import ROOM, Reach
from fireline.domain.timeline import TimelineEvent
from fireline.domain.timers import Timer, TimerKind, spelled

LATE_AFTER = timedelta(seconds=30)
"""A timer fired this long after it came due is marked late on the timeline."""
SYSTEM_ACTOR = "fireline"


def on_call_for(
    timer: Timer, schedules: Mapping[str, Schedule], at: datetime
) -> dict[str, str | None]:
    """Who each of the timer's `schedule:` targets reaches at `at` (None: a gap, or a
    schedule the policy no longer has)."""
    return on_call_of(timer.targets, schedules, at)


def on_call_of(
    targets: Sequence[str], schedules: Mapping[str, Schedule], at: datetime
) -> dict[str, str | None]:
    """Who each `schedule:` target among `targets` reaches at `at` (None: nobody)."""
    reached: dict[str, str | None] = {}
    for target in targets:
        kind, _, name = target.partition(":")
        if kind == "schedule":
            schedule = schedules.get(name)
            reached[target] = on_call_at(schedule, at) if schedule else None
    return reached


def describe_on_call(on_call: Mapping[str, str | None]) -> str:
    """ "; schedule:x: alex" for each schedule target, saying so where nobody is on call."""
    return "".join(
        f"; {target}: " + (person or "nobody on call (a gap)") for target, person in on_call.items()
    )


def falls_through(timer: Timer, on_call: Mapping[str, str | None]) -> bool:
    """An escalation level reaches nobody when all its targets are schedules with nobody on
    call: the escalation then moves on to the next level at once."""
    return (
        timer.kind is TimerKind.ESCALATION
        and bool(timer.targets)
        and all(on_call.get(target, "") is None for target in timer.targets)
    )


def fired_event(
    timer: Timer,
    *,
    planned_at: datetime,
    now: datetime,
    on_call: Mapping[str, str | None] | None = None,
    actor: str = SYSTEM_ACTOR,
    reached: Reach | None = None,
) -> TimelineEvent:
    """The timeline entry for `timer` firing at `now`, naming who each schedule target
    reached (`on_call`) and whom its message goes to (`reached`). It is late when it fires
    more than LATE_AFTER after it came due (or, if it was planned after its due time, after
    it was planned): only when no worker ran."""
    on_call = on_call or {}
    late = now - max(timer.due_at, planned_at)
    summary = timer.note
    summary += describe_on_call(on_call)
    if reached is not None:
        summary += describe_reach(reached)
    if falls_through(timer, on_call):
        summary += "; falls through to the next level, if there is one"
    late_by = None
    if late > LATE_AFTER:
        late_by = int(late.total_seconds())
        summary += f" (late by {spelled(timedelta(seconds=late_by))}: no worker was running)"
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
            "on_call": dict(on_call),
            **(
                {"deliveries": len(reached.deliveries), "unreached": list(reached.unreached)}
                if reached is not None
                else {}
            ),
        },
    )


def describe_reach(found: Reach) -> str:
    """ "; reaching ana by chat, SMS after 2m; skipped: phone call for ana (no channel); not
    reached: contact:cto: …" """
    text = ""
    if found.deliveries:
        by_label: dict[str, list[str]] = {}
        for d in found.deliveries:
            how = d.channel if d.method == ROOM else METHOD_WORDS[d.method]
            when = f" after {spelled(timedelta(seconds=d.delay))}" if d.delay else ""
            by_label.setdefault(d.label, []).append(how + when)
        text += "; reaching " + "; ".join(
            f"{label} by {', '.join(ways)}" for label, ways in by_label.items()
        )
    if found.skipped:
        text += "; skipped: " + ", ".join(found.skipped)
    if found.merged:
        text += "; already paged moments ago: " + ", ".join(found.merged)
    if found.unreached:
        text += "; not reached: " + "; ".join(found.unreached)
    return text
