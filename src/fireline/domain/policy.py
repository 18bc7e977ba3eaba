"""The policy: everything an organisation decides about incidents, as immutable values.

A `Policy` is what a policy file says after validation (see `fireline.adapters.policy_file`).
It is frozen so that an incident can keep the exact version it was declared under: edits to
the file make a new version and never change the targets of incidents already running.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum

from fireline.domain.budgets import ALWAYS_ON as ALWAYS_ON
from fireline.domain.budgets import Target as Target
from fireline.domain.escalation_rules import Contact, EscalationRules
from fireline.domain.messages import ChannelConfig
from fireline.domain.notifications import NotificationRules
from fireline.domain.oncall import Schedule

SEVERITY_LEVELS = (1, 2, 3, 4)
SUPPORT_TIERS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Severity:
    """One severity level (1 is the most severe) with its response and resolution targets."""

    level: int
    name: str
    label: str
    description: str
    response: Target
    resolution: Target


@dataclass(frozen=True)
class BusinessCalendar:
    """When time counts towards a target: working days and hours in a time zone, minus holidays.

    `working_days` uses ISO weekdays (1 = Monday … 7 = Sunday). `holidays` holds every
    holiday date, including those expanded from `holiday_country` by the policy loader.
    """

    name: str
    time_zone: str
    working_days: tuple[int, ...]
    start: time
    end: time
    holidays: frozenset[date] = frozenset()
    holiday_country: str | None = None


@dataclass(frozen=True)
class IncidentType:
    name: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class CriticalityTier:
    """A criticality tier of services (handbook 000); `level` 1 is the most critical.

    `implies_severity` is the severity an incident touching such a service gets at least.
    """

    name: str
    level: int
    label: str
    description: str = ""
    implies_severity: int | None = None


@dataclass(frozen=True)
class Service:
    """A service in the catalog: what breaks, how much it matters and who owns it."""

    name: str
    criticality: str
    team: str | None = None
    is_customer_facing: bool = False
    description: str = ""


@dataclass(frozen=True)
class PriorityMatrix:
    """Impact × urgency → priority (handbook 004 §2.2), and the severity each priority implies."""

    impacts: tuple[str, ...]
    urgencies: tuple[str, ...]
    cells: Mapping[tuple[str, str], str]
    """(impact, urgency) → priority name such as ``P1``."""
    priority_severity: Mapping[str, int]


@dataclass(frozen=True)
class SeverityRule:
    """How severity is decided when its sources disagree: the most severe source wins.

    `sources` lists which of ``reporter``, ``priority`` and ``criticality`` count;
    `when_unknown` is the severity used when none of them says anything.
    """

    sources: tuple[str, ...] = ("reporter", "priority", "criticality")
    when_unknown: int = 3


@dataclass(frozen=True)
class Role:
    """An incident role such as the incident commander; `name` is its snake_case identifier.

    `on_call` names a schedule whose on-call person a `role:` target reaches while nobody
    holds the role on the incident."""

    name: str
    label: str
    description: str = ""
    on_call: str | None = None


@dataclass(frozen=True)
class SupportTier:
    level: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    label: str


@dataclass(frozen=True)
class ReviewRule:
    """When a post-incident review is required, and how soon after resolution it is due.

    A rule matches when any of its conditions holds: a severity in `severities`, a criticality
    tier in `criticalities`, or an escalation that reached `escalation_level_at_least`.
    """

    name: str
    description: str
    severities: tuple[int, ...] = ()
    criticalities: tuple[str, ...] = ()
    escalation_level_at_least: int | None = None
    due_within: Target | None = None


@dataclass(frozen=True)
class AccessRules:
    """Which incidents are restricted from declaration on, and who sees restricted ones.

    A restricted incident is visible only to `security_team`, admins, its reporter and the
    people added to it by name (see `fireline.domain.access.can_see`).
    """

    restricted_types: tuple[str, ...] = ()
    security_team: str | None = None


AT_RISK_SHARE = 0.75
"""The default share of a target after which a running clock is at risk (a warning)."""


class ClockStart(StrEnum):
    """Which instant of an incident starts its clocks (SLA targets, escalation by time and
    elapsed-time notices); each falls back to the next when the incident lacks it."""

    DETECTED = "detected"
    """When the problem was detected (handbook 004's KPIs count from detection)."""
    REPORTED = "reported"
    """When it was reported to the organisation (handbook 003: "when you report")."""
    DECLARED = "declared"
    """When it was logged in Fireline (handbook 000: once the issue is created)."""


@dataclass(frozen=True)
class Policy:
    """A validated policy. Lookups by name live here so every layer asks the same questions."""

    name: str
    description: str
    handbook: str | None
    time_zone: str
    incident_types: tuple[IncidentType, ...]
    severities: tuple[Severity, ...]
    calendars: tuple[BusinessCalendar, ...]
    priority_matrix: PriorityMatrix
    criticality_tiers: tuple[CriticalityTier, ...]
    services: tuple[Service, ...]
    severity_rule: SeverityRule
    roles: tuple[Role, ...]
    support_tiers: tuple[SupportTier, ...]
    closure_checklist: tuple[ChecklistItem, ...] = ()
    review_rules: tuple[ReviewRule, ...] = ()
    access: AccessRules = AccessRules()
    contacts: tuple[Contact, ...] = ()
    escalation: EscalationRules = field(default_factory=EscalationRules)
    at_risk_share: float = AT_RISK_SHARE
    clock_start: ClockStart = ClockStart.DECLARED
    schedules: tuple[Schedule, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    notifications: NotificationRules = field(default_factory=NotificationRules)
    _tiers_by_name: Mapping[str, CriticalityTier] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tiers_by_name", {t.name: t for t in self.criticality_tiers})

    @property
    def type_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.incident_types)

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    @property
    def tier_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.criticality_tiers)

    def severity(self, level: int) -> Severity:
        """The severity with that level; KeyError when the policy has none."""
        for severity in self.severities:
            if severity.level == level:
                return severity
        raise KeyError(level)

    def contact(self, name: str) -> Contact | None:
        return next((c for c in self.contacts if c.name == name), None)

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)

    def role(self, name: str) -> Role | None:
        return next((r for r in self.roles if r.name == name), None)

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name == name), None)

    def tier(self, name: str) -> CriticalityTier:
        """The criticality tier with that name; KeyError when the policy has none."""
        return self._tiers_by_name[name]
