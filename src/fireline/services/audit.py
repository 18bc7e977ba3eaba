"""Reading the audit log (entries are written by the use cases that act)."""

from __future__ import annotations

from fireline.services.access_ports import AuditQuery, RecordedAudit
from fireline.services.ports import Database


def list_audit(database: Database, query: AuditQuery) -> list[RecordedAudit]:
    with database.transaction(write=False) as store:
        return store.list_audit(query)
