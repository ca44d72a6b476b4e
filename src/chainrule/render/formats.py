"""The output formats: one place that maps a format's name to its renderer, file suffix and
media type. The CLI's ``--format`` choices, the web page and the notebook read this table, so a
new format is one entry here.

``json`` has no Document renderer: it is the subject's own ``to_json()`` (the documented JSON).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chainrule.core.errors import UsageError
from chainrule.core.options import Choice

if TYPE_CHECKING:
    from chainrule.explain.document import AnyDocument

# Each renderer is imported when first used: the table itself (what the CLI's --format
# choices read at start-up) loads none of them.


@dataclass(frozen=True)
class OutputFormat:
    """One output format.

    name : what users type (``--format html``).
    suffix : the file name ending it is written to (``.html``).
    media_type : its MIME type, for the web and for Jupyter.
    document : renders a Document; its second argument is the network diagram as SVG (only HTML
        shows it). None for ``json``, which is the subject's ``to_json()``.
    description : a few words for help texts.
    pieces : the same as ``document``, in pieces made as they are read (a large solution is
        written piece by piece); None for ``json``.
    """

    name: str
    suffix: str
    media_type: str
    document: Callable[[AnyDocument, str | None], str] | None
    description: str
    pieces: Callable[[AnyDocument, str | None], Iterator[str]] | None = None

    @property
    def shows_diagram(self) -> bool:
        """Whether the rendered output embeds the network diagram."""
        return self.name == "html"


def _text(doc: AnyDocument, diagram: str | None = None) -> Iterator[str]:
    from chainrule.render import text

    return text.chunks(doc)


def _markdown(doc: AnyDocument, diagram: str | None = None) -> Iterator[str]:
    from chainrule.render import markdown

    return markdown.chunks(doc)


def _latex(doc: AnyDocument, diagram: str | None = None) -> Iterator[str]:
    from chainrule.render import latex

    return latex.chunks(doc)


def _html(doc: AnyDocument, diagram: str | None = None) -> Iterator[str]:
    from chainrule.render import html

    return html.chunks(doc, diagram)


def _whole(pieces: Callable[[AnyDocument, str | None], Iterator[str]]
           ) -> Callable[[AnyDocument, str | None], str]:
    def document(doc: AnyDocument, diagram: str | None = None) -> str:
        return "".join(pieces(doc, diagram))

    return document


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("text", ".txt", "text/plain", _whole(_text),
                     "a worked solution for a terminal", _text),
        OutputFormat("markdown", ".md", "text/markdown", _whole(_markdown),
                     "Markdown with $$ math", _markdown),
        OutputFormat("latex", ".tex", "application/x-latex", _whole(_latex),
                     "a LaTeX document", _latex),
        OutputFormat("html", ".html", "text/html", _whole(_html), "one self-contained page",
                     _html),
        OutputFormat("json", ".json", "application/json", None, "every number, full precision"),
    )
}
"""Every output format, by name, in the order help texts list them."""

RESULTS_FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("gradescope", ".json", "application/json", None,
                     "Gradescope's autograder results.json"),
        OutputFormat("prairielearn", ".json", "application/json", None,
                     "PrairieLearn's external-grader results"),
    )
}
"""A marking's formats beyond :data:`FORMATS`: the autograders' results JSON (``check
--format gradescope``, ``render_feedback``). Not formats of a worked solution."""

FEEDBACK_FORMATS = (*FORMATS, *RESULTS_FORMATS)
"""Every format a marking is written in (``check --format``, ``render_feedback``), in the
order help texts list them: the table's, then the autograders'."""

FORMAT = Choice.of("format", FORMATS, "format", default="text")
"""The ``format`` option, checked once (the CLI's ``--format``, SolutionOptions, the web)."""

DOCUMENT_FORMATS = tuple(name for name, f in FORMATS.items() if f.document is not None)
"""The formats that render a Document (all but json)."""


def output_format(name: str) -> OutputFormat:
    """The format called ``name``; UsageError naming the valid ones if there is none."""
    return FORMATS[FORMAT.check(name)]


def format_for_path(path: str | os.PathLike[str]) -> OutputFormat | None:
    """The format a file name's ending asks for (``key.md`` -> markdown), or None."""
    suffix = Path(path).suffix.lower()
    aliases = {".markdown": ".md", ".htm": ".html", ".text": ".txt", ".latex": ".tex"}
    suffix = aliases.get(suffix, suffix)
    return next((f for f in FORMATS.values() if f.suffix == suffix), None)


def format_for_output(
    path: str | os.PathLike[str], fmt: str | None = None, formats: Iterable[str] | None = None
) -> OutputFormat:
    """The format to write the file ``path`` in: the one its ending names. UsageError (one
    line) for an ending that names no format, or another format than ``fmt`` when given, so
    terminal text never lands in ``ex2.pdf``.
    ``formats`` narrows the valid ones (a command that writes only some)."""
    names = tuple(formats) if formats is not None else tuple(FORMATS)
    chosen = output_format(fmt) if fmt is not None else None
    by_ending = format_for_path(path)
    endings = ", ".join(FORMATS[n].suffix for n in names)
    suffix = Path(path).suffix
    if by_ending is None or by_ending.name not in names:
        what = f"the ending {suffix!r} names no output format" if suffix else (
            "the file name has no ending to choose the output format by")
        raise UsageError(f"{os.fspath(path)}: {what}; end it in {endings}")
    if chosen is not None and chosen.name != by_ending.name:
        raise UsageError(
            f"{os.fspath(path)}: the ending {suffix!r} is {by_ending.name} but `format` is "
            f"{chosen.name}; end the file in {chosen.suffix} or leave `format` out"
        )
    return by_ending


def render_document(doc: AnyDocument, fmt: str | OutputFormat, diagram: str | None = None) -> str:
    """``doc`` in the document format ``fmt`` (text, markdown, latex or html)."""
    return "".join(document_pieces(doc, fmt, diagram))


def document_pieces(
    doc: AnyDocument, fmt: str | OutputFormat, diagram: str | None = None
) -> Iterator[str]:
    """:func:`render_document` in pieces, each made as it is read (write each as it comes: a
    large solution is never held whole)."""
    chosen = fmt if isinstance(fmt, OutputFormat) else output_format(fmt)
    if chosen.pieces is None:
        raise UsageError(
            f"`format` {chosen.name!r} is not a document format; use one of "
            f"{', '.join(DOCUMENT_FORMATS)}"
        )
    return chosen.pieces(doc, diagram if chosen.shows_diagram else None)
