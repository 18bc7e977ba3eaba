"""The incident listing query: filters, keyset paging and free-text search.

Free text
---------
A word is a run of letters and digits (``[^\\W_]+``, lower-cased); everything else —
quotes, operators, ``*``, parentheses, punctuation — only separates words, so no input can
reach the FTS or tsquery syntax. Every word of the query must be a prefix of some word of the
title or description (case-insensitive). A query with no words at all (``"*)("``) is treated
as no text filter, the same as an empty one: it asks for nothing in particular.

SQLite searches an FTS5 table (tokenizer ``unicode61 remove_diacritics 0``, which splits on
the same characters); PostgreSQL a ``tsvector`` of exactly these words, built by the adapter
rather than by ``to_tsvector``, whose parser would keep ``db.example.com`` as one host token
where SQLite sees three words. Words longer than `MAX_WORD` are neither indexed nor searched
(PostgreSQL cannot index them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    cast,
    exists,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from fireline.adapters.db.tables import (
    INCIDENT_FIELDS,
    incident_services,
    incidents,
    incidents_fts,
)
from fireline.services.ports import IncidentQuery

MAX_WORD = 200
_WORD = re.compile(r"[^\W_]+")


def split_words(text: str) -> list[str]:
    """The distinct searchable words of `text`, lower-cased, in order of appearance."""
    return list(dict.fromkeys(w for w in _WORD.findall(text.lower()) if len(w) <= MAX_WORD))


def fts5_match(words: Sequence[str]) -> str:
    """An FTS5 MATCH expression requiring every word as a prefix (implicit AND)."""
    # Words hold only letters and digits, so quoting them cannot be broken out of.
    return " ".join(f'"{word}"*' for word in words)


def pg_tsquery(words: Sequence[str]) -> str:
    """A tsquery literal requiring every word as a prefix."""
    return " & ".join(f"'{word}':*" for word in words)


def build_list_query(query: IncidentQuery, dialect_name: str) -> Select[Any]:
    """SELECT the incident columns (`INCIDENT_FIELDS` order) matching `query`, in its order.

    Listing follows the declaration sequence (`pk`), newest first unless `oldest_first`:
    order by pk, not by declared_at, because every filter index ends in pk and SQLite's FTS5
    yields matches in pk order, so a page stops at LIMIT however many rows match. `after`
    continues strictly past the incident it names.
    """
    columns = [incidents.c[name] for name in INCIDENT_FIELDS]
    conditions: list[ColumnElement[bool]] = []
    key: ColumnElement[int] = incidents.c.pk
    words = split_words(query.text) if query.text is not None else []
    if words and dialect_name == "sqlite":
        # Drive from the FTS5 index, which walks its matches in rowid (= pk) order.
        key = incidents_fts.c.rowid
        stmt = select(*columns).select_from(
            incidents_fts.join(incidents, incidents.c.pk == incidents_fts.c.rowid)
        )
        match = literal_column("incidents_fts").op("MATCH")(fts5_match(words))
        conditions.append(match)
        _filter_services(query.services, conditions)
    elif len(query.services) == 1:
        # Drive from the link table: its (service, incident_pk) key is in listing order.
        key = incident_services.c.incident_pk
        stmt = select(*columns).select_from(
            incident_services.join(incidents, incidents.c.pk == incident_services.c.incident_pk)
        )
        conditions.append(incident_services.c.service == query.services[0])
    else:
        stmt = select(*columns)
        _filter_services(query.services, conditions)
    for values, col in (
        ([s.value for s in query.statuses], incidents.c.status),
        (query.severities, incidents.c.severity),
        (query.priorities, incidents.c.priority),
        (query.types, incidents.c.type),
        (query.teams, incidents.c.team),
    ):
        if len(values) == 1:
            conditions.append(col == values[0])
        elif values:
            conditions.append(col.in_(values))
    if query.reporter is not None:
        conditions.append(incidents.c.reporter == query.reporter)
    if query.declared_from is not None:
        conditions.append(incidents.c.declared_at >= query.declared_from)
    if query.declared_until is not None:
        conditions.append(incidents.c.declared_at < query.declared_until)
    if words and dialect_name != "sqlite":
        vector: ColumnElement[Any] = literal_column("incidents.search_vector")
        conditions.append(vector.op("@@")(cast(pg_tsquery(words), TSQUERY)))
    if query.after is not None:
        after_pk = (
            select(incidents.c.pk)
            .where(incidents.c.id == bindparam("after_id", query.after.incident_id))
            .scalar_subquery()
        )
        conditions.append(key > after_pk if query.oldest_first else key < after_pk)
    if conditions:
        stmt = stmt.where(*conditions)
    return stmt.order_by(key.asc() if query.oldest_first else key.desc()).limit(query.limit)


def _filter_services(names: Sequence[str], conditions: list[ColumnElement[bool]]) -> None:
    if names:
        conditions.append(
            exists().where(
                incident_services.c.incident_pk == incidents.c.pk,
                incident_services.c.service.in_(names),
            )
        )
