"""Time budgets: a number of seconds counted in a business calendar."""

from __future__ import annotations

from dataclasses import dataclass

ALWAYS_ON = "24x7"
"""The built-in calendar in which every second counts (round the clock, every day)."""


@dataclass(frozen=True)
class Target:
    """A time budget: `seconds` of time counted in the named business calendar."""

    seconds: int
    calendar: str = ALWAYS_ON
