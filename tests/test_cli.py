"""The `chainrule` command: every bad input ends with exit code 2 and one clear line on stderr
(the file, the key, what is valid; never a traceback), and the good paths work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import chainrule as cr
from chainrule.cli.main import cli, main

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

HIDDEN = """\
[units]
i = "input"
h = "{act}"
k = "relu"

[weights]
"i -> h" = 1.0
"h -> k" = 1.0

[[samples]]
inputs = { i = 1.0 }
targets = { k = 1.0 }
"""

JSON_GOOD = {
    "units": {"i": "input", "k": "relu"},
    "weights": {"i -> k": 0.5},
    "samples": [{"inputs": {"i": 1.0}, "targets": {"k": 1.0}}],
}

# name: (file name, file text, what the message must contain besides the file name: the key,
# then what is wrong or what would be valid)
BAD_FILES: dict[str, tuple[str, str, list[str]]] = {
    "bad TOML": ("net.toml", 'units = [\n"i" = 1\n', ["not valid TOML", "line"]),
    "bad TOML value": ("net.toml", GOOD.replace("0.5", "0.5.5"), ["not valid TOML", "line 6"]),
    "bad JSON": ("net.json", '{"units": {"i": "input",', ["not valid JSON", "line 1"]),
    "JSON not an object": ("net.json", "[1, 2]", ["one JSON object"]),
    "unknown unit in a weight": (
        "net.toml", GOOD.replace('"i -> k"', '"i -> q"'),
        ['[weights] "i -> q"', "no unit named", "units are i, k"],
    ),
    "unknown activation": (
        "net.toml", GOOD.replace('k = "relu"', 'k = "relux"'),
        ["[units] k", "relux", "valid activations are", "leaky_relu", "sigmoid"],
    ),
    "unknown cost": (
        "net.toml", 'cost = "squared_eror"\n' + GOOD,
        ["cost", "squared_eror", "valid costs are", "binary_cross_entropy"],
    ),
    "cycle": (
        "net.toml",
        GOOD.replace('k = "relu"', 'a = "relu"\nb = "relu"\nk = "relu"').replace(
            '"i -> k" = 0.5', '"i -> a" = 1\n"a -> b" = 1\n"b -> a" = 1\n"b -> k" = 1'
        ),
        ["[weights]", "cycle", "a -> b -> a", "acyclic"],
    ),
    "self-loop": (
        "net.toml", GOOD.replace('"i -> k" = 0.5', '"i -> k" = 0.5\n"k -> k" = 0.1'),
        ['"k -> k"', "cannot feed itself", "remove"],
    ),
    "weight into an input": (
        "net.toml", GOOD.replace('"i -> k" = 0.5', '"i -> k" = 0.5\n"k -> i" = 0.1'),
        ['"k -> i"', "input", "take no weights"],
    ),
    "input feeding nothing": (
        "net.toml",
        GOOD.replace('i = "input"', 'i = "input"\ni2 = "input"').replace(
            "inputs = { i = 1.0 }", "inputs = { i = 1.0, i2 = 2.0 }"
        ),
        ["[units] i2", "feeds no unit", '"i2 -> ..."'],
    ),
    "non-input with no incoming weight": (
        "net.toml", GOOD.replace('k = "relu"', 'k = "relu"\nh = "relu"'),
        ["[units] h", "no incoming weight", '"... -> h"'],
    ),
    "missing inputs": (
        "net.toml", GOOD.replace("inputs = { i = 1.0 }\n", ""),
        ["[[samples]] #1 inputs", "missing", "input unit", "i"],
    ),
    "an input left out": (
        "net.toml",
        GOOD.replace('i = "input"', 'i = "input"\ni2 = "input"').replace(
            '"i -> k" = 0.5', '"i -> k" = 0.5\n"i2 -> k" = 0.5'
        ),
        ["[[samples]] #1 inputs", "i2", "input units are i, i2"],
    ),
    "missing targets": (
        "net.toml", GOOD.replace("targets = { k = 1.0 }\n", ""),
        ["[[samples]] #1 targets", "missing", "output unit", "k"],
    ),
    "no samples": ("net.toml", GOOD.split("[[samples]]")[0], ["[[samples]]", "missing", "inputs"]),
    "a target for a non-output": (
        "net.toml", GOOD.replace("targets = { k = 1.0 }", "targets = { k = 1.0, i = 2.0 }"),
        ["[[samples]] #1 targets", "not an output unit", "output units are k"],
    ),
    "non-number": (
        "net.toml", GOOD.replace("= 0.5", '= "half"'),
        ['[weights] "i -> k"', "must be a number", "half"],
    ),
    "boolean for a number": (
        "net.toml", GOOD.replace("inputs = { i = 1.0 }", "inputs = { i = true }"),
        ["[[samples]] #1 inputs", "i", "must be a number"],
    ),
    "TOML nan": (
        "net.toml", GOOD.replace("= 0.5", "= nan"),
        ['[weights] "i -> k"', "finite number", "nan"],
    ),
    "TOML inf": (
        "net.toml", GOOD.replace("targets = { k = 1.0 }", "targets = { k = -inf }"),
        ["[[samples]] #1 targets", "k", "finite number"],
    ),
    "JSON NaN": (
        "net.json", json.dumps(JSON_GOOD).replace("0.5", "NaN"),
        ['[weights] "i -> k"', "finite number", "nan"],
    ),
    "JSON Infinity": (
        "net.json", json.dumps({**JSON_GOOD, "learning_rate": 1}).replace(": 1}", ": Infinity}"),
        ["learning_rate", "finite number"],
    ),
    "duplicate weight after normalising the arrow": (
        "net.toml", GOOD.replace('"i -> k" = 0.5', '"i -> k" = 0.5\n"i->k" = 0.25'),
        ['[weights] "i->k"', "i -> k", "written twice"],
    ),
    "duplicate JSON key": (
        "net.json", json.dumps(JSON_GOOD).replace('{"i -> k": 0.5}', '{"i -> k": 0.5, "i->k": 1}'),
        ['"i->k"', "i -> k", "written twice"],
    ),
    "bad unit name": (
        "net.toml", GOOD.replace('k = "relu"', '2k = "relu"'),
        ["[units] 2k", "letters, digits and _, starting with a letter"],
    ),
    "bad unit name in a weight": (
        "net.toml", GOOD.replace('"i -> k" = 0.5', '"i -> k" = 0.5\n"i -> k-2" = 0.5'),
        ['"i -> k-2"', "letters, digits and _"],
    ),
    "weight key without an arrow": (
        "net.toml", GOOD.replace('"i -> k"', '"i k"'), ['"i k"', '"FROM -> TO"'],
    ),
    "unknown top-level key": (
        "net.toml", "learning_rat = 0.1\n" + GOOD,
        ["learning_rat", "unknown top-level key", "valid keys are", "learning_rate", "samples"],
    ),
    "softmax on a hidden unit": (
        "net.toml", HIDDEN.replace("{act}", "softmax"),
        ["[units] h", "softmax", "only for output units"],
    ),
    "softmax on only some outputs": (
        "net.toml",
        GOOD.replace('k = "relu"', 'k = "softmax"\nk2 = "relu"').replace(
            '"i -> k" = 0.5', '"i -> k" = 0.5\n"i -> k2" = 0.5'
        ).replace("targets = { k = 1.0 }", "targets = { k = 1.0, k2 = 0.0 }"),
        ["[units] k2", "every output unit to be softmax"],
    ),
    "BCE target outside [0, 1]": (
        "net.toml",
        'cost = "binary_cross_entropy"\n'
        + GOOD.replace('k = "relu"', 'k = "sigmoid"').replace("k = 1.0 }", "k = 1.5 }"),
        ["[[samples]] #1 targets", "k", "outside [0, 1]", "binary_cross_entropy"],
    ),
    "BCE target below 0": (
        "net.toml",
        'cost = "binary_cross_entropy"\n'
        + GOOD.replace('k = "relu"', 'k = "sigmoid"').replace("k = 1.0 }", "k = -0.5 }"),
        ["[[samples]] #1 targets", "outside [0, 1]"],
    ),
    "CCE negative target": (
        "net.toml",
        'cost = "categorical_cross_entropy"\n'
        + GOOD.replace('k = "relu"', 'k = "sigmoid"').replace("k = 1.0 }", "k = -0.5 }"),
        ["[[samples]] #1 targets", "negative", ">= 0"],
    ),
    "zero learning rate": ("net.toml", "learning_rate = 0\n" + GOOD, ["learning_rate", "> 0"]),
    "negative learning rate": (
        "net.toml", "learning_rate = -0.1\n" + GOOD, ["learning_rate", "> 0"],
    ),
    "slope on relu": (
        "net.toml", GOOD.replace('k = "relu"', 'k = { activation = "relu", slope = 0.1 }'),
        ["[units] k", "slope", "leaky_relu"],
    ),
    "unknown key in a unit": (
        "net.toml", GOOD.replace('k = "relu"', 'k = { activation = "relu", slop = 0.1 }'),
        ["[units] k", "slop", "valid keys are activation, slope"],
    ),
    "unknown key in a weight": (
        "net.toml", GOOD.replace("= 0.5", "= { value = 0.5, frozen = true }"),
        ['[weights] "i -> k"', "frozen", "valid keys are value, trainable"],
    ),
    "bias for an input": (
        "net.toml", GOOD.replace("[[samples]]", "[biases]\ni = 0.1\n\n[[samples]]"),
        ["[biases] i", "input"],
    ),
    "bias for an unknown unit": (
        "net.toml", GOOD.replace("[[samples]]", "[biases]\nq = 0.1\n\n[[samples]]"),
        ["[biases] q", "no unit named", "units are i, k"],
    ),
    "empty file": ("net.toml", "", ["[units]", "missing"]),
    "no weights": ("net.toml", '[units]\ni = "input"\nk = "relu"\n', ["[weights]", "missing"]),
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err and err.startswith("chainrule")
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_network_file(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, text, needles = BAD_FILES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out_file = tmp_path / "solution.json"
    saved = tmp_path / "saved.toml"
    code, out, err = run(["solve", str(path), "--format", "json", "--output", str(out_file),
                          "--save-updated", str(saved)], capsys)
    assert_one_line_error(code, err, str(path), *needles)
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_network_file_raises_network_error(case: str) -> None:
    """The library raises NetworkError (it never prints or exits); the message names the file."""
    name, text, needles = BAD_FILES[case]
    with pytest.raises(cr.NetworkError) as info:
        cr.loads(text, name=name, fmt="json" if name.endswith(".json") else "toml")
    message = str(info.value)
    assert message.startswith(name)
    for needle in needles:
        assert needle in message


def test_bad_file_messages_give_the_line_where_they_can(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "net.toml"
    path.write_text(GOOD.replace('"i -> k"', '"i -> q"'), encoding="utf-8")
    code, _, err = run(["solve", str(path)], capsys)
    assert_one_line_error(code, err, f"{path}: line 6:")
    for case, line in (("unknown cost", 1), ("TOML inf", 10), ("missing inputs", 8),
                       ("BCE target outside [0, 1]", 11), ("bad unit name", 3)):
        path.write_text(BAD_FILES[case][1], encoding="utf-8")
        code, _, err = run(["solve", str(path)], capsys)
        assert_one_line_error(code, err, f"{path}: line {line}:")


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["solve", "exercise-2", "--steps", "0"], ["--steps", "0", ">= 1"]),
        (["solve", "exercise-2", "--decimals", "16"], ["--decimals", "from 0 to 15", "16"]),
        (["solve", "exercise-2", "--rounded", "16"], ["--rounded", "from 0 to 15", "16"]),
        (["solve", "exercise-2", "--rounded", "3", "--decimals", "4"],
         ["--rounded 3", "--decimals 4"]),
        (["solve", "exercise-2", "-o", "ex2.pdf"], ["ex2.pdf", "'.pdf'", ".md", ".json"]),
        (["solve", "exercise-2", "-o", "ex2.md", "--format", "html"], ["'.md'", "html"]),
        (["diff", "x^2", "-o", "steps.pdf"], ["steps.pdf", ".tex"]),
        (["check", "exercise-2", "answers.toml", "-o", "marks.pdf"], ["marks.pdf", ".html"]),
        (["solve", "exercise-2", "--steps", "-3"], ["--steps", "-3"]),
        (["solve", "exercise-2", "--steps", "many"], ["--steps", "many"]),
        (["solve", "exercise-2", "--format", "pdf"], ["--format", "pdf", "json", "text"]),
        (["solve", "exercise-2", "--decimals", "-1"], ["--decimals"]),
        (["solve", "exercise-2", "--learning-rate", "-1"], ["--learning-rate", "> 0"]),
        (["solve", "exercise-2", "--learning-rate", "nan"], ["--learning-rate", "> 0"]),
        (["solve", "exercise-2", "--steps", "2", "--step", "3"], ["--step", "3"]),
        (["solve", "exercise-2", "--weights", "i -> q"], ["i -> q", "weights are i -> j, j -> k"]),
        (["solve", "exercise-9"], ["exercise-9", "built-in examples are", "exercise-2"]),
        (["solve", "no-such-file.toml"], ["no-such-file.toml", "no such file"]),
        (["solve"], ["NETWORK"]),
        (["examples", "show", "exercise-9"], ["exercise-9", "built-ins are", "aima-21"]),
        (["solv", "exercise-2"], ["solv"]),
        (["solve", "exercise-2", "--colour"], ["--colour"]),
    ],
)
def test_bad_arguments(argv: list[str], needles: list[str],
                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert_one_line_error(code, err, *needles)
    assert out == ""


def test_a_directory_instead_of_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "nets.toml"
    folder.mkdir()
    code, _, err = run(["solve", str(folder)], capsys)
    assert_one_line_error(code, err, str(folder), "is a directory", "network file")


def test_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    code, _, err = run(["solve", str(path)], capsys)
    assert_one_line_error(code, err, str(path))


@pytest.mark.parametrize("where", ["directory", "missing folder"])
def test_output_to_a_bad_place_leaves_no_file(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" if where == "directory" else tmp_path / "missing" / "out.json"
    if where == "directory":
        target.mkdir()
    for option in ("--output", "--save-updated"):
        code, _, err = run(["solve", "exercise-2", "--format", "json", option, str(target)],
                           capsys)
        assert_one_line_error(code, err, "out")
        assert "directory" in err or "does not exist" in err
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert files == (["out"] if where == "directory" else [])


def test_blow_up_names_the_step_and_suggests_a_smaller_learning_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace('k = "relu"', 'h = "identity"\nk = "identity"').replace(
        '"i -> k" = 0.5', '"i -> h" = 0.5\n"h -> k" = 0.5'
    )
    path = tmp_path / "net.toml"
    path.write_text("learning_rate = 50\n" + text, encoding="utf-8")
    saved = tmp_path / "saved.toml"
    code, out, err = run(["solve", str(path), "--steps", "100", "--format", "json",
                          "--save-updated", str(saved)], capsys)
    assert_one_line_error(code, err, str(path), "step", "smaller", "learning rate")
    step = int(err.split("at step ")[1].split(":")[0])
    assert 1 < step <= 100
    assert out == ""
    # the library says the same, and keeps the steps before the update that blew up: the
    # cost became inf at `step`, so the update of step - 1 is undone
    with pytest.raises(cr.DivergedError) as info:
        cr.solve(path, steps=100)
    assert info.value.step == step
    trace = info.value.trace
    assert isinstance(trace, cr.Trace) and len(trace) == step - 2
    # --save-updated keeps those weights: they load again, and their first step is finite
    kept = cr.load(saved)
    assert kept.weights == trace.final.weights
    assert cr.solve(kept).step(1).cost < float("inf")


def subcommands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += subcommands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


COMMANDS = subcommands(cli)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "chainrule")
def test_every_command_help_shows_examples(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*command, "--help"], capsys)
    assert code == 0 and err == ""
    assert "Examples" in out
    assert f"chainrule {' '.join(command)}".strip() in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and cr.__version__ in out


def test_examples_lists_every_built_in(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["examples"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(cr.examples())
    for line, (name, title) in zip(lines, sorted(cr.examples().items()), strict=True):
        assert line.startswith(name) and line.endswith(title)
    for name in ("exercise-1", "exercise-2", "exercise-3", "chain-1", "aima-21"):
        assert name in cr.examples()


@pytest.mark.parametrize("name", sorted(cr.examples()))
def test_examples_show_round_trips(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["examples", "show", name], capsys)
    assert code == 0
    assert out == cr.example_text(name)
    assert cr.loads(out).to_dict() == cr.load(name).to_dict()


def test_text_solution_of_exercise_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["solve", "exercise-2"], capsys)
    assert code == 0 and err == ""
    for number in ("0.602", "0.3973", "0.3632", "-1.2054", "-0.7256", "-0.5569", "0.9157",
                   "0.7326"):
        assert number in out, number
    assert "reuse" in out
    assert "L-2" in out and "L-1" in out
    assert "\x1b[" not in out  # plain when not a terminal


def test_text_decimals(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["solve", "exercise-2", "--decimals", "6"], capsys)
    assert code == 0 and "-0.556876" in out and "0.915688" in out


def test_relu_blocking_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = cr.load("exercise-2").to_dict()
    data["weights"]["i -> j"] = -0.86
    path = tmp_path / "dead.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(["solve", str(path)], capsys)
    assert code == 0
    assert "-0.602" in out and "no gradient flows" in out


def test_output_file_and_save_updated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "solution.json"
    saved = tmp_path / "next.toml"
    code, out, _ = run(["solve", "exercise-2", "--steps", "3", "--format", "json",
                        "--output", str(out_file), "--save-updated", str(saved)], capsys)
    assert code == 0 and out == ""
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(cr.solve("exercise-2", steps=3).to_json()))
    assert cr.load(saved).to_dict()["weights"] == data["steps"][-1]["after"]["weights"]
    code, out, _ = run(["solve", "exercise-2", "--output", str(tmp_path / "solution.txt")], capsys)
    assert code == 0 and out == ""
    assert "0.9157" in (tmp_path / "solution.txt").read_text(encoding="utf-8")


def test_learning_rate_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["solve", "exercise-1", "--format", "json", "--learning-rate", "0.5"],
                       capsys)
    assert code == 0
    data = json.loads(out)
    assert data["learning_rate"] == 0.5
    assert data["steps"][0]["after"]["weights"]["j -> k"] == 0.48 - 0.5 * (0.5 * 2 * (0.24 - 1))


def test_json_of_many_steps_has_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["solve", "aima-21", "--steps", "50", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [s["step"] for s in data["steps"]] == list(range(1, 51))
    assert data == json.loads(json.dumps(cr.solve("aima-21", steps=50).to_json()))


# -- as real processes ------------------------------------------------------------------------

ENV = {**os.environ, "COLUMNS": "100"}
SCRIPT = Path(sys.executable).parent / "chainrule"


def process(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=120, check=False,
                          **kwargs)  # type: ignore[call-overload]


def test_python_dash_m(tmp_path: Path) -> None:
    done = process([sys.executable, "-m", "chainrule", "solve", "exercise-2", "--format", "json"])
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["steps"][0]["cost"] == pytest.approx(0.3632231824)
    bad = tmp_path / "bad.toml"
    bad.write_text("learning_rate = [", encoding="utf-8")
    done = process([sys.executable, "-m", "chainrule", "solve", str(bad)])
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and str(bad) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not SCRIPT.exists(), reason="the chainrule script is not installed here")
def test_the_installed_script() -> None:
    done = process([str(SCRIPT), "solve", "exercise-2"])
    assert done.returncode == 0 and done.stderr == ""
    assert "0.9157" in done.stdout and "\x1b[" not in done.stdout
    done = process([str(SCRIPT), "solve", "exercise-2", "--steps", "0"])
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    done = process([str(SCRIPT), "examples"])
    assert done.returncode == 0 and "aima-21" in done.stdout


def wide_network(n_in: int, n_hidden: int, n_out: int) -> dict[str, object]:
    """A layered network big enough that its worked solution overflows a pipe's buffer."""
    ins = [f"x{i}" for i in range(n_in)]
    hidden = [f"h{i}" for i in range(n_hidden)]
    outs = [f"y{i}" for i in range(n_out)]
    units = {**dict.fromkeys(ins, "input"), **dict.fromkeys(hidden, "tanh"),
             **dict.fromkeys(outs, "sigmoid")}
    weights = {f"{a} -> {b}": round(0.01 * ((3 * n + 7) % 41 - 20), 2)
               for n, (a, b) in enumerate([(a, b) for a in ins for b in hidden]
                                          + [(a, b) for a in hidden for b in outs])}
    return {"units": units, "weights": weights,
            "samples": [{"inputs": dict.fromkeys(ins, 0.5), "targets": dict.fromkeys(outs, 1.0)}]}


