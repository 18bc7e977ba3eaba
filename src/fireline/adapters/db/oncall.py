"""`OnCallStoreMixin`: on-call overrides made through the API (mixed into `SqlStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from fireline.adapters.db.tables import oncall_overrides
from fireline.services.oncall_ports import StoredOverride

_COLUMNS = (
    oncall_overrides.c.id,
    oncall_overrides.c.schedule,
    oncall_overrides.c.person,
    oncall_overrides.c.starts_at,
    oncall_overrides.c.ends_at,
    oncall_overrides.c.created_by,
    oncall_overrides.c.created_at,
)


class OnCallStoreMixin:
    """Implements `OnCallStore` on one connection."""

    _connection: Connection

    def add_override(self, override: StoredOverride) -> int:
        row = {
            "schedule": override.schedule,
            "person": override.person,
            "starts_at": override.starts_at,
            "ends_at": override.ends_at,
            "created_by": override.created_by,
            "created_at": override.created_at,
        }
        stmt = insert(oncall_overrides).values(row).returning(oncall_overrides.c.id)
        return int(self._connection.execute(stmt).scalar_one())

    def list_overrides(
        self, schedules: Sequence[str], *, ending_after: datetime
    ) -> list[StoredOverride]:
        o = oncall_overrides.c
        stmt = (
            select(*_COLUMNS)
            .where(o.schedule.in_(list(schedules)), o.ends_at > ending_after)
            .order_by(o.starts_at, o.id)
        )
        return [StoredOverride(*row) for row in self._connection.execute(stmt)]

    def remove_override(self, schedule: str, override_id: int) -> bool:
        o = oncall_overrides.c
        stmt = delete(oncall_overrides).where(o.schedule == schedule, o.id == override_id)
        return bool(self._connection.execute(stmt).rowcount)
