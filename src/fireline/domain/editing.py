"""Editing an incident's fields after declaration, with classification re-derived.

Every edit is checked as a declaration would be, and each changed field becomes a
`field_changed` event; severity follows the rules in `_settle_severity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from fireline.domain.checks import (
    check_closed,
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
from fireline.domain.errors import InvalidInput, UnknownName
from fireline.domain.incident import Incident
from fireline.domain.policy import Policy
from fireline.domain.restriction import restriction_event
from fireline.domain.timeline import JsonValue, TimelineEvent

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
    check_closed(incident, "edit")
    edited = _apply_edits(incident, changes, policy, service_tiers)
    edited, events = _settle_severity(incident, edited, changes, reason, policy, actor, now)
    events += _field_events(incident, edited, changes, reason, actor, now)
    if edited.type in policy.access.restricted_types and not edited.is_restricted:
        # Becoming a security incident hides it at once; opening it up again is a person's
        # explicit decision (see fireline.domain.restriction).
        edited = replace(edited, is_restricted=True)
        why = f"{edited.type} incidents are restricted"
        events.append(restriction_event(True, actor=actor, now=now, why=why))
    return edited, events


def _apply_edits(
    incident: Incident,
    changes: Mapping[str, object],
    policy: Policy,
    service_tiers: Mapping[str, str],
) -> Incident:
    """The incident with `changes` checked and applied, priority and criticality re-derived;
    severity is left for `_settle_severity`."""
    merged = {**_as_fields(incident), **changes}
    title = str(merged["title"])
    check_text(title, str(merged["description"]), str(merged["steps_to_reproduce"]))
    check_type(policy, str(merged["type"]))
    for name in ("owner", "team"):
        check_person(name, _optional_str(merged[name]))
    support_tier = merged["support_tier"]
    require_support_tier(policy, support_tier if isinstance(support_tier, int) else None)
    links = tuple(_as_str_list(merged["links"]))
    labels = tuple(_as_str_list(merged["labels"]))
    check_lists(links, labels)
    services = check_services(tuple(_as_str_list(merged["services"])), service_tiers)
    detected_at = merged["detected_at"]
    if isinstance(detected_at, datetime) and detected_at > incident.reported_at:
        raise InvalidInput("detected_at", "cannot be later than reported_at")
    impact, urgency = _optional_str(merged["impact"]), _optional_str(merged["urgency"])
    tier = highest_criticality(policy, (service_tiers[name] for name in services))
    return replace(
        incident,
        title=title.strip(),
        description=str(merged["description"]),
        type=str(merged["type"]),
        impact=impact,
        urgency=urgency,
        priority=derive_priority(policy, impact, urgency),
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


def _settle_severity(
    incident: Incident,
    edited: Incident,
    changes: Mapping[str, object],
    reason: str | None,
    policy: Policy,
    actor: str,
    now: datetime,
) -> tuple[Incident, list[TimelineEvent]]:
    """Apply an explicit severity change (it needs a reason), or else raise severity when
    the edited classification implies a more severe one."""
    current = incident.severity
    if "severity" in changes:
        requested = changes["severity"]
        if requested == current:
            return edited, []
        if not reason or not reason.strip():
            raise InvalidInput("reason", "a severity change needs a reason")
        levels = [s.level for s in policy.severities]
        if not isinstance(requested, int) or requested not in levels:
            raise UnknownName("severity", requested, [str(level) for level in levels])
        summary = f"{actor} changed severity from Sev-{current} to Sev-{requested}"
        event = TimelineEvent(
            "severity_changed", now, actor, summary, "severity", current, requested, reason
        )
        return replace(edited, severity=requested), [event]
    tier = policy.tier(edited.criticality) if edited.criticality else None
    decision = decide_severity(policy, reported=current, priority=edited.priority, criticality=tier)
    if decision.severity >= current:
        return edited, []
    summary = (
        f"severity raised from Sev-{current} to Sev-{decision.severity}: {decision.explanation}"
    )
    event = TimelineEvent(
        "severity_changed",
        now,
        "fireline",
        summary,
        "severity",
        current,
        decision.severity,
        decision.decided_by,
    )
    return replace(edited, severity=decision.severity), [event]


def _field_events(
    incident: Incident,
    edited: Incident,
    changes: Mapping[str, object],
    reason: str | None,
    actor: str,
    now: datetime,
) -> list[TimelineEvent]:
    """One `field_changed` event per field whose value changed (severity has its own)."""
    before, after = _as_fields(incident), _as_fields(edited)
    return [
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
        for name in (*EDITABLE_FIELDS, "priority", "criticality")
        if name != "severity" and before[name] != after[name]
    ]


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
