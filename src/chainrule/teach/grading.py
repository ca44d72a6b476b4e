"""``chainrule grade``: check every student's answers against their own variant; write the class
CSV, per-student JSON and HTML feedback, and a class report (score distribution, how often each
mistake occurred). A missing or unreadable submission is reported and the rest graded."""

from __future__ import annotations

import csv
import dataclasses
import fnmatch
import io
import json
import math
import statistics
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainrule.core.errors import ChainruleError, UsageError
from chainrule.io.netfile import load
from chainrule.io.reading import Unreadable, read_text, read_toml_config
from chainrule.teach.answers import (
    MAX_ANSWERS_BYTES,
    Answers,
    AnswersError,
    NumberRange,
    Written,
    parse,
    read,
)
from chainrule.teach.checking import Checker, CheckResult, order
from chainrule.teach.checking import asked as checked
from chainrule.teach.generation import check_output_folder, read_variants
from chainrule.teach.intake import Found, Intake, collect
from chainrule.teach.marking import DECIMALS, ROUNDING_CREDIT, RTOL, Tolerance
from chainrule.teach.mistakes import CATALOGUE
from chainrule.teach.quantities import Graph
from chainrule.teach.rubric import SECTIONS as RUBRIC_SECTIONS
from chainrule.teach.rubric import Rubric
from chainrule.teach.rubric import read as read_rubric
from chainrule.teach.students import check_id


@dataclass(frozen=True)
class GradingConfig:
    """Points per quantity and credit per status, from a small TOML file::

        rtol = 0.01
        [credit]           # fraction of a quantity's points per status
        follows = 1.0
        rounding = 0.5
        [weights]          # points per quantity (name or * pattern); 0 = not asked
        "new_w.*" = 2
        "da_dz.*" = 0
    """

    rtol: float = RTOL
    credit: Mapping[str, float] = field(
        default_factory=lambda: {"right": 1.0, "follows": 1.0, "rounding": ROUNDING_CREDIT,
                                 "wrong": 0.0, "unanswered": 0.0}
    )
    weights: Mapping[str, float] = field(default_factory=dict)
    rubric: Rubric = field(default_factory=Rubric)
    """[deductions] per mistake and [late] (see :mod:`chainrule.teach.rubric`)."""

    def weight(self, name: str) -> float:
        for pattern, points in self.weights.items():
            if fnmatch.fnmatchcase(name, pattern):
                return points
        return 1.0

    @classmethod
    def read(cls, path: str | Path) -> GradingConfig:
        """The config in the TOML file ``path``, every value checked (type, range, finite)
        before anything is graded or written; UsageError naming the key otherwise."""
        data = read_toml_config(path, MAX_CONFIG_BYTES, "grading config",
                                kind="a grading config")
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "the grading config"
                  ) -> GradingConfig:
        """A config from a dict shaped like the TOML file, every value checked."""
        unknown = set(data) - {"rtol", "credit", "weights", *RUBRIC_SECTIONS}
        if unknown:
            raise UsageError(f"{source}: {sorted(unknown)[0]}: not a grading setting; valid are "
                             "rtol, [credit], [weights], [deductions], [late]")
        credit = dict(cls().credit)
        statuses = ", ".join(credit)
        for status, value in _table(data, "credit", source).items():
            if status not in credit or not _number(value) or not (
                0 <= value <= 1
            ):
                raise UsageError(f"{source}: [credit] {status} = {_shown(value)}: give a "
                                 f"fraction from 0 to 1 for one of {statuses}")
            credit[status] = float(value)
        weights = {}
        for pattern, value in _table(data, "weights", source).items():
            if not _number(value) or not 0 <= value <= MAX_POINTS:
                raise UsageError(f"{source}: [weights] {pattern!r} = {_shown(value)}: give "
                                 f"points from 0 to {MAX_POINTS}")
            weights[pattern] = float(value)
        rtol = data.get("rtol", RTOL)
        if not _number(rtol) or not 0 <= rtol <= 1:
            raise UsageError(f"{source}: rtol = {_shown(rtol)}: give a relative tolerance "
                             "from 0 to 1 (0.01 is 1%)")
        return cls(float(rtol), credit, weights, read_rubric(data, source))


MAX_CONFIG_BYTES = 2**20
SHEET_STEP = 1
"""The step a generated sheet asks for (an answers file's ``step`` cannot choose another: at
step 10,000 a converged network's gradients are 0, and a sheet of zeros would be right)."""
MAX_POINTS = 1000


