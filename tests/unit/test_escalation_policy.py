"""The `escalation`, `contacts` and `at_risk_share` keys of a policy file: every mistake is
refused at its line, saying what is allowed, by the loader and by `fireline policy check`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fireline.adapters.policy_file import load_policy_text
from fireline.domain.escalation_rules import ElapsedNotice, EscalationLevel, TierEscalation
from fireline.domain.policy import Target
from fireline.entrypoints.cli.policy import policy_app
from tests.policy_problems import (
    assert_policy_check_reports,
    line_of,
    only_problem,
    problems_of,
)

runner = CliRunner()

VALID = """\
fireline_policy: 1
name: acme
incident_types:
  - {name: infrastructure, label: Infrastructure}
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
  - {level: 2, name: high, label: High, response: 1h, resolution: 8h}
  - {level: 3, name: medium, label: Medium, response: 4h, resolution: 24h}
  - {level: 4, name: low, label: Low, response: 24h, resolution: 72h}
criticality_tiers:
  - {name: mission_critical, level: 1, label: Mission Critical, implies_severity: 1}
  - {name: administrative, level: 2, label: Administrative, implies_severity: 4}
roles:
  - {name: incident_commander, label: Incident Commander}
at_risk_share: 0.8
contacts:
  - name: it_manager
    label: IT Manager
  - name: cto
    label: CTO
escalation:
  levels:
    - level: 1
      action: Post in the team channel
      notify: [channel:support-operations]
    - level: 2
      action: Page the incident commander
      notify:
        - role:incident_commander
    - level: 3
      action: Call the IT manager
      notify:
        - contact:it_manager
  by_criticality:
    - criticality: mission_critical
      every: 10m
      up_to: 2
      when_unresolved:
        after: 2h
        level: 3
    - criticality: administrative
      every: 24h
      up_to: 1
  elapsed_notifications:
    - after: 30m
      severities: [1, 2]
      notify:
        - contact:it_manager
    - after: 1h
      severities: [1]
      notify:
        - contact:cto
