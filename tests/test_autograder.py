"""`chainrule autograder gradescope`: the zip, and its run_autograder run end to end against a
simulated /autograder tree (the root comes from CHAINRULE_AUTOGRADER_ROOT)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.answers import dumps
from chainrule.teach.autograder import run_gradescope

from .test_teach_formats import validate_gradescope

ROSTER = "student\nada@uni.edu\nS1002\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated class of two, and its autograder zip."""
    root = tmp_path_factory.mktemp("course")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert main(["generate", "exercise-2", "--students", str(root / "roster.csv"), "--seed",
                 "s3cret-s3cret", "-o", str(root / "gen")]) == 0
    assert main(["autograder", "gradescope", str(root / "gen"), "--output",
                 str(root / "autograder.zip")]) == 0
    return root


def variant_of(course: Path, student: str) -> cr.Network:
    from chainrule.teach.generation import read_variants

    return cr.load(read_variants(course / "gen")[student][1])


def autograder_tree(course: Path, tmp_path: Path, users: list[dict[str, Any]] | None,
                    files: dict[str, str]) -> Path:
    """/autograder as Gradescope lays it out: source/ (the zip), submission/, the metadata."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(course / "autograder.zip") as archive:
        archive.extractall(root / "source")
    for name, text in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text, encoding="utf-8")
    if users is not None:
        metadata = {"id": 1, "created_at": "2026-12-03T14:22:32.365935-07:00",
                    "assignment": {"due_date": "2026-12-10T23:00:00.000000-07:00",
                                   "title": "Week 3", "total_points": "15.0"},
                    "submission_method": "upload", "users": users,
                    "previous_submissions": []}
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return root


def results_of(root: Path) -> dict[str, Any]:
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_gradescope(data)
    return data


def right_file(net: cr.Network) -> str:
    return dumps({k: f"{v:.4f}" for k, v in cr.right_answers(net, decimals=4).items()})


def test_the_zip_holds_what_gradescope_needs_and_no_answers(course: Path) -> None:
    with zipfile.ZipFile(course / "autograder.zip") as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        wheel = next(n for n in names if n.endswith(".whl"))
        assert "setup.sh" in names and "run_autograder" in names  # at the root of the zip
        assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
        assert wheel == f"chainrule-{cr.__version__}-py3-none-any.whl"
        text = b"".join(archive.read(n) for n in names if not n.endswith(".whl"))
    assert b"dC_dw" not in text and b"key" not in text.lower()  # no answers, no keys
    assert b"s3cret" not in text  # nor the secret
    # the same class gives the same bytes
    again = course / "again.zip"
    assert main(["autograder", "gradescope", str(course / "gen"), "-o", str(again)]) == 0
    assert again.read_bytes() == (course / "autograder.zip").read_bytes()


def test_run_autograder_marks_the_students_own_variant(course: Path, tmp_path: Path) -> None:
    net = variant_of(course, "S1002")
    root = autograder_tree(course, tmp_path, [{"email": "x@uni.edu", "id": 9, "name": "Bo",
                                               "sid": "s1002"}], {"answers.toml": right_file(net)})
    env = {**os.environ, "CHAINRULE_AUTOGRADER_ROOT": str(root),
           "CHAINRULE_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    data = results_of(root)
    assert data["score"] == 15 and data["extra_data"]["student"] == "S1002"
    assert all(t["status"] == "passed" for t in data["tests"])


def test_another_students_numbers_score_low(course: Path, tmp_path: Path) -> None:
    other = variant_of(course, "ada@uni.edu")
    root = autograder_tree(course, tmp_path, [{"email": "bo@uni.edu", "sid": "S1002"}],
                           {"work/answers.toml": right_file(other), "notes.txt": "hi"})
    data = run_gradescope(root)
    assert data == results_of(root)
    assert data["score"] < 8 and data["output"].startswith("work/answers.toml")


def test_a_submitted_file_cannot_widen_its_own_tolerance(course: Path, tmp_path: Path) -> None:
    """``decimals = 0`` in the answers file would make the tolerance 0.51: the autograder marks
    with the sheets' decimals, and so does check --format gradescope/prairielearn."""
    net = variant_of(course, "S1002")
    right = cr.right_answers(net)
    cheat = f"decimals = 0\nC = {right['C'] + 0.3:.4f}\n"
    root = autograder_tree(course, tmp_path, [{"email": "", "sid": "S1002"}],
                           {"answers.toml": cheat})
    tests = {t["name"]: t for t in run_gradescope(root)["tests"]}
    assert tests["C"]["status"] == "failed"
    (tmp_path / "cheat.toml").write_text(cheat)
    network = tmp_path / "net.toml"
    network.write_text(cr.dumps_toml(net))
    for fmt in ("gradescope", "prairielearn"):
        out = tmp_path / f"{fmt}.json"
        assert main(["check", str(network), str(tmp_path / "cheat.toml"), "--format", fmt,
                     "-o", str(out)]) == 0
        assert json.loads(out.read_text())["score"] == 0, fmt


