"""The worked solution as a standalone LaTeX document (compiles with ``pdflatex``).

Only packages from Debian's ``texlive-latex-base`` are used: amsmath and amssymb, geometry and
longtable. Each run of equations is one ``align*`` aligned on the ``=`` signs (long chains broken
at ``=``, numbered lines tagged, short notes beside their equation and long ones below it in small
italics); a page may break between two equations, never inside one. Tables are ``longtable``s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import groupby

from chainrule.explain.document import (
    AnyDocument,
    AnySection,
    Equation,
    Math,
    Paragraph,
    Prose,
    Table,
    expanded,
)
from chainrule.render.common import equation_lines, prose

PREAMBLE = r"""\documentclass[11pt,fleqn]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{longtable}
\allowdisplaybreaks
\setlength{\mathindent}{2em}
\setlength{\LTleft}{2em}
\setlength{\LTright}{\fill}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5\baselineskip}
"""

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "·": r"$\cdot$",
    "−": "-",
    "–": "--",
    "—": "---",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "→": r"$\rightarrow$",
    "✓": r"$\checkmark$",
}
_ESCAPE = str.maketrans(_SPECIAL)


_QUOTED = re.compile(r'"([^"]*)"')


def escape(text: str) -> str:
    """Plain text safe in a LaTeX document (special characters quoted, no stray Unicode).

    ``"quoted"`` becomes LaTeX's ````quoted''`` and ``--`` stays two hyphens (not a dash)."""
    out = _QUOTED.sub("\x01\\1\x02", text).replace("--", "\x03").translate(_ESCAPE)
    out = out.replace("\x03", "-{}-").replace("\x01", "``").replace("\x02", "''")
    return "".join(c if ord(c) < 128 or c in "$" else "?" for c in out)


def _inline(m: Math) -> str:
    return f"${m.latex}$"


def _prose(parts: Prose) -> str:
    return prose(parts, escape, _inline)


def _cell(cell: str | Math) -> str:
    return _inline(cell) if isinstance(cell, Math) else escape(cell)


SHORT_NOTE = 40
"""A note this long or shorter stands beside its equation; a longer one goes below it."""


def _rows(eq: Equation) -> tuple[str, bool]:
    """One equation's ``align*`` rows: tagged when numbered, a short note beside it, a long one
    below it as ``\\intertext`` (then True: the next row must not start with another break)."""
    lines = equation_lines(eq)
    if eq.label:
        lines[-1] += rf" \tag{{{eq.label}}}"
    below = False
    if eq.note:
        note = rf"\text{{\small\emph{{{_prose(eq.note)}}}}}"
        plain = "".join(p if isinstance(p, str) else p.text for p in eq.note)
        below = len(plain) > SHORT_NOTE
        if below:
            lines.append(rf"\intertext{{{note}}}")
        else:
            lines[-1] += rf" \qquad {note}"
    # ``\\*``: no page break inside one equation (its continuation lines and its note below);
    # between equations the page may break (``\allowdisplaybreaks``)
    return " \\\\*\n".join(lines), below


def equations(eqs: list[Equation]) -> str:
    """A run of equations as one ``align*``, aligned on their = signs."""
    return "".join(_run(eqs))


def _run(eqs: Iterable[Equation]) -> Iterator[str]:
    """:func:`equations` in pieces, an equation at a time."""
    after_note = False
    for i, eq in enumerate(eqs):
        rows, below = _rows(eq)
        if i:
            yield ("\n" if after_note else " \\\\\n") + rows
        else:
            yield "\\begin{align*}\n" + rows
        after_note = below
    yield "\n\\end{align*}"


def equation(eq: Equation) -> str:
    """One equation as its own ``align*``."""
    return equations([eq])


def table(t: Table) -> str:
    size = "\\footnotesize" if len(t.header) > 6 else "\\small"
    spec = "l" + "r" * (len(t.header) - 1)
    lines = [f"{{{size}", f"\\begin{{longtable}}{{{spec}}}"]
    if t.caption:
        lines.append(f"\\multicolumn{{{len(t.header)}}}{{l}}{{\\emph{{{escape(t.caption)}}}}} \\\\")
    lines.append(" & ".join(_cell(h) for h in t.header) + " \\\\ \\hline")
    lines.append("\\endhead")
    for row in t.rows:
        lines.append(" & ".join(_cell(c) for c in row) + " \\\\")
    lines += ["\\end{longtable}", "}"]
    return "\n".join(lines)


def _section_parts(s: AnySection) -> Iterator[str]:
    """The section as LaTeX in pieces; a part that starts a paragraph starts with ``\\n\\n``
    (a run of equations is one ``align*``, written an equation at a time)."""
    command = "section" if s.level <= 2 else "subsection"
    title = _prose(s.heading) if s.heading else escape(s.title)
    yield f"\\{command}*{{{title}}}"
    blocks = expanded(s.blocks)
    for is_run, group in groupby(blocks, key=lambda block: isinstance(block, Equation)):
        if is_run:
            yield "\n\n"
            yield from _run(b for b in group if isinstance(b, Equation))
            continue
        for block in group:
            if isinstance(block, Paragraph):
                yield "\n\n" + _prose(block.parts)
            elif isinstance(block, Table):
                yield "\n\n" + table(block)


def section(s: AnySection) -> str:
    return "".join(_section_parts(s))


def chunks(doc: AnyDocument) -> Iterator[str]:
    """:func:`render`'s text in pieces, made as they are read (a large solution is written
    piece by piece: ``"".join(chunks(doc)) == render(doc)``)."""
    yield PREAMBLE
    yield f"\n\n\\title{{{escape(doc.title)}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle"
    if doc.intro:
        for p in doc.intro:
            yield "\n\n" + _prose(p)
    elif doc.description:
        for paragraph in doc.description.strip().split("\n\n"):
            yield "\n\n" + escape(" ".join(paragraph.split()))
    for s in doc.sections:
        yield "\n\n"
        yield from _section_parts(s)
    yield "\n\n\\end{document}\n"


def render(doc: AnyDocument) -> str:
    """The Document as a complete LaTeX file."""
    return "".join(chunks(doc))
