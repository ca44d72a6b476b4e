"""The table of math: every activation and every cost, defined once.

Each entry holds the function, its derivative, both for one number (the scalar engine) and for
NumPy arrays (the vectorized trainer), and the formula as plain text and as LaTeX for the
renderers. Formulas are :class:`string.Template` strings over ``$z``, ``$a`` (the unit's
activation), ``$p`` (the activation's parameter, e.g. the leaky-ReLU slope), ``$y`` (a target)
and ``$K`` (the number of output units). A new activation or cost is one new entry here.

Three tables: :data:`ACTIVATIONS` (softmax among them, a whole-layer activation with its own
backward rule), :data:`COSTS`, and :data:`OUTPUT_PAIRS`: an output activation with the cost
whose derivative cancels its slope (softmax with categorical cross entropy, sigmoid with binary
cross entropy). For those, ``dC/dz`` is computed directly (``a sum(y) - y``, ``a - y``) and the
cost from ``z`` (log-sum-exp, softplus), which stays exact where ``a`` rounds to 0 or 1.
The scalar engine, the array trainer and the worked solution all read these entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.floating]
else:

    class _NumPyWhenUsed:
        """NumPy, imported at the first array function called: the scalar engine (and so
        ``chainrule solve``) never needs it."""

        def __getattr__(self, name: str) -> Any:
            import numpy

            globals()["np"] = numpy
            return getattr(numpy, name)

    np = _NumPyWhenUsed()

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
    exact: bool = False
    """``value`` and ``slope`` are rational: given Fractions they give exact numbers (as
    Fractions or the floats 0.0 and 1.0), for ``--exact``."""
    layer_value: Callable[[Sequence[float]], list[float]] | None = None
    """For a whole-layer activation (softmax): every unit's a from the layer's z, one sample."""
    layer_backward: Callable[[Sequence[float], Sequence[float]], list[float]] | None = None
    """For a whole-layer activation: every unit's dC/dz from the layer's a and dC/da."""
    layer_backward_array: Callable[[Array, Array, Array], None] | None = None
    """The same for rows of samples: ``(a, dC_da, out)``, writes dC/dz into ``out``."""
    backward_formula: str = ""
    """dC/dz of a unit of a whole-layer activation, a template over $a, $dC_da (the unit's)."""
    backward_latex: str = ""
    slope_by_hand: Callable[[float, float, float], float] | None = None
    """The slope as its formula is worked by hand from the printed z and a, where that differs
    from ``slope`` (the sigmoid's ``a (1 - a)``, which ``slope`` computes as ``a^2 e^-z`` for
    z >= 0 to keep its digits): what a rounded replay (``--rounded``) uses."""
    value_into: Callable[[Array, float, Array], Array] | None = None
    """``value_array`` written into a given buffer ``(z, p, out) -> out``, for the trainer's
    batches (no new array per batch); None where there is none."""
    slope_times: Callable[[Array, Array, float, Array], object] | None = None
    """``(z, a, p, d)``: multiplies ``d`` by ``slope_array(z, a, p)`` in place (None: use
    ``slope_array``)."""
    in_place: bool = False
    """``value_into(z, p, z)`` may write a over z: ``slope_times`` reads only a (relu's slope
    is 1 where a > 0, else 0), so the trainer keeps one buffer per layer, not two."""


def _exp(x: float) -> float:
    """e^x, infinite where it overflows (``math.exp`` raises there)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _sigmoid(z: float, _p: float = 0.0) -> float:
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sigmoid_slope(z: float, a: float, _p: float) -> float:
    # a (1 - a), with 1 - a = a e^-z for z >= 0 (1 - a itself rounds to 0 there)
    return a * (1.0 - a) if z < 0.0 else a * a * math.exp(-z)


def _sigmoid_array(z: Array, _p: float) -> Array:
    # exp of a non-positive number never overflows
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_slope_array(z: Array, a: Array, _p: float) -> Array:
    out: Array = np.where(z < 0.0, a * (1.0 - a), a * a * np.exp(-np.abs(z)))
    return out


def _softmax(z: Sequence[float]) -> list[float]:
    """Softmax of one sample's outputs, shifted by the maximum (no overflow)."""
    m = max(z)
    exps = [math.exp(v - m) for v in z]
    total = sum(exps)
    return [e / total for e in exps]


def log_sum_exp(z: Sequence[float]) -> float:
    """``ln sum_j e^(z_j)``, shifted by the maximum (no overflow): softmax's log-normalizer."""
    m = max(z)
    return m + math.log(sum(math.exp(v - m) for v in z))


def _softmax_array(z: Array, _p: float) -> Array:
    """Row-wise softmax over the last axis, shifted by the row maximum (no overflow)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    out: Array = e / e.sum(axis=-1, keepdims=True)
    return out


def _softmax_backward(a: Sequence[float], dC_da: Sequence[float]) -> list[float]:
    # dC/dz_k = sum_j dC/da_j da_j/dz_k with da_j/dz_k = a_j (1[j = k] - a_k)
    weighted = sum(ak * dk for ak, dk in zip(a, dC_da, strict=True))
    return [ak * (dk - weighted) for ak, dk in zip(a, dC_da, strict=True)]


def _softmax_backward_array(a: Array, dC_da: Array, out: Array) -> None:
    weighted = (a * dC_da).sum(axis=1, keepdims=True)
    np.subtract(dC_da, weighted, out=out)
    out *= a


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
            exact=True,
        ),
        Activation(
            "relu",
            value=lambda z, p: z if z > 0.0 else 0.0,
            slope=lambda z, a, p: 1.0 if z > 0.0 else 0.0,
            value_array=lambda z, p: np.maximum(z, 0.0),
            slope_array=lambda z, a, p: (z > 0.0).astype(z.dtype),
            value_into=lambda z, p, out: np.maximum(z, 0.0, out=out),
            # (z > 0) is (a > 0), and sign(a) is that 0 or 1 as a number: no bool array to cast
            slope_times=lambda z, a, p, d: np.multiply(d, np.sign(a), out=d),
            in_place=True,
            formula="max(0, $z)",
            formula_latex=r"\max(0, $z)",
            sympy="Piecewise(($z, $z > 0), (0, True))",
            slope_formula="(1 if $z > 0, else 0)",
            slope_latex=r"\begin{cases} 1 & $z > 0 \\ 0 & $z \le 0 \end{cases}",
            exact=True,
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
            exact=True,
        ),
        Activation(
            "sigmoid",
            value=_sigmoid,
            slope=_sigmoid_slope,
            value_array=_sigmoid_array,
            slope_array=_sigmoid_slope_array,
            formula="1 / (1 + e^(-$z))",
            formula_latex=r"\frac{1}{1 + e^{-$z}}",
            sympy="1/(1 + exp(-($z)))",
            slope_formula="$a (1 - $a)",
            slope_latex=r"$a\,(1 - $a)",
            slope_by_hand=lambda z, a, p: a * (1.0 - a),
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
            slope_formula="da_j/d$z = a_j (1[j = k] - $a)",
            slope_latex=r"\frac{\partial a_j}{\partial $z} = a_j\,(\delta_{jk} - $a)",
            kind="softmax",
            layer_value=_softmax,
            layer_backward=_softmax_backward,
            layer_backward_array=_softmax_backward_array,
            backward_formula="$a ($dC_da - sum_j a_j dC/da_j)",
            backward_latex=r"$a\left($dC_da - \sum_j a_j \frac{\partial C}{\partial a_j}\right)",
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
    exact: bool = False
    """``term`` and ``slope`` are rational: given Fractions they give Fractions (``--exact``)."""
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
            term=lambda a, y, k: (a - y) * (a - y),
            slope=lambda a, y, k: 2 * (a - y),
            value_array=lambda a, y: ((a - y) ** 2).sum(axis=-1),
            slope_array=lambda a, y: 2.0 * (a - y),
            formula="($a - $y)^2",
            formula_latex="($a - $y)^2",
            slope_formula="2($a - $y)",
            slope_latex="2($a - $y)",
            summary="C = sum_k (a_k - y_k)^2",
            summary_latex=r"C = \sum_k (a_k - y_k)^2",
            sympy="($a - $y)**2",
            exact=True,
        ),
        Cost(
            "half_squared_error",
            term=lambda a, y, k: (a - y) * (a - y) / 2,
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
            exact=True,
        ),
        Cost(
            "mean_squared_error",
            term=lambda a, y, k: (a - y) * (a - y) / k,
            slope=lambda a, y, k: 2 * (a - y) / k,
            value_array=lambda a, y: ((a - y) ** 2).mean(axis=-1),
            slope_array=lambda a, y: 2.0 * (a - y) / a.shape[-1],
            formula="($a - $y)^2 / $K",
            formula_latex=r"\frac{($a - $y)^2}{$K}",
            slope_formula="2($a - $y) / $K",
            slope_latex=r"\frac{2($a - $y)}{$K}",
            summary="C = 1/K sum_k (a_k - y_k)^2",
            summary_latex=r"C = \frac{1}{K} \sum_k (a_k - y_k)^2",
            sympy="($a - $y)**2/$K",
            exact=True,
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


# ---------------------------------------------------------------------------------------------
# Output pairs: an output activation with the cost that cancels its slope


@dataclass(frozen=True)
class OutputPair:
    """An output activation and a cost whose chain ``da/dz · dC/da`` simplifies.

    Softmax with categorical cross entropy gives ``dC/dz_k = a_k sum_j y_j - y_k``; sigmoid with
    binary cross entropy ``dC/dz_k = a_k - y_k``: the ``1/a`` of the cost's derivative cancels,
    and with it the overflow where ``a`` rounds to 0 or 1. The cost is computed from ``z``
    (log-sum-exp, softplus), exact there too. Functions for one sample take the output units'
    lists (network output order); the array versions take rows of samples.
    """

    name: str
    activation: str
    cost: str
    cost_from_z: Callable[[Sequence[float], Sequence[float]], float]
    """C of one sample from the outputs' z and the targets y."""
    dC_dz: Callable[[Sequence[float], Sequence[float]], list[float]]
    """Every output's dC/dz from the outputs' a and the targets y."""
    dC_da: Callable[[Sequence[float], Sequence[float], Sequence[float]], list[float]]
    """Every output's dC/da from (z, a, y), computed from z where that is exact (-1/a, not 0)."""
    forward_array: Callable[[Array, Array], tuple[Array, Array | None]]
    """``(z, buffer) -> (a, aux)``: the activations of rows of z and what the cost needs again
    (softmax: each row's ``ln sum_j e^(z_j)``; sigmoid: None). ``buffer`` is scratch of z's
    shape, which ``a`` may be (valid until the next call)."""
    cost_sum_array: Callable[[Array, Array, Array | None, Array | None], float]
    """``(z, y, aux, sum_y) -> the sum of the rows' costs``; ``sum_y`` is each row's sum of
    targets, or None where every row's is 1."""
    dC_dz_array: Callable[[Array, Array, Array | None, Array], None]
    """``(a, y, sum_y, out)``: writes every row's dC/dz into ``out``."""
    cost_formula: str
    """One output's term of C from z, a template over $z, $y and $lse (ln sum_j e^(z_j))."""
    cost_latex: str
    dC_dz_formula: str
    """dC/dz of one output, a template over $a, $y and $sum_y (the sum of the targets)."""
    dC_dz_latex: str
    note: str
    """Why the chain simplifies, one line."""
    lse_formula: str = ""
    """$lse written out, when the cost formula uses it."""
    lse_latex: str = ""
    log_normalizer: Callable[[Sequence[float]], float] | None = None
    """The number $lse stands for, from the outputs' z (None when the formula has no $lse)."""
    forward_rows: Callable[[Array, Array, Array], None] | None = None
    """``(z, a, aux)``, for the trainer's whole epochs: the activations of rows of z written
    into ``a``, and into ``aux`` (one column) what :attr:`cost_rows_array` needs later
    (softmax: z is shifted in place by each row's maximum and aux is each row's
    ``sum_j e^(z_j)``)."""
    cost_rows_array: Callable[[Array, Array, Array, Array | None], Array] | None = None
    """``(z, y, aux, sum_y) -> each row's cost``, from z and aux as :attr:`forward_rows` left
    them (``sum_y`` as for :attr:`cost_sum_array`)."""
    forward_rows_unguarded: Callable[[Array, Array, Array], None] | None = None
    """:attr:`forward_rows` in fewer passes, without its guard against overflow (softmax:
    z not shifted by the row's maximum), for :attr:`cost_rows_array` the same. Its numbers
    are right only when :attr:`rows_guarded` says so of the ``aux`` it left; else use
    :attr:`forward_rows` (the trainer checks once per epoch, and redoes the epoch)."""
    rows_guarded: Callable[[Array], bool] | None = None
    ranked_as_z: bool = False
    """The outputs' a are in the order of their z (softmax: the largest a is at the largest
    z), so a row's predicted class can be read from z."""
    """``aux -> bool``: whether :attr:`forward_rows_unguarded` gave what :attr:`forward_rows`
    would have (within rounding)."""


def _softplus(z: float) -> float:
    """ln(1 + e^z) without overflow."""
    return (z if z > 0.0 else 0.0) + math.log1p(math.exp(-abs(z)))


def _cce_from_z(z: Sequence[float], y: Sequence[float]) -> float:
    # -sum_k y_k ln a_k with ln a_k = z_k - ln sum_j e^(z_j)
    lse = log_sum_exp(z)
    return -sum(yk * (zk - lse) for zk, yk in zip(z, y, strict=True) if yk != 0.0)


def _cce_dC_dz(a: Sequence[float], y: Sequence[float]) -> list[float]:
    sum_y = sum(y)
    return [ak * sum_y - yk for ak, yk in zip(a, y, strict=True)]


def _cce_dC_da(z: Sequence[float], a: Sequence[float], y: Sequence[float]) -> list[float]:
    # -y_k / a_k with 1 / a_k = e^(ln sum_j e^(z_j) - z_k)
    lse = log_sum_exp(z)
    return [0.0 if yk == 0.0 else -yk * _exp(lse - zk) for zk, yk in zip(z, y, strict=True)]


def _softmax_lse_array(z: Array, e: Array) -> tuple[Array, Array | None]:
    m = np.maximum.reduce(z, axis=1, keepdims=True)
    np.subtract(z, m, out=e)
    np.exp(e, out=e)
    total = np.add.reduce(e, axis=1, keepdims=True)
    a: Array = np.divide(e, total, out=e)  # (the activations in the scratch buffer: no copy)
    lse = np.log(total, out=total)
    lse += m
    return a, lse


def _cce_cost_sum_array(z: Array, y: Array, lse: Array | None, sum_y: Array | None) -> float:
    # sum_k y_k (lse - z_k) over the rows
    assert lse is not None
    if sum_y is None:
        return float(np.add.reduce(lse, axis=None)) - float(np.vdot(y, z))
    return float(np.vdot(sum_y, lse)) - float(np.vdot(y, z))


def _cce_dC_dz_array(a: Array, y: Array, sum_y: Array | None, out: Array) -> None:
    if sum_y is None:
        np.subtract(a, y, out=out)
    else:
        np.multiply(a, sum_y, out=out)
        out -= y


_ONES: dict[tuple[int, Any], Array] = {}


def _row_sums(a: Array, out: Array) -> None:
    """Each row's sum of ``a`` into ``out`` (one column), as the product ``a @ 1``: one BLAS
    call, about half the time of ``np.add.reduce(a, axis=1)`` on a batch's few columns."""
    key = (a.shape[1], a.dtype)
    ones = _ONES.get(key)
    if ones is None:
        ones = _ONES[key] = np.ones((a.shape[1], 1), a.dtype)
    try:
        np.dot(a, ones, out=out)
    except ValueError:  # (an ``out`` that is not C-contiguous)
        np.add.reduce(a, axis=1, keepdims=True, out=out)


def _softmax_rows_array(z: Array, a: Array, aux: Array) -> None:
    np.maximum.reduce(z, axis=1, keepdims=True, out=aux)
    np.subtract(z, aux, out=z)
    np.exp(z, out=a)
    _row_sums(a, aux)
    np.divide(a, aux, out=a)


def _softmax_rows_unguarded_array(z: Array, a: Array, aux: Array) -> None:
    np.exp(z, out=a)
    _row_sums(a, aux)
    np.divide(a, aux, out=a)


def _exp_sums_in_range(aux: Array) -> bool:
    # each row's sum_j e^(z_j) is finite, and normal with room to spare, so that the row's
    # largest e^(z_j) (at least the sum over the row's length) is a full-precision number:
    # then a_j = e^(z_j) / sum is what the shifted softmax gives, within rounding (a NaN
    # fails both comparisons)
    tiny, largest = _SAFE_SUMS.get(aux.dtype.char) or _safe_sums(aux.dtype)
    return bool(np.minimum.reduce(aux, axis=None) >= tiny) and \
        bool(np.maximum.reduce(aux, axis=None) <= largest)


_SAFE_SUMS: dict[str, tuple[float, float]] = {}


def _safe_sums(dtype: Any) -> tuple[float, float]:
    """The least and the largest sum of e^z that :func:`_exp_sums_in_range` accepts."""
    info = np.finfo(dtype)
    limits = float(info.tiny) * 2.0**40, float(info.max)
    _SAFE_SUMS[np.dtype(dtype).char] = limits
    return limits


def _cce_cost_rows_array(z: Array, y: Array, aux: Array, sum_y: Array | None) -> Array:
    # sum_k y_k (lse - z_k) = sum_y ln(aux) - sum_k y_k z_k: z shifted by the row's maximum m
    # and lse = m + ln(aux), so m cancels (or z not shifted, and lse = ln(aux))
    lse = np.log(aux[:, 0])
    dot = np.empty((z.shape[0], 1), z.dtype)
    _row_sums(np.multiply(y, z), dot)  # each row's sum_k y_k z_k
    dot = dot[:, 0]
    if sum_y is not None:
        lse *= sum_y[:, 0]
    out: Array = lse - dot
    return out


def _bce_from_z(z: Sequence[float], y: Sequence[float]) -> float:
    # -[y ln a + (1 - y) ln(1 - a)] = y softplus(-z) + (1 - y) softplus(z)
    c = 0.0
    for zk, yk in zip(z, y, strict=True):
        if yk != 0.0:
            c += yk * _softplus(-zk)
        if yk != 1.0:
            c += (1.0 - yk) * _softplus(zk)
    return c


def _bce_dC_dz(a: Sequence[float], y: Sequence[float]) -> list[float]:
    return [ak - yk for ak, yk in zip(a, y, strict=True)]


def _bce_dC_da(z: Sequence[float], a: Sequence[float], y: Sequence[float]) -> list[float]:
    # -y/a + (1 - y)/(1 - a) with 1/a = 1 + e^-z and 1/(1 - a) = 1 + e^z
    out = []
    for zk, yk in zip(z, y, strict=True):
        d = 0.0
        if yk != 0.0:
            d -= yk * (1.0 + _exp(-zk))
        if yk != 1.0:
            d += (1.0 - yk) * (1.0 + _exp(zk))
        out.append(d)
    return out


def _sigmoid_pair_array(z: Array, _buffer: Array) -> tuple[Array, Array | None]:
    return _sigmoid_array(z, 0.0), None


def _bce_cost_sum_array(z: Array, y: Array, _aux: Array | None, _sum_y: Array | None) -> float:
    # softplus(z) - y z, summed over the rows
    softplus = np.log1p(np.exp(-np.abs(z)))
    softplus += np.maximum(z, 0.0)
    return float(softplus.sum()) - float(np.vdot(y, z))


def _sigmoid_rows_array(z: Array, a: Array, _aux: Array) -> None:
    a[...] = _sigmoid_array(z, 0.0)


def _bce_cost_rows_array(z: Array, y: Array, _aux: Array, _sum_y: Array | None) -> Array:
    # softplus(z) - y z, summed over each row's outputs
    terms = np.log1p(np.exp(-np.abs(z)))
    terms += np.maximum(z, 0.0)
    terms -= y * z
    out: Array = np.add.reduce(terms, axis=1)
    return out


def _bce_dC_dz_array(a: Array, y: Array, _sum_y: Array | None, out: Array) -> None:
    np.subtract(a, y, out=out)


OUTPUT_PAIRS: dict[tuple[str, str], OutputPair] = {
    (p.activation, p.cost): p
    for p in [
        OutputPair(
            "softmax_cce",
            "softmax",
            "categorical_cross_entropy",
            cost_from_z=_cce_from_z,
            dC_dz=_cce_dC_dz,
            dC_da=_cce_dC_da,
            forward_array=_softmax_lse_array,
            cost_sum_array=_cce_cost_sum_array,
            dC_dz_array=_cce_dC_dz_array,
            cost_formula="$y ($lse - $z)",
            cost_latex=r"$y\left($lse - $z\right)",
            dC_dz_formula="$a · $sum_y - $y",
            dC_dz_latex=r"$a \cdot $sum_y - $y",
            note="softmax with categorical cross entropy: the 1/a of dC/da cancels",
            lse_formula="ln sum_j e^(z_j)",
            lse_latex=r"\ln \sum_j e^{z_j}",
            log_normalizer=log_sum_exp,
            forward_rows=_softmax_rows_array,
            cost_rows_array=_cce_cost_rows_array,
            forward_rows_unguarded=_softmax_rows_unguarded_array,
            rows_guarded=_exp_sums_in_range,
            ranked_as_z=True,
        ),
        OutputPair(
            "sigmoid_bce",
            "sigmoid",
            "binary_cross_entropy",
            cost_from_z=_bce_from_z,
            dC_dz=_bce_dC_dz,
            dC_da=_bce_dC_da,
            forward_array=_sigmoid_pair_array,
            cost_sum_array=_bce_cost_sum_array,
            dC_dz_array=_bce_dC_dz_array,
            cost_formula="ln(1 + e^($z)) - $y · $z",
            cost_latex=r"\ln\left(1 + e^{$z}\right) - $y \cdot $z",
            dC_dz_formula="$a - $y",
            dC_dz_latex="$a - $y",
            note="sigmoid with binary cross entropy: a (1 - a) cancels the cost's denominator",
            forward_rows=_sigmoid_rows_array,
            cost_rows_array=_bce_cost_rows_array,
        ),
    ]
}


# ---------------------------------------------------------------------------------------------
# The update


def update(w: Any, r: Any, gradient: Any) -> Any:
    """The handout's update of one parameter, ``w_new = w_old - r dC/dw`` (floats or
    Fractions): the step graph's rule for every new w and b, and, given another r or another
    gradient, the mistakes of the update. The scalar engine's compiled step and the trainer's
    optimizers apply the same rule to whole lists and arrays (the fast paths, pinned to the
    step graph by tests)."""
    return w - r * gradient


def output_pair(output_activations: Sequence[str], cost: str) -> OutputPair | None:
    """The pair that every output unit (their activations given) forms with ``cost``, if any."""
    if not output_activations:
        return None
    first = output_activations[0]
    if any(act != first for act in output_activations):
        return None
    return OUTPUT_PAIRS.get((first, cost))


def fill(template: str, **symbols: str) -> str:
    """Fill a formula template: ``fill("2($a - $y)", a="a_k", y="y_k") == "2(a_k - y_k)"``."""
    return Template(template).safe_substitute(symbols)
