"""Local administration: `fireline serve` and `fireline db upgrade` (no server needed)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable
from functools import partial
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from fireline import __version__
from fireline.adapters.policy_file import PolicyFileError
from fireline.bootstrap import Context, build_context, prepare_storage
from fireline.entrypoints.cli.options import flag
from fireline.entrypoints.supervision import WorkerWatch
from fireline.entrypoints.worker.loop import run_worker
from fireline.services import people
from fireline.services.demo import (
    DEMO_INCIDENTS,
    DEMO_PEOPLE,
    DEMO_SERVICES,
    channels_leaving_the_machine,
    demo_password,
    seed_demo,
    seed_demo_people,
)
from fireline.services.timers import plan_missing_timers
from fireline.settings import Settings, SettingsError, load_settings

SERVER_PROCESS_ANSWERS_WITHIN = 60
"""Seconds a server process of `serve --workers N` has to answer its supervisor's ping before
it is taken for hung and replaced. It answers only once Python has imported Fireline, which
takes seconds on a loaded host: uvicorn's default of 5 s then replaces every process before
it starts, for ever."""

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
    demo: Annotated[bool, flag("--demo", "fill an empty database with demo data")] = False,
    demo_notify: Annotated[
        bool,
        flag(
            "--demo-notify",
            "let demo incidents notify through the policy's channels that leave this machine",
        ),
    ] = False,
    migrate: Annotated[bool, typer.Option(help="migrate the database on start", metavar="")] = True,
    access_log: Annotated[bool, typer.Option(help="log every HTTP request", metavar="")] = False,
    worker: Annotated[
        bool,
        typer.Option(
            help="fire due timers in this process too (see `fireline worker`)", metavar=""
        ),
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
        leaving = channels_leaving_the_machine(context.policies.current)
        if leaving and not demo_notify:
            out.print(
                "demo mode: no demo incidents added: the policy's channels "
                f"{', '.join(leaving)} would send messages about them off this machine "
                "(pass --demo-notify to add them anyway)",
                highlight=False,
                markup=False,
            )
        elif seed_demo(context.database, context.policies, now=context.clock()):
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
    if not worker:
        out.print(
            "no worker in this process (--no-worker): run `fireline worker`; until one beats, "
            "/healthz answers 503 (/livez answers 200)",
            highlight=False,
            markup=False,
        )
    run_server, stop_server = _server(context, settings, host, port, workers, access_log)
    watch = WorkerWatch(partial(run_worker, context), stop_server) if worker else None
    if watch is not None:
        watch.start()
    try:
        run_server()
    finally:
        if watch is not None:
            watch.stop()
    if watch is not None and watch.failure is not None:
        err.print("[red]error:[/red] ", end="")
        err.print(
            f"the worker stopped ({watch.failure}), so the server stopped too; see the log "
            "above, and restart `fireline serve`",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)


def _server(
    context: Context, settings: Settings, host: str, port: int, workers: int, access_log: bool
) -> tuple[Callable[[], None], Callable[[], None]]:
    """How to run the server until it stops, and how to stop it gracefully from any thread."""
    if workers == 1:
        from fireline.entrypoints.api.app import create_app

        config = uvicorn.Config(
            create_app(context),
            host=host,
            port=port,
            log_level=settings.log_level,
            access_log=access_log,
        )
        server = uvicorn.Server(config)

        def run_one() -> None:
            # On Ctrl-C uvicorn stops gracefully, then raises the signal again for us.
            with contextlib.suppress(KeyboardInterrupt):
                server.run()

        def stop() -> None:
            # Not a signal: uvicorn would raise it again once it has stopped, and die of it.
            server.should_exit = True

        return run_one, stop

    def run() -> None:
        # Each server process builds its own context from the same environment (they share
        # nothing but the database) and stops when this process is gone.
        uvicorn.run(
            "fireline.entrypoints.supervision:create_server_process_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            access_log=access_log,
            timeout_worker_healthcheck=SERVER_PROCESS_ANSWERS_WITHIN,
        )

    def stop_all() -> None:
        # uvicorn's supervisor stops its server processes gracefully on SIGTERM. (Sent before
        # the supervisor has started, it ends this process at once, when nothing serves yet.)
        os.kill(os.getpid(), signal.SIGTERM)

    return run, stop_all


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
