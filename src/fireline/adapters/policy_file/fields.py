"""The policy file's field types: names, durations, time zones, hours, targets, one value
at a time. Each validator's error says what is allowed (see `messages`)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from fireline.adapters.policy_file.durations import parse_duration
from fireline.domain.policy import ALWAYS_ON

SCHEMA_VERSION = 1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Working-day names in ISO order, so that index + 1 is the ISO weekday."""

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_PRIORITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _schema_version(value: int) -> int:
    if value != SCHEMA_VERSION:
        raise PydanticCustomError(
            "schema_version",
            f"unsupported policy file version {value!r} (allowed: {SCHEMA_VERSION})",
        )
    return value


def _snake_case(value: str) -> str:
    if len(value) > 64 or not _SNAKE.match(value):
        raise PydanticCustomError(
            "snake_case",
            f"invalid name {value!r} (allowed: snake_case, a lowercase letter then lowercase "
            "letters, digits or _, at most 64 characters, such as business_hours)",
        )
    return value


def _calendar_name(value: str) -> str:
    if value == ALWAYS_ON:
        raise PydanticCustomError(
            "reserved_calendar",
            f"the calendar {value!r} is built in and may not be redefined "
            "(allowed: any other snake_case name, such as business_hours)",
        )
    return _snake_case(value)


def _service_name(value: str) -> str:
    if not _SERVICE.match(value):
        raise PydanticCustomError(
            "service_name",
            f"invalid service name {value!r} (allowed: 1 to 63 lowercase letters, digits, - or _, "
            "starting with a letter or digit, such as payments-api)",
        )
    return value


def _priority_name(value: str) -> str:
    if not _PRIORITY.match(value):
        raise PydanticCustomError(
            "priority_name",
            f"invalid priority {value!r} (allowed: 1 to 16 letters, digits, - or _, such as P1)",
        )
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PydanticCustomError(
            "time_zone",
            f"unknown time zone {value!r} (allowed: an IANA time zone such as UTC, "
            "Europe/London or America/New_York)",
        ) from None
    return value


def _duration(value: str) -> str:
    try:
        return parse_duration(value).canonical
    except ValueError as error:
        raise PydanticCustomError("duration", str(error)) from None


def _working_hours(value: str) -> str:
    match = _HOURS.match(value)
    numbers = [int(part) for part in match.groups()] if match else []
    if not numbers or numbers[0] > 23 or numbers[2] > 23 or numbers[1] > 59 or numbers[3] > 59:
        raise PydanticCustomError(
            "working_hours",
            f"invalid working hours {value!r} (allowed: 'HH:MM-HH:MM' on a 24-hour clock "
            "such as '09:00-17:00')",
        )
    if (numbers[0], numbers[1]) >= (numbers[2], numbers[3]):
        raise PydanticCustomError(
            "working_hours",
            f"working hours {value!r} end before they start (allowed: a start earlier than "
            "the end on the same day, such as '09:00-17:00')",
        )
    return "{:02d}:{:02d}-{:02d}:{:02d}".format(*numbers)


@cache
def supported_countries() -> frozenset[str]:
    """Country codes the `holidays` package can expand into dates."""
    return frozenset(holidays.list_supported_countries())


def _holiday_country(value: str) -> str:
    if value not in supported_countries():
        raise PydanticCustomError(
            "holiday_country",
            f"unknown holiday country {value!r} (allowed: an ISO 3166 country code that the "
            "holidays package supports, in capitals, such as GB, US or DE)",
        )
    return value


TARGET_KINDS = ("contact", "role", "channel", "schedule", "team", "user", "audience")
"""What a notify target may name: a policy contact, the holder of an incident role, a
channel's own room (``channel:support``), whoever is on call in a schedule or in a team's
schedule, a user by name, or a stakeholder audience of `notifications`."""
_TARGET = re.compile(r"^([a-z]+):([a-z0-9][a-z0-9_.#-]{0,63})$")


def _target_reference(value: str) -> str:
    match = _TARGET.match(value)
    if match is None or match.group(1) not in TARGET_KINDS:
        raise PydanticCustomError(
            "target",
            f"invalid target {value!r} (allowed: KIND:NAME with KIND one of "
            f"{', '.join(TARGET_KINDS)}, such as contact:it_manager, role:incident_commander, "
            "channel:support-team, schedule:ops_oncall or team:payments)",
        )
    return value


def _window(value: str) -> str:
    # Like working hours, except that a window may run to the end of the day (24:00).
    match = _HOURS.match(value)
    if match is None or match.group(3, 4) != ("24", "00"):
        return _working_hours(value)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise PydanticCustomError(
            "working_hours",
            f"invalid hours {value!r} (allowed: 'HH:MM-HH:MM' on a 24-hour clock, the end "
            "up to 24:00, such as '18:00-24:00')",
        )
    return f"{hour:02d}:{minute:02d}-24:00"


def _local_time(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None or not 2000 <= moment.year <= 2200:
        raise PydanticCustomError(
            "local_time",
            f"invalid local time {value!r} (allowed: a date and time without an offset, such as "
            "2026-01-05T09:00, read in the schedule's time zone, in the years 2000 to 2200)",
        )
    return moment.isoformat(timespec="minutes")


SnakeName = Annotated[str, AfterValidator(_snake_case)]
Window = Annotated[str, AfterValidator(_window)]
LocalTime = Annotated[str, AfterValidator(_local_time)]
Handle = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
TargetReference = Annotated[str, AfterValidator(_target_reference)]
CalendarName = Annotated[str, AfterValidator(_calendar_name)]
ServiceName = Annotated[str, AfterValidator(_service_name)]
PriorityName = Annotated[str, AfterValidator(_priority_name)]
TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
DurationText = Annotated[str, AfterValidator(_duration)]
WorkingHours = Annotated[str, AfterValidator(_working_hours)]
CountryCode = Annotated[str, AfterValidator(_holiday_country)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Level = Annotated[StrictInt, Field(ge=1, le=9)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SeveritySource = Literal["reporter", "priority", "criticality"]
SEVERITY_SOURCES: tuple[SeveritySource, ...] = ("reporter", "priority", "criticality")


class TargetSpec(BaseModel):
    """A time budget: a duration `within`, counted in `calendar` (resolved by the loader).

    In the file a target is either this mapping or just the duration text.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    within: DurationText
    calendar: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_text(cls, value: Any) -> Any:
        return {"within": value} if isinstance(value, str) else value
