"""When a worker counts as alive: a heartbeat no older than the threshold, judged at `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fireline.domain.heartbeats import (
    BEAT_EVERY,
    beat_age,
    forget_before,
    is_worker_alive,
)
from fireline.settings import load_settings

T0 = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
SEC = timedelta(seconds=1)
DEFAULT_STALE_AFTER = timedelta(seconds=load_settings({}).worker_stale_after)


def test_a_worker_that_beat_within_the_threshold_is_alive() -> None:
    assert is_worker_alive(T0, T0, 20 * SEC)
    assert is_worker_alive(T0, T0 + 20 * SEC, 20 * SEC)


def test_a_worker_whose_last_beat_is_older_than_the_threshold_is_dead() -> None:
    assert not is_worker_alive(T0, T0 + 20 * SEC + timedelta(microseconds=1), 20 * SEC)


def test_no_heartbeat_at_all_means_no_worker_is_alive() -> None:
    assert not is_worker_alive(None, T0, 20 * SEC)


def test_a_beat_from_a_clock_a_little_ahead_counts_as_fresh_and_zero_seconds_old() -> None:
    assert is_worker_alive(T0 + 3 * SEC, T0, 20 * SEC)
    assert beat_age(T0 + 3 * SEC, T0) == timedelta(0)
    assert beat_age(T0, T0 + 7 * SEC) == 7 * SEC


def test_by_default_a_dead_worker_turns_health_red_within_30_seconds() -> None:
    # The worker's last beat was at T0; whatever instant /healthz is asked at from 30 s on,
    # it finds no live worker.
    assert not is_worker_alive(T0, T0 + 30 * SEC, DEFAULT_STALE_AFTER)


def test_by_default_a_live_worker_may_miss_two_beats_without_looking_dead() -> None:
    # Beats come every BEAT_EVERY; two missed beats (a slow database, a busy machine) leave
    # the last one 3 × BEAT_EVERY old just before the next lands.
    assert is_worker_alive(T0, T0 + 3 * BEAT_EVERY, DEFAULT_STALE_AFTER)


def test_heartbeats_of_workers_silent_for_a_day_may_be_forgotten() -> None:
    assert forget_before(T0) == T0 - timedelta(days=1)
