"""Huge and tiny numbers anywhere chainrule reads them are refused with one line naming the
file, the key and what is valid, exit 2, no traceback: ``1e-999999999999999999`` no longer
reads silently as 0. Answers files and configs take 1e-100 to 1e100 in size; network files (TOML,
JSON, .npz) and data CSV cells, which chainrule also writes and whose huge numbers the engine
reports as a divergence, take what a double holds (2.2e-308 to 1.8e308)."""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.core.limits import number_problem
from chainrule.io.npzfile import dumps_npz
from chainrule.io.reading import Literal, out_of_range

EXERCISE_2 = """learning_rate = 0.1
cost = "squared_error"

[units]
i = "input"
j = "relu"
k = "relu"

[weights]
"i -> j" = 0.86
"j -> k" = 0.66

[[samples]]
inputs = { i = 0.7 }
targets = { k = 1.0 }
"""
TINY = "1e-999999999999999999"
VALID = "numbers lie between 1e-100 and 1e100 in size, or are 0"
DOUBLE = "numbers lie between 2.2e-308 and 1.8e308 in size (a double's), or are 0"


@pytest.mark.parametrize(("text", "problem"), [
    (TINY, "too small (it would read as 0)"),
    ("-1E-99999999999999999999999999999999", "too small (it would read as 0)"),
    ("1e999", "too large"),
    ("1e300", "too large"),
    ("5e-324", "too small"),
    ("1.5e-101", "too small"),
    ("1" + "0" * 200, "too large"),
    ("0." + "0" * 100 + "1", "too small"),
    ("inf", "not a finite number"),
    ("-nan", "not a finite number"),
])
def test_a_number_out_of_range_is_named_with_what_is_valid(text: str, problem: str) -> None:
    said = number_problem(text)
    assert said is not None and problem in said and VALID in said


@pytest.mark.parametrize("text", ["0", "-0.0", "0e99999999999999", "1e100", "1e-100", "0.5",
                                  "123.5e-102", "1_000.5", ".5", "5.", "x", ""])
def test_numbers_in_range_and_text_that_is_no_number_pass(text: str) -> None:
    assert number_problem(text) is None
    assert number_problem(text, double=True) is None


@pytest.mark.parametrize(("text", "problem"), [
    (TINY, "too small (it would read as 0)"), ("1e309", "too large (it would read as infinity)"),
    ("1.9e308", "too large (it would read as infinity)"),
    ("5e-324", "too small (its digits would be lost)"), ("1" + "0" * 400, "too large")])
def test_in_a_network_or_data_file_what_a_double_cannot_hold_is_refused(text: str,
                                                                        problem: str) -> None:
    said = number_problem(text, double=True)
    assert said is not None and problem in said and DOUBLE in said
    for fine in ("1e300", "1.7e308", "2.3e-308", "1e-150"):
        assert number_problem(fine, double=True) is None


@pytest.mark.parametrize(("old", "new", "where"), [
    ("learning_rate = 0.1", f"learning_rate = {TINY}", "line 1: learning_rate:"),
    ("learning_rate = 0.1", "learning_rate = 1e-320", "line 1: learning_rate:"),
    ('"i -> j" = 0.86', f'"i -> j" = {{ value = {TINY}, trainable = false }}',
     'line 10: [weights] "i -> j".value:'),
    ('"j -> k" = 0.66', '"j -> k" = 6.6e' + "9" * 30, 'line 11: [weights] "j -> k":'),
    ("inputs = { i = 0.7 }", f"inputs = {{ i = {TINY} }}", "line 14: [[samples]] #1 inputs.i:"),
    ("targets = { k = 1.0 }", "targets = { k = 1e400 }", "line 15: [[samples]] #1 targets.k:"),
    ('j = "relu"', 'j = { activation = "leaky_relu", slope = 1e-999 }', "line 6: [units] j.slope:"),
])
def test_a_network_file_with_a_huge_or_tiny_number_is_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str,
        where: str) -> None:
    assert old in EXERCISE_2
    path = tmp_path / "net.toml"
    path.write_text(EXERCISE_2.replace(old, new))
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}: {where}" in err and DOUBLE in err


def test_a_network_file_keeps_numbers_a_double_holds(tmp_path: Path) -> None:
    """What chainrule writes (a tiny bias, a weight of 1e-150) reads back the same."""
    path = tmp_path / "net.toml"
    path.write_text(EXERCISE_2.replace("0.86", "1e-150").replace("learning_rate = 0.1",
                                                                  "learning_rate = 1e-200"))
    net = cr.load(path)
    assert net.learning_rate == 1e-200 and 1e-150 in [p.value for p in net.weights.values()]


