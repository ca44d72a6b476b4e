"""The array kernel: forward and backward passes of a compiled network over a batch.

For each group ``g`` of a :class:`~chainrule.train.compile.Structure`::

    z_g = sum over blocks (a_src @ W_src,g) + b_g          a_g = g(z_g)          (forward)
    dC/dz_g = dC/da_g * g'(z_g)                                                    (backward)
    dC/dW_src,g = a_src.T @ dC/dz_g       dC/da_src += dC/dz_g @ W_src,g.T         (the reuse)

Every activation and cost comes from :mod:`chainrule.core.mathtable`; the only numerics written
here are the two fused output layers noted in that table's spirit: softmax with categorical
cross entropy (``dC/dz = a sum(y) - y``, the cost through log-sum-exp) and sigmoid with binary
cross entropy (``dC/dz = a - y``, the cost as ``softplus(z) - y z``), which are the same
derivatives without the overflow of ``1/a``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule.core import mathtable
from chainrule.train.compile import Block, Structure

Array = NDArray[Any]

# ---------------------------------------------------------------------------------------------
# The array kernel: forward and backward for a batch


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
        self.grads = [np.empty_like(p) for p in params]
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


