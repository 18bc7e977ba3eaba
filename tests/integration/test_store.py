"""The SQL store against real SQLite and PostgreSQL databases (each test runs on both)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from fireline.adapters.db import listing as listing_module
from fireline.adapters.db import search as search_module
from fireline.adapters.db.database import SqlDatabase
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status
from fireline.domain.policy import Service
from fireline.domain.timeline import TimelineEvent
from fireline.services.ports import (
    CatalogEntry,
    DuplicateKey,
    IdempotencyRecord,
    IncidentQuery,
    Position,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def make_incident(**overrides: object) -> Incident:
    fields: dict[str, object] = {
        "id": "INC-2026-1125-001",
        "title": "Checkout is down",
        "description": "Customers cannot pay",
        "type": "outage",
        "severity": 2,
        "impact": None,
        "urgency": None,
        "priority": None,
        "services": (),
        "criticality": None,
        "reporter": "alice",
        "owner": None,
        "team": None,
        "support_tier": None,
        "steps_to_reproduce": "",
        "links": (),
        "labels": (),
        "status": Status.OPEN,
        "resume_status": None,
        "policy_version": 1,
        "declared_at": T0,
        "reported_at": T0,
    }
    fields.update(overrides)
    return Incident(**fields)  # type: ignore[arg-type]


def add(database: SqlDatabase, *incidents: Incident) -> None:
    with database.transaction() as store:
        for incident in incidents:
            store.add_incident(incident)


def listed(database: SqlDatabase, **query: object) -> list[str]:
    with database.transaction() as store:
        return [i.id for i in store.list_incidents(IncidentQuery(**query))]  # type: ignore[arg-type]


def test_an_incident_comes_back_with_every_field_equal_and_aware(database: SqlDatabase) -> None:
    paris = timezone(timedelta(hours=1))
    incident = make_incident(
        impact="high",
        urgency="high",
        priority="P1",
        services=("checkout", "payments"),
        criticality="tier_1",
        owner="bob",
        team="payments-team",
        support_tier=2,
        steps_to_reproduce="Open /checkout",
        links=("https://status.example.com/1",),
        labels=("customer", "ünïcode"),
        status=Status.ON_HOLD,
        resume_status=Status.INVESTIGATING,
        declared_at=datetime(2026, 11, 25, 10, 30, 15, 123456, tzinfo=paris),
        reported_at=T0,
        detected_at=T0 - timedelta(minutes=5),
        acknowledged_at=T0 + timedelta(minutes=1),
        acknowledged_by="bob",
        identified_at=T0 + timedelta(minutes=2),
        resolved_at=T0 + timedelta(minutes=3),
        closed_at=T0 + timedelta(minutes=4),
    )
    add(database, incident)
    with database.transaction() as store:
        stored = store.get_incident(incident.id)
        assert store.get_incident("INC-2026-1125-999") is None
    assert stored == incident
    assert stored is not None
    assert stored.declared_at.utcoffset() == timedelta(0)
    assert stored.detected_at is not None
    assert stored.detected_at.tzinfo is not None


def test_saving_an_incident_overwrites_its_fields_and_services(database: SqlDatabase) -> None:
    incident = make_incident(services=("checkout",))
    add(database, incident)
    changed = replace(
        incident, title="Payments degraded", services=("payments",), status=Status.RESOLVED
    )
    with database.transaction() as store:
        locked = store.get_incident(incident.id, for_update=True)
        assert locked == incident
        store.save_incident(changed)
    with database.transaction() as store:
        assert store.get_incident(incident.id) == changed
    assert listed(database, services=("payments",)) == [incident.id]
    assert listed(database, services=("checkout",)) == []
    assert listed(database, text="payments degr") == [incident.id]
    assert listed(database, text="checkout") == []


def test_a_naive_datetime_is_refused(database: SqlDatabase) -> None:
    with pytest.raises(sqlalchemy.exc.StatementError), database.transaction() as store:
        store.add_incident(make_incident(declared_at=datetime(2026, 1, 1)))


def test_sequence_numbers_count_per_day(database: SqlDatabase) -> None:
    with database.transaction() as store:
        first_day = [store.next_incident_sequence(date(2026, 11, 25)) for _ in range(3)]
        next_day = store.next_incident_sequence(date(2026, 11, 26))
    with database.transaction() as store:
        assert store.next_incident_sequence(date(2026, 11, 25)) == 4
    assert first_day == [1, 2, 3]
    assert next_day == 1


def test_a_read_transaction_runs_while_a_writer_holds_the_database(
    database: SqlDatabase,
) -> None:
    with database.transaction() as writer:
        writer.add_incident(make_incident())
        with database.transaction(write=False) as reader:
            # The writer has not committed: the reader sees the state before it.
            assert reader.count_incidents() == 0
    with database.transaction(write=False) as reader:
        assert reader.count_incidents() == 1


def test_a_failed_transaction_writes_nothing(database: SqlDatabase) -> None:
    event = TimelineEvent("declared", T0, "alice", "declared")

    def declare_then_fail() -> None:
        with database.transaction() as store:
            store.add_incident(make_incident())
            store.append_events("INC-2026-1125-001", [event])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        declare_then_fail()
    with database.transaction() as store:
        assert (store.count_incidents(), store.count_events()) == (0, 0)


# -- listing -------------------------------------------------------------------------


@pytest.fixture
def catalogue(database: SqlDatabase) -> list[Incident]:
    """Six incidents an hour apart, newest last, with distinct filterable values."""
    incidents = [
        make_incident(
            id=f"INC-2026-1125-00{n}",
            declared_at=T0 + timedelta(hours=n),
            status=[Status.OPEN, Status.INVESTIGATING, Status.RESOLVED][n % 3],
            severity=1 + n % 2,
            priority=["P1", "P2"][n % 2],
            type="security" if n >= 4 else "outage",
            team=["red", "blue", None][n % 3],
            reporter="bob" if n >= 3 else "alice",
            services=[("checkout",), ("checkout", "payments"), ()][n % 3],
            title=["Checkout down", "Payments slow", "Login broken"][n % 3],
            description=["Database timeouts", "Cache misses", "Ünïcode Café"][n % 3],
        )
        for n in range(1, 7)
    ]
    add(database, *incidents)
    return incidents


def ids(*numbers: int) -> list[str]:
    return [f"INC-2026-1125-00{n}" for n in numbers]


def test_listing_is_newest_first_unless_oldest_first(
    database: SqlDatabase, catalogue: list[Incident]
) -> None:
    assert listed(database) == ids(6, 5, 4, 3, 2, 1)
    assert listed(database, oldest_first=True) == ids(1, 2, 3, 4, 5, 6)
    assert listed(database, limit=2) == ids(6, 5)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"statuses": (Status.OPEN,)}, [6, 3]),
        ({"statuses": (Status.OPEN, Status.RESOLVED)}, [6, 5, 3, 2]),
        ({"severities": (1,)}, [6, 4, 2]),
        ({"priorities": ("P2",)}, [5, 3, 1]),
        ({"types": ("security",)}, [6, 5, 4]),
        ({"teams": ("red", "blue")}, [6, 4, 3, 1]),
        ({"reporter": "bob"}, [6, 5, 4, 3]),
        ({"services": ("payments",)}, [4, 1]),
        ({"services": ("checkout",)}, [6, 4, 3, 1]),
        ({"services": ("checkout", "payments")}, [6, 4, 3, 1]),
        ({"declared_from": T0 + timedelta(hours=2)}, [6, 5, 4, 3, 2]),
        ({"declared_until": T0 + timedelta(hours=2)}, [1]),
        ({"services": ("checkout",), "declared_from": T0 + timedelta(hours=2)}, [6, 4, 3]),
        ({"statuses": (Status.INVESTIGATING,), "reporter": "alice", "severities": (2,)}, [1]),
        ({"types": ("outage",), "teams": ("blue",), "services": ("checkout",)}, [1]),
    ],
)
def test_each_filter_and_their_combinations_narrow_the_listing(
    database: SqlDatabase,
    catalogue: list[Incident],
    query: dict[str, object],
    expected: list[int],
) -> None:
    assert listed(database, **query) == ids(*expected)


@pytest.mark.parametrize("oldest_first", [False, True])
@pytest.mark.parametrize("services", [(), ("checkout",)])
def test_keyset_pages_have_no_gaps_or_duplicates(
    database: SqlDatabase,
    catalogue: list[Incident],
    oldest_first: bool,
    services: tuple[str, ...],
) -> None:
    everything = listed(database, oldest_first=oldest_first, services=services)
    seen: list[str] = []
    after = None
    while True:
        with database.transaction() as store:
            page = store.list_incidents(
                IncidentQuery(oldest_first=oldest_first, services=services, after=after, limit=2)
            )
        if not page:
            break
        seen.extend(i.id for i in page)
        after = Position(page[-1].declared_at, page[-1].id)
    assert seen == everything
    assert len(set(seen)) == len(seen)


@pytest.mark.parametrize(
    "query",
    [
        {"declared_from": T0 + timedelta(hours=2)},
        {"declared_until": T0 + timedelta(hours=6), "oldest_first": True},
        {"text": "checkout database"},
        {"text": "checkout", "declared_from": T0},
        {"text": "down", "services": ("checkout",)},
    ],
)
@pytest.mark.parametrize(
    ("few_matches", "recent"),
    [(listing_module.FEW_MATCHES, listing_module.RECENT), (listing_module.FEW_MATCHES, 2), (1, 2)],
)
def test_date_and_text_listings_page_without_gaps_whichever_plan_runs(
    database: SqlDatabase,
    catalogue: list[Incident],
    monkeypatch: pytest.MonkeyPatch,
    query: dict[str, Any],
    few_matches: int,
    recent: int,
) -> None:
    # PostgreSQL picks its text plan from the data: it tries the `recent` newest incidents
    # first, then counts matches against a threshold. Small values force each plan on this
    # small catalogue, so every plan is checked against the same answer.
    monkeypatch.setattr(listing_module, "FEW_MATCHES", few_matches)
    monkeypatch.setattr(listing_module, "RECENT", recent)
    everything = listed(database, **query)
    assert everything
    seen: list[str] = []
    after = None
    while True:
        with database.transaction(write=False) as store:
            page = store.list_incidents(IncidentQuery(**query, after=after, limit=1))
        if not page:
            break
        seen.extend(i.id for i in page)
        after = Position(page[-1].declared_at, page[-1].id)
    assert seen == everything


def test_paging_breaks_ties_on_the_same_instant_by_id(database: SqlDatabase) -> None:
    add(database, *(make_incident(id=f"INC-2026-1125-00{n}") for n in range(1, 6)))
    with database.transaction() as store:
        first = store.list_incidents(IncidentQuery(limit=2))
        rest = store.list_incidents(
            IncidentQuery(after=Position(first[-1].declared_at, first[-1].id))
        )
    assert [i.id for i in first + rest] == ids(5, 4, 3, 2, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout", [6, 3]),
        ("CHECK", [6, 3]),
        ("pay", [4, 1]),
        ("payments cache", [4, 1]),
        ("payments database", []),
        ("tim", [6, 3]),
        ("café", [5, 2]),
        ("ünï", [5, 2]),
        ("ÜNÏCODE", [5, 2]),
        ("  login,  broken!  ", [5, 2]),
    ],
)
def test_text_matches_every_word_as_a_prefix_case_insensitively(
    database: SqlDatabase, catalogue: list[Incident], text: str, expected: list[int]
) -> None:
    assert listed(database, text=text) == ids(*expected)


@pytest.mark.parametrize(
    "text", ["\"foo' OR 1=1 --", "*)(", "AND", "NOT pay", "a:* & b", "\\", "'", "%_", "😀 🔥"]
)
def test_hostile_text_is_just_words(
    database: SqlDatabase, catalogue: list[Incident], text: str
) -> None:
    result = listed(database, text=text)
    assert len(result) <= 6


def test_text_without_words_matches_nothing(
    database: SqlDatabase, catalogue: list[Incident]
) -> None:
    # A search box that shows everything for "!!" answers a question nobody asked.
    assert listed(database, text="*)(") == []
    assert listed(database, text="😀 🔥") == []
    assert listed(database, text="not pay") == []  # "not" is a word here, not an operator


def test_blank_text_is_no_filter(database: SqlDatabase, catalogue: list[Incident]) -> None:
    assert listed(database, text="   ") == ids(6, 5, 4, 3, 2, 1)


def test_text_combines_with_filters(database: SqlDatabase, catalogue: list[Incident]) -> None:
    assert listed(database, text="checkout", reporter="bob") == ids(6, 3)
    assert listed(database, text="checkout", reporter="alice") == []


# -- timeline, roles -----------------------------------------------------------------


def test_the_timeline_keeps_events_in_order_and_forbids_changes(database: SqlDatabase) -> None:
    events = [
        TimelineEvent("declared", T0, "alice", "declared", after={"severity": 2, "x": [1]}),
        TimelineEvent("severity_changed", T0, "bob", "raised", "severity", 2, 1, "worse"),
        TimelineEvent("comment", T0 + timedelta(seconds=1), "bob", "commented", note="hi"),
    ]
    add(database, make_incident())
    with database.transaction() as store:
        store.append_events("INC-2026-1125-001", events[:2])
        store.append_events("INC-2026-1125-001", events[2:])
    with database.transaction() as store:
        recorded = store.list_timeline("INC-2026-1125-001")
        assert store.count_events() == 3
    assert [r.event for r in recorded] == events
    assert [r.seq for r in recorded] == sorted(r.seq for r in recorded)
    assert recorded[0].event.at.tzinfo is not None
    for statement in ("UPDATE timeline SET summary = 'x'", "DELETE FROM timeline"):
        with (
            pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"),
            database.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    with database.transaction() as store:
        assert [r.event for r in store.list_timeline("INC-2026-1125-001")] == events


def test_role_changes_keep_their_history(database: SqlDatabase) -> None:
    add(database, make_incident())
    t1, t2, t3 = (T0 + timedelta(minutes=n) for n in (1, 2, 3))
    with database.transaction() as store:
        store.set_role_holder("INC-2026-1125-001", "commander", "alice", t1)
        store.set_role_holder("INC-2026-1125-001", "scribe", "carol", t1)
        store.set_role_holder("INC-2026-1125-001", "commander", "bob", t2)
        store.set_role_holder("INC-2026-1125-001", "scribe", None, t3)
    with database.transaction() as store:
        holders = store.role_holders("INC-2026-1125-001")
        history = store.role_history("INC-2026-1125-001")
    assert holders == {"commander": "bob"}
    assert [(a.role, a.person, a.since, a.until) for a in history] == [
        ("commander", "alice", t1, t2),
        ("scribe", "carol", t1, t3),
        ("commander", "bob", t2, None),
    ]


# -- catalog, policies, keys, secret --------------------------------------------------


def test_a_duplicate_service_raises_and_the_transaction_goes_on(database: SqlDatabase) -> None:
    checkout = CatalogEntry(Service("checkout", "tier_1", "payments", True, "Pay"), True)
    with database.transaction() as store:
        store.add_service(checkout)
        with pytest.raises(DuplicateKey):
            store.add_service(CatalogEntry(Service("checkout", "tier_3"), False))
        store.add_service(CatalogEntry(Service("search", "tier_2"), False))
    with database.transaction() as store:
        assert store.get_service("checkout") == checkout
        assert store.get_service("nope") is None
        assert [e.service.name for e in store.list_services()] == ["checkout", "search"]
        assert store.service_tiers(["checkout", "search", "nope"]) == {
            "checkout": "tier_1",
            "search": "tier_2",
        }
        assert store.service_tiers([]) == {}


def test_saving_a_service_overwrites_it(database: SqlDatabase) -> None:
    edited = CatalogEntry(Service("checkout", "tier_2", None, False, "Now less critical"), False)
    with database.transaction() as store:
        store.add_service(CatalogEntry(Service("checkout", "tier_1"), True))
        store.save_service(edited)
    with database.transaction() as store:
        assert store.get_service("checkout") == edited


def test_a_live_idempotency_key_is_taken_and_an_expired_one_replaced(
    database: SqlDatabase,
) -> None:
    old = IdempotencyRecord("key-1", "hash-a", "INC-2026-1125-001", T0)
    newer = IdempotencyRecord("key-1", "hash-b", "INC-2026-1125-002", T0 + timedelta(days=2))
    with database.transaction() as store:
        assert store.find_idempotency_key("key-1") is None
        store.remember_idempotency_key(old, expired_before=T0 - timedelta(days=1))
    with database.transaction() as store:
        assert store.find_idempotency_key("key-1") == old
        with pytest.raises(DuplicateKey):
            store.remember_idempotency_key(newer, expired_before=T0)
        assert store.find_idempotency_key("key-1") == old  # transaction still usable
        store.remember_idempotency_key(newer, expired_before=T0 + timedelta(days=1))
    with database.transaction() as store:
        assert store.find_idempotency_key("key-1") == newer


def test_recording_the_same_policy_twice_keeps_one_version(database: SqlDatabase) -> None:
    with database.transaction() as store:
        first = store.record_policy("default", "digest-a", "doc a", T0)
        again = store.record_policy("default", "digest-a", "doc a", T0 + timedelta(hours=1))
        second = store.record_policy("default", "digest-b", "doc b", T0 + timedelta(hours=2))
    with database.transaction() as store:
        record = store.get_policy(first)
        assert store.get_policy(999) is None
    assert (first, again, second) == (1, 1, 2)
    assert record is not None
    assert (record.name, record.digest, record.document, record.recorded_at) == (
        "default",
        "digest-a",
        "doc a",
        T0,
    )


def test_the_instance_secret_is_the_same_for_every_database_object(database_url: str) -> None:
    from fireline.adapters.db.engine import create_database_engine

    engines = [create_database_engine(database_url) for _ in range(2)]
    try:
        secrets = []
        for engine in engines:
            with SqlDatabase(engine).transaction() as store:
                secrets.append(store.instance_secret())
                secrets.append(store.instance_secret())
    finally:
        for engine in engines:
            engine.dispose()
    assert len(secrets[0]) == 32
    assert len(set(secrets)) == 1


def test_a_retitled_incident_is_found_by_its_new_words(database: SqlDatabase) -> None:
    add(database, make_incident(title="Checkout down"))
    with database.transaction() as store:
        store.save_incident(make_incident(title="Quasar gateway refuses connections"))
    assert listed(database, text="quas gate") == ids(1)
    assert listed(database, text="checkout") == []


def test_a_prefix_that_stands_for_many_words_still_finds_them_all(
    database: SqlDatabase,
) -> None:
    many = search_module.MAX_EXPANSION + 5
    add(
        database,
        *(
            make_incident(id=f"INC-2026-1125-{n:03d}", title=f"zz{n:03d} fault")
            for n in range(1, many + 1)
        ),
    )
    assert len(listed(database, text="zz", limit=1000)) == many
    assert listed(database, text="zz007") == ["INC-2026-1125-007"]


def test_a_decomposed_accent_stays_inside_its_word(database: SqlDatabase) -> None:
    # "Cafe" + COMBINING ACUTE ACCENT, as text pasted from some systems arrives.
    add(database, make_incident(title="Cafe\u0301 menu broken"))
    add(database, make_incident(id="INC-2026-1125-002", title="Cafeteria queue"))
    assert listed(database, text="cafe") == ids(2, 1)


def test_a_very_long_word_is_found_by_its_prefix_where_the_index_keeps_it(
    database: SqlDatabase, database_url: str
) -> None:
    long_word = "token" + "x" * 300
    add(database, make_incident(title=f"Leaked {long_word}"))
    add(database, make_incident(id="INC-2026-1125-002", title="Token expired"))
    # FTS5 indexes long words; PostgreSQL cannot (see fireline.adapters.db.search).
    expected = ids(2, 1) if database_url.startswith("sqlite") else ids(2)
    assert listed(database, text="token") == expected
