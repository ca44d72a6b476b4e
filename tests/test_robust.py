"""Regression tests for issue 10 (robustness): inputs that crashed, hung or did unbounded work
now get one clear line and exit code 2 (or the right answer), checked before any work starts."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.main import main
from chainrule.io.npzfile import dumps_npz, loads_npz

GOOD = """\
[units]
i = "input"
k = "relu"

[weights]
"i -> k" = 0.5

[[samples]]
inputs = { i = 1.0 }
targets = { k = 1.0 }
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert err.startswith("chainrule") and "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


def bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: str | bytes,
             *needles: str) -> None:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    code, _, err = run(["solve", str(path)], capsys)
    one_line_error(code, err, str(path), *needles)


# -- crashes --------------------------------------------------------------------------------------

def test_a_cycle_behind_a_unit_downstream_of_it_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the search for the cycle used to start at "a", downstream of the cycle: StopIteration
    text = """\
[units]
i = "input"
a = "relu"
b = "relu"
c = "relu"
[weights]
"i -> b" = 1
"b -> c" = 1
"c -> b" = 1
"c -> a" = 1
[[samples]]
inputs = { i = 1 }
targets = { a = 1 }
"""
    bad_file(tmp_path, capsys, "net.toml", text, "cycle (b -> c -> b)")


