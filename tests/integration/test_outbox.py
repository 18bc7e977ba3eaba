"""The outbox on real databases and real receivers: retries and backoff, permanent failures
falling back to the next method, pages called off by an acknowledgement, and a worker that
dies mid-delivery (its lease runs out, another sends the same message again, once recorded).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fireline.bootstrap import Context
from fireline.domain.access import Visibility
from fireline.domain.deliveries import DeliveryStatus, lease_for, retry_at
from fireline.domain.incident import Draft
from fireline.domain.messages import Message
from fireline.domain.paging_rules import PersonalRule
from fireline.domain.recipients import Reached
from fireline.entrypoints.worker.loop import run_delivery_step, run_step
from fireline.services import incidents, paging_rules
from fireline.services import response as responding
from fireline.services.delivery_ports import NewDelivery
from fireline.services.outbox import deliver_next, fail_deliveries_off_channels
from fireline.services.updates import list_deliveries
from tests.channel_receivers import Received
from tests.integration.api.conftest import FakeClock
from tests.notifying import Receivers, add_user, make_context, receivers, work, write_policy
from tests.waiting import eventually

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
  on_declare: [TARGETS]
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
def targets() -> str:
    return "contact:ops"


@pytest.fixture
def context(
    database_url: str,
    servers: Receivers,
    clock: FakeClock,
    tmp_path: Path,
    methods: str,
    targets: str,
) -> Iterator[Context]:
    text = POLICY.replace("METHODS", methods).replace("TARGETS", targets)
    text += servers.channels_yaml(timeout=2.0)
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
        said = b'{"sid": "SM1", "code": 21211, "message": "To +4915100000001 is not valid"}'
        return status, {"content-type": "application/json"}, said

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
    # The receiver quoted Ana's number back; the log and the timeline do not repeat it.
    assert "To <address> is not valid" in failed
    assert "+4915100000001" not in failed
    sms_row = deliveries[0][0]
    assert sms_row.last_error is not None
    assert "+4915100000001" not in sms_row.last_error
    assert "+4915100000001" not in str(deliveries[0][1][0].detail)
    assert delivered.startswith("Paged ana by email (initial)")


def test_a_page_failing_again_and_again_also_tries_the_next_method_then_gives_up(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    servers.twilio.answer = answering(*[503] * 10)
    incident_id = declare(context)
    for _ in range(12):
        work(context)
        clock.advance(hours=1)
    sms, email, call = log(context, incident_id)
    assert sms[:4] == ("sms", "failed", 10, ["transient"] * 10)
    assert (email[:2], call[:2]) == (("email", "delivered"), ("voice", "delivered"))
    failing, emailed, failed, called = summaries(context, incident_id)
    # A page does not wait an hour of retries: after the third failure email goes too …
    assert failing.startswith("SMS to ana failing (3 attempts; last: Twilio Messages: HTTP 503")
    assert failing.endswith("also trying email")
    assert emailed.startswith("Paged ana by email")
    # … and when SMS gives up, the next way Ana has: a call.
    assert failed.endswith("(gave up after 10 attempts); falling back to phone call")
    assert called.startswith("Paged ana by phone call")


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


@pytest.mark.parametrize("targets", ["contact:ops, channel:slack"])
def test_an_acknowledgement_calls_off_pages_but_not_the_post_to_the_room(
    context: Context, servers: Receivers, clock: FakeClock
) -> None:
    servers.slack.answer = lambda got: (
        (503, {}, b"")
        if len(servers.slack.received) == 1
        else (
            200,
            {},
            b"ok",
        )
    )
    paging_rules.set_notification_rules(context.database, "ana", [PersonalRule("sms", 120)])
    incident_id = declare(context)
    work(context)  # the room post fails once; the SMS waits its 2 minutes
    clock.advance(minutes=1)
    responding.acknowledge_incident(
        context.database, context.policies, incident_id, visibility=ALL, now=clock()
    )
    clock.advance(minutes=5)
    work(context)
    assert {row[0]: row[1] for row in log(context, incident_id)} == {
        "room": "delivered",
        "sms": "cancelled",
    }
    assert len(servers.slack.received) == 2


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


def test_a_live_worker_keeps_its_lease_however_slowly_the_receiver_answers(
    context: Context, clock: FakeClock
) -> None:
    incident_id = declare(context)
    while run_step(context):
        pass
    policy = context.policies.current
    started, release = threading.Event(), threading.Event()

    def slow_send(config: object, message: Message, to: str) -> str:
        started.set()
        assert release.wait(120)  # a hang guard
        return "answered at last"

    done: list[bool] = []
    worker = threading.Thread(
        target=lambda: done.append(
            deliver_next(
                context.database, policy, slow_send, "texts", clock=clock, renew_every=0.02
            )
        )
    )
    worker.start()
    assert started.wait(120)  # a hang guard
    clock.advance(seconds=3 * lease_for(2.0).total_seconds())  # far past the first lease

    def lease_ends() -> datetime:
        ((delivery, _),) = list_deliveries(context.database, incident_id, visibility=ALL)
        return delivery.due_at

    # The sending worker renews its lease from the clock's new now …
    eventually(lambda: lease_ends() > clock(), what="the lease renewed")
    # … so another worker finds nothing to take over.
    assert not deliver_next(context.database, policy, context.send, "texts", clock=clock)
    release.set()
    worker.join(120)  # a hang guard
    assert done == [True]
    assert log(context, incident_id) == [("sms", "delivered", 1, ["delivered"], None)]
