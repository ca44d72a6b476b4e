"""The worked solution as Markdown with ``$$`` display math (Obsidian, GitHub, Jupyter).

Headings per stage, one ``$$`` block per equation (long chains set one form per line in an
``aligned`` block, numbered lines tagged with ``\\tag``), notes in italics under the
equation, and pipe tables for the network, the update and the summary.
"""

from __future__ import annotations

from chainrule.explain.document import Document, Equation, Math, Paragraph, Prose, Section, Table
from chainrule.render.common import equation_lines, prose

_ESCAPE = str.maketrans({c: "\\" + c for c in "\\`*_<|"})


def escape(text: str) -> str:
    """Plain text safe inside Markdown (no accidental emphasis, links, tables or HTML)."""
    return text.translate(_ESCAPE)


def inline(m: Math) -> str:
    return f"${m.latex}$"


def _prose(parts: Prose) -> str:
    return prose(parts, escape, inline)


def _cell(cell: str | Math) -> str:
    text = inline(cell) if isinstance(cell, Math) else escape(cell)
    return text.replace("|", "\\|") if isinstance(cell, Math) else text


def equation(eq: Equation) -> str:
    """One ``$$`` block (and its note in italics)."""
    lines = equation_lines(eq)
    tag = f" \\tag{{{eq.label}}}" if eq.label else ""
    if len(lines) == 1:
        body = lines[0].replace(" &= ", " = ", 1) + tag
    else:
        body = "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}" + tag
    out = f"$$\n{body}\n$$"
    if eq.note:
        out += f"\n*{_prose(eq.note)}*"
    return out


def table(t: Table) -> str:
    lines = []
    if t.caption:
        lines.append(f"**{escape(t.caption)}**\n")
    lines.append("| " + " | ".join(_cell(h) for h in t.header) + " |")
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(t.header) - 1)) + "|")
    for row in t.rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines)


def section(s: Section) -> str:
    title = _prose(s.heading) if s.heading else escape(s.title)
    parts = ["#" * s.level + " " + title]
    for block in s.blocks:
        if isinstance(block, Equation):
            parts.append(equation(block))
        elif isinstance(block, Paragraph):
            parts.append(_prose(block.parts))
        else:
            parts.append(table(block))
    return "\n\n".join(parts)


def render(doc: Document) -> str:
    """The Document as Markdown (the description is Markdown already and is kept as written)."""
    parts = [f"# {escape(doc.title)}"]
    if doc.intro:
        parts += [_prose(p) for p in doc.intro]
    elif doc.description:
        parts.append(doc.description.strip())
    parts += [section(s) for s in doc.sections]
    return "\n\n".join(parts) + "\n"
