"""The trainer's fast path for layered, fully connected networks (what :func:`chainrule.mlp`
builds): whole epochs with as few array operations per batch as the arithmetic allows.

The same numbers as :mod:`chainrule.train.kernel` (the general kernel), computed with fewer
calls, because a batch of a small network costs more in calls than in arithmetic:

- **Biases inside the products.** Each layer's weights and biases are one matrix in the
  parameter buffer, the weights' rows then the biases' row, and each layer's activations carry a
  column of ones: ``z = [a, 1] @ [W; b]`` adds the biases, and ``[a, 1].T @ dC/dz`` gives the
  bias gradients (the sums of dC/dz over the batch) in its last row.
- **Each epoch's rows gathered once.** For data of at most :data:`WHOLE_BYTES`, the epoch's
  shuffled inputs (with their column of ones) and targets are gathered in one pass, and every
  batch is a slice of them; larger data is gathered batch by batch.
- **Costs and accuracy at the end of the epoch.** The output layer writes each batch's z and
  activations into arrays of the whole epoch; each batch's mean cost and the accuracy come
  from them once the epoch is done (:attr:`~chainrule.core.mathtable.OutputPair.forward_rows`,
  :attr:`~chainrule.core.mathtable.OutputPair.cost_rows_array`).

Every formula comes from :mod:`chainrule.core.mathtable`; this module only moves arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from chainrule.train.compile import Structure
from chainrule.train.threads import subtract_product

Array = NDArray[Any]

WHOLE_BYTES = 8 * 2**20
"""Data of at most this many bytes (inputs with their column of ones) is gathered once per
epoch rather than batch by batch."""


def eligible(structure: Structure) -> bool:
    """Whether ``structure`` is a layered, fully connected network this path trains: each
    layer fed by the one before through every weight, every weight and bias present and
    trainable, one elementwise activation per hidden layer, and outputs that form an output
    pair with the cost or have one elementwise activation."""
    groups = structure.groups
    if len(groups) < 2:
        return False
    for g in range(1, len(groups)):
        group = groups[g]
        if len(group.blocks) != 1:
            return False
        block = group.blocks[0]
        if block.src != g - 1 or block.mask is not None or block.shape != (
                groups[g - 1].size, group.size):
            return False
        if group.bias_cols is None or group.bias_mask is not None or len(
                group.bias_cols) != group.size:
            return False
        if len(group.segments) != 1:
            return False
        if group.segments[0][2].kind != "elementwise" and (
                g < len(groups) - 1 or structure.pair is None):
            return False
    if structure.pair is not None:
        return structure.pair.forward_rows is not None and \
            structure.pair.cost_rows_array is not None
    return not structure.softmax


def buffers(structure: Structure, like: Sequence[Array], dtype: Any
            ) -> tuple[Array, list[Array], list[Array]]:
    """The parameter buffer of an eligible structure: ``(flat, params, layers)`` with
    ``layers[l]`` the layer's ``[W; b]`` matrix, ``params`` views of each weight matrix then
    each bias (the order of :func:`~chainrule.train.compile.compile_network`), all in ``flat``.
    ``like`` gives the shapes (its values are not copied)."""
    sizes = [g.size for g in structure.groups]
    flat = np.empty(sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False)), dtype)
    layers: list[Array] = []
    start = 0
    for a, b in zip(sizes, sizes[1:], strict=False):
        layers.append(flat[start:start + (a + 1) * b].reshape(a + 1, b))
        start += (a + 1) * b
    params = [layer[:-1] for layer in layers] + [layer[-1] for layer in layers]
    for view, p in zip(params, like, strict=True):
        assert view.shape == p.shape
    return flat, params, layers


class _Pool:
    """Arrays kept from one training to the next. A fresh array of a megabyte or more costs
    the page faults of its first writes (about as long as an epoch of a small network's
    arithmetic), so the epoch-sized buffers of a :class:`ChainKernel` are reused: taken with
    :meth:`get`, given back by :meth:`ChainKernel.close`. Their old contents are never read
    (every buffer is written before it is read). Two trainings at once each get their own."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.free: dict[tuple[tuple[int, ...], str], list[Array]] = {}
        self.held = 0

    def get(self, shape: tuple[int, ...], dtype: Any) -> Array:
        arrays = self.free.get((shape, np.dtype(dtype).str))
        if arrays:
            try:
                a = arrays.pop()
            except IndexError:  # another thread took it
                return np.empty(shape, dtype)
            self.held -= a.nbytes
            return a
        return np.empty(shape, dtype)

    def put(self, arrays: Sequence[Array]) -> None:
        for a in arrays:
            if self.held + a.nbytes > self.limit:
                continue
            key = (a.shape, a.dtype.str)
            kept = self.free.setdefault(key, [])
            if len(kept) < 2:
                kept.append(a)
                self.held += a.nbytes


