"""`HeartbeatStoreMixin`: workers' heartbeats (mixed into `SqlStore`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from fireline.adapters.db.tables import worker_heartbeats
from fireline.domain.heartbeats import Heartbeat

_h = worker_heartbeats.c
_FRESHEST = (
    select(_h.worker, _h.host, _h.pid, _h.started_at, _h.beat_at)
    .order_by(_h.beat_at.desc())
    .limit(1)
)


class HeartbeatStoreMixin:
    """Implements `HeartbeatStore` on one connection."""

    _connection: Connection

    def save_heartbeat(self, heartbeat: Heartbeat) -> None:
        # Only the worker itself writes its row, so "update, else insert" cannot race.
        beat = update(worker_heartbeats).where(_h.worker == heartbeat.worker)
        if self._connection.execute(beat.values(beat_at=heartbeat.beat_at)).rowcount:
            return
        self._connection.execute(
            insert(worker_heartbeats).values(
                worker=heartbeat.worker,
                host=heartbeat.host,
                pid=heartbeat.pid,
                started_at=heartbeat.started_at,
                beat_at=heartbeat.beat_at,
            )
        )

    def forget_heartbeats(self, before: datetime) -> int:
        stmt = delete(worker_heartbeats).where(_h.beat_at < before)
        return int(self._connection.execute(stmt).rowcount)

    def freshest_heartbeat(self) -> Heartbeat | None:
        row = self._connection.execute(_FRESHEST).first()
        return None if row is None else Heartbeat(*row)
