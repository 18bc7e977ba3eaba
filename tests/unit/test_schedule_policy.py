"""The `schedules` section of a policy file: every mistake is refused at its line, saying what
is allowed, by the loader and by `fireline policy check`; a valid section becomes domain
schedules and survives the normalized document."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fireline.adapters.policy_file import (
    load_policy_text,
    parse_document,
)
from fireline.domain.oncall import Layer, Override, Restriction, on_call_at
from fireline.entrypoints.cli.policy import policy_app
from tests.policy_problems import assert_policy_check_reports, line_of, only_problem

runner = CliRunner()

VALID = """\
fireline_policy: 1
name: acme
time_zone: Europe/London
incident_types:
  - {name: infrastructure, label: Infrastructure}
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
  - {level: 2, name: high, label: High, response: 1h, resolution: 8h}
  - {level: 3, name: medium, label: Medium, response: 4h, resolution: 24h}
  - {level: 4, name: low, label: Low, response: 24h, resolution: 72h}
criticality_tiers:
  - {name: mission_critical, level: 1, label: Mission Critical, implies_severity: 1}
contacts:
  - {name: it_manager, label: IT Manager}
escalation:
  levels:
    - level: 1
      action: Post in the team channel
      notify: [channel:support-operations]
    - level: 2
      action: Page whoever is on call
      notify:
        - schedule:ops_oncall
    - level: 3
      action: Call the IT manager
      notify:
        - contact:it_manager
  by_criticality:
    - criticality: mission_critical
      every: 10m
      up_to: 3
  elapsed_notifications:
    - after: 1h
      severities: [1]
      notify:
        - schedule:night_desk
schedules:
  - name: ops_oncall
    label: Operations on call
    layers:
      - name: london
        members: [alice, bob, carol]
        shift: 7 days
        starts: "2026-01-05T09:00"
        restrictions:
          - days: [mon, tue, wed, thu, fri]
            hours: "08:00-20:00"
      - name: sydney
        members: [sam]
        shift: 12h
        starts: "2026-01-05T20:00"
        restrictions:
          - days: [mon, tue, wed, thu, fri]
            hours: "19:00-24:00"
    overrides:
      - person: zoe
        starts: "2026-02-02T09:00"
        ends: "2026-02-03T09:00"
      - person: yan
        starts: "2026-02-03T09:00"
        ends: "2026-02-04T09:00"
  - name: night_desk
    time_zone: Australia/Sydney
    layers:
      - name: nights
        members: [nick]
        shift: 1d
        starts: "2026-01-05T18:00"
