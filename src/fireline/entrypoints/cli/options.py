"""Options that several commands share, defined once so that they read and behave alike."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def flag(name: str, help: str) -> Any:
    """An option that takes no value: present means true, absent false.

    The empty metavar is why this exists: Typer's help shows a flag's type (`<bool>`) as if
    it took a value, and `--json true` then fails with "unexpected extra argument".
    """
    return typer.Option(name, help=help, metavar="")


JsonFlag = Annotated[bool, flag("--json", "print JSON instead, for scripts")]
"""`--json` on every command that has it: print JSON instead of a table or text."""
