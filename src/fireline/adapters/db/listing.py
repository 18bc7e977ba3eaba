"""`ListingMixin`: how the store plans and runs an incident listing.

The query itself is built in `fireline.adapters.db.search`; here the store decides, from the
data, which plan to ask for (a recent window first for word searches, matches-first or
walk-newest-first on PostgreSQL) and, for a caller who may not see everything, lists each
slice of what they see and merges the pages (`fireline.adapters.db.visibility`).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, bindparam, func, select

from fireline.adapters.db.rows import incident_from_row
from fireline.adapters.db.search import (
    MAX_EXPANSION,
    MAX_WORD,
    Plan,
    build_list_query,
    build_prefix_expansion,
    build_recent_floor,
    build_text_probe,
    split_words,
)
from fireline.adapters.db.tables import incidents
from fireline.adapters.db.visibility import MINE_CAP, Part, build_mine, merge_pages, parts_of
from fireline.domain.incident import Incident
from fireline.services.ports import IncidentQuery

_PK_OF = select(incidents.c.pk).where(incidents.c.id == bindparam("id"))
_NEWEST_PK = select(func.max(incidents.c.pk))
FEW_MATCHES = 1_000
"""Below this many text matches, sorting them beats walking every incident newest first.

Walking costs about 51 / density rows for a page of 50; sorting costs a random read per
match. At a million incidents they break even near a thousand matches (measured with
`bench/run.py`)."""
RECENT = 20_000
"""How many of the newest incidents a word search tries alone before reading the rest."""


class ListingMixin:
    """`list_incidents` of `SqlStore`, on one connection."""

    _connection: Connection
    _dialect: str

    def list_incidents(self, query: IncidentQuery) -> list[Incident]:
        plan = Plan()
        if query.after is not None:
            after = self._connection.execute(_PK_OF, {"id": query.after.incident_id}).first()
            if after is None:
                return []
            plan = replace(plan, after_pk=after[0])
        words = split_words(query.text or "")
        if not words and (query.text or "").strip():
            return []  # only non-word characters ("!!", an emoji): no incident holds those
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
            return [incident_from_row(row) for row in self._connection.execute(stmt)]
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
        return [incident_from_row(row[:-2]) for row in rows]


def _is_text_only(query: IncidentQuery) -> bool:
    return query == IncidentQuery(
        text=query.text,
        oldest_first=query.oldest_first,
        after=query.after,
        limit=query.limit,
        visible_to=query.visible_to,
    )
