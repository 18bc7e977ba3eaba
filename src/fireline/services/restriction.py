"""Use cases for restricted incidents: restrict, open up, and name who may see one anyway.

Each change goes on the incident's timeline and into the audit log, in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from fireline.domain import restriction
from fireline.domain.access import Visibility, can_see
from fireline.domain.audit import AuditAction, AuditEntry
from fireline.domain.incident import Incident
from fireline.domain.names import NameKind, NameReference
from fireline.services.access_ports import AccessGrant
from fireline.services.incidents import load_visible
from fireline.services.names import check_names
from fireline.services.ports import Database


def restrict_incident(
    database: Database,
    incident_id: str,
    restricted: bool,
    *,
    note: str | None,
    visibility: Visibility,
    now: datetime,
    client: str | None = None,
) -> Incident:
    """Restrict the incident (or open it up). Someone who restricts an incident they would
    then no longer see is added to it by name: hiding it from yourself helps nobody."""
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        updated, events = restriction.restrict_incident(
            incident, restricted, actor=visibility.user, now=now, note=note
        )
        if not events:
            return updated
        keeps_sight = can_see(
            visibility,
            is_restricted=restricted,
            reporter=incident.reporter,
            is_granted=store.has_access(incident_id, visibility.user),
        )
        if not keeps_sight:
            store.add_access(incident_id, AccessGrant(visibility.user, visibility.user, now))
            events += restriction.grant_access(
                incident, visibility.user, already=False, actor=visibility.user, now=now
            )
        store.save_incident(updated)
        store.append_events(incident_id, events)
        action = (
            AuditAction.INCIDENT_RESTRICTED if restricted else AuditAction.INCIDENT_UNRESTRICTED
        )
        store.append_audit([AuditEntry(now, visibility.user, action, incident_id, client)])
        return updated


def list_access(database: Database, incident_id: str, visibility: Visibility) -> list[AccessGrant]:
    """The people added to the incident by name."""
    with database.transaction(write=False) as store:
        load_visible(store, incident_id, visibility)
        return store.access_grants(incident_id)


def set_access(
    database: Database,
    incident_id: str,
    user_name: str,
    *,
    granted: bool,
    visibility: Visibility,
    now: datetime,
    client: str | None = None,
) -> tuple[Incident, list[AccessGrant]]:
    """Add (`granted`) or remove a person by name; returns the incident and the list.

    NotFound for an unknown person (a name in the path); DeactivatedPerson for adding one
    who is deactivated."""
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        # Only a person who may sign in is newly added: a deactivated one would inherit the
        # incident on reactivation, unseen. Taking someone off works whatever their state.
        user = NameReference(
            "user", user_name, NameKind.PERSON, in_path=True, must_be_active=granted
        )
        check_names(store, [user])
        had = store.has_access(incident_id, user_name)
        if granted:
            events = restriction.grant_access(
                incident, user_name, already=had, actor=visibility.user, now=now
            )
            if events:
                store.add_access(incident_id, AccessGrant(user_name, visibility.user, now))
            action = AuditAction.INCIDENT_ACCESS_GRANTED
        else:
            events = restriction.revoke_access(
                incident, user_name, had=had, actor=visibility.user, now=now
            )
            store.remove_access(incident_id, user_name)
            action = AuditAction.INCIDENT_ACCESS_REVOKED
        if events:
            store.append_events(incident_id, events)
            store.append_audit(
                [AuditEntry(now, visibility.user, action, incident_id, client, {"user": user_name})]
            )
        return incident, store.access_grants(incident_id)
