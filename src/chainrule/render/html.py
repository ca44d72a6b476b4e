"""The worked solution as one self-contained HTML page: math as MathML, inline CSS, no links.

Browsers render MathML natively, so the page needs no network access and no scripts. The
LaTeX of every piece of math is converted with ``latex2mathml``. Each equation is display math
(full-size fractions), in rows aligned on their ``=`` signs (``lhs = form = ...``, ``= form``),
every equation starting at the same left edge, with its number and its note. The network
diagram is embedded as inline SVG, larger than its natural size so that its text is readable.
A print stylesheet keeps equations and tables whole on a page."""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from chainrule.core.optional import optional_import
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
from chainrule.render.common import prose

CSS = """
:root { font-family: "DejaVu Serif", Georgia, "Times New Roman", serif; max-width: 52rem;
       margin: 2rem auto; padding: 0 1.25rem; line-height: 1.5; color: #1d1d1f; }
h1, h2, h3, caption, .label { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { border-bottom: 2px solid #2c7a4b; padding-bottom: .3rem; font-size: 1.7rem; }
h2 { color: #2c7a4b; border-bottom: 1px solid #ccc; margin-top: 2.2rem; font-size: 1.35rem; }
h3 { color: #2c7a4b; margin: 1.6rem 0 .4rem; font-size: 1.1rem; }
.description { font-style: italic; }
.eq { display: grid; grid-template-columns: 5rem minmax(0, 1fr); column-gap: .5rem;
      margin: .5rem 0 .7rem; }
.eq .label { color: #777; font-size: .85em; align-self: center; }
.eq .rows { display: grid; grid-template-columns: max-content minmax(0, 1fr); row-gap: .15rem;
            align-items: center; overflow-x: auto; }
.eq .lhs { justify-self: end; }
.eq .rhs { justify-self: start; }
.eq math[display="block"] { margin: 0; }
.note { grid-column: 2; color: #555; font-style: italic; font-size: .9em; margin-top: .1rem; }
table.data { border-collapse: collapse; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; }
.caption { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-style: italic;
           margin: 1rem 0 .2rem; }
table.data th, table.data td { border-bottom: 1px solid #ddd; padding: .2rem .7rem; }
table.data th { border-bottom: 2px solid #999; }
table.data td { text-align: right; }
table.data td:first-child, table.data th:first-child { text-align: left; }
.diagram { margin: 1rem 0; overflow-x: auto; }
.diagram svg { max-width: 100%; height: auto; }
math { font-size: 1.1em; }
@media print {
  :root { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; color: #000; }
  h1, h2, h3 { color: #000; break-after: avoid; }
  h2 { border-bottom-color: #000; }
  .eq, table.data, .diagram, .caption { break-inside: avoid; }
  .caption { break-after: avoid; }
  .eq .rows, .diagram { overflow: visible; }
  .note { color: #333; }
  @page { margin: 18mm 16mm; }
}
"""

DIAGRAM_SCALE = 1.4
"""The embedded diagram is drawn this much larger than its natural size (readable text)."""


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


def fragment(doc: AnyDocument, diagram: str | None = None) -> str:
    """The worked solution as an HTML fragment with its own scoped style (Jupyter's display)."""
    return (
        f'<div class="chainrule"><style>{scoped_css(".chainrule")}</style>'
        f"{body(doc, diagram)}</div>"
    )


def _converter() -> Any:
    converter = sys.modules.get("latex2mathml.converter")
    if converter is None:
        _register_package("latex2mathml")
        converter = optional_import("latex2mathml.converter", "HTML output needs")
    return converter


