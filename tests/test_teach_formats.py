"""`check --format gradescope` and `--format prairielearn`: each output validates against the
tool's published results format (the field names, types and allowed values below are from
Gradescope's autograder specification and PrairieLearn's external-grading "Grading results")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import chainrule as cr
from chainrule.cli.main import main

# Gradescope: https://gradescope-autograders.readthedocs.io/en/latest/specs/
GS_TOP = {"score": (int, float), "execution_time": (int, float), "output": str,
          "output_format": str, "test_output_format": str, "test_name_format": str,
          "visibility": str, "stdout_visibility": str, "extra_data": dict, "tests": list,
          "leaderboard": list}
GS_TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str,
           "name_format": str, "number": str, "output": str, "output_format": str,
           "tags": list, "visibility": str, "extra_data": dict}
GS_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GS_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
# PrairieLearn: https://prairielearn.readthedocs.io/en/latest/externalGrading/
PL_TOP = {"gradable": bool, "score": (int, float), "message": str, "output": str,
          "format_errors": (list, str), "tests": list, "images": list}
PL_TEST = {"name": str, "description": str, "points": (int, float),
           "max_points": (int, float), "message": str, "output": str, "images": list}


def _typed(data: dict[str, Any], fields: dict[str, Any], where: str) -> None:
    for key, value in data.items():
        assert key in fields, f"{where}: {key!r} is not a field of the format"
        assert isinstance(value, fields[key]) and not (
            isinstance(value, bool) and fields[key] is not bool
        ), f"{where}: {key} = {value!r}"


def validate_gradescope(data: dict[str, Any]) -> None:
    """Raise AssertionError unless ``data`` is a valid Gradescope results.json."""
    json.dumps(data, allow_nan=False)
    _typed(data, GS_TOP, "results")
    assert "score" in data or all("score" in t for t in data.get("tests", []))
    for key in ("visibility", "stdout_visibility"):
        if key in data:
            assert data[key] in GS_VISIBILITY
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in data:
            assert data[key] in GS_FORMATS
    for i, test in enumerate(data.get("tests", [])):
        _typed(test, GS_TEST, f"tests[{i}]")
        assert "score" in test or "status" in test
        if "status" in test:
            assert test["status"] in {"passed", "failed"}
        if "visibility" in test:
            assert test["visibility"] in GS_VISIBILITY
        for key in ("output_format", "name_format"):
            if key in test:
                assert test[key] in GS_FORMATS
        assert all(isinstance(tag, str) for tag in test.get("tags", []))
        if "max_score" in test:
            assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0


def validate_prairielearn(data: dict[str, Any]) -> None:
    """Raise AssertionError unless ``data`` is valid PrairieLearn external-grader results."""
    json.dumps(data, allow_nan=False)
    _typed(data, PL_TOP, "results")
    if data.get("gradable", True):
        assert 0.0 <= data["score"] <= 1.0
    else:
        assert data["format_errors"]
    for i, test in enumerate(data.get("tests", [])):
        _typed(test, PL_TEST, f"tests[{i}]")
        assert 0 <= test["points"] <= test["max_points"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    # a.j right, dC_da.k with the 2 dropped, C right
    path.write_text('C = 0.3632\n[a]\nj = 0.602\n[dC_da]\nk = -0.6027\n', encoding="utf-8")
    return path


def test_gradescope_results_validate_and_hold_chainrules_detail(
    answers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["check", "exercise-2", str(answers), "--format", "gradescope"], capsys)
    assert code == 0
    data = json.loads(out)
    validate_gradescope(data)
    tests = {t["name"].split(" ")[0]: t for t in data["tests"]}
    assert tests["a.j"]["status"] == "passed" and tests["a.j"]["score"] == 1
    wrong = tests["dC_da.k"]
    assert wrong["status"] == "failed" and wrong["score"] == 0
    assert wrong["tags"] == ["dropped-two"] and wrong["extra_data"]["mistakes"] == ["dropped-two"]
    assert wrong["extra_data"]["status"] == "wrong"
    assert wrong["extra_data"]["given"] == -0.6027
    assert abs(wrong["extra_data"]["expected"] - -1.20536) < 1e-4
    # unanswered quantities are failed tests and count in the total
    assert tests["z.j"]["status"] == "failed"
    assert tests["z.j"]["extra_data"]["status"] == "unanswered"
    graded = [t for t in data["tests"] if t["max_score"]]
    assert len(graded) == 15 and data["score"] == 2
    # nothing visible now gives a right value away: it is in a test shown after the due date
    for t in data["tests"]:
        if t["visibility"] == "visible":
            assert "1.2054" not in t["output"] and "-1.205" not in t["output"]
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert [t["visibility"] for t in hidden] == ["after_due_date"]
    assert "1.205" in hidden[0]["output"] and hidden[0]["max_score"] == 0
    assert "dropped" in wrong["output"]


def test_gradescope_reveal_choice(answers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "exercise-2", str(answers), "--format", "gradescope",
                        "--reveal", "after_published"], capsys)
    data = json.loads(out)
    validate_gradescope(data)
    assert {t["visibility"] for t in data["tests"]} == {"visible", "after_published"}


def test_a_blank_file_scores_zero_of_the_full_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.toml"
    blank.write_text("", encoding="utf-8")
    for fmt, validate in (("gradescope", validate_gradescope),
                          ("prairielearn", validate_prairielearn)):
        code, out, _ = run(["check", "exercise-2", str(blank), "--format", fmt], capsys)
        data = json.loads(out)
        validate(data)
        assert code == 0 and data["score"] == 0
    gs = json.loads(run(["check", "exercise-2", str(blank), "--format", "gradescope"],
                        capsys)[1])
    assert sum(t["max_score"] for t in gs["tests"]) == 15


@pytest.mark.parametrize("content", ["C = [", "[a]\nq = 1\n", "C = 'x'\n", "\xff"])
def test_an_unreadable_file_still_gives_valid_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content.encode("latin-1"))
    code, out, err = run(["check", "exercise-2", str(bad), "--format", "gradescope"], capsys)
    data = json.loads(out)
    validate_gradescope(data)
    assert code == 0 and data["score"] == 0 and "bad.toml" in data["output"]
    assert "\n" not in data["output"] and data["visibility"] == "visible"
    code, out, err = run(["check", "exercise-2", str(bad), "--format", "prairielearn"], capsys)
    data = json.loads(out)
    validate_prairielearn(data)
    assert code == 0 and data["gradable"] is False
    assert "bad.toml" in data["format_errors"][0]


def test_a_missing_file_still_gives_valid_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["check", "exercise-2", str(tmp_path / "none.toml"), "--format",
                        "gradescope", "-o", str(tmp_path / "results.json")], capsys)
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    validate_gradescope(data)
    assert code == 0 and "no such answers file" in data["output"]


def test_a_bad_network_is_still_the_instructors_error(
    answers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["check", "no-such-net", str(answers), "--format", "gradescope"], capsys)
    assert code == 2 and err.startswith("chainrule:")


def test_prairielearn_results(answers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "exercise-2", str(answers), "--format", "prairielearn"], capsys)
    data = json.loads(out)
    validate_prairielearn(data)
    assert code == 0 and data["gradable"] is True
    assert data["score"] == pytest.approx(2 / 15)
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["dC_da.k"]["points"] == 0 and tests["a.j"]["points"] == 1
    assert "dropped-two" in tests["dC_da.k"]["message"]
    assert all("1.205" not in t["output"] for t in data["tests"])
    code, out, _ = run(["check", "exercise-2", str(answers), "--format", "prairielearn",
                        "--reveal", "visible"], capsys)
    shown = {t["name"]: t for t in json.loads(out)["tests"]}
    assert "1.205" in shown["dC_da.k"]["output"]


def test_the_autograders_results_speak_the_notation_asked_for(
    answers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check --notation aima reaches Gradescope's and PrairieLearn's results as it reaches
    the feedback page: AIMA's symbols, none of the handout's dC/..."""
    for fmt in ("gradescope", "prairielearn"):
        code, out, _ = run(["check", "exercise-2", str(answers), "--format", fmt, "--notation",
                            "aima", "--reveal", "visible"], capsys)
        assert code == 0 and "dLoss/da_k" in out and "dC/" not in out, fmt
        code, out, _ = run(["check", "exercise-2", str(answers), "--format", fmt], capsys)
        assert "dC/da_k" in out and "Loss" not in out, fmt