"""


def make_text(replace: str, by: str) -> str:
    assert VALID.count(replace) == 1, replace
    return VALID.replace(replace, by)


# The valid file, as the domain sees it


def test_the_valid_file_becomes_schedules_in_their_time_zones() -> None:
    policy = load_policy_text(VALID).policy
    assert [s.name for s in policy.schedules] == ["ops_oncall", "night_desk"]
    ops = policy.schedule("ops_oncall")
    assert ops is not None
    assert ops.time_zone == "Europe/London"  # the policy's, as the schedule names none
    assert ops.layers[0] == Layer(
        name="london",
        members=("alice", "bob", "carol"),
        starts_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),  # 09:00 GMT
        shift=timedelta(days=7),
        restrictions=(Restriction((1, 2, 3, 4, 5), time(8, 0), time(20, 0)),),
    )
    assert ops.layers[1].shift == timedelta(hours=12)
    assert ops.overrides == (
        Override(
            "zoe", datetime(2026, 2, 2, 9, 0, tzinfo=UTC), datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
        ),
        Override(
            "yan", datetime(2026, 2, 3, 9, 0, tzinfo=UTC), datetime(2026, 2, 4, 9, 0, tzinfo=UTC)
        ),
    )
    night = policy.schedule("night_desk")
    assert night is not None
    assert night.time_zone == "Australia/Sydney"
    # 18:00 in Sydney in January (AEDT, UTC+11) is 07:00 UTC.
    assert night.layers[0].starts_at == datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    assert policy.schedule("nope") is None


def test_local_times_are_read_in_the_schedule_s_zone_in_summer_time() -> None:
    text = make_text('starts: "2026-01-05T09:00"', 'starts: "2026-07-06T09:00"')
    layer = load_policy_text(text).policy.schedules[0].layers[0]
    assert layer.starts_at == datetime(2026, 7, 6, 8, 0, tzinfo=UTC)  # 09:00 BST


def test_a_window_may_end_at_24_00() -> None:
    ops = load_policy_text(VALID).policy.schedules[0]
    assert on_call_at(ops, datetime(2026, 1, 6, 23, 30, tzinfo=UTC)) == "sam"
    assert on_call_at(ops, datetime(2026, 1, 6, 12, 0, tzinfo=UTC)) == "alice"
    assert on_call_at(ops, datetime(2026, 1, 10, 12, 0, tzinfo=UTC)) is None  # Saturday


def test_the_document_round_trips_to_an_equal_policy_and_the_same_digest() -> None:
    loaded = load_policy_text(VALID)
    again = parse_document(json.loads(json.dumps(loaded.document)))
    assert again.policy == loaded.policy
    assert again.policy.schedules == loaded.policy.schedules
    assert again.document == loaded.document
    assert again.digest == loaded.digest


def test_the_document_spells_out_every_schedule_s_time_zone_and_normal_durations() -> None:
    document = load_policy_text(VALID).document
    ops, night = document["schedules"]
    assert ops["time_zone"] == "Europe/London"
    assert night["time_zone"] == "Australia/Sydney"
    assert ops["layers"][0]["shift"] == "7d"
    assert ops["layers"][0]["starts"] == "2026-01-05T09:00"
    assert ops["layers"][1]["restrictions"][0]["hours"] == "19:00-24:00"
    assert night["overrides"] == []


def test_spellings_of_the_same_schedule_give_the_same_digest() -> None:
    spelled = make_text("shift: 7 days", "shift: 7d")
    spelled = spelled.replace('hours: "08:00-20:00"', 'hours: "8:00 - 20:00"')
    assert load_policy_text(spelled).digest == load_policy_text(VALID).digest


def test_a_policy_without_schedules_still_loads() -> None:
    text = VALID.split("schedules:\n", 1)[0]
    text = text.replace("        - schedule:ops_oncall\n", "        - contact:it_manager\n")
    text = text.replace("        - schedule:night_desk\n", "        - contact:it_manager\n")
    policy = load_policy_text(text).policy
    assert policy.schedules == ()


# Mistakes, each at its line with what is allowed


def test_a_layer_with_no_members_loads_with_a_note_at_its_line() -> None:
    # A rota still to be filled in (presets ship one): nobody is on call in it, which every
    # target reports where it matters, so it is a note rather than a refusal.
    text = make_text("        members: [sam]", "        members: []")
    loaded = load_policy_text(text, "policy.yaml")
    (note,) = [n for n in loaded.notes if n.key.startswith("schedules")]
    assert (note.line, note.key) == (
        line_of(text, "members: []"),
        "schedules[0].layers[1].members",
    )
    assert "layer 'sydney' has no members, so nobody is on call in it" in note.message
    assert "add user names" in note.message


def test_a_layer_that_leaves_out_members_is_noted_at_the_layer() -> None:
    text = make_text("        members: [nick]\n", "")
    notes = load_policy_text(text, "policy.yaml").notes
    (note,) = [n for n in notes if n.key.startswith("schedules")]
    assert note.key == "schedules[1].layers[0].members"
    assert note.line == line_of(text, "- name: nights")
    assert "has no members" in note.message


def test_a_schedule_with_no_layers_is_refused() -> None:
    text = make_text(
        """    layers:
      - name: nights
        members: [nick]
        shift: 1d
        starts: "2026-01-05T18:00"