POOL = _Pool(64 * 2**20)


KEPT_BYTES = 32 * 2**20
"""At most this many bytes of kernels are kept from one training to the next."""

_KEPT: dict[tuple[Any, ...], list[ChainKernel]] = {}
"""Kernels of finished trainings, by network structure, dtype, batch size and data shape."""


def kernel_for(structure: Structure, like: Sequence[Array], dtype: Any, capacity: int,
               x: Array, y: Array | None, sum_y: Array | None, labels: Array | None
               ) -> ChainKernel | None:
    """A kernel for training ``structure`` (parameters shaped like ``like``) on ``x`` and
    its targets (``y``, or when None the class ``labels``), or None when the network is not
    :func:`eligible`. A kernel kept from an earlier training of the same network, dtype, batch
    size and data shape is used again (taken: two trainings at once never share one); its
    :meth:`ChainKernel.close` keeps it for the next."""
    if not eligible(structure):
        return None
    n, d = x.shape
    # (by the structure's identity: a kept kernel holds its structure, so the id is not
    # another's while it is kept)
    key = (id(structure), np.dtype(dtype).char, capacity, n, d, _whole(n, d, dtype))
    kept = _KEPT.get(key)
    kernel = None
    if kept:
        try:
            kernel = kept.pop()
        except IndexError:  # another thread took it
            kernel = None
        if not kept:  # (no list left behind for every shape ever trained)
            _KEPT.pop(key, None)
    if kernel is None or kernel.s is not structure:
        kernel = ChainKernel(structure, like, dtype, capacity, n, d)
    kernel._bind(x, y, sum_y, labels)
    return kernel


def _whole(n: int, d: int, dtype: Any) -> bool:
    """Whether data of ``n`` rows of ``d`` inputs is gathered whole (see :data:`WHOLE_BYTES`)."""
    return bool(n * (d + 1) * np.dtype(dtype).itemsize <= WHOLE_BYTES)


def _keep(kernel: ChainKernel) -> bool:
    """Keep ``kernel`` for the next training of its kind, if there is room."""
    held = sum(k.nbytes for kept in list(_KEPT.values()) for k in kept)
    kept = _KEPT.setdefault(kernel.key, [])
    if held + kernel.nbytes > KEPT_BYTES or len(kept) >= 2:
        return False
    kept.append(kernel)
    return True


class _Hidden(NamedTuple):
    """A hidden layer's forward pass for batches of one size."""

    w: Array
    """[W; b] (n_in + 1, n_out), or W alone for the inputs when they carry no ones."""
    bias: Array | None
    """b, when ``w`` is W alone."""
    z: Array
    h: Array
    """[a, 1] of the batch."""
    a: Array
    """a, the view of ``h`` without the ones."""
    value_into: Callable[[Array, float, Array], Array] | None
    value: Callable[[Array, float], Array]
    parameter: float
    in_place: bool
    """a is written over z, then copied into ``h`` (two passes over contiguous rows are
    quicker than one into rows with a column of ones between them)."""


def _in_place(f: Any) -> bool:
    """Whether activation ``f`` is computed over z itself (see :class:`_Hidden`)."""
    return bool(f.in_place and f.value_into is not None and f.slope_times is not None)


