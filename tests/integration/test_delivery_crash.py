"""Crash test for the outbox: two real `fireline worker` processes deliver to real local
receivers while one of them is killed with SIGKILL again and again, mid-delivery.

Every incident's initial notification goes to Ana by phone call, chat, SMS and email, and
to two rooms (a webhook and Slack): six messages on five channels. The receivers answer a
little slowly, so most kills land while a message is on its way. Afterwards:

- every message was received at least once by its receiver (the mailbox has every
  Message-ID, the HTTP receivers every Idempotency-Key);
- the webhook receiver, which honours idempotency keys, accepted each message exactly once;
- we never sent a message more often than we attempted it, and a message attempted once
  (no worker died holding it) was received exactly once;
- the timeline holds exactly one "delivered" entry per message.
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

from fireline.adapters.db.tables import deliveries, delivery_attempts, timeline
from fireline.bootstrap import Context
from tests.crashing_workers import CrashingWorkers, declare_wave, worker_env
from tests.integration.api.conftest import FakeClock
from tests.notifying import Receivers, add_user, make_context, receivers, write_policy

WAVES = 10
PER_WAVE = 20
WAVE_GAP_S = 2.5
MESSAGES_PER_INCIDENT = 6
DRAIN_TIMEOUT_S = 90
POLICY = """\
fireline_policy: 1
name: crash
incident_types: [{name: infrastructure, label: Infrastructure}]
severities:
  - {level: 1, name: critical, label: Critical, response: 1h, resolution: 4h}
severity_rule: {when_unknown: 1}
priority_matrix: {priority_severity: {P1: 1, P2: 1, P3: 1, P4: 1}}
notifications:
  methods: {1: [voice, chat, sms, email]}
  on_declare: [user:ana, channel:hooks, channel:slack]
"""


class RealClock(FakeClock):
    """The clock the workers have: now, always."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture
def servers() -> Iterator[Receivers]:
    with receivers() as started:
        for receiver in (started.slack, started.twilio, started.hook):
            receiver.delay = 0.1
        started.hook.honours_keys = True
        yield started


@pytest.fixture
def context(
    database_url: str, servers: Receivers, tmp_path: Path
) -> Iterator[tuple[Context, Path]]:
    policy = write_policy(tmp_path, POLICY + servers.channels_yaml(timeout=1.0))
    context = make_context(database_url, policy, RealClock(datetime.now(UTC)), tmp_path)
    add_user(context, "ana", phone="+4915100000001", chat="U0ANA")
    yield context, policy
    context.database.dispose()


def test_workers_killed_mid_delivery_lose_nothing_and_record_each_message_once(
    context: tuple[Context, Path], servers: Receivers, database_url: str, tmp_path: Path
) -> None:
    ctx, policy = context
    env = worker_env(database_url, policy, tmp_path)
    log = tmp_path / "workers.log"
    waves = 0
    next_wave = time.monotonic()
    total = WAVES * PER_WAVE * MESSAGES_PER_INCIDENT
    # A restarted worker needs about a second to start: kill it once it is at work.
    with CrashingWorkers(env, log, every=(1.0, 2.0), seed=5) as workers:
        # Kill while the waves come in and a little after, then let the survivors finish.
        while waves < WAVES or time.monotonic() < next_wave + 3:
            if waves < WAVES and time.monotonic() >= next_wave:
                declare_wave(ctx, waves, PER_WAVE)
                waves += 1
                next_wave = time.monotonic() + WAVE_GAP_S
            workers.tick()
            time.sleep(0.02)  # paces this loop; the assertions below do not depend on it
        # The survivor and the last restart finish what is left (a dead worker's claims are
        # taken over when their leases run out, 13 s after they were made).
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while _delivered(ctx) < total and time.monotonic() < deadline:
            time.sleep(0.2)
    kills = workers.kills
    output = log.read_text()
    assert kills >= 15, f"only {kills} kills: the test did not exercise crashes"
    assert _delivered(ctx) == total, output[-3000:]

    with ctx.database.engine.connect() as connection:
        rows = connection.execute(
            select(deliveries.c.key, deliveries.c.channel, deliveries.c.attempts)
        ).all()
        outcomes = Counter(
            outcome for (outcome,) in connection.execute(select(delivery_attempts.c.outcome))
        )
        events = connection.execute(
            select(timeline.c.after_value).where(timeline.c.kind == "delivery")
        ).all()
    assert len(rows) == total
    assert outcomes["interrupted"] >= 3, f"kills never landed mid-delivery: {outcomes}"

    received: Counter[str] = Counter(
        [*servers.slack.keys(), *servers.twilio.keys(), *servers.hook.keys()]
    )
    message_ids = Counter(servers.mailbox.message_ids())
    for key, channel, attempts in rows:
        got = message_ids[f"<{key}@fireline>"] if channel == "mail" else received[key]
        assert 1 <= got <= attempts, (key, channel, got, attempts)
        if attempts == 1:
            assert got == 1, (key, channel)
    hook_keys = {key for key, channel, _ in rows if channel == "hooks"}
    assert sorted(servers.hook.accepted) == sorted(hook_keys)  # each exactly once
    assert set(message_ids) == {
        f"<{key}@fireline>" for key, channel, _ in rows if channel == "mail"
    }

    per_key = Counter(json.loads(after)["key"] for (after,) in events)
    assert set(per_key) == {key for key, _, _ in rows}
    assert max(per_key.values()) == 1, "a message was recorded twice"
    assert "Traceback" not in output.replace("KeyboardInterrupt", "")


def _delivered(context: Context) -> int:
    with context.database.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(deliveries)
                .where(deliveries.c.status == "delivered")
            ).scalar_one()
        )
