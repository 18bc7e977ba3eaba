"""Acceptance 3: one channel refusing or hanging holds no other back.

Here the real worker runs (`run_worker`: the timer loop and a lane thread per channel), on a
clock the test moves, against local receivers. The policy is handbook 004's with Sev-1
paged by chat, SMS and email and Sev-2 by SMS and email: a Sev-1 declaration sends one
message on each of three lanes, a Sev-2 one on each of two.

Nothing here depends on how fast the machine is. A refusal's consequence is read from the
database (when the refused message is due again) and the clock is moved past it. A hang is
a receiver that holds its answer back until the test releases it, and what the test then
waits for is stored only after the hang began: a lane shared with the hanging channel
could never deliver it, however long the test waited.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fireline.adapters.db.tables import deliveries
from fireline.bootstrap import Context
from fireline.domain.incident import Draft
from fireline.entrypoints.worker.loop import run_worker
from fireline.services import incidents, oncall
from tests.channel_receivers import Received
from tests.integration.api.conftest import FakeClock
from tests.notifying import Receivers, add_user, make_context, preset_text, receivers, write_policy
from tests.waiting import eventually

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TIMEOUT_S = 120.0
"""Every channel's timeout (the longest a policy allows). A request the test holds keeps
its sender reading (see `tests/channel_receivers.py`), so it never times out while held."""


@pytest.fixture
def servers() -> Iterator[Receivers]:
    with receivers() as started:
        yield started


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def context(
    database_url: str, servers: Receivers, clock: FakeClock, tmp_path: Path
) -> Iterator[Context]:
    text = (
        preset_text("handbook_004")
        .replace("1: [voice, chat, email]", "1: [chat, sms, email]")
        .replace("2: [chat, email]", "2: [sms, email]")
    )
    policy = write_policy(tmp_path, text + servers.channels_yaml(timeout=TIMEOUT_S))
    context = make_context(database_url, policy, clock, tmp_path)
    add_user(context, "ana", phone="+4915100000001", chat="U0ANA")
    oncall.add_override(
        context.database,
        context.policies.current,
        "on_call",
        person="ana",
        starts_at=T0,
        ends_at=T0 + timedelta(days=1),
        actor="test",
        now=T0,
    )
    yield context
    context.database.dispose()


@pytest.fixture
def worker(context: Context, servers: Receivers) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(context, stop), daemon=True)
    thread.start()
    yield
    for receiver in (servers.slack, servers.twilio, servers.hook):
        receiver.release_all()  # so that every lane can stop
    stop.set()
    thread.join(timeout=120)  # a hang guard
    assert not thread.is_alive()


def declare(context: Context, severity: int) -> str:
    draft = Draft(title="Checkout down", type="infrastructure", reporter="ana", severity=severity)
    return incidents.declare_incident(
        context.database, context.policies, draft, now=context.clock()
    ).incident.id


@dataclass(frozen=True)
class Seen:
    status: str
    attempts: int
    due_at: datetime
    delivered_at: datetime | None


def by_method(context: Context, incident_id: str) -> dict[str, Seen]:
    """The incident's deliveries, by method (each incident here has one per method)."""
    d = deliveries.c
    with context.database.engine.connect() as connection:
        rows = connection.execute(
            select(d.method, d.status, d.attempts, d.due_at, d.delivered_at).where(
                d.incident_id == incident_id
            )
        ).all()
    return {method: Seen(*values) for method, *values in rows}


def is_delivered(context: Context, incident_id: str, *methods: str) -> bool:
    seen = by_method(context, incident_id)
    return all(method in seen and seen[method].status == "delivered" for method in methods)


@pytest.mark.usefixtures("worker")
def test_a_slack_answering_429_for_a_minute_delays_no_email_or_sms(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    until = T0 + timedelta(minutes=1)

    def limited(got: Received) -> tuple[int, dict[str, str], bytes]:
        if clock() < until:
            return 429, {"Retry-After": "60"}, b"rate_limited"
        return 200, {}, b"ok"

    servers.slack.answer = limited
    incident = declare(context, severity=1)

    def refused() -> bool:
        chat = by_method(context, incident).get("chat")
        return chat is not None and (chat.status, chat.attempts) == ("pending", 1)

    eventually(
        lambda: is_delivered(context, incident, "email", "sms") and refused(),
        what="email and SMS delivered, Slack refused once",
        state=lambda: by_method(context, incident),
    )
    seen = by_method(context, incident)
    # Email and SMS went out at once (on the simulated clock, which has not moved) …
    assert seen["email"].delivered_at == T0
    assert seen["sms"].delivered_at == T0
    (email,) = servers.mailbox.messages
    assert email["To"] == "ana@example.com"
    assert servers.twilio.received[0].body["To"] == "+4915100000001"
    # … while Slack waits out its minute: one refused attempt, due again when the receiver
    # said (its Retry-After, longer than our own first wait of about 10 s), not before.
    assert seen["chat"].due_at == T0 + timedelta(seconds=60)
    assert len(servers.slack.received) == 1
    clock.advance(seconds=61)
    eventually(
        lambda: is_delivered(context, incident, "chat"),
        what="Slack delivered once its minute was over",
        state=lambda: by_method(context, incident),
    )
    assert by_method(context, incident)["chat"].attempts == 2
    assert len(servers.slack.received) == 2


@pytest.mark.usefixtures("worker")
def test_a_slack_that_hangs_delays_no_email_or_sms_sent_after_it(
    context: Context, servers: Receivers
) -> None:
    servers.slack.hold_next()
    first = declare(context, severity=1)
    held = servers.slack.next_held()  # Slack's lane is now waiting for an answer
    # Declared after Slack hung, so a lane shared with Slack's would be stuck behind it.
    second = declare(context, severity=2)
    eventually(
        lambda: is_delivered(context, second, "email", "sms"),
        what="the second incident's email and SMS delivered while Slack hangs",
        state=lambda: (by_method(context, first), by_method(context, second)),
    )
    assert by_method(context, first)["chat"].status == "sending"  # still waiting on Slack
    assert not held.release.is_set()
    held.release.set()
    eventually(
        lambda: is_delivered(context, first, "chat", "email", "sms"),
        what="Slack delivered once it answered",
        state=lambda: by_method(context, first),
    )
    assert by_method(context, first)["chat"].attempts == 1
    assert len(servers.slack.received) == 1
