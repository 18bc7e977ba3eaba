"""Local administration: `fireline serve` and `fireline db upgrade` (no server needed)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from fireline import __version__
from fireline.adapters.policy_file import PolicyFileError
from fireline.bootstrap import Context, build_context, prepare_storage
from fireline.entrypoints.worker.loop import start_worker_thread
from fireline.services import people
from fireline.services.demo import (
    DEMO_INCIDENTS,
    DEMO_PEOPLE,
    DEMO_SERVICES,
    demo_password,
    seed_demo,
    seed_demo_people,
)
from fireline.services.timers import plan_missing_timers
from fireline.settings import Settings, SettingsError, load_settings

db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console()


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def upgrade() -> None:
    """Migrate the database to the newest schema (safe to run again); says what it did."""
    settings = settings_or_exit()
    done = prepare_storage(settings)
    out.print(f"{done.describe()}: {_describe(settings.database_url)}", highlight=False)


@db_app.command("plan-timers")
def plan_timers_command() -> None:
    """Plan the timers of open incidents declared before timers existed (run once after
    upgrading to the release that brought them; safe to run again)."""
    settings = settings_or_exit()
    prepare_storage(settings)
    context = context_or_exit(settings)
    count = plan_missing_timers(context.database, context.policies, now=context.clock())
    out.print(f"planned the timers of {count} open incident(s)", highlight=False)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="server processes")] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="fill an empty database with demo data")
    ] = False,
    migrate: Annotated[bool, typer.Option(help="migrate the database on start")] = True,
    access_log: Annotated[bool, typer.Option(help="log every HTTP request")] = False,
    worker: Annotated[
        bool, typer.Option(help="fire due timers in this process too (see `fireline worker`)")
    ] = True,
) -> None:
    """Run the API and a worker in this process."""
    settings = settings_or_exit()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    # Alembic narrates every migration step at INFO; only its warnings matter on start-up.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if migrate and settings.migrate_on_start:
        prepare_storage(settings)
    context = context_or_exit(settings)
    if demo:
        added = seed_demo_people(context.database, context.hasher, now=context.clock())
        if added:
            out.print(
                "demo mode: added demo people (name / password / role; never use demo mode "
                "in production):",
                highlight=False,
            )
            for person in DEMO_PEOPLE:
                if person.name in added:
                    out.print(
                        f"  {person.name} / {demo_password(person.name)} / {person.role.value}",
                        highlight=False,
                        markup=False,
                    )
        if seed_demo(context.database, context.policies, now=context.clock()):
            out.print(
                f"demo mode: added a demo organisation ({len(DEMO_SERVICES)} services, "
                f"{len(DEMO_INCIDENTS)} incidents)"
            )
        else:
            out.print(
                "demo mode: no demo data added (the database already has incidents, "
                "or people of its own)"
            )
    if not people.list_users(context.database):
        out.print(
            "no people yet: every API call needs a token. Create the first admin with\n"
            "  fireline user create NAME --email EMAIL --role admin\n"
            "  fireline token create --user NAME --scope admin",
            highlight=False,
            markup=False,
        )
    out.print(
        f"Fireline {__version__} on http://{host}:{port} "
        f"({_describe(settings.database_url)}; policy {context.loaded_policy.policy.name} "
        f"v{context.policies.current_version})",
        highlight=False,
        soft_wrap=True,
    )
    stop_worker = start_worker_thread(context) if worker else None
    try:
        _run_server(context, settings, host, port, workers, access_log)
    finally:
        if stop_worker is not None:
            stop_worker.set()


def _run_server(
    context: Context, settings: Settings, host: str, port: int, workers: int, access_log: bool
) -> None:
    if workers == 1:
        from fireline.entrypoints.api.app import create_app

        uvicorn.run(
            create_app(context),
            host=host,
            port=port,
            log_level=settings.log_level,
            access_log=access_log,
        )
    else:
        # Each worker process builds its own context from the same environment; they share
        # nothing but the database.
        uvicorn.run(
            "fireline.entrypoints.api.app:create_app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            access_log=access_log,
        )


def context_or_exit(settings: Settings) -> Context:
    try:
        return build_context(settings)
    except PolicyFileError as error:
        err.print(f"[red]error:[/red] the policy {settings.policy!r} is invalid:", highlight=False)
        err.print(str(error), highlight=False, markup=False)
        raise typer.Exit(2) from None
    except DBAPIError as error:
        # Most often a database nobody has migrated yet (no tables), or one not reachable.
        err.print("[red]error:[/red] ", end="")
        err.print(
            f"cannot use the database ({_describe(settings.database_url)}): "
            f"{str(error.orig).splitlines()[0]}\nrun `fireline db upgrade` to create or "
            "migrate it, and check FIRELINE_DATABASE_URL",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(2) from None


def _describe(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"SQLite at {url.removeprefix('sqlite:///')}"
    host = url.split("@")[-1]
    return f"PostgreSQL at {host}"
