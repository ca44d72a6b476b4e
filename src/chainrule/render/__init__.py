"""Renderers: pure functions from a Document (or a Trace) to text in one format.

``text`` (a terminal), ``markdown`` (``$$`` math), ``latex`` (a standalone document) and
``html`` (one self-contained page, MathML). :func:`solution` is the one call the CLI and the
Jupyter displays use: a Trace and the options in, the whole output out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainrule.core.trace import Trace

FORMATS = ("text", "markdown", "latex", "html")


def solution(fmt: str, trace: Trace, options: Mapping[str, Any] | None = None) -> str:
    """The worked solution of ``trace`` in format ``fmt`` (one of :data:`FORMATS`).

    ``options`` may hold ``decimals`` (4), ``step``, ``weights``, ``notation`` ("handout")
    and ``dependency`` (True), as :func:`chainrule.explain.explain` takes them.
    """
    from chainrule.core.errors import UsageError
    from chainrule.explain.solution import explain

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; valid formats are {', '.join(FORMATS)}")
    opts = dict(options or {})
    doc = explain(
        trace,
        decimals=opts.get("decimals", 4),
        step=opts.get("step"),
        weights=opts.get("weights"),
        notation=opts.get("notation") or "handout",
        dependency=opts.get("dependency", True),
    )
    if fmt == "markdown":
        from chainrule.render.markdown import render as markdown

        return markdown(doc)
    if fmt == "latex":
        from chainrule.render.latex import render as latex

        return latex(doc)
    if fmt == "html":
        from chainrule.render.common import diagram_svg
        from chainrule.render.html import render as html

        return html(doc, diagram_svg(trace, step=opts.get("step") or 1))
    from chainrule.render.text import render as text

    return text(doc)
