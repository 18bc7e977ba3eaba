"""The policy file's shape as pydantic models: every key, its type and its default.

These models check what can be checked one value at a time (types, names, durations, time
zones, unknown keys; the field types live in `fields`); rules that relate parts of the file
to each other live in `checks`. `docs/policy.md` documents the same keys for people; keep
the two in step.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from fireline.adapters.policy_file.channel_schema import ChannelSpec, EmailAddress, Phone
from fireline.adapters.policy_file.fields import (
    SEVERITY_SOURCES,
    CalendarName,
    CountryCode,
    DurationText,
    Handle,
    Label,
    Level,
    LocalTime,
    PriorityName,
    ServiceName,
    SeveritySource,
    SnakeName,
    TargetReference,
    TargetSpec,
    Text,
    TimeZoneName,
    Weekday,
    Window,
    WorkingHours,
    _schema_version,
)
from fireline.adapters.policy_file.notification_schema import NotificationsSpec


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    on_call: SnakeName | None = None


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
    email: EmailAddress | None = None
    phone: Phone | None = None
    chat: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


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


class BreachSpec(_Model):
    next_level: StrictBool = False
    notify: list[TargetReference] = Field(default_factory=list)


class EscalationSpec(_Model):
    levels: list[EscalationLevelSpec] = Field(default_factory=list)
    by_criticality: list[TierEscalationSpec] = Field(default_factory=list)
    elapsed_notifications: list[ElapsedNoticeSpec] = Field(default_factory=list)
    handover_contact_within: TargetSpec | None = None
    paging_chains: list[PagingChainSpec] = Field(default_factory=list)
    on_breach: BreachSpec = Field(default_factory=BreachSpec)


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
    team: Handle | None = None
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
    at_risk_share: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False, strict=True)] = 0.75
    # Older stored versions have no such key: they keep the clocks they had (declaration).
    clock_start: Literal["detected", "reported", "declared"] = "declared"
    contacts: list[ContactSpec] = Field(default_factory=list)
    escalation: EscalationSpec = Field(default_factory=EscalationSpec)
    schedules: list[ScheduleSpec] = Field(default_factory=list)
    channels: list[ChannelSpec] = Field(default_factory=list)
    notifications: NotificationsSpec = Field(default_factory=NotificationsSpec)
