"""`chainrule diff` never runs what it reads: ast against a whitelist, bounds before any work.

Issue 10, item 1: `(x.subs)(x, (((<int>).p.to_bytes)(<n>).decode)())` ran a shell command.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.cli.main import main
from chainrule.core.errors import UsageError
from chainrule.explain import expression
from chainrule.explain.diff import differentiate

MARKER = "zqmarker"


def payloads(path: Path) -> list[str]:
    """Expressions that would run ``touch path`` if any of their text were evaluated."""
    command = f"__import__('os').system('touch {path}')"
    number = int.from_bytes(command.encode(), "big")
    return [
        f"({MARKER}.subs)({MARKER}, ((({number}).p.to_bytes)({len(command)}).decode)())",
        f"({MARKER}.subs)({MARKER}, ((({number}).p.to_bytes)({len(command)}, 'big').decode)())",
        f"{MARKER}.subs({MARKER}, 1)",
        f"({MARKER}.evalf)()",
        f"{MARKER}.func({MARKER})",
        f"exp.__call__({MARKER})",
        f"exp({MARKER}).func",
        f"sigmoid.__init__({MARKER})",
        f"exp({MARKER}, evaluate=False)",
        f"exp(*{MARKER})",
        f"{MARKER}[0]",
        f"{MARKER} if {MARKER} else 1",
        f"lambda: {MARKER}",
        f"[{MARKER}]",
        f"{MARKER} < 1",
        f"{MARKER} and 1",
        f"({MARKER} := 1)",
        "Symbol('x')",
        "Integer(1)*x",
        "Function('f')(x)",
        "S(1)*x",
    ]


@pytest.fixture
def audit() -> list[tuple[str, str]]:
    """Every ``compile`` of text holding the marker, except ast.parse of the expression itself."""
    seen: list[tuple[str, str]] = []
    state = _AUDIT
    state["seen"] = seen
    return seen


_AUDIT: dict[str, Any] = {"seen": None}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    seen = _AUDIT["seen"]
    if seen is None or event not in ("compile", "os.system", "subprocess.Popen"):
        return
    if event != "compile":
        seen.append((event, repr(args)[:200]))
        return
    source, filename = args[0], args[1]
    text = source.decode() if isinstance(source, bytes) else str(source)
    if MARKER in text and filename != "<unknown>":  # ast.parse compiles with '<unknown>'
        seen.append((event, text[:200]))


sys.addaudithook(_hook)


def test_no_payload_runs_or_reaches_a_compiler(
    tmp_path: Path, audit: list[tuple[str, str]]
) -> None:
    target = tmp_path / "ran"
    try:
        for text in payloads(target):
            with pytest.raises(UsageError) as caught:
                differentiate(text, MARKER)
            assert "\n" not in str(caught.value)
            assert "is not allowed" in str(caught.value) or "unknown function" in str(
                caught.value
            ) or "takes" in str(caught.value) or "needs an argument" in str(caught.value), text
        differentiate(f"sigmoid({MARKER})^2", MARKER)  # a good one compiles nothing either
    finally:
        _AUDIT["seen"] = None
    assert not target.exists()
    assert audit == []


def test_the_issue_payload_on_the_command_line(tmp_path: Path) -> None:
    target = tmp_path / "ran"
    for text in payloads(target)[:1]:
        done = subprocess.run(
            [sys.executable, "-m", "chainrule", "diff", "--", text],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and len(done.stderr) < 400
    assert not target.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("9**9**9*x", "an exponent is 387420489; the limit is 1000"),
        ("10**10**10**10*x", "the limit is 1000"),
        ("2**2**30*x", "an exponent is 1073741824"),
        ("x^1001", "an exponent is 1001"),
        ("x^(10^100)", "digits; the limit is 50"),
        ("7^(3^5)*x", "digits; the limit is 50"),
        ("exp(" * 200 + "x" + ")" * 200, "characters long; the limit is 500"),
        ("exp(" * 21 + "x" + ")" * 21, "brackets nested 21 deep; the limit is 20"),
        ("(" * 30 + "x" + ")" * 30, "nested 30 deep"),
        ("x" + "+x" * 25_000, "50001 characters long"),
        ("1" * 31 + "*x", "31 digits; the limit is 30"),
        ("1e999*x", "too large"),
        ("x)", "closes no"),
        ("(x", "not closed"),
        ("sigmoid(x, x)", "sigmoid takes one argument, sigmoid(u); got 2"),
        ("relu(x, 1)", "relu takes one argument"),
        ("exp()", "exp takes one argument"),
        ("max(x, 1)", "max takes 0 and one expression"),
        ("max(0, x, 0)", "got 3 argument(s)"),
        ("0^x", "must be > 0"),
        ("0**x", "must be > 0"),
        ("(-2)^x", "(-2)^u is not a real function"),
        ("(-8)^(1/3)*x", "(-8)^u"),
        ("0^(-1)*x", "undefined"),
        ("x // 2", "'//' is not allowed"),
        ("x % 2", "'%' is not allowed"),
        ("x @ 2", "'@' is not allowed"),
        ("x, y", "a tuple"),
        ("True*x", "True is not a number"),
        ("1j*x", "1j is not a number"),
        ("_x + 1", "'_x' is not a variable name"),
    ],
)
def test_bounds_and_shapes_are_checked_before_any_work(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        differentiate(text, "x")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


def test_no_python_internals_leak() -> None:
    for text in ["Function('f')(x)", "x.__class__", "x(1)", "(x)(1)", "exp(x)(1)"]:
        with pytest.raises(UsageError) as caught:
            differentiate(text, "x")
        for word in ("Function' is not defined", "NameError", "TypeError", "object"):
            assert word not in str(caught.value)


@pytest.mark.parametrize("text", ["-x^2", "-w*x", "-(x+1)^2", "-1/x"])
def test_an_expression_may_start_with_a_minus(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", text, "--wrt", "x", "--format", "json"]) == 0
    assert '"result"' in capsys.readouterr().out


@pytest.mark.parametrize("text", ["max(0, x)", "max(x, 0)", "max(0.0, x)"])
def test_max_with_zero_is_relu(text: str) -> None:
    assert differentiate(text, "x").result == differentiate("relu(x)", "x").result


# Any text at all: a result, or one UsageError line. Never another exception.
ALPHABET = "xyaw0123456789.+-*/^() ,e_"
TOKENS = st.sampled_from(
    ["x", "w", "a", "2", "0", "0.5", "1e3", "+", "-", "*", "/", "^", "**", "(", ")", ",",
     "exp(", "log(", "ln(", "sqrt(", "sigmoid(", "tanh(", "relu(", "max(0, ", "sin(", "cos(",
     "abs(", ".subs", ".p", ".evalf", "(x.subs)", "99**99**99", "e", "pi", "_"]
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(ALPHABET, max_size=40), st.lists(TOKENS, max_size=14).map("".join)))
def test_any_text_gives_a_result_or_one_line(text: str) -> None:
    try:
        d = differentiate(text, "x")
    except UsageError as error:
        assert "\n" not in str(error) and len(str(error)) < 400
        return
    assert d.result and d.steps


def test_the_tree_is_chainrules_own() -> None:
    tree = expression.read("-(x + 1)^2 / ln(x)")
    assert tree == expression.Bin(
        "/",
        expression.Neg(
            expression.Pow(
                expression.Bin("+", expression.Var("x"), expression.Num("1")), expression.Num("2")
            )
        ),
        expression.Call("ln", expression.Var("x")),
    )


# Issue 16: hostile expressions that hung, ran out of memory or crashed, each answered in one
# line (or a result) within the budget.

@pytest.mark.parametrize(("text", "message"), [
    ("e^e^e^e^e^e^e^e*x", "powers nested 7 deep"),
    ("x^pi^pi^pi^pi^pi^pi", "powers nested"),
    ("exp(exp(exp(exp(x))))", "powers nested 4 deep"),
    ("+".join(["x"] * 250), "operations in a row"),
    ("1e-999999999999999999*x", "too small"),
    ("2e400*x", "too large"),
    ("1" * 5000 + "*x", "characters long"),
])
def test_hostile_expressions_are_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        expression.read(text)


def test_a_sum_to_a_large_power_is_differentiated_not_multiplied_out() -> None:
    import time

    start = time.perf_counter()
    d = differentiate("(x+y+z+w+v)^1000", "x")
    assert d.result == "1000*(v + w + x + y + z)**999"
    assert time.perf_counter() - start < 5
    assert differentiate("+".join(["x"] * 100), "x").result == "100"


def test_work_over_the_budget_is_stopped_with_one_line() -> None:
    import time

    from chainrule.explain.budget import OverBudget, bounded

    start = time.perf_counter()
    with pytest.raises(OverBudget, match="took longer than 0.5 s"):
        bounded(time.sleep, 30, what="sleeping", seconds=0.5)
    assert time.perf_counter() - start < 3
    with pytest.raises(OverBudget, match="memory"):
        bounded(bytearray, 1 << 31, what="allocating", memory=1 << 28)
    with pytest.raises(ValueError, match="invalid literal"):
        bounded(int, "x", what="reading")  # the worker's own errors come back as they were
    assert bounded(sum, [1, 2, 3], what="adding") == 6


def test_diff_of_a_hostile_expression_on_the_command_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    for text in ("e^e^e^e^e^e^e^e*x", "x^pi^pi^pi^pi^pi^pi", "1e-999999999999999999*x"):
        assert main(["diff", text, "--wrt", "x"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "internal error" not in err
