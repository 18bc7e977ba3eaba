"""Slack: an incoming webhook (posts to the room it was made for) or the Web API's
`chat.postMessage` with a bot token (posts to any room, or to a person by member ID).

A message to a person goes to their `chat_handle`: with the API it is the channel posted to
(a member ID such as U024BE7LH opens a direct message), with a webhook they are mentioned
in the webhook's room. Slack answers 429 with Retry-After when it limits us; the outbox
waits that long before trying this message again, and no other channel waits with it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fireline.adapters.notifications.base import DeliveryFailed, post, secret
from fireline.domain.messages import ChannelConfig, Message

_MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}
"""`ok: false` errors of chat.postMessage that a later try can get past; others are for good."""


class SlackChannel:
    def __init__(self, config: ChannelConfig) -> None:
        self._settings = config.settings

    def send(self, message: Message, to: str) -> str:
        s = self._settings
        timeout = float(s["timeout"] or 10)
        if s.get("token") or s.get("token_env"):
            return self._post_message(message, to or str(s.get("channel") or ""), timeout)
        mention = (f"<@{to}> " if _MEMBER_ID.match(to) else f"{to}: ") if to else ""
        payload = _payload(message, mention)
        url = secret(s, "webhook_url")
        response = post(url, timeout=timeout, key=message.key, json=payload)
        return f"HTTP {response.status_code}"

    def _post_message(self, message: Message, channel: str, timeout: float) -> str:
        s = self._settings
        if not channel:
            raise DeliveryFailed("no Slack channel: set the channel's `channel`", permanent=True)
        url = str(s.get("api_url") or "https://slack.com/api").rstrip("/") + "/chat.postMessage"
        headers = {"Authorization": f"Bearer {secret(s, 'token')}"}
        payload = {"channel": channel, **_payload(message, "")}
        response = post(url, timeout=timeout, key=message.key, json=payload, headers=headers)
        try:
            answer = response.json()
        except ValueError:
            raise DeliveryFailed("Slack answered with no JSON", permanent=False) from None
        if not answer.get("ok"):
            error = str(answer.get("error") or "unknown error")
            raise DeliveryFailed(f"Slack: {error}", permanent=error not in _TRANSIENT_ERRORS)
        return f"ts {answer.get('ts', '?')} in {answer.get('channel', channel)}"


def _payload(message: Message, mention: str) -> dict[str, Any]:
    """`text` is what notifications and screen readers show; `blocks` what the room shows."""
    blocks = json.loads(message.blocks) if message.blocks else None
    if blocks is None:
        text = {"type": "mrkdwn", "text": (mention + message.rich)[:3000]}
        blocks = [{"type": "section", "text": text}]
    return {"text": (mention + message.brief)[:3000], "blocks": blocks}
