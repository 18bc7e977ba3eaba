"""People's own notification rules: how and when each wants to be paged (PagerDuty's
personal notification rules), e.g. email at once, SMS after 2 minutes, a call after 5.

They apply to pages, for the methods the incident's severity uses (see `recipients`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fireline.domain.errors import InvalidInput
from fireline.domain.notifications import METHODS


@dataclass(frozen=True)
class PersonalRule:
    """One of a person's notification rules: page me by `method` `after` seconds (if the
    incident is still unacknowledged by then)."""

    method: str
    after: int


MAX_RULES = 10
MAX_RULE_DELAY = 24 * 3600


def check_personal_rules(rules: Sequence[PersonalRule]) -> tuple[PersonalRule, ...]:
    """The rules, or InvalidInput naming the first that is not allowed."""
    if len(rules) > MAX_RULES:
        raise InvalidInput("rules", f"at most {MAX_RULES} rules")
    for position, rule in enumerate(rules):
        if rule.method not in METHODS:
            raise InvalidInput(
                f"rules[{position}].method",
                f"unknown method {rule.method[:40]!r} (allowed: {', '.join(METHODS)})",
            )
        if not 0 <= rule.after <= MAX_RULE_DELAY:
            raise InvalidInput(f"rules[{position}].after", "from 0 to 24 hours")
    seen = [(r.method, r.after) for r in rules]
    if len(set(seen)) != len(seen):
        raise InvalidInput("rules", "the same method and delay twice")
    return tuple(rules)
