"""Loading a policy: from a file, from text, or from a stored normalized document.

All three paths meet in `_validate`: the schema checks each value, `checks` relates them,
`build` turns them into the domain `Policy` and the normalized document, and the digest of
that document identifies the policy's content (two files that mean the same thing, spelled
``15 minutes`` or ``15m``, have the same digest).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fireline.adapters.policy_file.build import build_document, build_policy
from fireline.adapters.policy_file.checks import Issue, find_problems
from fireline.adapters.policy_file.errors import PolicyFileError, PolicyProblem
from fireline.adapters.policy_file.escalation_checks import find_escalation_problems
from fireline.adapters.policy_file.lines import DocumentTooLarge, LineIndex, Loc, parse_yaml
from fireline.adapters.policy_file.messages import (
    MAX_PROBLEMS,
    describe_validation_error,
    more_problems,
)
from fireline.adapters.policy_file.notification_checks import (
    find_notification_notes,
    find_notification_problems,
)
from fireline.adapters.policy_file.schedule_checks import (
    find_schedule_notes,
    find_schedule_problems,
)
from fireline.adapters.policy_file.schema import PolicySpec
from fireline.domain.policy import Policy

MAX_FILE_BYTES = 256_000
"""A policy is a few hundred lines; anything far larger is a mistake (or an attack)."""


@dataclass(frozen=True)
class LoadedPolicy:
    """A valid policy, the normalized document it came from and that document's digest.

    `document` is JSON-serialisable and `parse_document(document)` gives an equal policy;
    `digest` is the sha256 hex of its canonical JSON (sorted keys, no spaces).
    """

    policy: Policy
    document: dict[str, Any]
    digest: str
    notes: tuple[PolicyProblem, ...] = ()
    """What would reach nobody as the policy stands (not problems: see
    `notification_checks`); `policy check` prints them."""


def load_policy_file(path: str | Path) -> LoadedPolicy:
    """Load the policy file at `path`. Raises PolicyFileError for any problem, reading included."""
    source = str(path)
    try:
        # At most one byte more than allowed: a device (/dev/zero), a pipe or a huge file is
        # refused without being read whole.
        with Path(path).open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _single(source, "cannot read the policy file: it does not exist") from None
    except IsADirectoryError:
        raise _single(source, "cannot read the policy file: it is a directory") from None
    except OSError as error:
        raise _single(source, f"cannot read the policy file: {error.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _single(
            source,
            f"the file is larger than {MAX_FILE_BYTES} bytes (a policy is a few hundred lines)",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _single(source, "the file is not UTF-8 text") from None
    return load_policy_text(text, source)


def load_policy_text(text: str, source: str = "<policy>") -> LoadedPolicy:
    """Load a policy from YAML `text`; `source` names it in problems. Raises PolicyFileError."""
    try:
        parsed = parse_yaml(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or "unreadable YAML"
        if error.context and error.context_mark is not None:
            reason += f" ({error.context} that starts on line {error.context_mark.line + 1})"
        elif error.context:
            reason += f" ({error.context})"
        if not isinstance(error, DocumentTooLarge):
            reason = f"invalid YAML: {reason}"
        raise PolicyFileError([PolicyProblem(source, line, "", None, reason)]) from None
    except yaml.YAMLError as error:
        raise _single(source, f"invalid YAML: {error}") from None
    except RecursionError:
        raise _single(source, "invalid YAML: lists or mappings nested too deeply") from None
    if parsed.data is None:
        raise _single(source, "the file is empty (a policy starts with 'fireline_policy: 1')")
    if not isinstance(parsed.data, dict):
        raise PolicyFileError(
            [
                PolicyProblem(
                    source,
                    parsed.index.line_of(()),
                    "",
                    type(parsed.data).__name__,
                    "the top level must be a mapping of keys to values, "
                    "starting with 'fireline_policy: 1'",
                )
            ]
        )
    duplicates = [
        Issue(
            duplicate.path,
            duplicate.path[-1],
            f"duplicate key {duplicate.path[-1]!r} (allowed: each key once per mapping)",
        )
        for duplicate in parsed.duplicates
    ]
    lines = {duplicate.path: duplicate.line for duplicate in parsed.duplicates}
    return _validate(parsed.data, source, parsed.index, duplicates, lines)


def parse_document(document: Mapping[str, Any], source: str = "<stored policy>") -> LoadedPolicy:
    """Load a policy from its document form (a stored version). Raises PolicyFileError."""
    if not isinstance(document, Mapping):
        raise _single(source, "the policy document must be a mapping of keys to values")
    return _validate(dict(document), source, LineIndex(), [], {})


def canonical_json(document: Mapping[str, Any]) -> str:
    """The one JSON spelling of `document` that its digest is taken over."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _validate(
    data: dict[Any, Any],
    source: str,
    index: LineIndex,
    issues: list[Issue],
    fixed_lines: dict[Loc, int],
) -> LoadedPolicy:
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as error:
        # Cross-references need a whole valid spec: report these first, the rest after a fix.
        raise _error(
            source, index, [*issues, *describe_validation_error(error, index)], fixed_lines
        ) from None
    issues = [
        *issues,
        *find_problems(spec),
        *find_escalation_problems(spec),
        *find_schedule_problems(spec),
        *find_notification_problems(spec),
    ]
    if issues:
        raise _error(source, index, issues, fixed_lines)
    document = build_document(spec)
    digest = hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
    notes = _error(
        source, index, [*find_schedule_notes(spec), *find_notification_notes(spec)], fixed_lines
    ).problems
    return LoadedPolicy(build_policy(spec), document, digest, tuple(notes))


def _error(
    source: str, index: LineIndex, issues: list[Issue], fixed_lines: dict[Loc, int]
) -> PolicyFileError:
    if len(issues) > MAX_PROBLEMS + 1:
        issues = [*issues[:MAX_PROBLEMS], more_problems(len(issues) - MAX_PROBLEMS)]
    return PolicyFileError(
        PolicyProblem(
            source=source,
            line=fixed_lines.get(issue.loc) or index.line_of(issue.loc),
            key=format_key(issue.loc),
            value=issue.value,
            message=issue.message,
        )
        for issue in issues
    )


def format_key(loc: Loc) -> str:
    """A path as written in messages: ``severities[0].response``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _single(source: str, message: str) -> PolicyFileError:
    return PolicyFileError([PolicyProblem(source, None, "", None, message)])
