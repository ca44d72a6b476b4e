"""``chainrule grade``: check every student's answers against their own variant; write the class
CSV, per-student JSON and HTML feedback, and a class report (score distribution, how often each
mistake occurred). A missing or unreadable submission is reported and the rest graded."""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import statistics
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainrule.core.errors import ChainruleError, UsageError
from chainrule.io.netfile import load
from chainrule.teach.answers import Answers, AnswersError, Written, parse, read
from chainrule.teach.checking import Checker, CheckResult
from chainrule.teach.generation import check_output_folder, read_variants
from chainrule.teach.marking import RTOL, Tolerance
from chainrule.teach.mistakes import CATALOGUE
from chainrule.teach.quantities import Graph
from chainrule.teach.students import check_id


@dataclass(frozen=True)
class GradingConfig:
    """Points per quantity and credit per status, from a small TOML file::

        rtol = 0.01
        [credit]           # fraction of a quantity's points per status
        follows = 1.0
        rounding = 0.0
        [weights]          # points per quantity (name or * pattern); 0 = not asked
        "new_w.*" = 2
        "da_dz.*" = 0
    """

    rtol: float = RTOL
    credit: Mapping[str, float] = field(
        default_factory=lambda: {"right": 1.0, "follows": 1.0, "rounding": 0.0, "wrong": 0.0}
    )
    weights: Mapping[str, float] = field(default_factory=dict)

    def weight(self, name: str) -> float:
        for pattern, points in self.weights.items():
            if fnmatch.fnmatchcase(name, pattern):
                return points
        return 1.0

    @classmethod
    def read(cls, path: str | Path) -> GradingConfig:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise UsageError(f"{path}: cannot read the grading config ({error})") from None
        unknown = set(data) - {"rtol", "credit", "weights"}
        if unknown:
            raise UsageError(f"{path}: {sorted(unknown)[0]}: not a grading setting; valid are "
                             "rtol, [credit], [weights]")
        credit = dict(cls().credit)
        for status, value in dict(data.get("credit", {})).items():
            if status not in credit or not isinstance(value, (int, float)) or not (
                0 <= value <= 1
            ):
                raise UsageError(f"{path}: [credit] {status}: give a fraction from 0 to 1 for "
                                 "one of right, follows, rounding, wrong")
            credit[status] = float(value)
        weights = {}
        for pattern, value in dict(data.get("weights", {})).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise UsageError(f"{path}: [weights] {pattern!r}: give points >= 0")
            weights[pattern] = float(value)
        rtol = data.get("rtol", RTOL)
        if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or rtol < 0:
            raise UsageError(f"{path}: rtol: give a number >= 0")
        return cls(float(rtol), credit, weights)


@dataclass
class StudentGrade:
    """One student's grade: the marking, or why there is none."""

    student: str
    variant: str
    result: CheckResult | None = None
    problem: str = ""
    score: float = 0.0
    max_score: float = 0.0
    per_quantity: dict[str, float] = field(default_factory=dict)
    """Points per asked quantity (absent: not answered)."""
    unanswered: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json() if self.result else {"tests": []}
        data.update({"student": self.student, "variant": self.variant,
                     "score": _n(self.score), "max_score": _n(self.max_score),
                     "unanswered": self.unanswered})
        if self.problem:
            data["problem"] = self.problem
        return data


def _n(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 6)


@dataclass
class ClassGrades:
    students: list[StudentGrade]
    quantities: list[str]

    @property
    def graded(self) -> list[StudentGrade]:
        return [s for s in self.students if s.result is not None]

    @property
    def problems(self) -> list[StudentGrade]:
        return [s for s in self.students if s.result is None]


