"""`DeliveryStoreMixin`: the outbox of one transaction (mixed into `SqlStore`), people's
notification rules, and where each audience's update cadence stands.

A claim takes one due row of one channel, locked with SKIP LOCKED on PostgreSQL (on SQLite
the write transaction already holds the database's write lock), and marks it `sending`
under a random claim token until its lease runs out. Finishing is a conditional update on
that token: a worker whose lease ran out (and whose row another took over) changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select, update

from fireline.adapters.db.tables import (
    deliveries,
    delivery_attempts,
    notification_rules,
    timeline,
)
from fireline.domain.communication import UPDATE_POSTED
from fireline.domain.deliveries import OUTSTANDING, Attempt, Delivery, DeliveryStatus
from fireline.domain.messages import Message
from fireline.domain.paging_rules import PersonalRule
from fireline.domain.timers import CadenceMark, TimerKind
from fireline.services.delivery_ports import Claimed, NewDelivery

d = deliveries.c
_OUTSTANDING = [status.value for status in OUTSTANDING]
_DELIVERY_COLUMNS = [c for c in deliveries.columns if c.name not in ("subject", "body", "claim")]
_DUE = (
    select(*deliveries.columns)
    .where(
        d.channel == bindparam("channel"),
        d.status.in_(_OUTSTANDING),
        d.due_at <= bindparam("now"),
    )
    .order_by(d.due_at)
    .limit(1)
)
_INSERT_ATTEMPT = insert(delivery_attempts)


class DeliveryStoreMixin:
    """Implements `DeliveryStore` on one connection."""

    _connection: Connection
    _dialect: str
    _insert: Callable[[Any], Any]

    def add_deliveries(self, batch: Sequence[NewDelivery], now: datetime) -> list[int]:
        added = []
        for new in batch:
            m, r = new.message, new.reached
            row = {
                "key": m.key,
                "incident_id": new.incident_id,
                "notification": new.notification[:300],
                "recipient": r.recipient[:200],
                "person": r.person,
                "label": r.label[:200],
                "method": r.method,
                "channel": r.channel,
                "address": r.address[:320],
                "audience": r.audience,
                "template": new.template,
                "is_page": new.is_page,
                "subject": m.subject,
                "body": json.dumps(
                    {"text": m.text, "short": m.short, "markdown": m.markdown, "blocks": m.blocks}
                ),
                "status": DeliveryStatus.PENDING.value,
                "due_at": new.due_at,
                "attempts": 0,
                "created_at": now,
                "fallback_of": new.fallback_of,
            }
            # The same message planned twice (a re-run after a crash) is stored once.
            stmt = (
                self._insert(deliveries)
                .values(row)
                .on_conflict_do_nothing(index_elements=[d.key])
                .returning(d.id)
            )
            added += [row_id for (row_id,) in self._connection.execute(stmt)]
        return added

    def claim_delivery(
        self, channel: str, now: datetime, lease: timedelta, claim: str
    ) -> Claimed | None:
        stmt = _DUE
        if self._dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        row = self._connection.execute(stmt, {"channel": channel, "now": now}).first()
        if row is None:
            return None
        attempts = row.attempts + 1
        self._connection.execute(
            update(deliveries)
            .where(d.id == row.id)
            .values(
                status=DeliveryStatus.SENDING.value,
                claim=claim,
                attempts=attempts,
                due_at=now + lease,
            )
        )
        # An attempt left without an outcome is one whose worker died mid-send.
        self._connection.execute(
            update(delivery_attempts)
            .where(delivery_attempts.c.delivery_id == row.id, delivery_attempts.c.outcome.is_(None))
            .values(outcome="interrupted", finished_at=now)
        )
        self._connection.execute(
            _INSERT_ATTEMPT, {"delivery_id": row.id, "number": attempts, "started_at": now}
        )
        message = _message(row)
        held = replace(
            _delivery(row), status=DeliveryStatus.SENDING, attempts=attempts, due_at=now + lease
        )
        return Claimed(held, message, claim)

    def finish_delivery(
        self,
        delivery_id: int,
        claim: str | None,
        *,
        status: DeliveryStatus,
        now: datetime,
        due_at: datetime | None = None,
        receipt: str | None = None,
        error: str | None = None,
        outcome: str | None = None,
    ) -> Delivery | None:
        held = d.claim == claim if claim is not None else d.claim.is_(None)
        values: dict[str, Any] = {"status": status.value, "claim": None}
        if due_at is not None:
            values["due_at"] = due_at
        if status is DeliveryStatus.DELIVERED:
            values |= {"delivered_at": now, "receipt": receipt}
        if error is not None:
            values["last_error"] = error[:2000]
        stmt = (
            update(deliveries)
            .where(d.id == delivery_id, held, d.status.in_(_OUTSTANDING))
            .values(values)
            .returning(*_DELIVERY_COLUMNS)
        )
        row = self._connection.execute(stmt).first()
        if row is None:
            return None
        if outcome is not None:
            self._connection.execute(
                update(delivery_attempts)
                .where(
                    delivery_attempts.c.delivery_id == delivery_id,
                    delivery_attempts.c.number == row.attempts,
                )
                .values(finished_at=now, outcome=outcome, detail=(receipt or error or "")[:2000])
            )
        return _delivery(row)

    def renew_lease(self, delivery_id: int, claim: str, until: datetime) -> bool:
        stmt = (
            update(deliveries)
            .where(
                d.id == delivery_id,
                d.claim == claim,
                d.status == DeliveryStatus.SENDING.value,
            )
            .values(due_at=until)
        )
        return bool(self._connection.execute(stmt).rowcount)

    def next_delivery_due(self, channel: str) -> datetime | None:
        stmt = select(func.min(d.due_at)).where(d.channel == channel, d.status.in_(_OUTSTANDING))
        value: datetime | None = self._connection.execute(stmt).scalar_one()
        return value

    def list_deliveries(self, incident_id: str) -> list[tuple[Delivery, list[Attempt]]]:
        rows = self._connection.execute(
            select(*_DELIVERY_COLUMNS).where(d.incident_id == incident_id).order_by(d.id)
        ).all()
        a = delivery_attempts.c
        attempts: dict[int, list[Attempt]] = {}
        if rows:
            found = self._connection.execute(
                select(a.delivery_id, a.number, a.started_at, a.finished_at, a.outcome, a.detail)
                .where(a.delivery_id.in_([row.id for row in rows]))
                .order_by(a.delivery_id, a.number)
            )
            for delivery_id, *values in found:
                attempts.setdefault(delivery_id, []).append(Attempt(*values))
        return [(_delivery(row), attempts.get(row.id, [])) for row in rows]

    def delivery_message(self, delivery_id: int) -> Message:
        stmt = select(d.key, d.subject, d.body, d.incident_id).where(d.id == delivery_id)
        return _message(self._connection.execute(stmt).one())

    def deliveries_of(self, notification: str) -> list[Delivery]:
        stmt = select(*_DELIVERY_COLUMNS).where(d.notification == notification).order_by(d.id)
        return [_delivery(row) for row in self._connection.execute(stmt)]

    def deliveries_off_channels(
        self, channels: Sequence[str], now: datetime, limit: int
    ) -> list[Delivery]:
        off = d.channel.not_in(list(channels))
        # A worker that died holding one leaves it `sending`; once its lease has run out
        # it is nobody's, and is ended like the rest.
        a = delivery_attempts.c
        expired = select(d.id).where(off, d.status == DeliveryStatus.SENDING.value, d.due_at <= now)
        self._connection.execute(
            update(delivery_attempts)
            .where(a.delivery_id.in_(expired), a.outcome.is_(None))
            .values(outcome="interrupted", finished_at=now)
        )
        self._connection.execute(
            update(deliveries)
            .where(off, d.status == DeliveryStatus.SENDING.value, d.due_at <= now)
            .values(status=DeliveryStatus.PENDING.value, claim=None)
        )
        stmt = (
            select(*_DELIVERY_COLUMNS)
            .where(off, d.status == DeliveryStatus.PENDING.value)
            .order_by(d.id)
            .limit(limit)
        )
        return [_delivery(row) for row in self._connection.execute(stmt)]

    def recent_pages(
        self, incident_ids: Sequence[str], since: datetime
    ) -> dict[str, set[tuple[str, str]]]:
        if not incident_ids:
            return {}
        live = [*_OUTSTANDING, DeliveryStatus.DELIVERED.value]
        stmt = select(d.incident_id, d.person, d.method).where(
            d.incident_id.in_(list(incident_ids)),
            d.is_page.is_(True),
            d.created_at >= since,
            d.status.in_(live),
        )
        found: dict[str, set[tuple[str, str]]] = {}
        for incident_id, person, method in self._connection.execute(stmt):
            found.setdefault(incident_id, set()).add((person or "", method))
        return found

    def notification_rules(self, names: Sequence[str]) -> dict[str, tuple[PersonalRule, ...]]:
        if not names:
            return {}
        r = notification_rules.c
        stmt = (
            select(r.user_name, r.method, r.after_seconds)
            .where(r.user_name.in_(list(names)))
            .order_by(r.user_name, r.position)
        )
        found: dict[str, list[PersonalRule]] = {}
        for name, method, after in self._connection.execute(stmt):
            found.setdefault(name, []).append(PersonalRule(method, after))
        return {name: tuple(rules) for name, rules in found.items()}

    def set_notification_rules(self, name: str, rules: Sequence[PersonalRule]) -> None:
        r = notification_rules.c
        self._connection.execute(notification_rules.delete().where(r.user_name == name))
        if rules:
            self._connection.execute(
                insert(notification_rules),
                [
                    {"user_name": name, "position": i, "method": x.method, "after_seconds": x.after}
                    for i, x in enumerate(rules)
                ],
            )

    def cadence_marks(self, incident_id: str) -> dict[str, CadenceMark]:
        t = timeline.c
        stmt = (
            select(t.kind, t.at, t.after_value)
            .where(
                t.incident_id == incident_id,
                t.kind.in_([TimerKind.UPDATE_DUE.value, UPDATE_POSTED]),
            )
            .order_by(t.seq)
        )
        marks: dict[str, CadenceMark] = {}
        for kind, at, after in self._connection.execute(stmt):
            value = json.loads(after)
            if kind == UPDATE_POSTED:
                for name in value.get("audiences", []):
                    marks[name] = replace(marks.get(name, CadenceMark()), last_update=at)
            else:
                # When the reminder went out, not when it was due: after an outage the next
                # one comes `every` after the late one, not a burst of the ones missed.
                name = str(value["key"]).split(":", 2)[1]
                marks[name] = replace(marks.get(name, CadenceMark()), last_reminder=at)
        return marks


def _message(row: Row[Any, *tuple[Any, ...]]) -> Message:
    body = json.loads(row.body)
    return Message(
        key=row.key,
        subject=row.subject,
        text=body["text"],
        incident_id=row.incident_id,
        short=body["short"],
        markdown=body["markdown"],
        blocks=body["blocks"],
    )


def _delivery(row: Row[Any, *tuple[Any, ...]]) -> Delivery:
    return Delivery(
        id=row.id,
        key=row.key,
        incident_id=row.incident_id,
        notification=row.notification,
        recipient=row.recipient,
        person=row.person,
        label=row.label,
        method=row.method,
        channel=row.channel,
        address=row.address,
        audience=row.audience,
        template=row.template,
        is_page=row.is_page,
        status=DeliveryStatus(row.status),
        due_at=row.due_at,
        attempts=row.attempts,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        receipt=row.receipt,
        last_error=row.last_error,
        fallback_of=row.fallback_of,
    )
