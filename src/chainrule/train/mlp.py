"""Building networks from Python: :func:`mlp`, a layered, fully connected network."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule.core import checks, limits, mathtable
from chainrule.core.errors import UsageError
from chainrule.core.network import (
    DEFAULT_LEARNING_RATE,
    Network,
    ParameterTable,
    Sample,
    Unit,
    WeightKey,
)


def layer_unit_names(sizes: Sequence[int]) -> list[list[str]]:
    """The unit names :func:`mlp` gives: inputs ``x1..``, hidden layer l ``hl_1..``, outputs
    ``o1..``."""
    names = [[f"x{i}" for i in range(1, sizes[0] + 1)]]
    for layer, size in enumerate(sizes[1:-1], start=1):
        names.append([f"h{layer}_{i}" for i in range(1, size + 1)])
    names.append([f"o{i}" for i in range(1, sizes[-1] + 1)])
    return names


def _activation(name: str, what: str, *, output: bool) -> mathtable.Activation:
    valid = [n for n, a in mathtable.ACTIVATIONS.items()
             if a.kind == "elementwise" or (output and a.kind == "softmax")]
    try:
        entry = mathtable.activation(name)
    except (KeyError, TypeError):
        entry = None
    if entry is None or entry.name not in valid:
        raise UsageError(f"`{what}` must be one of {', '.join(valid)}; got {name!r}")
    return entry


def check_parameters(sizes: Sequence[int], bias: bool = True,
                     max_parameters: int | None = None, *, what: str = "sizes") -> None:
    """Refuse a network over the parameter limit before anything is allocated."""
    limit = (limits.MAX_PARAMETERS if max_parameters is None
             else checks.count(max_parameters, "max_parameters"))
    count = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    count += sum(sizes[1:]) if bias else 0
    if count > limit:
        raise UsageError(
            f"`{what}` {','.join(map(str, sizes))} make {count:,} weights and biases, over the "
            f"limit of {limit:,} (each copy takes {8 * count / 2**20:,.0f} MB and training keeps "
            f"several); use smaller layers, or raise the limit with `max_parameters={count}`"
        )


def mlp(
    sizes: Sequence[int],
    hidden: str = "relu",
    output: str = "identity",
    cost: str = "squared_error",
    seed: int | None = None,
    *,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    bias: bool = True,
    title: str | None = None,
    max_parameters: int | None = None,
) -> Network:
    """A layered, fully connected network with random initial weights.

    Parameters
    ----------
    sizes : units per layer from the input side, e.g. ``[64, 32, 10]``: 64 inputs, one hidden
        layer of 32, 10 outputs. At least two numbers.
    hidden : activation of every hidden unit (relu, leaky_relu, sigmoid, tanh, identity).
    output : activation of the output units (also ``softmax``).
    cost : a cost of :data:`chainrule.mathtable.COSTS`.
    seed : makes the initial weights reproducible.
    learning_rate : the network's r (what :func:`chainrule.train` uses by default).
    bias : give every hidden and output unit a bias (initially 0).
    title : the network's title.
    max_parameters : allow more weights and biases than the limit (10 million: each copy of
        the parameters takes 80 MB, and training keeps several).

    Returns
    -------
    Network
        Units ``x1..`` (inputs), ``h1_1..`` (hidden layer 1), ..., ``o1..`` (outputs); weights
        drawn He-normal (``N(0, 2/fan_in)``) into ReLU-like units and Glorot-uniform
        (``U(-sqrt(6/(fan_in+fan_out)), +...)``) otherwise. It carries one placeholder sample
        of zeros, so that it is a complete network file.

    Examples
    --------
    >>> net = mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    >>> net.inputs, net.outputs, len(net.weights), len(net.biases)
    (('x1', 'x2'), ('o1',), 9, 4)
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2 or any(
        isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes
    ):
        raise UsageError(
            f"`sizes` must be a list of at least two whole numbers >= 1 (inputs, ..., outputs), "
            f"got {sizes!r}"
        )
    sizes = [int(s) for s in sizes]
    check_parameters(sizes, bias, max_parameters)
    hidden_entry = _activation(hidden, "hidden", output=False)
    output_entry = _activation(output, "output", output=True)
    if cost not in mathtable.COSTS:
        raise UsageError(f"`cost` must be one of {', '.join(mathtable.COSTS)}; got {cost!r}")
    learning_rate = checks.positive_number(learning_rate, "learning_rate")
    rng = np.random.default_rng(seed)
    arrays = []
    for layer in range(1, len(sizes)):
        fan_in, fan_out = sizes[layer - 1], sizes[layer]
        entry = output_entry if layer == len(sizes) - 1 else hidden_entry
        if entry.name in ("relu", "leaky_relu"):
            arrays.append(rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out)))
        else:
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            arrays.append(rng.uniform(-limit, limit, size=(fan_in, fan_out)))
    bias_arrays: list[NDArray[Any] | None] = [
        np.zeros(size) if bias else None for size in sizes[1:]
    ]
    activations = [(hidden_entry.name, _default(hidden_entry))] * (len(sizes) - 2)
    activations.append((output_entry.name, _default(output_entry)))
    return layered(arrays, bias_arrays, activations, cost=cost,
                   learning_rate=float(learning_rate), title=title)


def layered(
    weights: Sequence[NDArray[Any]],
    biases: Sequence[NDArray[Any] | None],
    activations: Sequence[tuple[str, float | None]],
    *,
    cost: str,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    title: str | None = None,
    description: str | None = None,
    names: Sequence[Sequence[str]] | None = None,
    samples: tuple[Sample, ...] | None = None,
) -> Network:
    """A layered, fully connected Network from weight matrices ``W[l]`` of shape
    (n_l, n_{l+1}), bias vectors (or None for a layer without biases) and each computed
    layer's (activation, parameter). Unit names are :func:`layer_unit_names` unless given."""
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    names = [list(layer) for layer in names] if names is not None else layer_unit_names(sizes)
    units = [Unit(n, "input") for n in names[0]]
    for layer_names, (act, p) in zip(names[1:], activations, strict=True):
        units += [Unit(n, act, p) for n in layer_names]
    keys: list[WeightKey] = []
    values: list[float] = []
    bias_keys: list[str] = []
    bias_values: list[float] = []
    for layer in range(1, len(sizes)):
        w = np.asarray(weights[layer - 1], dtype=np.float64)
        values += w.ravel().tolist()
        keys += [(a, b) for a in names[layer - 1] for b in names[layer]]
        b = biases[layer - 1]
        if b is not None:
            bias_keys += names[layer]
            bias_values += np.asarray(b, dtype=np.float64).tolist()
    from chainrule.train.compile import register_layered

    weight_keys = tuple(keys)
    weight_table = ParameterTable(weight_keys, {k: i for i, k in enumerate(weight_keys)}, values,
                                  [True] * len(values))
    bias_tuple = tuple(bias_keys)
    bias_table = ParameterTable(bias_tuple, {k: i for i, k in enumerate(bias_tuple)},
                                bias_values, [True] * len(bias_tuple))
    if samples is None:
        samples = (Sample(dict.fromkeys(names[0], 0.0), dict.fromkeys(names[-1], 0.0)),)
    net = Network(units=tuple(units), weights=weight_table, biases=bias_table, samples=samples,
                  learning_rate=learning_rate, cost=cost, title=title, description=description)
    register_layered(net, [np.asarray(w, dtype=np.float64) for w in weights],
                     [None if b is None else np.asarray(b, dtype=np.float64) for b in biases])
    return net


def _default(entry: mathtable.Activation) -> float | None:
    return entry.default_parameter if entry.parameter is not None else None
