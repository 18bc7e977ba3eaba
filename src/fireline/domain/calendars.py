"""Counting time in a business calendar: when a target falls due, and how much of it is spent.

A target of "1 business day" in a 09:00–17:00 Monday-to-Friday calendar is eight working
hours: declared on Friday at 15:00 it falls due on Monday at 15:00, not on Saturday. Each
working day's window is taken in the calendar's own time zone, so a daylight-saving change
moves it with the wall clock (a 09:00 start stays 09:00 local), and holidays have no window.
`None` stands for the built-in 24×7 calendar, where every second counts.

Pure functions of their arguments; every datetime in is timezone-aware, and every one out
is in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fireline.domain.policy import ALWAYS_ON, BusinessCalendar, Policy

MAX_DAYS = 3 * 366
"""How far ahead a due time is looked for. Targets are at most 366 days of working time (the
policy file's limit); a calendar that works at least one day a week reaches that well within
this. A calendar with no working time at all never would, and is refused."""


class NoWorkingTime(ValueError):
    """The calendar has no working window within MAX_DAYS of the start."""


def calendar_of(policy: Policy, name: str) -> BusinessCalendar | None:
    """The named calendar of `policy`, or None for the built-in 24×7 one.

    KeyError when the policy defines no calendar of that name.
    """
    if name == ALWAYS_ON:
        return None
    for calendar in policy.calendars:
        if calendar.name == name:
            return calendar
    raise KeyError(name)


def add_working_time(
    calendar: BusinessCalendar | None, start: datetime, seconds: float
) -> datetime:
    """The instant at which `seconds` of working time have passed since `start`.

    Zero seconds from a moment outside working hours is that same moment (nothing is due
    later than it must be). NoWorkingTime when the calendar never works.
    """
    _check_aware(start)
    # In UTC throughout: Python adds and subtracts datetimes of one zone by their wall
    # clocks, which across a clock change is an hour off.
    start = start.astimezone(UTC)
    if calendar is None:
        return start + timedelta(seconds=seconds)
    left = timedelta(seconds=seconds)
    if left <= timedelta(0):
        return start
    for opens, closes in _windows(calendar, start):
        begin = max(opens, start)
        if begin >= closes:
            continue
        if begin + left <= closes:
            return begin + left
        left -= closes - begin
    raise NoWorkingTime(f"calendar {calendar.name!r} has no working time after {start}")


def working_time_between(
    calendar: BusinessCalendar | None, start: datetime, end: datetime
) -> timedelta:
    """How much working time lies between `start` and `end` (zero when end is not later)."""
    _check_aware(start)
    _check_aware(end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return timedelta(0)
    if calendar is None:
        return end - start
    spent = timedelta(0)
    for opens, closes in _windows(calendar, start):
        if opens >= end:
            break
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            spent += finish - begin
    return spent


def _windows(calendar: BusinessCalendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working windows (opens, closes) from the local day of `start` on, in UTC."""
    zone = ZoneInfo(calendar.time_zone)
    first = start.astimezone(zone).date()
    for offset in range(MAX_DAYS):
        day = first + timedelta(days=offset)
        if not _works_on(calendar, day):
            continue
        opens = datetime.combine(day, calendar.start, tzinfo=zone)
        closes = datetime.combine(day, calendar.end, tzinfo=zone)
        # Through UTC, so that a window spanning a clock change has its true length.
        yield opens.astimezone(UTC), closes.astimezone(UTC)


def _works_on(calendar: BusinessCalendar, day: date) -> bool:
    return day.isoweekday() in calendar.working_days and day not in calendar.holidays


def _check_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware one")
