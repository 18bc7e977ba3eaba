"""`SqlStore`: the `Store` port on SQLAlchemy Core, for SQLite and PostgreSQL alike.

One `SqlStore` wraps one connection inside one transaction (see `SqlDatabase`). Statements
are built once at import where possible, so SQLAlchemy's compiled cache serves them, and
multi-row writes go out as one executemany: storing a new incident costs one statement per
table (sequence, incident, its services, its events), whatever the number of rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, Connection, Text, bindparam, delete, func, insert, select, update

from fireline.adapters.db.access import AccessStoreMixin
from fireline.adapters.db.audit import AuditStoreMixin
from fireline.adapters.db.autocommit import AutocommitWriter, next_number_in, remember_words_in
from fireline.adapters.db.catalog import CatalogStore
from fireline.adapters.db.deliveries import DeliveryStoreMixin
from fireline.adapters.db.heartbeats import HeartbeatStoreMixin
from fireline.adapters.db.inbox import InboxStoreMixin
from fireline.adapters.db.listing import ListingMixin
from fireline.adapters.db.oncall import OnCallStoreMixin
from fireline.adapters.db.rows import incident_from_row
from fireline.adapters.db.search import (
    MAX_WORD,
    all_words,
    split_words,
)
from fireline.adapters.db.tables import (
    INCIDENT_FIELDS,
    incident_services,
    incidents,
    incidents_pg,
    role_assignments,
    timeline,
)
from fireline.adapters.db.timers import TimerStoreMixin
from fireline.domain.incident import Incident
from fireline.domain.timeline import TimelineEvent
from fireline.services.ports import (
    RecordedEvent,
    RoleAssignment,
)

_INCIDENT_COLUMNS = [incidents.c[name] for name in INCIDENT_FIELDS]
_SELECT_INCIDENT = select(*_INCIDENT_COLUMNS).where(incidents.c.id == bindparam("id"))
_SEARCH_VECTOR = func.array_to_tsvector(bindparam("search_words", type_=ARRAY(Text)))
_INSERT_INCIDENT = {
    "sqlite": insert(incidents).returning(incidents.c.pk, sort_by_parameter_order=True),
    "postgresql": insert(incidents_pg)
    .values(search_vector=_SEARCH_VECTOR)
    .returning(incidents_pg.c.pk, sort_by_parameter_order=True),
}
_UPDATE_INCIDENT = {
    "sqlite": update(incidents)
    .where(incidents.c.id == bindparam("incident_id"))
    .returning(incidents.c.pk),
    "postgresql": update(incidents_pg)
    .where(incidents_pg.c.id == bindparam("incident_id"))
    .values(search_vector=_SEARCH_VECTOR)
    .returning(incidents_pg.c.pk),
}
_PK_OF = select(incidents.c.pk).where(incidents.c.id == bindparam("id"))
_NEWEST_PK = select(func.max(incidents.c.pk))
_INSERT_LINK = insert(incident_services)
_DELETE_LINKS = delete(incident_services).where(
    incident_services.c.incident_pk == bindparam("incident_pk")
)
_INSERT_EVENT = insert(timeline)
_TIMELINE_COLUMNS = [timeline.c.seq, *(c for c in timeline.columns if c.name != "seq")]


class SqlStore(
    ListingMixin,
    AccessStoreMixin,
    AuditStoreMixin,
    TimerStoreMixin,
    OnCallStoreMixin,
    DeliveryStoreMixin,
    InboxStoreMixin,
    HeartbeatStoreMixin,
    CatalogStore,
):
    """Reads and writes of one transaction on `connection`; implements `Store`.

    `shared` writes the rows every declaration touches (the day's counter, the search word
    list) outside this transaction, on PostgreSQL (see `fireline.adapters.db.autocommit`);
    without it they are written in this transaction.
    """

    def __init__(self, connection: Connection, shared: AutocommitWriter | None = None) -> None:
        super().__init__(connection)
        self._shared = shared

    # -- incidents -------------------------------------------------------------------

    def next_incident_sequence(self, day: date, count: int = 1) -> int:
        if self._shared is not None:
            return self._shared.next_number(day, count)
        return next_number_in(self._connection, day, count)

    def add_incident(self, incident: Incident) -> None:
        self.add_incidents([incident])

    def add_incidents(self, batch: Sequence[Incident]) -> None:
        """Insert several incidents with one statement per table, whatever their number."""
        if not batch:
            return
        rows = [self._incident_row(incident) for incident in batch]
        stmt = _INSERT_INCIDENT[self._dialect]
        if len(rows) == 1:
            pks = [self._connection.execute(stmt, rows[0]).scalar_one()]
        else:
            # One multi-row INSERT … RETURNING, its rows in the order of `batch`.
            pks = [row[0] for row in self._connection.execute(stmt, rows)]
        self._link_services(zip(pks, batch, strict=True))
        self._remember_words(batch)

    def get_incident(self, incident_id: str, *, for_update: bool = False) -> Incident | None:
        """The incident, or None. `for_update` locks its row on PostgreSQL; on SQLite the
        transaction already holds the database's write lock (BEGIN IMMEDIATE)."""
        stmt = _SELECT_INCIDENT
        if for_update and self._dialect == "postgresql":
            stmt = stmt.with_for_update()
        row = self._connection.execute(stmt, {"id": incident_id}).first()
        return None if row is None else incident_from_row(row)

    def get_incidents(self, ids: Sequence[str]) -> dict[str, Incident]:
        if not ids:
            return {}
        stmt = select(*_INCIDENT_COLUMNS).where(incidents.c.id.in_(list(ids)))
        return {i.id: i for i in map(incident_from_row, self._connection.execute(stmt))}

    def save_incident(self, incident: Incident) -> None:
        row = self._incident_row(incident)
        row["incident_id"] = row.pop("id")
        pk = self._connection.execute(_UPDATE_INCIDENT[self._dialect], row).scalar_one()
        # Rewriting the links is two cheap statements and saves reading the old ones.
        self._connection.execute(_DELETE_LINKS, {"incident_pk": pk})
        self._link_services([(pk, incident)])
        self._remember_words([incident])

    def count_incidents(self) -> int:
        return self._count(incidents.c.pk)

    # -- timeline --------------------------------------------------------------------

    def append_events(self, incident_id: str, events: Sequence[TimelineEvent]) -> None:
        self.append_timelines([(incident_id, events)])

    def append_timelines(self, entries: Sequence[tuple[str, Sequence[TimelineEvent]]]) -> None:
        """Append the events of several incidents with one statement."""
        rows = [
            {
                "incident_id": incident_id,
                "kind": e.kind,
                "at": e.at,
                "actor": e.actor,
                "summary": e.summary,
                "field": e.field,
                "before_value": json.dumps(e.before),
                "after_value": json.dumps(e.after),
                "note": e.note,
            }
            for incident_id, events in entries
            for e in events
        ]
        if rows:
            self._connection.execute(_INSERT_EVENT, rows)

    def list_timeline(self, incident_id: str) -> list[RecordedEvent]:
        stmt = (
            select(*_TIMELINE_COLUMNS)
            .where(timeline.c.incident_id == incident_id)
            .order_by(timeline.c.seq)
        )
        return [
            RecordedEvent(
                seq=r.seq,
                incident_id=r.incident_id,
                event=TimelineEvent(
                    kind=r.kind,
                    at=r.at,
                    actor=r.actor,
                    summary=r.summary,
                    field=r.field,
                    before=json.loads(r.before_value),
                    after=json.loads(r.after_value),
                    note=r.note,
                ),
            )
            for r in self._connection.execute(stmt)
        ]

    def count_events(self) -> int:
        return self._count(timeline.c.seq)

    # -- roles -----------------------------------------------------------------------

    def role_holders(self, incident_id: str) -> dict[str, str]:
        r = role_assignments.c
        stmt = select(r.role, r.person).where(r.incident_id == incident_id, r.until.is_(None))
        return {row[0]: row[1] for row in self._connection.execute(stmt)}

    def role_holders_of(self, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        if not ids:
            return {}
        r = role_assignments.c
        stmt = select(r.incident_id, r.role, r.person).where(
            r.incident_id.in_(list(ids)), r.until.is_(None)
        )
        holders: dict[str, dict[str, str]] = {}
        for incident_id, role, person in self._connection.execute(stmt):
            holders.setdefault(incident_id, {})[role] = person
        return holders

    def role_history(self, incident_id: str) -> list[RoleAssignment]:
        r = role_assignments.c
        stmt = (
            select(r.role, r.person, r.since, r.until)
            .where(r.incident_id == incident_id)
            .order_by(r.since, r.id)
        )
        return [RoleAssignment(*row) for row in self._connection.execute(stmt)]

    def set_role_holder(
        self, incident_id: str, role: str, person: str | None, now: datetime
    ) -> None:
        r = role_assignments.c
        self._connection.execute(
            update(role_assignments)
            .where(r.incident_id == incident_id, r.role == role, r.until.is_(None))
            .values(until=now)
        )
        if person is not None:
            self._connection.execute(
                insert(role_assignments).values(
                    incident_id=incident_id, role=role, person=person, since=now
                )
            )

    # -- rows ------------------------------------------------------------------------

    def _count(self, column: Any) -> int:
        return int(self._connection.execute(select(func.count(column))).scalar_one())

    def _incident_row(self, incident: Incident) -> dict[str, Any]:
        row: dict[str, Any] = {name: getattr(incident, name) for name in INCIDENT_FIELDS}
        row["services"] = json.dumps(list(incident.services))
        row["links"] = json.dumps(list(incident.links))
        row["labels"] = json.dumps(list(incident.labels))
        row["status"] = incident.status.value
        row["resume_status"] = incident.resume_status and incident.resume_status.value
        if self._dialect == "postgresql":
            row["search_words"] = split_words(f"{incident.title} {incident.description}")
        return row

    def _remember_words(self, batch: Sequence[Incident]) -> None:
        words: list[str] = []
        for incident in batch:
            text = f"{incident.title} {incident.description}"
            if self._dialect == "postgresql":
                words += split_words(text)  # exactly the lexemes of its search_vector
            else:
                # Every word FTS5 indexes, long ones cut (expansion then leaves them to FTS5).
                words += [word[:MAX_WORD] for word in all_words(text)]
        words = list(dict.fromkeys(words))
        if not words:
            return
        if self._shared is not None:
            self._shared.remember_words(words)
        else:
            remember_words_in(self._connection, words)

    def _link_services(self, stored: Iterable[tuple[int, Incident]]) -> None:
        rows = [
            {"incident_pk": pk, "service": name}
            for pk, incident in stored
            for name in incident.services
        ]
        if rows:
            self._connection.execute(_INSERT_LINK, rows)
