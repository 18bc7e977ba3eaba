"""`fireline policy simulate`: the presets' SLA warnings and breaches, in order."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from fireline.entrypoints.cli.main import app

runner = CliRunner()


def simulate(*args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["policy", "simulate", *args, "--json"])
    assert result.exit_code == 0, result.output
    events: list[dict[str, Any]] = json.loads(result.stdout)
    return events


def breaches(events: list[dict[str, Any]]) -> dict[str, int]:
    return {e["clock"]: e["after"] for e in events if e["kind"] == "sla_breach"}


def test_a_004_sev1_breaches_its_response_at_15_minutes_and_resolution_at_4_hours() -> None:
    events = simulate("--preset", "handbook_004", "--severity", "1", "--at", "2026-11-25T10:00Z")
    assert breaches(events) == {"response": 900, "resolution": 14_400}
    assert [e["after"] for e in events] == sorted(e["after"] for e in events)
    for event in events:
        assert set(event) == {"after", "at", "kind", "clock", "level", "targets", "note"}


def test_warnings_come_at_three_quarters_of_each_target() -> None:
    events = simulate("--preset", "handbook_004", "--severity", "1", "--at", "2026-11-25T10:00Z")
    warnings = {e["clock"]: e["after"] for e in events if e["kind"] == "sla_warning"}
    assert warnings == {"response": 675, "resolution": 10_800}


def test_a_sev4_declared_on_friday_afternoon_breaches_its_response_on_monday() -> None:
    events = simulate(
        "--preset", "handbook_002", "--severity", "4", "--at", "2026-11-27T15:00:00+00:00"
    )
    (breach,) = [e for e in events if e["kind"] == "sla_breach" and e["clock"] == "response"]
    at = datetime.fromisoformat(breach["at"])
    assert (at.strftime("%A"), at.hour) == ("Monday", 15)


def test_acknowledging_in_time_leaves_no_response_breach_and_a_pause_moves_the_rest() -> None:
    plain = breaches(simulate("--preset", "handbook_004", "--at", "2026-11-25T10:00Z"))
    events = simulate(
        "--preset", "handbook_004", "--at", "2026-11-25T10:00Z",
        "--ack-at", "10m", "--pause-at", "1h", "--resume-at", "3h",
    )  # fmt: skip
    assert breaches(events) == {"resolution": plain["resolution"] + 2 * 3600}
    assert not [e for e in events if e["clock"] == "response"]


def test_resolving_before_a_target_means_nothing_fires_for_it() -> None:
    events = simulate("--preset", "handbook_004", "--at", "2026-11-25T10:00Z", "--resolve-at", "5m")
    # No clock, escalation or reminder fires: the initial notification at declaration and
    # the resolution notice went out, and the review deadline is left: 5 business days
    # after the resolution (14 days shown).
    assert [(e["kind"], e["after"]) for e in events] == [
        ("initial_notice", 0),
        ("resolution_notice", 300),
        ("review_due", 7 * 86400 + 300),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--severity", "9"], "no severity 9 (allowed: 1, 2, 3, 4)"),
        (["--resume-at", "5m"], "needs a pause to resume from"),
        (["--pause-at", "1h", "--resume-at", "30m"], "must be later than --pause-at"),
        (["--ack-at", "soon"], "invalid duration 'soon'"),
        (["--for", "1 business day"], "not business time"),
        (["--at", "2026-11-25T10:00"], "needs an offset"),
    ],
)
def test_bad_options_are_one_clear_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["policy", "simulate", "--preset", "handbook_004", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
