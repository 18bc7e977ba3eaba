"""Issue 5's acceptance, against real local receivers and real databases.

The policy is handbook 004's preset with this machine's channels added (as a user adds
theirs), so the routing, audiences and cadence under test are the preset's own. Time is a
clock the test moves, and the worker is driven step by step (`tests.notifying.work`).
Acceptance 3 (one channel holds no other back) is in test_channel_isolation.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from fireline.entrypoints.api.app import create_app
from tests.integration.api.conftest import FakeClock, add_person, bearer
from tests.notifying import (
    Receivers,
    add_user,
    make_context,
    preset_text,
    receivers,
    work,
    write_policy,
)

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ANA_PHONE = "+4915100000001"


@pytest.fixture
def servers() -> Iterator[Receivers]:
    with receivers() as started:
        yield started


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def policy_text(servers: Receivers) -> str:
    return preset_text("handbook_004") + servers.channels_yaml()


@pytest.fixture
def context(
    database_url: str, policy_text: str, clock: FakeClock, tmp_path: Path
) -> Iterator[Context]:
    context = make_context(database_url, write_policy(tmp_path, policy_text), clock, tmp_path)
    yield context
    context.database.dispose()


@pytest.fixture
def api(context: Context) -> Iterator[TestClient]:
    token = add_person(context, "admin", AccessRole.ADMIN)
    with TestClient(create_app(context), headers=bearer(token)) as client:
        yield client


@pytest.fixture
def ana_on_call(context: Context, api: TestClient) -> None:
    """Ana, reachable every way, covers the preset's on-call schedule for the day."""
    add_user(context, "ana", phone=ANA_PHONE, chat="U0ANA")
    covered = api.post(
        "/api/v1/schedules/on_call/overrides",
        json={
            "person": "ana",
            "starts_at": T0.isoformat(),
            "ends_at": (T0 + timedelta(days=1)).isoformat(),
        },
    )
    assert covered.status_code == 201, covered.text


def declare(api: TestClient, severity: int) -> str:
    made = api.post(
        "/api/v1/incidents",
        json={"title": "Checkout down in EU", "type": "infrastructure", "severity": severity},
    )
    assert made.status_code == 201, made.text
    incident_id: str = made.json()["id"]
    return incident_id


def timeline(api: TestClient, incident_id: str, kind: str) -> list[dict[str, Any]]:
    events = api.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    return [e for e in events if e["kind"] == kind]


def deliveries(api: TestClient, incident_id: str) -> list[dict[str, Any]]:
    found = api.get(f"/api/v1/incidents/{incident_id}/deliveries")
    assert found.status_code == 200, found.text
    listed: list[dict[str, Any]] = found.json()["deliveries"]
    return listed


@pytest.mark.usefixtures("ana_on_call")
def test_a_sev1_under_004_calls_slacks_and_emails_the_on_call(
    context: Context, api: TestClient, servers: Receivers
) -> None:
    incident_id = declare(api, severity=1)
    work(context)

    (call,) = servers.twilio.received
    assert call.path.endswith("/Calls.json")
    assert call.body["To"] == ANA_PHONE
    assert f"Sev-1 incident {incident_id}" in call.body["Twiml"]
    (slack,) = servers.slack.received
    assert slack.body["text"].startswith(f"<@U0ANA> Fireline: Sev-1 incident {incident_id}")
    (email,) = servers.mailbox.messages
    assert email["To"] == "ana@example.com"
    assert email["Subject"] == f"INCIDENT ALERT - Checkout down in EU ({incident_id}, Sev-1)"
    assert "We are aware of an issue affecting Checkout down in EU" in email.get_payload()

    (initial,) = timeline(api, incident_id, "initial_notice")
    assert "reaching ana by phone call, chat, email" in initial["summary"]
    delivered = {e["after"]["method"]: e["summary"] for e in timeline(api, incident_id, "delivery")}
    assert set(delivered) == {"voice", "chat", "email"}
    assert delivered["voice"] == "Paged ana by phone call (initial) at 10:00:00, delivered 10:00:00"
    assert [d["status"] for d in deliveries(api, incident_id)] == ["delivered"] * 3


