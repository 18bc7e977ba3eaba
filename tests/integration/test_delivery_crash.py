"""Crash test for the outbox: two real `fireline worker` processes deliver to real local
receivers while the test kills them with SIGKILL again and again, each time mid-delivery.

Every incident's initial notification goes to Ana by phone call, chat, SMS and email, and
to two rooms (a webhook and Slack): six messages on five channels.

The kills land mid-delivery by construction, not by luck: before each kill one of the HTTP
receivers (Slack, Twilio, the webhook in turn) is told to hold its next request, a wave of
incidents is declared, and when the request arrives the receiver holds its answer back.
The test finds the worker that sent it (the one whose socket has the request's local
port), freezes it (SIGSTOP), checks that it is still waiting on that connection (so it
has recorded nothing of this attempt), kills it (SIGKILL), waits until it is gone, and
only then lets the receiver finish its answer into the dead connection and starts the
worker again. Should a sender have given up first all the same, its kill is not counted
and another round follows. Afterwards:

- every message was received at least once by its receiver (the mailbox has every
  Message-ID, the HTTP receivers every Idempotency-Key);
- the webhook receiver, which honours idempotency keys, accepted each message exactly once;
- we never sent a message more often than we attempted it, and a message attempted once
  (no worker died holding it) was received exactly once;
- the timeline holds exactly one "delivered" entry per message;
- every kill left an attempt that the worker taking the message over recorded as
  interrupted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fireline.adapters.db.tables import deliveries, delivery_attempts, timeline
from fireline.bootstrap import Context
from tests.channel_receivers import Held
from tests.crashing_workers import Workers, declare_wave, worker_env
from tests.integration.api.conftest import FakeClock
from tests.notifying import Receivers, add_user, make_context, receivers, write_policy
from tests.waiting import eventually

KILLS = 15
PER_WAVE = 4
MESSAGES_PER_INCIDENT = 6
TIMEOUT_S = 2.0
"""Every channel's timeout. A held request keeps its sender reading, so it does not time
out while held; a dead worker's messages are taken over when their lease (3 timeouts +
10 s) runs out."""
DRAIN_GUARD_S = 600
"""A hang guard for the last messages (the last kill's lease, retries after it); sending
is CPU-bound here, so a machine shared with other work can take minutes."""
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
        started.hook.honours_keys = True
        yield started


@pytest.fixture
def context(
    database_url: str, servers: Receivers, tmp_path: Path
) -> Iterator[tuple[Context, Path]]:
    policy = write_policy(tmp_path, POLICY + servers.channels_yaml(timeout=TIMEOUT_S))
    context = make_context(database_url, policy, RealClock(datetime.now(UTC)), tmp_path)
    add_user(context, "ana", phone="+4915100000001", chat="U0ANA")
    yield context, policy
    context.database.dispose()


def test_workers_killed_mid_delivery_lose_nothing_and_record_each_message_once(
    context: tuple[Context, Path], servers: Receivers, database_url: str, tmp_path: Path
) -> None:
    ctx, policy = context
    env = worker_env(database_url, policy, tmp_path)
    holders = (servers.slack, servers.twilio, servers.hook)
    waves = 0
    with Workers(env, tmp_path / "logs", count=2) as workers:
        while workers.kills < KILLS:
            receiver = holders[waves % len(holders)]
            receiver.hold_next()
            declare_wave(ctx, waves, PER_WAVE)
            waves += 1
            _kill_the_sender_of(receiver.next_held(), workers)
        total = waves * PER_WAVE * MESSAGES_PER_INCIDENT
        # The survivors finish what is left (a dead worker's claims are taken over when
        # their leases run out).
        eventually(
            lambda: _delivered(ctx) == total,
            what=f"all {total} messages delivered",
            guard_s=DRAIN_GUARD_S,
            state=lambda: _outstanding(ctx),
        )
        output = workers.output()
    kills = workers.kills
    assert kills >= KILLS, f"only {kills} kills: the test did not exercise crashes"

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
    assert outcomes["interrupted"] >= kills, f"kills never landed mid-delivery: {outcomes}"

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


def _kill_the_sender_of(held: Held, workers: Workers) -> None:
    """Kill the worker waiting for the held request's answer, then let the receiver answer.
    Counted only if the worker was still waiting when it was frozen: then it had recorded
    nothing of this attempt, and died in the middle of it."""
    try:
        index = workers.owner_of(held.port)
        if index is None:
            return  # its sender gave up (timed out) before we found it
        with workers.frozen(index):
            if workers.owner_of(held.port) == index:
                workers.kill(index)
    finally:
        held.release.set()


def _outstanding(context: Context) -> list[tuple[object, ...]]:
    """The deliveries not yet delivered, and their attempts (for a hang guard's message)."""
    d, a = deliveries.c, delivery_attempts.c
    with context.database.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(d.id, d.channel, d.status, d.attempts, d.due_at, a.number, a.outcome)
                .join(delivery_attempts, a.delivery_id == d.id, isouter=True)
                .where(d.status != "delivered")
                .order_by(d.id, a.number)
                .limit(40)
            )
        ]


def _delivered(context: Context) -> int:
    with context.database.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(deliveries)
                .where(deliveries.c.status == "delivered")
            ).scalar_one()
        )
