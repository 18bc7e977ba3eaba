"""Crash test: two real `fireline worker` processes, one killed with SIGKILL again and again,
each time in the middle of firing timers.

Incidents are declared in waves under a policy whose waits are seconds long, so timers come
due all through the run. One worker is steady; the other, the victim, runs as
`tests.stopping_worker`, which stops in the middle of its first firing step, after marking
its timers fired and before committing, and says so. While the test waits for that, the
steady worker is frozen where it keeps no other writer waiting, so the due timers are the
victim's: every kill lands mid-step by construction, however busy the machine. The test
checks what the stopped victim holds in the database (an open transaction that has locked
rows on PostgreSQL, the write lock on SQLite), kills it and starts it again; the last
restart is a plain worker, which helps the steady one fire what is left.

Afterwards every timer that came due must be on its incident's timeline exactly once: each
kill rolled a step back, and the steady worker or the restarted one fired its timers.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, func, select

from fireline.adapters.db.engine import WRITE_OPTION
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
            # Declared while the victim is frozen outside any write turn: on SQLite, a
            # victim stopped mid-step holds the write lock, and the declaration would wait
            # for it forever.
            with workers.frozen(VICTIM) as victim:
                if not holds_write_turn(victim.pid, database_url):
                    declare_wave(context, waves, PER_WAVE)
                    waves += 1
        return waves

    def victim_stopped() -> bool:
        if workers.has_stopped_mid_step(VICTIM):
            return True
        more()
        return False

    with Workers(env, tmp_path / "logs", count=2, stopping=frozenset({VICTIM})) as workers:
        while workers.kills < KILLS:
            # Waves come only while the victim works, not while it starts again: otherwise
            # a slow machine would make more work for itself.
            eventually(lambda: workers.is_working(VICTIM), what="the victim at work")
            with _steady_aside(workers, database_url):
                eventually(victim_stopped, what="the victim stopped in the middle of a firing step")
                victim = workers.processes[VICTIM].pid
                assert in_write_transaction(victim, database_url, context.database.engine), (
                    "the victim stopped outside a firing step's transaction"
                )
                workers.kill(VICTIM, stopping=workers.kills + 1 < KILLS)
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


@contextmanager
def _steady_aside(workers: Workers, database_url: str) -> Iterator[None]:
    """The steady worker frozen for the block where it keeps no other writer waiting (on
    SQLite, outside its write turn; on PostgreSQL, anywhere), so that due timers are the
    victim's to claim."""
    while True:
        with workers.frozen(STEADY) as steady:
            if not holds_write_turn(steady.pid, database_url):
                yield
                return
        time.sleep(0.01)  # let it finish its step; nothing depends on how long


def _fired(context: Context) -> int:
    return _count(context, timers.c.fired_at.is_not(None))


def _unfired(context: Context) -> int:
    return _count(context, timers.c.fired_at.is_(None))


def _count(context: Context, where: ColumnElement[bool]) -> int:
    """How many timers match, read without the write lock (on SQLite, plain BEGIN): a
    victim stopped mid-step holds that lock until it is killed."""
    with context.database.engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: False})
        return int(
            connection.execute(select(func.count()).select_from(timers).where(where)).scalar_one()
        )
