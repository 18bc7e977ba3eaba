"""A breached SLA target reaches someone (`escalation.on_breach`): the next escalation
level, brought forward to the breach, and the people the policy names."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fireline.adapters.policy_file import load_policy_text, load_preset
from fireline.domain.escalation_rules import BreachRule
from fireline.domain.lifecycle import Status
from fireline.domain.planning import plan_timers
from fireline.domain.policy import Policy
from fireline.domain.timers import Timer, TimerKind
from tests.unit.domain.test_timers import MIN, T0, course, escalations, of_kind

P000 = load_preset("handbook_000").policy
PRESETS = ["default", "handbook_000", "handbook_002", "handbook_003", "handbook_004"]


def breaches(timers: list[Timer]) -> dict[str | None, tuple[timedelta, tuple[str, ...]]]:
    """clock → (time since declaration, targets) of each breach."""
    return {t.clock: (t.due_at - T0, t.targets) for t in of_kind(timers, TimerKind.SLA_BREACH)}


def with_breach(policy: Policy, rule: BreachRule) -> Policy:
    return replace(policy, escalation=replace(policy.escalation, on_breach=rule))


def test_handbook_000_keeps_its_levels_when_the_response_target_is_the_first_level() -> None:
    # Mission critical: respond within 10 minutes, which is when level 1 is due anyway.
    timers = plan_timers(course(1, "mission_critical"), P000)
    assert escalations(timers) == [(1, 10 * MIN), (2, 20 * MIN), (3, 30 * MIN), (4, 40 * MIN)]
    top = P000.escalation.level(4)
    assert top is not None
    # Resolution is due at 2 h, long after level 4: the breach goes to the top level again.
    assert breaches(timers)["resolution"] == (120 * MIN, top.targets)


def test_a_breach_brings_the_next_level_forward() -> None:
    # Business critical escalates every 30 minutes; Sev-1 must be answered within 10.
    timers = plan_timers(course(1, "business_critical"), P000)
    assert escalations(timers) == [(1, 10 * MIN), (2, 60 * MIN), (3, 90 * MIN)]
    (first,) = [t for t in of_kind(timers, TimerKind.ESCALATION) if t.level == 1]
    assert "brought forward: the response target was breached" in first.note
    assert first.key == "escalation:1"  # the same timer, so it still fires once


def test_without_next_level_a_breach_moves_nothing() -> None:
    policy = with_breach(P000, BreachRule(next_level=False, targets=("role:incident_commander",)))
    timers = plan_timers(course(1, "business_critical"), policy)
    assert escalations(timers) == [(1, 30 * MIN), (2, 60 * MIN), (3, 90 * MIN)]
    assert breaches(timers)["response"] == (10 * MIN, ("role:incident_commander",))


def test_once_escalation_by_time_stopped_a_breach_goes_to_the_next_level() -> None:
    # A resolution path was found at 5 minutes (identified): no level is planned, yet the
    # resolution target (4 h for Sev-2) is still missed; the next level, 1, hears of it.
    timers = plan_timers(
        course(2, "business_critical", [(5 * MIN, Status.IDENTIFIED)], acknowledged=5 * MIN),
        P000,
    )
    assert escalations(timers) == []
    level_1 = P000.escalation.level(1)
    assert level_1 is not None
    assert breaches(timers)["resolution"] == (240 * MIN, level_1.targets)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_tells_someone_of_every_breach(preset: str) -> None:
    policy = load_preset(preset).policy
    for severity in policy.severities:
        timers = plan_timers(course(severity.level, "mission_critical"), policy)
        found = breaches(timers)
        assert set(found) == {"response", "resolution"}, (preset, severity.level)
        levels_due = {t.due_at - T0 for t in of_kind(timers, TimerKind.ESCALATION) if t.targets}
        for clock, (due, targets) in found.items():
            # Either the breach tells someone, or it is the moment a level escalates.
            assert targets or due in levels_due, f"{preset}: Sev-{severity.level} {clock}"


def test_next_level_needs_levels_to_escalate_to() -> None:
    text = """\
fireline_policy: 1
name: no_levels
incident_types: [{name: infrastructure, label: Infrastructure}]
severities: [{level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}]
escalation:
  on_breach: {next_level: true}
"""
    with pytest.raises(Exception, match=r"escalation.on_breach.next_level: there is no next level"):
        load_policy_text(text)
