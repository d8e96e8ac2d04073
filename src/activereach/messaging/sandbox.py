"""A Jinja sandbox with limits: a tenant's template cannot stall the server or fill its memory.

Jinja's own sandbox stops attribute escapes, not work: ``{% for i in range(10**8) %}`` raised a
bare ``OverflowError`` (a 500), ``"x" * 10**9`` or a doubling ``{% set %}`` chain allocates
gigabytes in one C call, and nested loops run for minutes. Here (issue 18, finding 3):

- **size before work**: every operation that can make a big value is checked *before* it runs —
  ``*``, ``**``, ``%``, ``+`` and ``~``, ``range`` (at most ``MAX_RANGE`` items), and every filter
  and method call (its inputs' size times its arguments' size stays within a work budget);
- **no captured output**: ``{% set %}…{% endset %}``, macros, call and filter blocks render into
  hidden buffers that bypass the output cap, so templates may not use them (receipts need none);
- **output**: the render is streamed and stops at ``max_bytes``;
- **time**: a trace hook on the template's own frames checks a deadline on every line, so a loop
  that writes nothing is stopped too. Single C calls are bounded by the size checks above.

Any limit raises ``RenderLimit`` (a Jinja ``SecurityError``, so a ``TemplateError``), which the
templates module turns into a 422 ``TemplateProblem``.
"""

from __future__ import annotations

import contextvars
import functools
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_RANGE = 10_000
# A width, count or length argument above this is refused ("%999999999d", "x".ljust(10**9)).
MAX_ARGUMENT = 1_000
# Work budget per call, in multiples of the output cap: len(input) × size(arguments).
WORK_FACTOR = 16
_TEMPLATE_FILE = "<template>"
_FORBIDDEN = {nodes.AssignBlock: "{% set %}…{% endset %} blocks", nodes.Macro: "macros",
              nodes.CallBlock: "call blocks", nodes.FilterBlock: "filter blocks",
              nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "import",
              nodes.Extends: "extends"}
# Widths and precisions in %-formats ("%0999d", "%.*f") and str.format specs ("{:>9999}").
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")


@dataclass(frozen=True)
class Limits:
    seconds: float = 1.0
    max_bytes: int = 65_536


class RenderLimit(SecurityError):
    """The template went over one of the render limits."""


_active: contextvars.ContextVar[Limits] = contextvars.ContextVar("template_limits",
                                                                 default=Limits())


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], str):
            return sum(len(v) if isinstance(v, str) else 1 for v in value)
        return len(value)
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return abs(value)
    return 1


def _check_format(spec: str) -> None:
    for match in _PERCENT_SPEC.finditer(spec):
        for part in match.groups():
            if part == "*" or (part and int(part) > MAX_ARGUMENT):
                raise RenderLimit(f"format width or precision above {MAX_ARGUMENT}")
    for match in _BRACE_SPEC.finditer(spec):
        for number in re.findall(r"\d+", match.group(1)):
            if int(number) > MAX_ARGUMENT:
                raise RenderLimit(f"format width or precision above {MAX_ARGUMENT}")


def check_call(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a call whose work (input size × largest argument) is beyond the budget."""
    arguments = [*args, *kwargs.values()]
    for arg in arguments:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_ARGUMENT:
            raise RenderLimit(f"a numeric argument above {MAX_ARGUMENT}")
    biggest = max((_size(a) for a in arguments), default=0)
    if (_size(value) + 1) * (biggest + 1) > WORK_FACTOR * _active.get().max_bytes:
        raise RenderLimit("the call would build a value above the output limit")
    if isinstance(value, str) and ("%" in value or "{" in value):
        _check_format(value)


def _check_result_size(size: int) -> None:
    if size > _active.get().max_bytes:
        raise RenderLimit(f"a value above the output limit ({_active.get().max_bytes} bytes)")


def limited_range(*args: int) -> range:
    items = range(*args)
    if len(items) > MAX_RANGE:
        raise RenderLimit(f"range() is limited to {MAX_RANGE} items")
    return items


def _wrap_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    # functools.wraps copies __dict__, so Jinja's pass_context/pass_environment marks survive.
    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, (Environment, Context, EvalContext))]
        if values:
            check_call(values[0], tuple(values[1:]), kwargs)
        return func(*args, **kwargs)
    return checked


class _CheckedConcat(CodeGenerator):
    """``a ~ b ~ c`` measures its parts before joining them."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        func_name = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        self.write(f"{func_name}(environment.measured((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


class LimitedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with size checks on operators, calls, filters, ``range`` and ``~``."""

    code_generator_class = _CheckedConcat
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = limited_range
        self.globals.pop("namespace", None)  # no mutable accumulator across loop iterations
        self.filters = {name: _wrap_filter(f) for name, f in self.filters.items()}

    def measured(self, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        _check_result_size(sum(len(p) if isinstance(p, str) else 32 for p in parts))
        return parts

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                    _check_result_size(len(seq) * max(count, 0))
        elif operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if abs(left) > 1 and right * math.log2(abs(left)) > 4096:
                raise RenderLimit("a power above 4096 bits")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
            _check_result_size(len(left) + sum(_size(a) for a in (
                right if isinstance(right, tuple) else (right,))))
        elif operator == "+" and isinstance(left, (str, list, tuple)):
            _check_result_size(_size(left) + _size(right))
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if __obj is not limited_range:  # range has its own, larger, item limit
            bound = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
            check_call(bound, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def check_source(source: str, env: LimitedEnvironment) -> None:
    """Refuse constructs whose output escapes the streamed cap (raises ``RenderLimit``)."""
    tree = env.parse(source)
    for kind, label in _FORBIDDEN.items():
        if tree.find(kind) is not None:
            raise RenderLimit(f"templates may not use {label}")


def _deadline_tracer(deadline: float) -> Callable[..., Any]:
    def on_line(frame: Any, event: str, arg: Any) -> Any:
        if event == "line" and time.monotonic() > deadline:
            raise RenderLimit("the template took too long to render")
        return on_line

    def on_call(frame: Any, event: str, arg: Any) -> Any:
        # Only the template's own code is traced line by line; filters run untraced.
        return on_line if frame.f_code.co_filename == _TEMPLATE_FILE else None
    return on_call


def render(env: LimitedEnvironment, source: str, context: dict[str, Any], limits: Limits) -> str:
    """``source`` rendered under ``limits``; raises ``RenderLimit`` or another TemplateError."""
    check_source(source, env)
    template = env.from_string(source)
    token = _active.set(limits)
    previous = sys.gettrace()
    sys.settrace(_deadline_tracer(time.monotonic() + limits.seconds))
    try:
        return _collect(template.generate(context), limits.max_bytes)
    finally:
        sys.settrace(previous)
        _active.reset(token)


def _collect(chunks: Iterator[str], max_bytes: int) -> str:
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk.encode("utf-8"))
        if size > max_bytes:
            raise RenderLimit(f"the rendered template is above {max_bytes} bytes")
        out.append(chunk)
    return "".join(out)
