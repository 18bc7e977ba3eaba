"""`/healthz` is green only while the database answers and some worker beat lately;
`/livez` answers whenever the process does. Both are public."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.adapters.db import SqlDatabase, create_database_engine
from fireline.bootstrap import Context
from fireline.entrypoints.api.app import create_app
from fireline.entrypoints.worker.loop import new_heartbeat, run_heartbeat_step
from tests.integration.api.conftest import FakeClock

PROBLEM_JSON = "application/problem+json"


def beat(context: Context) -> None:
    """One heartbeat step of a worker that starts now."""
    run_heartbeat_step(context, new_heartbeat(context.clock()))


def test_health_is_red_while_no_worker_has_ever_beaten(app: FastAPI) -> None:
    response = TestClient(app).get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["type"] == "/problems/worker-stale"
    assert problem["detail"].startswith("no worker has recorded a heartbeat")
    assert problem["database"] == "ok"
    assert problem["worker"] == {
        "last_heartbeat": None,
        "seconds_ago": None,
        "stale_after_seconds": 20,
    }


def test_a_worker_heartbeat_turns_health_green_and_says_how_old_it_is(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    beat(context)
    clock.advance(seconds=7)
    response = TestClient(app).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "worker": {
            "last_heartbeat": "2026-11-25T09:30:00Z",
            "seconds_ago": 7.0,
            "stale_after_seconds": 20,
        },
    }


def test_a_worker_silent_longer_than_the_threshold_turns_health_red_until_one_beats(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    client = TestClient(app)
    beat(context)
    clock.advance(seconds=20)
    assert client.get("/healthz").status_code == 200  # exactly at the threshold: alive
    clock.advance(seconds=1)
    red = client.get("/healthz")
    assert red.status_code == 503
    assert red.json()["type"] == "/problems/worker-stale"
    assert red.json()["worker"]["seconds_ago"] == 21.0
    assert "the freshest worker heartbeat is 21 s old (stale after 20 s)" in red.json()["detail"]
    beat(context)  # a worker (re)started
    assert client.get("/healthz").status_code == 200


def test_the_freshest_heartbeat_of_any_worker_counts(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    beat(context)  # a worker that then dies
    clock.advance(seconds=15)
    beat(context)  # another, still alive
    clock.advance(seconds=15)
    response = TestClient(app).get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["seconds_ago"] == 15.0


def test_the_threshold_comes_from_the_settings(context: Context, clock: FakeClock) -> None:
    context.settings = replace(context.settings, worker_stale_after=45)
    client = TestClient(create_app(context))
    beat(context)
    clock.advance(seconds=30)
    assert client.get("/healthz").json()["worker"]["stale_after_seconds"] == 45
    assert client.get("/healthz").status_code == 200
    clock.advance(seconds=16)
    assert client.get("/healthz").status_code == 503


def test_live_answers_without_any_worker_and_needs_no_caller(app: FastAPI) -> None:
    response = TestClient(app).get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_database_that_does_not_answer_is_a_503_that_leaks_nothing(
    context: Context, tmp_path: Path
) -> None:
    beat(context)
    # A database without Fireline's tables: every query fails, as on a lost database.
    working = context.database
    context.database = SqlDatabase(create_database_engine(f"sqlite:///{tmp_path / 'gone.db'}"))
    client = TestClient(create_app(context))
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json() == {
            "type": "/problems/database-unavailable",
            "title": "Service unavailable",
            "status": 503,
            "detail": "the database does not answer",
        }
        assert client.get("/livez").status_code == 200
    finally:
        context.database.dispose()
        context.database = working  # the fixture disposes of it
