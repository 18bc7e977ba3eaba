"""The audit log on each backend: repeated refusals counted into one entry per window, by the
database (so that any number of processes count into the same row), and nothing changed or
removed but that count and what `prune` removes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from fireline.adapters.db.database import SqlDatabase
from fireline.adapters.db.engine import create_database_engine
from fireline.domain.audit import REFUSAL_WINDOW, AuditAction, AuditEntry, window_of
from fireline.domain.errors import InvalidInput
from fireline.services.access_ports import AuditQuery, RecordedAudit
from fireline.services.audit import export_audit, prune_audit

WINDOW = window_of(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
DENIED = AuditAction.PERMISSION_DENIED


def refusal(
    at: datetime = WINDOW,
    *,
    actor: str = "vi",
    target: str = "POST /api/v1/incidents",
    client: str = "10.0.0.1",
    action: AuditAction = DENIED,
) -> AuditEntry:
    return AuditEntry(at, actor, action, target, client)


def write(database: SqlDatabase, *entries: AuditEntry) -> None:
    """Each entry in a transaction of its own, as each refused request writes it."""
    for entry in entries:
        with database.transaction() as store:
            store.append_audit([entry])


def entries(database: SqlDatabase, **query: object) -> list[RecordedAudit]:
    with database.transaction(write=False) as store:
        return store.list_audit(AuditQuery(limit=500, **query))  # type: ignore[arg-type]


def refuses(database: SqlDatabase, statement: str) -> bool:
    """Whether the database refuses `statement` as a change to the append-only log."""
    message = ""
    try:
        with database.engine.begin() as connection:
            connection.execute(text(statement))
    except sqlalchemy.exc.DBAPIError as error:
        message = str(error)
    assert not message or "append-only" in message or "only moves forward" in message, message
    return bool(message)


def test_refusals_of_one_caller_on_one_route_in_one_window_are_one_entry_with_their_count(
    database: SqlDatabase,
) -> None:
    seconds = [0, 5, 59, 300, 599]
    write(database, *(refusal(WINDOW + timedelta(seconds=s)) for s in seconds))
    (only,) = entries(database)
    assert only.entry.count == len(seconds)
    assert only.entry.at == WINDOW  # the first
    assert only.entry.last_at == WINDOW + timedelta(seconds=599)  # the last
    assert (only.entry.actor, only.entry.target) == ("vi", "POST /api/v1/incidents")


def test_a_thousand_refusals_write_one_row(database: SqlDatabase) -> None:
    write(database, *(refusal(WINDOW + timedelta(milliseconds=n)) for n in range(1000)))
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1
    assert entries(database)[0].entry.count == 1000


def test_refusals_passed_together_are_counted_together(database: SqlDatabase) -> None:
    with database.transaction() as store:
        store.append_audit([refusal(), refusal(WINDOW + timedelta(seconds=1)), refusal()])
    (only,) = entries(database)
    assert (only.entry.count, only.entry.last_at) == (3, WINDOW + timedelta(seconds=1))


def test_the_next_window_starts_a_new_entry(database: SqlDatabase) -> None:
    write(database, refusal(), refusal(WINDOW + REFUSAL_WINDOW - timedelta(microseconds=1)))
    write(database, refusal(WINDOW + REFUSAL_WINDOW), refusal(WINDOW + REFUSAL_WINDOW * 2))
    assert [r.entry.count for r in entries(database, oldest_first=True)] == [2, 1, 1]


@pytest.mark.parametrize(
    "other",
    [
        refusal(actor="bo"),
        refusal(target="GET /api/v1/audit"),
        refusal(client="10.0.0.2"),
        refusal(action=AuditAction.CSRF_REFUSED),
    ],
    ids=["caller", "route", "address", "action"],
)
def test_a_different_caller_route_address_or_action_is_an_entry_of_its_own(
    database: SqlDatabase, other: AuditEntry
) -> None:
    write(database, refusal(), other, refusal(), other)
    assert sorted(r.entry.count for r in entries(database)) == [2, 2]


def test_acts_that_are_not_refusals_are_each_an_entry(database: SqlDatabase) -> None:
    made = AuditEntry(WINDOW, "ana", AuditAction.TOKEN_CREATED, "token 1", "10.0.0.1")
    write(database, made, made)
    assert [r.entry.count for r in entries(database)] == [1, 1]


@pytest.fixture
def second_process(database_url: str) -> Iterator[SqlDatabase]:
    """Another engine on the same database: what a second API process has."""
    other = SqlDatabase(create_database_engine(database_url))
    yield other
    other.dispose()


def test_processes_refused_at_once_count_into_the_same_entry(
    database: SqlDatabase, second_process: SqlDatabase
) -> None:
    def refuse_25(process: SqlDatabase) -> None:
        write(process, *(refusal(WINDOW + timedelta(seconds=n)) for n in range(25)))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(refuse_25, [database, second_process, database, second_process]))
    (only,) = entries(database)
    assert only.entry.count == 100


def test_the_database_refuses_every_update_but_counting_a_refusal(database: SqlDatabase) -> None:
    write(database, refusal(), refusal(WINDOW + timedelta(seconds=1)))
    write(database, AuditEntry(WINDOW, "ana", AuditAction.TOKEN_CREATED, "token 1"))
    counted = "WHERE tally IS NOT NULL"
    for statement in (
        f"UPDATE audit_log SET actor = 'nobody' {counted}",
        f"UPDATE audit_log SET target = 'GET /elsewhere', count = count + 1 {counted}",
        f'UPDATE audit_log SET detail = \'{{"path": "/x"}}\', count = count + 1 {counted}',
        f"UPDATE audit_log SET at = last_at, count = count + 1 {counted}",
        f"UPDATE audit_log SET count = count - 1 {counted}",
        f"UPDATE audit_log SET count = count + 1000 {counted}",
        f"UPDATE audit_log SET count = count + 1, last_at = '2000-01-01 00:00:00' {counted}",
        f"UPDATE audit_log SET tally = NULL, count = count + 1 {counted}",
        "UPDATE audit_log SET count = count + 1 WHERE tally IS NULL",
        "UPDATE audit_log SET actor = 'nobody'",
    ):
        assert refuses(database, statement), statement
    assert [(r.entry.actor, r.entry.count) for r in entries(database)] == [("ana", 1), ("vi", 2)]
    # What counting does is allowed: the count up, the last time on, nothing else.
    assert not refuses(
        database, f"UPDATE audit_log SET count = count + 1, last_at = last_at {counted}"
    )


def test_the_database_refuses_every_delete_but_prune_s(database: SqlDatabase) -> None:
    old = AuditEntry(WINDOW, "ana", AuditAction.TOKEN_CREATED, "token 1")
    new = AuditEntry(WINDOW + timedelta(days=30), "ana", AuditAction.TOKEN_REVOKED, "token 1")
    write(database, old, new)
    assert refuses(database, "DELETE FROM audit_log WHERE action = 'token.created'")
    removed = prune_audit(
        database, before=WINDOW + timedelta(days=1), actor="root", now=WINDOW + timedelta(days=40)
    )
    assert removed == 1
    assert refuses(database, "DELETE FROM audit_log")  # what is newer than the date stays
    assert refuses(database, "DELETE FROM audit_log WHERE action = 'token.revoked'")
    assert refuses(database, "UPDATE audit_retention SET horizon = '2000-01-01 00:00:00'")
    assert refuses(database, "DELETE FROM audit_retention")
    actions = [r.entry.action for r in entries(database, oldest_first=True)]
    assert actions == [AuditAction.TOKEN_REVOKED, AuditAction.AUDIT_PRUNED]


def test_prune_removes_what_ended_before_the_date_and_records_who_and_what(
    database: SqlDatabase,
) -> None:
    cutoff = WINDOW + timedelta(minutes=5)
    ended_before = refusal(WINDOW, actor="early")
    still_counting = refusal(WINDOW + timedelta(minutes=1))
    write(database, ended_before, still_counting, refusal(cutoff + timedelta(seconds=1)))
    now = WINDOW + timedelta(hours=1)
    assert prune_audit(database, before=cutoff, actor="root", now=now, client="ops@host") == 1
    kept = entries(database, oldest_first=True)
    assert [(r.entry.actor, r.entry.count) for r in kept[:-1]] == [("vi", 2)]
    pruned = kept[-1].entry
    assert (pruned.action, pruned.actor, pruned.client, pruned.at) == (
        AuditAction.AUDIT_PRUNED,
        "root",
        "ops@host",
        now,
    )
    assert pruned.detail == {"before": cutoff.isoformat(), "removed": 1}


def test_prune_refuses_a_date_in_the_future(database: SqlDatabase) -> None:
    write(database, refusal())
    with pytest.raises(InvalidInput, match="in the future"):
        prune_audit(database, before=WINDOW + timedelta(hours=2), actor="root", now=WINDOW)
    assert len(entries(database)) == 1


def test_pruning_to_an_earlier_date_than_before_keeps_the_horizon(database: SqlDatabase) -> None:
    later = WINDOW + timedelta(days=2)
    prune_audit(database, before=later, actor="root", now=later)
    prune_audit(database, before=WINDOW, actor="root", now=later)
    write(database, AuditEntry(WINDOW + timedelta(days=1), "ana", AuditAction.TOKEN_CREATED))
    # Still before the horizon (2 days), which an earlier prune did not move back.
    assert not refuses(database, "DELETE FROM audit_log WHERE action = 'token.created'")


def test_export_reads_every_entry_oldest_first_in_pages(
    database: SqlDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fireline.services.audit.EXPORT_PAGE", 3)
    made = [
        AuditEntry(WINDOW + timedelta(minutes=n), "ana", AuditAction.TOKEN_CREATED, f"token {n}")
        for n in range(7)
    ]
    write(database, *made)
    assert [r.entry.target for r in export_audit(database)] == [f"token {n}" for n in range(7)]
    since, until = WINDOW + timedelta(minutes=2), WINDOW + timedelta(minutes=5)
    ranged = export_audit(database, since=since, until=until)
    assert [r.entry.target for r in ranged] == ["token 2", "token 3", "token 4"]


def test_nobody_can_make_today_s_entries_deletable_by_moving_the_horizon(
    database: SqlDatabase,
) -> None:
    # Found in review: with no row to update, an INSERT of a far-future horizon made every
    # entry deletable. The row exists from the migration, is never added, never passes now.
    write(database, AuditEntry(WINDOW, "ana", AuditAction.TOKEN_CREATED, "token 1"))
    assert refuses(database, "INSERT INTO audit_retention VALUES (1, '2999-01-01 00:00:00')")
    assert refuses(database, "UPDATE audit_retention SET horizon = '2999-01-01 00:00:00'")
    assert refuses(database, "DELETE FROM audit_log")
    assert [r.entry.actor for r in entries(database)] == ["ana"]
