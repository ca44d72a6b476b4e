"""`grade --lms canvas|moodle --roster EXPORT.csv`: files that import cleanly in shape (the
LMS's identity columns, one assignment column, no user the LMS does not know)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.teach.answers import dumps
from chainrule.teach.generation import read_variants

CANVAS_IDENTITY = {"Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section"}
CANVAS_EXPORT = """\
Student,ID,SIS User ID,SIS Login ID,Section,Week 3 (4411),Quiz 1 (4410),Current Score
    Points Possible,,,,,15,10,(read only)
"Lovelace, Ada",101,S1001,ada,Sec 1,,8,80
"=HYPERLINK(""http://x"")",102,S1002,bo,Sec 1,,9,90
"Turing, Alan",103,S1003,alan,Sec 2,,7,70
"""
MOODLE_EXPORT = ("\ufeffFirst name,Last name,ID number,Institution,Department,Email address,"
                 "Assignment: Week 3 (Real),Last downloaded from this course\n"
                 "Ada,Lovelace,S1001,,,ada@uni.edu,-,1700000000\n"
                 "Bo,Li,,,,s1002,-,1700000000\n"
                 "Al,Turing,S1003,,,al@uni.edu,-,1700000000\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class of three: S1001 all right, S1002 one wrong number, S1009 (not in the LMS)."""
    root = tmp_path_factory.mktemp("lms")
    (root / "roster.csv").write_text("student\nS1001\nS1002\nS1009\n", encoding="utf-8")
    assert main(["generate", "exercise-2", "--students", str(root / "roster.csv"), "-o",
                 str(root / "gen")]) == 0
    variants = read_variants(root / "gen")
    subs = root / "subs"
    subs.mkdir()
    right = cr.right_answers(cr.load(variants["S1001"][1]), decimals=4)
    (subs / "S1001.toml").write_text(dumps({k: f"{v:.4f}" for k, v in right.items()}),
                                     encoding="utf-8")
    (subs / "S1002.toml").write_text('C = "0.0001"\n', encoding="utf-8")
    (subs / "S1009.toml").write_text('C = "0.0001"\n', encoding="utf-8")
    (root / "canvas.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    (root / "moodle.csv").write_text(MOODLE_EXPORT, encoding="utf-8")
    return root


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def grade(graded: Path, out: str, *args: str) -> int:
    return main(["grade", str(graded / "gen"), str(graded / "subs"), "-o", str(graded / out),
                 *args])


def test_canvas_import_file(graded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert grade(graded, "canvas-points", "--lms", "canvas", "--roster",
                 str(graded / "canvas.csv"), "--assignment", "Week 3") == 0
    err = capsys.readouterr().err
    rows = rows_of(graded / "canvas-points" / "canvas.csv")
    header = rows[0]
    # the export's identity columns, then ONE assignment column: the export's own
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Week 3 (4411)"]
    assert len([h for h in header if h not in CANVAS_IDENTITY]) == 1
    # the Points Possible row kept, under the header, with the assignment's points
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "15"
    body = {r[1]: r for r in rows[2:]}
    assert set(body) == {"101", "102"}  # S1009 is not in Canvas, S1003 has no grade
    assert body["101"] == ["Lovelace, Ada", "101", "S1001", "ada", "Sec 1", "15"]
    assert float(body["102"][-1]) < 15
    assert body["102"][0].startswith("'=")  # a formula-looking cell is written as text
    assert "S1009: not in" in err and "left out" in err


def test_canvas_percent_and_a_new_column(graded: Path) -> None:
    assert grade(graded, "canvas-percent", "--lms", "canvas", "--roster",
                 str(graded / "canvas.csv"), "--percent") == 0
    rows = rows_of(graded / "canvas-percent" / "canvas.csv")
    assert rows[0][-1] == "Backpropagation" and rows[1][-1] == "100"
    assert {r[1]: r[-1] for r in rows[2:]}["101"] == "100"


def test_moodle_import_file(graded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert grade(graded, "moodle", "--lms", "moodle", "--roster", str(graded / "moodle.csv"),
                 "--assignment", "Week 3", "--percent") == 0
    err = capsys.readouterr().err
    rows = rows_of(graded / "moodle" / "moodle.csv")
    # S1002 has no ID number in Moodle, so the id field is the one every matched student has
    assert rows[0] == ["Email address", "Week 3", "Week 3 feedback"]
    exported = {r[5] for r in rows_of(graded / "moodle.csv")[1:]}
    assert all(r[0] in exported for r in rows[1:])  # no user Moodle does not know
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {"ada@uni.edu", "s1002"}
    assert by_id["ada@uni.edu"][1] == "100" and "15 of 15 marks" in by_id["ada@uni.edu"][2]
    assert float(by_id["s1002"][1]) < 100 and "first wrong step" in by_id["s1002"][2]
    assert "S1009: not in" in err


def test_moodle_prefers_the_id_number(graded: Path, tmp_path: Path) -> None:
    export = tmp_path / "m.csv"
    export.write_text(MOODLE_EXPORT.replace("Bo,Li,,", "Bo,Li,S1002,"), encoding="utf-8")
    assert grade(graded, "moodle-id", "--lms", "moodle", "--roster", str(export)) == 0
    rows = rows_of(graded / "moodle-id" / "moodle.csv")
    assert rows[0][0] == "ID number" and {r[0] for r in rows[1:]} == {"S1001", "S1002"}
    assert rows[1][1] == "15"  # points


@pytest.mark.parametrize(("kind", "content", "says"), [
    ("canvas", "name,grade\nada,1\n", "no 'Student' column"),
    ("moodle", "name,grade\nada,1\n", "none of the columns"),
    ("canvas", "", "empty"),
])
def test_a_bad_export_is_refused_before_any_work(
    graded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, content: str,
    says: str,
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["grade", str(graded / "gen"), str(graded / "subs"), "-o", str(out), "--lms",
                 kind, "--roster", str(export)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_lms_and_roster_go_together(graded: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["grade", str(graded / "gen"), str(graded / "subs"), "-o",
                 str(tmp_path / "o"), "--lms", "canvas"])
    assert code == 2 and "--roster" in capsys.readouterr().err


def test_an_existing_canvas_column_keeps_its_own_points(
        graded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Canvas keeps an existing assignment's points possible, so grades go in on its scale: a
    30-point column gets 15 of 15 as 30, and --percent cannot turn it into percentages."""
    export = graded / "canvas30.csv"
    export.write_text(CANVAS_EXPORT.replace(",,,,,15,10,", ",,,,,30,10,", 1), encoding="utf-8")
    for out, extra in (("c30", ()), ("c30p", ("--percent",))):
        assert grade(graded, out, "--lms", "canvas", "--roster", str(export),
                     "--assignment", "Week 3", *extra) == 0
        err = capsys.readouterr().err
        rows = rows_of(graded / out / "canvas.csv")
        assert rows[1][-1] == "30"  # the Points Possible row says the column's own points
        body = {r[1]: r[-1] for r in rows[2:]}
        assert body["101"] == "30" and float(body["102"]) < 30
        assert "which is worth 30 points" in err