class _Back(NamedTuple):
    """A layer's backward pass for batches of one size (above the first)."""

    grad: Array
    """The gradient of [W; b]."""
    h_below_t: Array
    """[a, 1] of the layer below, transposed."""
    weights_t: Array
    """W (without b), transposed."""
    dA: Array
    """dC/da of the layer below."""
    z_below: Array
    a_below: Array
    slope_times: Callable[[Array, Array, float, Array], object] | None
    slope: Callable[[Array, Array, float], Array] | None
    """The layer below's slope, None for the identity."""
    parameter: float


class _Plan(NamedTuple):
    hidden: list[_Hidden]
    out_w: Array
    out_bias: Array | None
    back: list[_Back]
    grad0: Array
    """The first layer's gradient: [W; b] when the inputs carry ones, else W alone and"""
    grad0_bias: Array | None
    dz: Array
    w0: Array
    """The first layer's weights W (without b)."""


class EpochRows(NamedTuple):
    """What an epoch leaves: each batch's mean cost, and each row's outputs (for accuracy; see
    :meth:`ChainKernel.outputs`)."""

    costs: Array
    outputs: Array


class ChainKernel:
    """Whole epochs of an eligible network with plain sgd (gradients already times r) or any
    element-wise optimizer. Made by :func:`kernel_for`; the parameters live in :attr:`flat`
    (views :attr:`params` and :attr:`layers`), the caller writes their starting values."""

    def __init__(self, structure: Structure, like: Sequence[Array], dtype: Any, capacity: int,
                 n: int, d: int) -> None:
        self.s = structure
        self.capacity = capacity
        self.whole = _whole(n, d, dtype)
        self.key = (id(structure), np.dtype(dtype).char, capacity, n, d, self.whole)
        self.flat, self.params, self.layers = buffers(structure, like, dtype)
        layers = self.layers
        self.x: Array = np.empty((0, d), dtype)
        self.y: Array | None = None
        self.sum_y: Array | None = None
        self.labels: Array | None = None
        self._ordered: tuple[Array, Array] | None = None
        """The last order asked of :meth:`labels_in_order`, and the labels in it."""
        self._rows = np.arange(n)
        self._Y_as_given = False
        self.n_rows = n
        self.grad_flat = np.empty(sum(w.size for w in layers), dtype)
        self.grads: list[Array] = []
        start = 0
        for w in layers:
            self.grads.append(self.grad_flat[start:start + w.size].reshape(w.shape))
            start += w.size
        self.pooled: list[Array] = []
        get = self._get
        self.activations = [g.segments[0] for g in structure.groups[1:]]
        sizes = [w.shape[1] for w in layers]
        self.zs = [get((capacity, k), dtype) for k in sizes[:-1]]
        self.hs = [get((capacity, k + 1), dtype) for k in sizes[:-1]]
        for h in self.hs:
            h[:, -1] = 1.0
        self.dAs = [get((capacity, k), dtype) for k in sizes[:-1]]
        out = sizes[-1]
        self.pair = structure.pair
        self.cost = structure.cost
        self._as_given = False
        """Whether X holds the rows of x in their own order (data gathered whole)."""
        if self.whole:
            # the buffer an epoch's rows go to, with their column of ones
            self.X = get((n, d + 1), dtype)
            self.X[:, d] = 1.0
            self.xbuf = self.X
        else:
            self.xbuf = get((capacity, d), dtype)
        # plain sgd's update of the first layer's weights inside their gradient's product
        # (data gathered batch by batch: large products), see :meth:`epoch`
        self._subtract = None if self.whole else subtract_product(dtype)
        self.Z = get((n, out), dtype)
        # the classes a softmax predicts are read from z: its a is needed only batch by batch
        # (of more than one output: one is read as a > 0.5)
        self.by_z = self.pair is not None and self.pair.ranked_as_z and out > 1
        self.A = get((capacity if self.by_z else n, out), dtype)
        self.aux = get((n, 1), dtype)
        self.dz = get((capacity, out), dtype)
        self.Y = get((n, out), dtype)
        self._eye = np.eye(out, dtype=dtype)
        self.SY: Array | None = None
        self._targets: tuple[Array, Array | None] = (self.Y, None)
        self.full = self._plan(capacity)
        self._plans = {capacity: self.full}
        self._batches: dict[int, tuple[Array, Array]] = {}
        self.nbytes = sum(a.nbytes for a in self.pooled) + self.flat.nbytes \
            + self.grad_flat.nbytes

    def _bind(self, x: Array, y: Array | None, sum_y: Array | None,
              labels: Array | None) -> None:
        """This training's data. ``y`` None: the targets are the class ``labels``, whose
        one-hot rows each epoch writes in its own order (no one-hot copy of the data in its
        given order)."""
        assert y is not None or labels is not None
        self.x, self.y, self.sum_y = x, y, sum_y
        self.labels = labels if y is None else None
        self._ordered = None
        self._Y_as_given = self._as_given = False
        if sum_y is not None:
            self.SY = self._get(sum_y.shape, sum_y.dtype)
        self._targets = (self.Y, sum_y)

    def _get(self, shape: tuple[int, ...], dtype: Any) -> Array:
        a = POOL.get(shape, dtype)
        self.pooled.append(a)
        return a

    def close(self) -> None:
        """This training is done: the kernel, with its buffers, is kept for the next training
        of the same network and shapes (a fresh megabyte costs its page faults, and making the
        kernel again costs as much as a few batches); past :data:`KEPT_BYTES` of kept kernels
        its epoch-sized buffers are given back to the pool instead."""
        self.x = np.empty((0, self.x.shape[1]), self.x.dtype)
        self.y = self.sum_y = self.labels = None
        self._ordered = None
        if self.SY is not None:
            POOL.put([self.SY])
            self.pooled = [a for a in self.pooled if a is not self.SY]
            self.SY = None
        self._targets = (self.Y, None)
        if _keep(self):
            return
        POOL.put(self.pooled)
        self.pooled = []

    def _plan(self, m: int) -> _Plan:
        """The buffers and functions of every layer for batches of ``m`` rows."""
        layers = self.layers
        last = len(layers) - 1
        hidden = []
        for i in range(last):
            _, _, f, p = self.activations[i]
            h = self.hs[i][:m]
            plain = i == 0 and not self.whole
            hidden.append(_Hidden(layers[i][:-1] if plain else layers[i],
                                  layers[i][-1] if plain else None, self.zs[i][:m], h,
                                  h[:, :-1], f.value_into, f.value_array, p,
                                  _in_place(f)))
        back = []
        for i in range(last, 0, -1):
            _, _, f, p = self.activations[i - 1]
            identity = f.name == "identity"
            h = self.hs[i - 1][:m]
            z = self.zs[i - 1][:m]
            back.append(_Back(self.grads[i], h.T, layers[i][:-1].T, self.dAs[i - 1][:m],
                              z, z if _in_place(f) else h[:, :-1],
                              None if identity else f.slope_times,
                              None if identity else f.slope_array, p))
        plain = last == 0 and not self.whole
        return _Plan(hidden, layers[last][:-1] if plain else layers[last],
                     layers[last][-1] if plain else None, back,
                     self.grads[0] if self.whole else self.grads[0][:-1],
                     None if self.whole else self.grads[0][-1], self.dz[:m], layers[0][:-1])

    @property
    def first_in_place(self) -> int:
        """How many parameters at the start of the buffer (the first layer's weights)
        :meth:`epoch` updates itself when asked ``in_place`` (0: none; then the caller's
        update covers every parameter)."""
        return 0 if self._subtract is None else self.layers[0][:-1].size

    def _one_hot(self, labels: Array, as_given: bool) -> Array:
        """The one-hot rows of ``labels`` (n of them), written into the epoch's targets
        (``as_given``: the labels in their own order, which stay there for the next epoch)."""
        Y = self.Y
        if not (as_given and self._Y_as_given):
            # each label's row of the identity (labels are checked to be 0..K-1; mode="clip"
            # writes straight into Y, where the default would gather into a temporary first)
            np.take(self._eye, labels, axis=0, out=Y, mode="clip")
        self._Y_as_given = as_given
        return Y

    def labels_in_order(self, labels: Array, order: Array) -> Array:
        """``labels[order]`` (made once an epoch, for the accuracy and the targets)."""
        if self._ordered is not None and self._ordered[0] is order:
            return self._ordered[1]
        ordered = labels[order]
        if labels is self.labels:
            self._ordered = (order, ordered)
        return ordered

    def _gather(self, order: Array | None) -> tuple[Array, Array | None]:
        """The epoch's inputs (when gathered whole) and targets in the order of its rows."""
        if self.whole:
            if order is None:
                if not self._as_given:
                    np.copyto(self.X[:, :-1], self.x)
                    self._as_given = True
            else:
                # X[j] = x[order[j]] written as X[inverse[i]] = x[i]: one pass into rows
                # with a column of ones between them (np.take into such rows goes through a
                # temporary; and gathering from a copy of x with its ones costs that copy)
                inverse = np.empty(len(order), np.intp)
                inverse[order] = self._rows
                self.X[inverse, :-1] = self.x
                self._as_given = False
        if self.labels is not None:
            if order is None:
                return self._one_hot(self.labels, True), None
            return self._one_hot(self.labels_in_order(self.labels, order), False), None
        assert self.y is not None
        if order is None:
            return self.y, self.sum_y
        y = np.take(self.y, order, axis=0, out=self.Y, mode="clip")
        sum_y = None
        if self.sum_y is not None and self.SY is not None:
            sum_y = np.take(self.sum_y, order, axis=0, out=self.SY, mode="clip")
        return y, sum_y

    def costs(self, n: int) -> Array:
        """The mean cost of each batch of the epoch's first ``n`` rows (after :meth:`epoch`
        has passed them)."""
        Y, SY = self._targets
        if self.pair is not None:
            assert self.pair.cost_rows_array is not None
            rows = self.pair.cost_rows_array(self.Z[:n], Y[:n], self.aux[:n],
                                             SY[:n] if SY is not None else None)
        else:
            rows = self.cost.value_array(self.A[:n], Y[:n])
        starts, sizes = self._batches.get(n) or self._batches_of(n)
        sums = np.add.reduceat(rows.astype(np.float64, copy=False), starts)
        sums /= sizes
        return sums

    def _batches_of(self, n: int) -> tuple[Array, Array]:
        """The first row of each batch of ``n`` rows, and each batch's size."""
        starts = np.arange(0, n, self.capacity)
        self._batches[n] = starts, np.minimum(starts + self.capacity, n) - starts
        return self._batches[n]

    @property
    def unguarded(self) -> bool:
        """Whether the outputs have an unguarded forward pass (see :meth:`guarded`)."""
        return self.pair is not None and self.pair.forward_rows_unguarded is not None \
            and self.pair.rows_guarded is not None

    def guarded(self, n: int) -> bool:
        """After an epoch with ``unguarded=True``: whether its numbers are those of the guarded
        pass (else the caller redoes the epoch from its start, guarded)."""
        assert self.pair is not None and self.pair.rows_guarded is not None
        return self.pair.rows_guarded(self.aux[:n])

    def epoch(self, order: Array | None, n: int, scale: float,
              update: Callable[[], object] | Array, every: Callable[[int], object] | None,
              unguarded: bool = False, in_place: bool = False) -> EpochRows:
        """The first ``n`` rows of an epoch in ``order`` (None: as they are), batch after
        batch; after each batch's gradients (``scale`` times the mean: plain sgd passes r),
        ``update()``, or when ``update`` is the parameter buffer (plain sgd), the gradients
        are subtracted from it here; ``every(stop)`` after each batch's update, when given.
        ``unguarded``: the output pair's forward pass without its guard against overflow, one
        pass fewer a batch; then :meth:`guarded` says whether the epoch stands. ``in_place``
        (plain sgd): the first :attr:`first_in_place` parameters are updated here, ``w - g``
        inside the product that gives g (their gradient is not kept), and ``update()`` does
        the rest."""
        Y, SY = self._gather(order)
        self._targets = (Y, SY)
        B = self.capacity
        pair = self.pair
        cost = self.cost
        out_f = self.activations[-1]
        Z, A, aux = self.Z, self.A, self.aux
        by_z = self.by_z
        whole = self.whole
        X = self.X if whole else self.x
        xbuf = self.xbuf
        dot = np.dot
        # the first layer's gradient x.T @ dC/dz: for data gathered batch by batch (large
        # products) np.matmul, which OpenBLAS splits across threads about 1.5x better than
        # np.dot's call of the same product (84 against 126 us on 2 threads, 143 against 150 on
        # one, 784-128-10 at batch 128); np.dot costs less per call on small products
        first_grad = dot if whole else np.matmul
        subtract = self._subtract if in_place else None
        multiply = np.multiply
        minus = np.subtract
        copyto = np.copyto
        sgd = update if isinstance(update, np.ndarray) else None
        grad_flat = self.grad_flat
        forward_rows = None
        if pair is not None:
            forward_rows = pair.forward_rows_unguarded if unguarded else pair.forward_rows
        dC_dz = pair.dC_dz_array if pair is not None else None
        plan = self.full
        full_scale = scale / B
        hidden, back = plan.hidden, plan.back
        out_w, out_bias, grad0, grad0_bias, dz = plan.out_w, plan.out_bias, plan.grad0, \
            plan.grad0_bias, plan.dz
        for begin in range(0, n, B):
            stop = begin + B
            if stop > n:
                stop = n
                plan = self._plans.get(stop - begin) or self._plan(stop - begin)
                self._plans[stop - begin] = plan
                full_scale = scale / (stop - begin)
                hidden, back = plan.hidden, plan.back
                out_w, out_bias, grad0, grad0_bias, dz = plan.out_w, plan.out_bias, \
                    plan.grad0, plan.grad0_bias, plan.dz
            if whole:
                h = X[begin:stop]
            else:
                h = xbuf[:stop - begin]
                if order is None:
                    h[...] = X[begin:stop]
                else:
                    np.take(X, order[begin:stop], axis=0, out=h, mode="clip")
            inputs = h
            for w, bias, z, hh, a, into, value, p, over_z in hidden:
                dot(h, w, out=z)
                if bias is not None:
                    z += bias
                if over_z:
                    into(z, p, z)  # type: ignore[misc]
                    copyto(a, z)
                elif into is not None:
                    into(z, p, a)
                else:
                    a[...] = value(z, p)
                h = hh
            z = Z[begin:stop]
            dot(h, out_w, out=z)
            if out_bias is not None:
                z += out_bias
            a = A[:stop - begin] if by_z else A[begin:stop]
            if forward_rows is not None and dC_dz is not None:
                forward_rows(z, a, aux[begin:stop])
                dC_dz(a, Y[begin:stop], SY[begin:stop] if SY is not None else None, dz)
            else:
                _, _, f, p = out_f
                a[...] = f.value_array(z, p)
                dC_da = cost.slope_array(a, Y[begin:stop])
                if f.name == "identity":
                    dz[...] = dC_da
                else:
                    multiply(dC_da, f.slope_array(z, a, p), out=dz)
            multiply(dz, full_scale, out=dz)
            d = dz
            for grad, h_t, w_t, dA, zb, ab, times, slope, p in back:
                dot(h_t, d, out=grad)
                dot(d, w_t, out=dA)
                if times is not None:
                    times(zb, ab, p, dA)
                elif slope is not None:
                    multiply(dA, slope(zb, ab, p), out=dA)
                d = dA
            if subtract is not None:
                subtract(inputs, d, plan.w0)
            else:
                first_grad(inputs.T, d, out=grad0)
            if grad0_bias is not None:
                np.add.reduce(d, axis=0, out=grad0_bias)
            if sgd is not None:
                minus(sgd, grad_flat, out=sgd)
            else:
                update()  # type: ignore[operator]
            if every is not None:
                every(stop)
        return EpochRows(self.costs(n), self.outputs(n))

    def outputs(self, n: int) -> Array:
        """What the epoch's first ``n`` rows predict from: their outputs' a, or for outputs
        ranked as their z (softmax), z."""
        return self.Z[:n] if self.by_z else self.A[:n]
