"""The fuzzing suite: hypothesis strategies for everything chainrule reads, and one trial runner.

Strategies (each draws a :class:`Trial`: a command line, the files it needs, or an API call):

- ``network_files``: valid network files (TOML, JSON, ``.npz``) and mutated ones (bytes cut,
  inserted, swapped; numbers made huge, NaN or negative; tables nested deep; odd characters);
- ``option_values``: ``solve``/``draw``/``plot`` options with odd values (huge, negative, NaN,
  text, empty, output paths that are inputs, folders, devices, or outside the run's folder);
- ``diff_expressions``: token soup over the grammar, and payloads built from attribute access
  and calls (``(x.subs)(x, ...)``) that must never run;
- ``csv_data``: ``train --data FILE.csv`` with odd cells, shapes and options;
- ``api_calls``: the Python API (``load``, ``loads``, ``solve``, ``mlp``, ``train``,
  ``predict``) with odd arguments.

:func:`run_trial` runs one in a folder of its own and says how it went: ``ok``,
``rejected`` (exit 2 with one line on stderr, or a ChainruleError from the API),
``rejected-not-one-line``, ``internal-error``, ``slow`` (over 10 s) and whether any file
outside its folder was touched. ``make test`` runs a few of each (tests/test_fuzz.py);
``make fuzz MINUTES=10`` runs ``tools/fuzz.py`` for as long as asked and prints the counts.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .strategies import random_network_dict

SLOW_SECONDS = 10.0
OUTCOMES = ("ok", "rejected", "rejected-not-one-line", "internal-error", "slow", "touched-outside")


@dataclass
class Trial:
    """One thing to try: a command line (``argv``) or a Python call (``call``), with the files
    (name -> bytes) it needs in its folder."""

    kind: str
    argv: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    call: Callable[[], Any] | None = None
    label: str = ""

    def __repr__(self) -> str:
        shown = self.label or " ".join(repr(a)[:60] for a in self.argv)
        return f"Trial({self.kind}: {shown[:300]})"


@dataclass
class Outcome:
    kind: str
    outcome: str
    seconds: float
    touched: list[str]
    detail: str = ""


# ---------------------------------------------------------------------------------------------
# Network files


def _toml(data: dict[str, Any]) -> str:
    import chainrule as cr

    return cr.dumps_toml(cr.load(data))


def _valid_text(seed: int, fmt: str) -> bytes:
    data = random_network_dict(seed)
    if fmt == "json":
        return json.dumps(data).encode()
    return _toml(data).encode()


ODD_TOKENS = [
    b"nan", b"inf", b"-inf", b"1e999", b"-1e308", b"9" * 400, b"0", b"-0.0", b"true", b'""',
    b"\x7f", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\\ud800", b"[[samples]]", b"[units]",
    b'"a -> a" = 1', b"= =", b"{", b"}", b"[" * 50, b"]" * 50, b"\n", b'"', b"'", b"->",
    b"relu", b"softmax", b"input", b"x0", b"o0", b"trainable = false", b"slope = -1",
]


@st.composite
def mutated(draw: st.DrawFn, text: bytes) -> bytes:
    data = bytearray(text)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(["cut", "insert", "swap-lines", "number", "repeat"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "cut":
            del data[at : at + draw(st.integers(1, 20))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(ODD_TOKENS))
        elif kind == "swap-lines":
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        elif kind == "number":
            start = next((k for k in range(at, len(data)) if chr(data[k]).isdigit()), None)
            if start is not None:
                end = start
                while end < len(data) and chr(data[end]) in "0123456789.e-+":
                    end += 1
                data[start:end] = draw(st.sampled_from(ODD_TOKENS[:10]))
        else:
            lines = bytes(data).split(b"\n")
            line = lines[draw(st.integers(0, len(lines) - 1))]
            data.extend(b"\n" + line * draw(st.integers(1, 3)))
    return bytes(data)


def _npz_bytes(seed: int) -> bytes:
    import chainrule as cr
    from chainrule.io.npzfile import dumps_npz

    return dumps_npz(cr.load(random_network_dict(seed)))


@st.composite
def network_files(draw: st.DrawFn) -> Trial:
    seed = draw(st.integers(0, 2**16))
    fmt = draw(st.sampled_from(["toml", "json", "npz"]))
    text = _npz_bytes(seed) if fmt == "npz" else _valid_text(seed, fmt)
    if draw(st.booleans()):
        text = draw(mutated(text))
    name = f"net.{fmt}"
    command = draw(
        st.sampled_from(
            [
                ["solve", name],
                ["solve", name, "--format", "json"],
                ["solve", name, "--format", "markdown", "--steps", "2"],
                ["solve", name, "--format", "html"],
                ["solve", name, "--format", "latex"],
                ["draw", name],
                ["solve", name, "--save-updated", "updated.toml"],
                ["solve", name, "--save-updated", "updated.json", "--format", "json"],
            ]
        )
    )
    return Trial("network-file", command, {name: text})


# ---------------------------------------------------------------------------------------------
# Option values

ODD_VALUES = st.sampled_from(
    ["0", "-1", "1", "2", "3", "nan", "inf", "-inf", "1e308", "1e-320", "10**12",
     "99999999999999999999", "", " ", "abc", "0x10", "1.5", "-0", "True", "\x7f", "é"]
)
PATHS = st.sampled_from(
    ["out.txt", "out.json", "", ".", "..", "../outside/victim.txt", "net.toml", "sub/none.txt",
     "/dev/null", "out.svg", "out.png", "x" * 300, "link.txt", "updated.toml"]
)


@st.composite
def option_values(draw: st.DrawFn) -> Trial:
    net = _valid_text(draw(st.integers(0, 2**16)), "toml")
    command = draw(st.sampled_from(["solve", "draw", "plot-cost", "plot-landscape"]))
    argv: list[str]
    if command == "solve":
        argv = ["solve", draw(st.sampled_from(["net.toml", "exercise-2", "aima-21", "missing"]))]
        for option in draw(
            st.lists(
                st.sampled_from(["--steps", "--decimals", "--learning-rate", "--step",
                                 "--weights", "--format", "--notation", "--output",
                                 "--save-updated"]),
                max_size=4,
                unique=True,
            )
        ):
            if option in ("--output", "--save-updated"):
                argv += [option, draw(PATHS)]
            elif option == "--format":
                argv += [option, draw(st.sampled_from(["json", "text", "html", "yaml", ""]))]
            elif option == "--weights":
                argv += [option, draw(st.sampled_from(["q -> z", "i -> j", "", "->", "x0 -> o0"]))]
            else:
                argv += [option, draw(ODD_VALUES)]
    elif command == "draw":
        argv = ["draw", "net.toml", "--output", draw(PATHS)]
        if draw(st.booleans()):
            argv += ["--step", draw(ODD_VALUES), "--values", "backward"]
    elif command == "plot-cost":
        argv = ["plot", "cost", "net.toml", "--output", draw(PATHS), "--steps", draw(ODD_VALUES)]
    else:
        argv = ["plot", "landscape", "exercise-1", "--output", draw(PATHS), "--steps",
                draw(ODD_VALUES)]
        if draw(st.booleans()):
            argv += ["--range", draw(ODD_VALUES), draw(ODD_VALUES)]
    return Trial("option-values", argv, {"net.toml": net})


# ---------------------------------------------------------------------------------------------
# diff expressions

DIFF_TOKENS = st.sampled_from(
    ["x", "w", "a", "y", "2", "0", "0.5", "1e3", "+", "-", "*", "/", "^", "**", "(", ")", ",",
     " ", "exp(", "log(", "ln(", "sqrt(", "sigmoid(", "tanh(", "relu(", "max(0, ", "sin(",
     "cos(", "abs(", "e", "pi", "_", "9**9**9", "x.", "subs", "__class__", "(x.subs)",
     "Function", "Symbol('x')", "lambda", "[", "]", "'", "\"", ":", "=", "!", "~", "%", "@"]
)


def _payload(command: str, n_chars: int) -> str:
    number = int.from_bytes(command.encode(), "big")
    return f"(x.subs)(x, ((({number}).p.to_bytes)({n_chars}).decode)())"


PAYLOADS = st.builds(
    lambda cmd, wrap: wrap.replace("P", _payload(cmd, len(cmd))),
    st.sampled_from(
        ["__import__('os').system('touch ../outside/pwned')",
         "open('../outside/pwned', 'w').write('x')"]
    ),
    st.sampled_from(["P", "x + P", "exp(P)", "(P)*2", "P.evalf()", "(x.evalf)()",
                     "x.func(x)", "(exp)(x).subs(x, 1)", "sigmoid.__init__"]),
)


HOSTILE_EXPRESSIONS = (
    "e^e^e^e^e^e^e^e*x", "x^pi^pi^pi^pi^pi^pi", "(x+y+z+w+v)^1000", "+".join(["x"] * 250),
    "1e-999999999999999999*x", "2e400*x", "1" * 5000 + "*x", "exp(exp(exp(exp(x))))",
)
"""Expressions that hung, filled the memory or crashed `diff` (issue 16)."""


@st.composite
def diff_expressions(draw: st.DrawFn) -> Trial:
    text = draw(
        st.one_of(
            st.lists(DIFF_TOKENS, max_size=20).map("".join),
            PAYLOADS,
            st.text(max_size=30),
            st.integers(1, 30).map(lambda n: "exp(" * n + "x" + ")" * n),
            st.integers(1, 8).map(lambda n: "x" + "^x" * n),
            st.sampled_from(HOSTILE_EXPRESSIONS),
        )
    )
    argv = ["diff", "--format", draw(st.sampled_from(["text", "json", "latex", "markdown"]))]
    if draw(st.booleans()):
        argv += ["--wrt", draw(st.sampled_from(["x", "w", "exp", "", "1", "e", "x y"]))]
    return Trial("diff-expression", [*argv, "--", text])


# ---------------------------------------------------------------------------------------------
# CSV data

CELLS = st.sampled_from(
    ["0", "1", "-1", "0.5", "1e308", "-1e308", "nan", "inf", "", "a", "b", " ", "1,5", '"1"',
     "1e-320", "x" * 50]
)


@st.composite
def csv_data(draw: st.DrawFn) -> Trial:
    columns = draw(st.integers(1, 4))
    header = draw(
        st.sampled_from([",".join(f"f{i}" for i in range(columns - 1)) + ",label",
                         ",".join(f"f{i}" for i in range(columns)), "", "label", "a;b;label"])
    )
    if draw(st.booleans()):  # well formed: numbers in every cell, a 0/1 label
        header = ",".join(f"f{i}" for i in range(columns - 1)) + ",label"
        numbers = st.floats(-5, 5, allow_nan=False).map(lambda v: f"{v:.3g}")
        rows = draw(st.lists(st.lists(numbers, min_size=columns - 1, max_size=columns - 1).map(
            lambda r: [*r, str(len(r) % 2)]), min_size=1, max_size=12))
        rows = [[*r[:-1], str(i % 2)] for i, r in enumerate(rows)]
    else:
        rows = draw(st.lists(st.lists(CELLS, min_size=1, max_size=columns + 1), max_size=12))
    text = header + "\n" + "\n".join(",".join(r) for r in rows) + ("\n" if rows else "")
    argv = ["train", "--data", "data.csv", "--epochs", "1", "-q"]
    if draw(st.booleans()):
        argv += ["--target", draw(st.sampled_from(["label", "f0", "missing", ""]))]
    if draw(st.booleans()):
        argv += ["--test-fraction", draw(st.sampled_from(["0", "0.5", "1", "nan", "-1", "2"]))]
    if draw(st.booleans()):
        argv += ["--layers", draw(st.sampled_from(["1,1", "2,3,2", "0,1", "1", "a,b", "3,2"]))]
    if draw(st.booleans()):
        argv.append("--standardize")
    if draw(st.booleans()):
        argv += ["--output", draw(PATHS)]
    return Trial("csv-data", argv, {"data.csv": text.encode()})


# ---------------------------------------------------------------------------------------------
# The Python API

ODD_ARGUMENTS = st.sampled_from(
    [None, 0, -1, 1, 2, 1.5, math.nan, math.inf, True, "", "exercise-2", "missing", "net.toml",
     [], [1, 2], {}, {"units": {1: "input"}}, {"units": None}, (1, 2), np.float64(0.1),
     np.int64(2), b"bytes", object()]
)


@st.composite
def api_calls(draw: st.DrawFn) -> Trial:
    import chainrule as cr

    which = draw(st.sampled_from(["load", "loads", "solve", "mlp", "train", "predict", "step"]))
    a, b = draw(ODD_ARGUMENTS), draw(ODD_ARGUMENTS)
    calls: dict[str, Callable[[], Any]] = {
        "load": lambda: cr.load(a),
        "loads": lambda: cr.loads(a, fmt=b if isinstance(b, str) else "toml"),
        "solve": lambda: cr.solve("exercise-1", a if a is not None else 1, learning_rate=b),
        "mlp": lambda: cr.mlp(a if isinstance(a, list) else [2, a], seed=0),
        "train": lambda: cr.train(
            cr.mlp([2, 2], seed=0), np.zeros((4, 2)), np.zeros((4, 2)), epochs=a,
            batch_size=b, progress=False),
        "predict": lambda: cr.predict(cr.mlp([2, 2], seed=0), a),
        "step": lambda: cr.solve("exercise-1", 2).step(a),
    }
    return Trial("api-call", call=calls[which], label=f"{which}({a!r}, {b!r})")


# ---------------------------------------------------------------------------------------------
# A class's files: rosters, submissions, grading configs, answers (issue 16)

STUDENT_IDS = st.sampled_from(
    ["alice", "bob", "Alice", "BOB", "bob (1)", "../outside/x", "/tmp/victim", "..", "CON",
     "nul.txt", '=HYPERLINK("http://x")', "+1", "@cmd", "a\x00b", "a\nb", "", " ", "x" * 200,
     "José", "doe_bob_4711", "s1/answers"]
)
ANSWER_TEXTS = st.sampled_from(
    ["[a]\nj = 0.6\n", "[a]\nj = " + "9" * 5000 + "\n", "[a]\nj = 1e-999999999999999999\n",
     '{"a": {"j": 1e999}}', '{"a": ' + "[" * 5000 + "]" * 5000 + "}",
     '[dC_dw_formula]\n"i -> j" = "e^e^e^e^e*w"\n', '[dC_dw_formula]\n"i -> j" = "(w+w_jk)^1000"\n',
     "", "step = 0\n", "[[[", "\udcff", "[a]\nj = 0.6\n[a]\nj = 1\n"]
)
SUBMISSION_NAMES = st.sampled_from(
    ["{id}.toml", "{id}.json", "{id}.toml.txt", "{id} (1).toml", "{id}/answers.toml", "{id}.pdf",
     ".{id}.toml", "{id}.TOML", "x_{id}_9_answers.toml"]
)
CONFIG_TEXTS = st.sampled_from(
    ["credit = 5\n", "rtol = nan\n", 'weights = "x"\n', "[credit]\nright = 2\n", "rtol = 0.02\n",
     '[weights]\n"a.*" = inf\n', "[credit]\nrounding = 0.5\n", "rtol = 1" + "0" * 5000 + "\n"]
)


def _file_name(name: str) -> bool:
    return all(part not in ("", ".", "..") and "\x00" not in part and "\n" not in part
               and len(part) < 200 for part in name.split("/")) and not name.startswith("/")


@st.composite
def teaching_files(draw: st.DrawFn) -> Trial:
    from chainrule.io.netfile import example_text

    command = draw(st.sampled_from(["generate", "grade-folder", "grade-csv", "check"]))
    if command == "generate":
        ids = draw(st.lists(STUDENT_IDS, min_size=1, max_size=4))
        roster = "student\n" + "".join(f'"{i}"\n' for i in ids)
        argv = ["generate", "exercise-2", "--students", "roster.csv", "-o", "out",
                "--seed", "a secret for the fuzzing suite"]
        if draw(st.booleans()):
            argv += ["--id-column", draw(st.sampled_from(["student", "ID", "nope"]))]
        return Trial("teaching", argv, {"roster.csv": roster.encode("utf-8", "replace")})
    if command == "check":
        text = draw(ANSWER_TEXTS)
        name = draw(st.sampled_from(["a.toml", "a.json"]))
        argv = ["check", "exercise-2", name]
        if draw(st.booleans()):
            argv += ["-o", draw(st.sampled_from([name, "out.txt", "../outside/victim.txt"]))]
        return Trial("teaching", argv, {name: text.encode("utf-8", "replace")})
    network = example_text("exercise-2").encode()
    folder = draw(st.sampled_from(["alice", "../outside", "/etc", "alice/../.."]))
    files = {"gen/variants.csv": f"student,variant,folder\nalice,A,{folder}\nbob,B,bob\n"
             .encode(), "gen/alice/network.toml": network, "gen/bob/network.toml": network}
    if command == "grade-folder":
        for _ in range(draw(st.integers(0, 4))):
            name = draw(SUBMISSION_NAMES).format(id=draw(STUDENT_IDS))
            if _file_name(name):
                files[f"subs/{name}"] = draw(ANSWER_TEXTS).encode("utf-8", "replace")
        files.setdefault("subs/.keep", b"")
        source = "subs"
    else:
        rows = [(draw(STUDENT_IDS), draw(st.sampled_from(["a.j", "C", "nope", "new_w.i -> j"])),
                 draw(st.sampled_from(["0.6", "1e-999999999999999999", "9" * 5000, "", "x"])))
                for _ in range(draw(st.integers(0, 4)))]
        text = "student,quantity,answer\n" + "".join(
            ",".join('"' + c.replace('"', '""') + '"' for c in row) + "\n" for row in rows)
        files["answers.csv"] = text.encode("utf-8", "replace")
        source = "answers.csv"
    argv = ["grade", "gen", source, "-o", draw(st.sampled_from(["out", "subs", "gen", "."]))]
    if draw(st.booleans()):
        files["c.toml"] = draw(CONFIG_TEXTS).encode()
        argv += ["--config", "c.toml"]
    if draw(st.booleans()):
        argv.append("--force")
    return Trial("teaching", argv, files)


ASSIGNMENT = b"""title = "Week 7"
due = 2026-12-10T23:59:00Z
decimals = 4
[late]
per_day = 0.1
[[exercise]]
name = "chain"
network = "exercise-2"
points = 10
[[exercise]]
name = "layers"
points = 20
decimals = 3
shape = { layers = [2, [1, 2], 1], hidden = ["relu"] }
"""


@st.composite
def assignment_files(draw: st.DrawFn) -> Trial:
    """An assignment file, mutated, through generate; or a mutated answers file of the
    assignment through grade."""
    if draw(st.booleans()):
        text = draw(mutated(ASSIGNMENT))
        argv = ["generate", "a.toml", "--count", "2", "-o", "out", "--seed",
                "a secret for the fuzzing suite"]
        return Trial("assignment", argv, {"a.toml": text})
    answers = b'[chain]\nC = 0.25\n[chain.a]\nj = 0.6\n[layers]\nC = 1.4\n[layers.z]\nk = 0.5\n'
    files = {**_generated_assignment(), "subs/v01.toml": draw(mutated(answers)),
             "subs/v02.toml": draw(ANSWER_TEXTS).encode("utf-8", "replace")}
    return Trial("assignment", ["grade", "gen", "subs", "-o", "out"], files)


_GENERATED: dict[str, bytes] = {}


def _generated_assignment() -> dict[str, bytes]:
    """The files ``generate`` writes for :data:`ASSIGNMENT` and two students (once), under
    ``gen/``."""
    if not _GENERATED:
        import contextlib
        import tempfile

        from chainrule.cli.main import main

        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "a.toml").write_bytes(ASSIGNMENT)
            with contextlib.redirect_stderr(io.StringIO()):
                assert main(["generate", str(Path(tmp, "a.toml")), "--count", "2", "--seed",
                             "a secret for the fuzzing suite", "-o", str(Path(tmp, "gen"))]) == 0
            for path in Path(tmp, "gen").rglob("*"):
                if path.is_file():
                    _GENERATED[path.relative_to(tmp).as_posix()] = path.read_bytes()
    return dict(_GENERATED)


ALL = {
    "assignment": assignment_files(),
    "teaching": teaching_files(),
    "network-file": network_files(),
    "option-values": option_values(),
    "diff-expression": diff_expressions(),
    "csv-data": csv_data(),
    "api-call": api_calls(),
}
"""Every strategy, by the kind of input it makes."""


# ---------------------------------------------------------------------------------------------
# Running one trial


class _Slow(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt a trial that runs far past the limit (it still counts as slow)."""

    def stop(*_: object) -> None:
        raise _Slow

    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - not on this platform
        yield
        return
    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            info = path.lstat()
            out[str(path.relative_to(folder))] = (info.st_mtime_ns, info.st_size)
    return out