@pytest.mark.usefixtures("ana_on_call")
def test_a_sev4_is_emailed_only(context: Context, api: TestClient, servers: Receivers) -> None:
    incident_id = declare(api, severity=4)
    work(context)
    (email,) = servers.mailbox.messages
    assert email["To"] == "ana@example.com"
    assert servers.slack.received == []
    assert servers.twilio.received == []
    (only,) = deliveries(api, incident_id)
    assert (only["method"], only["status"]) == ("email", "delivered")


@pytest.mark.usefixtures("ana_on_call")
def test_nobody_on_call_is_said_on_the_timeline_and_nothing_is_sent(
    context: Context, api: TestClient, servers: Receivers, clock: FakeClock
) -> None:
    clock.advance(days=2)  # past Ana's cover
    incident_id = declare(api, severity=1)
    work(context)
    (initial,) = timeline(api, incident_id, "initial_notice")
    assert "not reached: schedule:on_call: nobody is on call (a gap)" in initial["summary"]
    assert deliveries(api, incident_id) == []
    assert servers.mailbox.messages == []


# Acceptance 4: the stakeholder cadence of a Sev-1, in simulated time


@pytest.mark.usefixtures("ana_on_call")
def test_a_sev1_reminds_support_at_30m_executives_at_2h_and_business_units_at_4h(
    context: Context, api: TestClient, servers: Receivers, clock: FakeClock
) -> None:
    add_user(context, "sam", chat="U0SAM")
    incident_id = declare(api, severity=1)
    assigned = api.put(
        f"/api/v1/incidents/{incident_id}/roles/communications_lead", json={"person": "sam"}
    )
    assert assigned.status_code == 200, assigned.text
    for _ in range(4 * 60):
        clock.advance(minutes=1)
        work(context)

    due = [
        (e["after"]["key"].split(":")[1], _minutes(e["after"]["due_at"]))
        for e in timeline(api, incident_id, "update_due")
    ]
    assert [m for who, m in due if who == "customer_support"] == list(range(30, 241, 30))
    assert [m for who, m in due if who == "executives"] == [120, 240]
    assert [m for who, m in due if who == "business_units"] == [240]
    # Each reminder reached the Communications Lead, by chat and email (not by phone).
    to_sam = [m for m in servers.mailbox.messages if m["To"] == "sam@example.com"]
    assert len(to_sam) == len(due)
    assert sorted({str(m["Subject"]).strip().split(":")[0] for m in to_sam}) == [
        "Update due for Business Units",
        "Update due for Customer Support",
        "Update due for Executive Team",
    ]
    assert sum("<@U0SAM>" in r.body["text"] for r in servers.slack.received) == len(due)
    # Nobody posted an update, so each reminder escalated to the Incident Manager 15 minutes
    # on: nobody holds that role, so it went to the on-call (Ana).
    overdue = timeline(api, incident_id, "update_overdue")
    assert _minutes(overdue[0]["at"]) == 45
    assert "role:incident_commander" in overdue[0]["after"]["targets"]
    assert "reaching ana by chat, email" in overdue[0]["summary"]


@pytest.mark.usefixtures("ana_on_call")
def test_an_update_goes_to_the_audiences_due_and_moves_their_cadence_on(
    context: Context, api: TestClient, servers: Receivers, clock: FakeClock
) -> None:
    incident_id = declare(api, severity=1)
    early = api.post(f"/api/v1/incidents/{incident_id}/updates", json={"message": "looking"})
    assert early.status_code == 409
    assert "no audience is due an update" in early.json()["detail"]
    clock.advance(minutes=31)
    work(context)
    posted = api.post(
        f"/api/v1/incidents/{incident_id}/updates",
        json={"message": "Rolled back the deploy", "next_steps": "Watch error rates"},
    )
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert body["audiences"] == ["customer_support"]
    assert body["next_due"] == {"customer_support": "2026-11-25T11:01:00Z"}
    # The preset's support contact has no address yet: said, not silently dropped.
    assert body["unreached"] == [
        "contact:customer_support: Customer Support has no person or address (set primary, "
        "or email, phone or chat, in the policy's contacts)"
    ]
    cadence = api.get(f"/api/v1/incidents/{incident_id}/updates").json()["audiences"]
    support = next(a for a in cadence if a["name"] == "customer_support")
    assert (support["is_due"], support["next_due_at"]) == (False, "2026-11-25T11:01:00Z")
    clock.advance(minutes=20)  # 51 minutes in: the overdue escalation was called off
    work(context)
    assert timeline(api, incident_id, "update_overdue") == []
    (update,) = timeline(api, incident_id, "update_posted")
    assert update["summary"].startswith("Update to Customer Support: Rolled back the deploy")