def test_all_right_gives_full_marks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .test_teach_check import right_values, rounded

    net = cr.load("exercise-2")
    values = rounded(right_values(net), 4)
    lines = [f'C = "{values.pop("C")}"']
    tables: dict[str, dict[str, str]] = {}
    for name, value in values.items():
        table, key = name.split(".", 1)
        tables.setdefault(table, {})[key] = value
    for table, entries in tables.items():
        lines.append(f"[{table}]")
        lines += [f'"{k}" = "{v}"' for k, v in entries.items()]
    path = tmp_path / "right.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    gs = json.loads(run(["check", "exercise-2", str(path), "--format", "gradescope"], capsys)[1])
    validate_gradescope(gs)
    assert gs["score"] == 15 and all(t["status"] == "passed" for t in gs["tests"])
    assert len(gs["tests"]) == 15  # nothing to reveal
    pl = json.loads(run(["check", "exercise-2", str(path), "--format", "prairielearn"],
                        capsys)[1])
    validate_prairielearn(pl)
    assert pl["score"] == 1.0


def test_the_validators_can_fail() -> None:
    with pytest.raises(AssertionError):
        validate_gradescope({"score": 1, "tests": [{"score": 1, "status": "right"}]})
    with pytest.raises(AssertionError):
        validate_gradescope({"score": 1, "visibility": "later"})
    with pytest.raises(AssertionError):
        validate_prairielearn({"gradable": True, "score": 3})
    with pytest.raises(AssertionError):
        validate_prairielearn({"gradable": False, "format_errors": []})
