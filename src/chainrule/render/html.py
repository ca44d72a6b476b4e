"""The worked solution as one self-contained HTML page: math as MathML, inline CSS, no links.

Browsers render MathML natively, so the page needs no network access and no scripts. The
LaTeX of every piece of math is converted with ``latex2mathml`` (the ``explain`` extra). Each
equation is a small grid, one form per line (``lhs = form``, ``= form``, ...), with its number
and its note. The network diagram is embedded as inline SVG when :mod:`chainrule.diagram` is
installed.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from chainrule.core.optional import optional_import
from chainrule.explain.document import Document, Equation, Math, Paragraph, Prose, Section, Table
from chainrule.render.common import LONG, prose

CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1d1d1f; }
h1 { border-bottom: 2px solid #2c7a4b; padding-bottom: .3rem; }
h2 { color: #2c7a4b; border-bottom: 1px solid #ccc; margin-top: 2rem; }
h3 { color: #2c7a4b; }
.description { font-style: italic; white-space: pre-line; }
.eq { display: grid; grid-template-columns: 4.5rem auto; column-gap: .5rem;
      margin: .6rem 0; overflow-x: auto; }
.eq .label { color: #777; font-size: .9em; padding-top: .2rem; }
.eq table { border-collapse: collapse; }
.eq td { padding: .1rem .25rem; vertical-align: middle; }
.eq td.lhs { text-align: right; }
.note { grid-column: 2; color: #555; font-style: italic; font-size: .9em; }
table.data { border-collapse: collapse; margin: .8rem 0; font-variant-numeric: tabular-nums; }
table.data caption { text-align: left; font-style: italic; padding-bottom: .3rem; }
table.data th, table.data td { border-bottom: 1px solid #ddd; padding: .2rem .6rem; }
table.data th { border-bottom: 2px solid #999; }
table.data td { text-align: right; }
table.data td:first-child, table.data th:first-child { text-align: left; }
.diagram { margin: 1rem 0; overflow-x: auto; }
math { font-size: 1.05em; }
"""


def scoped_css(scope: str) -> str:
    """The page's CSS with every rule limited to elements inside ``scope`` (for Jupyter)."""
    out = []
    for rule in CSS.strip().split("}"):
        if "{" not in rule:
            continue
        selectors, body = rule.split("{", 1)
        names = [sel.strip().replace(":root", "") for sel in selectors.split(",")]
        scoped = ", ".join(f"{scope} {name}".strip() for name in names)
        out.append(f"{scoped} {{{body}}}")
    return "\n".join(out)


def fragment(doc: Document, diagram: str | None = None) -> str:
    """The worked solution as an HTML fragment with its own scoped style (Jupyter's display)."""
    return (
        f'<div class="chainrule"><style>{scoped_css(".chainrule")}</style>'
        f"{body(doc, diagram)}</div>"
    )


def _converter() -> Any:
    return optional_import("latex2mathml.converter", "HTML output needs")


@lru_cache(maxsize=65536)
def mathml(latex: str, display: str = "inline") -> str:
    """LaTeX -> a MathML ``<math>`` element (cached: the same symbols recur on every line)."""
    return str(_converter().convert(latex, display=display))


def _math(m: Math) -> str:
    return mathml(m.latex)


def _prose(parts: Prose) -> str:
    return prose(parts, html.escape, _math)


def _cell(cell: str | Math) -> str:
    return _math(cell) if isinstance(cell, Math) else html.escape(cell)


def equation(eq: Equation) -> str:
    """An equation as a grid: its number, then lhs = form rows, then the note."""
    label = f"({html.escape(eq.label)})" if eq.label else ""
    rows = []
    length = len(eq.lhs.text) + sum(len(f.text) + 3 for f in eq.forms)
    if length <= LONG or len(eq.forms) <= 1:
        whole = " = ".join([eq.lhs.latex, *(f.latex for f in eq.forms)])
        rows.append(f"<tr><td>{mathml(whole)}</td></tr>")
    else:
        for i, form in enumerate(eq.forms):
            lhs = _math(eq.lhs) if i == 0 else ""
            rows.append(
                f'<tr><td class="lhs">{lhs}</td><td>{mathml("=")}</td><td>{_math(form)}</td></tr>'
            )
    note = f'<div class="note">{_prose(eq.note)}</div>' if eq.note else ""
    return (
        f'<div class="eq"><div class="label">{label}</div>'
        f"<table>{''.join(rows)}</table>{note}</div>"
    )


def table(t: Table) -> str:
    head = "".join(f"<th>{_cell(h)}</th>" for h in t.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in t.rows
    )
    caption = f"<caption>{html.escape(t.caption)}</caption>" if t.caption else ""
    return (
        f'<table class="data">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def section(s: Section, diagram: str | None = None) -> str:
    tag = "h2" if s.level <= 2 else "h3"
    title = _prose(s.heading) if s.heading else html.escape(s.title)
    parts = [f"<section><{tag}>{title}</{tag}>"]
    if diagram:
        parts.append(f'<div class="diagram">{diagram}</div>')
    for block in s.blocks:
        if isinstance(block, Equation):
            parts.append(equation(block))
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{_prose(block.parts)}</p>")
        else:
            parts.append(table(block))
    parts.append("</section>")
    return "\n".join(parts)


def body(doc: Document, diagram: str | None = None) -> str:
    """The page's content without ``<html>``/``<head>`` (for Jupyter)."""
    parts = [f"<h1>{html.escape(doc.title)}</h1>"]
    if doc.description:
        parts.append(f'<p class="description">{html.escape(doc.description.strip())}</p>')
    for i, s in enumerate(doc.sections):
        parts.append(section(s, diagram if i == 0 else None))
    return "\n".join(parts)


def render(doc: Document, diagram: str | None = None) -> str:
    """The Document as a complete HTML page; ``diagram`` is an SVG string shown with the network."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(doc.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body(doc, diagram)}\n</body>\n</html>\n"
    )
