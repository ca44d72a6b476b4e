"""``chainrule autograder gradescope``: a Gradescope autograder for a generated class.

The zip holds, at its root (Gradescope unpacks it into ``/autograder/source``):

- ``setup.sh``: finds a Python chainrule supports (3.11 or later) or installs one, makes a
  virtual environment ``/autograder/chainrule-venv`` and installs chainrule there from the
  bundled wheel (its dependencies come from PyPI while Gradescope builds the image);
- ``run_autograder``: runs :func:`run_gradescope`, which finds the student's variant from
  ``/autograder/submission_metadata.json`` (their email or student id, matched to the roster),
  marks their answers file and writes ``/autograder/results/results.json``; a student who is not
  on the roster, a missing or unreadable answers file, even a failed install, give a results
  file that says so, never a crash;
- ``chainrule/``: the variants (one network file each, no answers), the roster (student, email,
  sid, variant) and the marking settings;
- ``chainrule-VERSION-py3-none-any.whl``: chainrule itself.

Why a Python of its own: Gradescope's default base image (Ubuntu 22.04) has Python 3.10, and
chainrule needs 3.11+. ``setup.sh`` uses the image's own ``python3.11``/``3.12``/``3.13`` when
there is one (Ubuntu 24.04 images have 3.12), and otherwise installs ``python3.11`` from the
deadsnakes PPA with apt, as Gradescope's documentation suggests for system packages: apt checks
the packages' signatures, and nothing is piped from a URL into a shell.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chainrule.core.errors import ChainruleError, UsageError
from chainrule.teach.checking import CheckResult
from chainrule.teach.rubric import Rubric, parse_time

ROOT_VARIABLE = "CHAINRULE_AUTOGRADER_ROOT"
"""The environment variable naming the autograder's root (``/autograder`` when unset)."""
PYTHON_VARIABLE = "CHAINRULE_PYTHON"
"""The environment variable naming the Python ``run_autograder`` runs (default: the venv's)."""
FOLDER = "chainrule"
"""The folder in the zip holding the variants, the roster and the settings."""
MAX_SUBMISSION_FILES = 500
MAX_METADATA_BYTES = 2**20
ANSWER_SUFFIXES = (".toml", ".json")
EPOCH = (1980, 1, 1, 0, 0, 0)

SETUP_SH = r"""#!/usr/bin/env bash
# chainrule's Gradescope autograder: install a Python chainrule supports (3.11+) and chainrule.
# Gradescope's default image (Ubuntu 22.04) has Python 3.10: use the image's python3.11 or later
# when it has one, else install python3.11 from the deadsnakes PPA with apt.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${CHAINRULE_AUTOGRADER_ROOT:-/autograder}"
VENV="$ROOT/chainrule-venv"

find_python() {
  for name in python3.13 python3.12 python3.11 python3; do
    if command -v "$name" >/dev/null 2>&1 &&
       "$name" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

PY="$(find_python || true)"
if [ -z "$PY" ]; then
  echo "chainrule: no Python 3.11+ on this image; installing python3.11 (deadsnakes PPA)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends software-properties-common gpg-agent
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update
  apt-get install -y --no-install-recommends python3.11 python3.11-venv
  PY="$(command -v python3.11)"
fi
echo "chainrule: using $PY ($("$PY" --version))"
if ! "$PY" -m venv "$VENV"; then
  # Debian and Ubuntu ship venv apart: python3.12-venv for python3.12
  MINOR="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "python$MINOR-venv"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi
# chainrule from the bundled wheel (no download); its dependencies from PyPI
"$VENV/bin/python" -m pip install --disable-pip-version-check "$HERE"/chainrule-*.whl
"$VENV/bin/python" -c 'import chainrule; print("chainrule", chainrule.__version__, "installed")'
"""

NOT_INSTALLED = {
    "score": 0,
    "output": "The autograder could not start: chainrule is not installed (setup.sh failed). "
              "Please tell your instructor.",
    "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden",
    "tests": [],
}
RUN_AUTOGRADER = (
    r"""#!/usr/bin/env bash
# chainrule's Gradescope autograder: mark the submitted answers file against the student's own
# variant and write results/results.json. Whatever happens, Gradescope gets a results file.
ROOT="${CHAINRULE_AUTOGRADER_ROOT:-/autograder}"
PY="${CHAINRULE_PYTHON:-$ROOT/chainrule-venv/bin/python}"
mkdir -p "$ROOT/results"
if ! "$PY" -c 'import chainrule.teach.autograder' >/dev/null 2>&1; then
  cat > "$ROOT/results/results.json" <<'JSON'
"""
    + json.dumps(NOT_INSTALLED)
    + r"""
JSON
  echo "chainrule is not importable by $PY" >&2
  exit 0
fi
exec "$PY" -c 'import sys
from chainrule.teach.autograder import run_gradescope
run_gradescope(sys.argv[1])' "$ROOT"
"""
)


