"""The root `fireline` command; each group lives in its own module.

Exit codes: 0 ok, 1 refused by the server (or the server cannot be reached), 2 bad usage
or bad configuration.
"""

from __future__ import annotations

import typer

# Importing it registers `incident post-update` and `incident deliveries` on incident_app.
from fireline.entrypoints.cli import communication  # noqa: F401
from fireline.entrypoints.cli.admin import db_app, serve
from fireline.entrypoints.cli.audit import audit_app
from fireline.entrypoints.cli.channel import channel_app
from fireline.entrypoints.cli.incident import incident_app
from fireline.entrypoints.cli.people import token_app, user_app
from fireline.entrypoints.cli.policy import policy_app
from fireline.entrypoints.cli.simulate import simulate_command
from fireline.entrypoints.cli.worker import worker

app = typer.Typer(
    name="fireline",
    help="Fireline: incident management that runs your handbook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.command()(worker)
app.add_typer(db_app, name="db")
policy_app.command("simulate")(simulate_command)
app.add_typer(policy_app, name="policy")
app.add_typer(incident_app, name="incident")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(channel_app, name="channel")


def run() -> None:
    app()
