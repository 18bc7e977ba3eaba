"""SLA clocks from an incident's status history: running, paused, met, breached, re-targeted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from fireline.adapters.policy_file import load_preset, parse_document
from fireline.domain.clocks import (
    Clock,
    ClockState,
    clocks_start,
    incident_spans,
    read_clocks,
    status_spans,
)
from fireline.domain.lifecycle import Status
from fireline.domain.policy import ClockStart
from tests.unit.domain.builders import NOW, make_incident, make_policy

POLICY = make_policy()  # Sev-1: respond in 15 min, resolve in 4 h, both 24×7
MIN = timedelta(minutes=1)


def clocks(
    changes: list[tuple[int, Status]], minutes_later: int, acknowledged: int | None = None
) -> tuple[Clock, Clock]:
    incident = make_incident(severity=1)
    if acknowledged is not None:
        incident = replace(incident, acknowledged_at=NOW + acknowledged * MIN)
    spans = status_spans(NOW, [(NOW + m * MIN, status) for m, status in changes])
    return read_clocks(incident, spans, POLICY, NOW + minutes_later * MIN)


def test_a_fresh_incident_has_both_clocks_running_with_their_due_times() -> None:
    response, resolution = clocks([], 5)
    assert (response.state, response.elapsed, response.remaining) == (
        ClockState.RUNNING,
        5 * MIN,
        10 * MIN,
    )
    assert response.due_at == NOW + 15 * MIN
    assert resolution.due_at == NOW + 240 * MIN
    assert not response.at_risk


def test_at_risk_from_three_quarters_of_the_target() -> None:
    response, _ = clocks([], 12)
    assert response.at_risk
    assert response.state is ClockState.RUNNING


def test_acknowledging_in_time_meets_the_response_target() -> None:
    response, resolution = clocks([(10, Status.INVESTIGATING)], 60, acknowledged=10)
    assert (response.state, response.elapsed, response.stopped_at) == (
        ClockState.MET,
        10 * MIN,
        NOW + 10 * MIN,
    )
    assert resolution.state is ClockState.RUNNING


def test_a_late_acknowledgement_is_a_breach_that_happened_at_the_due_time() -> None:
    response, _ = clocks([(20, Status.INVESTIGATING)], 30, acknowledged=20)
    assert response.state is ClockState.BREACHED
    assert response.due_at == NOW + 15 * MIN


def test_an_unanswered_incident_past_its_target_is_breached_while_it_runs() -> None:
    response, _ = clocks([], 16)
    assert response.state is ClockState.BREACHED
    assert response.remaining == timedelta(0)


def test_waiting_for_the_reporter_pauses_and_resuming_keeps_the_time_spent() -> None:
    history = [(5, Status.WAITING_FOR_INFO), (65, Status.OPEN)]
    response, _ = clocks(history[:1], 30)
    assert (response.state, response.elapsed, response.due_at) == (ClockState.PAUSED, 5 * MIN, None)
    response, _ = clocks(history, 70)
    assert (response.state, response.elapsed) == (ClockState.RUNNING, 10 * MIN)
    assert response.due_at == NOW + 75 * MIN  # the hour paused moved it by an hour


def test_resolution_stops_at_resolved_and_goes_on_after_a_reopen() -> None:
    history = [(30, Status.INVESTIGATING), (90, Status.RESOLVED)]
    _, resolution = clocks(history, 200, acknowledged=30)
    assert (resolution.state, resolution.elapsed) == (ClockState.MET, 90 * MIN)
    reopened = [*history, (120, Status.INVESTIGATING)]
    _, resolution = clocks(reopened, 150, acknowledged=30)
    assert (resolution.state, resolution.elapsed) == (ClockState.RUNNING, 120 * MIN)


def test_resolving_without_acknowledging_stops_the_response_clock_too() -> None:
    response, _ = clocks([(10, Status.RESOLVED)], 60)
    assert (response.state, response.stopped_at) == (ClockState.MET, NOW + 10 * MIN)


def test_a_severity_change_retargets_and_keeps_the_time_spent() -> None:
    incident = replace(make_incident(severity=1), severity=2)  # Sev-2: resolve in 8 h
    spans = status_spans(NOW, [])
    _, resolution = read_clocks(incident, spans, POLICY, NOW + 300 * MIN)
    assert resolution.target.seconds == 8 * 3600
    assert (resolution.elapsed, resolution.state) == (300 * MIN, ClockState.RUNNING)
    assert resolution.due_at == NOW + 480 * MIN


# -- which instant starts the clocks (policy `clock_start`) ------------------------------


def test_clocks_start_at_detection_report_or_declaration_as_the_policy_says() -> None:
    incident = replace(
        make_incident(severity=1), reported_at=NOW - 20 * MIN, detected_at=NOW - 30 * MIN
    )
    starts = {
        choice: clocks_start(incident, replace(POLICY, clock_start=choice)) for choice in ClockStart
    }
    assert starts == {
        ClockStart.DETECTED: NOW - 30 * MIN,
        ClockStart.REPORTED: NOW - 20 * MIN,
        ClockStart.DECLARED: NOW,
    }


def test_detected_falls_back_to_reported_when_nobody_said_when_it_was_detected() -> None:
    incident = replace(make_incident(severity=1), reported_at=NOW - 20 * MIN)
    policy = replace(POLICY, clock_start=ClockStart.DETECTED)
    assert clocks_start(incident, policy) == NOW - 20 * MIN


def test_an_incident_reported_twenty_minutes_ago_has_spent_twenty_minutes_of_its_target() -> None:
    incident = replace(make_incident(severity=1), reported_at=NOW - 20 * MIN)
    policy = replace(POLICY, clock_start=ClockStart.REPORTED)
    response, resolution = read_clocks(incident, incident_spans(incident, [], policy), policy, NOW)
    assert (response.state, response.elapsed, response.due_at) == (
        ClockState.BREACHED,
        20 * MIN,
        NOW - 5 * MIN,
    )
    assert resolution.elapsed == 20 * MIN


def test_a_policy_that_does_not_say_starts_the_clocks_at_declaration_as_before() -> None:
    # Versions stored before `clock_start` existed keep their incidents' clocks where they
    # were: a report time given at declaration moved nothing then, and moves nothing now.
    document = dict(load_preset("handbook_004").document)
    del document["clock_start"]
    policy = parse_document(document).policy
    incident = replace(make_incident(severity=1), reported_at=NOW - 20 * MIN)
    assert clocks_start(incident, policy) == NOW