def _minutes(stamp: str) -> int:
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return int((at - T0).total_seconds() // 60)


@pytest.mark.usefixtures("ana_on_call")
def test_after_an_outage_each_audience_gets_one_late_reminder_not_a_burst(
    context: Context, api: TestClient, clock: FakeClock
) -> None:
    incident_id = declare(api, severity=1)
    work(context)
    clock.advance(minutes=125)  # no worker ran for two hours
    work(context)
    due = [e["after"]["key"].split(":")[1] for e in timeline(api, incident_id, "update_due")]
    assert sorted(due) == ["customer_support", "executives"]
    late = timeline(api, incident_id, "update_due")[0]
    assert "(late by 95m: no worker was running)" in late["summary"]
    timers = api.get(f"/api/v1/incidents/{incident_id}/timers").json()["timers"]
    support = [t["due_at"] for t in timers if t["key"].startswith("update_due:customer_support:")]
    assert support[-1] == "2026-11-25T12:35:00Z"  # 30 minutes after the late one went out


# Issue 11: a breached target reaches whom the handbook implies (004: the incident manager)


@pytest.mark.usefixtures("ana_on_call")
def test_an_unanswered_sev1_pages_the_incident_manager_when_its_response_target_is_missed(
    context: Context, api: TestClient, servers: Receivers, clock: FakeClock
) -> None:
    incident_id = declare(api, severity=1)
    work(context)
    servers.twilio.received.clear()
    clock.advance(minutes=15)
    work(context)
    (breach,) = [
        e for e in timeline(api, incident_id, "sla_breach") if e["after"]["clock"] == "response"
    ]
    assert breach["after"]["targets"] == ["role:incident_commander"]
    # Nobody holds the role, so the on-call (Ana) is paged, by phone too: nobody answered.
    assert "reaching ana by phone call, chat, email" in breach["summary"]
    (call,) = servers.twilio.received
    assert call.body["To"] == ANA_PHONE
    assert "Response target of 15m (24x7) breached" in call.body["Twiml"]


@pytest.mark.usefixtures("ana_on_call")
def test_a_missed_resolution_target_is_news_to_an_answered_incident_not_a_page(
    context: Context, api: TestClient, servers: Receivers, clock: FakeClock
) -> None:
    incident_id = declare(api, severity=1)
    acked = api.post(f"/api/v1/incidents/{incident_id}/acknowledge")
    assert acked.status_code == 200, acked.text
    clock.advance(hours=4)
    work(context)
    (breach,) = [
        e for e in timeline(api, incident_id, "sla_breach") if e["after"]["clock"] == "resolution"
    ]
    assert "reaching ana by chat, email" in breach["summary"]  # no call: it is news
    notice = [m for m in servers.mailbox.messages if "Resolution target" in str(m["Subject"])]
    assert len(notice) == 1


CHAIN = """\
  paging_chains:
    - name: sev1
      severities: [1]
      steps:
        - {notify: [schedule:on_call], wait: 5m}
"""


class TestAChainStepAtDeclaration:
    """Handbook 004's preset with a paging chain whose first step pages the on-call at
    declaration, as the initial notification does."""

    @pytest.fixture
    def policy_text(self, servers: Receivers) -> str:
        text = preset_text("handbook_004")
        text = text.replace("  elapsed_notifications:\n", CHAIN + "  elapsed_notifications:\n", 1)
        return text + servers.channels_yaml()

    @pytest.mark.usefixtures("ana_on_call")
    def test_pages_the_same_person_once_not_twice(
        self, context: Context, api: TestClient, servers: Receivers
    ) -> None:
        incident_id = declare(api, severity=1)
        work(context)
        assert len(servers.twilio.received) == 1  # one call, not two
        assert len(servers.slack.received) == 1
        assert len(servers.mailbox.messages) == 1
        (initial,) = timeline(api, incident_id, "initial_notice")
        assert "reaching ana by phone call, chat, email" in initial["summary"]
        (page,) = timeline(api, incident_id, "page")
        assert (
            "already paged moments ago: ana by phone call, ana by chat, ana by email"
            in (page["summary"])
        )
