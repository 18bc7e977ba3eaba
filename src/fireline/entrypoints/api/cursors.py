"""Opaque, signed paging cursors.

A cursor carries the position where a page ended and a digest of the filters it was made
for, signed with the installation's secret: a tampered cursor, or one reused with other
filters, is refused (400) instead of silently paging through something else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime

from fireline.services.ports import Position


class BadCursor(Exception):
    """The cursor was not made by this installation for these filters."""


def encode_cursor(position: Position, filters_digest: str, secret: bytes) -> str:
    """A signed cursor for continuing a listing with these filters after `position`."""
    payload = json.dumps(
        [position.declared_at.isoformat(), position.incident_id, filters_digest],
        separators=(",", ":"),
    ).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()[:16]
    return _b64(payload) + "." + _b64(signature)


def decode_cursor(cursor: str, filters_digest: str, secret: bytes) -> Position:
    """The position in `cursor`; BadCursor when it is malformed, altered or for other filters."""
    try:
        payload_part, signature_part = cursor.split(".")
        payload, signature = _unb64(payload_part), _unb64(signature_part)
    except ValueError:
        raise BadCursor("the cursor is malformed") from None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise BadCursor("the cursor was altered or was not issued by this server")
    declared_at, incident_id, digest = json.loads(payload)
    if digest != filters_digest:
        raise BadCursor("the cursor belongs to a listing with other filters")
    return Position(datetime.fromisoformat(declared_at), incident_id)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError(str(error)) from None
