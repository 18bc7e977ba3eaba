"""From a validated file to domain values: targets in seconds, holidays as dates, the document.

Everything here assumes `checks.find_problems` found nothing; it resolves what the file
leaves implicit (a target's calendar, a calendar's time zone, a country's holidays) in one
place, so that the `Policy` and the normalized document always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from fireline.adapters.policy_file.durations import parse_duration
from fireline.adapters.policy_file.schema import (
    WEEKDAYS,
    CalendarSpec,
    PolicySpec,
    RestrictionSpec,
    ScheduleSpec,
    TargetSpec,
)
from fireline.domain.oncall import END_OF_DAY, Layer, Override, Restriction, Schedule
from fireline.domain.policy import (
    ALWAYS_ON,
    AccessRules,
    BusinessCalendar,
    ChecklistItem,
    Contact,
    CriticalityTier,
    ElapsedNotice,
    EscalationLevel,
    EscalationRules,
    IncidentType,
    PagingChain,
    PagingStep,
    Policy,
    PriorityMatrix,
    ReviewRule,
    Role,
    Service,
    Severity,
    SeverityRule,
    SupportTier,
    Target,
    TierEscalation,
    Window,
)

HOLIDAY_YEARS = range(2020, 2046)
"""The years a `holiday_country` is expanded for: far enough back for old incidents, and ahead
for any target an incident can still run into."""


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
    start, end = _hours(calendar)
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


def build_policy(spec: PolicySpec) -> Policy:
    """The domain `Policy` that a problem-free `spec` describes."""
    matrix = spec.priority_matrix
    return Policy(
        name=spec.name,
        description=spec.description,
        handbook=spec.handbook,
        time_zone=spec.time_zone,
        incident_types=tuple(
            IncidentType(t.name, t.label, t.description) for t in spec.incident_types
        ),
        severities=tuple(
            Severity(
                level=s.level,
                name=s.name,
                label=s.label,
                description=s.description,
                response=resolve_target(spec, s.response).target,
                resolution=resolve_target(spec, s.resolution).target,
            )
            for s in spec.severities
        ),
        calendars=tuple(_calendar(spec, c) for c in spec.calendars),
        priority_matrix=PriorityMatrix(
            impacts=tuple(matrix.impacts),
            urgencies=tuple(matrix.urgencies),
            # The file reads like the handbook table (urgency rows, impact columns); the
            # domain looks cells up as (impact, urgency).
            cells={
                (impact, urgency): priority
                for urgency, row in matrix.cells.items()
                for impact, priority in row.items()
            },
            priority_severity=dict(matrix.priority_severity),
        ),
        criticality_tiers=tuple(
            CriticalityTier(t.name, t.level, t.label, t.description, t.implies_severity)
            for t in spec.criticality_tiers
        ),
        services=tuple(
            Service(s.name, s.criticality, s.team, s.customer_facing, s.description)
            for s in spec.services
        ),
        severity_rule=SeverityRule(
            tuple(spec.severity_rule.sources), spec.severity_rule.when_unknown
        ),
        roles=tuple(Role(r.name, r.label, r.description) for r in spec.roles),
        support_tiers=tuple(
            SupportTier(t.level, t.name, t.description) for t in spec.support_tiers
        ),
        closure_checklist=tuple(ChecklistItem(i.name, i.label) for i in spec.closure_checklist),
        review_rules=tuple(
            ReviewRule(
                name=r.name,
                description=r.description,
                severities=tuple(r.severities),
                criticalities=tuple(r.criticalities),
                escalation_level_at_least=r.escalation_level_at_least,
                due_within=resolve_target(spec, r.due_within).target if r.due_within else None,
            )
            for r in spec.review_rules
        ),
        access=AccessRules(
            restricted_types=tuple(
                spec.access.effective_restricted_types([t.name for t in spec.incident_types])
            ),
            security_team=spec.access.security_team,
        ),
        contacts=tuple(
            Contact(
                c.name,
                c.label,
                c.description,
                primary=c.primary,
                backup=c.backup,
                backup_after=resolve_target(spec, c.backup_after).target
                if c.backup_after
                else None,
            )
            for c in spec.contacts
        ),
        escalation=_escalation(spec),
        at_risk_share=spec.at_risk_share,
        schedules=tuple(_schedule(spec, schedule) for schedule in spec.schedules),
    )


def local_instant(text: str, zone: str) -> datetime:
    """A local date and time of the file (no offset), read in `zone`, as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _schedule(spec: PolicySpec, schedule: ScheduleSpec) -> Schedule:
    zone = schedule.time_zone or spec.time_zone
    return Schedule(
        name=schedule.name,
        time_zone=zone,
        layers=tuple(
            Layer(
                name=layer.name,
                members=tuple(layer.members),
                starts_at=local_instant(layer.starts, zone),
                shift=timedelta(seconds=parse_duration(layer.shift).seconds()),
                restrictions=tuple(
                    Restriction(w.days, w.start, w.end)
                    for w in (_window(r) for r in layer.restrictions)
                ),
            )
            for layer in schedule.layers
        ),
        overrides=tuple(
            Override(o.person, local_instant(o.starts, zone), local_instant(o.ends, zone))
            for o in schedule.overrides
        ),
    )


