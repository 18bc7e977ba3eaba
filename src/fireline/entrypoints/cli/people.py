"""`fireline user …` and `fireline token …`: bootstrap people and tokens on the local database.

These run where the server runs, against the database the settings name, with no server
and no token needed: they are how the first admin and their first token come to exist. The
audit log records them as done by `fireline-cli`.
"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import datetime, timedelta
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from fireline.bootstrap import Context, prepare_storage
from fireline.domain.access import AccessRole, Caller, Scope
from fireline.domain.errors import FirelineError
from fireline.domain.people import MIN_PASSWORD, User
from fireline.entrypoints.cli.admin import context_or_exit, settings_or_exit
from fireline.entrypoints.cli.options import flag
from fireline.services import people, tokens

CLI_ACTOR = "fireline-cli"

user_app = typer.Typer(help="People (on the local database).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (on the local database).", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _local() -> Context:
    # The first admin is made before any server ran: create and migrate the database, as
    # `serve` would (unless FIRELINE_MIGRATE_ON_START=false).
    settings = settings_or_exit()
    if settings.migrate_on_start:
        prepare_storage(settings)
    return context_or_exit(settings)


def _ask(prompt: str) -> str:
    """A password typed at the terminal (not shown), or, without one, the next line of
    standard input (a script answering the prompt). Exit 2 when there is none."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    err.print(prompt, end="", highlight=False)
    line = sys.stdin.readline()
    if not line:
        err.print(
            "\n[red]error:[/red] no password given and no terminal to ask at: pass "
            "--password-stdin (and the password on standard input) or --no-password",
            highlight=False,
        )
        raise typer.Exit(2)
    return line.rstrip("\n")


@user_app.command("create")
def create_user(
    name: Annotated[str, typer.Argument(help="handle: lower-case letters, digits, . _ -")],
    email: Annotated[str, typer.Option(help="email address")],
    role: Annotated[AccessRole, typer.Option(help="access role")] = AccessRole.RESPONDER,
    full_name: Annotated[str, typer.Option(help="name as people say it")] = "",
    phone: Annotated[str | None, typer.Option(help="E.164, such as +4915112345678")] = None,
    time_zone: Annotated[str, typer.Option(help="IANA time zone")] = "UTC",
    password_stdin: Annotated[
        bool, flag("--password-stdin", "read the password from standard input")
    ] = False,
    no_password: Annotated[
        bool, flag("--no-password", "token access only: no web sign-in")
    ] = False,
) -> None:
    """Create a person. Asks for a password unless --no-password or --password-stdin."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not no_password:
        password = _ask(f"password ({MIN_PASSWORD}+ characters): ")
        if len(password) < MIN_PASSWORD:
            # Before asking again: typing a short one twice helps nobody.
            err.print(f"[red]error:[/red] at least {MIN_PASSWORD} characters", highlight=False)
            raise typer.Exit(2)
        if _ask("again: ") != password:
            err.print("[red]error:[/red] the passwords differ", highlight=False)
            raise typer.Exit(2)
    context = _local()
    user = User(name, email, role, full_name=full_name, phone=phone, time_zone=time_zone)
    try:
        people.create_user(
            context.database,
            context.hasher,
            user,
            password=password,
            actor=CLI_ACTOR,
            now=context.clock(),
        )
    except FirelineError as error:
        _refused(error)
    out.print(f"created {name} ({role.value})", highlight=False, markup=False)


@user_app.command("list")
def list_users() -> None:
    """Everybody, one per line: name, role, active, email."""
    context = _local()
    for user in people.list_users(context.database):
        state = "active" if user.is_active else "deactivated"
        out.print(f"{user.name}\t{user.role.value}\t{state}\t{user.email}", markup=False)


@token_app.command("create")
def create_token(
    user: Annotated[str, typer.Option(help="whose token")],
    scope: Annotated[Scope, typer.Option(help="read, write or admin")] = Scope.WRITE,
    name: Annotated[str, typer.Option(help="what it is for")] = "cli",
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="expire after this many days")
    ] = None,
) -> None:
    """Make a token and print it once (only its digest is kept): export FIRELINE_TOKEN=…"""
    context = _local()
    now = context.clock()
    expires_at: datetime | None = None
    if expires_in_days is not None:
        expires_at = now + timedelta(days=expires_in_days)
    try:
        made = tokens.create_token(
            context.database,
            owner=user,
            name=name,
            scope=scope,
            expires_at=expires_at,
            creator=Caller(CLI_ACTOR, AccessRole.ADMIN),
            now=now,
        )
    except FirelineError as error:
        _refused(error)
    if os.isatty(sys.stdout.fileno()):
        err.print(
            f"token {made.record.id} for {user} ({scope.value}); shown once, store it now:",
            highlight=False,
        )
    print(made.secret)


@token_app.command("revoke")
def revoke_token(token_id: Annotated[int, typer.Argument(help="the token's id")]) -> None:
    """Revoke a token at once."""
    context = _local()
    try:
        tokens.revoke_token(
            context.database,
            token_id,
            caller=Caller(CLI_ACTOR, AccessRole.ADMIN),
            now=context.clock(),
        )
    except FirelineError as error:
        _refused(error)
    out.print(f"revoked token {token_id}", highlight=False)


def _refused(error: FirelineError) -> NoReturn:
    err.print("[red]refused:[/red]", end=" ", highlight=False)
    err.print(error.message, markup=False, highlight=False)
    raise typer.Exit(1)
