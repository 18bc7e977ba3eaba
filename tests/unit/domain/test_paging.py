"""Paging chains and backup contacts, planned from explicit times (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fireline.adapters.policy_file import PolicyFileError, load_policy_text, parse_document
from fireline.domain.clocks import status_spans
from fireline.domain.lifecycle import Status
from fireline.domain.planning import plan_timers
from fireline.domain.timers import Course, TimerKind

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)

POLICY = """\
fireline_policy: 1
name: paging
incident_types: [{name: infrastructure, label: Infrastructure}]
severities:
  - {level: 1, name: critical, label: Critical, response: 1h, resolution: 4h}
  - {level: 2, name: high, label: High, response: 2h, resolution: 8h}
  - {level: 3, name: medium, label: Medium, response: 4h, resolution: 24h}
  - {level: 4, name: low, label: Low, response: 8h, resolution: 72h}
contacts:
  - {name: it_manager, label: IT Manager, primary: ines, backup: bo, backup_after: 15m}
escalation:
  elapsed_notifications:
    - {after: 30m, severities: [1], notify: [contact:it_manager]}
  paging_chains:
    - name: sev1
      severities: [1]
      repeat: 2
      steps:
        - {notify: [channel:ops], wait: 5m}
        - {notify: ["user:alex", "user:sam"], wait: 10m, round_robin: true}
    - name: office_hours
      severities: [2]
      when: [{days: [mon, tue, wed, thu, fri], hours: "09:00-17:00"}]
      steps:
        - {notify: [contact:it_manager], wait: 20m}
"""


def course(severity: int, *, at: datetime = MONDAY_NOON, ack: timedelta | None = None) -> Course:
    return Course(
        severity=severity,
        criticality=None,
        declared_at=at,
        acknowledged_at=None if ack is None else at + ack,
        spans=tuple(status_spans(at, [] if ack is None else [(at + ack, Status.INVESTIGATING)])),
    )


def pages(plan: list[object]) -> list[tuple[int, str, tuple[str, ...]]]:
    return [
        (int((t.due_at - MONDAY_NOON).total_seconds() // 60), t.key, t.targets)  # type: ignore[attr-defined]
        for t in plan
        if t.kind is TimerKind.PAGE  # type: ignore[attr-defined]
    ]


def test_a_chain_pages_each_step_in_turn_round_robin_and_repeats() -> None:
    policy = load_policy_text(POLICY).policy
    assert pages(plan_timers(course(1), policy)) == [
        (0, "page:sev1:1:1", ("channel:ops",)),
        (5, "page:sev1:1:2", ("user:alex",)),
        (15, "page:sev1:2:1", ("channel:ops",)),
        (20, "page:sev1:2:2", ("user:sam",)),
        # The 30-minute notice reaches the IT manager; the backup follows 15 min later.
        (45, "backup:notify:1800:contact:it_manager:it_manager", ("user:bo",)),
    ]


def test_acknowledgement_stops_paging_and_the_backup() -> None:
    policy = load_policy_text(POLICY).policy
    planned = pages(plan_timers(course(1, ack=7 * MIN), policy))
    assert [key for _, key, _ in planned] == ["page:sev1:1:1", "page:sev1:1:2"]


def test_a_chain_with_windows_applies_only_to_incidents_declared_within_them() -> None:
    policy = load_policy_text(POLICY).policy
    weekday = pages(plan_timers(course(2), policy))
    assert [key for _, key, _ in weekday] == [
        "page:office_hours:1:1",
        "backup:page:office_hours:1:1:it_manager",
    ]
    assert pages(plan_timers(course(2, at=SATURDAY), policy)) == []


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("wait: 5m}", "wait: 0m}", "longer than zero"),
        ("repeat: 2", "repeat: 11", "1 to 10"),
        ("severities: [2]", "severities: [7]", "severity 7 is not defined"),
        ("[channel:ops]", "[contact:nobody]", "unknown contact 'nobody'"),
        ("backup: bo, backup_after: 15m", "backup: bo", "needs both backup and backup_after"),
        ("steps:\n        - {notify: [contact:it_manager], wait: 20m}", "steps: []", "steps"),
    ],
)
def test_bad_chains_and_backups_are_refused_with_their_line(old: str, new: str, words: str) -> None:
    assert old in POLICY
    with pytest.raises(PolicyFileError) as raised:
        load_policy_text(POLICY.replace(old, new, 1))
    text = str(raised.value)
    assert words in text
    assert "<policy>:" in text


def test_an_acknowledged_chain_does_not_cut_short_the_chains_after_it() -> None:
    text = POLICY.replace(
        "    - name: office_hours\n",
        "    - name: second\n      severities: [1]\n      steps:\n"
        "        - {notify: [channel:second], wait: 2m}\n"
        "    - name: office_hours\n",
    )
    policy = load_policy_text(text).policy
    planned = pages(plan_timers(course(1, ack=MIN), policy))
    assert sorted(key for _, key, _ in planned) == ["page:second:1:1", "page:sev1:1:1"]


def test_the_unresolved_level_overtakes_regular_levels_due_after_it() -> None:
    from fireline.adapters.policy_file import load_preset

    document = load_preset("handbook_000").document
    entry = document["escalation"]["by_criticality"][2]  # business_operational: 8h up to 2
    entry["when_unresolved"]["after"] = {"within": "12h", "calendar": "24x7"}
    policy = parse_document(document, source="test").policy
    planned = plan_timers(
        Course(
            severity=3,
            criticality="business_operational",
            declared_at=MONDAY_NOON,
            acknowledged_at=None,
            spans=tuple(status_spans(MONDAY_NOON, [])),
        ),
        policy,
    )
    levels = [
        (t.level, (t.due_at - MONDAY_NOON).total_seconds() / 3600)
        for t in planned
        if t.kind is TimerKind.ESCALATION
    ]
    assert levels == [(1, 8.0), (3, 12.0)]


def test_a_review_rule_on_the_level_reached_counts_a_manual_escalation() -> None:
    from fireline.adapters.policy_file import load_preset

    policy = load_preset("handbook_000").policy  # review when escalated to level 3
    resolved = MONDAY_NOON + 5 * MIN
    by_hand = Course(
        severity=4,
        criticality="administrative",
        declared_at=MONDAY_NOON,
        acknowledged_at=None,
        spans=tuple(status_spans(MONDAY_NOON, [(resolved, Status.RESOLVED)])),
        escalated_to=3,
    )
    assert [t.kind for t in plan_timers(by_hand, policy)] == []  # 000 sets no deadline
    document = load_preset("handbook_000").document
    document["review_rules"][1]["due_within"] = {"within": "2d", "calendar": "24x7"}
    with_deadline = parse_document(document, source="test").policy
    (review,) = plan_timers(by_hand, with_deadline)
    assert (review.kind, review.due_at) == (TimerKind.REVIEW_DUE, resolved + timedelta(days=2))
    not_escalated = Course(**{**by_hand.__dict__, "escalated_to": 0})
    assert plan_timers(not_escalated, with_deadline) == []
