"""Heartbeats: how a worker says it is alive, and when it is taken for dead.

Workers share nothing but the database, so each one writes its own heartbeat row there every
`BEAT_EVERY` from its timer loop (a loop that hangs or dies stops beating), and anyone (the
API's `/healthz`) judges from the freshest beat whether some worker still fires timers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

BEAT_EVERY = timedelta(seconds=5)
"""How often a worker beats. The staleness threshold (`FIRELINE_WORKER_STALE_AFTER`, 20 s by
default) leaves room for three late beats before a live worker is taken for dead."""

FORGET_AFTER = timedelta(days=1)
"""How long the heartbeat of a worker that stopped beating is kept (to see which workers ran
lately) before a beating worker deletes it."""


@dataclass(frozen=True)
class Heartbeat:
    """A worker process's last sign of life: `worker` is an ID made when the process starts
    (a restarted worker is a new one); `host` and `pid` say where it runs."""

    worker: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime


def is_worker_alive(last_beat: datetime | None, now: datetime, stale_after: timedelta) -> bool:
    """Whether a worker whose freshest heartbeat is `last_beat` (None: no worker ever beat)
    counts as alive at `now`: it beat no longer than `stale_after` ago. A beat from the future
    (another host's clock a little ahead) counts as fresh."""
    return last_beat is not None and now - last_beat <= stale_after


def beat_age(last_beat: datetime, now: datetime) -> timedelta:
    """How long ago the worker beat, never negative (clocks of hosts differ a little)."""
    return max(now - last_beat, timedelta(0))


def forget_before(now: datetime) -> datetime:
    """Heartbeats older than this belong to workers long dead and may be deleted."""
    return now - FORGET_AFTER
