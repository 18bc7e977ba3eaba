"""Acceptance 3: one channel refusing or hanging holds no other back.

Here the real worker runs (`run_worker`: the timer loop and a lane thread per channel), on a
clock the test moves, against local receivers. The policy is handbook 004's with Sev-1
paged by chat, SMS and email, so one declaration sends one message on each of three lanes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
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

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TIMEOUT_S = 5.0
"""Every channel's timeout: how long a hanging receiver holds its own lane."""
PROMPTLY_S = 2.0
"""Real seconds within which an unaffected channel must have delivered: less than one
timeout, so a lane shared with the hanging channel would fail it."""


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
    text = preset_text("handbook_004").replace("1: [voice, chat, email]", "1: [chat, sms, email]")
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
def worker(context: Context) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(context, stop), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=15)
    assert not thread.is_alive()


def declare(context: Context) -> str:
    draft = Draft(title="Checkout down", type="infrastructure", reporter="ana", severity=1)
    return incidents.declare_incident(
        context.database, context.policies, draft, now=context.clock()
    ).incident.id


def status_by_method(context: Context) -> dict[str, tuple[str, int, datetime | None]]:
    d = deliveries.c
    with context.database.engine.connect() as connection:
        rows = connection.execute(select(d.method, d.status, d.attempts, d.delivered_at)).all()
    return {method: (status, attempts, at) for method, status, attempts, at in rows}


def wait_for(condition: Callable[[], bool], seconds: float) -> float:
    """Real seconds until `condition()` holds; fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "did not happen in time"
        time.sleep(0.02)
    return time.monotonic() - started


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
    declare(context)
    took = wait_for(
        lambda: (
            status_by_method(context).get("email", ("",))[0] == "delivered"
            and status_by_method(context).get("sms", ("",))[0] == "delivered"
            and len(servers.slack.received) >= 1
        ),
        PROMPTLY_S,
    )
    seen = status_by_method(context)
    # Email and SMS went out at once, on the simulated clock and within real seconds …
    assert seen["email"][2] == T0
    assert seen["sms"][2] == T0
    assert took < PROMPTLY_S
    (email,) = servers.mailbox.messages
    assert email["To"] == "ana@example.com"
    assert servers.twilio.received[0].body["To"] == "+4915100000001"
    # … while Slack waits out its minute: one refused attempt, the next one not before 60 s.
    status, attempts, _ = seen["chat"]
    assert (status, attempts) == ("pending", 1)
    time.sleep(0.5)  # the lane is free to try again, and must not
    assert len(servers.slack.received) == 1
    clock.advance(seconds=61)
    wait_for(lambda: status_by_method(context)["chat"][0] == "delivered", PROMPTLY_S)
    assert status_by_method(context)["chat"][1] == 2
    assert len(servers.slack.received) == 2


@pytest.mark.usefixtures("worker")
def test_a_slack_that_hangs_delays_no_email_or_sms(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    servers.slack.delay = 30.0  # answers 200 after 30 s; the channel gives up after 5 s
    declare(context)
    took = wait_for(
        lambda: (
            status_by_method(context).get("email", ("",))[0] == "delivered"
            and status_by_method(context).get("sms", ("",))[0] == "delivered"
        ),
        PROMPTLY_S,
    )
    assert took < PROMPTLY_S
    assert status_by_method(context)["chat"][0] == "sending"  # still waiting on Slack
    wait_for(lambda: status_by_method(context)["chat"][0] == "pending", TIMEOUT_S + 2)
    status, attempts, _ = status_by_method(context)["chat"]
    assert (status, attempts) == ("pending", 1)  # timed out: transient, tried again later
    servers.slack.delay = 0.0
    clock.advance(seconds=15)  # past the first retry's wait (10 s ± 10 %)
    wait_for(lambda: status_by_method(context)["chat"][0] == "delivered", PROMPTLY_S)
