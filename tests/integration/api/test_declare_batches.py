"""Declarations written together: each gets its own answer, refused ones write nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from fireline.adapters.db.database import SqlDatabase
from fireline.adapters.policy_file import load_preset
from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from fireline.domain.errors import FirelineError, UnknownName
from fireline.domain.incident import Draft, Incident
from fireline.domain.people import Team, User
from fireline.entrypoints.api.app import create_app
from fireline.entrypoints.api.batching import Batcher
from fireline.services import people
from fireline.services.incidents import declare_incidents
from fireline.services.policies import PolicyBook
from tests.integration.api.conftest import CHEAP_HASHER, add_person, bearer

NOW = datetime(2026, 11, 25, 23, 59, tzinfo=UTC)


def policies() -> PolicyBook:
    policy = load_preset("default").policy
    return PolicyBook(1, policy, lambda version: policy)


def draft(title: str, **overrides: object) -> Draft:
    fields: dict[str, object] = {"title": title, "type": "data", "reporter": "ana"}
    fields.update(overrides)
    return Draft(**fields)  # type: ignore[arg-type]


def add_people(database: SqlDatabase, *names: str) -> None:
    for name in names:
        user = User(name, f"{name}@example.test", AccessRole.RESPONDER)
        people.create_user(database, CHEAP_HASHER, user, password=None, actor="test", now=NOW)


def test_a_batch_answers_each_draft_and_refused_ones_take_no_number(
    database: SqlDatabase,
) -> None:
    add_people(database, "ana")
    results = declare_incidents(
        database,
        policies(),
        [
            (draft("first"), NOW),
            (draft("bad type", type="outage"), NOW),
            (draft("second"), NOW + timedelta(seconds=1)),
            (draft("after midnight"), NOW + timedelta(minutes=2)),
            (draft("", severity=1), NOW),
        ],
    )
    kinds = [type(result).__name__ for result in results]
    assert kinds == ["Incident", "UnknownName", "Incident", "Incident", "InvalidInput"]
    declared = [r for r in results if isinstance(r, Incident)]
    assert [i.id for i in declared] == [
        "INC-2026-1125-001",
        "INC-2026-1125-002",
        "INC-2026-1126-001",
    ]
    assert isinstance(results[1], UnknownName)
    with database.transaction(write=False) as store:
        assert store.count_incidents() == 3
        assert store.count_events() == 6
        assert [e.event.kind for e in store.list_timeline("INC-2026-1126-001")] == [
            "declared",
            "severity_decided",
        ]


def test_a_draft_naming_nobody_is_refused_without_failing_its_batch_mates(
    database: SqlDatabase,
) -> None:
    add_people(database, "ana", "bo")
    with database.transaction() as store:
        store.add_team(Team("payments"))
    results = declare_incidents(
        database,
        policies(),
        [
            (draft("reported by a ghost", reporter="ghost", is_restricted=True), NOW),
            (draft("owned by bo", owner="bo", team="payments"), NOW),
            (draft("owned by a ghost", owner="casper"), NOW),
            (draft("for a team nobody made", team="phantoms"), NOW),
            (draft("plain"), NOW),
        ],
    )
    refused = [(r.field, r.value) for r in results if isinstance(r, UnknownName)]
    assert refused == [("reporter", "ghost"), ("owner", "casper"), ("team", "phantoms")]
    declared = [r for r in results if isinstance(r, Incident)]
    assert [(i.id, i.title) for i in declared] == [
        ("INC-2026-1125-001", "owned by bo"),
        ("INC-2026-1125-002", "plain"),
    ]
    with database.transaction(write=False) as store:
        assert store.count_incidents() == 2
        assert store.count_events() == 4


def test_many_requests_at_once_naming_nobody_are_refused_one_by_one(context: Context) -> None:
    """Through the batching path: each request naming nobody gets its own 422, naming the
    field; the others in its batches are declared."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(context))
        headers = bearer(add_person(context, "ana", AccessRole.RESPONDER))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://fireline", headers=headers
        ) as client:
            bodies = [
                {"title": f"Outage {n}", "type": "data", "owner": "ghost" if n % 5 == 0 else "ana"}
                for n in range(40)
            ]
            return await asyncio.gather(
                *(client.post("/api/v1/incidents", json=body) for body in bodies)
            )

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [422 if n % 5 == 0 else 201 for n in range(40)]
    for refused in responses[::5]:
        assert refused.json()["errors"] == [{"field": "owner", "message": "no user 'ghost'"}]
    with context.database.transaction(write=False) as store:
        assert store.count_incidents() == 32


def test_many_requests_at_once_are_each_answered_with_their_own_incident(
    context: Context,
) -> None:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(context))
        headers = bearer(add_person(context, "ana", AccessRole.REPORTER))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://fireline", headers=headers
        ) as client:
            bodies = [
                {"title": f"Outage {n}", "type": "data" if n % 7 else "outage"} for n in range(60)
            ]
            return await asyncio.gather(
                *(client.post("/api/v1/incidents", json=body) for body in bodies)
            )

    responses = asyncio.run(run())
    statuses = [response.status_code for response in responses]
    assert statuses == [422 if n % 7 == 0 else 201 for n in range(60)]
    created = [r.json() for r in responses if r.status_code == 201]
    assert all(
        r["title"] == f"Outage {n}"
        for n, r in zip((n for n in range(60) if n % 7), created, strict=True)
    )
    assert len({r["id"] for r in created}) == len(created)
    with context.database.transaction(write=False) as store:
        assert store.count_incidents() == len(created)


def test_a_batch_that_fails_as_a_whole_fails_every_request_in_it() -> None:
    def broken(requests: object) -> list[Incident | FirelineError]:
        raise RuntimeError("database went away")

    async def run() -> list[BaseException | Incident]:
        batcher: Batcher[tuple[Draft, datetime], Incident] = Batcher(broken)
        return await asyncio.gather(
            *(batcher.submit((draft(f"d{n}"), NOW)) for n in range(3)), return_exceptions=True
        )

    results = asyncio.run(run())
    assert [str(result) for result in results] == ["database went away"] * 3