""",
        "    layers: []\n",
    )
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, "layers: []"), "schedules[1].layers")
    assert "schedule 'night_desk' has no layers" in problem.message
    assert "allowed: at least one layer" in problem.message


def test_overlapping_overrides_are_refused_at_the_later_one() -> None:
    text = make_text('        starts: "2026-02-03T09:00"', '        starts: "2026-02-03T08:00"')
    problem = only_problem(text)
    assert problem.key == "schedules[0].overrides[1]"
    assert problem.line == line_of(text, "- person: yan")
    assert "overlaps override 0 (zoe" in problem.message
    assert "allowed: overrides of one schedule that do not overlap" in problem.message


def test_an_override_that_ends_before_it_starts_is_refused_at_its_end() -> None:
    text = make_text('        ends: "2026-02-04T09:00"', '        ends: "2026-02-03T08:00"')
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, 'ends: "2026-02-03T08:00"'),
        "schedules[0].overrides[1].ends",
    )
    assert problem.value == "2026-02-03T08:00"
    assert "ends before it starts" in problem.message
    assert "allowed: later than 2026-02-03T09:00" in problem.message


def test_an_override_that_ends_as_it_starts_is_refused() -> None:
    text = make_text('        ends: "2026-02-04T09:00"', '        ends: "2026-02-03T09:00"')
    problem = only_problem(text)
    assert problem.key == "schedules[0].overrides[1].ends"


@pytest.mark.parametrize("shift", ["1 business day", "8 business hours"])
def test_a_shift_in_business_time_is_refused(shift: str) -> None:
    text = make_text("        shift: 12h", f"        shift: {shift}")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, f"shift: {shift}"),
        "schedules[0].layers[1].shift",
    )
    assert "a shift cannot be" in problem.message
    assert "allowed: a clock duration such as 12h, 1d or 7d" in problem.message


@pytest.mark.parametrize("shift", ["0h", "soon"])
def test_a_shift_that_is_not_a_duration_is_refused(shift: str) -> None:
    text = make_text("        shift: 12h", f"        shift: {shift}")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, f"shift: {shift}"),
        "schedules[0].layers[1].shift",
    )


def test_duplicate_schedule_names_are_refused_at_the_second() -> None:
    text = make_text("  - name: night_desk", "  - name: ops_oncall")
    text = text.replace("        - schedule:night_desk", "        - schedule:ops_oncall")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "- name: ops_oncall", nth=2),
        "schedules[1].name",
    )
    assert "duplicate name 'ops_oncall': already used by schedules[0]" in problem.message
    assert "(allowed: each name once)" in problem.message


def test_duplicate_layer_names_in_a_schedule_are_refused() -> None:
    text = make_text("      - name: sydney", "      - name: london")
    problem = only_problem(text)
    assert problem.key == "schedules[0].layers[1].name"
    assert problem.line == line_of(text, "- name: london", nth=2)
    assert "duplicate name 'london'" in problem.message


def test_an_unknown_schedule_in_an_escalation_level_lists_the_schedules() -> None:
    text = make_text("        - schedule:ops_oncall", "        - schedule:ops_on_call")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "schedule:ops_on_call"),
        "escalation.levels[1].notify[0]",
    )
    assert problem.value == "schedule:ops_on_call"
    assert "unknown schedule 'ops_on_call'" in problem.message
    assert (
        "allowed: schedule:ops_oncall, schedule:night_desk, as defined under schedules"
        in problem.message
    )


def test_an_unknown_schedule_in_an_elapsed_notice_is_refused_too() -> None:
    text = make_text("        - schedule:night_desk", "        - schedule:day_desk")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "schedule:day_desk"),
        "escalation.elapsed_notifications[0].notify[0]",
    )
    assert "unknown schedule 'day_desk'" in problem.message


def test_a_schedule_target_without_any_schedules_says_none_are_defined() -> None:
    text = VALID.split("schedules:\n", 1)[0].replace(
        "        - schedule:night_desk\n", "        - contact:it_manager\n"
    )
    problem = only_problem(text)
    assert problem.key == "escalation.levels[1].notify[0]"
    assert "unknown schedule 'ops_oncall'" in problem.message
    assert "(none defined)" in problem.message


@pytest.mark.parametrize(
    "written", ["2026-01-05T09:00+01:00", "2026-01-05T09:00Z", "soon", "2026-13-05T09:00"]
)
def test_a_malformed_local_time_is_refused(written: str) -> None:
    text = make_text('starts: "2026-01-05T09:00"', f'starts: "{written}"')
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, written),
        "schedules[0].layers[0].starts",
    )
    assert problem.value == written
    assert f"invalid local time {written!r}" in problem.message
    assert "allowed: a date and time without an offset, such as 2026-01-05T09:00" in problem.message


def test_a_malformed_override_time_is_refused() -> None:
    text = make_text('ends: "2026-02-03T09:00"', 'ends: "tomorrow"')
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "tomorrow"),
        "schedules[0].overrides[0].ends",
    )
    assert "invalid local time 'tomorrow'" in problem.message


@pytest.mark.parametrize(
    ("hours", "phrase"),
    [
        ("17:00-09:00", "end before they start"),
        ("08:00-08:00", "end before they start"),
        ("8 to 5", "invalid working hours"),
        ("08:00-25:00", "invalid working hours"),
    ],
)
def test_window_hours_that_end_before_they_start_or_are_malformed_are_refused(
    hours: str, phrase: str
) -> None:
    text = make_text('hours: "08:00-20:00"', f'hours: "{hours}"')
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, hours),
        "schedules[0].layers[0].restrictions[0].hours",
    )
    assert phrase in problem.message
    assert repr(hours) in problem.message


def test_an_unknown_weekday_in_a_window_is_refused() -> None:
    text = make_text(
        'days: [mon, tue, wed, thu, fri]\n            hours: "19',
        'days: [mon, funday]\n            hours: "19',
    )
    problem = only_problem(text)
    assert problem.key == "schedules[0].layers[1].restrictions[0].days[1]"
    assert problem.line == line_of(text, "funday")


def test_an_unknown_schedule_time_zone_is_refused() -> None:
    text = make_text("time_zone: Australia/Sydney", "time_zone: Australia/Atlantis")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "Australia/Atlantis"),
        "schedules[1].time_zone",
    )
    assert "unknown time zone" in problem.message


def test_an_unknown_key_in_a_layer_is_refused() -> None:
    text = make_text("        shift: 12h", "        shift: 12h\n        handoff: monday")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "handoff: monday"),
        "schedules[0].layers[1].handoff",
    )


def test_a_window_from_23_59_to_24_00_is_allowed() -> None:
    text = make_text('hours: "19:00-24:00"', 'hours: "23:59-24:00"')
    assert load_policy_text(text).policy.schedules[0].layers[1].restrictions[0].start == time(
        23, 59
    )


def test_a_bad_window_ending_at_24_00_is_quoted_as_written() -> None:
    text = make_text('hours: "19:00-24:00"', 'hours: "25:00-24:00"')
    problem = only_problem(text)
    assert "'25:00-24:00'" in problem.message
    assert "23:59" not in problem.message


# Through `fireline policy check`


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            "        shift: 12h",
            "        shift: 1 business day",
            "schedules[0].layers[1].shift: a shift cannot be",
        ),
        (
            '        starts: "2026-01-05T18:00"',
            '        starts: "2026-01-05T18:00+11:00"',
            "schedules[1].layers[0].starts: invalid local time",
        ),
        (
            "        - schedule:ops_oncall",
            "        - schedule:nobody",
            "escalation.levels[1].notify[0]: unknown schedule 'nobody'",
        ),
    ],
)
def test_policy_check_prints_each_problem_with_file_and_line_and_exits_2(
    tmp_path: Path, replace: str, by: str, expected: str
) -> None:
    assert_policy_check_reports(tmp_path, make_text(replace, by), by.strip(), expected)


def test_policy_check_accepts_the_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(VALID, encoding="utf-8")
    result = runner.invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid (policy acme" in result.stdout


@pytest.mark.parametrize("shift", ["1s", "59m", "400d"])
def test_a_shift_too_short_or_too_long_is_refused(shift: str) -> None:
    text = make_text("        shift: 12h", f"        shift: {shift}")
    problem = only_problem(text)
    assert problem.key == "schedules[0].layers[1].shift"
    assert "from 1h to 366d" in problem.message


def test_a_local_time_far_in_the_future_is_refused_not_a_crash() -> None:
    text = make_text('        ends: "2026-02-04T09:00"', '        ends: "9999-12-31T23:59"')
    problem = only_problem(text)
    assert "2000 to 2200" in problem.message
