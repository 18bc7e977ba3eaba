"""`AuditStoreMixin`: the audit log and the failed-login throttles of a transaction.

Mixed into `SqlStore` beside `AccessStoreMixin`. The audit log is append-only: migration 0002
puts a trigger on it that refuses UPDATE and DELETE on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from fireline.adapters.db.tables import audit_log, login_throttles
from fireline.domain.audit import AuditAction, AuditEntry
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
        rows = [
            {
                "at": e.at,
                "actor": e.actor[:64],
                "action": e.action.value,
                "target": e.target and e.target[:200],
                "client": e.client and e.client[:100],
                "detail": json.dumps(e.detail),
            }
            for e in entries
        ]
        if rows:
            self._connection.execute(insert(audit_log), rows)

    def list_audit(self, query: AuditQuery) -> list[RecordedAudit]:
        a = audit_log.c
        stmt = select(audit_log).order_by(a.seq.desc()).limit(query.limit)
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
        return [
            RecordedAudit(
                row.seq,
                AuditEntry(
                    at=row.at,
                    actor=row.actor,
                    action=AuditAction(row.action),
                    target=row.target,
                    client=row.client,
                    detail=json.loads(row.detail),
                ),
            )
            for row in self._connection.execute(stmt)
        ]
