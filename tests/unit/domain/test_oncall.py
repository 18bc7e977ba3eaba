"""On-call schedules, pure: who is on call at an instant, shifts and gaps, overrides.

Whole-day shifts hand off at the same local wall time across DST changes; shorter ones are
counted in absolute time. Where layers overlap the later one wins; overrides beat layers and
a later override beats an earlier one.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import groupby, pairwise
from zoneinfo import ZoneInfo

import pytest

from fireline.adapters.policy_file import load_policy_text
from fireline.domain.errors import InvalidInput
from fireline.domain.oncall import (
    MAX_SPAN,
    START_GRACE,
    Layer,
    Override,
    Restriction,
    Schedule,
    Shift,
    gaps,
    on_call_at,
    overlapping,
    override_window,
    shifts,
)

LONDON = "Europe/London"
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)
MIN = timedelta(minutes=1)
WEEKDAYS = (1, 2, 3, 4, 5)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in London, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


def assert_contiguous(found: list[Shift], start: datetime, end: datetime) -> None:
    """`shifts` covers [start, end) without holes, overlaps or two stretches of one person."""
    assert found, "no shifts at all"
    assert found[0].starts_at == start
    assert found[-1].ends_at == end
    for shift in found:
        assert shift.starts_at < shift.ends_at, shift
    for before, after in pairwise(found):
        assert before.ends_at == after.starts_at, (before, after)
        assert before.person != after.person, (before, after)


# A weekly rotation of three, handing off on Mondays at 09:00 London time

WEEKLY = Layer(
    name="primary",
    members=("alice", "bob", "carol"),
    starts_at=local(2026, 1, 5, 9, 0),  # a Monday; GMT, so 09:00 UTC
    shift=WEEK,
)
ROTA = Schedule("ops_oncall", LONDON, (WEEKLY,))


@pytest.mark.parametrize(
    ("at", "person"),
    [
        (utc(2026, 1, 5, 9, 0), "alice"),  # the first hand-off
        (utc(2026, 1, 8, 3, 0), "alice"),
        (utc(2026, 1, 12, 8, 59, 59), "alice"),
        (utc(2026, 1, 12, 9, 0), "bob"),
        (utc(2026, 1, 19, 9, 0), "carol"),
        (utc(2026, 1, 26, 9, 0), "alice"),  # round again
        (utc(2026, 2, 2, 9, 0), "bob"),
    ],
)
def test_a_weekly_rotation_takes_turns_from_its_first_hand_off(at: datetime, person: str) -> None:
    assert on_call_at(ROTA, at) == person


@pytest.mark.parametrize(
    ("at", "person"),
    [
        # Week 11 (carol) runs from Monday 23 March 09:00 GMT. The clocks go forward on
        # Sunday 29 March; week 12 (alice) starts on Monday 30 March at 09:00 BST, 08:00 UTC.
        (utc(2026, 3, 23, 9, 0), "carol"),
        (utc(2026, 3, 29, 12, 0), "carol"),
        (utc(2026, 3, 30, 7, 59), "carol"),  # 08:59 BST
        (utc(2026, 3, 30, 8, 0), "alice"),  # 09:00 BST: not an hour late at 10:00 BST
        (utc(2026, 3, 30, 8, 30), "alice"),
        (utc(2026, 4, 6, 7, 59), "alice"),
        (utc(2026, 4, 6, 8, 0), "bob"),
    ],
)
def test_the_weekly_hand_off_stays_at_09_00_local_after_the_clocks_go_forward(
    at: datetime, person: str
) -> None:
    assert on_call_at(ROTA, at) == person


@pytest.mark.parametrize(
    ("at", "person"),
    [
        # Week 41 (carol) starts on Monday 19 October at 09:00 BST, 08:00 UTC.
        (utc(2026, 10, 19, 7, 59), "bob"),
        (utc(2026, 10, 19, 8, 0), "carol"),
        (utc(2026, 10, 19, 8, 30), "carol"),
        # The clocks go back on Sunday 25 October; week 42 (alice) starts on Monday 26
        # October at 09:00 GMT, 09:00 UTC: an hour later in UTC than the week before.
        (utc(2026, 10, 25, 12, 0), "carol"),
        (utc(2026, 10, 26, 8, 0), "carol"),
        (utc(2026, 10, 26, 8, 59), "carol"),
        (utc(2026, 10, 26, 9, 0), "alice"),
    ],
)
def test_the_weekly_hand_off_stays_at_09_00_local_after_the_clocks_go_back(
    at: datetime, person: str
) -> None:
    assert on_call_at(ROTA, at) == person


def test_shifts_across_the_spring_change_hand_off_at_09_00_local_each_week() -> None:
    start, end = utc(2026, 3, 20, 0, 0), utc(2026, 4, 7, 0, 0)
    found = shifts(ROTA, start, end)
    assert found == [
        Shift("bob", start, utc(2026, 3, 23, 9, 0)),
        Shift("carol", utc(2026, 3, 23, 9, 0), utc(2026, 3, 30, 8, 0)),
        Shift("alice", utc(2026, 3, 30, 8, 0), utc(2026, 4, 6, 8, 0)),
        Shift("bob", utc(2026, 4, 6, 8, 0), end),
    ]
    # The week of the change is an hour short in absolute time; the others are whole weeks.
    assert found[1].ends_at - found[1].starts_at == WEEK - HOUR
    assert found[2].ends_at - found[2].starts_at == WEEK
    assert_contiguous(found, start, end)


def test_shifts_across_the_autumn_change_make_that_week_an_hour_longer() -> None:
    start, end = utc(2026, 10, 19, 0, 0), utc(2026, 11, 3, 0, 0)
    found = shifts(ROTA, start, end)
    assert found == [
        Shift("bob", start, utc(2026, 10, 19, 8, 0)),
        Shift("carol", utc(2026, 10, 19, 8, 0), utc(2026, 10, 26, 9, 0)),
        Shift("alice", utc(2026, 10, 26, 9, 0), utc(2026, 11, 2, 9, 0)),
        Shift("bob", utc(2026, 11, 2, 9, 0), end),
    ]
    assert found[1].ends_at - found[1].starts_at == WEEK + HOUR
    for shift in found[1:]:  # every hand-off
        assert shift.starts_at.astimezone(ZoneInfo(LONDON)).time() == time(9, 0)


def test_a_layer_covers_nobody_before_its_first_hand_off() -> None:
    assert on_call_at(ROTA, utc(2026, 1, 5, 8, 59, 59)) is None
    assert on_call_at(ROTA, utc(2025, 12, 29, 9, 0)) is None  # not carol, a week "before"
    start, end = utc(2026, 1, 1, 0, 0), utc(2026, 1, 6, 0, 0)
    assert shifts(ROTA, start, end) == [
        Shift(None, start, utc(2026, 1, 5, 9, 0)),
        Shift("alice", utc(2026, 1, 5, 9, 0), end),
    ]
    assert gaps(ROTA, start, end) == [Shift(None, start, utc(2026, 1, 5, 9, 0))]


def test_a_layer_without_members_covers_nobody() -> None:
    empty = Schedule("empty", LONDON, (Layer("primary", (), WEEKLY.starts_at, WEEK),))
    assert on_call_at(empty, utc(2026, 2, 1, 12, 0)) is None
    start, end = utc(2026, 2, 1, 0, 0), utc(2026, 2, 20, 0, 0)
    assert shifts(empty, start, end) == [Shift(None, start, end)]


def test_consecutive_stretches_of_one_person_are_merged_into_one_shift() -> None:
    alone = Schedule("alone", LONDON, (Layer("primary", ("alice",), WEEKLY.starts_at, WEEK),))
    start, end = utc(2026, 1, 10, 0, 0), utc(2026, 2, 10, 0, 0)  # four hand-offs inside
    assert shifts(alone, start, end) == [Shift("alice", start, end)]
    assert gaps(alone, start, end) == []


def test_shifts_start_at_start_and_end_at_end_even_mid_shift() -> None:
    start, end = utc(2026, 1, 14, 13, 17), utc(2026, 1, 21, 4, 2)
    found = shifts(ROTA, start, end)
    assert found == [
        Shift("bob", start, utc(2026, 1, 19, 9, 0)),
        Shift("carol", utc(2026, 1, 19, 9, 0), end),
    ]
    inside = shifts(ROTA, utc(2026, 1, 14, 0, 0), utc(2026, 1, 14, 1, 0))
    assert inside == [Shift("bob", utc(2026, 1, 14, 0, 0), utc(2026, 1, 14, 1, 0))]


# A 12-hour shift is counted in absolute time, so its local hand-off moves with DST

TWELVE_HOURS = Schedule(
    "twelve",
    LONDON,
    (Layer("halves", ("nina", "omar"), local(2026, 3, 28, 21, 0), timedelta(hours=12)),),
)


@pytest.mark.parametrize(
    ("at", "person"),
    [
        (utc(2026, 3, 28, 21, 0), "nina"),
        (utc(2026, 3, 29, 8, 30), "nina"),  # 09:30 BST: a wall-clock count would say omar
        (utc(2026, 3, 29, 8, 59), "nina"),
        (utc(2026, 3, 29, 9, 0), "omar"),  # 12 hours after 21:00 GMT is 10:00 BST
        (utc(2026, 3, 29, 20, 59), "omar"),
        (utc(2026, 3, 29, 21, 0), "nina"),
        (utc(2026, 3, 30, 9, 0), "omar"),
    ],
)
def test_a_12_hour_shift_counts_absolute_time_across_the_clock_change(
    at: datetime, person: str
) -> None:
    assert on_call_at(TWELVE_HOURS, at) == person


def test_12_hour_shifts_are_each_exactly_12_hours_long_across_the_clock_change() -> None:
    start, end = utc(2026, 3, 28, 20, 0), utc(2026, 3, 30, 0, 0)
    found = shifts(TWELVE_HOURS, start, end)
    assert found == [
        Shift(None, start, utc(2026, 3, 28, 21, 0)),
        Shift("nina", utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 9, 0)),
        Shift("omar", utc(2026, 3, 29, 9, 0), utc(2026, 3, 29, 21, 0)),
        Shift("nina", utc(2026, 3, 29, 21, 0), end),
    ]
    assert found[1].ends_at - found[1].starts_at == timedelta(hours=12)
    assert found[2].ends_at - found[2].starts_at == timedelta(hours=12)


# Follow the sun: two restricted layers, the later winning where both cover

LONDON_DAYS = Layer(
    "london",
    ("lucy", "leo"),
    local(2026, 1, 5, 8, 0),
    WEEK,
    (Restriction(WEEKDAYS, time(8, 0), time(20, 0)),),
)
SYDNEY_NIGHTS = Layer(
    "sydney",
    ("sam",),
    local(2026, 1, 5, 0, 0),
    WEEK,
    (
        Restriction(WEEKDAYS, time(0, 0), time(9, 0)),
        Restriction(WEEKDAYS, time(18, 0), time(23, 0)),
    ),
)
SUN = Schedule("follow_the_sun", LONDON, (LONDON_DAYS, SYDNEY_NIGHTS))


@pytest.mark.parametrize(
    ("at", "person"),
    [
        (utc(2026, 1, 6, 12, 0), "lucy"),  # Tuesday noon: only London covers
        (utc(2026, 1, 6, 9, 0), "lucy"),  # Sydney's window has just ended
        (utc(2026, 1, 6, 7, 0), "sam"),  # only Sydney
        (utc(2026, 1, 6, 8, 30), "sam"),  # both: the later layer wins
        (utc(2026, 1, 6, 19, 0), "sam"),  # both again
        (utc(2026, 1, 6, 20, 30), "sam"),
        (utc(2026, 1, 6, 23, 30), None),  # neither: a gap
        (utc(2026, 1, 10, 12, 0), None),  # Saturday: nobody
        (utc(2026, 1, 13, 12, 0), "leo"),  # London's second week
        (utc(2026, 1, 13, 8, 30), "sam"),
    ],
)
def test_follow_the_sun_the_later_layer_wins_where_both_cover(
    at: datetime, person: str | None
) -> None:
    assert on_call_at(SUN, at) == person


def test_with_the_layers_swapped_the_other_one_wins_the_overlap() -> None:
    swapped = Schedule("swapped", LONDON, (SYDNEY_NIGHTS, LONDON_DAYS))
    assert on_call_at(swapped, utc(2026, 1, 6, 8, 30)) == "lucy"
    assert on_call_at(swapped, utc(2026, 1, 6, 19, 0)) == "lucy"
    assert on_call_at(swapped, utc(2026, 1, 6, 7, 0)) == "sam"


def test_restriction_windows_are_local_time_in_summer_too() -> None:
    # In July London is UTC+1: Lucy's 08:00-20:00 is 07:00-19:00 UTC.
    assert on_call_at(SUN, utc(2026, 7, 7, 18, 30)) == "sam"  # 19:30 BST
    assert on_call_at(SUN, utc(2026, 7, 7, 22, 30)) is None  # 23:30 BST
    assert on_call_at(SUN, utc(2026, 7, 7, 21, 30)) == "sam"  # 22:30 BST


def test_shifts_of_a_weekday_follow_the_windows_and_include_the_gap() -> None:
    start, end = utc(2026, 1, 6, 0, 0), utc(2026, 1, 7, 0, 0)
    found = shifts(SUN, start, end)
    assert found == [
        Shift("sam", start, utc(2026, 1, 6, 9, 0)),
        Shift("lucy", utc(2026, 1, 6, 9, 0), utc(2026, 1, 6, 18, 0)),
        Shift("sam", utc(2026, 1, 6, 18, 0), utc(2026, 1, 6, 23, 0)),
        Shift(None, utc(2026, 1, 6, 23, 0), end),
    ]
    assert_contiguous(found, start, end)


def test_gaps_are_the_stretches_with_nobody_the_weekend_merged_into_one() -> None:
    start, end = utc(2026, 1, 9, 0, 0), utc(2026, 1, 12, 12, 0)  # Friday to Monday noon
    assert gaps(SUN, start, end) == [Shift(None, utc(2026, 1, 9, 23, 0), utc(2026, 1, 12, 0, 0))]
    week = gaps(SUN, utc(2026, 1, 5, 0, 0), utc(2026, 1, 12, 0, 0))
    assert len(week) == 5  # 23:00-24:00 Monday to Thursday, then Friday 23:00 to Monday
    assert all(gap.person is None for gap in week)
    assert week[0] == Shift(None, utc(2026, 1, 5, 23, 0), utc(2026, 1, 6, 0, 0))


def test_a_window_ending_at_24_00_covers_the_last_hour_of_the_day() -> None:
    schedule = _night_schedule()
    assert on_call_at(schedule, utc(2026, 1, 6, 23, 30)) == "sam"
    assert on_call_at(schedule, utc(2026, 1, 6, 23, 59, 59)) == "sam"
    assert on_call_at(schedule, utc(2026, 1, 7, 0, 0)) == "sam"
    assert on_call_at(schedule, utc(2026, 1, 7, 12, 0)) is None


def test_windows_meeting_at_midnight_leave_no_gap() -> None:
    schedule = _night_schedule()
    last_instant = utc(2026, 1, 6, 23, 59, 59, 999999)
    assert on_call_at(schedule, last_instant) == "sam"
    start, end = utc(2026, 1, 6, 12, 0), utc(2026, 1, 7, 12, 0)
    assert shifts(schedule, start, end) == [
        Shift(None, start, utc(2026, 1, 6, 18, 0)),
        Shift("sam", utc(2026, 1, 6, 18, 0), utc(2026, 1, 7, 8, 0)),
        Shift(None, utc(2026, 1, 7, 8, 0), end),
    ]


def _night_schedule() -> Schedule:
    """Sam covers 18:00-24:00 and 00:00-08:00 every day (London, read from a policy file)."""
    text = POLICY_WITH_NIGHTS
    (schedule,) = load_policy_text(text, "nights.yaml").policy.schedules
    return schedule


POLICY_WITH_NIGHTS = """\
fireline_policy: 1
name: nights
time_zone: Europe/London
incident_types:
  - {name: infrastructure, label: Infrastructure}
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
  - {level: 2, name: high, label: High, response: 1h, resolution: 8h}
  - {level: 3, name: medium, label: Medium, response: 4h, resolution: 24h}
  - {level: 4, name: low, label: Low, response: 24h, resolution: 72h}
