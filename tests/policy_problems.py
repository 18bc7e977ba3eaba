"""Helpers for tests that load a policy text and look at the problems reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fireline.adapters.policy_file import PolicyFileError, PolicyProblem, load_policy_text
from fireline.entrypoints.cli.policy import policy_app

SOURCE = "policy.yaml"


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """The 1-based line of `text` where `marker` appears for the `nth` time."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{marker!r} not {nth} times in text")


def problems_of(text: str) -> list[PolicyProblem]:
    """Every problem loading `text` reports (it must report some)."""
    with pytest.raises(PolicyFileError) as caught:
        load_policy_text(text, SOURCE)
    return caught.value.problems


def only_problem(text: str) -> PolicyProblem:
    """The one problem of `text`, which must name its source and say what is allowed."""
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.source == SOURCE
    assert "allowed" in problem.message, problem.message
    return problem


def assert_policy_check_reports(directory: Path, text: str, marker: str, expected: str) -> None:
    """`fireline policy check` on `text` exits 2 and prints `expected` at the line of
    `marker`, saying what is allowed, without a traceback."""
    path = directory / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(policy_app, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}:{line_of(text, marker)}: {expected}" in result.stderr
    assert "allowed" in result.stderr
    assert "Traceback" not in result.output
