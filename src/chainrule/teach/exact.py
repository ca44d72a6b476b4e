"""Exact answers: every quantity as a rational number, where the network allows it.

With identity, ReLU and leaky-ReLU units and a squared-error cost, every quantity of a step is
made of +, -, x and / by whole numbers of the numbers in the file. Read as the decimals they are
written as (0.86 is 43/50, not the nearest double), the quantity graph replayed with Python's
:class:`~fractions.Fraction` gives each answer exactly: 0.915687632, not 0.9156876320000001.
Sigmoid, tanh and softmax (e^z) and the cross entropies (ln a) are irrational: :func:`unsupported`
says so.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from chainrule.core import mathtable
from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey
from chainrule.teach.quantities import Graph, replay

DIGITS = 30
"""Significant digits shown of a value whose decimal expansion does not end (1/3)."""


def unsupported(network: Network) -> str | None:
    """Why ``network`` has no exact answers (one phrase), or None."""
    for unit in network.units:
        if not unit.is_input and not unit.function.exact:
            return (f"unit {unit.name} is {unit.activation}, whose value is irrational (exact "
                    "answers need identity, relu or leaky_relu units)")
    if not mathtable.COSTS[network.cost].exact:
        return (f"the cost {network.cost} takes a logarithm (exact answers need "
                "squared_error, half_squared_error or mean_squared_error)")
    return None


def as_written(x: float) -> Fraction:
    """A number read from a file as the decimal it was written as: 0.86 -> 43/50."""
    return Fraction(repr(float(x)))


def exact_steps(network: Network, steps: int = 1) -> list[dict[str, Fraction]]:
    """Every quantity of every step, by its answers-file name, as an exact Fraction.

    Raises UsageError (naming the unit or cost) where the network has no exact answers.
    """
    why = unsupported(network)
    if why:
        raise UsageError(f"`exact`: no exact answers for this network: {why}")
    weights: dict[WeightKey, Any] = {k: as_written(p.value) for k, p in network.weights.items()}
    biases: dict[str, Any] = {k: as_written(p.value) for k, p in network.biases.items()}
    out = []
    for _ in range(steps):
        graph = Graph(network, weights, biases, exact=True)
        computed, _ = replay(graph)
        values = {n.name: Fraction(computed[n.index]) for n in graph.nodes
                  if n.name and n.kind != "input"}
        out.append(values)
        weights = {k: Fraction(computed[graph.at("new_w", -1, k)]) for k in network.weights}
        biases = {u: Fraction(computed[graph.at("new_b", -1, u)]) for u in network.biases}
    return out


def decimal(x: Fraction) -> str:
    """The exact decimal of ``x`` when it ends (0.915687632), else :data:`DIGITS` significant
    digits followed by ``...``."""
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    with localcontext() as ctx:
        ctx.prec = 400
        value = Decimal(x.numerator) / Decimal(x.denominator)
        if d == 1:
            text = format(value.normalize(), "f")
            return "0" if text in ("-0", "") else text
        ctx.prec = DIGITS
        return format(+value, "f") + "..."


def table(values: dict[str, Fraction]) -> list[tuple[str, str]]:
    """(name, exact decimal) rows."""
    return [(name, decimal(v)) for name, v in values.items()]


def render(network: Network, steps: int = 1, fmt: str = "text") -> str:
    """``chainrule solve --exact``: every quantity of every step as an exact decimal, as text
    (one table per step) or JSON (``{"title", "exact": true, "steps": [{"step", "values"}]}``,
    each value a string so that no digit is lost)."""
    import json

    values = exact_steps(network, steps)
    if fmt == "json":
        data = {
            "title": network.title,
            "exact": True,
            "steps": [{"step": i, "values": dict(table(v))} for i, v in enumerate(values, 1)],
        }
        return json.dumps(data, indent=2) + "\n"
    if fmt != "text":
        raise UsageError(f"`exact` writes text or json, not {fmt}")
    lines = [f"{network.title or 'Network'}: exact values (every number read as the decimal "
             "written in the file)"]
    for i, v in enumerate(values, 1):
        rows = table(v)
        width = max(len(n) for n, _ in rows)
        lines += ["", f"Step {i}"]
        lines += [f"  {name.ljust(width)}  {text}" for name, text in rows]
    return "\n".join(lines) + "\n"
