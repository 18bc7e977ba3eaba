"""The policy file loader: what a valid file becomes, and how every mistake is reported."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest

from fireline.adapters.policy_file import (
    PolicyFileError,
    PolicyProblem,
    load_policy_file,
    load_policy_text,
    parse_document,
)
from fireline.adapters.policy_file.messages import show
from fireline.domain.policy import Target

VALID = """\
fireline_policy: 1
name: acme
description: Acme's incident policy
time_zone: Europe/London
incident_types:
  - {name: performance, label: Performance}
  - {name: security, label: Security}
calendars:
  - name: business_hours
    working_days: [mon, tue, wed, thu, fri]
    working_hours: "09:00-17:00"
    holidays: [2026-12-25]
severities:
  - level: 1
    name: critical
    label: Critical
    response: 15m
    resolution: 4 hours
  - level: 2
    name: high
    label: High
    response: 1h
    resolution: 8h
  - level: 3
    name: medium
    label: Medium
    response: 4h
    resolution: 3d
  - level: 4
    name: low
    label: Low
    response: 1 business day
    resolution: {within: 5 business days, calendar: business_hours}
criticality_tiers:
  - {name: mission_critical, level: 1, label: Mission Critical, implies_severity: 1}
  - {name: administrative, level: 2, label: Administrative}
services:
  - {name: payments-api, criticality: mission_critical, team: payments, customer_facing: true}
roles:
  - {name: incident_commander, label: Incident Commander}
review_rules:
  - {name: major_incidents, severities: [1, 2], due_within: 72h}
"""


def make_text(replace: str = "", by: str = "", *, append: str = "") -> str:
    """VALID with one piece of text replaced (it must be there) and more lines appended."""
    if replace:
        assert replace in VALID, replace
    return (VALID.replace(replace, by, 1) if replace else VALID) + append


def line_of(text: str, marker: str) -> int:
    """The 1-based line of `text` where `marker` first appears."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in text")


def problems_of(text: str) -> list[PolicyProblem]:
    with pytest.raises(PolicyFileError) as caught:
        load_policy_text(text, "policy.yaml")
    return caught.value.problems


def only_problem(text: str) -> PolicyProblem:
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# A valid file and what it becomes


def test_a_valid_file_becomes_a_policy_with_its_numbers_in_seconds() -> None:
    policy = load_policy_text(VALID).policy
    assert policy.name == "acme"
    assert policy.time_zone == "Europe/London"
    assert policy.severity(1).response == Target(900, "24x7")
    assert policy.severity(1).resolution == Target(4 * 3600, "24x7")
    assert policy.severity(3).resolution == Target(3 * 86_400, "24x7")
    assert policy.review_rules[0].due_within == Target(72 * 3600, "24x7")


def test_one_business_day_in_a_nine_to_five_calendar_is_eight_hours_of_that_calendar() -> None:
    policy = load_policy_text(VALID).policy
    assert policy.severity(4).response == Target(28_800, "business_hours")
    assert policy.severity(4).resolution == Target(5 * 28_800, "business_hours")


def test_a_calendar_becomes_iso_weekdays_hours_and_holidays_in_the_policy_time_zone() -> None:
    calendar = load_policy_text(VALID).policy.calendars[0]
    assert calendar.working_days == (1, 2, 3, 4, 5)
    assert (calendar.start, calendar.end) == (time(9), time(17))
    assert calendar.holidays == frozenset({date(2026, 12, 25)})
    assert calendar.time_zone == "Europe/London"


def test_a_holiday_country_expands_into_that_country_s_public_holidays() -> None:
    text = make_text("    holidays: [2026-12-25]", "    holiday_country: GB")
    holidays = load_policy_text(text).policy.calendars[0].holidays
    assert date(2026, 12, 25) in holidays
    assert date(2030, 1, 1) in holidays
    assert date(2026, 12, 24) not in holidays


