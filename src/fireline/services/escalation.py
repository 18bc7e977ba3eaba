"""Use case: escalate an incident by hand (handbooks 002 and 003)."""

from __future__ import annotations

from datetime import datetime

from fireline.domain import escalation
from fireline.domain.access import Visibility
from fireline.domain.escalation import EscalationRequest
from fireline.domain.incident import Incident
from fireline.domain.names import NameKind, NameReference
from fireline.domain.timers import TimerKind
from fireline.services.incidents import load_visible
from fireline.services.names import check_names
from fireline.services.oncall import live_schedules
from fireline.services.policies import PolicyBook
from fireline.services.ports import Database, Store
from fireline.services.timers import record_change


def reached_level(store: Store, incident_id: str) -> int:
    """The highest escalation level the incident reached, by timer or by hand (0: none)."""
    fired = [
        stored.timer.level or 0
        for stored in store.list_timers(incident_id)
        if stored.timer.kind is TimerKind.ESCALATION and stored.fired_at is not None
    ]
    return max([store.manual_escalation_level(incident_id), *fired])


def escalate_incident(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    request: EscalationRequest,
    *,
    visibility: Visibility,
    now: datetime,
) -> tuple[Incident, int | None]:
    """Escalate under the incident's own policy version; the incident and its new level.

    A new owner must be an active user (UnknownName, DeactivatedPerson otherwise). The
    timers are planned again: levels up to the one reached by hand no longer fire.
    """
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        if request.owner is not None and request.owner != incident.owner:
            check_names(store, [NameReference("owner", request.owner, NameKind.PERSON)])
        updated, events, level = escalation.escalate_incident(
            incident,
            request,
            reached=reached_level(store, incident_id),
            policy=policies.get(incident.policy_version),
            service_tiers=store.service_tiers(list(incident.services)),
            # Who is on call follows today's rota, as for the worker's timers.
            schedules=live_schedules(store, policies.current, now),
            actor=visibility.user,
            now=now,
        )
        record_change(store, policies, updated, events, now)
        return updated, level
