"""`fireline channel test NAME --to ADDRESS`: send one test message through a channel."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from fireline.adapters.notifications import DeliveryFailed, channel_for
from fireline.adapters.policy_file import PolicyFileError
from fireline.domain.messages import Message
from fireline.entrypoints.cli.policy import _choose, _fail, _problems

channel_app = typer.Typer(help="Notification channels of the policy.", no_args_is_help=True)


@channel_app.command("test")
def send_test_message(
    name: Annotated[str, typer.Argument(help="the channel's name in the policy")],
    to: Annotated[
        str,
        typer.Option(
            help="an address the channel understands: an email address, a phone number in "
            "E.164 form, a Slack member ID or #room; left out: the channel's own room"
        ),
    ] = "",
    file: Annotated[Path | None, typer.Option("--policy", help="a policy file")] = None,
) -> None:
    """Send a test message through channel NAME of the policy (FIRELINE_POLICY, or --policy).

    Exit 0 when the channel accepted it, 1 when delivery failed (saying whether a retry could
    help), 2 for an unknown channel, an address the channel cannot use, or an invalid policy.
    """
    try:
        policy = _choose(file, None).policy
    except PolicyFileError as error:
        raise _problems(error) from None
    config = policy.channel(name)
    if config is None:
        names = ", ".join(c.name for c in policy.channels) or "none: the policy defines no channels"
        raise _fail([f"no channel {name!r} (allowed: {names})"])
    if config.kind == "console":
        typer.echo(
            f"{name}: a console channel sends nothing anywhere: the worker stores its messages, "
            "and people read them at GET /api/v1/me/inbox (rooms: /api/v1/channels/NAME/inbox)"
        )
        return
    said = f"This is a test of the {config.kind} channel {name!r}. No action is needed."
    wrong = _address_problem(config.kind, to, config.settings)
    if wrong:
        raise _fail([f"--to: {wrong}"])
    message = Message(
        key=f"test-{uuid.uuid4()}",
        subject=f"Fireline test message ({name})",
        text=said,
        short=f"Fireline: {said}",
    )
    try:
        receipt = channel_for(config).send(message, to)
    except DeliveryFailed as failed:
        kind = "permanent" if failed.permanent else "transient, a retry may succeed"
        typer.echo(f"{name}: delivery failed ({kind}): {failed.reason}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{name}: sent to {to or 'its own room'} ({receipt})")


_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _address_problem(kind: str, to: str, settings: Mapping[str, object]) -> str | None:
    """Why `to` cannot be an address of a `kind` channel, checked before anything is sent."""
    if kind in ("sms", "voice"):
        if not _PHONE.match(to):
            return f"{to!r} is not a phone number (allowed: E.164, such as +4915112345678)"
    elif kind == "email":
        if not to and not settings.get("to"):
            return "the channel has no `to` of its own (allowed: an email address)"
        if to and not _EMAIL.match(to):
            return f"{to!r} is not an email address (allowed: name@example.com)"
    return None
