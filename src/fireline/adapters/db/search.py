"""The incident listing query: filters, keyset paging and free-text search.

Free text
---------
A word is a run of letters, digits and combining marks, lower-cased (`all_words`); everything
else — quotes, operators, ``*``, parentheses, punctuation — only separates words, so no input
can reach the FTS or tsquery syntax. Every word of the query must be a prefix of some word of the
title or description (case-insensitive). A blank query is no text filter; a query of only
non-word characters (``"!!"``, ``"*)("``, an emoji) matches nothing, as a search box shows
"no results" for a search nothing contains (`ListingMixin.list_incidents`).

SQLite searches an FTS5 table (tokenizer ``unicode61 remove_diacritics 0``, which splits on
the same characters); PostgreSQL a ``tsvector`` of exactly these words, built by the adapter
rather than by ``to_tsvector``, whose parser would keep ``db.example.com`` as one host token
where SQLite sees three words. On PostgreSQL words longer than `MAX_WORD` are neither
indexed nor searched (it cannot index them); FTS5 indexes them.

Prefix expansion: both indexes answer an OR of whole words quickly but a prefix slowly, so a
search word is replaced by the recorded words it is a prefix of (`search_words`), when that
list is short and cannot differ from the index's own words: only ASCII words, and none cut
at MAX_WORD (a longer word is recorded cut, which sends that prefix to the index instead).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from fireline.adapters.db.tables import (
    INCIDENT_FIELDS,
    incident_services,
    incidents,
    incidents_fts,
    search_words,
)
from fireline.adapters.db.types import UTCDateTime
from fireline.adapters.db.visibility import Part, part_conditions
from fireline.services.ports import IncidentQuery

MAX_WORD = 200
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def split_words(text: str) -> list[str]:
    """The distinct searchable words of `text`, lower-cased, in order of appearance.

    Words longer than MAX_WORD are left out (PostgreSQL cannot index them)."""
    return [word for word in all_words(text) if len(word) <= MAX_WORD]


def all_words(text: str) -> list[str]:
    """Every distinct word of `text`, lower-cased, split as SQLite's unicode61 tokenizer
    splits: a word is a run of letters, digits, combining marks and private-use characters
    (a decomposed "é" stays inside its word)."""
    lowered = text.lower()
    if lowered.isascii():
        return list(dict.fromkeys(_ASCII_WORD.findall(lowered)))
    words: list[str] = []
    current: list[str] = []
    for char in lowered + " ":
        if char.isalnum() or unicodedata.category(char) in _WORD_MARKS:
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    return list(dict.fromkeys(words))


_WORD_MARKS = frozenset({"Mn", "Mc", "Me", "Co"})


MAX_EXPANSION = 64
"""A prefix standing for more words than this is left to FTS5's own prefix search."""


def fts5_match(words: Sequence[str], expansions: Sequence[Sequence[str] | None] = ()) -> str:
    """An FTS5 MATCH expression requiring every word as a prefix.

    `expansions[i]`, when given, lists every indexed word that `words[i]` is a prefix of:
    FTS5 answers an OR of whole words from its index directly, but a prefix query by first
    merging the full list of every matching word, which for a common word takes tens of
    milliseconds at a million incidents.
    """
    # Explicit AND: FTS5 allows the implicit form between phrases only, not parentheses.
    return _expression(
        words, expansions, whole='"{}"', prefix='"{}"*', any_of=" OR ", every=" AND "
    )


def build_prefix_expansion(word: str) -> Select[Any]:
    """Up to MAX_EXPANSION + 1 indexed words starting with `word`."""
    return (
        select(search_words.c.word)
        .where(search_words.c.word >= word, search_words.c.word < word + "\U0010ffff")
        .limit(MAX_EXPANSION + 1)
    )


def pg_tsquery(words: Sequence[str], expansions: Sequence[Sequence[str] | None] = ()) -> str:
    """A tsquery literal requiring every word as a prefix (see `fts5_match` on expansions:
    GIN intersects the lists of whole lexemes quickly, but scans every prefix match)."""
    return _expression(words, expansions, whole="'{}'", prefix="'{}':*", any_of=" | ", every=" & ")


def _expression(
    words: Sequence[str],
    expansions: Sequence[Sequence[str] | None],
    *,
    whole: str,
    prefix: str,
    any_of: str,
    every: str,
) -> str:
    """Every word as a prefix, or as the OR of the whole words it was expanded to.

    Words hold only letters, digits and marks (`all_words`), so quoting them in either
    syntax cannot be broken out of.
    """
    groups = []
    for position, word in enumerate(words):
        expansion = expansions[position] if position < len(expansions) else None
        if expansion:
            groups.append("(" + any_of.join(whole.format(w) for w in expansion) + ")")
        else:
            groups.append(prefix.format(word))
    return every.join(groups)


@dataclass(frozen=True)
class Plan:
    """How to run one listing, decided by the store before it builds the query.

    `after_pk` is the pk of the incident a page continues from (`query.after`).
    `matches_first` (PostgreSQL) says the text matches few rows: collect them through the
    full-text index and sort them, rather than walk every incident newest first testing each
    one, which is the better plan when matches are many.
    """

    after_pk: int | None = None
    matches_first: bool = False
    expansions: tuple[tuple[str, ...] | None, ...] = ()
    """The indexed words each search word stands for (None: leave the prefix to the index)."""
    newer_than: int | None = None
    """Only look at incidents with a larger pk: a cheap first try over recent incidents."""
    part: Part | None = None
    """The slice of the caller's visible incidents to list (see `visibility`); None: all."""


