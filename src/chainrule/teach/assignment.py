"""Assignments of several exercises: one TOML file, one sheet and one score per student.

An assignment file names the exercises, each a network (a built-in or a network file, its
numbers redrawn per student) or a shape range (:mod:`chainrule.teach.shape_ranges`: the shape
drawn per student too), with its points and the decimals its answers are asked to, and the
assignment's due date::

    title = "Week 7"                  # the sheets' title, and part of each variant's hash
    due = 2026-12-10T23:59:00Z        # the due date (the late penalty's), a TOML date-time
    decimals = 4                      # the answers' decimals, unless an exercise says its own

    [late]                            # optional: as a grading config's [late]
    per_day = 0.1
    max = 0.5

    [[exercise]]
    name = "chain"                    # its table in the answers file: [chain]
    network = "exercise-2"            # a built-in or a network file (beside this file)
    points = 10

    [[exercise]]
    name = "layers"
    points = 20
    shape = { layers = [2, [1, 3], 1], hidden = ["relu", "sigmoid"] }

``generate`` writes one sheet per student with every exercise, one answers file with a table
per exercise, and each exercise's network in ``sheets/<student>/<exercise>/network.toml``;
``instructor/assignment.json`` records the assignment, so that ``grade``, ``autograder
gradescope`` and ``quiz moodle`` read the folder as an assignment. A student's score is the sum
over the exercises of the exercise's points times the fraction of its marks earned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainrule.core.errors import ChainruleError, UsageError
from chainrule.core.network import Network
from chainrule.teach.grading import _number, _shown
from chainrule.teach.rubric import Late

if TYPE_CHECKING:
    from chainrule.teach.grading import GradingConfig

MAX_EXERCISES = 20
MAX_POINTS = 1000
MAX_FILE_BYTES = 2**20
ASSIGNMENT_FILE = "assignment.json"
"""What ``generate`` writes in ``instructor/`` for an assignment (its exercises, points,
decimals and due date)."""
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")
TOP_KEYS = ("title", "due", "decimals", "late", "exercise")
EXERCISE_KEYS = ("name", "title", "network", "shape", "points", "decimals", "given_decimals",
                 "allow_dead")
RESERVED = frozenset({"step", "decimals", "C", "sample", "z", "a", "da_dz", "dC_da", "dC_dz",
                      "dC_dw", "dC_db", "new_w", "new_b", "dC_dw_formula"})
"""Names an exercise cannot take: an answers file's own keys (a single exercise's file would
read as an assignment's)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of an assignment: a network whose numbers are redrawn, or a shape range."""

    name: str
    points: float
    decimals: int = 4
    """The decimals the answers are asked to (the tolerance)."""
    network: str | None = None
    """A built-in's name or a network file's path (resolved)."""
    shape: Mapping[str, Any] | None = None
    """A shape range (:class:`~chainrule.teach.shape_ranges.ShapeRange`'s table)."""
    given_decimals: int = 2
    """The decimals of the given numbers (weights, inputs, targets)."""
    allow_dead: bool = False
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "points": self.points,
                "decimals": self.decimals}


@dataclass(frozen=True)
class Assignment:
    """An assignment file, every value checked."""

    title: str
    exercises: tuple[Exercise, ...]
    due: datetime | None = None
    late: Late | None = None
    source: str = ""

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    def seed_name(self, exercise: Exercise) -> str:
        """What a variant's hash is of, for ``exercise`` (with the student id)."""
        return f"{self.title}\0exercise\0{exercise.name}"

    def to_json(self) -> dict[str, Any]:
        """What ``instructor/assignment.json`` holds: enough to grade, never the networks."""
        late = self.late
        return {
            "title": self.title,
            "due": self.due.isoformat() if self.due else None,
            "late": None if late is None else {"per_day": late.per_day, "max": late.most,
                                                "grace_minutes": late.grace_minutes},
            "exercises": [e.to_json() for e in self.exercises],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str) -> Assignment:
        """The assignment ``generate`` recorded (checked again: the folder is input too)."""
        try:
            exercises = []
            for e in data["exercises"]:
                name, points, decimals = str(e["name"]), e["points"], e["decimals"]
                if not NAME.fullmatch(name) or not _number(points) or not 0 < points <= \
                        MAX_POINTS or isinstance(decimals, bool) or not isinstance(decimals, int) \
                        or not 0 <= decimals <= 15:
                    raise ValueError(name)
                exercises.append(Exercise(name, float(points), decimals,
                                          title=str(e.get("title") or "")))
            late = data.get("late")
            due = datetime.fromisoformat(data["due"]) if data.get("due") else None
            return cls(str(data["title"]), tuple(exercises), due,
                       Late(float(late["per_day"]), float(late["max"]),
                            float(late["grace_minutes"])) if late else None, source)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UsageError(f"{source}: not an assignment chainrule generate wrote; generate "
                             "the assignment again") from None


def looks_like_assignment(path: str | Path) -> bool:
    """Whether ``path`` is a TOML file with ``[[exercise]]`` tables (an assignment file, not a
    network file)."""
    p = Path(path)
    if p.suffix.lower() != ".toml" or not p.is_file():
        return False
    from chainrule.io.reading import Unreadable, read_text

    try:
        text = read_text(p, MAX_FILE_BYTES)
    except (Unreadable, OSError):
        return False
    return re.search(r"^\s*\[\[\s*exercise\s*\]\]", text, re.M) is not None


