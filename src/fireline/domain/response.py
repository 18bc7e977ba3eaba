"""Responding to an incident: acknowledging it, moving it along its lifecycle, roles, comments.

Like every rule in the domain, each returns the changed record (where there is one) and the
timeline events that describe the change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fireline.domain.checks import MAX_COMMENT, check_closed, check_person, check_role
from fireline.domain.errors import Conflict, IllegalTransition, InvalidInput
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import PAUSED, Status, allowed_transitions
from fireline.domain.policy import Policy
from fireline.domain.timeline import TimelineEvent


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
    check_role(policy, role)
    check_person("person", person, required=True)
    check_closed(incident, "assign roles on")
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
    check_role(policy, role)
    check_closed(incident, "release roles on")
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
