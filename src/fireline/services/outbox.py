"""The outbox worker's steps: deliver one stored message, or fail those nobody can send.

`deliver_next` is one step of one channel's lane (like healthchecks' `sendalerts`): it
claims the channel's earliest due delivery in one short transaction, sends it with no
transaction open, and records the outcome in a second one. Each channel has its own lane,
so a slow or failing channel never holds the others back.

What a crash can do: a worker killed after claiming leaves the delivery `sending` until its
lease runs out (a live worker renews its lease while it sends, so only a dead one's runs
out); another worker (or its restart) then sends it again with the same message key, which
receivers that honour idempotency keys recognise. A delivery recorded as
delivered is never sent again, and each outcome is written on the timeline once: recording
is a conditional update on the claim, in the same transaction as the timeline entry.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from fireline.domain.deliveries import (
    PAGE_FALLBACK_AFTER,
    Delivery,
    DeliveryFailed,
    DeliveryStatus,
    cancelled_event,
    delivered_event,
    failed_event,
    failing_event,
    lease_for,
    retry_at,
)
from fireline.domain.notifications import METHOD_WORDS
from fireline.domain.policy import Policy
from fireline.domain.recipients import Reached, fallback_for, person_for
from fireline.domain.timeline import TimelineEvent
from fireline.services.delivery_ports import Claimed, NewDelivery, Send
from fireline.services.notifications import load_people, message_key
from fireline.services.ports import Database, Store

log = logging.getLogger("fireline.outbox")

Clock = Callable[[], datetime]
SWEEP_BATCH = 100


def deliver_next(
    database: Database,
    policy: Policy,
    send: Send,
    channel: str,
    *,
    clock: Clock,
    renew_every: float | None = None,
) -> bool:
    """Claim, send and record the channel's earliest due delivery; False when none is due.

    A page whose incident was acknowledged (or resolved) before it went out is cancelled
    instead of sent. Transient failures are tried again later (`retry_at`); a permanent
    one, or running out of attempts, ends the delivery and falls back to the person's next
    way of being reached. While the send is under way the lease is renewed every
    `renew_every` seconds (a third of the lease by default), so a live worker keeps what it
    holds however slowly the receiver answers; only a dead worker's lease runs out."""
    config = policy.channel(channel)
    if config is None:
        return False
    lease = lease_for(float(config.settings.get("timeout") or 10))
    now = clock()
    with database.transaction() as store:
        claimed = store.claim_delivery(channel, now, lease, uuid.uuid4().hex)
        if claimed is None:
            return False
        why = _called_off(store, claimed.delivery)
        if why is not None:
            _cancel(store, claimed, why, now)
            return True
    renewing = _renew_lease(database, claimed, lease, clock, renew_every)
    try:
        receipt = send(config, claimed.message, claimed.delivery.address)
    except Exception as error:
        renewing.set()
        _record_failure(database, policy, claimed, error, clock())
    else:
        renewing.set()
        _record_success(database, claimed, receipt, clock())
    return True


def _renew_lease(
    database: Database, claimed: Claimed, lease: timedelta, clock: Clock, every: float | None
) -> threading.Event:
    """Keep extending the claim's lease until the returned event is set."""
    done = threading.Event()
    interval = every if every is not None else lease.total_seconds() / 3

    def renew() -> None:
        while not done.wait(interval):
            try:
                with database.transaction() as store:
                    kept = store.renew_lease(claimed.delivery.id, claimed.claim, clock() + lease)
            except Exception:  # the send goes on; the next renewal may get through
                log.exception("could not renew the lease of delivery %d", claimed.delivery.id)
                continue
            if not kept:
                return

    threading.Thread(target=renew, name="fireline-lease", daemon=True).start()
    return done


def next_delivery_due(database: Database, channel: str) -> datetime | None:
    """When the channel's next delivery may be claimed (None: nothing outstanding)."""
    with database.transaction(write=False) as store:
        return store.next_delivery_due(channel)


def fail_deliveries_off_channels(database: Database, policy: Policy, *, now: datetime) -> int:
    """End the outstanding deliveries of channels the policy no longer has (nobody would
    ever send them), falling back where a person can be reached another way; how many."""
    names = [c.name for c in policy.channels]
    ended_count = 0
    with database.transaction() as store:
        for delivery in store.deliveries_off_channels(names, now, SWEEP_BATCH):
            reason = f"the policy in force has no channel {delivery.channel!r}"
            ended = store.finish_delivery(
                delivery.id, None, status=DeliveryStatus.FAILED, now=now, error=reason
            )
            if ended is not None:
                _end(store, policy, ended, reason, gave_up=False, now=now)
                ended_count += 1
    return ended_count