def _number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _table(data: Mapping[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"{source}: {key} = {_shown(value)}: give a table, [{key}] with "
                         "one line per " + ("status" if key == "credit" else "quantity pattern"))
    return value


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
    submitted: bool = False
    """Whether a submission was found (a malformed one too)."""
    notes: list[str] = field(default_factory=list)
    """What the instructor should know (a second file for this student)."""
    deductions: dict[str, float] = field(default_factory=dict)
    """Points off per recognised mistake (the rubric's [deductions], each once)."""
    points: dict[str, float] = field(default_factory=dict)
    """The points each asked quantity is worth (the config's weights)."""
    key: dict[str, float] = field(default_factory=dict, repr=False)
    """The right value of every quantity of this student's variant (for copy detection)."""
    copied: tuple[str, int, int] | None = None
    """(the classmate whose variant the answers match better, their matches, own matches)."""
    late: float = 0.0
    """The fraction of the marks taken off for lateness (a submissions CSV's ``submitted``
    time against the grading config's ``[late] due``)."""

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json() if self.result else {"tests": []}
        if self.result is not None and self.points:
            # each test's points as grades.csv has them: the config's weights and credit, the
            # quantities not asked (weight 0) left out
            tests = []
            for test in data["tests"]:
                name = test.get("name", "")
                if name in self.points:
                    test["score"] = _n(self.per_quantity.get(name, 0.0))
                    test["max_score"] = _n(self.points[name])
                elif not name.startswith("dC_dw_formula."):
                    continue
                tests.append(test)
            data["tests"] = tests
        data.update({"student": self.student, "variant": self.variant,
                     # no marking, no score: empty in grades.csv, null here
                     "score": _n(self.score) if self.result else None,
                     "max_score": _n(self.max_score),
                     "unanswered": self.unanswered})
        if self.deductions:
            data["deductions"] = self.deductions
        if self.problem:
            data["problem"] = self.problem
        if self.notes:
            data["notes"] = self.notes
        if self.late:
            data["late"] = {"fraction": self.late}
        if self.copied:
            data["copy_flag"] = {"matches_variant_of": self.copied[0],
                                 "matches": self.copied[1], "matches_own": self.copied[2]}
        return data


def _n(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 6)


@dataclass
class ClassGrades:
    students: list[StudentGrade]
    quantities: list[str]
    ignored: list[tuple[str, str]] = field(default_factory=list)
    """(file, why) for each file in SUBMISSIONS that was not graded."""
    matched: list[tuple[str, str, str]] = field(default_factory=list)
    """(file, student, how) for each file graded whose name did not name its student exactly."""

    @property
    def graded(self) -> list[StudentGrade]:
        return [s for s in self.students if s.result is not None]

    @property
    def problems(self) -> list[StudentGrade]:
        return [s for s in self.students if s.result is None]


def read_submissions(path: str | Path, students: Mapping[str, str]) -> dict[str, Any]:
    """Submissions by student: a folder's answers files matched to ``students`` (a
    :class:`~chainrule.teach.intake.Found` each, see :mod:`chainrule.teach.intake`), or one CSV
    ``student, [variant,] quantity, answer`` (a dict each). Files not matched are in
    :func:`read_intake`'s ``ignored``."""
    return read_intake(path, students)[0]


def _not_the_keys(sheets: str | Path, submissions: str | Path) -> None:
    """Refuse a SUBMISSIONS folder that holds the instructor's folder (its keys would be read as
    the students' answers); one inside the generated folder (``week3/submissions/``) is fine."""
    import os

    from chainrule.teach.generation import INSTRUCTOR, layout_root

    keys = Path(os.path.realpath(layout_root(sheets)[0] / INSTRUCTOR))
    folder = Path(os.path.realpath(submissions))
    if folder.is_dir() and (folder == keys or folder in keys.parents):
        where = "is" if folder == keys else "holds"
        raise UsageError(f"{submissions}: {where} the instructor's folder of {sheets} (the keys, "
                         "which would be read as answers); give the folder of the students' "
                         "files only")


def read_intake(path: str | Path, students: Mapping[str, str]
                ) -> tuple[dict[str, Any], Intake | None]:
    """(:func:`read_submissions`, the folder's :class:`~chainrule.teach.intake.Intake` or None
    for a CSV)."""
    p = Path(path)
    if p.is_dir():  # the folder named may be a link; nothing inside it is followed
        intake = collect(p, students)
        return dict(intake.files), intake
    if not p.is_file():
        raise UsageError(f"{path}: no such folder or CSV file of submissions")
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
    folded = {s.casefold(): s for s in students}
    for number, row in enumerate(reader, start=2):
        who = (row.get(sid) or "").strip()
        if not who:
            continue
        check_id(who, f"{path}: line {number}")
        who = folded.get(who.casefold(), who)
        entry = rows.setdefault(who, {"values": {}, "lines": {}, "variant": None, "file": str(p)})
        entry["values"][(row.get("quantity") or "").strip()] = (row.get("answer") or "").strip()
        entry["lines"][(row.get("quantity") or "").strip()] = number
        if row.get("variant"):
            entry["variant"] = row["variant"].strip()
        if row.get("submitted"):  # when it was handed in (ISO 8601), for a late penalty
            from chainrule.teach.rubric import parse_time

            entry["submitted"] = parse_time(row["submitted"])
            if entry["submitted"] is None:
                raise UsageError(f"{path}: line {number}: submitted {row['submitted']!r}: give "
                                 "the time as 2026-12-10T23:59:00+00:00 (with its offset)")
    return rows, None


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
        try:
            written = Written.parse(answer)
        except NumberRange as error:
            raise AnswersError(f"{where}: {quantity}: {error}") from None
        if written is None:
            raise AnswersError(f"{where}: {quantity}: {answer!r} is not a number")
        values[quantity] = written
    return Answers(1, values, source=str(entry["file"]))


def grade(
    sheets: str | Path,
    submissions: str | Path,
    *,
    config: GradingConfig | None = None,
    decimals: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ClassGrades:
    """Check every student of ``sheets/variants.csv`` against their own variant.

    ``decimals`` are the decimals the sheets ask for (the tolerance): by default what
    ``generate`` wrote on the sheets (the ``decimals`` of their answers template), else 4. A
    ``decimals`` key in a student's file is ignored."""
    config = config or GradingConfig()
    roster = read_variants(sheets)
    if decimals is None:
        decimals = _sheet_decimals([Path(f) for _, f in roster.values()])
    tolerance = Tolerance(config.rtol, decimals)
    _not_the_keys(sheets, submissions)
    subs, intake = read_intake(submissions, {s: v for s, (v, _) in roster.items()})
    grades, quantities = mark_roster(roster, subs, config=config, tolerance=tolerance,
                                     progress=progress)
    flag_copies(grades, tolerance)
    unknown = sorted(set(subs) - set(roster))
    for who in unknown:
        grades.append(StudentGrade(who, "", problem="a submission from a student not in "
                                   "variants.csv"))
    if intake is None:
        return ClassGrades(grades, quantities)
    for g in grades:
        if g.problem == "no submission" and g.student in intake.unusable:
            g.problem = f"no submission: {intake.unusable[g.student]}"
        others = intake.duplicates.get(g.student)
        if others:
            g.notes.append(f"more than one file: {intake.files[g.student].path.name} graded, "
                           f"not {', '.join(o.path.name for o in others)}")
    return ClassGrades(grades, quantities, list(intake.ignored), intake.loosely_matched)


AnswersOf = Callable[[Any], Answers]
"""A student's answers read by the caller, parsed against their variant's network when called
(an assignment's answers file holds a table per exercise)."""


def mark_roster(
    roster: Mapping[str, tuple[str, Path]],
    subs: Mapping[str, Any],
    *,
    config: GradingConfig,
    tolerance: Tolerance,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[StudentGrade], list[str]]:
    """Mark each student of ``roster`` (student -> (variant code, network file)) against their
    own variant: ``subs[student]`` is a :class:`~chainrule.teach.intake.Found` file, a CSV
    entry (a dict), or a callable giving the parsed answers for the network (:data:`AnswersOf`).
    Returns the grades and the quantities asked, in the order of the work (every variant's, so
    that variants of different shapes each have their columns)."""
    grades: list[StudentGrade] = []
    quantities: list[str] = []
    seen: set[str] = set()
    for student, (code, network_file) in roster.items():
        g = StudentGrade(student, code)
        grades.append(g)
        try:
            net = load(network_file)
        except ChainruleError as error:
            g.problem = f"cannot read the variant: {error}"
            continue
        graph = Graph(net)
        names = [graph.nodes[i].name or "" for i in sorted(checked(graph),
                                                             key=lambda i: order(graph, i))]
        asked = [name for name in names if config.weight(name) > 0]
        quantities += [q for q in asked if q not in seen]
        seen.update(asked)
        g.points = {q: config.weight(q) for q in asked}
        g.max_score = sum(g.points.values())
        sub = subs.get(student)
        if sub is None:
            g.problem = "no submission"
            g.key = _key(net)
            continue
        g.submitted = True
        try:
            if callable(sub):
                answers = sub(net)
            elif isinstance(sub, Found):
                try:  # a regular file of bounded size only; a link was never matched
                    text = read_text(sub.path, MAX_ANSWERS_BYTES, kind="an answers file")
                except Unreadable as error:
                    raise AnswersError(f"{sub.path}: {error.problem}") from None
                answers = parse(read(text, name=str(sub.path), fmt=sub.fmt), net,
                                source=str(sub.path), text=text)
            else:
                if sub["variant"] and sub["variant"] != code:
                    raise AnswersError(f"{sub['file']}: {student} answered variant "
                                       f"{sub['variant']}, but theirs is {code}")
                answers = _answers_from_csv(sub, graph)
        except (ChainruleError, OSError, UnicodeDecodeError) as error:
            g.problem = f"unreadable submission: {error}"
            continue
        claimed = answers.step
        if claimed != SHEET_STEP:  # a sheet asks for the first step: marked against it
            g.notes.append(f"the answers file says step = {claimed}; the sheet asks for "
                           f"step {SHEET_STEP}, against which it was marked")
            answers = dataclasses.replace(answers, step=SHEET_STEP)
        result = Checker(net, tolerance, worth=_worth(config, g.points)).check(answers)
        if claimed != SHEET_STEP:  # the student's feedback says so too
            result = dataclasses.replace(result, extra={**result.extra, "notes": (
                f"Your answers file says step = {claimed}; the sheet asks for step "
                f"{SHEET_STEP}, against which it was marked.",)})
        g.result = result
        g.key = {t.name: t.expected for t in result.tests
                 if t.expected is not None and "formula" not in t.name}
        for t in result.tests:
            if t.name in asked and t.status != "unanswered":
                g.per_quantity[t.name] = config.weight(t.name) * config.credit.get(t.status, 0)
        g.score = sum(g.per_quantity.values())
        g.deductions = config.rubric.deducted(tag for t in result.tests for tag in t.tags)
        g.score = max(0.0, g.score - sum(g.deductions.values()))
        late = config.rubric.late
        when = sub.get("submitted") if isinstance(sub, dict) else None
        if late is not None and late.due is not None and when is not None:
            g.late = late.fraction(when, late.due)
            g.score *= 1 - g.late
        g.unanswered = [q for q in asked if q not in g.per_quantity]
        if progress:
            progress(f"{student}: {_n(g.score)} of {_n(g.max_score)}")
    return grades, quantities


def _worth(config: GradingConfig, points: Mapping[str, float]) -> Callable[[str, str], float]:
    """The points an answer earns: its quantity's weight (0 for one not asked) times its
    status's credit."""
    def worth(name: str, status: str) -> float:
        return points.get(name, 0.0) * config.credit.get(status, 0.0)
    return worth


def _key(net: Any) -> dict[str, float]:
    """Every quantity's right value for a variant (no student's answers needed)."""
    from chainrule.core.engine import solve
    from chainrule.teach.quantities import Graph

    try:
        step = solve(net).step(1)
    except ChainruleError:
        return {}
    graph = Graph(net)
    expected = graph.expected(step)
    return {n.name: expected[n.index] for n in graph.nodes if n.name}


COPY_MARGIN = 2
"""A classmate's variant must match this many more answers than the student's own (and at least
:data:`COPY_LEAST`) for the answers to be flagged as copied from it."""
COPY_LEAST = 3


def flag_copies(grades: list[StudentGrade], tolerance: Tolerance) -> None:
    """Flag each student whose answers match a classmate's variant better than their own: their
    numbers are right (to the tolerance) for that variant in clearly more places."""
    import numpy as np

    keyed = [g for g in grades if g.key]
    if len(keyed) < 2:
        return
    names = sorted({name for g in keyed for name in g.key})
    column = {name: j for j, name in enumerate(names)}
    keys = np.full((len(keyed), len(names)), np.nan)
    for i, g in enumerate(keyed):
        for name, value in g.key.items():
            keys[i, column[name]] = value
    band = np.maximum(tolerance.rtol * np.abs(keys), tolerance.floor)
    for i, g in enumerate(keyed):
        if g.result is None:
            continue
        given = [(column[t.name], t.given) for t in g.result.tests
                 if t.given is not None and t.name in column]
        if len(given) < COPY_LEAST:
            continue
        cols = np.array([c for c, _ in given])
        values = np.array([v for _, v in given])
        with np.errstate(invalid="ignore"):
            hits = (np.abs(keys[:, cols] - values) <= band[:, cols]).sum(axis=1)
        own = int(hits[i])
        hits[i] = -1
        best = int(np.argmax(hits))
        if hits[best] >= max(COPY_LEAST, own + COPY_MARGIN):
            g.copied = (keyed[best].student, int(hits[best]), own)


def _sheet_decimals(networks: list[Path]) -> int:
    """The decimals ``generate`` wrote on the sheets: the ``decimals`` of the answers template
    beside the first variant's network (4 when there is none)."""
    for network in networks[:1]:
        template = network.with_name("answers.toml")
        try:
            if template.is_file() and not template.is_symlink():
                from chainrule.io.reading import read_text

                value = tomllib.loads(read_text(template)).get("decimals")
                if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 15:
                    return value
        except (ChainruleError, OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            pass
    return DECIMALS


def write(grades: ClassGrades, output: str | Path, *, force: bool = False) -> None:
    """grades.csv, <student>.json and .html, report.md and report.html into ``output``."""
    from chainrule.io.atomic import write_under
    from chainrule.io.csvfile import csv_text
    from chainrule.render.html import render as html
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
        else:
            write_under(out, f"{g.student}.html", html(problem_feedback(g)))
    doc = report(grades)
    from chainrule.render.markdown import render as markdown

    write_under(out, "report.md", markdown(doc))
    write_under(out, "report.html", html(doc))


def problem_feedback(g: StudentGrade) -> Any:
    """The feedback of a student with no marking: why (no submission, or the file's one-line
    problem, which names the line and the key), and what to do."""
    from chainrule.explain.document import Document, Paragraph, Section

    if not g.submitted and g.problem.startswith("no submission: "):
        what = ("No answers file could be read for you, so nothing was marked: "
                f"{g.problem.removeprefix('no submission: ')}.")
    elif not g.submitted:
        what = ("No answers file was found for you, so nothing was marked. If you handed one "
                "in, ask your instructor: it may have been named so that it matched nobody.")
    else:
        what = ("Your answers file could not be read, so nothing was marked. What is wrong "
                f"with it: {g.problem}. Fix that line (chainrule check NETWORK answers.toml "
                "says the same) and hand it in again, or ask your instructor.")
    return Document(f"Feedback for {g.student}",
                    (Section("Not marked", (Paragraph((what,)),)),),
                    f"Variant {g.variant}." if g.variant else "")


def _cell(x: float | None) -> str | float | int:
    return "" if x is None else _n(x)


def roster_size(grades: ClassGrades) -> int:
    """The students on the roster (those with a variant), graded or not."""
    return sum(1 for g in grades.students if g.variant) or 1


def _first_wrong_sections(grades: ClassGrades) -> list[Any]:
    """A histogram of the first wrong step, and each student's."""
    from chainrule.explain.document import Paragraph, Section, Table

    first: dict[str, str] = {}
    for g in grades.graded:
        assert g.result is not None
        wrong = g.result.first_wrong
        first[g.student] = wrong.name if wrong is not None else ""
    counts = Counter(first.values())
    order = [q for q in grades.quantities if counts.get(q)]
    order += sorted(q for q in counts if q and q not in order)
    rows = [(q, str(counts[q]), "#" * counts[q]) for q in order]
    if counts.get(""):
        rows.append(("none: every answer right or carried forward", str(counts[""]),
                     "#" * counts[""]))
    each = tuple((student, q or "none") for student, q in first.items())
    return [
        Section("First wrong steps", (
            Paragraph(("Where each student first went wrong, in the order of the work: the "
                       "step to reteach is where the bars start.",)),
            Table(("first wrong step", "students", ""), tuple(rows)),
        )),
        Section("The first wrong step of each student", (
            Table(("student", "first wrong step"), each),
        )),
    ]


def _mistakes_section(grades: ClassGrades) -> Any:
    """How many students made each recognised mistake, as a share of the roster."""
    from chainrule.explain.document import Paragraph, Section, Table

    size = roster_size(grades)
    counts: Counter[str] = Counter()
    for g in grades.graded:
        assert g.result is not None
        for mistake in {tag for t in g.result.tests for tag in t.tags}:
            counts[mistake] += 1
    if not counts:
        return Section("Mistakes", (Paragraph(("No mistake recognised.",)),))
    rows = tuple(
        (m, CATALOGUE[m].title if m in CATALOGUE else m, str(n), f"{100 * n / size:.0f}%")
        for m, n in counts.most_common()
    )
    top, n = counts.most_common(1)[0]
    return Section("Mistakes", (
        Paragraph((f"{100 * n / size:.0f}% of the class ({n} of the {size} students on the "
                   f"roster) made the mistake {top} "
                   f"({CATALOGUE[top].title if top in CATALOGUE else top}).",)),
        Table(("mistake", "what", "students", "of the roster"), rows),
    ))


def _quantities_section(grades: ClassGrades) -> Any:
    """Per quantity: how many answered it, got it right, carried it forward, rounded it, or got
    it wrong with or without a recognised cause; % right leaves the carried-forward answers out
    (they are right given an earlier slip, which the earlier quantity already counts)."""
    from chainrule.explain.document import Paragraph, Section, Table

    status: dict[str, Counter[str]] = {q: Counter() for q in grades.quantities}
    for g in grades.graded:
        assert g.result is not None
        for t in g.result.tests:
            if t.name not in status or t.status == "unanswered":
                continue
            kind = t.status if t.status != "wrong" else ("wrong" if t.tags else "unrecognised")
            status[t.name][kind] += 1
    rows = []
    for q in grades.quantities:
        c = status[q]
        answered = sum(c.values())
        judged = answered - c["follows"]
        rows.append((q, str(answered), str(c["right"]), str(c["follows"]), str(c["rounding"]),
                     str(c["wrong"]), str(c["unrecognised"]),
                     f"{100 * c['right'] / judged:.0f}%" if judged else ""))
    return Section("Quantities", (
        Paragraph(("% right counts the answers that were right, of those not carried forward "
                   "from an earlier slip. 'no cause' is a wrong answer whose mistake chainrule "
                   "did not recognise: the place to look at the students' work.",)),
        Table(("quantity", "answered", "right", "carried forward", "rounding",
               "wrong: named", "wrong: no cause", "% right"), tuple(rows)),
    ))


def report(grades: ClassGrades) -> Any:
    """The class report as a Document: scores, their distribution, mistakes, quantities."""
    from chainrule.explain.document import Document, Paragraph, Section, Table

    graded = grades.graded
    sections = []
    lines = [f"{len(graded)} of the {roster_size(grades)} students on the roster graded."]
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
    if grades.ignored:
        sections.append(Section("Files in SUBMISSIONS not graded", (Table(
            ("file", "why"), tuple(grades.ignored)),)))
    files = [(g.student, note) for g in grades.students for note in g.notes
             if note.startswith("more than one file")]
    if grades.matched or files:
        rows_m = [(f, st, how) for f, st, how in grades.matched]
        rows_m += [("", student, note) for student, note in files]
        sections.append(Section("Files matched by a looser name, or one of several", (Table(
            ("file", "student", "how"), tuple(rows_m)),)))
    others = [(g.student, note) for g in grades.students for note in g.notes
              if not note.startswith("more than one file")]
    if others:  # an answers file's step = 10000, marked at the sheet's step
        sections.append(Section("Notes on submissions", (Table(("student", "note"),
                                                               tuple(others)),)))
    if graded:
        bins = Counter(min(int(10 * g.score / g.max_score), 9) if g.max_score else 0
                       for g in graded)
        rows = tuple(
            (f"{10 * b}-{10 * b + 10}%", str(bins.get(b, 0)), "#" * bins.get(b, 0))
            for b in range(10)
        )
        sections.append(Section("Score distribution", (Table(("score", "students", ""), rows),)))
        sections += _first_wrong_sections(grades)
        sections.append(_mistakes_section(grades))
        sections.append(_quantities_section(grades))
    copied = [g for g in grades.students if g.copied]
    if copied:
        sections.append(Section("Possible copying", (
            Paragraph(("These answers match a classmate's variant better than the student's "
                       "own: right for that variant in more places. Worth a look.",)),
            Table(("student", "matches their own variant", "matches the variant of", "matches"),
                  tuple((g.student, str(g.copied[2]), g.copied[0], str(g.copied[1]))
                        for g in copied if g.copied)),
        )))
    return Document("Class report", tuple(sections))
