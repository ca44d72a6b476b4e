"""`chainrule diff`: every result checked against sympy.diff, the rules named, bad input exit 2."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.cli.main import main
from chainrule.core.errors import UsageError
from chainrule.explain.diff import RULES, differentiate, functions, parse

EXPRESSIONS = [
    ("sin(x)*cos(x)", "x"),
    ("abs((x + x))", "x"),
    ("abs(x)^2", "x"),
    ("abs(x^2 - 1)", "x"),
    ("max(0, 2*x - 1)^2", "x"),
    ("sqrt(x^2)", "x"),
    ("ln(sqrt(exp(x)))", "x"),
    ("exp(log(x))", "x"),
    ("-(x + 1)^2/(3 - x)", "x"),
    ("(x + 1)^(3/2)", "x"),
    ("(x + 1)^0.5", "x"),
    ("a/(b*x)", "x"),
    ("x/2/3", "x"),
    ("2^(x^2)", "x"),
    ("pi*x^2", "x"),
    ("(a*w - y)^2", "w"),
    ("x^2", "x"),
    ("x", "x"),
    ("7", "x"),
    ("y", "x"),
    ("1/x", "x"),
    ("x^-1", "x"),
    ("sqrt(x)", "x"),
    ("3*x^4 - 2*x + 5", "x"),
    ("a*x^2 + b*x + c", "x"),
    ("x*exp(x)", "x"),
    ("exp(2*x)/x", "x"),
    ("(x + 1)/(x - 1)", "x"),
    ("log(x^2 + 1)", "x"),
    ("ln(x)", "x"),
    ("sigmoid(w*x + b)", "w"),
    ("sigmoid(x)", "x"),
    ("tanh(x)", "x"),
    ("x*tanh(x)", "x"),
    ("tanh(sigmoid(x))", "x"),
    ("sigmoid(x)^2", "x"),
    ("relu(x)^2", "x"),
    ("relu(3*x - 1)", "x"),
    ("relu(x)", "x"),
    ("(sigmoid(w*a) - y)^2", "w"),
    ("-(y*log(sigmoid(w)) + (1 - y)*log(1 - sigmoid(w)))", "w"),
    ("exp(-x^2/2)", "x"),
    ("2^x", "x"),
    ("x^x", "x"),
    ("a*(b*(c*w - y)^3)^2", "w"),
    ("(a_j*w_jk - y)**2", "w_jk"),
    ("w1*w2*x", "w1"),
    ("e^x", "x"),
]


def explicit(expr: sympy.Expr) -> sympy.Expr:
    """sigmoid and relu written out, so sympy.diff can be the oracle."""
    f = functions()
    return expr.replace(
        lambda e: isinstance(e, f["sigmoid"]), lambda e: 1 / (1 + sympy.exp(-e.args[0]))
    ).replace(
        lambda e: isinstance(e, f["relu"]),
        lambda e: sympy.Piecewise((e.args[0], e.args[0] > 0), (0, True)),
    )


def assert_matches_sympy(expression: str, wrt: str) -> None:
    d = differentiate(expression, wrt)
    x = sympy.Symbol(wrt, real=True)
    ours = explicit(parse_any(d.result))
    oracle = sympy.diff(explicit(parse(expression)), x)
    names = sorted(ours.free_symbols | oracle.free_symbols, key=str)
    rng = random.Random(expression)
    checked = 0
    for _ in range(12):
        point = {s: sympy.Float(rng.uniform(0.3, 2.5)) for s in names}
        a, b = complex(ours.subs(point).evalf()), complex(oracle.subs(point).evalf())
        if math.isnan(a.real) or math.isnan(b.real):
            continue
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), (expression, d.result, point)
        checked += 1
    assert checked >= 6 or not names


@pytest.mark.parametrize("expression, wrt", EXPRESSIONS)
def test_result_matches_sympy(expression: str, wrt: str) -> None:
    assert_matches_sympy(expression, wrt)


@pytest.mark.parametrize("expression, wrt", EXPRESSIONS)
def test_every_step_is_right_and_named(expression: str, wrt: str) -> None:
    d = differentiate(expression, wrt)
    assert d.steps
    x = sympy.Symbol(wrt, real=True)
    for step in d.steps:
        assert step.rule in RULES
        piece, result = explicit(parse_any(step.expression)), explicit(parse_any(step.result))
        assert sympy.simplify(sympy.diff(piece, x) - result) == 0 or _numerically_equal(
            sympy.diff(piece, x), result
        ), step


def parse_any(text: str) -> sympy.Expr:
    f = functions()
    names = {"sigmoid": f["sigmoid"], "relu": f["relu"], "Piecewise": sympy.Piecewise}
    free = {n: sympy.Symbol(n, real=True) for n in _names(text) if n not in names}
    return sympy.sympify(
        text,
        locals={
            **free,
            **names,
            "exp": sympy.exp,
            "log": sympy.log,
            "tanh": sympy.tanh,
            "sqrt": sympy.sqrt,
            "E": sympy.E,
        },
    )


def _names(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) - {
        "exp",
        "log",
        "tanh",
        "sqrt",
        "E",
        "True",
        "False",
        "Piecewise",
        "cosh",
        "sin",
        "cos",
        "Abs",
        "sign",
        "pi",
    }


def _numerically_equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    names = sorted(a.free_symbols | b.free_symbols, key=str)
    for seed in range(5):
        point = {s: sympy.Float(0.4 + 0.37 * (i + seed)) for i, s in enumerate(names)}
        if abs(complex((a - b).subs(point).evalf())) > 1e-9:
            return False
    return True


def test_the_handouts_example() -> None:
    d = differentiate("(a*w - y)^2", "w")
    assert d.result == "2*a*(a*w - y)"
    assert [s.rule for s in d.steps] == [
        "chain rule",
        "sum rule",
        "constant multiple rule",
        "power rule",
        "constant rule",
    ]
    assert "power rule" in d.steps[0].note


@pytest.mark.parametrize(
    "expression, rule",
    [
        ("x*exp(x)", "product rule"),
        ("(x+1)/(x-1)", "quotient rule"),
        ("exp(x)", "exponential rule"),
        ("log(x)", "logarithm rule"),
        ("sigmoid(x)", "sigmoid rule"),
        ("tanh(x)", "tanh rule"),
        ("relu(x)", "relu rule"),
        ("x^3", "power rule"),
        ("x + 1", "sum rule"),
    ],
)
def test_rules_are_named_as_the_contract_names_them(expression: str, rule: str) -> None:
    assert rule in [s.rule for s in differentiate(expression).steps]


def test_relu_is_piecewise_with_the_left_slope_at_zero() -> None:
    d = differentiate("relu(x)")
    assert d.result == "Piecewise((1, x > 0), (0, True))"


def test_a_variable_not_in_the_expression_gives_zero() -> None:
    d = differentiate("a*x", "q")
    assert d.result == "0" and [s.rule for s in d.steps] == ["constant rule"]


# random expressions: built from the grammar, every result checked against sympy.diff
LEAVES = st.sampled_from(["x", "a", "2", "3", "x", "0.5"])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    power = st.tuples(children, st.sampled_from(["2", "3", "-1"])).map(lambda t: f"({t[0]})^{t[1]}")
    call = st.tuples(
        st.sampled_from(["exp", "sigmoid", "tanh", "log", "sin", "cos", "sqrt", "relu", "abs"]),
        children,
    ).map(
        lambda t: f"{t[0]}({t[1]})"
    )
    return binary | power | call


@settings(max_examples=40, deadline=None)
@given(st.recursive(LEAVES, _combine, max_leaves=5))
def test_random_expressions_match_sympy(expression: str) -> None:
    try:
        parsed = parse(expression)
    except UsageError:
        return  # e.g. a division by zero such as 1/(x - x)
    if not parsed.has(sympy.Symbol("x", real=True)):
        return
    assert_matches_sympy(expression, "x")


# -- the command ---------------------------------------------------------------------------------


def test_cli_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "(a*w - y)^2", "--wrt", "w", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"expression", "variable", "steps", "result"} <= set(data)
    assert data["expression"] == "(a*w - y)**2" and data["variable"] == "w"
    assert data["result"] == "2*a*(a*w - y)"
    for step in data["steps"]:
        assert {"rule", "expression", "result", "latex"} <= set(step)
        assert step["rule"] in RULES
    assert sympy.sympify(data["result"]) == sympy.sympify("2*a*(a*w - y)")


@pytest.mark.parametrize(
    "fmt, start", [("text", "─"), ("markdown", "# d/dw"), ("latex", "\\documentclass")]
)
def test_cli_formats(fmt: str, start: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "(a*w - y)^2", "--wrt", "w", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert out.startswith(start)
    assert "chain rule" in out


def test_cli_single_variable_needs_no_wrt(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "x^2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "2*x"


@pytest.mark.parametrize(
    "expression, extra, message",
    [
        ("x^2 +", [], "not a valid expression; check the operators"),
        ("2x + 1", [], "write products with *"),
        ("foo(x)", [], "unknown function 'foo'"),
        ("3 + 4", [], "has no variable"),
        ("a*x", [], "several variables (a, x); choose one with --wrt"),
        ("__import__('os')", [], "is not allowed"),
        ("x/0", [], "undefined"),
        ("exp + x", [], "exp needs an argument"),
        ("", [], "empty"),
        ("x^2", ["--wrt", "exp"], "not a variable name"),
    ],
)
def test_bad_expressions_exit_2_with_one_line(
    expression: str, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", expression, *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("chainrule: ")
    assert message in captured.err


# -- issue 9: what the user wrote, brackets kept, the handout's power rule, cases for ReLU ---------


def text_of(expression: str, wrt: str = "x") -> str:
    return str(differentiate(expression, wrt))


def test_brackets_stay_in_the_middle_steps() -> None:
    d = differentiate("(a+1)*x^2", "x")
    assert d.steps[0].text_forms[0] == "(a + 1)·d/dx(x^2)"
    d = differentiate("(4*x - 2)/(x + a)", "x")
    assert d.steps[0].text_forms[0] == (
        "(d/dx(4·x - 2)·(x + a) - (4·x - 2)·d/dx(x + a))/(x + a)^2"
    )
    for expression in ["(a+1)*x^2", "(4*x - 2)/(x + a)", "(x+1)^(a+1)", "c*(x - 1)/(2 - x)"]:
        for step in differentiate(expression, "x").steps:
            for form in step.text_forms:  # every middle form reads back to the right value
                assert "d/d" in form or _numerically_equal(
                    parse_any(form.replace("·", "*").replace("^", "**").replace("ln(", "log(")),
                    parse_any(step.result),
                ), (expression, form)


@pytest.mark.parametrize(
    "expression, note",
    [
        ("(x+1)^(a+1)", "u^(a + 1) -> (a + 1)·u^(a + 1 - 1) = (a + 1)·u^a"),
        ("(x+1)^(3/2)", "u^(3/2) -> (3/2)·u^(3/2 - 1) = (3/2)·u^(1/2)"),
        ("(x+1)^0.5", "u^0.5 -> 0.5·u^(0.5 - 1) = 0.5·u^(-0.5)"),
    ],
)
def test_the_power_rule_note_keeps_precedence(expression: str, note: str) -> None:
    assert note in differentiate(expression, "x").steps[0].note


def test_the_power_rule_is_shown_as_the_handout_does() -> None:
    (step,) = differentiate("x^3").steps
    assert step.text_forms == ["3·x^(3 - 1)", "3·x^2"]
    assert differentiate("x").steps[0].text_forms == ["1·x^(1 - 1)", "1·x^0", "1"]


@pytest.mark.parametrize(
    "expression, rules",
    [
        ("sqrt(x^2)", ["chain rule", "power rule"]),
        ("ln(sqrt(exp(x)))", ["chain rule", "chain rule", "exponential rule"]),
        ("exp(log(x))", ["chain rule", "logarithm rule"]),
    ],
)
def test_what_the_user_wrote_is_differentiated(expression: str, rules: list[str]) -> None:
    d = differentiate(expression, "x")
    assert [s.rule for s in d.steps] == rules
    assert d.steps[0].expression == expression.replace("^", "**").replace("ln(", "log(")
    assert_matches_sympy(expression, "x")


def test_relu_and_abs_derivatives_are_cases_in_text() -> None:
    out = text_of("relu(x)")
    assert "(1 if x > 0, else 0)" in out and "Piecewise" not in out
    assert "(1 if w·x > 0, else 0)·x" in text_of("max(0, w*x)", "w")
    assert "(1 if x > 0, -1 if x < 0)" in text_of("abs(x)")
    assert "\\begin{cases}" in differentiate("relu(x)").steps[0].latex


@pytest.mark.parametrize(
    "expression, rule",
    [("sin(x)", "sine rule"), ("cos(x)", "cosine rule"), ("abs(x)", "absolute value rule"),
     ("max(0, x)", "relu rule"), ("max(x, 0)", "relu rule")],
)
def test_the_new_functions(expression: str, rule: str) -> None:
    assert rule in [s.rule for s in differentiate(expression).steps]
    assert_matches_sympy(expression, "x")


def test_products_print_with_a_dot_as_solve_does() -> None:
    out = text_of("(a*w - y)^2", "w")
    assert "2·(a·w - y)·d/dw(a·w - y)" in out and "*" not in out


def test_diff_writes_its_output_file(tmp_path: Path) -> None:
    target = tmp_path / "d.tex"
    assert main(["diff", "max(0, w*x)", "--wrt", "w", "--format", "latex", "-o", str(target)]) == 0
    assert target.read_text().startswith("\\documentclass")


@pytest.mark.parametrize("text, rewritten, result", [
    ("1/x", "x^(-1)", "-1/x**2"), ("3/x^2", "3·x^(-2)", "-6/x**3"),
    ("1/(x+1)", "(x + 1)^(-1)", "-1/(x + 1)**2"),
])
def test_a_reciprocal_is_worked_the_handouts_way(text: str, rewritten: str, result: str) -> None:
    """1/x = x^(-1), then the power rule: the handout never teaches the quotient rule."""
    d = differentiate(text)
    assert "quotient rule" not in [s.rule for s in d.steps]
    assert d.steps[0].rule == "power rule" and f"d/dx({rewritten})" in d.steps[0].text
    assert sympy.simplify(sympy.sympify(d.result) - sympy.sympify(result)) == 0
