"""The service catalog: what can break, how critical it is, and who owns it."""

from __future__ import annotations

import re

from fireline.domain.errors import InvalidInput, UnknownName
from fireline.domain.policy import Policy, Service

SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_DESCRIPTION = 2_000


def check_service(policy: Policy, service: Service) -> None:
    """Raise InvalidInput unless the service is well formed under `policy`.

    Names are 1–63 characters of lower-case letters, digits, ``-`` and ``_``, starting with
    a letter or digit; the criticality must be one of the policy's tiers.
    """
    if not SERVICE_NAME.fullmatch(service.name):
        raise InvalidInput(
            "name",
            f"{service.name[:80]!r} is not a valid service name "
            "(1-63 of a-z, 0-9, '-' and '_', starting with a letter or digit)",
        )
    if service.criticality not in policy.tier_names:
        raise UnknownName("criticality", service.criticality, policy.tier_names)
    if service.team is not None and not 0 < len(service.team.strip()) <= 100:
        raise InvalidInput("team", "1 to 100 characters")
    if len(service.description) > MAX_DESCRIPTION:
        raise InvalidInput("description", f"at most {MAX_DESCRIPTION} characters")
