"""Use cases for stakeholder updates (handbook 004 §5.2, handbook 002 step 8): post one to the
audiences that are due it, see where every audience's cadence stands, and read the incident's
delivery log.

Posting writes the update on the timeline, stores one delivery per member of each audience
(worded by the `update` template) and plans the incident's timers again: the update moves
each audience's cadence on, so its next reminder is `every` from now.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from fireline.domain.access import Visibility
from fireline.domain.clocks import status_spans
from fireline.domain.communication import (
    audiences_due,
    check_update,
    next_update_due,
    update_posted_event,
)
from fireline.domain.deliveries import Attempt, Delivery
from fireline.domain.errors import Conflict, UnknownName
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status
from fireline.domain.notifications import Audience
from fireline.domain.oncall import on_call_at
from fireline.domain.policy import Policy
from fireline.domain.recipients import Directory, handles_needed, reach
from fireline.domain.templating import PostedUpdate, template_variables
from fireline.domain.timers import CadenceMark, Course, course_of
from fireline.services.incidents import load_visible
from fireline.services.notifications import Wording, load_people, word_deliveries
from fireline.services.oncall import live_schedules
from fireline.services.policies import PolicyBook
from fireline.services.ports import Database, Store
from fireline.services.timers import replan_timers


@dataclass(frozen=True)
class Posted:
    """What posting did: the audiences it went to, how many deliveries it queued, whom it
    could not reach, and when each audience is next due an update."""

    audiences: tuple[str, ...]
    deliveries: int
    unreached: tuple[str, ...]
    next_due: dict[str, datetime | None]


@dataclass(frozen=True)
class AudienceCadence:
    """Where one audience's update cadence stands on an incident."""

    audience: Audience
    last_update_at: datetime | None
    last_reminder_at: datetime | None
    next_due_at: datetime | None
    is_due: bool


def post_update(
    database: Database,
    policies: PolicyBook,
    wording: Wording,
    incident_id: str,
    update: PostedUpdate,
    audiences: Sequence[str] | None,
    *,
    visibility: Visibility,
    now: datetime,
) -> Posted:
    """Post `update` to the named `audiences`, or (None) to those due an update now.

    UnknownName for an audience the policy does not have; Conflict when the incident is
    resolved (its resolution notice went out) or when no audience is named and none is due.
    """
    check_update(update)
    policy = policies.current
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        if incident.status in (Status.RESOLVED, Status.CLOSED):
            raise Conflict(
                f"{incident.id} is {incident.status.value}: its resolution notice went out "
                "(reopen it to post updates)"
            )
        course = _course(store, incident)
        chosen = _choose(policy, course, audiences)
        on_call = {
            name: on_call_at(schedule, now)
            for name, schedule in live_schedules(store, policy, now).items()
        }
        targets = [f"audience:{a.name}" for a in chosen]
        holders = store.role_holders_of([incident.id]).get(incident.id, {})
        directory = Directory(role_holders=holders, on_call=on_call)
        handles = handles_needed(targets, policy=policy, directory=directory)
        people = load_people(store, sorted(handles))
        directory = Directory(people, store.notification_rules(sorted(people)), holders, on_call)
        found = reach(
            targets, severity=incident.severity, is_page=False, policy=policy, directory=directory
        )
        marks = dict(course.cadence)
        for a in chosen:
            marks[a.name] = replace(marks.get(a.name, CadenceMark()), last_update=now)
        after = replace(course, cadence=marks)
        next_due = {a.name: next_update_due(after, policy, a) for a in chosen}
        dues = [d for d in next_due.values() if d is not None]
        variables = template_variables(
            incident=incident,
            policy=policy,
            now=now,
            incident_url=wording.incident_url(incident.id),
            update=update,
            next_update_at=min(dues) if dues else None,
            update_every=min((a.updates.every.seconds for a in chosen if a.updates), default=None),
        )
        batch = word_deliveries(
            found.deliveries,
            policy=policy,
            wording=wording,
            incident=incident,
            notification=f"{incident.id}/update:{uuid.uuid4().hex[:16]}",
            template="update",
            is_page=False,
            variables=variables,
            now=now,
        )
        store.add_deliveries(batch, now)
        event = update_posted_event(update, chosen, now=now, reached=found)
        store.append_events(incident.id, [event])
        replan_timers(store, policies, incident, now)
        return Posted(
            audiences=tuple(a.name for a in chosen),
            deliveries=len(batch),
            unreached=found.unreached,
            next_due=next_due,
        )


def update_cadence(
    database: Database,
    policies: PolicyBook,
    incident_id: str,
    *,
    visibility: Visibility,
) -> list[AudienceCadence]:
    """Every audience with a cadence for the incident's severity, and where it stands."""
    policy = policies.current
    with database.transaction(write=False) as store:
        incident = load_visible(store, incident_id, visibility)
        course = _course(store, incident)
    due = {a.name for a in audiences_due(course, policy)}
    return [
        AudienceCadence(
            audience=a,
            last_update_at=course.cadence.get(a.name, CadenceMark()).last_update,
            last_reminder_at=course.cadence.get(a.name, CadenceMark()).last_reminder,
            next_due_at=next_update_due(course, policy, a),
            is_due=a.name in due,
        )
        for a in policy.notifications.audiences_with_cadence(incident.severity)
    ]


def _course(store: Store, incident: Incident) -> Course:
    spans = status_spans(incident.declared_at, store.status_changes(incident.id))
    return course_of(incident, spans, cadence=store.cadence_marks(incident.id))


def _choose(policy: Policy, course: Course, names: Sequence[str] | None) -> list[Audience]:
    known = [a.name for a in policy.notifications.audiences]
    if names is not None:
        chosen = []
        for name in dict.fromkeys(names):
            audience = policy.notifications.audience(name)
            if audience is None:
                raise UnknownName("audiences", name, known)
            chosen.append(audience)
        if not chosen:
            raise UnknownName("audiences", "", known)
        return chosen
    due = audiences_due(course, policy)
    if due:
        return due
    coming = [
        (d, a.label)
        for a in policy.notifications.audiences_with_cadence(course.severity)
        if (d := next_update_due(course, policy, a)) is not None
    ]
    upcoming = [f"{label} at {d.strftime('%H:%M')} UTC" for d, label in sorted(coming)]
    raise Conflict(
        "no audience is due an update"
        + (f" (next: {', '.join(upcoming)})" if upcoming else "")
        + f"; name the audiences to update now (allowed: {', '.join(known) or 'none defined'})"
    )


def list_deliveries(
    database: Database, incident_id: str, *, visibility: Visibility
) -> list[tuple[Delivery, list[Attempt]]]:
    """The incident's delivery log: every message to every recipient, with its attempts."""
    with database.transaction(write=False) as store:
        load_visible(store, incident_id, visibility)
        return store.list_deliveries(incident_id)
