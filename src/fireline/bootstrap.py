"""Wiring: turn settings into the objects every entry point shares.

This is the one place that knows which adapter implements which port.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fireline.adapters.db import SqlDatabase, Upgrade, create_database_engine, upgrade_database
from fireline.adapters.db.files import create_private_folder, exposed_files, sqlite_file
from fireline.adapters.notifications import send_message
from fireline.adapters.notifications.templates import render_message
from fireline.adapters.passwords import Argon2Hasher
from fireline.adapters.policy_file import (
    LoadedPolicy,
    load_policy_file,
    load_preset,
    parse_document,
)
from fireline.domain.policy import Policy
from fireline.services.access_ports import PasswordHasher
from fireline.services.catalog import sync_policy_services
from fireline.services.delivery_ports import Send
from fireline.services.notifications import Wording
from fireline.services.policies import PolicyBook
from fireline.settings import Settings

Clock = Callable[[], datetime]
log = logging.getLogger("fireline.storage")


def system_clock() -> datetime:
    """Now, in UTC: the clock of every running process (tests pass their own)."""
    return datetime.now(UTC)


@dataclass
class Context:
    """What a running Fireline process needs: its database, its policies, a clock, and the
    means to word and send messages."""

    settings: Settings
    database: SqlDatabase
    policies: PolicyBook
    loaded_policy: LoadedPolicy
    secret: bytes
    """Signs cursors and CSRF tokens; FIRELINE_SECRET_KEY, else a random one kept in the
    database."""
    clock: Clock
    hasher: PasswordHasher
    wording: Wording
    """Words messages from the policy's templates (Jinja2 in a sandbox)."""
    send: Send
    """Sends a message through a channel (one module per kind)."""


def load_configured_policy(reference: str) -> LoadedPolicy:
    """Load `FIRELINE_POLICY`: a path to a YAML file, or else the name of a preset."""
    if reference.endswith((".yaml", ".yml")) or Path(reference).is_file():
        return load_policy_file(reference)
    return load_preset(reference)


def prepare_storage(settings: Settings) -> Upgrade:
    """Create the data folder for SQLite and migrate the schema to the newest version; says
    what the migration did.

    What Fireline creates is private (folder 0700, files 0600: `adapters/db/files.py`); an
    existing database file that others may read is left as it is, with a warning.
    """
    database = sqlite_file(settings.database_url)
    if database is not None:
        create_private_folder(database.parent)
        for path, mode in exposed_files(database):
            log.warning(
                "%s is open to other users of this machine (mode %s), and it holds password "
                "hashes, token digests and the instance secret; make it private with "
                "`chmod 600 %s`",
                path,
                f"{mode:04o}",
                path,
            )
    return upgrade_database(settings.database_url)


def build_context(
    settings: Settings, *, clock: Clock = system_clock, hasher: PasswordHasher | None = None
) -> Context:
    """Open the database, record the configured policy as a version and sync its services.

    The schema must already be migrated (see `prepare_storage`).
    """
    loaded = load_configured_policy(settings.policy)
    database = SqlDatabase(create_database_engine(settings.database_url))
    with database.transaction() as store:
        version = store.record_policy(
            loaded.policy.name, loaded.digest, json.dumps(loaded.document), clock()
        )
        secret = settings.secret_key.encode() if settings.secret_key else store.instance_secret()

    def load_version(number: int) -> Policy:
        # Read-only: use cases call this inside their own write transaction, and on SQLite
        # a second writer in the same thread would wait for itself.
        with database.transaction(write=False) as store:
            record = store.get_policy(number)
        if record is None:
            raise KeyError(number)
        return parse_document(json.loads(record.document), source=f"policy version {number}").policy

    policies = PolicyBook(version, loaded.policy, load_version)
    sync_policy_services(database, loaded.policy)
    return Context(
        settings=settings,
        database=database,
        policies=policies,
        loaded_policy=loaded,
        secret=secret,
        clock=clock,
        hasher=hasher or Argon2Hasher(),
        wording=Wording(render_message, settings.public_url),
        send=send_message,
    )