def _register_package(name: str) -> None:
    """Register the package ``name`` without running its ``__init__`` (latex2mathml's only
    reads its own version from the installed metadata, which loads ``importlib.metadata`` and
    ``email``: most of the time HTML output took to start); ``__version__`` is read when asked.
    Nothing is done when the package is loaded already or cannot be found (the import then
    says why)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)

    def version(attribute: str) -> str:
        if attribute != "__version__":
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        from importlib.metadata import version as installed

        return installed(name)

    package.__getattr__ = version  # type: ignore[method-assign]
    sys.modules[name] = package


_SIGN = re.compile(r"(^|[(=,{]\s*)-(\d[\d.]*)")
_PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)<mi>&#x02032;</mi></msup>")


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SLOT_PREFIX = "8642097531"
_SLOT = re.compile(_SLOT_PREFIX + r"(\d{5})")
_SLOTS = [f"{_SLOT_PREFIX}{i:05d}" for i in range(64)]
"""Stand-ins for a formula's numbers while its shape is converted: all digits, like the
numbers they stand for, and long enough never to occur in a conversion otherwise."""


@lru_cache(maxsize=4096)
def mathml(latex: str, display: str = "inline") -> str:
    """LaTeX -> a MathML ``<math>`` element (cached: the same symbols recur on every line).

    A prime is set as the prime glyph beside its letter (g′, not a raised, shrunken g´).

    A worked solution's formulas are a few shapes with different numbers in them (a
    64-32-10 network: 21,000 formulas, 150 shapes), so a formula is converted as its shape,
    each number replaced by a stand-in of digits, once per shape, and its numbers are put
    back into the shape's MathML. Where a stand-in does not come out of the conversion whole,
    once and as a token of its own (a digit the converter reads alone, as in ``x^2`` or
    ``\\frac12``, or a number inside ``\\text``), the formula is converted as it is. The same
    MathML either way (tests/test_render.py compares them).
    """
    # a negative number's minus is a sign, not a subtraction: (-1.2054), not ( − 1.2054)
    latex = _SIGN.sub(r"\1{-\2}", latex)
    numbers = _NUMBER.findall(latex)
    if numbers and len(numbers) <= len(_SLOTS):
        slots = iter(_SLOTS)
        shape = _converted_shape(_NUMBER.sub(lambda _: next(slots), latex), display,
                                 len(numbers))
        if shape is not None:
            return _SLOT.sub(lambda m: numbers[int(m.group(1))], shape)
    return _converted(latex, display)


@lru_cache(maxsize=4096)
def _converted_shape(shape: str, display: str, count: int) -> str | None:
    """The MathML of a formula whose ``count`` numbers are stand-ins, or None unless each
    stand-in comes out whole, once, and as a token of its own (then the numbers can be put
    back)."""
    out = _converted(shape, display)
    if sorted(_SLOT.findall(out)) != [f"{i:05d}" for i in range(count)]:
        return None
    if any(f">{slot}<" not in out for slot in _SLOTS[:count]):
        return None
    return out


def _converted(latex: str, display: str) -> str:
    out = str(_converter().convert(latex, display=display))
    return _PRIME.sub(r'\1<mo lspace="0" rspace="0">&#x02032;</mo>', out)


def display(latex: str) -> str:
    """Display math: fractions at full size (``<math display="block">``)."""
    return mathml(latex, "block")


def _math(m: Math) -> str:
    return mathml(m.latex)


def _prose(parts: Prose) -> str:
    return prose(parts, html.escape, _math)


def _cell(cell: str | Math) -> str:
    return _math(cell) if isinstance(cell, Math) else html.escape(cell)


ROW = 76
"""Forms are packed onto one row of an equation while their plain text stays this short."""


def _rows(eq: Equation) -> list[tuple[str, str]]:
    """The equation's rows as (lhs LaTeX or "", right side LaTeX starting with ``=``)."""
    rows: list[tuple[str, str]] = []
    current: list[Math] = []
    used = len(eq.lhs.text)
    for form in eq.forms:
        if current and used + 3 + len(form.text) > ROW:
            rows.append(("", " = ".join(f.latex for f in current)))
            current, used = [], 0
        current.append(form)
        used += 3 + len(form.text)
    if current:
        rows.append(("", " = ".join(f.latex for f in current)))
    return [(eq.lhs.latex if i == 0 else "", "= " + rhs) for i, (_, rhs) in enumerate(rows)]


