"""Helpers for tests that load a policy text and look at the problems reported."""

from __future__ import annotations

import pytest

from fireline.adapters.policy_file import PolicyFileError, PolicyProblem, load_policy_text

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
