"""The rounded mode: a key that matches hand work digit for digit.

``solve(..., rounded=d)`` rounds every printed number half up to d decimals and computes each
line from the rounded numbers before it. The check here is outside the engine: every line of
the worked solution whose numbers form an arithmetic expression is evaluated exactly (Decimal)
from its printed numbers and rounded half up, and must give the printed result.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, getcontext

import pytest

import chainrule as cr
from chainrule.explain.document import Equation
from chainrule.explain.solution import explain
from chainrule.io.netfile import examples

from .strategies import COSTS, random_network_dict

getcontext().prec = 40
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
ARITHMETIC = re.compile(r"^(?:[\d.\s()\[\]+\-·/^,<>=]|e\^|ln|tanh|max|if|else)*$")


def _ln(x: Decimal) -> Decimal:
    return x.ln()


def _exp(x: Decimal) -> Decimal:
    return x.exp()


def _tanh(x: Decimal) -> Decimal:
    e = (2 * x).exp()
    return (e - 1) / (e + 1)


def evaluate(expression: str) -> Decimal | None:
    """The printed numbers of ``expression`` worked exactly (Decimal, 40 digits), or None if it
    is not made of numbers alone (it names a symbol)."""
    if not ARITHMETIC.match(expression):
        return None
    text = expression.replace("[", "(").replace("]", ")").replace(", else", " else")
    text = text.replace("·", "*").replace("^", "**")
    text = re.sub(r"\bln (\d+(?:\.\d+)?)", r"ln(\1)", text)  # -y ln a
    text = re.sub(r"\be\*\*", "exp", text)
    text = re.sub(r"exp(\d+(?:\.\d+)?)", r"exp(\1)", text)
    text = NUMBER.sub(lambda m: f"D('{m.group(0)}')", text)
    text = re.sub(r"(\d'\)|\))\s*(\(|ln\(|exp\(|tanh\(|max\()", r"\1*\2", text)  # 2(a - y)
    try:
        value = eval(text, {"D": Decimal, "exp": _exp, "ln": _ln, "tanh": _tanh, "max": max,
                            "__builtins__": {}})
    except Exception as error:  # a form that cannot be worked (ln 0) is reported, not skipped
        return Decimal("NaN") if not isinstance(error, SyntaxError) else None
    return Decimal(value) if isinstance(value, (Decimal, int)) else None


def lines_checked(
    name: str | dict[str, object], decimals: int, rounded: bool, step: int = 2,
    notation: str = "handout",
) -> tuple[int, list[str]]:
    """Every form of every printed line made of numbers alone, worked exactly from its printed
    numbers: (forms checked, those more than half a unit in the last place from the line's
    printed result)."""
    trace = cr.solve(name, 2, rounded=decimals if rounded else None, notation=notation)
    doc = explain(trace, decimals=decimals, step=step, dependency=False, notation=notation)
    half = Decimal(1).scaleb(-decimals) / 2
    checked, wrong = 0, []
    for section in doc.sections:
        for block in section.blocks:
            if not isinstance(block, Equation) or len(block.forms) < 2:
                continue
            try:
                printed = Decimal(block.forms[-1].text)
            except ArithmeticError:
                continue
            for form in block.forms[:-1]:
                value = evaluate(form.text)
                if value is None:
                    continue
                checked += 1
                if value.is_nan() or abs(value - printed) > half:
                    wrong.append(f"{block.lhs.text} = {form.text} = {printed}: {value}")
    return checked, wrong


@pytest.mark.parametrize("notation", ["handout", "aima"])
@pytest.mark.parametrize("decimals", [2, 4])
@pytest.mark.parametrize("name", sorted(examples()))
def test_every_line_worked_from_the_printed_numbers_gives_the_printed_result(
    name: str, decimals: int, notation: str
) -> None:
    """In either notation: AIMA's gradient line Delta_k · a_j is worked from the printed
    Delta_k, the handout's a_j · g'(z_k) · dC/da_k from its three printed factors."""
    checked, wrong = lines_checked(name, decimals, rounded=True, notation=notation)
    assert checked >= 6
    assert not wrong, wrong


@pytest.mark.parametrize("notation", ["handout", "aima"])
@pytest.mark.parametrize("cost", COSTS)
def test_every_line_reproduces_on_random_networks_for_every_cost(cost: str,
                                                                 notation: str) -> None:
    """Cross entropies included: -1 / 0.08 = -12.5 (from the printed a), not -13.18."""
    total = 0
    for seed in range(12):
        data = random_network_dict(seed, cost=cost, max_hidden_layers=2)
        for decimals in (2, 3):
            try:
                checked, wrong = lines_checked(data, decimals, rounded=True, step=1,
                                               notation=notation)
            except cr.DivergedError:
                continue  # an output printed as 0 or 1 under a logarithm
            total += checked
            assert not wrong, (seed, decimals, wrong)
    assert total >= 300


@pytest.mark.parametrize("notation", ["handout", "aima"])
def test_no_false_differs_in_the_closed_forms(notation: str) -> None:
    """The closed form is held to the chain rule at the printed numbers; DIFFERS only where the
    printed values really differ (here: never, the closed forms are right)."""
    from chainrule.render import solution

    seen = 0
    for seed in range(16):
        data = random_network_dict(seed, max_hidden_layers=1, max_width=2, max_outputs=1,
                                   max_inputs=2, max_samples=1, cost="squared_error")
        if len(data["weights"]) > 4:  # type: ignore[arg-type]
            continue
        for decimals in (2,):
            try:
                trace = cr.solve(data, rounded=decimals, notation=notation)
            except cr.DivergedError:
                continue
            text = solution("text", trace, {"notation": notation})
            assert "DIFFERS" not in text, (seed, decimals)
            seen += text.count("at the current weights: equals the chain rule's result")
    assert seen >= 8


def test_without_rounding_the_issue_line_differs_by_hand() -> None:
    # exercise-2 (1.3.4): 0.66 · (-1.2054) = -0.7955 at full precision; by hand it is -0.7956
    _, wrong = lines_checked("exercise-2", 4, rounded=False, step=1)
    assert any("0.66 · (-1.2054)" in w for w in wrong)
    full = cr.solve("exercise-2").step(1).samples[0].unit("j").dC_da
    hand = cr.solve("exercise-2", rounded=4).step(1).samples[0].unit("j").dC_da
    assert round(full, 4) == -0.7955 and hand == -0.7956


def test_rounded_is_said_in_the_solution_and_the_json() -> None:
    trace = cr.solve("exercise-2", rounded=4)
    assert trace.rounded == 4 and trace.to_json()["rounded"] == 4
    assert "rounded" not in cr.solve("exercise-2").to_json()
    from chainrule.render import solution

    text = " ".join(solution("text", trace).split())
    assert "Worked as by hand: every number is rounded to 4 decimals" in text
    plain = " ".join(solution("text", cr.solve("exercise-2")).split())
    assert "each line is computed from the unrounded numbers" in plain


def test_rounded_must_be_a_number_of_decimals() -> None:
    with pytest.raises(cr.UsageError, match="rounded` must be a whole number"):
        cr.solve("exercise-2", rounded=-1)
    with pytest.raises(cr.UsageError, match="rounded` must be a whole number"):
        cr.solve("exercise-2", rounded=True)  # type: ignore[arg-type]


def test_cli_rounded(tmp_path: object) -> None:
    from click.testing import CliRunner

    from chainrule.cli.main import cli

    done = CliRunner().invoke(cli, ["solve", "exercise-2", "--decimals", "4", "--rounded"])
    assert done.exit_code == 0
    assert "0.66 · (-1.2054) = -0.7956" in done.output


def test_an_output_printed_as_zero_under_a_logarithm_says_to_keep_more_decimals() -> None:
    net = {
        "cost": "categorical_cross_entropy", "learning_rate": 0.1,
        "units": {"x": "input", "o1": "softmax", "o2": "softmax"},
        "weights": {"x -> o1": 6.0, "x -> o2": -6.0},
        "samples": [{"inputs": {"x": 1.0}, "targets": {"o1": 0.0, "o2": 1.0}}],
    }
    assert math.isfinite(cr.solve(net).step(1).cost)
    with pytest.raises(cr.DivergedError, match=r"printed as 0 or 1 .* `rounded=4`"):
        cr.solve(net, rounded=2)
    trace = cr.solve(net, rounded=6)  # a_o2 = 0.000006: a finite cost by hand
    assert math.isfinite(trace.step(1).cost)
