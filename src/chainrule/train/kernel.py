"""The array kernel: forward and backward passes of a compiled network over a batch.

For each group ``g`` of a :class:`~chainrule.train.compile.Structure`::

    z_g = sum over blocks (a_src @ W_src,g) + b_g          a_g = g(z_g)          (forward)
    dC/dz_g = dC/da_g * g'(z_g)                                                    (backward)
    dC/dW_src,g = a_src.T @ dC/dz_g       dC/da_src += dC/dz_g @ W_src,g.T         (the reuse)

Every activation, cost and output pair (softmax with categorical cross entropy, sigmoid with
binary cross entropy: ``dC/dz`` directly, the cost from ``z``) comes from
:mod:`chainrule.core.mathtable`; this module only moves arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from chainrule.core import mathtable
from chainrule.train.compile import Block, Structure

Array = NDArray[Any]

# ---------------------------------------------------------------------------------------------
# The array kernel: forward and backward for a batch

Segments = Sequence[tuple[int, int, mathtable.Activation, float]]


class _ForwardStep(NamedTuple):
    """What the forward pass does for one group."""

    group: int
    z: Array
    """The group's z buffer, (capacity, size)."""
    blocks: list[tuple[int, Array]]
    """(source group, weight matrix) of each block into the group."""
    bias: Array | None
    value: Callable[[Array, float], Array] | None
    """The group's one activation (elementwise, or softmax over rows); None: see below."""
    into: tuple[Callable[[Array, float, Array], Array], Array] | None
    """The activation written into the group's own buffer, where the math table has that."""
    parameter: float
    pair: mathtable.OutputPair | None
    """The output pair's forward (activations and what its cost needs again), if any."""
    segments: Segments
    """Runs of units with one activation each, used when neither of the above is set."""


class _GradientBlock(NamedTuple):
    src: int
    w: Array
    grad: Array
    dA: Array | None
    """The source group's dC/da buffer (None for the inputs: no gradient goes there)."""


class _BackwardStep(NamedTuple):
    """What the backward pass does for one group (hidden groups: dC/dz from dC/da first)."""

    group: int
    dA: Array
    z: Array
    slope: Callable[[Array, Array, float], Array] | None
    """The group's one activation's slope; None for identity or several segments."""
    slope_times: Callable[[Array, Array, float, Array], object] | None
    """The same, multiplied into dC/dz in place, where the math table has that."""
    parameter: float
    segments: Segments | None
    """The runs of activations when there are several, else None."""
    blocks: list[_GradientBlock]
    bias_grad: Array | None


