"""The closed forms of polynomial networks, built without sympy, equal sympy's to the character.

Networks whose units are all piecewise linear (identity, ReLU, leaky ReLU) with a squared cost
get their closed forms from chainrule's own polynomial arithmetic (no sympy at start-up); every
other network still goes through sympy. Here both paths run on the same random networks and
must print the same text and LaTeX, name the same variables and give the same value.
"""

from __future__ import annotations

import random
import subprocess
import sys
from fractions import Fraction
from typing import Any

import pytest

import chainrule as cr
from chainrule.core.network import WeightKey
from chainrule.explain import closed_forms

SQUARED = ["squared_error", "half_squared_error", "mean_squared_error"]


def _value(rng: random.Random) -> float:
    kind = rng.random()
    if kind < 0.4:
        return round(rng.uniform(-2, 2), rng.choice([1, 2]))
    if kind < 0.5:
        return float(rng.choice([0, 1, -1, 2, 0.5, 10, 123.25, 0.001, 3e-4]))
    return rng.uniform(-3, 3)


def _network(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    inputs = [f"x{i}" for i in range(rng.randint(1, 2))]
    hidden = [f"h{i}" for i in range(rng.randint(0, 2))]
    outputs = [f"o{i}" for i in range(rng.randint(1, 2))]
    units: dict[str, Any] = dict.fromkeys(inputs, "input")
    for u in hidden + outputs:
        act = rng.choice(["identity", "relu", "leaky_relu"])
        units[u] = {"activation": act, "slope": rng.choice([0.01, 0.2, 0.5])} \
            if act == "leaky_relu" else act
    weights: dict[str, float] = {}
    sources = inputs if not hidden else hidden
    for h in hidden:
        for x in rng.sample(inputs, rng.randint(1, len(inputs))):
            weights[f"{x} -> {h}"] = _value(rng)
    for o in outputs:
        for s in rng.sample(sources, rng.randint(1, len(sources))):
            weights[f"{s} -> {o}"] = _value(rng)
    for s in sources:  # every source feeds something
        if not any(k.startswith(f"{s} ->") for k in weights):
            weights[f"{s} -> {outputs[0]}"] = _value(rng)
    if len(weights) > closed_forms.MAX_WEIGHTS:
        weights = dict(list(weights.items())[: closed_forms.MAX_WEIGHTS])
    fed = {k.split(" -> ")[1] for k in weights}
    used = {k.split(" -> ")[0] for k in weights}
    units = {u: a for u, a in units.items() if a == "input" and u in used or u in fed}
    biases = {u: _value(rng) for u in units if units[u] != "input" and rng.random() < 0.4}
    samples = [{"inputs": {x: _value(rng) for x in units if units[x] == "input"},
                "targets": {o: _value(rng) for o in outputs if o in units}}
               for _ in range(rng.randint(1, 2))]
    return {"units": units, "weights": weights, "biases": biases, "samples": samples,
            "cost": rng.choice(SQUARED), "learning_rate": 0.1}


@pytest.mark.parametrize("seed", range(80))
def test_polynomial_closed_forms_equal_sympy(seed: int) -> None:
    import sympy  # noqa: F401  (the reference)

    try:
        net = cr.load(_network(seed))
    except cr.NetworkError:
        pytest.skip("not a valid network")
    trace = cr.solve(net)
    step = trace.step(1)
    keys: list[WeightKey] = list(net.weights)
    names = {k: (f"w_{k[0]}{k[1]}", f"w_{{{k[0]}{k[1]}}}^{{(L)}}" if i % 2 else f"v_{{{i}}}")
             for i, k in enumerate(keys)}
    fast = closed_forms._polynomial_dependency(net, step, keys, names)
    assert fast is not None
    original = closed_forms._polynomial_dependency
    try:
        closed_forms._polynomial_dependency = lambda *args: None  # type: ignore[assignment]
        reference = closed_forms.weight_dependency(net, step, keys, names)
    finally:
        closed_forms._polynomial_dependency = original  # type: ignore[assignment]
    for mine, theirs in zip(fast, reference, strict=True):
        assert (mine.text, mine.latex, mine.variables) == \
            (theirs.text, theirs.latex, theirs.variables)
        assert mine.value == pytest.approx(theirs.value, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("text", ["0.98", "1.4", "0.5", "123456.7", "0.9999996", "0.00012345",
                                  "2.5", "1/3", "200000/3", "9999995/10000000", "2.5e-5",
                                  "1234567.5", "7e-9", "12345678901/7", "0.999999"])
def test_coefficients_print_as_sympy_floats(text: str) -> None:
    import sympy as sp

    value = Fraction(text)
    number = sp.Float(sp.Rational(value), closed_forms.DIGITS)
    assert closed_forms._number_text(value) == sp.sstr(number, full_prec=False)
    assert closed_forms._number_text(value, latex=True) == sp.latex(number, full_prec=False,
                                                                     mul_symbol="dot")


def test_a_worked_solution_of_exercise_2_loads_no_sympy() -> None:
    code = ("import sys, chainrule as cr\n"
            "from chainrule.render import solution\n"
            "page = solution('text', cr.solve('exercise-2'))\n"
            "assert '0.98·w_ij·w_jk^2 - 1.4·w_jk' in page\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sympy', 'mpmath')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
