"""Timers planned from an incident's course: escalation by time, SLA warnings and breaches,
elapsed-time notices and review deadlines, and how a fired timer reads on the timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fireline.adapters.policy_file import load_policy_text, load_preset
from fireline.domain.clocks import status_spans
from fireline.domain.firing import LATE_AFTER, SYSTEM_ACTOR, fired_event
from fireline.domain.lifecycle import Status
from fireline.domain.planning import plan_timers
from fireline.domain.policy import Policy, ReviewRule, Target
from fireline.domain.timers import Course, Timer, TimerKind

P000 = load_preset("handbook_000").policy
P004 = load_preset("handbook_004").policy
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
SEC = timedelta(seconds=1)


def course(
    severity: int,
    criticality: str | None = None,
    changes: list[tuple[timedelta, Status]] | None = None,
    *,
    acknowledged: timedelta | None = None,
    at: datetime = T0,
) -> Course:
    """An incident declared at `at` whose status changes at the given offsets."""
    spans = status_spans(at, [(at + offset, status) for offset, status in changes or []])
    return Course(
        severity=severity,
        criticality=criticality,
        declared_at=at,
        acknowledged_at=None if acknowledged is None else at + acknowledged,
        spans=tuple(spans),
    )


def of_kind(timers: list[Timer], kind: TimerKind) -> list[Timer]:
    return [t for t in timers if t.kind is kind]


def escalations(timers: list[Timer], at: datetime = T0) -> list[tuple[int | None, timedelta]]:
    """(level, time since declaration) of each escalation, in firing order."""
    return [(t.level, t.due_at - at) for t in of_kind(timers, TimerKind.ESCALATION)]


def notices(timers: list[Timer], at: datetime = T0) -> list[tuple[timedelta, tuple[str, ...]]]:
    return [(t.due_at - at, t.targets) for t in of_kind(timers, TimerKind.NOTIFY)]


def slas(timers: list[Timer], at: datetime = T0) -> dict[str, timedelta]:
    """``kind:clock`` → time since declaration, for the SLA warnings and breaches."""
    return {
        f"{t.kind.value}:{t.clock}": t.due_at - at
        for t in timers
        if t.kind in (TimerKind.SLA_WARNING, TimerKind.SLA_BREACH)
    }


# Handbook 000: escalation by criticality tier, one level per interval without a path


def test_mission_critical_escalates_every_10_minutes_up_to_level_4_and_no_further() -> None:
    timers = plan_timers(course(1, "mission_critical"), P000)
    assert escalations(timers) == [(1, 10 * MIN), (2, 20 * MIN), (3, 30 * MIN), (4, 40 * MIN)]
    for timer in of_kind(timers, TimerKind.ESCALATION):
        level = P000.escalation.level(timer.level or 0)
        assert level is not None
        assert timer.targets == level.targets
        assert timer.targets  # every level of the preset tells someone
        assert timer.key == f"escalation:{timer.level}"
        assert level.action in timer.note


def test_the_level_1_to_4_targets_are_the_handbook_s_channel_and_pages() -> None:
    targets = [
        t.targets
        for t in of_kind(plan_timers(course(1, "mission_critical"), P000), TimerKind.ESCALATION)
    ]
    assert targets == [
        ("channel:support_operations",),
        ("contact:cs_ops_specialist_oncall",),
        ("contact:fullstack_engineer_oncall", "contact:cs_ops_oncall"),
        ("contact:sr_support_engineering_manager",),
    ]


def test_administrative_escalates_at_24h_and_48h_then_to_level_3_at_72h() -> None:
    timers = plan_timers(course(4, "administrative"), P000)
    assert escalations(timers) == [(1, 24 * HOUR), (2, 48 * HOUR), (3, 72 * HOUR)]


def test_business_operational_escalates_at_8h_and_16h_then_to_level_3_at_48h() -> None:
    timers = plan_timers(course(3, "business_operational"), P000)
    assert escalations(timers) == [(1, 8 * HOUR), (2, 16 * HOUR), (3, 48 * HOUR)]


def test_business_critical_stops_at_level_3() -> None:
    timers = plan_timers(course(2, "business_critical"), P000)
    assert escalations(timers) == [(1, 30 * MIN), (2, 60 * MIN), (3, 90 * MIN)]


def test_without_a_criticality_the_tier_its_severity_implies_escalates() -> None:
    assert escalations(plan_timers(course(1), P000)) == escalations(
        plan_timers(course(1, "mission_critical"), P000)
    )
    assert escalations(plan_timers(course(4), P000))[-1] == (3, 72 * HOUR)


def test_identified_at_15_minutes_stops_escalation_after_level_1() -> None:
    timers = plan_timers(course(1, "mission_critical", [(15 * MIN, Status.IDENTIFIED)]), P000)
    assert escalations(timers) == [(1, 10 * MIN)]


@pytest.mark.parametrize("found", [Status.IDENTIFIED, Status.MONITORING])
def test_a_resolution_path_found_before_the_first_interval_escalates_nothing(
    found: Status,
) -> None:
    timers = plan_timers(course(1, "mission_critical", [(9 * MIN, found)]), P000)
    assert escalations(timers) == []


def test_back_from_identified_to_investigating_resumes_from_the_time_already_spent() -> None:
    changes = [
        (5 * MIN, Status.INVESTIGATING),
        (15 * MIN, Status.IDENTIFIED),  # 15 min spent without a path: level 1 fired at 10
        (60 * MIN, Status.INVESTIGATING),  # the path failed: 5 more minutes to level 2
    ]
    timers = plan_timers(course(1, "mission_critical", changes, acknowledged=5 * MIN), P000)
    assert escalations(timers) == [(1, 10 * MIN), (2, 65 * MIN), (3, 75 * MIN), (4, 85 * MIN)]


def test_waiting_for_info_pauses_escalation_and_the_sla_clocks() -> None:
    changes = [(5 * MIN, Status.WAITING_FOR_INFO), (65 * MIN, Status.OPEN)]
    timers = plan_timers(course(1, "mission_critical", changes), P000)
    # 5 minutes before the pause and the rest after it: every due time moves by the hour.
    assert escalations(timers) == [(1, 70 * MIN), (2, 80 * MIN), (3, 90 * MIN), (4, 100 * MIN)]
    assert slas(timers) == {
        "sla_warning:response": 7.5 * MIN + HOUR,
        "sla_breach:response": 10 * MIN + HOUR,
        "sla_warning:resolution": 90 * MIN + HOUR,
        "sla_breach:resolution": 2 * HOUR + HOUR,
    }


def test_an_incident_still_waiting_has_no_escalation_after_the_pause() -> None:
    timers = plan_timers(course(1, "mission_critical", [(15 * MIN, Status.WAITING_FOR_INFO)]), P000)
    assert escalations(timers) == [(1, 10 * MIN)]
    assert "sla_breach:resolution" not in slas(timers)


def test_waiting_for_info_does_not_pause_the_004_elapsed_notices() -> None:
    changes = [
        (5 * MIN, Status.INVESTIGATING),
        (10 * MIN, Status.WAITING_FOR_INFO),
        (2 * HOUR, Status.INVESTIGATING),
    ]
    timers = plan_timers(course(1, None, changes, acknowledged=5 * MIN), P004)
    assert notices(timers) == [
        (30 * MIN, ("contact:it_manager",)),  # while waiting: the wall clock ran on
        (1 * HOUR, ("contact:cto",)),
        (2 * HOUR, ("contact:ceo",)),
        (4 * HOUR, ("contact:board",)),
    ]
    # The resolution clock (4h, 24x7) did pause: 10 minutes before, 3h50 after 2h.
    assert slas(timers)["sla_breach:resolution"] == 2 * HOUR + 3 * HOUR + 50 * MIN


def test_after_resolution_only_the_review_deadline_is_still_ahead() -> None:
    changes = [(5 * MIN, Status.INVESTIGATING), (45 * MIN, Status.RESOLVED)]
    incident = course(1, None, changes, acknowledged=5 * MIN)
    timers = plan_timers(incident, P004)
    resolved = T0 + 45 * MIN
    assert incident.resolved_at == resolved
    after = [t for t in timers if t.due_at > resolved]
    assert [t.kind for t in after] == [TimerKind.REVIEW_DUE]
    # What came due before the resolution stays in the plan (the it_manager notice at 30m).
    assert notices(timers) == [(30 * MIN, ("contact:it_manager",))]
    assert slas(timers) == {}  # acknowledged at 5m, resolved at 45m: no warning came due


def test_resolution_stops_the_000_escalation_and_000_sets_no_review_deadline() -> None:
    changes = [(25 * MIN, Status.RESOLVED)]
    timers = plan_timers(course(1, "mission_critical", changes), P000)
    assert escalations(timers) == [(1, 10 * MIN), (2, 20 * MIN)]
    assert all(t.due_at <= T0 + 25 * MIN for t in timers)
    assert of_kind(timers, TimerKind.REVIEW_DUE) == []


def test_a_reopened_incident_escalates_on_from_where_it_stopped_and_loses_its_review() -> None:
    changes = [(15 * MIN, Status.RESOLVED), (60 * MIN, Status.INVESTIGATING)]
    timers = plan_timers(course(1, "mission_critical", changes), P000)
    assert escalations(timers) == [(1, 10 * MIN), (2, 65 * MIN), (3, 75 * MIN), (4, 85 * MIN)]
    reopened = plan_timers(course(1, None, changes), P004)
    assert of_kind(reopened, TimerKind.REVIEW_DUE) == []


def test_closing_keeps_the_review_deadline_counted_from_resolution() -> None:
    changes = [(45 * MIN, Status.RESOLVED), (3 * HOUR, Status.CLOSED)]
    closed = plan_timers(course(1, None, changes), P004)
    resolved = plan_timers(course(1, None, changes[:1]), P004)
    assert of_kind(closed, TimerKind.REVIEW_DUE) == of_kind(resolved, TimerKind.REVIEW_DUE)
    assert len(of_kind(closed, TimerKind.REVIEW_DUE)) == 1


# Review deadlines


def test_a_004_review_resolved_on_friday_is_due_five_business_days_later() -> None:
    # 5 business days of Mon-Fri 09:00-17:00 (UTC) are 40 working hours. Resolved on Friday
    # 27 November 2026 at 14:00: 3h that Friday, 8h on each of Mon 30 Nov to Thu 3 Dec (35h),
    # and the last 5h from 09:00 on Friday 4 December: due at 14:00 that Friday.
    friday = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    declared = friday - 3 * HOUR
    timers = plan_timers(course(2, None, [(3 * HOUR, Status.RESOLVED)], at=declared), P004)
    (review,) = of_kind(timers, TimerKind.REVIEW_DUE)
    assert review.due_at == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert review.key == "review_due:post_incident_review"
    assert "5 business days" in review.note


def test_a_review_of_an_incident_resolved_after_hours_counts_from_monday_morning() -> None:
    friday_evening = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)
    declared = friday_evening - HOUR
    timers = plan_timers(course(3, None, [(HOUR, Status.RESOLVED)], at=declared), P004)
    (review,) = of_kind(timers, TimerKind.REVIEW_DUE)
    # Mon 30 Nov 09:00 + 40 working hours = the whole of Mon-Fri: Friday 4 December 17:00.
    assert review.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


ESCALATED_REVIEW = ReviewRule(
    "escalated_to_level_3",
    "escalated to level 3",
    escalation_level_at_least=3,
    due_within=Target(2 * 86_400),
)


def with_reviews(policy: Policy, *rules: ReviewRule) -> Policy:
    return replace(policy, review_rules=rules)


@pytest.mark.parametrize(
    ("resolved_after", "expected"),
    [(85 * MIN, []), (95 * MIN, ["review_due:escalated_to_level_3"])],
)
def test_a_review_for_escalated_incidents_needs_that_level_to_fire_before_resolution(
    resolved_after: timedelta, expected: list[str]
) -> None:
    # business_critical escalates at 30, 60 and 90 minutes: level 3 only if still open at 90.
    policy = with_reviews(P000, ESCALATED_REVIEW)
    timers = plan_timers(
        course(2, "business_critical", [(resolved_after, Status.RESOLVED)]), policy
    )
    assert [t.key for t in of_kind(timers, TimerKind.REVIEW_DUE)] == expected
    if expected:
        (review,) = of_kind(timers, TimerKind.REVIEW_DUE)
        assert review.due_at == T0 + resolved_after + timedelta(days=2)


def test_a_when_unresolved_move_to_level_3_counts_for_the_escalated_review() -> None:
    # Business operational reaches level 2 at 16h and level 3 only at 48h unresolved.
    policy = with_reviews(P000, ESCALATED_REVIEW)
    before = plan_timers(course(3, "business_operational", [(47 * HOUR, Status.RESOLVED)]), policy)
    after = plan_timers(course(3, "business_operational", [(49 * HOUR, Status.RESOLVED)]), policy)
    assert of_kind(before, TimerKind.REVIEW_DUE) == []
    assert len(of_kind(after, TimerKind.REVIEW_DUE)) == 1


def test_an_unresolved_incident_has_no_review_deadline_yet() -> None:
    timers = plan_timers(course(1), P004)
    assert of_kind(timers, TimerKind.REVIEW_DUE) == []


# Severity changes re-target


def test_the_same_course_plans_sev_2_timers_differently_from_sev_1() -> None:
    changes = [(20 * MIN, Status.INVESTIGATING)]
    sev1 = plan_timers(course(1, None, changes, acknowledged=20 * MIN), P004)
    sev2 = plan_timers(course(2, None, changes, acknowledged=20 * MIN), P004)
    # Sev-1 responds within 15m (missed: acknowledged at 20m), Sev-2 within 1h (met).
    assert slas(sev1) == {
        "sla_warning:response": 11 * MIN + 15 * SEC,
        "sla_breach:response": 15 * MIN,
        "sla_warning:resolution": 3 * HOUR,
        "sla_breach:resolution": 4 * HOUR,
    }
    assert slas(sev2) == {"sla_warning:resolution": 6 * HOUR, "sla_breach:resolution": 8 * HOUR}
    assert [targets for _, targets in notices(sev1)][-1] == ("contact:board",)
    assert ("contact:board",) not in [targets for _, targets in notices(sev2)]


def test_a_000_severity_change_without_a_criticality_switches_the_escalation_tier() -> None:
    sev1 = plan_timers(course(1), P000)  # mission critical: every 10m
    sev2 = plan_timers(course(2), P000)  # business critical: every 30m, up to 3
    assert escalations(sev1)[0] == (1, 10 * MIN)
    assert escalations(sev2) == [(1, 30 * MIN), (2, 60 * MIN), (3, 90 * MIN)]


# Handbook 004 §5.1: the escalation matrix, by time elapsed since declaration


def test_the_004_sev_1_matrix_tells_it_manager_cto_ceo_and_board() -> None:
    timers = plan_timers(course(1), P004)
    assert notices(timers) == [
        (30 * MIN, ("contact:it_manager",)),
        (1 * HOUR, ("contact:cto",)),
        (2 * HOUR, ("contact:ceo",)),
        (4 * HOUR, ("contact:board",)),
    ]
    assert escalations(timers) == []  # 004 has no level-by-level escalation


def test_the_004_sev_2_matrix_tells_the_it_manager_twice_and_the_cto_twice() -> None:
    timers = plan_timers(course(2), P004)
    assert notices(timers) == [
        (30 * MIN, ("contact:it_manager",)),
        (1 * HOUR, ("contact:it_manager",)),
        (2 * HOUR, ("contact:cto",)),
        (4 * HOUR, ("contact:cto",)),
    ]
    keys = [t.key for t in of_kind(timers, TimerKind.NOTIFY)]
    assert keys[0] != keys[1]
    assert len(set(keys)) == 4


def test_the_004_sev_3_matrix_skips_30_minutes_and_2_hours_and_sev_4_has_none() -> None:
    assert notices(plan_timers(course(3), P004)) == [
        (1 * HOUR, ("contact:it_manager",)),
        (4 * HOUR, ("contact:cto",)),
    ]
    assert notices(plan_timers(course(4), P004)) == []


def test_a_notice_says_who_is_told_and_why() -> None:
    first = of_kind(plan_timers(course(1), P004), TimerKind.NOTIFY)[0]
    assert first.note == "Notify contact:it_manager: Sev-1 unresolved after 30m"


@pytest.mark.parametrize(
    ("policy", "incident"),
    [
        (P000, course(1, "mission_critical")),
        (P000, course(4, "administrative")),
        (P000, course(3, "business_operational", [(49 * HOUR, Status.RESOLVED)])),
        (P004, course(1)),
        (P004, course(2)),
        (P004, course(3, None, [(5 * HOUR, Status.RESOLVED)])),
    ],
)
def test_keys_are_unique_within_a_plan_and_the_plan_is_in_firing_order(
    policy: Policy, incident: Course
) -> None:
    timers = plan_timers(incident, policy)
    keys = [t.key for t in timers]
    assert len(keys) == len(set(keys)) > 0
    assert [t.due_at for t in timers] == sorted(t.due_at for t in timers)


def test_notices_with_the_same_length_in_different_calendars_have_different_keys() -> None:
    policy = load_policy_text(
        DUBLIN_TEXT.replace(
            "    - {after: 48h, severities: [2], notify: [contact:duty_manager]}\n",
            "    - {after: 1h, severities: [2], notify: [contact:duty_manager]}\n"
            "    - {after: {within: 1 business hour, calendar: office}, severities: [2],"
            " notify: [contact:duty_manager]}\n",
        )
    ).policy
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    timers = of_kind(
        plan_timers(course(2, "business_critical", at=saturday), policy), TimerKind.NOTIFY
    )
    assert [t.due_at for t in timers] == [
        saturday + HOUR,
        datetime(2026, 10, 27, 10, 0, tzinfo=UTC),  # Tuesday 09:00 GMT + 1h (Monday a holiday)
    ]
    assert len({t.key for t in timers}) == 2


# The SLA warning share


def test_the_policy_s_at_risk_share_sets_when_the_sla_warnings_come() -> None:
    default = slas(plan_timers(course(1), P004))
    assert default["sla_warning:response"] == 11 * MIN + 15 * SEC  # 75% of 15m
    half = replace(P004, at_risk_share=0.5)
    timers = plan_timers(course(1), half)
    assert slas(timers) == {
        "sla_warning:response": 7 * MIN + 30 * SEC,
        "sla_breach:response": 15 * MIN,
        "sla_warning:resolution": 2 * HOUR,
        "sla_breach:resolution": 4 * HOUR,
    }
    (warning, *_) = of_kind(timers, TimerKind.SLA_WARNING)
    assert "50% of 15m" in warning.note


def test_acknowledging_stops_the_response_timers_but_not_the_resolution_ones() -> None:
    changes = [(5 * MIN, Status.INVESTIGATING)]
    timers = plan_timers(course(1, None, changes, acknowledged=5 * MIN), P004)
    assert set(slas(timers)) == {"sla_warning:resolution", "sla_breach:resolution"}


# Business calendars across a clock change and a public holiday

# Dublin: clocks go back from IST (UTC+1) to GMT on Sunday 25 October 2026, and Monday
# 26 October 2026 is the October Bank Holiday, which holiday_country IE expands to.
DUBLIN_TEXT = """\
fireline_policy: 1
name: dublin_office
time_zone: Europe/Dublin
incident_types:
  - {name: infrastructure, label: Infrastructure}
