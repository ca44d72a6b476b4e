"""``grade --lms canvas|moodle --roster EXPORT.csv``: the grades as a file the LMS imports.

Both are built from the LMS's own gradebook export, so the students are matched the way the LMS
matches them and nothing it does not know is in the file:

- **Canvas** matches rows on its identity columns (``Student``, ``ID``, ``SIS User ID``, ``SIS
  Login ID``, ``Section``; ``Integration ID`` when the export has it) and turns every other
  column into an assignment. ``canvas.csv`` carries the export's identity columns, its ``Points
  Possible`` row, and ONE assignment column: the export's own column for the assignment when it
  has one (``Week 3 (12345)``, so the grades go into it), else a new column by that name.
- **Moodle** imports a CSV after one column is mapped to a user field; a user it does not know
  aborts the import. ``moodle.csv`` has the id field the export has (``ID number``, else
  ``Email address``, else ``Username``), the grade, and a feedback column.

A graded student the export does not list is reported and left out; so is an exported student
with no grade (no submission), so that an import never changes a grade it should not. Every
cell goes through :func:`chainrule.io.csvfile.csv_text`, so a name that looks like a formula is
written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainrule.core.errors import UsageError
from chainrule.io.csvfile import csv_text
from chainrule.teach.grading import StudentGrade

LMS = ("canvas", "moodle")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
"""The columns Canvas matches a row by (Integration ID only in some exports)."""
CANVAS_MATCH = ("ID", "SIS User ID", "SIS Login ID", "Integration ID")
"""The identity columns a class's student id is looked up in."""
POINTS_POSSIBLE = "points possible"
MOODLE_IDS = ("ID number", "Email address", "Username")
"""The user fields Moodle's import can match, in the order chainrule prefers them."""
MAX_ROWS = 100_000


@dataclass
class Export:
    """An LMS gradebook export: its header and its rows (student rows, and Canvas's Points
    Possible row apart)."""

    kind: str
    path: str
    header: list[str]
    rows: list[list[str]]
    points_row: list[str] | None = None

    def column(self, name: str) -> int | None:
        wanted = name.strip().lower()
        return next((i for i, h in enumerate(self.header) if h.strip().lower() == wanted), None)

    def cell(self, row: Sequence[str], name: str) -> str:
        i = self.column(name)
        return row[i].strip() if i is not None and i < len(row) else ""


@dataclass
class LmsFile:
    """The import file's name and text, and who is in it and who is not."""

    name: str
    text: str
    written: list[str] = field(default_factory=list)
    not_in_export: list[str] = field(default_factory=list)
    """Graded students the export does not list: left out."""
    no_grade: list[str] = field(default_factory=list)
    """Students of the export (by the LMS's name for them) with no grade: left out."""
    column: str = ""
    scale: float | None = None
    """The points of the export's own column, when the grades were written on its scale."""


def read_export(path: str | Path, kind: str) -> Export:
    """Read a Canvas or Moodle gradebook export (CSV), checked before any grading: one line
    naming the file and what is wrong when it is not such an export."""
    from chainrule.io.reading import Unreadable, read_text

    if kind not in LMS:
        raise UsageError(f"--lms: {kind!r} is not an LMS chainrule writes for; give "
                         f"{' or '.join(LMS)}")
    try:
        text = read_text(Path(path))
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    text = text.removeprefix("\ufeff")  # Excel's and Moodle's byte order mark
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    except csv.Error as error:
        raise UsageError(f"{path}: not a CSV file ({error})") from None
    if not rows:
        raise UsageError(f"{path}: the {kind} export is empty")
    if len(rows) > MAX_ROWS:
        raise UsageError(f"{path}: more than {MAX_ROWS} rows; give the course's export")
    export = Export(kind, str(path), [h.strip() for h in rows[0]], [])
    if kind == "canvas":
        for needed in ("Student", "ID"):
            if export.column(needed) is None:
                raise UsageError(f"{path}: no {needed!r} column: give the CSV Canvas exports "
                                 "from the gradebook (Student, ID, SIS User ID, SIS Login ID, "
                                 "Section, ...)")
    else:
        if not any(export.column(c) is not None for c in MOODLE_IDS):
            raise UsageError(f"{path}: none of the columns {', '.join(MOODLE_IDS)}: give the "
                             "CSV Moodle exports from the gradebook (Export > Plain text file)")
    for row in rows[1:]:
        first = row[0].strip().lower() if row else ""
        if kind == "canvas" and first == POINTS_POSSIBLE:
            export.points_row = row
        elif kind == "canvas" and export.cell(row, "ID") == "" and first in (
                "", "muted", "manual posting", "read only"):
            continue  # Canvas's other rows under the header
        else:
            export.rows.append(row)
    return export


@dataclass(frozen=True)
class Grade:
    """One graded student: the class's id, the score, the maximum, a line of feedback."""

    student: str
    score: float
    max_score: float
    feedback: str


def _value(g: Grade, percent: bool) -> float | int:
    x = 100 * g.score / g.max_score if percent and g.max_score else g.score
    return int(x) if float(x).is_integer() else round(x, 2)


