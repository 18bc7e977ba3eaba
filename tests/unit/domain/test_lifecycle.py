from __future__ import annotations

from datetime import timedelta

import pytest

from fireline.domain.errors import Conflict, IllegalTransition
from fireline.domain.lifecycle import WORKING, Status, expand_status_filter
from fireline.domain.response import acknowledge_incident, change_status
from tests.unit.domain.builders import NOW, make_incident

LATER = NOW + timedelta(minutes=5)


def walk(*statuses: Status):  # type: ignore[no-untyped-def]
    incident = make_incident()
    for step, status in enumerate(statuses):
        incident, _ = change_status(
            incident, status, actor="bo", now=LATER + timedelta(minutes=step)
        )
    return incident


def test_the_happy_path_runs_from_open_to_closed_stamping_each_step() -> None:
    incident = walk(
        Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED, Status.CLOSED
    )
    assert incident.status is Status.CLOSED
    assert incident.acknowledged_at == LATER
    assert incident.identified_at == LATER + timedelta(minutes=1)
    assert incident.resolved_at == LATER + timedelta(minutes=3)
    assert incident.closed_at == LATER + timedelta(minutes=4)


def test_leaving_open_counts_as_acknowledgement() -> None:
    incident, events = change_status(make_incident(), Status.IDENTIFIED, actor="bo", now=LATER)
    assert incident.acknowledged_by == "bo"
    assert [e.kind for e in events] == ["acknowledged", "status_changed"]


def test_a_pause_returns_only_to_where_it_came_from() -> None:
    incident = walk(Status.INVESTIGATING, Status.IDENTIFIED, Status.WAITING_FOR_INFO)
    assert incident.resume_status is Status.IDENTIFIED
    with pytest.raises(IllegalTransition, match=r"allowed from 'waiting_for_info': identified$"):
        change_status(incident, Status.RESOLVED, actor="bo", now=LATER)
    resumed, _ = change_status(incident, Status.IDENTIFIED, actor="bo", now=LATER)
    assert (resumed.status, resumed.resume_status) == (Status.IDENTIFIED, None)


def test_on_hold_pauses_any_active_status() -> None:
    assert walk(Status.ON_HOLD).resume_status is Status.OPEN


def test_resolved_can_be_reopened_to_investigating() -> None:
    incident = walk(Status.RESOLVED, Status.INVESTIGATING)
    assert incident.status is Status.INVESTIGATING
    assert incident.resolved_at is None


def test_an_illegal_transition_names_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransition) as raised:
        change_status(make_incident(), Status.CLOSED, actor="bo", now=LATER)
    assert raised.value.allowed == (
        "investigating",
        "identified",
        "monitoring",
        "resolved",
        "waiting_for_info",
        "on_hold",
    )


def test_closed_is_final() -> None:
    closed = walk(Status.RESOLVED, Status.CLOSED)
    with pytest.raises(IllegalTransition, match="none"):
        change_status(closed, Status.INVESTIGATING, actor="bo", now=LATER)


def test_acknowledging_moves_open_to_investigating() -> None:
    incident, events = acknowledge_incident(make_incident(), actor="cy", now=LATER)
    assert (incident.status, incident.acknowledged_by, incident.acknowledged_at) == (
        Status.INVESTIGATING,
        "cy",
        LATER,
    )
    assert [e.kind for e in events] == ["acknowledged", "status_changed"]


def test_acknowledging_twice_or_after_resolution_is_a_conflict() -> None:
    acknowledged, _ = acknowledge_incident(make_incident(), actor="cy", now=LATER)
    with pytest.raises(Conflict, match="already acknowledged by cy"):
        acknowledge_incident(acknowledged, actor="dee", now=LATER)
    with pytest.raises(Conflict, match="resolved"):
        acknowledge_incident(walk(Status.RESOLVED), actor="dee", now=LATER)


def test_in_progress_stands_for_the_working_statuses() -> None:
    assert expand_status_filter(["in_progress", "open"]) == [*WORKING, Status.OPEN]


def test_an_unknown_status_filter_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="in_progress"):
        expand_status_filter(["doing"])
