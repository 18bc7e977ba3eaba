"""Routes for on-call schedules: who is on call, shifts and gaps, overrides, iCalendar feeds.

Schedules are defined in the policy file; overrides are made here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from fireline.adapters.ical import shifts_calendar
from fireline.domain.oncall import START_GRACE, Schedule, Shift, on_call_at
from fireline.entrypoints.api.deps import CallerDep, ContextDep
from fireline.entrypoints.api.inputs import Instant
from fireline.entrypoints.api.problems import answers
from fireline.entrypoints.api.schemas import Strict
from fireline.services import oncall
from fireline.services.oncall_ports import StoredOverride

router = APIRouter(prefix="/api/v1", tags=["on-call"])

FEED_BEFORE = timedelta(days=7)
FEED_AHEAD = timedelta(days=60)
DEFAULT_SPAN = timedelta(days=14)
_CALENDAR: dict[int | str, dict[str, Any]] = {
    200: {"description": "iCalendar", "content": {"text/calendar": {"schema": {"type": "string"}}}}
}
InstantQuery = Annotated[Instant | None, Query(description="ISO 8601 with a time zone")]


class LayerOut(BaseModel):
    name: str
    members: list[str]
    shift_seconds: int
    starts_at: datetime = Field(description="the first hand-off")
    restricted: bool = Field(description="applies only in some windows of the week")


class ScheduleOut(BaseModel):
    name: str
    team: str | None = Field(description="the team whose on-call this is (team:NAME targets)")
    time_zone: str
    layers: list[LayerOut]
    on_call_now: str | None = Field(description="null: nobody (a gap)")


class ShiftOut(BaseModel):
    person: str | None = Field(description="null: nobody is on call (a gap)")
    starts_at: datetime
    ends_at: datetime


class ShiftsOut(BaseModel):
    schedule: str
    shifts: list[ShiftOut]
    gaps: int


class OnCallOut(BaseModel):
    schedule: str
    at: datetime
    person: str | None


def _now_as_none(value: object) -> object:
    return None if value == "now" else value


OverrideStart = Annotated[
    Instant | None,
    BeforeValidator(_now_as_none),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "const": "now"},
                {"type": "null"},
            ]
        }
    ),
    Field(
        description='ISO 8601 with an offset; omitted, null or "now": from now. A start at '
        f"most {START_GRACE.seconds // 60} minutes ago also counts as now."
    ),
]
"""When an override starts; None means now (the server's clock when it is made)."""


class OverrideIn(Strict):
    person: str = Field(min_length=1, max_length=64)
    starts_at: OverrideStart = None
    ends_at: Instant


class OverrideOut(BaseModel):
    id: int
    schedule: str
    person: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime


def schedule_out(schedule: Schedule, now: datetime) -> ScheduleOut:
    return ScheduleOut(
        name=schedule.name,
        team=schedule.team,
        time_zone=schedule.time_zone,
        layers=[
            LayerOut(
                name=layer.name,
                members=list(layer.members),
                shift_seconds=int(layer.shift.total_seconds()),
                starts_at=layer.starts_at,
                restricted=bool(layer.restrictions),
            )
            for layer in schedule.layers
        ],
        on_call_now=on_call_at(schedule, now),
    )


def override_out(override: StoredOverride) -> OverrideOut:
    return OverrideOut(**override.__dict__)


def shift_out(shift: Shift) -> ShiftOut:
    return ShiftOut(person=shift.person, starts_at=shift.starts_at, ends_at=shift.ends_at)


@router.get("/schedules", response_model=list[ScheduleOut])
def list_schedules(context: ContextDep) -> list[ScheduleOut]:
    """Every schedule of the policy in force, with who is on call now."""
    now = context.clock()
    found = oncall.get_schedules(context.database, context.policies.current, now)
    return [schedule_out(schedule, now) for schedule in found]


@router.get("/schedules/{name}", response_model=ScheduleOut)
def get_schedule(name: str, context: ContextDep) -> ScheduleOut:
    now = context.clock()
    return schedule_out(
        oncall.get_schedule(context.database, context.policies.current, name, now), now
    )


@router.get("/schedules/{name}/oncall", response_model=OnCallOut)
def who_is_on_call(name: str, context: ContextDep, at: InstantQuery = None) -> OnCallOut:
    """Who is on call at `at` (default now), overrides included; null for a gap."""
    now = context.clock()
    schedule = oncall.get_schedule(context.database, context.policies.current, name, now)
    moment = oncall.check_instant("at", at or now)
    return OnCallOut(schedule=name, at=moment, person=on_call_at(schedule, moment))


@router.get("/schedules/{name}/shifts", response_model=ShiftsOut)
def list_shifts(
    name: str,
    context: ContextDep,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    until: InstantQuery = None,
) -> ShiftsOut:
    """Shifts from `from` (default now) until `until` (default 14 days later), gaps
    included as shifts with a null person; at most 366 days."""
    now = context.clock()
    start = oncall.check_instant("from", from_ or now)
    found = oncall.get_shifts(
        context.database, context.policies.current, name, start, until or start + DEFAULT_SPAN, now
    )
    return ShiftsOut(
        schedule=name,
        shifts=[shift_out(shift) for shift in found],
        gaps=sum(1 for shift in found if shift.person is None),
    )


@router.get("/schedules/{name}/overrides", response_model=list[OverrideOut])
def list_overrides(name: str, context: ContextDep) -> list[OverrideOut]:
    """Overrides made through the API that have not ended."""
    found = oncall.list_overrides(context.database, context.policies.current, name, context.clock())
    return [override_out(override) for override in found]


@router.post(
    "/schedules/{name}/overrides",
    status_code=201,
    response_model=OverrideOut,
    responses=answers(409),
)
def add_override(
    name: str, body: OverrideIn, context: ContextDep, caller: CallerDep
) -> OverrideOut:
    """Let a person cover a window, from now when `starts_at` is omitted or "now": 422 for a
    window in the past or an unknown person, 409 when it overlaps another override."""
    made = oncall.add_override(
        context.database,
        context.policies.current,
        name,
        person=body.person,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        actor=caller.name,
        now=context.clock(),
    )
    return override_out(made)


@router.delete("/schedules/{name}/overrides/{override_id}", status_code=204)
def remove_override(
    name: str, override_id: Annotated[int, Path(ge=1, le=2**31 - 1)], context: ContextDep
) -> None:
    oncall.remove_override(
        context.database, context.policies.current, name, override_id, context.clock()
    )


def _feed_range(now: datetime) -> tuple[datetime, datetime]:
    # Whole UTC days, so that the first shift (cut at the range's start) keeps its start,
    # and so its UID, from one fetch to the next all day.
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - FEED_BEFORE, midnight + FEED_AHEAD


@router.get("/schedules/{name}/calendar.ics", response_class=Response, responses=_CALENDAR)
def schedule_feed(name: str, context: ContextDep) -> Response:
    """The schedule's shifts from a week ago to 60 days ahead, as iCalendar."""
    now = context.clock()
    start, end = _feed_range(now)
    found = oncall.get_shifts(context.database, context.policies.current, name, start, end, now)
    body = shifts_calendar(f"On call: {name}", [(name, shift) for shift in found], now)
    return Response(body, media_type="text/calendar")


@router.get("/users/{name}/oncall.ics", response_class=Response, responses=_CALENDAR)
def person_feed(name: str, context: ContextDep) -> Response:
    """Every shift the person has in any schedule, a week back to 60 days ahead."""
    now = context.clock()
    start, end = _feed_range(now)
    found = oncall.shifts_of_person(
        context.database, context.policies.current, name, start, end, now
    )
    return Response(shifts_calendar(f"On call: {name}", found, now), media_type="text/calendar")
