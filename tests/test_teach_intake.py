"""`chainrule grade`'s intake: every file in SUBMISSIONS graded or named with its reason;
per-student folders, hidden extensions, other cases and copy suffixes matched; duplicates,
links and strangers reported; the grading config checked before anything is written; missing
and malformed submissions get feedback, and their JSON agrees with grades.csv."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.intake import collect

ROSTER = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "4711"]
RIGHT_A_J = "[a]\nj = {a}\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gen")
    roster = base / "roster.csv"
    roster.write_text("student\n" + "\n".join(ROSTER) + "\n")
    out = base / "week3"
    assert main(["generate", "exercise-2", "--students", str(roster), "-o", str(out),
                 "--seed", "a secret long enough for the tests"]) == 0
    return out


def a_j(generated: Path, student: str) -> str:
    net = cr.load(generated / "sheets" / student / "network.toml")
    return f"{cr.solve(net).step(1).samples[0].unit('j').a:.4f}"


def test_every_file_is_graded_or_named(generated: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.toml.txt").write_text(RIGHT_A_J.format(a=a_j(generated, "alice")))
    (subs / "bob").mkdir()
    (subs / "bob" / "answers.toml").write_text(RIGHT_A_J.format(a=a_j(generated, "bob")))
    (subs / "CAROL.toml").write_text(RIGHT_A_J.format(a=a_j(generated, "carol")))
    (subs / "dave (1).toml").write_text(RIGHT_A_J.format(a=a_j(generated, "dave")))
    (subs / "erin.toml").write_text(RIGHT_A_J.format(a=a_j(generated, "erin")))
    (subs / "erin.json").write_text('{"a": {"j": 0.1}}')
    os.utime(subs / "erin.json", (1, 1))  # the older: erin.toml is graded
    (subs / "Doe Jane_4711_assignsubmission_file_").mkdir()
    (subs / "Doe Jane_4711_assignsubmission_file_" / "my answers.toml").write_text(
        RIGHT_A_J.format(a=a_j(generated, "4711")))
    (subs / "frank.toml").write_text("[a\nj = ")  # malformed
    secret = tmp_path / "secret.toml"
    secret.write_text(RIGHT_A_J.format(a="0.5"))
    os.symlink(secret, subs / "grace.toml")  # a link: never followed
    (subs / "mallory.toml").write_text("[a]\nj = 1\n")
    (subs / "notes.pdf").write_bytes(b"%PDF")
    (subs / ".DS_Store").write_bytes(b"\0")
    out = tmp_path / "g"
    assert main(["grade", str(generated), str(subs), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text()
                                                      .splitlines())}
    for student in ("alice", "bob", "carol", "dave", "erin", "4711"):
        assert rows[student]["a.j"] == "1", student
    assert rows["frank"]["score"] == "" and rows["grace"]["score"] == ""
    report = (out / "report.md").read_text().replace("\\_", "_")  # Markdown's escapes
    for name in ("grace.toml", "mallory.toml", "notes.pdf", ".DS_Store", "erin.json"):
        assert name in report, name
        assert name in err, name
    assert "symbolic link" in report and "second file for erin" in report
    assert "CAROL.toml" in report and "dave (1).toml" in report  # loosely matched, shown
    assert "secret" not in (out / "grace.json").read_text()
    # missing and malformed: a feedback file, and JSON that agrees with grades.csv
    for student, words in (("grace", "grace.toml is a symbolic link, which is not followed"),
                           ("frank", "could not be read")):
        data = json.loads((out / f"{student}.json").read_text())
        assert data["score"] is None and data["max_score"] == 15 and data["problem"]
        feedback = (out / f"{student}.html").read_text()
        assert words in feedback
    assert "not valid TOML" in (out / "frank.html").read_text()


def test_a_name_that_matches_several_students_is_reported(tmp_path: Path) -> None:
    subs = tmp_path / "s"
    subs.mkdir()
    (subs / "alice_bob.toml").write_text("")
    (subs / "week 3.toml").write_text("")  # too short to be found within a name
    intake = collect(subs, ["alice", "bob", "3"])
    assert not intake.files
    reasons = {Path(f).name: why for f, why in intake.ignored}
    assert "several students" in reasons["alice_bob.toml"]
    assert "matches no student" in reasons["week 3.toml"]


def test_a_canvas_download_name_is_matched(tmp_path: Path) -> None:
    subs = tmp_path / "s"
    subs.mkdir()
    (subs / "doejane_4711_12345_answers.toml").write_text("")
    (subs / "doejane_LATE_4712_12346_answers-1.toml").write_text("")
    intake = collect(subs, ["4711", "4712"])
    assert sorted(intake.files) == ["4711", "4712"]


@pytest.mark.parametrize(("config", "message"), [
    ("credit = 5\n", "credit = 5: give a table"),
    ("rtol = nan\n", "rtol = nan"),
    ("rtol = inf\n", "rtol = inf"),
    ("rtol = 2\n", "from 0 to 1"),
    ('weights = "x"\n', "weights = 'x': give a table"),
    ("[weights]\n\"a.*\" = -1\n", "give points from 0"),
    ("[weights]\n\"a.*\" = nan\n", "give points from 0"),
    ("[credit]\nright = true\n", "give a fraction"),
    ("[credit]\nbogus = 1\n", "give a fraction"),
    ("rtol = 1" + "0" * 5000 + "\n", "not a valid grading config"),
])
def test_config_values_are_checked_before_anything_is_written(
        generated: Path, tmp_path: Path, config: str, message: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "grading.toml"
    path.write_text(config)
    subs = tmp_path / "subs"
    subs.mkdir()
    out = tmp_path / "g"
    assert main(["grade", str(generated), str(subs), "-o", str(out), "--config",
                 str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


def test_a_submissions_csv_with_a_hostile_id_is_refused(generated: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    for bad in ("../../x", "/tmp/victim", "=HYPERLINK(\"http://x\")"):
        path = tmp_path / "answers.csv"
        with path.open("w", newline="") as f:
            csv.writer(f).writerows([["student", "quantity", "answer"], [bad, "a.j", "1"]])
        out = tmp_path / "g"
        assert main(["grade", str(generated), str(path), "-o", str(out)]) == 2
        assert "line 2" in capsys.readouterr().err
        assert not out.exists() and not (tmp_path.parent / "x.json").exists()


def test_submissions_named_through_a_link_are_read_but_links_inside_are_not(
        generated: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "alice.toml").write_text(RIGHT_A_J.format(a=a_j(generated, "alice")))
    (tmp_path / "elsewhere.toml").write_text(RIGHT_A_J.format(a=a_j(generated, "bob")))
    os.symlink(tmp_path / "elsewhere.toml", real / "bob.toml")
    os.symlink(real, tmp_path / "subs")
    out = tmp_path / "g"
    assert main(["grade", str(generated), str(tmp_path / "subs"), "-o", str(out)]) == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text()
                                                      .splitlines())}
    assert rows["alice"]["a.j"] == "1" and rows["bob"]["score"] == ""


def test_a_students_folder_with_notes_or_the_network_grades_the_answers(
        generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A per-student folder (an LMS bulk download) may hold the student's notes or the network
    file beside their answers, newer than them: the answers file is graded, the others named."""
    subs = tmp_path / "subs"
    for student, other in (("alice", "notes.md"), ("bob", "network.toml"),
                           ("carol", "sheet.md")):
        (subs / student).mkdir(parents=True)
        (subs / student / "answers.toml").write_text(RIGHT_A_J.format(a=a_j(generated, student)))
        os.utime(subs / student / "answers.toml", (1, 1))  # the older
        (subs / student / other).write_text(
            (generated / "sheets" / student / "network.toml").read_text()
            if other == "network.toml" else "my working: a = relu(z)\n")
    out = tmp_path / "g"
    assert main(["grade", str(generated), str(subs), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").read_text()
                                                      .splitlines())}
    for student, other in (("alice", "notes.md"), ("bob", "network.toml"),
                           ("carol", "sheet.md")):
        assert rows[student]["a.j"] == "1", (student, err)
        assert f"{student}/{other}: not graded: a second file for {student}" in err


