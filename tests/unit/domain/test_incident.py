from __future__ import annotations

from datetime import timedelta

import pytest

from fireline.domain.editing import update_incident
from fireline.domain.errors import Conflict, InvalidInput, UnknownName
from fireline.domain.incident import declare_incident
from fireline.domain.response import assign_role, comment_on, release_role
from tests.unit.domain.builders import NOW, SERVICE_TIERS, make_draft, make_incident, make_policy


def declare(**overrides):  # type: ignore[no-untyped-def]
    return declare_incident(
        make_draft(**overrides),
        incident_id="INC-2026-1125-001",
        policy=make_policy(),
        policy_version=7,
        service_tiers=SERVICE_TIERS,
        now=NOW,
    )


def test_declaring_records_the_policy_version_and_why_severity_was_chosen() -> None:
    incident, events = declare(services=("wiki", "checkout"), severity=3)
    assert incident.policy_version == 7
    assert incident.criticality == "mission_critical"
    assert incident.severity == 1
    assert [e.kind for e in events] == ["declared", "severity_decided"]
    assert events[1].note == "criticality"
    assert "criticality mission_critical implies Sev-1" in events[1].summary


def test_impact_and_urgency_give_the_priority() -> None:
    incident, _ = declare(impact="medium", urgency="high")
    assert (incident.priority, incident.severity) == ("P2", 2)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"type": "outage"}, "type"),
        ({"services": ("nope",)}, "services"),
        ({"severity": 5}, "severity"),
        ({"support_tier": 5}, "support_tier"),
        ({"links": ("ftp://x",)}, "links"),
        ({"labels": ("",)}, "labels"),
        ({"reported_at": NOW + timedelta(hours=1)}, "reported_at"),
        ({"detected_at": NOW + timedelta(seconds=1)}, "detected_at"),
    ],
)
def test_bad_drafts_are_refused_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        declare(**overrides)
    assert raised.value.field == field


def test_an_unknown_type_lists_the_policy_types() -> None:
    with pytest.raises(UnknownName, match="performance, access, data"):
        declare(type="outage")


def test_a_severity_change_needs_a_reason() -> None:
    incident = make_incident()
    with pytest.raises(InvalidInput, match="reason"):
        update_incident(
            incident,
            {"severity": 1},
            reason=None,
            policy=make_policy(),
            service_tiers=SERVICE_TIERS,
            actor="bo",
            now=NOW,
        )
    updated, events = update_incident(
        incident,
        {"severity": 1},
        reason="revenue impact",
        policy=make_policy(),
        service_tiers=SERVICE_TIERS,
        actor="bo",
        now=NOW,
    )
    assert updated.severity == 1
    assert [(e.kind, e.before, e.after, e.note) for e in events] == [
        ("severity_changed", 3, 1, "revenue impact")
    ]


def test_adding_a_critical_service_raises_severity_and_says_why() -> None:
    incident = make_incident(severity=4)
    updated, events = update_incident(
        incident,
        {"services": ("login",)},
        reason=None,
        policy=make_policy(),
        service_tiers=SERVICE_TIERS,
        actor="bo",
        now=NOW,
    )
    assert (updated.severity, updated.criticality) == (2, "business_critical")
    kinds = [(e.kind, e.field) for e in events]
    assert ("severity_changed", "severity") in kinds
    assert ("field_changed", "services") in kinds
    assert ("field_changed", "criticality") in kinds


def test_an_edit_that_changes_nothing_records_nothing() -> None:
    incident = make_incident()
    _, events = update_incident(
        incident,
        {"title": incident.title},
        reason=None,
        policy=make_policy(),
        service_tiers=SERVICE_TIERS,
        actor="bo",
        now=NOW,
    )
    assert events == []


def test_roles_are_assigned_handed_over_and_released() -> None:
    incident, policy = make_incident(), make_policy()
    first = assign_role(
        incident,
        role="scribe",
        person="al",
        current_holder=None,
        policy=policy,
        actor="bo",
        now=NOW,
    )
    assert first[0].summary == "bo assigned scribe to al"
    handover = assign_role(
        incident,
        role="scribe",
        person="cy",
        current_holder="al",
        policy=policy,
        actor="bo",
        now=NOW,
    )
    assert (handover[0].before, handover[0].after) == ("al", "cy")
    assert (
        assign_role(
            incident,
            role="scribe",
            person="cy",
            current_holder="cy",
            policy=policy,
            actor="bo",
            now=NOW,
        )
        == []
    )
    released = release_role(
        incident, role="scribe", current_holder="cy", policy=policy, actor="bo", now=NOW
    )
    assert released[0].kind == "role_released"


def test_a_role_that_does_not_exist_is_refused() -> None:
    with pytest.raises(UnknownName, match="incident_commander"):
        assign_role(
            make_incident(),
            role="hero",
            person="al",
            current_holder=None,
            policy=make_policy(),
            actor="bo",
            now=NOW,
        )


def test_releasing_an_unheld_role_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        release_role(
            make_incident(),
            role="scribe",
            current_holder=None,
            policy=make_policy(),
            actor="bo",
            now=NOW,
        )


def test_empty_comments_are_refused() -> None:
    with pytest.raises(InvalidInput):
        comment_on(make_incident(), body="  ", actor="bo", now=NOW)