def run_trial(trial: Trial, root: Path, number: int, *, hard_limit: float = 60.0) -> Outcome:
    """Run ``trial`` in ``root/trial-NUMBER`` and say how it went.

    ``root/outside`` holds a decoy file; the trial's folder holds the trial's files and a link
    ``link.txt`` to a file beside it. Anything under ``root`` but outside the trial's folder
    that appears, changes or goes (the decoy included) counts as touched.
    """
    from chainrule.cli.main import main
    from chainrule.core.errors import ChainruleError

    outside = root / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    decoy = outside / "victim.txt"
    if not decoy.exists():
        decoy.write_text("do not touch")
    folder = root / f"trial-{number}"
    folder.mkdir()
    for name, data in trial.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "link.txt").symlink_to(folder / "link-target.txt")
    mine = (folder.name, folder.name + "/")

    def others() -> dict[str, tuple[int, int]]:
        return {k: v for k, v in _snapshot(root).items() if k != mine[0] and not k.startswith(
            mine[1])}

    before = others()
    out, err = io.StringIO(), io.StringIO()
    detail = ""
    start = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with _deadline(hard_limit), contextlib.redirect_stdout(out), contextlib.redirect_stderr(
            err
        ):
            if trial.call is not None:
                try:
                    trial.call()
                    code = 0
                except ChainruleError as error:
                    code = 2
                    err.write(f"chainrule: {error}\n")
                except (TypeError, ValueError) as error:
                    # the API's own argument checks: fine when they name what is wrong
                    code = 2 if str(error) and "\n" not in str(error) else 1
                    err.write(f"chainrule: {type(error).__name__}: {error}\n")
            else:
                code = main(trial.argv)
    except _Slow:
        code, detail = -1, "interrupted at the hard limit"
    except BaseException as error:  # noqa: BLE001 - any escape is a finding
        code = 1
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    finally:
        os.chdir(cwd)
    seconds = time.perf_counter() - start
    after = others()
    # a file the command line names as an output is the user's to write, wherever it is
    named = {os.path.normpath(os.path.relpath(folder / a, root)) for a in trial.argv if a}
    named |= {os.path.dirname(n) for n in named}
    touched = sorted(
        k for k in set(before) | set(after) if before.get(k) != after.get(k) and k not in named
    )
    message = err.getvalue()
    if seconds > SLOW_SECONDS:
        outcome = "slow"
    elif code == 0 or (code == 3 and trial.argv[:1] == ["check"]):  # 3: checked, some wrong
        outcome = "ok"
    elif code == 2:
        one = message.endswith("\n") and message.count("\n") == 1
        one = one and message.startswith("chainrule") and "Traceback" not in message
        outcome = "rejected" if one else "rejected-not-one-line"
        detail = detail or message[:300]
    else:
        outcome = "internal-error"
        detail = detail or message[:300]
    return Outcome(trial.kind, outcome, seconds, touched, detail)