def test_a_json_network_file_is_read_the_same_way(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = tomllib.loads(EXERCISE_2)
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data).replace("0.86", TINY))
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert '[weights] "i -> j": 1e-999999999999999999 is too small (it would read as 0)' in err
    path.write_text(json.dumps(data))
    assert cr.load(path).weights  # in range: read as before


def _npz(path: Path, **changed: object) -> None:
    with zipfile.ZipFile(io.BytesIO(dumps_npz(cr.load("exercise-2")))) as archive:
        arrays = {i.filename.removesuffix(".npy"): np.load(archive.open(i), allow_pickle=False)
                  for i in archive.infolist()}
    arrays.update(changed)  # type: ignore[arg-type]
    np.savez(path, **arrays)  # type: ignore[arg-type]


def test_an_npz_network_file_is_checked_too(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for values, said in (([0.86, 1e-310], '[weights] "j -> k": 1e-310 is too small'),
                         ([5e-324, 0.66], '[weights] "i -> j": 5e-324 is too small'),
                         ([float("nan"), 0.66], "nan is not a finite number")):
        path = tmp_path / "net.npz"
        _npz(path, weight_value=np.array(values))
        assert main(["solve", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and said in err and "'weight_value' array" in err
    _npz(path)
    assert main(["solve", str(path)]) == 0


@pytest.mark.parametrize(("config", "key"), [
    (f"rtol = {TINY}\n", "rtol"),
    ("rtol = 1e999\n", "rtol"),
    (f"[credit]\nrounding = {TINY}\n", "[credit] rounding"),
    ('[weights]\n"new_w.*" = 1e-999\n', '[weights] "new_w.*"'),
    ("[deductions]\ndropped-two = 1e-200\n", "[deductions] dropped-two"),
])
def test_a_grading_config_with_a_huge_or_tiny_number_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, key: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nada\n")
    assert main(["generate", "exercise-2", "--students", str(roster), "-o",
                 str(tmp_path / "gen"), "--seed", "a secret long enough for these tests"]) == 0
    path = tmp_path / "grading.toml"
    path.write_text(config)
    (tmp_path / "subs").mkdir()
    capsys.readouterr()
    out = tmp_path / "g"
    assert main(["grade", str(tmp_path / "gen"), str(tmp_path / "subs"), "-o", str(out),
                 "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: {key}: " in err and VALID in err
    assert not out.exists()


def test_a_data_csv_with_a_huge_or_tiny_cell_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for text, said in ((f"x1,x2,y\n0.5,{TINY},1\n0.2,0.3,0\n",
                        "line 2, column 'x2': 1e-999999999999999999 is too small"),
                       ("x1,x2,y\n0.5,0.2,1e400\n0.2,0.3,0.5\n",
                        "line 2, column 'y': 1e400 is too large"),
                       ("x1,x2,y\n0.5,1e-320,1\n0.2,0.3,0\n", "1e-320 is too small")):
        path = tmp_path / "data.csv"
        path.write_text(text)
        assert main(["train", "--data", str(path), "--layers", "2,2,1", "--epochs", "1"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and said in err and DOUBLE in err


def test_an_answers_file_with_a_5000_digit_number_names_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.toml"
    path.write_text("C = 0.5\n[z]\nj = " + "1" * 5000 + "\n")
    assert main(["check", "exercise-2", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: line 3: a number with too many digits (5,000); write at most 30" in err


def test_out_of_range_names_a_configs_key_as_toml_writes_it() -> None:
    data = tomllib.loads('[weights]\n"a.*" = 1e400\n[x]\ny = [1, 2e999]\n', parse_float=Literal)
    found = out_of_range(data)
    assert found is not None and found[0] == '[weights] "a.*"' and "too large" in found[1]
    assert out_of_range({"x": {"y": [1, Literal("2e999")]}}) == (
        "[x] y.#2", number_problem("2e999"))
    assert out_of_range(tomllib.loads("rtol = nan", parse_float=Literal), nonfinite=False) is None


def test_a_3_gb_answers_file_is_refused_by_its_size_before_it_is_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.toml"
    with path.open("wb") as f:  # sparse: no disk used
        f.truncate(3 * 2**30)
    assert main(["check", "exercise-2", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "3,072.0 MB, over the limit of 1.0 MB for an answers file" in err
