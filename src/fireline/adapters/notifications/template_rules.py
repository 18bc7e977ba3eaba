"""The rules a message template must follow before it is compiled, read from its parse tree.

They keep compiling and rendering a template cheap whatever it says (`render_budget` counts
what a render builds; these bound how often anything runs):

- no macros, call blocks, imports, includes, extends or blocks: a message needs none, and
  recursion is the way round the loop rule;
- no ``set`` or ``with`` and no ``{% filter %}`` blocks: a value is used where it is made,
  so nothing built once can be worked on again and again without being counted;
- a ``for`` loop may run only over ``incident.services`` (at most `MAX_LIST`), two deep
  at most (looping over text would run once per character);
- at most `MAX_NODES` parts (a name, an operator, a piece of text: Fireline's longest
  template has 62), nested at most `MAX_DEPTH` deep, and at most `MAX_STEPS` parts run in
  all, a loop's body counting once per service it may run for.
"""

from __future__ import annotations

from jinja2 import nodes

from fireline.domain.checks import MAX_LIST

MAX_LOOP_DEPTH = 2
LOOPABLE = ("incident", "services")
"""The one list a template may loop over."""
MAX_NODES = 1_000
"""Parts of one template: compiling costs about a millisecond per ten parts."""
MAX_DEPTH = 50
"""Nesting of parts (brackets, operators, statements) in one template."""
MAX_STEPS = 50_000
"""Parts one render may run, a loop's body counted `MAX_LIST` times per loop around it."""

Problem = tuple[int | None, str]
"""A broken rule: the template line it is on (if known) and what it is."""

_REFUSED_STATEMENTS = {
    nodes.Macro: "macros",
    nodes.CallBlock: "call blocks",
    nodes.Import: "imports",
    nodes.FromImport: "imports",
    nodes.Include: "includes",
    nodes.Extends: "extends",
    nodes.Block: "blocks",
    nodes.Assign: "set statements",
    nodes.AssignBlock: "set blocks",
    nodes.With: "with blocks",
    nodes.FilterBlock: "filter blocks (put the filter on a value)",
}


def template_rule_problem(parsed: nodes.Template) -> Problem | None:
    """(line, what) for the first rule of the module docstring that `parsed` breaks."""
    shape, steps = _size_problems(parsed)
    if shape is not None:
        return shape
    for kind, what in _REFUSED_STATEMENTS.items():
        found = next(parsed.find_all(kind), None)
        if found is not None:
            return found.lineno, f"{what} are not allowed in a message template"
    return _loop_problem(parsed, 0) or steps


def _size_problems(parsed: nodes.Template) -> tuple[Problem | None, Problem | None]:
    """Too many parts or too deep (first), and too many parts run (second). Walked without
    recursion, so that a deep tree is refused rather than overflowing the stack."""
    count = 0
    steps = 0
    too_many_steps: Problem | None = None
    stack: list[tuple[nodes.Node, int, int]] = [(parsed, 0, 1)]
    while stack:
        node, depth, turns = stack.pop()
        count += 1
        steps += turns
        if count > MAX_NODES:
            return (None, f"has more than {MAX_NODES} parts (a message needs far fewer)"), None
        if depth > MAX_DEPTH:
            return (node.lineno, f"is nested more than {MAX_DEPTH} deep"), None
        if steps > MAX_STEPS and too_many_steps is None:
            too_many_steps = (
                node.lineno,
                (
                    f"would run more than {MAX_STEPS} parts in one render, a loop's body "
                    f"counting {MAX_LIST} times (make the loop body shorter)"
                ),
            )
        once: list[nodes.Node] = [node.iter, *node.else_] if isinstance(node, nodes.For) else []
        for child in node.iter_child_nodes():
            repeated = isinstance(node, nodes.For) and not any(child is part for part in once)
            stack.append((child, depth + 1, turns * MAX_LIST if repeated else turns))
    return None, too_many_steps


def _loop_problem(node: nodes.Node, depth: int) -> Problem | None:
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
