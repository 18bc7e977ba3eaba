"""Incident rows back into `Incident`s (the one mapping every read shares)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fireline.adapters.db.tables import INCIDENT_FIELDS
from fireline.domain.incident import Incident
from fireline.domain.lifecycle import Status


def incident_from_row(row: Sequence[Any]) -> Incident:
    values: dict[str, Any] = dict(zip(INCIDENT_FIELDS, row, strict=True))
    values["services"] = tuple(json.loads(values["services"]))
    values["links"] = tuple(json.loads(values["links"]))
    values["labels"] = tuple(json.loads(values["labels"]))
    values["status"] = Status(values["status"])
    if values["resume_status"] is not None:
        values["resume_status"] = Status(values["resume_status"])
    return Incident(**values)
