"""Incident identifiers: ``INC-YYYY-MMDD-NNN`` (handbook 004 §6.2).

The date is the day of declaration in the policy's time zone; NNN is that day's sequence
number, at least three digits and growing past 999 (``INC-2026-1125-1000``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

_PATTERN = re.compile(r"^INC-(\d{4})-(\d{2})(\d{2})-(\d{3,})$")


def declaration_day(now: datetime, time_zone: str) -> date:
    """The calendar day `now` falls on in `time_zone`; `now` must be timezone-aware."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def format_incident_id(day: date, sequence: int) -> str:
    """The identifier of the `sequence`-th incident (1-based) declared on `day`."""
    if sequence < 1:
        raise ValueError("sequence numbers start at 1")
    return f"INC-{day:%Y}-{day:%m%d}-{sequence:03d}"


def is_incident_id(text: str) -> bool:
    """True when `text` has the identifier format (it may still name no incident)."""
    match = _PATTERN.match(text)
    if match is None:
        return False
    year, month, day, _ = match.groups()
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True
