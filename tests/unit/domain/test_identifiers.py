from __future__ import annotations

from datetime import UTC, date, datetime

from fireline.domain.identifiers import declaration_day, format_incident_id, is_incident_id


def test_ids_have_the_handbook_format_with_at_least_three_digits() -> None:
    assert format_incident_id(date(2026, 11, 25), 7) == "INC-2026-1125-007"


def test_ids_grow_past_999() -> None:
    assert format_incident_id(date(2026, 1, 2), 1000) == "INC-2026-0102-1000"


def test_the_declaration_day_is_taken_in_the_policy_time_zone() -> None:
    late_evening_utc = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert declaration_day(late_evening_utc, "UTC") == date(2026, 11, 25)
    assert declaration_day(late_evening_utc, "Asia/Tokyo") == date(2026, 11, 26)


def test_the_format_is_recognised() -> None:
    assert is_incident_id("INC-2026-1125-001")
    assert is_incident_id("INC-2026-1125-12345")
    assert not is_incident_id("INC-2026-1325-001")
    assert not is_incident_id("INC-2026-1125-01")
