"""The rounded mode: a key that matches hand work digit for digit.

``solve(..., rounded=d)`` rounds every printed number half up to d decimals and computes each
line from the rounded numbers before it. The check here is outside the engine: every line of
the worked solution whose numbers form an arithmetic expression is evaluated exactly (Decimal)
from its printed numbers and rounded half up, and must give the printed result.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, getcontext

import pytest

import chainrule as cr
from chainrule.explain.document import Equation
from chainrule.explain.solution import explain
from chainrule.io.netfile import examples

getcontext().prec = 40
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
ARITHMETIC = re.compile(r"^[\d.\s()+\-·/e^,maxtnh]*$")


def evaluate(expression: str) -> Decimal | None:
    """The printed numbers of ``expression`` worked exactly, or None if it is not arithmetic."""
    text = expression.replace("(1 if ", "").replace(" > 0, else 0)", "")
    if not ARITHMETIC.match(text) or "if" in expression:
        return None
    text = text.replace("·", "*").replace("^", "**")
    text = re.sub(r"e\*\*\(([^()]*)\)", r"exp(\1)", text)
    text = re.sub(r"e\*\*(\d+)", r"exp(\1)", text)
    text = NUMBER.sub(lambda m: f"D('{m.group(0)}')", text)
    text = re.sub(r"(\d'\)|\))\s*\(", r"\1*(", text)  # 2(a - y), a (1 - a)
    try:
        value = eval(text, {"D": Decimal, "exp": Decimal.exp, "max": max, "__builtins__": {}})
    except Exception:
        return None
    return value if isinstance(value, Decimal) else None


def lines_checked(
    name: str, decimals: int, rounded: bool, step: int = 2
) -> tuple[int, list[str]]:
    trace = cr.solve(name, 2, rounded=decimals if rounded else None)
    doc = explain(trace, decimals=decimals, step=step, dependency=False)
    checked, wrong = 0, []
    for section in doc.sections:
        for block in section.blocks:
            if not isinstance(block, Equation) or len(block.forms) < 2:
                continue
            value = evaluate(block.forms[-2].text)
            if value is None:
                continue
            quantum = Decimal(1).scaleb(-decimals)
            by_hand = value.quantize(quantum, rounding=ROUND_HALF_UP)
            printed = Decimal(block.forms[-1].text)
            checked += 1
            if by_hand != printed:
                wrong.append(f"{block.lhs.text} = {block.forms[-2].text} = {printed}: {by_hand}")
    return checked, wrong


@pytest.mark.parametrize("decimals", [2, 4])
@pytest.mark.parametrize("name", sorted(examples()))
def test_every_line_worked_from_the_printed_numbers_gives_the_printed_result(
    name: str, decimals: int
) -> None:
    checked, wrong = lines_checked(name, decimals, rounded=True)
    assert checked >= 6
    assert not wrong, wrong


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