def _called_off(store: Store, delivery: Delivery) -> str | None:
    """Why a page need not go any more (its incident was acknowledged or resolved before its
    time came), or None when it must."""
    if not delivery.is_page or delivery.incident_id is None:
        return None
    incident = store.get_incident(delivery.incident_id)
    if incident is None:
        return None
    if incident.acknowledged_at is not None:
        by = f" by {incident.acknowledged_by}" if incident.acknowledged_by else ""
        return f"acknowledged{by} at {incident.acknowledged_at.strftime('%H:%M:%S')}"
    if incident.resolved_at is not None:
        return "the incident was resolved first"
    return None


def _cancel(store: Store, claimed: Claimed, why: str, now: datetime) -> None:
    done = store.finish_delivery(
        claimed.delivery.id,
        claimed.claim,
        status=DeliveryStatus.CANCELLED,
        now=now,
        error=why,
        outcome="cancelled",
    )
    if done is not None:
        _timeline(store, done, cancelled_event(done, now, why))


def _record_success(database: Database, claimed: Claimed, receipt: str, now: datetime) -> None:
    with database.transaction() as store:
        done = store.finish_delivery(
            claimed.delivery.id,
            claimed.claim,
            status=DeliveryStatus.DELIVERED,
            now=now,
            receipt=receipt,
            outcome="delivered",
        )
        if done is None:
            log.warning("delivery %d was taken over before it was recorded", claimed.delivery.id)
            return
        _timeline(store, done, delivered_event(done, now, receipt))


def _record_failure(
    database: Database, policy: Policy, claimed: Claimed, error: Exception, now: datetime
) -> None:
    delivery = claimed.delivery
    if isinstance(error, DeliveryFailed):
        reason, permanent, asked = error.reason, error.permanent, error.retry_after
    else:
        # Not a channel's verdict but a bug in one: say so loudly, and try again later.
        log.error("channel %s raised %r", delivery.channel, error, exc_info=error)
        reason, permanent, asked = f"{type(error).__name__}: {error}", False, None
    if delivery.address:
        # Receivers quote the address back ("the 'To' number +49… is not valid"); the log
        # and the timeline are read by people who may not see addresses.
        reason = reason.replace(delivery.address, "<address>")
    outcome = "permanent" if permanent else "transient"
    retry = None if permanent else retry_at(delivery.key, delivery.attempts, now, asked)
    with database.transaction() as store:
        status = DeliveryStatus.PENDING if retry is not None else DeliveryStatus.FAILED
        done = store.finish_delivery(
            delivery.id,
            claimed.claim,
            status=status,
            now=now,
            due_at=retry,
            error=reason,
            outcome=outcome,
        )
        if done is None:
            return
        if retry is None:
            _end(store, policy, done, reason, gave_up=not permanent, now=now)
        elif done.is_page and done.attempts == PAGE_FALLBACK_AFTER:
            fallback = _fall_back(store, policy, done, now)
            if fallback is not None:
                then = METHOD_WORDS.get(fallback.method, fallback.method)
                _timeline(store, done, failing_event(done, now, reason, then))


def _end(
    store: Store, policy: Policy, delivery: Delivery, reason: str, *, gave_up: bool, now: datetime
) -> None:
    """A delivery failed for good: fall back to the person's next way, and say so."""
    fallback = _fall_back(store, policy, delivery, now)
    then = None
    if fallback is not None:
        then = METHOD_WORDS.get(fallback.method, fallback.method)
    event = failed_event(delivery, now, reason, gave_up=gave_up, fallback=then)
    _timeline(store, delivery, event)


def _fall_back(store: Store, policy: Policy, delivery: Delivery, now: datetime) -> Reached | None:
    """Queue the message for the person's next method (their rules' order, then email,
    SMS, call, chat), skipping the methods this message already went or is going by."""
    if delivery.person is None:
        return None
    people = load_people(store, [delivery.person])
    person = person_for(delivery.person, policy, people)
    if person is None:
        return None
    tried = [
        d.method for d in store.deliveries_of(delivery.notification) if d.person == person.name
    ]
    rules = store.notification_rules([person.name]).get(person.name, ())
    found = fallback_for(person, rules, tried, policy)
    if found is None:
        return None
    method, channel, address = found
    reached = Reached(
        delivery.recipient,
        delivery.person,
        delivery.label,
        method,
        channel,
        address,
        0,
        delivery.audience,
    )
    original = store.delivery_message(delivery.id)
    key = message_key(delivery.key, "fallback", method)
    store.add_deliveries(
        [
            NewDelivery(
                incident_id=delivery.incident_id,
                notification=delivery.notification,
                reached=reached,
                template=delivery.template,
                is_page=delivery.is_page,
                message=replace(original, key=key),
                due_at=now,
                fallback_of=delivery.id,
            )
        ],
        now,
    )
    return reached


def _timeline(store: Store, delivery: Delivery, event: TimelineEvent) -> None:
    if delivery.incident_id is not None:
        store.append_events(delivery.incident_id, [event])
