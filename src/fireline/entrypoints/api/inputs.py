"""Field types of request bodies whose rules pydantic would otherwise bend, so that the
OpenAPI document says exactly what the server takes.

- `Instant`: a timestamp as ISO 8601 text with a time zone. Pydantic alone also takes a
  number, or a numeric string, as seconds since 1970; the API promises ISO 8601 only.
- `Omittable[X]`: a field of a change (PATCH) that may be left out but not be `null`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

_ISO_8601 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_8601_text(value: object) -> object:
    """Only text that starts with a date and a time reaches pydantic's datetime parsing."""
    if isinstance(value, str) and _ISO_8601.match(value):
        return value
    raise PydanticCustomError(
        "iso_8601", "must be an ISO 8601 time with a time zone, such as 2026-11-25T10:00:00Z"
    )


def _in_utc(value: datetime) -> datetime:
    """An aware datetime moved to UTC; a ValueError when UTC cannot hold it (year 1 or 9999)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_8601_text),
    AfterValidator(_in_utc),
    Field(description="ISO 8601 with a time zone (2026-11-25T10:00:00Z); read as UTC"),
]
"""A timestamp in a request: ISO 8601 text with a time zone, never a number."""


def _refuse_null(value: object) -> object:
    if value is None:
        raise PydanticCustomError("null", "cannot be null")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    options = [option for option in schema.pop("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    schema.pop("default", None)


T = TypeVar("T")
Omittable = Annotated[
    T | None, BeforeValidator(_refuse_null), Field(json_schema_extra=_not_nullable)
]
"""A field of a change (PATCH) that may be left out, keeping its value, but not be `null`:
the field is None when left out, and the document shows it without null and without a
default. A field that `null` clears is typed `X | None` as usual."""
