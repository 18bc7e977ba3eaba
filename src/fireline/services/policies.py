"""The policy book: the current policy and every version incidents were declared under."""

from __future__ import annotations

from collections.abc import Callable

from fireline.domain.policy import Policy


class PolicyBook:
    """The policy in force now, plus older versions on demand.

    Stored versions are immutable, so caching them per process is safe: every process
    that reads version N gets the same policy.
    """

    def __init__(
        self, current_version: int, current: Policy, load_version: Callable[[int], Policy]
    ) -> None:
        self.current_version = current_version
        self.current = current
        self._load_version = load_version
        self._versions: dict[int, Policy] = {current_version: current}

    def get(self, version: int) -> Policy:
        """The policy recorded as `version`; KeyError when no such version was recorded."""
        if version not in self._versions:
            self._versions[version] = self._load_version(version)
        return self._versions[version]
