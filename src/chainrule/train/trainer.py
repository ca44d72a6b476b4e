"""The vectorized trainer: the same Network, compiled to arrays, trained on real data.

A network is compiled once into *groups* of units: group 0 holds the inputs (in the network's
input order, the columns of ``X``), the last group the outputs (in the network's output order,
the columns of ``Y``), and a hidden unit sits in group ``g`` when its longest path from an input
has ``g`` weights. No weight joins two units of the same group, so a group's weighted sums are a
few matrix products, one per earlier group that feeds it (a *block*, a dense weight matrix with
zeros where the network has no weight)::

    z_g = sum over blocks (a_src @ W_src,g) + b_g          a_g = g(z_g)          (forward)
    dC/dz_g = dC/da_g * g'(z_g)                                                    (backward)
    dC/dW_src,g = a_src.T @ dC/dz_g       dC/da_src += dC/dz_g @ W_src,g.T         (the reuse)

A layered, fully connected MLP is the special case of one full block per group: plain GEMMs.
Every activation and cost comes from :mod:`chainrule.mathtable`; the only numerics written here
are the two fused output layers noted in that table's spirit: softmax with categorical cross
entropy (``dC/dz = a sum(y) - y``, the cost through log-sum-exp) and sigmoid with binary cross
entropy (``dC/dz = a - y``, the cost as ``softplus(z) - y z``), which are the same derivatives
without the overflow of ``1/a``.

Tiny networks (a student's 2-2-1) train faster on plain Python floats than on arrays, so
:func:`train` picks the scalar path below for them (the scalar engine's loops, lean); both give
the same numbers.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule.core import mathtable
from chainrule.core.errors import DivergedError, UsageError
from chainrule.core.network import Network, ParameterTable, WeightKey, parameter_keys
from chainrule.io.netfile import NetworkLike, load
from chainrule.train.optimizers import OPTIMIZERS

Array = NDArray[Any]
DTYPES = {"float64": np.float64, "float32": np.float32}
ENGINES = ("auto", "array", "scalar")
SCALAR_WORK_LIMIT = 400
"""The scalar path is used when (weights + units) x batch size is at most this."""


# ---------------------------------------------------------------------------------------------
# Compiling a Network to arrays


@dataclass(frozen=True, eq=False)
class _Block:
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
class _Group:
    units: tuple[str, ...]
    blocks: tuple[_Block, ...]
    bias_cols: Array | None
    bias_index: Array | None
    bias_mask: Array | None
    segments: tuple[tuple[int, int, mathtable.Activation, float], ...]
    """Runs of units sharing an activation: (start, stop, activation, parameter)."""

    @property
    def size(self) -> int:
        return len(self.units)


@dataclass(frozen=True, eq=False)
class _Structure:
    """Where every parameter of a network lives in the arrays (no values)."""

    groups: tuple[_Group, ...]
    weight_keys: tuple[WeightKey, ...]
    bias_units: tuple[str, ...]
    cost: mathtable.Cost
    softmax: bool
    output_activation: str

    @property
    def n_inputs(self) -> int:
        return self.groups[0].size

    @property
    def n_outputs(self) -> int:
        return self.groups[-1].size

    @property
    def n_units(self) -> int:
        return sum(g.size for g in self.groups)

    def blocks(self) -> list[_Block]:
        return [b for g in self.groups for b in g.blocks]

    def biased_groups(self) -> list[_Group]:
        return [g for g in self.groups if g.bias_cols is not None]


# Compiled parameters (float64) of networks seen before, so that a network made by mlp(),
# train(), from_torch() or an .npz file is never compiled twice. Keyed by identity.
_COMPILED: weakref.WeakKeyDictionary[Network, tuple[_Structure, list[Array]]] = (
    weakref.WeakKeyDictionary()
)


def compile_network(network: Network) -> tuple[_Structure, list[Array]]:
    """The network's array structure and its parameters (one float64 array per block, then
    one per biased group). Cached per Network object; the arrays must not be modified."""
    cached = _COMPILED.get(network)
    if cached is None:
        cached = _compile(network)
        _COMPILED[network] = cached
    return cached


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


def _compile(net: Network) -> tuple[_Structure, list[Array]]:
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

    groups: list[_Group] = []
    params: list[Array] = []
    bias_params: list[Array] = []
    bias_units = list(net.biases)
    bias_position = {u: bi for bi, u in enumerate(bias_units)}
    for g, names in enumerate(members):
        blocks: list[_Block] = []
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
            blocks.append(_Block(src, shape, rows, cols, index, mask))
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
            _Group(tuple(names), tuple(blocks), bias_cols, bias_index, bias_mask, segments)
        )
    out_act = net.unit[net.outputs[0]].activation
    structure = _Structure(
        tuple(groups), parameter_keys(net.weights), parameter_keys(net.biases),
        mathtable.COSTS[net.cost], out_act == "softmax", out_act,
    )
    return structure, params + bias_params


def _network_from_params(
    net: Network, structure: _Structure, params: Sequence[Array], **changes: Any
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
    weights = ParameterTable.like(net.weights, structure.weight_keys, values.tolist())
    biases = ParameterTable.like(net.biases, structure.bias_units, bias_values.tolist())
    new = replace(net, weights=weights, biases=biases, **changes)
    _COMPILED[new] = (structure, [np.array(p, dtype=np.float64) for p in params])
    return new


# ---------------------------------------------------------------------------------------------
# The array kernel: forward and backward for a batch


class _Kernel:
    """Forward and backward passes for batches of up to ``capacity`` rows, buffers preallocated."""

    def __init__(self, structure: _Structure, params: list[Array], capacity: int,
                 dtype: Any) -> None:
        self.s = structure
        self.params = params
        self.dtype = dtype
        groups = structure.groups
        n_blocks = len(structure.blocks())
        it = iter(params[:n_blocks])
        self.weights: list[list[tuple[int, Array]]] = [
            [(blk.src, next(it)) for blk in g.blocks] for g in groups
        ]
        bit = iter(params[n_blocks:])
        self.biases: list[Array | None] = [
            next(bit) if g.bias_cols is not None else None for g in groups
        ]
        self.z = [np.empty((capacity, g.size), dtype) for g in groups]
        self.a: list[Array] = [self.z[0]] * len(groups)
        self.dA = [np.empty((capacity, g.size), dtype) for g in groups]
        self.grads = [np.empty_like(p) for p in params]
        self.grad_blocks: list[list[tuple[_Block, Array, Array]]] = []
        git = iter(self.grads[:n_blocks])
        for g, ws in zip(groups, self.weights, strict=True):
            self.grad_blocks.append(
                [(blk, w, next(git)) for blk, (_, w) in zip(g.blocks, ws, strict=True)]
            )
        bgit = iter(self.grads[n_blocks:])
        self.grad_biases: list[Array | None] = [
            next(bgit) if g.bias_cols is not None else None for g in groups
        ]
        self.masked = [
            (gr, blk.mask) for gbs in self.grad_blocks for blk, _, gr in gbs if blk.mask is not None
        ] + [
            (gb, g.bias_mask) for g, gb in zip(groups, self.grad_biases, strict=True)
            if gb is not None and g.bias_mask is not None
        ]
        out = groups[-1]
        name = structure.cost.name
        self.fused = (
            "softmax_cce" if structure.softmax and name == "categorical_cross_entropy"
            else "sigmoid_bce" if structure.output_activation == "sigmoid"
            and name == "binary_cross_entropy" else None
        )
        self.out_segments = out.segments
        self.e = np.empty((capacity, out.size), dtype)
        self.lse: Array = self.e
        self.filled = [False] * len(groups)
        self._plans()

    def _plans(self) -> None:
        """Per group, what forward and backward loop over (no lookups in the hot loop)."""
        groups = self.s.groups
        last = len(groups) - 1
        self.forward_plan: list[tuple[int, Array, list[tuple[int, Array]], Array | None, int,
                                      Any, float]] = []
        fn: Any
        self.backward_plan: list[tuple[int, Array, Array, Any, float, bool,
                                       list[tuple[int, Array, Array, Array | None]],
                                       Array | None]] = []
        for g in range(1, len(groups)):
            segments = groups[g].segments
            if g == last and self.fused == "softmax_cce":
                kind, fn, p = _FUSED_SOFTMAX, None, 0.0
            elif g == last and self.s.softmax:
                kind, fn, p = _SOFTMAX, mathtable.ACTIVATIONS["softmax"].value_array, 0.0
            elif len(segments) == 1:
                kind, fn, p = _ONE, segments[0][2].value_array, segments[0][3]
            else:
                kind, fn, p = _SEGMENTS, segments, 0.0
            self.forward_plan.append((g, self.z[g], self.weights[g], self.biases[g], kind, fn, p))
            one = len(segments) == 1
            identity = one and segments[0][2].name == "identity"
            slope: Any = segments[0][2].slope_array if one else segments
            grad_blocks = [(blk.src, w, gw, self.dA[blk.src] if blk.src else None)
                           for blk, w, gw in self.grad_blocks[g]]
            self.backward_plan.append((g, self.dA[g], self.z[g], None if identity else slope,
                                       segments[0][3] if one else 0.0, one, grad_blocks,
                                       self.grad_biases[g]))
        self.backward_plan.reverse()

    def forward(self, x: Array) -> Array:
        """Output activations for the rows of ``x`` (also keeps z and a for :meth:`backward`)."""
        n = x.shape[0]
        a = self.a
        a[0] = x
        out = x
        for g, z_buf, blocks, b, kind, fn, p in self.forward_plan:
            z = z_buf[:n]
            first = True
            for src, w in blocks:
                if first:
                    np.matmul(a[src], w, out=z)
                    first = False
                else:
                    z += a[src] @ w
            if b is not None:
                z += b
            if kind == _ONE:
                out = fn(z, p)
            elif kind == _FUSED_SOFTMAX:
                # softmax through log-sum-exp, keeping lse = m + ln sum exp(z - m) for the cost
                m = np.maximum.reduce(z, axis=1, keepdims=True)
                e = np.subtract(z, m, out=self.e[:n])
                np.exp(e, out=e)
                total = np.add.reduce(e, axis=1, keepdims=True)
                out = e / total
                lse = np.log(total, out=total)
                lse += m
                self.lse = lse
            elif kind == _SOFTMAX:
                out = fn(z, p)
            else:
                out = _apply(fn, z)
            a[g] = out
        return out

    def backward(self, y: Array, sum_y: Array | None) -> float:
        """Mean cost of the batch whose forward pass was the last one, and its mean gradients
        (in ``self.grads``, masked: 0 for absent and frozen parameters)."""
        groups = self.s.groups
        last = len(groups) - 1
        a_out = self.a[last]
        n = a_out.shape[0]
        z_out = self.z[last][:n]
        cost_entry = self.s.cost
        dz = self.dA[last][:n]
        cost: float
        if self.fused == "softmax_cce":
            # log-sum-exp: -sum_k y_k ln a_k = sum_k y_k (lse - z_k), lse from the forward pass
            lse = self.lse
            if sum_y is None:
                cost = (float(np.add.reduce(lse, axis=None)) - float(np.vdot(y, z_out))) / n
                np.subtract(a_out, y, out=dz)
            else:
                cost = (float(np.vdot(sum_y, lse)) - float(np.vdot(y, z_out))) / n
                np.multiply(a_out, sum_y, out=dz)
                dz -= y
        elif self.fused == "sigmoid_bce":
            # -[y ln a + (1-y) ln(1-a)] with a = sigmoid(z) is softplus(z) - y z
            softplus = np.log1p(np.exp(-np.abs(z_out)))
            softplus += np.maximum(z_out, 0.0)
            cost = (float(softplus.sum()) - float(np.vdot(y, z_out))) / n
            np.subtract(a_out, y, out=dz)
        else:
            cost = float(cost_entry.value_array(a_out, y).sum()) / n
            dC_da = cost_entry.slope_array(a_out, y)
            if self.s.softmax:
                weighted = (a_out * dC_da).sum(axis=1, keepdims=True)
                np.subtract(dC_da, weighted, out=dz)
                dz *= a_out
            else:
                _slope(self.out_segments, z_out, a_out, dC_da, dz)
        dz *= 1.0 / n
        a = self.a
        filled = self.filled
        for g in range(len(filled)):
            filled[g] = False
        for g, dA_buf, z_buf, slope, p, one, blocks, gb in self.backward_plan:
            if g != last:
                dz = dA_buf[:n]
                if slope is not None:
                    if one:
                        dz *= slope(z_buf[:n], a[g], p)
                    else:
                        _slope(slope, z_buf[:n], a[g], dz, dz)
            for src, w, gw, da_buf in blocks:
                np.matmul(a[src].T, dz, out=gw)
                if da_buf is not None:
                    da = da_buf[:n]
                    if filled[src]:
                        da += dz @ w.T
                    else:
                        np.matmul(dz, w.T, out=da)
                        filled[src] = True
            if gb is not None:
                np.add.reduce(dz, axis=0, out=gb)
        for gr, mask in self.masked:
            gr *= mask
        return cost


_ONE, _SEGMENTS, _SOFTMAX, _FUSED_SOFTMAX = range(4)


def _apply(segments: Sequence[tuple[int, int, mathtable.Activation, float]], z: Array) -> Array:
    if len(segments) == 1:
        _, _, f, p = segments[0]
        return f.value_array(z, p)
    out = np.empty_like(z)
    for start, stop, f, p in segments:
        out[:, start:stop] = f.value_array(z[:, start:stop], p)
    return out


def _slope(segments: Sequence[tuple[int, int, mathtable.Activation, float]], z: Array, a: Array,
           dC_da: Array, out: Array) -> None:
    """``out = dC_da * g'(z)``, segment by segment (``out`` may be ``dC_da``)."""
    for start, stop, f, p in segments:
        if f.name == "identity":
            if out is not dC_da:
                out[:, start:stop] = dC_da[:, start:stop]
            continue
        if len(segments) == 1:
            np.multiply(dC_da, f.slope_array(z, a, p), out=out)
        else:
            s = slice(start, stop)
            np.multiply(dC_da[:, s], f.slope_array(z[:, s], a[:, s], p), out=out[:, s])


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    network : Network
        The trained network (a new object; the one passed in is unchanged), its values
        ordinary floats whatever dtype trained them.
    history : list of dict
        One dict per completed epoch: ``epoch`` (from 1), ``cost`` (the mean of the epoch's
        batch costs, each measured before its update), ``seconds``, ``samples_per_second``,
        and where it applies ``accuracy`` (of those same batches), ``test_cost`` and
        ``test_accuracy`` (on ``validation`` after the epoch).
    stopped : str or None
        None when every epoch ran; ``"interrupted"`` after Ctrl-C (the network then holds the
        weights after the last complete update).
    engine : str
        ``"array"`` or ``"scalar"``: the path that trained.
    """

    network: Network
    history: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None
    engine: str = "array"

    @property
    def costs(self) -> list[float]:
        """Each epoch's cost."""
        return [h["cost"] for h in self.history]


