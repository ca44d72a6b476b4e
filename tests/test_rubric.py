"""Rubrics: points per quantity, a deduction per named mistake (once), a late penalty by the
submission time; in `grade --config` and in the Gradescope autograder."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.answers import dumps
from chainrule.teach.autograder import run_gradescope
from chainrule.teach.generation import read_variants
from chainrule.teach.rubric import Late

from .test_teach_formats import validate_gradescope

RUBRIC = """
[weights]
"new_w.*" = 2
"da_dz.*" = 0
[deductions]
dropped-two = 2
sign-of-update = 1
[late]
per_day = 0.1
max = 0.5
grace_minutes = 10
"""


def test_the_late_penalty() -> None:
    due = datetime(2026, 12, 10, 23, 0, tzinfo=UTC)
    late = Late(per_day=0.1, most=0.25, grace_minutes=10)
    assert late.fraction(due - timedelta(hours=5), due) == 0
    assert late.fraction(due + timedelta(minutes=9), due) == 0
    assert late.fraction(due + timedelta(minutes=11), due) == pytest.approx(0.1)
    assert late.fraction(due + timedelta(days=1, minutes=11), due) == pytest.approx(0.2)
    assert late.fraction(due + timedelta(days=9), due) == pytest.approx(0.25)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two students; 'slip' halves dC/da_k (dropped-two) and gets every other number right."""
    root = tmp_path_factory.mktemp("rubric")
    (root / "roster.csv").write_text("student\nslip\nright\n", encoding="utf-8")
    assert main(["generate", "exercise-2", "--students", str(root / "roster.csv"), "--seed",
                 "a-long-enough-secret-for-tests", "-o", str(root / "gen")]) == 0
    (root / "subs").mkdir()
    for student in ("slip", "right"):
        net = cr.load(read_variants(root / "gen")[student][1])
        values = {k: f"{v:.4f}" for k, v in cr.right_answers(net, decimals=4).items()}
        if student == "slip":
            values["dC_da.k"] = f"{float(values['dC_da.k']) / 2:.4f}"
        (root / "subs" / f"{student}.toml").write_text(dumps(values), encoding="utf-8")
    (root / "rubric.toml").write_text(RUBRIC, encoding="utf-8")
    return root


def test_grade_deducts_each_mistake_once(course: Path) -> None:
    out = course / "grades"
    assert main(["grade", str(course / "gen"), str(course / "subs"), "-o", str(out),
                 "--config", str(course / "rubric.toml")]) == 0
    slip = json.loads((out / "slip.json").read_text(encoding="utf-8"))
    right = json.loads((out / "right.json").read_text(encoding="utf-8"))
    assert right["score"] == right["max_score"] == 15  # 13 quantities, new_w worth 2
    tags = [tag for t in slip["tests"] for tag in t["tags"]]
    assert "dropped-two" in tags
    assert slip["deductions"] == {"dropped-two": 2}
    assert slip["score"] == 15 - 1 - 2


@pytest.mark.parametrize(("config", "says"), [
    ("[deductions]\nno-such-mistake = 1\n", "'no-such-mistake': not a mistake"),
    ("[deductions]\ndropped-two = -1\n", "give points >= 0"),
    ("[late]\nper_week = 1\n", "per_week: not a late setting"),
    ("[late]\nper_day = 3\n", "per_day: give a number from 0 to 1"),
])
def test_a_bad_rubric_is_one_line(course: Path, tmp_path: Path, config: str, says: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(config, encoding="utf-8")
    code = main(["grade", str(course / "gen"), str(course / "subs"), "-o",
                 str(tmp_path / "out"), "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1


def test_the_autograder_applies_the_rubric_and_the_late_penalty(
    course: Path, tmp_path: Path
) -> None:
    zipped = tmp_path / "ag.zip"
    assert main(["autograder", "gradescope", str(course / "gen"), "-o", str(zipped),
                 "--config", str(course / "rubric.toml")]) == 0

    def run(student: str, late: timedelta) -> dict[str, object]:
        root = tmp_path / f"{student}-{late.days}"
        with zipfile.ZipFile(zipped) as archive:
            archive.extractall(root / "source")
        (root / "submission").mkdir()
        (root / "submission" / "answers.toml").write_bytes(
            (course / "subs" / f"{student}.toml").read_bytes())
        due = datetime(2026, 12, 10, 23, 0, tzinfo=UTC)
        metadata = {"created_at": (due + late).isoformat(),
                    "assignment": {"due_date": due.isoformat()},
                    "users": [{"email": "", "sid": student}]}
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        data = run_gradescope(root)
        validate_gradescope(data)
        return data

    on_time = run("right", timedelta(hours=-1))
    assert on_time["score"] == 15
    graded = [t for t in on_time["tests"] if t["max_score"]]  # type: ignore[union-attr]
    assert sum(t["max_score"] for t in graded) == 15 and len(graded) == 13
    slip = run("slip", timedelta(days=1, hours=2))  # 2 days (started) late: 20% off
    assert slip["score"] == pytest.approx((15 - 1 - 2) * 0.8)
    names = [t["name"] for t in slip["tests"]]  # type: ignore[union-attr]
    assert "Deduction: dropped-two" in names and "Late submission" in names


def test_grade_takes_the_late_penalty_from_a_submissions_csvs_times(
        course: Path, tmp_path: Path) -> None:
    """A submissions CSV may carry each submission's time (``submitted``); with ``[late] due``
    in the grading config, grade takes the late penalty off as the autograder does."""
    rubric = tmp_path / "late.toml"
    rubric.write_text("[late]\nper_day = 0.1\nmax = 0.5\ndue = 2026-12-10T23:00:00Z\n")
    rows = ["student,quantity,answer,submitted"]
    for student, when in (("right", "2026-12-10T22:00:00+00:00"),
                          ("slip", "2026-12-12T22:00:00+00:00")):
        net = cr.load(read_variants(course / "gen")[student][1])
        rows.append(f"{student},C,{cr.right_answers(net, decimals=4)['C']},{when}")
    (tmp_path / "subs.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "g"
    assert main(["grade", str(course / "gen"), str(tmp_path / "subs.csv"), "-o", str(out),
                 "--config", str(rubric)]) == 0
    right = json.loads((out / "right.json").read_text())
    slip = json.loads((out / "slip.json").read_text())
    assert right["score"] == 1 and "late" not in right
    assert slip["score"] == pytest.approx(0.8) and slip["late"] == {"fraction": 0.2}


@pytest.mark.parametrize(("due", "says"), [
    ('"friday"', "[late] due = 'friday': give the due date with its time zone"),
    ("2026-12-10T23:00:00", "[late] due = '2026-12-10 23:00:00': give the due date with"),
])
def test_a_late_due_date_without_a_time_zone_is_refused(
        course: Path, tmp_path: Path, due: str, says: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "late.toml"
    path.write_text(f"[late]\nper_day = 0.1\ndue = {due}\n")
    code = main(["grade", str(course / "gen"), str(course / "subs"), "-o",
                 str(tmp_path / "out"), "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and says in err, err