def _match(export: Export, names: Sequence[str], grades: Sequence[Grade]
           ) -> tuple[dict[str, int], list[str]]:
    """Each graded student's row in the export (matched on ``names``, any case)."""
    index: dict[str, int] = {}
    for i, row in enumerate(export.rows):
        for name in names:
            value = export.cell(row, name).lower()
            if value:
                index.setdefault(value, i)
    found: dict[str, int] = {}
    missing: list[str] = []
    for g in grades:
        at = index.get(g.student.strip().lower())
        if at is None:
            missing.append(g.student)
        else:
            found[g.student] = at
    return found, missing


def canvas(export: Export, grades: Sequence[Grade], *, assignment: str,
           percent: bool = False) -> LmsFile:
    """``canvas.csv``: the export's identity columns, its Points Possible row and one
    assignment column (the export's own column for ``assignment`` when it has one)."""
    identity = [h for h in export.header if h in CANVAS_IDENTITY]
    column = next((h for h in export.header
                   if h == assignment or (h.startswith(assignment + " (") and h.endswith(")"))),
                  assignment)
    found, missing = _match(export, CANVAS_MATCH, grades)
    rows: list[list[object]] = []
    maxima = [g.max_score for g in grades]
    # an existing assignment keeps its points in Canvas: the grades are written on its scale
    scale = _points_possible(export, column)
    if export.points_row is not None:  # kept: Canvas reads the column's points from it
        points = export.points_row
        possible: float | int | str = _number_cell(scale) if scale is not None else (
            100 if percent else (
                _value(Grade("", max(maxima), max(maxima), ""), False) if maxima else ""))
        rows.append([points[0] if h == "Student" else export.cell(points, h) for h in identity]
                    + [possible])
    by_row = {found[g.student]: g for g in grades if g.student in found}
    for i in sorted(by_row):
        row = export.rows[i]
        g = by_row[i]
        value = _value(g, percent) if scale is None else _number_cell(
            scale * g.score / g.max_score if g.max_score else 0.0)
        rows.append([export.cell(row, h) for h in identity] + [value])
    graded = set(by_row)
    no_grade = [export.cell(r, "Student") or export.cell(r, "ID")
                for i, r in enumerate(export.rows) if i not in graded]
    same = scale is not None and not percent and all(g.max_score == scale for g in grades)
    return LmsFile("canvas.csv", csv_text([*identity, column], rows),
                   [g.student for g in grades if g.student in found], missing, no_grade, column,
                   None if scale is None or same else scale)


def _points_possible(export: Export, column: str) -> float | None:
    """The points of the export's own column ``column`` (its Points Possible cell), or None
    when the export has no such column or no number there."""
    if export.points_row is None or export.column(column) is None:
        return None
    try:
        points = float(export.cell(export.points_row, column))
    except ValueError:
        return None
    return points if points > 0 and points < float("inf") else None


def _number_cell(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 2)


def moodle(export: Export, grades: Sequence[Grade], *, assignment: str,
           percent: bool = False) -> LmsFile:
    """``moodle.csv``: the id field the export has, the grade and a feedback column."""
    present = [c for c in MOODLE_IDS if export.column(c) is not None]
    found, missing = _match(export, present, grades)
    # the id field: the first that every matched student has a value in (Moodle maps one)
    id_field = next((c for c in present
                     if all(export.cell(export.rows[i], c) for i in found.values())), present[0])
    by_row = {found[g.student]: g for g in grades if g.student in found}
    rows: list[list[object]] = []
    for i in sorted(by_row):
        g = by_row[i]
        rows.append([export.cell(export.rows[i], id_field), _value(g, percent), g.feedback])
    graded = set(by_row)
    no_grade = [export.cell(r, id_field) or export.cell(r, present[0])
                for i, r in enumerate(export.rows) if i not in graded]
    header = [id_field, assignment, f"{assignment} feedback"]
    return LmsFile("moodle.csv", csv_text(header, rows),
                   [g.student for g in grades if g.student in found], missing, no_grade,
                   assignment)


def grades_of(students: Sequence[StudentGrade]) -> list[Grade]:
    """The graded students of ``grade`` (those with a marking), each with a line of feedback:
    the score, the first wrong step and the mistakes recognised."""
    out = []
    for g in students:
        if g.result is None:
            continue
        parts = [f"{_number(g.score)} of {_number(g.max_score)} marks"]
        first = g.result.first_wrong
        if first is not None:
            parts.append(f"first wrong step {first.symbol}")
        tags = sorted({tag for t in g.result.tests for tag in t.tags})
        if tags:
            parts.append("mistakes: " + ", ".join(tags))
        out.append(Grade(g.student, g.score, g.max_score, "; ".join(parts) + "."))
    return out


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def lms_file(kind: str, export: Export, grades: Sequence[Grade], *, assignment: str,
             percent: bool = False) -> LmsFile:
    """The import file for ``kind`` (``canvas`` or ``moodle``)."""
    if not assignment.strip():
        raise UsageError("--assignment: give the assignment's name (its gradebook column)")
    build = canvas if kind == "canvas" else moodle
    return build(export, grades, assignment=assignment.strip(), percent=percent)