def test_grade_refuses_submissions_that_hold_the_keys(
        generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SUBMISSIONS that is (or holds) the generated folder's instructor/ would read the keys as
    answers: refused in one line; a submissions folder inside the generated folder is fine."""
    for folder in (generated, generated / "instructor"):
        out = tmp_path / "g"
        assert main(["grade", str(generated), str(folder), "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "instructor's folder" in err and not out.exists()
    inside = generated / "submissions-test"
    inside.mkdir()
    try:
        (inside / "alice.toml").write_text(RIGHT_A_J.format(a=a_j(generated, "alice")))
        assert main(["grade", str(generated), str(inside), "-o", str(tmp_path / "g")]) == 0
    finally:
        (inside / "alice.toml").unlink()
        inside.rmdir()


def test_grade_marks_the_sheets_step_whatever_the_file_says(
        generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At step 10,000 a network has converged and a sheet of zeros would be right: grade marks
    the step the sheet asks for (1), and says what the file claimed."""
    net = cr.load(generated / "sheets" / "alice" / "network.toml")
    late = cr.solve(net, steps=300).step(300)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.toml").write_text(f"step = 300\nC = {late.cost:.4f}\n[a]\nj = "
                                     f"{a_j(generated, 'alice')}\n")
    out = tmp_path / "g"
    assert main(["grade", str(generated), str(subs), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "alice: the answers file says step = 300; the sheet asks for step 1" in err
    data = json.loads((out / "alice.json").read_text())
    marked = {t["name"]: t["status"] for t in data["tests"]}
    assert marked["a.j"] == "right" and marked["C"] == "wrong"
    # the student's feedback and the report say so
    assert "Your answers file says step = 300; the sheet asks for step 1" in (
        out / "alice.html").read_text()
    report = (out / "report.md").read_text()
    assert "## Notes on submissions" in report and "says step = 300" in report.split(
        "## Notes on submissions")[1]
