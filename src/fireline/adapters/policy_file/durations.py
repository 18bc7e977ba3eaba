"""Durations as people write them in a policy file: ``15m``, ``4 hours``, ``1 business day``.

Clock durations (s, m, h, d, w) count every second; business durations (business days and
business hours) only make sense in a business calendar, which the loader resolves (see
`fireline.adapters.policy_file.build`). A duration is always positive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALLOWED = (
    "a number with s, m, h, d or w such as 15m or 4h, or 'N business days' / 'N business hours'"
)
"""What a duration may look like, for error messages."""

_CLOCK_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
# A short, fixed vocabulary: abbreviations such as "mins" or "hrs" are rejected rather than
# guessed at, so that every accepted spelling is one a reader of the file recognises.
_WORDS = {
    "s": ("s", "second", "seconds"),
    "m": ("m", "minute", "minutes"),
    "h": ("h", "hour", "hours"),
    "d": ("d", "day", "days"),
    "w": ("w", "week", "weeks"),
    "business_day": ("business day", "business days"),
    "business_hour": ("business hour", "business hours"),
}
_UNIT_OF_WORD = {word: unit for unit, words in _WORDS.items() for word in words}
_PATTERN = re.compile(r"^\s*(-?\d{1,9})\s*([a-z]+(?:\s+[a-z]+)?)\s*$")


@dataclass(frozen=True)
class Duration:
    """`count` units; `unit` is one of s, m, h, d, w, business_day, business_hour."""

    count: int
    unit: str

    @property
    def is_business(self) -> bool:
        """True for business days and hours, which need a business calendar."""
        return self.unit.startswith("business_")

    @property
    def canonical(self) -> str:
        """The short spelling that reads back to the same duration (``4h``, ``5 business days``)."""
        if self.unit in _CLOCK_UNITS:
            return f"{self.count}{self.unit}"
        noun = self.unit.replace("_", " ")
        return f"{self.count} {noun}{'' if self.count == 1 else 's'}"

    def seconds(self, working_day_seconds: int | None = None) -> int:
        """The length in seconds; a business day lasts `working_day_seconds`.

        Raises ValueError for a business day when `working_day_seconds` is None.
        """
        if self.unit in _CLOCK_UNITS:
            return self.count * _CLOCK_UNITS[self.unit]
        if self.unit == "business_hour":
            return self.count * 3600
        if working_day_seconds is None:
            raise ValueError("a business day needs the length of a working day")
        return self.count * working_day_seconds


def parse_duration(text: str) -> Duration:
    """The duration `text` spells; ValueError (whose message says what is allowed) otherwise."""
    match = _PATTERN.match(text.lower())
    unit = _UNIT_OF_WORD.get(" ".join(match.group(2).split())) if match else None
    if match is None or unit is None:
        raise ValueError(f"invalid duration {text!r} (allowed: {ALLOWED})")
    count = int(match.group(1))
    if count <= 0:
        raise ValueError(f"invalid duration {text!r} (allowed: longer than zero, such as 15m)")
    return Duration(count, unit)
