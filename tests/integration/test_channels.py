"""The email and webhook channels against real local servers, and `fireline channel test`."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fireline.adapters.notifications import DeliveryFailed, channel_for
from fireline.adapters.notifications.webhook import SIGNATURE_HEADER
from fireline.domain.messages import ChannelConfig, Message
from fireline.entrypoints.cli.main import app
from tests.channel_receivers import free_port, http_receiver, smtp_server

SECRET = "a-webhook-secret-of-some-length"
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
    with http_receiver() as (url, receiver):
        receiver.delay = 1.0  # the receiver is slow; the channel gives up after 0.2 s
        with pytest.raises(DeliveryFailed) as failed:
            channel_for(webhook_config(url, timeout=0.2)).send(MESSAGE, "ops")
    assert not failed.value.permanent


def test_channel_test_sends_through_the_policys_channel(tmp_path: Path) -> None:
    runner = CliRunner()
    with smtp_server() as (port, mailbox):
        policy = tmp_path / "policy.yaml"
        policy.write_text(
            "fireline_policy: 1\nname: channels\n"
            "incident_types: [{name: infrastructure, label: Infrastructure}]\n"
            "severities:\n"
            "  - {level: 1, name: critical, label: Critical, response: 15m, resolution: 4h}\n"
            "severity_rule: {when_unknown: 1}\n"
            "priority_matrix: {priority_severity: {P1: 1, P2: 1, P3: 1, P4: 1}}\n"
            "channels:\n"
            f"  - {{kind: email, name: mail, host: 127.0.0.1, port: {port}, security: none, "
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
