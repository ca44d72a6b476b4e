"""Every quantity of one step, for marking: the step graph of :mod:`chainrule.core.stepgraph`.

The graph, its nodes and :func:`replay` live in core (one step graph for the whole project:
by-hand numbers, exact keys, follow-on marking and every mistake are replays of it); this
module names them for the teaching code and adds :func:`graph_of_step`.
"""

from __future__ import annotations

from chainrule.core.network import Network, weight_name
from chainrule.core.stepgraph import (
    LEAF_KINDS,
    STEP_KINDS,
    UNIT_KINDS,
    Graph,
    Node,
    Rule,
    back_sum,
    by_hand,
    replay,
    unit_name,
    update,
    weighted_sum,
)
from chainrule.core.trace import Step

__all__ = [
    "LEAF_KINDS", "STEP_KINDS", "UNIT_KINDS", "Graph", "Node", "Rule", "back_sum", "by_hand",
    "graph_of_step", "replay", "unit_name", "update", "weighted_sum",
]


def graph_of_step(network: Network, step: Step) -> Graph:
    """The graph of ``step``, its weight and bias leaves at the parameters it started from."""
    before = step.before()
    weights = {k: before["weights"][weight_name(k)] for k in network.weights}
    return Graph(network, weights, before["biases"])
