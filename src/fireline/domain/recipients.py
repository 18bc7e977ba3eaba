"""Reaching people: from a timer's targets to the deliveries that carry its message.

A target names people (`user:`, `contact:`, `role:`, `schedule:`), a group (`audience:`) or
a room (`channel:`). Each person is reached by the methods of the incident's severity (or of
the audience), each method through the channel that carries it. For a page, a person's own
notification rules say when each method is used ("SMS after 2 minutes if nobody has
acknowledged"); a method without a rule goes at once. A target that reaches nobody is said
in words (`Reach.unreached`), never dropped without a trace.

Pure: the caller passes the policy in force and a `Directory` of what the database knows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fireline.domain.notifications import METHOD_KINDS, METHOD_WORDS, METHODS
from fireline.domain.paging_rules import PersonalRule
from fireline.domain.policy import Policy, Role

ROOM = "room"
"""The method of a delivery to a `channel:` target: a post to the channel's own room."""


@dataclass(frozen=True)
class Person:
    """Someone a message can reach: a user (`name` is their handle) or a contact with its
    own details (`name` is ``contact:NAME``)."""

    name: str
    label: str
    email: str | None = None
    phone: str | None = None
    chat: str | None = None

    def address(self, method: str) -> str | None:
        """Where `method` reaches this person; None when they have no such address."""
        if method == "email":
            return self.email
        if method in ("sms", "voice"):
            return self.phone
        if method == "chat":
            return self.chat
        if method == "console" and not self.name.startswith("contact:"):
            return self.name  # every user has an inbox; a contact's own details have none
        return None


@dataclass(frozen=True)
class Directory:
    """What reaching people needs beyond the policy: active people by handle, their rules,
    who holds each role on the incident, and who is on call in each schedule now."""

    people: Mapping[str, Person] = field(default_factory=dict)
    rules: Mapping[str, tuple[PersonalRule, ...]] = field(default_factory=dict)
    role_holders: Mapping[str, str] = field(default_factory=dict)
    on_call: Mapping[str, str | None] = field(default_factory=dict)
    """schedule name → the person on call (None: a gap)."""


@dataclass(frozen=True)
class Reached:
    """One planned delivery: `recipient` is the target as written (``contact:cto``),
    `person` whom fallbacks look up: a user's handle, ``contact:NAME`` for a contact with
    its own details, None for a room."""

    recipient: str
    person: str | None
    label: str
    method: str
    channel: str
    address: str
    delay: int = 0
    audience: str | None = None
    is_page: bool = False
    """A page to a person: it waits on their rules and is called off by an acknowledgement.
    Posts to rooms and messages to audiences never are."""


@dataclass(frozen=True)
class Reach:
    deliveries: tuple[Reached, ...] = ()
    unreached: tuple[str, ...] = ()
    """Why a target reached nobody, one sentence each (for the timeline)."""
    skipped: tuple[str, ...] = ()
    """Methods a reached person was not reached by, and why ("phone call for ana (no
    channel)")."""
    merged: tuple[str, ...] = ()
    """Pages not sent because the person was paged the same way moments before ("ana by
    SMS"): see `merge_repeated_pages`."""


def channel_for_method(policy: Policy, method: str) -> str | None:
    """The channel that carries `method`: the one `via` names, else the first of a kind
    that can carry it; None when the policy has none."""
    named = policy.notifications.via.get(method)
    if named is not None:
        return named if policy.channel(named) is not None else None
    kinds = METHOD_KINDS.get(method, ())
    return next((c.name for c in policy.channels if c.kind in kinds), None)


