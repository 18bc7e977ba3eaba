"""Microsoft Teams: a Workflows (Power Automate) webhook, or a legacy incoming webhook, that
posts an Adaptive Card to the channel it was made for.

Webhooks cannot message a person directly; a message for one names them on the card.
"""

from __future__ import annotations

from typing import Any

from fireline.adapters.notifications.base import DeliveryFailed, post, secret
from fireline.domain.messages import ChannelConfig, Message


class TeamsChannel:
    def __init__(self, config: ChannelConfig) -> None:
        self._settings = config.settings

    def send(self, message: Message, to: str) -> str:
        s = self._settings
        response = post(
            secret(s, "webhook_url"),
            timeout=float(s["timeout"] or 10),
            key=message.key,
            json=card(message, to),
        )
        # Legacy connectors answer 200 with an error in the body instead of a status.
        if "HTTP error 429" in response.text:
            raise DeliveryFailed("Teams: HTTP error 429 (throttled)", permanent=False)
        return f"HTTP {response.status_code}"


def card(message: Message, to: str) -> dict[str, Any]:
    """The message as an Adaptive Card inside a Teams message."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "wrap": True},
    ]
    if to:
        body.append({"type": "TextBlock", "text": f"For {to}", "isSubtle": True, "wrap": True})
    body.append({"type": "TextBlock", "text": message.rich, "wrap": True})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }
        ],
    }
