"""The table of math: every activation's slope and every cost's derivative against central
finite differences; the scalar and NumPy versions agree; the formula templates fill."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from chainrule.core import mathtable
from chainrule.core.mathtable import ACTIVATIONS, COSTS

H = 1e-6
ELEMENTWISE = [name for name, a in ACTIVATIONS.items() if a.kind == "elementwise"]
KINKED = {"relu", "leaky_relu"}
# many points, negative and positive, none within 1e-3 of the ReLU kink at 0
ZS = [float(z) for z in np.concatenate([np.linspace(-6.0, -0.01, 37), np.linspace(0.013, 6.0, 37)])]
PARAMETERS = [0.01, 0.2, 0.5]


def parameters(name: str) -> list[float]:
    return PARAMETERS if ACTIVATIONS[name].parameter else [0.0]


def central(f: object, x: float, h: float = H) -> float:
    assert callable(f)
    return float((f(x + h) - f(x - h)) / (2 * h))


def close(got: float, want: float, tol: float = 1e-7) -> bool:
    return abs(got - want) <= tol * max(1.0, abs(want))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_slope_matches_finite_differences(name: str) -> None:
    act = ACTIVATIONS[name]
    for p in parameters(name):
        for z in ZS:
            a = act.value(z, p)
            numeric = central(lambda t, p=p: act.value(t, p), z)
            assert close(act.slope(z, a, p), numeric), (name, p, z)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_array_versions_agree_with_scalar(name: str) -> None:
    act = ACTIVATIONS[name]
    z = np.array([*ZS, 0.0, -0.0, 1e-300, -1e-300, 30.0, -30.0])
    for p in parameters(name):
        a = act.value_array(z, p)
        slope = act.slope_array(z, a, p)
        assert a.shape == z.shape and slope.shape == z.shape
        for zi, ai, si in zip(z, a, slope, strict=True):
            assert ai == pytest.approx(act.value(float(zi), p), rel=1e-15, abs=1e-300)
            assert si == pytest.approx(act.slope(float(zi), float(ai), p), rel=1e-15, abs=1e-300)


def test_known_values() -> None:
    assert ACTIVATIONS["identity"].value(-2.5, 0.0) == -2.5
    assert ACTIVATIONS["relu"].value(-2.5, 0.0) == 0.0
    assert ACTIVATIONS["relu"].value(2.5, 0.0) == 2.5
    assert ACTIVATIONS["leaky_relu"].value(-2.0, 0.1) == pytest.approx(-0.2)
    assert ACTIVATIONS["sigmoid"].value(0.0, 0.0) == 0.5
    assert ACTIVATIONS["tanh"].value(1.0, 0.0) == math.tanh(1.0)
    assert ACTIVATIONS["sigmoid"].value(2.0, 0.0) == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert ACTIVATIONS["sigmoid"].value(-2.0, 0.0) == pytest.approx(1 / (1 + math.exp(2.0)))


def test_slope_at_exactly_zero_is_the_left_one() -> None:
    relu, leaky = ACTIVATIONS["relu"], ACTIVATIONS["leaky_relu"]
    for zero in (0.0, -0.0):
        assert relu.slope(zero, relu.value(zero, 0.0), 0.0) == 0.0
        assert leaky.slope(zero, leaky.value(zero, 0.07), 0.07) == 0.07
    z = np.array([0.0, -0.0])
    assert list(relu.slope_array(z, relu.value_array(z, 0.0), 0.0)) == [0.0, 0.0]
    assert list(leaky.slope_array(z, leaky.value_array(z, 0.07), 0.07)) == [0.07, 0.07]


def test_kinked_slopes_are_piecewise_constant() -> None:
    for z in ZS:
        assert ACTIVATIONS["relu"].slope(z, 0.0, 0.0) == (1.0 if z > 0 else 0.0)
        assert ACTIVATIONS["leaky_relu"].slope(z, 0.0, 0.3) == (1.0 if z > 0 else 0.3)


def test_sigmoid_is_stable_far_out() -> None:
    sig = ACTIVATIONS["sigmoid"]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = sig.value_array(np.array([800.0, -800.0, 40.0, -40.0]), 0.0)
    assert big[0] == 1.0 and big[1] == pytest.approx(0.0, abs=1e-300) and big[1] >= 0.0
    assert big[2] == pytest.approx(1.0) and big[3] == pytest.approx(math.exp(-40.0), rel=1e-12)
    assert sig.value(800.0, 0.0) == 1.0
    low = sig.value(-800.0, 0.0)
    assert 0.0 <= low < 1e-300 and math.isfinite(low)
    assert sig.value(-40.0, 0.0) == pytest.approx(math.exp(-40.0), rel=1e-12)
    assert sig.slope(800.0, 1.0, 0.0) == 0.0
    assert math.isfinite(sig.slope(-800.0, low, 0.0))
    assert ACTIVATIONS["tanh"].value(800.0, 0.0) == 1.0


def test_softmax_array() -> None:
    soft = ACTIVATIONS["softmax"]
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = soft.value_array(z, 0.0)
    e = np.exp([1.0, 2.0, 3.0])
    assert a[0] == pytest.approx(e / e.sum(), rel=1e-15)
    assert a[1] == pytest.approx([0.5, 0.5, 0.0], abs=1e-300)
    assert a.sum(axis=-1) == pytest.approx([1.0, 1.0], rel=1e-15)


def test_not_elementwise_activations_refuse_scalar_use() -> None:
    for name in ("input", "softmax"):
        with pytest.raises(TypeError):
            ACTIVATIONS[name].slope(0.0, 0.0, 0.0)


def test_aliases() -> None:
    assert mathtable.activation("linear") is ACTIVATIONS["identity"]
    assert mathtable.activation("logistic") is ACTIVATIONS["sigmoid"]
    with pytest.raises(KeyError):
        mathtable.activation("relux")


# -- costs ------------------------------------------------------------------------------------

PROBABILITIES = [0.013, 0.1, 0.25, 0.5, 0.73, 0.9, 0.987]


def cost_points(name: str) -> list[tuple[float, float]]:
    if name == "binary_cross_entropy":
        return [(a, y) for a in PROBABILITIES for y in (0.0, 0.3, 1.0)]
    if name == "categorical_cross_entropy":
        return [(a, y) for a in PROBABILITIES for y in (0.0, 0.4, 1.0)]
    return [(a, y) for a in (-2.5, -0.4, 0.0, 0.3, 1.0, 3.2) for y in (-1.0, 0.0, 0.5, 1.0)]


@pytest.mark.parametrize("name", list(COSTS))
def test_cost_derivative_matches_finite_differences(name: str) -> None:
    cost = COSTS[name]
    for K in (1, 3):
        for a, y in cost_points(name):
            numeric = central(lambda t, y=y, K=K: cost.term(t, y, K), a, 1e-7)
            assert close(cost.slope(a, y, K), numeric, 1e-6), (name, a, y, K)


@pytest.mark.parametrize("name", list(COSTS))
def test_cost_array_versions_agree_with_scalar(name: str) -> None:
    cost = COSTS[name]
    points = cost_points(name)
    for K in (1, 3):
        n = len(points) // K
        a = np.array([p[0] for p in points[: n * K]]).reshape(n, K)
        y = np.array([p[1] for p in points[: n * K]]).reshape(n, K)
        values = cost.value_array(a, y)
        slopes = cost.slope_array(a, y)
        assert values.shape == (n,) and slopes.shape == (n, K)
        for row in range(n):
            want = math.fsum(cost.term(float(a[row, k]), float(y[row, k]), K) for k in range(K))
            assert values[row] == pytest.approx(want, rel=1e-13, abs=1e-300)
            for k in range(K):
                scalar = cost.slope(float(a[row, k]), float(y[row, k]), K)
                assert slopes[row, k] == pytest.approx(scalar, rel=1e-14, abs=1e-300)


def test_cost_known_values() -> None:
    assert COSTS["squared_error"].term(0.39732, 1.0, 1) == (0.39732 - 1.0) ** 2
    assert COSTS["squared_error"].slope(0.39732, 1.0, 1) == 2 * (0.39732 - 1.0)
    assert COSTS["half_squared_error"].term(3.0, 1.0, 1) == 2.0
    assert COSTS["mean_squared_error"].term(3.0, 1.0, 4) == 1.0
    assert COSTS["binary_cross_entropy"].term(0.25, 1.0, 1) == pytest.approx(-math.log(0.25))
    assert COSTS["binary_cross_entropy"].term(0.25, 0.0, 1) == pytest.approx(-math.log(0.75))
    assert COSTS["categorical_cross_entropy"].term(0.25, 0.0, 2) == 0.0
    assert COSTS["categorical_cross_entropy"].term(0.25, 1.0, 2) == pytest.approx(math.log(4))


def test_cross_entropy_at_the_edges() -> None:
    bce, cce = COSTS["binary_cross_entropy"], COSTS["categorical_cross_entropy"]
    # a target of exactly 0 or 1 never evaluates log(0) for the term it switches off
    assert bce.term(0.0, 0.0, 1) == 0.0 and bce.term(1.0, 1.0, 1) == 0.0
    assert bce.term(0.0, 1.0, 1) == math.inf
    assert cce.term(0.0, 0.0, 1) == 0.0 and cce.term(0.0, 1.0, 1) == math.inf
    assert bce.slope(1.0, 1.0, 1) == 0.0


# -- formula templates ------------------------------------------------------------------------

SYMBOLS = {"z": "z_k", "a": "a_k", "p": "0.01", "y": "y_k", "K": "2"}


def filled(template: str) -> str:
    out = mathtable.fill(template, **SYMBOLS)
    assert not re.search(r"\$[A-Za-z{]", out), (template, out)
    return out


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_templates_fill(name: str) -> None:
    act = ACTIVATIONS[name]
    assert filled(act.formula) and filled(act.formula_latex)
    if act.kind == "elementwise":
        assert "z_k" in filled(act.formula) and "z_k" in filled(act.formula_latex)
        assert filled(act.slope_formula) and filled(act.slope_latex)
    if act.parameter:
        assert "0.01" in filled(act.formula) and "0.01" in filled(act.slope_latex)


@pytest.mark.parametrize("name", list(COSTS))
def test_cost_templates_fill(name: str) -> None:
    cost = COSTS[name]
    for template in (cost.formula, cost.formula_latex, cost.slope_formula, cost.slope_latex):
        out = filled(template)
        assert "a_k" in out
    assert cost.summary.startswith("C = ") and cost.summary_latex.startswith("C = ")
    assert "y_k" in filled(cost.formula)


def test_fill_example() -> None:
    assert mathtable.fill("2($a - $y)", a="a_k", y="y_k") == "2(a_k - y_k)"
    slope = COSTS["squared_error"].slope_formula
    assert mathtable.fill(slope, a="0.3973", y="1") == "2(0.3973 - 1)"
