"""argon2id password hashing (argon2-cffi), behind the `PasswordHasher` port."""

from __future__ import annotations

from functools import cached_property

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_STAND_IN_PASSWORD = "fireline: this is nobody's password"


class Argon2Hasher:
    """argon2id with argon2-cffi's defaults (RFC 9106's second recommended option), or
    cheaper parameters for tests; hashes record their parameters, so both verify alike."""

    def __init__(self, *, time_cost: int | None = None, memory_cost: int | None = None) -> None:
        defaults = argon2.PasswordHasher()
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost or defaults.memory_cost,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    @cached_property
    def stand_in_hash(self) -> str:
        return self._hasher.hash(_STAND_IN_PASSWORD)
