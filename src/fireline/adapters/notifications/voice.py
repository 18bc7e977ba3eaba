"""Phone calls through Twilio's Calls API: the message's short form, read out twice.

Handbook 004 pages Sev-1 incidents by phone. The call says what happened; acknowledging
is done in Fireline (a call cannot yet be answered with a key press).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from fireline.adapters.notifications import twilio
from fireline.adapters.notifications.base import DeliveryFailed
from fireline.domain.messages import ChannelConfig, Message

MAX_SPOKEN = 1000


class VoiceChannel:
    def __init__(self, config: ChannelConfig) -> None:
        self._settings = config.settings

    def send(self, message: Message, to: str) -> str:
        if not to:
            raise DeliveryFailed("no phone number to call", permanent=True)
        said = escape(message.brief[:MAX_SPOKEN])
        twiml = f'<Response><Say>{said}</Say><Pause length="1"/><Say>{said}</Say></Response>'
        return twilio.create(self._settings, "Calls", {"To": to, "Twiml": twiml}, message.key)
