"""On-call schedules: who is on call at any instant, shift by shift, and where nobody is.

A schedule has layers; each layer rotates its members, one shift each, from a first hand-off,
and may apply only in some windows of the week (follow-the-sun). Where several layers cover an
instant, the last one listed wins; an override (a person covering a window) beats every layer.
Shifts that last whole days hand off at the same local time every day, across DST changes;
shorter ones are counted in absolute time.

Pure: every function takes the instants it needs and returns aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fireline.domain.errors import InvalidInput

DAY = timedelta(days=1)
MAX_SPAN = timedelta(days=366)
"""The longest stretch `shifts` walks: a year of daily hand-offs is a few hundred shifts."""


START_GRACE = timedelta(minutes=5)
"""An override may start this long before now, and then starts now: "from now" typed by hand,
or sent by a clock a little behind, is already past when the server reads it."""

END_OF_DAY = time.max
"""A window's `end` for 24:00: it runs to the end of the day, midnight itself excluded."""


@dataclass(frozen=True)
class Restriction:
    """A weekly window (when a layer applies, or when a paging chain does): ISO weekdays and
    local hours [start, end); an `end` of END_OF_DAY runs to midnight."""

    days: tuple[int, ...]
    start: time
    end: time

    def covers(self, local: datetime) -> bool:
        """Whether the local time `local` falls in the window."""
        moment = local.time()
        return (
            local.isoweekday() in self.days
            and self.start <= moment
            and (moment < self.end or self.end == END_OF_DAY)
        )


@dataclass(frozen=True)
class Layer:
    """`members` take turns, one `shift` each, the first from `starts_at` (the hand-off)."""

    name: str
    members: tuple[str, ...]
    starts_at: datetime
    shift: timedelta
    restrictions: tuple[Restriction, ...] = ()


@dataclass(frozen=True)
class Override:
    """`person` is on call from `starts_at` until `ends_at`, whatever the layers say."""

    person: str
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether the window [starts_at, ends_at) shares any instant with this one."""
        return self.starts_at < ends_at and starts_at < self.ends_at


@dataclass(frozen=True)
class Schedule:
    name: str
    time_zone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()
    team: str | None = None
    """The team whose on-call this is: a `team:NAME` target reaches whoever is on call here."""


@dataclass(frozen=True)
class Shift:
    """`person` (None: nobody, a gap) is on call from `starts_at` until `ends_at`."""

    person: str | None
    starts_at: datetime
    ends_at: datetime


def on_call_at(schedule: Schedule, at: datetime) -> str | None:
    """Who is on call at `at`; None when nobody is (a gap)."""
    for override in reversed(schedule.overrides):
        if override.starts_at <= at < override.ends_at:
            return override.person
    zone = ZoneInfo(schedule.time_zone)
    for layer in reversed(schedule.layers):
        person = _layer_on_call(layer, zone, at)
        if person is not None:
            return person
    return None


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call from `start` until `end`, as consecutive shifts (gaps included).

    Raises ValueError for an empty or backwards range, or one longer than MAX_SPAN.
    """
    if end <= start:
        raise ValueError("the range must end after it starts")
    if end - start > MAX_SPAN:
        raise ValueError(f"the range may be at most {MAX_SPAN.days} days long")
    edges = sorted({start, *(e for e in _edges(schedule, start, end) if start < e < end)})
    result: list[Shift] = []
    for here, following in zip(edges, [*edges[1:], end], strict=True):
        person = on_call_at(schedule, here)
        if result and result[-1].person == person:
            result[-1] = Shift(person, result[-1].starts_at, following)
        else:
            result.append(Shift(person, here, following))
    return result