@pytest.mark.skipif(shutil.which("head") is None or shutil.which("bash") is None,
                    reason="needs bash and head")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_piping_into_head_exits_0(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(wide_network(20, 20, 5)), encoding="utf-8")
    solve = f"{sys.executable} -m chainrule solve {path} --steps 20 --format {fmt}"
    whole = process(["bash", "-c", solve])
    assert whole.returncode == 0 and len(whole.stdout) > 200_000  # more than a pipe holds
    done = process(["bash", "-c", f"{solve} | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}}"])
    assert done.stdout.strip() == "0", done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr


def test_step_past_steps_runs_to_that_step(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["solve", "exercise-1", "--step", "2"], capsys)
    assert code == 0 and err == ""
    assert "Step 2 of 2" in out and "2.6 The update" in out


def test_save_updated_describes_the_updated_network(tmp_path: Path) -> None:
    from chainrule.cli.main import main

    path = tmp_path / "after.toml"
    assert main(["solve", "exercise-1", "--steps", "3", "--save-updated", str(path)]) == 0
    text = path.read_text()
    assert "Given" not in text and "0.48" not in text
    assert "after 3 steps of gradient descent" in text
    assert cr.load(str(path)).weights[("j", "k")].value != 0.48


def test_rounded_takes_its_decimals_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    """`--rounded 4` and `--decimals 4 --rounded` are the same run; a bare --rounded before the
    network's name does not swallow it; every decimals option has the one bound."""
    code, four, _ = run(["solve", "exercise-2", "--rounded", "4", "-f", "json"], capsys)
    assert code == 0
    assert run(["solve", "exercise-2", "--decimals", "4", "--rounded", "-f", "json"],
               capsys)[1] == four
    assert run(["solve", "--rounded", "exercise-2", "-f", "json"], capsys)[1] == four
    assert four != run(["solve", "exercise-2", "-f", "json"], capsys)[1]
    code, _, err = run(["solve", "exercise-2", "--decimals", "15", "--rounded"], capsys)
    assert code == 0, err


def test_an_output_file_of_no_format_is_refused_and_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ex2.pdf", "ex2"):
        code, _, err = run(["solve", "exercise-2", "-o", str(tmp_path / name)], capsys)
        assert code == 2 and ("names no output format" in err or "no ending" in err), err
        assert not (tmp_path / name).exists()
    assert run(["solve", "exercise-2", "-o", str(tmp_path / "ex2.tex")], capsys)[0] == 0
    assert (tmp_path / "ex2.tex").read_text().startswith("\\documentclass")
