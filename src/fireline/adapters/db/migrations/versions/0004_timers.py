"""Timers: every future action of an incident as a row with a due time; on-call overrides.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

- One row per (incident, key): re-planning after a change replaces the rows not yet fired,
  and a key that fired keeps its row, so it never fires twice (see fireline.domain.timers).
- The partial index on due_at over unfired rows is what workers claim from: it holds only
  what is still to come, however many timers have fired.
- oncall_overrides: a person covering a window of a schedule, made through the API (the
  schedules themselves live in the policy file).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fireline.adapters.db.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(40), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("planned_at", UTCDateTime, nullable=False),
        sa.Column("clock", sa.String(30)),
        sa.Column("level", sa.Integer),
        sa.Column("targets", sa.Text, nullable=False),  # JSON list
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("fired_at", UTCDateTime),
        # Set when a fall-through made it due early; planning again keeps the earlier time.
        sa.Column("brought_forward", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("incident_id", "key", name="uq_timers_incident_key"),
    )
    op.create_index(
        "ix_timers_due",
        "timers",
        ["due_at"],
        sqlite_where=sa.text("fired_at IS NULL"),
        postgresql_where=sa.text("fired_at IS NULL"),
    )

    op.create_table(
        "oncall_overrides",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_oncall_overrides_schedule", "oncall_overrides", ["schedule", "ends_at"])


def downgrade() -> None:
    op.drop_table("oncall_overrides")
    op.drop_index("ix_timers_due", table_name="timers")
    op.drop_table("timers")
