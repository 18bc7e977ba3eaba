"""Flags read as flags: `--json` (and every other on/off option of ours) takes no value, and
`--help` shows none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from fireline.entrypoints.cli.main import app

runner = CliRunner()


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command under `group` (a click command), the group's own included."""
    yield path
    for name, command in getattr(group, "commands", {}).items():
        yield from commands(command, (*path, name))


def command_at(path: tuple[str, ...]) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def option_row(help_text: str, name: str) -> str:
    """The line of `--help`'s options panel that describes option `name`."""
    (row,) = [line for line in help_text.splitlines() if line.strip("│ ").startswith(f"{name} ")]
    return row


WITH_JSON = [
    path
    for path in commands(typer.main.get_command(app))
    if any("--json" in getattr(p, "opts", ()) for p in command_at(path).params)
]


def test_every_listing_and_showing_command_has_json() -> None:
    assert {
        ("incident", "declare"),
        ("incident", "list"),
        ("incident", "show"),
        ("incident", "post-update"),
        ("policy", "presets"),
        ("policy", "show"),
        ("policy", "simulate"),
    } <= set(WITH_JSON)


@pytest.mark.parametrize("path", WITH_JSON, ids=" ".join)
def test_json_is_one_flag_that_the_help_shows_without_a_value(path: tuple[str, ...]) -> None:
    (option,) = [p for p in command_at(path).params if "--json" in getattr(p, "opts", ())]
    assert option.is_flag
    assert option.help == "print JSON instead, for scripts"
    shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    assert "bool" not in option_row(shown.output, "--json")


@pytest.mark.parametrize(
    ("path", "flags"),
    [
        (("incident", "list"), ["--mine", "--oldest"]),
        (("user", "create"), ["--password-stdin", "--no-password"]),
    ],
)
def test_other_flags_show_no_value_either(path: tuple[str, ...], flags: list[str]) -> None:
    shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    for flag in flags:
        assert "bool" not in option_row(shown.output, flag)


def test_json_as_a_bare_flag_prints_json() -> None:
    listed = runner.invoke(app, ["policy", "presets", "--json"])
    assert listed.exit_code == 0, listed.output
    assert "handbook_004" in [row["name"] for row in json.loads(listed.stdout)]
    shown = runner.invoke(app, ["policy", "show", "--preset", "default", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["name"] == "default"
