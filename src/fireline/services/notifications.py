"""Use cases that tell people things: the messages fired timers send, and the wording of them.

`notify_fired` runs inside the worker's firing step: for each timer that tells someone
(initial notification, escalation, page, notice, reminder, resolution notice) it works out
whom its targets reach now, words the message for each channel, and stores one delivery per
recipient and method in the outbox, in the same transaction as the timer's timeline entry.
Nothing is sent here: the outbox workers do that (`fireline.services.outbox`).

Notifications follow the policy in force (today's channels, people and wording), as
on-call schedules do; which timers an incident has follows its pinned version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fireline.domain.clocks import status_spans
from fireline.domain.communication import (
    audience_of,
    is_paging,
    next_update_due,
    template_of,
)
from fireline.domain.deliveries import PAGE_MERGE_WINDOW, merge_repeated_pages
from fireline.domain.incident import Incident
from fireline.domain.people import User
from fireline.domain.policy import Policy
from fireline.domain.recipients import (
    Directory,
    Person,
    Reach,
    Reached,
    could_reach,
    handles_needed,
    reach,
)
from fireline.domain.templating import Happened, template_variables
from fireline.domain.timers import Timer, TimerKind, course_of
from fireline.services.delivery_ports import NewDelivery, Renderer
from fireline.services.ports import Store
from fireline.services.timer_ports import StoredTimer


@dataclass(frozen=True)
class Wording:
    """How messages are worded: the template renderer, and the address people open
    incidents at (FIRELINE_PUBLIC_URL)."""

    render: Renderer
    public_url: str

    def incident_url(self, incident_id: str) -> str:
        return f"{self.public_url.rstrip('/')}/api/v1/incidents/{incident_id}"


def message_key(*parts: str) -> str:
    """The idempotency key of one message to one recipient by one method: the same parts
    give the same key, so planning a message twice stores it once."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def person_of(user: User) -> Person:
    return Person(user.name, user.full_name or user.name, user.email, user.phone, user.chat_handle)


def load_people(store: Store, handles: Sequence[str]) -> dict[str, Person]:
    """The active users among `handles`, as people a message can reach."""
    users = store.get_users(sorted(set(handles)))
    return {name: person_of(user) for name, user in users.items() if user.is_active}


def directories_for(
    store: Store,
    policy: Policy,
    asks: Mapping[int, tuple[str, Sequence[str]]],
    on_call: Mapping[str, str | None],
) -> dict[int, Directory]:
    """For each ask (incident ID, targets), what reaching those targets needs to know: who
    holds the incident's roles, the people the targets stand for and their rules. Read
    once for every ask, and only what is needed: a worker firing a backlog of notices to
    contacts nobody can reach yet reads nothing."""
    holders: dict[str, dict[str, str]] = {}
    if any(_kind(target) in ("role", "audience") for _, ts in asks.values() for target in ts):
        holders = store.role_holders_of(sorted({incident for incident, _ in asks.values()}))
    handles: set[str] = set()
    for incident_id, targets in asks.values():
        directory = Directory(role_holders=holders.get(incident_id, {}), on_call=on_call)
        handles |= handles_needed(targets, policy=policy, directory=directory)
    people = load_people(store, sorted(handles))
    rules = store.notification_rules(sorted(people))
    return {
        key: Directory(people, rules, holders.get(incident_id, {}), on_call)
        for key, (incident_id, _) in asks.items()
    }


