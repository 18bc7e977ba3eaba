"""From a validated file to domain values: targets in seconds, holidays as dates, the document.

Everything here assumes `checks.find_problems` found nothing; it resolves what the file
leaves implicit (a target's calendar, a calendar's time zone, a country's holidays) in one
place, so that the `Policy` and the normalized document always say the same thing.
"""

from __future__ import annotations

from datetime import date, time
from functools import cache
from typing import Any

import holidays

from fireline.adapters.policy_file.build_escalation import (
    build_contacts,
    build_escalation,
    build_schedule,
)
from fireline.adapters.policy_file.build_notifications import (
    build_channels,
    build_notifications,
    notifications_document,
)
from fireline.adapters.policy_file.fields import WEEKDAYS
from fireline.adapters.policy_file.schema import (
    CalendarSpec,
    PolicySpec,
)
from fireline.adapters.policy_file.targets import (
    resolve_target,
)
from fireline.domain.policy import (
    AccessRules,
    BusinessCalendar,
    ChecklistItem,
    ClockStart,
    CriticalityTier,
    IncidentType,
    Policy,
    PriorityMatrix,
    ReviewRule,
    Role,
    Service,
    Severity,
    SeverityRule,
    SupportTier,
)

HOLIDAY_YEARS = range(2020, 2046)
"""The years a `holiday_country` is expanded for: far enough back for old incidents, and ahead
for any target an incident can still run into."""


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
        roles=tuple(Role(r.name, r.label, r.description, r.on_call) for r in spec.roles),
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
        contacts=build_contacts(spec),
        escalation=build_escalation(spec),
        at_risk_share=spec.at_risk_share,
        clock_start=ClockStart(spec.clock_start),
        schedules=tuple(build_schedule(spec, schedule) for schedule in spec.schedules),
        channels=build_channels(spec),
        notifications=build_notifications(spec),
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
    notifications_document(spec, document)
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
