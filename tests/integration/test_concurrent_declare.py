"""Two processes declaring at the same moment get distinct, gapless incident IDs."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from typing import Any

from fireline.adapters.db.database import SqlDatabase
from fireline.adapters.db.engine import create_database_engine
from fireline.adapters.policy_file import load_preset
from fireline.domain.access import AccessRole
from fireline.domain.identifiers import format_incident_id, is_incident_id
from fireline.domain.incident import Draft
from fireline.domain.people import User
from fireline.services import people
from fireline.services.incidents import declare_incident
from fireline.services.policies import PolicyBook
from tests.integration.api.conftest import CHEAP_HASHER

PER_PROCESS = 200
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def declare_many(url: str, start: Any, results: Any) -> None:
    """Child process: wait for the start signal, then declare PER_PROCESS incidents."""
    engine = create_database_engine(url)
    database = SqlDatabase(engine)
    policy = load_preset("default").policy
    policies = PolicyBook(1, policy, lambda version: policy)
    ids: list[str] = []
    errors: list[str] = []
    start.wait()
    for n in range(PER_PROCESS):
        draft = Draft(title=f"Concurrent {n}", type="infrastructure", reporter="load")
        try:
            ids.append(declare_incident(database, policies, draft, now=NOW).incident.id)
        except Exception as error:  # every failure counts; the test reports them
            errors.append(repr(error))
    database.dispose()
    results.put((ids, errors))


def test_two_processes_declaring_at_once_get_distinct_ids(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        reporter = User("load", "load@example.test", AccessRole.REPORTER)
        people.create_user(
            SqlDatabase(engine), CHEAP_HASHER, reporter, password=None, actor="test", now=NOW
        )
    finally:
        engine.dispose()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=declare_many, args=(database_url, start, results)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    ids = [incident_id for got, _ in outcomes for incident_id in got]
    errors = [error for _, got in outcomes for error in got]
    assert errors == []
    assert len(ids) == 2 * PER_PROCESS
    assert all(is_incident_id(incident_id) for incident_id in ids)
    expected = {format_incident_id(NOW.date(), n) for n in range(1, 2 * PER_PROCESS + 1)}
    assert set(ids) == expected
    engine = create_database_engine(database_url)
    try:
        with SqlDatabase(engine).transaction() as store:
            counts = (store.count_incidents(), store.count_events())
    finally:
        engine.dispose()
    assert counts == (2 * PER_PROCESS, 2 * 2 * PER_PROCESS)  # two events per declaration
