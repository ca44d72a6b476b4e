"""A network's description (Markdown prose) as paragraphs of Prose, its symbols as math.

Descriptions name symbols the way the terminal prints them (``w_ij^(L-1)``, ``a_i2``,
``dC/da_k``, ``w_(i2,j)``); the documents typeset them as math instead of escaping them as
text (``w ijˆ(L-1)`` in LaTeX). A blank line ends a paragraph; a single line break is a space;
`code` loses its backticks.
"""

from __future__ import annotations

import re

from chainrule.explain.document import Math, Prose

SYMBOL = re.compile(
    r"(?<![\w\\/])(?P<d>d[A-Za-z]+/d)?(?P<base>[A-Za-z]+)_"
    r"(?P<sub>\([\w,]+\)|[A-Za-z0-9]+(?:,[A-Za-z0-9]+)?)(?P<sup>\^\([^)\s]*\))?"
)
GREEK = {"Delta": r"\Delta", "alpha": r"\alpha", "delta": r"\delta"}


def _base(name: str) -> str:
    if name in GREEK:
        return GREEK[name]
    return name if len(name) == 1 else rf"\mathit{{{name}}}"


def symbol_latex(match: re.Match[str]) -> str:
    sub = match["sub"].strip("()")
    latex = f"{_base(match['base'])}_{{{sub}}}"
    if match["sup"]:
        latex += "^{" + match["sup"][1:] + "}"
    if match["d"]:
        top = match["d"][1:-2]
        latex = rf"\partial {_base(top)}/\partial {latex}"
    return latex


def prose(text: str) -> Prose:
    """One paragraph's text as Prose: symbols as Math, the rest as plain strings."""
    text = text.replace("`", "")
    parts: list[str | Math] = []
    at = 0
    for match in SYMBOL.finditer(text):
        if match.start() > at:
            parts.append(text[at : match.start()])
        parts.append(Math(match[0], symbol_latex(match)))
        at = match.end()
    if at < len(text):
        parts.append(text[at:])
    return tuple(parts)


def paragraphs(description: str) -> tuple[Prose, ...]:
    """The description's paragraphs (blank-line separated, lines joined) as Prose."""
    blocks = description.strip().split("\n\n")
    return tuple(prose(" ".join(block.split())) for block in blocks if block.strip())
