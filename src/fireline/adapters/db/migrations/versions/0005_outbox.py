"""The outbox: deliveries and their attempts; people's notification rules.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

- deliveries: one message to one recipient through one channel, stored before it is sent.
  `key` is its idempotency key (unique: planning the same message twice adds nothing).
  Workers claim from the partial index on (channel, due_at) over the outstanding rows, so
  each channel is claimed on its own and a slow one never holds the others back.
- delivery_attempts: every try, with its outcome (NULL while under way, or when the worker
  died before it could say).
- notification_rules: how and when each person wants to be paged (PagerDuty's personal
  notification rules): `method` after `after_seconds`, in the order they wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fireline.adapters.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OUTSTANDING = "status IN ('pending', 'sending')"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("incident_id", sa.String(40), sa.ForeignKey("incidents.id")),
        sa.Column("notification", sa.String(300), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("person", sa.String(100)),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("audience", sa.String(64)),
        sa.Column("template", sa.String(20), nullable=False),
        sa.Column("is_page", sa.Boolean, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),  # JSON: text, short, markdown, blocks
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("claim", sa.String(40)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
        sa.Column("receipt", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("fallback_of", sa.Integer),
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["channel", "due_at"],
        sqlite_where=sa.text(_OUTSTANDING),
        postgresql_where=sa.text(_OUTSTANDING),
    )
    op.create_index("ix_deliveries_incident", "deliveries", ["incident_id", "id"])
    op.create_index("ix_deliveries_notification", "deliveries", ["notification"])
    op.create_table(
        "delivery_attempts",
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("deliveries.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("outcome", sa.String(20)),
        sa.Column("detail", sa.Text),
    )
    op.create_table(
        "notification_rules",
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("after_seconds", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_rules")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_deliveries_notification", table_name="deliveries")
    op.drop_index("ix_deliveries_incident", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")
