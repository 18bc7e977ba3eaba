from __future__ import annotations

import pytest

from fireline.domain.classification import decide_severity, derive_priority, highest_criticality
from fireline.domain.errors import InvalidInput, UnknownName
from fireline.domain.policy import SeverityRule
from tests.unit.domain.builders import make_policy

# Handbook 004 §2.2, cell by cell: (urgency, impact) → priority.
MATRIX_004 = [
    ("high", "high", "P1"),
    ("high", "medium", "P2"),
    ("high", "low", "P3"),
    ("medium", "high", "P2"),
    ("medium", "medium", "P3"),
    ("medium", "low", "P4"),
    ("low", "high", "P3"),
    ("low", "medium", "P4"),
    ("low", "low", "P4"),
]


@pytest.mark.parametrize(("urgency", "impact", "priority"), MATRIX_004)
def test_every_cell_of_the_004_matrix_gives_the_handbook_priority(
    urgency: str, impact: str, priority: str
) -> None:
    assert derive_priority(make_policy(), impact, urgency) == priority


def test_no_impact_and_no_urgency_means_no_priority() -> None:
    assert derive_priority(make_policy(), None, None) is None


def test_impact_without_urgency_is_refused_rather_than_ignored() -> None:
    with pytest.raises(InvalidInput, match="urgency: impact and urgency go together"):
        derive_priority(make_policy(), "high", None)
    with pytest.raises(InvalidInput, match=r"^impact:"):
        derive_priority(make_policy(), None, "low")


def test_an_unknown_impact_names_the_allowed_ones() -> None:
    with pytest.raises(UnknownName, match="allowed: high, medium, low"):
        derive_priority(make_policy(), "huge", "high")


def test_mission_critical_wins_over_administrative() -> None:
    tier = highest_criticality(make_policy(), ["administrative", "mission_critical"])
    assert tier is not None
    assert tier.name == "mission_critical"


def test_no_services_means_no_criticality() -> None:
    assert highest_criticality(make_policy(), []) is None


def test_the_most_severe_source_wins_and_is_named() -> None:
    policy = make_policy()
    decision = decide_severity(
        policy, reported=3, priority="P2", criticality=policy.tier("mission_critical")
    )
    assert decision.severity == 1
    assert decision.decided_by == "criticality"
    assert "reporter chose Sev-3" in decision.explanation
    assert "priority P2 implies Sev-2" in decision.explanation


def test_a_reporter_more_worried_than_the_rules_is_believed() -> None:
    policy = make_policy()
    decision = decide_severity(
        policy, reported=1, priority="P4", criticality=policy.tier("administrative")
    )
    assert (decision.severity, decision.decided_by) == (1, "reporter")


def test_priority_decides_when_it_is_the_most_severe() -> None:
    decision = decide_severity(make_policy(), reported=4, priority="P2", criticality=None)
    assert (decision.severity, decision.decided_by) == (2, "priority")


def test_with_no_source_the_policy_default_applies() -> None:
    decision = decide_severity(make_policy(), reported=None, priority=None, criticality=None)
    assert (decision.severity, decision.decided_by) == (3, "default")


def test_a_source_the_policy_leaves_out_does_not_count() -> None:
    policy = make_policy(severity_rule=SeverityRule(sources=("reporter",), when_unknown=4))
    decision = decide_severity(
        policy, reported=3, priority="P1", criticality=policy.tier("mission_critical")
    )
    assert decision.severity == 3


def test_an_undefined_reported_severity_is_refused() -> None:
    with pytest.raises(UnknownName, match="allowed: 1, 2, 3, 4"):
        decide_severity(make_policy(), reported=7, priority=None, criticality=None)