def read(path: str | Path) -> Assignment:
    """The assignment file ``path``, every value checked before anything is drawn or written;
    UsageError ``FILE: KEY: what is wrong; what is valid`` otherwise."""
    from chainrule.io.reading import read_toml_config

    data = read_toml_config(path, MAX_FILE_BYTES, "assignment file")
    return parse(data, str(path), base=Path(path).parent)


def parse(data: Mapping[str, Any], source: str = "the assignment",
          base: Path | None = None) -> Assignment:
    """An assignment from a dict shaped like the file (see the module docstring)."""
    from chainrule.teach.rubric import read as read_rubric

    def fail(key: str, problem: str) -> UsageError:
        return UsageError(f"{source}: {key}: {problem}")

    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise fail(unknown[0], f"not an assignment setting; valid are {', '.join(TOP_KEYS)}")
    title = data.get("title", Path(source).stem if source.endswith(".toml") else "Assignment")
    if not isinstance(title, str) or not title.strip() or len(title) > 200 or any(
            not c.isprintable() for c in title):
        raise fail("title", f"{_shown(title)}: give the assignment's name, 1 to 200 printable "
                   "characters")
    decimals = _decimals(data.get("decimals", 4), "decimals", fail)
    due = _due(data.get("due"), fail)
    late = None
    if "late" in data:
        if not isinstance(data["late"], dict):
            raise fail("late", "give a table [late] with per_day, max, grace_minutes")
        late = read_rubric({"late": data["late"]}, source).late
        if late is not None and due is None:  # [late] due, where the top level gives none
            due = late.due
    exercises = data.get("exercise")
    if not isinstance(exercises, list) or not exercises:
        raise fail("exercise", "no exercises; give one [[exercise]] table per exercise, each "
                   "with name, network (or shape) and points")
    if len(exercises) > MAX_EXERCISES:
        raise fail("exercise", f"{len(exercises)} exercises; give at most {MAX_EXERCISES}")
    out: list[Exercise] = []
    for n, table in enumerate(exercises, 1):
        out.append(_exercise(table, n, decimals, fail, base, out, source))
    return Assignment(title.strip(), tuple(out), due, late, source)


def _decimals(value: object, key: str, fail: Callable[[str, str], UsageError],
              low: int = 1, high: int = 8) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail(key, f"{_shown(value)}: give a whole number of decimals from {low} to {high}")
    return value