calendars:
  - name: office
    working_days: [mon, tue, wed, thu, fri]
    working_hours: "09:00-17:00"
    holiday_country: IE
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
  - level: 2
    name: high
    label: High
    response: {within: 2 business hours, calendar: office}
    resolution: {within: 2 business days, calendar: office}
  - {level: 3, name: medium, label: Medium, response: 1d, resolution: 3d}
  - {level: 4, name: low, label: Low, response: 2d, resolution: 5d}
criticality_tiers:
  - {name: mission_critical, level: 1, label: Mission Critical, implies_severity: 1}
  - {name: business_critical, level: 2, label: Business Critical, implies_severity: 2}
roles:
  - {name: incident_commander, label: Incident Commander}
review_rules:
  - name: every_incident
    severities: [1, 2]
    due_within: {within: 1 business day, calendar: office}
contacts:
  - {name: duty_manager, label: Duty Manager}
escalation:
  levels:
    - {level: 1, action: Ask the team, notify: [role:incident_commander]}
    - {level: 2, action: Page the duty manager, notify: [contact:duty_manager]}
  by_criticality:
    - criticality: business_critical
      every: {within: 4 business hours, calendar: office}
      up_to: 2
  elapsed_notifications:
    - {after: 48h, severities: [2], notify: [contact:duty_manager]}
