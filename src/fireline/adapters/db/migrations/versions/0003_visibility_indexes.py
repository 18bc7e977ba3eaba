"""Indexes for listing what a caller may see (see fireline.adapters.db.visibility).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

- (type, is_restricted, pk): "open incidents of a type, newest first" without reading the
  restricted ones; restricted incidents cluster in a few types (security), so a type filter
  is where the open slice would otherwise read thousands of rows to find none.
- (reporter, pk) over restricted incidents only: "restricted incidents I reported". Partial,
  so it costs nothing for the many incidents that are not restricted.
- On PostgreSQL, statistics of type and restriction together: the planner otherwise takes
  them as independent, expects thousands of open security incidents where there are none,
  and walks the whole pk index looking for them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_incidents_type_open", "incidents", ["type", "is_restricted", "pk"])
    # Written as the listing query writes it, so that SQLite sees the same term.
    op.create_index(
        "ix_incidents_restricted_reporter",
        "incidents",
        ["reporter", "pk"],
        sqlite_where=sa.text("is_restricted = 1"),
        postgresql_where=sa.text("is_restricted = true"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS incidents_type_restricted (mcv) ON type, is_restricted "
            "FROM incidents"
        )
        op.execute("ANALYZE incidents")


def downgrade() -> None:
    raise NotImplementedError("Fireline migrates forward only; restore a backup to go back")
