"""Deliveries: when a failed one is tried again, how long a claim holds, what the timeline says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fireline.domain.deliveries import (
    MAX_ATTEMPTS,
    Delivery,
    DeliveryStatus,
    cancelled_event,
    delivered_event,
    failed_event,
    failing_event,
    lease_for,
    retry_at,
)

T0 = datetime(2026, 11, 25, 10, 2, tzinfo=UTC)
SMS = Delivery(
    id=7,
    key="k1",
    incident_id="INC-2026-1125-001",
    notification="INC-2026-1125-001/escalation:1",
    recipient="schedule:ops",
    person="ana",
    label="ana",
    method="sms",
    channel="texts",
    address="+4915100000001",
    audience=None,
    template="page",
    is_page=True,
    status=DeliveryStatus.SENDING,
    due_at=T0,
    attempts=1,
    created_at=T0,
)


def test_retries_double_from_ten_seconds_up_to_half_an_hour_then_give_up() -> None:
    waits = [retry_at("k1", n, T0) for n in range(1, MAX_ATTEMPTS + 1)]
    assert waits[-1] is None  # the tenth failure is the last
    seconds = [(w - T0).total_seconds() for w in waits[:-1] if w is not None]
    nominal = [min(10 * 2 ** (n - 1), 1800) for n in range(1, MAX_ATTEMPTS)]
    assert len(seconds) == MAX_ATTEMPTS - 1
    for got, want in zip(seconds, nominal, strict=True):
        assert 0.9 * want <= got <= 1.1 * want


def test_the_spread_comes_from_the_key_so_retries_of_one_message_are_stable() -> None:
    assert retry_at("k1", 3, T0) == retry_at("k1", 3, T0)
    spread = {retry_at(f"key-{n}", 3, T0) for n in range(20)}
    assert len(spread) > 10  # messages failed together are not retried together


def test_a_receiver_s_retry_after_is_honoured_up_to_an_hour() -> None:
    assert retry_at("k1", 1, T0, retry_after=60) == T0 + timedelta(seconds=60)
    assert retry_at("k1", 1, T0, retry_after=7200) == T0 + timedelta(hours=1)
    later = retry_at("k1", 8, T0, retry_after=5)  # our own wait is longer: keep it
    assert later is not None
    assert later - T0 > timedelta(minutes=15)


def test_a_lease_outlasts_any_send_the_timeout_allows() -> None:
    assert lease_for(10) == timedelta(seconds=40)
    assert lease_for(1) == timedelta(seconds=13)


def test_a_delivered_page_says_who_how_and_when() -> None:
    event = delivered_event(SMS, T0 + timedelta(seconds=3), "message SM1")
    assert event.summary == "Paged ana by SMS (page) at 10:02:00, delivered 10:02:03"
    assert event.after == {
        "delivery_id": 7,
        "key": "k1",
        "outcome": "delivered",
        "recipient": "schedule:ops",
        "method": "sms",
        "channel": "texts",
        "template": "page",
        "attempts": 1,
        "detail": "message SM1",
    }


def test_a_delivery_that_took_several_attempts_says_so() -> None:
    mail = replace(SMS, method="email", is_page=False, attempts=3, audience="executives")
    event = delivered_event(mail, T0, "accepted")
    assert event.summary.startswith("Notified ana (executives) by email (page)")
    assert event.summary.endswith("after 3 attempts")


@pytest.mark.parametrize(
    ("gave_up", "fallback", "ending"),
    [
        (False, "email", "failed: 21211 invalid number (permanent); falling back to email"),
        (
            True,
            None,
            "failed: 21211 invalid number (gave up after 1 attempts); no other way left to try",
        ),
    ],
)
def test_a_failed_delivery_says_why_and_what_happens_next(
    gave_up: bool, fallback: str | None, ending: str
) -> None:
    event = failed_event(SMS, T0, "21211 invalid number", gave_up=gave_up, fallback=fallback)
    assert event.summary == f"SMS to ana {ending}"


def test_a_page_still_failing_says_what_else_is_tried() -> None:
    event = failing_event(replace(SMS, attempts=3), T0, "HTTP 503", "email")
    assert event.summary == "SMS to ana failing (3 attempts; last: HTTP 503); also trying email"


def test_a_cancelled_page_says_why() -> None:
    event = cancelled_event(SMS, T0, "acknowledged by sam at 10:03:10")
    assert event.summary == "SMS to ana not sent: acknowledged by sam at 10:03:10"
    assert event.after["outcome"] == "cancelled"  # type: ignore[index,call-overload]
