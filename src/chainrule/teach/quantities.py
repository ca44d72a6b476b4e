"""Every quantity of one step, for marking: the step graph of :mod:`chainrule.core.stepgraph`.

The graph, its nodes, its rules and :func:`replay` live in core (one step graph for the whole
project: by-hand numbers, exact keys, follow-on marking and every mistake are replays of it);
this module names them for the teaching code. A network's graph is built once; a step of it is
a replay at that step's weights (:func:`parameters_of`).
"""

from __future__ import annotations

from chainrule.core.stepgraph import (
    LEAF_KINDS,
    STEP_KINDS,
    UNIT_KINDS,
    Graph,
    Input,
    Node,
    Parameters,
    Rule,
    activation,
    back_sum,
    by_hand,
    const,
    copy,
    cost_slope,
    mean,
    parameters_of,
    product,
    replay,
    scaled,
    slope,
    total,
    unit_name,
    update,
    weighted_sum,
)

__all__ = [
    "LEAF_KINDS", "STEP_KINDS", "UNIT_KINDS", "Graph", "Input", "Node", "Parameters", "Rule",
    "activation", "back_sum", "by_hand", "const", "copy", "cost_slope", "mean", "parameters_of",
    "product", "replay", "scaled", "slope", "total", "unit_name", "update", "weighted_sum",
]
