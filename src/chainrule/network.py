"""The Network: units, weights, biases, samples, cost and learning rate, validated once.

A Network is immutable: stepping or training makes a new one (:meth:`Network.with_parameters`).
Build one from a file or a dict with :func:`chainrule.load`, or from Python with
:meth:`Network.from_dict`; every problem found is a :class:`~chainrule.errors.NetworkError` that
names the key and says what would be valid.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from . import mathtable
from .errors import NetworkError

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
            return _from_dict(data)
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
        return _topological_order([u.name for u in self.units], self.weights)

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
        deepest = max(self.depth.values())
        return tuple(
            tuple(u.name for u in self.units if self.depth[u.name] == d)
            for d in range(deepest, -1, -1)
        )

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
        """The network as a TOML network file (see :func:`chainrule.netfile.dumps_toml`)."""
        from .netfile import dumps_toml

        return dumps_toml(self)

    # Jupyter: tables of units, weights and samples, and the diagram (chainrule.display)
    def _repr_html_(self) -> str:
        from .display import network_html

        return network_html(self)

    def _repr_markdown_(self) -> str:
        from .display import network_markdown

        return network_markdown(self)

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


def _from_dict(data: Mapping[str, Any]) -> Network:
    if not isinstance(data, Mapping):
        raise NetworkError(f"a network must be a table of keys, got {_kind(data)}")
    unknown = [k for k in data if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise NetworkError(
            f"unknown top-level key {_q(unknown[0])}; valid keys are {', '.join(TOP_LEVEL_KEYS)}",
            key=str(unknown[0]),
        )
    title = _optional_string(data, "title")
    description = _optional_string(data, "description")
    learning_rate = DEFAULT_LEARNING_RATE
    if "learning_rate" in data:
        learning_rate = _number(data["learning_rate"], "learning_rate")
        if learning_rate <= 0:
            raise NetworkError(f"must be a number > 0, got {learning_rate!r}", key="learning_rate")
    cost = data.get("cost", DEFAULT_COST)
    if not isinstance(cost, str) or cost not in mathtable.COSTS:
        raise NetworkError(
            f"unknown cost {_show(cost)}; valid costs are {', '.join(mathtable.COSTS)}", key="cost"
        )
    units = _units(data.get("units"))
    names = [u.name for u in units]
    weights = _weights(data.get("weights"), units)
    _check_graph(units, weights)
    network = Network(
        units=tuple(units),
        weights=weights,
        biases={},
        samples=(),
        learning_rate=learning_rate,
        cost=cost,
        title=title,
        description=description,
    )
    biases = _biases(data.get("biases", {}), network, names)
    samples = _samples(data.get("samples"), network)
    return replace(network, biases=biases, samples=tuple(samples))


def _q(value: object) -> str:
    """A name in double quotes, as the network file writes it."""
    return json.dumps(str(value), ensure_ascii=False)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {_q(value)}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _show(value: Any) -> str:
    return _q(value) if isinstance(value, str) else _kind(value)


def _optional_string(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise NetworkError(f"must be a string, got {_kind(value)}", key=key)
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NetworkError(f"must be a number, got {_kind(value)}", key=key)
    number = float(value)
    if not math.isfinite(number):
        raise NetworkError(f"must be a finite number, got {number!r}", key=key)
    return number


def _table(value: Any, key: str, what: str) -> Mapping[str, Any]:
    if value is None:
        raise NetworkError(f"missing; {what}", key=key)
    if not isinstance(value, Mapping):
        raise NetworkError(f"must be a table, got {_kind(value)}; {what}", key=key)
    return value


def _check_name(name: str, key: str) -> None:
    if not NAME_PATTERN.match(name):
        raise NetworkError(
            f"bad unit name {_q(name)}; a name is letters, digits and _, starting with a letter "
            "(e.g. i, h1, In_1)",
            key=key,
        )


def _units(value: Any) -> list[Unit]:
    table = _table(value, "[units]", 'write one line per unit, e.g. i = "input", k = "relu"')
    if not table:
        raise NetworkError(
            "is empty; a network needs at least an input and an output", key="[units]"
        )
    valid = ", ".join([*mathtable.ACTIVATIONS, *mathtable.ACTIVATION_ALIASES])
    units = []
    for name, spec in table.items():
        key = f"[units] {name}"
        _check_name(name, key)
        parameter: float | None = None
        if isinstance(spec, Mapping):
            extra = [k for k in spec if k not in ("activation", "slope")]
            if extra:
                raise NetworkError(
                    f"unknown key {_q(extra[0])}; valid keys are activation, slope", key=key
                )
            activation = spec.get("activation")
            if activation is None:
                raise NetworkError(f"missing 'activation'; valid activations are {valid}", key=key)
        else:
            activation = spec
        if not isinstance(activation, str):
            raise NetworkError(f"activation must be a string, got {_kind(activation)}", key=key)
        try:
            entry = mathtable.activation(activation)
        except KeyError:
            raise NetworkError(
                f"unknown activation {_q(activation)}; valid activations are {valid}", key=key
            ) from None
        if isinstance(spec, Mapping) and "slope" in spec:
            if entry.parameter != "slope":
                raise NetworkError(f"'slope' is only for leaky_relu, not for {entry.name}", key=key)
            parameter = _number(spec["slope"], f"{key}.slope")
        elif entry.parameter is not None:
            parameter = entry.default_parameter
        units.append(Unit(name, entry.name, parameter))
    return units


def _parameter(value: Any, key: str) -> Parameter:
    if isinstance(value, Mapping):
        extra = [k for k in value if k not in ("value", "trainable")]
        if extra:
            raise NetworkError(
                f"unknown key {_q(extra[0])}; valid keys are value, trainable", key=key
            )
        if "value" not in value:
            raise NetworkError(
                "missing 'value'; write e.g. { value = 0.5, trainable = false }", key=key
            )
        trainable = value.get("trainable", True)
        if not isinstance(trainable, bool):
            raise NetworkError(
                f"'trainable' must be true or false, got {_kind(trainable)}", key=key
            )
        return Parameter(_number(value["value"], f"{key}.value"), trainable)
    return Parameter(_number(value, key))


def _weights(value: Any, units: Sequence[Unit]) -> dict[WeightKey, Parameter]:
    table = _table(value, "[weights]", 'write one line per weight, e.g. "i -> j" = 0.5')
    names = {u.name: u for u in units}
    listing = ", ".join(names)
    weights: dict[WeightKey, Parameter] = {}
    for raw, spec in table.items():
        key = f'[weights] "{raw}"'
        parts = raw.split("->")
        if len(parts) != 2:
            raise NetworkError('a weight key is "FROM -> TO", e.g. "i -> j"', key=key)
        a, b = (p.strip() for p in parts)
        for n in (a, b):
            _check_name(n, key)
            if n not in names:
                raise NetworkError(f"no unit named {_q(n)}; units are {listing}", key=key)
        if a == b:
            raise NetworkError(
                f"a unit cannot feed itself ({_q(a)} -> {_q(a)}); remove it", key=key
            )
        if names[b].is_input:
            raise NetworkError(
                f"{_q(b)} is an input unit, and inputs take no weights; make {_q(b)} a non-input "
                "unit or remove this weight",
                key=key,
            )
        if (a, b) in weights:
            raise NetworkError(
                f"duplicate weight: {_q(weight_name((a, b)))} is written twice", key=key
            )
        weights[(a, b)] = _parameter(spec, key)
    return weights


def _topological_order(names: Sequence[str], weights: Iterable[WeightKey]) -> tuple[str, ...]:
    """Kahn's algorithm with ties in the given order; raises NetworkError naming a cycle."""
    succ: dict[str, list[str]] = {n: [] for n in names}
    indegree = dict.fromkeys(names, 0)
    for a, b in weights:
        succ[a].append(b)
        indegree[b] += 1
    rank = {n: i for i, n in enumerate(names)}
    ready = [n for n in names if indegree[n] == 0]
    order: list[str] = []
    while ready:
        ready.sort(key=rank.__getitem__, reverse=True)
        n = ready.pop()
        order.append(n)
        for m in succ[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    if len(order) < len(names):
        raise NetworkError(
            f"the weights form a cycle ({_find_cycle(succ, indegree)}); a network must be "
            "acyclic (feed-forward)",
            key="[weights]",
        )
    return tuple(order)


def _find_cycle(succ: Mapping[str, list[str]], indegree: Mapping[str, int]) -> str:
    left = {n for n, d in indegree.items() if d > 0}
    start = min(left)
    path = [start]
    seen = {start: 0}
    node = start
    while True:
        node = next(m for m in succ[node] if m in left)
        if node in seen:
            cycle = [*path[seen[node] :], node]
            return " -> ".join(cycle)
        seen[node] = len(path)
        path.append(node)


def _check_graph(units: Sequence[Unit], weights: Mapping[WeightKey, Parameter]) -> None:
    has_in = {b for _, b in weights}
    has_out = {a for a, _ in weights}
    for u in units:
        if u.is_input and u.name not in has_out:
            raise NetworkError(
                f'input {_q(u.name)} feeds no unit; add a weight "{u.name} -> ..." or remove it',
                key=f"[units] {u.name}",
            )
        if not u.is_input and u.name not in has_in:
            raise NetworkError(
                f'unit {_q(u.name)} has no incoming weight; add a weight "... -> {u.name}" '
                'or make it an input (activation "input")',
                key=f"[units] {u.name}",
            )
    _topological_order([u.name for u in units], weights)
    outputs = [u for u in units if not u.is_input and u.name not in has_out]
    softmax_outputs = [u for u in outputs if u.activation == "softmax"]
    for u in units:
        if u.activation == "softmax" and u.name in has_out:
            raise NetworkError(
                "softmax is only for output units (units with no outgoing weights)",
                key=f"[units] {u.name}",
            )
    if softmax_outputs and len(softmax_outputs) != len(outputs):
        other = next(u for u in outputs if u.activation != "softmax")
        raise NetworkError(
            f"output {_q(other.name)} is {_q(other.activation)} but other outputs are softmax; "
            "softmax needs every output unit to be softmax",
            key=f"[units] {other.name}",
        )


def _biases(value: Any, network: Network, names: Sequence[str]) -> dict[str, Parameter]:
    table = _table(value, "[biases]", "write e.g. j = 0.1")
    biases: dict[str, Parameter] = {}
    for name, spec in table.items():
        key = f"[biases] {name}"
        _check_name(name, key)
        if name not in network.unit:
            raise NetworkError(f"no unit named {_q(name)}; units are {', '.join(names)}", key=key)
        if network.unit[name].is_input:
            raise NetworkError(f"{_q(name)} is an input unit, and inputs have no bias", key=key)
        biases[name] = _parameter(spec, key)
    return biases


def _samples(value: Any, network: Network) -> list[Sample]:
    hint = (
        "add at least one [[samples]] with inputs = { "
        + ", ".join(f"{n} = ..." for n in network.inputs)
        + " } and targets = { "
        + ", ".join(f"{n} = ..." for n in network.outputs)
        + " }"
    )
    if value is None:
        raise NetworkError(f"missing; {hint}", key="[[samples]]")
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise NetworkError(f"must be a non-empty list of tables; {hint}", key="[[samples]]")
    samples = []
    for number, spec in enumerate(value, start=1):
        key = f"[[samples]] #{number}"
        if not isinstance(spec, Mapping):
            raise NetworkError(
                f"must be a table with inputs and targets, got {_kind(spec)}", key=key
            )
        extra = [k for k in spec if k not in ("inputs", "targets")]
        if extra:
            raise NetworkError(
                f"unknown key {_q(extra[0])}; valid keys are inputs, targets", key=key
            )
        inputs = _values(spec.get("inputs"), f"{key} inputs", network.inputs, "input")
        targets = _values(spec.get("targets"), f"{key} targets", network.outputs, "output")
        for name, y in targets.items():
            if network.cost == "binary_cross_entropy" and not 0.0 <= y <= 1.0:
                raise NetworkError(
                    f"target {y!r} is outside [0, 1], which binary_cross_entropy needs",
                    key=f"{key} targets.{name}",
                )
            if network.cost == "categorical_cross_entropy" and y < 0.0:
                raise NetworkError(
                    f"target {y!r} is negative; categorical_cross_entropy needs targets >= 0",
                    key=f"{key} targets.{name}",
                )
        samples.append(Sample(inputs, targets))
    return samples


def _values(value: Any, key: str, expected: Sequence[str], what: str) -> dict[str, float]:
    listing = ", ".join(expected)
    if value is None:
        raise NetworkError(f"missing; give a value for each {what} unit: {listing}", key=key)
    if not isinstance(value, Mapping):
        raise NetworkError(
            f"must be a table like {{ {expected[0]} = 0.5 }}, got {_kind(value)}", key=key
        )
    for name in value:
        if name not in expected:
            raise NetworkError(
                f"{_q(name)} is not an {what} unit; {what} units are {listing}", key=key
            )
    missing = [n for n in expected if n not in value]
    if missing:
        raise NetworkError(
            f"no value for {what} unit {_q(missing[0])}; {what} units are {listing}", key=key
        )
    return {n: _number(value[n], f"{key}.{n}") for n in expected}
