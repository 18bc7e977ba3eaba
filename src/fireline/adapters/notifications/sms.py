"""SMS through Twilio's Messages API: the message's short form, to a phone number (E.164)."""

from __future__ import annotations

from fireline.adapters.notifications import twilio
from fireline.adapters.notifications.base import DeliveryFailed
from fireline.domain.messages import ChannelConfig, Message

MAX_SMS = 1600
"""Twilio's limit on a message body (it splits longer texts into segments itself)."""


class SmsChannel:
    def __init__(self, config: ChannelConfig) -> None:
        self._settings = config.settings

    def send(self, message: Message, to: str) -> str:
        if not to:
            raise DeliveryFailed("no phone number to send an SMS to", permanent=True)
        body = message.brief[:MAX_SMS]
        return twilio.create(self._settings, "Messages", {"To": to, "Body": body}, message.key)
