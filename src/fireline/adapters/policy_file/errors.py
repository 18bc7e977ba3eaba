"""What goes wrong when reading a policy file, said precisely enough to fix it.

A policy file can be wrong in many places at once, so the loader collects every problem it
can find and raises them together::

    Exception
    └── PolicyFileError      one or more problems; `.problems` lists them in file order
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyProblem:
    """One problem: where it is (`source`, 1-based `line`, `key` path) and what is wrong.

    `line` is None when the problem has no place in a file (a stored document, a file that
    cannot be read). `key` is a path such as ``severities[0].response``, empty for problems
    with the file as a whole (a YAML syntax error). `message` ends by saying what is allowed.
    """

    source: str
    line: int | None
    key: str
    value: object
    message: str

    def __str__(self) -> str:
        place = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{place}: {self.key}: {self.message}" if self.key else f"{place}: {self.message}"


class PolicyFileError(Exception):
    """The policy could not be loaded; `str(error)` is one line per problem."""

    def __init__(self, problems: Iterable[PolicyProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
        super().__init__("\n".join(str(problem) for problem in self.problems))