def test_a_service_is_customer_facing_when_the_file_says_so() -> None:
    service = load_policy_text(VALID).policy.services[0]
    assert service.is_customer_facing is True
    assert (service.criticality, service.team) == ("mission_critical", "payments")


def test_omitted_sections_take_their_documented_defaults() -> None:
    policy = load_policy_text(VALID).policy
    assert policy.priority_matrix.cells[("high", "high")] == "P1"
    assert policy.priority_matrix.cells[("low", "medium")] == "P4"
    assert policy.severity_rule.sources == ("reporter", "priority", "criticality")
    assert policy.severity_rule.when_unknown == 3
    assert policy.support_tiers == ()


def test_matrix_cells_written_urgency_first_are_looked_up_by_impact_then_urgency() -> None:
    matrix = """\
priority_matrix:
  impacts: [wide, narrow]
  urgencies: [now, later]
  cells:
    now: {wide: P1, narrow: P2}
    later: {wide: P3, narrow: P4}
"""
    cells = load_policy_text(make_text(append=matrix)).policy.priority_matrix.cells
    assert cells[("narrow", "now")] == "P2"
    assert cells[("wide", "later")] == "P3"


def test_spellings_of_the_same_duration_give_the_same_digest() -> None:
    short = load_policy_text(make_text("resolution: 4 hours", "resolution: 4h"))
    assert short.digest == load_policy_text(VALID).digest


def test_the_document_round_trips_to_an_equal_policy_and_the_same_digest() -> None:
    loaded = load_policy_text(VALID)
    again = parse_document(json.loads(json.dumps(loaded.document)))
    assert again.policy == loaded.policy
    assert again.document == loaded.document
    assert again.digest == loaded.digest


def test_the_document_spells_out_every_target_s_calendar() -> None:
    document = load_policy_text(VALID).document
    assert document["severities"][0]["response"] == {"within": "15m", "calendar": "24x7"}
    assert document["severities"][3]["response"] == {
        "within": "1 business day",
        "calendar": "business_hours",
    }
    assert document["calendars"][0]["time_zone"] == "Europe/London"


def test_a_file_is_read_from_disk_and_named_in_problems(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(make_text("response: 15m", "response: soon"), encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path)
    assert str(caught.value).startswith(f"{path}:{line_of(VALID, 'response: 15m')}: ")


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="does not exist"):
        load_policy_file(tmp_path / "nope.yaml")


# Mistakes, each with its line


def test_a_typo_in_a_key_names_the_key_its_line_and_the_likely_intended_key() -> None:
    text = make_text("    label: High\n", "    labl: High\n")
    problems = problems_of(text)
    typo = next(p for p in problems if p.key == "severities[1].labl")
    assert typo.line == line_of(text, "labl: High")
    assert "did you mean 'label'" in typo.message
    assert "allowed: level, name, label" in typo.message


def test_a_typo_in_a_top_level_key_points_at_that_key() -> None:
    text = make_text(append="severty_rule: {when_unknown: 2}\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, "severty_rule"), "severty_rule")


def test_a_bad_duration_says_what_durations_are_allowed() -> None:
    text = make_text("response: 15m", "response: 15 mins")
    problem = only_problem(text)
    assert str(problem) == (
        f"policy.yaml:{line_of(text, '15 mins')}: severities[0].response: invalid duration "
        "'15 mins' (allowed: a number with s, m, h, d or w such as 15m or 4h, "
        "or 'N business days' / 'N business hours')"
    )
    assert problem.value == "15 mins"


@pytest.mark.parametrize("duration", ["0m", "-5m"])
def test_a_zero_or_negative_duration_is_refused(duration: str) -> None:
    problem = only_problem(make_text("response: 1h", f"response: {duration}"))
    assert "longer than zero" in problem.message


def test_a_service_with_an_unknown_tier_lists_the_defined_tiers() -> None:
    text = make_text("criticality: mission_critical, team", "criticality: mision_critical, team")
    problem = only_problem(text)
    assert problem.line == line_of(text, "payments-api")
    assert problem.key == "services[0].criticality"
    assert "mision_critical" in problem.message
    assert "allowed: mission_critical, administrative" in problem.message


def test_an_unknown_time_zone_is_refused_at_its_line() -> None:
    text = make_text("time_zone: Europe/London", "time_zone: Europe/Londres")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, "Londres"), "time_zone")
    assert "IANA time zone" in problem.message


