"""Stakeholder communication as timers, under handbook 004's §5 (the preset's numbers)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fireline.adapters.policy_file import load_preset
from fireline.domain.clocks import status_spans
from fireline.domain.communication import (
    audiences_due,
    check_update,
    next_update_due,
    unroll_cadence,
)
from fireline.domain.errors import InvalidInput
from fireline.domain.lifecycle import Status
from fireline.domain.planning import plan_timers
from fireline.domain.policy import Policy
from fireline.domain.templating import PostedUpdate
from fireline.domain.timers import CadenceMark, Course, Timer, TimerKind

P004 = load_preset("handbook_004").policy
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def course(
    severity: int = 1,
    *,
    resolved: timedelta | None = None,
    cadence: dict[str, CadenceMark] | None = None,
) -> Course:
    changes = [] if resolved is None else [(T0 + resolved, Status.RESOLVED)]
    return Course(
        severity=severity,
        criticality=None,
        declared_at=T0,
        acknowledged_at=None,
        spans=tuple(status_spans(T0, changes)),
        cadence=cadence or {},
    )


def reminders(timers: list[Timer], kind: TimerKind = TimerKind.UPDATE_DUE) -> list[tuple]:
    """(time since declaration, audience) of each reminder of `kind`, in order."""
    return sorted((t.due_at - T0, t.key.split(":")[1]) for t in timers if t.kind is kind)


def simulate(c: Course, until: timedelta, policy: Policy = P004) -> list[Timer]:
    """What fires up to `until`, reminders moving the cadence on as the worker's do."""
    timers = unroll_cadence(c, policy, T0 + until, lambda x: plan_timers(x, policy))
    return [t for t in timers if t.due_at <= T0 + until]


def test_the_initial_notification_goes_to_the_on_call_at_declaration() -> None:
    (initial,) = [t for t in plan_timers(course(), P004) if t.kind is TimerKind.INITIAL_NOTICE]
    assert (initial.due_at, initial.targets) == (T0, ("schedule:on_call",))


def test_only_the_next_reminder_of_each_audience_is_planned() -> None:
    assert reminders(plan_timers(course(), P004)) == [
        (30 * MIN, "customer_support"),
        (2 * HOUR, "executives"),
        (4 * HOUR, "business_units"),
    ]


def test_a_sev1_reminds_at_30m_for_support_2h_for_executives_4h_for_business_units() -> None:
    timers = simulate(course(), 4 * HOUR)
    due = reminders(timers)
    assert [at for at, who in due if who == "customer_support"] == [
        n * 30 * MIN for n in range(1, 9)
    ]
    assert [at for at, who in due if who == "executives"] == [2 * HOUR, 4 * HOUR]
    assert [at for at, who in due if who == "business_units"] == [4 * HOUR]
    (reminder,) = [
        t
        for t in timers
        if t.key.startswith("update_due:executives:") and t.due_at == T0 + 2 * HOUR
    ]
    assert reminder.targets == ("role:communications_lead",)
    assert "Executive Team (every 2h): Status and ETA" in reminder.note


def test_an_unanswered_reminder_escalates_to_the_incident_manager_15_minutes_later() -> None:
    timers = simulate(course(), HOUR)
    overdue = [t for t in timers if t.kind is TimerKind.UPDATE_OVERDUE]
    assert [(t.due_at - T0, t.targets) for t in overdue] == [
        (45 * MIN, ("role:incident_commander",)),
    ]
    assert "Customer Support overdue: due 10:30, none sent within 15m" in overdue[0].note


def test_an_update_moves_the_audience_s_cadence_on_and_stops_its_overdue_escalation() -> None:
    reminded = course(cadence={"customer_support": CadenceMark(last_reminder=T0 + 30 * MIN)})
    planned = [t for t in plan_timers(reminded, P004) if "customer_support" in t.key]
    assert [(t.kind, t.due_at - T0) for t in planned] == [
        (TimerKind.UPDATE_OVERDUE, 45 * MIN),
        (TimerKind.UPDATE_DUE, 60 * MIN),
    ]
    updated = course(
        cadence={
            "customer_support": CadenceMark(last_update=T0 + 40 * MIN, last_reminder=T0 + 30 * MIN)
        }
    )
    timers = [t for t in plan_timers(updated, P004) if "customer_support" in t.key]
    assert [(t.kind, t.due_at - T0) for t in timers] == [(TimerKind.UPDATE_DUE, 70 * MIN)]


def test_an_early_update_pushes_the_first_reminder_back() -> None:
    early = course(cadence={"executives": CadenceMark(last_update=T0 + 50 * MIN)})
    assert (2 * HOUR + 50 * MIN, "executives") in reminders(plan_timers(early, P004))


@pytest.mark.parametrize(
    ("severity", "audiences"), [(2, ["business_units", "customer_support"]), (3, []), (4, [])]
)
def test_lower_severities_remind_fewer_audiences(severity: int, audiences: list[str]) -> None:
    assert sorted(who for _, who in reminders(plan_timers(course(severity), P004))) == audiences


def test_resolution_stops_reminders_and_sends_the_resolution_notice_to_everyone_kept_updated() -> (
    None
):
    timers = simulate(course(resolved=70 * MIN), 6 * HOUR)
    assert [at for at, _ in reminders(timers)] == [30 * MIN, 60 * MIN]
    (notice,) = [t for t in timers if t.kind is TimerKind.RESOLUTION_NOTICE]
    assert notice.due_at == T0 + 70 * MIN
    assert notice.targets == (
        "schedule:on_call",
        "audience:executives",
        "audience:business_units",
        "audience:customer_support",
    )


def test_next_update_due_is_none_once_resolved_and_for_audiences_without_cadence() -> None:
    partners = P004.notifications.audience("partners")
    executives = P004.notifications.audience("executives")
    assert partners is not None
    assert executives is not None
    assert next_update_due(course(), P004, partners) is None
    assert next_update_due(course(), P004, executives) == T0 + 2 * HOUR
    assert next_update_due(course(resolved=HOUR), P004, executives) is None
    assert next_update_due(course(severity=4), P004, executives) is None  # Sev-1 only


def test_an_audience_is_due_from_its_reminder_until_it_gets_an_update() -> None:
    assert audiences_due(course(), P004) == []
    reminded = {"executives": CadenceMark(last_reminder=T0 + 2 * HOUR)}
    assert [a.name for a in audiences_due(course(cadence=reminded), P004)] == ["executives"]
    answered = {"executives": CadenceMark(T0 + 2 * HOUR + MIN, T0 + 2 * HOUR)}
    assert audiences_due(course(cadence=answered), P004) == []


def test_a_policy_without_notifications_plans_no_communication() -> None:
    rules = replace(P004.notifications, on_declare=(), on_resolve=(), audiences=())
    quiet = replace(P004, notifications=rules)
    kinds = {t.kind for t in plan_timers(course(resolved=HOUR), quiet)}
    assert not kinds & {
        TimerKind.INITIAL_NOTICE,
        TimerKind.UPDATE_DUE,
        TimerKind.UPDATE_OVERDUE,
        TimerKind.RESOLUTION_NOTICE,
    }


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (PostedUpdate("  "), "message"),
        (PostedUpdate("ok", impact="x" * 5001), "impact"),
        (PostedUpdate("a\x00b"), "message"),
    ],
)
def test_an_empty_or_overlong_update_is_refused(update: PostedUpdate, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_update(update)
    assert refused.value.field == field
