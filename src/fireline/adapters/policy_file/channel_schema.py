"""The `channels` section: one typed config per channel kind, told apart by `kind`.

Secrets belong in the environment (`password_env`, `secret_env`): the normalized policy is
stored with every policy version and printed by `fireline policy show`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from fireline.adapters.policy_file.fields import SnakeName

_ENV = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


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


EnvName = Annotated[str, AfterValidator(_env_name)]
Url = Annotated[str, AfterValidator(_url)]
EmailAddress = Annotated[str, AfterValidator(_email)]
Timeout = Annotated[float, Field(gt=0, le=120, allow_inf_nan=False)]


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailChannelSpec(_Channel):
    kind: Literal["email"]
    name: SnakeName
    host: Annotated[str, Field(min_length=1, max_length=253)]
    port: Annotated[StrictInt, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    password: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    password_env: EnvName | None = None
    from_address: EmailAddress
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
    name: SnakeName
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


ChannelSpec = Annotated[EmailChannelSpec | WebhookChannelSpec, Field(discriminator="kind")]
