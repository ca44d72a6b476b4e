"""Gradients as closed-form functions of the weights, with sympy: "insert the dependency".

The handout ends its first derivation by writing the gradient as a function of the weight alone
(``dC/dw_jk = a_j · 2((a_j · w_jk) - y) = 2 w_jk - 2``). :func:`weight_dependency` does that for
any small network: the weights become symbols, the inputs, targets and biases stay numbers, the
network's formula is built from the math table's sympy templates, and sympy differentiates it.

A ReLU (or leaky ReLU) is piecewise. As in the handout ("as long as the output is greater than
zero"), each one is taken on the piece it is on at the current weights, which the Trace says
(its ``z``), so the closed form holds near the current weights. sympy comes with the plain
install.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainrule.core import mathtable
from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey
from chainrule.core.optional import available as optional_available
from chainrule.core.optional import optional_import
from chainrule.core.trace import Step

MAX_WEIGHTS = 6
"""Networks with at most this many weights get the closed-form section."""
DIGITS = 6
"""Significant digits of the numbers inside a closed form."""
MAX_LENGTH = 240
"""A closed form longer than this (as plain text) is shown with the other weights fixed."""
SHORT = 90
"""A closed form longer than this (as plain text) is left out of a worked solution: a student
reads the chain rule's lines more easily than a wall of nested exponentials."""


@dataclass(frozen=True)
class Dependency:
    """One weight's gradient as a function of the weights.

    ``text`` and ``latex`` are the closed form; ``variables`` the weights it is a function of
    (all of them, or only this one with the others at their current values); ``value`` the
    closed form evaluated at the current weights (sympy's number, to compare with the engine's).
    """

    key: WeightKey
    text: str
    latex: str
    variables: tuple[WeightKey, ...]
    value: float


def _sympy() -> Any:
    return optional_import("sympy", "closed-form gradients need")


def available() -> bool:
    """Whether sympy can be imported."""
    return optional_available("sympy")


def supported(network: Network) -> str | None:
    """None if :func:`weight_dependency` can handle ``network``, else why not (one phrase)."""
    if len(network.weights) > MAX_WEIGHTS:
        return f"it is shown for networks of at most {MAX_WEIGHTS} weights"
    for u in network.units:
        if not u.is_input and not u.function.sympy:
            return f"the {u.activation} activation has no closed form here"
    if not mathtable.COSTS[network.cost].sympy:
        return f"the {network.cost} cost has no closed form here"
    return None


def _number(sp: Any, x: float) -> Any:
    """An exact rational for a float as it prints (0.7 -> 7/10), so expand() stays clean."""
    return sp.Rational(repr(float(x)))


def weight_dependency(
    network: Network,
    step: Step,
    keys: Sequence[WeightKey],
    names: Mapping[WeightKey, tuple[str, str]],
) -> list[Dependency]:
    """dC/dw for each weight in ``keys`` as a closed-form function of the weights.

    Parameters
    ----------
    network : the network (structure, activations, cost).
    step : the step whose ``weights_before`` are the current weights, and whose samples' ``z``
        say which piece of each ReLU applies.
    keys : the weights to differentiate for.
    names : each weight's symbol as (plain text, LaTeX), used to print the closed forms.

    Raises
    ------
    UsageError
        if sympy is missing or the network is not supported (see :func:`supported`).
    """
    sp = _sympy()
    lay = step.layout
    symbols = {k: sp.Symbol(names[k][0], real=True) for k in lay.weight_keys}
    current = {
        symbols[k]: _number(sp, v)
        for k, v in zip(lay.weight_keys, step.weights_before, strict=True)
    }
    cost = cost_expression(network, step, symbols)
    out = []
    for key in keys:
        sym = symbols[key]
        grad = _tidy(sp, sp.diff(cost, sym), list(symbols.values()))
        variables = tuple(k for k in lay.weight_keys if grad.has(symbols[k]))
        if len(_text(sp, grad)) > MAX_LENGTH and len(variables) > 1:
            fixed = {s: v for s, v in current.items() if s is not sym}
            grad = _tidy(sp, sp.diff(cost.subs(fixed), sym), [sym])
            variables = (key,) if grad.has(sym) else ()
        value = float(grad.subs(current))
        latex = sp.latex(
            _floats(sp, grad),
            symbol_names={symbols[k]: names[k][1] for k in symbols},
            full_prec=False,
            mul_symbol="dot",
        )
        out.append(Dependency(key, _text(sp, grad), latex, variables, value))
    return out


def cost_expression(network: Network, step: Step, symbols: Mapping[WeightKey, Any]) -> Any:
    """The step's (mean) cost as a sympy expression of the weight ``symbols``; inputs, targets
    and biases are exact numbers, each ReLU on the piece it is on at the step's weights.

    Raises UsageError if sympy is missing or the network is not supported."""
    sp = _sympy()
    why = supported(network)
    if why:
        raise UsageError(f"no closed-form gradients for this network: {why}")
    lay = step.layout
    biases = dict(zip(lay.bias_units, step.biases_before, strict=True))
    z_sym, a_sym, y_sym, k_sym, p_sym = sp.symbols("Z_ A_ Y_ K_ P_")
    cost_entry = mathtable.COSTS[network.cost]
    cost_term = sp.sympify(mathtable.fill(cost_entry.sympy, a="A_", y="Y_", K="K_"))
    total = sp.Integer(0)
    for sample in step.samples:
        a: dict[str, Any] = {}
        for name in network.order:
            unit = network.unit[name]
            if unit.is_input:
                a[name] = _number(sp, sample.inputs[name])
                continue
            z = sum(
                (a[src] * symbols[(src, dst)] for src, dst in lay.weight_keys if dst == name),
                sp.Integer(0),
            )
            if name in biases:
                z += _number(sp, biases[name])
            g = sp.sympify(mathtable.fill(unit.function.sympy, z="Z_", p="P_"))
            if isinstance(g, sp.Piecewise):
                # the piece the unit is on at the current weights, by the Trace's z
                z_now = _number(sp, sample.z[lay.index[name]])
                g = next(e for e, cond in g.args if bool(cond.subs(z_sym, z_now)))
            param = unit.parameter if unit.parameter is not None else 0.0
            a[name] = g.subs({p_sym: _number(sp, param)}).subs(z_sym, z)
        n_out = sp.Integer(len(network.outputs))
        for k in network.outputs:
            total += cost_term.subs(
                {a_sym: a[k], y_sym: _number(sp, sample.targets[k]), k_sym: n_out}
            )
    return total / len(step.samples)


def _tidy(sp: Any, expr: Any, symbols: list[Any]) -> Any:
    """Expand polynomials (2 w - 2, as the handout writes it); leave the rest as built."""
    if expr.is_polynomial(*symbols):
        return sp.expand(expr)
    return expr


def _floats(sp: Any, expr: Any) -> Any:
    """Exact numbers back to short decimals for printing (49/50 -> 0.98, 6 significant digits)."""
    swap = {r: sp.Float(r, DIGITS) for r in expr.atoms(sp.Rational) if not r.is_Integer}
    swap.update({f: sp.Float(f, DIGITS) for f in expr.atoms(sp.Float)})
    return expr.xreplace(swap)


def _text(sp: Any, expr: Any) -> str:
    text = str(sp.sstr(_floats(sp, expr), full_prec=False))
    return text.replace("**", "^").replace("*", "·")
