"""`CatalogStore`: the installation-wide records of a transaction.

The service catalog, policy versions, idempotency keys and the instance secret; `SqlStore`
adds the incidents on top. Writes that can meet a taken key use ON CONFLICT rather than a
failing INSERT in a savepoint: the same guarantee (the transaction stays usable; on
PostgreSQL a concurrent insert of the key is waited for), in one statement, without an
error to recover from.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from fireline.adapters.db.tables import idempotency_keys, instance, policy_versions, services
from fireline.domain.policy import Service
from fireline.services.ports import CatalogEntry, DuplicateKey, IdempotencyRecord, PolicyRecord

_SECRET_KEY = "instance_secret"


# Built once: an expanding IN parameter keeps the compiled statement cacheable whatever
# the number of names (declaring an incident runs it every time).
_SERVICE_TIERS = select(services.c.name, services.c.criticality).where(
    services.c.name.in_(bindparam("names", expanding=True))
)


class CatalogStore:
    """Reads and writes of one transaction on `connection`, outside any one incident."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._dialect = connection.dialect.name

    # -- service catalog -------------------------------------------------------------

    def service_tiers(self, names: Sequence[str]) -> dict[str, str]:
        if not names:
            return {}
        rows = self._connection.execute(_SERVICE_TIERS, {"names": list(names)})
        return {row[0]: row[1] for row in rows}

    def list_services(self) -> list[CatalogEntry]:
        stmt = select(services).order_by(services.c.name)
        return [_catalog_entry(row) for row in self._connection.execute(stmt)]

    def get_service(self, name: str) -> CatalogEntry | None:
        row = self._connection.execute(select(services).where(services.c.name == name)).first()
        return None if row is None else _catalog_entry(row)

    def add_service(self, entry: CatalogEntry) -> None:
        """Raises DuplicateKey when the name is taken; the transaction stays usable.

        ON CONFLICT DO NOTHING gives the same guarantee a savepoint around a failing INSERT
        would (on PostgreSQL it waits for a concurrent insert of the name to settle), in one
        statement and without an error to recover from.
        """
        stmt = (
            self._insert(services)
            .values(_service_row(entry))
            .on_conflict_do_nothing(index_elements=[services.c.name])
            .returning(services.c.name)
        )
        if self._connection.execute(stmt).first() is None:
            raise DuplicateKey(f"a service named {entry.service.name!r} already exists")

    def save_service(self, entry: CatalogEntry) -> None:
        """Insert or overwrite the service of that name."""
        row = _service_row(entry)
        stmt = self._insert(services).values(row)
        stmt = stmt.on_conflict_do_update(index_elements=[services.c.name], set_=row)
        self._connection.execute(stmt)

    # -- policy versions -------------------------------------------------------------

    def record_policy(self, name: str, digest: str, document: str, now: datetime) -> int:
        """The version recorded for `digest`, recording a new version if it was never seen.

        Digests are unique: returning to an earlier document reuses its earlier version
        (the document is byte-for-byte the same, so its meaning is too). The unique index
        also makes two processes starting at once agree on one version.
        """
        p = policy_versions.c
        find = select(p.version).where(p.digest == digest)
        version = self._connection.execute(find).scalar()
        if version is None:
            stmt = (
                self._insert(policy_versions)
                .values(name=name, digest=digest, document=document, recorded_at=now)
                .on_conflict_do_nothing(index_elements=[p.digest])
                .returning(p.version)
            )
            version = self._connection.execute(stmt).scalar()
            if version is None:  # another transaction recorded it meanwhile
                version = self._connection.execute(find).scalar_one()
        return int(version)

    def get_policy(self, version: int) -> PolicyRecord | None:
        p = policy_versions.c
        stmt = select(p.version, p.name, p.digest, p.document, p.recorded_at).where(
            p.version == version
        )
        row = self._connection.execute(stmt).first()
        return None if row is None else PolicyRecord(*row)

    # -- idempotency keys ------------------------------------------------------------

    def find_idempotency_key(self, key: str) -> IdempotencyRecord | None:
        k = idempotency_keys.c
        stmt = select(k.key, k.request_hash, k.incident_id, k.created_at).where(k.key == key)
        row = self._connection.execute(stmt).first()
        return None if row is None else IdempotencyRecord(*row)

    def remember_idempotency_key(
        self, record: IdempotencyRecord, *, expired_before: datetime
    ) -> None:
        """Store the key, replacing an expired record; DuplicateKey when a live one holds it.

        One conditional upsert: it inserts, or overwrites a record created before
        `expired_before`, or touches nothing (no row returned) when the record is live. On
        PostgreSQL it waits for a concurrent transaction holding the key and then sees its
        committed record, so exactly one of two concurrent requests wins.
        """
        k = idempotency_keys.c
        stmt = self._insert(idempotency_keys).values(
            key=record.key,
            request_hash=record.request_hash,
            incident_id=record.incident_id,
            created_at=record.created_at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[k.key],
            set_={
                "request_hash": stmt.excluded.request_hash,
                "incident_id": stmt.excluded.incident_id,
                "created_at": stmt.excluded.created_at,
            },
            where=k.created_at < expired_before,
        ).returning(k.key)
        if self._connection.execute(stmt).first() is None:
            raise DuplicateKey(f"idempotency key {record.key!r} is in use")

    # -- instance --------------------------------------------------------------------

    def instance_secret(self) -> bytes:
        """32 random bytes made by whichever process asks first; the same ever after."""
        find = select(instance.c.value).where(instance.c.key == _SECRET_KEY)
        value = self._connection.execute(find).scalar()
        if value is None:
            stmt = (
                self._insert(instance)
                .values(key=_SECRET_KEY, value=secrets.token_bytes(32).hex())
                .on_conflict_do_nothing(index_elements=[instance.c.key])
            )
            self._connection.execute(stmt)
            value = self._connection.execute(find).scalar_one()
        return bytes.fromhex(value)

    # -- rows ------------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        """An INSERT with the dialect's ON CONFLICT support (same API on both)."""
        module = postgresql if self._dialect == "postgresql" else sqlite
        return module.insert(table)


def _service_row(entry: CatalogEntry) -> dict[str, Any]:
    s = entry.service
    return {
        "name": s.name,
        "criticality": s.criticality,
        "team": s.team,
        "customer_facing": s.is_customer_facing,
        "description": s.description,
        "is_from_policy": entry.is_from_policy,
    }


def _catalog_entry(row: Row[Any]) -> CatalogEntry:
    service = Service(
        name=row.name,
        criticality=row.criticality,
        team=row.team,
        is_customer_facing=row.customer_facing,
        description=row.description,
    )
    return CatalogEntry(service=service, is_from_policy=row.is_from_policy)