def read_submissions(path: str | Path, students: Mapping[str, str]) -> dict[str, Any]:
    """Submissions by student: a folder of ``<student>.toml``/``.json`` answers files (the
    text, to parse per variant), or one CSV ``student, [variant,] quantity, answer``."""
    p = Path(path)
    out: dict[str, Any] = {}
    if p.is_dir():
        for file in sorted(p.iterdir()):
            if file.suffix.lower() in (".toml", ".json") and file.is_file():
                out[file.stem] = file
        return out
    if not p.is_file():
        raise UsageError(f"{path}: no such folder or CSV file of submissions")
    from chainrule.io.reading import Unreadable, read_text

    try:  # a regular file of bounded size only (not /dev/zero or a pipe)
        text = read_text(p)
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    reader.fieldnames = fields
    sid = next((c for c in ("student", "student_id", "id") if c in fields), None)
    if sid is None or "quantity" not in fields or "answer" not in fields:
        raise UsageError(f"{path}: the CSV needs the columns student (or student_id), quantity "
                         f"and answer; it has {', '.join(fields) or 'none'}")
    rows: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(reader, start=2):
        who = (row.get(sid) or "").strip()
        if not who:
            continue
        entry = rows.setdefault(who, {"values": {}, "lines": {}, "variant": None, "file": str(p)})
        entry["values"][(row.get("quantity") or "").strip()] = (row.get("answer") or "").strip()
        entry["lines"][(row.get("quantity") or "").strip()] = number
        if row.get("variant"):
            entry["variant"] = row["variant"].strip()
    out.update(rows)
    return out


def _answers_from_csv(entry: Mapping[str, Any], graph: Graph) -> Answers:
    values: dict[str, Written] = {}
    names = set(graph.names)
    for quantity, answer in entry["values"].items():
        line = entry["lines"][quantity]
        where = f"{entry['file']}: line {line}"
        if quantity not in names:
            raise AnswersError(f"{where}: {quantity!r}: not a quantity of this network (names "
                               "look like a.j, dC_dw.i -> j, new_w.j -> k)")
        if not answer:
            continue
        written = Written.parse(answer)
        if written is None:
            raise AnswersError(f"{where}: {quantity}: {answer!r} is not a number")
        values[quantity] = written
    return Answers(1, values, source=str(entry["file"]))