def equation(eq: Equation) -> str:
    """An equation: its number, then display-math rows ``lhs = form = ...``, ``= form``, ...
    aligned on their ``=`` signs, then its note."""
    label = f"({html.escape(eq.label)})" if eq.label else ""
    cells = []
    if not eq.forms:
        cells.append(f'<div class="lhs"></div><div class="rhs">{display(eq.lhs.latex)}</div>')
    for lhs, rhs in _rows(eq):
        left = display(lhs) if lhs else ""
        cells.append(f'<div class="lhs">{left}</div><div class="rhs">{display(rhs)}</div>')
    note = f'<div class="note">{_prose(eq.note)}</div>' if eq.note else ""
    return (
        f'<div class="eq"><div class="label">{label}</div>'
        f'<div class="rows">{"".join(cells)}</div>{note}</div>'
    )


def _row_class(row: tuple[str | Math, ...]) -> str:
    """A row marked wrong (a cell that says WRONG, as check's marking does) stands out."""
    wrong = any(isinstance(c, str) and c.startswith("WRONG") for c in row)
    return (' class="wrong" style="background: #fdecea; color: #a40e26; font-weight: 600"'
            if wrong else "")


def table(t: Table) -> str:
    head = "".join(f"<th>{_cell(h)}</th>" for h in t.header)
    body = "".join(
        f"<tr{_row_class(row)}>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>"
        for row in t.rows
    )
    caption = f'<p class="caption">{html.escape(t.caption)}</p>' if t.caption else ""
    return (
        f'{caption}<table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _section_parts(s: AnySection, diagram: str | None = None) -> Iterator[str]:
    """The section's HTML in pieces (to be joined by line breaks), each made as it is read."""
    tag = "h2" if s.level <= 2 else "h3"
    title = _prose(s.heading) if s.heading else html.escape(s.title)
    yield f"<section><{tag}>{title}</{tag}>"
    if diagram:
        yield f'<div class="diagram">{_larger(diagram)}</div>'
    for block in expanded(s.blocks):
        if isinstance(block, Equation):
            yield equation(block)
        elif isinstance(block, Paragraph):
            yield f"<p>{_prose(block.parts)}</p>"
        else:
            yield table(block)
    yield "</section>"


def section(s: AnySection, diagram: str | None = None) -> str:
    return "\n".join(_section_parts(s, diagram))


def _larger(svg: str) -> str:
    """The SVG's width and height times :data:`DIAGRAM_SCALE` (its viewBox keeps the drawing)."""

    def scaled(match: re.Match[str]) -> str:
        return f'{match[1]}="{float(match[2]) * DIAGRAM_SCALE:g}"'

    head, sep, rest = svg.partition(">")
    return re.sub(r'\b(width|height)="([0-9.]+)"', scaled, head, count=2) + sep + rest


def _body_parts(doc: AnyDocument, diagram: str | None = None) -> Iterator[str]:
    """:func:`body` in pieces (to be joined by line breaks), each made as it is read."""
    yield f"<h1>{html.escape(doc.title)}</h1>"
    if doc.intro:
        for p in doc.intro:
            yield f'<p class="description">{_prose(p)}</p>'
    elif doc.description:
        yield f'<p class="description">{html.escape(doc.description.strip())}</p>'
    for i, s in enumerate(doc.sections):
        yield from _section_parts(s, diagram if i == 0 else None)


def body(doc: AnyDocument, diagram: str | None = None) -> str:
    """The page's content without ``<html>``/``<head>`` (for Jupyter)."""
    return "\n".join(_body_parts(doc, diagram))


def chunks(doc: AnyDocument, diagram: str | None = None) -> Iterator[str]:
    """:func:`render`'s page in pieces, made as they are read (a large solution is written
    piece by piece: ``"".join(chunks(doc)) == render(doc)``)."""
    yield (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(doc.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    )
    for i, part in enumerate(_body_parts(doc, diagram)):
        yield "\n" + part if i else part
    yield "\n</body>\n</html>\n"


def render(doc: AnyDocument, diagram: str | None = None) -> str:
    """The Document as a complete HTML page; ``diagram`` is an SVG string shown with the network."""
    return "".join(chunks(doc, diagram))
