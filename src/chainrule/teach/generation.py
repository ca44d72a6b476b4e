"""``chainrule generate``: what students get apart from what only the instructor keeps.

``DIR/sheets/<id>/`` holds each student's network.toml, sheet.md, sheet.html, sheet.tex (and
sheet.pdf), and the answers template: nothing that reveals an answer. ``DIR/instructor/`` holds
variants.csv, the class key and each variant's worked solution (``keys/<id>.md``), and the
secret when one was drawn. The same secret and roster give the same files, byte for byte.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from chainrule.core.engine import solve
from chainrule.core.errors import UsageError
from chainrule.core.network import Network
from chainrule.core.schema import dumps_toml
from chainrule.io.atomic import write_under
from chainrule.io.csvfile import csv_text
from chainrule.teach.answers import template
from chainrule.teach.secret import check_secret, new_secret, write_secret
from chainrule.teach.sheets import class_key, class_key_html, sheet, sheet_html, sheet_latex
from chainrule.teach.students import check_id
from chainrule.teach.variants import Rules, draw, variant_code, variant_seed

if TYPE_CHECKING:
    from chainrule.teach.shape_ranges import ShapeRange

ROSTER_COLUMNS = ("student", "student_id", "id", "username", "email")
CANVAS_ID_COLUMN = "id"
"""The id column of a Canvas gradebook export (recognised by its ``SIS User ID`` column)."""
SHEET_FILES = ("network.toml", "sheet.md", "sheet.html", "sheet.tex", "answers.toml")
FILES = (*SHEET_FILES, "key.md")
"""The files of each variant, named in variants.csv (the key in the instructor's folder)."""
SHEETS, INSTRUCTOR, KEYS = "sheets", "instructor", "keys"
MIN_ANSWER_DECIMALS, MAX_ANSWER_DECIMALS = 1, 15
"""The decimals a sheet may ask the answers to (0 would make the tolerance 0.51)."""
VARIANTS_CSV = "variants.csv"
LMS_NOT_STUDENTS = ("points possible", "muted", "read only")
"""First cells of the rows an LMS gradebook export puts under its header that are no student."""


@dataclass(frozen=True)
class Variant:
    """One student's variant: who, its code, its folder (under ``sheets/``) and its network."""

    student: str
    code: str
    folder: str
    network: Network


def read_roster(path: str | Path, id_column: str | None = None) -> list[str]:
    """Student ids from a CSV roster, one student a row.

    The ids are the column ``id_column`` when given (any case); else, for a Canvas gradebook
    export (it has ``SIS User ID``), its ``ID``; else the column ``student`` (or ``student_id``,
    ``id``, ``username``, ``email``), else the first column of a file without a header. Rows an
    LMS export adds under the header (Canvas's ``Points Possible``) are skipped. Each id is
    checked (:func:`chainrule.teach.students.check_id`); ids that differ only in case are
    refused (they would share a folder on macOS and Windows).
    """
    p = Path(path)
    from chainrule.io.reading import Unreadable, read_text

    try:  # a regular file of bounded size only (not /dev/zero or a pipe)
        text = read_text(p)
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    rows = [(n, r) for n, r in enumerate(csv.reader(io.StringIO(text)), start=1)
            if any(c.strip() for c in r)]
    if not rows:
        raise UsageError(f"{path}: the roster is empty; give one student id a line")
    header = [c.strip().lower() for c in rows[0][1]]
    if id_column is not None:
        if id_column.strip().lower() not in header:
            raise UsageError(f"{path}: no column {id_column!r}; the columns are "
                             f"{', '.join(c.strip() for c in rows[0][1])}")
        column: int | None = header.index(id_column.strip().lower())
    elif "sis user id" in header and CANVAS_ID_COLUMN in header:
        column = header.index(CANVAS_ID_COLUMN)
    else:
        column = next((header.index(c) for c in ROSTER_COLUMNS if c in header), None)
    body = rows[1:] if column is not None else rows
    column = column or 0
    students: list[str] = []
    seen: dict[str, str] = {}
    for number, row in body:
        first = row[0].strip().lower() if row else ""
        if first in LMS_NOT_STUDENTS:
            continue
        sid = row[column].strip() if column < len(row) else ""
        check_id(sid, f"{path}: line {number}")
        if sid.casefold() in seen:
            twice = seen[sid.casefold()]
            same = "listed twice" if twice == sid else f"listed twice ({twice!r} and {sid!r})"
            raise UsageError(f"{path}: line {number}: student {sid!r} is {same}")
        seen[sid.casefold()] = sid
        students.append(sid)
    if not students:
        raise UsageError(f"{path}: the roster has a header but no students")
    return students


def variants(
    shape: Network | ShapeRange,
    students: Sequence[str],
    *,
    seed: str,
    assignment: str,
    rules: Rules | None = None,
) -> list[Variant]:
    """The variant of each student (ids used as folder names); ``shape`` a network (its
    numbers redrawn) or a shape range (the shape drawn per student too)."""
    from chainrule.teach.shape_ranges import ShapeRange, draw_exercise

    out = []
    for sid in students:
        student_seed = variant_seed(seed, assignment, sid)
        if isinstance(shape, ShapeRange):
            rules = rules or Rules()
            net = draw_exercise(shape, student_seed, decimals=rules.decimals,
                                allow_dead=rules.allow_dead)
        else:
            net = draw(shape, student_seed, rules)
        out.append(Variant(sid, variant_code(seed, assignment, sid), sid, net))
    return out


def class_of(students: Sequence[str] | None, count: int | None) -> list[str]:
    """The class to generate for: the roster's students, or ``count`` variants ``v01``,
    ``v02``, ...; every id checked."""
    if students is None:
        if count is None or count < 1:
            raise UsageError("give --count N (N >= 1) or --students ROSTER.csv")
        width = max(2, len(str(count)))
        students = [f"v{i:0{width}d}" for i in range(1, count + 1)]
    if not students:
        raise UsageError("no students to generate sheets for")
    for sid in students:
        check_id(sid, "students")
    return list(students)


def check_pdf(pdf: bool) -> None:
    """``pdf`` needs pdflatex: refused before any work where it is not installed."""
    if pdf and shutil.which("pdflatex") is None:
        raise UsageError("`pdf`: sheet.pdf needs pdflatex, which is not installed here; "
                         "sheet.tex is written without it")


def check_output_folder(output: Path, force: bool) -> None:
    """An output folder must be new or empty, unless ``force``."""
    if output.is_symlink():
        raise UsageError(f"{output}: is a symbolic link; give a plain folder to write into")
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output}: is a file; give a folder to write into")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise UsageError(f"{output}: the folder is not empty; choose another or add --force "
                         "to overwrite its files")
    if not output.parent.is_dir():
        raise UsageError(f"{output}: the folder {str(output.parent)!r} does not exist")


