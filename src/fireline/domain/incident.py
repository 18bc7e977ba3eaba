"""The incident record, declaring one, and editing its fields.

Every rule is a function of the current record, the policy and `now`, and returns the new
record with the timeline events that describe the change; nothing is ever changed in place.
Lifecycle moves, acknowledgement, roles and comments are in `fireline.domain.response`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fireline.domain.checks import (
    check_lists,
    check_person,
    check_services,
    check_text,
    check_type,
)
from fireline.domain.classification import (
    decide_severity,
    derive_priority,
    highest_criticality,
    require_support_tier,
)
from fireline.domain.errors import InvalidInput
from fireline.domain.lifecycle import Status
from fireline.domain.policy import Policy
from fireline.domain.restriction import restriction_event
from fireline.domain.timeline import TimelineEvent


@dataclass(frozen=True)
class Incident:
    """An incident as it stands now; `resume_status` is where a paused incident returns to."""

    id: str
    title: str
    description: str
    type: str
    severity: int
    impact: str | None
    urgency: str | None
    priority: str | None
    services: tuple[str, ...]
    criticality: str | None
    reporter: str
    owner: str | None
    team: str | None
    support_tier: int | None
    steps_to_reproduce: str
    links: tuple[str, ...]
    labels: tuple[str, ...]
    status: Status
    resume_status: Status | None
    policy_version: int
    declared_at: datetime
    reported_at: datetime
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    identified_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    is_restricted: bool = False


@dataclass(frozen=True)
class Draft:
    """What a reporter supplies to declare an incident; everything else is derived."""

    title: str
    type: str
    reporter: str
    description: str = ""
    severity: int | None = None
    impact: str | None = None
    urgency: str | None = None
    services: tuple[str, ...] = ()
    owner: str | None = None
    team: str | None = None
    support_tier: int | None = None
    steps_to_reproduce: str = ""
    links: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    detected_at: datetime | None = None
    reported_at: datetime | None = None
    is_restricted: bool = False
    """Restrict from the start; the policy's restricted types are restricted regardless."""
    declared_by: str | None = None
    """Who declared it, when not the reporter (a responder logging a call, say)."""


PENDING_ID = ""
"""The ID of an incident whose number is taken once it has passed every check."""


def declare_incident(
    draft: Draft,
    *,
    incident_id: str,
    policy: Policy,
    policy_version: int,
    service_tiers: Mapping[str, str],
    now: datetime,
) -> tuple[Incident, list[TimelineEvent]]:
    """A new open incident and its first timeline events.

    `service_tiers` maps (at least) the draft's services to their criticality tiers; a service
    missing from it is unknown. `incident_id` may be `PENDING_ID`, to be replaced once the
    draft has passed every check (so bad input never consumes a number). Raises
    InvalidInput (or UnknownName) for anything the policy or catalog does not allow.
    """
    check_text(draft.title, draft.description, draft.steps_to_reproduce)
    check_type(policy, draft.type)
    check_person("reporter", draft.reporter, required=True)
    check_person("owner", draft.owner)
    check_person("team", draft.team)
    require_support_tier(policy, draft.support_tier)
    check_lists(draft.links, draft.labels)
    services = check_services(draft.services, service_tiers)
    reported_at = draft.reported_at or now
    if reported_at > now:
        raise InvalidInput("reported_at", "cannot be in the future")
    if draft.detected_at is not None and draft.detected_at > reported_at:
        raise InvalidInput("detected_at", "cannot be later than reported_at")
    priority = derive_priority(policy, draft.impact, draft.urgency)
    tier = highest_criticality(policy, (service_tiers[name] for name in services))
    decision = decide_severity(policy, reported=draft.severity, priority=priority, criticality=tier)
    incident = Incident(
        id=incident_id,
        title=draft.title.strip(),
        description=draft.description,
        type=draft.type,
        severity=decision.severity,
        impact=draft.impact,
        urgency=draft.urgency,
        priority=priority,
        services=services,
        criticality=tier.name if tier else None,
        reporter=draft.reporter,
        owner=draft.owner,
        team=draft.team,
        support_tier=draft.support_tier,
        steps_to_reproduce=draft.steps_to_reproduce,
        links=draft.links,
        labels=draft.labels,
        status=Status.OPEN,
        resume_status=None,
        policy_version=policy_version,
        declared_at=now,
        reported_at=reported_at,
        detected_at=draft.detected_at,
        is_restricted=draft.is_restricted or draft.type in policy.access.restricted_types,
    )
    declarer = draft.declared_by or draft.reporter
    events = [
        TimelineEvent(
            "declared",
            now,
            declarer,
            f"{declarer} declared the incident"
            + (f" for {draft.reporter}" if declarer != draft.reporter else "")
            + f": {incident.title}",
            after={
                "severity": decision.severity,
                "type": draft.type,
                "policy_version": policy_version,
            },
        ),
        TimelineEvent(
            "severity_decided",
            now,
            "fireline",
            decision.explanation,
            field="severity",
            after=decision.severity,
            note=decision.decided_by,
        ),
    ]
    if incident.is_restricted:
        why = "on request" if draft.is_restricted else f"{draft.type} incidents are restricted"
        events.append(restriction_event(True, actor=declarer, now=now, why=why))
    return incident, events
