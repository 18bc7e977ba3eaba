"""What one render of a message template may spend, counted as it goes.

A template from a policy file runs in the worker as timers fire, so nothing it says may make
that slow. The sandbox (`sandbox`) weighs every value a template builds or reads through a
field, an operator or a filter: a character of text, an item of a list or mapping and a
number weigh one each. A render is refused (`RenderRefused`) when

- one value would weigh more than `MAX_BUILT`, checked before it is built wherever the
  operands tell (``'x' * n``, ``a ~ b``, ``a + b``, ``|join``, ``|wordwrap``, ``|replace``);
- a whole number would have more than `MAX_NUMBER_BITS` bits, checked before ``**`` or
  ``*`` computes it (``9**64**64**64**64`` would otherwise take minutes, and has no
  place in a message);
- the render has spent more than `MAX_WORK` in all (`budget` opens the count).

With the static rules of `template_rules` (no assignments, no calls, a bounded number of
parts and of loop turns) this bounds the time of a render by construction, whatever the
incident says: no clock is read.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context

MAX_BUILT = 100_000
"""The heaviest value one operation or filter may build: characters or items."""
MAX_NUMBER_BITS = 256
"""The largest whole number a template may compute with (about 77 decimal digits)."""
MAX_WORK = 200_000
"""What one render may spend in all: the weight of every value it builds or reads, and
CALL_COST for every filter or test it runs. Fireline's own templates spend a few hundred."""
CALL_COST = 20
"""What running one filter or test costs besides the weight of its values: a call costs far
more than reading a character, so ``select`` over 100,000 items must not pass as cheap."""


class RenderRefused(SecurityError):
    """A template asked for more than a message may cost; the message says what."""


_spent: ContextVar[list[int] | None] = ContextVar("fireline_template_spent", default=None)


@contextmanager
def budget() -> Iterator[None]:
    """Count what the renders inside spend against one `MAX_WORK`. Outside, only the
    limits on single values and numbers apply (a template compiled, not rendered)."""
    token = _spent.set([0])
    try:
        yield
    finally:
        _spent.reset(token)


def weight(value: object, limit: int = MAX_WORK) -> int:
    """The characters and items in `value`, a part shared by several places counted at each
    (as printing it would); stops counting once past `limit` (the answer is then > limit).

    Jinja's own objects (the render context) weigh one: they are not template data."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        total += (len(item) or 1) if isinstance(item, str) else 1
        if isinstance(item, Context | EvalContext):
            pass
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        if total > limit:
            break
    return total


def charge(units: int) -> None:
    """Spend `units` of the current render's budget. Raises RenderRefused past MAX_WORK."""
    spent = _spent.get()
    if spent is None:
        return
    spent[0] += units
    if spent[0] > MAX_WORK:
        raise RenderRefused(
            f"does more than {MAX_WORK} steps of work in one render "
            "(a message template is a few lines of wording)"
        )


def check_built(units: int, what: str) -> None:
    """Refuse a value of `units` weight that `what` would build, if it is too heavy; else
    charge it. Call before building wherever the size is known in advance."""
    if units > MAX_BUILT:
        raise RenderRefused(f"{what} would build more than {MAX_BUILT} characters or items")
    charge(units)


def check_arithmetic(operator: str, left: object, right: object) -> None:
    """Refuse ``left operator right`` on whole numbers when it, or an operand, would have
    more than MAX_NUMBER_BITS bits: known from the operands, before computing it."""
    if not (isinstance(left, int) and isinstance(right, int)):
        return
    bits = max(left.bit_length(), right.bit_length())
    if operator == "**" and right > 0 and abs(left) > 1:
        # |left| ** right has about right * log2|left| bits; compare in floats, never computing.
        bits = max(bits, math.ceil(right * math.log2(abs(left))))
        if bits > MAX_NUMBER_BITS:
            raise RenderRefused(
                f"exponent too large: the result would have more than {MAX_NUMBER_BITS} bits"
            )
    elif operator == "*":
        bits = left.bit_length() + right.bit_length()
    elif operator in ("+", "-"):
        bits += 1
    if bits > MAX_NUMBER_BITS:
        raise RenderRefused(f"a number with more than {MAX_NUMBER_BITS} bits")
