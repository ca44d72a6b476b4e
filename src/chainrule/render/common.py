"""Pieces the document renderers share: equations as LaTeX, prose walking."""

from __future__ import annotations

from collections.abc import Callable

from chainrule.explain.document import Equation, Math, Prose

LONG = 70
"""Forms are packed onto one line of an equation while their plain text stays this short."""


def equation_latex(eq: Equation) -> str:
    """``lhs = form = ... = result`` as one line of LaTeX."""
    return " = ".join([eq.lhs.latex, *(f.latex for f in eq.forms)])


def equation_lines(eq: Equation) -> list[str]:
    """The LaTeX lines of an equation for ``aligned``/``align*``: ``lhs &= f1 = f2``,
    ``&= f3``, ...: as many forms on a line as fit :data:`LONG` characters of plain text, so a
    short equation stays on one line and a long one breaks at ``=`` signs, aligned on them.
    """
    forms = eq.forms
    if not forms:
        return [eq.lhs.latex]
    return packed_lines(eq.lhs.text, eq.lhs.latex, [f.text for f in forms],
                        [f.latex for f in forms])


def packed_lines(lhs: str, lhs_latex: str, texts: list[str], latexes: list[str]) -> list[str]:
    """:func:`equation_lines` of an equation given as its pieces (at least one form): the lhs
    as text and LaTeX, the forms' texts and LaTeXes."""
    start = len(lhs)
    lines: list[str] = []
    row: list[str] = []
    used = start
    for text, latex in zip(texts, latexes, strict=True):
        size = 3 + len(text)
        if row and used + size > LONG:
            lines.append("&= " + " = ".join(row))
            row = []
            used = start
        row.append(latex)
        used += size
    lines.append("&= " + " = ".join(row))
    lines[0] = lhs_latex + " " + lines[0]
    return lines


def prose(parts: Prose, text: Callable[[str], str], math: Callable[[Math], str]) -> str:
    """Prose with plain strings passed through ``text`` and Math through ``math``."""
    return "".join(math(p) if isinstance(p, Math) else text(p) for p in parts)
