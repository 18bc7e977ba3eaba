"""Workers' heartbeats: a worker records its own; `/healthz` reads the freshest."""

from __future__ import annotations

from fireline.domain.heartbeats import Heartbeat, forget_before
from fireline.services.ports import Database


def record_heartbeat(database: Database, heartbeat: Heartbeat) -> int:
    """Store the worker's heartbeat and delete those of workers silent since before
    `forget_before(beat_at)`; how many it deleted. Idempotent: recording the same heartbeat
    again changes nothing."""
    with database.transaction() as store:
        store.save_heartbeat(heartbeat)
        return store.forget_heartbeats(forget_before(heartbeat.beat_at))


def read_freshest_heartbeat(database: Database) -> Heartbeat | None:
    """The latest heartbeat of any worker; None when no worker has beaten (or for a day)."""
    with database.transaction(write=False) as store:
        return store.freshest_heartbeat()
