"""Small builders for domain tests: a policy in code (handbook 004's numbers) and incidents."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

from fireline.domain.incident import Draft, Incident, declare_incident
from fireline.domain.policy import (
    BusinessCalendar,
    CriticalityTier,
    IncidentType,
    Policy,
    PriorityMatrix,
    Role,
    Service,
    Severity,
    SeverityRule,
    SupportTier,
    Target,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HOUR = 3600

LEVELS = ("high", "medium", "low")
# Handbook 004 §2.2: rows are urgency, columns impact.
TABLE_004 = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P4"},
}

SERVICE_TIERS = {
    "checkout": "mission_critical",
    "login": "business_critical",
    "warehouse": "business_operational",
    "wiki": "administrative",
}


def make_policy(**overrides: Any) -> Policy:
    policy = Policy(
        name="test",
        description="handbook 004 in code",
        handbook=None,
        time_zone="UTC",
        incident_types=tuple(
            IncidentType(name, name.title())
            for name in ("performance", "access", "data", "security", "feature", "infrastructure")
        ),
        severities=tuple(
            Severity(level, name, name.title(), "", Target(response), Target(resolution))
            for level, name, response, resolution in (
                (1, "critical", HOUR // 4, 4 * HOUR),
                (2, "high", HOUR, 8 * HOUR),
                (3, "medium", 4 * HOUR, 24 * HOUR),
                (4, "low", 24 * HOUR, 72 * HOUR),
            )
        ),
        calendars=(BusinessCalendar("business_hours", "UTC", (1, 2, 3, 4, 5), time(9), time(17)),),
        priority_matrix=PriorityMatrix(
            impacts=LEVELS,
            urgencies=LEVELS,
            cells={
                (impact, urgency): TABLE_004[urgency][impact]
                for impact in LEVELS
                for urgency in LEVELS
            },
            priority_severity={"P1": 1, "P2": 2, "P3": 3, "P4": 4},
        ),
        criticality_tiers=tuple(
            CriticalityTier(name, level, name, implies_severity=level)
            for level, name in enumerate(
                ("mission_critical", "business_critical", "business_operational", "administrative"),
                start=1,
            )
        ),
        services=tuple(Service(name, tier) for name, tier in SERVICE_TIERS.items()),
        severity_rule=SeverityRule(),
        roles=(
            Role("incident_commander", "Incident Commander"),
            Role("technical_lead", "Technical Lead"),
            Role("communications_lead", "Communications Lead"),
            Role("scribe", "Scribe"),
            Role("business_liaison", "Business Liaison"),
        ),
        support_tiers=tuple(SupportTier(level, f"Tier {level}") for level in (1, 2, 3, 4)),
    )
    return replace(policy, **overrides)


def make_draft(**overrides: Any) -> Draft:
    fields: dict[str, Any] = {
        "title": "Checkout is down",
        "type": "infrastructure",
        "reporter": "ana",
    }
    fields.update(overrides)
    return Draft(**fields)


def make_incident(policy: Policy | None = None, **overrides: Any) -> Incident:
    incident, _ = declare_incident(
        make_draft(**overrides),
        incident_id="INC-2026-1125-001",
        policy=policy or make_policy(),
        policy_version=1,
        service_tiers=SERVICE_TIERS,
        now=NOW,
    )
    return incident
