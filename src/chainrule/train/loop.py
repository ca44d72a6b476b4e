"""The training loop and the public functions on data: train, evaluate, predict, gradients.

:func:`train` checks its arguments and the data, then runs epochs of mini-batch gradient
descent through a *runner*: the array runner (the kernel of :mod:`chainrule.train.kernel` and
an optimizer of :mod:`chainrule.train.optimizers`), or for tiny networks (a student's 2-2-1),
which train faster on plain Python floats than on arrays, the scalar runner (the scalar
engine's loops, lean). Both give the same numbers.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from chainrule.core import checks
from chainrule.core.engine import Plan
from chainrule.core.errors import DivergedError, UsageError
from chainrule.core.network import Network
from chainrule.io.netfile import NetworkLike, load
from chainrule.train import chain
from chainrule.train.compile import (
    Structure,
    compile_network,
    network_from_params,
    network_from_values,
    unmasked,
)
from chainrule.train.kernel import Kernel, flat_buffers
from chainrule.train.optimizers import OPTIMIZERS, State
from chainrule.train.progress import Progress, Reporter
from chainrule.train.straight import compiled as straight_line
from chainrule.train.threads import Governor, ThreadChoice, applied, check_threads, initial

Array = NDArray[Any]
DTYPES = {"float64": np.float64, "float32": np.float32}
ENGINES = ("auto", "array", "scalar")
SCALAR_WORK_LIMIT = 400
"""The scalar path is used when (weights + units) x batch size is at most this."""

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
    threads : int
        The BLAS threads the matrix products ran on (in the last epoch), and
    threads_reason : str
        why: what ``chainrule train --verbose`` shows (see :mod:`chainrule.train.threads`).
    """

    network: Network
    history: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None
    engine: str = "array"
    threads: int = 1
    threads_reason: str = ""

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


class _Data:
    """A training's X and Y as arrays of its dtype, checked. Y given as class labels is kept
    as the labels and made one-hot (:attr:`y`) when first asked: the layered fast path makes
    each epoch's one-hot rows straight from the labels in the epoch's order."""

    __slots__ = ("x", "labels", "sum_y", "n_out", "_y")

    def __init__(self, x: Array, y: Array | None, labels: Array | None, sum_y: Array | None,
                 n_out: int) -> None:
        self.x = x
        self.labels = labels
        self.sum_y = sum_y
        self.n_out = n_out
        self._y = y

    @property
    def from_labels(self) -> bool:
        """Whether Y was given as class labels (and :attr:`y` is made from them)."""
        return self._y is None

    @property
    def y(self) -> Array:
        """The targets, one row per sample (one-hot rows for class labels)."""
        if self._y is None:
            assert self.labels is not None
            y = np.zeros((self.labels.size, self.n_out), dtype=self.x.dtype)
            y[np.arange(self.labels.size), self.labels] = 1.0
            self._y = y
        return self._y


