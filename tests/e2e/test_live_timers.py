"""Live: a real `fireline serve` (with its embedded worker) fires every timer, once each,
and none before it is due.

The policy's waits are seconds long (tests/seconds_policy.py), so this runs on the wall
clock. How late timers fire under load is measured by the benchmark (`bench/timers.py`),
not asserted here: on a shared machine it is luck, and a test must not depend on luck.
"""

from __future__ import annotations

from collections import Counter
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
from tests.waiting import HANG_GUARD_S, eventually

INCIDENTS = 3


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    env = base_env(tmp_path, database_url)
    env["FIRELINE_POLICY"] = str(write_seconds_policy(tmp_path))
    yield from start_server(env, tmp_path)


def test_every_timer_fires_once_and_never_before_it_is_due(live_server: Server) -> None:
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

    def planned() -> dict[str, list[dict[str, object]]]:
        return {
            incident_id: httpx.get(
                f"{live_server.url}/api/v1/incidents/{incident_id}/timers", headers=headers
            ).json()["timers"]
            for incident_id in ids
        }

    # The last timer is due LAST_TIMER_AFTER_S after declaration; the guard only stops a hang.
    eventually(
        lambda: all(t["fired_at"] for timers in planned().values() for t in timers),
        what="every timer fired",
        guard_s=LAST_TIMER_AFTER_S + HANG_GUARD_S,
        state=planned,
    )
    for incident_id, timers in planned().items():
        assert len(timers) == TIMERS_PER_INCIDENT
        for timer in timers:
            assert _instant(timer["fired_at"]) >= _instant(timer["due_at"]), (incident_id, timer)
        timeline = httpx.get(
            f"{live_server.url}/api/v1/incidents/{incident_id}/timeline", headers=headers
        ).json()["events"]
        fired = Counter(e["after"]["key"] for e in timeline if e["kind"] in TIMER_KINDS)
        assert set(fired) == {t["key"] for t in timers}, incident_id
        assert set(fired.values()) == {1}, f"{incident_id}: a timer fired twice: {fired}"


def _instant(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