def notify_fired(
    store: Store,
    policy: Policy,
    wording: Wording,
    fired: Sequence[StoredTimer],
    on_call: Mapping[str, str | None],
    now: datetime,
) -> dict[int, Reach]:
    """Store the deliveries of every timer in `fired` that tells someone; by timer ID, whom
    its targets reached and whom not. `on_call` is who is on call in each schedule now."""
    telling = [t for t in fired if t.timer.targets and template_of(t.timer)]
    if not telling:
        return {}
    directories = directories_for(
        store, policy, {t.id: (t.incident_id, t.timer.targets) for t in telling}, on_call
    )
    hopeful = [t for t in telling if could_reach(t.timer.targets, policy, directories[t.id])]
    incidents = store.get_incidents(sorted({t.incident_id for t in hopeful}))
    paged = store.recent_pages(sorted(incidents), now - PAGE_MERGE_WINDOW)
    reaches: dict[int, Reach] = {}
    batch: list[NewDelivery] = []
    # Initial notifications first: when a page in the same step repeats one, the one kept is
    # the fuller "INCIDENT ALERT".
    for t in sorted(telling, key=lambda t: t.timer.kind is not TimerKind.INITIAL_NOTICE):
        directory = directories[t.id]
        incident = incidents.get(t.incident_id)
        if incident is None:
            # Nobody can be reached: reaching says why, and needs no incident to say it.
            reaches[t.id] = reach(
                t.timer.targets, severity=0, is_page=False, policy=policy, directory=directory
            )
            continue
        # A page asks for an acknowledgement; once there is one, it is news, not a page.
        is_page = is_paging(t.timer) and incident.acknowledged_at is None
        found = reach(
            t.timer.targets,
            severity=incident.severity,
            is_page=is_page,
            policy=policy,
            directory=directory,
            methods=_methods_of(t.timer, policy),
        )
        already = paged.setdefault(incident.id, set())
        found = merge_repeated_pages(found, already)
        already |= {(d.person or "", d.method) for d in found.deliveries if d.is_page}
        reaches[t.id] = found
        if found.deliveries:
            batch += _word_timer(store, policy, wording, incident, t.timer, found, now)
    if batch:
        store.add_deliveries(batch, now)
    return reaches


def _kind(target: str) -> str:
    return target.partition(":")[0]


def _methods_of(timer: Timer, policy: Policy) -> tuple[str, ...]:
    """Reminders go by `reminders.methods` (a reminder is no page); others by the
    severity's methods (an empty answer)."""
    reminders = policy.notifications.reminders
    if reminders and timer.kind in (TimerKind.UPDATE_DUE, TimerKind.UPDATE_OVERDUE):
        return reminders.methods
    return ()


def _word_timer(
    store: Store,
    policy: Policy,
    wording: Wording,
    incident: Incident,
    timer: Timer,
    found: Reach,
    now: datetime,
) -> list[NewDelivery]:
    template = template_of(timer)
    assert template is not None  # only timers that tell someone are worded
    name = audience_of(timer)
    next_at, every = next_update(store, policy, incident) if template == "initial" else (None, None)
    variables = template_variables(
        incident=incident,
        policy=policy,
        now=now,
        incident_url=wording.incident_url(incident.id),
        happened=Happened(timer.kind.value, timer.note, timer.level),
        audience=policy.notifications.audience(name) if name else None,
        next_update_at=next_at,
        update_every=every,
    )
    return word_deliveries(
        found.deliveries,
        policy=policy,
        wording=wording,
        incident=incident,
        notification=f"{incident.id}/{timer.key}",
        template=template,
        variables=variables,
        now=now,
    )


def word_deliveries(
    planned: Sequence[Reached],
    *,
    policy: Policy,
    wording: Wording,
    incident: Incident,
    notification: str,
    template: str,
    variables: Mapping[str, object],
    now: datetime,
) -> list[NewDelivery]:
    """One delivery per planned recipient and method, its message worded for its channel."""
    batch = []
    for r in planned:
        audience = policy.notifications.audience(r.audience) if r.audience else None
        key = message_key(notification, r.recipient, r.method, r.channel, str(r.delay))
        own = {
            **variables,
            "recipient": r.label,
            "audience": (
                {"name": audience.name, "label": audience.label, "content": audience.content}
                if audience
                else variables.get("audience")
            ),
        }
        message = wording.render(
            template,
            policy_templates=policy.notifications.templates,
            channel=policy.channel(r.channel),
            variables=own,
            key=key,
            incident_id=incident.id,
        )
        batch.append(
            NewDelivery(
                incident_id=incident.id,
                notification=notification,
                reached=r,
                template=template,
                is_page=r.is_page,
                message=message,
                due_at=now + timedelta(seconds=r.delay),
            )
        )
    return batch


def next_update(
    store: Store, policy: Policy, incident: Incident
) -> tuple[datetime | None, int | None]:
    """When the incident's next stakeholder update is due (to any audience), and the
    shortest cadence of its audiences in seconds; (None, None) when none has a cadence."""
    cadenced = policy.notifications.audiences_with_cadence(incident.severity)
    if not cadenced:
        return None, None
    course = course_of(
        incident,
        status_spans(incident.declared_at, store.status_changes(incident.id)),
        cadence=store.cadence_marks(incident.id),
    )
    dues = [d for a in cadenced if (d := next_update_due(course, policy, a)) is not None]
    every = min(a.updates.every.seconds for a in cadenced if a.updates)
    return (min(dues) if dues else None), every
