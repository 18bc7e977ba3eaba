"""The incident record and the rules that change it.

Every rule is a function of the current record, the policy and `now`, and returns the new
record with the timeline events that describe the change; nothing is ever changed in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from fireline.domain.classification import (
    decide_severity,
    derive_priority,
    highest_criticality,
    require_support_tier,
)
from fireline.domain.errors import Conflict, IllegalTransition, InvalidInput, UnknownName
from fireline.domain.lifecycle import PAUSED, Status, allowed_transitions
from fireline.domain.policy import Policy
from fireline.domain.timeline import JsonValue, TimelineEvent

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_NAME = 100
MAX_LIST = 50
MAX_LINK = 2_048
MAX_LABEL = 64
MAX_COMMENT = 10_000


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


EDITABLE_FIELDS = (
    "title",
    "description",
    "type",
    "severity",
    "impact",
    "urgency",
    "services",
    "owner",
    "team",
    "support_tier",
    "steps_to_reproduce",
    "links",
    "labels",
    "detected_at",
)


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
    missing from it is unknown. Raises
    InvalidInput (or UnknownName) for anything the policy or catalog does not allow.
    """
    _check_text(draft.title, draft.description, draft.steps_to_reproduce)
    _check_type(policy, draft.type)
    _check_person("reporter", draft.reporter, required=True)
    _check_person("owner", draft.owner)
    _check_person("team", draft.team)
    require_support_tier(policy, draft.support_tier)
    _check_lists(draft.links, draft.labels)
    services = _check_services(draft.services, service_tiers)
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
    )
    events = [
        TimelineEvent(
            "declared",
            now,
            draft.reporter,
            f"{draft.reporter} declared {incident_id}: {incident.title}",
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
    return incident, events


def update_incident(
    incident: Incident,
    changes: Mapping[str, object],
    *,
    reason: str | None,
    policy: Policy,
    service_tiers: Mapping[str, str],
    actor: str,
    now: datetime,
) -> tuple[Incident, list[TimelineEvent]]:
    """Apply field changes; each changed field becomes a `field_changed` event.

    An explicit severity change needs a `reason`. Changing impact, urgency or services
    re-derives priority and criticality, and raises severity when they now imply a more
    severe one (never lowers it: lowering is a person's decision, with a reason).
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], f"is not editable; editable: {', '.join(EDITABLE_FIELDS)}")
    _check_closed(incident, "edit")
    merged = {**_as_fields(incident), **changes}
    title = str(merged["title"])
    _check_text(title, str(merged["description"]), str(merged["steps_to_reproduce"]))
    _check_type(policy, str(merged["type"]))
    for name in ("owner", "team"):
        _check_person(name, _optional_str(merged[name]))
    support_tier = merged["support_tier"]
    require_support_tier(policy, support_tier if isinstance(support_tier, int) else None)
    links = tuple(_as_str_list(merged["links"]))
    labels = tuple(_as_str_list(merged["labels"]))
    _check_lists(links, labels)
    services = _check_services(tuple(_as_str_list(merged["services"])), service_tiers)
    detected_at = merged["detected_at"]
    if isinstance(detected_at, datetime) and detected_at > incident.reported_at:
        raise InvalidInput("detected_at", "cannot be later than reported_at")
    impact, urgency = _optional_str(merged["impact"]), _optional_str(merged["urgency"])
    priority = derive_priority(policy, impact, urgency)
    tier = highest_criticality(policy, (service_tiers[name] for name in services))
    events: list[TimelineEvent] = []
    severity = incident.severity
    if "severity" in changes and changes["severity"] != incident.severity:
        if not reason or not reason.strip():
            raise InvalidInput("reason", "a severity change needs a reason")
        requested = changes["severity"]
        if not isinstance(requested, int) or requested not in [s.level for s in policy.severities]:
            raise UnknownName("severity", requested, [str(s.level) for s in policy.severities])
        severity = requested
        events.append(
            TimelineEvent(
                "severity_changed",
                now,
                actor,
                f"{actor} changed severity from Sev-{incident.severity} to Sev-{severity}",
                field="severity",
                before=incident.severity,
                after=severity,
                note=reason,
            )
        )
    elif "severity" not in changes:
        decision = decide_severity(policy, reported=severity, priority=priority, criticality=tier)
        if decision.severity < severity:
            events.append(
                TimelineEvent(
                    "severity_changed",
                    now,
                    "fireline",
                    f"severity raised from Sev-{severity} to Sev-{decision.severity}: "
                    + decision.explanation,
                    field="severity",
                    before=severity,
                    after=decision.severity,
                    note=decision.decided_by,
                )
            )
            severity = decision.severity
    updated = replace(
        incident,
        title=title.strip(),
        description=str(merged["description"]),
        type=str(merged["type"]),
        severity=severity,
        impact=impact,
        urgency=urgency,
        priority=priority,
        services=services,
        criticality=tier.name if tier else None,
        owner=_optional_str(merged["owner"]),
        team=_optional_str(merged["team"]),
        support_tier=support_tier if isinstance(support_tier, int) else None,
        steps_to_reproduce=str(merged["steps_to_reproduce"]),
        links=links,
        labels=labels,
        detected_at=detected_at if isinstance(detected_at, datetime) else None,
    )
    before, after = _as_fields(incident), _as_fields(updated)
    for name in (*EDITABLE_FIELDS, "priority", "criticality"):
        if name == "severity" or before[name] == after[name]:
            continue
        events.append(
            TimelineEvent(
                "field_changed",
                now,
                actor if name in changes else "fireline",
                f"{name} changed",
                field=name,
                before=_json(before[name]),
                after=_json(after[name]),
                note=reason,
            )
        )
    return updated, events


def change_status(
    incident: Incident, target: Status, *, actor: str, now: datetime, note: str | None = None
) -> tuple[Incident, list[TimelineEvent]]:
    """Move the incident to `target`, stamping the lifecycle timestamps.

    Leaving ``open`` counts as the first response, so it acknowledges the incident too.
    Raises IllegalTransition naming the allowed targets.
    """
    allowed = allowed_transitions(incident.status, incident.resume_status)
    if target not in allowed:
        raise IllegalTransition(incident.status.value, target.value, [s.value for s in allowed])
    events: list[TimelineEvent] = []
    updated = incident
    if incident.status is Status.OPEN and incident.acknowledged_at is None:
        updated, acknowledged = _stamp_acknowledgement(incident, actor, now)
        events.append(acknowledged)
    resume = incident.status if target in PAUSED else None
    updated = replace(updated, status=target, resume_status=resume)
    if target is Status.IDENTIFIED and updated.identified_at is None:
        updated = replace(updated, identified_at=now)
    if target is Status.RESOLVED:
        updated = replace(updated, resolved_at=now)
    if target is Status.CLOSED:
        updated = replace(updated, closed_at=now)
    reopened = incident.status is Status.RESOLVED and target is Status.INVESTIGATING
    if reopened:
        updated = replace(updated, resolved_at=None)
    verb = "reopened the incident" if reopened else f"moved the incident to {target.value}"
    events.append(
        TimelineEvent(
            "status_changed",
            now,
            actor,
            f"{actor} {verb}",
            field="status",
            before=incident.status.value,
            after=target.value,
            note=note,
        )
    )
    return updated, events


def acknowledge_incident(
    incident: Incident, *, actor: str, now: datetime
) -> tuple[Incident, list[TimelineEvent]]:
    """Record that `actor` has taken the incident on; an open incident moves to investigating.

    Raises Conflict when it is already acknowledged, resolved or closed.
    """
    if incident.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(f"{incident.id} is {incident.status.value}; there is nothing to acknowledge")
    if incident.acknowledged_at is not None:
        raise Conflict(
            f"{incident.id} was already acknowledged by {incident.acknowledged_by} "
            f"at {incident.acknowledged_at.isoformat()}"
        )
    updated, acknowledged = _stamp_acknowledgement(incident, actor, now)
    events = [acknowledged]
    if incident.status is Status.OPEN:
        updated = replace(updated, status=Status.INVESTIGATING)
        events.append(
            TimelineEvent(
                "status_changed",
                now,
                actor,
                f"{actor} moved the incident to investigating",
                field="status",
                before=Status.OPEN.value,
                after=Status.INVESTIGATING.value,
            )
        )
    return updated, events


def _stamp_acknowledgement(
    incident: Incident, actor: str, now: datetime
) -> tuple[Incident, TimelineEvent]:
    updated = replace(incident, acknowledged_at=now, acknowledged_by=actor)
    return updated, TimelineEvent("acknowledged", now, actor, f"{actor} acknowledged the incident")


def assign_role(
    incident: Incident,
    *,
    role: str,
    person: str,
    current_holder: str | None,
    policy: Policy,
    actor: str,
    now: datetime,
) -> list[TimelineEvent]:
    """Events for handing `role` to `person`; empty when they already hold it.

    Raises UnknownName for a role the policy does not define.
    """
    _check_role(policy, role)
    _check_person("person", person, required=True)
    _check_closed(incident, "assign roles on")
    if current_holder == person:
        return []
    summary = (
        f"{actor} handed {role} from {current_holder} to {person}"
        if current_holder
        else f"{actor} assigned {role} to {person}"
    )
    return [
        TimelineEvent(
            "role_assigned", now, actor, summary, field=role, before=current_holder, after=person
        )
    ]


def release_role(
    incident: Incident,
    *,
    role: str,
    current_holder: str | None,
    policy: Policy,
    actor: str,
    now: datetime,
) -> list[TimelineEvent]:
    """Events for leaving `role` unheld; Conflict when nobody holds it."""
    _check_role(policy, role)
    _check_closed(incident, "release roles on")
    if current_holder is None:
        raise Conflict(f"nobody holds {role} on {incident.id}")
    return [
        TimelineEvent(
            "role_released",
            now,
            actor,
            f"{actor} released {current_holder} from {role}",
            field=role,
            before=current_holder,
        )
    ]


def comment_on(incident: Incident, *, body: str, actor: str, now: datetime) -> TimelineEvent:
    """A comment event; InvalidInput for an empty or overlong body."""
    if not body.strip():
        raise InvalidInput("body", "a comment cannot be empty")
    if len(body) > MAX_COMMENT:
        raise InvalidInput("body", f"at most {MAX_COMMENT} characters")
    return TimelineEvent("comment", now, actor, f"{actor} commented", note=body)


def _check_text(title: str, description: str, steps: str) -> None:
    if not title.strip():
        raise InvalidInput("title", "is required and cannot be blank")
    if len(title) > MAX_TITLE:
        raise InvalidInput("title", f"at most {MAX_TITLE} characters (got {len(title)})")
    for name, text in (("description", description), ("steps_to_reproduce", steps)):
        if len(text) > MAX_TEXT:
            raise InvalidInput(name, f"at most {MAX_TEXT} characters (got {len(text)})")


def _check_type(policy: Policy, name: str) -> None:
    if name not in policy.type_names:
        raise UnknownName("type", name, policy.type_names)


def _check_role(policy: Policy, role: str) -> None:
    if role not in policy.role_names:
        raise UnknownName("role", role, policy.role_names)


def _check_person(field: str, name: str | None, *, required: bool = False) -> None:
    if name is None or not name.strip():
        if required:
            raise InvalidInput(field, "is required and cannot be blank")
        return
    if len(name) > MAX_NAME:
        raise InvalidInput(field, f"at most {MAX_NAME} characters")


def _check_lists(links: tuple[str, ...], labels: tuple[str, ...]) -> None:
    for field, values, limit in (("links", links, MAX_LINK), ("labels", labels, MAX_LABEL)):
        if len(values) > MAX_LIST:
            raise InvalidInput(field, f"at most {MAX_LIST} entries")
        for value in values:
            if not value.strip() or len(value) > limit:
                raise InvalidInput(field, f"each entry needs 1 to {limit} characters")
    for link in links:
        if not link.startswith(("http://", "https://")):
            raise InvalidInput("links", f"{link[:80]!r} is not an http(s) URL")


def _check_services(names: tuple[str, ...], service_tiers: Mapping[str, str]) -> tuple[str, ...]:
    if len(names) > MAX_LIST:
        raise InvalidInput("services", f"at most {MAX_LIST} services")
    for name in names:
        if name not in service_tiers:
            raise InvalidInput(
                "services", f"unknown service {name!r}: it is not in the service catalog"
            )
    return tuple(dict.fromkeys(names))


def _check_closed(incident: Incident, action: str) -> None:
    if incident.status is Status.CLOSED:
        raise Conflict(
            f"{incident.id} is closed; closed incidents are final, so you cannot {action} it"
        )


def _as_fields(incident: Incident) -> dict[str, object]:
    return {name: getattr(incident, name) for name in (*EDITABLE_FIELDS, "priority", "criticality")}


def _as_str_list(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    raise InvalidInput("list", "must be a list of strings")


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _json(value: object) -> JsonValue:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
