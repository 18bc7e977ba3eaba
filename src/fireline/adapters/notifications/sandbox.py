"""The Jinja2 environment message templates run in.

Templates come from policy files and are rendered by the worker inside the transaction that
fires a timer, so besides Jinja2's immutable sandbox (no attributes such as ``__class__``, no
changing what a template is given) compiling and rendering must stay cheap whatever the
template and the incident say:

- the rules of `template_rules` are checked before a template is compiled (`compile_bounded`);
- no globals (``range``, ``lipsum``, ``cycler`` …): loops run over data, never over numbers;
- no calls (``'x'.ljust(10**9)``): filters do what methods would;
- no filters that pad or format to a size a template chooses (``center``, ``indent``,
  ``format``, ``batch``, ``slice``, ``random``, ``attr``, ``pprint``, ``urlize``); the
  rest may not build more than `MAX_BUILT` (``join``, ``wordwrap``, ``replace`` are
  checked before building; ``round``, ``tojson``'s indent and ``trim``'s characters are
  kept small);
- every operator, ``~`` and field read is weighed against the render's budget, whole
  numbers are kept to `MAX_NUMBER_BITS` bits (`render_budget`), and no arithmetic is
  done at compile time;
- rendering stops once a part is longer than it may be (`render_capped`).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jinja2 import (
    Environment,
    StrictUndefined,
    Template,
    nodes,
    pass_environment,
    pass_eval_context,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from fireline.adapters.notifications.render_budget import (
    CALL_COST,
    MAX_BUILT,
    MAX_NUMBER_BITS,
    RenderRefused,
    budget,
    charge,
    check_arithmetic,
    check_built,
    weight,
)
from fireline.adapters.notifications.template_rules import template_rule_problem

__all__ = ["ENVIRONMENT", "MAX_BUILT", "MAX_NUMBER_BITS", "compile_bounded", "render_capped"]

_REMOVED_FILTERS = (
    "center",
    "indent",
    "format",
    "batch",
    "slice",
    "random",
    "attr",
    "pprint",
    "urlize",
)
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
_SEQUENCES = (str, list, tuple)


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's compiler, with ``a ~ b`` joined by the environment so that it is weighed."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 (Jinja's name)
        self.write("environment.joined((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class _Sandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _BoundedCodeGenerator
    # Every arithmetic operator: intercepted ones are also never folded at compile time,
    # where no budget would count them.
    intercepted_binops = frozenset(_OPERATORS)

    def call_binop(self, context: Context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "%" and isinstance(left, str):
            raise SecurityError("% formatting of text (allowed: ~ and filters)")
        check_arithmetic(operator_name, left, right)
        if operator_name == "*":
            for value, count in ((left, right), (right, left)):
                if isinstance(value, _SEQUENCES) and isinstance(count, int):
                    shell = 0 if isinstance(value, str) else 1  # the list itself, not repeated
                    check_built((weight(value) - shell) * max(count, 0) + shell, "*")
        elif operator_name == "+" and isinstance(left, _SEQUENCES):
            check_built(weight(left) + weight(right), "+")
        result = _OPERATORS[operator_name](left, right)
        charge(1)
        return result

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        charge(weight(value))
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        charge(weight(value))
        return value

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        raise SecurityError(
            "calls are not allowed (allowed: filters, such as incident.title | upper)"
        )

    def joined(self, parts: Iterable[Any]) -> str:
        """``a ~ b ~ …``: the parts as text, refused before joining if too long."""
        texts = []
        for part in parts:
            if not isinstance(part, str):
                check_built(weight(part), "~")
            texts.append(str(part))
        check_built(sum(len(text) for text in texts), "~")
        return "".join(texts)


def _finalize(value: Any) -> Any:
    """What ``{{ value }}`` prints is weighed like anything else a render makes."""
    charge(weight(value))
    return value


def _bounded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (a filter or test) with its arguments and result weighed: a filter run on
    each item (``map``, ``select``) is weighed each time."""

    @functools.wraps(function)  # keeps Jinja's pass_context/… marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        charge(CALL_COST + sum(weight(argument) for argument in (*args, *kwargs.values())))
        result = function(*args, **kwargs)
        if isinstance(result, _SEQUENCES):
            check_built(weight(result), f"|{name}")
        return result

    return bounded


