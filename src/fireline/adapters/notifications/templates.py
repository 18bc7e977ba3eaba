"""Message templates: Jinja2 in a sandbox, checked before use, rendered for each channel.

Templates come from policy files, so they run in a sandbox (`sandbox`): they see only the
variables of `fireline.domain.templating` (plain values), may not touch attributes such as
``__class__``, change what they are given, loop over anything but the incident's services,
or build huge strings. An unknown variable or field is an error (``StrictUndefined``), never
an empty string.

`check_template` is what `policy check` runs on every template: syntax, unknown variables,
a sample render (which is where the sandbox refuses), and for Slack blocks, valid JSON.
`render_message` picks each part from the channel's templates, then the policy's, then
Fireline's wording (`wording.DEFAULT_TEMPLATES`).
"""

from __future__ import annotations

import json
import logging
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError

from fireline.adapters.notifications.render_budget import RenderRefused
from fireline.adapters.notifications.sandbox import ENVIRONMENT, compile_bounded, render_capped
from fireline.adapters.notifications.template_rules import template_rule_problem
from fireline.adapters.notifications.wording import DEFAULT_TEMPLATES
from fireline.domain.messages import ChannelConfig, Message
from fireline.domain.notifications import TemplateText
from fireline.domain.templating import SAMPLE, VARIABLES

log = logging.getLogger("fireline.templates")

MAX_PART = 20_000
"""Characters a rendered part may have (an SMS is 1,600 at most, an email a page or two)."""


@dataclass(frozen=True)
class TemplateProblem:
    """What is wrong with one template part; `line` is within the template (1-based)."""

    line: int | None
    message: str


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Template:
    return compile_bounded(source)


def check_template(part: str, source: str) -> TemplateProblem | None:
    """The first problem of a template `part` (subject, text, short, markdown or blocks)
    with `source`, or None when it compiles, asks only for known variables and renders
    the sample without leaving the sandbox."""
    try:
        parsed = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        return TemplateProblem(error.lineno, f"syntax error: {error.message}")
    except RecursionError:
        return TemplateProblem(None, "syntax error: nested too deeply")
    except ValueError:  # Python reads at most 4,300 digits of a number
        return TemplateProblem(None, "syntax error: a number with too many digits")
    broken = template_rule_problem(parsed)
    if broken is not None:
        return TemplateProblem(broken[0], f"{broken[1]} (see docs/policy.md, templates)")
    try:
        _compiled(source)  # unknown filters and tests are found when compiling
    except TemplateSyntaxError as error:
        return TemplateProblem(error.lineno, f"syntax error: {error.message}")
    except (RecursionError, SyntaxError):  # Python's own limits on the compiled code
        return TemplateProblem(None, "cannot be compiled: nested too deeply")
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(VARIABLES))
    if unknown:
        line = next((n.lineno for n in parsed.find_all(nodes.Name) if n.name == unknown[0]), None)
        return TemplateProblem(
            line, f"unknown variable {unknown[0]!r} (allowed: {', '.join(VARIABLES)})"
        )
    field = _unknown_field(parsed)
    if field is not None:
        return field
    try:
        rendered = render_capped(_compiled(source), SAMPLE, MAX_PART)
    except RenderRefused as error:
        return TemplateProblem(
            _template_line(error),
            f"costs too much to render: {error} (see docs/policy.md, templates)",
        )
    except SecurityError as error:
        return TemplateProblem(
            _template_line(error),
            f"reaches outside the sandbox: {error} (allowed: the variables and their fields)",
        )
    except TemplateError as error:
        return TemplateProblem(_template_line(error), f"fails on the sample incident: {error}")
    except Exception as error:  # a template can raise anything Python can (1/0, …)
        return TemplateProblem(
            _template_line(error), f"fails on the sample incident: {type(error).__name__}: {error}"
        )
    if part == "blocks":
        return _blocks_problem(rendered)
    return None


def _unknown_field(parsed: nodes.Template) -> TemplateProblem | None:
    """A field of a variable that it does not have (``incident.titel``), by its line."""
    for node in parsed.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue  # find_all's type does not say so
        if not isinstance(node.node, nodes.Name):
            continue
        fields = SAMPLE.get(node.node.name)
        if not isinstance(fields, dict):
            continue
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        elif isinstance(node.arg, nodes.Const):
            name = node.arg.value
        else:
            continue
        # Dunder names are the sandbox's to refuse, in its own words.
        if isinstance(name, str) and name not in fields and not name.startswith("_"):
            allowed = ", ".join(fields)
            return TemplateProblem(
                node.lineno,
                f"unknown field {name!r} of {node.node.name} (allowed: {allowed})",
            )
    return None


def render_message(
    template: str,
    *,
    policy_templates: Mapping[str, TemplateText],
    channel: ChannelConfig | None,
    variables: Mapping[str, object],
    key: str,
    incident_id: str | None,
) -> Message:
    """The message `template` (initial, page, …) words for `channel`, with its parts from
    the channel's templates, the policy's, or Fireline's. A part that fails at run time
    (checked templates should not) falls back to Fireline's wording and is logged."""
    levels = [
        channel.templates.get(template) if channel else None,
        policy_templates.get(template),
        DEFAULT_TEMPLATES[template],
    ]
    if channel is not None and channel.kind == "slack":
        # Slack reads every text as mrkdwn: an incident titled "<!channel> …" would ping the
        # room, "<https://evil|ok>" would hide a link. The template's own markup stays.
        variables = escaped_for_slack(variables)
    parts: dict[str, str | None] = {}
    for part in ("subject", "text", "short", "markdown", "blocks"):
        source = next((t.part(part) for t in levels if t and t.part(part) is not None), None)
        parts[part] = _render_part(template, part, source, variables) if source else None
    blocks = parts["blocks"]
    if blocks is not None and _blocks_problem(blocks) is not None:
        blocks = None
    return Message(
        key=key,
        subject=" ".join((parts["subject"] or "").split())[:250],
        text=parts["text"] or "",
        incident_id=incident_id,
        short=" ".join((parts["short"] or "").split()),
        markdown=parts["markdown"] or "",
        blocks=blocks,
    )


def escaped_for_slack(value: Any) -> Any:
    """`value` with every string in it escaped as Slack asks (&, <, >)."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, Mapping):
        return {key: escaped_for_slack(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escaped_for_slack(item) for item in value]
    return value


def _render_part(template: str, part: str, source: str, variables: Mapping[str, object]) -> str:
    try:
        return render_capped(_compiled(source), variables, MAX_PART)
    except Exception as error:
        log.warning("template %s.%s failed (%s); using Fireline's wording", template, part, error)
        fallback = DEFAULT_TEMPLATES[template].part(part)
        return render_capped(_compiled(fallback), variables, MAX_PART) if fallback else ""


def _blocks_problem(rendered: str) -> TemplateProblem | None:
    try:
        blocks = json.loads(rendered)
    except ValueError as error:
        return TemplateProblem(None, f"does not render valid JSON: {error}")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        return TemplateProblem(None, "must render a JSON list of Slack blocks (objects)")
    return None


def _template_line(error: BaseException) -> int | None:
    """The template line an error was raised on: Jinja rewrites the traceback so that the
    template's frames carry its own line numbers, under the file name ``<template>``."""
    line = None
    trace: types.TracebackType | None = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line
