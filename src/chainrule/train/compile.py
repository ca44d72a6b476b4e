"""Compiling a Network to arrays: where every weight and bias lives in the trainer's matrices.

A network is compiled once into *groups* of units: group 0 holds the inputs (in the network's
input order, the columns of ``X``), the last group the outputs (in the network's output order,
the columns of ``Y``), and a hidden unit sits in group ``g`` when its longest path from an input
has ``g`` weights. No weight joins two units of the same group, so a group's weighted sums are a
few matrix products, one per earlier group that feeds it (a *block*, a dense weight matrix with
zeros where the network has no weight). A layered, fully connected MLP is the special case of
one full block per group: plain GEMMs. :mod:`chainrule.train.kernel` runs the passes.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule.core import mathtable
from chainrule.core.errors import UsageError
from chainrule.core.network import Network, ParameterTable, WeightKey, parameter_keys

Array = NDArray[Any]

# ---------------------------------------------------------------------------------------------
# Compiling a Network to arrays


@dataclass(frozen=True, eq=False)
class Block:
    """The weights from group ``src`` into one group, as a dense matrix ``(n_src, n_dst)``."""

    src: int
    shape: tuple[int, int]
    rows: Array
    cols: Array
    index: Array
    """Each weight's position in the network's weight order (``rows``, ``cols`` its place)."""
    mask: Array | None
    """1 where a weight exists and is trainable, else 0; None when every entry is both."""
    offset: int = -1
    """For a full block whose weights are consecutive, row-major in the network's order: the
    first one's position (then no index arrays are needed to read or write them)."""


@dataclass(frozen=True, eq=False)
class Group:
    units: tuple[str, ...]
    blocks: tuple[Block, ...]
    bias_cols: Array | None
    bias_index: Array | None
    bias_mask: Array | None
    segments: tuple[tuple[int, int, mathtable.Activation, float], ...]
    """Runs of units sharing an activation: (start, stop, activation, parameter)."""

    @property
    def size(self) -> int:
        return len(self.units)


@dataclass(frozen=True, eq=False)
class Structure:
    """Where every parameter of a network lives in the arrays (no values)."""

    groups: tuple[Group, ...]
    weight_keys: tuple[WeightKey, ...]
    bias_units: tuple[str, ...]
    cost: mathtable.Cost
    softmax: bool
    pair: mathtable.OutputPair | None
    """The output activation and cost as one entry of the math table, when they form one."""

    @property
    def n_inputs(self) -> int:
        return self.groups[0].size

    @property
    def n_outputs(self) -> int:
        return self.groups[-1].size

    @property
    def n_units(self) -> int:
        return sum(g.size for g in self.groups)

    def blocks(self) -> list[Block]:
        return [b for g in self.groups for b in g.blocks]

    def biased_groups(self) -> list[Group]:
        return [g for g in self.groups if g.bias_cols is not None]


# Compiled parameters (float64) of networks seen before, so that a network made by mlp(),
# train(), from_torch() or an .npz file is never compiled twice. Keyed by identity.
_COMPILED: weakref.WeakKeyDictionary[Network, tuple[Structure, list[Array]]] = (
    weakref.WeakKeyDictionary()
)


# Networks made from plain lists of values (the scalar trainer's result) whose arrays are made
# only if they are asked for.
_PENDING: weakref.WeakKeyDictionary[
    Network, tuple[Structure, Sequence[float], Sequence[float]]
] = weakref.WeakKeyDictionary()


def compile_network(network: Network) -> tuple[Structure, list[Array]]:
    """The network's array structure and its parameters (one float64 array per block, then
    one per biased group). Cached per Network object; the arrays must not be modified."""
    cached = _COMPILED.get(network)
    if cached is None:
        pending = _PENDING.pop(network, None)
        cached = _compile(network) if pending is None else (
            pending[0], _params_from_values(*pending))
        _COMPILED[network] = cached
    return cached


def _params_from_values(structure: Structure, weights: Sequence[float],
                        biases: Sequence[float]) -> list[Array]:
    w = np.array(weights, dtype=np.float64)
    b = np.array(biases, dtype=np.float64)
    out: list[Array] = []
    for blk in structure.blocks():
        p = np.zeros(blk.shape)
        p[blk.rows, blk.cols] = w[blk.index]
        out.append(p)
    for g in structure.biased_groups():
        assert g.bias_cols is not None and g.bias_index is not None
        bias = np.zeros(g.size)
        bias[g.bias_cols] = b[g.bias_index]
        out.append(bias)
    return out


def network_from_values(net: Network, structure: Structure, weights: Sequence[float],
                        biases: Sequence[float]) -> Network:
    """A copy of ``net`` holding ``weights`` and ``biases`` (plain floats in the network's
    order); its arrays are made when it is first compiled."""
    new = replace(net, weights=ParameterTable.like(net.weights, structure.weight_keys,
                                                   list(weights)),
                  biases=ParameterTable.like(net.biases, structure.bias_units, list(biases)))
    _PENDING[new] = (structure, list(weights), list(biases))
    return new


