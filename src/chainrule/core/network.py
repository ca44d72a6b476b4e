"""The Network: units, weights, biases, samples, cost and learning rate, validated once.

A Network is immutable: stepping or training makes a new one (:meth:`Network.with_parameters`).
Build one from a file or a dict with :func:`chainrule.load`, or from Python with
:meth:`Network.from_dict`; every problem found is a :class:`~chainrule.errors.NetworkError` that
names the key and says what would be valid.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from chainrule.core import schema
from chainrule.core.display import shown
from chainrule.core.errors import NetworkError
from chainrule.core.parts import (
    DEFAULT_COST,
    DEFAULT_LEARNING_RATE,
    NAME_PATTERN,
    TOP_LEVEL_KEYS,
    Parameter,
    Sample,
    Unit,
    WeightKey,
    layer_name,
    topological_order,
    weight_name,
)

__all__ = [
    "DEFAULT_COST",
    "DEFAULT_LEARNING_RATE",
    "NAME_PATTERN",
    "TOP_LEVEL_KEYS",
    "Network",
    "Parameter",
    "ParameterTable",
    "Sample",
    "Unit",
    "WeightKey",
    "layer_name",
    "parameter_keys",
    "topological_order",
    "weight_name",
]

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
            return schema.network_from_dict(data, cls)
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
        return schema.dumps_toml(self)

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



def parameter_keys(table: Mapping[Any, Parameter]) -> tuple[Any, ...]:
    return table._keys if isinstance(table, ParameterTable) else tuple(table)


class ParameterTable(Mapping[Any, Parameter]):
    """A read-only mapping ``key -> Parameter`` over a list of values, made without building a
    Parameter object per weight until one is asked for (a trained network may have 100,000).
    The key index and trainable flags are shared between networks of the same structure.
    ``values`` may also be a one-dimensional array (the trainer's): it becomes a list of plain
    floats when a value is first asked for, so a network nobody reads costs no conversion."""

    __slots__ = ("_index", "_keys", "_trainable", "_values")

    def __init__(self, keys: tuple[Any, ...], index: Mapping[Any, int],
                 values: Sequence[float] | Any, trainable: Sequence[bool]) -> None:
        self._keys = keys
        self._index = index
        self._values = values
        self._trainable = trainable

    @classmethod
    def like(cls, source: Mapping[Any, Parameter], keys: tuple[Any, ...],
             values: Sequence[float] | Any) -> ParameterTable:
        """A table with ``source``'s keys (in ``keys`` order) and trainable flags, new values."""
        if isinstance(source, ParameterTable) and source._keys is keys:
            return cls(keys, source._index, values, source._trainable)
        trainable = [p.trainable for p in source.values()]
        return cls(keys, {k: i for i, k in enumerate(keys)}, values, trainable)

    def __getitem__(self, key: Any) -> Parameter:
        i = self._index[key]
        values: Any = self._values
        if type(values) is not list:
            values = self._values = values.tolist()
        return Parameter(values[i], self._trainable[i])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __repr__(self) -> str:
        return f"ParameterTable({len(self)} parameters)"