@dataclass(frozen=True)
class Student:
    """One roster entry: the student id of the generated class, the emails and student ids
    Gradescope may know them by, and their variant's network file in the zip."""

    student: str
    emails: tuple[str, ...]
    sids: tuple[str, ...]
    network: str


def _keys(*values: str) -> tuple[str, ...]:
    return tuple(sorted({v.strip().lower() for v in values if v and v.strip()}))


def read_lms_roster(path: str | Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """A CSV mapping the class's student ids to Gradescope's: the column ``student`` (or
    ``id``, ``username``) and the columns ``email`` and/or ``sid`` (or ``student id``, ``sis
    user id``). Returns student -> (emails, sids)."""
    from chainrule.io.reading import Unreadable, read_text

    try:
        text = read_text(Path(path))
    except Unreadable as error:
        raise UsageError(f"{path}: {error.problem}") from None
    reader = csv.reader(io.StringIO(text))
    rows = [r for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise UsageError(f"{path}: the roster is empty")
    header = [c.strip().lower() for c in rows[0]]

    def column(*names: str) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    sid_col = column("student", "student_id", "id", "username")
    email_col = column("email", "email address", "e-mail")
    gs_col = column("sid", "student id", "sis user id", "sis_user_id")
    if sid_col is None or (email_col is None and gs_col is None):
        raise UsageError(f"{path}: the roster needs a column student (or id, username) and a "
                         f"column email or sid; it has {', '.join(header) or 'none'}")
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for row in rows[1:]:
        def cell(i: int | None, row: list[str] = row) -> str:
            return row[i].strip() if i is not None and i < len(row) else ""

        if cell(sid_col):
            out[cell(sid_col)] = (_keys(cell(email_col)), _keys(cell(gs_col)))
    return out


def build_gradescope(
    generated: str | Path,
    *,
    roster: str | Path | None = None,
    rtol: float | None = None,
    decimals: int | None = None,
    reveal: str = "after_due_date",
    wheel: str | Path | None = None,
    config: str | Path | None = None,
) -> bytes:
    """The autograder zip for the class ``generated`` (the folder ``chainrule generate``
    wrote), as bytes: the same inputs give the same bytes.

    Parameters
    ----------
    generated : ``generate``'s folder; every student's variant goes in, no answer key.
    roster : a CSV mapping the class's student ids to the emails and/or student ids Gradescope
        knows them by (:func:`read_lms_roster`); without it, a student id that looks like an
        email is matched as the email, and every id as Gradescope's student id (sid).
    rtol, decimals, reveal : the marking settings (as ``check``'s).
    config : a grading config (as ``grade --config``): points per quantity, credit per status,
        a deduction per mistake (once) and a late penalty by the submission time Gradescope
        records against the assignment's due date (:mod:`chainrule.teach.rubric`).
    wheel : a chainrule wheel to bundle (``pip wheel --no-deps .`` makes one); default: one
        made from the chainrule that is running.
    """
    from chainrule.teach.generation import read_variants
    from chainrule.teach.results_formats import VISIBILITIES

    if reveal not in VISIBILITIES:
        raise UsageError(f"`reveal={reveal!r}`: give one of {', '.join(VISIBILITIES)}")
    from chainrule.teach import assignment as assignments

    task = assignments.find(generated)
    if task is not None:
        exercises: dict[str, Mapping[str, Path]] = {s: files for s, (_, files)
                                                    in task.students.items()}
        variants = {s: (code, next(iter(files.values())))
                    for s, (code, files) in task.students.items()}
    else:
        variants = read_variants(generated)
    if not variants:
        raise UsageError(f"{generated}: variants.csv lists no student")
    mapping = read_lms_roster(roster) if roster is not None else None
    if mapping is not None:
        missing = sorted(set(variants) - set(mapping))
        if missing:
            raise UsageError(f"{roster}: {missing[0]!r} (a student of {generated}) is not in "
                             "the roster; give every student's email or sid")
    files: dict[str, bytes] = {}
    rows = []
    for number, (student, (code, network_file)) in enumerate(sorted(variants.items()), 1):
        if task is not None:
            parts = []
            for exercise, path in exercises[student].items():
                name = f"{FOLDER}/variants/{number:05d}/{exercise}.toml"
                files[name] = _variant_bytes(path, student)
                parts.append(f"{exercise}={name}")
            name = " ".join(parts)
        else:
            name = f"{FOLDER}/variants/{number:05d}.toml"
            files[name] = _variant_bytes(network_file, student)
        if mapping is not None:
            emails, sids = mapping[student]
        else:
            emails = _keys(student) if "@" in student else ()
            sids = _keys(student)
        rows.append([student, code, " ".join(emails), " ".join(sids), name])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "variant", "emails", "sids", "network"])
    writer.writerows(rows)
    files[f"{FOLDER}/roster.csv"] = buffer.getvalue().encode("utf-8")
    if decimals is None and task is None:  # the sheets' (never the answers file's)
        from chainrule.teach.grading import _sheet_decimals

        decimals = _sheet_decimals([Path(f) for _, f in variants.values()])
    settings: dict[str, Any] = {"rtol": rtol, "decimals": decimals, "reveal": reveal}
    if config is not None:
        from chainrule.teach.grading import GradingConfig

        grading = GradingConfig.read(config)
        settings.update({"rtol": grading.rtol if rtol is None else rtol,
                         "weights": dict(grading.weights), "credit": dict(grading.credit),
                         "rubric": grading.rubric.to_json()})
    files[f"{FOLDER}/settings.json"] = (json.dumps(settings, indent=2) + "\n").encode()
    if task is not None:
        files[f"{FOLDER}/{assignments.ASSIGNMENT_FILE}"] = (
            json.dumps(task.assignment.to_json(), indent=2) + "\n").encode()
    if wheel is not None:
        path = Path(wheel)
        if not re.fullmatch(r"chainrule-[^-]+-.*\.whl", path.name) or not path.is_file():
            raise UsageError(f"`wheel`: {wheel}: give a chainrule wheel file "
                             "(chainrule-VERSION-...whl, made by pip wheel --no-deps .)")
        files[path.name] = path.read_bytes()
    else:
        name, data = own_wheel()
        files[name] = data
    files["setup.sh"] = SETUP_SH.encode()
    files["run_autograder"] = RUN_AUTOGRADER.encode()
    return _zip(files, executable={"setup.sh", "run_autograder"})


