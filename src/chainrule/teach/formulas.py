"""Symbolic answers: a gradient written as a formula of the weights (``dC/dw = 2*w - 2``).

The formula is read by the safe parser of ``chainrule diff`` (:func:`chainrule.explain.diff.parse`:
Python's ``ast`` against a whitelist, no user text reaches ``eval``/``sympify``/``parse_expr``)
into a sympy expression, which sympy evaluates. It is right when it equals the engine's gradient
(to the tolerance of the decimals written in it) at the current weights and at random points
around them, each on the same piece of every ReLU as the current weights: away from the kinks,
where the gradient is not one formula.
"""

from __future__ import annotations

import math
import random
import re
from typing import Any

from chainrule.core.engine import solve
from chainrule.core.errors import ChainruleError, UsageError
from chainrule.core.network import Network, WeightKey, weight_name
from chainrule.teach.answers import AnswersError
from chainrule.teach.marking import Tolerance

POINTS = 6
"""Random points a formula is compared at."""
MAX_SHOWN = 160
"""A closed form longer than this is not shown in the feedback."""


def variables(network: Network, key: WeightKey) -> dict[str, WeightKey]:
    """The names a formula for ``dC/dw`` of ``key`` may use: ``w`` (this weight), ``w_jk`` or
    ``w_j_k`` for any weight j -> k."""
    out: dict[str, WeightKey] = {"w": key}
    for a, b in network.weights:
        out[f"w_{a}{b}"] = (a, b)
        out[f"w_{a}_{b}"] = (a, b)
    return out


def _decimals(formula: str) -> int:
    found = [len(m) for m in re.findall(r"\d\.(\d+)", formula)]
    return max(found, default=6)


def check_formula(
    network: Network,
    name: str,
    formula: str,
    tolerance: Tolerance,
    source: str = "<answers>",
) -> dict[str, Any]:
    """Mark the formula ``formula`` for the quantity ``name`` (``dC_dw_formula.j -> k``) of
    ``network`` at its current weights (a later step's: the network at that step's weights).

    Returns the fields of a QuantityResult: status, expected/given at the current weights, and
    the explanation lines. The formula is read under bounds and evaluated under a time and
    memory budget (:mod:`chainrule.explain.budget`); one over it is marked wrong, saying so.
    """
    from chainrule.explain.budget import OverBudget, bounded
    from chainrule.explain.diff import parse

    key_text = name.split(".", 1)[1]
    try:
        parse(formula)  # refused at once when the reader's bounds can tell
    except UsageError as error:
        raise AnswersError(f"{source}: [dC_dw_formula] \"{key_text}\": {error}") from None
    try:
        return bounded(_check_formula, network, name, formula, tolerance, source,
                       what="evaluating the formula")
    except OverBudget as error:
        return {"status": "wrong", "expected": None, "given": None,
                "lines": (f"Not marked right: {error}.",),
                "symbol": f"dC/dw_{key_text.replace(' -> ', '')} (formula)"}