class TrainingDivergedError(DivergedError):
    """The cost became infinite or NaN during :func:`train`.

    ``epoch`` is the epoch it happened in; ``result`` a :class:`TrainResult` holding the last
    finite weights and the history of the completed epochs.
    """

    def __init__(self, message: str, *, epoch: int, result: TrainResult) -> None:
        super().__init__(message, step=epoch)
        self.epoch = epoch
        self.result = result


@dataclass(frozen=True)
class _Data:
    x: Array
    y: Array
    labels: Array | None
    sum_y: Array | None


def _dtype(dtype: Any) -> Any:
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise UsageError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return DTYPES[name]


def _prepare(structure: _Structure, X: Any, Y: Any, dt: Any, what: str = "",
             check_x: bool = True) -> _Data:
    """X and Y as arrays of dtype ``dt``, checked. ``check_x=False`` leaves the (one pass over
    the data) check of X for finite numbers to :func:`train`, which makes it only when a cost
    is not finite."""
    n_in, n_out = structure.n_inputs, structure.n_outputs
    try:
        x = np.asarray(X, dtype=dt)
    except (TypeError, ValueError) as error:
        raise UsageError(f"X{what} must be an array of numbers ({error})") from None
    if x.ndim == 1 and n_in == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[1] != n_in:
        raise UsageError(
            f"X{what} must have shape (n_samples, {n_in}) for a network with {n_in} input "
            f"unit(s), got shape {x.shape}"
        )
    x = np.ascontiguousarray(x)
    if x.shape[0] == 0:
        raise UsageError(f"X{what} has no rows")
    if check_x and not _all_finite(x):
        raise UsageError(f"X{what} has a value that is not a finite number")
    raw = np.asarray(Y)
    labels = None
    if raw.ndim == 1 and n_out > 1:
        if not (structure.softmax or structure.cost.name == "categorical_cross_entropy"):
            raise UsageError(
                f"Y{what} of shape {raw.shape} looks like class labels, which need softmax "
                f"outputs; give Y of shape (n_samples, {n_out})"
            )
        if raw.dtype.kind not in "iu" and not (
            raw.dtype.kind == "f" and np.all(np.isfinite(raw)) and np.all(raw == np.round(raw))
        ):
            raise UsageError(f"class labels in Y{what} must be whole numbers 0..{n_out - 1}")
        labels = raw.astype(np.intp)
        if labels.size and (labels.min() < 0 or labels.max() >= n_out):
            raise UsageError(
                f"class labels in Y{what} must be 0..{n_out - 1} (the network has {n_out} "
                f"output units), got {int(labels.min())}..{int(labels.max())}"
            )
        y = np.zeros((labels.size, n_out), dtype=dt)
        y[np.arange(labels.size), labels] = 1.0
    else:
        try:
            y = np.asarray(raw, dtype=dt)
        except (TypeError, ValueError) as error:
            raise UsageError(f"Y{what} must be an array of numbers ({error})") from None
        if y.ndim == 1 and n_out == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_out:
            raise UsageError(
                f"Y{what} must have shape (n_samples, {n_out}) for a network with {n_out} "
                f"output unit(s), got shape {y.shape}"
            )
        y = np.ascontiguousarray(y)
        if not _all_finite(y):
            raise UsageError(f"Y{what} has a value that is not a finite number")
        cost = structure.cost.name
        if cost == "binary_cross_entropy" and ((y < 0).any() or (y > 1).any()):
            raise UsageError(f"binary_cross_entropy needs every target in Y{what} in [0, 1]")
        if cost == "categorical_cross_entropy" and (y < 0).any():
            raise UsageError(f"categorical_cross_entropy needs every target in Y{what} >= 0")
    if y.shape[0] != x.shape[0]:
        raise UsageError(f"X{what} has {x.shape[0]} rows but Y{what} has {y.shape[0]}")
    sum_y = None
    if structure.softmax and structure.cost.name == "categorical_cross_entropy" and labels is None:
        s = y.sum(axis=1, keepdims=True)
        if not np.all(s == 1.0):
            sum_y = s
    if labels is None and n_out > 1 and (structure.softmax or (
            np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))):
        labels = y.argmax(axis=1) if np.all(y.max(axis=1) > 0) else None
    if labels is None and n_out == 1 and structure.cost.name == "binary_cross_entropy":
        if np.all((y == 0) | (y == 1)):
            labels = y[:, 0].astype(np.intp)
    return _Data(x, y, labels, sum_y)


