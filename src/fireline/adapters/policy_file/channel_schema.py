"""The `channels` section: one typed config per channel kind, told apart by `kind`.

Secrets belong in the environment (`password_env`, `secret_env`, `token_env`,
`auth_token_env`, `webhook_url_env`): the normalized policy is stored with every policy
version and printed by `fireline policy show`. Every kind may override the wording of some
messages for itself under `templates` (see `notification_schema.TemplateSpec`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from fireline.adapters.policy_file.fields import SnakeName
from fireline.adapters.policy_file.template_schema import TemplateSpec

_ENV = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ACCOUNT = re.compile(r"^AC[0-9a-fA-F]{32}$")


def _env_name(value: str) -> str:
    if not _ENV.match(value):
        raise PydanticCustomError(
            "channel",
            f"invalid environment variable name {value!r} (allowed: capitals, digits and _, "
            "such as FIRELINE_SMTP_PASSWORD)",
        )
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError(
            "channel",
            f"invalid URL {value!r} (allowed: an http:// or https:// URL with a host, such as "
            "https://hooks.example.com/fireline)",
        )
    return value


def _email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.match(value):
        raise PydanticCustomError(
            "channel", f"invalid email address {value!r} (allowed: name@example.com)"
        )
    return value


def _phone(value: str) -> str:
    if not _PHONE.match(value):
        raise PydanticCustomError(
            "channel",
            f"invalid phone number {value!r} (allowed: E.164, + and 7 to 15 digits, such as "
            "+4915112345678)",
        )
    return value


def _account(value: str) -> str:
    if not _ACCOUNT.match(value):
        raise PydanticCustomError(
            "channel",
            f"invalid Twilio account SID {value!r} (allowed: AC followed by 32 hexadecimal "
            "digits, as the Twilio console shows it)",
        )
    return value


def _one_secret(channel: _Channel, name: str, example: str) -> None:
    """Exactly one of `name` and `{name}_env` must be given."""
    if (getattr(channel, name) is None) == (getattr(channel, f"{name}_env") is None):
        raise PydanticCustomError(
            "channel",
            f"channel {channel.name!r} needs exactly one of {name} and {name}_env "
            f"(allowed: {name}_env naming an environment variable such as {example}, or "
            f"{name})",
        )


EnvName = Annotated[str, AfterValidator(_env_name)]
Phone = Annotated[str, AfterValidator(_phone)]
AccountSid = Annotated[str, AfterValidator(_account)]
Url = Annotated[str, AfterValidator(_url)]
EmailAddress = Annotated[str, AfterValidator(_email)]
Timeout = Annotated[float, Field(gt=0, le=120, allow_inf_nan=False)]


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SnakeName
    templates: dict[str, TemplateSpec] = Field(default_factory=dict)


class EmailChannelSpec(_Channel):
    kind: Literal["email"]
    host: Annotated[str, Field(min_length=1, max_length=253)]
    port: Annotated[StrictInt, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    password: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    password_env: EnvName | None = None
    from_address: EmailAddress
    to: EmailAddress | None = None
    """Where a post to the channel's own room (a `channel:` target) goes: a list address."""
    timeout: Timeout = 10.0

    @model_validator(mode="after")
    def _needs_a_password_with_a_user(self) -> EmailChannelSpec:
        if self.username and not (self.password or self.password_env):
            raise PydanticCustomError(
                "channel",
                f"channel {self.name!r} has a username but no secret (allowed: add "
                "password_env naming an environment variable, or password)",
            )
        return self


class WebhookChannelSpec(_Channel):
    kind: Literal["webhook"]
    url: Url
    secret: Annotated[str, Field(min_length=16, max_length=500)] | None = None
    secret_env: EnvName | None = None
    timeout: Timeout = 10.0

    @model_validator(mode="after")
    def _needs_a_secret(self) -> WebhookChannelSpec:
        if (self.secret is None) == (self.secret_env is None):
            raise PydanticCustomError(
                "channel",
                f"channel {self.name!r} needs exactly one of secret and secret_env (allowed: "
                "secret_env naming an environment variable, or a secret of 16+ characters)",
            )
        return self


class SlackChannelSpec(_Channel):
    """A Slack incoming webhook (`webhook_url`), or the Web API with a bot `token`."""

    kind: Literal["slack"]
    webhook_url: Url | None = None
    webhook_url_env: EnvName | None = None
    token: Annotated[str, Field(min_length=10, max_length=500)] | None = None
    token_env: EnvName | None = None
    api_url: Url = "https://slack.com/api"
    channel: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    """The room a post to the channel itself goes to (API only), such as #support."""
    timeout: Timeout = 10.0

    @model_validator(mode="after")
    def _needs_one_way_in(self) -> SlackChannelSpec:
        ways = [
            self.webhook_url,
            self.webhook_url_env,
            self.token,
            self.token_env,
        ]
        if sum(way is not None for way in ways) != 1:
            raise PydanticCustomError(
                "channel",
                f"channel {self.name!r} needs exactly one of webhook_url, webhook_url_env, "
                "token and token_env (allowed: an incoming webhook's URL, or a bot token for "
                "chat.postMessage, best named by an environment variable)",
            )
        return self


class TeamsChannelSpec(_Channel):
    """A Microsoft Teams Workflows or incoming webhook."""

    kind: Literal["teams"]
    webhook_url: Url | None = None
    webhook_url_env: EnvName | None = None
    timeout: Timeout = 10.0

    @model_validator(mode="after")
    def _needs_a_url(self) -> TeamsChannelSpec:
        _one_secret(self, "webhook_url", "FIRELINE_TEAMS_WEBHOOK_URL")
        return self


class _TwilioSpec(_Channel):
    """SMS and calls through Twilio's REST API (or a gateway that speaks it: `base_url`)."""

    provider: Literal["twilio"] = "twilio"
    account_sid: AccountSid
    auth_token: Annotated[str, Field(min_length=16, max_length=200)] | None = None
    auth_token_env: EnvName | None = None
    from_number: Phone
    base_url: Url = "https://api.twilio.com"
    timeout: Timeout = 10.0

    @model_validator(mode="after")
    def _needs_a_token(self) -> _TwilioSpec:
        _one_secret(self, "auth_token", "FIRELINE_TWILIO_TOKEN")
        return self


class SmsChannelSpec(_TwilioSpec):
    kind: Literal["sms"]


class VoiceChannelSpec(_TwilioSpec):
    kind: Literal["voice"]


class ConsoleChannelSpec(_Channel):
    """Fireline's own inbox: no settings, nothing leaves the machine."""

    kind: Literal["console"]


ChannelSpec = Annotated[
    EmailChannelSpec
    | WebhookChannelSpec
    | SlackChannelSpec
    | TeamsChannelSpec
    | SmsChannelSpec
    | VoiceChannelSpec
    | ConsoleChannelSpec,
    Field(discriminator="kind"),
]
