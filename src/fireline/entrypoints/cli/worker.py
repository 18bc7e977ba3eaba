"""`fireline worker`: fire due timers, in a process of its own (as many as you like)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from types import FrameType
from typing import Annotated

import typer

from fireline.entrypoints.cli.admin import context_or_exit, settings_or_exit
from fireline.entrypoints.worker.loop import POLL, run_worker
from fireline.services.timers import FIRING_BATCH


def worker(
    batch: Annotated[
        int, typer.Option(min=1, max=10_000, help="timers fired per transaction at most")
    ] = FIRING_BATCH,
    poll: Annotated[
        float,
        typer.Option(min=0.01, max=60, help="seconds to wait between looks when idle"),
    ] = POLL.total_seconds(),
) -> None:
    """Fire SLA warnings, escalations and notifications when they come due.

    `fireline serve` runs one already; start more (on PostgreSQL) to share the load. Stops
    cleanly on SIGTERM or Ctrl-C; killed harder, it loses nothing.
    """
    settings = settings_or_exit()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    context = context_or_exit(settings)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    run_worker(context, stop, batch=batch, poll=timedelta(seconds=poll))
    context.database.dispose()
