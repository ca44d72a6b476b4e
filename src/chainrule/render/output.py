"""What a shell writes: the worked solution of a Network or a Trace, or a derivative, in a named
output format, as one string. The CLI, the web page and the notebook all call these.

>>> import chainrule as cr
>>> from chainrule.render.output import render_solution
>>> page = render_solution(cr.load("exercise-2"), format="html", steps=2)
>>> page.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chainrule.core.engine import solve
from chainrule.core.errors import UsageError
from chainrule.core.network import Network
from chainrule.core.trace import Trace
from chainrule.explain.document import Document, DocumentStream
from chainrule.explain.solution import explain_stream
from chainrule.render.formats import document_pieces, output_format, render_document
from chainrule.render.options import SolutionOptions

if TYPE_CHECKING:
    from chainrule.explain.diff import Derivative


def solution_trace(
    subject: Network | Trace, options: SolutionOptions, *, max_steps: int | None = None
) -> Trace:
    """The Trace a solution shows: ``subject`` itself when it is one (its own steps), else the
    Network solved for ``options.steps_to_run`` steps (at most ``max_steps``, see
    :func:`chainrule.core.engine.solve`)."""
    if isinstance(subject, Trace):
        if options.explained_step > len(subject):
            raise UsageError(
                f"`step` {options.explained_step} is past the last step of the trace "
                f"({len(subject)})"
            )
        return subject
    if not isinstance(subject, Network):
        raise UsageError(f"a worked solution needs a Network or a Trace, got {subject!r}")
    return solve(
        subject,
        options.steps_to_run,
        learning_rate=options.learning_rate,
        max_steps=max_steps,
        rounded=options.decimals if options.rounded else None,
        notation=options.notation,
    )


def solution_document(trace: Trace, options: SolutionOptions) -> Document:
    """The worked solution of ``trace`` as a Document, as ``options`` ask."""
    return solution_stream(trace, options).made()


def solution_stream(
    trace: Trace, options: SolutionOptions, *, latex: bool = True
) -> DocumentStream:
    """:func:`solution_document`, its sections made as they are read (see
    :func:`chainrule.explain.solution.explain_stream`; ``latex=False`` for the text renderer,
    which reads no LaTeX)."""
    return explain_stream(
        trace,
        decimals=options.decimals,
        step=options.step,
        weights=options.weights,
        notation=options.notation,
        dependency=options.dependency,
        max_weights=options.max_weights,
        latex=latex,
    )


def diagram_svg(subject: Network | Trace, step: int = 1, decimals: int = 4) -> str:
    """The network diagram as SVG: a Trace with step ``step``'s backward pass (dC/dz on the
    units, dC/dw on the edges), a Network with its weights; numbers with the solution's
    ``decimals``."""
    from chainrule.pictures import diagram

    if isinstance(subject, Trace):
        return diagram.svg(subject, values="backward", step=step, decimals=decimals)
    return diagram.svg(subject, decimals=decimals)


def render_solution(
    subject: Network | Trace,
    options: SolutionOptions | None = None,
    *,
    indent: int | None = None,
    **changes: Any,
) -> str:
    """The worked solution of ``subject`` in ``options.format``: the whole output, a string.

    Parameters
    ----------
    subject : a Network (solved for ``options.steps_to_run`` steps) or a Trace (shown as it is).
    options : a SolutionOptions (default: its defaults), with ``changes`` applied by field
        name: ``render_solution(net, format="markdown", steps=3)``.
    indent : JSON only: indent by this many spaces (None: one line).
    """
    return "".join(solution_pieces(subject, options, indent=indent, **changes))


def solution_pieces(
    subject: Network | Trace,
    options: SolutionOptions | None = None,
    *,
    indent: int | None = None,
    **changes: Any,
) -> Iterator[str]:
    """:func:`render_solution` in pieces, each made as it is read: write each as it comes and
    a large network's solution (784-128-10: 100 MB of Markdown) is never held whole. The
    network is solved and checked before the first piece is asked for (errors come first)."""
    chosen = (options or SolutionOptions()).replace(**changes) if changes else (
        options or SolutionOptions()
    )
    trace = solution_trace(subject, chosen)
    fmt = output_format(chosen.format)
    if fmt.document is None:
        return iter((json.dumps(trace.to_json(), indent=indent, allow_nan=False) + "\n",))
    doc = solution_stream(trace, chosen, latex=fmt.name != "text")
    decimals = trace.rounded if trace.rounded is not None else chosen.decimals
    picture = diagram_svg(trace, chosen.explained_step, decimals) if fmt.shows_diagram else None
    return document_pieces(doc, fmt, picture)


def render_derivative(derivative: Derivative, format: str = "text", *,
                      indent: int | None = None) -> str:
    """A ``chainrule diff`` result in ``format`` (text, markdown, latex, html or json)."""
    fmt = output_format(format)
    if fmt.document is None:
        return json.dumps(derivative.to_json(), indent=indent) + "\n"
    from chainrule.explain.diff import document as derivative_document

    return render_document(derivative_document(derivative), fmt)