def _due(value: object, fail: Callable[[str, str], UsageError]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail("due", f"{_shown(value)}: give a date-time like 2026-12-10T23:59:00Z "
                       "(or with an offset, +01:00)") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise fail("due", f"{value.isoformat()}: give the time zone too, e.g. "
                       f"{value.isoformat()}Z or {value.isoformat()}+01:00 (a due date without "
                       "one means a different moment on each machine)")
        return value
    if isinstance(value, date):  # a day: due at its end, UTC
        return datetime.combine(value, time(23, 59, 59), UTC)
    raise fail("due", f"{_shown(value)}: give a date-time like 2026-12-10T23:59:00Z")


def _exercise(table: object, n: int, decimals: int, fail: Callable[[str, str], UsageError],
              base: Path | None, before: Sequence[Exercise], source: str) -> Exercise:
    where = f"exercise {n}"
    if not isinstance(table, dict):
        raise fail(where, "give a table [[exercise]] with name, network (or shape) and points")
    name = table.get("name")
    if isinstance(name, str) and NAME.fullmatch(name):
        where = f"exercise {n} ({name})"
    unknown = sorted(set(table) - set(EXERCISE_KEYS))
    if unknown:
        raise fail(f"{where}: {unknown[0]}", "not an exercise setting; valid are "
                   + ", ".join(EXERCISE_KEYS))
    if not isinstance(name, str) or not NAME.fullmatch(name) or name in RESERVED:
        raise fail(f"{where}: name", f"{_shown(name)}: give a name of letters, digits, - and _ "
                   "(a letter first, at most 40), not one of an answers file's own keys "
                   "(step, C, a, z, ...): it is the exercise's table in the answers file")
    if any(e.name.lower() == name.lower() for e in before):
        raise fail(f"{where}: name", f"{name!r} is the name of an earlier exercise; give each "
                   "exercise its own name")
    points = table.get("points")
    if not isinstance(points, (int, float)) or not _number(points) or not 0 < points <= MAX_POINTS:
        raise fail(f"{where}: points", f"{_shown(points)}: give the exercise's points, above 0 "
                   f"and at most {MAX_POINTS}")
    asked = _decimals(table.get("decimals", decimals), f"{where}: decimals", fail)
    given = _decimals(table.get("given_decimals", 2), f"{where}: given_decimals", fail,
                      1, 6)
    allow_dead = table.get("allow_dead", False)
    if not isinstance(allow_dead, bool):
        raise fail(f"{where}: allow_dead", f"{_shown(allow_dead)}: give true or false")
    title = table.get("title", "")
    if not isinstance(title, str) or len(title) > 200:
        raise fail(f"{where}: title", f"{_shown(title)}: give a title of at most 200 characters")
    network, shape = table.get("network"), table.get("shape")
    if (network is None) == (shape is None):
        raise fail(where, "give network (a built-in or a network file, its numbers redrawn) "
                   "or shape (a table of ranges), one of them")
    if network is not None:
        if not isinstance(network, str) or not network.strip() or len(network) > 4096 or any(
                not c.isprintable() for c in network):
            raise fail(f"{where}: network", f"{_shown(network)}: give a built-in's name or a "
                       "network file")
        network = _network_source(network.strip(), base)
        from chainrule.io.netfile import load
        from chainrule.teach.shape_ranges import check_hand_sized

        try:
            check_hand_sized(load(network), f"{source}: {where}: network")
        except ChainruleError as error:
            if str(error).startswith(source):
                raise
            raise fail(f"{where}: network", str(error)) from None
    else:
        from chainrule.teach.shape_ranges import ShapeRange

        if not isinstance(shape, dict):
            raise fail(f"{where}: shape", "give a table: shape = { layers = [2, [1, 3], 1], "
                       "hidden = [\"relu\", \"sigmoid\"] }")
        ShapeRange.parse(shape, f"{source}: {where}: shape")
    return Exercise(name, float(points), asked, network, shape, given, allow_dead, title.strip())


def _network_source(network: str, base: Path | None) -> str:
    """A network file beside the assignment file when there is one, else the name as given (a
    built-in, or a path from the working folder)."""
    if base is not None and not Path(network).is_absolute():
        beside = base / network
        if beside.is_file():
            return str(beside)
    return network


# -- drawing the variants ---------------------------------------------------------------------


@dataclass(frozen=True)
class StudentVariant:
    """One student's variants of every exercise, with the assignment's code."""

    student: str
    code: str
    networks: Mapping[str, Network]


def draw_variants(assignment: Assignment, students: Sequence[str], secret: str
                  ) -> list[StudentVariant]:
    """Each student's variant of each exercise: the numbers (and, for a shape range, the
    shape) from a keyed hash of the assignment, the exercise and the student under ``secret``;
    every variant passes the good-exercise rules (:mod:`chainrule.teach.variants`)."""
    from chainrule.io.netfile import load
    from chainrule.teach.shape_ranges import ShapeRange, draw_exercise
    from chainrule.teach.variants import Rules, draw, variant_code, variant_seed

    shapes: dict[str, Network | ShapeRange] = {}
    for e in assignment.exercises:
        shapes[e.name] = load(e.network) if e.network is not None else ShapeRange.parse(
            e.shape or {})
    out = []
    for sid in students:
        networks: dict[str, Network] = {}
        for e in assignment.exercises:
            seed = variant_seed(secret, assignment.seed_name(e), sid)
            shape = shapes[e.name]
            try:
                if isinstance(shape, Network):
                    net = draw(shape, seed, Rules(decimals=e.given_decimals,
                                                  allow_dead=e.allow_dead))
                else:
                    net = draw_exercise(shape, seed, decimals=e.given_decimals,
                                        allow_dead=e.allow_dead)
            except UsageError as error:
                raise UsageError(f"{assignment.source}: exercise {e.name}: {error}") from None
            networks[e.name] = net
        out.append(StudentVariant(sid, variant_code(secret, assignment.title, sid), networks))
    return out


def answers_template(assignment: Assignment, networks: Mapping[str, Network], *,
                     self_check: bool = False) -> str:
    """One answers file for every exercise: each exercise's template as its table
    (``[chain]``, ``[chain.a]``, ...)."""
    from chainrule.teach.answers import template

    lines = [f"# Answers for {json.dumps(assignment.title)}: one table per exercise "
             f"({', '.join('[' + e.name + ']' for e in assignment.exercises)}).",
             "# Write each number between the quotes, rounded to the decimals asked; leave "
             "empty any you did not calculate.", ""]
    for e in assignment.exercises:
        text = template(networks[e.name], decimals=e.decimals, self_check=False)
        body = text.splitlines()
        first = next(i for i, line in enumerate(body) if line and not line.startswith("#"))
        lines += [*body[:first], f"[{e.name}]"]
        for line in body[first:]:
            lines.append(re.sub(r"^\[(.+)\]", rf"[{e.name}.\1]", line))
        lines.append("")
    if self_check:
        lines.append("# Then, for each exercise: chainrule check EXERCISE/network.toml "
                     "answers.toml --exercise EXERCISE")
    return "\n".join(lines).rstrip("\n") + "\n"


def split_answers(data: Mapping[str, Any], assignment: Assignment, source: str
                  ) -> dict[str, Mapping[str, Any]]:
    """An assignment's answers file (read) as one answers dict per exercise; an exercise
    without a table has none. AnswersError naming the file and the key otherwise."""
    from chainrule.teach.answers import AnswersError

    names = [e.name for e in assignment.exercises]
    out: dict[str, Mapping[str, Any]] = {}
    for key, value in data.items():
        if key not in names:
            single = " (this file answers one exercise; put each exercise's answers under " \
                     "its own table, as the answers.toml handed out does)" if key in RESERVED \
                else ""
            raise AnswersError(f"{source}: {key}: not an exercise of {assignment.title}; "
                               f"valid are {', '.join(names)}{single}")
        if not isinstance(value, dict):
            raise AnswersError(f"{source}: {key}: give a table [{key}] of that exercise's "
                               "answers")
        out[key] = value
    return out


# -- the sheets -------------------------------------------------------------------------------


def sheet_document(assignment: Assignment, variant: StudentVariant, *,
                   self_check: bool = False) -> Any:
    """The sheet of one student: every exercise's network and numbers, the points, the tasks
    once, and where the answers go."""
    from chainrule.core.engine import solve
    from chainrule.explain.document import Document, Paragraph, Section
    from chainrule.teach.sheets import TASKS, sheet

    due = f", due {format_due(assignment.due)}" if assignment.due else ""
    intro = (f"Student: {variant.student}. Variant code: {variant.code}.\n\n"
             f"{len(assignment.exercises)} exercises, {_num(assignment.points)} points in "
             f"all{due}. Each exercise uses the numbers of your own variant below.")
    sections = []
    for i, e in enumerate(assignment.exercises, 1):
        net = variant.networks[e.name]
        doc = sheet(solve(net), assignment=assignment.title, student=variant.student,
                    code=variant.code, answer_decimals=e.decimals)
        given = doc.sections[0].blocks
        head = exercise_heading(i, e, net)
        sections.append(Section(head, (*given, Paragraph((
            f"Round your answers to {e.decimals} decimals and write them under [{e.name}] "
            "in answers.toml.",)))))
    hand_in = ("and check each exercise with: chainrule check <exercise>/network.toml "
               "answers.toml --exercise <exercise>" if self_check
               else "and hand that one file in")
    tasks = (*(Paragraph((t,)) for t in TASKS),
             Paragraph((f"Write every answer in answers.toml (a table per exercise) {hand_in}.",)))
    return Document(f"{assignment.title}", (Section("Tasks, for every exercise", tasks),
                                            *sections), intro)


def exercise_heading(number: int, e: Exercise, net: Network) -> str:
    what = e.title or net.title or e.name
    return f"Exercise {number} ({e.name}, {_num(e.points)} points): {what}"


def format_due(due: datetime) -> str:
    return due.strftime("%Y-%m-%d %H:%M %Z").strip()


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def sheet_html(assignment: Assignment, variant: StudentVariant, doc: Any) -> str:
    """The sheet as an HTML page, each exercise's network drawn under its heading."""
    from chainrule.render.html import render, section
    from chainrule.render.output import diagram_svg
    from chainrule.teach.sheets import SHEET_PRINT_CSS

    page = render(doc)
    for s, e in zip(doc.sections[1:], assignment.exercises, strict=True):
        page = page.replace(section(s), section(s, diagram_svg(variant.networks[e.name])), 1)
    # the print layout of a sheet, less its two columns for the one network's section
    css = "\n".join(line for line in SHEET_PRINT_CSS.splitlines()
                    if "first-of-type" not in line)
    return page.replace("</style>", css + "</style>", 1)


def sheet_latex(assignment: Assignment, variant: StudentVariant, doc: Any) -> str:
    """The sheet as a LaTeX file, each exercise's network drawn in picture mode."""
    from chainrule.render.latex import escape
    from chainrule.teach.sheets import picture
    from chainrule.teach.sheets import sheet_latex as compact

    first = variant.networks[assignment.exercises[0].name]
    text = compact(doc, first)  # the sheet's page layout (it draws no network here)
    for i, e in enumerate(assignment.exercises, 1):
        net = variant.networks[e.name]
        heading = f"\\section*{{{escape(exercise_heading(i, e, net))}}}"
        page = "\\clearpage\n" if i > 1 else ""  # each later exercise on a page of its own
        text = text.replace(heading, page + heading + "\n\n" + picture(net), 1)
    return text


def key_markdown(assignment: Assignment, variant: StudentVariant) -> str:
    """Every exercise's worked solution, one after the other."""
    from chainrule.core.engine import solve
    from chainrule.render import solution

    parts = [f"# {assignment.title}: key for {variant.student} (variant {variant.code})\n"]
    for i, e in enumerate(assignment.exercises, 1):
        net = variant.networks[e.name]
        text = solution("markdown", solve(net), {"decimals": e.decimals, "dependency": False})
        text = re.sub(r"\A# [^\n]*\n+", "", text)  # the exercise's heading says it
        body = re.sub(r"^(#+) ", lambda m: "#" + m[1] + " ", text, flags=re.M)
        parts.append(f"## {exercise_heading(i, e, net)}\n\n{body}")
    return "\n".join(parts)


# -- generate ----------------------------------------------------------------------------------


def generate(
    assignment: Assignment,
    output: str | Path,
    *,
    students: Sequence[str] | None = None,
    count: int | None = None,
    seed: str | None = None,
    force: bool = False,
    pdf: bool = False,
    self_check: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[StudentVariant]:
    """``generate`` for an assignment: ``sheets/<id>/`` holds the sheet (every exercise),
    ``answers.toml`` (a table per exercise) and ``<exercise>/network.toml`` per exercise;
    ``instructor/`` holds ``assignment.json``, ``variants.csv``, the class key and each key.
    The same secret and roster give the same files, byte for byte."""

    from chainrule.core.engine import solve
    from chainrule.core.schema import dumps_toml
    from chainrule.io.atomic import write_under
    from chainrule.io.csvfile import csv_text
    from chainrule.render.markdown import render as markdown
    from chainrule.teach.generation import (
        INSTRUCTOR,
        KEYS,
        SHEETS,
        VARIANTS_CSV,
        check_output_folder,
        check_pdf,
        class_of,
        latex_pdf,
    )
    from chainrule.teach.secret import check_secret, new_secret, write_secret
    from chainrule.teach.sheets import class_key, class_key_html

    out = Path(output)
    students = class_of(students, count)
    drawn = seed is None
    secret = new_secret() if seed is None else check_secret(seed, "`seed`")
    check_pdf(pdf)
    check_output_folder(out, force)
    made = draw_variants(assignment, students, secret)
    out.mkdir(exist_ok=True)
    if drawn:
        (out / INSTRUCTOR).mkdir(exist_ok=True)
        write_secret(out / INSTRUCTOR, secret)
    rows = []
    keys: dict[str, list[tuple[str, str, Any]]] = {e.name: [] for e in assignment.exercises}
    for v in made:
        folder = f"{SHEETS}/{v.student}"
        doc = sheet_document(assignment, v, self_check=self_check)
        files = {"sheet.md": markdown(doc), "sheet.html": sheet_html(assignment, v, doc),
                 "sheet.tex": sheet_latex(assignment, v, doc),
                 "answers.toml": answers_template(assignment, v.networks, self_check=self_check)}
        for e in assignment.exercises:
            net = v.networks[e.name]
            files[f"{e.name}/network.toml"] = dumps_toml(
                net, comment=f"{assignment.title}, exercise {e.name}, variant {v.code} for "
                f"{v.student}")
            keys[e.name].append((v.student, v.code, solve(net)))
        for name, text in files.items():
            write_under(out, f"{folder}/{name}", text)
        if pdf:
            write_under(out, f"{folder}/sheet.pdf", latex_pdf(files["sheet.tex"]))
        write_under(out, f"{INSTRUCTOR}/{KEYS}/{v.student}.md", key_markdown(assignment, v))
        rows.append([v.student, v.code, folder, *(f"{folder}/{e.name}/network.toml"
                                                  for e in assignment.exercises),
                     f"{folder}/sheet.md", f"{folder}/answers.toml",
                     f"{INSTRUCTOR}/{KEYS}/{v.student}.md"])
        if progress:
            progress(f"{folder}: variant {v.code}")
    header = ["student", "variant", "folder", *(f"{e.name}_network" for e in assignment.exercises),
              "sheet_md", "answers_toml", "key_md"]
    write_under(out, f"{INSTRUCTOR}/{VARIANTS_CSV}", csv_text(header, rows))
    write_under(out, f"{INSTRUCTOR}/{ASSIGNMENT_FILE}",
                json.dumps(assignment.to_json(), indent=2) + "\n")
    sections = []
    for i, e in enumerate(assignment.exercises, 1):
        doc = class_key(keys[e.name], assignment=f"Exercise {i} ({e.name})", decimals=e.decimals)
        sections += [type(s)(f"Exercise {i} ({e.name}): {s.title}", s.blocks, s.level)
                     for s in doc.sections]
    from chainrule.explain.document import Document

    key_doc = Document(f"{assignment.title}: class key", tuple(sections),
                       "Every variant's final answers of every exercise; each worked solution "
                       "is in keys/<student>.md.")
    write_under(out, f"{INSTRUCTOR}/class-key.md", markdown(key_doc))
    write_under(out, f"{INSTRUCTOR}/class-key.html", class_key_html(key_doc))
    return made


# -- a generated assignment's folder -----------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """A generated assignment: the assignment and, per student, the variant code and each
    exercise's network file."""

    assignment: Assignment
    students: Mapping[str, tuple[str, Mapping[str, Path]]]


def find(generated: str | Path) -> Generated | None:
    """The assignment ``generate`` wrote in ``generated``, or None when it holds one
    exercise."""
    from chainrule.io.reading import Unreadable, read_text
    from chainrule.teach.generation import INSTRUCTOR, layout_root

    base, variants_csv = layout_root(generated)
    path = base / INSTRUCTOR / ASSIGNMENT_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(read_text(path, MAX_FILE_BYTES))
    except (Unreadable, ValueError, RecursionError):
        raise UsageError(f"{path}: not an assignment chainrule generate wrote") from None
    assignment = Assignment.from_json(data, str(path))
    return Generated(assignment, _read_variants(base, variants_csv, assignment))


def _read_variants(base: Path, path: Path, assignment: Assignment
                   ) -> dict[str, tuple[str, Mapping[str, Path]]]:
    import csv
    import io

    from chainrule.io.reading import Unreadable, read_text
    from chainrule.teach.students import check_id

    try:
        text = read_text(path)
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {f"{e.name}_network" for e in assignment.exercises}
    if not {"student", "variant", *columns} <= set(reader.fieldnames or ()):
        raise UsageError(f"{path}: needs the columns student, variant and "
                         f"{', '.join(sorted(columns))}")
    out: dict[str, tuple[str, Mapping[str, Path]]] = {}
    for number, row in enumerate(reader, start=2):
        where = f"{path}: line {number}"
        sid = check_id((row["student"] or "").strip(), where)
        if sid in out:
            raise UsageError(f"{where}: student {sid!r} is listed twice")
        files = {}
        for e in assignment.exercises:
            name = (row[f"{e.name}_network"] or "").strip()
            parts = Path(name).parts
            if not parts or Path(name).is_absolute() or ".." in parts or "\\" in name:
                raise UsageError(f"{where}: {name!r} is not a file inside {base}")
            files[e.name] = base / name
        out[sid] = ((row["variant"] or "").strip(), files)
    return out


# -- grading ------------------------------------------------------------------------------------


@dataclass
class AssignmentGrade:
    """One student's grade: each exercise's (in its own points), the sum, any late penalty."""

    student: str
    variant: str
    exercises: dict[str, Any] = field(default_factory=dict)
    """exercise name -> :class:`~chainrule.teach.grading.StudentGrade`."""
    score: float = 0.0
    max_score: float = 0.0
    problem: str = ""
    late: float = 0.0
    """The fraction of the marks taken off for lateness."""
    submitted_at: datetime | None = None

    @property
    def graded(self) -> bool:
        return any(g.result is not None for g in self.exercises.values())

    def points_of(self, name: str, points: float) -> float | None:
        g = self.exercises.get(name)
        if g is None or g.result is None:
            return None
        return points * g.score / g.max_score if g.max_score else 0.0


@dataclass
class AssignmentGrades:
    assignment: Assignment
    students: list[AssignmentGrade]
    per_exercise: dict[str, Any]
    """exercise name -> :class:`~chainrule.teach.grading.ClassGrades` of that exercise."""
    ignored: list[tuple[str, str]] = field(default_factory=list)
    matched: list[tuple[str, str, str]] = field(default_factory=list)


def grade(
    generated: Generated,
    submissions: str | Path,
    *,
    config: GradingConfig | None = None,
    decimals: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> AssignmentGrades:
    """Mark each student's answers file, exercise by exercise, against their own variants;
    each exercise with its own decimals (``decimals`` overrides them all). A student's score is
    the sum of each exercise's points times the fraction of its marks earned, less the late
    penalty where a submission time is known (a submissions CSV's ``submitted`` column)."""
    from chainrule.io.reading import Unreadable, read_text
    from chainrule.teach.answers import MAX_ANSWERS_BYTES, AnswersError
    from chainrule.teach.answers import read as read_answers
    from chainrule.teach.grading import (
        ClassGrades,
        GradingConfig,
        flag_copies,
        mark_roster,
        read_intake,
    )
    from chainrule.teach.intake import Found
    from chainrule.teach.marking import Tolerance

    config = config or GradingConfig()
    assignment = generated.assignment
    codes = {s: code for s, (code, _) in generated.students.items()}
    subs, intake = read_intake(submissions, codes)
    tables: dict[str, Mapping[str, Any] | str] = {}
    for student, sub in subs.items():
        if student not in codes:
            continue
        try:
            if isinstance(sub, Found):
                try:
                    text = read_text(sub.path, MAX_ANSWERS_BYTES)
                except Unreadable as error:
                    raise AnswersError(f"{sub.path}: {error.problem}") from None
                data = read_answers(text, name=str(sub.path), fmt=sub.fmt)
                tables[student] = split_answers(data, assignment, str(sub.path))
            else:
                if sub.get("variant") and sub["variant"] != codes[student]:
                    raise AnswersError(f"{sub['file']}: {student} answered variant "
                                       f"{sub['variant']}, but theirs is {codes[student]}")
                tables[student] = _csv_tables(sub, assignment)
        except (ChainruleError, OSError, UnicodeDecodeError) as error:
            tables[student] = f"unreadable submission: {error}"
    per_exercise: dict[str, ClassGrades] = {}
    for e in assignment.exercises:
        roster = {s: (code, files[e.name]) for s, (code, files) in generated.students.items()}
        answers: dict[str, Any] = {}
        for student, found in tables.items():
            if isinstance(found, str):
                answers[student] = _failing(found)
            else:
                table = found.get(e.name, {})
                answers[student] = table if callable(table) else _parser(
                    table, f"{_source(subs[student])} [{e.name}]")
        tolerance = Tolerance(config.rtol, e.decimals if decimals is None else decimals)
        marked, quantities = mark_roster(roster, answers, config=config, tolerance=tolerance)
        for g in marked:
            if isinstance(tables.get(g.student), str):
                g.problem = str(tables[g.student])
        flag_copies(marked, tolerance)
        per_exercise[e.name] = ClassGrades(marked, quantities)
    by_student = {e.name: {g.student: g for g in per_exercise[e.name].students}
                  for e in assignment.exercises}
    out = []
    for student, (code, _) in generated.students.items():
        a = AssignmentGrade(student, code, max_score=assignment.points)
        for e in assignment.exercises:
            a.exercises[e.name] = by_student[e.name][student]
            a.score += a.points_of(e.name, e.points) or 0.0
        problems = {g.problem for g in a.exercises.values() if g.result is None and g.problem}
        if not a.graded:
            a.problem = "; ".join(sorted(problems)) or "no submission"
            if a.problem == "no submission" and intake is not None \
                    and student in intake.unusable:
                a.problem = f"no submission: {intake.unusable[student]}"
        sub = subs.get(student)
        when = sub.get("submitted") if isinstance(sub, dict) else None
        late = assignment.late or config.rubric.late
        due = assignment.due or (late.due if late is not None else None)
        if a.graded and late is not None and due is not None and when:
            a.submitted_at = when
            a.late = late.fraction(when, due)
            a.score *= 1 - a.late
        if progress:
            progress(f"{student}: {_num(round(a.score, 6))} of {_num(a.max_score)}")
        out.append(a)
    for who in sorted(set(subs) - set(codes)):
        out.append(AssignmentGrade(who, "", problem="a submission from a student not in "
                                   "variants.csv"))
    if intake is None:
        return AssignmentGrades(assignment, out, per_exercise)
    notes = []
    for a in out:
        others = intake.duplicates.get(a.student)
        if others:
            notes.append(("", a.student, f"more than one file: {intake.files[a.student].path.name}"
                          f" graded, not {', '.join(o.path.name for o in others)}"))
    return AssignmentGrades(assignment, out, per_exercise, list(intake.ignored),
                            [*intake.loosely_matched, *notes])


def _parser(data: Mapping[str, Any], source: str) -> Callable[[Any], Any]:
    from chainrule.teach.answers import parse

    return lambda net: parse(data, net, source=source)


def _source(sub: Any) -> str:
    return str(sub.path) if hasattr(sub, "path") else str(sub.get("file", "<answers>"))


def _failing(problem: str) -> Callable[[Any], Any]:
    from chainrule.teach.answers import AnswersError

    def fail(_net: Any) -> Any:
        raise AnswersError(problem.removeprefix("unreadable submission: "))

    return fail


def _csv_tables(entry: Mapping[str, Any], assignment: Assignment
                ) -> dict[str, Callable[[Any], Any]]:
    """A submissions CSV's rows (``quantity`` as ``exercise.name``, e.g. ``chain.a.j`` or
    ``chain.sample.2.a.j``) as each exercise's answers, read against its network as ``grade``
    reads one exercise's CSV."""
    from chainrule.teach.answers import AnswersError

    names = {e.name for e in assignment.exercises}
    out: dict[str, dict[str, Any]] = {}
    for quantity, answer in entry["values"].items():
        exercise, _, rest = quantity.partition(".")
        line = entry["lines"][quantity]
        if exercise not in names or not rest:
            raise AnswersError(f"{entry['file']}: line {line}: {quantity!r}: name the exercise "
                               f"first: {sorted(names)[0]}.a.j (exercises: "
                               f"{', '.join(sorted(names))})")
        part = out.setdefault(exercise, {"values": {}, "lines": {}, "file": entry["file"]})
        part["values"][rest] = answer
        part["lines"][rest] = line
    return {name: _csv_reader(part) for name, part in out.items()}


def _csv_reader(part: Mapping[str, Any]) -> Callable[[Any], Any]:
    from chainrule.teach.grading import _answers_from_csv
    from chainrule.teach.quantities import Graph

    return lambda net: _answers_from_csv(part, Graph(net))


def lms_grades(grades: AssignmentGrades) -> list[Any]:
    """The graded students as :class:`~chainrule.teach.lms.Grade` (score, maximum, a line of
    feedback: each exercise's points and the mistakes recognised)."""
    from chainrule.teach.lms import Grade

    out = []
    for a in grades.students:
        if not a.graded or not a.variant:
            continue
        parts = []
        for e in grades.assignment.exercises:
            got = a.points_of(e.name, e.points)
            g = a.exercises[e.name]
            shown = "not marked" if got is None else f"{_num(round(got, 2))} of {_num(e.points)}"
            tags = sorted({t for q in g.result.tests for t in q.tags}) if g.result else []
            parts.append(f"{e.name} {shown}" + (f" ({', '.join(tags)})" if tags else ""))
        late = f"; {100 * a.late:g}% off for lateness" if a.late else ""
        out.append(Grade(a.student, a.score, a.max_score,
                         f"{_num(round(a.score, 2))} of {_num(a.max_score)} points: "
                         + "; ".join(parts) + late + "."))
    return out


def write(grades: AssignmentGrades, output: str | Path, *, force: bool = False) -> None:
    """grades.csv (student, variant, score, max_score, a column per exercise, then one per
    exercise's quantity), <student>.json and .html, report.md and report.html."""
    from chainrule.io.atomic import write_under
    from chainrule.io.csvfile import csv_text
    from chainrule.render.html import render as html
    from chainrule.render.markdown import render as markdown
    from chainrule.teach.generation import check_output_folder
    from chainrule.teach.students import check_id

    out = Path(output)
    check_output_folder(out, force)
    for a in grades.students:
        check_id(a.student, "grade")
    out.mkdir(exist_ok=True)
    exercises = grades.assignment.exercises
    columns = [(e, q) for e in exercises for q in grades.per_exercise[e.name].quantities]
    rows: list[list[object]] = []
    for a in grades.students:
        if not a.graded:
            rows.append([a.student, a.variant, "", _n(a.max_score) if a.variant else "",
                         *([""] * (len(exercises) + len(columns)))])
            continue
        cells: list[object] = [a.student, a.variant, _n(a.score), _n(a.max_score)]
        cells += [_cell(a.points_of(e.name, e.points)) for e in exercises]
        for e, q in columns:
            g = a.exercises[e.name]
            got = g.per_quantity.get(q)
            cells.append("" if got is None or not g.max_score else _n(e.points * got / g.max_score))
        rows.append(cells)
    header = ["student", "variant", "score", "max_score", *(e.name for e in exercises),
              *(f"{e.name}/{q}" for e, q in columns)]
    write_under(out, "grades.csv", csv_text(header, rows))
    for a in grades.students:
        write_under(out, f"{a.student}.json",
                    json.dumps(student_json(grades.assignment, a), indent=2, allow_nan=False)
                    + "\n")
        write_under(out, f"{a.student}.html", html(feedback_document(grades.assignment, a)))
    doc = report(grades)
    write_under(out, "report.md", markdown(doc))
    write_under(out, "report.html", html(doc))


def _n(x: float) -> float | int:
    r = round(float(x), 6)
    return int(r) if r.is_integer() else r


def _cell(x: float | None) -> object:
    return "" if x is None else _n(x)


def student_json(assignment: Assignment, a: AssignmentGrade) -> dict[str, Any]:
    """A student's grade in the ``check`` JSON shape: ``tests`` of every exercise (named
    ``exercise/quantity``, in the exercise's points), plus each exercise's own marking."""
    tests: list[dict[str, Any]] = []
    exercises = []
    for e in assignment.exercises:
        g = a.exercises.get(e.name)
        if g is None:
            continue
        data = g.to_json()
        scale = e.points / g.max_score if g.max_score else 0.0
        for t in data.get("tests", []):
            if isinstance(t.get("score"), (int, float)):
                tests.append({**t, "name": f"{e.name}/{t['name']}",
                              "score": _n(t["score"] * scale),
                              "max_score": _n(t["max_score"] * scale)})
        got = a.points_of(e.name, e.points)
        exercises.append({"name": e.name, "points": _n(e.points),
                          "score": None if got is None else _n(got), "marking": data})
    out: dict[str, Any] = {
        "student": a.student, "variant": a.variant, "assignment": assignment.title,
        "score": _n(a.score) if a.graded else None, "max_score": _n(a.max_score),
        "tests": tests, "exercises": exercises,
    }
    if a.late:
        out["late"] = {"fraction": a.late, "submitted": a.submitted_at.isoformat()
                       if a.submitted_at else None}
    if a.problem:
        out["problem"] = a.problem
    return out


def feedback_document(assignment: Assignment, a: AssignmentGrade) -> Any:
    """A student's feedback: the total, then each exercise's marking under its heading."""
    from chainrule.explain.document import Document, Paragraph, Section
    from chainrule.teach.feedback import document
    from chainrule.teach.grading import problem_feedback

    if not a.graded:
        from chainrule.teach.grading import StudentGrade

        g = StudentGrade(a.student, a.variant, problem=a.problem,
                         submitted=any(x.submitted for x in a.exercises.values()))
        return problem_feedback(g)
    lines = [f"{_num(round(a.score, 2))} of {_num(a.max_score)} points."]
    if a.late:
        lines.append(f"Submitted after the due date: {100 * a.late:g}% of the marks off.")
    sections = [Section("Your score", tuple(Paragraph((line,)) for line in lines))]
    for i, e in enumerate(assignment.exercises, 1):
        g = a.exercises[e.name]
        got = a.points_of(e.name, e.points)
        head = f"Exercise {i} ({e.name}): " + (
            f"{_num(round(got, 2))} of {_num(e.points)} points" if got is not None
            else "not marked")
        if g.result is None:
            sections.append(Section(head, (Paragraph((g.problem or "Not marked.",)),)))
            continue
        sub = document(g.result, student=a.student)
        sections.append(Section(head, ()))
        sections += [Section(f"{e.name}: {s.title}", s.blocks, 3, s.heading) for s in
                     sub.sections]
    return Document(f"Feedback for {a.student}: {assignment.title}", tuple(sections),
                    f"Variant {a.variant}.")


def report(grades: AssignmentGrades) -> Any:
    """The class report: the totals, a table of the exercises, then each exercise's report
    (first wrong steps, mistakes, quantities)."""
    import statistics

    from chainrule.explain.document import Document, Paragraph, Section, Table
    from chainrule.teach.grading import report as exercise_report

    graded = [a for a in grades.students if a.graded]
    roster = [a for a in grades.students if a.variant]
    lines = [f"{len(graded)} of the {len(roster)} students on the roster graded."]
    if graded:
        fractions = [a.score / a.max_score for a in graded if a.max_score]
        lines.append(f"Mean score {100 * statistics.fmean(fractions):.0f}%, median "
                     f"{100 * statistics.median(fractions):.0f}%.")
    late = [a for a in graded if a.late]
    if late:
        lines.append(f"{len(late)} submitted late (the penalty taken off their score).")
    sections = [Section("Summary", tuple(Paragraph((line,)) for line in lines))]
    rows = []
    for e in grades.assignment.exercises:
        got = [a.points_of(e.name, e.points) for a in graded]
        marked = [x for x in got if x is not None]
        mean = statistics.fmean(marked) if marked else 0.0
        rows.append((e.name, _num(e.points), str(len(marked)), f"{mean:.2f}",
                     f"{100 * mean / e.points:.0f}%" if marked else ""))
    sections.append(Section("Exercises", (Table(
        ("exercise", "points", "graded", "mean points", "mean"), tuple(rows)),)))
    problems = [a for a in grades.students if not a.graded]
    if problems:
        sections.append(Section("Not graded", (Table(
            ("student", "why"), tuple((a.student, a.problem) for a in problems)),)))
    if grades.ignored:
        sections.append(Section("Files in SUBMISSIONS not graded", (Table(
            ("file", "why"), tuple(grades.ignored)),)))
    if grades.matched:
        sections.append(Section("Files matched by a looser name, or one of several", (Table(
            ("file", "student", "how"), tuple(grades.matched)),)))
    for i, e in enumerate(grades.assignment.exercises, 1):
        sub = exercise_report(grades.per_exercise[e.name])
        keep = [s for s in sub.sections if s.title not in ("Summary", "Not graded")]
        sections.append(Section(f"Exercise {i} ({e.name})", ()))
        sections += [Section(f"{e.name}: {s.title}", s.blocks, 3) for s in keep]
    return Document(f"Class report: {grades.assignment.title}", tuple(sections))
