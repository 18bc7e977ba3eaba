"""Which incidents a caller sees, as queries an index can answer.

`fireline.domain.access.can_see` is one OR: not restricted (if the caller sees open
incidents), restricted (if they see restricted ones), reported by them, or added to them by
name. As one WHERE clause it defeats every index when most rows that pass the other filters
are ones the caller may not see: a responder listing `type=security`, all restricted, makes
the database read every security incident to prove it may show none. So a listing runs once
per `Part` of that OR, each of which an index serves (migration 0003), and the pages are
merged. Parts may overlap (a reported incident the caller was also added to); the merge
keeps each incident once.

The caller's own part (what they reported or were added to, beyond what the flags cover)
is usually a handful of incidents; the store first collects their pks (`build_mine`) and
lists the part as `pk IN (…)`, which every planner answers by key lookups whatever else is
filtered. Only past `MINE_CAP` of them does it list the part by its conditions instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, bindparam, false, select, true, union

from fireline.adapters.db.tables import incident_access, incidents
from fireline.domain.access import Visibility


@dataclass(frozen=True)
class Part:
    """One slice of what a caller sees: restricted or not (None: either), and whether only
    what they reported or were added to."""

    restricted: bool | None
    mine: Literal["reported", "granted"] | None = None
    pks: tuple[int, ...] | None = None
    """Exactly these incidents (the caller's own, collected by `build_mine`)."""


MINE_CAP = 2_000
"""Up to this many of a caller's own incidents are listed by key (see the module's doc)."""


def parts_of(visibility: Visibility | None) -> list[Part]:
    """The slices whose union is what `visibility` sees; empty when it sees everything."""
    if visibility is None or visibility.sees_everything:
        return []
    parts = []
    if visibility.sees_open:
        parts.append(Part(restricted=False))
    if visibility.sees_restricted:
        parts.append(Part(restricted=True))
    rest = own_restriction(visibility)
    return [*parts, Part(rest, "reported"), Part(rest, "granted")]


def own_restriction(visibility: Visibility) -> bool | None:
    """Which of the caller's own incidents the flags do not cover already: the restricted
    ones (True), the open ones (False), or all of them (None)."""
    if visibility.sees_open or visibility.sees_restricted:
        return visibility.sees_open
    return None


def build_mine(visibility: Visibility, cap: int) -> Select[Any]:
    """Up to `cap` pks of the caller's own incidents that the flags do not cover."""
    restricted = own_restriction(visibility)
    kinds: tuple[Literal["reported", "granted"], ...] = ("reported", "granted")
    selects = [
        select(incidents.c.pk).where(*part_conditions(visibility, Part(restricted, kind)))
        for kind in kinds
    ]
    return select(union(*selects).subquery().c.pk).limit(cap)


def part_conditions(visibility: Visibility, part: Part) -> list[ColumnElement[bool]]:
    """The WHERE terms of one slice (written so that the partial indexes of 0003 match)."""
    conditions: list[ColumnElement[bool]] = []
    if part.pks is not None:
        return [incidents.c.pk.in_(bindparam("own_pks", list(part.pks), expanding=True))]
    if part.restricted is not None:
        conditions.append(incidents.c.is_restricted == (true() if part.restricted else false()))
    user = bindparam("caller", visibility.user, type_=incidents.c.reporter.type)
    if part.mine == "reported":
        conditions.append(incidents.c.reporter == user)
    elif part.mine == "granted":
        granted = select(incident_access.c.incident_id).where(incident_access.c.user_name == user)
        conditions.append(incidents.c.id.in_(granted))
    return conditions


def merge_pages(
    pages: list[list[Any]], *, by_time: bool, oldest_first: bool, limit: int
) -> list[Any]:
    """One page from the slices' pages: rows end in (declared_at, pk) … pk as selected by
    `build_list_query(with_position=True)`; each incident once, in listing order."""
    rows = {row[-1]: row for page in pages for row in page}
    key = (lambda row: (row[-2], row[-1])) if by_time else (lambda row: row[-1])
    return sorted(rows.values(), key=key, reverse=not oldest_first)[:limit]