def build_recent_floor(after_pk: int | None, recent: int) -> Select[Any]:
    """The pk `recent` incidents below `after_pk` (or below the newest), if there are as many."""
    stmt = select(incidents.c.pk)
    if after_pk is not None:
        stmt = stmt.where(incidents.c.pk < after_pk)
    return stmt.order_by(incidents.c.pk.desc()).offset(recent).limit(1)


def build_text_probe(
    words: Sequence[str], expansions: Sequence[Sequence[str] | None], cap: int
) -> Select[Any]:
    """Count the PostgreSQL full-text matches of `words`, stopping at `cap`."""
    vector: ColumnElement[Any] = literal_column("incidents.search_vector")
    matching = (
        select(incidents.c.pk)
        .where(vector.op("@@")(cast(pg_tsquery(words, expansions), TSQUERY)))
        .limit(cap)
        .subquery()
    )
    return select(func.count()).select_from(matching)


def build_list_query(
    query: IncidentQuery, dialect_name: str, plan: Plan, *, with_position: bool = False
) -> Select[Any]:
    """SELECT the incident columns (`INCIDENT_FIELDS` order) matching `query`, in its order.

    Listing is newest first (oldest first with `oldest_first`) in one of two orders, each
    chosen so that an index yields rows already in order and a page stops at LIMIT:

    - by declaration sequence (`pk`): every filter index ends in pk, the service link table
      is keyed (service, pk), and SQLite's FTS5 yields matches in rowid (= pk) order;
    - by (`declared_at`, pk) when the listing has a date range, which the declared_at index
      then serves directly (walking pk order, the database would read every incident newer
      than the range first: pk and declared_at rise together, but no planner knows that).

    `plan.after_pk` continues strictly past the incident `query.after` names.
    """
    columns: list[ColumnElement[Any]] = [incidents.c[name] for name in INCIDENT_FIELDS]
    if with_position:  # for merging the pages of several slices (`merge_pages`)
        columns += [incidents.c.declared_at, incidents.c.pk]
    conditions: list[ColumnElement[bool]] = []
    key: ColumnElement[int] = incidents.c.pk
    ordering: ColumnElement[int] | None = None
    by_time = query.declared_from is not None or query.declared_until is not None
    words = split_words(query.text) if query.text is not None else []
    drive_fts = bool(words) and dialect_name == "sqlite" and not by_time
    text_condition = (
        _text_condition(words, dialect_name, drive_fts, plan.expansions) if words else None
    )
    if text_condition is not None and drive_fts:
        # Drive from the FTS5 index, which walks its matches in rowid (= pk) order.
        key = incidents_fts.c.rowid
        stmt = select(*columns).select_from(
            incidents_fts.join(incidents, incidents.c.pk == incidents_fts.c.rowid)
        )
        conditions.append(text_condition)
        _filter_services(query.services, conditions)
    elif text_condition is not None and plan.matches_first:
        # Few matches: ordering by an expression (pk + 0) keeps PostgreSQL from walking the
        # pk index, so it collects the matches through the full-text index and sorts them.
        ordering = incidents.c.pk + 0
        stmt = select(*columns)
        conditions.append(text_condition)
        _filter_services(query.services, conditions)
    elif len(query.services) == 1 and not by_time:
        # Drive from the link table: its (service, incident_pk) key is in listing order.
        key = incident_services.c.incident_pk
        stmt = select(*columns).select_from(
            incident_services.join(incidents, incidents.c.pk == incident_services.c.incident_pk)
        )
        conditions.append(incident_services.c.service == query.services[0])
        if text_condition is not None:
            conditions.append(text_condition)
    else:
        stmt = select(*columns)
        _filter_services(query.services, conditions)
        if text_condition is not None:
            conditions.append(text_condition)
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
    if plan.part is not None and query.visible_to is not None:
        conditions += part_conditions(query.visible_to, plan.part)
    if query.declared_from is not None:
        conditions.append(incidents.c.declared_at >= query.declared_from)
    if query.declared_until is not None:
        conditions.append(incidents.c.declared_at < query.declared_until)
    keys: tuple[ColumnElement[Any], ...] = (incidents.c.declared_at, key) if by_time else (key,)
    if query.after is not None:
        after_pk = bindparam("after_pk", plan.after_pk, type_=Integer)
        if by_time:
            after_at = bindparam("after_at", query.after.declared_at, type_=UTCDateTime)
            position = tuple_(*keys)
            bound = tuple_(after_at, after_pk)
            conditions.append(position > bound if query.oldest_first else position < bound)
        else:
            conditions.append(key > after_pk if query.oldest_first else key < after_pk)
    if plan.newer_than is not None:
        conditions.append(key > bindparam("newer_than", plan.newer_than, type_=Integer))
    if conditions:
        stmt = stmt.where(*conditions)
    if ordering is not None:
        keys = (*keys[:-1], ordering)
    order = [k.asc() if query.oldest_first else k.desc() for k in keys]
    return stmt.order_by(*order).limit(query.limit)


def _text_condition(
    words: Sequence[str],
    dialect_name: str,
    drive_fts: bool,
    expansions: Sequence[Sequence[str] | None],
) -> ColumnElement[bool]:
    if dialect_name == "sqlite":
        match = literal_column("incidents_fts").op("MATCH")(fts5_match(words, expansions))
        # Driving from incidents_fts, MATCH applies to it directly; otherwise ask it by pk.
        return (
            match if drive_fts else incidents.c.pk.in_(select(incidents_fts.c.rowid).where(match))
        )
    vector: ColumnElement[Any] = literal_column("incidents.search_vector")
    return vector.op("@@")(cast(pg_tsquery(words, expansions), TSQUERY))


def _filter_services(names: Sequence[str], conditions: list[ColumnElement[bool]]) -> None:
    if names:
        conditions.append(
            exists().where(
                incident_services.c.incident_pk == incidents.c.pk,
                incident_services.c.service.in_(names),
            )
        )
