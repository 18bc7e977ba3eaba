"""Escalation that pages an on-call schedule, on a real database, with the worker's own step.

Level 2 pages `schedule:ops_oncall`, level 3 a contact; mission-critical incidents escalate
every 10 minutes up to level 3. When level 2 comes due, its timeline event names whoever is
on call then; when nobody is (a gap), level 2 reaches nobody and falls through: level 3 fires
at once, in the very next worker step, instead of 10 minutes later.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fireline.bootstrap import Context, build_context
from fireline.domain.access import AccessRole, Visibility
from fireline.domain.incident import Draft
from fireline.domain.timeline import TimelineEvent
from fireline.entrypoints.worker.loop import run_step
from fireline.services import incidents, oncall
from fireline.services import response as responding
from fireline.settings import Settings
from tests.integration.api.conftest import CHEAP_HASHER, FakeClock, add_person
from tests.notifying import add_user

T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # a Wednesday; London is on GMT (= UTC)
LEVEL_2_DUE = T0 + timedelta(minutes=20)  # 09:50
LEVEL_3_DUE = T0 + timedelta(minutes=30)  # 10:00
ALEX = Visibility("alex", sees_open=True, sees_restricted=True)

POLICY = """\
fireline_policy: 1
name: oncall_escalation
time_zone: Europe/London
incident_types:
  - {name: infrastructure, label: Infrastructure}
severities:
  - {level: 1, name: critical, label: Critical, response: 8h, resolution: 24h}
  - {level: 2, name: high, label: High, response: 8h, resolution: 24h}
  - {level: 3, name: medium, label: Medium, response: 8h, resolution: 24h}
  - {level: 4, name: low, label: Low, response: 24h, resolution: 72h}
criticality_tiers:
  - {name: mission_critical, level: 1, label: Mission Critical, implies_severity: 1}
contacts:
  - {name: it_manager, label: IT Manager}
escalation:
  levels:
    - {level: 1, action: Post in the channel, notify: [channel:ops]}
    - {level: 2, action: Page whoever is on call, notify: [schedule:ops_oncall]}
    - {level: 3, action: Call the IT manager, notify: [contact:it_manager]}
  by_criticality:
    - {criticality: mission_critical, every: 10m, up_to: 3}
schedules:
  - name: ops_oncall
    layers:
      - name: primary
        members: [alice, bob]
        shift: 7d
        starts: "STARTS"
RESTRICTIONS"""

ALWAYS = {"starts": "2026-11-23T09:00", "restrictions": ""}
"""alice's week from Monday 23 November 09:00, round the clock."""
GAPS = {
    # The layer only starts at 10:30 that day: nobody before.
    "starts_later": {"starts": "2026-11-25T10:30", "restrictions": ""},
    # Afternoons only: nobody in the morning.
    "afternoons_only": {
        "starts": "2026-11-23T09:00",
        "restrictions": "        restrictions:\n"
        '          - {days: [mon, tue, wed, thu, fri], hours: "12:00-17:00"}\n',
    },
}


def policy_text(starts: str, restrictions: str) -> str:
    return POLICY.replace("STARTS", starts).replace("RESTRICTIONS", restrictions)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def rota() -> dict[str, str]:
    """How the schedule's layer is written; overridden by parametrizing tests."""
    return ALWAYS


@pytest.fixture
def context(
    database_url: str, clock: FakeClock, tmp_path: Path, rota: dict[str, str]
) -> Iterator[Context]:
    path = tmp_path / "policy.yaml"
    path.write_text(policy_text(rota["starts"], rota["restrictions"]), encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        policy=str(path),
        secret_key=None,
        log_level="info",
        migrate_on_start=False,
    )
    context = build_context(settings, clock=clock, hasher=CHEAP_HASHER)
    add_user(context, "ana")  # the reporter `declare` names
    yield context
    context.database.dispose()


def declare(context: Context) -> str:
    draft = Draft(title="Checkout down", type="infrastructure", reporter="ana", severity=1)
    declared = incidents.declare_incident(
        context.database, context.policies, draft, now=context.clock()
    )
    return declared.incident.id


def escalations(context: Context, incident_id: str) -> list[TimelineEvent]:
    """The escalation events on the timeline, in order."""
    timeline = incidents.get_timeline(context.database, incident_id, ALEX)
    return [e.event for e in timeline if e.event.kind == "escalation"]


def after(event: TimelineEvent) -> dict[str, Any]:
    """What the timer event records: its key, level, targets, on_call, lateness."""
    assert isinstance(event.after, dict), event
    return event.after


def level_of(event: TimelineEvent) -> object:
    return after(event)["level"]


