"""The outbox on real databases and real receivers: retries and backoff, permanent failures
falling back to the next method, pages called off by an acknowledgement, and a worker that
dies mid-delivery (its lease runs out, another sends the same message again, once recorded).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fireline.bootstrap import Context
from fireline.domain.access import Visibility
from fireline.domain.deliveries import DeliveryStatus, lease_for, retry_at
from fireline.domain.incident import Draft
from fireline.domain.paging_rules import PersonalRule
from fireline.domain.recipients import Reached
from fireline.entrypoints.worker.loop import run_delivery_step, run_step
from fireline.services import incidents, paging_rules
from fireline.services import response as responding
from fireline.services.delivery_ports import NewDelivery
from fireline.services.outbox import fail_deliveries_off_channels
from fireline.services.updates import list_deliveries
from tests.channel_receivers import Received
from tests.integration.api.conftest import FakeClock
from tests.notifying import Receivers, add_user, make_context, receivers, work, write_policy

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ALL = Visibility("admin", sees_open=True, sees_restricted=True)
POLICY = """\
fireline_policy: 1
name: outbox
incident_types: [{name: infrastructure, label: Infrastructure}]
severities:
  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}
severity_rule: {when_unknown: 1}
priority_matrix: {priority_severity: {P1: 1, P2: 1, P3: 1, P4: 1}}
contacts:
  - {name: ops, label: Ops, primary: ana}
notifications:
  methods: {1: [METHODS]}
  on_declare: [contact:ops]