def _escalation(spec: PolicySpec) -> EscalationRules:
    rules = spec.escalation
    return EscalationRules(
        levels=tuple(
            EscalationLevel(level.level, level.action, tuple(level.notify))
            for level in rules.levels
        ),
        tiers=tuple(
            TierEscalation(
                criticality=entry.criticality,
                every=resolve_target(spec, entry.every).target,
                up_to=entry.up_to,
                unresolved_after=resolve_target(spec, entry.when_unresolved.after).target
                if entry.when_unresolved
                else None,
                unresolved_level=entry.when_unresolved.level if entry.when_unresolved else None,
            )
            for entry in rules.by_criticality
        ),
        elapsed=tuple(
            ElapsedNotice(
                resolve_target(spec, notice.after).target,
                tuple(notice.severities),
                tuple(notice.notify),
            )
            for notice in rules.elapsed_notifications
        ),
        handover_contact=resolve_target(spec, rules.handover_contact_within).target
        if rules.handover_contact_within
        else None,
        chains=tuple(
            PagingChain(
                name=chain.name,
                severities=tuple(chain.severities),
                steps=tuple(
                    PagingStep(
                        tuple(step.notify),
                        resolve_target(spec, step.wait).target,
                        step.round_robin,
                    )
                    for step in chain.steps
                ),
                repeat=chain.repeat,
                when=tuple(_window(window) for window in chain.when),
            )
            for chain in rules.paging_chains
        ),
    )


def _window(window: RestrictionSpec) -> Window:
    start, end = window.hours.split("-")
    return Window(
        days=tuple(sorted({WEEKDAYS.index(day) + 1 for day in window.days})),
        start=time.fromisoformat(start),
        end=END_OF_DAY if end == "24:00" else time.fromisoformat(end),
    )


def build_document(spec: PolicySpec) -> dict[str, Any]:
    """The file in normalized JSON form: every default written out, every target a mapping
    with its calendar, every calendar with its time zone. Loading it gives the same policy."""
    document = spec.model_dump(mode="json")
    for position, severity in enumerate(spec.severities):
        entry = document["severities"][position]
        entry["response"] = resolve_target(spec, severity.response).as_document()
        entry["resolution"] = resolve_target(spec, severity.resolution).as_document()
    for position, rule in enumerate(spec.review_rules):
        if rule.due_within is not None:
            resolved = resolve_target(spec, rule.due_within)
            document["review_rules"][position]["due_within"] = resolved.as_document()
    escalation = document["escalation"]
    for position, entry in enumerate(spec.escalation.by_criticality):
        escalation["by_criticality"][position]["every"] = resolve_target(
            spec, entry.every
        ).as_document()
        if entry.when_unresolved is not None:
            escalation["by_criticality"][position]["when_unresolved"]["after"] = resolve_target(
                spec, entry.when_unresolved.after
            ).as_document()
    for position, notice in enumerate(spec.escalation.elapsed_notifications):
        escalation["elapsed_notifications"][position]["after"] = resolve_target(
            spec, notice.after
        ).as_document()
    for position, chain in enumerate(spec.escalation.paging_chains):
        for index, step in enumerate(chain.steps):
            escalation["paging_chains"][position]["steps"][index]["wait"] = resolve_target(
                spec, step.wait
            ).as_document()
    for position, contact in enumerate(spec.contacts):
        if contact.backup_after is not None:
            document["contacts"][position]["backup_after"] = resolve_target(
                spec, contact.backup_after
            ).as_document()
    if spec.escalation.handover_contact_within is not None:
        escalation["handover_contact_within"] = resolve_target(
            spec, spec.escalation.handover_contact_within
        ).as_document()
    document["access"]["restricted_types"] = spec.access.effective_restricted_types(
        [t.name for t in spec.incident_types]
    )
    for entry in document["calendars"]:
        entry["time_zone"] = entry["time_zone"] or spec.time_zone
    for entry in document["schedules"]:
        entry["time_zone"] = entry["time_zone"] or spec.time_zone
    return document


def _calendar(spec: PolicySpec, calendar: CalendarSpec) -> BusinessCalendar:
    start, end = _hours(calendar)
    days = frozenset(calendar.holidays)
    if calendar.holiday_country is not None:
        days |= country_holidays(calendar.holiday_country)
    return BusinessCalendar(
        name=calendar.name,
        time_zone=calendar.time_zone or spec.time_zone,
        working_days=tuple(sorted({WEEKDAYS.index(day) + 1 for day in calendar.working_days})),
        start=start,
        end=end,
        holidays=days,
        holiday_country=calendar.holiday_country,
    )


def _hours(calendar: CalendarSpec) -> tuple[time, time]:
    start, end = calendar.working_hours.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


@cache
def country_holidays(country: str) -> frozenset[date]:
    """Every public holiday of `country` in HOLIDAY_YEARS, per the `holidays` package."""
    return frozenset(holidays.country_holidays(country, years=HOLIDAY_YEARS).keys())
