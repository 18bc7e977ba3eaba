"""`fireline policy simulate` on escalation: handbook 000's levels by criticality and
handbook 004's escalation matrix, through the real command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from fireline.entrypoints.cli.main import app

runner = CliRunner()
AT = "2026-11-25T10:00Z"  # a Wednesday


def simulate(*args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["policy", "simulate", "--at", AT, *args, "--json"])
    assert result.exit_code == 0, result.output
    events: list[dict[str, Any]] = json.loads(result.stdout)
    return events


def escalations(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "escalation"]


def levels_at(events: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(e["level"], e["after"]) for e in escalations(events)]


def test_mission_critical_escalates_to_levels_1_to_4_every_10_minutes_and_stops() -> None:
    events = simulate(
        "--preset", "handbook_000", "--criticality", "mission_critical", "--severity", "1"
    )
    found = escalations(events)
    assert [e["level"] for e in found] == [1, 2, 3, 4]
    assert [e["after"] for e in found] == [600, 1200, 1800, 2400]
    assert all(e["targets"] for e in found)
    assert all(isinstance(t, str) and ":" in t for e in found for t in e["targets"])
    assert found[1]["targets"] == ["contact:cs_ops_specialist_oncall"]
    assert not [e for e in events if (e["level"] or 0) > 4]
    assert [e["after"] for e in events] == sorted(e["after"] for e in events)


def test_administrative_escalates_at_24h_and_48h_then_to_level_3_at_72h() -> None:
    events = simulate(
        "--preset", "handbook_000", "--criticality", "administrative", "--severity", "4",
        "--for", "5d",
    )  # fmt: skip
    assert levels_at(events) == [(1, 86_400), (2, 172_800), (3, 259_200)]
    assert escalations(events)[2]["targets"] == [
        "contact:fullstack_engineer_oncall",
        "contact:cs_ops_oncall",
    ]


def test_a_horizon_shorter_than_the_last_escalation_leaves_it_out() -> None:
    events = simulate(
        "--preset", "handbook_000", "--criticality", "administrative", "--severity", "4",
        "--for", "2d",
    )  # fmt: skip
    assert levels_at(events) == [(1, 86_400), (2, 172_800)]


def test_a_resolution_path_at_15_minutes_leaves_only_level_1() -> None:
    events = simulate(
        "--preset", "handbook_000", "--criticality", "mission_critical", "--severity", "1",
        "--identified-at", "15m",
    )  # fmt: skip
    assert levels_at(events) == [(1, 600)]


def test_a_pause_moves_the_escalations_by_its_length() -> None:
    events = simulate(
        "--preset", "handbook_000", "--criticality", "mission_critical", "--severity", "1",
        "--pause-at", "5m", "--resume-at", "65m",
    )  # fmt: skip
    assert levels_at(events) == [(1, 4200), (2, 4800), (3, 5400), (4, 6000)]


def test_the_004_sev_1_matrix_and_sla_breaches() -> None:
    events = simulate("--preset", "handbook_004", "--severity", "1")
    notify = [(e["targets"], e["after"]) for e in events if e["kind"] == "notify"]
    assert notify == [
        (["contact:it_manager"], 1800),
        (["contact:cto"], 3600),
        (["contact:ceo"], 7200),
        (["contact:board"], 14_400),
    ]
    breaches = {e["clock"]: e["after"] for e in events if e["kind"] == "sla_breach"}
    assert breaches == {"response": 900, "resolution": 14_400}
    assert escalations(events) == []


def test_the_004_sev_2_matrix_tells_the_it_manager_at_30_minutes_and_at_1_hour() -> None:
    events = simulate("--preset", "handbook_004", "--severity", "2")
    notify = [(e["targets"], e["after"]) for e in events if e["kind"] == "notify"]
    assert notify == [
        (["contact:it_manager"], 1800),
        (["contact:it_manager"], 3600),
        (["contact:cto"], 7200),
        (["contact:cto"], 14_400),
    ]


def test_a_004_incident_resolved_early_still_shows_its_review_deadline() -> None:
    events = simulate(
        "--preset", "handbook_004", "--severity", "1", "--resolve-at", "20m", "--for", "8d"
    )
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "initial_notice",
        "sla_warning",
        "sla_breach",
        "resolution_notice",  # before customer support's first update was due (30m)
        "review_due",
    ]
    # Resolved Wednesday 10:20: 40 business hours later is the next Wednesday at 10:20.
    assert events[-1]["at"] == "2026-12-02T10:20:00Z"


def test_an_unknown_criticality_exits_2_listing_the_tiers() -> None:
    result = runner.invoke(
        app, ["policy", "simulate", "--preset", "handbook_000", "--criticality", "critical"]
    )
    assert result.exit_code == 2
    assert "no criticality tier 'critical'" in result.output
    assert (
        "allowed: mission_critical, business_critical, business_operational, administrative"
        in result.output
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("preset", ["handbook_000", "handbook_004"])
def test_an_unknown_criticality_is_refused_whatever_the_output_format(preset: str) -> None:
    result = runner.invoke(
        app, ["policy", "simulate", "--preset", preset, "--criticality", "nope", "--json"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--criticality" in result.stderr


def test_a_service_of_the_policy_gives_its_criticality_and_implied_severity(
    tmp_path: Path,
) -> None:
    from fireline.adapters.policy_file import load_preset

    document = load_preset("handbook_000").document
    document["services"] = [{"name": "billing", "criticality": "business_critical"}]
    path = tmp_path / "with-services.yaml"
    path.write_text(yaml.safe_dump(document))
    events = simulate(str(path), "--service", "billing")
    # Business critical: every 30 minutes up to level 3, Sev-2's 30-minute response target.
    assert levels_at(events) == [(1, 1800), (2, 3600), (3, 5400)]
    breach = next(e for e in events if e["kind"] == "sla_breach" and e["clock"] == "response")
    assert breach["after"] == 1800
    refused = runner.invoke(app, ["policy", "simulate", str(path), "--service", "nope"])
    assert refused.exit_code == 2
    assert "allowed: billing" in refused.output


def test_moving_on_from_open_answers_the_incident_and_a_late_ack_changes_nothing() -> None:
    base = ["--preset", "handbook_000", "--criticality", "mission_critical"]
    identified_early = simulate(*base, "--identified-at", "5m")
    # Identified at 5 minutes: answered (no response breach) and a resolution path (no levels).
    assert [(e["kind"], e["clock"]) for e in identified_early] == [
        ("sla_warning", "resolution"),
        ("sla_breach", "resolution"),
    ]
    assert simulate(*base, "--identified-at", "5m", "--ack-at", "15m") == identified_early


@pytest.mark.parametrize(
    "args",
    [
        ["--ack-at", "3h", "--resolve-at", "1h"],
        ["--resolve-at", "20m", "--pause-at", "25m"],
        ["--pause-at", "5m", "--identified-at", "10m", "--resume-at", "20m"],
    ],
)
def test_a_history_the_lifecycle_refuses_is_a_usage_error(args: list[str]) -> None:
    result = runner.invoke(
        app, ["policy", "simulate", "--preset", "handbook_004", "--at", AT, *args, "--json"]
    )
    assert result.exit_code == 2
    assert "allowed:" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--at", "9999-12-30T00:00:00+00:00"], "out of range"),
        (["--severity", "0"], "no severity 0"),
        (["--criticality", "bogus", "--service", "x"], "no criticality tier 'bogus'"),
    ],
)
def test_odd_simulate_options_are_usage_errors(args: list[str], words: str) -> None:
    result = runner.invoke(app, ["policy", "simulate", "--preset", "handbook_000", *args])
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_the_table_says_what_was_simulated_and_spells_durations() -> None:
    result = runner.invoke(
        app,
        [
            "policy",
            "simulate",
            "--preset",
            "handbook_000",
            "--criticality",
            "administrative",
            "--at",
            AT,
        ],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    assert "policy handbook_000: Sev-4, administrative" in result.output
    assert "2d 6h" in result.output  # the resolution warning, 75 % of 3 days
    assert "2026-11-28 10:00" in result.output
    quiet = runner.invoke(
        app,
        [
            "policy",
            "simulate",
            "--preset",
            "handbook_003",
            "--at",
            AT,
            "--resolve-at",
            "5m",
            "--for",
            "1h",
        ],
    )
    assert quiet.exit_code == 0
    assert "nothing fires within 1h" in quiet.output
