"""Crash test: two real `fireline worker` processes, one killed with SIGKILL again and again,
each time in the middle of firing timers.

Incidents are declared in waves under a policy whose waits are seconds long, so timers come
due all through the run. One worker is steady; the other, the victim, is killed and
restarted, and every kill lands inside one of its firing steps by construction: the test
freezes the victim (SIGSTOP) and looks at what it holds in the database. On PostgreSQL a
firing step has locked the timers it claimed, which gives its transaction an ID (a worker's
reads never get one). On SQLite, where one worker writes at a time, the steady worker is
frozen outside its steps meanwhile (on a busy machine it would otherwise take nearly every
turn), so timers that fire are the victim's; once some have, its start-up writes (a sweep
of messages of removed channels) are behind it, and holding the database's write lock
means it is firing. If the frozen victim is mid-step it is killed; otherwise it goes on
(SIGCONT) and is looked at again.

Afterwards every timer that came due must be on its incident's timeline exactly once: each
kill rolled a step back, and the steady worker or the restarted one fired its timers.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from fireline.adapters.db.tables import timeline, timers
from fireline.bootstrap import Context, build_context
from fireline.settings import Settings
from tests.crashing_workers import (
    Workers,
    declare_wave,
    holds_write_turn,
    in_write_transaction,
    worker_env,
)
from tests.integration.api.conftest import CHEAP_HASHER
from tests.notifying import add_user
from tests.seconds_policy import TIMER_KINDS, TIMERS_PER_INCIDENT, write_seconds_policy
from tests.waiting import eventually

KILLS = 15
WAVES = 4
"""At least this many waves; more come while kills are still wanted."""
PER_WAVE = 25
STEADY, VICTIM = 0, 1
DRAIN_GUARD_S = 600
"""A hang guard for the last timers; firing is CPU-bound, and the machine may be shared."""


@pytest.fixture
def policy_path(tmp_path: Path) -> Path:
    return write_seconds_policy(tmp_path)


@pytest.fixture
def context(database_url: str, tmp_path: Path, policy_path: Path) -> Iterator[Context]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        policy=str(policy_path),
        secret_key=None,
        log_level="warning",
        migrate_on_start=False,
    )
    context = build_context(settings, hasher=CHEAP_HASHER)  # the real clock
    add_user(context, "ana")  # declare_wave's reporter
    yield context
    context.database.dispose()


def test_a_worker_killed_mid_step_again_and_again_loses_and_repeats_nothing(
    context: Context, database_url: str, policy_path: Path, tmp_path: Path
) -> None:
    env = worker_env(database_url, policy_path, tmp_path)
    waves = looks = 0

    def more() -> int:
        """Keep timers coming due: a new wave whenever less than half of one is left to
        fire (looked at every so many calls, which come fast). How many waves so far."""
        nonlocal waves, looks
        looks += 1
        if looks % 20 == 1 and _unfired(context) < PER_WAVE * TIMERS_PER_INCIDENT // 2:
            declare_wave(context, waves, PER_WAVE)
            waves += 1
        return waves

    with Workers(env, tmp_path / "logs", count=2) as workers:
        while workers.kills < KILLS:
            # Waves come only while the victim works, not while it starts again: otherwise
            # a slow machine would make more work for itself.
            eventually(lambda: workers.is_working(VICTIM), what="the victim at work")
            with _victims_turn(workers, context, database_url) as before:
                caught = partial(_killed_mid_step, workers, context, database_url, more, before)
                eventually(caught, what="the victim in the middle of a firing step", poll_s=0.002)
        eventually(lambda: more() >= WAVES, what=f"{WAVES} waves declared")
        total = waves * PER_WAVE * TIMERS_PER_INCIDENT
        # The survivor (and the last restart) fire whatever is left.
        eventually(
            lambda: _fired(context) == total,
            what=f"all {total} timers fired",
            guard_s=DRAIN_GUARD_S,
            state=lambda: f"{_fired(context)} fired",
        )
        output = workers.output()
    assert workers.kills >= KILLS, f"only {workers.kills} kills: the test exercised no crashes"
    with context.database.engine.connect() as connection:
        events = connection.execute(
            select(timeline.c.incident_id, timeline.c.after_value).where(
                timeline.c.kind.in_(TIMER_KINDS)
            )
        ).all()
    per_key = Counter((incident_id, json.loads(after)["key"]) for incident_id, after in events)
    assert len(per_key) == total, "a timer that came due never fired"
    assert max(per_key.values()) == 1, "a timer fired twice"
    assert len(events) == _fired(context) == total
    assert "Traceback" not in output.replace("KeyboardInterrupt", "")


def _killed_mid_step(
    workers: Workers,
    context: Context,
    database_url: str,
    more: Callable[[], int],
    fired_before: int | None,
) -> bool:
    """Freeze the victim and kill it if it is in the middle of a firing step; whether it
    was. On SQLite that needs it to have fired something since `fired_before` first (the
    steady worker is frozen, so only the victim fires): its start-up writes are then behind
    it. Declares more incidents first if the timers run low."""
    engine = context.database.engine
    if not in_write_transaction(workers.processes[VICTIM].pid, database_url, engine):
        more()  # a first look, without stopping it: timers are fired in bursts
        return False
    if fired_before is not None and _fired(context) <= fired_before:
        return False
    with workers.frozen(VICTIM) as victim:
        if in_write_transaction(victim.pid, database_url, engine):
            workers.kill(VICTIM)
            return True
    return False


@contextmanager
def _victims_turn(workers: Workers, context: Context, database_url: str) -> Iterator[int | None]:
    """On SQLite, the steady worker frozen where it keeps no other writer waiting, for the
    block, which gets how many timers had fired then: there one worker writes at a time,
    and on a busy machine the one already on the CPU takes nearly every turn, so the victim
    would hardly ever be mid-step. On PostgreSQL both go on (workers there claim side by
    side), and the block gets None."""
    if make_url(database_url).get_backend_name() == "postgresql":
        yield None
        return
    while True:
        with workers.frozen(STEADY) as steady:
            if not holds_write_turn(steady.pid, database_url):
                yield _fired(context)
                return
        time.sleep(0.01)  # let it finish its step; nothing depends on how long


def _fired(context: Context) -> int:
    with context.database.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(timers).where(timers.c.fired_at.is_not(None))
            ).scalar_one()
        )


def _unfired(context: Context) -> int:
    with context.database.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(timers).where(timers.c.fired_at.is_(None))
            ).scalar_one()
        )
