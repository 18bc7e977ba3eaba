"""Deliveries: one message on its way to one recipient by one channel, and what became of it.

A delivery is stored before it is sent (the outbox). Workers claim it, send it, and record the
outcome; a transient failure is tried again later, a permanent one (or too many transient
ones) ends it and, for a person, falls back to their next way of being reached.

    pending ──claim──▶ sending ──▶ delivered
       ▲                 │  ├────▶ failed      (permanent, or out of attempts)
       └──transient──────┘  └────▶ pending     (a worker died mid-send: the lease ran out)
    pending ──(a page, and the incident was acknowledged first)──▶ cancelled

Pure: times are arguments, and the jitter of a retry comes from the delivery's key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Set
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from fireline.domain.notifications import METHOD_WORDS
from fireline.domain.recipients import ROOM, Reach
from fireline.domain.timeline import TimelineEvent

DELIVERY_KIND = "delivery"
"""The timeline kind of a delivery's outcome."""
MAX_ATTEMPTS = 10
RETRY_FIRST = timedelta(seconds=10)
RETRY_LONGEST = timedelta(minutes=30)
RETRY_AFTER_LONGEST = timedelta(hours=1)
"""The longest a receiver's Retry-After is honoured; beyond it we try again anyway."""
LEASE_MARGIN = timedelta(seconds=10)
PAGE_FALLBACK_AFTER = 3
"""Transient failures of a page (about 70 s of retries) after which the person's next method
is tried as well: a page cannot wait the hour it takes to give up."""


class DeliveryFailed(Exception):
    """A channel could not deliver; `permanent` says that retrying the same message cannot
    succeed, `retry_after` when the receiver asked us to come back (seconds).

    DeliveryFailed
    ├── transient (permanent=False): a timeout, a 5xx, a 429, a refused connection
    └── permanent (permanent=True): a 4xx, a rejected address, a bad secret
    """

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


OUTSTANDING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


@dataclass(frozen=True)
class Delivery:
    """A stored delivery. `due_at` is when it may next be claimed (for one being sent, when
    its lease runs out); `notification` groups the deliveries of one message (a timer's
    firing, a posted update), so a fallback knows which methods are already in use."""

    id: int
    key: str
    incident_id: str | None
    notification: str
    recipient: str
    person: str | None
    label: str
    method: str
    channel: str
    address: str
    audience: str | None
    template: str
    is_page: bool
    status: DeliveryStatus
    due_at: datetime
    attempts: int
    created_at: datetime
    delivered_at: datetime | None = None
    receipt: str | None = None
    last_error: str | None = None
    fallback_of: int | None = None


@dataclass(frozen=True)
class Attempt:
    """One try: `outcome` is delivered, transient, permanent, or None while under way (or
    when the worker died before it could say: "interrupted")."""

    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    detail: str | None


def lease_for(timeout_seconds: float) -> timedelta:
    """How long a claim holds a delivery before another worker may take it over. A live
    worker renews it every third of it while it sends; a dead worker's runs out."""
    return timedelta(seconds=3 * timeout_seconds) + LEASE_MARGIN


def retry_at(
    key: str, attempts: int, now: datetime, retry_after: float | None = None
) -> datetime | None:
    """When to try again after transient failure number `attempts`; None: give up.

    Waits double from 10 s up to 30 min, spread by up to ±10 % (taken from the key, so that
    messages failed together are not retried together); a receiver's Retry-After is
    honoured up to an hour."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait: timedelta = min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_LONGEST)
    spread = int(hashlib.sha256(key.encode()).hexdigest()[:4], 16) / 0xFFFF  # 0 … 1
    wait *= 0.9 + 0.2 * spread
    if retry_after is not None and retry_after > 0:
        wait = max(wait, min(timedelta(seconds=retry_after), RETRY_AFTER_LONGEST))
    return now + wait


def how(delivery: Delivery) -> str:
    """ "SMS", "phone call", "chat" …, or the room's channel for a post to a room."""
    return delivery.channel if delivery.method == ROOM else METHOD_WORDS[delivery.method]


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def _whom(delivery: Delivery) -> str:
    who = delivery.label
    if delivery.audience and delivery.method != ROOM:
        who += f" ({delivery.audience})"
    return who


