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
from typing import Any

from fireline.domain.access import Visibility
from fireline.domain.clocks import status_spans
from fireline.domain.communication import (
    UPDATE_POSTED,
    audiences_due,
    check_update,
    next_update_due,
    update_posted_event,
)
from fireline.domain.deliveries import Attempt, Delivery
from fireline.domain.errors import Conflict, InvalidInput, UnknownName
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status
from fireline.domain.notifications import Audience
from fireline.domain.oncall import on_call_at
from fireline.domain.policy import Policy
from fireline.domain.recipients import reach
from fireline.domain.templating import PostedUpdate, template_variables
from fireline.domain.timers import CadenceMark, Course, course_of
from fireline.services.incidents import IdempotencyRequest, load_visible
from fireline.services.notifications import (
    Wording,
    directories_for,
    message_key,
    word_deliveries,
)
from fireline.services.oncall import live_schedules
from fireline.services.policies import PolicyBook
from fireline.services.ports import Database, Store
from fireline.services.timers import replan_timers


@dataclass(frozen=True)
class Posted:
    """What posting did: the audiences it went to, how many deliveries it queued, whom it
    could not reach, and when each audience is next due an update; `is_replay` when an
    earlier request with the same idempotency key posted it."""

    audiences: tuple[str, ...]
    deliveries: int
    unreached: tuple[str, ...]
    next_due: dict[str, datetime | None]
    is_replay: bool = False


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
    idempotency: IdempotencyRequest | None = None,
) -> Posted:
    """Post `update` to the named `audiences`, or (None) to those due an update now.

    UnknownName for an audience the policy does not have; Conflict when the incident is
    resolved (its resolution notice went out) or when no audience is named and none is due.
    With `idempotency`, a retry with the same key and request returns what the first one
    posted instead of posting again; the same key with another request is a Conflict.
    """
    check_update(update)
    policy = policies.current
    key = idempotency.key if idempotency else uuid.uuid4().hex
    notification = f"{incident_id}/update:{message_key(key)}"
    with database.transaction() as store:
        incident = load_visible(store, incident_id, visibility, for_update=True)
        earlier = _earlier(store, incident.id, notification) if idempotency else None
        if earlier is not None:
            return _replay(store, policy, incident, earlier, idempotency)
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
        (directory,) = directories_for(store, policy, {0: (incident.id, targets)}, on_call).values()
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
            notification=notification,
            template="update",
            variables=variables,
            now=now,
        )
        store.add_deliveries(batch, now)
        event = update_posted_event(
            update,
            chosen,
            now=now,
            reached=found,
            notification=notification,
            request_hash=idempotency.request_hash if idempotency else None,
        )
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


def _earlier(store: Store, incident_id: str, notification: str) -> dict[str, Any] | None:
    """The `after` of the update posted under `notification`, if one was."""
    for recorded in store.list_timeline(incident_id):
        after = recorded.event.after
        if (
            recorded.event.kind == UPDATE_POSTED
            and isinstance(after, dict)
            and after.get("notification") == notification
        ):
            return after
    return None


def _replay(
    store: Store,
    policy: Policy,
    incident: Incident,
    earlier: dict[str, Any],
    idempotency: IdempotencyRequest | None,
) -> Posted:
    if idempotency is None or earlier.get("request_hash") != idempotency.request_hash:
        raise Conflict("this Idempotency-Key was used for another update")
    course = _course(store, incident)
    names = [str(name) for name in earlier.get("audiences", [])]
    known = [a for name in names if (a := policy.notifications.audience(name)) is not None]
    return Posted(
        audiences=tuple(names),
        deliveries=int(earlier.get("deliveries", 0)),
        unreached=tuple(str(u) for u in earlier.get("unreached", [])),
        next_due={a.name: next_update_due(course, policy, a) for a in known},
        is_replay=True,
    )


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
            raise InvalidInput(
                "audiences",
                f"name at least one audience, or leave audiences out to update those due "
                f"(allowed: {', '.join(known) or 'none defined'})",
            )
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