def test_a_yaml_syntax_error_gives_its_line() -> None:
    text = make_text("  - {name: security, label: Security}", "  - {name: security, label: [}")
    problem = only_problem(text)
    assert problem.line == line_of(text, "label: [}")
    assert problem.message.startswith("invalid YAML: ")


def test_a_matrix_missing_a_cell_names_the_row_and_the_missing_impact() -> None:
    matrix = """\
priority_matrix:
  cells:
    high: {high: P1, medium: P2, low: P3}
    medium: {high: P2, medium: P3}
    low: {high: P3, medium: P4, low: P4}
"""
    text = make_text(append=matrix)
    problem = only_problem(text)
    assert problem.line == line_of(text, "medium: {high: P2, medium: P3}")
    assert problem.key == "priority_matrix.cells.medium"
    assert "no cell for impact 'low'" in problem.message


def test_a_matrix_priority_must_map_to_a_defined_severity() -> None:
    matrix = "priority_matrix:\n  priority_severity: {P1: 1, P2: 2, P3: 3, P4: 7}\n"
    text = make_text(append=matrix)
    problem = only_problem(text)
    assert problem.key == "priority_matrix.priority_severity.P4"
    assert problem.line == line_of(text, "P4: 7")


def test_a_duplicate_name_points_at_the_second_one() -> None:
    text = make_text(
        "  - {name: security, label: Security}", "  - {name: performance, label: Perf}"
    )
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, "label: Perf}"), "incident_types[1].name")
    assert "duplicate name 'performance'" in problem.message


def test_a_key_written_twice_is_a_problem_at_its_second_line() -> None:
    text = make_text(append="name: acme_again\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, "acme_again"), "name")
    assert "duplicate key" in problem.message


def test_every_problem_is_reported_at_once() -> None:
    text = make_text("time_zone: Europe/London", "time_zone: Nowhere").replace(
        "response: 4h", "response: 4 hrs"
    )
    keys = {problem.key for problem in problems_of(text)}
    assert keys == {"time_zone", "severities[2].response"}


def test_the_error_message_has_one_line_per_problem() -> None:
    text = make_text("time_zone: Europe/London", "time_zone: Nowhere").replace(
        "name: acme", "name: Acme"
    )
    with pytest.raises(PolicyFileError) as caught:
        load_policy_text(text, "policy.yaml")
    lines = str(caught.value).splitlines()
    assert lines == [str(problem) for problem in caught.value.problems]
    assert [line.split(":")[1] for line in lines] == ["2", "4"]


@pytest.mark.parametrize(
    ("replace", "by", "key"),
    [
        ("name: acme", "name: Acme-Policy", "name"),
        ('"09:00-17:00"', '"17:00-09:00"', "calendars[0].working_hours"),
        ("[mon, tue, wed, thu, fri]", "[]", "calendars[0].working_days"),
        ("name: payments-api", "name: Payments API", "services[0].name"),
        ("severities: [1, 2]", "severities: [1, 6]", "review_rules[0].severities[1]"),
        ("implies_severity: 1", "implies_severity: 8", "criticality_tiers[0].implies_severity"),
        ("customer_facing: true", "customer_facing: yes", "services[0].customer_facing"),
        ("  - name: business_hours", "  - name: 24x7", "calendars[0].name"),
        ("fireline_policy: 1", "fireline_policy: 2", "fireline_policy"),
    ],
)
def test_each_rule_of_the_format_is_enforced_with_the_key_at_fault(
    replace: str, by: str, key: str
) -> None:
    text = make_text(replace, by)
    problem = only_problem(text)
    assert problem.key == key
    assert problem.line == line_of(text, by.strip())
    assert "allowed" in problem.message


def test_severity_levels_must_run_from_one_without_gaps() -> None:
    text = make_text("  - level: 4", "  - level: 5")
    gap = next(problem for problem in problems_of(text) if problem.key == "severities")
    assert gap.line == line_of(text, "severities:")
    assert "1, 2, 3, 5 leave a gap" in gap.message


def test_a_business_duration_needs_a_business_calendar() -> None:
    text = make_text("calendar: business_hours}", "calendar: 24x7}")
    problem = only_problem(text)
    assert problem.key == "severities[3].resolution.calendar"
    assert "cannot be counted in '24x7'" in problem.message


def test_a_target_in_an_undefined_calendar_is_refused() -> None:
    problem = only_problem(make_text("calendar: business_hours}", "calendar: office}"))
    assert "unknown calendar 'office' (allowed: 24x7, business_hours)" in problem.message


def test_an_empty_file_and_a_list_are_not_policies() -> None:
    assert "empty" in only_problem("").message
    assert "top level must be a mapping" in only_problem("- 1\n- 2\n").message


def test_a_stored_document_that_is_no_longer_valid_is_refused_without_lines() -> None:
    document = load_policy_text(VALID).document
    document["time_zone"] = "Nowhere"
    with pytest.raises(PolicyFileError) as caught:
        parse_document(document)
    [problem] = caught.value.problems
    assert (problem.source, problem.line, problem.key) == ("<stored policy>", None, "time_zone")


def test_a_resolution_target_shorter_than_the_response_target_is_refused() -> None:
    text = make_text("response: 15m", "response: 5h")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "resolution: 4 hours"),
        "severities[0].resolution",
    )
    assert "shorter than the response target '5h'" in problem.message


