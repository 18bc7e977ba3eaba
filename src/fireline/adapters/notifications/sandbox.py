"""The Jinja2 environment message templates run in, and the rules a template must follow.

Templates come from policy files and are rendered by the worker inside the transaction that
fires a timer, so besides Jinja2's immutable sandbox (no attributes such as ``__class__``, no
changing what a template is given) rendering must stay cheap whatever the incident says:

- no globals (``range``, ``lipsum``, ``cycler`` …): loops run over data, never over numbers;
- a ``for`` loop may run only over ``incident.services`` (at most 50), two deep at most;
  looping over text would run once per character;
- no macros, calls, imports, includes or blocks: a message needs none, and recursion is the
  way round the loop rule;
- no filters that pad or format to a size a template chooses (``center``, ``indent``,
  ``format``, ``batch``, ``slice``, ``random``, ``attr``, ``pprint``); ``*``, ``**``, ``%``
  and ``replace`` may not build more than 100,000 characters;
- rendering stops once a part is longer than it may be (`render_capped`).

`template_rule_problem` checks the rules on a parsed template (for `policy check`).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_BUILT = 100_000
"""The longest string or list one operation may build (against memory bombs)."""
MAX_LOOP_DEPTH = 2
LOOPABLE = ("incident", "services")
"""The one list a template may loop over."""
_REMOVED_FILTERS = ("center", "indent", "format", "batch", "slice", "random", "attr", "pprint")
_REFUSED_STATEMENTS = {
    nodes.Macro: "macros",
    nodes.CallBlock: "call blocks",
    nodes.Import: "imports",
    nodes.FromImport: "imports",
    nodes.Include: "includes",
    nodes.Extends: "extends",
    nodes.Block: "blocks",
}


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int) and right > 64:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        if operator_name == "%":
            if isinstance(left, str):
                raise SecurityError("% formatting of text (allowed: ~ and filters)")
            return operator.mod(left, right)
        for value, count in ((left, right), (right, left)):
            sized = isinstance(value, str | list | tuple) and isinstance(count, int)
            if sized and len(value) * count > MAX_BUILT:
                raise SecurityError(f"would build more than {MAX_BUILT} items")
        return operator.mul(left, right)


def _replace(text: Any, old: str, new: str, count: int | None = None) -> str:
    """Jinja2's `replace`, refusing results longer than MAX_BUILT before building them."""
    value, old, new = str(text), str(old), str(new)
    times = value.count(old) if old else len(value) + 1
    if count is not None and count >= 0:
        times = min(times, count)
    if len(value) + times * (len(new) - len(old)) > MAX_BUILT:
        raise SecurityError(f"replace would build more than {MAX_BUILT} characters")
    return value.replace(old, new, -1 if count is None else count)


ENVIRONMENT = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
ENVIRONMENT.globals.clear()
for _name in _REMOVED_FILTERS:
    del ENVIRONMENT.filters[_name]
ENVIRONMENT.filters["replace"] = _replace


def template_rule_problem(parsed: nodes.Template) -> tuple[int | None, str] | None:
    """(line, what) for the first rule of the module docstring that `parsed` breaks."""
    for kind, what in _REFUSED_STATEMENTS.items():
        found = next(parsed.find_all(kind), None)
        if found is not None:
            return found.lineno, f"{what} are not allowed in a message template"
    return _loop_problem(parsed, 0)


def _loop_problem(node: nodes.Node, depth: int) -> tuple[int | None, str] | None:
    for child in node.iter_child_nodes():
        inner = depth
        if isinstance(child, nodes.For):
            inner += 1
            if inner > MAX_LOOP_DEPTH:
                return child.lineno, f"loops nested more than {MAX_LOOP_DEPTH} deep"
            if not _is_loopable(child.iter):
                return child.lineno, "a loop may run only over incident.services"
        problem = _loop_problem(child, inner)
        if problem is not None:
            return problem
    return None


def _is_loopable(expression: nodes.Node) -> bool:
    return (
        isinstance(expression, nodes.Getattr)
        and isinstance(expression.node, nodes.Name)
        and (expression.node.name, expression.attr) == LOOPABLE
    )


def render_capped(template: Template, variables: Mapping[str, object], limit: int) -> str:
    """The rendered text, cut at `limit` characters: rendering stops there."""
    chunks: list[str] = []
    size = 0
    parts: Iterator[str] = template.generate(variables)
    for chunk in parts:
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return "".join(chunks)[:limit]
