"""The console inbox: an index to read a person's (or a room's) messages, newest first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

- (address, channel, id) over deliveries: a console delivery's address is the person's
  handle, so "my inbox" reads one address; a room's posts have an empty address and read
  one channel.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deliveries_inbox", "deliveries", ["address", "channel", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_inbox", table_name="deliveries")
