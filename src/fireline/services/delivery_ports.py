"""What the notification use cases need from a store (mixed into `Store`), and from the
outside world: a way to word messages (`Renderer`) and a way to send them (`Send`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from fireline.domain.deliveries import Attempt, Delivery, DeliveryStatus
from fireline.domain.messages import ChannelConfig, Message
from fireline.domain.notifications import TemplateText
from fireline.domain.paging_rules import PersonalRule
from fireline.domain.recipients import Reached
from fireline.domain.timers import CadenceMark


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to store: who (`reached`), what (`message`, whose key is the delivery's),
    when it may first be sent, and the message it belongs to (`notification`)."""

    incident_id: str | None
    notification: str
    reached: Reached
    template: str
    is_page: bool
    message: Message
    due_at: datetime
    fallback_of: int | None = None


@dataclass(frozen=True)
class InboxMessage:
    """A message delivered through a console channel: to a person's inbox, or posted to a
    console room."""

    id: int
    incident_id: str | None
    template: str
    subject: str
    text: str
    status: DeliveryStatus
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker now holds, under `claim`, with the message to send."""

    delivery: Delivery
    message: Message
    claim: str


class Renderer(Protocol):
    def __call__(
        self,
        template: str,
        *,
        policy_templates: Mapping[str, TemplateText],
        channel: ChannelConfig | None,
        variables: Mapping[str, object],
        key: str,
        incident_id: str | None,
    ) -> Message:
        """The message `template` words for `channel` with `variables` (see
        `fireline.adapters.notifications.templates.render_message`)."""
        ...


Send = Callable[[ChannelConfig, Message, str], str]
"""Send a message through a channel to an address; a receipt, or raises DeliveryFailed."""


class DeliveryStore(Protocol):
    def add_deliveries(self, batch: Sequence[NewDelivery], now: datetime) -> list[int]:
        """Store new pending deliveries; a message key already stored is skipped. The IDs
        of those added."""
        ...

    def claim_delivery(
        self, channel: str, now: datetime, lease: timedelta, claim: str
    ) -> Claimed | None:
        """The channel's earliest delivery due at `now` (pending, or sending with its lease
        run out), now held under `claim` until `now + lease`, with its attempt count raised
        and an attempt started; rows other transactions hold are skipped. None: none due."""
        ...

    def finish_delivery(
        self,
        delivery_id: int,
        claim: str | None,
        *,
        status: DeliveryStatus,
        now: datetime,
        due_at: datetime | None = None,
        receipt: str | None = None,
        error: str | None = None,
        outcome: str | None = None,
    ) -> Delivery | None:
        """Record how the attempt under `claim` ended (`outcome`; None: no attempt, as for
        a cancellation): the new status, when to try again, the receipt or error. None when
        the delivery is no longer held under `claim` (another worker took it over)."""
        ...

    def renew_lease(self, delivery_id: int, claim: str, until: datetime) -> bool:
        """Hold the delivery under `claim` until `until`; False when the claim is no
        longer held (finished, or taken over)."""
        ...

    def next_delivery_due(self, channel: str) -> datetime | None:
        """When the channel's earliest outstanding delivery may be claimed."""
        ...

    def list_deliveries(self, incident_id: str) -> list[tuple[Delivery, list[Attempt]]]:
        """Every delivery of the incident with its attempts, oldest first."""
        ...

    def delivery_message(self, delivery_id: int) -> Message:
        """The message a stored delivery carries (its key included)."""
        ...

    def deliveries_of(self, notification: str) -> list[Delivery]:
        """Every delivery of one message (to every recipient), oldest first."""
        ...

    def deliveries_off_channels(
        self, channels: Sequence[str], now: datetime, limit: int
    ) -> list[Delivery]:
        """Pending deliveries of channels not in `channels` (removed from the policy), after
        releasing those held by a worker whose lease ran out by `now`."""
        ...

    def inbox(
        self, *, method: str, address: str, channels: Sequence[str], before: int | None, limit: int
    ) -> list[InboxMessage]:
        """Up to `limit` messages sent by `method` to `address` through one of `channels`,
        newest first, with IDs below `before` when given."""
        ...

    def recent_pages(
        self, incident_ids: Sequence[str], since: datetime
    ) -> dict[str, set[tuple[str, str]]]:
        """incident → the (person, method) of each page to it made at `since` or later that
        is still on its way or was delivered (incidents without any are absent)."""
        ...

    def notification_rules(self, names: Sequence[str]) -> dict[str, tuple[PersonalRule, ...]]:
        """Each named person's rules, in their order (people without rules are absent)."""
        ...

    def set_notification_rules(self, name: str, rules: Sequence[PersonalRule]) -> None:
        """Replace the person's rules."""
        ...

    def cadence_marks(self, incident_id: str) -> dict[str, CadenceMark]:
        """audience → when it last got an update and when its last reminder was due."""
        ...