def _check_formula(
    network: Network,
    name: str,
    formula: str,
    tolerance: Tolerance,
    source: str = "<answers>",
) -> dict[str, Any]:
    from chainrule.explain.diff import parse

    key_text = name.split(".", 1)[1]
    a, _, b = key_text.partition(" -> ")
    key = (a, b)
    try:
        expr = parse(formula)
    except UsageError as error:
        raise AnswersError(f"{source}: [dC_dw_formula] \"{key_text}\": {error}") from None
    allowed = variables(network, key)
    symbols = {str(s): s for s in expr.free_symbols if str(s) not in ("e", "pi")}
    unknown = sorted(set(symbols) - set(allowed))
    if unknown:
        valid = ", ".join(["w", *sorted({f"w_{x}{y}" for x, y in network.weights})])
        raise AnswersError(
            f"{source}: [dC_dw_formula] \"{key_text}\": unknown variable {unknown[0]!r}; "
            f"write the weights as {valid} (w is w_{a}{b} itself)"
        )
    decimals = _decimals(formula)
    base = {k: p.value for k, p in network.weights.items()}
    rng = random.Random(f"{name}|{formula}")
    points = [base] + [_nearby(network, base, rng) for _ in range(POINTS)]
    agree = 0
    tried = 0
    first: tuple[float, float | None] | None = None
    for weights in points:
        if weights is None:
            continue
        right = _engine_gradient(network, weights, key)
        if right is None:
            continue
        given = _evaluate(expr, symbols, allowed, weights)
        if first is None:
            first = (right, given)
        tried += 1
        if given is not None and tolerance.matches(given, right, decimals):
            agree += 1
    status = "right" if tried and agree == tried else "wrong"
    exact = _sympy_equal(network, key, expr, symbols, allowed)
    right0, given0 = first if first else (None, None)
    lines: list[str]
    exact_text = exact if isinstance(exact, str) else None
    exact = exact is True
    if not tried:
        lines = ["Not marked: the gradient is not one formula around the current weights (a "
                 "ReLU's z is at its kink)."]
    elif status == "right":
        lines = [f"right: equals the gradient at the current weights and at {tried - 1} "
                 "random points around them (on the same side of every ReLU's kink)"
                 + ("; sympy finds it equal to the closed form" if exact else "")]
    else:
        shown = "no number" if given0 is None else f"{given0:.6g}"
        lines = [f"Wrong: at the current weights your formula gives {shown}, the "
                 f"gradient is {right0:.6g}; it agrees at {agree} of {tried} points."]
        if exact_text is not None:
            lines.append(f"The closed form (the ReLUs on their current pieces): {exact_text}.")
    return {"status": status, "expected": right0, "given": given0, "lines": tuple(lines),
            "symbol": f"dC/dw_{a}{b} (formula)"}


def _nearby(network: Network, base: dict[WeightKey, float], rng: random.Random
            ) -> dict[WeightKey, float]:
    return {k: v + rng.uniform(-0.1, 0.1) * (abs(v) + 0.1) for k, v in base.items()}


def _engine_gradient(network: Network, weights: dict[WeightKey, float],
                     key: WeightKey) -> float | None:
    """The engine's dC/dw at these weights, or None where a ReLU is on another piece."""
    net = network.with_parameters(weights)
    here = network
    try:
        step, ref = solve(net).step(1), solve(here).step(1)
    except ChainruleError:
        return None
    for s, r in zip(step.samples, ref.samples, strict=True):
        for name, unit in s.units.items():
            if unit.activation in ("relu", "leaky_relu"):
                z, z0 = unit.z or 0.0, r.unit(name).z or 0.0
                if (z > 0) != (z0 > 0) or abs(z) < 1e-6:
                    return None
    return step.gradients()["weights"][weight_name(key)]


def _evaluate(expr: Any, symbols: dict[str, Any], allowed: dict[str, WeightKey],
              weights: dict[WeightKey, float]) -> float | None:
    try:
        value = complex(expr.subs({s: weights[allowed[n]] for n, s in symbols.items()}).evalf())
    except (TypeError, ValueError, ArithmeticError):
        return None
    if abs(value.imag) > 1e-12 or not math.isfinite(value.real):
        return None
    return value.real


def _sympy_equal(network: Network, key: WeightKey, expr: Any,
                 symbols: dict[str, Any], allowed: dict[str, WeightKey]) -> bool | str | None:
    """True when sympy finds the formula equal to the closed form of dC/dw (inputs, targets
    and biases exact, each ReLU on its current piece); else the closed form as text; None
    where the network has no closed form here (see :mod:`chainrule.explain.closed_forms`)."""
    import sympy as sp

    from chainrule.explain import closed_forms

    if closed_forms.supported(network) is not None:
        return None
    step = solve(network).step(1)
    weight_symbols = {k: sp.Symbol(f"w_{k[0]}{k[1]}", real=True) for k in network.weights}
    right = sp.diff(closed_forms.cost_expression(network, step, weight_symbols),
                    weight_symbols[key])
    mine = expr.xreplace({s: weight_symbols[allowed[n]] for n, s in symbols.items()})
    # decimals as written are exact: 0.7 is 7/10
    mine = mine.xreplace({f: sp.Rational(str(f)) for f in mine.atoms(sp.Float)})
    if sp.simplify(sp.expand(mine - right)) == 0:
        return True
    text = str(sp.expand(right)).replace("**", "^")
    return text if len(text) <= MAX_SHOWN else None