def grade(
    sheets: str | Path,
    submissions: str | Path,
    *,
    config: GradingConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> ClassGrades:
    """Check every student of ``sheets/variants.csv`` against their own variant."""
    config = config or GradingConfig()
    tolerance = Tolerance(config.rtol)
    roster = read_variants(sheets)
    subs = read_submissions(submissions, {s: v for s, (v, _) in roster.items()})
    grades: list[StudentGrade] = []
    quantities: list[str] = []
    for student, (code, network_file) in roster.items():
        g = StudentGrade(student, code)
        grades.append(g)
        try:
            net = load(network_file)
        except ChainruleError as error:
            g.problem = f"cannot read the variant: {error}"
            continue
        graph = Graph(net)
        asked = [n.name for n in graph.nodes if n.name and n.kind != "input"
                 and config.weight(n.name) > 0]
        if not quantities:
            quantities = asked
        g.max_score = sum(config.weight(q) for q in asked)
        sub = subs.get(student)
        if sub is None:
            g.problem = "no submission"
            continue
        try:
            if isinstance(sub, Path):
                text = sub.read_text(encoding="utf-8")
                fmt = "json" if sub.suffix.lower() == ".json" else None
                answers = parse(read(text, name=str(sub), fmt=fmt), net, source=str(sub),
                                text=text)
            else:
                if sub["variant"] and sub["variant"] != code:
                    raise AnswersError(f"{sub['file']}: {student} answered variant "
                                       f"{sub['variant']}, but theirs is {code}")
                answers = _answers_from_csv(sub, graph)
        except (ChainruleError, OSError, UnicodeDecodeError) as error:
            g.problem = f"unreadable submission: {error}"
            continue
        result = Checker(net, tolerance).check(answers)
        g.result = result
        for t in result.tests:
            if t.name in asked:
                g.per_quantity[t.name] = config.weight(t.name) * config.credit.get(t.status, 0)
        g.score = sum(g.per_quantity.values())
        g.unanswered = [q for q in asked if q not in g.per_quantity]
        if progress:
            progress(f"{student}: {_n(g.score)} of {_n(g.max_score)}")
    unknown = sorted(set(subs) - set(roster))
    for who in unknown:
        grades.append(StudentGrade(who, "", problem="a submission from a student not in "
                                   "variants.csv"))
    return ClassGrades(grades, quantities)


def write(grades: ClassGrades, output: str | Path, *, force: bool = False) -> None:
    """grades.csv, <student>.json and .html, report.md and report.html into ``output``."""
    from chainrule.io.atomic import write_under
    from chainrule.io.csvfile import csv_text
    from chainrule.teach.feedback import render

    out = Path(output)
    check_output_folder(out, force)
    for g in grades.students:  # every name a file is written by, checked before any is
        check_id(g.student, "grade")
    out.mkdir(exist_ok=True)
    rows: list[list[object]] = []
    for g in grades.students:
        if g.result is None:
            rows.append([g.student, g.variant, "", _n(g.max_score) if g.max_score else "",
                         *([""] * len(grades.quantities))])
            continue
        rows.append([g.student, g.variant, _n(g.score), _n(g.max_score),
                     *(_cell(g.per_quantity.get(q)) for q in grades.quantities)])
    header = ["student", "variant", "score", "max_score", *grades.quantities]
    write_under(out, "grades.csv", csv_text(header, rows))
    for g in grades.students:
        write_under(out, f"{g.student}.json",
                    json.dumps(g.to_json(), indent=2, allow_nan=False) + "\n")
        if g.result is not None:
            write_under(out, f"{g.student}.html", render(g.result, "html", student=g.student))
    doc = report(grades)
    from chainrule.render.html import render as html
    from chainrule.render.markdown import render as markdown

    write_under(out, "report.md", markdown(doc))
    write_under(out, "report.html", html(doc))


def _cell(x: float | None) -> str | float | int:
    return "" if x is None else _n(x)


def report(grades: ClassGrades) -> Any:
    """The class report as a Document: scores, their distribution, mistakes, quantities."""
    from chainrule.explain.document import Document, Paragraph, Section, Table

    graded = grades.graded
    sections = []
    lines = [f"{len(graded)} of {len(grades.students)} submissions graded."]
    if graded:
        fractions = [g.score / g.max_score if g.max_score else 0.0 for g in graded]
        lines.append(
            f"Mean score {100 * statistics.fmean(fractions):.0f}%, median "
            f"{100 * statistics.median(fractions):.0f}%."
        )
    sections.append(Section("Summary", tuple(Paragraph((line,)) for line in lines)))
    if grades.problems:
        sections.append(Section("Not graded", (Table(
            ("student", "why"), tuple((g.student, g.problem) for g in grades.problems)
        ),)))
    if graded:
        bins = Counter(min(int(10 * g.score / g.max_score), 9) if g.max_score else 0
                       for g in graded)
        rows = tuple(
            (f"{10 * b}-{10 * b + 10}%", str(bins.get(b, 0)), "#" * bins.get(b, 0))
            for b in range(10)
        )
        sections.append(Section("Score distribution", (Table(("score", "students", ""), rows),)))
        counts: Counter[str] = Counter()
        for g in graded:
            assert g.result is not None
            for mistake in {tag for t in g.result.tests for tag in t.tags}:
                counts[mistake] += 1
        if counts:
            mistake_rows = tuple(
                (m, CATALOGUE[m].title if m in CATALOGUE else m, str(n),
                 f"{100 * n / len(graded):.0f}%")
                for m, n in counts.most_common()
            )
            top, n = counts.most_common(1)[0]
            sections.append(Section("Mistakes", (
                Paragraph((f"{100 * n / len(graded):.0f}% of the class made the mistake "
                           f"{top} ({CATALOGUE[top].title if top in CATALOGUE else top}).",)),
                Table(("mistake", "what", "students", "of the class"), mistake_rows),
            )))
        else:
            sections.append(Section("Mistakes", (Paragraph(("No mistake recognised.",)),)))
        per_q = []
        for q in grades.quantities:
            answered = [g for g in graded if q in g.per_quantity]
            right = [g for g in answered if g.result and any(
                t.name == q and t.status == "right" for t in g.result.tests)]
            per_q.append((q, str(len(answered)),
                          f"{100 * len(right) / len(answered):.0f}%" if answered else ""))
        sections.append(Section("Quantities", (Table(("quantity", "answered", "right"),
                                                     tuple(per_q)),)))
    return Document("Class report", tuple(sections))
