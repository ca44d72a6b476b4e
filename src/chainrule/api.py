"""The public functions that take a network in any form a user has it: a Network, a built-in
example's name, a path to a ``.toml``/``.json`` file, or a dict shaped like the file. Paths become
Networks here; the layers below take Networks only."""

from __future__ import annotations

from chainrule.core import engine
from chainrule.core.trace import Trace
from chainrule.io.netfile import NetworkLike, load


def solve(
    network: NetworkLike,
    steps: int = 1,
    *,
    learning_rate: float | None = None,
    max_steps: int | None = None,
    rounded: int | None = None,
) -> Trace:
    """Run ``steps`` steps of gradient descent and record every number in a Trace.

    Parameters
    ----------
    network : a Network, or anything :func:`chainrule.load` accepts (a built-in name, a path,
        a dict shaped like the network file).
    steps : number of steps, >= 1. Each step runs every sample forward and backward, then
        updates every trainable parameter once with the batch-mean gradient.
    learning_rate : r, overriding the network's own.
    max_steps : the most steps allowed, checked before any work (every number of every step is
        kept). Default: 100,000, or fewer for a large network so the Trace stays under 10
        million numbers.
    rounded : None (full precision), or a number of decimals: the steps worked as a student
        does by hand (for answer keys), every printed number rounded half up to that many
        decimals and each line computed from the rounded numbers before it.
        ``solve("exercise-2", rounded=4)`` gives ``0.66 · (-1.2054) = -0.7956``.

    Returns
    -------
    Trace

    Raises
    ------
    DivergedError
        if the cost or a parameter becomes infinite or NaN; its ``trace`` holds the steps
        completed before, so the last finite weights are kept.
    UsageError
        for a bad argument, or ``steps`` over the limit.

    Examples
    --------
    >>> trace = solve("exercise-1")
    >>> round(trace.step(1).after()["weights"]["j -> k"], 6)
    0.556
    """
    return engine.solve(
        load(network), steps, learning_rate=learning_rate, max_steps=max_steps, rounded=rounded
    )
