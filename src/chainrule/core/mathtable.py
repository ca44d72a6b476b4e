"""The table of math: every activation and every cost, defined once.

Each entry holds the function, its derivative, both for one number (the scalar engine) and for
NumPy arrays (the vectorized trainer), and the formula as plain text and as LaTeX for the
renderers. Formulas are :class:`string.Template` strings over ``$z``, ``$a`` (the unit's
activation), ``$p`` (the activation's parameter, e.g. the leaky-ReLU slope), ``$y`` (a target)
and ``$K`` (the number of output units). A new activation or cost is one new entry here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from string import Template

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]

# ---------------------------------------------------------------------------------------------
# Activations


@dataclass(frozen=True)
class Activation:
    """One activation function ``a = g(z)`` and its slope ``da/dz = g'(z)``."""

    name: str
    value: Callable[[float, float], float]
    """g(z; p) for one number."""
    slope: Callable[[float, float, float], float]
    """g'(z; p) for one number, given z, a = g(z) and p."""
    value_array: Callable[[Array, float], Array]
    slope_array: Callable[[Array, Array, float], Array]
    formula: str
    """g(z) as plain text, a template over $z and $p."""
    formula_latex: str
    slope_formula: str
    """g'(z) as plain text, a template over $z, $a and $p."""
    slope_latex: str
    parameter: str | None = None
    """The name of the activation's parameter in a network file, if it has one."""
    default_parameter: float = 0.0
    kind: str = "elementwise"
    """``elementwise``, ``input`` (no function: the sample's value) or ``softmax`` (whole layer)."""
    sympy: str = ""
    """g(z) in sympy syntax, a template over $z and $p (for closed-form gradients); "" if none."""