schedules:
  - name: nights
    layers:
      - name: night
        members: [sam]
        shift: 7d
        starts: "2026-01-05T00:00"
        restrictions:
          - {days: [mon, tue, wed, thu, fri, sat, sun], hours: "18:00-24:00"}
          - {days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-08:00"}
"""


# Overrides beat every layer; a later override beats an earlier one

COVERED = Schedule(
    "covered",
    LONDON,
    (WEEKLY,),
    (
        Override("zoe", utc(2026, 1, 6, 10, 0), utc(2026, 1, 6, 14, 0)),
        Override("yan", utc(2026, 1, 6, 12, 0), utc(2026, 1, 6, 13, 0)),
        Override("xia", utc(2026, 1, 3, 0, 0), utc(2026, 1, 4, 0, 0)),  # before the layer
    ),
)


@pytest.mark.parametrize(
    ("at", "person"),
    [
        (utc(2026, 1, 6, 9, 59), "alice"),
        (utc(2026, 1, 6, 10, 0), "zoe"),
        (utc(2026, 1, 6, 12, 0), "yan"),  # both overrides cover: the later one wins
        (utc(2026, 1, 6, 12, 59), "yan"),
        (utc(2026, 1, 6, 13, 0), "zoe"),
        (utc(2026, 1, 6, 14, 0), "alice"),  # an override's end is not covered
        (utc(2026, 1, 3, 12, 0), "xia"),  # an override fills a gap too
        (utc(2026, 1, 4, 0, 0), None),
    ],
)
def test_overrides_beat_layers_and_the_later_override_wins(
    at: datetime, person: str | None
) -> None:
    assert on_call_at(COVERED, at) == person


def test_overrides_beat_a_later_layer_and_a_restricted_gap() -> None:
    schedule = Schedule(
        "sun", LONDON, SUN.layers, (Override("zoe", utc(2026, 1, 6, 8, 0), utc(2026, 1, 11, 0, 0)),)
    )
    assert on_call_at(schedule, utc(2026, 1, 6, 8, 30)) == "zoe"  # both layers cover
    assert on_call_at(schedule, utc(2026, 1, 10, 12, 0)) == "zoe"  # nobody's window


def test_shifts_with_overrides_split_and_rejoin_the_layer_s_shift() -> None:
    start, end = utc(2026, 1, 6, 9, 0), utc(2026, 1, 6, 15, 0)
    found = shifts(COVERED, start, end)
    assert found == [
        Shift("alice", start, utc(2026, 1, 6, 10, 0)),
        Shift("zoe", utc(2026, 1, 6, 10, 0), utc(2026, 1, 6, 12, 0)),
        Shift("yan", utc(2026, 1, 6, 12, 0), utc(2026, 1, 6, 13, 0)),
        Shift("zoe", utc(2026, 1, 6, 13, 0), utc(2026, 1, 6, 14, 0)),
        Shift("alice", utc(2026, 1, 6, 14, 0), end),
    ]
    assert_contiguous(found, start, end)


def test_an_override_by_the_person_already_on_call_does_not_split_their_shift() -> None:
    schedule = Schedule(
        "same",
        LONDON,
        (WEEKLY,),
        (Override("alice", utc(2026, 1, 6, 10, 0), utc(2026, 1, 6, 11, 0)),),
    )
    start, end = utc(2026, 1, 6, 0, 0), utc(2026, 1, 7, 0, 0)
    assert shifts(schedule, start, end) == [Shift("alice", start, end)]


# Ranges and overlaps


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (utc(2026, 1, 6, 0, 0), utc(2026, 1, 6, 0, 0)),
        (utc(2026, 1, 6, 0, 0), utc(2026, 1, 5, 0, 0)),
        (utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0) + MAX_SPAN + timedelta(seconds=1)),
        (utc(2026, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0)),
    ],
)
def test_shifts_refuse_an_empty_backwards_or_too_long_range(start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError, match="range"):
        shifts(ROTA, start, end)
    with pytest.raises(ValueError, match="range"):
        gaps(ROTA, start, end)


def test_a_range_of_exactly_366_days_is_allowed() -> None:
    start = utc(2026, 1, 5, 9, 0)
    end = start + timedelta(days=366)
    found = shifts(ROTA, start, end)
    assert_contiguous(found, start, end)
    assert len(found) == 53  # 52 whole weeks and two days of the 53rd
    assert [s.person for s in found[:4]] == ["alice", "bob", "carol", "alice"]


def test_shifts_agree_with_on_call_at_at_every_instant() -> None:
    schedule = Schedule("all", LONDON, (*SUN.layers, WEEKLY), COVERED.overrides)
    start, end = utc(2026, 1, 2, 0, 0), utc(2026, 1, 16, 0, 0)
    found = shifts(schedule, start, end)
    assert_contiguous(found, start, end)
    moment = start
    while moment < end:
        (covering,) = [s for s in found if s.starts_at <= moment < s.ends_at]
        assert covering.person == on_call_at(schedule, moment), moment
        moment += 7 * MIN


def test_overlapping_lists_each_overlapping_pair_once() -> None:
    windows = [
        Override("a", utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 2, 0)),
        Override("b", utc(2026, 1, 1, 1, 0), utc(2026, 1, 1, 3, 0)),
        Override("c", utc(2026, 1, 1, 3, 0), utc(2026, 1, 1, 4, 0)),  # touches b: no overlap
        Override("d", utc(2026, 1, 1, 0, 0), utc(2026, 1, 2, 0, 0)),  # covers all the others
        Override("e", utc(2026, 1, 3, 0, 0), utc(2026, 1, 3, 1, 0)),  # on its own
    ]
    assert overlapping(windows) == [(0, 1), (0, 3), (1, 3), (2, 3)]
    assert overlapping(windows[:3]) == [(0, 1)]
    assert overlapping([windows[1], windows[2], windows[4]]) == []
    assert overlapping([]) == []


def test_identical_windows_overlap() -> None:
    window = Override("a", utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 2, 0))
    assert overlapping([window, Override("b", window.starts_at, window.ends_at)]) == [(0, 1)]


# Daily hand-offs at a local time that happens twice, or never, when the clocks change

DAILY_AT_01_30 = Schedule(
    "nightly",
    LONDON,
    (Layer("nightly", ("ann", "ben"), local(2026, 3, 1, 1, 30), timedelta(days=1)),),
)


def test_a_daily_hand_off_at_09_00_stays_at_09_00_local_through_both_changes() -> None:
    daily = Schedule(
        "daily", LONDON, (Layer("d", ("ann", "ben"), local(2026, 3, 1, 9, 0), timedelta(days=1)),)
    )
    for day in range(25, 32):
        hand_off = local(2026, 3, day, 9, 0)
        assert on_call_at(daily, hand_off) != on_call_at(daily, hand_off - MIN), day
    found = shifts(daily, utc(2026, 10, 23, 12, 0), utc(2026, 10, 28, 12, 0))
    for shift in found[1:]:
        assert shift.starts_at.astimezone(ZoneInfo(LONDON)).time() == time(9, 0)


def test_a_hand_off_at_a_repeated_local_time_happens_once() -> None:
    start, end = utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 4, 0)
    seen = []
    moment = start
    while moment < end:
        seen.append(on_call_at(DAILY_AT_01_30, moment))
        moment += 5 * MIN
    # Shift 237 (ben) since 1 March hands over to shift 238 (ann) once, at the first 01:30.
    assert [person for person, _ in groupby(seen)] == ["ben", "ann"]
    _agree(DAILY_AT_01_30, start, end)


def test_a_hand_off_at_a_skipped_local_time_agrees_between_shifts_and_on_call_at() -> None:
    _agree(DAILY_AT_01_30, utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 4, 0))


def _agree(schedule: Schedule, start: datetime, end: datetime) -> None:
    found = shifts(schedule, start, end)
    moment = start
    while moment < end:
        (covering,) = [s for s in found if s.starts_at <= moment < s.ends_at]
        assert covering.person == on_call_at(schedule, moment), moment
        moment += 5 * MIN


# A new override's window


def test_an_override_with_no_start_runs_from_now() -> None:
    now = utc(2026, 11, 25, 9, 30, 17)
    assert override_window(None, now + HOUR, now) == (now, now + HOUR)


def test_an_override_starting_within_the_grace_before_now_starts_now() -> None:
    now = utc(2026, 11, 25, 9, 30)
    assert override_window(now - START_GRACE, now + HOUR, now) == (now, now + HOUR)
    assert override_window(now - MIN, now + HOUR, now) == (now, now + HOUR)


def test_an_override_starting_later_keeps_its_start() -> None:
    now = utc(2026, 11, 25, 9, 30)
    assert override_window(now + MIN, now + HOUR, now) == (now + MIN, now + HOUR)


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [
        (-START_GRACE - timedelta(seconds=1), HOUR, "starts_at"),  # longer ago than the grace
        (HOUR, HOUR, "ends_at"),  # ends as it starts
        (2 * HOUR, HOUR, "ends_at"),  # ends before it starts
        (-2 * MIN, -MIN, "ends_at"),  # within the grace, but over by now
        (None, timedelta(0), "ends_at"),  # from now, ending now
    ],
)
def test_a_window_that_is_over_or_backwards_is_invalid(
    starts: timedelta | None, ends: timedelta, field: str
) -> None:
    now = utc(2026, 11, 25, 9, 30)
    with pytest.raises(InvalidInput) as refused:
        override_window(None if starts is None else now + starts, now + ends, now)
    assert refused.value.field == field
