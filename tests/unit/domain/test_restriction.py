"""Restricting incidents: from declaration, by type change, by hand; each on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fireline.domain.editing import update_incident
from fireline.domain.errors import Conflict
from fireline.domain.incident import declare_incident
from fireline.domain.policy import AccessRules
from fireline.domain.restriction import grant_access, restrict_incident, revoke_access
from tests.unit.domain.builders import NOW, SERVICE_TIERS, make_draft, make_incident, make_policy

POLICY = make_policy(access=AccessRules(restricted_types=("security",), security_team="security"))


def test_a_security_incident_is_restricted_from_declaration_on() -> None:
    incident, events = declare_incident(
        make_draft(type="security"),
        incident_id="INC-2026-1125-001",
        policy=POLICY,
        policy_version=1,
        service_tiers=SERVICE_TIERS,
        now=NOW,
    )
    assert incident.is_restricted
    assert events[-1].kind == "restriction_changed"
    assert events[-1].after is True
    assert events[-1].note == "security incidents are restricted"


def test_other_types_are_open_unless_asked() -> None:
    assert not make_incident(POLICY).is_restricted
    assert make_incident(POLICY, is_restricted=True).is_restricted


def test_becoming_a_security_incident_restricts_it_but_leaving_does_not_open_it() -> None:
    incident = make_incident(POLICY)
    later = NOW + timedelta(minutes=5)
    secured, events = update_incident(
        incident,
        {"type": "security"},
        reason=None,
        policy=POLICY,
        service_tiers=SERVICE_TIERS,
        actor="bo",
        now=later,
    )
    assert secured.is_restricted
    assert [e.kind for e in events] == ["field_changed", "restriction_changed"]
    back, events = update_incident(
        secured,
        {"type": "data"},
        reason=None,
        policy=POLICY,
        service_tiers=SERVICE_TIERS,
        actor="bo",
        now=later,
    )
    assert back.is_restricted
    assert [e.kind for e in events] == ["field_changed"]


def test_restricting_twice_changes_nothing_and_opening_up_is_recorded() -> None:
    incident = make_incident(POLICY, type="security")
    same, events = restrict_incident(incident, True, actor="bo", now=NOW, note=None)
    assert same == incident
    assert events == []
    opened, events = restrict_incident(incident, False, actor="bo", now=NOW, note="false alarm")
    assert not opened.is_restricted
    assert (events[0].kind, events[0].before, events[0].after, events[0].note) == (
        "restriction_changed",
        True,
        False,
        "false alarm",
    )


def test_access_by_name_is_granted_once_and_revoked_only_when_held() -> None:
    incident = make_incident(POLICY, type="security")
    assert grant_access(incident, "cy", already=True, actor="bo", now=NOW) == []
    assert grant_access(incident, "cy", already=False, actor="bo", now=NOW)[0].after == "cy"
    with pytest.raises(Conflict, match="was not added"):
        revoke_access(incident, "cy", had=False, actor="bo", now=NOW)