def _all_finite(x: Array) -> bool:
    # one pass, no temporary: a NaN or infinity makes the sum non-finite (an overflowing sum of
    # finite numbers is then checked element by element)
    return bool(np.isfinite(x.sum())) or bool(np.isfinite(x).all())


def _accuracy_count(out: Array, labels: Array) -> int:
    if out.shape[1] == 1:
        return int(np.count_nonzero((out[:, 0] > 0.5) == labels))
    return int(np.count_nonzero(out.argmax(axis=1) == labels))


def _check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise UsageError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def train(
    network: NetworkLike,
    X: Any,
    Y: Any,
    *,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float | None = None,
    optimizer: str = "sgd",
    shuffle: bool = True,
    seed: int | None = None,
    dtype: str = "float64",
    progress: bool | Callable[[dict[str, Any]], None] = True,
    validation: tuple[Any, Any] | None = None,
    accuracy: bool | None = None,
    engine: str = "auto",
) -> TrainResult:
    """Train a network on data with mini-batch gradient descent.

    Parameters
    ----------
    network : Network or anything :func:`chainrule.load` accepts.
    X : array, shape (n_samples, n_inputs)
        Columns in the order of the network's input units.
    Y : array, shape (n_samples, n_outputs), or for softmax outputs integer class labels of
        shape (n_samples,).
    epochs : passes over the data.
    batch_size : samples per step; a batch's cost and gradients are means over its samples.
        The last batch of an epoch may be shorter and is used as it is.
    learning_rate : r; None means the network's own.
    optimizer : ``"sgd"`` (exactly ``w_new = w_old - r g``), ``"momentum"`` or ``"adam"``
        (see :mod:`chainrule.optimizers`).
    shuffle : visit the samples in a new random order each epoch (seeded by ``seed``);
        False takes consecutive rows.
    seed : makes the shuffling reproducible.
    dtype : ``"float64"`` or ``"float32"``, the precision of the arithmetic.
    progress : True shows a progress bar on standard error when it is a terminal (epoch, cost,
        accuracy, samples/s); a callable gets each epoch's history dict instead; False: nothing.
    validation : (X_test, Y_test), measured after each epoch (``test_cost``,
        ``test_accuracy`` in the history).
    accuracy : record the accuracy of classification outputs (softmax, or one sigmoid output
        with binary cross entropy and 0/1 targets); None means yes where it applies.
    engine : ``"auto"`` (plain Python floats for tiny networks and batches, arrays otherwise),
        ``"scalar"`` or ``"array"``. Both give the same numbers.

    Returns
    -------
    TrainResult
        ``result.network`` is the trained network, ``result.history`` one dict per epoch.

    Raises
    ------
    TrainingDivergedError
        (a :class:`~chainrule.errors.DivergedError`) when a batch's cost becomes infinite or
        NaN; it names the epoch, and its ``result`` holds the last finite weights.
    UsageError
        for arguments of the wrong shape or value.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> Y = np.array([[0], [1], [1], [0]])
    >>> net = cr.mlp([2, 4, 1], hidden="tanh", output="sigmoid", cost="binary_cross_entropy",
    ...              seed=0)
    >>> result = cr.train(net, X, Y, epochs=2000, batch_size=4, learning_rate=0.5,
    ...                   progress=False)
    >>> cr.predict(result.network, X).round().ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    net = load(network)
    epochs = _check_positive_int(epochs, "epochs")
    batch_size = _check_positive_int(batch_size, "batch_size")
    if learning_rate is None:
        r = net.learning_rate
    else:
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not (
            math.isfinite(learning_rate) and learning_rate > 0
        ):
            raise UsageError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
        r = float(learning_rate)
    if optimizer not in OPTIMIZERS:
        raise UsageError(
            f"unknown optimizer {optimizer!r}; valid optimizers are {', '.join(OPTIMIZERS)}"
        )
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; valid engines are {', '.join(ENGINES)}")
    dt = _dtype(dtype)
    structure, initial = compile_network(net)
    data = _prepare(structure, X, Y, dt, check_x=False)
    test = _prepare(structure, validation[0], validation[1], dt, " (validation)") \
        if validation is not None else None
    n = data.x.shape[0]
    batch_size = min(batch_size, n)
    if accuracy is None:
        accuracy = data.labels is not None
    labels = data.labels if accuracy else None
    scalar = engine == "scalar" or (
        engine == "auto" and dt is np.float64 and optimizer == "sgd"
        and (len(net.weights) + len(net.units)) * batch_size <= SCALAR_WORK_LIMIT
    )
    if scalar and (optimizer != "sgd" or dt is not np.float64):
        raise UsageError("the scalar engine does plain sgd in float64 only; use engine='array'")
    rng = np.random.default_rng(seed)
    reporter = _Reporter(progress, epochs, n)
    history: list[dict[str, Any]] = []
    params = [p.astype(dt) for p in initial]
    stopped: str | None = None

    def result(values: Sequence[Array]) -> TrainResult:
        return TrainResult(_network_from_params(net, structure, values), history, stopped,
                           "scalar" if scalar else "array")

    runner: _ArrayRunner | _ScalarRunner
    if scalar and not _all_finite(data.x):  # (Python's max(z, 0) would hide a NaN)
        raise UsageError("X has a value that is not a finite number")
    if scalar:
        runner = _ScalarRunner(net, structure, params, r, data)
    else:
        runner = _ArrayRunner(structure, params, r, optimizer, dt, batch_size, data)
    try:
        # overflow is caught as a non-finite cost (TrainingDivergedError), not warned about
        with reporter, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                order = rng.permutation(n) if shuffle else None
                started = time.perf_counter()
                snapshot = runner.snapshot()
                try:
                    cost, correct = runner.epoch(order, batch_size, labels, reporter)
                except _NonFinite as bad:
                    if not _all_finite(data.x):
                        raise UsageError("X has a value that is not a finite number") from None
                    final = runner.values()
                    if not all(np.isfinite(p).all() for p in final):
                        final = snapshot
                    raise TrainingDivergedError(
                        f"the cost became {bad.cost} in epoch {epoch} (batch {bad.batch}): the "
                        f"steps overshoot, so the learning rate r = {r:g} is probably too "
                        f"large; try a smaller one (e.g. --learning-rate {r / 10:g})",
                        epoch=epoch, result=result(final),
                    ) from None
                seconds = time.perf_counter() - started
                entry: dict[str, Any] = {
                    "epoch": epoch, "cost": cost, "seconds": seconds,
                    "samples_per_second": n / seconds if seconds > 0 else math.inf,
                }
                if labels is not None:
                    entry["accuracy"] = correct / n
                if test is not None:
                    entry.update(_evaluate(structure, runner.values(), test, accuracy, dt))
                history.append(entry)
                reporter.epoch_done(entry)
    except KeyboardInterrupt:
        stopped = "interrupted"
    return result(runner.values())


class _NonFinite(Exception):
    def __init__(self, cost: float, batch: int) -> None:
        self.cost = cost
        self.batch = batch


class _ArrayRunner:
    def __init__(self, structure: _Structure, params: list[Array], r: float, optimizer: str,
                 dt: Any, batch_size: int, data: _Data) -> None:
        self.kernel = _Kernel(structure, params, batch_size, dt)
        self.params = params
        self.init, self.update = OPTIMIZERS[optimizer](r)
        self.state = self.init(params)
        self.step = 0
        self.data = data
        self.xbuf = np.empty((batch_size, data.x.shape[1]), dt)
        self.ybuf = np.empty((batch_size, data.y.shape[1]), dt)
        self.sbuf = np.empty((batch_size, 1), dt) if data.sum_y is not None else None

    def snapshot(self) -> list[Array]:
        return [p.copy() for p in self.params]

    def values(self) -> list[Array]:
        return self.params

    def epoch(self, order: Array | None, batch_size: int, labels: Array | None,
              reporter: _Reporter) -> tuple[float, int]:
        kernel, update, params, grads = self.kernel, self.update, self.params, self.kernel.grads
        x, y, sum_y = self.data.x, self.data.y, self.data.sum_y
        n = x.shape[0]
        total = 0.0
        batches = 0
        # each batch's predicted classes (before its update), compared once at the end
        predicted = np.empty(n, np.intp) if labels is not None else None
        two_class = y.shape[1] == 1
        if labels is not None and order is not None:
            labels = labels[order]
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            m = stop - start
            sy = None
            if order is None:
                xb, yb = x[start:stop], y[start:stop]
                if sum_y is not None:
                    sy = sum_y[start:stop]
            else:
                idx = order[start:stop]
                # (mode="clip": the indices are a permutation, always valid; with out=, the
                # default mode="raise" would gather into a temporary first)
                xb = x.take(idx, axis=0, out=self.xbuf[:m], mode="clip")
                yb = y.take(idx, axis=0, out=self.ybuf[:m], mode="clip")
                if sum_y is not None and self.sbuf is not None:
                    sy = sum_y.take(idx, axis=0, out=self.sbuf[:m], mode="clip")
            out = kernel.forward(xb)
            if predicted is not None:
                if two_class:
                    np.greater(out[:, 0], 0.5, out=predicted[start:stop], casting="unsafe")
                else:
                    out.argmax(axis=1, out=predicted[start:stop])
            cost = kernel.backward(yb, sy)
            batches += 1
            if not math.isfinite(cost):
                raise _NonFinite(cost, batches)
            total += cost
            self.step += 1
            self.state = update(self.step, grads, params, self.state)
            if reporter.active and time.perf_counter() >= reporter.next_refresh:
                accuracy = None
                if predicted is not None and labels is not None:
                    accuracy = np.count_nonzero(predicted[:stop] == labels[:stop]) / stop
                reporter.batch_done(stop, total / batches, accuracy)
        correct = 0
        if predicted is not None and labels is not None:
            correct = int(np.count_nonzero(predicted == labels))
        return total / batches, correct


def _evaluate(structure: _Structure, params: list[Array], data: _Data, accuracy: bool,
              dt: Any) -> dict[str, float]:
    n = data.x.shape[0]
    chunk = min(n, 4096)
    kernel = _Kernel(structure, [p.astype(dt, copy=False) for p in params], chunk, dt)
    total = 0.0
    correct = 0
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        out = kernel.forward(data.x[start:stop])
        if data.labels is not None and accuracy:
            correct += _accuracy_count(out, data.labels[start:stop])
        sy = data.sum_y[start:stop] if data.sum_y is not None else None
        total += kernel.backward(data.y[start:stop], sy) * (stop - start)
    entry = {"test_cost": total / n}
    if data.labels is not None and accuracy:
        entry["test_accuracy"] = correct / n
    return entry


def evaluate(network: NetworkLike, X: Any, Y: Any, *, dtype: str = "float64"
             ) -> dict[str, float]:
    """The network's mean cost on X, Y, and its accuracy where it applies (classification
    outputs): ``{"cost": ..., "accuracy": ...}``."""
    net = load(network)
    dt = _dtype(dtype)
    structure, params = compile_network(net)
    data = _prepare(structure, X, Y, dt)
    scores = _evaluate(structure, params, data, True, dt)
    return {k.removeprefix("test_"): v for k, v in scores.items()}


def predict(network: NetworkLike, X: Any, dtype: str = "float64") -> Array:
    """The network's output activations for each row of ``X``.

    Parameters
    ----------
    network : Network or anything :func:`chainrule.load` accepts.
    X : array, shape (n_samples, n_inputs), columns in the order of the input units.
    dtype : ``"float64"`` or ``"float32"``.

    Returns
    -------
    ndarray, shape (n_samples, n_outputs)
        Columns in the order of the network's output units (probabilities for softmax).
    """
    net = load(network)
    dt = _dtype(dtype)
    structure, params = compile_network(net)
    n_in = structure.n_inputs
    x = np.asarray(X, dtype=dt)
    if x.ndim == 1 and n_in == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[1] != n_in:
        raise UsageError(
            f"X must have shape (n_samples, {n_in}) for a network with {n_in} input unit(s), "
            f"got shape {x.shape}"
        )
    n = x.shape[0]
    out = np.empty((n, structure.n_outputs), dtype=dt)
    if n == 0:
        return out
    chunk = min(n, 8192)
    kernel = _Kernel(structure, [p.astype(dt) for p in params], chunk, dt)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        out[start:stop] = kernel.forward(np.ascontiguousarray(x[start:stop]))
    return out


def gradients(network: NetworkLike, X: Any, Y: Any, dtype: str = "float64"
              ) -> tuple[float, dict[str, dict[str, float]]]:
    """The mean cost and mean gradients over all rows of X, Y, by the array kernel.

    Returns ``(cost, {"weights": {"i -> j": ...}, "biases": {...}})``, shaped like a step of
    ``chainrule solve --format json`` (gradients of frozen parameters included).
    """
    net = load(network)
    dt = _dtype(dtype)
    structure, params = compile_network(net)
    data = _prepare(structure, X, Y, dt)
    # frozen parameters get their gradients too: compute without masks
    open_structure = _unmasked(structure)
    kernel = _Kernel(open_structure, [p.astype(dt) for p in params], data.x.shape[0], dt)
    kernel.forward(data.x)
    cost = kernel.backward(data.y, data.sum_y)
    blocks = structure.blocks()
    n_blocks = len(blocks)
    w = np.empty(len(structure.weight_keys))
    for blk, g in zip(blocks, kernel.grads[:n_blocks], strict=True):
        w[blk.index] = g[blk.rows, blk.cols]
    b = np.empty(len(structure.bias_units))
    for grp, g in zip(structure.biased_groups(), kernel.grads[n_blocks:], strict=True):
        assert grp.bias_cols is not None and grp.bias_index is not None
        b[grp.bias_index] = g[grp.bias_cols]
    names = [f"{a} -> {c}" for a, c in structure.weight_keys]
    return cost, {
        "weights": dict(zip(names, w.tolist(), strict=True)),
        "biases": dict(zip(structure.bias_units, b.tolist(), strict=True)),
    }


def _unmasked(structure: _Structure) -> _Structure:
    groups = tuple(
        replace(g, blocks=tuple(replace(b, mask=None) for b in g.blocks), bias_mask=None)
        for g in structure.groups
    )
    return replace(structure, groups=groups)


# ---------------------------------------------------------------------------------------------
# The scalar path: plain Python floats for tiny networks (the scalar engine's loops, lean)


class _ScalarRunner:
    def __init__(self, net: Network, structure: _Structure, params: list[Array], r: float,
                 data: _Data) -> None:
        from chainrule.core.engine import _Plan
        from chainrule.core.trace import Layout

        self.net = net
        self.structure = structure
        self.template = params
        self.plan = _Plan(net, Layout(net))
        self.r = r
        self.w = [p.value for p in net.weights.values()]
        self.b = [p.value for p in net.biases.values()]
        self.w_train = [i for i, p in enumerate(net.weights.values()) if p.trainable]
        self.b_train = [i for i, p in enumerate(net.biases.values()) if p.trainable]
        self.xs: list[list[float]] = data.x.tolist()
        self.ys: list[list[float]] = data.y.tolist()
        fused_bce = (net.cost == "binary_cross_entropy"
                     and all(net.unit[o].activation == "sigmoid" for o in net.outputs))
        self.fused_bce = fused_bce

    def snapshot(self) -> list[Array]:
        return [p.copy() for p in self.values()]

    def values(self) -> list[Array]:
        out = [p.copy() for p in self.template]
        blocks = self.structure.blocks()
        w = np.array(self.w)
        b = np.array(self.b)
        for blk, p in zip(blocks, out[: len(blocks)], strict=True):
            p[blk.rows, blk.cols] = w[blk.index]
        for g, p in zip(self.structure.biased_groups(), out[len(blocks):], strict=True):
            assert g.bias_cols is not None and g.bias_index is not None
            p[g.bias_cols] = b[g.bias_index]
        return out

    def epoch(self, order: Array | None, batch_size: int, labels: Array | None,
              reporter: _Reporter) -> tuple[float, int]:
        self.batches = 0
        try:
            return self._epoch(order, batch_size, labels, reporter)
        except (OverflowError, ZeroDivisionError):  # Python floats raise where arrays give inf
            raise _NonFinite(math.inf, self.batches + 1) from None

    def _epoch(self, order: Array | None, batch_size: int, labels: Array | None,
               reporter: _Reporter) -> tuple[float, int]:
        plan = self.plan
        n_units = plan.n
        inputs, outs = plan.inputs, plan.outputs
        forward, backward = plan.forward, plan.hidden_backward
        incoming, outgoing, bias = plan.incoming, plan.outgoing, plan.bias
        value, slope, param = plan.value, plan.slope, plan.param
        softmax = plan.softmax
        fused_cce = plan.fused_softmax_cce
        fused_bce = self.fused_bce
        term, cslope = plan.cost.term, plan.cost.slope
        wsrc, wdst, bunits = plan.weight_src, plan.weight_dst, plan.bias_units
        n_w, n_b = len(wsrc), len(bunits)
        pairs = list(zip(range(n_w), wsrc, wdst, strict=True))
        bpairs = list(enumerate(bunits))
        out_pairs = list(enumerate(outs))
        w, b, r = self.w, self.b, self.r
        w_train, b_train = self.w_train, self.b_train
        xs, ys = self.xs, self.ys
        n_out = len(outs)
        n = len(xs)
        rows = order.tolist() if order is not None else range(n)
        lab = labels.tolist() if labels is not None else None
        total = 0.0
        correct = 0
        batches = 0
        exp, log = math.exp, math.log
        for start in range(0, n, batch_size):
            batch = rows[start:start + batch_size]
            gw = [0.0] * n_w
            gb = [0.0] * n_b
            batch_cost = 0.0
            for row in batch:
                a = [0.0] * n_units
                z = [0.0] * n_units
                dz = [0.0] * n_units
                for i, v in zip(inputs, xs[row], strict=True):
                    a[i] = v
                for i in forward:
                    s = 0.0
                    for src, wi in incoming[i]:
                        s += a[src] * w[wi]
                    bi = bias[i]
                    if bi >= 0:
                        s += b[bi]
                    z[i] = s
                    if not softmax or i not in outs:
                        a[i] = value[i](s, param[i])
                y = ys[row]
                if softmax:
                    m = max(z[k] for k in outs)
                    exps = [exp(z[k] - m) for k in outs]
                    tot = sum(exps)
                    for k, e in zip(outs, exps, strict=True):
                        a[k] = e / tot
                if fused_cce:
                    log_total = m + log(tot)
                    batch_cost -= sum(
                        yk * (z[k] - log_total) for (_, k), yk in zip(out_pairs, y, strict=True)
                        if yk != 0.0
                    )
                    sum_y = sum(y)
                    for j, k in out_pairs:
                        dz[k] = a[k] * sum_y - y[j]
                elif fused_bce:
                    for j, k in out_pairs:
                        zk = z[k]
                        batch_cost += (zk if zk > 0.0 else 0.0) + math.log1p(exp(-abs(zk))) \
                            - y[j] * zk
                        dz[k] = a[k] - y[j]
                else:
                    dC_da = [cslope(a[k], y[j], n_out) for j, k in out_pairs]
                    for j, k in out_pairs:
                        batch_cost += term(a[k], y[j], n_out)
                    if softmax:
                        weighted = sum(a[k] * d for (_, k), d in zip(out_pairs, dC_da, strict=True))
                        for j, k in out_pairs:
                            dz[k] = a[k] * (dC_da[j] - weighted)
                    else:
                        for j, k in out_pairs:
                            dz[k] = slope[k](z[k], a[k], param[k]) * dC_da[j]
                for j in backward:
                    s = 0.0
                    for dst, wi in outgoing[j]:
                        s += w[wi] * dz[dst]
                    dz[j] = slope[j](z[j], a[j], param[j]) * s
                for wi, s_, d in pairs:
                    gw[wi] += a[s_] * dz[d]
                for bi, u in bpairs:
                    gb[bi] += dz[u]
                if lab is not None:
                    if n_out == 1:
                        correct += (a[outs[0]] > 0.5) == lab[row]
                    else:
                        best = max(range(n_out), key=lambda j: a[outs[j]])
                        correct += best == lab[row]
            m_ = len(batch)
            cost = batch_cost / m_
            batches += 1
            self.batches = batches
            if not math.isfinite(cost):
                raise _NonFinite(cost, batches)
            total += cost
            for wi in w_train:
                w[wi] -= r * (gw[wi] / m_)
            for bi in b_train:
                b[bi] -= r * (gb[bi] / m_)
            if reporter.active:
                reporter.batch_done(start + m_, total / batches,
                                    correct / (start + m_) if lab is not None else None)
        return total / batches, correct


# ---------------------------------------------------------------------------------------------
# Progress


class _Reporter:
    """A rich progress bar on standard error (or a callable per epoch, or nothing)."""

    def __init__(self, progress: bool | Callable[[dict[str, Any]], None], epochs: int,
                 n: int) -> None:
        self.callback = progress if callable(progress) else None
        self.epochs = epochs
        self.n = n
        self.bar: Any = None
        self.active = False
        self.next_refresh = 0.0
        self.epoch_start = 0.0
        self.epoch = 1
        if progress is True:
            from rich.console import Console

            console = Console(stderr=True)
            if console.is_terminal or console.is_jupyter:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                )

                self.bar = Progress(
                    TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
                    BarColumn(), MofNCompleteColumn(),
                    TextColumn("cost {task.fields[cost]}"),
                    TextColumn("{task.fields[accuracy]}"),
                    TextColumn("{task.fields[speed]} samples/s"),
                    TimeElapsedColumn(), console=console, transient=False,
                )
                self.active = True

    def __enter__(self) -> _Reporter:
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("train", total=self.n, epoch=1, epochs=self.epochs,
                                          cost="-", accuracy="", speed="-")
        self.epoch_start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def batch_done(self, done: int, cost: float, accuracy: float | None) -> None:
        now = time.perf_counter()
        if now < self.next_refresh or self.bar is None:
            return
        self.next_refresh = now + 0.1
        elapsed = now - self.epoch_start
        self.bar.update(
            self.task, completed=done, epoch=self.epoch, cost=f"{cost:.4g}",
            accuracy=f"accuracy {accuracy:.1%}" if accuracy is not None else "",
            speed=f"{done / elapsed:,.0f}" if elapsed > 0 else "-",
        )

    def epoch_done(self, entry: dict[str, Any]) -> None:
        if self.callback is not None:
            self.callback(entry)
        if self.bar is not None:
            accuracy = entry.get("accuracy")
            self.bar.update(
                self.task, completed=self.n, epoch=entry["epoch"], cost=f"{entry['cost']:.4g}",
                accuracy=f"accuracy {accuracy:.1%}" if accuracy is not None else "",
                speed=f"{entry['samples_per_second']:,.0f}",
            )
            if entry["epoch"] < self.epochs:
                self.epoch = entry["epoch"] + 1
                self.bar.reset(self.task, total=self.n, epoch=self.epoch, epochs=self.epochs,
                               cost="-", accuracy="", speed="-")
        self.epoch_start = time.perf_counter()
        self.next_refresh = 0.0


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
    groups: list[_Group] = []
    offset = 0
    bias_offset = 0
    bias_params: list[Array] = []
    for g, layer in enumerate(units_by_layer):
        blocks: tuple[_Block, ...] = ()
        bias_cols = bias_index = None
        if g > 0:
            w = weights[g - 1]
            rows, cols = np.divmod(np.arange(w.size, dtype=np.intp), w.shape[1])
            blocks = (_Block(g - 1, (w.shape[0], w.shape[1]), rows, cols,
                             np.arange(offset, offset + w.size, dtype=np.intp), None, offset),)
            offset += w.size
            b = biases[g - 1]
            if b is not None:
                bias_cols = np.arange(len(layer), dtype=np.intp)
                bias_index = np.arange(bias_offset, bias_offset + len(layer), dtype=np.intp)
                bias_offset += len(layer)
                bias_params.append(np.array(b, dtype=np.float64))
        segments = _segments(network, layer) if g > 0 else ()
        groups.append(_Group(tuple(layer), blocks, bias_cols, bias_index, None, segments))
    out_act = network.unit[units_by_layer[-1][0]].activation
    structure = _Structure(tuple(groups), parameter_keys(network.weights),
                           parameter_keys(network.biases), mathtable.COSTS[network.cost],
                           out_act == "softmax", out_act)
    _COMPILED[network] = (structure, [np.array(w, dtype=np.float64) for w in weights] + bias_params)
