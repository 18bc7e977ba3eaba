"""The policy file's shape as pydantic models: every key, its type and its default.

These models check what can be checked one value at a time (types, names, durations, time
zones, unknown keys); rules that relate parts of the file to each other live in `checks`.
`docs/policy.md` documents the same keys for people; keep the two in step.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
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


TARGET_KINDS = ("contact", "role", "channel", "schedule", "user")
"""What a notify target may name: a policy contact, the holder of an incident role, a chat
channel (``channel:support-team``), whoever is on call in a schedule, or a user by name."""
_TARGET = re.compile(r"^([a-z]+):([a-z0-9][a-z0-9_.#-]{0,63})$")


def _target_reference(value: str) -> str:
    match = _TARGET.match(value)
    if match is None or match.group(1) not in TARGET_KINDS:
        raise PydanticCustomError(
            "target",
            f"invalid target {value!r} (allowed: KIND:NAME with KIND one of "
            f"{', '.join(TARGET_KINDS)}, such as contact:it_manager, role:incident_commander, "
            "channel:support-team or schedule:ops_oncall)",
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
    if moment is None or moment.tzinfo is not None:
        raise PydanticCustomError(
            "local_time",
            f"invalid local time {value!r} (allowed: a date and time without an offset, such as "
            "2026-01-05T09:00, read in the schedule's time zone)",
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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetSpec(_Model):
    """A time budget: a duration `within`, counted in `calendar` (resolved by the loader).

    In the file a target is either this mapping or just the duration text.
    """

    within: DurationText
    calendar: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_text(cls, value: Any) -> Any:
        return {"within": value} if isinstance(value, str) else value


class IncidentTypeSpec(_Model):
    name: SnakeName
    label: Label
    description: Text = ""


class CalendarSpec(_Model):
    name: CalendarName
    time_zone: TimeZoneName | None = None
    working_days: list[Weekday] = Field(min_length=1, max_length=7)
    working_hours: WorkingHours
    holidays: list[date] = Field(default_factory=list)
    holiday_country: CountryCode | None = None


class SeveritySpec(_Model):
    level: Level
    name: SnakeName
    label: Label
    description: Text = ""
    response: TargetSpec
    resolution: TargetSpec


def _default_cells() -> dict[str, dict[str, str]]:
    # Handbook 004 §2.2: rows are urgency, columns impact.
    return {
        "high": {"high": "P1", "medium": "P2", "low": "P3"},
        "medium": {"high": "P2", "medium": "P3", "low": "P4"},
        "low": {"high": "P3", "medium": "P4", "low": "P4"},
    }


class PriorityMatrixSpec(_Model):
    """Urgency × impact → priority; `cells` is keyed urgency first, like the 004 table."""

    impacts: list[SnakeName] = Field(
        default_factory=lambda: ["high", "medium", "low"], min_length=1
    )
    urgencies: list[SnakeName] = Field(
        default_factory=lambda: ["high", "medium", "low"], min_length=1
    )
    cells: dict[str, dict[str, PriorityName]] = Field(default_factory=_default_cells)
    priority_severity: dict[PriorityName, Level] = Field(
        default_factory=lambda: {"P1": 1, "P2": 2, "P3": 3, "P4": 4}, min_length=1
    )


class CriticalityTierSpec(_Model):
    name: SnakeName
    level: Level
    label: Label
    description: Text = ""
    implies_severity: Level | None = None


class ServiceSpec(_Model):
    name: ServiceName
    criticality: str
    team: Label | None = None
    customer_facing: StrictBool = False
    description: Text = ""


class SeverityRuleSpec(_Model):
    sources: list[SeveritySource] = Field(
        default_factory=lambda: list(SEVERITY_SOURCES), min_length=1, max_length=3
    )
    when_unknown: Level = 3


class RoleSpec(_Model):
    name: SnakeName
    label: Label
    description: Text = ""


class SupportTierSpec(_Model):
    level: Annotated[StrictInt, Field(ge=1, le=4)]
    name: Label
    description: Text = ""


class ChecklistItemSpec(_Model):
    name: SnakeName
    label: Label


class ReviewRuleSpec(_Model):
    name: SnakeName
    description: Text = ""
    severities: list[Level] = Field(default_factory=list)
    criticalities: list[str] = Field(default_factory=list)
    escalation_level_at_least: Level | None = None
    due_within: TargetSpec | None = None


class AccessSpec(_Model):
    # None: the `security` type, when the policy defines one (handbook 003's security type).
    restricted_types: list[SnakeName] | None = None
    security_team: (
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")] | None
    ) = "security"

    def effective_restricted_types(self, type_names: list[str]) -> list[str]:
        if self.restricted_types is not None:
            return self.restricted_types
        return [name for name in ("security",) if name in type_names]


class ContactSpec(_Model):
    name: SnakeName
    label: Label
    description: Text = ""
    primary: Handle | None = None
    backup: Handle | None = None
    backup_after: TargetSpec | None = None


class EscalationLevelSpec(_Model):
    level: Level
    action: Label
    notify: list[TargetReference] = Field(default_factory=list)


class UnresolvedSpec(_Model):
    after: TargetSpec
    level: Level


class TierEscalationSpec(_Model):
    criticality: str
    every: TargetSpec
    up_to: Level
    when_unresolved: UnresolvedSpec | None = None


class ElapsedNoticeSpec(_Model):
    after: TargetSpec
    severities: list[Level] = Field(min_length=1)
    notify: list[TargetReference] = Field(min_length=1)


class EscalationSpec(_Model):
    levels: list[EscalationLevelSpec] = Field(default_factory=list)
    by_criticality: list[TierEscalationSpec] = Field(default_factory=list)
    elapsed_notifications: list[ElapsedNoticeSpec] = Field(default_factory=list)
    handover_contact_within: TargetSpec | None = None
    paging_chains: list[PagingChainSpec] = Field(default_factory=list)


class RestrictionSpec(_Model):
    days: list[Weekday] = Field(min_length=1, max_length=7)
    hours: Window


class LayerSpec(_Model):
    name: SnakeName
    members: list[Handle] = Field(default_factory=list)
    shift: DurationText
    starts: LocalTime
    restrictions: list[RestrictionSpec] = Field(default_factory=list)


class OverrideSpec(_Model):
    person: Handle
    starts: LocalTime
    ends: LocalTime


class ScheduleSpec(_Model):
    name: SnakeName
    label: Label | None = None
    time_zone: TimeZoneName | None = None
    layers: list[LayerSpec] = Field(default_factory=list)
    overrides: list[OverrideSpec] = Field(default_factory=list)


class PagingStepSpec(_Model):
    notify: list[TargetReference] = Field(min_length=1)
    wait: TargetSpec
    round_robin: StrictBool = False


class PagingChainSpec(_Model):
    name: SnakeName
    severities: list[Level] = Field(min_length=1)
    steps: list[PagingStepSpec] = Field(min_length=1)
    repeat: Annotated[StrictInt, Field(ge=1, le=10)] = 1
    when: list[RestrictionSpec] = Field(default_factory=list)


EscalationSpec.model_rebuild()


class PolicySpec(_Model):
    """The whole file. Lists keep the order they are written in."""

    fireline_policy: Annotated[StrictInt, AfterValidator(_schema_version)]
    name: SnakeName
    title: Annotated[str, StringConstraints(max_length=100)] = ""
    description: Text = ""
    handbook: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    time_zone: TimeZoneName = "UTC"
    incident_types: list[IncidentTypeSpec] = Field(min_length=1)
    calendars: list[CalendarSpec] = Field(default_factory=list)
    severities: list[SeveritySpec] = Field(min_length=1, max_length=9)
    priority_matrix: PriorityMatrixSpec = Field(default_factory=PriorityMatrixSpec)
    criticality_tiers: list[CriticalityTierSpec] = Field(default_factory=list)
    services: list[ServiceSpec] = Field(default_factory=list)
    severity_rule: SeverityRuleSpec = Field(default_factory=SeverityRuleSpec)
    roles: list[RoleSpec] = Field(default_factory=list)
    support_tiers: list[SupportTierSpec] = Field(default_factory=list)
    closure_checklist: list[ChecklistItemSpec] = Field(default_factory=list)
    review_rules: list[ReviewRuleSpec] = Field(default_factory=list)
    access: AccessSpec = Field(default_factory=AccessSpec)
    at_risk_share: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = 0.75
    contacts: list[ContactSpec] = Field(default_factory=list)
    escalation: EscalationSpec = Field(default_factory=EscalationSpec)
    schedules: list[ScheduleSpec] = Field(default_factory=list)
