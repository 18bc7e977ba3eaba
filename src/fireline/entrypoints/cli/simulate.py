"""`fireline policy simulate`: what would fire for an incident under a policy, in order.

Uses exactly the domain code the API's clocks use (`fireline.domain.simulation`), so a
policy author sees what Fireline will do before adopting the policy.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fireline.adapters.policy_file import PolicyFileError
from fireline.adapters.policy_file.durations import parse_duration
from fireline.domain.errors import InvalidInput
from fireline.domain.policy import Policy
from fireline.domain.simulation import (
    Happening,
    Repetition,
    Scenario,
    collapse_repetitions,
    simulate,
)
from fireline.entrypoints.cli.options import JsonFlag
from fireline.entrypoints.cli.policy import _choose, _fail, _problems

Offset = Annotated[str | None, typer.Option(help="a duration after declaration, such as 15m")]


def simulate_command(
    file: Annotated[Path | None, typer.Argument(help="A policy file.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="A preset instead.")] = None,
    severity: Annotated[
        int | None,
        typer.Option(help="severity level (default: implied by the criticality, else 1)"),
    ] = None,
    criticality: Annotated[
        str | None, typer.Option(help="the criticality tier of the impacted services")
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="an impacted service of the policy's catalog")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="declared at, ISO 8601 with an offset (default: now)")
    ] = None,
    for_: Annotated[str, typer.Option("--for", help="how far ahead to look")] = "14d",
    ack_at: Offset = None,
    identified_at: Offset = None,
    pause_at: Offset = None,
    resume_at: Offset = None,
    resolve_at: Offset = None,
    as_json: JsonFlag = False,
) -> None:
    """Print everything that would fire for such an incident, in order, with its time:
    SLA warnings and breaches, escalations, notifications, pages and review deadlines."""
    if file is not None and preset is not None:
        raise _fail(["give either FILE or --preset, not both"])
    try:
        policy = _choose(file, preset).policy
    except PolicyFileError as error:
        raise _problems(error) from None
    try:
        criticality = _criticality(policy, criticality, service)
        scenario = Scenario(
            severity=severity if severity is not None else _implied_severity(policy, criticality),
            criticality=criticality,
            at=_instant(at),
            horizon=_duration("for", for_),
            acknowledged_after=_offset("ack-at", ack_at),
            identified_after=_offset("identified-at", identified_at),
            paused_after=_offset("pause-at", pause_at),
            resumed_after=_offset("resume-at", resume_at),
            resolved_after=_offset("resolve-at", resolve_at),
        )
        happenings = simulate(policy, scenario)
    except InvalidInput as error:
        raise _fail([f"--{error.field.replace('_', '-')}: {error.detail}"]) from None
    if as_json:
        typer.echo(json.dumps([_as_json(h) for h in happenings], indent=2))
        return
    if not happenings:
        typer.echo(f"nothing fires within {for_}")
        return
    title = f"policy {policy.name}: Sev-{scenario.severity}"
    if scenario.criticality:
        title += f", {scenario.criticality}"
    Console().print(_table(title, happenings))


def _table(title: str, happenings: list[Happening]) -> Table:
    """Three columns, so that 80 fit; what happens wraps (a word longer than its column
    folds) and is never cut short: a target always shows whole."""
    rows = collapse_repetitions(happenings)
    table = Table(title=title)
    if len(rows) < len(happenings):
        table.caption = "each repetition shows once here; --json lists every one"
    table.add_column("after", no_wrap=True)
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("what", overflow="fold", ratio=1)
    for row in rows:
        first = row.first if isinstance(row, Repetition) else row
        table.add_row(
            spell_duration(first.after),
            first.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            _what(row),
        )
    return table


def _what(row: Happening | Repetition) -> Text:
    """What fires, to whom, and the timer's note; Text, so a policy's words never read as
    Rich markup."""
    first = row.first if isinstance(row, Repetition) else row
    words = first.kind.replace("_", " ")
    label = "SLA" + words.removeprefix("sla") if first.kind.startswith("sla_") else words
    if isinstance(row, Repetition):
        how_often = (
            f"every {spell_duration(row.every)}" if row.every is not None else f"{row.count} times"
        )
        label = f"{how_often} until resolved: {label}"
    if first.targets:
        label += f" → {', '.join(first.targets)}"
    text = Text(label, style="bold")
    if first.note:
        text.append(f"\n{first.note}", style="dim")
    return text


def _as_json(h: Happening) -> dict[str, object]:
    return {
        "after": h.after,
        "at": h.at.isoformat().replace("+00:00", "Z"),
        "kind": h.kind,
        "clock": h.clock,
        "level": h.level,
        "targets": list(h.targets),
        "note": h.note,
    }


def _criticality(policy: Policy, criticality: str | None, service: str | None) -> str | None:
    """The tier asked for, or else the service's (the most critical of the two if both)."""
    if criticality is not None and criticality not in policy.tier_names:
        raise InvalidInput(
            "criticality",
            f"no criticality tier {criticality!r} "
            f"(allowed: {', '.join(policy.tier_names) or 'none defined'})",
        )
    if service is None:
        return criticality
    found = next((s for s in policy.services if s.name == service), None)
    if found is None:
        names = ", ".join(s.name for s in policy.services) or "none: the policy lists no services"
        raise InvalidInput("service", f"no service {service!r} in the policy (allowed: {names})")
    if criticality is None:
        return found.criticality
    return min((criticality, found.criticality), key=lambda name: policy.tier(name).level)


def _implied_severity(policy: Policy, criticality: str | None) -> int:
    if criticality is not None and criticality in policy.tier_names:
        implied = policy.tier(criticality).implies_severity
        if implied is not None:
            return implied
    return 1


_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def spell_duration(seconds: int) -> str:
    """Whole seconds for people: the two largest units, the smaller rounded half up, as in
    "4d 15h", "2h 30m", "11m 15s", "45s"; a smaller unit of zero is left out ("2h"), and
    no time at all is "0m"."""
    if seconds <= 0:
        return "0m"
    for (_, size), (_, step) in pairwise(_UNITS):
        if seconds >= size:
            seconds = (seconds + step // 2) // step * step
            break
    # Spelled afresh, since rounding may carry into the larger unit: 23h 59m 40s is 1d.
    for (big, size), (small, step) in pairwise(_UNITS):
        if seconds >= size:
            whole, rest = divmod(seconds, size)
            return f"{whole}{big} {rest // step}{small}" if rest else f"{whole}{big}"
    return f"{seconds}s"


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("at", f"{text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidInput("at", "needs an offset, such as 2026-11-27T15:00:00+01:00")
    if not 2000 <= moment.year <= 2200:
        raise InvalidInput("at", f"{text!r} is out of range (allowed: the years 2000 to 2200)")
    return moment


def _duration(name: str, text: str) -> timedelta:
    try:
        duration = parse_duration(text)
    except ValueError as error:
        raise InvalidInput(name, str(error)) from None
    if duration.is_business:
        raise InvalidInput(name, "use clock time here (s, m, h, d or w), not business time")
    return timedelta(seconds=duration.seconds())


def _offset(name: str, text: str | None) -> timedelta | None:
    return None if text is None else _duration(name, text)