def _replace(text: Any, old: str, new: str, count: int | None = None) -> str:
    """Jinja2's `replace`, refusing results longer than MAX_BUILT before building them."""
    value, old, new = str(text), str(old), str(new)
    times = value.count(old) if old else len(value) + 1
    if count is not None and count >= 0:
        times = min(times, count)
    if len(value) + times * (len(new) - len(old)) > MAX_BUILT:
        raise RenderRefused(f"replace would build more than {MAX_BUILT} characters")
    return value.replace(old, new, -1 if count is None else count)


@pass_eval_context
def _join(context: EvalContext, value: Iterable[Any], d: str = "", attribute: Any = None) -> Any:
    """Jinja2's `join`, refusing a result longer than MAX_BUILT before building it."""
    items = list(value)
    parts = sum(weight(item) for item in items)
    check_built(parts + len(str(d)) * max(len(items) - 1, 0), "join")
    return _JINJA["join"](context, items, d, attribute)


@pass_environment
def _wordwrap(
    environment: Environment,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Jinja2's `wordwrap`, refusing a result longer than MAX_BUILT before building it."""
    text = str(s)
    lines = len(text) // max(int(width), 1) + text.count("\n") + 1
    check_built(len(text) + lines * len(wrapstring or "\n"), "wordwrap")
    wrapped: str = _JINJA["wordwrap"](
        environment, text, width, break_long_words, wrapstring, break_on_hyphens
    )
    return wrapped


def _round(value: float, precision: int = 0, method: str = "common") -> float:
    """Jinja2's `round`, to at most 30 places either side (``10 ** precision`` is computed)."""
    if not -30 <= precision <= 30:
        raise RenderRefused("round to more than 30 places (allowed: -30 to 30)")
    rounded: float = _JINJA["round"](value, precision, method)
    return rounded


@pass_eval_context
def _tojson(context: EvalContext, value: Any, indent: int | None = None) -> Any:
    """Jinja2's `tojson`, indenting at most 8 (each line of the result carries the indent)."""
    if indent is not None and not 0 <= indent <= 8:
        raise RenderRefused("tojson indent above 8 (allowed: 0 to 8)")
    return _JINJA["tojson"](context, value, indent)


def _trim(value: Any, chars: str | None = None) -> str:
    """Jinja2's `trim`, with at most 100 characters to strip: each is looked for at every
    character of the text."""
    if chars is not None and len(chars) > 100:
        raise RenderRefused("trim of more than 100 characters (allowed: at most 100)")
    trimmed: str = _JINJA["trim"](value, chars)
    return trimmed


@pass_environment
def _sum(environment: Environment, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """Jinja2's `sum`, for numbers only: adding lists one to the next takes quadratic time."""
    if not isinstance(start, int | float):
        raise RenderRefused("sum adds numbers (allowed: a number as start)")
    return _JINJA["sum"](environment, iterable, attribute, start)


ENVIRONMENT = _Sandbox(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, finalize=_finalize
)
ENVIRONMENT.globals.clear()
for _name in _REMOVED_FILTERS:
    del ENVIRONMENT.filters[_name]
_JINJA = dict(ENVIRONMENT.filters)
ENVIRONMENT.filters.update(
    replace=_replace,
    join=_join,
    wordwrap=_wordwrap,
    round=_round,
    tojson=_tojson,
    trim=_trim,
    sum=_sum,
)
for _table in (ENVIRONMENT.filters, ENVIRONMENT.tests):
    for _name, _function in list(_table.items()):
        _table[_name] = _bounded(_name, _function)


def compile_bounded(source: str) -> Template:
    """`source` compiled in the sandbox once it keeps `template_rules`. Raises
    TemplateSyntaxError, RenderRefused (a rule broken) or,
    for a number too long to read, ValueError."""
    parsed = ENVIRONMENT.parse(source)
    broken = template_rule_problem(parsed)
    if broken is not None:
        raise RenderRefused(broken[1])
    return ENVIRONMENT.from_string(parsed)


def render_capped(template: Template, variables: Mapping[str, object], limit: int) -> str:
    """The rendered text, cut at `limit` characters: rendering stops there, and within the
    render budget (`render_budget`)."""
    chunks: list[str] = []
    size = 0
    with budget():
        parts: Iterator[str] = template.generate(variables)
        for chunk in parts:
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                break
    return "".join(chunks)[:limit]
