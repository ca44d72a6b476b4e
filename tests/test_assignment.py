"""Assignments of several exercises (a TOML file): validated in one line, generated into one sheet
and one answers file per student, graded to one score (the exercises' points summed), with the
shape of an exercise drawn per student from ranges."""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach import assignment as assignments
from chainrule.teach.results_formats import expected_values

ASSIGNMENT = """\
title = "Week 7"
due = 2026-12-10T23:59:00Z
decimals = 4

[late]
per_day = 0.1
max = 0.5

[[exercise]]
name = "chain"
network = "exercise-2"
points = 10

[[exercise]]
name = "layers"
points = 20
decimals = 3
shape = { layers = [2, [1, 3], 1], hidden = ["relu", "sigmoid"] }
"""
STUDENTS = ("ada", "bo", "cy", "di", "eve", "fay")


@pytest.fixture(scope="module")
def week7(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("week7")
    (base / "week7.toml").write_text(ASSIGNMENT)
    (base / "roster.csv").write_text("student\n" + "\n".join(STUDENTS) + "\n")
    code = main(["generate", str(base / "week7.toml"), "--students", str(base / "roster.csv"),
                 "--seed", "a-long-enough-course-secret", "-o", str(base / "w7")])
    assert code == 0
    return base


def answers_for(sheets: Path, student: str, *, wrong: dict[str, float] | None = None) -> str:
    """The right answers of every exercise of ``student``, each at its decimals, as one file."""
    lines = []
    for exercise, decimals in (("chain", 4), ("layers", 3)):
        values = expected_values(cr.load(sheets / student / exercise / "network.toml"))
        tables: dict[str, list[str]] = {}
        top = []
        for name, value in values.items():
            if name.startswith("sample.") or name.split(".")[0] in ("gw", "gb"):
                continue
            value *= (wrong or {}).get(f"{exercise}/{name}", 1.0)
            if name == "C":
                top.append(f"C = {value:.{decimals}f}")
                continue
            kind, _, key = name.partition(".")
            tables.setdefault(kind, []).append(f"{json.dumps(key)} = {value:.{decimals}f}")
        lines += [f"[{exercise}]", *top]
        for kind, entries in tables.items():
            lines += [f"[{exercise}.{kind}]", *entries]
    return "\n".join(lines) + "\n"


def test_the_file_is_read_with_every_value(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(ASSIGNMENT)
    task = assignments.read(path)
    assert task.title == "Week 7"
    assert [(e.name, e.points, e.decimals) for e in task.exercises] == [
        ("chain", 10, 4), ("layers", 20, 3)]
    assert task.points == 30
    assert task.due is not None and task.due.isoformat() == "2026-12-10T23:59:00+00:00"
    assert task.late is not None and task.late.per_day == 0.1


CHAIN = 'name = "chain"\nnetwork = "exercise-2"\npoints = 10\n'


@pytest.mark.parametrize(("change", "message"), [
    ('name = "chain"\nnetwork = "exercise-2"\n', "exercise 1 (chain): points: None: give"),
    ('name = "chain"\nnetwork = "exercise-2"\npoints = -1\n',
     "exercise 1 (chain): points: -1: give the exercise's points, above 0 and at most 1000"),
    ('name = "chain"\nnetwork = "exercise-2"\npoints = "ten"\n',
     "exercise 1 (chain): points: 'ten'"),
    (CHAIN + '[[exercise]]\nname = "Chain"\nnetwork = "exercise-2"\npoints = 1\n',
     "exercise 2 (Chain): name: 'Chain' is the name of an earlier exercise"),
    ('name = "chain"\nnetwork = "no-such-net"\npoints = 1\n',
     "exercise 1 (chain): network: no-such-net: no such file or built-in example"),
    (CHAIN + 'decimals = 0\n', "exercise 1 (chain): decimals: 0: give a whole number of "
     "decimals from 1 to 8"),
    (CHAIN + 'shape = { layers = [2, 1] }\n', "exercise 1 (chain): give network"),
    ('name = "C"\nnetwork = "exercise-2"\npoints = 1\n', "exercise 1 (C): name: 'C': give a name"),
])
def test_a_bad_value_is_one_line_naming_file_key_and_what_is_valid(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(ASSIGNMENT.replace(CHAIN, change, 1))
    code = main(["generate", str(path), "--count", "2", "--seed", "x" * 20,
                 "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"chainrule: {path}: "), err
    assert message in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("text", "message"), [
    ('title = "W"\n', "exercise: no exercises"),
    ('title = "W"\ndue = "next friday"\n[[exercise]]\nname="a"\nnetwork="exercise-2"\n'
     'points=1\n', "due: 'next friday': give a date-time like 2026-12-10T23:59:00Z"),
    ('title = "W"\ndue = 2026-12-10T23:59:00\n[[exercise]]\nname="a"\nnetwork="exercise-2"\n'
     'points=1\n', "due: 2026-12-10T23:59:00: give the time zone too"),
    ('title = "W"\n[late]\nper_day = 3\n[[exercise]]\nname="a"\nnetwork="exercise-2"\n'
     'points=1\n', "[late] per_day: give a number from 0 to 1"),
    ('title = "W"\n[[exercise]]\nname="ex"\npoints=1\nshape = { layers = [2, [3, 1], 1] }\n',
     "exercise 1 (ex): shape: layers: layer 2 = [3, 1]: give a number of units from 1 to 4"),
    ('title = "W"\n[[exercise]]\nname="ex"\npoints=1\nshape = { layers = [2, 1], '
     'hidden = ["nope"] }\n', "exercise 1 (ex): shape: hidden: give an activation"),
    ('title = "W"\n[[exercise]]\nname="ex"\nnetwork="exercise-2"\npoints=1\nallow_dead="yes"\n',
     "exercise 1 (ex): allow_dead: 'yes': give true or false"),
    ('title = "W"\n[[exercise]]\nname="a"\nnetwork="exercise-2"\npoints=1\nbonus=2\n',
     "exercise 1 (a): bonus: not an exercise setting; valid are name, title, network"),
    ('title = [\n', "not a valid assignment file"),
    ('[[exercise]]\nname="ex"\nnetwork="a\\u0000b"\npoints=1\n',
     "exercise 1 (ex): network: 'a\\x00b': give a built-in's name or a network file"),
    ('frobnicate = 1\n[[exercise]]\nname="a"\nnetwork="exercise-2"\npoints=1\n',
     "frobnicate: not an assignment setting; valid are title, due, decimals, late, exercise"),
])
def test_more_bad_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(cr.UsageError) as error:
        assignments.read(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value), str(error.value)


def test_generate_writes_one_sheet_and_one_answers_file_per_student(week7: Path) -> None:
    out = week7 / "w7"
    assert json.loads((out / "instructor" / "assignment.json").read_text())["title"] == "Week 7"
    for student in STUDENTS:
        folder = out / "sheets" / student
        assert sorted(p.name for p in folder.iterdir()) == [
            "answers.toml", "chain", "layers", "sheet.html", "sheet.md", "sheet.tex"]
        sheet = (folder / "sheet.md").read_text()
        assert "Exercise 1 (chain, 10 points)" in sheet and "Exercise 2 (layers, 20 points)" \
            in sheet and "30 points in all, due 2026-12-10 23:59 UTC" in sheet
        html = (folder / "sheet.html").read_text()
        assert html.count('<div class="diagram"><svg') == 2
        assert (folder / "sheet.tex").read_text().count(r"\begin{picture}") == 2
        template = (folder / "answers.toml").read_text()
        assert "[chain]" in template and "[layers.dC_dw]" in template
        assert "decimals = 3" in template.split("\n[layers]\n")[1]
        assert not any(p.name.startswith("key") for p in folder.rglob("*"))


def test_shapes_vary_within_the_ranges_and_every_variant_is_a_good_exercise(week7: Path) -> None:
    from chainrule.teach.variants import Rules, problems

    shapes = set()
    for student in STUDENTS:
        net = cr.load(week7 / "w7" / "sheets" / student / "layers" / "network.toml")
        sizes = tuple(len(layer) for layer in net.layers)
        assert sizes[0] == 2 and sizes[2] == 1 and 1 <= sizes[1] <= 3
        assert {u.activation for u in net.units if u.name.startswith("j")} <= {"relu",
                                                                                "sigmoid"}
        shapes.add((sizes, net.units[-2].activation))
        assert problems(net, Rules()) is None  # no dead ReLU, mistakes apart
        chain = cr.load(week7 / "w7" / "sheets" / student / "chain" / "network.toml")
        assert problems(chain, Rules()) is None
    assert len(shapes) >= 3


def test_the_same_secret_and_roster_give_the_same_files_byte_for_byte(
        week7: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert main(["generate", str(week7 / "week7.toml"), "--students",
                 str(week7 / "roster.csv"), "--seed", "a-long-enough-course-secret",
                 "-o", str(again)]) == 0

    def digests(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    assert digests(again) == digests(week7 / "w7")


def test_grade_sums_the_points_with_a_column_per_exercise(week7: Path, tmp_path: Path) -> None:
    sheets = week7 / "w7" / "sheets"
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ada.toml").write_text(answers_for(sheets, "ada"))
    (subs / "bo.toml").write_text(answers_for(sheets, "bo", wrong={"chain/C": 2.0}))
    (subs / "cy.toml").write_text("C = [\n")
    (subs / "di.toml").write_text("[chain]\nC = 0.5\n[a]\nj = 1\n")  # a single exercise's table
    assert main(["grade", str(week7 / "w7"), str(subs), "-o", str(tmp_path / "g")]) == 0
    rows = {r["student"]: r for r in csv.DictReader(
        (tmp_path / "g" / "grades.csv").read_text().splitlines())}
    header = list(rows["ada"])
    assert header[:6] == ["student", "variant", "score", "max_score", "chain", "layers"]
    assert "chain/dC_dw.j -> k" in header
    assert (rows["ada"]["score"], rows["ada"]["max_score"], rows["ada"]["chain"],
            rows["ada"]["layers"]) == ("30", "30", "10", "20")
    assert float(rows["bo"]["chain"]) < 10 and rows["bo"]["layers"] == "20"
    assert float(rows["bo"]["score"]) == pytest.approx(float(rows["bo"]["chain"]) + 20)
    for who in ("cy", "di", "eve"):
        assert rows[who]["score"] == "" and rows[who]["max_score"] == "30"
    ada = json.loads((tmp_path / "g" / "ada.json").read_text())
    assert ada["score"] == 30 and [e["name"] for e in ada["exercises"]] == ["chain", "layers"]
    assert sum(t["score"] for t in ada["tests"]) == pytest.approx(30, abs=1e-4)
    di = json.loads((tmp_path / "g" / "di.json").read_text())
    assert "a: not an exercise of Week 7; valid are chain, layers" in di["problem"]
    report = (tmp_path / "g" / "report.md").read_text()
    assert "| chain | 10 | 2 |" in report and "## Exercise 2 (layers)" in report
    assert "Exercise 2 (layers): 20 of 20 points" in (tmp_path / "g" / "ada.html").read_text()


def test_a_late_submission_loses_the_penalty_by_the_due_date(week7: Path, tmp_path: Path) -> None:
    sheets = week7 / "w7" / "sheets"
    rows = ["student,quantity,answer,submitted"]
    for student, when in (("ada", "2026-12-10T23:00:00+00:00"),
                          ("bo", "2026-12-12T10:00:00+00:00")):
        net = cr.load(sheets / student / "chain" / "network.toml")
        right = expected_values(net)
        rows.append(f"{student},chain.C,{right['C']:.4f},{when}")
        rows.append(f"{student},chain.dC_dw.i -> j,{right['dC_dw.i -> j']:.4f},{when}")
    (tmp_path / "subs.csv").write_text("\n".join(rows) + "\n")
    assert main(["grade", str(week7 / "w7"), str(tmp_path / "subs.csv"), "-o",
                 str(tmp_path / "g")]) == 0
    grades = {r["student"]: r for r in csv.DictReader(
        (tmp_path / "g" / "grades.csv").read_text().splitlines())}
    on_time, late = float(grades["ada"]["score"]), float(grades["bo"]["score"])
    assert on_time > 0 and late == pytest.approx(on_time * 0.8, rel=1e-5)  # 2 days, 10% a day
    assert json.loads((tmp_path / "g" / "bo.json").read_text())["late"]["fraction"] == 0.2
    ada = json.loads((tmp_path / "g" / "ada.json").read_text())
    assert {t["name"]: t["status"] for t in ada["tests"]}["chain/dC_dw.i -> j"] == "right"


def test_generate_layers_with_ranges_draws_each_students_shape(tmp_path: Path) -> None:
    out = tmp_path / "shapes"
    assert main(["generate", "--layers", "2,1-3,1", "--activation", "relu,sigmoid", "-r", "1",
                 "--count", "8", "--seed", "x" * 20, "-o", str(out)]) == 0
    nets = [cr.load(p) for p in (out / "sheets").glob("*/network.toml")]
    sizes = {tuple(len(layer) for layer in net.layers) for net in nets}
    assert len(sizes) >= 2 and all(s[1] in (1, 2, 3) for s in sizes)
    # each student's activation drawn, the outputs the same as the hidden units
    assert {net.units[-1].activation for net in nets} == {"relu", "sigmoid"}
    assert all(net.units[-1].activation == net.units[-2].activation for net in nets)
    key = (out / "instructor" / "class-key.md").read_text()
    assert key.count("## The cost and the gradients") >= 2  # a table per shape


def test_grade_of_a_class_of_several_shapes_has_every_shapes_columns(tmp_path: Path) -> None:
    out = tmp_path / "shapes"
    assert main(["generate", "--layers", "2,1-3,1", "--count", "6", "--seed", "x" * 20,
                 "-o", str(out)]) == 0
    subs = tmp_path / "subs"
    subs.mkdir()
    assert main(["grade", str(out), str(subs), "-o", str(tmp_path / "g")]) == 0
    header = (tmp_path / "g" / "grades.csv").read_text().splitlines()[0].split(",")
    units = {name.split(".")[1] for name in header if name.startswith("a.")}
    every = {u for p in (out / "sheets").glob("*/network.toml")
             for u in cr.load(p).layers[1]}
    assert len(every) >= 2 and every <= units


def gradescope_tree(week7: Path, tmp_path: Path, answers: str | None, *, sid: str,
                    created: str = "2026-12-03T14:22:32-07:00") -> Path:
    import zipfile

    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(week7 / "ag.zip") as archive:
        archive.extractall(root / "source")
    if answers is not None:
        (root / "submission" / "answers.toml").write_text(answers)
    metadata = {"id": 1, "created_at": created,
                "assignment": {"due_date": "2026-12-01T00:00:00+00:00", "title": "Week 7"},
                "users": [{"email": "someone@uni.edu", "sid": sid, "name": "A"}]}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    return root


@pytest.fixture(scope="module")
def zipped(week7: Path) -> Path:
    if not (week7 / "ag.zip").exists():
        assert main(["autograder", "gradescope", str(week7 / "w7"), "-o",
                     str(week7 / "ag.zip")]) == 0
    return week7


def test_the_gradescope_autograder_marks_every_exercise_in_its_points(
        zipped: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from .test_teach_formats import validate_gradescope

    sheets = zipped / "w7" / "sheets"
    root = gradescope_tree(zipped, tmp_path, answers_for(sheets, "cy", wrong={"chain/C": 2.0}),
                           sid="cy")
    env = {**os.environ, "CHAINRULE_AUTOGRADER_ROOT": str(root), "CHAINRULE_PYTHON":
           sys.executable}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate_gradescope(data)
    assert data["extra_data"]["student"] == "cy" and data["extra_data"]["max_score"] == 30
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["chain: C"]["status"] == "failed"
    assert all(t["status"] == "passed" for n, t in by_name.items() if n.startswith("layers: "))
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(30, abs=1e-4)
    layers = sum(t["score"] for n, t in by_name.items() if n.startswith("layers: "))
    assert layers == pytest.approx(20, abs=1e-4)
    assert 20 < data["score"] < 30
    assert data["extra_data"]["exercises"]["layers"] == {"score": 20, "max_score": 20}
    reveal = [t for t in data["tests"] if t["name"].endswith("Right values and derivations")]
    assert [t["name"] for t in reveal] == ["chain: Right values and derivations"]
    assert reveal[0]["visibility"] == "after_due_date"


def test_the_assignment_due_date_sets_the_late_penalty_on_gradescope(
        zipped: Path, tmp_path: Path) -> None:
    from chainrule.teach.autograder import run_gradescope

    sheets = zipped / "w7" / "sheets"
    on_time = run_gradescope(gradescope_tree(zipped, tmp_path / "a", answers_for(sheets, "ada"),
                                             sid="ada", created="2026-12-10T12:00:00+00:00"))
    assert on_time["score"] == 30  # Gradescope's own due date (Dec 1) is earlier: not used
    late = run_gradescope(gradescope_tree(zipped, tmp_path / "b", answers_for(sheets, "ada"),
                                          sid="ada", created="2026-12-11T12:00:00+00:00"))
    assert late["score"] == pytest.approx(27) and late["tests"][-1]["name"] == "Late submission"


@pytest.mark.parametrize(("answers", "says"), [
    (None, "No answers file"),
    ("C = [\n", "not valid TOML"),
    ("C = 0.5\n", "C: not an exercise of Week 7; valid are chain, layers (this file answers "
                  "one exercise"),
])
def test_what_cannot_be_marked_says_why_with_the_assignments_points(
        zipped: Path, tmp_path: Path, answers: str | None, says: str) -> None:
    from chainrule.teach.autograder import run_gradescope

    from .test_teach_formats import validate_gradescope

    data = run_gradescope(gradescope_tree(zipped, tmp_path, answers, sid="bo"))
    validate_gradescope(data)
    assert data["score"] == 0 and says in data["output"], data["output"]
    assert data["tests"][0]["max_score"] == 30


def test_a_table_that_cannot_be_read_costs_that_exercise_only(
        zipped: Path, tmp_path: Path) -> None:
    from chainrule.teach.autograder import run_gradescope

    text = answers_for(zipped / "w7" / "sheets", "bo") + "[chain.a]\nnobody = 1\n"
    text = text.replace("[chain.a]\n", "[chain.q]\n", 1)
    data = run_gradescope(gradescope_tree(zipped, tmp_path, text, sid="bo"))
    assert data["tests"][0]["name"] == "chain: answers" and data["tests"][0]["score"] == 0
    assert "[chain]" in data["tests"][0]["output"]
    assert data["score"] == pytest.approx(20, abs=1e-4)


def test_the_moodle_quiz_has_a_category_per_exercise(week7: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    out = tmp_path / "w7.xml"
    assert main(["quiz", "moodle", str(week7 / "w7"), "-o", str(out)]) == 0
    root = ET.fromstring(out.read_bytes())
    categories = [q.findtext("category/text") for q in root if q.get("type") == "category"]
    assert categories == ["$course$/top/Week 7/chain", "$course$/top/Week 7/layers"]
    cloze = [q for q in root if q.get("type") == "cloze"]
    assert len(cloze) == 2 * len(STUDENTS)
    texts = [q.findtext("questiontext/text") or "" for q in cloze]
    assert all("to 4 decimals" in t for t in texts[:len(STUDENTS)])
    assert all("to 3 decimals" in t for t in texts[len(STUDENTS):])


def test_a_student_checks_one_exercise_of_the_assignments_answers_file(
        week7: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheets = week7 / "w7" / "sheets"
    answers = tmp_path / "answers.toml"
    answers.write_text(answers_for(sheets, "ada", wrong={"layers/C": 3.0}))
    chain, layers = (str(sheets / "ada" / e / "network.toml") for e in ("chain", "layers"))
    assert main(["check", chain, str(answers), "--exercise", "chain"]) == 0
    assert main(["check", layers, str(answers), "--exercise", "layers"]) == 3
    capsys.readouterr()
    assert main(["check", chain, str(answers)]) == 2
    err = capsys.readouterr().err
    assert "a table per exercise (chain, layers): add --exercise chain" in err
    assert main(["check", chain, str(answers), "--exercise", "nope"]) == 2
    assert "no table [nope] of answers in this file; its exercises are chain, layers" in \
        capsys.readouterr().err
    out = tmp_path / "gs.json"
    assert main(["check", chain, str(answers), "--exercise", "chain", "--format", "gradescope",
                 "-o", str(out)]) == 0
    assert all(t["status"] == "passed" for t in json.loads(out.read_text())["tests"]
               if t["max_score"])


def test_a_self_check_sheet_says_how_to_check_each_exercise(week7: Path, tmp_path: Path) -> None:
    out = tmp_path / "practice"
    assert main(["generate", str(week7 / "week7.toml"), "--count", "1", "--self-check",
                 "--seed", "a-long-enough-course-secret", "-o", str(out)]) == 0
    sheet = (out / "sheets" / "v01" / "sheet.md").read_text()
    assert "answers.toml --exercise" in sheet and "chainrule check" in sheet


def test_one_exercise_generated_over_an_assignment_is_graded_as_one(
        week7: Path, tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "w"
    shutil.copytree(week7 / "w7", out)
    assert main(["generate", "exercise-2", "--count", "2", "--seed", "x" * 20, "-o", str(out),
                 "--force"]) == 0
    assert not (out / "instructor" / "assignment.json").exists()
    subs = tmp_path / "subs"
    subs.mkdir()
    assert main(["grade", str(out), str(subs), "-o", str(tmp_path / "g")]) == 0
    header = (tmp_path / "g" / "grades.csv").read_text().splitlines()[0]
    assert header.startswith("student,variant,score,max_score,z.j")


@pytest.mark.parametrize(("args", "says"), [
    (["--layers", "2,1-9,1"], "Invalid value for '--layers': '2,1-9,1': a shape drawn per "
     "student has 2 to 5 layers of 1 to 4 units"),
    (["--layers", "2,3-1,1"], "a range LOW-HIGH with LOW <= HIGH"),
    (["--layers", "2,1-3,1", "--activation", "relu,nope"],
     "Invalid value for '--activation': 'nope' is not an activation; give one or a list of"),
    (["--layers", "2,1-2,1", "--output-activation", "x,relu"],
     "Invalid value for '--output-activation': 'x' is not an activation"),
    (["--layers", "2,1-2,1", "--samples", "7"], "Invalid value for '--samples': 7"),
    (["--layers", "2,3000000,1"], "a layer of 3000000 units; an exercise worked by hand asks "
     "for at most 300 numbers"),
])
def test_bad_shape_ranges_on_the_command_line_are_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str) -> None:
    code = main(["generate", *args, "--count", "2", "--seed", "x" * 20, "-o",
                 str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o").exists()


def test_an_exercise_too_big_to_work_by_hand_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from chainrule.teach.variants import layered_shape

    started = time.perf_counter()
    assert main(["generate", "--layers", "20,30,30,10", "--count", "1", "-o",
                 str(tmp_path / "o")]) == 2
    assert "1800 weights, each with a gradient and an update" in capsys.readouterr().err
    assert main(["generate", "--layers", "2,2,1", "--samples", "100", "--count", "1", "-o",
                 str(tmp_path / "o")]) == 2
    (tmp_path / "big.toml").write_text(cr.dumps_toml(layered_shape([4, 8, 8, 2])))
    (tmp_path / "a.toml").write_text('[[exercise]]\nname = "big"\nnetwork = "big.toml"\n'
                                     "points = 1\n")
    assert main(["generate", str(tmp_path / "a.toml"), "--count", "1", "-o",
                 str(tmp_path / "o")]) == 2
    assert "exercise 1 (big): network: the exercise asks for 315 numbers" in \
        capsys.readouterr().err
    assert time.perf_counter() - started < 5 and not (tmp_path / "o").exists()


def test_canvas_and_moodle_files_of_an_assignment(week7: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    sheets = week7 / "w7" / "sheets"
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ada.toml").write_text(answers_for(sheets, "ada"))
    (subs / "bo.toml").write_text(answers_for(sheets, "bo", wrong={"layers/C": 2.0}))
    (subs / "zed.toml").write_text("[chain]\nC = 1\n")  # not on the roster
    export = tmp_path / "canvas.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Week 7 (12),Current Score\n"
                      "    Points Possible,,,,,30,(read only)\n"
                      '"Lovelace, Ada",1,ada,ada,S1,,\n"Li, Bo",2,bo,bo,S1,,\n'
                      '"Doe, Cy",3,cy,cy,S1,,\n')
    assert main(["grade", str(week7 / "w7"), str(subs), "-o", str(tmp_path / "c"), "--lms",
                 "canvas", "--roster", str(export)]) == 0
    rows = list(csv.reader((tmp_path / "c" / "canvas.csv").read_text().splitlines()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Week 7 (12)"]
    assert rows[1][-1] == "30"
    body = {r[1]: r[-1] for r in rows[2:]}
    assert body["1"] == "30" and 20 <= float(body["2"]) < 30 and "3" not in body  # cy: nothing
    err = capsys.readouterr().err
    assert "zed" in err
    moodle = tmp_path / "moodle.csv"
    moodle.write_text("First name,Last name,ID number,Email address\nAda,L,ada,a@u\nBo,L,bo,b@u\n")
    assert main(["grade", str(week7 / "w7"), str(subs), "-o", str(tmp_path / "m"), "--lms",
                 "moodle", "--roster", str(moodle), "--percent"]) == 0
    rows = list(csv.reader((tmp_path / "m" / "moodle.csv").read_text().splitlines()))
    assert rows[0] == ["ID number", "Week 7", "Week 7 feedback"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["ada"][1] == "100" and "chain 10 of 10; layers 20 of 20" in by_id["ada"][2]
    assert "layers" in by_id["bo"][2] and float(by_id["bo"][1]) < 100


def test_a_choice_never_drawn_is_named() -> None:
    from chainrule.teach.shape_ranges import ShapeRange, missing_choices
    from chainrule.teach.variants import layered_shape

    spec = ShapeRange.parse({"layers": [2, [1, 2], 1], "hidden": ["relu", "sigmoid"],
                             "output": ["identity", "tanh"]})
    drawn = [layered_shape([2, 1, 1], activation="relu", output_activation="identity")]
    assert missing_choices(spec, drawn) == ["hidden sigmoid", "output tanh"]


def test_an_exercise_table_claiming_step_10000_is_marked_at_step_1(
        zipped: Path, tmp_path: Path) -> None:
    """A converged network's gradients are 0 at step 10,000: the assignment's autograder marks
    each exercise at the step its sheet asks for (1) and says what the table claimed."""
    from chainrule.teach.autograder import run_gradescope

    net = cr.load(zipped / "w7" / "sheets" / "bo" / "chain" / "network.toml")
    zeros = [n for n in cr.answer_names(net) if n.startswith(("dC_da.", "dC_dz.", "dC_dw."))]
    lines = ["[chain]", "step = 10000", "C = 0"]
    for kind in ("dC_da", "dC_dz", "dC_dw"):
        lines += [f"[chain.{kind}]", *(f"{json.dumps(n.split('.', 1)[1])} = 0"
                                      for n in zeros if n.startswith(kind + "."))]
    text = "\n".join(lines) + "\n"
    followed = cr.check_answers(net, tomllib.loads(text)["chain"])
    assert followed.step == 10_000 and followed.score > 0.4 * followed.max_score  # the attack
    data = run_gradescope(gradescope_tree(zipped, tmp_path, text, sid="bo"))
    assert data["extra_data"]["exercises"]["chain"]["score"] <= 0.2 * 10
    assert "[chain] The answers file says step = 10000; the sheet asks for step 1" \
        in data["output"]