def test_an_email_id_matches_the_email(course: Path, tmp_path: Path) -> None:
    root = autograder_tree(course, tmp_path, [{"email": "Ada@Uni.edu", "sid": ""}],
                           {"answers.toml": right_file(variant_of(course, "ada@uni.edu"))})
    assert run_gradescope(root)["score"] == 15


@pytest.mark.parametrize(("users", "files", "says"), [
    ([{"email": "eve@uni.edu", "sid": "S9"}], {"answers.toml": "C = 1\n"},
     "eve@uni.edu, sid S9) is not on this assignment's roster"),
    ([], {"answers.toml": "C = 1\n"}, "(no user) is not on"),
    (None, {"answers.toml": "C = 1\n"}, "no submission_metadata.json"),
    ([{"sid": "S1002"}], {}, "No answers file"),
    ([{"sid": "S1002"}], {"a.toml": "C = 1\n", "b.json": "{}"}, "Several answers files"),
    ([{"sid": "S1002"}], {"answers.toml": "C = [\n"}, "not valid TOML"),
    ([{"sid": "S1002"}], {"answers.toml": "[a]\nq = 1\n"}, "q"),
])
def test_what_cannot_be_marked_gets_results_that_say_why(
    course: Path, tmp_path: Path, users: list[dict[str, Any]] | None, files: dict[str, str],
    says: str,
) -> None:
    root = autograder_tree(course, tmp_path, users, files)
    data = run_gradescope(root)
    assert data == results_of(root)
    assert data["score"] == 0 and says in data["output"], data["output"]
    assert data["tests"][0]["visibility"] == "visible"


def test_a_roster_maps_ids_to_gradescope(course: Path, tmp_path: Path) -> None:
    mapping = course / "gradescope.csv"
    mapping.write_text("student,email,sid\nada@uni.edu,ada.l@college.edu,\n"
                       "S1002,bo@college.edu,77\n", encoding="utf-8")
    zipped = tmp_path / "ag.zip"
    assert main(["autograder", "gradescope", str(course / "gen"), "-o", str(zipped),
                 "--roster", str(mapping), "--reveal", "visible"]) == 0
    mapped = tmp_path / "mapped"
    mapped.mkdir()
    shutil.copy(zipped, mapped / "autograder.zip")
    root = autograder_tree(mapped, tmp_path, [{"email": "BO@college.edu", "sid": "nope"}],
                           {"answers.toml": 'C = "0.1"\n'})
    data = run_gradescope(root)
    assert data["extra_data"]["student"] == "S1002"
    assert {t["visibility"] for t in data["tests"]} == {"visible"}


def test_a_roster_missing_a_student_is_refused(
    course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "partial.csv"
    mapping.write_text("student,email\nada@uni.edu,ada@uni.edu\n", encoding="utf-8")
    code = main(["autograder", "gradescope", str(course / "gen"), "-o",
                 str(tmp_path / "x.zip"), "--roster", str(mapping)])
    err = capsys.readouterr().err
    assert code == 2 and "'S1002'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.zip").exists()
    code = main(["autograder", "gradescope", str(tmp_path), "-o", str(tmp_path / "x.zip")])
    assert code == 2 and not (tmp_path / "x.zip").exists()


def test_run_autograder_without_chainrule_still_writes_results(
    course: Path, tmp_path: Path
) -> None:
    root = autograder_tree(course, tmp_path, [{"sid": "S1002"}], {"answers.toml": "C = 1\n"})
    env = {**os.environ, "CHAINRULE_AUTOGRADER_ROOT": str(root), "CHAINRULE_PYTHON": "false"}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    data = results_of(root)
    assert data["score"] == 0 and "setup.sh" in data["output"]


def test_setup_sh_is_valid_bash(course: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(course / "autograder.zip") as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(tmp_path / script)], check=True)


