"""`AuditStoreMixin`: the audit log and the failed-login throttles of a transaction.

Mixed into `SqlStore` beside `AccessStoreMixin`. The audit log is append-only: migration 0002
puts a trigger on it that refuses UPDATE and DELETE on both backends, and 0007 lets through
exactly what this module does besides appending: counting a refusal into its tally's entry
(count up, last_at on) and deleting the entries before the retention horizon (prune).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, literal, select, update

from fireline.adapters.db.tables import audit_log, audit_retention, login_throttles
from fireline.adapters.db.types import UTCDateTime
from fireline.domain.audit import AuditAction, AuditEntry, Tally, tally_of
from fireline.domain.throttle import Throttle
from fireline.services.access_ports import AuditQuery, RecordedAudit


class AuditStoreMixin:
    """Implements the audit and throttle part of `AccessStore` on one connection."""

    _connection: Connection
    _dialect: str

    _insert: Callable[[Any], Any]
    """INSERT with ON CONFLICT for this dialect (from `CatalogStore`)."""

    # -- login throttles -------------------------------------------------------------

    def get_throttle(self, key: str, *, for_update: bool = False) -> Throttle:
        stmt = select(login_throttles).where(login_throttles.c.key == key)
        if for_update and self._dialect == "postgresql":
            # SQLite's write transaction already excludes other writers (BEGIN IMMEDIATE);
            # PostgreSQL needs a row to lock, or two first failures would both count from 0.
            empty = {"key": key, "failures": 0, "locked_until": None, "last_failure_at": None}
            self._connection.execute(
                self._insert(login_throttles).values(empty).on_conflict_do_nothing()
            )
            stmt = stmt.with_for_update()
        row = self._connection.execute(stmt).first()
        if row is None:
            return Throttle(key)
        return Throttle(row.key, row.failures, row.locked_until, row.last_failure_at)

    def save_throttle(self, throttle: Throttle) -> None:
        row = {
            "key": throttle.key,
            "failures": throttle.failures,
            "locked_until": throttle.locked_until,
            "last_failure_at": throttle.last_failure_at,
        }
        stmt = self._insert(login_throttles).values(row)
        stmt = stmt.on_conflict_do_update(index_elements=[login_throttles.c.key], set_=row)
        self._connection.execute(stmt)

    def clear_throttle(self, key: str) -> None:
        self._connection.execute(delete(login_throttles).where(login_throttles.c.key == key))

    # -- audit log -------------------------------------------------------------------

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        rows = []
        for entry in entries:
            row = {
                "at": entry.at,
                "actor": entry.actor[:64],
                "action": entry.action.value,
                "target": entry.target and entry.target[:200],
                "client": entry.client and entry.client[:100],
                "detail": json.dumps(entry.detail),
            }
            tally = tally_of(entry)
            if tally is None:
                rows.append(row)
            else:
                self._count_refusal({**row, "last_at": entry.at, "tally": _digest(tally, row)})
        if rows:
            self._connection.execute(insert(audit_log), rows)

    def _count_refusal(self, row: dict[str, Any]) -> None:
        """Add the row, or count it into the row of its tally that some process (this one
        or another) added first: the database decides, in one statement. One refusal, one
        more in `count`: the trigger allows no other step."""
        stmt = self._insert(audit_log).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=[audit_log.c.tally],
            set_={
                "count": audit_log.c.count + 1,
                "last_at": self._latest(audit_log.c.last_at, stmt.excluded.last_at),
            },
        )
        self._connection.execute(stmt)

    def _latest(self, *instants: Any) -> Any:
        # Processes' clocks differ a little: last_at never moves back (the trigger insists).
        return (func.greatest if self._dialect == "postgresql" else func.max)(*instants)

    def list_audit(self, query: AuditQuery) -> list[RecordedAudit]:
        a = audit_log.c
        order = a.seq.asc() if query.oldest_first else a.seq.desc()
        stmt = select(audit_log).order_by(order).limit(query.limit)
        if query.actor is not None:
            stmt = stmt.where(a.actor == query.actor)
        if query.actions:
            stmt = stmt.where(a.action.in_([action.value for action in query.actions]))
        if query.target is not None:
            stmt = stmt.where(a.target == query.target)
        if query.since is not None:
            stmt = stmt.where(a.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(a.at < query.until)
        if query.before is not None:
            stmt = stmt.where(a.seq < query.before)
        if query.after is not None:
            stmt = stmt.where(a.seq > query.after)
        # Mappings, not rows: a Row's `count` is tuple.count.
        return [
            RecordedAudit(
                row["seq"],
                AuditEntry(
                    at=row["at"],
                    actor=row["actor"],
                    action=AuditAction(row["action"]),
                    target=row["target"],
                    client=row["client"],
                    detail=json.loads(row["detail"]),
                    count=row["count"],
                    last_at=row["last_at"] if row["count"] > 1 else None,
                ),
            )
            for row in self._connection.execute(stmt).mappings()
        ]

    def prune_audit(self, before: datetime) -> int:
        # The horizon first: the delete trigger allows only entries that ended before it.
        # Its one row was made by the migration; it only moves forward.
        self._connection.execute(
            update(audit_retention)
            .where(audit_retention.c.id == 1)
            .values(horizon=self._latest(audit_retention.c.horizon, literal(before, UTCDateTime())))
        )
        last = func.coalesce(audit_log.c.last_at, audit_log.c.at)
        removed = self._connection.execute(delete(audit_log).where(last < before))
        return int(removed.rowcount)


def _digest(tally: Tally, row: dict[str, Any]) -> str:
    """The `tally` column: SHA-256 of what the refusal is counted under, as stored."""
    parts = [tally.window.isoformat(), row["action"], row["actor"], row["target"], row["client"]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()