def override_window(
    starts_at: datetime | None, ends_at: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The window a new override covers: from `now` when `starts_at` is None (take the shift
    from now) or lies at most START_GRACE before now, else from `starts_at`; until `ends_at`.

    Never earlier than now: an override cannot change who was on call (and paged) before it
    was made. InvalidInput for a window that ends before it starts, starts longer ago than
    the grace, or is over by now.
    """
    if starts_at is not None and ends_at <= starts_at:
        raise InvalidInput("ends_at", "must be later than starts_at")
    start = now if starts_at is None else starts_at
    if start < now - START_GRACE:
        raise InvalidInput("starts_at", 'is in the past (allowed: now or later, or "now")')
    start = max(start, now)
    if ends_at <= start:
        raise InvalidInput("ends_at", "must be later than now")
    return start, ends_at


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The stretches in [start, end) when nobody is on call."""
    return [shift for shift in shifts(schedule, start, end) if shift.person is None]


def overlapping(overrides: Sequence[Override]) -> list[tuple[int, int]]:
    """Pairs of positions of overrides whose windows overlap (each pair once)."""
    return [
        (i, j)
        for i, a in enumerate(overrides)
        for j, b in enumerate(overrides)
        if i < j and a.overlaps(b.starts_at, b.ends_at)
    ]


def _layer_on_call(layer: Layer, zone: ZoneInfo, at: datetime) -> str | None:
    if at < layer.starts_at or not layer.members:
        return None
    local = at.astimezone(zone)
    if layer.restrictions and not any(r.covers(local) for r in layer.restrictions):
        return None
    return layer.members[_shift_number(layer, zone, at) % len(layer.members)]


def _shift_number(layer: Layer, zone: ZoneInfo, at: datetime) -> int:
    """Which shift of the layer `at` falls in (negative: before the first hand-off)."""
    if layer.shift % DAY != timedelta(0):
        return (at - layer.starts_at) // layer.shift
    # Whole days hand off at the same wall-clock time: guess in naive local time, then settle
    # against `hand_off` itself, so that a hand-off time skipped or repeated by a DST change
    # gives the same answer here as in `shifts`.
    wall = at.astimezone(zone).replace(tzinfo=None)
    first = layer.starts_at.astimezone(zone).replace(tzinfo=None)
    number = (wall - first) // layer.shift
    while hand_off(layer, zone, number + 1) <= at:
        number += 1
    while hand_off(layer, zone, number) > at:
        number -= 1
    return number


def hand_off(layer: Layer, zone: ZoneInfo, number: int) -> datetime:
    """When shift `number` begins: whole-day shifts at the first hand-off's local time (the
    earlier instant when DST repeats it, the later offset's reading when DST skips it)."""
    if layer.shift % DAY != timedelta(0):
        return layer.starts_at + layer.shift * number
    first = layer.starts_at.astimezone(zone).replace(tzinfo=None)
    return (first + layer.shift * number).replace(tzinfo=zone).astimezone(UTC)


def _edges(schedule: Schedule, start: datetime, end: datetime) -> Iterator[datetime]:
    """Every instant in or around [start, end) at which who is on call may change."""
    zone = ZoneInfo(schedule.time_zone)
    for override in schedule.overrides:
        yield override.starts_at
        yield override.ends_at
    for layer in schedule.layers:
        yield layer.starts_at
        yield from _hand_offs(layer, zone, start, end)
        yield from _window_edges(layer, zone, start, end)


def _hand_offs(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    number = max(_shift_number(layer, zone, max(start, layer.starts_at)), 0)
    while (moment := hand_off(layer, zone, number)) < end:
        yield moment
        number += 1


def _window_edges(
    layer: Layer, zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[datetime]:
    day = start.astimezone(zone).date() - DAY
    last = end.astimezone(zone).date()
    while day <= last:
        for restriction in layer.restrictions:
            if day.isoweekday() in restriction.days:
                yield datetime.combine(day, restriction.start, tzinfo=zone).astimezone(UTC)
                if restriction.end == END_OF_DAY:
                    yield datetime.combine(day + DAY, time(0), tzinfo=zone).astimezone(UTC)
                else:
                    yield datetime.combine(day, restriction.end, tzinfo=zone).astimezone(UTC)
        day += DAY