def _sigmoid(z: float) -> float:
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sigmoid_array(z: Array, _p: float) -> Array:
    # exp of a non-positive number never overflows
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax_array(z: Array, _p: float) -> Array:
    """Row-wise softmax over the last axis, shifted by the row maximum (no overflow)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    out: Array = e / e.sum(axis=-1, keepdims=True)
    return out


def _not_elementwise(*_args: float) -> float:
    raise TypeError("this activation has no element-wise value or slope")


def _not_elementwise_array(*_args: Array | float) -> Array:
    raise TypeError("this activation has no element-wise slope")


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "input",
            value=_not_elementwise,
            slope=_not_elementwise,
            value_array=_not_elementwise_array,
            slope_array=_not_elementwise_array,
            formula="the sample's value",
            formula_latex=r"\text{the sample's value}",
            slope_formula="",
            slope_latex="",
            kind="input",
        ),
        Activation(
            "identity",
            value=lambda z, p: z,
            slope=lambda z, a, p: 1.0,
            value_array=lambda z, p: z,
            slope_array=lambda z, a, p: np.ones_like(z),
            formula="$z",
            formula_latex="$z",
            sympy="$z",
            slope_formula="1",
            slope_latex="1",
        ),
        Activation(
            "relu",
            value=lambda z, p: z if z > 0.0 else 0.0,
            slope=lambda z, a, p: 1.0 if z > 0.0 else 0.0,
            value_array=lambda z, p: np.maximum(z, 0.0),
            slope_array=lambda z, a, p: (z > 0.0).astype(z.dtype),
            formula="max(0, $z)",
            formula_latex=r"\max(0, $z)",
            sympy="Piecewise(($z, $z > 0), (0, True))",
            slope_formula="(1 if $z > 0, else 0)",
            slope_latex=r"\begin{cases} 1 & $z > 0 \\ 0 & $z \le 0 \end{cases}",
        ),
        Activation(
            "leaky_relu",
            value=lambda z, p: z if z > 0.0 else p * z,
            slope=lambda z, a, p: 1.0 if z > 0.0 else p,
            value_array=lambda z, p: np.where(z > 0.0, z, p * z),
            slope_array=lambda z, a, p: np.where(z > 0.0, 1.0, p).astype(z.dtype),
            formula="($z if $z > 0, else $p · $z)",
            formula_latex=r"\begin{cases} $z & $z > 0 \\ $p\,$z & $z \le 0 \end{cases}",
            sympy="Piecewise(($z, $z > 0), ($p*($z), True))",
            slope_formula="(1 if $z > 0, else $p)",
            slope_latex=r"\begin{cases} 1 & $z > 0 \\ $p & $z \le 0 \end{cases}",
            parameter="slope",
            default_parameter=0.01,
        ),
        Activation(
            "sigmoid",
            value=lambda z, p: _sigmoid(z),
            slope=lambda z, a, p: a * (1.0 - a),
            value_array=_sigmoid_array,
            slope_array=lambda z, a, p: a * (1.0 - a),
            formula="1 / (1 + e^(-$z))",
            formula_latex=r"\frac{1}{1 + e^{-$z}}",
            sympy="1/(1 + exp(-($z)))",
            slope_formula="$a (1 - $a)",
            slope_latex=r"$a\,(1 - $a)",
        ),
        Activation(
            "tanh",
            value=lambda z, p: math.tanh(z),
            slope=lambda z, a, p: 1.0 - a * a,
            value_array=lambda z, p: np.tanh(z),
            slope_array=lambda z, a, p: 1.0 - a * a,
            formula="tanh($z)",
            formula_latex=r"\tanh($z)",
            sympy="tanh($z)",
            slope_formula="1 - $a^2",
            slope_latex="1 - $a^2",
        ),
        Activation(
            "softmax",
            value=_not_elementwise,
            slope=_not_elementwise,
            value_array=_softmax_array,
            slope_array=_not_elementwise_array,
            formula="e^($z) / sum_j e^(z_j)",
            formula_latex=r"\frac{e^{$z}}{\sum_{j} e^{z_j}}",
            slope_formula="",
            slope_latex="",
            kind="softmax",
        ),
    ]
}

ACTIVATION_ALIASES: dict[str, str] = {"linear": "identity", "logistic": "sigmoid"}


def activation(name: str) -> Activation:
    """The table entry for an activation name (aliases accepted). Raises ``KeyError``."""
    return ACTIVATIONS[ACTIVATION_ALIASES.get(name, name)]


# ---------------------------------------------------------------------------------------------
# Costs


def _log(x: float) -> float:
    return math.log(x) if x > 0.0 else -math.inf


def _div(num: float, den: float) -> float:
    if den != 0.0:
        return num / den
    return 0.0 if num == 0.0 else math.copysign(math.inf, num)


def _bce(a: float, y: float, k: int) -> float:
    c = 0.0
    if y != 0.0:
        c -= y * _log(a)
    if y != 1.0:
        c -= (1.0 - y) * _log(1.0 - a)
    return c


def _bce_array(a: Array, y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(y != 0.0, y * np.log(a), 0.0) + np.where(
            y != 1.0, (1.0 - y) * np.log1p(-a), 0.0
        )
    out: Array = -t.sum(axis=-1)
    return out


def _cce_array(a: Array, y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(y != 0.0, y * np.log(a), 0.0)
    out: Array = -t.sum(axis=-1)
    return out


@dataclass(frozen=True)
class Cost:
    """One cost ``C = sum_k term(a_k, y_k)`` over the output units k, for one sample.

    ``term`` and ``slope`` take ``(a_k, y_k, K)`` with ``K`` the number of output units.
    ``value_array`` maps activations and targets of shape ``(n, K)`` to ``n`` costs;
    ``slope_array`` gives ``dC/da`` of shape ``(n, K)``.
    """

    name: str
    term: Callable[[float, float, int], float]
    slope: Callable[[float, float, int], float]
    value_array: Callable[[Array, Array], Array]
    slope_array: Callable[[Array, Array], Array]
    formula: str
    """One output unit's term of C, plain text, a template over $a, $y and $K."""
    formula_latex: str
    slope_formula: str
    """dC/da_k, plain text, a template over $a, $y and $K."""
    slope_latex: str
    summary: str
    """C for all output units, plain text."""
    summary_latex: str
    sympy: str = ""
    """One output unit's term of C in sympy syntax, a template over $a, $y and $K."""
    output_activations: tuple[str, ...] = ()
    """The output activations the cost is defined for (empty: any); with others ``ln a``
    would be taken of a number <= 0 (or ``ln(1 - a)`` of one >= 1)."""
    needs: str = ""
    """Why, in words, for the message when the outputs do not fit."""


