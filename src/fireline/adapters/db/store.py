"""`SqlStore`: the `Store` port on SQLAlchemy Core, for SQLite and PostgreSQL alike.

One `SqlStore` wraps one connection inside one transaction (see `SqlDatabase`). Statements
are built once at import where possible, so SQLAlchemy's compiled cache serves them, and
multi-row writes go out as one executemany: storing a new incident costs one statement per
table (sequence, incident, its services, its events), whatever the number of rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, Connection, Row, Text, bindparam, delete, func, insert, select, update

from fireline.adapters.db.access import AccessStoreMixin
from fireline.adapters.db.audit import AuditStoreMixin
from fireline.adapters.db.autocommit import AutocommitWriter, next_number_in, remember_words_in
from fireline.adapters.db.catalog import CatalogStore
from fireline.adapters.db.search import (
    MAX_EXPANSION,
    MAX_WORD,
    Plan,
    all_words,
    build_list_query,
    build_prefix_expansion,
    build_recent_floor,
    build_text_probe,
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
from fireline.adapters.db.visibility import MINE_CAP, Part, build_mine, merge_pages, parts_of
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status
from fireline.domain.timeline import TimelineEvent
from fireline.services.ports import (
    IncidentQuery,
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
FEW_MATCHES = 1_000
"""Below this many text matches, sorting them beats walking every incident newest first.

Walking costs about 51 / density rows for a page of 50; sorting costs a random read per
match. At a million incidents they break even near a thousand matches (measured with
`bench/run.py`)."""
RECENT = 20_000
"""How many of the newest incidents a word search tries alone before reading the rest."""
_INSERT_LINK = insert(incident_services)
_DELETE_LINKS = delete(incident_services).where(
    incident_services.c.incident_pk == bindparam("incident_pk")
)
_INSERT_EVENT = insert(timeline)
_TIMELINE_COLUMNS = [timeline.c.seq, *(c for c in timeline.columns if c.name != "seq")]


class SqlStore(AccessStoreMixin, AuditStoreMixin, CatalogStore):
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
        return None if row is None else _incident_from_row(row)

    def save_incident(self, incident: Incident) -> None:
        row = self._incident_row(incident)
        row["incident_id"] = row.pop("id")
        pk = self._connection.execute(_UPDATE_INCIDENT[self._dialect], row).scalar_one()
        # Rewriting the links is two cheap statements and saves reading the old ones.
        self._connection.execute(_DELETE_LINKS, {"incident_pk": pk})
        self._link_services([(pk, incident)])
        self._remember_words([incident])

    def list_incidents(self, query: IncidentQuery) -> list[Incident]:
        plan = Plan()
        if query.after is not None:
            after = self._connection.execute(_PK_OF, {"id": query.after.incident_id}).first()
            if after is None:
                return []
            plan = replace(plan, after_pk=after[0])
        words = split_words(query.text or "")
        if words:
            plan = replace(plan, expansions=self._expand_prefixes(words))
        if not (words and _is_text_only(query)):
            return self._run(query, plan)
        # A word search: no database can tell how many rows a prefix search matches, so
        # ask the data. Newest first, try the most recent incidents alone: when matches
        # are common a full page is among them, and nothing older needs reading.
        recent_matches = 0
        if not query.oldest_first:
            floor = self._connection.execute(build_recent_floor(plan.after_pk, RECENT)).first()
            if floor is not None:
                found = self._run(query, replace(plan, newer_than=floor[0]))
                if len(found) == query.limit:
                    return found
                recent_matches = len(found)
        # Matches are sparse. PostgreSQL then chooses between sorting the matches and
        # walking every incident by how many there are: estimated from the recent window
        # when it held some, else counted up to a cap (counting costs tens of milliseconds
        # when the words are common). SQLite's FTS5 already yields matches newest first.
        if self._dialect == "postgresql":
            if recent_matches:
                plan = replace(plan, matches_first=self._estimate(plan, recent_matches))
            else:
                plan = replace(plan, matches_first=self._few_matches(words, plan.expansions))
        return self._run(query, plan)

    def _estimate(self, plan: Plan, recent_matches: int) -> bool:
        """Whether few incidents match, from the share of the RECENT newest that did."""
        top = plan.after_pk or self._connection.execute(_NEWEST_PK).scalar_one() or 0
        return recent_matches * top / RECENT < FEW_MATCHES

    def _expand_prefixes(self, words: list[str]) -> tuple[tuple[str, ...] | None, ...]:
        """The recorded words each search word is a prefix of, where that list is short and
        certain to match the index's own words; None leaves a word to the index's prefix
        search (see `fireline.adapters.db.search` on prefix expansion)."""
        expansions: list[tuple[str, ...] | None] = []
        for word in words:
            whole: tuple[str, ...] = ()
            if word.isascii() or self._dialect == "postgresql":
                rows = self._connection.execute(build_prefix_expansion(word))
                whole = tuple(row[0] for row in rows)
            if self._dialect == "sqlite" and any(
                not w.isascii() or len(w) >= MAX_WORD for w in whole
            ):
                # FTS5 folds case and splits text by its own tables, and keeps words that
                # were recorded cut: only plain ASCII words are sure to be spelt as it does.
                whole = ()
            expansions.append(whole if 0 < len(whole) <= MAX_EXPANSION else None)
        return tuple(expansions)

    def _few_matches(
        self, words: list[str], expansions: tuple[tuple[str, ...] | None, ...]
    ) -> bool:
        probe = build_text_probe(words, expansions, FEW_MATCHES)
        return bool(self._connection.execute(probe).scalar_one() < FEW_MATCHES)

    def _run(self, query: IncidentQuery, plan: Plan) -> list[Incident]:
        visibility = query.visible_to
        parts = parts_of(visibility)
        if visibility is None or not parts:
            stmt = build_list_query(query, self._dialect, plan)
            return [_incident_from_row(row) for row in self._connection.execute(stmt)]
        mine = build_mine(visibility, MINE_CAP + 1)
        own = [row[0] for row in self._connection.execute(mine)]
        if len(own) <= MINE_CAP:
            # A handful of the caller's own incidents: list them by key, in one query.
            parts = [part for part in parts if part.mine is None]
            if own:
                parts.append(Part(None, pks=tuple(own)))
        pages = [
            list(
                self._connection.execute(
                    build_list_query(
                        query, self._dialect, replace(plan, part=part), with_position=True
                    )
                )
            )
            for part in parts
        ]
        by_time = query.declared_from is not None or query.declared_until is not None
        rows = merge_pages(
            pages, by_time=by_time, oldest_first=query.oldest_first, limit=query.limit
        )
        return [_incident_from_row(row[:-2]) for row in rows]

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


def _is_text_only(query: IncidentQuery) -> bool:
    return query == IncidentQuery(
        text=query.text,
        oldest_first=query.oldest_first,
        after=query.after,
        limit=query.limit,
        visible_to=query.visible_to,
    )


def _incident_from_row(row: Row[Any]) -> Incident:
    values: dict[str, Any] = dict(zip(INCIDENT_FIELDS, row, strict=True))
    values["services"] = tuple(json.loads(values["services"]))
    values["links"] = tuple(json.loads(values["links"]))
    values["labels"] = tuple(json.loads(values["labels"]))
    values["status"] = Status(values["status"])
    if values["resume_status"] is not None:
        values["resume_status"] = Status(values["resume_status"])
    return Incident(**values)