"""


def make_text(replace: str, by: str) -> str:
    assert VALID.count(replace) == 1, replace
    return VALID.replace(replace, by)


# The valid file, as the domain sees it


def test_the_valid_file_becomes_escalation_rules_in_seconds() -> None:
    policy = load_policy_text(VALID).policy
    assert policy.at_risk_share == 0.8
    assert [c.name for c in policy.contacts] == ["it_manager", "cto"]
    assert policy.escalation.levels[1] == EscalationLevel(
        2, "Page the incident commander", ("role:incident_commander",)
    )
    assert policy.escalation.tiers[0] == TierEscalation(
        "mission_critical", Target(600), 2, Target(7200), 3
    )
    assert policy.escalation.tiers[1].unresolved_level is None
    assert policy.escalation.elapsed[0] == ElapsedNotice(
        Target(1800), (1, 2), ("contact:it_manager",)
    )


def test_policy_check_accepts_the_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(VALID, encoding="utf-8")
    result = runner.invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid (policy acme" in result.stdout


# Mistakes, each at its line with what is allowed


def test_up_to_above_the_highest_defined_level_is_refused() -> None:
    text = make_text("      up_to: 1\n", "      up_to: 4\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "up_to: 4"),
        "escalation.by_criticality[1].up_to",
    )
    assert problem.value == 4
    assert "above the highest level defined under escalation.levels" in problem.message
    assert "(allowed: 1 to 3)" in problem.message


@pytest.mark.parametrize("level", [2, 1])
def test_a_when_unresolved_level_not_above_up_to_is_refused(level: int) -> None:
    text = make_text("        level: 3\n", f"        level: {level}\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, f"        level: {level}"),
        "escalation.by_criticality[0].when_unresolved.level",
    )
    assert f"level {level} cannot follow up_to 2" in problem.message
    assert "(allowed: 3, a defined level above up_to)" in problem.message


def test_a_when_unresolved_level_that_is_not_defined_is_refused() -> None:
    text = make_text("        level: 3\n", "        level: 7\n")
    problem = only_problem(text)
    assert problem.line == line_of(text, "level: 7")
    assert "allowed: 3," in problem.message


def test_an_unknown_criticality_tier_lists_the_defined_tiers() -> None:
    text = make_text("    - criticality: administrative", "    - criticality: admin")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "criticality: admin"),
        "escalation.by_criticality[1].criticality",
    )
    assert "unknown criticality tier 'admin'" in problem.message
    assert "(allowed: mission_critical, administrative)" in problem.message


def test_an_unknown_contact_in_notify_lists_the_contacts() -> None:
    text = make_text("        - contact:cto", "        - contact:ceo")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "contact:ceo"),
        "escalation.elapsed_notifications[1].notify[0]",
    )
    assert "unknown contact 'ceo'" in problem.message
    assert "allowed: contact:it_manager, contact:cto, as defined under contacts" in problem.message


def test_an_unknown_role_in_notify_lists_the_roles() -> None:
    text = make_text("        - role:incident_commander", "        - role:scribe")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "role:scribe"),
        "escalation.levels[1].notify[0]",
    )
    assert "unknown role 'scribe'" in problem.message
    assert "allowed: role:incident_commander, as defined under roles" in problem.message


@pytest.mark.parametrize("target", ["pager:x", "contact", "contact:", "Contact:cto", ":cto"])
def test_a_malformed_target_says_how_a_target_is_written(target: str) -> None:
    text = make_text("        - contact:cto", f"        - '{target}'")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, f"'{target}'"),
        "escalation.elapsed_notifications[1].notify[0]",
    )
    assert problem.value == target
    assert f"invalid target {target!r}" in problem.message
    assert "allowed: KIND:NAME with KIND one of contact, role, channel" in problem.message


def test_a_malformed_target_message_is_said_once() -> None:
    problem = only_problem(make_text("        - contact:cto", "        - pager:x"))
    assert problem.message.startswith("invalid target 'pager:x' (allowed: KIND:NAME")


def test_a_malformed_target_in_a_level_flow_list_points_at_that_list() -> None:
    text = make_text("notify: [channel:support-operations]", "notify: [pager:oncall]")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "[pager:oncall]"),
        "escalation.levels[0].notify[0]",
    )


@pytest.mark.parametrize(
    ("replace", "by", "key"),
    [
        ("      every: 10m", "      every: 0m", "escalation.by_criticality[0].every"),
        ("      every: 10m", "      every: -5m", "escalation.by_criticality[0].every"),
        (
            "        after: 2h",
            "        after: 0m",
            "escalation.by_criticality[0].when_unresolved.after",
        ),
        ("    - after: 1h", "    - after: -5m", "escalation.elapsed_notifications[1].after"),
    ],
)
def test_a_wait_of_zero_or_less_is_refused(replace: str, by: str, key: str) -> None:
    text = make_text(replace, by)
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, by.strip()), key)
    assert "allowed: longer than zero, such as 15m" in problem.message


def test_a_wait_in_an_undefined_calendar_is_refused_at_its_calendar() -> None:
    text = make_text("      every: 10m", "      every: {within: 10m, calendar: office}")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "calendar: office"),
        "escalation.by_criticality[0].every.calendar",
    )
    assert "unknown calendar 'office' (allowed: 24x7)" in problem.message


def test_a_business_wait_without_a_business_calendar_is_refused() -> None:
    text = make_text("    - after: 1h", "    - after: 2 business hours")
    problem = only_problem(text)
    assert problem.line == line_of(text, "2 business hours")
    assert "needs a business calendar" in problem.message
    assert "allowed: add one under calendars" in problem.message


def test_an_elapsed_notice_for_an_undefined_severity_lists_the_severities() -> None:
    text = make_text("      severities: [1]\n", "      severities: [1, 5]\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (
        line_of(text, "severities: [1, 5]"),
        "escalation.elapsed_notifications[1].severities[1]",
    )
    assert "severity 5 is not defined (allowed: 1, 2, 3, 4)" in problem.message


def test_duplicate_contact_names_are_refused_at_the_second() -> None:
    text = make_text("  - name: cto\n    label: CTO", "  - name: it_manager\n    label: Other")
    problem = next(p for p in problems_of(text) if p.key == "contacts[1].name")
    assert problem.line == line_of(text, "name: it_manager", nth=2)
    assert "duplicate name 'it_manager': already used by contacts[0]" in problem.message
    assert "(allowed: each name once)" in problem.message


def test_escalation_levels_with_a_gap_are_refused_at_the_levels_key() -> None:
    text = make_text("    - level: 3\n", "    - level: 4\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, "  levels:"), "escalation.levels")
    assert "levels [1, 2, 4] leave a gap" in problem.message
    assert "allowed: levels numbered 1, 2, 3 … without gaps" in problem.message


def test_a_level_defined_twice_is_refused_at_the_second() -> None:
    text = make_text("    - level: 3\n", "    - level: 2\n")
    problems = problems_of(text)
    duplicate = next(p for p in problems if p.key == "escalation.levels[2].level")
    assert duplicate.line == line_of(text, "    - level: 2", nth=2)
    assert "duplicate level 2" in duplicate.message


def test_a_tier_with_two_escalations_is_refused() -> None:
    text = make_text("    - criticality: administrative", "    - criticality: mission_critical")
    problem = only_problem(text)
    assert problem.key == "escalation.by_criticality[1].criticality"
    assert problem.line == line_of(text, "criticality: mission_critical", nth=2)
    assert "duplicate criticality 'mission_critical'" in problem.message


@pytest.mark.parametrize("share", ["0", "1.5", "1", "-0.2"])
def test_an_at_risk_share_outside_zero_to_one_is_refused_at_its_line(share: str) -> None:
    text = make_text("at_risk_share: 0.8", f"at_risk_share: {share}")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (line_of(text, "at_risk_share"), "at_risk_share")
    assert "allowed:" in problem.message


@pytest.mark.parametrize("share", ["0", "1.5"])
def test_an_at_risk_share_message_says_it_is_a_share_between_zero_and_one(share: str) -> None:
    problem = only_problem(make_text("at_risk_share: 0.8", f"at_risk_share: {share}"))
    allowed = re.search(r"\(allowed: (.*)\)$", problem.message)
    assert allowed is not None
    assert "whole number" not in allowed.group(1)
    assert "0" in allowed.group(1)
    assert "1" in allowed.group(1)


# Through `fireline policy check`


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            "      up_to: 1\n",
            "      up_to: 4\n",
            "escalation.by_criticality[1].up_to: level 4 is above the highest level",
        ),
        (
            "        - contact:cto",
            "        - contact:ceo",
            "escalation.elapsed_notifications[1].notify[0]: unknown contact 'ceo'",
        ),
        (
            "      every: 10m",
            "      every: 0m",
            "escalation.by_criticality[0].every: invalid duration '0m'",
        ),
    ],
)
def test_policy_check_prints_each_problem_with_file_and_line_and_exits_2(
    tmp_path: Path, replace: str, by: str, expected: str
) -> None:
    assert_policy_check_reports(tmp_path, make_text(replace, by), by.strip(), expected)