@pytest.mark.slow
def test_setup_sh_installs_chainrule_from_the_bundled_wheel_then_it_grades(
    course: Path, tmp_path: Path
) -> None:
    """setup.sh end to end, offline: a venv of this Python, chainrule from the bundled wheel
    (its dependencies, which Gradescope takes from PyPI, from this environment's packages)."""
    import sysconfig

    net = variant_of(course, "S1002")
    root = autograder_tree(course, tmp_path, [{"sid": "S1002"}], {"answers.toml":
                                                                  right_file(net)})
    deps = sysconfig.get_paths()["purelib"]
    env = {**os.environ, "CHAINRULE_AUTOGRADER_ROOT": str(root), "PIP_NO_INDEX": "1",
           "PIP_NO_DEPS": "1", "PYTHONPATH": deps,
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    env.pop("CHAINRULE_PYTHON", None)
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "installed" in done.stdout
    venv_python = root / "chainrule-venv" / "bin" / "python"
    where = subprocess.run([str(venv_python), "-c", "import chainrule; print(chainrule.__file__)"],
                           env=env, capture_output=True, text=True, check=True).stdout
    assert str(root / "chainrule-venv") in where
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert results_of(root)["score"] == 15


def test_a_hostile_submission_tree(course: Path, tmp_path: Path) -> None:
    """A link named answers.toml pointing outside, metadata that is not an object, a huge
    metadata file: results that say so, nothing read from outside the submission."""
    secret = tmp_path / "outside.toml"
    secret.write_text('C = "0.3632"\n', encoding="utf-8")
    root = autograder_tree(course, tmp_path, [{"sid": "S1002"}], {})
    (root / "submission" / "answers.toml").symlink_to(secret)
    data = run_gradescope(root)
    assert data == results_of(root) and data["output"].startswith(
        "answers.toml: a symbolic link, which is not followed: upload your answers.toml itself")
    assert "0.3632" not in json.dumps(data)
    (root / "submission_metadata.json").write_text("[1, 2]", encoding="utf-8")
    assert "not on this assignment's roster" in run_gradescope(root)["output"]
    (root / "submission_metadata.json").write_text(" " * (2**20 + 1), encoding="utf-8")
    assert "no submission_metadata.json" in run_gradescope(root)["output"]


def converged_zeros(net: cr.Network, step: int = 10_000) -> str:
    """A file claiming ``step``: its cost and every derivative 0, right once the network has
    converged."""
    names = [n for n in cr.answer_names(net)
             if n == "C" or n.startswith(("dC_da.", "dC_dz.", "dC_dw.", "dC_db."))]
    return dumps(dict.fromkeys(names, "0"), step=step)


def test_a_step_10000_file_of_zeros_is_marked_at_the_sheets_step(
        course: Path, tmp_path: Path) -> None:
    """At step 10,000 a converged network's cost and gradients are 0: the autograder, check
    --format gradescope/prairielearn and the API (with step=1, as the PrairieLearn example)
    mark the step the sheet asks for (1), and say what the file claimed; plain check follows
    the file's step (a student's own practice) unless --step is given."""
    net = variant_of(course, "S1002")
    zeros = converged_zeros(net)
    max_score = len(cr.answer_names(net))
    claimed = "The answers file says step = 10000; the sheet asks for step 1"
    # the attack is real: followed, the file earns much more than 20%
    (tmp_path / "zeros.toml").write_text(zeros)
    at_10000 = cr.check_answers(net, tmp_path / "zeros.toml")
    assert at_10000.step == 10_000 and at_10000.score > 0.4 * max_score
    root = autograder_tree(course, tmp_path, [{"email": "", "sid": "S1002"}],
                           {"answers.toml": zeros})
    data = run_gradescope(root)
    assert data["score"] <= 0.2 * max_score and claimed in data["output"]
    assert data["extra_data"]["step"] == 1
    network = tmp_path / "net.toml"
    network.write_text(cr.dumps_toml(net))
    for fmt, key in (("gradescope", "output"), ("prairielearn", "message")):
        out = tmp_path / f"{fmt}.json"
        assert main(["check", str(network), str(tmp_path / "zeros.toml"), "--format", fmt,
                     "-o", str(out)]) == 0
        marked = json.loads(out.read_text())
        assert marked["score"] <= 0.2 * (max_score if fmt == "gradescope" else 1), fmt
        assert claimed in marked[key], fmt
    api = cr.check_answers(net, tmp_path / "zeros.toml", step=1)
    assert api.step == 1 and api.score <= 0.2 * max_score
    assert claimed in api.extra["notes"][0]
    # plain check: the file's step, unless --step says which the sheet asks for
    out = tmp_path / "plain.json"
    assert main(["check", str(network), str(tmp_path / "zeros.toml"), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["step"] == 10_000
    assert main(["check", str(network), str(tmp_path / "zeros.toml"), "--step", "1", "-o",
                 str(out)]) == 3
    assert json.loads(out.read_text())["step"] == 1


@pytest.mark.parametrize(("make", "says"), [
    (lambda d: (d / "answers.toml").write_text("C = 0.5\n" + "#" * (2**20 + 10)),
     "answers.toml: the file is 1.0 MB, over the limit of 1.0 MB for an answers file"),
    (lambda d: os.mkfifo(d / "answers.toml"), "answers.toml: is not a regular file"),
    (lambda d: (d / "answers.json").write_text('{"C": 1e-999999999999999999}'),
     "answers.json: C: 1e-999999999999999999 is too small"),
])
def test_a_file_that_cannot_be_marked_is_named_as_the_student_knows_it(
        course: Path, tmp_path: Path, make: Any, says: str) -> None:
    """Over the size limit, a pipe, a number JSON would read as 0: score 0 and one line that
    names the file as uploaded (not the autograder's own path), never a hang or a crash."""
    root = autograder_tree(course, tmp_path, [{"sid": "S1002"}], {})
    make(root / "submission")
    data = run_gradescope(root)
    assert data == results_of(root) and data["score"] == 0
    assert data["output"].startswith(says), data["output"]
    assert str(root) not in data["output"]


def gaming_files(mine: cr.Network, other: cr.Network) -> dict[str, str]:
    """The sheets a student games with: zeros, whole numbers (the right values rounded to 0
    decimals, with and without a ``decimals = 0`` line), another variant's key."""
    names = cr.answer_names(mine)
    right = cr.right_answers(mine)
    whole = dumps({n: f"{v:.0f}" for n, v in right.items()})
    return {"zeros": dumps(dict.fromkeys(names, "0")),
            "whole numbers": whole,
            "decimals = 0": whole.replace("step = 1\n", "step = 1\ndecimals = 0\n", 1),
            "another variant's key": right_file(other)}


def test_gaming_sheets_earn_at_most_20_percent_from_grade_and_the_autograder(
        course: Path, tmp_path: Path) -> None:
    """Every single sheet of zeros, whole numbers (with ``decimals = 0`` too) or another
    variant's key earns at most 20% of the marks, through grade and through the Gradescope
    autograder alike; the right sheet earns all of them."""
    mine, other = variant_of(course, "S1002"), variant_of(course, "ada@uni.edu")
    most = 0.2 * len(cr.answer_names(mine))
    for n, (what, text) in enumerate(gaming_files(mine, other).items()):
        root = autograder_tree(course, tmp_path / str(n), [{"sid": "S1002"}],
                               {"answers.toml": text})
        assert run_gradescope(root)["score"] <= most, what
        subs = tmp_path / f"subs{n}"
        subs.mkdir()
        (subs / "S1002.toml").write_text(text)
        out = tmp_path / f"grades{n}"
        assert main(["grade", str(course / "gen"), str(subs), "-o", str(out)]) == 0
        row = next(r for r in csv.DictReader((out / "grades.csv").read_text().splitlines())
                   if r["student"] == "S1002")
        assert float(row["score"]) <= most, what
    root = autograder_tree(course, tmp_path / "right", [{"sid": "S1002"}],
                           {"answers.toml": right_file(mine)})
    assert run_gradescope(root)["score"] == len(cr.answer_names(mine))


def test_a_weighted_rubric_keeps_a_gaming_sheet_at_20_percent_on_gradescope(
        course: Path, tmp_path: Path) -> None:
    """The 20% a sheet of guesses keeps is 20% of the rubric's points, as grade takes it: a
    rubric that puts most points on the ReLU slopes (1 on every variant) does not hand a
    whole-number sheet 60%."""
    config = tmp_path / "rubric.toml"
    config.write_text('[weights]\n"da_dz.*" = 10\n')
    (tmp_path / "zip").mkdir()
    weighted = tmp_path / "zip" / "autograder.zip"
    assert main(["autograder", "gradescope", str(course / "gen"), "--config", str(config),
                 "-o", str(weighted)]) == 0
    shutil.copytree(course / "gen", tmp_path / "zip" / "gen")
    mine, other = variant_of(course, "S1002"), variant_of(course, "ada@uni.edu")
    for n, (what, text) in enumerate(gaming_files(mine, other).items()):
        root = autograder_tree(tmp_path / "zip", tmp_path / str(n), [{"sid": "S1002"}],
                               {"answers.toml": text})
        data = run_gradescope(root)
        assert data["score"] <= 0.2 * data["extra_data"]["max_score"], what
    root = autograder_tree(tmp_path / "zip", tmp_path / "right", [{"sid": "S1002"}],
                           {"answers.toml": right_file(mine)})
    data = run_gradescope(root)
    assert data["score"] == data["extra_data"]["max_score"] > len(cr.answer_names(mine))