def check_not_inside(output: Path, inputs: dict[str, str | Path | None]) -> None:
    """Refuse an output folder that is an input, or holds one, or lies inside an input folder
    (writing there would overwrite what the command reads, or be read by its next run)."""
    out = Path(os.path.realpath(output))
    for name, given in inputs.items():
        if given is None or not os.path.exists(given):
            continue
        source = Path(os.path.realpath(given))
        if source == out or out in source.parents or (source.is_dir() and source in out.parents):
            raise UsageError(f"--output {output}: {name} {given} is there, which this command "
                             "reads; write to another folder")


def generate(
    shape: Network | ShapeRange,
    output: str | Path,
    *,
    students: Sequence[str] | None = None,
    count: int | None = None,
    seed: str | None = None,
    assignment: str = "Backpropagation",
    rules: Rules | None = None,
    force: bool = False,
    exact: bool = False,
    pdf: bool = False,
    self_check: bool = False,
    progress: Callable[[str], None] | None = None,
    answer_decimals: int | None = None,
) -> list[Variant]:
    """Write each student's sheet (or ``count`` variants ``v01``, ``v02``, ...) under
    ``output/sheets/<id>/``: network.toml, sheet.md, sheet.html, sheet.tex (sheet.pdf with
    ``pdf``) and answers.toml; and under ``output/instructor/``: variants.csv, class-key.md and
    .html (to print), ``keys/<id>.md`` (with ``exact``, ``keys/<id>-exact.md`` too: every
    answer as an exact decimal).

    ``seed`` is the instructor's secret; None draws a random one and keeps it in
    ``instructor/secret.txt``. ``self_check`` adds to each sheet how to check it with
    ``chainrule check`` (for practice; not for graded work). ``answer_decimals`` (default
    ``rules.answer_decimals``, 4) is what the sheets ask the answers to: written on each sheet
    and in its answers template (``grade`` reads it from there: the tolerance), the keys worked
    to it; the given numbers' decimals are ``rules.decimals``.

    Raises UsageError for a folder that is not empty (without ``force``) or no students.
    """
    from chainrule.render import solution
    from chainrule.render.markdown import render as markdown

    out = Path(output)
    students = class_of(students, count)
    rules = rules or Rules()
    if answer_decimals is None:
        answer_decimals = rules.answer_decimals
    if (isinstance(answer_decimals, bool) or not isinstance(answer_decimals, int)
            or not MIN_ANSWER_DECIMALS <= answer_decimals <= MAX_ANSWER_DECIMALS):
        raise UsageError(f"`answer_decimals`: give a whole number from {MIN_ANSWER_DECIMALS} "
                         f"to {MAX_ANSWER_DECIMALS}, got {answer_decimals!r}"[:120])
    rules = replace(rules, answer_decimals=answer_decimals)
    drawn = seed is None
    secret = new_secret() if seed is None else check_secret(seed, "`seed`")
    if exact and isinstance(shape, Network):
        from chainrule.teach.exact import unsupported

        why = unsupported(shape)
        if why:
            raise UsageError(f"`exact`: no exact answers for this network: {why}")
    check_pdf(pdf)
    check_output_folder(out, force)
    made = variants(shape, students, seed=secret, assignment=assignment, rules=rules)
    if exact and not isinstance(shape, Network):
        from chainrule.teach.exact import unsupported

        for v in made:
            why = unsupported(v.network)
            if why:
                raise UsageError(f"`exact`: no exact answers for {v.student}'s variant: {why}; "
                                 "leave out the activations that take e^z")
    out.mkdir(exist_ok=True)
    stale = out / INSTRUCTOR / "assignment.json"  # an assignment written here before (--force)
    if stale.is_file() and not stale.is_symlink():  # would make grade read this as one
        stale.unlink()
    if drawn:
        (out / INSTRUCTOR).mkdir(exist_ok=True)
        write_secret(out / INSTRUCTOR, secret)
    rows = []
    keys = []
    for v in made:
        trace = solve(v.network)
        doc = sheet(trace, assignment=assignment, student=v.student, code=v.code,
                    answer_decimals=answer_decimals, self_check=self_check)
        files = {
            "network.toml": dumps_toml(
                v.network, comment=f"{assignment}, variant {v.code} for {v.student}"
            ),
            "sheet.md": markdown(doc),
            "sheet.html": sheet_html(doc, v.network),
            "sheet.tex": sheet_latex(doc, v.network),
            "answers.toml": template(v.network, self_check=self_check,
                                     decimals=answer_decimals),
        }
        folder = f"{SHEETS}/{v.folder}"
        for name, text in files.items():
            write_under(out, f"{folder}/{name}", text)
        if pdf:
            write_under(out, f"{folder}/sheet.pdf", latex_pdf(files["sheet.tex"]))
        key = f"{INSTRUCTOR}/{KEYS}/{v.folder}"
        write_under(out, f"{key}.md", solution("markdown", trace, {
            "decimals": max(4, answer_decimals), "dependency": False}))
        if exact:
            from chainrule.teach.exact import exact_steps, table

            rows_exact = table(exact_steps(v.network)[0])
            write_under(out, f"{key}-exact.md", (
                f"# {assignment}: exact answers for {v.student} (variant {v.code})\n\n"
                "Every number of the network read as the decimal it is written as; "
                "every answer exact.\n\n| quantity | exact value |\n|:---|---:|\n"
                + "".join(f"| {n} | {t} |\n" for n, t in rows_exact)
            ))
        rows.append([v.student, v.code, folder, *(f"{folder}/{n}" for n in SHEET_FILES),
                     f"{key}.md"])
        keys.append((v.student, v.code, trace))
        if progress:
            progress(f"{folder}: variant {v.code}")
    header = ["student", "variant", "folder", *(n.replace(".", "_") for n in FILES)]
    write_under(out, f"{INSTRUCTOR}/{VARIANTS_CSV}", csv_text(header, rows))
    key_doc = class_key(keys, assignment=assignment, decimals=answer_decimals)
    write_under(out, f"{INSTRUCTOR}/class-key.md", markdown(key_doc))
    write_under(out, f"{INSTRUCTOR}/class-key.html", class_key_html(key_doc))
    return made


