"""Renderers: pure functions from a Document (or a Trace) to text in one format.

``text`` (a terminal), ``markdown`` (``$$`` math), ``latex`` (a standalone document) and
``html`` (one self-contained page, MathML); :mod:`chainrule.render.formats` is the table of
formats, :class:`~chainrule.render.options.SolutionOptions` the options of a worked solution and
:func:`~chainrule.render.output.render_solution` the one call every shell makes.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chainrule.core.errors import UsageError
from chainrule.render.formats import DOCUMENT_FORMATS, FORMATS, OutputFormat, output_format

if TYPE_CHECKING:
    from chainrule.core.trace import Trace
    from chainrule.render.options import SolutionOptions
    from chainrule.render.output import render_derivative, render_solution

# loaded when first used: `chainrule.render.formats` (the CLI's --format choices) loads no
# renderer, engine or NumPy
_WHERE = {
    "SolutionOptions": "chainrule.render.options",
    "render_derivative": "chainrule.render.output",
    "render_solution": "chainrule.render.output",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'chainrule.render' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value

__all__ = [
    "DOCUMENT_FORMATS",
    "FORMATS",
    "OutputFormat",
    "SolutionOptions",
    "output_format",
    "render_derivative",
    "render_solution",
    "solution",
]


def solution(fmt: str, trace: Trace, options: Mapping[str, Any] | None = None) -> str:
    """The worked solution of ``trace`` in the document format ``fmt``.

    ``options`` may hold ``decimals`` (4), ``step``, ``weights``, ``notation`` ("handout")
    and ``dependency`` (True): the fields of :class:`SolutionOptions`. (The same as
    ``render_solution(trace, SolutionOptions(format=fmt, ...))``.)
    """
    if fmt not in DOCUMENT_FORMATS:
        raise UsageError(
            f"unknown format {fmt!r}; valid formats are {', '.join(DOCUMENT_FORMATS)}"
        )
    from chainrule.render.options import SolutionOptions
    from chainrule.render.output import render_solution

    opts = {k: v for k, v in (options or {}).items() if v is not None}
    return render_solution(trace, SolutionOptions.from_mapping({**opts, "format": fmt}))
