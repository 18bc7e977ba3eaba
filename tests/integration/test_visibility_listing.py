"""Listing what a caller may see, slice by slice, gives exactly what `can_see` allows.

The store lists a partial viewer's incidents as several slices merged (see
`fireline.adapters.db.visibility`); this checks the merge against the domain rule for every
kind of caller, every page, both orders, with and without a date range and text.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from fireline.adapters.db import listing as listing_module
from fireline.adapters.db.database import SqlDatabase
from fireline.domain.access import Visibility, can_see
from fireline.services.access_ports import AccessGrant
from fireline.services.ports import IncidentQuery, Position
from tests.integration.test_store import T0, make_incident

PEOPLE = ("ann", "ben", "cat")
CALLERS = {
    "responder": Visibility("ann", sees_open=True, sees_restricted=False),
    "reporter": Visibility("ann", sees_open=False, sees_restricted=False),
    "security reporter": Visibility("ann", sees_open=False, sees_restricted=True),
    "admin": Visibility("ann", sees_open=True, sees_restricted=True),
}


@pytest.fixture
def scene(database: SqlDatabase) -> dict[str, tuple[bool, str, bool]]:
    """60 incidents: id → (restricted, reporter, ann added by name)."""
    rng = random.Random(7)
    facts: dict[str, tuple[bool, str, bool]] = {}
    with database.transaction() as store:
        for n in range(60):
            incident = make_incident(
                id=f"INC-2026-1125-{n + 1:03d}",
                title="disk full" if n % 3 else "login slow",
                declared_at=T0 + timedelta(minutes=n // 2),  # pairs share a declaration time
                reporter=rng.choice(PEOPLE),
                is_restricted=rng.random() < 0.4,
            )
            store.add_incident(incident)
            granted = rng.random() < 0.2
            if granted:
                store.add_access(incident.id, AccessGrant("ann", "ben", T0))
            facts[incident.id] = (incident.is_restricted, incident.reporter, granted)
    return facts


def every_page(database: SqlDatabase, query: IncidentQuery) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        with database.transaction(write=False) as store:
            page = store.list_incidents(replace(query, after=after, limit=7))
        ids += [incident.id for incident in page]
        if len(page) < 7:
            return ids
        after = Position(page[-1].declared_at, page[-1].id)


@pytest.mark.parametrize("cap", [2_000, 1], ids=["own-by-key", "own-by-conditions"])
@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("oldest_first", [False, True])
@pytest.mark.parametrize("variant", ["plain", "dates", "text"])
def test_each_caller_lists_exactly_what_they_may_see(
    database: SqlDatabase,
    scene: dict[str, tuple[bool, str, bool]],
    caller: str,
    oldest_first: bool,
    variant: str,
    cap: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Both ways of listing the caller's own incidents: by key, and past the cap by conditions.
    monkeypatch.setattr(listing_module, "MINE_CAP", cap)
    visibility = CALLERS[caller]
    query = IncidentQuery(visible_to=visibility, oldest_first=oldest_first)
    expected = list(scene)  # declaration order
    if variant == "dates":
        query = replace(
            query,
            declared_from=T0 + timedelta(minutes=5),
            declared_until=T0 + timedelta(minutes=25),
        )
        expected = expected[10:50]
    elif variant == "text":
        query = replace(query, text="disk")
        expected = [i for n, i in enumerate(expected) if n % 3]
    expected = [
        incident_id
        for incident_id in expected
        if can_see(
            visibility,
            is_restricted=scene[incident_id][0],
            reporter=scene[incident_id][1],
            is_granted=scene[incident_id][2],
        )
    ]
    if not oldest_first:
        expected.reverse()
    assert every_page(database, query) == expected
    assert 0 < len(expected) < 60 or caller == "admin"
