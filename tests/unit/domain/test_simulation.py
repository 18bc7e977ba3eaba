"""What counts as a repetition in `policy simulate`'s table: a run of the same series, kind
and targets, three or more long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fireline.adapters.policy_file import load_preset
from fireline.domain.simulation import (
    Happening,
    Repetition,
    Scenario,
    collapse_repetitions,
    simulate,
)

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LEAD = ("role:communications_lead",)
COMMANDER = ("role:incident_commander",)


def once(after: int, kind: str, targets: tuple[str, ...] = ()) -> Happening:
    """Something that fires once, `after` seconds after declaration."""
    return Happening(after, T0 + timedelta(seconds=after), kind, targets=targets)


def reminder(
    after: int,
    kind: str = "update_due",
    series: str = "customer_support",
    targets: tuple[str, ...] = LEAD,
) -> Happening:
    """One of an audience's update reminders (or, with kind update_overdue, escalations)."""
    at = T0 + timedelta(seconds=after)
    return Happening(after, at, kind, targets=targets, series=series)


def test_a_run_of_reminders_shows_once_at_its_first_with_its_gap_count_and_last() -> None:
    reminders = [reminder(1800 * n) for n in range(1, 6)]
    assert collapse_repetitions(reminders) == [Repetition(reminders[0], 5, 1800, 9000)]


def test_what_fires_once_stays_in_its_place_between_runs() -> None:
    breach = once(900, "sla_breach")
    reminders = [reminder(1800 * n) for n in range(1, 4)]
    notify = once(3600, "notify", ("contact:cto",))
    happenings = sorted([breach, *reminders, notify], key=lambda h: h.after)
    assert collapse_repetitions(happenings) == [
        breach,
        Repetition(reminders[0], 3, 1800, 5400),
        notify,
    ]


def test_two_alike_are_not_a_repetition() -> None:
    two = [reminder(1800), reminder(3600)]
    assert collapse_repetitions(two) == two


def test_the_same_thing_without_a_series_never_collapses() -> None:
    # Elapsed notices are each written in the policy (handbook 004's Sev-2 tells the IT
    # manager at 30 minutes and again at 1 hour): each is a line of it, not a cadence.
    notices = [once(1800 * n, "notify", ("contact:it_manager",)) for n in (1, 2, 3)]
    assert collapse_repetitions(notices) == notices


def test_reminders_and_their_overdue_escalations_are_separate_runs() -> None:
    due = [reminder(1800 * n) for n in (1, 2, 3)]
    overdue = [reminder(1800 * n + 900, "update_overdue", targets=COMMANDER) for n in (1, 2, 3)]
    happenings = sorted([*due, *overdue], key=lambda h: h.after)
    assert collapse_repetitions(happenings) == [
        Repetition(due[0], 3, 1800, 5400),
        Repetition(overdue[0], 3, 1800, 6300),
    ]


def test_each_audience_is_its_own_run() -> None:
    support = [reminder(1800 * n) for n in (1, 2, 3, 4)]
    executives = [reminder(3600 * n, series="executives") for n in (1, 2, 3)]
    happenings = sorted([*support, *executives], key=lambda h: h.after)
    assert collapse_repetitions(happenings) == [
        Repetition(support[0], 4, 1800, 7200),
        Repetition(executives[0], 3, 3600, 10_800),
    ]


def test_a_run_whose_gaps_vary_has_no_single_gap() -> None:
    # A cadence in business hours: 4 hours apart in the day, longer over the night.
    reminders = [reminder(after) for after in (14_400, 28_800, 86_400 + 3600, 86_400 + 18_000)]
    assert collapse_repetitions(reminders) == [Repetition(reminders[0], 4, None, 104_400)]


def test_fewer_than_a_chosen_least_stay_as_they_are() -> None:
    reminders = [reminder(1800 * n) for n in range(1, 4)]
    assert collapse_repetitions(reminders, least=4) == reminders


def test_a_004_sev_1_over_14_days_is_a_few_rows_and_every_reminder_is_counted() -> None:
    policy = load_preset("handbook_004").policy
    happenings = simulate(policy, Scenario(severity=1, at=T0, horizon=timedelta(days=14)))
    rows = collapse_repetitions(happenings)
    assert len(happenings) > 1800
    assert len(rows) < 20
    runs = [row for row in rows if isinstance(row, Repetition)]
    assert {(r.first.kind, r.first.series, r.every) for r in runs} == {
        ("update_due", "customer_support", 1800),
        ("update_overdue", "customer_support", 1800),
        ("update_due", "executives", 7200),
        ("update_overdue", "executives", 7200),
        ("update_due", "business_units", 14_400),
        ("update_overdue", "business_units", 14_400),
    }
    singles = [row for row in rows if isinstance(row, Happening)]
    assert sum(r.count for r in runs) + len(singles) == len(happenings)
