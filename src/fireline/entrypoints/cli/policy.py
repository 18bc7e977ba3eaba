"""`fireline policy …`: check a policy file, list the presets, show the effective policy.

Exit codes: 0 when the command did what was asked, 2 when the input (a file, a preset name,
``FIRELINE_POLICY``) is wrong; problems go to stderr one per line, never as a stack trace.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from fireline.adapters.notifications import unset_secrets
from fireline.adapters.policy_file import (
    LoadedPolicy,
    PolicyFileError,
    list_presets,
    load_policy_file,
    load_preset,
)
from fireline.entrypoints.cli.options import JsonFlag

POLICY_ENV = "FIRELINE_POLICY"
"""A policy file path or a preset name; `show` falls back to it, then to the default preset."""
EXIT_INVALID = 2

policy_app = typer.Typer(
    name="policy",
    help="Check, list and show incident policies (the handbook as code).",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        typer.echo(line, err=True)
    return typer.Exit(EXIT_INVALID)


def _problems(error: PolicyFileError) -> typer.Exit:
    return _fail([str(problem) for problem in error.problems])


@policy_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The policy file to validate.")],
) -> None:
    """Validate FILE; print its name and digest, or every problem with its line.

    A valid file may still come with notes: targets that would reach nobody as it stands
    (a contact with no address, a method no channel carries). They do not fail the check."""
    try:
        loaded = load_policy_file(file)
    except PolicyFileError as error:
        raise _problems(error) from None
    typer.echo(f"{file}: valid (policy {loaded.policy.name}, digest {loaded.digest})")
    for note in loaded.notes:
        typer.echo(f"note: {note}")
    for unset in unset_secrets(loaded.policy.channels, os.environ):
        typer.echo(f"note: channel {unset} here, so its messages would fail")


@policy_app.command("presets")
def presets(
    as_json: JsonFlag = False,
) -> None:
    """List the policies Fireline ships, one per handbook plus `default`."""
    infos = list_presets()
    if as_json:
        rows = [
            {
                "name": info.name,
                "handbook": info.handbook,
                "title": info.title,
                "description": info.description,
            }
            for info in infos
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "handbook", "title", title="Fireline policy presets")
    for info in infos:
        table.add_row(info.name, info.handbook or "-", info.title)
    Console().print(table)


@policy_app.command("show")
def show(
    file: Annotated[
        Path | None, typer.Argument(help="A policy file; default: $FIRELINE_POLICY.")
    ] = None,
    preset: Annotated[
        str | None, typer.Option("--preset", help="Show this preset instead of a file.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Print the effective policy: the normalized document, every default written out.

    Without FILE or --preset, uses $FIRELINE_POLICY (a file path or a preset name), and
    the `default` preset when that is unset.
    """
    if file is not None and preset is not None:
        raise _fail(["give either FILE or --preset, not both"])
    try:
        loaded = _choose(file, preset)
    except PolicyFileError as error:
        raise _problems(error) from None
    typer.echo(_render(loaded.document, as_json=as_json), nl=False)


def _choose(file: Path | None, preset: str | None) -> LoadedPolicy:
    if file is not None:
        return load_policy_file(file)
    if preset is not None:
        return load_preset(preset)
    configured = os.environ.get(POLICY_ENV, "").strip()
    if not configured:
        return load_preset("default")
    if Path(configured).exists():
        return load_policy_file(configured)
    names = [info.name for info in list_presets()]
    if configured in names:
        return load_preset(configured)
    raise _fail(
        [
            f"{POLICY_ENV}={configured!r} is neither an existing file nor a preset "
            f"(allowed: a path to a policy file, or one of {', '.join(names)})"
        ]
    )


def _render(document: dict[str, Any], *, as_json: bool) -> str:
    if as_json:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    # Flow style for leaf lists and mappings keeps targets and day lists on one line each.
    return yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )
