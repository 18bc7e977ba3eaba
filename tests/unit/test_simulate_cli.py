"""`fireline policy simulate`: the presets' SLA warnings and breaches, in order; the table
people read (repetitions once, 80 columns, durations rounded) and the JSON scripts read."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from fireline.adapters.policy_file import list_presets
from fireline.entrypoints.cli.main import app
from fireline.entrypoints.cli.simulate import spell_duration

runner = CliRunner()
AT = "2026-11-25T10:00Z"  # a Wednesday


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


def table(*args: str, columns: int = 80) -> list[str]:
    result = runner.invoke(app, ["policy", "simulate", *args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_a_004_sev_1_table_shows_each_update_cadence_once_and_json_every_reminder() -> None:
    args = ("--preset", "handbook_004", "--severity", "1", "--at", AT)
    lines = table(*args, columns=200)
    assert len(lines) < 40
    assert "every 30m until resolved: update due → role:communications_lead" in "\n".join(lines)
    assert "every 30m until resolved: update overdue → role:incident_commander" in "\n".join(lines)
    assert "every 2h until resolved: update due" in "\n".join(lines)
    assert "--json lists every one" in lines[-1]
    # Machines still get every reminder, with its own time.
    kinds = [e["kind"] for e in simulate(*args)]
    assert kinds.count("update_due") == 924
    assert kinds.count("update_overdue") == 921


CASES = [
    *[(preset.name, severity) for preset in list_presets() for severity in ("1", "4")],
    ("handbook_000 --criticality mission_critical", "1"),
    ("handbook_000 --criticality business_critical", "2"),
]


@pytest.mark.parametrize(("preset", "severity"), CASES)
def test_at_80_columns_nothing_is_cut_and_every_target_shows_whole(
    preset: str, severity: str
) -> None:
    args = ("--preset", *preset.split(), "--severity", severity, "--at", AT)
    lines = table(*args)
    assert all(len(line) <= 80 for line in lines)
    assert not [line for line in lines if "…" in line]
    targets = {target for event in simulate(*args) for target in event["targets"]}
    for target in targets:
        assert [line for line in lines if target in line], target


def test_the_review_deadline_after_a_late_resolution_is_rounded_to_the_hour() -> None:
    # Resolved Wednesday 21:33:21; five business days later (handbook 004 §8.1) is
    # 6d 19h 46m 39s after declaration.
    args = ("--preset", "handbook_004", "--severity", "2", "--resolve-at", "20m")
    lines = table(*args, "--at", "2026-11-25T21:13:21Z")
    (review,) = [line for line in lines if "│ review due" in line]
    assert review.split("│")[1].strip() == "6d 20h"
    events = simulate(*args, "--at", "2026-11-25T21:13:21Z")
    assert events[-1]["after"] == 6 * 86_400 + 19 * 3600 + 46 * 60 + 39


@pytest.mark.parametrize(
    ("seconds", "spelled"),
    [
        (0, "0m"),
        (45, "45s"),
        (60, "1m"),
        (675, "11m 15s"),
        (900, "15m"),
        (3599, "59m 59s"),
        (3600, "1h"),
        (9000, "2h 30m"),
        (9029, "2h 30m"),
        (9030, "2h 31m"),
        (7170, "2h"),  # 1h 59m 30s rounds up, and carries into the hour
        (86_370, "1d"),  # 23h 59m 30s
        (2 * 86_400 + 6 * 3600, "2d 6h"),
        (4 * 86_400 + 14 * 3600 + 46 * 60 + 39, "4d 15h"),
        (14 * 86_400, "14d"),
    ],
)
def test_durations_are_spelled_in_their_two_largest_units_rounded(
    seconds: int, spelled: str
) -> None:
    assert spell_duration(seconds) == spelled
