"""Crash test: two real `fireline worker` processes, one killed with SIGKILL again and again.

Incidents are declared in waves under a policy whose waits are seconds long, so timers come
due all through the run while one worker is killed at random moments (mid-step or not) and
restarted. Afterwards every timer that came due must be on its incident's timeline exactly
once: a kill rolls a step back, and the surviving worker or the restarted one fires it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fireline.adapters.db.tables import timeline, timers
from fireline.bootstrap import Context, build_context
from fireline.settings import Settings
from tests.crashing_workers import CrashingWorkers, declare_wave, worker_env
from tests.integration.api.conftest import CHEAP_HASHER
from tests.notifying import add_user
from tests.seconds_policy import TIMER_KINDS, TIMERS_PER_INCIDENT, write_seconds_policy

WAVES = 8
PER_WAVE = 50
WAVE_GAP_S = 2.5
DRAIN_TIMEOUT_S = 60


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


def test_a_worker_killed_at_random_moments_loses_and_repeats_nothing(
    context: Context, database_url: str, policy_path: Path, tmp_path: Path
) -> None:
    env = worker_env(database_url, policy_path, tmp_path)
    log = tmp_path / "workers.log"
    next_wave = time.monotonic()
    waves = 0
    with CrashingWorkers(env, log, every=(0.5, 1.5), seed=4) as workers:
        # Declare in waves while killing: each wave's timers come due over its next 6 s.
        while waves < WAVES or time.monotonic() < next_wave + 6:
            if waves < WAVES and time.monotonic() >= next_wave:
                declare_wave(context, waves, PER_WAVE)
                waves += 1
                next_wave = time.monotonic() + WAVE_GAP_S
            workers.tick()
            time.sleep(0.02)  # paces this loop; the assertions below do not depend on it
        # The survivor (and the last restart) drain whatever came due.
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while _unfired_due(context) and time.monotonic() < deadline:
            time.sleep(0.2)
    kills = workers.kills
    assert kills >= 15, f"only {kills} kills: the test did not exercise crashes"
    assert not _unfired_due(context), log.read_text()[-3000:]
    with context.database.engine.connect() as connection:
        events = connection.execute(
            select(timeline.c.incident_id, timeline.c.after_value).where(
                timeline.c.kind.in_(TIMER_KINDS)
            )
        ).all()
        fired_rows = connection.execute(
            select(func.count()).select_from(timers).where(timers.c.fired_at.is_not(None))
        ).scalar_one()
    per_key = Counter((incident_id, json.loads(after)["key"]) for incident_id, after in events)
    total = WAVES * PER_WAVE * TIMERS_PER_INCIDENT
    assert len(per_key) == total, "a timer that came due never fired"
    assert max(per_key.values()) == 1, "a timer fired twice"
    assert len(events) == fired_rows == total
    assert "Traceback" not in log.read_text().replace("KeyboardInterrupt", "")


def _unfired_due(context: Context) -> int:
    with context.database.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(timers)
                .where(timers.c.fired_at.is_(None), timers.c.due_at <= datetime.now(UTC))
            ).scalar_one()
        )