def _levels(net: Network) -> dict[str, int]:
    level: dict[str, int] = {}
    preds = net.predecessors
    for name in net.order:
        level[name] = 1 + max((level[p] for p in preds[name]), default=-1)
    top = max(level[o] for o in net.outputs)
    for o in net.outputs:
        level[o] = top
    return level


def _segments(
    net: Network, units: Sequence[str]
) -> tuple[tuple[int, int, mathtable.Activation, float], ...]:
    out: list[tuple[int, int, mathtable.Activation, float]] = []
    start = 0
    for i in range(1, len(units) + 1):
        if i == len(units) or _act_key(net, units[i]) != _act_key(net, units[start]):
            u = net.unit[units[start]]
            out.append((start, i, u.function, u.parameter or 0.0))
            start = i
    return tuple(out)


def _act_key(net: Network, name: str) -> tuple[str, float]:
    u = net.unit[name]
    return (u.activation, u.parameter or 0.0)


def _compile(net: Network) -> tuple[Structure, list[Array]]:
    level = _levels(net)
    top = level[net.outputs[0]]
    rank = {u.name: i for i, u in enumerate(net.units)}
    members: list[list[str]] = [list(net.inputs)]
    outputs = set(net.outputs)
    for g in range(1, top):
        hidden = [u.name for u in net.units if level[u.name] == g and u.name not in outputs]
        hidden.sort(key=lambda n: (*_act_key(net, n), rank[n]))
        members.append(hidden)
    members.append(list(net.outputs))
    where = {name: (g, i) for g, names in enumerate(members) for i, name in enumerate(names)}

    per_block: dict[tuple[int, int], list[tuple[int, int, int, float, bool]]] = {}
    for wi, ((a, b), p) in enumerate(net.weights.items()):
        (ga, i), (gb, j) = where[a], where[b]
        per_block.setdefault((ga, gb), []).append((i, j, wi, p.value, p.trainable))

    groups: list[Group] = []
    params: list[Array] = []
    bias_params: list[Array] = []
    bias_units = list(net.biases)
    bias_position = {u: bi for bi, u in enumerate(bias_units)}
    for g, names in enumerate(members):
        blocks: list[Block] = []
        for src in range(g):
            entries = per_block.get((src, g))
            if not entries:
                continue
            shape = (len(members[src]), len(names))
            rows = np.array([e[0] for e in entries], dtype=np.intp)
            cols = np.array([e[1] for e in entries], dtype=np.intp)
            index = np.array([e[2] for e in entries], dtype=np.intp)
            w = np.zeros(shape)
            w[rows, cols] = [e[3] for e in entries]
            mask: Array | None = None
            if len(entries) < shape[0] * shape[1] or not all(e[4] for e in entries):
                mask = np.zeros(shape)
                mask[rows, cols] = [1.0 if e[4] else 0.0 for e in entries]
            blocks.append(Block(src, shape, rows, cols, index, mask))
            params.append(w)
        bias_cols = bias_index = bias_mask = None
        with_bias = [(j, n) for j, n in enumerate(names) if n in bias_position]
        if g > 0 and with_bias:
            bias_cols = np.array([j for j, _ in with_bias], dtype=np.intp)
            bias_index = np.array([bias_position[n] for _, n in with_bias], dtype=np.intp)
            bias_values = np.zeros(len(names))
            bias_values[bias_cols] = [net.biases[n].value for _, n in with_bias]
            if len(with_bias) < len(names) or not all(
                net.biases[n].trainable for _, n in with_bias
            ):
                bias_mask = np.zeros(len(names))
                bias_mask[bias_cols] = [
                    1.0 if net.biases[n].trainable else 0.0 for _, n in with_bias
                ]
            bias_params.append(bias_values)
        segments = _segments(net, names) if g > 0 else ()
        groups.append(
            Group(tuple(names), tuple(blocks), bias_cols, bias_index, bias_mask, segments)
        )
    structure = Structure(
        tuple(groups), parameter_keys(net.weights), parameter_keys(net.biases),
        mathtable.COSTS[net.cost], *_output_kind(net),
    )
    return structure, params + bias_params


def _output_kind(net: Network) -> tuple[bool, mathtable.OutputPair | None]:
    """Whether the outputs are softmax, and the pair they form with the cost (if any)."""
    functions = [net.unit[o].function for o in net.outputs]
    pair = mathtable.output_pair([f.name for f in functions], net.cost)
    return functions[0].kind == "softmax", pair


