"""A worked solution as a small document model that every output format renders.

The explanation builder (:mod:`chainrule.explain`) turns a Trace into a :class:`Document`;
renderers (:mod:`chainrule.render`) turn a Document into text, Markdown, LaTeX or HTML. Every
piece of math is carried twice, as plain text and as LaTeX, so each renderer picks its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Math(NamedTuple):
    """One piece of math: ``text`` for a terminal, ``latex`` for documents. (A named pair: a
    worked solution of a large network makes millions, so each must be cheap to make.)"""

    text: str
    latex: str

    def __add__(self, other: Math) -> Math:  # type: ignore[override]
        return Math(self.text + other.text, self.latex + other.latex)


Prose = tuple["str | Math", ...]
"""Running text with inline math: plain strings and Math pieces, in order."""


@dataclass(frozen=True)
class Equation:
    """``lhs = forms[0] = forms[1] = ...`` with an optional note, e.g. where a factor came from.

    ``label`` (like ``"1.3.2"``) numbers the line so later lines can refer back to it.
    """

    lhs: Math
    forms: tuple[Math, ...]
    note: Prose = ()
    label: str = ""


@dataclass(frozen=True)
class Paragraph:
    parts: Prose


@dataclass(frozen=True)
class Table:
    """A table whose cells are plain strings or Math."""

    header: tuple[str | Math, ...]
    rows: tuple[tuple[str | Math, ...], ...]
    caption: str = ""


Block = Equation | Paragraph | Table


@dataclass(frozen=True)
class Section:
    """A heading (``level`` 2 for a stage of the solution, 3 below it) and its blocks."""

    title: str
    blocks: tuple[Block, ...] = ()
    level: int = 2
    heading: Prose = ()
    """The title with math in it, for formats that typeset math (``title`` is its plain form)."""


@dataclass(frozen=True)
class Document:
    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    description: str = ""
    intro: tuple[Prose, ...] = ()
    """The description's paragraphs with their symbols as math, for formats that typeset math
    (``description`` is the text as written)."""
