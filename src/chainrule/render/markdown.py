"""The worked solution as Markdown with ``$$`` display math (Obsidian, GitHub, Jupyter).

Headings per stage, one ``$$`` block per equation (long chains set one form per line in an
``aligned`` block, numbered lines tagged with ``\\tag``), notes in italics under the
equation, and pipe tables for the network, the update and the summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from chainrule.explain.document import (
    AnyDocument,
    AnySection,
    Equation,
    Math,
    Paragraph,
    Prose,
    Run,
    Table,
)
from chainrule.render.common import equation_lines, packed_lines, prose

_ESCAPE = str.maketrans({c: "\\" + c for c in "\\`*_<|"})
_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
_LINK = re.compile(r"\]\(\s*<?\s*([^\s)>]*)")
_SAFE_LINK = re.compile(r"(https?://|mailto:|#|/|\.|[^:&%\\]*\Z)", re.I)


def escape(text: str) -> str:
    """Plain text safe inside Markdown (no accidental emphasis, links, tables or HTML)."""
    return text.translate(_ESCAPE).replace("](", "]\\(")


def description(text: str) -> str:
    """A description's Markdown, kept as written except that it cannot carry HTML or script.

    ``<`` outside code is written ``&lt;`` (so ``<img onerror=...>`` and ``<iframe>`` show as
    text, as the HTML and LaTeX renderers show them), and a link to anything but a web or mail
    address or a relative path (``javascript:``, ``data:``) stays text. Code spans and fenced
    blocks are kept.
    """
    out: list[str] = []
    position = 0
    for match in _code_spans(text):
        out.append(_no_html(text[position : match[0]]))
        out.append(text[match[0] : match[1]])
        position = match[1]
    out.append(_no_html(text[position:]))
    return "".join(out)


def _code_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = [m.span() for m in _FENCE.finditer(text)]
    for m in _CODE.finditer(text):
        if not any(a <= m.start() < b for a, b in spans):
            spans.append(m.span())
    return sorted(spans)


def _no_html(text: str) -> str:
    def link(match: re.Match[str]) -> str:
        safe = _SAFE_LINK.match(match.group(1))
        return match.group(0) if safe else "]\\(" + match.group(0)[2:]

    return _LINK.sub(link, text.replace("<", "&lt;"))


def inline(m: Math) -> str:
    return f"${m.latex}$"


@lru_cache(maxsize=4096)
def _prose(parts: Prose) -> str:
    # cached: the weights into one unit share their note, so it is written once per unit
    return prose(parts, escape, inline)


def _cell(cell: str | Math) -> str:
    if isinstance(cell, Math):
        return f"${cell.latex}$".replace("|", "\\|")
    return escape(cell)


def equation(eq: Equation) -> str:
    """One ``$$`` block (and its note in italics)."""
    return _block(equation_lines(eq), eq.label, eq.note)


def _block(lines: list[str], label: str, note: Prose) -> str:
    """:func:`equation` of an equation's LaTeX lines, label and note."""
    tag = f" \\tag{{{label}}}" if label else ""
    if len(lines) == 1:
        body = lines[0].replace(" &= ", " = ", 1) + tag
    else:
        body = "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}" + tag
    out = f"$$\n{body}\n$$"
    if note:
        out += f"\n*{_prose(note)}*"
    return out


RUN_PIECE = 32
"""A run of equations is written this many equations to a piece."""


def _run(run: Run) -> Iterator[str]:
    """A :class:`Run`'s equations as :func:`equation` writes them, a piece of
    :data:`RUN_PIECE` equations at a time (joined by blank lines), each made from its text and
    LaTeX pieces (no Equation made)."""
    out: list[str] = []
    for label, lhs, lhs_latex, texts, latexes, note in run.rows(True):
        lines = packed_lines(lhs, lhs_latex, texts, latexes) if texts else [lhs_latex]
        out.append(_block(lines, label, note))
        if len(out) == RUN_PIECE:
            yield "\n\n".join(out)
            out = []
    if out:
        yield "\n\n".join(out)


def table(t: Table) -> str:
    lines = []
    if t.caption:
        lines.append(f"**{escape(t.caption)}**\n")
    lines.append("| " + " | ".join(_cell(h) for h in t.header) + " |")
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(t.header) - 1)) + "|")
    # each cell as _cell makes it, inline (a 784-128-10 network's tables have 700,000 cells)
    lines += [
        "| "
        + " | ".join([f"${c.latex}$".replace("|", "\\|") if isinstance(c, Math) else escape(c)
                      for c in row])
        + " |"
        for row in t.rows
    ]
    return "\n".join(lines)


def _section_parts(s: AnySection) -> Iterator[str]:
    """The section's heading, then each block, as Markdown (to be joined by blank lines)."""
    title = _prose(s.heading) if s.heading else escape(s.title)
    yield "#" * s.level + " " + title
    for block in s.blocks:
        if isinstance(block, Equation):
            yield equation(block)
        elif isinstance(block, Paragraph):
            yield _prose(block.parts)
        elif isinstance(block, Run):
            yield from _run(block)
        else:
            yield table(block)


def section(s: AnySection) -> str:
    return "\n\n".join(_section_parts(s))


def chunks(doc: AnyDocument) -> Iterator[str]:
    """:func:`render`'s text in pieces, each made as it is read (a large solution is written
    piece by piece: ``"".join(chunks(doc)) == render(doc)``)."""
    yield f"# {escape(doc.title)}"
    if doc.intro:
        for p in doc.intro:
            yield "\n\n" + _prose(p)
    elif doc.description:
        yield "\n\n" + description(doc.description.strip())
    for s in doc.sections:
        for part in _section_parts(s):
            yield "\n\n" + part
    yield "\n"


def render(doc: AnyDocument) -> str:
    """The Document as Markdown (the description is Markdown already and is kept as written,
    without raw HTML: see :func:`description`)."""
    return "".join(chunks(doc))
