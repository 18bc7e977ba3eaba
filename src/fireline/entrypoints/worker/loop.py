"""The worker: small idempotent steps that fire due timers and deliver stored messages.

Like healthchecks' `sendalerts`, every step claims its own work and says whether it found
any; the loops only decide how long to wait between steps. One loop fires timers (which
write what they send into the outbox); one lane per channel delivers that channel's
messages, so a channel that is slow or refusing (Slack answering 429) never holds back the
others. Workers share nothing but the database, so any number may run, and one may be killed
at any instant: a timer step's transaction rolls back, a delivery's lease runs out, and
another worker (or its restart) picks the work up.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from fireline.adapters.notifications import unset_secrets
from fireline.bootstrap import Context
from fireline.services.outbox import deliver_next, fail_deliveries_off_channels, next_delivery_due
from fireline.services.timers import FIRING_BATCH, fire_due_timers, next_due_at

log = logging.getLogger("fireline.worker")

POLL = timedelta(milliseconds=200)
"""The longest a worker sleeps between looks at its work: it bounds how late a timer or a
message stored by another process (which cannot wake this one) is handled."""
BUSY_WAIT = timedelta(milliseconds=10)
"""How soon to look again when timers are due but other workers hold them all."""
RETRY_AFTER = timedelta(seconds=2)
"""How long to wait after a database error (a restart, a lost connection) before retrying."""
SWEEP_EVERY = 60.0
"""Seconds between looks for messages of channels the policy no longer has."""


def run_step(context: Context, *, batch: int = FIRING_BATCH) -> int:
    """One timer step: fire what is due now; how many timers fired (0: nothing was due)."""
    return _timer_step(context, batch)[0]


def run_delivery_step(context: Context, channel: str) -> bool:
    """One delivery step of `channel`'s lane; False when nothing of it was due."""
    policy = context.policies.current
    return deliver_next(context.database, policy, context.send, channel, clock=context.clock)


def run_worker(
    context: Context, stop: threading.Event, *, batch: int = FIRING_BATCH, poll: timedelta = POLL
) -> None:
    """Fire timers and deliver messages until `stop` is set: a lane thread per channel of
    the policy in force, and the timer loop in this thread."""
    policy = context.policies.current
    channels = [c.name for c in policy.channels]
    log.info(
        "worker started: policy %s v%d, batch %d, poll %.2f s, channels: %s",
        policy.name,
        context.policies.current_version,
        batch,
        poll.total_seconds(),
        ", ".join(channels) or "none",
    )
    for unset in unset_secrets(policy.channels, os.environ):
        log.warning("channel %s: its messages will fail until it is", unset)
    lanes = [
        threading.Thread(
            target=_loop,
            args=(stop, poll, lambda c=channel: _delivery_step(context, c)),
            name=f"fireline-lane-{channel}",
            daemon=True,
        )
        for channel in channels
    ]
    for lane in lanes:
        lane.start()
    swept_at = 0.0

    def timers() -> tuple[int, timedelta]:
        nonlocal swept_at
        if time.monotonic() - swept_at > SWEEP_EVERY:
            swept_at = time.monotonic()
            fail_deliveries_off_channels(context.database, policy, now=context.clock())
        return _timer_step(context, batch)

    _loop(stop, poll, timers)
    for lane in lanes:
        lane.join(timeout=30)
    log.info("worker stopped")


def _loop(
    stop: threading.Event, poll: timedelta, step: Callable[[], tuple[int, timedelta]]
) -> None:
    """Run `step` until `stop`: back to back while it finds work, otherwise a pause of what
    it asks for, at most `poll`. No error ends the loop: a step rolls back what it did."""
    while not stop.is_set():
        try:
            found, wait = step()
        except DBAPIError as error:
            log.warning("database error, retrying in %s: %s", RETRY_AFTER, error)
            stop.wait(RETRY_AFTER.total_seconds())
            continue
        except Exception:
            # A bug must not stop the loop for good (under `serve` nobody would notice): the
            # step rolled back, so its work is still due; say so loudly and try again.
            log.exception("worker step failed; retrying in %s", RETRY_AFTER)
            stop.wait(RETRY_AFTER.total_seconds())
            continue
        if found:
            log.debug("%s: %d done", threading.current_thread().name, found)
        else:
            stop.wait(max(timedelta(0), min(wait, poll)).total_seconds())


def _timer_step(context: Context, batch: int) -> tuple[int, timedelta]:
    """How many timers fired, and how long until the next one is due if none did."""
    due = next_due_at(context.database)
    now = context.clock()
    if due is None:
        return 0, POLL
    if due > now:
        # A read first: on SQLite a write transaction takes the database's write lock, which
        # an idle worker should not do five times a second.
        return 0, due - now
    fired = fire_due_timers(
        context.database,
        now=now,
        limit=batch,
        policy=context.policies.current,
        policies=context.policies,
        wording=context.wording,
    )
    # Due rows that another worker holds: look again shortly rather than a whole poll later.
    return fired, BUSY_WAIT


def _delivery_step(context: Context, channel: str) -> tuple[int, timedelta]:
    due = next_delivery_due(context.database, channel)
    if due is None:
        return 0, POLL
    now = context.clock()
    if due > now:
        return 0, due - now
    return int(run_delivery_step(context, channel)), BUSY_WAIT


def start_worker_thread(context: Context, *, batch: int = FIRING_BATCH) -> threading.Event:
    """Run the worker in a daemon thread beside the API; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(context, stop), kwargs={"batch": batch}, daemon=True
    )
    thread.name = "fireline-worker"
    thread.start()
    return stop
