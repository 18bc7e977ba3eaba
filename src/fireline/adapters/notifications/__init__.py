"""Notification channels: one module per kind, one class with one `send()` each.

`channel_for(config)` is the registry: it maps a kind to its class and imports the module
only when a channel of that kind is used. Adding a channel takes a module, a line here, a
typed config in the policy file schema and a test file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import import_module

from fireline.adapters.notifications.base import Channel, DeliveryFailed
from fireline.domain.messages import ChannelConfig, Message

KINDS = {
    "email": "fireline.adapters.notifications.email:EmailChannel",
    "webhook": "fireline.adapters.notifications.webhook:WebhookChannel",
    "slack": "fireline.adapters.notifications.slack:SlackChannel",
    "teams": "fireline.adapters.notifications.teams:TeamsChannel",
    "sms": "fireline.adapters.notifications.sms:SmsChannel",
    "voice": "fireline.adapters.notifications.voice:VoiceChannel",
    "console": "fireline.adapters.notifications.console:ConsoleChannel",
}


def channel_for(config: ChannelConfig) -> Channel:
    """The channel object for `config`; KeyError for a kind no module implements."""
    module_name, class_name = KINDS[config.kind].split(":")
    channel: Channel = getattr(import_module(module_name), class_name)(config)
    return channel


def unset_secrets(channels: Sequence[ChannelConfig], env: Mapping[str, str]) -> list[str]:
    """ "slack: FIRELINE_SLACK_WEBHOOK is not set" for each secret variable a channel names
    that `env` lacks: every message through that channel would fail until it is set."""
    return [
        f"{config.name}: {variable} is not set"
        for config in channels
        for key, variable in config.settings.items()
        if key.endswith("_env") and variable and not env.get(str(variable))
    ]


def send_message(config: ChannelConfig, message: Message, to: str) -> str:
    """Send `message` to `to` through the channel `config` describes; its receipt. Raises
    DeliveryFailed (see `base`)."""
    return channel_for(config).send(message, to)


__all__ = ["KINDS", "Channel", "DeliveryFailed", "channel_for", "send_message", "unset_secrets"]
