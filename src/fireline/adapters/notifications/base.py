"""What every channel shares: the channel protocol, the secret lookup, and one HTTP POST that
sorts answers into success and the two kinds of `DeliveryFailed` (defined in the domain, so
that the outbox can tell them apart without knowing any channel):

DeliveryFailed
├── transient (permanent=False): a timeout, a 5xx, a 429, a refused connection: retry later
│                                 (`retry_after`: the receiver said when, in seconds)
└── permanent (permanent=True): a 4xx, a rejected address, a bad secret: retrying won't help
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from fireline.domain.deliveries import DeliveryFailed as DeliveryFailed
from fireline.domain.messages import Message

Settings = Mapping[str, str | int | float | bool | None]


class Channel(Protocol):
    def send(self, message: Message, to: str) -> str:
        """Deliver `message` to the address `to` ("" for the channel's own room); a short
        receipt (for the delivery log). Raises DeliveryFailed."""
        ...


def secret(settings: Settings, name: str) -> str:
    """The secret `name` of a channel: from the environment variable `{name}_env` names, or
    written in the policy. A variable that is not set is a permanent failure: retrying will
    not set it."""
    variable = settings.get(f"{name}_env")
    if variable:
        value = os.environ.get(str(variable))
        if not value:
            raise DeliveryFailed(f"environment variable {variable} is not set", permanent=True)
        return value
    return str(settings.get(name) or "")


def post(
    url: str,
    *,
    timeout: float,
    key: str,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> httpx.Response:
    """POST and return a 2xx response; otherwise raise DeliveryFailed, transient for network
    errors, timeouts, 408, 429 and 5xx (with Retry-After when given), permanent for other
    4xx. Every request carries `Idempotency-Key: key`, the same on every attempt."""
    sent_headers = {"Idempotency-Key": key, **(headers or {})}
    try:
        response = httpx.post(
            url,
            json=json,
            data=data,
            content=content,
            headers=sent_headers,
            auth=auth,
            timeout=timeout,
        )
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}", permanent=False) from None
    status = response.status_code
    if status < 300:
        return response
    said = response.text[:200].strip()
    reason = f"HTTP {status}" + (f": {said}" if said else "")
    if status in (408, 429) or status >= 500:
        wait = retry_after(response.headers.get("retry-after"))
        raise DeliveryFailed(reason, permanent=False, retry_after=wait)
    raise DeliveryFailed(reason, permanent=True)


def retry_after(value: str | None) -> float | None:
    """A Retry-After header in seconds (it may be a number or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
