"""Workers' heartbeats in the database, on each backend: recorded by the worker's own step,
idempotent, the freshest found, those of long-dead workers forgotten; and the real worker
loop beats while it runs, however long it is told to idle."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fireline.adapters.db import SqlDatabase
from fireline.adapters.db.tables import worker_heartbeats
from fireline.bootstrap import Context, build_context
from fireline.domain.heartbeats import FORGET_AFTER, Heartbeat
from fireline.entrypoints.worker.loop import new_heartbeat, run_worker
from fireline.services.heartbeats import read_freshest_heartbeat, record_heartbeat
from fireline.settings import Settings
from tests.integration.api.conftest import CHEAP_HASHER, FakeClock

T0 = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
HANG_GUARD_S = 60.0


def heartbeat(worker: str, beat_at: datetime) -> Heartbeat:
    return Heartbeat(worker=worker, host="db-host-1", pid=4242, started_at=T0, beat_at=beat_at)


def rows(database: SqlDatabase) -> int:
    with database.engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(worker_heartbeats)).scalar_one()
        )


def test_a_workers_later_beats_move_its_one_row_forward(database: SqlDatabase) -> None:
    record_heartbeat(database, heartbeat("w1", T0))
    record_heartbeat(database, heartbeat("w1", T0 + timedelta(seconds=5)))
    record_heartbeat(database, heartbeat("w1", T0 + timedelta(seconds=5)))  # a repeat: no change
    assert rows(database) == 1
    assert read_freshest_heartbeat(database) == heartbeat("w1", T0 + timedelta(seconds=5))


def test_the_freshest_heartbeat_is_of_the_worker_that_beat_last(database: SqlDatabase) -> None:
    assert read_freshest_heartbeat(database) is None
    record_heartbeat(database, heartbeat("w1", T0 + timedelta(seconds=9)))
    record_heartbeat(database, heartbeat("w2", T0 + timedelta(seconds=3)))
    freshest = read_freshest_heartbeat(database)
    assert freshest is not None
    assert (freshest.worker, freshest.beat_at) == ("w1", T0 + timedelta(seconds=9))


def test_a_beating_worker_forgets_workers_silent_for_a_day(database: SqlDatabase) -> None:
    record_heartbeat(database, heartbeat("long-dead", T0))
    record_heartbeat(database, heartbeat("lately-dead", T0 + timedelta(hours=2)))
    forgotten = record_heartbeat(
        database, heartbeat("alive", T0 + FORGET_AFTER + timedelta(hours=1))
    )
    assert forgotten == 1
    assert rows(database) == 2


@pytest.fixture
def context(database_url: str, tmp_path: Path) -> Iterator[Context]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        policy="default",
        secret_key=None,
        log_level="warning",
        migrate_on_start=False,
    )
    context = build_context(settings, clock=FakeClock(T0), hasher=CHEAP_HASHER)
    yield context
    context.database.dispose()


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds; the deadline is only a hang guard."""
    deadline = time.monotonic() + HANG_GUARD_S
    while not condition():
        assert time.monotonic() < deadline, "did not happen before the hang guard"
        time.sleep(0.05)


def test_the_worker_beats_from_its_start_and_keeps_beating_however_long_its_poll(
    context: Context,
) -> None:
    clock = context.clock
    assert isinstance(clock, FakeClock)
    stop = threading.Event()
    # A poll of a minute is allowed (`fireline worker --poll 60`): longer than a worker may
    # stay silent, so the loop must wake up for its beats all the same.
    worker = threading.Thread(
        target=run_worker, args=(context, stop), kwargs={"poll": timedelta(seconds=60)}
    )
    worker.start()
    try:
        wait_for(lambda: read_freshest_heartbeat(context.database) is not None)
        first = read_freshest_heartbeat(context.database)
        assert first is not None
        assert (first.pid, first.host, first.beat_at) == (os.getpid(), socket.gethostname(), T0)
        clock.advance(seconds=5)
        wait_for(
            lambda: read_freshest_heartbeat(context.database) == replace(first, beat_at=clock.now)
        )
    finally:
        stop.set()
        worker.join(HANG_GUARD_S)
    assert not worker.is_alive()


def test_each_worker_process_start_is_a_new_worker() -> None:
    assert new_heartbeat(T0).worker != new_heartbeat(T0).worker
    assert new_heartbeat(T0).pid == os.getpid()