class Kernel:
    """Forward and backward passes for batches of up to ``capacity`` rows, buffers preallocated."""

    def __init__(self, structure: Structure, params: list[Array], capacity: int,
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
        self.grad_flat, self.grads = flat_buffers(params, dtype)
        """Every gradient array is a view into one buffer, so an optimizer can update them all
        in one pass (``grad_flat``)."""
        self.grad_blocks: list[list[tuple[Block, Array, Array]]] = []
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
        self.pair = structure.pair
        self.layer = mathtable.ACTIVATIONS["softmax"] if structure.softmax else None
        self.out_segments = out.segments
        self.e = np.empty((capacity, out.size), dtype)
        self.aux: Array | None = None
        self.filled = [False] * len(groups)
        self._plans()

    def _plans(self) -> None:
        """Per group, what forward and backward loop over (no lookups in the hot loop)."""
        groups = self.s.groups
        last = len(groups) - 1
        self.forward_plan: list[_ForwardStep] = []
        self.backward_plan: list[_BackwardStep] = []
        for g in range(1, len(groups)):
            segments = groups[g].segments
            one = len(segments) == 1
            value: Callable[[Array, float], Array] | None = None
            pair = self.pair if g == last else None
            if pair is None and g == last and self.layer is not None:
                value = self.layer.value_array
            elif pair is None and one:
                value = segments[0][2].value_array
            into = None
            if value is not None and one and segments[0][2].value_into is not None \
                    and g != last:
                into = (segments[0][2].value_into, np.empty_like(self.z[g]))
            self.forward_plan.append(_ForwardStep(
                g, self.z[g], self.weights[g], self.biases[g], value, into,
                segments[0][3] if one else 0.0, pair, segments,
            ))
            identity = one and segments[0][2].name == "identity"
            blocks = [_GradientBlock(blk.src, w, gw, self.dA[blk.src] if blk.src else None)
                      for blk, w, gw in self.grad_blocks[g]]
            self.backward_plan.append(_BackwardStep(
                g, self.dA[g], self.z[g],
                segments[0][2].slope_array if one and not identity else None,
                segments[0][2].slope_times if one and not identity else None,
                segments[0][3] if one else 0.0, None if one else segments, blocks,
                self.grad_biases[g],
            ))
        self.backward_plan.reverse()

    def forward(self, x: Array) -> Array:
        """Output activations for the rows of ``x`` (also keeps z and a for :meth:`backward`)."""
        n = x.shape[0]
        a = self.a
        a[0] = x
        out = x
        for g, z_buf, blocks, b, value, into, p, pair, segments in self.forward_plan:
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
            if into is not None:
                out = into[0](z, p, into[1][:n])
            elif value is not None:
                out = value(z, p)
            elif pair is not None:
                out, self.aux = pair.forward_array(z, self.e[:n])
            else:
                out = _apply(segments, z)
            a[g] = out
        return out

    def backward(self, y: Array, sum_y: Array | None, scale: float = 1.0) -> float:
        """Mean cost of the batch whose forward pass was the last one, and its mean gradients
        (in ``self.grads``, masked: 0 for absent and frozen parameters). ``sum_y``: each row's
        sum of targets for softmax with categorical cross entropy, None where all are 1.
        ``scale``: the gradients come out times this (plain sgd passes r)."""
        groups = self.s.groups
        last = len(groups) - 1
        a_out = self.a[last]
        n = a_out.shape[0]
        z_out = self.z[last][:n]
        dz = self.dA[last][:n]
        cost: float
        pair = self.pair
        if pair is not None:
            cost = pair.cost_sum_array(z_out, y, self.aux, sum_y) / n
            pair.dC_dz_array(a_out, y, sum_y, dz)
        else:
            cost_entry = self.s.cost
            cost = float(cost_entry.value_array(a_out, y).sum()) / n
            dC_da = cost_entry.slope_array(a_out, y)
            if self.layer is not None:
                assert self.layer.layer_backward_array is not None
                self.layer.layer_backward_array(a_out, dC_da, dz)
            else:
                _slope(self.out_segments, z_out, a_out, dC_da, dz)
        dz *= scale / n
        a = self.a
        filled = self.filled
        for g in range(len(filled)):
            filled[g] = False
        for g, dA_buf, z_buf, slope, times, p, segments, blocks, gb in self.backward_plan:
            if g != last:
                dz = dA_buf[:n]
                if times is not None:
                    times(z_buf[:n], a[g], p, dz)
                elif slope is not None:
                    dz *= slope(z_buf[:n], a[g], p)
                elif segments is not None:
                    _slope(segments, z_buf[:n], a[g], dz, dz)
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


def flat_buffers(like: Sequence[Array], dtype: Any) -> tuple[Array, list[Array]]:
    """One uninitialised buffer and views into it shaped like each array of ``like``."""
    flat = np.empty(sum(p.size for p in like), dtype)
    views = []
    start = 0
    for p in like:
        views.append(flat[start:start + p.size].reshape(p.shape))
        start += p.size
    return flat, views


def _apply(segments: Segments, z: Array) -> Array:
    if len(segments) == 1:
        _, _, f, p = segments[0]
        return f.value_array(z, p)
    out = np.empty_like(z)
    for start, stop, f, p in segments:
        out[:, start:stop] = f.value_array(z[:, start:stop], p)
    return out


def _slope(segments: Segments, z: Array, a: Array, dC_da: Array, out: Array) -> None:
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
