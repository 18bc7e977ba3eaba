"""Business-calendar arithmetic: due times and time spent, across weekends, holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fireline.domain.calendars import (
    NoWorkingTime,
    add_working_time,
    calendar_of,
    working_time_between,
)
from fireline.domain.policy import ALWAYS_ON, BusinessCalendar
from tests.unit.domain.builders import make_policy

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
OFFICE = BusinessCalendar(
    name="business_hours",
    time_zone="Europe/Berlin",
    working_days=(1, 2, 3, 4, 5),
    start=time(9),
    end=time(17),
    holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}),
)
BUSINESS_DAY = 8 * HOUR


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def test_one_business_day_from_friday_afternoon_falls_due_on_monday_afternoon() -> None:
    friday = local(2026, 11, 27, 15, 0)
    due = add_working_time(OFFICE, friday, BUSINESS_DAY)
    assert due == local(2026, 11, 30, 15, 0)
    assert due.astimezone(BERLIN).strftime("%A") == "Monday"


def test_time_outside_working_hours_starts_counting_at_the_next_opening() -> None:
    saturday_night = local(2026, 11, 28, 23, 0)
    assert add_working_time(OFFICE, saturday_night, HOUR) == local(2026, 11, 30, 10, 0)
    early = local(2026, 12, 1, 6, 30)
    assert add_working_time(OFFICE, early, 30 * 60) == local(2026, 12, 1, 9, 30)


def test_a_target_ending_at_closing_time_is_due_at_closing_time() -> None:
    assert add_working_time(OFFICE, local(2026, 12, 1, 9), BUSINESS_DAY) == local(2026, 12, 1, 17)


def test_holidays_have_no_working_time() -> None:
    christmas_eve = local(2026, 12, 24, 16, 0)  # Thursday; 25th and 28th are holidays
    assert add_working_time(OFFICE, christmas_eve, 2 * HOUR) == local(2026, 12, 29, 10, 0)
    spent = working_time_between(OFFICE, christmas_eve, local(2026, 12, 29, 10, 0))
    assert spent == timedelta(hours=2)


def test_working_hours_follow_the_wall_clock_across_a_dst_change() -> None:
    # Summer time ends on Sunday 25 October 2026: Monday's 09:00 is 08:00 UTC, Friday's 07:00.
    friday = local(2026, 10, 23, 16, 0)
    due = add_working_time(OFFICE, friday, 2 * HOUR)
    assert due == local(2026, 10, 26, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_a_24x7_target_counts_every_second_even_across_dst() -> None:
    before = local(2026, 3, 29, 1, 30)  # clocks go forward at 02:00: 01:30 CET is 00:30 UTC
    due = add_working_time(None, before, HOUR)
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert due.astimezone(BERLIN).hour == 3  # an hour later by the clock on the wall: 03:30
    two_days_later = local(2026, 3, 31, 1, 30)  # 47 real hours: one was skipped
    assert working_time_between(None, before, two_days_later) == timedelta(hours=47)


def test_a_window_that_spans_a_clock_change_has_its_true_length() -> None:
    night_shift = BusinessCalendar("night", "Europe/Berlin", (7,), time(0), time(6))
    # Sunday 29 March 2026 from 00:00 to 06:00 local is five real hours (02:00 → 03:00).
    sunday = local(2026, 3, 29, 0, 0)
    assert working_time_between(night_shift, sunday, local(2026, 3, 30)) == timedelta(hours=5)
    assert add_working_time(night_shift, sunday, 5 * HOUR) == local(2026, 3, 29, 6, 0)


def test_time_spent_is_the_inverse_of_the_due_time() -> None:
    start = local(2026, 11, 26, 11, 17)
    for seconds in (0, 1, 59 * 60, BUSINESS_DAY, 3 * BUSINESS_DAY + 123, 40 * BUSINESS_DAY):
        due = add_working_time(OFFICE, start, seconds)
        assert working_time_between(OFFICE, start, due) == timedelta(seconds=seconds)


def test_nothing_is_spent_backwards_or_outside_hours() -> None:
    assert working_time_between(
        OFFICE, local(2026, 12, 2, 12), local(2026, 12, 1, 12)
    ) == timedelta(0)
    weekend = working_time_between(OFFICE, local(2026, 11, 28, 9), local(2026, 11, 29, 18))
    assert weekend == timedelta(0)


def test_a_calendar_that_never_works_is_refused_not_looped_over() -> None:
    never = BusinessCalendar("never", "UTC", (), time(9), time(17))
    with pytest.raises(NoWorkingTime):
        add_working_time(never, datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_working_time(OFFICE, datetime(2026, 1, 1), 1)


def test_the_policy_names_its_calendars_and_24x7_is_built_in() -> None:
    policy = make_policy(calendars=(OFFICE,))
    assert calendar_of(policy, ALWAYS_ON) is None
    assert calendar_of(policy, "business_hours") == OFFICE
    with pytest.raises(KeyError):
        calendar_of(policy, "nope")