def test_integers_beyond_a_double(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_file(tmp_path, capsys, "n309.toml", GOOD.replace("0.5", "1" + "0" * 400),
             "line 6", '"i -> k"', "beyond the largest double")
    bad_file(tmp_path, capsys, "n4300.toml", GOOD.replace("0.5", "1" + "0" * 5000),
             "line 6", "4,300 digits")
    bad_file(tmp_path, capsys, "n4300.json",
             json.dumps({"units": {"i": "input"}}).replace("{", '{"w": 1' + "0" * 5000 + ", ", 1),
             "line 1", "4,300 digits")
    with pytest.raises(cr.NetworkError, match="beyond the largest double"):
        cr.load({**cr.load("exercise-1").to_dict(), "learning_rate": 10**400})


@pytest.mark.parametrize("name", ["deep.toml", "deep.json"])
def test_files_nested_5000_deep(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ('{"units": ' if name.endswith("json") else "units = ") + "[" * 6000 + "]" * 6000
    text += "}" if name.endswith("json") else ""
    bad_file(tmp_path, capsys, name, text, "line 1", "nested over 64 deep")


def test_brackets_in_strings_and_comments_do_not_count_as_nesting() -> None:
    text = GOOD.replace('[units]', '# ' + "[" * 100 + '\ntitle = "' + "{" * 100 + '"\n[units]')
    assert cr.loads(text).title == "{" * 100


def test_bom_and_invalid_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert cr.load(path).inputs == ("i",)
    assert cr.loads("\ufeff" + GOOD).inputs == ("i",)
    bad_file(tmp_path, capsys, "latin1.toml", GOOD.encode().replace(b"[weights]", b"# caf\xe9\n"
             b"[weights]"), "line 5, column 6", "not UTF-8")


def test_json_duplicate_keys_and_errors_name_the_right_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net = cr.load("exercise-3").to_dict()
    text = json.dumps(net, indent=2).replace('"cost":', '"title": "x",\n  "cost":')
    line = text.splitlines().index('  "title": "x",') + 1
    bad_file(tmp_path, capsys, "dup.json", text, f"line {line}:", 'key "title" is written twice')
    # the same key in different objects is fine
    assert cr.loads(json.dumps(net, indent=2), fmt="json").title == net["title"]
    # a [biases] error points at the biases, not at the unit of that name in [units]
    net["biases"] = {"j": "x"}
    text = json.dumps(net, indent=2)
    lines = text.splitlines()
    line = next(n for n, t in enumerate(lines, 1) if t.strip().startswith('"j": "x"'))
    bad_file(tmp_path, capsys, "bias.json", text, f"line {line}:", "[biases] j")
    # a sample's target in the second sample
    net = cr.load("exercise-3").to_dict()
    net["samples"].append({"inputs": {"i": 1.0, "i2": 1.0}, "targets": {"k": "high"}})
    text = json.dumps(net, indent=2)
    lines = text.splitlines()
    line = next(n for n, t in enumerate(lines, 1) if '"high"' in t)
    bad_file(tmp_path, capsys, "sample.json", text, f"line {line}:", "targets.k")


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "fifo"])
def test_only_regular_files_are_read(
    path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if path == "fifo":
        path = str(tmp_path / "net.toml")
        os.mkfifo(path)
    elif not os.path.exists(path):
        pytest.skip(f"no {path} here")
    code, _, err = run(["solve", path], capsys)
    one_line_error(code, err, path, "not a regular file")
    code, _, err = run(["train", path.replace(".toml", ".csv"), "--data", path], capsys)
    assert code == 2 and "Traceback" not in err


def test_file_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.toml"
    path.write_text(GOOD + "#" * 2_000_000 + "\n")
    monkeypatch.setenv("CHAINRULE_MAX_FILE_MB", "1")
    code, _, err = run(["solve", str(path)], capsys)
    one_line_error(code, err, "over the limit of 1.0 MB", "CHAINRULE_MAX_FILE_MB")
    monkeypatch.setenv("CHAINRULE_MAX_FILE_MB", "3")
    assert run(["solve", str(path), "--format", "json"], capsys)[0] == 0
    with pytest.raises(cr.NetworkError, match="raise max_bytes"):
        cr.load(path, max_bytes=1000)
    monkeypatch.setenv("CHAINRULE_MAX_FILE_MB", "lots")
    code, _, err = run(["solve", str(path)], capsys)
    one_line_error(code, err, "CHAINRULE_MAX_FILE_MB")


def test_a_file_name_over_255_characters(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["solve", "n" * 300 + ".toml"], capsys)
    one_line_error(code, err, "name too long")
    code, _, err = run(["solve", "exercise-1", "--output", "n" * 300 + ".txt"], capsys)
    one_line_error(code, err, "name too long")


# -- .npz files -----------------------------------------------------------------------------------

def _npz(**changes: np.ndarray) -> bytes:
    with np.load(io.BytesIO(dumps_npz(cr.load("exercise-3")))) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(changes)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _huge_declared() -> bytes:
    buffer = io.BytesIO()
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (2**29,)}
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("weight_value.npy", header.getvalue() + b"\0" * 4_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (dumps_npz(cr.load("exercise-3"))[:300], "damaged"),
        (_npz(weight_from=np.array(3)), "'weight_from' array must be a list"),
        (_npz(weight_to=np.array([1.0, 2.0, 2.0])), "whole numbers"),
        (_npz(weight_from=np.array([-1, 1, 2])), "unit index -1"),
        (_npz(weight_to=np.array([7, 2, 2])), "unit index 7"),
        (_npz(weight_value=np.array([1.0])), "differ in length"),
        (_huge_declared(), "declares 4,294,967,296 bytes"),
        (_npz(format=np.array("something else")), "not a chainrule network"),
        (_npz(network=np.array("{" * 100_000)), "not valid JSON"),
    ],
    ids=["empty", "truncated", "0-d", "float index", "negative", "past the end", "lengths",
         "4 GB in 4 MB", "format", "deep JSON"],
)
def test_damaged_npz_files(data: bytes, needle: str, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(cr.NetworkError, match="net.npz"):
        loads_npz(data, name="net.npz")
    bad_file(tmp_path, capsys, "net.npz", data, needle)


def test_npz_round_trip_still_works(tmp_path: Path) -> None:
    net = cr.load("aima-21")
    path = tmp_path / "net.npz"
    path.write_bytes(dumps_npz(net))
    assert cr.load(path).to_dict() == net.to_dict()


# -- the Python API -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: cr.load(None), "load(source)"),  # type: ignore[arg-type]
        (lambda: cr.load(3.5), "load(source)"),  # type: ignore[arg-type]
        (lambda: cr.loads(None), "loads(text)"),  # type: ignore[arg-type]
        (lambda: cr.loads(GOOD, fmt="yaml"), "loads(fmt)"),
        (lambda: cr.load({"units": {1: "input"}}), "[units] 1: a unit name must be a string"),
        (lambda: cr.load({"units": {"i": "input", "k": "relu"}, "weights": {("i", "k"): 1.0}}),
         "a weight key is a string"),
        (lambda: cr.load({**cr.load("exercise-1").to_dict(),
                          "samples": [{"inputs": {1: 1.0}, "targets": {"k": 1.0}}]}),
         "unit names are strings"),
        (lambda: cr.solve("exercise-1", learning_rate=True), "learning_rate"),  # type: ignore
        (lambda: cr.solve("exercise-1", steps=2.0), "steps"),  # type: ignore[arg-type]
        (lambda: cr.solve("exercise-1").step(0), "step 0"),
        (lambda: cr.solve("exercise-1").step(2), "step 2"),
    ],
)
def test_api_misuse_names_the_parameter(call: object, needle: str) -> None:
    with pytest.raises(cr.ChainruleError) as raised:
        call()  # type: ignore[operator]
    assert needle in str(raised.value)


