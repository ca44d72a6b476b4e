"""A worked solution as a small document model that every output format renders.

The explanation builder (:mod:`chainrule.explain`) turns a Trace into a :class:`Document`;
renderers (:mod:`chainrule.render`) turn a Document into text, Markdown, LaTeX or HTML. Every
piece of math is carried twice, as plain text and as LaTeX, so each renderer picks its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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


@dataclass(frozen=True, slots=True)
class Equation:
    """``lhs = forms[0] = forms[1] = ...`` with an optional note, e.g. where a factor came from.

    ``label`` (like ``"1.3.2"``) numbers the line so later lines can refer back to it.
    (Slotted, as Paragraph and Table: a large network's solution makes 200,000, and a slotted
    frozen dataclass is made in two thirds of the time.)
    """

    lhs: Math
    forms: tuple[Math, ...]
    note: Prose = ()
    label: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    parts: Prose


@dataclass(frozen=True, slots=True)
class Table:
    """A table whose cells are plain strings or Math."""

    header: tuple[str | Math, ...]
    rows: tuple[tuple[str | Math, ...], ...]
    caption: str = ""


Block = Equation | Paragraph | Table

Row = tuple[str, str, str, list[str], list[str], Prose]
"""One equation of a :class:`Run`: its label, lhs (text, LaTeX), forms (texts, LaTeXes) and
note."""


@dataclass(frozen=True, slots=True)
class Run:
    """Many equations of one shape (a large network's 100,000 gradient lines, or its update
    lines), made as they are read, from the Trace's numbers by templates filled per weight,
    without an Equation or a Math per piece. A renderer reads it once, by one of:
    ``rows(False)`` (each equation's plain text only, its LaTeX left empty: nothing is made in
    LaTeX), ``rows(True)`` (text and LaTeX) or :meth:`equations` (the Equations themselves:
    what :meth:`LazySection.made` puts in a Document and what a renderer without a faster way
    reads). Every way gives the same equations (tests), so every output is the same to the
    byte."""

    rows: Callable[[bool], Iterator[Row]]

    def equations(self) -> Iterator[Equation]:
        for label, lhs, lhs_latex, texts, latexes, note in self.rows(True):
            yield Equation(Math(lhs, lhs_latex), tuple(map(Math, texts, latexes)), note, label)


StreamBlock = Block | Run
"""What a :class:`LazySection` gives: blocks, or runs of equations made as they are read."""


def expanded(blocks: Iterable[StreamBlock]) -> Iterator[Block]:
    """The blocks with each :class:`Run` as its Equations (for a renderer that reads
    Equations only)."""
    for block in blocks:
        if isinstance(block, Run):
            yield from block.equations()
        else:
            yield block


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


@dataclass(frozen=True)
class LazySection:
    """A Section whose blocks are made as they are read, once (a generator): a worked solution
    of a large network (784-128-10: 200,000 equations) is rendered and written section by
    section, never held whole. The renderers take it wherever they take a Section."""

    title: str
    blocks: Iterable[StreamBlock] = ()
    level: int = 2
    heading: Prose = ()

    def made(self) -> Section:
        """The Section with every block made (reads :attr:`blocks`, which a generator gives
        only once; each :class:`Run` becomes its Equations)."""
        return Section(self.title, tuple(expanded(self.blocks)), self.level, self.heading)


AnySection = Section | LazySection


@dataclass(frozen=True)
class DocumentStream:
    """A Document whose sections are made as they are read, once (see :class:`LazySection`):
    render it with a renderer's ``chunks`` and write each piece as it comes. :meth:`made` is
    the Document itself, the same in every byte."""

    title: str
    sections: Iterator[AnySection]
    description: str = ""
    intro: tuple[Prose, ...] = ()

    def made(self) -> Document:
        return Document(
            self.title,
            tuple(s.made() if isinstance(s, LazySection) else s for s in self.sections),
            self.description,
            self.intro,
        )


AnyDocument = Document | DocumentStream
"""What the renderers take: a Document, or one made as it is read."""
