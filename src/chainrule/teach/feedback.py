"""A check result as a Document, so every renderer shows it: text, Markdown, HTML (and JSON)."""

from __future__ import annotations

import json

from chainrule.explain.document import Document, Math, Paragraph, Section, Table
from chainrule.explain.notation import Numbers
from chainrule.render.formats import FORMATS as FORMAT_TABLE
from chainrule.render.formats import output_format, render_document
from chainrule.teach.checking import CheckResult

FORMATS = tuple(FORMAT_TABLE)
"""The formats a marking is written in: the one table's (``render.formats``)."""
MARKS = {"right": "right", "follows": "carried forward", "rounding": "rounded: part",
         "wrong": "WRONG", "unanswered": "-"}


def counts(result: CheckResult) -> str:
    """How many answers got each mark, as a student reads it: "2 right, 1 wrong"."""
    count = {status: sum(t.status == status for t in result.tests)
             for status in ("right", "follows", "rounding", "wrong", "unanswered")}
    parts = [f"{count['right']} right"]
    if count["follows"]:
        parts.append(f"{count['follows']} carried forward from your earlier numbers")
    if count["rounding"]:
        parts.append(f"{count['rounding']} rounded to fewer decimals than asked")
    parts.append(f"{count['wrong']} wrong")
    if count["unanswered"]:
        parts.append(f"{count['unanswered']} unanswered")
    return ", ".join(parts)


def _score(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def document(result: CheckResult, *, student: str | None = None) -> Document:
    """The marking as a Document: a table of every answer, then what went wrong and why."""
    num = Numbers(6)
    rows = tuple(
        (
            t.name,
            t.symbol_math or t.symbol,
            t.given_text,
            num(t.expected) if t.expected is not None and t.status != "unanswered" else "",
            MARKS.get(t.status, t.status) + (f": {', '.join(t.tags)}" if t.tags else ""),
        )
        for t in result.tests
    )
    who = f"{student}: " if student else ""
    summary = (
        f"{who}{_score(result.score)} of {_score(result.max_score)} marks ({counts(result)})."
    )
    summary = " ".join((summary, *result.extra.get("notes", ())))
    sections = [
        Section(
            f"Step {result.step}: your answers",
            (
                Paragraph((summary,)),
                Table(("quantity", "symbol", "yours", "right value", "mark"), rows),
            ),
        )
    ]
    notes = [
        Section(f"{t.symbol} ({t.name}): you wrote {t.given_text}",
                t.blocks or tuple(Paragraph((line,)) for line in t.explanation), 3,
                heading=(t.symbol_math, f" ({t.name}): you wrote {t.given_text}")
                if t.symbol_math else ())
        for t in result.tests if t.status not in ("right", "unanswered")
    ]
    first = result.first_wrong
    if first is not None:  # the first wrong step on top
        notes.sort(key=lambda section: not section.title.startswith(f"{first.symbol} ("))
    blank = [t.symbol for t in result.tests if t.status == "unanswered"]
    if notes:
        head: tuple[str | Math, ...] = (
            ("The first wrong step is ", first.symbol_math or first.symbol, ".") if first
            else ("Every answer is right or carried forward from your earlier numbers.",))
        sections.append(Section("What went wrong", (Paragraph(head),)))
        sections += notes
    elif result.answered:
        sections.append(Section("All right", (Paragraph((
            "Every answer is right." if not blank else "Every answer you gave is right.",)),)))
    else:
        sections.append(
            Section("Nothing to check", (Paragraph(("The answers file gives no numbers.",)),))
        )
    if blank and result.answered:
        sections.append(Section("Not answered", (Paragraph((", ".join(blank) + ".",)),)))
    return Document(f"Check: {result.title}", tuple(sections))


def render(result: CheckResult, fmt: str = "text", *, student: str | None = None) -> str:
    """The marking in ``fmt``, a format of the one table (:data:`FORMATS`: ``text``,
    ``markdown``, ``latex``, ``html``, ``json``)."""
    chosen = output_format(fmt)
    if chosen.document is None:
        return json.dumps(result.to_json(), indent=2, allow_nan=False) + "\n"
    return render_document(document(result, student=student), chosen)
