"""A "carried forward" (follows) line is worked from the student's own numbers: the numbers it
shows are theirs, and worked out they give the result it prints. A student who checks the
line by hand must get the number it credits (a dC/dw line shows a · dC/dz when their dC/dz is
not their g'(z) · dC/da, never factors that multiply to something else)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import chainrule as cr
from chainrule.explain.document import Equation
from chainrule.teach.answers import Answers, Written
from chainrule.teach.checking import Checker
from chainrule.teach.quantities import Graph, replay
from chainrule.teach.variants import Rules, draw, layered_shape, variant_seed

from .test_rounded import NUMBER, evaluate

SHAPES = {
    "exercise-2": lambda: cr.load("exercise-2"),
    "aima-21": lambda: cr.load("aima-21"),
    "2-2-2 relu biases": lambda: layered_shape([2, 2, 2], biases=True),
    "2-2-1 sigmoid": lambda: layered_shape([2, 2, 1], activation="sigmoid", biases=True,
                                           learning_rate=1.0),
    "2-2-2 sigmoid batch": lambda: layered_shape([2, 2, 2], activation="sigmoid", biases=True,
                                                 samples=2, learning_rate=1.0),
    "2-2-2 softmax": lambda: layered_shape([2, 2, 2], output_activation="softmax",
                                           cost="categorical_cross_entropy", biases=True),
}
SLIPPED = ("z", "a", "da_dz", "dC_da", "dC_dz", "C_sample", "gw", "dC_dw", "dC_db")
"""The kinds of answer a student gets wrong and carries forward."""


def networks(shape: str) -> list[cr.Network]:
    base = SHAPES[shape]()
    if shape in ("exercise-2", "aima-21"):
        return [base]
    count = 1 if "batch" in shape else 2  # a batch has many lines already
    return [draw(base, variant_seed("follow-on lines", shape, str(v)), Rules())
            for v in range(count)]


def slip(x: float) -> float:
    return round(x * 1.7 + 0.05, 4)


def misfit(eq: Equation) -> list[str]:
    """Each form of ``eq`` made of numbers alone whose worked value is not the printed result
    (to the rounding of the numbers shown)."""
    try:
        printed = Decimal(eq.forms[-1].text)
    except ArithmeticError:
        return []
    out = []
    for form in eq.forms[:-1]:
        value = evaluate(form.text)
        if value is None:
            continue
        numbers = [abs(Decimal(n)) for n in NUMBER.findall(form.text)]
        # each number shown to 5 decimals (or as the student wrote it), the result rounded to
        # its last printed place
        half = Decimal(1).scaleb(min(printed.as_tuple().exponent, 0)) / 2  # type: ignore[arg-type]
        slack = half + Decimal("1e-5") * (1 + sum(numbers)) ** 2
        if value.is_nan() or abs(value - printed) > slack:
            out.append(f"{eq.lhs.text} = {form.text} = {printed}, worked out: {value:.6g}")
    return out


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_follows_line_works_out_to_what_it_credits(shape: str) -> None:
    follows_lines_work_out(shape, "handout")


@pytest.mark.parametrize("shape", ["aima-21", "2-2-2 softmax"])
def test_every_follows_line_works_out_in_aima_notation(shape: str) -> None:
    """AIMA's lines (dLoss/dw_(j,k) = Delta_k · a_j, Delta_k = g'(in_k) · dLoss/da_k) too."""
    follows_lines_work_out(shape, "aima")


def follows_lines_work_out(shape: str, notation: str) -> None:
    checked = 0
    for net in networks(shape):
        graph = Graph(net)
        checker = Checker(net, notation=notation)
        names = [n for n in graph.nodes if n.name and n.kind != "input"]
        for node in graph.nodes:
            if node.kind not in SLIPPED:
                continue
            right, _ = replay(graph)
            wrong = slip(right[node.index])
            carried, _ = replay(graph, {node.index: wrong})
            sheet = {n.name: Written.parse(f"{carried[n.index]:.4f}") for n in names}
            if node.name:
                sheet[node.name] = Written.parse(f"{wrong:.4f}")
            result = checker.check(Answers(1, sheet))  # type: ignore[arg-type]
            for t in result.tests:
                if t.status != "follows":
                    continue
                (eq,) = [b for b in t.blocks if isinstance(b, Equation)]
                assert not misfit(eq), (shape, node.name or node.kind, t.name, misfit(eq))
                checked += 1
    assert checked >= 5, checked


@pytest.mark.parametrize("shape", ["2-2-2 softmax"])
def test_a_carried_forward_cost_is_worked_from_the_students_a(shape: str) -> None:
    """The engine computes a softmax network's C from z (log-sum-exp), but a carried-forward C
    is credited from the student's own (rounded) a, as the answers template writes it
    (-y ln a): the line shows that form with their a, and no form from z that works out to
    another number."""
    for net in networks(shape):
        graph = Graph(net)
        checker = Checker(net)
        names = [n for n in graph.nodes if n.name and n.kind != "input"]
        right, _ = replay(graph)
        (z,) = [n for n in graph.nodes if n.kind == "z" and n.unit == net.outputs[0]]
        carried, _ = replay(graph, {z.index: slip(right[z.index])})
        sheet = {n.name: Written.parse(f"{carried[n.index]:.4f}") for n in names}
        result = checker.check(Answers(1, sheet))  # type: ignore[arg-type]
        (cost,) = [t for t in result.tests if t.name == "C"]
        assert cost.status == "follows", cost.output
        (eq,) = [b for b in cost.blocks if isinstance(b, Equation)]
        numbers = eq.forms[-2].text
        for k in net.outputs:
            a = graph.nodes[graph.index[("a", 0, k)]].name
            assert sheet[a].text.lstrip("-") in numbers, (numbers, sheet[a].text)
        assert "ln" in numbers and not misfit(eq), eq
        assert all("z" not in form.text for form in eq.forms), eq
