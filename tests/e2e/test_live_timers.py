"""Live: a real `fireline serve` (with its embedded worker) fires each timer within 1 s.

The policy's waits are seconds long (tests/seconds_policy.py), so this runs in real time;
it is the one place where the clock is the wall clock, because being on time is the point.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, base_env, start_server
from tests.seconds_policy import (
    LAST_TIMER_AFTER_S,
    TIMER_KINDS,
    TIMERS_PER_INCIDENT,
    write_seconds_policy,
)

ON_TIME_S = 1.0
INCIDENTS = 3


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    env = base_env(tmp_path, database_url)
    env["FIRELINE_POLICY"] = str(write_seconds_policy(tmp_path))
    yield from start_server(env, tmp_path)


def test_every_timer_fires_within_a_second_of_its_due_time(live_server: Server) -> None:
    made = live_server.local(
        "user", "create", "ana", "--email", "ana@example.test", "--role", "admin", "--no-password"
    )
    assert made.returncode == 0, made.stderr
    headers = live_server.headers("ana")
    ids = []
    for number in range(INCIDENTS):
        declared = httpx.post(
            f"{live_server.url}/api/v1/incidents",
            json={"title": f"Live {number}", "type": "infrastructure", "severity": 1},
            headers=headers,
        )
        assert declared.status_code == 201, declared.text
        ids.append(declared.json()["id"])
    # Waits for the last timer's due time (this test is about real time), then reads.
    deadline = time.monotonic() + LAST_TIMER_AFTER_S + 10
    timers: dict[str, list[dict[str, object]]] = {}
    while time.monotonic() < deadline:
        timers = {
            incident_id: httpx.get(
                f"{live_server.url}/api/v1/incidents/{incident_id}/timers", headers=headers
            ).json()["timers"]
            for incident_id in ids
        }
        if all(t["fired_at"] for planned in timers.values() for t in planned):
            break
        time.sleep(0.5)
    for incident_id, planned in timers.items():
        assert len(planned) == TIMERS_PER_INCIDENT
        for timer in planned:
            assert timer["fired_at"], f"{incident_id} {timer['key']} never fired"
            late = _instant(timer["fired_at"]) - _instant(timer["due_at"])
            assert 0 <= late.total_seconds() <= ON_TIME_S, (incident_id, timer)
        timeline = httpx.get(
            f"{live_server.url}/api/v1/incidents/{incident_id}/timeline", headers=headers
        ).json()["events"]
        fired = [e for e in timeline if e["kind"] in TIMER_KINDS]
        assert len(fired) == TIMERS_PER_INCIDENT
        assert not any("late by" in e["summary"] for e in fired)


def _instant(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
