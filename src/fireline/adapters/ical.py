"""On-call shifts as an iCalendar feed (RFC 5545), with the `icalendar` package."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from icalendar import Calendar, Event

from fireline.domain.oncall import Shift


def shifts_calendar(title: str, entries: Sequence[tuple[str, Shift]], now: datetime) -> bytes:
    """One VEVENT per (schedule name, shift); gaps are events too, so that they show."""
    calendar = Calendar()
    calendar.add("prodid", "-//Fireline//on-call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    for schedule, shift in entries:
        who = shift.person or "nobody"
        event = Event()
        # Stable across fetches (the feed's range is whole days), so that calendar clients
        # update events instead of adding them.
        event.add("uid", f"{schedule}-{shift.starts_at:%Y%m%dT%H%M%SZ}-{who}@fireline")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add(
            "summary",
            f"On call: {shift.person} ({schedule})"
            if shift.person
            else f"Gap: nobody on call ({schedule})",
        )
        calendar.add_component(event)
    feed: bytes = calendar.to_ical()
    return feed
