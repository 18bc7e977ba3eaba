"""The worker: small idempotent steps that fire due timers and deliver stored messages.

Like healthchecks' `sendalerts`, every step claims its own work and says whether it found
any; the loops only decide how long to wait between steps. One loop fires timers (which
write what they send into the outbox); one lane per channel delivers that channel's
messages, so a channel that is slow or refusing (Slack answering 429) never holds back the
others. Workers share nothing but the database, so any number may run, and one may be killed
at any instant: a timer step's transaction rolls back, a delivery's lease runs out, and
another worker (or its restart) picks the work up.

The timer loop also beats: every `BEAT_EVERY` it records the worker's heartbeat in the
database, which `/healthz` reads. A worker that dies or whose timer loop hangs stops beating.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from fireline.adapters.notifications import unset_secrets
from fireline.bootstrap import Context
from fireline.domain.heartbeats import BEAT_EVERY, Heartbeat
from fireline.services.heartbeats import record_heartbeat
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


def new_heartbeat(now: datetime) -> Heartbeat:
    """The heartbeat of a worker starting now in this process, under an ID of its own."""
    return Heartbeat(
        worker=uuid.uuid4().hex,
        host=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=now,
        beat_at=now,
    )


def run_heartbeat_step(context: Context, heartbeat: Heartbeat) -> Heartbeat:
    """One heartbeat step: record that the worker `heartbeat` names is alive now (and forget
    workers silent for a day); the heartbeat as recorded. Idempotent."""
    beat = replace(heartbeat, beat_at=context.clock())
    forgotten = record_heartbeat(context.database, beat)
    if forgotten:
        log.info("forgot the heartbeats of %d worker(s) silent for a day", forgotten)
    return beat


def run_worker(
    context: Context, stop: threading.Event, *, batch: int = FIRING_BATCH, poll: timedelta = POLL
) -> None:
    """Fire timers and deliver messages until `stop` is set: a lane thread per channel of
    the policy in force, and the timer loop in this thread."""
    policy = context.policies.current
    channels = [c.name for c in policy.channels]
    heart = _Heart(context)
    log.info(
        "worker %s started: policy %s v%d, batch %d, poll %.2f s, channels: %s",
        heart.heartbeat.worker,
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
        heart.beat_if_due()
        if time.monotonic() - swept_at > SWEEP_EVERY:
            swept_at = time.monotonic()
            fail_deliveries_off_channels(context.database, policy, now=context.clock())
        fired, wait = _timer_step(context, batch)
        # However long `--poll` is, wake up in time for the next beat.
        return fired, min(wait, heart.next_beat_in())

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


class _Heart:
    """Beats for one worker every `BEAT_EVERY`, from its timer loop: a loop that hangs stops
    beating, which is the point."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.heartbeat = new_heartbeat(context.clock())
        self._next_at = time.monotonic()  # the first beat is due at once

    def beat_if_due(self) -> None:
        if time.monotonic() >= self._next_at:
            self.heartbeat = run_heartbeat_step(self._context, self.heartbeat)
            self._next_at = time.monotonic() + BEAT_EVERY.total_seconds()

    def next_beat_in(self) -> timedelta:
        return timedelta(seconds=max(0.0, self._next_at - time.monotonic()))


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