def _dtype(dtype: Any) -> Any:
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise UsageError(f"`dtype` must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return DTYPES[name]


def _prepare(structure: Structure, X: Any, Y: Any, dt: Any, what: str = "",
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
        labels = raw.astype(np.intp, copy=False)  # (read, never written)
        # one pass: seen as unsigned, a negative label is larger than any valid one
        if labels.size and int(labels.view(np.uintp).max()) >= n_out:
            raise UsageError(
                f"class labels in Y{what} must be 0..{n_out - 1} (the network has {n_out} "
                f"output units), got {int(labels.min())}..{int(labels.max())}"
            )
        rows = labels.size
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
        rows = y.shape[0]
    if rows != x.shape[0]:
        raise UsageError(f"X{what} has {x.shape[0]} rows but Y{what} has {rows}")
    if labels is not None:  # (class labels: one-hot rows, made when needed)
        return _Data(x, None, labels, None, n_out)
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
    return _Data(x, y, labels, sum_y, n_out)


def _all_finite(x: Array) -> bool:
    if x.size <= 16:  # a few numbers: quicker in Python than through NumPy's machinery
        return all(map(math.isfinite, x.ravel().tolist()))
    if x.size <= 4096:
        return bool(np.isfinite(x).all())
    # one pass, no temporary: a NaN or infinity makes the sum non-finite (an overflowing sum of
    # finite numbers is then checked element by element, without a warning)
    with np.errstate(over="ignore", invalid="ignore"):
        total = x.sum()
    return bool(np.isfinite(total)) or bool(np.isfinite(x).all())


def _accuracy_count(out: Array, labels: Array) -> int:
    if out.shape[1] == 1:
        return int(np.count_nonzero((out[:, 0] > 0.5) == labels))
    return int(np.count_nonzero(out.argmax(axis=1) == labels))


def _check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise UsageError(f"`{name}` must be a whole number >= 1, got {value!r}")
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
    progress: bool | Callable[[dict[str, Any]], object] | Progress = True,
    validation: tuple[Any, Any] | None = None,
    accuracy: bool | None = None,
    engine: str = "auto",
    threads: int | str | None = None,
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
    progress : True shows a progress bar on standard error when it is a terminal (in Jupyter, in
        the notebook) with one line per epoch; False shows nothing; a callable gets each epoch's
        history dict; any :class:`~chainrule.train.progress.Progress` gets every report (the
        library prints nothing else).
    validation : (X_test, Y_test), measured after each epoch (``test_cost``,
        ``test_accuracy`` in the history).
    accuracy : record the accuracy of classification outputs (softmax, or one sigmoid output
        with binary cross entropy and 0/1 targets); None means yes where it applies.
    engine : ``"auto"`` (plain Python floats for tiny networks and batches, arrays otherwise),
        ``"scalar"`` or ``"array"``. Both give the same numbers.
    threads : the BLAS threads of the matrix products: None or ``"auto"`` lets the trainer
        choose per problem (one thread for small products; for large ones it times the
        batches as they run and moves between one thread and all the cores, trying more only
        when no other process is running), a whole number asks for that many. The numbers do
        not depend on it. ``result.threads`` says what was used.

    Returns
    -------
    TrainResult
        ``result.network`` is the trained network, ``result.history`` one dict per epoch.

    Raises
    ------
    TrainingDivergedError
        (a :class:`~chainrule.errors.DivergedError`) when a batch's cost becomes infinite or
        NaN; it names the epoch, and its ``result`` holds the weights from before the update
        that blew up (the last ones whose cost was finite).
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
        r = checks.positive_number(learning_rate, "learning_rate")
    if optimizer not in OPTIMIZERS:
        raise UsageError(
            f"`optimizer` {optimizer!r} is not an optimizer; valid optimizers are "
            f"{', '.join(OPTIMIZERS)}"
        )
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; valid engines are {', '.join(ENGINES)}")
    requested_threads = check_threads(threads)
    dt = _dtype(dtype)
    structure, initial_params = compile_network(net)
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
    rng: np.random.Generator | None = None  # made when a shuffle needs it (not for one row)
    reporter = Reporter(progress, epochs, n)
    history: list[dict[str, Any]] = []
    # the parameters as views into one buffer: an optimizer updates them in one pass
    kernel = None if scalar else chain.kernel_for(
        structure, initial_params, dt, batch_size, data.x,
        None if data.from_labels else data.y, data.sum_y, data.labels)
    if scalar:
        flat, params = None, initial_params
    elif kernel is not None:  # a layered network (train/chain.py)
        flat, params = kernel.flat, kernel.params
    else:
        flat, params = flat_buffers(initial_params, dt)
    if flat is not None:
        for p, initial_value in zip(params, initial_params, strict=True):
            p[...] = initial_value
    stopped: str | None = None
    choice: ThreadChoice
    if scalar:
        choice = ThreadChoice(1, "1: plain Python floats (the scalar engine), no matrix "
                                 "products", limit=False)
    else:
        largest = max((batch_size * b.shape[0] * b.shape[1] for b in structure.blocks()),
                      default=0)
        choice = initial(requested_threads, largest, -(-n // batch_size))
    used = ThreadChoice(1, "")

    def result() -> TrainResult:
        return TrainResult(runner.trained(net), history, stopped,
                           "scalar" if scalar else "array", used.threads, used.reason)

    runner: _ArrayRunner | _ScalarRunner
    if scalar and not _all_finite(data.x):  # (Python's max(z, 0) would hide a NaN)
        raise UsageError("X has a value that is not a finite number")
    if scalar:
        runner = _ScalarRunner(net, structure, params, r, data)
    else:
        assert flat is not None
        runner = _ArrayRunner(structure, params, flat, r, optimizer, dt, batch_size, data,
                              kernel)
    try:
        try:
            # overflow is caught as a non-finite cost (TrainingDivergedError), not warned about
            quiet_numpy = contextlib.nullcontext() if scalar else np.errstate(
                over="ignore", invalid="ignore", divide="ignore")
            with reporter, quiet_numpy:
                previous: _EpochStart | None = None
                for epoch in range(1, epochs + 1):
                    order = None
                    if shuffle and n > 1:
                        if rng is None:
                            rng = np.random.default_rng(seed)
                        order = rng.permutation(n)
                    started = time.perf_counter()
                    used = choice
                    start = _EpochStart(runner.checkpoint(), order)
                    try:
                        with applied(choice) as governor:
                            if isinstance(runner, _ArrayRunner):
                                cost, correct = runner.epoch(
                                    order, batch_size, labels, reporter, governor=governor,
                                    at_start=start.checkpoint)
                            else:
                                cost, correct = runner.epoch(order, batch_size, labels, reporter)
                        used = governor.used()
                        if used.adaptive:
                            choice = used  # the next epoch starts where this one ended
                    except _NonFinite as bad:
                        if not _all_finite(data.x):
                            raise UsageError("X has a value that is not a finite number") from None
                        _before_the_blow_up(runner, bad.batch, start, previous, batch_size)
                        raise TrainingDivergedError(
                            f"the cost became {bad.cost} in epoch {epoch} (batch {bad.batch}): the "
                            f"steps overshoot, so the learning rate r = {r:g} is probably too "
                            f"large; try a smaller one (e.g. `learning_rate={r / 10:g}`)",
                            epoch=epoch, result=result(),
                        ) from None
                    seconds = time.perf_counter() - started
                    entry: dict[str, Any] = {
                        "epoch": epoch, "cost": cost, "seconds": seconds,
                        "samples_per_second": n / seconds if seconds > 0 else math.inf,
                    }
                    if labels is not None:
                        entry["accuracy"] = correct / n
                    if test is not None:
                        with applied(choice):
                            entry.update(_evaluate(structure, runner.values(), test, accuracy, dt))
                    history.append(entry)
                    reporter.epoch_done(entry)
                    previous = start
        except KeyboardInterrupt:
            stopped = "interrupted"
        return result()
    finally:
        # (after the result is made: a kernel kept for the next training is no longer ours)
        if isinstance(runner, _ArrayRunner) and runner.chain is not None:
            runner.chain.close()


class _NonFinite(Exception):
    def __init__(self, cost: float, batch: int) -> None:
        self.cost = cost
        self.batch = batch


class _Checkpoint(NamedTuple):
    """A runner's parameters at some point (and its optimizer's state and step count)."""

    params: list[Array]
    state: State = None
    step: int = 0


class _EpochStart(NamedTuple):
    """A runner's state at the start of an epoch, and the epoch's order of rows."""

    checkpoint: _Checkpoint
    order: Array | None


def _before_the_blow_up(runner: _ArrayRunner | _ScalarRunner, batch: int, current: _EpochStart,
                        previous: _EpochStart | None, batch_size: int) -> None:
    """The parameters before the update that made batch ``batch``'s cost non-finite: the last
    ones whose cost was finite. Found by replaying from the start of this epoch (or of the one
    before, when the first batch failed), which costs nothing while training goes well."""
    if batch >= 2:
        start, keep = current, batch - 2
    elif previous is not None:
        start, keep = previous, -(-runner.n_rows // batch_size) - 1
    else:
        start, keep = current, 0  # the initial parameters: there was no update to undo
    runner.restore(start.checkpoint)
    if keep:
        runner.epoch(start.order, batch_size, None, Reporter(False, 1, runner.n_rows), keep)


class _ArrayRunner:
    def __init__(self, structure: Structure, params: list[Array], flat: Array, r: float,
                 optimizer: str, dt: Any, batch_size: int, data: _Data,
                 chain_kernel: chain.ChainKernel | None = None) -> None:
        self.structure = structure
        self.batch_size = batch_size
        self.dt = dt
        # a layered network's whole epochs (the same numbers, fewer calls per batch)
        self.chain = chain_kernel
        self._kernel: Kernel | None = None
        self.params = params
        # the optimizers work element by element: all parameters as one array, one pass
        self.flat = [flat]
        self.flat_grads = [self.kernel.grad_flat if self.chain is None
                           else self.chain.grad_flat]
        self.init, self.update = OPTIMIZERS[optimizer](r)
        # plain sgd: the kernel's gradients come out already times r (the backward pass is
        # linear in dC/dz), so the update is one subtraction: w_new = w_old - (r dC/dw)
        self.prescaled = optimizer == "sgd"
        self.scale = r if self.prescaled else 1.0
        self.state = self.init(self.flat)
        self.step = 0
        self.data = data
        self.xbuf = np.empty((batch_size, data.x.shape[1]), dt)
        self.ybuf = np.empty((batch_size, data.n_out), dt)
        self.sbuf = np.empty((batch_size, 1), dt) if data.sum_y is not None else None
        self.n_rows = data.x.shape[0]

    @property
    def kernel(self) -> Kernel:
        """The general kernel (made when first needed: a layered network's epochs run on its
        chain kernel instead)."""
        if self._kernel is None:
            self._kernel = Kernel(self.structure, self.params, self.batch_size, self.dt)
        return self._kernel

    def checkpoint(self) -> _Checkpoint:
        return _Checkpoint([self.flat[0].copy()], copy.deepcopy(self.state), self.step)

    def restore(self, checkpoint: _Checkpoint) -> None:
        np.copyto(self.flat[0], checkpoint.params[0])
        self.state = copy.deepcopy(checkpoint.state)
        self.step = checkpoint.step

    def values(self) -> list[Array]:
        return self.params

    def trained(self, net: Network) -> Network:
        return network_from_params(net, self.structure, self.params)

    def epoch(self, order: Array | None, batch_size: int, labels: Array | None,
              reporter: Reporter, limit: int | None = None,
              governor: Governor | None = None,
              at_start: _Checkpoint | None = None) -> tuple[float, int]:
        """One pass over the rows (or their first ``limit`` batches): (mean cost, correct).
        ``at_start``: a checkpoint of the runner as it is now, when the caller has one."""
        watch = governor.tick if governor is not None and governor.watching else None
        if self.chain is not None:
            return self._chain_epoch(self.chain, order, batch_size, labels, reporter, limit,
                                     watch, at_start)
        kernel, update, params, grads = self.kernel, self.update, self.flat, self.flat_grads
        x, y, sum_y = self.data.x, self.data.y, self.data.sum_y
        n = x.shape[0] if limit is None else min(x.shape[0], limit * batch_size)
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
            cost = kernel.backward(yb, sy, self.scale)
            batches += 1
            if not math.isfinite(cost):
                raise _NonFinite(cost, batches)
            total += cost
            self.step += 1
            if self.prescaled:
                np.subtract(params[0], grads[0], out=params[0])
            else:
                self.state = update(self.step, grads, params, self.state)
            if watch is not None:
                watch()
            if reporter.active and time.perf_counter() >= reporter.next_refresh:
                accuracy = None
                if predicted is not None and labels is not None:
                    accuracy = np.count_nonzero(predicted[:stop] == labels[:stop]) / stop
                reporter.batch_done(stop, total / batches, accuracy)
        correct = 0
        if predicted is not None and labels is not None:
            correct = int(np.count_nonzero(predicted == labels))
        return total / batches, correct


    def _chain_epoch(self, kernel: chain.ChainKernel, order: Array | None, batch_size: int,
                     labels: Array | None, reporter: Reporter, limit: int | None,
                     watch: Callable[[], object] | None,
                     start: _Checkpoint | None = None) -> tuple[float, int]:
        """:meth:`epoch` of a layered network (:mod:`chainrule.train.chain`)."""
        n = self.n_rows if limit is None else min(self.n_rows, limit * batch_size)
        params, grads = self.flat, self.flat_grads
        if labels is not None and order is not None:
            labels = kernel.labels_in_order(labels, order)
        one = self.data.n_out == 1
        update: Callable[[], object] | Array
        if self.prescaled:
            # (the first layer's weights of large data are updated inside their product)
            first = kernel.first_in_place
            if first:
                p, g = params[0][first:], grads[0][first:]

                def update() -> object:
                    return np.subtract(p, g, out=p)
            else:
                update = params[0]  # the kernel subtracts its gradients from it
        else:
            def update() -> object:
                self.step += 1
                self.state = self.update(self.step, grads, params, self.state)
                return None

        every: Callable[[int], object] | None = None
        if watch is not None and not reporter.active:
            tick = watch

            def every(stop: int) -> None:
                tick()
        elif reporter.active:

            def every(stop: int) -> None:
                if watch is not None:
                    watch()
                if reporter.active and time.perf_counter() >= reporter.next_refresh:
                    costs = kernel.costs(stop)
                    accuracy = None
                    if labels is not None:
                        accuracy = _correct(kernel.outputs(stop), labels[:stop], one) / stop
                    reporter.batch_done(stop, float(costs.mean()), accuracy)

        if kernel.unguarded:
            # the softmax without its shift by each row's maximum (one pass fewer a batch);
            # when a row's sum of e^z left the safe range, the epoch is done again, guarded
            if start is None:
                start = self.checkpoint()
            costs, outputs = kernel.epoch(order, n, self.scale, update, every, unguarded=True,
                                          in_place=self.prescaled)
            if not kernel.guarded(n):
                self.restore(start)
                costs, outputs = kernel.epoch(order, n, self.scale, update, every,
                                              in_place=self.prescaled)
        else:
            costs, outputs = kernel.epoch(order, n, self.scale, update, every,
                                          in_place=self.prescaled)
        if self.prescaled:
            self.step += len(costs)
        total = float(costs.sum())
        if not math.isfinite(total):  # (a sum past the largest float is looked at too)
            bad = np.flatnonzero(~np.isfinite(costs))
            if bad.size:
                raise _NonFinite(float(costs[bad[0]]), int(bad[0]) + 1)
        correct = _correct(outputs, labels[:n], one) if labels is not None else 0
        return total / len(costs), correct


def _correct(outputs: Array, labels: Array, one: bool) -> int:
    """How many rows' outputs predict their label (one output: above 0.5)."""
    if one:
        return int(np.count_nonzero((outputs[:, 0] > 0.5) == labels))
    return int(np.count_nonzero(outputs.argmax(axis=1) == labels))


def _evaluate(structure: Structure, params: list[Array], data: _Data, accuracy: bool,
              dt: Any) -> dict[str, float]:
    n = data.x.shape[0]
    chunk = min(n, 4096)
    kernel = Kernel(structure, [p.astype(dt, copy=False) for p in params], chunk, dt)
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
    kernel = Kernel(structure, [p.astype(dt) for p in params], chunk, dt)
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
    open_structure = unmasked(structure)
    kernel = Kernel(open_structure, [p.astype(dt) for p in params], data.x.shape[0], dt)
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


# ---------------------------------------------------------------------------------------------
# The scalar path: plain Python floats for tiny networks, through the scalar engine's plan


_PLANS: weakref.WeakKeyDictionary[Structure, Plan] = weakref.WeakKeyDictionary()
_VALUES: weakref.WeakKeyDictionary[Network, tuple[list[float], list[float]]] = (
    weakref.WeakKeyDictionary())
"""Each network's weights and biases as plain lists (never changed: a runner copies them)."""
"""The scalar engine's plan of each compiled structure (a trained network shares its
structure with the one it came from), so a one-step ``train()`` call does not rebuild it."""


class _ScalarRunner:
    def __init__(self, net: Network, structure: Structure, params: list[Array], r: float,
                 data: _Data) -> None:
        self.structure = structure
        self.template = params
        self.net = net
        plan = _PLANS.get(structure)
        if plan is None:
            plan = _PLANS[structure] = Plan(net)
        self.plan = plan
        self.straight = straight_line(net, structure)
        self.r = r
        values = _VALUES.get(net)
        if values is None:
            values = _VALUES[net] = ([p.value for p in net.weights.values()],
                                     [p.value for p in net.biases.values()])
        self.w, self.b = list(values[0]), list(values[1])
        self.xs: list[list[float]] = data.x.tolist()
        self.ys: list[list[float]] = data.y.tolist()
        self.n_rows = len(self.xs)

    def checkpoint(self) -> _Checkpoint:
        return _Checkpoint([list(self.w), list(self.b)])  # type: ignore[list-item]

    def restore(self, checkpoint: _Checkpoint) -> None:
        self.w, self.b = (list(p) for p in checkpoint.params)

    def trained(self, net: Network) -> Network:
        new = network_from_values(net, self.structure, self.w, self.b)
        _VALUES[new] = (self.w, self.b)
        return new

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
              reporter: Reporter, limit: int | None = None) -> tuple[float, int]:
        """One pass over the rows (or their first ``limit`` batches): (mean cost, correct)."""
        plan, r = self.plan, self.r
        xs, ys = self.xs, self.ys
        n = len(xs) if limit is None else min(len(xs), limit * batch_size)
        rows = order.tolist() if order is not None else range(len(xs))
        lab = labels.tolist() if labels is not None else None
        if batch_size == 1 and self.straight is not None:
            # one sample per step: the network's own straight-line epoch (same numbers)
            report = reporter.batch_done if reporter.active else None
            w, b, total, correct, steps, bad = self.straight(xs, ys, rows, n, self.w, self.b,
                                                             r, lab, report)
            self.w, self.b = w, b
            if bad is not None:
                raise _NonFinite(bad, steps)
            return total / steps, correct
        backprop, batch_pass, update = plan.backprop, plan.batch, plan.update
        outs = plan.outputs
        n_out = len(outs)
        total = 0.0
        correct = 0
        batches = 0
        w, b = self.w, self.b
        try:
            for start in range(0, n, batch_size):
                batch = rows[start:start + batch_size]
                if batch_size == 1:
                    one = backprop(xs[batch[0]], ys[batch[0]], w, b)
                    cost, gw, gb, passes = one.cost, one.weight_gradients, one.bias_gradients, [one]
                else:
                    result = batch_pass([xs[i] for i in batch], [ys[i] for i in batch], w, b)
                    passes, cost, gw, gb = result
                batches += 1
                if not math.isfinite(cost):
                    raise _NonFinite(cost, batches)
                total += cost
                w, b = update(w, b, gw, gb, r)
                if lab is not None:
                    for row, p in zip(batch, passes, strict=True):
                        a = p.a
                        if n_out == 1:
                            correct += (a[outs[0]] > 0.5) == lab[row]
                        else:
                            correct += max(range(n_out), key=lambda j: a[outs[j]]) == lab[row]
                if reporter.active:
                    done = start + len(batch)
                    reporter.batch_done(done, total / batches,
                                        correct / done if lab is not None else None)
        finally:
            self.w, self.b = w, b
        return total / batches, correct
