"""The mistake catalogue, planted in hundreds of generated variants: each mistake is found when
planted alone, a correct sheet is never marked wrong, and rounding to the asked decimals (or
working by hand from rounded numbers) is never marked wrong."""

from __future__ import annotations

import random
from collections import Counter
from functools import cache

import pytest

import chainrule as cr
from chainrule.teach import mistakes
from chainrule.teach.answers import Answers, Written
from chainrule.teach.checking import Checker
from chainrule.teach.marking import Tolerance
from chainrule.teach.mistakes import CATALOGUE, sites, update_base
from chainrule.teach.quantities import Graph, replay
from chainrule.teach.variants import Rules, draw, layered_shape, variant_seed

# (shape, rules, variants): together every catalogued mistake gets planted 100+ times
SHAPES = {
    "exercise-2": (lambda: cr.load("exercise-2"), Rules(), 25),
    "2-2-2 relu": (lambda: layered_shape([2, 2, 2]), Rules(), 50),
    "2-2-1 sigmoid": (
        lambda: layered_shape([2, 2, 1], activation="sigmoid", biases=True, learning_rate=1.0),
        Rules(), 50),
    "2-2-2 sigmoid batch": (
        lambda: layered_shape([2, 2, 2], activation="sigmoid", biases=True, samples=2,
                              learning_rate=1.0),
        Rules(), 50),
    "2-2-1 relu, dead allowed": (
        lambda: layered_shape([2, 2, 1], biases=True), Rules(allow_dead=True), 150),
    "1-2-1 relu batch": (lambda: layered_shape([1, 2, 1], samples=3), Rules(), 50),
}


@cache
def variants(every: int = 1) -> list[tuple[str, cr.Network]]:
    """The variants of every shape (``every``: only each every-th of them)."""
    out = []
    for name, (shape, rules, count) in SHAPES.items():
        template = shape()
        for v in range(0, count, every):
            out.append((name, draw(template, variant_seed("tests", name, str(v)), rules)))
    return out


def sheet(graph: Graph, values: list[float], decimals: int = 4) -> Answers:
    """Every quantity a student writes, rounded to ``decimals``."""
    return Answers(1, {
        n.name: Written.parse(f"{values[n.index]:.{decimals}f}")  # type: ignore[misc]
        for n in graph.nodes if n.name and n.kind != "input"
    })


def prepared(net: cr.Network) -> tuple[Graph, list[float], Checker]:
    step = cr.solve(net).step(1)
    graph = Graph(net)
    return graph, graph.expected(step), Checker(net)


def test_each_mistake_planted_alone_is_found() -> None:
    """Each mistake planted 100+ times (slow: the feedback's derivation lines are built for
    every carried-forward answer)."""
    plant_each(every=1)


def test_each_mistake_planted_in_a_tenth_of_the_variants_is_found() -> None:
    """The same, 10+ times each, for `make check`."""
    plant_each(every=10)


def plant_each(every: int) -> None:
    rng = random.Random(0)
    planted: Counter[str] = Counter()
    indistinct = 0
    for name, net in variants(every):
        graph, expected, checker = prepared(net)
        by_mistake: dict[str, list] = {}
        for site in sites(graph):
            by_mistake.setdefault(site.mistake, []).append(site)
        for mistake, choices in sorted(by_mistake.items()):
            # one of the sites that change something (not a ReLU that is alive), at random
            rng.shuffle(choices)
            for site in choices:
                computed = mistakes.planted(graph, site)
                if any(abs(c - e) > 1e-12 for c, e in zip(computed, expected, strict=True)):
                    break
            else:
                continue
            result = checker.check(sheet(graph, computed))
            first = result.first_wrong
            assert first is not None, (name, site.detail)
            assert first.given is not None and first.mistakes, (name, site.detail, first.output)
            if mistake not in first.tags:
                # a mistake earlier in the work that gives the same number (to the tolerance):
                # named instead, as the planted one does not explain the number better
                tol = checker.tolerance.of(first.given)
                planted_value = computed[graph.by_name[first.name].index]
                assert abs(first.mistakes[0].value - first.given) <= abs(
                    planted_value - first.given) + tol, (name, site.detail, first.output)
                indistinct += 1
            # everything after it was computed right from the student's own numbers
            assert all(t.status in ("right", "follows") for t in result.tests
                       if t is not first and not t.tags), (name, site.detail)
            planted[mistake] += 1
    for mistake in CATALOGUE:
        if mistake != "rounded-too-early":
            assert planted[mistake] >= 100 // every, (mistake, planted[mistake])
    # named as another mistake that gives the same number: at most 1 in 100 (2 in a sample)
    assert indistinct <= sum(planted.values()) // (100 if every == 1 else 50), indistinct


def test_rounding_too_early_is_found_from_the_final_answers() -> None:
    found = tried = other = 0
    for _, net in variants():
        graph, expected, checker = prepared(net)
        computed, _ = replay(graph, rounding=1, round_leaves=False)  # the given numbers kept
        finals = {n.name: Written.parse(f"{computed[n.index]:.4f}") for n in graph.nodes
                  if n.kind in ("new_w", "new_b") and n.name}
        result = checker.check(Answers(1, finals))  # type: ignore[arg-type]
        first = result.first_wrong
        if first is None or first.expected is None or first.given is None:
            continue
        old = update_base(graph, graph.by_name[first.name].index, expected)
        if not Tolerance().clearly_differ(first.given, first.expected, base=old):
            continue  # too close to the right value to name a mistake
        tried += 1
        found += "rounded-too-early" in first.tags
        # else a mistake earlier in the work that gives the number too (to the tolerance)
        other += bool(first.mistakes) and "rounded-too-early" not in first.tags
    assert tried >= 100 and found + other == tried and other <= tried // 20, (found, other, tried)


@pytest.mark.parametrize("decimals", [2, 4])
def test_a_correct_sheet_rounded_to_the_asked_decimals_is_never_wrong(decimals: int) -> None:
    for name, net in variants():
        graph, expected, _ = prepared(net)
        checker = Checker(net, Tolerance(decimals=decimals))
        result = checker.check(sheet(graph, expected, decimals))
        assert result.all_right, (name, [t.output for t in result.tests if t.status != "right"])


def test_working_by_hand_from_rounded_numbers_is_never_wrong() -> None:
    for name, net in variants():
        graph, _, checker = prepared(net)
        # each number computed from the earlier ones as written, rounded to 4 decimals
        by_hand, _ = replay(graph, rounding=4)
        result = checker.check(sheet(graph, by_hand))
        assert result.all_right, (name, [t.output for t in result.tests if t.status != "right"])


def test_the_variants_are_good_exercises() -> None:
    for name, net in variants():
        rules = SHAPES[name][1]
        for sample in cr.solve(net).step(1).samples:
            for unit in sample.units.values():
                if unit.activation == "relu":
                    assert abs(unit.z or 0) >= rules.margin
                    assert rules.allow_dead or (unit.z or 0) > 0
                if unit.activation == "sigmoid":
                    assert 0.05 <= unit.a <= 0.95
        for p in [*net.weights.values(), *net.biases.values()]:
            assert round(p.value, 2) == p.value
