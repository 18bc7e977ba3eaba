"""Input rules shared by every incident change: limits, names, lists, services.

Each check raises InvalidInput (or UnknownName) naming the field, or returns quietly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from fireline.domain.errors import Conflict, InvalidInput, UnknownName
from fireline.domain.lifecycle import Status
from fireline.domain.names import KnownNames, NameKind, NameReference, refused_names
from fireline.domain.policy import Policy

if TYPE_CHECKING:
    from fireline.domain.incident import Incident

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_NAME = 100
MAX_LIST = 50
MAX_LINK = 2_048
MAX_LABEL = 64
MAX_COMMENT = 10_000


def check_text(title: str, description: str, steps: str) -> None:
    """Title required and at most MAX_TITLE; description and steps at most MAX_TEXT."""
    if not title.strip():
        raise InvalidInput("title", "is required and cannot be blank")
    if len(title) > MAX_TITLE:
        raise InvalidInput("title", f"at most {MAX_TITLE} characters (got {len(title)})")
    for name, text in (("description", description), ("steps_to_reproduce", steps)):
        if len(text) > MAX_TEXT:
            raise InvalidInput(name, f"at most {MAX_TEXT} characters (got {len(text)})")


def check_type(policy: Policy, name: str) -> None:
    """The incident type must be one the policy defines."""
    if name not in policy.type_names:
        raise UnknownName("type", name, policy.type_names)


def check_role(policy: Policy, role: str) -> None:
    """The role must be one the policy defines (UnknownName naming the roles otherwise)."""
    reference = NameReference("role", role, NameKind.ROLE)
    for refusal in refused_names([reference], KnownNames(roles=policy.role_names)):
        raise refusal


def check_person(field: str, name: str | None, *, required: bool = False) -> None:
    """A person or team name: at most MAX_NAME characters, and present when `required`."""
    if name is None or not name.strip():
        if required:
            raise InvalidInput(field, "is required and cannot be blank")
        return
    if len(name) > MAX_NAME:
        raise InvalidInput(field, f"at most {MAX_NAME} characters")


def check_lists(links: tuple[str, ...], labels: tuple[str, ...]) -> None:
    """Links (http(s) URLs) and labels: at most MAX_LIST entries of bounded length."""
    for field, values, limit in (("links", links, MAX_LINK), ("labels", labels, MAX_LABEL)):
        if len(values) > MAX_LIST:
            raise InvalidInput(field, f"at most {MAX_LIST} entries")
        for value in values:
            if not value.strip() or len(value) > limit:
                raise InvalidInput(field, f"each entry needs 1 to {limit} characters")
    for link in links:
        if not link.startswith(("http://", "https://")):
            raise InvalidInput("links", f"{link[:80]!r} is not an http(s) URL")


def check_services(names: tuple[str, ...], service_tiers: Mapping[str, str]) -> tuple[str, ...]:
    """Services must be in `service_tiers` (the catalog); returns them without repeats."""
    if len(names) > MAX_LIST:
        raise InvalidInput("services", f"at most {MAX_LIST} services")
    references = [NameReference("services", name, NameKind.SERVICE) for name in names]
    for refusal in refused_names(references, KnownNames(services=frozenset(service_tiers))):
        raise refusal
    return tuple(dict.fromkeys(names))


def check_closed(incident: Incident, action: str) -> None:
    """Closed incidents are final: refuse `action` on one with Conflict."""
    if incident.status is Status.CLOSED:
        raise Conflict(
            f"{incident.id} is closed; closed incidents are final, so you cannot {action} it"
        )