def test_a_target_longer_than_a_year_is_a_typo() -> None:
    problem = only_problem(make_text("resolution: 8h", "resolution: 999999999w"))
    assert "at most 366 days" in problem.message


def test_security_incidents_are_restricted_to_the_security_team_by_default() -> None:
    access = load_policy_text(VALID).policy.access
    assert access.restricted_types == ("security",)
    assert access.security_team == "security"


def test_the_access_section_names_the_restricted_types_and_the_team() -> None:
    text = VALID + "access:\n  restricted_types: [performance]\n  security_team: secops\n"
    access = load_policy_text(text).policy.access
    assert access.restricted_types == ("performance",)
    assert access.security_team == "secops"


def test_an_unknown_restricted_type_is_refused_at_its_line() -> None:
    text = VALID + "access:\n  restricted_types: [securty]\n"
    problem = only_problem(text)
    assert problem.key == "access.restricted_types[0]"
    assert problem.line == line_of(text, "[securty]")
    assert "allowed: performance, security" in problem.message


def test_a_number_too_long_to_read_is_a_problem_at_its_line() -> None:
    text = make_text(append="at_risk_share: " + "9" * 5000 + "\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "at_risk_share")
    assert "a number with too many digits (allowed: at most 4300)" in problem.message


def test_a_problem_formats_only_the_part_of_a_value_it_prints() -> None:
    class NeverShown:
        def __repr__(self) -> str:
            raise AssertionError("formatted a part of the value that is not printed")

    shown = show(["lol"] * 1000 + [NeverShown()])
    assert shown == "['lol', 'lol', 'lol', 'lol', 'lol', 'lol', ...]"
    assert len(show("x" * 10_000_000)) <= 80


def test_aliases_of_modest_values_still_load() -> None:
    text = make_text(
        "description: Acme's incident policy",
        "description: &about Acme's policy",
        append="title: *about\nhandbook: *about\n",
    )
    loaded = load_policy_text(text)
    assert (loaded.document["title"], loaded.document["handbook"]) == ("Acme's policy",) * 2
