"""The shipped presets: each one loads and reproduces its handbook's numbers exactly."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fireline.adapters.policy_file import (
    PolicyFileError,
    list_presets,
    load_preset,
    parse_document,
)
from fireline.domain.calendars import add_working_time, calendar_of
from fireline.domain.classification import derive_priority
from fireline.domain.policy import Policy, Target

MINUTE, HOUR, DAY = 60, 3600, 86_400
BUSINESS_DAY = Target(8 * HOUR, "business_hours")
PRESETS = ["default", "handbook_000", "handbook_002", "handbook_003", "handbook_004"]


def targets(policy: Policy) -> list[tuple[Target, Target]]:
    return [(s.response, s.resolution) for s in sorted(policy.severities, key=lambda s: s.level)]


def clock(seconds: int) -> Target:
    return Target(seconds, "24x7")


def test_fireline_ships_a_default_and_one_preset_per_handbook() -> None:
    infos = {info.name: info for info in list_presets()}
    assert list(infos) == PRESETS
    assert infos["default"].handbook is None
    assert infos["handbook_004"].handbook == "004_8c4331396aca27b7.txt"
    assert all(info.title and info.description for info in infos.values())
    assert all(info.path.is_file() for info in infos.values())


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_and_names_the_handbook_it_lists(name: str) -> None:
    loaded = load_preset(name)
    info = next(info for info in list_presets() if info.name == name)
    assert loaded.policy.name == name
    assert loaded.policy.handbook == info.handbook


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_shares_the_common_foundations(name: str) -> None:
    policy = load_preset(name).policy
    assert policy.type_names == (
        "performance",
        "access",
        "data",
        "security",
        "feature",
        "infrastructure",
    )
    assert [(t.name, t.level, t.implies_severity) for t in policy.criticality_tiers] == [
        ("mission_critical", 1, 1),
        ("business_critical", 2, 2),
        ("business_operational", 3, 3),
        ("administrative", 4, 4),
    ]
    assert [t.level for t in policy.support_tiers] == [1, 2, 3, 4]
    assert policy.support_tiers[3].name.startswith("Vendor escalation")
    [calendar] = policy.calendars
    assert (calendar.name, calendar.time_zone, calendar.working_days) == (
        "business_hours",
        "UTC",
        (1, 2, 3, 4, 5),
    )
    assert "incident_commander" in policy.role_names


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_round_trips_through_its_document(name: str) -> None:
    loaded = load_preset(name)
    again = parse_document(loaded.document)
    assert (again.policy, again.digest) == (loaded.policy, loaded.digest)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_uses_the_handbook_004_priority_matrix(name: str) -> None:
    policy = load_preset(name).policy
    # Handbook 004 §2.2, row by row: (urgency, impact) -> priority.
    table = {
        ("high", "high"): "P1",
        ("high", "medium"): "P2",
        ("high", "low"): "P3",
        ("medium", "high"): "P2",
        ("medium", "medium"): "P3",
        ("medium", "low"): "P4",
        ("low", "high"): "P3",
        ("low", "medium"): "P4",
        ("low", "low"): "P4",
    }
    for (urgency, impact), priority in table.items():
        assert derive_priority(policy, impact=impact, urgency=urgency) == priority
    assert dict(policy.priority_matrix.priority_severity) == {"P1": 1, "P2": 2, "P3": 3, "P4": 4}


def test_handbook_002_targets_are_its_severity_definitions() -> None:
    assert targets(load_preset("handbook_002").policy) == [
        (clock(15 * MINUTE), clock(4 * HOUR)),
        (clock(1 * HOUR), clock(8 * HOUR)),
        (clock(4 * HOUR), clock(3 * DAY)),
        (BUSINESS_DAY, clock(5 * DAY)),
    ]


def test_handbook_002_has_its_war_room_roles_closure_checklist_and_review() -> None:
    policy = load_preset("handbook_002").policy
    assert policy.role_names == (
        "incident_commander",
        "technical_lead",
        "communications_lead",
        "scribe",
    )
    assert len(policy.closure_checklist) == 7
    assert policy.closure_checklist[1].label == "Root cause identified (or problem created)"
    [review] = policy.review_rules
    assert (review.severities, review.due_within) == ((1, 2), clock(72 * HOUR))


def test_handbook_003_targets_count_low_severity_in_business_days() -> None:
    assert targets(load_preset("handbook_003").policy) == [
        (clock(15 * MINUTE), clock(4 * HOUR)),
        (clock(1 * HOUR), clock(8 * HOUR)),
        (clock(4 * HOUR), clock(24 * HOUR)),
        (BUSINESS_DAY, Target(5 * 8 * HOUR, "business_hours")),
    ]


def test_handbook_004_targets_are_its_severity_levels() -> None:
    assert targets(load_preset("handbook_004").policy) == [
        (clock(15 * MINUTE), clock(4 * HOUR)),
        (clock(1 * HOUR), clock(8 * HOUR)),
        (clock(4 * HOUR), clock(24 * HOUR)),
        (clock(24 * HOUR), clock(72 * HOUR)),
    ]


def test_handbook_004_has_its_four_roles_and_a_review_within_five_business_days() -> None:
    policy = load_preset("handbook_004").policy
    assert [(r.name, r.label) for r in policy.roles] == [
        ("incident_commander", "Incident Manager"),
        ("technical_lead", "Technical Lead"),
        ("communications_lead", "Communications Lead"),
        ("business_liaison", "Business Liaison"),
    ]
    [review] = policy.review_rules
    assert {1, 2} <= set(review.severities)
    assert review.due_within == Target(5 * 8 * HOUR, "business_hours")


def test_handbook_000_maps_tier_n_to_sev_n_with_escalation_and_resolve_times() -> None:
    assert targets(load_preset("handbook_000").policy) == [
        (clock(10 * MINUTE), clock(2 * HOUR)),
        (clock(30 * MINUTE), clock(4 * HOUR)),
        (clock(8 * HOUR), clock(48 * HOUR)),
        (clock(24 * HOUR), clock(72 * HOUR)),
    ]


def test_handbook_000_requires_a_review_for_critical_tiers_and_level_3_escalations() -> None:
    rules = load_preset("handbook_000").policy.review_rules
    assert [(r.criticalities, r.escalation_level_at_least) for r in rules] == [
        (("mission_critical", "business_critical"), None),
        ((), 3),
    ]


def test_the_default_blends_004_targets_all_five_roles_and_the_000_and_002_reviews() -> None:
    policy = load_preset("default").policy
    assert targets(policy) == targets(load_preset("handbook_004").policy)
    assert set(policy.role_names) == {
        "incident_commander",
        "technical_lead",
        "communications_lead",
        "scribe",
        "business_liaison",
    }
    assert policy.closure_checklist == load_preset("handbook_002").policy.closure_checklist
    assert [r.name for r in policy.review_rules] == [
        "critical_systems",
        "escalated_to_level_3",
        "major_incidents",
    ]
    assert policy.services == ()


def test_an_unknown_preset_lists_the_presets_there_are() -> None:
    with pytest.raises(PolicyFileError, match="allowed: default, handbook_000, handbook_002"):
        load_preset("handbook_999")


@pytest.mark.parametrize("preset", ["handbook_002", "handbook_003"])
def test_a_sev4_declared_on_friday_afternoon_breaches_its_response_on_monday(preset: str) -> None:
    """Issue 4, acceptance 3, with the presets' own targets and calendars."""
    policy = load_preset(preset).policy
    target = policy.severity(4).response
    calendar = calendar_of(policy, target.calendar)
    assert calendar is not None
    zone = ZoneInfo(calendar.time_zone)
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=zone)
    due = add_working_time(calendar, friday, target.seconds).astimezone(zone)
    assert (due.strftime("%A"), due.hour) == ("Monday", 15)
