"""The parts a network is made of, as plain values: a unit, a weight or bias (a Parameter), a
sample, a weight's key and name, the network file's top-level keys and defaults, and the
topological order of the units.

:mod:`chainrule.core.schema` checks a network file's dict into these parts and
:mod:`chainrule.core.network` puts them together as a Network; neither imports the other's
caller, so the two have no circle between them.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chainrule.core import mathtable
from chainrule.core.errors import NetworkError

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
TOP_LEVEL_KEYS = (
    "title",
    "description",
    "learning_rate",
    "cost",
    "units",
    "weights",
    "biases",
    "samples",
)
DEFAULT_LEARNING_RATE = 0.1
DEFAULT_COST = "squared_error"

WeightKey = tuple[str, str]


def weight_name(key: WeightKey) -> str:
    """``("i", "j")`` -> ``"i -> j"``, the way a weight is always printed."""
    return f"{key[0]} -> {key[1]}"


def layer_name(depth: int) -> str:
    """0 -> ``"L"``, 2 -> ``"L-2"``: layers are counted back from the output."""
    return "L" if depth == 0 else f"L-{depth}"


@dataclass(frozen=True)
class Parameter:
    """A weight or a bias: its value, and whether gradient descent may change it."""

    value: float
    trainable: bool = True


@dataclass(frozen=True)
class Unit:
    """A unit (neuron): its name, its activation (canonical name) and the activation's parameter."""

    name: str
    activation: str
    parameter: float | None = None

    @property
    def function(self) -> mathtable.Activation:
        return mathtable.ACTIVATIONS[self.activation]

    @property
    def is_input(self) -> bool:
        return self.activation == "input"


@dataclass(frozen=True)
class Sample:
    """One training sample: a value per input unit and a target per output unit."""

    inputs: Mapping[str, float]
    targets: Mapping[str, float]



def topological_order(names: Sequence[str], weights: Iterable[WeightKey]) -> tuple[str, ...]:
    """Kahn's algorithm with ties in the given order; raises NetworkError naming a cycle.

    The ready units wait in a heap keyed by their position in ``names``, so the order costs
    O((units + weights) log units) whatever the network's shape.
    """
    rank = {n: i for i, n in enumerate(names)}
    succ: list[list[int]] = [[] for _ in names]
    indegree = [0] * len(names)
    for a, b in weights:
        succ[rank[a]].append(rank[b])
        indegree[rank[b]] += 1
    ready = [i for i, d in enumerate(indegree) if d == 0]  # ascending: already a heap
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for m in succ[i]:
            indegree[m] -= 1
            if indegree[m] == 0:
                heapq.heappush(ready, m)
    if len(order) < len(names):
        raise NetworkError(
            f"the weights form a cycle ({_find_cycle(names, succ, indegree)}); a network must be "
            "acyclic (feed-forward)",
            key="[weights]",
        )
    return tuple(names[i] for i in order)


def _find_cycle(names: Sequence[str], succ: Sequence[list[int]], indegree: Sequence[int]) -> str:
    """A cycle among the units Kahn's algorithm could not order, as ``a -> b -> a``.

    Every such unit has an unordered predecessor, so walking predecessors never gets stuck and
    must come back to a unit already seen (units downstream of a cycle have no way forward).
    """
    left = {i for i, d in enumerate(indegree) if d > 0}
    pred: dict[int, int] = {}
    for i in left:
        for m in succ[i]:
            if m in left:
                pred.setdefault(m, i)
    node = min(left)
    seen: dict[int, int] = {}
    path: list[int] = []
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = pred[node]
    cycle = path[seen[node]:][::-1]
    first = cycle.index(min(cycle))  # start at the unit written first
    cycle = cycle[first:] + cycle[:first]
    return " -> ".join(names[i] for i in [*cycle, cycle[0]])
