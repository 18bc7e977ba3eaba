"""`TimerStoreMixin`: the timers table of one transaction (mixed into `SqlStore`).

Claims lock each due row and its incident's row with SKIP LOCKED on PostgreSQL, so any number
of workers share the due rows without waiting on one another or on people changing those
incidents; on SQLite the write transaction already holds the database's write lock, so one
claimer runs at a time. Either way, marking fired is a conditional update in the same
transaction as the timeline entries it fires.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select, update

from fireline.adapters.db.tables import incidents, timeline, timers
from fireline.domain.escalation import MANUAL_KIND
from fireline.domain.lifecycle import ACTIVE, PAUSED, Status
from fireline.domain.timers import Handover, Timer, TimerKind
from fireline.services.timer_ports import StoredTimer

_COLUMNS = (
    timers.c.id,
    timers.c.incident_id,
    timers.c.key,
    timers.c.kind,
    timers.c.due_at,
    timers.c.planned_at,
    timers.c.clock,
    timers.c.level,
    timers.c.targets,
    timers.c.note,
    timers.c.fired_at,
)
_DUE = (
    select(*_COLUMNS)
    .where(timers.c.fired_at.is_(None), timers.c.due_at <= bindparam("now"))
    .order_by(timers.c.due_at)
    .limit(bindparam("limit"))
)
_DROP_UNFIRED = delete(timers).where(
    timers.c.incident_id.in_(bindparam("ids", expanding=True)), timers.c.fired_at.is_(None)
)
_BROUGHT_FORWARD = select(timers.c.incident_id, timers.c.key, timers.c.due_at).where(
    timers.c.incident_id.in_(bindparam("ids", expanding=True)),
    timers.c.fired_at.is_(None),
    timers.c.brought_forward,
)
_MARK_FIRED = (
    update(timers)
    .where(timers.c.id.in_(bindparam("ids", expanding=True)), timers.c.fired_at.is_(None))
    .values(fired_at=bindparam("now"))
)


class TimerStoreMixin:
    """Implements `TimerStore` on one connection."""

    _connection: Connection
    _dialect: str

    _insert: Callable[[Any], Any]
    """INSERT with ON CONFLICT for this dialect (from `CatalogStore`)."""

    def replace_timers(
        self, plans: Sequence[tuple[str, Sequence[Timer]]], now: datetime, *, fresh: bool = False
    ) -> None:
        if not plans:
            return
        early: dict[tuple[str, str], datetime] = {}
        if not fresh:
            ids = {"ids": [incident_id for incident_id, _ in plans]}
            # A timer a fall-through brought forward stays that early, whatever the plan says.
            early = {
                (incident_id, key): due_at
                for incident_id, key, due_at in self._connection.execute(_BROUGHT_FORWARD, ids)
            }
            self._connection.execute(_DROP_UNFIRED, ids)
        rows = [
            {
                "incident_id": incident_id,
                "key": timer.key,
                "kind": timer.kind.value,
                "due_at": min(timer.due_at, early.get((incident_id, timer.key), timer.due_at)),
                "brought_forward": (incident_id, timer.key) in early,
                "planned_at": now,
                "clock": timer.clock,
                "level": timer.level,
                "targets": json.dumps(list(timer.targets)),
                "note": timer.note,
            }
            for incident_id, plan in plans
            for timer in plan
        ]
        if rows:
            # A key that already fired keeps its row: the conflict leaves it alone.
            stmt = self._insert(timers).on_conflict_do_nothing(
                index_elements=[timers.c.incident_id, timers.c.key]
            )
            self._connection.execute(stmt, rows)

    def claim_due_timers(self, now: datetime, limit: int) -> list[StoredTimer]:
        stmt = _DUE
        if self._dialect == "postgresql":
            # The incident's row is locked too, and an incident someone is changing is skipped:
            # a change locks the incident before it replaces the timers, so both sides take
            # the incident first and neither waits for the other while holding a timer.
            stmt = stmt.join(incidents, incidents.c.id == timers.c.incident_id).with_for_update(
                skip_locked=True, of=[timers, incidents]
            )
        rows = self._connection.execute(stmt, {"now": now, "limit": limit})
        return [_stored(row) for row in rows]

    def mark_timers_fired(self, ids: Sequence[int], now: datetime) -> int:
        if not ids:
            return 0
        result = self._connection.execute(_MARK_FIRED, {"ids": list(ids), "now": now})
        return int(result.rowcount)

    def bring_timer_forward(self, incident_id: str, key: str, now: datetime) -> bool:
        t = timers.c
        # The timer and those that follow from it (its backup pages, keyed "backup:KEY:…")
        # move by the same amount, so that a backup still waits its `backup_after`.
        stmt = select(t.id, t.key, t.due_at).where(
            t.incident_id == incident_id,
            t.fired_at.is_(None),
            (t.key == key) | t.key.startswith(f"backup:{key}:", autoescape=True),
        )
        rows = self._connection.execute(stmt).all()
        main = next((row for row in rows if row.key == key), None)
        if main is None or main.due_at <= now:
            return False
        earlier = main.due_at - now
        self._connection.execute(
            update(timers)
            .where(t.id == bindparam("timer_id"))
            .values(due_at=bindparam("new_due"), brought_forward=True),
            [{"timer_id": row.id, "new_due": row.due_at - earlier} for row in rows],
        )
        return True

    def incidents_without_timers(self, after: str, limit: int) -> list[str]:
        i = incidents.c
        unresolved = [status.value for status in (*ACTIVE, *PAUSED)]
        stmt = (
            select(i.id)
            .where(i.status.in_(unresolved), i.id > after)
            .where(~select(timers.c.id).where(timers.c.incident_id == i.id).exists())
            .order_by(i.id)
            .limit(limit)
        )
        return [row[0] for row in self._connection.execute(stmt)]

    def list_timers(self, incident_id: str) -> list[StoredTimer]:
        stmt = (
            select(*_COLUMNS)
            .where(timers.c.incident_id == incident_id)
            .order_by(timers.c.due_at, timers.c.id)
        )
        return [_stored(row) for row in self._connection.execute(stmt)]

    def next_due_at(self) -> datetime | None:
        stmt = select(func.min(timers.c.due_at)).where(timers.c.fired_at.is_(None))
        value: datetime | None = self._connection.execute(stmt).scalar_one()
        return value

    def manual_escalation_level(self, incident_id: str) -> int:
        stmt = select(timeline.c.after_value).where(
            timeline.c.incident_id == incident_id, timeline.c.kind == MANUAL_KIND
        )
        levels = [json.loads(after).get("level") for (after,) in self._connection.execute(stmt)]
        return max((level for level in levels if isinstance(level, int)), default=0)

    def last_handover(self, incident_id: str) -> Handover | None:
        t = timeline.c
        stmt = (
            select(t.seq, t.at, t.after_value)
            .where(t.incident_id == incident_id, t.kind == MANUAL_KIND)
            .order_by(t.seq.desc())
        )
        for seq, at, after in self._connection.execute(stmt):
            owner = json.loads(after).get("handed_over_to")
            if not isinstance(owner, str):
                continue
            first = select(func.min(t.at)).where(
                t.incident_id == incident_id, t.seq > seq, t.actor == owner
            )
            contacted_at: datetime | None = self._connection.execute(first).scalar_one()
            return Handover(owner, at, contacted_at)
        return None

    def status_changes(self, incident_id: str) -> list[tuple[datetime, Status]]:
        stmt = (
            select(timeline.c.at, timeline.c.after_value)
            .where(timeline.c.incident_id == incident_id, timeline.c.kind == "status_changed")
            .order_by(timeline.c.seq)
        )
        return [(at, Status(json.loads(after))) for at, after in self._connection.execute(stmt)]


def _stored(row: Row[Any, *tuple[Any, ...]]) -> StoredTimer:
    return StoredTimer(
        id=row.id,
        incident_id=row.incident_id,
        timer=Timer(
            key=row.key,
            kind=TimerKind(row.kind),
            due_at=row.due_at,
            clock=row.clock,
            level=row.level,
            targets=tuple(json.loads(row.targets)),
            note=row.note,
        ),
        planned_at=row.planned_at,
        fired_at=row.fired_at,
    )
