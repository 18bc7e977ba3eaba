"""Use cases for responding to an incident: status, acknowledgement, comments, roles.

Each takes the caller's `Visibility` (an incident they may not see is NotFound, as in
`fireline.services.incidents`), records the caller as the actor and plans the incident's
timers again where the change can move them.
"""

from __future__ import annotations

from datetime import datetime

from fireline.domain import response
from fireline.domain.access import Visibility
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status
from fireline.domain.names import NameKind, NameReference
from fireline.services.incidents import load_visible
from fireline.services.names import check_names
from fireline.services.policies import PolicyBook
from fireline.services.ports import Database, RecordedEvent, RoleAssignment
from fireline.services.timers import record_change, replan_timers


def change_status(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    target: Status,
    *,
    visibility: Visibility,
    now: datetime,
    note: str | None,
) -> Incident:
    """Move the incident along its lifecycle; IllegalTransition names the allowed moves."""
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        actor = visibility.user
        updated, events = response.change_status(incident, target, actor=actor, now=now, note=note)
        record_change(store, policies, updated, events, now)
        return updated


def acknowledge_incident(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    *,
    visibility: Visibility,
    now: datetime,
) -> Incident:
    """Record that `actor` took the incident on; Conflict when that is no longer possible."""
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        actor = visibility.user
        updated, events = response.acknowledge_incident(incident, actor=actor, now=now)
        record_change(store, policies, updated, events, now)
        return updated


def comment_on_incident(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    *,
    body: str,
    visibility: Visibility,
    now: datetime,
) -> RecordedEvent:
    """Add a comment to the timeline and return it as stored. A comment by a new owner is
    their first contact after a hand-over, so the timers are planned again."""
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        actor = visibility.user
        event = response.comment_on(incident, body=body, actor=actor, now=now)
        store.append_events(incident_id, [event])
        if incident.owner == actor:
            replan_timers(store, policies, incident, now)
        return store.list_timeline(incident_id)[-1]


def assign_role(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    *,
    role: str,
    person: str | None,
    visibility: Visibility,
    now: datetime,
) -> tuple[dict[str, str], list[RoleAssignment]]:
    """Hand `role` to `person` (None releases it); returns holders and history afterwards.

    `role` is a name in the path: NotFound (naming the roles there are) when the incident's
    policy version has no such role. `person` must be an active user (UnknownName,
    DeactivatedPerson).
    """
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        actor = visibility.user
        policy = policies.get(incident.policy_version)
        references = [NameReference("role", role, NameKind.ROLE, in_path=True)]
        if person is not None and person.strip():
            references.append(NameReference("person", person, NameKind.PERSON))
        check_names(store, references, roles=policy.role_names)
        holder = store.role_holders(incident_id).get(role)
        if person is None:
            events = response.release_role(
                incident, role=role, current_holder=holder, policy=policy, actor=actor, now=now
            )
        else:
            events = response.assign_role(
                incident,
                role=role,
                person=person,
                current_holder=holder,
                policy=policy,
                actor=actor,
                now=now,
            )
        if events:
            store.set_role_holder(incident_id, role, person, now)
            store.append_events(incident_id, events)
            if incident.owner == actor:  # a new owner's first act after a hand-over
                replan_timers(store, policies, incident, now)
        return store.role_holders(incident_id), store.role_history(incident_id)