def drain(context: Context) -> int:
    total = 0
    while (count := run_step(context)) > 0:
        total += count
    return total


def reach_level_2(context: Context, clock: FakeClock) -> str:
    """Declare a Sev-1 at T0 and run the worker up to level 2's due time; the incident."""
    incident_id = declare(context)
    clock.advance(minutes=10)
    assert drain(context) == 1  # level 1
    clock.advance(minutes=10)
    assert clock() == LEVEL_2_DUE
    return incident_id


# Somebody is on call


def test_the_level_2_page_names_who_is_on_call(context: Context, clock: FakeClock) -> None:
    incident_id = reach_level_2(context, clock)
    assert run_step(context) == 1
    level_2 = escalations(context, incident_id)[-1]
    assert level_of(level_2) == 2
    assert after(level_2)["targets"] == ["schedule:ops_oncall"]
    assert after(level_2)["on_call"] == {"schedule:ops_oncall": "alice"}
    assert "schedule:ops_oncall: alice" in level_2.summary
    assert "nobody" not in level_2.summary
    assert "falls through" not in level_2.summary
    assert level_2.at == LEVEL_2_DUE
    # Level 3 keeps its time: nothing more now, and it fires 10 minutes later.
    assert run_step(context) == 0
    clock.advance(minutes=9, seconds=59)
    assert drain(context) == 0
    clock.advance(seconds=1)
    assert drain(context) == 1
    events = escalations(context, incident_id)
    assert [level_of(e) for e in events] == [1, 2, 3]
    assert events[-1].at == LEVEL_3_DUE
    assert after(events[-1])["on_call"] == {}  # a contact, not a schedule


def test_the_level_1_and_3_events_name_nobody_on_call(context: Context, clock: FakeClock) -> None:
    incident_id = reach_level_2(context, clock)
    clock.advance(minutes=10)
    assert drain(context) == 2
    for event in escalations(context, incident_id):
        if level_of(event) != 2:
            assert "on call" not in event.summary
            assert "falls through" not in event.summary


def test_an_override_made_through_the_api_is_who_the_page_reaches(
    context: Context, clock: FakeClock
) -> None:
    add_person(context, "zoe", AccessRole.RESPONDER)
    oncall.add_override(
        context.database,
        context.policies.current,
        "ops_oncall",
        person="zoe",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
        actor="test",
        now=T0,
    )
    incident_id = reach_level_2(context, clock)
    assert run_step(context) == 1
    level_2 = escalations(context, incident_id)[-1]
    assert after(level_2)["on_call"] == {"schedule:ops_oncall": "zoe"}
    assert "schedule:ops_oncall: zoe" in level_2.summary


def test_the_page_reaches_whoever_is_on_call_when_it_fires_not_when_it_was_planned(
    context: Context, clock: FakeClock
) -> None:
    # The worker was down for a week: alice's week is over by the time level 2 fires.
    incident_id = declare(context)
    clock.advance(days=7)  # Wednesday 2 December 09:30: bob's week
    drain(context)  # the SLA timers too
    assert [level_of(e) for e in escalations(context, incident_id)] == [1, 2, 3]
    level_2 = next(e for e in escalations(context, incident_id) if level_of(e) == 2)
    assert after(level_2)["on_call"] == {"schedule:ops_oncall": "bob"}
    assert "late by" in level_2.summary


# Nobody is on call: level 2 falls through to level 3


@pytest.mark.parametrize("rota", list(GAPS.values()), ids=list(GAPS))
def test_a_gap_at_level_2_falls_through_to_level_3_at_once_and_once_only(
    context: Context, clock: FakeClock
) -> None:
    incident_id = reach_level_2(context, clock)
    assert oncall.get_schedule(
        context.database, context.policies.current, "ops_oncall", clock()
    ).layers  # the schedule exists: it is only empty at this instant
    assert run_step(context) == 1  # level 2
    level_2 = escalations(context, incident_id)[-1]
    assert level_of(level_2) == 2
    assert after(level_2)["on_call"] == {"schedule:ops_oncall": None}
    assert "schedule:ops_oncall: nobody on call (a gap)" in level_2.summary
    assert "falls through to the next level" in level_2.summary
    # The very next step, at the same instant, fires level 3: not 10 minutes later.
    assert run_step(context) == 1
    events = escalations(context, incident_id)
    assert [level_of(e) for e in events] == [1, 2, 3]
    level_3 = events[-1]
    assert level_3.at == LEVEL_2_DUE
    assert after(level_3)["targets"] == ["contact:it_manager"]
    assert "late by" not in level_3.summary  # brought forward, not overdue
    assert after(level_3)["late_by_seconds"] is None
    assert "falls through" not in level_3.summary
    # And never again: not now, not at its old due time, not later.
    assert run_step(context) == 0
    clock.advance(minutes=10)
    assert drain(context) == 0
    clock.advance(hours=12)
    drain(context)
    assert [level_of(e) for e in escalations(context, incident_id)] == [1, 2, 3]


