"""Every channel against real local servers standing in for SMTP, Slack, Teams, Twilio and
webhook receivers, and `fireline channel test`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fireline.adapters.notifications import DeliveryFailed, channel_for
from fireline.adapters.notifications.webhook import SIGNATURE_HEADER
from fireline.domain.messages import ChannelConfig, Message
from fireline.entrypoints.cli.main import app
from tests.channel_receivers import (
    Answer,
    Received,
    http_receiver,
    smtp_server,
    twilio_answer,
)
from tests.ports import free_port

SECRET = "a-webhook-secret-of-some-length"
CHANNELS_ONLY = (
    "fireline_policy: 1\nname: channels\n"
    "incident_types: [{name: infrastructure, label: Infrastructure}]\n"
    "severities:\n"
    "  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}\n"
    "severity_rule: {when_unknown: 1}\n"
    "priority_matrix: {priority_severity: {P1: 1, P2: 1, P3: 1, P4: 1}}\n"
    "channels:\n"
)
"""A policy with nothing but its channels, which the `channel test` tests append."""
MESSAGE = Message(
    key="msg-1",
    subject="Sev-1: checkout down",
    text="INC-2026-1125-001",
    incident_id="INC-2026-1125-001",
)


def email_config(port: int, **settings: object) -> ChannelConfig:
    base: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": None,
        "password": None,
        "password_env": None,
        "from_address": "fireline@example.com",
        "timeout": 5.0,
    }
    base.update(settings)
    return ChannelConfig("mail", "email", base)  # type: ignore[arg-type]


def webhook_config(url: str, timeout: float = 5.0) -> ChannelConfig:
    return ChannelConfig(
        "hooks", "webhook", {"url": url, "secret": SECRET, "secret_env": None, "timeout": timeout}
    )


def test_an_email_is_received_with_its_subject_and_a_stable_message_id() -> None:
    with smtp_server() as (port, mailbox):
        receipt = channel_for(email_config(port)).send(MESSAGE, "oncall@example.com")
        channel_for(email_config(port)).send(MESSAGE, "oncall@example.com")  # a retry
    assert receipt == f"accepted by 127.0.0.1:{port}"
    first, again = mailbox.messages
    assert first["Subject"] == "Sev-1: checkout down"
    assert first["X-Envelope-To"] == "oncall@example.com"
    assert first["Message-ID"] == again["Message-ID"] == "<msg-1@fireline>"
    assert "INC-2026-1125-001" in first.get_payload()


def test_no_smtp_server_is_a_transient_failure() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        channel_for(email_config(free_port())).send(MESSAGE, "oncall@example.com")
    assert not failed.value.permanent


def test_a_webhook_is_signed_so_that_the_receiver_can_verify_it() -> None:
    with http_receiver() as (url, receiver):
        assert channel_for(webhook_config(url)).send(MESSAGE, "ops") == "HTTP 200"
    ((headers, body, raw),) = receiver.requests
    assert body["key"] == "msg-1"
    assert body["subject"] == "Sev-1: checkout down"
    assert headers["Idempotency-Key"] == "msg-1"
    stamp, signature = (part.split("=", 1)[1] for part in headers[SIGNATURE_HEADER].split(","))
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (429, False), (400, True)])
def test_webhook_failures_say_whether_a_retry_can_help(status: int, permanent: bool) -> None:
    with http_receiver() as (url, receiver):
        receiver.status = status
        with pytest.raises(DeliveryFailed) as failed:
            channel_for(webhook_config(url)).send(MESSAGE, "ops")
    assert failed.value.permanent is permanent
    assert str(status) in failed.value.reason


def test_a_receiver_slower_than_the_timeout_is_a_transient_failure() -> None:
    gave_up = threading.Event()

    def answer_once_the_sender_gave_up(got: Received) -> Answer:
        gave_up.wait(120)  # a hang guard
        return 200, {}, b""

    with http_receiver() as (url, receiver):
        receiver.answer = answer_once_the_sender_gave_up
        try:
            with pytest.raises(DeliveryFailed) as failed:
                channel_for(webhook_config(url, timeout=0.2)).send(MESSAGE, "ops")
        finally:
            gave_up.set()
    assert not failed.value.permanent


def test_channel_test_sends_through_the_policys_channel(tmp_path: Path) -> None:
    runner = CliRunner()
    with smtp_server() as (port, mailbox):
        policy = tmp_path / "policy.yaml"
        policy.write_text(
            CHANNELS_ONLY
            + f"  - {{kind: email, name: mail, host: 127.0.0.1, port: {port}, security: none, "
            "from_address: fireline@example.com}\n"
        )
        sent = runner.invoke(
            app, ["channel", "test", "mail", "--to", "ana@example.com", "--policy", str(policy)]
        )
        unknown = runner.invoke(
            app, ["channel", "test", "nope", "--to", "x@example.com", "--policy", str(policy)]
        )
    assert sent.exit_code == 0, sent.output
    assert "mail: sent to ana@example.com" in sent.output
    (received,) = mailbox.messages
    assert received["Subject"] == "Fireline test message (mail)"
    assert unknown.exit_code == 2
    assert "no channel 'nope' (allowed: mail)" in unknown.output


# Slack, Teams, Twilio SMS and calls, against local receivers standing in for them

PAGE = Message(
    key="page-1",
    subject="[Sev-1] INC-2026-1125-001: Checkout down",
    text="Escalated to level 2",
    short="Fireline page: Sev-1 INC-2026-1125-001: Checkout down. Please acknowledge.",
    markdown="*Escalated to level 2* <http://x|INC-2026-1125-001>",
    incident_id="INC-2026-1125-001",
)
SID = "AC0123456789abcdef0123456789abcdef"


def twilio_config(kind: str, url: str) -> ChannelConfig:
    return ChannelConfig(
        "twilio",
        kind,
        {
            "account_sid": SID,
            "auth_token": "a-twilio-token-of-length",
            "auth_token_env": None,
            "from_number": "+15005550006",
            "base_url": url.removesuffix("/hook"),
            "timeout": 5.0,
        },
    )


def slack_config(**settings: object) -> ChannelConfig:
    base: dict[str, object] = {
        "webhook_url": None,
        "webhook_url_env": None,
        "token": None,
        "token_env": None,
        "api_url": "https://slack.com/api",
        "channel": None,
        "timeout": 5.0,
    }
    base.update(settings)
    return ChannelConfig("slack", "slack", base)  # type: ignore[arg-type]


def test_a_slack_webhook_mentions_the_person_in_the_room() -> None:
    with http_receiver() as (url, receiver):
        receipt = channel_for(slack_config(webhook_url=url)).send(PAGE, "U024BE7LH")
    assert receipt == "HTTP 200"
    ((headers, body, _),) = receiver.requests
    assert body["text"].startswith("<@U024BE7LH> Fireline page: Sev-1")
    assert body["blocks"][0]["text"] == {
        "type": "mrkdwn",
        "text": "<@U024BE7LH> *Escalated to level 2* <http://x|INC-2026-1125-001>",
    }
    assert headers["Idempotency-Key"] == "page-1"


def test_slack_chat_post_message_posts_to_the_person_or_the_default_room() -> None:
    with http_receiver() as (url, receiver):
        receiver.reply = b'{"ok": true, "channel": "D1", "ts": "1700000000.1"}'
        config = slack_config(token="xoxb-a-bot-token", api_url=url, channel="#incidents")
        assert channel_for(config).send(PAGE, "U024BE7LH") == "ts 1700000000.1 in D1"
        channel_for(config).send(PAGE, "")
    (first, second) = receiver.received
    assert first.path == "/hook/chat.postMessage"
    assert first.headers["Authorization"] == "Bearer xoxb-a-bot-token"
    assert (first.body["channel"], second.body["channel"]) == ("U024BE7LH", "#incidents")


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        (b'{"ok": false, "error": "channel_not_found"}', True),
        (b'{"ok": false, "error": "ratelimited"}', False),
        (b'{"ok": false, "error": "invalid_auth"}', True),
    ],
)
def test_slack_api_errors_say_whether_a_retry_can_help(reply: bytes, permanent: bool) -> None:
    with http_receiver() as (url, receiver):
        receiver.reply = reply
        with pytest.raises(DeliveryFailed) as failed:
            channel_for(slack_config(token="xoxb-a-bot-token", api_url=url)).send(PAGE, "C1")
    assert failed.value.permanent is permanent


def test_slack_answering_429_is_transient_with_its_retry_after() -> None:
    with http_receiver() as (url, receiver):
        receiver.answer = lambda got: (429, {"Retry-After": "60"}, b"rate_limited")
        with pytest.raises(DeliveryFailed) as failed:
            channel_for(slack_config(webhook_url=url)).send(PAGE, "")
    assert not failed.value.permanent
    assert failed.value.retry_after == 60


def test_teams_gets_an_adaptive_card() -> None:
    config = ChannelConfig(
        "teams", "teams", {"webhook_url": None, "webhook_url_env": "T_URL", "timeout": 5.0}
    )
    with http_receiver() as (url, receiver), pytest.MonkeyPatch.context() as env:
        receiver.status = 202
        env.setenv("T_URL", url)
        assert channel_for(config).send(PAGE, "") == "HTTP 202"
    ((_, body, _),) = receiver.requests
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block["text"] for block in attachment["content"]["body"]]
    assert texts == [PAGE.subject, PAGE.markdown]


def test_a_channel_whose_secret_variable_is_unset_fails_for_good() -> None:
    config = ChannelConfig(
        "teams", "teams", {"webhook_url_env": "FIRELINE_UNSET_X", "timeout": 5.0}
    )
    with pytest.raises(DeliveryFailed) as failed:
        channel_for(config).send(PAGE, "")
    assert failed.value.permanent
    assert "FIRELINE_UNSET_X is not set" in failed.value.reason


def test_an_sms_goes_to_twilio_s_messages_api_with_the_short_form() -> None:
    with http_receiver() as (url, receiver):
        receiver.answer = twilio_answer
        receipt = channel_for(twilio_config("sms", url)).send(PAGE, "+4915100000001")
    assert receipt.startswith("message SM")
    (got,) = receiver.received
    assert got.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert got.body == {"From": "+15005550006", "To": "+4915100000001", "Body": PAGE.short}
    user, password = base64.b64decode(got.headers["Authorization"].split()[1]).decode().split(":")
    assert (user, password) == (SID, "a-twilio-token-of-length")


def test_a_call_reads_the_short_form_out_twice() -> None:
    message = replace(PAGE, short="Sev-1 <checkout> & payments")
    with http_receiver() as (url, receiver):
        receiver.answer = twilio_answer
        receipt = channel_for(twilio_config("voice", url)).send(message, "+4915100000001")
    assert receipt.startswith("call CA")
    (got,) = receiver.received
    assert got.path.endswith("/Calls.json")
    said = "<Say>Sev-1 &lt;checkout&gt; &amp; payments</Say>"
    assert got.body["Twiml"] == f'<Response>{said}<Pause length="1"/>{said}</Response>'


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (401, True), (429, False), (503, False)]
)
def test_twilio_refusals_say_whether_a_retry_can_help(status: int, permanent: bool) -> None:
    with http_receiver() as (url, receiver):
        receiver.status = status
        receiver.reply = b'{"code": 21211, "message": "The \'To\' number is not valid."}'
        with pytest.raises(DeliveryFailed) as failed:
            channel_for(twilio_config("sms", url)).send(PAGE, "+10000000000")
    assert failed.value.permanent is permanent
    assert failed.value.reason.startswith(f"Twilio Messages: HTTP {status}")


@pytest.mark.parametrize(
    ("reply", "permanent"), [("552 Mailbox full", True), ("452 Try later", False)]
)
def test_a_refused_mailbox_says_whether_a_retry_can_help(reply: str, permanent: bool) -> None:
    with smtp_server() as (port, mailbox):
        mailbox.refuse["full@example.com"] = reply
        with pytest.raises(DeliveryFailed) as failed:
            channel_for(email_config(port)).send(MESSAGE, "full@example.com")
    assert failed.value.permanent is permanent
    assert reply.split()[0] in failed.value.reason


def test_channel_test_sends_through_slack(tmp_path: Path) -> None:
    with http_receiver() as (url, receiver):
        receiver.reply = b'{"ok": true, "channel": "C1", "ts": "1.2"}'
        policy = tmp_path / "policy.yaml"
        policy.write_text(
            CHANNELS_ONLY
            + f"  - {{kind: slack, name: slack, token: xoxb-a-bot-token, api_url: '{url}'}}\n"
        )
        result = CliRunner().invoke(
            app, ["channel", "test", "slack", "--to", "#ops", "--policy", str(policy)]
        )
    assert result.exit_code == 0, result.output
    assert "slack: sent to #ops (ts 1.2 in C1)" in result.output
    (got,) = receiver.received
    assert got.body["channel"] == "#ops"
    assert "test of the slack channel" in got.body["text"]


@pytest.mark.parametrize(
    ("channel", "to", "words"),
    [
        ("texts", "12345", "--to: '12345' is not a phone number (allowed: E.164"),
        ("mail", "not-an-address", "--to: 'not-an-address' is not an email address"),
        ("mail", "", "the channel has no `to` of its own"),
    ],
)
def test_channel_test_refuses_an_address_the_channel_cannot_use(
    tmp_path: Path, channel: str, to: str, words: str
) -> None:
    with http_receiver() as (url, receiver):
        policy = tmp_path / "policy.yaml"
        policy.write_text(
            CHANNELS_ONLY
            + f"  - {{kind: sms, name: texts, account_sid: {SID}, auth_token: a-twilio-token-ok,"
            f" from_number: '+15005550006', base_url: '{url}'}}\n"
            "  - {kind: email, name: mail, host: 127.0.0.1, from_address: f@example.com}\n"
        )
        args = ["channel", "test", channel, "--policy", str(policy)]
        result = CliRunner().invoke(app, [*args, "--to", to] if to else args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert receiver.received == []
