"""Who may do what and who sees which incident, as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from fireline.domain.access import (
    ROLE_PERMISSIONS,
    SCOPE_PERMISSIONS,
    AccessRole,
    Caller,
    Permission,
    Scope,
    can_see,
    scope_covers,
    visibility_of,
)
from fireline.domain.errors import InvalidInput
from fireline.domain.people import User, check_password, check_user
from fireline.domain.throttle import FIRST_LOCK, LONGEST_LOCK, Throttle, record_failure

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LADDER = [
    AccessRole.VIEWER,
    AccessRole.REPORTER,
    AccessRole.RESPONDER,
    AccessRole.INCIDENT_MANAGER,
    AccessRole.ADMIN,
]


def test_each_role_may_do_everything_the_role_below_it_may() -> None:
    for lower, higher in pairwise(LADDER):
        assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher], (lower, higher)


def test_only_admins_manage_people_and_read_the_audit_log() -> None:
    for permission in (Permission.PEOPLE_WRITE, Permission.AUDIT_READ, Permission.TOKEN_ANY):
        holders = {role for role, granted in ROLE_PERMISSIONS.items() if permission in granted}
        assert holders == {AccessRole.ADMIN}, permission


def test_viewers_change_nothing_but_their_own_credentials_and_notification_rules() -> None:
    own = {Permission.TOKEN_OWN, Permission.SELF_PASSWORD, Permission.SELF_NOTIFY}
    assert ROLE_PERMISSIONS[AccessRole.VIEWER] <= SCOPE_PERMISSIONS[Scope.READ] | own


def test_a_scope_only_narrows_a_role() -> None:
    admin_reading = Caller("a", AccessRole.ADMIN, scope=Scope.READ)
    assert admin_reading.may(Permission.INCIDENT_READ)
    assert not admin_reading.may(Permission.INCIDENT_DECLARE)
    assert not admin_reading.may(Permission.AUDIT_READ)
    reporter_admin_scope = Caller("r", AccessRole.REPORTER, scope=Scope.ADMIN)
    assert reporter_admin_scope.permissions == ROLE_PERMISSIONS[AccessRole.REPORTER]


@pytest.mark.parametrize(
    ("held", "wanted", "allowed"),
    [
        (Scope.READ, Scope.READ, True),
        (Scope.READ, Scope.WRITE, False),
        (Scope.WRITE, Scope.ADMIN, False),
        (Scope.WRITE, Scope.READ, True),
        (Scope.ADMIN, Scope.ADMIN, True),
    ],
)
def test_a_token_never_mints_a_wider_one(held: Scope, wanted: Scope, allowed: bool) -> None:
    assert scope_covers(held, wanted) is allowed


@pytest.mark.parametrize(
    ("role", "teams", "restricted", "reporter", "granted", "sees"),
    [
        (AccessRole.RESPONDER, (), False, "x", False, True),
        (AccessRole.RESPONDER, (), True, "x", False, False),
        (AccessRole.RESPONDER, ("security",), True, "x", False, True),
        (AccessRole.RESPONDER, (), True, "x", True, True),
        (AccessRole.RESPONDER, (), True, "me", False, True),
        (AccessRole.INCIDENT_MANAGER, (), True, "x", False, False),
        (AccessRole.ADMIN, (), True, "x", False, True),
        (AccessRole.REPORTER, (), False, "x", False, False),
        (AccessRole.REPORTER, (), False, "me", False, True),
        (AccessRole.REPORTER, (), False, "x", True, True),
        (AccessRole.REPORTER, ("security",), True, "x", False, True),
        (AccessRole.VIEWER, (), False, "x", False, True),
        (AccessRole.VIEWER, (), True, "x", False, False),
    ],
)
def test_who_sees_an_incident(
    role: AccessRole,
    teams: tuple[str, ...],
    restricted: bool,
    reporter: str,
    granted: bool,
    sees: bool,
) -> None:
    visibility = visibility_of(Caller("me", role, frozenset(teams)), security_team="security")
    assert (
        can_see(visibility, is_restricted=restricted, reporter=reporter, is_granted=granted) is sees
    )


def test_without_a_security_team_only_admins_see_every_restricted_incident() -> None:
    member = visibility_of(
        Caller("me", AccessRole.RESPONDER, frozenset({"security"})), security_team=None
    )
    assert not can_see(member, is_restricted=True, reporter="x", is_granted=False)


def test_failed_logins_lock_after_the_free_ones_and_back_off_twice_as_long_each_time() -> None:
    throttle = Throttle("account:abc")
    locks = []
    for attempt in range(10):
        throttle = record_failure(throttle, NOW + timedelta(seconds=attempt))
        locks.append(throttle.retry_after(NOW + timedelta(seconds=attempt)))
    assert locks[:5] == [0, 0, 0, 0, 0]
    first = int(FIRST_LOCK.total_seconds())
    assert locks[5:] == [first, 2 * first, 4 * first, 8 * first, 16 * first]
    assert throttle.is_locked(NOW + timedelta(minutes=5))


def test_the_lock_never_exceeds_the_cap_and_old_failures_are_forgotten() -> None:
    throttle = Throttle("account:abc")
    for _ in range(40):
        throttle = record_failure(throttle, NOW)
    assert throttle.locked_until == NOW + LONGEST_LOCK
    later = record_failure(throttle, NOW + timedelta(hours=2))
    assert later.failures == 1
    assert later.locked_until == throttle.locked_until  # the old lock has long expired
    assert not later.is_locked(NOW + timedelta(hours=2))


def test_a_client_address_gets_more_free_failures_than_an_account() -> None:
    throttle = Throttle("client:10.0.0.1")
    for _ in range(20):
        throttle = record_failure(throttle, NOW)
    assert not throttle.is_locked(NOW)
    assert record_failure(throttle, NOW).is_locked(NOW)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Ana"}, "name"),
        ({"name": "a b"}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "0151 123"}, "phone"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"chat_handle": ""}, "chat_handle"),
        ({"full_name": "tab\there"}, "full_name"),
        # `$` in a pattern also matches before a final newline: the whole value must match.
        ({"name": "ana\n"}, "name"),
        ({"email": "ana@example.test\n"}, "email"),
        ({"phone": "+4915112345678\n"}, "phone"),
    ],
)
def test_bad_user_fields_are_named(changes: dict[str, str], field: str) -> None:
    values = {"name": "ana", "email": "ana@example.test", "role": AccessRole.ADMIN, **changes}
    with pytest.raises(InvalidInput) as refused:
        check_user(User(**values))  # type: ignore[arg-type]
    assert refused.value.field == field


def test_passwords_must_be_long_enough_and_not_absurdly_long() -> None:
    with pytest.raises(InvalidInput, match="at least 12"):
        check_password("short")
    with pytest.raises(InvalidInput, match="at most"):
        check_password("x" * 1_001)
    assert check_password("correct horse battery") == "correct horse battery"