"""
DUBLIN = load_policy_text(DUBLIN_TEXT).policy
FRIDAY_3PM_IST = datetime(2026, 10, 23, 14, 0, tzinfo=UTC)  # 15:00 local, UTC+1


def test_business_hour_escalation_skips_the_weekend_and_the_bank_holiday_across_dst() -> None:
    timers = plan_timers(course(2, "business_critical", at=FRIDAY_3PM_IST), DUBLIN)
    # 2h on Friday (15:00-17:00 IST), nothing at the weekend or on the Monday holiday, then
    # from Tuesday 09:00 GMT (= 09:00 UTC, no longer 08:00): level 1 at 11:00, level 2 at 15:00.
    assert [(t.level, t.due_at) for t in of_kind(timers, TimerKind.ESCALATION)] == [
        (1, datetime(2026, 10, 27, 11, 0, tzinfo=UTC)),
        (2, datetime(2026, 10, 27, 15, 0, tzinfo=UTC)),
    ]
    assert of_kind(timers, TimerKind.ESCALATION)[0].targets == ("role:incident_commander",)


def test_business_hour_sla_targets_across_dst_and_the_bank_holiday() -> None:
    timers = plan_timers(course(2, "business_critical", at=FRIDAY_3PM_IST), DUBLIN)
    due = {f"{t.kind.value}:{t.clock}": t.due_at for t in timers if t.clock}
    assert due == {
        # 1h30 of 2 business hours: Friday 16:30 IST; all of it: Friday 17:00 IST.
        "sla_warning:response": datetime(2026, 10, 23, 15, 30, tzinfo=UTC),
        "sla_breach:response": datetime(2026, 10, 23, 16, 0, tzinfo=UTC),
        # 12h of 16 (2 business days): 2h Friday, 8h Tuesday, 2h Wednesday from 09:00 GMT.
        "sla_warning:resolution": datetime(2026, 10, 28, 11, 0, tzinfo=UTC),
        "sla_breach:resolution": datetime(2026, 10, 28, 15, 0, tzinfo=UTC),
    }


def test_a_wall_clock_notice_counts_real_hours_across_the_clock_change() -> None:
    (notice,) = of_kind(
        plan_timers(course(2, "business_critical", at=FRIDAY_3PM_IST), DUBLIN), TimerKind.NOTIFY
    )
    # 48 real hours: Sunday 14:00 UTC, which Dublin's clocks, now on GMT, show as 14:00 —
    # not the 15:00 that adding two days to the local wall clock would give.
    assert notice.due_at == datetime(2026, 10, 25, 14, 0, tzinfo=UTC)


def test_a_review_due_in_one_business_day_skips_the_bank_holiday_after_the_clock_change() -> None:
    # Resolved Friday 16:00 IST: 1h that day, then Tuesday 09:00 GMT + 7h = 16:00 UTC.
    resolved = course(2, "business_critical", [(HOUR, Status.RESOLVED)], at=FRIDAY_3PM_IST)
    (review,) = of_kind(plan_timers(resolved, DUBLIN), TimerKind.REVIEW_DUE)
    assert review.due_at == datetime(2026, 10, 27, 16, 0, tzinfo=UTC)


# A fired timer on the timeline

DUE = T0 + HOUR
TIMER = Timer(
    "escalation:2",
    TimerKind.ESCALATION,
    DUE,
    level=2,
    targets=("contact:cs_ops_specialist_oncall",),
    note="Escalated to level 2: Page Customer Support Operations Specialist oncall",
)


def test_a_timer_fired_on_time_is_a_plain_timeline_entry() -> None:
    event = fired_event(TIMER, planned_at=T0, now=DUE + LATE_AFTER)
    assert (event.kind, event.at, event.actor, event.summary) == (
        "escalation",
        DUE + LATE_AFTER,
        SYSTEM_ACTOR,
        TIMER.note,
    )
    assert event.after == {
        "key": "escalation:2",
        "due_at": DUE.isoformat(),
        "clock": None,
        "level": 2,
        "targets": ["contact:cs_ops_specialist_oncall"],
        "late_by_seconds": None,
        "on_call": {},
    }


def test_a_timer_fired_beyond_late_after_is_marked_late_by_how_much() -> None:
    now = DUE + LATE_AFTER + SEC
    event = fired_event(TIMER, planned_at=T0, now=now)
    assert isinstance(event.after, dict)
    assert event.after["late_by_seconds"] == 31
    assert event.summary == f"{TIMER.note} (late by 31s: no worker was running)"
    later = fired_event(TIMER, planned_at=T0, now=DUE + 2 * HOUR, actor="worker-1")
    assert "(late by 2h: no worker was running)" in later.summary
    assert later.actor == "worker-1"


def test_a_timer_planned_after_its_due_time_is_late_only_from_when_it_was_planned() -> None:
    planned = DUE + 10 * MIN  # e.g. a severity raised after the new due time had passed
    on_time = fired_event(TIMER, planned_at=planned, now=planned + 20 * SEC)
    assert isinstance(on_time.after, dict)
    assert on_time.after["late_by_seconds"] is None
    assert on_time.summary == TIMER.note
    late = fired_event(TIMER, planned_at=planned, now=planned + MIN)
    assert isinstance(late.after, dict)
    assert late.after["late_by_seconds"] == 60
    assert "late by 1m" in late.summary
