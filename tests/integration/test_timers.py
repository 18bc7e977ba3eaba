"""Timers on a real database: planned with the incident, fired once by worker steps.

A clock the test moves stands in for time; `run_step` is the worker's own step.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fireline.bootstrap import Context, build_context
from fireline.domain.access import Visibility
from fireline.domain.errors import Conflict
from fireline.domain.incident import Draft
from fireline.domain.lifecycle import Status
from fireline.entrypoints.worker.loop import run_step
from fireline.services import incidents
from fireline.services import response as responding
from fireline.services.timers import fire_due_timers
from fireline.settings import Settings
from tests.integration.api.conftest import CHEAP_HASHER, FakeClock
from tests.notifying import add_user
from tests.seconds_policy import TIMER_KINDS, write_preset_without_notifications

T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
EIGHT_SEV1_KEYS = {
    "sla_warning:response",
    "sla_breach:response",
    "notify:1800:contact:it_manager",
    "notify:3600:contact:cto",
    "notify:7200:contact:ceo",
    "sla_warning:resolution",
    "sla_breach:resolution",
    "notify:14400:contact:board",
}
ALEX = Visibility("alex", sees_open=True, sees_restricted=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def context(database_url: str, clock: FakeClock, tmp_path: Path) -> Iterator[Context]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        # Handbook 004's clocks and escalation matrix; its update reminders are tested in
        # test_notifications.py.
        policy=str(write_preset_without_notifications(tmp_path, "handbook_004")),
        secret_key=None,
        log_level="info",
        migrate_on_start=False,
    )
    context = build_context(settings, clock=clock, hasher=CHEAP_HASHER)
    add_user(context, "ana")  # the reporter `declare` names
    yield context
    context.database.dispose()


def declare(context: Context, severity: int = 1) -> str:
    draft = Draft(title="Checkout down", type="infrastructure", reporter="ana", severity=severity)
    declared = incidents.declare_incident(
        context.database, context.policies, draft, now=context.clock()
    )
    return declared.incident.id


def fired(context: Context, incident_id: str) -> list[tuple[str, object]]:
    """(kind, timer key) of each timer event on the timeline, in order."""
    events = incidents.get_timeline(context.database, incident_id, ALEX)
    return [
        (e.event.kind, e.event.after["key"])  # type: ignore[index,call-overload]
        for e in events
        if e.event.kind in TIMER_KINDS
    ]


def drain(context: Context) -> int:
    total = 0
    while (count := run_step(context)) > 0:
        total += count
    return total


def test_due_timers_fire_once_each_in_due_order(context: Context, clock: FakeClock) -> None:
    incident_id = declare(context)
    assert drain(context) == 0  # nothing is due at declaration
    clock.advance(minutes=16)
    assert drain(context) == 2
    assert drain(context) == 0
    clock.advance(minutes=45)  # 61 minutes in
    assert drain(context) == 2
    assert fired(context, incident_id) == [
        ("sla_warning", "sla_warning:response"),
        ("sla_breach", "sla_breach:response"),
        ("notify", "notify:1800:contact:it_manager"),
        ("notify", "notify:3600:contact:cto"),
    ]


def test_acknowledging_stops_the_response_clock_and_resolving_stops_everything(
    context: Context, clock: FakeClock
) -> None:
    incident_id = declare(context)
    clock.advance(minutes=5)
    responding.acknowledge_incident(
        context.database, context.policies, incident_id, visibility=ALEX, now=clock()
    )
    clock.advance(minutes=40)
    assert drain(context) == 1
    assert fired(context, incident_id) == [("notify", "notify:1800:contact:it_manager")]
    responding.change_status(
        context.database,
        context.policies,
        incident_id,
        Status.RESOLVED,
        visibility=ALEX,
        now=clock(),
        note=None,
    )
    clock.advance(days=30)
    # Only the 5-business-day review deadline is left once the incident is resolved.
    assert drain(context) == 1
    assert fired(context, incident_id)[-1] == ("review_due", "review_due:post_incident_review")
    with pytest.raises(Conflict):
        responding.acknowledge_incident(
            context.database, context.policies, incident_id, visibility=ALEX, now=clock()
        )


def test_a_severity_change_retargets_and_a_fired_key_never_fires_again(
    context: Context, clock: FakeClock
) -> None:
    incident_id = declare(context, severity=3)  # response 4h, resolution 24h
    clock.advance(minutes=20)
    assert drain(context) == 0
    incidents.update_incident(
        context.database,
        context.policies,
        incident_id,
        {"severity": 1},
        reason="customers affected",
        visibility=ALEX,
        now=clock(),
    )
    # Sev-1's 15-minute response target is already spent: warning and breach fire now, on
    # time (they were planned late, not fired late).
    assert drain(context) == 2
    kinds = [kind for kind, _ in fired(context, incident_id)]
    assert kinds == ["sla_warning", "sla_breach"]
    timeline = incidents.get_timeline(context.database, incident_id, ALEX)
    assert all("late" not in e.event.summary for e in timeline if e.event.kind in TIMER_KINDS)
    # Back to Sev-3 and up again: the response breach already fired and stays fired once.
    for severity in (3, 1):
        clock.advance(minutes=1)
        incidents.update_incident(
            context.database,
            context.policies,
            incident_id,
            {"severity": severity},
            reason="reassessed",
            visibility=ALEX,
            now=clock(),
        )
    clock.advance(minutes=15)
    drain(context)
    keys = Counter(key for _, key in fired(context, incident_id))
    assert keys["sla_breach:response"] == 1
    assert max(keys.values()) == 1


def test_timers_that_came_due_while_no_worker_ran_fire_once_marked_late(
    context: Context, clock: FakeClock
) -> None:
    incident_id = declare(context)
    clock.advance(hours=2, minutes=1)
    assert drain(context) == 5
    timeline = incidents.get_timeline(context.database, incident_id, ALEX)
    late = [e.event for e in timeline if e.event.kind in TIMER_KINDS]
    assert len(late) == 5
    for event in late:
        assert "late by" in event.summary
        assert event.after["late_by_seconds"] > 30  # type: ignore[index,call-overload,operator]
    assert drain(context) == 0


def test_concurrent_steps_never_fire_a_timer_twice(context: Context, clock: FakeClock) -> None:
    ids = [declare(context) for _ in range(30)]
    clock.advance(hours=5)  # eight timers each are due: 240 in all
    errors: list[BaseException] = []
    counts: list[int] = []

    def work() -> None:
        try:
            while (count := fire_due_timers(context.database, now=clock(), limit=7)) > 0:
                counts.append(count)
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(counts) == 240
    for incident_id in ids:
        keys = [key for _, key in fired(context, incident_id)]
        assert len(keys) == len(set(keys)) == 8


def test_the_worker_step_waits_for_due_time(context: Context, clock: FakeClock) -> None:
    declare(context)
    clock.advance(minutes=11)
    assert run_step(context) == 0
    clock.advance(seconds=15)  # 11m15s: 75% of the 15-minute response target
    assert run_step(context) == 1


def test_people_changing_incidents_while_timers_fire_neither_deadlock_nor_double_fire(
    context: Context, clock: FakeClock
) -> None:
    ids = [declare(context) for _ in range(40)]
    clock.advance(hours=5)  # eight timers each are due
    errors: list[BaseException] = []

    def fire() -> None:
        try:
            while fire_due_timers(context.database, now=clock(), limit=5) > 0:
                pass
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)

    def respond() -> None:
        try:
            for incident_id in ids:
                responding.acknowledge_incident(
                    context.database, context.policies, incident_id, visibility=ALEX, now=clock()
                )
                responding.change_status(
                    context.database,
                    context.policies,
                    incident_id,
                    Status.IDENTIFIED,
                    visibility=ALEX,
                    now=clock(),
                    note=None,
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=fire), threading.Thread(target=fire)]
    threads.append(threading.Thread(target=respond))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    drain(context)
    for incident_id in ids:
        keys = [key for _, key in fired(context, incident_id)]
        assert len(keys) == len(set(keys)), incident_id
        # The change either came first (cancelling what had not fired) or after: nothing else.
        assert set(keys) <= EIGHT_SEV1_KEYS, incident_id
    with context.database.transaction(write=False) as store:
        assert store.next_due_at() is None or store.next_due_at() > clock()  # type: ignore[operator]


def test_open_incidents_from_before_timers_get_theirs_once(
    context: Context, clock: FakeClock
) -> None:
    from sqlalchemy import delete, func, select

    from fireline.adapters.db.tables import timers
    from fireline.services.timers import plan_missing_timers

    open_ids = [declare(context) for _ in range(3)]
    resolved = declare(context)
    responding.change_status(
        context.database,
        context.policies,
        resolved,
        Status.RESOLVED,
        visibility=ALEX,
        now=clock(),
        note=None,
    )
    with context.database.engine.begin() as connection:  # as a database upgraded from 0003
        connection.execute(delete(timers))
    assert plan_missing_timers(context.database, context.policies, now=clock(), batch=2) == 3
    with context.database.engine.connect() as connection:
        planned = dict(
            connection.execute(
                select(timers.c.incident_id, func.count()).group_by(timers.c.incident_id)
            ).all()
        )
    assert set(planned) == set(open_ids)
    assert all(count == 8 for count in planned.values())
    assert plan_missing_timers(context.database, context.policies, now=clock()) == 0