def _variant_bytes(network_file: Path, student: str) -> bytes:
    """A variant's network file, read and checked."""
    from chainrule.io.netfile import load

    try:
        text = Path(network_file).read_text(encoding="utf-8")
        load(network_file)
    except (OSError, UnicodeDecodeError, ChainruleError) as error:
        raise UsageError(f"{network_file}: cannot read {student}'s variant ({error})") from None
    return text.encode("utf-8")


def _zip(files: Mapping[str, bytes], executable: Collection[str] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((0o755 if name in executable else 0o644) | 0o100000) << 16
            archive.writestr(info, files[name])
    return out.getvalue()


def own_wheel() -> tuple[str, bytes]:
    """A wheel of the chainrule that is running (its package files, metadata and console
    script), made without a build: ``(file name, bytes)``."""
    import importlib.metadata

    package = Path(__file__).resolve().parent.parent  # chainrule/teach/autograder.py
    try:
        version = importlib.metadata.version("chainrule")
        requires = importlib.metadata.requires("chainrule") or []
        found = importlib.metadata.metadata("chainrule").get_all("Requires-Python")
        python = str((found or [">=3.11"])[0])
    except importlib.metadata.PackageNotFoundError:
        raise UsageError("chainrule is not installed here, so no wheel can be made from it: "
                         "give --wheel (pip wheel --no-deps . makes one)") from None
    requires = [r for r in requires if "extra ==" not in r]
    files: dict[str, bytes] = {}
    for path in sorted(package.rglob("*")):
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts \
                and path.suffix not in (".pyc", ".pyo"):
            files[f"chainrule/{path.relative_to(package).as_posix()}"] = path.read_bytes()
    info = f"chainrule-{version}.dist-info"
    metadata = [
        "Metadata-Version: 2.1", "Name: chainrule", f"Version: {version}",
        "Summary: Backpropagation the way it is taught: every number of the chain rule, "
        "shown and checked.",
        f"Requires-Python: {python}", *(f"Requires-Dist: {r}" for r in requires),
    ]
    files[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: chainrule autograder\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = (b"[console_scripts]\n"
                                         b"chainrule = chainrule.cli:entry_point\n")
    record = []
    for name, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    return f"chainrule-{version}-py3-none-any.whl", _zip(files)


# -- inside Gradescope ---------------------------------------------------------------------


def run_gradescope(root: str | Path | None = None) -> dict[str, Any]:
    """Mark the submission in ``root`` (default ``$CHAINRULE_AUTOGRADER_ROOT`` or
    ``/autograder``) and write ``root/results/results.json``; returns what it wrote.

    Never raises for anything a submission or the metadata holds: an unknown student, no
    answers file or an unreadable one give results (score 0) that say so.
    """
    from chainrule.io.atomic import write_atomic
    from chainrule.teach.results_formats import gradescope_unreadable

    base = Path(root if root is not None else os.environ.get(ROOT_VARIABLE, "/autograder"))
    try:
        results = _mark(base)
    except ChainruleError as error:
        results = gradescope_unreadable(str(error))
    except Exception as error:  # noqa: BLE001 - Gradescope must get a results file
        results = gradescope_unreadable(
            f"The autograder failed ({type(error).__name__}: {error}); please tell your "
            "instructor.")
    (base / "results").mkdir(parents=True, exist_ok=True)
    write_atomic(base / "results" / "results.json",
                 json.dumps(results, indent=2, allow_nan=False) + "\n")
    return results


def _mark(base: Path) -> dict[str, Any]:
    from chainrule.io.netfile import load
    from chainrule.teach.results_formats import (
        asked,
        gradescope,
        gradescope_unreadable,
        mark_file,
    )
    from chainrule.teach.rubric import weigh, worth_of

    source = base / "source" / FOLDER
    settings = json.loads((source / "settings.json").read_text(encoding="utf-8"))
    roster = _read_roster(source / "roster.csv")
    users = _users(base / "submission_metadata.json")
    if users is None:
        return gradescope_unreadable("The autograder found no submission_metadata.json, so it "
                                     "cannot tell whose variant to mark; please tell your "
                                     "instructor.")
    entry = _find(roster, users)
    if entry is None:
        who = "; ".join(
            ", ".join(f"{k} {u[k]}" for k in ("email", "sid") if u.get(k)) or "no email or sid"
            for u in users
        ) or "no user"
        return gradescope_unreadable(f"Your Gradescope account ({who}) is not on this "
                                     "assignment's roster, so there is no variant to mark your "
                                     "answers against; please tell your instructor.")
    if (source / ASSIGNMENT).is_file():
        return _mark_assignment(base, entry, settings)
    network = load(base / "source" / entry.network)
    found = _answers_file(base / "submission")
    if isinstance(found, str):
        return gradescope_unreadable(found, max_score=len(asked(network)))
    result = mark_file(network, str(found), rtol=settings.get("rtol"),
                       decimals=settings.get("decimals"),
                       worth=worth_of(settings.get("weights"), settings.get("credit")))
    name = found.relative_to(base / "submission").as_posix()
    if isinstance(result, str):  # the file named as the student knows it
        return gradescope_unreadable(result.replace(str(found), name, 1),
                                     max_score=len(asked(network)))
    if settings.get("weights") is not None or settings.get("credit") is not None:
        result = weigh(result, settings.get("weights"), settings.get("credit"))
    results = gradescope(result, reveal=settings.get("reveal", "after_due_date"))
    _apply_rubric(results, result, Rubric.from_json(settings.get("rubric")),
                  base / "submission_metadata.json")
    results["output"] = f"{name}, marked against your variant: {results['output']}"
    results.setdefault("extra_data", {})["student"] = entry.student
    return results


ASSIGNMENT = "assignment.json"


def _mark_assignment(base: Path, entry: Student, settings: Mapping[str, Any]) -> dict[str, Any]:
    """An assignment's results: every exercise of the one answers file marked against the
    student's own variant, each test in the exercise's points (``exercise: quantity``), the
    total the sum, less the rubric's deductions and the late penalty by the assignment's due
    date (Gradescope's own due date when the assignment gives none)."""
    from dataclasses import replace

    from chainrule.io.netfile import load
    from chainrule.io.reading import Unreadable, read_text
    from chainrule.teach import assignment as assignments
    from chainrule.teach.answers import MAX_ANSWERS_BYTES, AnswersError, parse
    from chainrule.teach.answers import read as read_answers
    from chainrule.teach.checking import check
    from chainrule.teach.quantities import Graph
    from chainrule.teach.results_formats import (
        REVEALING_TEST,
        SHEET_STEP,
        gradescope,
        gradescope_unreadable,
        with_unanswered,
    )
    from chainrule.teach.rubric import weigh, worth_of

    source = base / "source" / FOLDER
    task = assignments.Assignment.from_json(
        json.loads((source / ASSIGNMENT).read_text(encoding="utf-8")), ASSIGNMENT)
    networks = dict(part.split("=", 1) for part in entry.network.split())
    found = _answers_file(base / "submission")
    if isinstance(found, str):
        return gradescope_unreadable(found, max_score=task.points)
    name = found.relative_to(base / "submission").as_posix()
    try:
        text = read_text(found, MAX_ANSWERS_BYTES)
        tables = assignments.split_answers(read_answers(
            text, name=name, fmt="json" if found.suffix.lower() == ".json" else None), task, name)
    except Unreadable as error:
        return gradescope_unreadable(f"{name}: {error.problem}", max_score=task.points)
    except AnswersError as error:
        return gradescope_unreadable(str(error), max_score=task.points)
    tests: list[dict[str, Any]] = []
    revealing: list[dict[str, Any]] = []
    marked: list[CheckResult] = []
    summary = []
    per_exercise: dict[str, Any] = {}
    reveal = settings.get("reveal", "after_due_date")
    worth = worth_of(settings.get("weights"), settings.get("credit"))
    notes: list[str] = []
    for e in task.exercises:
        network = load(base / "source" / networks[e.name])
        graph = Graph(network)  # one step graph per exercise: read, marked, unanswered added
        try:
            answers = parse(tables.get(e.name, {}), network, source=f"{name} [{e.name}]",
                            graph=graph)
        except AnswersError as error:
            tests.append({"name": f"{e.name}: answers", "score": 0, "max_score": _n(e.points),
                          "status": "failed", "output": str(error), "output_format": "text",
                          "tags": [], "visibility": "visible",
                          "extra_data": {"status": "unreadable"}})
            summary.append(f"{e.name} 0 of {_n(e.points)} (its table could not be read)")
            per_exercise[e.name] = {"score": 0, "max_score": _n(e.points)}
            continue
        decimals = settings.get("decimals")
        result = with_unanswered(check(network, answers, rtol=settings.get("rtol"),
                                       decimals=e.decimals if decimals is None else decimals,
                                       step=SHEET_STEP, worth=worth, graph=graph),
                                 network, graph=graph)
        notes += [f"[{e.name}] {n}" for n in result.extra.get("notes", ())]
        if settings.get("weights") is not None or settings.get("credit") is not None:
            result = weigh(result, settings.get("weights"), settings.get("credit"))
        scale = e.points / result.max_score if result.max_score else 0.0
        result = replace(result, tests=tuple(
            replace(t, score=t.score * scale, max_score=t.max_score * scale)
            for t in result.tests))
        marked.append(result)
        for test in gradescope(result, reveal=reveal)["tests"]:
            test["name"] = f"{e.name}: {test['name']}"
            (revealing if test["name"].endswith(REVEALING_TEST) else tests).append(test)
        summary.append(f"{e.name} {_n(result.score)} of {_n(e.points)}")
        per_exercise[e.name] = {"score": _n(result.score), "max_score": _n(e.points)}
    score = sum(r.score for r in marked)
    results: dict[str, Any] = {
        "score": _n(score),
        "output": f"{name}, marked against your variants: {task.title}, {_n(score)} of "
                  f"{_n(task.points)} points ({'; '.join(summary)})."
                  + "".join(f" {n}" for n in notes)
                  + (" The right values are shown after the due date."
                     if revealing and reveal == "after_due_date" else ""),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"student": entry.student, "assignment": task.title,
                       "max_score": _n(task.points), "exercises": per_exercise},
        "tests": [*tests, *revealing],
    }
    rubric = Rubric.from_json(settings.get("rubric"))
    if task.late is not None:
        rubric = Rubric(rubric.deductions, task.late)
    every = CheckResult(task.title, 1, tuple(t for r in marked for t in r.tests))
    _apply_rubric(results, every, rubric, base / "submission_metadata.json", due=task.due)
    return results


def _n(x: float) -> float | int:
    r = round(float(x), 6)
    return int(r) if r.is_integer() else r


def _apply_rubric(results: dict[str, Any], result: CheckResult, rubric: Rubric,
                  metadata: Path, due: datetime | None = None) -> None:
    """Deductions (each mistake once) and the late penalty, as 0-point tests that say what was
    taken off, and in the top-level score."""
    score = float(results["score"])
    off = rubric.deducted(tag for t in result.tests for tag in t.tags)
    for mistake, points in off.items():
        results["tests"].append({
            "name": f"Deduction: {mistake}", "score": 0, "max_score": 0, "status": "failed",
            "output": f"{points:g} point(s) off, once, for {mistake}.",
            "output_format": "text", "tags": [mistake], "visibility": "visible",
            "extra_data": {"deduction": points}})
    score = max(0.0, score - sum(off.values()))
    if rubric.late is not None:
        found = _metadata(metadata)
        data = found if isinstance(found, dict) else {}
        submitted = parse_time(data.get("created_at"))
        assignment = data.get("assignment")
        theirs = parse_time(assignment.get("due_date") if isinstance(assignment, dict)
                            else None)
        due = due or rubric.late.due
        # the later of the assignment file's due date and Gradescope's (an extension there)
        due = max(d for d in (due, theirs) if d is not None) if (due or theirs) else None
        lost = rubric.late.fraction(submitted, due) if submitted and due else 0.0
        if lost > 0:
            hours = (submitted - due).total_seconds() / 3600 if submitted and due else 0
            results["tests"].append({
                "name": "Late submission", "score": 0, "max_score": 0, "status": "failed",
                "output": f"Submitted {hours:.1f} hours after the due date: {100 * lost:g}% "
                          "of the marks off.",
                "output_format": "text", "tags": [], "visibility": "visible",
                "extra_data": {"late_fraction": lost}})
            score *= 1 - lost
    if off or score != float(results["score"]):
        results["score"] = int(score) if float(score).is_integer() else round(score, 6)


def _read_roster(path: Path) -> list[Student]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Student(r["student"], tuple(r["emails"].split()), tuple(r["sids"].split()),
                        r["network"]) for r in csv.DictReader(handle)]


