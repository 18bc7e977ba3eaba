"""Use cases for people's notification rules: how and when each wants to be paged.

"Email at once, SMS after 2 minutes if nobody has acknowledged, a call after 5" is three
rules. They apply to pages (messages that ask for an acknowledgement) for the methods the
incident's severity uses; see `fireline.domain.recipients`.
"""

from __future__ import annotations

from collections.abc import Sequence

from fireline.domain.errors import NotFound
from fireline.domain.names import NameKind, NameReference
from fireline.domain.paging_rules import PersonalRule, check_personal_rules
from fireline.services.names import check_names
from fireline.services.ports import Database


def get_notification_rules(database: Database, name: str) -> tuple[PersonalRule, ...]:
    """The person's rules in their order; NotFound for an unknown person."""
    with database.transaction(write=False) as store:
        if store.get_user(name) is None:
            raise NotFound(f"no user {name[:80]!r}")
        return store.notification_rules([name]).get(name, ())


def set_notification_rules(
    database: Database, name: str, rules: Sequence[PersonalRule]
) -> tuple[PersonalRule, ...]:
    """Replace the person's rules; InvalidInput for a rule that is not allowed, NotFound for
    an unknown person."""
    checked = check_personal_rules(rules)
    with database.transaction() as store:
        # Deactivated people keep their rules and may have them changed: nothing is given.
        person = NameReference("name", name, NameKind.PERSON, in_path=True, must_be_active=False)
        check_names(store, [person])
        store.set_notification_rules(name, checked)
    return checked
