"""Pydantic's validation errors, reworded for someone editing a YAML file.

Each error becomes an `Issue` at the error's location that names the bad value and what is
allowed: an unknown key lists the keys that are allowed there (and the likeliest one meant).
"""

from __future__ import annotations

import difflib
import reprlib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fireline.adapters.policy_file.checks import Issue
from fireline.adapters.policy_file.lines import LineIndex, Loc
from fireline.adapters.policy_file.schema import PolicySpec

_OWN_TYPES = {
    "schema_version",
    "snake_case",
    "reserved_calendar",
    "service_name",
    "priority_name",
    "time_zone",
    "duration",
    "working_hours",
    "holiday_country",
    "target",
    "local_time",
    "channel",
}
_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "date_type": "a date such as 2026-12-25",
    "date_parsing": "a date such as 2026-12-25",
    "date_from_datetime_parsing": "a date such as 2026-12-25",
    "date_from_datetime_inexact": "a date without a time, such as 2026-12-25",
}


SECRET_KEYS = frozenset({"password", "secret", "token", "auth_token", "webhook_url"})
"""Channel keys whose values a problem never repeats (they are secrets)."""


MAX_PROBLEMS = 20
"""Problems worded per load, at most; the rest are counted. A file with thousands of the same
mistake is one mistake to fix, and wording each (with its "did you mean") costs seconds."""


def describe_validation_error(error: ValidationError, index: LineIndex) -> list[Issue]:
    """One `Issue` per pydantic error, for the first MAX_PROBLEMS of them, and one that counts
    the rest. With a line index, paths stop at what the file contains (a target written as
    text reports at the target, not at its implied ``within``)."""
    issues = []
    details = error.errors(include_url=False)
    for detail in details[:MAX_PROBLEMS]:
        full: Loc = tuple(detail["loc"])
        loc = _without_tags(full)
        if index.lines and detail["type"] != "missing":
            loc = index.known_prefix(loc) or loc
        value = None if detail["type"] == "missing" else detail["input"]
        if full and full[-1] in SECRET_KEYS:
            value = None
            detail = {**detail, "input": "(hidden)"}
        issues.append(Issue(loc, value, _message(detail, full)))
    if len(details) > MAX_PROBLEMS:
        issues.append(more_problems(len(details) - MAX_PROBLEMS))
    return issues


def more_problems(count: int) -> Issue:
    """The line that stands for `count` problems not worded one by one."""
    return Issue((), None, f"{count} more problems are not shown: fix these and check again")


def _without_tags(loc: Loc) -> Loc:
    """The path as the file has it: pydantic puts a channel's `kind` into the path of a
    problem inside it (``channels.0.email.port``), which the file does not have."""
    if len(loc) > 2 and loc[0] == "channels" and isinstance(loc[1], int):
        return (*loc[:2], *loc[3:])
    return loc


def show(value: object) -> str:
    """`value` as it might be written, shortened so that one problem stays one line.

    Only what is shown is formatted: a long text is cut before it is quoted, a list or
    mapping shows its first few entries, three levels deep (formatting the whole value
    first would walk everything it holds, however large)."""
    text = _SHORT.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 80
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = _SHORT.maxfrozenset = 6


def _message(detail: ErrorDetails, loc: Loc) -> str:
    kind = detail["type"]
    value = detail["input"]
    context: dict[str, Any] = dict(detail.get("ctx") or {})
    if kind in _OWN_TYPES:
        return detail["msg"]
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "missing":
        return f"required key {loc[-1]!r} is missing (add it; docs/policy.md describes every key)"
    if kind in _EXPECTED:
        return f"invalid value {show(value)} (allowed: {_EXPECTED[kind]})"
    if kind == "literal_error":
        return f"invalid value {show(value)} (allowed: {context.get('expected', '')})"
    if kind in ("too_short", "too_long"):
        bound = "min_length" if kind == "too_short" else "max_length"
        limit = context.get(bound)
        side = "at least" if kind == "too_short" else "at most"
        return f"has {context.get('actual_length')} entries (allowed: {side} {limit})"
    if kind in ("string_too_short", "string_too_long"):
        side, limit = (
            ("at least", context.get("min_length"))
            if kind == "string_too_short"
            else ("at most", context.get("max_length"))
        )
        return f"invalid text {show(value)} (allowed: {side} {limit} characters)"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"invalid value {show(value)} (allowed: {_range(loc)})"
    if kind == "union_tag_invalid":
        return (
            f"unknown {str(context.get('discriminator', 'kind')).strip(chr(39))} "
            f"{context.get('tag')!r} (allowed: {context.get('expected_tags', '')!s})"
        )
    reason = detail["msg"]
    return f"invalid value {show(value)} ({reason[:1].lower()}{reason[1:]})"


_RANGES = {
    "repeat": "a whole number from 1 to 10",
    "port": "a whole number from 1 to 65535",
    "timeout": "a number of seconds above 0, at most 120",
}


def _range(loc: Loc) -> str:
    if loc == ("at_risk_share",):
        return "a number between 0 and 1, both excluded, such as 0.75 for 75 %"
    if loc and loc[-1] == "level" and loc[0] == "support_tiers":
        return "a whole number from 1 to 4"
    if loc and loc[-1] in _RANGES:
        return _RANGES[str(loc[-1])]
    return "a whole number from 1 to 9"


def _unknown_key(loc: Loc) -> str:
    key = str(loc[-1])
    allowed = _allowed_keys(loc[:-1])
    guess = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return f"unknown key {key!r}{hint} (allowed: {', '.join(allowed)})"


def _allowed_keys(loc: Loc) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model is not None else []


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The schema model that describes the mapping at `loc`, if the path leads to one
    (through a channel's kind, which pydantic puts in the path)."""
    current: Any = PolicySpec
    for part in loc:
        current = _without_none(current)
        if get_origin(current) is Annotated:
            current = get_args(current)[0]
        tagged = _member_tagged(current, part)
        if tagged is not None:
            current = tagged
        elif _is_model(current):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is list and isinstance(part, int):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _without_none(current)
    return current if _is_model(current) else None


def _member_tagged(annotation: Any, tag: object) -> type[BaseModel] | None:
    """The model of a union of models whose `kind` is the literal `tag`."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return None
    for member in get_args(annotation):
        field = member.model_fields.get("kind") if _is_model(member) else None
        if field is not None and tag in get_args(field.annotation):
            found: type[BaseModel] = member
            return found
    return None


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        return options[0] if len(options) == 1 else annotation
    return annotation