def _clock(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def delivered_event(delivery: Delivery, at: datetime, receipt: str) -> TimelineEvent:
    """ "Paged ana by SMS at 10:02:00, delivered 10:02:03" """
    if delivery.method == ROOM:
        what = f"Posted to {delivery.label} ({delivery.template}) at {_clock(delivery.created_at)}"
    else:
        verb = "Paged" if delivery.is_page else "Notified"
        what = (
            f"{verb} {_whom(delivery)} by {how(delivery)} ({delivery.template}) "
            f"at {_clock(delivery.created_at)}"
        )
    tries = "" if delivery.attempts <= 1 else f" after {delivery.attempts} attempts"
    return _event(delivery, at, f"{what}, delivered {_clock(at)}{tries}", "delivered", receipt)


def failed_event(
    delivery: Delivery, at: datetime, reason: str, *, gave_up: bool, fallback: str | None
) -> TimelineEvent:
    """ "Email to cto (executives) failed: 552 mailbox full (permanent); falling back to
    SMS" """
    why = f"gave up after {delivery.attempts} attempts" if gave_up else "permanent"
    then = f"; falling back to {fallback}" if fallback else ""
    if fallback is None and delivery.person is not None:
        then = "; no other way left to try"
    summary = f"{_first_up(how(delivery))} to {_whom(delivery)} failed: {reason} ({why}){then}"
    return _event(delivery, at, summary, "failed", reason)


def failing_event(delivery: Delivery, at: datetime, reason: str, fallback: str) -> TimelineEvent:
    """ "SMS to ana failing (3 attempts; last: HTTP 503); also trying email" """
    summary = (
        f"{_first_up(how(delivery))} to {_whom(delivery)} failing ({delivery.attempts} attempts;"
        f" last: {reason}); also trying {fallback}"
    )
    return _event(delivery, at, summary, "failing", reason)


def cancelled_event(delivery: Delivery, at: datetime, why: str) -> TimelineEvent:
    """ "Phone call to ana not made: acknowledged at 10:03:10" """
    summary = f"{_first_up(how(delivery))} to {_whom(delivery)} not sent: {why}"
    return _event(delivery, at, summary, "cancelled", why)


def _event(
    delivery: Delivery, at: datetime, summary: str, outcome: str, detail: str
) -> TimelineEvent:
    return TimelineEvent(
        kind=DELIVERY_KIND,
        at=at,
        actor="fireline",
        summary=summary,
        after={
            "delivery_id": delivery.id,
            "key": delivery.key,
            "outcome": outcome,
            "recipient": delivery.recipient,
            "method": delivery.method,
            "channel": delivery.channel,
            "template": delivery.template,
            "attempts": delivery.attempts,
            "detail": detail[:500],
        },
    )


PAGE_MERGE_WINDOW = timedelta(minutes=1)
"""A page to someone already paged about the same incident by the same method this recently
is merged into that page: a declaration and a paging chain's first step, or a breach and the
escalation it brings forward, page a person once, not twice."""


def merge_repeated_pages(found: Reach, paged: Set[tuple[str, str]]) -> Reach:
    """`found` without the pages to a (person, method) in `paged`, the pages to the same
    incident made within PAGE_MERGE_WINDOW (or earlier in the same firing step); what was
    left out is said in `merged`. Messages that are not pages are never merged."""
    kept, merged = [], []
    for delivery in found.deliveries:
        if delivery.is_page and (delivery.person or "", delivery.method) in paged:
            merged.append(f"{delivery.label} by {METHOD_WORDS.get(delivery.method, 'room')}")
        else:
            kept.append(delivery)
    if not merged:
        return found
    return replace(found, deliveries=tuple(kept), merged=tuple(dict.fromkeys(merged)))
