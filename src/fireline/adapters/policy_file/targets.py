"""Targets in seconds: a duration counted in a calendar, with the calendar decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from fireline.adapters.policy_file.durations import parse_duration
from fireline.adapters.policy_file.fields import TargetSpec
from fireline.adapters.policy_file.schema import CalendarSpec, PolicySpec
from fireline.domain.policy import ALWAYS_ON, Target


@dataclass(frozen=True)
class ResolvedTarget:
    """A target with its calendar decided: the domain `Target` and its normalized spelling."""

    target: Target
    within: str

    def as_document(self) -> dict[str, Any]:
        return {"within": self.within, "calendar": self.target.calendar}


class TargetError(ValueError):
    """A target that cannot be counted; `on_calendar` says the calendar key is at fault."""

    def __init__(self, message: str, *, on_calendar: bool = False) -> None:
        super().__init__(message)
        self.on_calendar = on_calendar


def working_day_seconds(calendar: CalendarSpec) -> int:
    """How long one working day of `calendar` lasts, in seconds (8 h for 09:00-17:00)."""
    start, end = (time.fromisoformat(part) for part in calendar.working_hours.split("-"))
    return (end.hour - start.hour) * 3600 + (end.minute - start.minute) * 60


MAX_TARGET_SECONDS = 366 * 24 * 3600
"""No handbook promises anything a year out; a longer target is a typo (``999999w``)."""


def resolve_target(spec: PolicySpec, target: TargetSpec) -> ResolvedTarget:
    """The target in seconds and in its calendar. Raises TargetError saying what is allowed.

    Without a calendar, clock durations count in ``24x7`` and business durations in the
    policy's first business calendar; business durations never count in ``24x7``.
    """
    duration = parse_duration(target.within)
    calendars = {calendar.name: calendar for calendar in spec.calendars}
    defined = ", ".join([ALWAYS_ON, *calendars])
    name = target.calendar
    if name is None:
        name = next(iter(calendars), None) if duration.is_business else ALWAYS_ON
        if name is None:
            raise TargetError(
                f"{target.within!r} needs a business calendar, but the policy defines none "
                "(allowed: add one under calendars, or use a clock duration such as 8h or 1d)"
            )
    elif name != ALWAYS_ON and name not in calendars:
        raise TargetError(f"unknown calendar {name!r} (allowed: {defined})", on_calendar=True)
    if duration.is_business and name == ALWAYS_ON:
        example = next(iter(calendars), "business_hours")
        raise TargetError(
            f"{target.within!r} cannot be counted in {ALWAYS_ON!r}, which has no working days "
            f"or hours (allowed: a business calendar such as {example}, "
            "or a clock duration such as 1d)",
            on_calendar=target.calendar is not None,
        )
    day = working_day_seconds(calendars[name]) if name in calendars else None
    seconds = duration.seconds(day)
    if seconds > MAX_TARGET_SECONDS:
        raise TargetError(f"{target.within!r} is too long (allowed: at most 366 days)")
    return ResolvedTarget(Target(seconds, name), duration.canonical)
