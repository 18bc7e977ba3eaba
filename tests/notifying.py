"""Shared pieces of the notification tests: every receiver at once, the channels that point
at them, people with addresses, and a worker driven step by step."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from fireline.bootstrap import Context, build_context
from fireline.domain.access import AccessRole
from fireline.domain.people import User
from fireline.entrypoints.worker.loop import run_delivery_step, run_step
from fireline.services import people
from fireline.settings import Settings
from tests.channel_receivers import Mailbox, Receiver, http_receiver, smtp_server, twilio_answer
from tests.integration.api.conftest import CHEAP_HASHER, FakeClock

HOOK_SECRET = "a-webhook-secret-of-some-length"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"


@dataclass
class Receivers:
    """Local stand-ins for every service Fireline sends through."""

    smtp_port: int
    mailbox: Mailbox
    slack_url: str
    slack: Receiver
    twilio_url: str
    twilio: Receiver
    hook_url: str
    hook: Receiver

    def channels_yaml(self, timeout: float = 5.0) -> str:
        """A `channels:` section with one channel of each kind, each pointing here."""
        twilio = (
            f"account_sid: {TWILIO_SID}, auth_token: a-twilio-token-of-length, "
            f'from_number: "+15005550006", base_url: "{self.twilio_url}", timeout: {timeout}'
        )
        return (
            "channels:\n"
            f"  - {{kind: email, name: mail, host: 127.0.0.1, port: {self.smtp_port}, "
            f"security: none, from_address: fireline@example.com, timeout: {timeout}}}\n"
            f'  - {{kind: slack, name: slack, webhook_url: "{self.slack_url}", '
            f"timeout: {timeout}}}\n"
            f"  - {{kind: sms, name: texts, {twilio}}}\n"
            f"  - {{kind: voice, name: calls, {twilio}}}\n"
            f'  - {{kind: webhook, name: hooks, url: "{self.hook_url}", secret: {HOOK_SECRET}, '
            f"timeout: {timeout}}}\n"
        )


@contextmanager
def receivers() -> Iterator[Receivers]:
    with ExitStack() as stack:
        port, mailbox = stack.enter_context(smtp_server())
        slack_url, slack = stack.enter_context(http_receiver())
        twilio_url, twilio = stack.enter_context(http_receiver())
        hook_url, hook = stack.enter_context(http_receiver())
        twilio.answer = twilio_answer
        yield Receivers(
            port,
            mailbox,
            slack_url,
            slack,
            twilio_url.removesuffix("/hook"),
            twilio,
            hook_url,
            hook,
        )


def preset_text(name: str) -> str:
    return files("fireline").joinpath("presets", f"{name}.yaml").read_text(encoding="utf-8")


def write_policy(directory: Path, text: str) -> Path:
    path = directory / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def make_context(database_url: str, policy: Path, clock: FakeClock, directory: Path) -> Context:
    settings = Settings(
        data_dir=directory,
        database_url=database_url,
        policy=str(policy),
        secret_key=None,
        log_level="warning",
        migrate_on_start=False,
    )
    return build_context(settings, clock=clock, hasher=CHEAP_HASHER)


def add_user(
    context: Context,
    name: str,
    *,
    phone: str | None = None,
    chat: str | None = None,
    role: AccessRole = AccessRole.RESPONDER,
) -> User:
    user = User(name, f"{name}@example.com", role, phone=phone, chat_handle=chat)
    people.create_user(
        context.database, context.hasher, user, password=None, actor="test", now=context.clock()
    )
    return user


def work(context: Context) -> int:
    """Run worker steps (timers, then every channel's lane) until none finds work; how many
    steps did something."""
    channels = [c.name for c in context.policies.current.channels]
    total = 0
    while True:
        done = 0
        while (fired := run_step(context)) > 0:
            done += fired
        for channel in channels:
            while run_delivery_step(context, channel):
                done += 1
        if not done:
            return total
        total += done
