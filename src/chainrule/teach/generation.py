"""``chainrule generate``: one folder per student (or variant) with the sheet, the answers
template, the key and the network, plus ``variants.csv`` and a class key. The same seed and
roster give the same files, byte for byte."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chainrule.core.engine import solve
from chainrule.core.errors import UsageError
from chainrule.core.network import Network
from chainrule.core.schema import dumps_toml
from chainrule.io.atomic import write_atomic
from chainrule.teach.answers import template
from chainrule.teach.sheets import class_key, sheet
from chainrule.teach.variants import Rules, draw, variant_code, variant_seed

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*\Z")
ROSTER_COLUMNS = ("student", "student_id", "id", "username", "email")
FILES = ("network.toml", "sheet.md", "sheet.html", "sheet.tex", "answers.toml", "key.md")
VARIANTS_CSV = "variants.csv"


@dataclass(frozen=True)
class Variant:
    """One student's variant: who, its code, its folder and its network."""

    student: str
    code: str
    folder: str
    network: Network


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a CSV roster: the column ``student`` (or ``student_id``, ``id``,
    ``username``, ``email``), else the first column; one id a line."""
    p = Path(path)
    from chainrule.io.reading import Unreadable, read_text

    try:  # a regular file of bounded size only (not /dev/zero or a pipe)
        text = read_text(p)
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise UsageError(f"{path}: the roster is empty; give one student id a line")
    header = [c.strip().lower() for c in rows[0]]
    column = next((header.index(c) for c in ROSTER_COLUMNS if c in header), None)
    body = rows[1:] if column is not None else rows
    column = column or 0
    students = []
    for number, row in enumerate(body, start=2 if body is not rows else 1):
        sid = row[column].strip() if column < len(row) else ""
        if not ID_PATTERN.match(sid):
            raise UsageError(f"{path}: line {number}: {sid!r} is not a student id a folder can "
                             "be named by (letters, digits, _ . @ -)")
        students.append(sid)
    if len(set(students)) != len(students):
        twice = sorted({s for s in students if students.count(s) > 1})
        raise UsageError(f"{path}: student {twice[0]!r} is listed twice")
    return students


def variants(
    shape: Network,
    students: Sequence[str],
    *,
    seed: str,
    assignment: str,
    rules: Rules | None = None,
) -> list[Variant]:
    """The variant of each student (ids used as folder names)."""
    out = []
    for sid in students:
        net = draw(shape, variant_seed(seed, assignment, sid), rules)
        out.append(Variant(sid, variant_code(seed, assignment, sid), sid, net))
    return out


def check_output_folder(output: Path, force: bool) -> None:
    """An output folder must be new or empty, unless ``force``."""
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output}: is a file; give a folder to write into")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise UsageError(f"{output}: the folder is not empty; choose another or add --force "
                         "to overwrite its files")
    if not output.parent.is_dir():
        raise UsageError(f"{output}: the folder {str(output.parent)!r} does not exist")


def generate(
    shape: Network,
    output: str | Path,
    *,
    students: Sequence[str] | None = None,
    count: int | None = None,
    seed: str = "0",
    assignment: str = "Backpropagation",
    rules: Rules | None = None,
    force: bool = False,
    exact: bool = False,
    pdf: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[Variant]:
    """Write one folder per student (or ``count`` variants ``v01``, ``v02``, ...) under
    ``output``: network.toml, sheet.md, sheet.html, sheet.tex, answers.toml and key.md (with
    ``exact``, key-exact.md too: every answer as an exact decimal); and ``variants.csv`` and
    ``class-key.md`` beside them.

    Raises UsageError for a folder that is not empty (without ``force``) or no students.
    """
    from chainrule.render import solution
    from chainrule.render.html import render as html
    from chainrule.render.latex import render as latex
    from chainrule.render.markdown import render as markdown
    from chainrule.render.output import diagram_svg

    out = Path(output)
    if students is None:
        if count is None or count < 1:
            raise UsageError("give --count N (N >= 1) or --students ROSTER.csv")
        width = max(2, len(str(count)))
        students = [f"v{i:0{width}d}" for i in range(1, count + 1)]
    if not students:
        raise UsageError("no students to generate sheets for")
    if exact:
        from chainrule.teach.exact import unsupported

        why = unsupported(shape)
        if why:
            raise UsageError(f"`exact`: no exact answers for this network: {why}")
    if pdf and shutil.which("pdflatex") is None:
        raise UsageError("`pdf`: sheet.pdf needs pdflatex, which is not installed here; "
                         "sheet.tex is written without it")
    check_output_folder(out, force)
    made = variants(shape, students, seed=seed, assignment=assignment, rules=rules)
    out.mkdir(exist_ok=True)
    rows = []
    keys = []
    for v in made:
        folder = out / v.folder
        folder.mkdir(exist_ok=True)
        trace = solve(v.network)
        doc = sheet(trace, assignment=assignment, student=v.student, code=v.code)
        files = {
            "network.toml": dumps_toml(
                v.network, comment=f"{assignment}, variant {v.code} for {v.student}"
            ),
            "sheet.md": markdown(doc),
            "sheet.html": html(doc, diagram_svg(v.network)),
            "sheet.tex": latex(doc),
            "answers.toml": template(v.network),
            "key.md": solution("markdown", trace, {"decimals": 4, "dependency": False}),
        }
        if exact:
            from chainrule.teach.exact import exact_steps, table

            rows_exact = table(exact_steps(v.network)[0])
            files["key-exact.md"] = (
                f"# {assignment}: exact answers for {v.student} (variant {v.code})\n\n"
                "Every number of the network read as the decimal it is written as; "
                "every answer exact.\n\n| quantity | exact value |\n|:---|---:|\n"
                + "".join(f"| {n} | {t} |\n" for n, t in rows_exact)
            )
        for name, text in files.items():
            write_atomic(folder / name, text)
        if pdf:
            write_atomic(folder / "sheet.pdf", latex_pdf(files["sheet.tex"]))
        rows.append([v.student, v.code, v.folder, *(f"{v.folder}/{n}" for n in FILES)])
        keys.append((v.student, v.code, trace))
        if progress:
            progress(f"{v.folder}: variant {v.code}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "variant", "folder", *(n.replace(".", "_") for n in FILES)])
    writer.writerows(rows)
    write_atomic(out / VARIANTS_CSV, buffer.getvalue())
    write_atomic(out / "class-key.md", markdown(class_key(keys, assignment=assignment)))
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


def read_variants(sheets: str | Path) -> dict[str, tuple[str, Path]]:
    """``variants.csv`` of a generated folder: student -> (variant code, network file)."""
    folder = Path(sheets)
    path = folder / VARIANTS_CSV
    if not path.is_file():
        raise UsageError(f"{folder}: no {VARIANTS_CSV} here; give the folder `chainrule "
                         "generate` wrote")
    out = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out[row["student"]] = (row["variant"], folder / row["folder"] / "network.toml")
    return out
