"""The worker loop: small idempotent steps, each firing a batch of due timers.

Like healthchecks' `sendalerts`, every step claims its own work and says whether it found
any; the loop only decides how long to wait between steps. Workers share nothing but the
database, so any number may run, and one may be killed at any instant: its step's
transaction rolls back and another worker (or its restart) fires those timers.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from fireline.bootstrap import Context
from fireline.services.timers import FIRING_BATCH, fire_due_timers, next_due_at

log = logging.getLogger("fireline.worker")

POLL = timedelta(milliseconds=200)
"""The longest a worker sleeps between looks at the timers table: it bounds how late a timer
planned by another process (which cannot wake this one) fires."""
BUSY_WAIT = timedelta(milliseconds=10)
"""How soon to look again when timers are due but other workers hold them all."""
RETRY_AFTER = timedelta(seconds=2)
"""How long to wait after a database error (a restart, a lost connection) before retrying."""


def run_step(context: Context, *, batch: int = FIRING_BATCH) -> int:
    """One step: fire what is due now; how many timers fired (0: nothing was due)."""
    return _step(context, batch)[0]


def run_worker(
    context: Context, stop: threading.Event, *, batch: int = FIRING_BATCH, poll: timedelta = POLL
) -> None:
    """Fire timers until `stop` is set: steps back to back while there is work; otherwise a
    pause until the next timer is due, of at most `poll`."""
    log.info(
        "worker started: policy %s v%d, batch %d, poll %.2f s",
        context.policies.current.name,
        context.policies.current_version,
        batch,
        poll.total_seconds(),
    )
    while not stop.is_set():
        try:
            fired, wait = _step(context, batch)
        except DBAPIError as error:
            log.warning("database error, retrying in %s: %s", RETRY_AFTER, error)
            stop.wait(RETRY_AFTER.total_seconds())
            continue
        except Exception:
            # A bug must not stop the loop for good (under `serve` nobody would notice): the
            # step rolled back, so its timers are still due; say so loudly and try again.
            log.exception("worker step failed; retrying in %s", RETRY_AFTER)
            stop.wait(RETRY_AFTER.total_seconds())
            continue
        if fired:
            log.debug("fired %d timer(s)", fired)
        else:
            stop.wait(min(wait, poll).total_seconds())
    log.info("worker stopped")


def _step(context: Context, batch: int) -> tuple[int, timedelta]:
    """How many timers fired, and how long until the next one is due if none did."""
    due = next_due_at(context.database)
    now = context.clock()
    if due is None:
        return 0, POLL
    if due > now:
        # A read first: on SQLite a write transaction takes the database's write lock, which
        # an idle worker should not do five times a second.
        return 0, due - now
    fired = fire_due_timers(context.database, now=now, limit=batch, policy=context.policies.current)
    # Due rows that another worker holds: look again shortly rather than a whole poll later.
    return fired, BUSY_WAIT


def start_worker_thread(context: Context, *, batch: int = FIRING_BATCH) -> threading.Event:
    """Run the loop in a daemon thread beside the API; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(context, stop), kwargs={"batch": batch}, daemon=True
    )
    thread.name = "fireline-worker"
    thread.start()
    return stop
