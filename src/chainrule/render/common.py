"""Pieces the document renderers share: equations as LaTeX, prose walking."""

from __future__ import annotations

from collections.abc import Callable

from chainrule.explain.document import Equation, Math, Prose

LONG = 70
"""An equation whose plain text is longer than this is set one form per line."""


def equation_latex(eq: Equation) -> str:
    """``lhs = form = ... = result`` as one line of LaTeX."""
    return " = ".join([eq.lhs.latex, *(f.latex for f in eq.forms)])


def equation_lines(eq: Equation) -> list[str]:
    """The LaTeX lines of an equation for ``aligned``/``align*``: ``lhs &= f1``, ``&= f2``, ...

    Short equations stay on one line.
    """
    if not eq.forms:
        return [eq.lhs.latex]
    length = len(eq.lhs.text) + sum(len(f.text) + 3 for f in eq.forms)
    if length <= LONG or len(eq.forms) == 1:
        return [eq.lhs.latex + " &= " + " = ".join(f.latex for f in eq.forms)]
    return [eq.lhs.latex + " &= " + eq.forms[0].latex, *(f"&= {f.latex}" for f in eq.forms[1:])]


def prose(parts: Prose, text: Callable[[str], str], math: Callable[[Math], str]) -> str:
    """Prose with plain strings passed through ``text`` and Math through ``math``."""
    return "".join(math(p) if isinstance(p, Math) else text(p) for p in parts)
