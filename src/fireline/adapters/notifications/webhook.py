"""Generic webhook: a JSON POST signed with HMAC-SHA256 over a timestamp and the body.

Receivers verify ``X-Fireline-Signature: t=<unix seconds>,v1=<hex>`` by computing
HMAC-SHA256(secret, f"{t}.{body}") and comparing in constant time, and reject old `t`s to
stop replays. ``Idempotency-Key`` is the same on every attempt of one message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from fireline.adapters.notifications.base import post, secret
from fireline.domain.messages import ChannelConfig, Message

SIGNATURE_HEADER = "X-Fireline-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


class WebhookChannel:
    """POSTs each message as JSON to the configured URL (or to `to`, when it is a URL)."""

    def __init__(self, config: ChannelConfig) -> None:
        self._settings = config.settings

    def send(self, message: Message, to: str) -> str:
        s = self._settings
        url = to if to.startswith(("http://", "https://")) else str(s["url"])
        body = json.dumps(
            {
                "key": message.key,
                "subject": message.subject,
                "text": message.text,
                "short": message.short,
                "incident_id": message.incident_id,
                "fields": message.fields,
                "to": to,
            },
            separators=(",", ":"),
        ).encode()
        signature = sign(secret(s, "secret"), int(time.time()), body)
        response = post(
            url,
            timeout=float(s["timeout"] or 10),
            key=message.key,
            content=body,
            headers={"content-type": "application/json", SIGNATURE_HEADER: signature},
        )
        return f"HTTP {response.status_code}"
