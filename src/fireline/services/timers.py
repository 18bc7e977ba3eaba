"""Use cases for timers: plan them when an incident changes, fire them when they come due.

`fire_due_timers` is one worker step: it claims a batch of due timers, appends what each
fires to its incident's timeline and marks it fired, all in one transaction. A worker killed
mid-step rolls the whole step back, so each timer fires exactly once whatever happens to the
processes running the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fireline.domain.clocks import incident_spans
from fireline.domain.firing import falls_through, fired_event, on_call_for
from fireline.domain.incident import Incident
from fireline.domain.oncall import on_call_at
from fireline.domain.planning import plan_timers
from fireline.domain.policy import Policy
from fireline.domain.timeline import TimelineEvent
from fireline.domain.timers import TimerKind, course_of
from fireline.services.notifications import Wording, notify_fired
from fireline.services.oncall import live_schedules
from fireline.services.policies import PolicyBook
from fireline.services.ports import Database, Store

FIRING_BATCH = 500
"""Timers one step claims at most: large enough to amortise a transaction, small enough
that a step stays short and its row locks do not hold other workers back."""


def plan_new_incidents(
    store: Store, policies: PolicyBook, batch: Sequence[Incident], now: datetime
) -> None:
    """Store the timers of incidents just declared (their history is one open span)."""
    plans = []
    for incident in batch:
        policy = policies.get(incident.policy_version)
        course = course_of(incident, incident_spans(incident, [], policy))
        plans.append((incident.id, plan_timers(course, policy)))
    store.replace_timers(plans, now, fresh=True)


def record_change(
    store: Store,
    policies: PolicyBook,
    incident: Incident,
    events: Sequence[TimelineEvent],
    now: datetime,
) -> None:
    """Write a changed incident and its timeline events, and plan its timers again: the one
    way the use cases store a change, so that none of them leaves its timers stale."""
    store.save_incident(incident)
    store.append_events(incident.id, events)
    replan_timers(store, policies, incident, now)


def replan_timers(store: Store, policies: PolicyBook, incident: Incident, now: datetime) -> None:
    """Plan the incident's timers again after a change, in the changing transaction.

    Timers not yet fired are replaced; a key that fired keeps its row and is not planned
    again. A timer whose due time is already past fires at the worker's next step."""
    policy = policies.get(incident.policy_version)
    spans = incident_spans(incident, store.status_changes(incident.id), policy)
    course = course_of(
        incident,
        spans,
        escalated_to=store.manual_escalation_level(incident.id),
        handover=store.last_handover(incident.id),
        cadence=store.cadence_marks(incident.id),
    )
    plan = plan_timers(course, policy)
    store.replace_timers([(incident.id, plan)], now)


def fire_due_timers(
    database: Database,
    *,
    now: datetime,
    limit: int = FIRING_BATCH,
    policy: Policy | None = None,
    policies: PolicyBook | None = None,
    wording: Wording | None = None,
) -> int:
    """Fire up to `limit` timers due at `now`; how many fired (0: nothing was due).

    `schedule:` targets reach whoever is on call now under `policy` (the policy in force);
    an escalation level that reaches nobody brings the next level forward to now. With
    `wording`, the messages the timers send go into the outbox in the same transaction; with
    `policies`, an incident whose update reminder fired is planned again (its cadence moved
    on).
    """
    with database.transaction() as store:
        due = store.claim_due_timers(now, limit)
        if not due:
            return 0
        # Who is on call matters to schedule, team and role targets (a role may fall to a
        # schedule), and to audiences (which may hold those).
        rota = {"schedule", "team", "role", "audience"}
        needs_rota = any(
            target.partition(":")[0] in rota for t in due for target in t.timer.targets
        )
        schedules = live_schedules(store, policy, now) if policy and needs_rota else {}
        reaches = {}
        if policy is not None and wording is not None:
            on_call = {name: on_call_at(s, now) for name, s in schedules.items()}
            reaches = notify_fired(store, policy, wording, due, on_call, now)
        entries = []
        moved_on = set()
        for t in due:
            # Without a policy nobody can say who is on call: report no one, skip nothing.
            on_call = on_call_for(t.timer, schedules, now) if policy else {}
            event = fired_event(
                t.timer,
                planned_at=t.planned_at,
                now=now,
                on_call=on_call,
                reached=reaches.get(t.id),
            )
            entries.append((t.incident_id, [event]))
            if falls_through(t.timer, on_call):
                following = f"escalation:{(t.timer.level or 0) + 1}"
                store.bring_timer_forward(t.incident_id, following, now)
            if t.timer.kind is TimerKind.UPDATE_DUE:
                moved_on.add(t.incident_id)
        store.append_timelines(entries)
        marked = store.mark_timers_fired([t.id for t in due], now)
        if marked != len(due):
            # Only possible if the claim did not hold its rows; refuse to double-fire.
            raise RuntimeError(f"claimed {len(due)} timers but could mark only {marked}")
        if policies is not None:
            # The reminder just written moves its audience's cadence on: plan the next one.
            for incident_id in sorted(moved_on):
                incident = store.get_incident(incident_id, for_update=True)
                if incident is not None:
                    replan_timers(store, policies, incident, now)
        return marked


def next_due_at(database: Database) -> datetime | None:
    """When the earliest unfired timer is due (None: nothing is planned)."""
    with database.transaction(write=False) as store:
        return store.next_due_at()


def plan_missing_timers(
    database: Database, policies: PolicyBook, *, now: datetime, batch: int = 200
) -> int:
    """Plan the timers of every unresolved incident that has none (declared before timers
    existed); how many incidents were planned. Safe to run again: planned ones are skipped."""
    planned, after = 0, ""
    while True:
        with database.transaction() as store:
            ids = store.incidents_without_timers(after, batch)
            for incident_id in ids:
                incident = store.get_incident(incident_id, for_update=True)
                if incident is not None:
                    replan_timers(store, policies, incident, now)
        if not ids:
            return planned
        planned += len(ids)
        after = ids[-1]