COSTS: dict[str, Cost] = {
    c.name: c
    for c in [
        Cost(
            "squared_error",
            term=lambda a, y, k: (a - y) ** 2,
            slope=lambda a, y, k: 2.0 * (a - y),
            value_array=lambda a, y: ((a - y) ** 2).sum(axis=-1),
            slope_array=lambda a, y: 2.0 * (a - y),
            formula="($a - $y)^2",
            formula_latex="($a - $y)^2",
            slope_formula="2($a - $y)",
            slope_latex="2($a - $y)",
            summary="C = sum_k (a_k - y_k)^2",
            summary_latex=r"C = \sum_k (a_k - y_k)^2",
            sympy="($a - $y)**2",
        ),
        Cost(
            "half_squared_error",
            term=lambda a, y, k: 0.5 * (a - y) ** 2,
            slope=lambda a, y, k: a - y,
            value_array=lambda a, y: 0.5 * ((a - y) ** 2).sum(axis=-1),
            slope_array=lambda a, y: a - y,
            formula="1/2 ($a - $y)^2",
            formula_latex=r"\tfrac{1}{2}($a - $y)^2",
            slope_formula="$a - $y",
            slope_latex="$a - $y",
            summary="C = 1/2 sum_k (a_k - y_k)^2",
            summary_latex=r"C = \tfrac{1}{2} \sum_k (a_k - y_k)^2",
            sympy="($a - $y)**2/2",
        ),
        Cost(
            "mean_squared_error",
            term=lambda a, y, k: (a - y) ** 2 / k,
            slope=lambda a, y, k: 2.0 * (a - y) / k,
            value_array=lambda a, y: ((a - y) ** 2).mean(axis=-1),
            slope_array=lambda a, y: 2.0 * (a - y) / a.shape[-1],
            formula="($a - $y)^2 / $K",
            formula_latex=r"\frac{($a - $y)^2}{$K}",
            slope_formula="2($a - $y) / $K",
            slope_latex=r"\frac{2($a - $y)}{$K}",
            summary="C = 1/K sum_k (a_k - y_k)^2",
            summary_latex=r"C = \frac{1}{K} \sum_k (a_k - y_k)^2",
            sympy="($a - $y)**2/$K",
        ),
        Cost(
            "binary_cross_entropy",
            term=_bce,
            slope=lambda a, y, k: _div(a - y, a * (1.0 - a)),
            value_array=_bce_array,
            slope_array=lambda a, y: (a - y) / (a * (1.0 - a)),
            formula="-[$y ln $a + (1 - $y) ln(1 - $a)]",
            formula_latex=r"-\left[$y \ln $a + (1 - $y) \ln(1 - $a)\right]",
            slope_formula="($a - $y) / ($a (1 - $a))",
            slope_latex=r"\frac{$a - $y}{$a\,(1 - $a)}",
            summary="C = -sum_k [y_k ln a_k + (1 - y_k) ln(1 - a_k)]",
            summary_latex=r"C = -\sum_k \left[y_k \ln a_k + (1 - y_k) \ln(1 - a_k)\right]",
            sympy="-($y*log($a) + (1 - $y)*log(1 - ($a)))",
            output_activations=("sigmoid", "softmax"),
            needs="outputs strictly between 0 and 1",
        ),
        Cost(
            "categorical_cross_entropy",
            term=lambda a, y, k: 0.0 if y == 0.0 else -y * _log(a),
            slope=lambda a, y, k: _div(-y, a),
            value_array=_cce_array,
            slope_array=lambda a, y: -y / a,
            formula="-$y ln $a",
            formula_latex=r"-$y \ln $a",
            slope_formula="-$y / $a",
            slope_latex=r"-\frac{$y}{$a}",
            summary="C = -sum_k y_k ln a_k",
            summary_latex=r"C = -\sum_k y_k \ln a_k",
            sympy="-$y*log($a)",
            output_activations=("sigmoid", "softmax"),
            needs="outputs > 0 (probabilities)",
        ),
    ]
}


def fill(template: str, **symbols: str) -> str:
    """Fill a formula template: ``fill("2($a - $y)", a="a_k", y="y_k") == "2(a_k - y_k)"``."""
    return Template(template).safe_substitute(symbols)