"""


@pytest.fixture
def servers() -> Iterator[Receivers]:
    with receivers() as started:
        yield started


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def methods() -> str:
    return "sms"


@pytest.fixture
def context(
    database_url: str, servers: Receivers, clock: FakeClock, tmp_path: Path, methods: str
) -> Iterator[Context]:
    text = POLICY.replace("METHODS", methods) + servers.channels_yaml(timeout=2.0)
    context = make_context(database_url, write_policy(tmp_path, text), clock, tmp_path)
    add_user(context, "ana", phone="+4915100000001")
    yield context
    context.database.dispose()


def declare(context: Context) -> str:
    draft = Draft(title="Checkout down", type="infrastructure", reporter="ana", severity=1)
    return incidents.declare_incident(
        context.database, context.policies, draft, now=context.clock()
    ).incident.id


def log(context: Context, incident_id: str) -> list[tuple[Any, ...]]:
    """(method, status, attempts, [attempt outcomes], fallback_of) of each delivery."""
    return [
        (d.method, d.status.value, d.attempts, [a.outcome for a in tries], d.fallback_of)
        for d, tries in list_deliveries(context.database, incident_id, visibility=ALL)
    ]


def summaries(context: Context, incident_id: str) -> list[str]:
    events = incidents.get_timeline(context.database, incident_id, ALL)
    return [e.event.summary for e in events if e.event.kind == "delivery"]


def answering(*statuses: int) -> Any:
    """A Twilio stand-in answering each request with the next status (then 201s)."""
    queue = list(statuses)

    def answer(got: Received) -> tuple[int, dict[str, str], bytes]:
        status = queue.pop(0) if queue else 201
        return status, {"content-type": "application/json"}, b'{"sid": "SM1", "code": 21211}'

    return answer


def test_a_transient_failure_is_retried_with_backoff_and_recorded_once(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    servers.twilio.answer = answering(503, 503)
    incident_id = declare(context)
    work(context)
    ((_, status, attempts, _, _),) = log(context, incident_id)
    assert (status, attempts) == ("pending", 1)
    key = list_deliveries(context.database, incident_id, visibility=ALL)[0][0].key
    first_retry = retry_at(key, 1, T0)
    assert first_retry is not None
    clock.now = first_retry - timedelta(seconds=1)
    work(context)
    assert len(servers.twilio.received) == 1  # not before its time
    clock.now = first_retry
    work(context)
    second_retry = retry_at(key, 2, first_retry)
    assert second_retry is not None
    clock.now = second_retry
    work(context)
    assert log(context, incident_id) == [
        ("sms", "delivered", 3, ["transient", "transient", "delivered"], None)
    ]
    assert set(servers.twilio.keys()) == {key}  # the same message, three times
    (summary,) = summaries(context, incident_id)
    assert summary.endswith("after 3 attempts")


def test_a_permanent_failure_falls_back_to_the_next_method_and_says_so(
    context: Context, servers: Receivers
) -> None:
    servers.twilio.answer = answering(400)
    incident_id = declare(context)
    work(context)
    sms, email = log(context, incident_id)
    assert sms[:4] == ("sms", "failed", 1, ["permanent"])
    assert email[:2] == ("email", "delivered")
    deliveries = list_deliveries(context.database, incident_id, visibility=ALL)
    assert email[4] == deliveries[0][0].id
    (mail,) = servers.mailbox.messages
    assert mail["To"] == "ana@example.com"
    failed, delivered = summaries(context, incident_id)
    assert failed.startswith("SMS to ana failed: Twilio Messages: HTTP 400")
    assert failed.endswith("(permanent); falling back to email")
    assert delivered.startswith("Paged ana by email (initial)")


def test_after_ten_transient_failures_it_gives_up_and_falls_back(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    servers.twilio.answer = answering(*[503] * 10)
    incident_id = declare(context)
    for _ in range(12):
        work(context)
        clock.advance(hours=1)
    sms, email = log(context, incident_id)
    assert sms[:4] == ("sms", "failed", 10, ["transient"] * 10)
    assert email[:2] == ("email", "delivered")
    assert (
        "(gave up after 10 attempts); falling back to email" in summaries(context, incident_id)[0]
    )


@pytest.mark.parametrize("methods", ["sms, email"])
def test_a_delayed_page_is_not_sent_once_the_incident_is_acknowledged(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    paging_rules.set_notification_rules(
        context.database, "ana", [PersonalRule("email", 0), PersonalRule("sms", 120)]
    )
    incident_id = declare(context)
    work(context)
    assert len(servers.mailbox.messages) == 1  # email at once
    clock.advance(minutes=1)
    responding.acknowledge_incident(
        context.database, context.policies, incident_id, visibility=ALL, now=clock()
    )
    clock.advance(minutes=2)
    work(context)
    assert servers.twilio.received == []
    assert [row[:2] for row in log(context, incident_id)] == [
        ("email", "delivered"),
        ("sms", "cancelled"),
    ]
    cancelled = summaries(context, incident_id)[-1]
    assert cancelled == "SMS to ana not sent: acknowledged by admin at 10:01:00"


def test_a_worker_that_dies_mid_send_is_taken_over_and_the_message_recorded_once(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    servers.twilio.honours_keys = True
    incident_id = declare(context)
    while run_step(context):
        pass
    # A worker claims the SMS, sends it, and is killed before it can record anything.
    with context.database.transaction() as store:
        claimed = store.claim_delivery("texts", clock(), lease_for(2.0), "dead-worker")
    assert claimed is not None
    context.send(
        context.policies.current.channel("texts"), claimed.message, claimed.delivery.address
    )  # type: ignore[arg-type]
    assert not run_delivery_step(context, "texts")  # held by the dead worker's lease
    clock.advance(seconds=lease_for(2.0).total_seconds())
    assert run_delivery_step(context, "texts")  # taken over: sent again, same key
    assert not run_delivery_step(context, "texts")
    clock.advance(hours=6)
    assert not run_delivery_step(context, "texts")  # delivered is never sent again
    assert log(context, incident_id) == [
        ("sms", "delivered", 2, ["interrupted", "delivered"], None)
    ]
    keys = servers.twilio.keys()
    assert keys == [claimed.message.key, claimed.message.key]
    assert servers.twilio.accepted == [claimed.message.key]  # a receiver honouring keys: once
    assert len(summaries(context, incident_id)) == 1


def test_a_worker_whose_lease_ran_out_cannot_record_over_the_one_that_took_over(
    context: Context, clock: FakeClock
) -> None:
    incident_id = declare(context)
    while run_step(context):
        pass
    with context.database.transaction() as store:
        slow = store.claim_delivery("texts", clock(), lease_for(2.0), "slow")
    clock.advance(seconds=60)
    with context.database.transaction() as store:
        fast = store.claim_delivery("texts", clock(), lease_for(2.0), "fast")
        assert fast is not None
        assert slow is not None
        assert fast.delivery.id == slow.delivery.id
        done = store.finish_delivery(
            fast.delivery.id,
            "fast",
            status=DeliveryStatus.DELIVERED,
            now=clock(),
            outcome="delivered",
        )
        assert done is not None
    with context.database.transaction() as store:
        late = store.finish_delivery(
            slow.delivery.id, "slow", status=DeliveryStatus.FAILED, now=clock(), outcome="permanent"
        )
    assert late is None
    assert log(context, incident_id)[0][:2] == ("sms", "delivered")


def test_messages_of_a_channel_the_policy_dropped_fail_and_fall_back(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    incident_id = declare(context)
    while run_step(context):
        pass
    reached = Reached("user:ana", "ana", "ana", "sms", "pager_gone", "+4915100000001")
    with context.database.transaction() as store:
        message = store.delivery_message(store.list_deliveries(incident_id)[0][0].id)
        store.add_deliveries(
            [
                NewDelivery(
                    incident_id,
                    f"{incident_id}/manual",
                    reached,
                    "page",
                    True,
                    message.__class__(**{**message.__dict__, "key": "gone-1"}),
                    clock(),
                )
            ],
            clock(),
        )
    assert (
        fail_deliveries_off_channels(context.database, context.policies.current, now=clock()) == 1
    )
    gone = [row for row in log(context, incident_id) if row[1] == "failed"]
    assert len(gone) == 1
    assert any(
        "the policy in force has no channel 'pager_gone'" in s
        for s in summaries(context, incident_id)
    )