def reach(
    targets: Sequence[str],
    *,
    severity: int,
    is_page: bool,
    policy: Policy,
    directory: Directory,
    methods: tuple[str, ...] = (),
) -> Reach:
    """The deliveries that carry a message to `targets`, and what could not be reached.

    People are reached by `methods`, else by the severity's (an audience's own methods
    win over both); a phone call is for pages, so other messages leave the severity's
    `voice` out. With `is_page`, people reached directly (not as an audience's members)
    are paged: their own rules delay methods, and waiting deliveries are called off by an
    acknowledgement. A person reached through two targets gets one delivery per method (the
    first target's).
    """
    deliveries: dict[tuple[str, str, int], Reached] = {}
    unreached: list[str] = []
    skipped: list[str] = []
    loud = policy.notifications.methods_for(severity)
    quiet = tuple(m for m in loud if m != "voice") or loud
    direct = methods or (loud if is_page else quiet)
    expanded = _expand(targets, policy, direct, methods or quiet, unreached)
    for target, methods, audience in expanded:
        kind, _, name = target.partition(":")
        if kind == "channel":
            if policy.channel(name) is None:
                unreached.append(f"{target}: the policy has no channel {name!r}")
                continue
            room = Reached(target, None, name, ROOM, name, "", 0, audience)
            deliveries.setdefault((target, ROOM, 0), room)
            continue
        person = _person(target, policy, directory, unreached)
        if person is None:
            continue
        paged = is_page and audience is None
        planned = _by_methods(target, person, methods, paged, policy, directory, audience)
        if not planned:
            unreached.append(_why_unreachable(target, person, methods, policy))
        used = {delivery.method for delivery in planned}
        for method in methods if planned else ():
            if method not in used:
                why = "no channel" if channel_for_method(policy, method) is None else "no address"
                skipped.append(f"{METHOD_WORDS[method]} for {planned[0].label} ({why})")
        for delivery in planned:
            deliveries.setdefault((person.name, delivery.method, delivery.delay), delivery)
    ordered = sorted(deliveries.values(), key=lambda d: d.delay)
    return Reach(tuple(ordered), tuple(unreached), tuple(dict.fromkeys(skipped)))


def fallback_for(
    person: Person,
    rules: Sequence[PersonalRule],
    tried: Sequence[str],
    policy: Policy,
) -> tuple[str, str, str] | None:
    """The next way to reach `person` after the methods in `tried` failed or are under way:
    (method, channel, address) in the order of their own rules, then email, SMS, call, chat;
    None when nothing is left."""
    order = [*dict.fromkeys(rule.method for rule in rules), *METHODS]
    for method in dict.fromkeys(order):
        if method in tried:
            continue
        channel, address = channel_for_method(policy, method), person.address(method)
        if channel is not None and address is not None:
            return method, channel, address
    return None


def person_for(name: str, policy: Policy, people: Mapping[str, Person]) -> Person | None:
    """The person a delivery's `person` handle (a user, or ``contact:NAME``) stands for."""
    if name.startswith("contact:"):
        contact = policy.contact(name.removeprefix("contact:"))
        if contact is None:
            return None
        return Person(name, contact.label, contact.email, contact.phone, contact.chat)
    return people.get(name)


def _expand(
    targets: Sequence[str],
    policy: Policy,
    direct: tuple[str, ...],
    members: tuple[str, ...],
    unreached: list[str],
) -> list[tuple[str, tuple[str, ...], str | None]]:
    """Targets with audiences replaced by their members: (target, methods, audience), by
    `direct` methods, or the audience's own, else `members`."""
    expanded: list[tuple[str, tuple[str, ...], str | None]] = []
    for target in targets:
        kind, _, name = target.partition(":")
        if kind != "audience":
            expanded.append((target, direct, None))
            continue
        audience = policy.notifications.audience(name)
        if audience is None:
            unreached.append(f"{target}: the policy in force has no audience {name!r}")
            continue
        if not audience.notify:
            unreached.append(f"{target}: {audience.label} has nobody in it (add notify targets)")
        expanded += [(member, audience.methods or members, name) for member in audience.notify]
    return expanded


def handles_needed(targets: Sequence[str], *, policy: Policy, directory: Directory) -> set[str]:
    """The user handles that reaching `targets` may look up in `directory.people` (whose
    `role_holders` and `on_call` must be filled already): load those, then call `reach`."""
    handles = set()
    for target, _, _ in _expand(targets, policy, (), (), []):
        whom = _whom(target, policy, directory)
        if isinstance(whom, str):
            handles.add(whom)
    return handles


