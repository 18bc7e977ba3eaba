"""Settings from the environment, typed and checked once at start-up.

Every variable is listed in `.env.example`. A bad value raises `SettingsError` whose message
is one line naming the variable and what is allowed; entry points print it and exit 2.
Secrets may come from a file: `FIRELINE_SECRET_KEY_FILE=/run/secrets/key` instead of the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOG_LEVELS = ("debug", "info", "warning", "error")


class SettingsError(Exception):
    """A variable has a value Fireline cannot use; the message names it and what is allowed."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    policy: str
    """A policy file path or a preset name."""
    secret_key: str | None
    log_level: str
    migrate_on_start: bool
    request_threads: int = 8
    """Requests whose database work may run at once, per server process."""
    secure_cookies: bool | None = None
    """Mark cookies Secure: always (True), never (False), or on HTTPS requests (None)."""
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach this Fireline: links in messages point here."""
    worker_stale_after: int = 20
    """Seconds without a worker's heartbeat after which `/healthz` answers 503."""


def default_data_dir(env: Mapping[str, str]) -> Path:
    """`$XDG_DATA_HOME/fireline`, else `~/.local/share/fireline`."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fireline"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raises SettingsError on the first bad one."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("FIRELINE_DATA_DIR") or default_data_dir(env)).expanduser()
    database_url = env.get("FIRELINE_DATABASE_URL") or f"sqlite:///{data_dir / 'fireline.db'}"
    if not database_url.startswith(("sqlite:///", "postgresql+psycopg://", "postgresql://")):
        raise SettingsError(
            f"FIRELINE_DATABASE_URL={database_url!r} is not supported; allowed: "
            "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB"
        )
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the only PostgreSQL driver we ship; name it so SQLAlchemy picks it.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    log_level = (env.get("FIRELINE_LOG_LEVEL") or "info").lower()
    if log_level not in LOG_LEVELS:
        raise SettingsError(
            f"FIRELINE_LOG_LEVEL={log_level!r} is not allowed; allowed: {', '.join(LOG_LEVELS)}"
        )
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        policy=env.get("FIRELINE_POLICY") or "default",
        secret_key=_secret(env, "FIRELINE_SECRET_KEY"),
        log_level=log_level,
        migrate_on_start=_boolean(env, "FIRELINE_MIGRATE_ON_START", default=True),
        request_threads=_integer(env, "FIRELINE_REQUEST_THREADS", default=8, low=1, high=256),
        secure_cookies=(
            _boolean(env, "FIRELINE_SECURE_COOKIES", default=False)
            if env.get("FIRELINE_SECURE_COOKIES")
            else None
        ),
        public_url=_public_url(env),
        # At least two beats (one every 5 s): one late beat must not look like a dead worker.
        worker_stale_after=_integer(
            env, "FIRELINE_WORKER_STALE_AFTER", default=20, low=10, high=86_400
        ),
    )


def _public_url(env: Mapping[str, str]) -> str:
    raw = env.get("FIRELINE_PUBLIC_URL") or "http://127.0.0.1:8000"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise SettingsError(
            f"FIRELINE_PUBLIC_URL={raw!r} is not allowed; allowed: an http:// or https:// URL "
            "with a host and no query, such as https://fireline.example.com"
        )
    return raw.rstrip("/")


def _integer(env: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise SettingsError(f"{name}={raw!r} is not allowed; allowed: a whole number {low}-{high}")
    return int(text)


def _boolean(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not allowed; allowed: true, false, 1, 0, yes, no")


def _secret(env: Mapping[str, str], name: str) -> str | None:
    path = env.get(f"{name}_FILE")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SettingsError(
                f"{name}_FILE={path!r} cannot be read ({error.strerror}); "
                "allowed: a readable file holding the secret"
            ) from None
    else:
        value = env.get(name, "")
    if value and len(value) < 32:
        raise SettingsError(f"{name} is too short; allowed: at least 32 characters")
    return value or None
