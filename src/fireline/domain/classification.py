"""Classification: impact × urgency → priority, affected services → criticality, → severity.

The handbooks agree on one rule when sources disagree: take the most severe
("use the highest", handbook 000; "err on the side of higher severity", handbook 002).
`decide_severity` applies it and says which source decided, for the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fireline.domain.errors import InvalidInput, UnknownName
from fireline.domain.policy import CriticalityTier, Policy


@dataclass(frozen=True)
class SeverityDecision:
    """The decided severity, the source that decided it, and a sentence for the timeline."""

    severity: int
    decided_by: str
    """One of ``reporter``, ``priority``, ``criticality`` or ``default``."""
    explanation: str


def derive_priority(policy: Policy, impact: str | None, urgency: str | None) -> str | None:
    """The priority the matrix gives, or None when neither impact nor urgency is known.

    Raises UnknownName for an impact or urgency the matrix does not define, and InvalidInput
    when only one of them is given: the matrix needs both, and quietly dropping one would
    leave the caller believing it counted.
    """
    matrix = policy.priority_matrix
    if impact is not None and impact not in matrix.impacts:
        raise UnknownName("impact", impact, matrix.impacts)
    if urgency is not None and urgency not in matrix.urgencies:
        raise UnknownName("urgency", urgency, matrix.urgencies)
    if impact is None and urgency is None:
        return None
    if impact is None or urgency is None:
        missing = "impact" if impact is None else "urgency"
        raise InvalidInput(
            missing, "impact and urgency go together: the priority matrix needs both"
        )
    return matrix.cells[(impact, urgency)]


def highest_criticality(policy: Policy, tier_names: Iterable[str]) -> CriticalityTier | None:
    """The most critical tier among those given (handbook 000: use the highest), or None."""
    tiers = [policy.tier(name) for name in tier_names]
    return min(tiers, key=lambda tier: tier.level, default=None)


def decide_severity(
    policy: Policy,
    *,
    reported: int | None,
    priority: str | None,
    criticality: CriticalityTier | None,
) -> SeverityDecision:
    """Decide severity from every source the policy counts; the most severe one wins.

    Ties go to the first source in the policy's `sources` order, so the explanation names
    the reporter when the reporter and a rule agree. Raises InvalidInput for a reported
    severity the policy does not define.
    """
    levels = tuple(s.level for s in policy.severities)
    if reported is not None and reported not in levels:
        raise UnknownName("severity", reported, [str(level) for level in levels])
    candidates: list[tuple[int, str, str]] = []
    for source in policy.severity_rule.sources:
        if source == "reporter" and reported is not None:
            candidates.append((reported, source, f"the reporter chose Sev-{reported}"))
        elif source == "priority" and priority is not None:
            implied = policy.priority_matrix.priority_severity[priority]
            candidates.append((implied, source, f"priority {priority} implies Sev-{implied}"))
        elif (
            source == "criticality"
            and criticality is not None
            and criticality.implies_severity is not None
        ):
            implied = criticality.implies_severity
            candidates.append(
                (implied, source, f"criticality {criticality.name} implies Sev-{implied}")
            )
    if not candidates:
        fallback = policy.severity_rule.when_unknown
        return SeverityDecision(
            fallback, "default", f"no source gave a severity; the policy default is Sev-{fallback}"
        )
    winner = min(candidates, key=lambda candidate: candidate[0])
    others = [text for _, _, text in candidates if text != winner[2]]
    explanation = f"Sev-{winner[0]} decided by {winner[1]}: {winner[2]}"
    if others:
        explanation += f" (also considered: {'; '.join(others)}; the most severe wins)"
    return SeverityDecision(winner[0], winner[1], explanation)


def require_support_tier(policy: Policy, tier: int | None) -> None:
    """Raise InvalidInput unless `tier` is None or a support tier the policy defines."""
    levels = [t.level for t in policy.support_tiers]
    if tier is not None and tier not in levels:
        allowed = ", ".join(map(str, levels)) or "none: the policy defines no support tiers"
        raise InvalidInput("support_tier", f"must be one of {allowed}")
