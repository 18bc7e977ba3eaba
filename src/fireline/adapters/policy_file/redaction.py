"""A stored policy document as the API shows it: channel secrets never, contact addresses
only to those who may read people's details.

Secrets should live in the environment (the `*_env` keys), but a policy may write one inline;
the stored document keeps it (the digest is taken over the real file), the API does not.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

HIDDEN = "(hidden)"
SECRET_KEYS = ("password", "secret", "token", "auth_token", "webhook_url")
ADDRESS_KEYS = ("email", "phone", "chat")


def redact_document(document: Mapping[str, Any], *, show_addresses: bool) -> dict[str, Any]:
    """A copy of `document` with inline channel secrets (and, unless `show_addresses`,
    contacts' addresses) replaced by "(hidden)"."""
    shown: dict[str, Any] = copy.deepcopy(dict(document))
    for channel in shown.get("channels", []):
        for key in SECRET_KEYS:
            if channel.get(key) is not None:
                channel[key] = HIDDEN
    if not show_addresses:
        for contact in shown.get("contacts", []):
            for key in ADDRESS_KEYS:
                if contact.get(key) is not None:
                    contact[key] = HIDDEN
    return shown
