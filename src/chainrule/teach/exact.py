"""Exact answers: every quantity as a rational number, where the network allows it.

With identity, ReLU and leaky-ReLU units and a squared-error cost, every quantity of a step is
made of +, -, x and / by whole numbers of the numbers in the file. Read as the decimals they are
written as (0.86 is 43/50, not the nearest double), the step graph replayed with Python's
:class:`~fractions.Fraction` (:func:`chainrule.core.stepgraph.replay`) gives each answer
exactly: 0.915687632, not 0.9156876320000001. Sigmoid, tanh and softmax (e^z) and the cross
entropies (ln a) are irrational: :func:`unsupported` says so.

Each value is printed exactly (:func:`decimal`): a decimal that ends is written in full, any
other value as the fraction ``p/q`` in lowest terms (1/3, never 0.333...). The digits grow with
every step (about threefold for a chain of two weights), so the work is bounded before it
starts: :func:`check_digits` estimates the digits of the longest number and refuses beyond
:data:`MAX_DIGITS` (``max_digits=``, ``--max-digits``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from chainrule.core import checks
from chainrule.core.errors import UsageError
from chainrule.core.network import Network
from chainrule.core.stepgraph import (
    Graph,
    as_written,
    exact_digit_estimates,
    exact_digits,
    exact_unsupported,
    replay,
)

MAX_DIGITS = 20_000
"""The default most digits (numerator and denominator together) of the longest exact value:
``max_digits=`` / ``--max-digits`` raises it."""
MOST_DIGITS = 200_000
"""The most ``max_digits`` may be raised to: exercise-2's 8 exact steps (about 144,000 digits)
take about 20 s on one core, and the time grows with the square of the digits (its 10 steps,
1.3 million digits, would take half an hour)."""


def unsupported(network: Network) -> str | None:
    """Why ``network`` has no exact answers (one phrase), or None."""
    return exact_unsupported(network)


def check_digits(network: Network, steps: int, max_digits: int | None = None) -> None:
    """Refuse, before any work, ``steps`` exact steps whose numbers would run past
    ``max_digits`` digits (default :data:`MAX_DIGITS`), naming the parameter that raises it."""
    limit = MAX_DIGITS if max_digits is None else checks.count(max_digits, "max_digits")
    if limit > MOST_DIGITS:
        raise UsageError(
            f"`max_digits` must be a whole number from 1 to {MOST_DIGITS:,} (exact numbers "
            f"longer than that take many minutes: the time grows with the square of the "
            f"digits), got {limit:,}")
    estimates = exact_digit_estimates(network, steps, limit)
    if estimates[-1] <= limit:
        return
    fits = len(estimates) - 1
    last = exact_digits(network, steps, 10**12)
    shown = f"about {last:,}" if last <= 10**12 else "over a trillion"
    raise UsageError(
        f"`exact`: {steps:,} step(s) of exact numbers would take {shown} digits (they grow "
        f"with every step: {estimates[0]:,} at step 1), over the limit of {limit:,}; ask for "
        f"at most {fits:,} step(s), " + (
            f"or raise the limit with `max_digits={last}` (slow: the time grows with the "
            "square of the digits)" if last <= MOST_DIGITS else
            f"as exact numbers past {MOST_DIGITS:,} digits take too long (without `exact`, "
            "any number of steps is worked in floating point)")
    )


def exact_steps(
    network: Network, steps: int = 1, *, max_digits: int | None = None
) -> list[dict[str, Fraction]]:
    """Every quantity of every step, by its answers-file name, as an exact Fraction.

    Raises UsageError (naming the unit or cost) where the network has no exact answers, and
    (before any work) where the numbers would run past ``max_digits`` digits.
    """
    why = unsupported(network)
    if why:
        raise UsageError(f"`exact`: no exact answers for this network: {why}")
    steps = checks.count(steps, "steps")
    check_digits(network, steps, max_digits)
    graph = Graph(network)  # built once: each step replays it at the new weights
    weights: list[Any] = [as_written(p.value) for p in network.weights.values()]
    biases: list[Any] = [as_written(p.value) for p in network.biases.values()]
    named = [n for n in graph.nodes if n.name and n.kind != "input"]
    out = []
    for _ in range(steps):
        computed, _ = replay(graph, number=Fraction, parameters=(weights, biases))
        out.append({n.name or "": Fraction(computed[n.index]) for n in named})
        weights = [computed[i] for i in graph.new_weights]
        biases = [computed[i] for i in graph.new_biases]
    return out


def decimal(x: Fraction) -> str:
    """``x`` exactly: its decimal in full when it ends (0.915687632, 12.5, -3), else the
    fraction ``p/q`` in lowest terms (1/3, -7/30)."""
    d = x.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    sign = "-" if x < 0 else ""
    if d != 1:
        return f"{sign}{_digits(abs(x.numerator))}/{_digits(x.denominator)}"
    places = max(twos, fives)
    scaled = abs(x.numerator) * (10**places // x.denominator)  # exact: the denominator divides
    digits = _digits(scaled).rjust(places + 1, "0")
    whole, frac = digits[: len(digits) - places], digits[len(digits) - places:].rstrip("0")
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


_CHUNK = 4000
"""Digits converted at once (Python refuses ``str`` of an int over 4,300 digits by default)."""


def _digits(n: int) -> str:
    """The decimal digits of ``n`` >= 0, however many (split in halves, each converted)."""
    if n < 10**_CHUNK:
        return str(n)
    half = max(_CHUNK, (n.bit_length() * 3 // 10) // 2)
    high, low = divmod(n, 10**half)
    return _digits(high) + _digits(low).rjust(half, "0")


def table(values: dict[str, Fraction]) -> list[tuple[str, str]]:
    """(name, exact value) rows."""
    return [(name, decimal(v)) for name, v in values.items()]


def render(
    network: Network, steps: int = 1, fmt: str = "text", *, max_digits: int | None = None
) -> str:
    """``chainrule solve --exact``: every quantity of every step exactly, as text (one table
    per step) or JSON (``{"title", "exact": true, "steps": [{"step", "values"}]}``, each value a
    string: a decimal in full where it ends, else ``p/q``; ``"form"`` says so)."""
    import json

    values = exact_steps(network, steps, max_digits=max_digits)
    if fmt == "json":
        data = {
            "title": network.title,
            "exact": True,
            "form": "a decimal in full where it ends, else the fraction p/q in lowest terms",
            "steps": [{"step": i, "values": dict(table(v))} for i, v in enumerate(values, 1)],
        }
        return json.dumps(data, indent=2) + "\n"
    if fmt != "text":
        raise UsageError(f"`exact` writes text or json, not {fmt}")
    lines = [f"{network.title or 'Network'}: exact values (every number read as the decimal "
             "written in the file; a decimal in full where it ends, else p/q)"]
    for i, v in enumerate(values, 1):
        rows = table(v)
        width = max(len(n) for n, _ in rows)
        lines += ["", f"Step {i}"]
        lines += [f"  {name.ljust(width)}  {text}" for name, text in rows]
    return "\n".join(lines) + "\n"