def _users(path: Path) -> list[Mapping[str, Any]] | None:
    data = _metadata(path)
    if data is None:
        return None
    users = data.get("users") if isinstance(data, dict) else None
    return [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []


def _metadata(path: Path) -> Any:
    """submission_metadata.json, bounded (1 MB), or None when it is missing or not JSON."""
    from chainrule.io.reading import Unreadable, read_text

    if not path.is_file():
        return None
    try:
        return json.loads(read_text(path, MAX_METADATA_BYTES))
    except (Unreadable, ValueError, RecursionError):
        return None


def _find(roster: Sequence[Student], users: Sequence[Mapping[str, Any]]) -> Student | None:
    """The roster entry of the first submitter whose email or sid is on the roster."""
    for user in users:
        email = str(user.get("email") or "").strip().lower()
        sid = str(user.get("sid") or "").strip().lower()
        for entry in roster:
            if (email and email in entry.emails) or (sid and sid in entry.sids):
                return entry
    return None


def _answers_file(folder: Path) -> Path | str:
    """The one answers file in the submission, or why there is none (one line)."""
    if not folder.is_dir():
        return "No files were submitted: upload your answers.toml."
    found: list[Path] = []
    links: list[str] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        links += [Path(dirpath, d).relative_to(folder).as_posix() for d in sorted(dirnames)
                  if not d.startswith(".") and Path(dirpath, d).is_symlink()]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not Path(dirpath, d).is_symlink())
        for name in sorted(filenames):
            seen += 1
            if seen > MAX_SUBMISSION_FILES:
                return (f"The submission has more than {MAX_SUBMISSION_FILES} files: upload "
                        "your answers.toml alone.")
            path = Path(dirpath, name)
            if path.suffix.lower() in ANSWER_SUFFIXES and not name.startswith("."):
                if path.is_symlink():
                    links.append(path.relative_to(folder).as_posix())
                else:
                    found.append(path)
    if not found and links:
        return (f"{', '.join(links[:3])}: a symbolic link, which is not followed: upload your "
                "answers.toml itself.")
    if not found:
        return "No answers file (.toml or .json) was submitted: upload your answers.toml."
    named = [p for p in found if p.name.lower() in ("answers.toml", "answers.json")]
    if len(named) == 1:
        return named[0]
    if len(found) == 1:
        return found[0]
    names = ", ".join(p.relative_to(folder).as_posix() for p in found[:5])
    return f"Several answers files were submitted ({names}): upload one, named answers.toml."