def network_from_params(
    net: Network, structure: Structure, params: Sequence[Array], **changes: Any
) -> Network:
    """A copy of ``net`` holding ``params`` (any float dtype) as ordinary floats."""
    blocks = structure.blocks()
    n_blocks = len(blocks)
    values = np.empty(len(structure.weight_keys))
    for blk, w in zip(blocks, params[:n_blocks], strict=True):
        if blk.offset >= 0:
            values[blk.offset : blk.offset + w.size] = w.ravel()
        else:
            values[blk.index] = w[blk.rows, blk.cols]
    bias_values = np.empty(len(structure.bias_units))
    for g, b in zip(structure.biased_groups(), params[n_blocks:], strict=True):
        assert g.bias_cols is not None and g.bias_index is not None
        bias_values[g.bias_index] = b[g.bias_cols]
    weights = ParameterTable.like(net.weights, structure.weight_keys, values)
    biases = ParameterTable.like(net.biases, structure.bias_units, bias_values)
    new = replace(net, weights=weights, biases=biases, **changes)
    _COMPILED[new] = (structure, [np.array(p, dtype=np.float64) for p in params])
    return new


def unmasked(structure: Structure) -> Structure:
    groups = tuple(
        replace(g, blocks=tuple(replace(b, mask=None) for b in g.blocks), bias_mask=None)
        for g in structure.groups
    )
    return replace(structure, groups=groups)



def as_arrays(network: Network) -> tuple[list[Array], list[Array]]:
    """The weight matrices and bias vectors of a *layered, fully connected* network, from the
    input side: ``W[l]`` of shape (n_l, n_{l+1}) and ``b[l]`` of shape (n_{l+1},) (zeros where
    a unit has no bias). Raises UsageError for any other shape of network."""
    structure, params = compile_network(network)
    groups = structure.groups
    n_blocks = len(structure.blocks())
    ws: list[Array] = []
    bs: list[Array] = []
    bias_iter = iter(params[n_blocks:])
    block_iter = iter(params[:n_blocks])
    for g in range(1, len(groups)):
        blocks = groups[g].blocks
        if len(blocks) != 1 or blocks[0].src != g - 1 or len(blocks[0].rows) != blocks[0].shape[
            0
        ] * blocks[0].shape[1]:
            raise UsageError(
                "only a layered, fully connected network (every unit of a layer feeding every "
                "unit of the next, no skip connections) has plain weight matrices"
            )
        ws.append(next(block_iter).copy())
        bs.append(next(bias_iter).copy() if groups[g].bias_cols is not None
                  else np.zeros(groups[g].size))
    return ws, bs


def layer_activations(network: Network) -> list[tuple[str, float]]:
    """Each computed layer's activation and parameter, for a layered network (see as_arrays)."""
    structure, _ = compile_network(network)
    out = []
    for g in structure.groups[1:]:
        if len(g.segments) != 1:
            raise UsageError("every unit of a layer must have the same activation here")
        _, _, f, p = g.segments[0]
        out.append((f.name, p))
    return out


def register_layered(network: Network, weights: Sequence[Array], biases: Sequence[Array | None]
                     ) -> None:
    """Record the arrays of a layered network built in the layer-major order of ``mlp``
    (weights row-major by (from, to), layer by layer; biases unit by unit), so it never needs
    compiling. For :func:`chainrule.mlp`, :func:`chainrule.from_torch` and .npz files."""
    units_by_layer: list[list[str]] = []
    names = [u.name for u in network.units]
    pos = 0
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    for size in sizes:
        units_by_layer.append(names[pos : pos + size])
        pos += size
    groups: list[Group] = []
    offset = 0
    bias_offset = 0
    bias_params: list[Array] = []
    for g, layer in enumerate(units_by_layer):
        blocks: tuple[Block, ...] = ()
        bias_cols = bias_index = None
        if g > 0:
            w = weights[g - 1]
            rows, cols = np.divmod(np.arange(w.size, dtype=np.intp), w.shape[1])
            blocks = (Block(g - 1, (w.shape[0], w.shape[1]), rows, cols,
                             np.arange(offset, offset + w.size, dtype=np.intp), None, offset),)
            offset += w.size
            b = biases[g - 1]
            if b is not None:
                bias_cols = np.arange(len(layer), dtype=np.intp)
                bias_index = np.arange(bias_offset, bias_offset + len(layer), dtype=np.intp)
                bias_offset += len(layer)
                bias_params.append(np.array(b, dtype=np.float64))
        segments = _segments(network, layer) if g > 0 else ()
        groups.append(Group(tuple(layer), blocks, bias_cols, bias_index, None, segments))
    structure = Structure(tuple(groups), parameter_keys(network.weights),
                          parameter_keys(network.biases), mathtable.COSTS[network.cost],
                          *_output_kind(network))
    _COMPILED[network] = (structure, [np.array(w, dtype=np.float64) for w in weights] + bias_params)
