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
    if not eq.forms:
        return [eq.lhs.latex]
    rows: list[list[Math]] = [[]]
    used = len(eq.lhs.text)
    for form in eq.forms:
        if rows[-1] and used + 3 + len(form.text) > LONG:
            rows.append([])
            used = len(eq.lhs.text)
        rows[-1].append(form)
        used += 3 + len(form.text)
    lines = [" = ".join(f.latex for f in row) for row in rows]
    return [eq.lhs.latex + " &= " + lines[0], *(f"&= {line}" for line in lines[1:])]


def prose(parts: Prose, text: Callable[[str], str], math: Callable[[Math], str]) -> str:
    """Prose with plain strings passed through ``text`` and Math through ``math``."""
    return "".join(math(p) if isinstance(p, Math) else text(p) for p in parts)
