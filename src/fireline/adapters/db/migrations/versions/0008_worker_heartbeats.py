"""Worker heartbeats.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

- worker_heartbeats: one row per worker process (`worker` is an ID it makes when it starts),
  where it runs and when it last beat. `/healthz` reads the freshest; a beating worker
  deletes the rows of workers silent for a day. A handful of rows, so no index but the key.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fireline.adapters.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("beat_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