def could_reach(targets: Sequence[str], policy: Policy, directory: Directory) -> bool:
    """Whether any of `targets` stands for a person or a room there is (by whatever
    method): when none does, `reach` only says why, whatever the incident."""
    for target, _, _ in _expand(targets, policy, (), (), []):
        kind, _, name = target.partition(":")
        if kind == "channel":
            if policy.channel(name) is not None:
                return True
            continue
        whom = _whom(target, policy, directory)
        if isinstance(whom, Person) or (isinstance(whom, str) and whom in directory.people):
            return True
    return False


def _person(
    target: str, policy: Policy, directory: Directory, unreached: list[str]
) -> Person | None:
    whom = _whom(target, policy, directory)
    if isinstance(whom, _Nobody):
        unreached.append(f"{target}: {whom.reason}")
        return None
    if isinstance(whom, Person):
        return whom
    person = directory.people.get(whom)
    if person is None:
        unreached.append(f"{target}: {whom} is not an active user")
    return person


@dataclass(frozen=True)
class _Nobody:
    reason: str


def _whom(target: str, policy: Policy, directory: Directory) -> str | Person | _Nobody:
    """Whom a person target stands for: a user's handle, a contact's own details, or why
    nobody."""
    kind, _, name = target.partition(":")
    if kind == "user":
        return name
    if kind == "contact":
        contact = policy.contact(name)
        if contact is None:
            return _Nobody(f"the policy in force has no contact {name!r}")
        if contact.primary is not None:
            return contact.primary
        if contact.has_address:
            return Person(target, contact.label, contact.email, contact.phone, contact.chat)
        return _Nobody(
            f"{contact.label} has no person or address "
            "(set primary, or email, phone or chat, in the policy's contacts)"
        )
    if kind == "role":
        role = policy.role(name)
        handle = directory.role_holders.get(name)
        if handle is None and role is not None and role.on_call is not None:
            handle = directory.on_call.get(role.on_call)
        return (
            handle if handle is not None else _Nobody("nobody holds the role" + _on_call_note(role))
        )
    if kind == "schedule":
        handle = directory.on_call.get(name)
        return handle if handle is not None else _Nobody("nobody is on call (a gap)")
    if kind == "team":
        # The team's schedules in the policy's order; the first with someone on call.
        rotas = [s.name for s in policy.schedules if s.team == name]
        handle = next((h for r in rotas if (h := directory.on_call.get(r)) is not None), None)
        if handle is None:
            where = ", ".join(rotas) or "no schedule names it as its team"
            return _Nobody(f"nobody is on call for the team ({where})")
        return handle
    return _Nobody(f"cannot reach {kind!r} targets")


def _on_call_note(role: Role | None) -> str:
    if role is None or role.on_call is None:
        return ""
    return f" and nobody is on call in {role.on_call}"


def _by_methods(
    target: str,
    person: Person,
    methods: tuple[str, ...],
    is_page: bool,
    policy: Policy,
    directory: Directory,
    audience: str | None,
) -> list[Reached]:
    usable = [m for m in methods if channel_for_method(policy, m) and person.address(m)]
    if not usable:
        # Not reachable the way the severity says: reach them at all, by whatever they have.
        fallback = fallback_for(person, directory.rules.get(person.name, ()), (), policy)
        usable = [fallback[0]] if fallback else []
    rules = directory.rules.get(person.name, ()) if is_page else ()
    planned = []
    for method in usable:
        channel, address = channel_for_method(policy, method), person.address(method)
        assert channel is not None
        assert address is not None
        delays = [rule.after for rule in rules if rule.method == method] or [0]
        handle = None if person.name.startswith("contact:") else person.name
        label = person.label if handle is None else person.name
        planned += [
            Reached(
                target, handle or person.name, label, method, channel, address, d, audience, is_page
            )
            for d in dict.fromkeys(delays)
        ]
    return planned


def _why_unreachable(target: str, person: Person, methods: tuple[str, ...], policy: Policy) -> str:
    if not methods:
        return f"{target}: no notification methods for this severity (notifications.methods)"
    missing = [m for m in methods if channel_for_method(policy, m) is None]
    if len(missing) == len(methods):
        words = ", ".join(METHOD_WORDS[m] for m in missing)
        return f"{target}: the policy has no channel for {words}"
    return f"{target}: {person.label} has no address for {', '.join(methods)}"
