"""`InboxStoreMixin`: reading the console inbox of one transaction (mixed into `SqlStore`).

A console delivery's address is its person's handle and a room's post has an empty address,
so both read from the index on (address, channel, id) of migration 0006, newest first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, select

from fireline.adapters.db.tables import deliveries
from fireline.domain.deliveries import DeliveryStatus
from fireline.services.delivery_ports import InboxMessage

d = deliveries.c


class InboxStoreMixin:
    """Implements `DeliveryStore.inbox` on one connection."""

    _connection: Connection

    def inbox(
        self, *, method: str, address: str, channels: Sequence[str], before: int | None, limit: int
    ) -> list[InboxMessage]:
        stmt = (
            select(
                d.id,
                d.incident_id,
                d.template,
                d.subject,
                d.body,
                d.status,
                d.created_at,
                d.delivered_at,
            )
            .where(d.address == address, d.channel.in_(list(channels)), d.method == method)
            .order_by(d.id.desc())
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(d.id < before)
        return [
            InboxMessage(
                id=row.id,
                incident_id=row.incident_id,
                template=row.template,
                subject=row.subject,
                text=json.loads(row.body)["text"],
                status=DeliveryStatus(row.status),
                created_at=row.created_at,
                delivered_at=row.delivered_at,
            )
            for row in self._connection.execute(stmt)
        ]
