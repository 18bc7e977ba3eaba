"""What the heartbeat use cases need from a store (mixed into `Store`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from fireline.domain.heartbeats import Heartbeat


class HeartbeatStore(Protocol):
    def save_heartbeat(self, heartbeat: Heartbeat) -> None:
        """Store the worker's heartbeat: its row is made on the first beat, and later beats
        change only `beat_at`."""
        ...

    def forget_heartbeats(self, before: datetime) -> int:
        """Delete the heartbeats of workers whose last beat is older than `before`; how many."""
        ...

    def freshest_heartbeat(self) -> Heartbeat | None:
        """The heartbeat with the latest `beat_at` of any worker; None: no worker ever beat."""
        ...