def latex_pdf(tex: str) -> bytes:
    """A LaTeX document compiled by pdflatex, in a fresh folder, with the date fixed
    (SOURCE_DATE_EPOCH), so the same text gives the same PDF byte for byte."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "sheet.tex").write_text(tex, encoding="utf-8")
        try:
            done = subprocess.run(
                ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"],
                cwd=tmp, env=env, capture_output=True, timeout=120, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise UsageError(f"`pdf`: pdflatex did not run ({error})") from None
        result = Path(tmp, "sheet.pdf")
        if done.returncode != 0 or not result.is_file():
            last = done.stdout.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise UsageError(f"`pdf`: pdflatex failed ({' '.join(last)})")
        return result.read_bytes()


def layout_root(generated: str | Path) -> tuple[Path, Path]:
    """(the folder paths in variants.csv are relative to, variants.csv) of ``generate``'s
    folder: ``DIR/instructor/variants.csv``, or the older flat ``DIR/variants.csv``; the
    ``instructor`` folder itself is accepted too."""
    folder = Path(generated)
    if (folder / INSTRUCTOR / VARIANTS_CSV).is_file():
        return folder, folder / INSTRUCTOR / VARIANTS_CSV
    if (folder / VARIANTS_CSV).is_file():
        if folder.name == INSTRUCTOR and (folder.parent / SHEETS).is_dir():
            return folder.parent, folder / VARIANTS_CSV
        return folder, folder / VARIANTS_CSV
    raise UsageError(f"{folder}: no {INSTRUCTOR}/{VARIANTS_CSV} here; give the folder "
                     "`chainrule generate` wrote")


def read_variants(generated: str | Path) -> dict[str, tuple[str, Path]]:
    """``variants.csv`` of a generated folder (either layout): student -> (variant code,
    network file). Every student id is checked, and every folder must lie inside."""
    from chainrule.io.reading import Unreadable, read_text

    base, path = layout_root(generated)
    try:
        text = read_text(path)
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    out: dict[str, tuple[str, Path]] = {}
    reader = csv.DictReader(io.StringIO(text))
    if not {"student", "variant", "folder"} <= set(reader.fieldnames or ()):
        raise UsageError(f"{path}: needs the columns student, variant and folder")
    for number, row in enumerate(reader, start=2):
        where = f"{path}: line {number}"
        sid = check_id((row["student"] or "").strip(), where)
        folder = (row["folder"] or "").strip()
        parts = Path(folder).parts
        if not parts or Path(folder).is_absolute() or ".." in parts or "\\" in folder:
            raise UsageError(f"{where}: folder {folder!r} is not a folder inside {base}")
        if sid in out:
            raise UsageError(f"{where}: student {sid!r} is listed twice")
        out[sid] = ((row["variant"] or "").strip(), base / folder / "network.toml")
    return out
