"""The Network: units, weights, biases, samples, cost and learning rate, validated once.

A Network is immutable: stepping or training makes a new one (:meth:`Network.with_parameters`).
Build one from a file or a dict with :func:`chainrule.load`, or from Python with
:meth:`Network.from_dict`; every problem found is a :class:`~chainrule.errors.NetworkError` that
names the key and says what would be valid.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from chainrule.core import mathtable
from chainrule.core.display import shown
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


@dataclass(frozen=True, eq=False)
class Network:
    """A validated, acyclic network of named units (treat it and its mappings as read-only).

    Parameters
    ----------
    units : tuple of Unit, in the order they were written.
    weights : mapping ``(from, to) -> Parameter``, in the order they were written.
    biases : mapping ``unit -> Parameter``; a unit with no entry has no bias.
    samples : tuple of Sample; several make one batch (mean cost, mean gradients).
    learning_rate : r in ``w_new = w_old - r dC/dw``.
    cost : a key of :data:`chainrule.mathtable.COSTS`.
    """

    units: tuple[Unit, ...]
    weights: Mapping[WeightKey, Parameter]
    biases: Mapping[str, Parameter] = field(default_factory=dict)
    samples: tuple[Sample, ...] = ()
    learning_rate: float = DEFAULT_LEARNING_RATE
    cost: str = DEFAULT_COST
    title: str | None = None
    description: str | None = None

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Network:
        """Validate a dict shaped like the network file and build the Network."""
        try:
            from chainrule.core.schema import network_from_dict

            return network_from_dict(data)
        except NetworkError as error:
            raise error.located(source) if source else error from None

    def with_parameters(
        self,
        weights: Mapping[WeightKey, float] | None = None,
        biases: Mapping[str, float] | None = None,
        **changes: Any,
    ) -> Network:
        """A copy with new parameter values (trainable flags kept) and other fields changed."""
        new_weights = self.weights
        if weights is not None:
            new_weights = {
                k: Parameter(float(weights[k]), p.trainable) for k, p in self.weights.items()
            }
        new_biases = self.biases
        if biases is not None:
            new_biases = {
                k: Parameter(float(biases[k]), p.trainable) for k, p in self.biases.items()
            }
        return replace(self, weights=new_weights, biases=new_biases, **changes)

    # -- structure ---------------------------------------------------------------------------

    @cached_property
    def unit(self) -> Mapping[str, Unit]:
        """Units by name."""
        return {u.name: u for u in self.units}

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Unit names in a feed-forward (topological) order, ties kept in file order."""
        return topological_order([u.name for u in self.units], self.weights)

    @cached_property
    def depth(self) -> Mapping[str, int]:
        """Each unit's longest path to an output: 0 for the output layer L, 1 for L-1, ..."""
        depth: dict[str, int] = {}
        successors = self.successors
        for name in reversed(self.order):
            depth[name] = max((depth[s] + 1 for s in successors[name]), default=0)
        return depth

    def layer(self, name: str) -> str:
        """The layer of a unit in the handout's notation: ``"L"``, ``"L-1"``, ..."""
        return layer_name(self.depth[name])

    @cached_property
    def layers(self) -> tuple[tuple[str, ...], ...]:
        """Unit names grouped by layer, from the input side to the output ``L``."""
        groups: list[list[str]] = [[] for _ in range(max(self.depth.values()) + 1)]
        for u in self.units:  # one pass: linear in the units however many layers
            groups[self.depth[u.name]].append(u.name)
        return tuple(tuple(group) for group in reversed(groups))

    @cached_property
    def successors(self) -> Mapping[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {u.name: [] for u in self.units}
        for a, b in self.weights:
            out[a].append(b)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def predecessors(self) -> Mapping[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {u.name: [] for u in self.units}
        for a, b in self.weights:
            out[b].append(a)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Input unit names, in file order."""
        return tuple(u.name for u in self.units if u.is_input)

    @cached_property
    def outputs(self) -> tuple[str, ...]:
        """Output unit names (no outgoing weights), in file order."""
        return tuple(u.name for u in self.units if not u.is_input and not self.successors[u.name])

    @property
    def n_parameters(self) -> int:
        return len(self.weights) + len(self.biases)

    # -- conversion ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The network as a dict shaped like the file (``Network.from_dict`` reads it back)."""
        out: dict[str, Any] = {}
        if self.title is not None:
            out["title"] = self.title
        if self.description is not None:
            out["description"] = self.description
        out["learning_rate"] = self.learning_rate
        out["cost"] = self.cost
        units: dict[str, Any] = {}
        for u in self.units:
            if u.parameter is None:
                units[u.name] = u.activation
            else:
                units[u.name] = {
                    "activation": u.activation,
                    u.function.parameter or "p": u.parameter,
                }
        out["units"] = units
        out["weights"] = {weight_name(k): _param_dict(p) for k, p in self.weights.items()}
        out["biases"] = {k: _param_dict(p) for k, p in self.biases.items()}
        out["samples"] = [
            {"inputs": dict(s.inputs), "targets": dict(s.targets)} for s in self.samples
        ]
        return out

    def to_toml(self) -> str:
        """The network as a TOML network file (see :func:`chainrule.core.schema.dumps_toml`)."""
        from chainrule.core.schema import dumps_toml

        return dumps_toml(self)

    # Jupyter: tables of units, weights and samples, and the diagram (chainrule.display)
    def _repr_html_(self) -> str:
        return shown(self, "html")

    def _repr_markdown_(self) -> str:
        return shown(self, "markdown")

    def __repr__(self) -> str:
        name = f"{self.title!r}, " if self.title else ""
        sizes = "-".join(str(len(layer)) for layer in self.layers)
        return (
            f"Network({name}{sizes} units by layer, {len(self.weights)} weights, "
            f"{len(self.biases)} biases, {len(self.samples)} sample(s), cost={self.cost!r}, "
            f"learning_rate={self.learning_rate!r})"
        )


def _param_dict(p: Parameter) -> float | dict[str, Any]:
    return p.value if p.trainable else {"value": p.value, "trainable": False}


# ---------------------------------------------------------------------------------------------
# Validation: one function per part of the file, each error naming its key.



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


def parameter_keys(table: Mapping[Any, Parameter]) -> tuple[Any, ...]:
    return table._keys if isinstance(table, ParameterTable) else tuple(table)


class ParameterTable(Mapping[Any, Parameter]):
    """A read-only mapping ``key -> Parameter`` over a list of values, made without building a
    Parameter object per weight until one is asked for (a trained network may have 100,000).
    The key index and trainable flags are shared between networks of the same structure."""

    __slots__ = ("_index", "_keys", "_trainable", "_values")

    def __init__(self, keys: tuple[Any, ...], index: Mapping[Any, int],
                 values: list[float], trainable: Sequence[bool]) -> None:
        self._keys = keys
        self._index = index
        self._values = values
        self._trainable = trainable

    @classmethod
    def like(cls, source: Mapping[Any, Parameter], keys: tuple[Any, ...], values: list[float]
             ) -> ParameterTable:
        """A table with ``source``'s keys (in ``keys`` order) and trainable flags, new values."""
        if isinstance(source, ParameterTable) and source._keys is keys:
            return cls(keys, source._index, values, source._trainable)
        trainable = [p.trainable for p in source.values()]
        return cls(keys, {k: i for i, k in enumerate(keys)}, values, trainable)

    def __getitem__(self, key: Any) -> Parameter:
        i = self._index[key]
        return Parameter(self._values[i], self._trainable[i])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __repr__(self) -> str:
        return f"ParameterTable({len(self)} parameters)"