@pytest.mark.parametrize("rota", [GAPS["afternoons_only"]], ids=["afternoons_only"])
def test_an_override_in_the_gap_stops_the_fall_through(context: Context, clock: FakeClock) -> None:
    add_person(context, "bob", AccessRole.RESPONDER)
    oncall.add_override(
        context.database,
        context.policies.current,
        "ops_oncall",
        person="bob",
        starts_at=LEVEL_2_DUE - timedelta(minutes=5),
        ends_at=LEVEL_2_DUE + timedelta(minutes=5),
        actor="test",
        now=T0,
    )
    incident_id = reach_level_2(context, clock)
    assert run_step(context) == 1
    assert run_step(context) == 0  # level 3 keeps its time
    level_2 = escalations(context, incident_id)[-1]
    assert after(level_2)["on_call"] == {"schedule:ops_oncall": "bob"}
    clock.advance(minutes=10)
    assert drain(context) == 1
    assert escalations(context, incident_id)[-1].at == LEVEL_3_DUE


@pytest.mark.parametrize("rota", [GAPS["afternoons_only"]], ids=["afternoons_only"])
def test_a_gap_that_has_ended_by_the_time_level_2_fires_does_not_fall_through(
    context: Context, clock: FakeClock
) -> None:
    # Declared at 11:30: level 2 is due at 11:50, in the gap; but no worker runs until 12:05,
    # when alice's afternoon window has begun.
    clock.advance(hours=2)
    incident_id = declare(context)
    clock.advance(minutes=35)
    assert drain(context) == 3  # levels 1, 2 and 3, all late
    events = escalations(context, incident_id)
    level_2 = next(e for e in events if level_of(e) == 2)
    assert after(level_2)["on_call"] == {"schedule:ops_oncall": "alice"}
    assert "falls through" not in level_2.summary


@pytest.mark.parametrize("rota", [GAPS["starts_later"]], ids=["starts_later"])
def test_a_change_to_the_incident_right_after_a_fall_through_keeps_level_3_due_now(
    context: Context, clock: FakeClock
) -> None:
    incident_id = reach_level_2(context, clock)
    assert run_step(context) == 1  # level 2 falls through
    responding.acknowledge_incident(
        context.database, context.policies, incident_id, visibility=ALEX, now=clock()
    )
    assert run_step(context) == 1
    assert [level_of(e) for e in escalations(context, incident_id)] == [1, 2, 3]


def test_a_manual_escalation_names_who_is_on_call(context: Context, clock: FakeClock) -> None:
    from fireline.domain.escalation import EscalationRequest
    from fireline.services import escalation

    incident_id = reach_level_2(context, clock)
    clock.advance(minutes=1)
    escalation.escalate_incident(
        context.database,
        context.policies,
        incident_id,
        EscalationRequest(note="paging by hand", level=2),
        visibility=ALEX,
        now=clock(),
    )
    events = incidents.get_timeline(context.database, incident_id, ALEX)
    manual = next(e.event for e in events if e.event.kind == "escalated")
    assert set(after(manual)["on_call"]) == {"schedule:ops_oncall"}  # type: ignore[arg-type]
    assert "schedule:ops_oncall:" in manual.summary


def test_a_fall_through_brings_the_next_levels_backup_page_forward_too(
    database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    text = policy_text(GAPS["starts_later"]["starts"], "").replace(
        "{name: it_manager, label: IT Manager}",
        "{name: it_manager, label: IT Manager, backup: bo, backup_after: 15m}",
    )
    path.write_text(text, encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        policy=str(path),
        secret_key=None,
        log_level="info",
        migrate_on_start=False,
    )
    context = build_context(settings, clock=clock, hasher=CHEAP_HASHER)
    add_user(context, "ana")  # the reporter `declare` names
    try:
        incident_id = reach_level_2(context, clock)
        assert run_step(context) == 1  # level 2 reaches nobody and falls through
        planned = {
            stored.timer.key: stored.timer.due_at
            for stored in incidents.list_timers(context.database, incident_id, ALEX)
        }
        assert planned["escalation:3"] == LEVEL_2_DUE
        # Still 15 minutes after level 3, not after level 3's original time.
        assert planned["backup:escalation:3:it_manager"] == LEVEL_2_DUE + timedelta(minutes=15)
    finally:
        context.database.dispose()
