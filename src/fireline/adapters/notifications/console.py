"""The console: Fireline's own inbox. A message "sent" here is the delivery row itself, which
the person (or, for a room, anyone who may see the incident) reads in the web console and at
`GET /api/v1/me/inbox`; nothing leaves the machine, so it needs no settings and cannot fail.
"""

from __future__ import annotations

from fireline.domain.messages import ChannelConfig, Message


class ConsoleChannel:
    """Delivers into Fireline's inbox: the stored delivery is the message."""

    def __init__(self, config: ChannelConfig) -> None:
        self._name = config.name

    def send(self, message: Message, to: str) -> str:
        return f"in {to}'s inbox" if to else f"in the {self._name} room"
