"""Attacks on the teaching commands, each planted: hostile student ids, files written outside
the output folder, spreadsheet formulas, symbolic links, outputs that are inputs, a tampered
variants.csv; and the older flat layout that `grade` still reads."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.io.csvfile import csv_text, safe_cell
from chainrule.teach.generation import read_roster
from chainrule.teach.students import id_problem

SECRET = ["--seed", "a secret long enough for the tests"]


@pytest.mark.parametrize("sid", [
    "../../x", "/tmp/victim", "a/b", "a\\b", "..", "x..y", "CON", "nul.txt", "com1", "LPT9.toml",
    "a\x00b", "a\nb", "a\u202eb", ".hidden", " padded", "dot.", "=HYPERLINK(1)", "+1", "-x",
    "@cmd", "a:b", "x" * 101, "",
])
def test_hostile_student_ids_are_refused(sid: str) -> None:
    assert id_problem(sid) is not None


@pytest.mark.parametrize("sid", ["alice", "s1", "jane.doe@uni.edu", "José García", "12345",
                                 "o'brien", "Doe, Jane", "x_y-z+1"])
def test_ordinary_ids_are_fine(sid: str) -> None:
    assert id_problem(sid) is None


@pytest.mark.parametrize("bad", ["../../escape", "/tmp/victim", "CON", "=HYPERLINK(\"x\")"])
def test_a_roster_with_a_hostile_id_is_refused_in_one_line(
        tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "r.csv"
    with roster.open("w", newline="") as f:
        csv.writer(f).writerows([["student"], ["alice"], [bad]])
    out = tmp_path / "out"
    assert main(["generate", "exercise-2", "--students", str(roster), "-o", str(out),
                 *SECRET]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "line 3" in err
    assert not out.exists() and not (tmp_path / "escape").exists()


def test_ids_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("student\nAlice\nalice\n")
    with pytest.raises(cr.UsageError, match="listed twice"):
        read_roster(roster)


def test_a_canvas_export_is_a_roster(tmp_path: Path) -> None:
    roster = tmp_path / "canvas.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Week 3 (123)\n"
        "    Points Possible,,,,,10\n"
        '"Doe, Jane",4711,S1,jdoe,A,\n'
        '"Roe, Rick",4712,S2,rroe,A,\n'
    )
    assert read_roster(roster) == ["4711", "4712"]
    assert read_roster(roster, "sis login id") == ["jdoe", "rroe"]
    with pytest.raises(cr.UsageError, match="no column 'email'"):
        read_roster(roster, "email")


def test_csv_cells_a_spreadsheet_would_run_are_written_as_text() -> None:
    text = csv_text(["student", "x"], [["=1+1", 2], ["\tTAB", -0.5], ["@SUM(A1)", "-3"],
                                      ["ok", "+4"]])
    rows = list(csv.reader(text.splitlines()))
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'\tTAB", "'@SUM(A1)", "ok"]
    assert rows[2][1] == "-0.5" and rows[3][1] == "'-3" and rows[4][1] == "'+4"
    assert safe_cell(3) == 3


def test_grade_reads_the_older_flat_layout(tmp_path: Path) -> None:
    """generate once wrote sheets/<id>/ and variants.csv side by side; grade still reads it,
    and a variant code a spreadsheet would run reaches grades.csv as text."""
    flat = tmp_path / "flat"
    (flat / "alice").mkdir(parents=True)
    (flat / "alice" / "network.toml").write_text(_example("exercise-2"))
    (flat / "variants.csv").write_text("student,variant,folder\nalice,=CMD(),alice\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.toml").write_text("[a]\nj = 0.602\n")
    out = tmp_path / "g"
    assert main(["grade", str(flat), str(subs), "-o", str(out)]) == 0
    rows = list(csv.DictReader((out / "grades.csv").read_text().splitlines()))
    assert rows[0]["student"] == "alice" and rows[0]["variant"] == "'=CMD()"
    assert rows[0]["a.j"] == "1"


def _example(name: str) -> str:
    from chainrule.io.netfile import example_text

    return example_text(name)


@pytest.mark.parametrize("folder", ["../outside", "/etc", "a/../../b"])
def test_a_tampered_variants_csv_cannot_point_outside(tmp_path: Path, folder: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "variants.csv").write_text(f"student,variant,folder\nalice,X,{folder}\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    assert main(["grade", str(flat), str(subs), "-o", str(tmp_path / "g")]) == 2
    assert "not a folder inside" in capsys.readouterr().err


def test_grade_writes_nothing_through_a_link_in_the_output(tmp_path: Path) -> None:
    sheets = tmp_path / "s"
    roster = tmp_path / "r.csv"
    roster.write_text("student\nalice\n")
    assert main(["generate", "exercise-2", "--students", str(roster), "-o", str(sheets),
                 *SECRET]) == 0
    subs = tmp_path / "subs"
    subs.mkdir()
    out = tmp_path / "g"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, out / "alice.json")
    assert main(["grade", str(sheets), str(subs), "-o", str(out), "--force"]) == 2
    assert victim.read_text() == "keep me"


def test_outputs_that_are_inputs_are_refused(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    net = tmp_path / "net.toml"
    net.write_text(_example("exercise-2"))
    answers = tmp_path / "ans.toml"
    answers.write_text("[a]\nj = 0.602\n")
    before = net.read_bytes(), answers.read_bytes()
    assert main(["answers-template", str(net), "-o", str(net)]) == 2
    assert "is NETWORK" in capsys.readouterr().err
    assert main(["check", str(net), str(answers), "-o", str(answers)]) == 2
    assert "is ANSWERS" in capsys.readouterr().err
    assert (net.read_bytes(), answers.read_bytes()) == before
    # a folder output that holds an input
    subs = tmp_path / "subs"
    subs.mkdir()
    assert main(["grade", str(tmp_path), str(subs), "-o", str(subs), "--force"]) == 2
    assert main(["generate", str(net), "--count", "1", "-o", str(tmp_path), "--force",
                 *SECRET]) == 2
    assert "which this command reads" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "message"), [
    ("[a]\nj = " + "9" * 5000 + "\n", "too many digits"),
    ("[a]\nj = 1e-999999999999999999\n", "too small"),
    ('[a]\nj = "1e-999999999999999999"\n', "too small"),
    ("[a]\nj = 1e308\n", "too large"),
    ("[a]\nj = 0.1234567890123456789012345678901\n", "digits"),
    ('{"a": {"j": ' + "9" * 5000 + "}}", "too many digits"),
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "not an answers file"),
])
def test_huge_and_tiny_numbers_in_answers_are_refused_in_one_line(
        tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / ("a.json" if text.startswith("{") else "a.toml")
    path.write_text(text)
    assert main(["check", "exercise-2", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "internal error" not in err


def test_a_hostile_formula_answer_is_marked_wrong_within_the_budget(tmp_path: Path) -> None:
    import json
    import time

    path = tmp_path / "a.toml"
    path.write_text('[dC_dw_formula]\n"i -> j" = "(w+w_jk+w+w_ij)^1000"\n')
    out = tmp_path / "r.json"
    start = time.perf_counter()
    assert main(["check", "exercise-2", str(path), "--format", "json", "-o", str(out)]) == 3
    assert time.perf_counter() - start < 5 + 2  # the 2.5 s budget, and room for a busy machine
    test = next(t for t in json.loads(out.read_text())["tests"] if "formula" in t["name"])
    assert test["status"] == "wrong" and "took longer" in test["output"]
    path.write_text('[dC_dw_formula]\n"i -> j" = "e^e^e^e^e^e^e^e*w"\n')
    assert main(["check", "exercise-2", str(path)]) == 2


def test_the_lms_commands_never_overwrite_what_they_read(tmp_path: Path) -> None:
    out = tmp_path / "w"
    assert main(["generate", "exercise-2", "--count", "1", "-o", str(out), *SECRET]) == 0
    variants = out / "instructor" / "variants.csv"
    before = variants.read_bytes()
    assert main(["autograder", "gradescope", str(out), "-o", str(variants)]) == 2
    assert main(["quiz", "moodle", str(out), "-o", str(variants)]) == 2
    assert variants.read_bytes() == before