def test_numpy_scalars_are_accepted_like_python_numbers() -> None:
    plain = cr.solve("exercise-2", 3, learning_rate=0.5)
    numpy = cr.solve("exercise-2", np.int64(3), learning_rate=np.float32(0.5))
    assert numpy.costs == pytest.approx(plain.costs, rel=1e-6)
    data = cr.load("exercise-1").to_dict()
    data["weights"] = {k: np.float32(0.25) for k in data["weights"]}
    data["samples"][0]["inputs"] = {k: np.int64(1) for k in data["samples"][0]["inputs"]}
    assert {p.value for p in cr.load(data).weights.values()} == {0.25}
    # the trainer, mlp and the solution options take them too
    net = cr.mlp([np.int64(2), 3, 1], seed=np.int64(0), learning_rate=np.float32(0.5))
    X = np.linspace(-1.0, 1.0, 8).reshape(4, 2)
    result = cr.train(net, X, X[:, :1], epochs=np.int64(2), batch_size=np.int32(2),
                      learning_rate=np.float32(0.1), progress=False)
    assert len(result.history) == 2
    from chainrule.render.options import SolutionOptions

    assert SolutionOptions(learning_rate=np.float32(0.5)).learning_rate == 0.5


# -- clear messages -------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "identity", "relu", "leaky_relu"])
@pytest.mark.parametrize("cost", ["binary_cross_entropy", "categorical_cross_entropy"])
def test_cross_entropy_needs_outputs_it_can_take_the_log_of(
    activation: str, cost: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f'cost = "{cost}"\n' + GOOD.replace('k = "relu"', f'k = "{activation}"')
    bad_file(tmp_path, capsys, "net.toml", text, "[units] k", cost, "sigmoid or softmax",
             "line 4")


def test_divergence_at_step_1_is_not_blamed_on_the_learning_rate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # each output's cost term is finite (about 1.7e308), their sum is not
    text = """\
[units]
i = "input"
k1 = "identity"
k2 = "identity"
[weights]
"i -> k1" = 1.3e154
"i -> k2" = 1.3e154
[[samples]]
inputs = { i = 1.0 }
targets = { k1 = 0.0, k2 = 0.0 }
"""
    bad_file(tmp_path, capsys, "net.toml", text, "step 1", "before any update",
             "not the cause")
    with pytest.raises(cr.DivergedError, match="before any update"):
        cr.solve(cr.loads(text))


# -- writing: the folder or the name refused by the system ----------------------------------------

@pytest.mark.parametrize(
    "argv",
    [
        ["solve", "exercise-1", "--output", "{out}/x.txt"],
        ["solve", "exercise-1", "--save-updated", "{out}/x.toml"],
        ["draw", "exercise-1", "--output", "{out}/x.svg"],
        ["plot", "cost", "exercise-1", "--steps", "3", "--output", "{out}/x.png"],
        ["train", "--data", "xor", "--epochs", "1", "-q", "--save", "{out}/x.toml"],
    ],
    ids=["solve", "save-updated", "draw", "plot", "train"],
)
def test_an_unwritable_folder(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    import tempfile

    pytest.importorskip("matplotlib")

    def refuse(*_args: object, **_kwargs: object) -> object:  # as for a user, even under root
        raise PermissionError(13, "Permission denied", str(tmp_path / "x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    code, _, err = run([a.replace("{out}", str(tmp_path)) for a in argv], capsys)
    one_line_error(code, err, "Permission denied")
    assert not list(tmp_path.glob("x.*"))


def test_an_ascii_only_terminal(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for argv in (["solve", "exercise-2"], ["solve", "exercise-2", "--format", "markdown"],
                 ["diff", "sigmoid(w*x)", "--wrt", "w"]):
        done = subprocess.run([sys.executable, "-m", "chainrule", *argv], env=env,
                              capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert b"dC/d" in done.stdout or b"sigma" in done.stdout or done.stdout


# -- bounds checked before the work ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["solve", "exercise-1", "--steps", str(10**12)], ["--steps 1,000,000,000,000",
                                                          "--max-steps"]),
        (["solve", "exercise-1", "--steps", "3", "--step", "5"], ["--step", "past the last step",
                                                                  "--steps 5"]),
        (["draw", "exercise-1", "--step", str(10**9)], ["--step 1,000,000,000", "--max-steps"]),
        (["plot", "cost", "exercise-1", "--steps", str(10**9), "-o", "x.png"],
         ["--steps 1,000,000,000", "--max-steps"]),
        (["plot", "landscape", "exercise-1", "-w", "j -> k", "--steps", str(10**9), "-o",
          "x.png"], ["--steps 1,000,000,000", "--max-steps"]),
        (["train", "--data", "xor", "--layers", "2,100000000,2"],
         ["500,000,002 weights and biases", "--max-parameters"]),
        (["train", "--data", "xor", "--seed", "-1"], ["--seed", "-1"]),
        (["train", "--data", "xor", "--test-fraction", "nan"], ["--test-fraction", "nan"]),
        (["plot", "landscape", "exercise-1", "-w", "j -> k", "--range", "-1e308", "1e308",
          "-o", "x.png"], ["too wide"]),
    ],
)
def test_bounds_are_checked_before_any_work(
    argv: list[str], needles: list[str], capsys: pytest.CaptureFixture[str],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if argv[0] == "plot":
        pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    one_line_error(code, err, *needles)
    assert not list(tmp_path.iterdir())


def test_step_limits_scale_with_the_network_and_can_be_raised() -> None:
    from chainrule.core.engine import step_limit

    small, big = cr.load("exercise-1"), cr.mlp([64, 64, 10], seed=0)
    assert step_limit(small) == 100_000
    assert step_limit(big) < 3000
    with pytest.raises(cr.UsageError, match="max_steps"):
        cr.solve(big, step_limit(big) + 1)
    assert len(cr.solve("exercise-1", 3, max_steps=3)) == 3
    with pytest.raises(cr.UsageError, match="over `max_steps` 2"):
        cr.solve("exercise-1", 3, max_steps=2)
    with pytest.raises(cr.UsageError, match="max_parameters"):
        cr.mlp([2, 10**8, 2])


# -- CSV data -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "text", "argv", "needles"),
    [
        ("one.csv", "x,label\n1,a\n2,a\n3,a\n", [], ["one class only", "--target"]),
        ("one-row.csv", "x,y\n1,2\n", [], ["too few to hold out", "--test-fraction 0"]),
        ("long.csv", 'x,y\n"' + "9" * 140_000 + '",1\n', [], ["line 2", "131,072 characters"]),
        ("comma.csv", "x;y\n1,5;2\n", [], ["line 2", "'1,5'", "decimals with a point"]),
        ("net.toml", GOOD, [], ["network file, not data", "the network to train"]),
        ("bad.csv", b"x,y\n1,2\n\xff,3\n", [], ["line 3", "not UTF-8"]),
    ],
)
def test_csv_messages_say_what_to_do(
    name: str, text: str | bytes, argv: list[str], needles: list[str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    code, _, err = run(["train", "--data", str(path), "-q", *argv], capsys)
    one_line_error(code, err, str(path), *needles)


def test_semicolon_csv_files_are_read(tmp_path: Path) -> None:
    from chainrule.train.data import load_csv

    path = tmp_path / "semi.csv"
    path.write_text("x1;x2;label\n1;2;a\n3;4;b\n")
    data = load_csv(path)
    assert data.X.tolist() == [[1.0, 2.0], [3.0, 4.0]] and data.classes == ("a", "b")


def test_standardize_keeps_features_near_the_largest_double() -> None:
    from chainrule.train.data import Dataset

    X = np.array([[1e308, 1.0], [-1e308, 2.0], [5e307, 3.0]])
    data = Dataset(X, np.zeros((3, 1)), "big", ("a", "b"), ("y",))
    with np.errstate(all="raise"):
        out = data.standardized().X
    assert np.all(np.isfinite(out)) and out[0, 0] > out[2, 0] > 0 > out[1, 0]
    assert np.allclose(out.mean(axis=0), 0.0) and np.allclose(out.std(axis=0), 1.0)


# -- size: costs linear in the network, and what is too big to read says so -------------------

def _wide(n: int) -> dict[str, object]:
    units: dict[str, object] = {f"x{i}": "input" for i in range(n)}
    units["k"] = "sigmoid"
    return {"units": units, "weights": {f"x{i} -> k": 0.001 for i in range(n)},
            "samples": [{"inputs": {f"x{i}": 0.5 for i in range(n)}, "targets": {"k": 1.0}}]}


def test_wide_networks_load_and_solve_in_linear_time() -> None:
    # 40,000 inputs into one unit took 87 s (the ready list re-sorted on every pop, membership
    # tested on tuples); counted in operations, not seconds: the sort is called a few times
    import heapq
    import threading

    calls = 0
    real = heapq.heappop
    this_thread = threading.get_ident()

    def counting(heap: list[int]) -> int:
        # only this thread's pops: another test's server or browser thread may pop its own heap
        nonlocal calls
        if threading.get_ident() == this_thread:
            calls += 1
        return real(heap)

    net = cr.load(_wide(40_000))
    heapq.heappop = counting  # type: ignore[assignment]
    try:
        order = net.order
    finally:
        heapq.heappop = real  # type: ignore[assignment]
    assert len(order) == 40_001 and calls == 40_001 and order[-1] == "k"
    assert cr.solve(net).step(1).weight_gradients[0] != 0.0


def test_too_big_to_read_names_the_alternatives(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(_wide(20_001)))
    for fmt in ("text", "markdown", "latex", "html"):
        code, _, err = run(["solve", str(path), "--format", fmt], capsys)
        one_line_error(code, err, "20,001 weights", "--format json", "chainrule draw",
                       "--max-weights 20001")
    assert run(["solve", str(path), "--format", "json", "-o", str(tmp_path / "o.json")],
               capsys)[0] == 0
    trace = cr.solve(cr.load(_wide(30)))
    from chainrule.explain.solution import explain

    with pytest.raises(cr.UsageError, match="max_weights="):
        explain(trace, max_weights=29)
    assert explain(trace, max_weights=30).sections
    assert "Too large to show" in cr.solve(str(path))._repr_markdown_()


def test_text_lays_out_a_long_sum_in_linear_time() -> None:
    # a 3,000-term sum used to rescan the whole rest of the form at every line break
    from chainrule.explain.document import Equation, Math
    from chainrule.render import text

    scanned = 0

    class Counted(str):
        """A form that counts the characters its searches read."""

        def _read(self, start: int | None, end: int | None) -> None:
            nonlocal scanned
            scanned += len(range(len(self))[slice(start, end)])

        def find(self, sub: str, start: int | None = None, end: int | None = None) -> int:
            self._read(start, end)
            return str.find(self, sub, start, end)

        def rfind(self, sub: str, start: int | None = None, end: int | None = None) -> int:
            self._read(start, end)
            return str.rfind(self, sub, start, end)

        def count(self, sub: str, start: int | None = None, end: int | None = None) -> int:
            self._read(start, end)
            return str.count(self, sub, start, end)

    for form in (" + ".join(f"a_x{i} · w_x{i}" for i in range(3000)),
                 " + ".join(f"a_x{i} · w_(x{i},h)" for i in range(3000))):  # brackets too
        scanned = 0
        eq = Equation(Math("z_k", "z_k"), (Math(Counted(form), form),))
        lines = text.equation_lines(eq, 80)
        assert all(sum(len(c) for c, _ in line) <= 80 for line in lines)
        assert "".join(c for line in lines for c, _ in line).count("w_") == 3000
        assert 0 < scanned < 12 * len(form)


def test_worked_solutions_have_no_rich_markup_or_truncation_surprises() -> None:
    from chainrule.explain.solution import explain
    from chainrule.render.text import render

    data = cr.load("exercise-1").to_dict()
    data["title"] = "[bold]not markup[/bold] 网络"
    out = render(explain(cr.solve(cr.load(data))), width=60)
    assert "[bold]not markup[/bold] 网络" in out.splitlines()[0]


def test_from_torch_refuses_nan_weights() -> None:
    torch = pytest.importorskip("torch")
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    with torch.no_grad():
        module[2].weight[0, 1] = float("nan")
    with pytest.raises(cr.UsageError, match="Linear layer 2 has weights that are NaN"):
        cr.from_torch(module)
    with torch.no_grad():
        module[2].weight[0, 1] = 0.5
        module[0].bias[1] = float("inf")
    with pytest.raises(cr.UsageError, match="Linear layer 1 has biases"):
        cr.from_torch(module)


def test_drawing_many_layers_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    # a chain of 10,000 units drawn layer by layer took 42 s: every label was checked against
    # every box placed before it
    from chainrule.pictures import diagram, shapes

    calls = 0
    real = shapes.Box.overlaps

    def counting(self: shapes.Box, other: shapes.Box, pad: float = 0.0) -> bool:
        nonlocal calls
        calls += 1
        return real(self, other, pad)

    monkeypatch.setattr(shapes.Box, "overlaps", counting)

    def chain(n: int) -> cr.Network:
        units = {"u0": "input", **{f"u{i}": "tanh" for i in range(1, n)}}
        return cr.load({"units": units,
                        "weights": {f"u{i} -> u{i + 1}": 0.5 for i in range(n - 1)},
                        "samples": [{"inputs": {"u0": 1.0}, "targets": {f"u{n - 1}": 0.0}}]})

    counts = []
    for n in (300, 600):
        calls = 0
        assert diagram.svg(chain(n)).startswith("<svg")
        counts.append(calls)
    assert counts[1] < 2.5 * counts[0]


def test_answers_rosters_and_submissions_are_read_only_from_regular_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "answers.toml"
    os.mkfifo(fifo)
    code, _, err = run(["check", "exercise-2", str(fifo)], capsys)
    one_line_error(code, err, "not a regular file")
    from chainrule.teach.generation import read_roster

    roster = tmp_path / "roster.csv"
    os.mkfifo(roster)
    with pytest.raises(cr.UsageError, match="not a regular file"):
        read_roster(roster)
