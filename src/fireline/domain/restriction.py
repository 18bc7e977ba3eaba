"""Restricting an incident, and naming the people who may see it anyway.

Who sees a restricted incident is decided in `fireline.domain.access.can_see`; here are the
changes to it, each of which lands on the incident's timeline.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from fireline.domain.checks import check_closed
from fireline.domain.errors import Conflict
from fireline.domain.timeline import TimelineEvent

if TYPE_CHECKING:
    from fireline.domain.incident import Incident


def restriction_event(
    restricted: bool, *, actor: str, now: datetime, why: str | None
) -> TimelineEvent:
    """The timeline entry for an incident becoming restricted (or no longer restricted)."""
    if restricted:
        summary = (
            "Restricted: only the security team, admins, the reporter and people added by "
            "name can see this incident"
        )
    else:
        summary = "No longer restricted: everyone who sees incidents can see this one"
    return TimelineEvent(
        "restriction_changed",
        now,
        actor,
        summary,
        field="restricted",
        before=not restricted,
        after=restricted,
        note=why,
    )


def restrict_incident(
    incident: Incident, restricted: bool, *, actor: str, now: datetime, note: str | None
) -> tuple[Incident, list[TimelineEvent]]:
    """The incident restricted (or opened up); no events when it already was."""
    if incident.is_restricted == restricted:
        return incident, []
    check_closed(incident, "change the restriction of")
    event = restriction_event(restricted, actor=actor, now=now, why=note)
    return replace(incident, is_restricted=restricted), [event]


def grant_access(
    incident: Incident, person: str, *, already: bool, actor: str, now: datetime
) -> list[TimelineEvent]:
    """Let `person` see the incident whatever its restriction; no events when they could."""
    if already:
        return []
    return [
        TimelineEvent(
            "access_granted",
            now,
            actor,
            f"{actor} added {person} to the people who can see this incident",
            field="access",
            after=person,
        )
    ]


def revoke_access(
    incident: Incident, person: str, *, had: bool, actor: str, now: datetime
) -> list[TimelineEvent]:
    """Take back `person`'s access by name; Conflict when they were never added."""
    if not had:
        raise Conflict(f"{person} was not added to {incident.id} by name")
    return [
        TimelineEvent(
            "access_revoked",
            now,
            actor,
            f"{actor} removed {person} from the people who can see this incident",
            field="access",
            before=person,
        )
    ]
