"""What every channel shares: the error that says whether to retry, and the channel protocol.

DeliveryFailed
├── transient (permanent=False): a timeout, a 5xx, a 429, a refused connection: retry later
└── permanent (permanent=True): a 4xx, a rejected address, a bad secret: retrying won't help
"""

from __future__ import annotations

from typing import Protocol

from fireline.domain.messages import Message


class DeliveryFailed(Exception):
    """Sending failed; `permanent` says that retrying the same message cannot succeed."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Channel(Protocol):
    def send(self, message: Message, to: str) -> str:
        """Deliver `message` to the address `to`; a short receipt (for the delivery log).
        Raises DeliveryFailed."""
        ...
