"""How many BLAS threads the trainer's matrix products run on, chosen per problem.

NumPy's BLAS (OpenBLAS) starts as many threads as there are cores and spins them on every
product. On an idle machine two threads make a 784-128-10 batch of 128 about 1.5x faster; on a
busy one (another process on the other core) the same epoch becomes tens of times slower,
because each product waits for a thread that is not running. Small products (a 64-32-10 batch
of 32) never gain. So the trainer decides:

- a batch whose products are all small (each under :data:`SMALL_PRODUCT` multiply-adds, where
  OpenBLAS itself uses one thread) runs on one thread, and nothing is changed;
- otherwise a :class:`Governor` times the batches as they run, in windows of :data:`WATCH`
  batches, and moves between one thread and all of them: it tries more threads only when no
  other process is running at that moment (the kernel's count of runnable tasks, in
  ``/proc/loadavg``), keeps them only while their batches are clearly faster (:data:`WIN`)
  than the last window on one thread, and goes back to one thread at once when a batch on
  more threads takes several times as long as one on one thread (another process took a core).
  The next training of the same size starts from the last choice. Never much slower than one
  thread: no batch is done twice, and a bad try costs about one batch;
- ``threads=N`` asks for N threads, and is used as it is.

The numbers do not depend on the choice (BLAS splits a product's rows and columns between
threads, never its sums). threadpoolctl does the limiting; it is imported only when a limit is
set, so a small problem pays nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chainrule.core.errors import UsageError

SMALL_PRODUCT = 262_144
"""m x n x k at or below which OpenBLAS multiplies on one thread whatever its setting
(``SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD``)."""
WIN = 0.95
"""More threads are kept only while their batches take under this fraction of one thread's
(a window's mean on a quiet machine varies by 1-3%; 784-128-10 at batch 128 gains 7-9% on
two threads, 0.38 against 0.41 ms a batch, which 0.93 kept only now and then)."""
PROBE_BATCHES = 24
"""Epochs with fewer batches than this run on one thread (too few to time both ways)."""
WATCH = 16
"""The batches of a window: a Governor compares windows."""
EXPLORE = 2
"""Windows on one thread before more threads are tried (then 4 times as many after a try that
lost)."""
BAIL = 3.0
"""A batch on more threads taking over this many times one thread's (the last window's mean)
sends the rest back to one thread at once."""
RECENT_S = 60.0
"""A choice is remembered for the next training of the same size for this many seconds."""

_controller: Any = None
_recent: dict[int, tuple[int, float, float]] = {}
"""Per problem size (the largest product): the threads of the last epoch, one thread's time
a batch, and when."""
_loadavg: int | None = None


@dataclass(frozen=True)
class ThreadChoice:
    """The threads the products run on and why (what ``chainrule train --verbose`` shows)."""

    threads: int
    reason: str
    limit: bool = True
    """Whether BLAS is limited to ``threads`` (False: left alone, every product is small)."""
    adaptive: bool = False
    """Whether a Governor may move between one thread and all of them while the batches run."""
    key: int = 0
    """The problem's size (its largest product), under which the choice is remembered."""
    one_batch: float = 0.0
    """One thread's time a batch, when known (seconds; 0: not yet)."""


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def check_threads(threads: Any) -> int | None:
    """``threads=`` as given to :func:`chainrule.train`: None or "auto" (the trainer
    chooses), or a whole number >= 1."""
    if threads is None or threads == "auto":
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise UsageError(f"`threads` must be a whole number >= 1 or 'auto', got {threads!r}")
    return int(threads)


def others_running() -> int:
    """How many other tasks are running or waiting to run right now: the kernel's count of
    runnable tasks (``/proc/loadavg``), less this one, the smaller of two readings. Where
    there is no such count, the 1-minute load average less one."""
    global _loadavg
    try:
        if _loadavg is None:
            _loadavg = os.open("/proc/loadavg", os.O_RDONLY)
        counts = [int(os.pread(_loadavg, 128, 0).split()[3].split(b"/")[0]) for _ in range(2)]
        return max(0, min(counts) - 1)
    except (OSError, ValueError, IndexError):
        try:
            return max(0, round(os.getloadavg()[0] - 1))
        except OSError:  # pragma: no cover - platforms without a load average
            return 0


def free_cores(n_cores: int) -> int:
    """Cores not busy with other work right now (see :func:`others_running`)."""
    return max(1, n_cores - others_running())


def initial(requested: int | None, largest_product: int, batches: int) -> ThreadChoice:
    """The threads a training starts with.

    ``largest_product``: the largest m x n x k of a batch's products; ``batches``: per epoch."""
    if requested is not None:
        return ThreadChoice(requested, f"{requested} as asked (threads={requested})")
    n_cores = cores()
    if n_cores == 1:
        return ThreadChoice(1, "1: this process may use one core")
    if largest_product <= SMALL_PRODUCT:
        return ThreadChoice(1, "1: every matrix product of a batch is small enough that BLAS "
                               "runs it on one thread", limit=False)
    if batches < PROBE_BATCHES:
        return ThreadChoice(1, f"1: {batches} batch(es) per epoch, too few to time both ways")
    threads, one, when = _recent.get(largest_product, (1, 0.0, 0.0))
    if threads > 1 and (time.monotonic() - when > RECENT_S or free_cores(n_cores) < threads):
        threads = 1
    return ThreadChoice(threads, f"{threads}: chosen while the batches run", adaptive=True,
                        key=largest_product, one_batch=one)


@contextlib.contextmanager
def limited(threads: int) -> Iterator[None]:
    """BLAS limited to ``threads`` threads inside the block (nothing when threadpoolctl is
    missing)."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency; kept for odd installs
            yield
            return
        _controller = ThreadpoolController()
    with _controller.limit(limits=threads, user_api="blas"):
        yield


_gemm: dict[str, Any] = {}
"""Per dtype: the in-place product of :func:`subtract_product` (None where there is none)."""


def subtract_product(dtype: Any) -> Any:
    """``f(a, d, w)``: ``w -= a.T @ d`` in one call of NumPy's own BLAS (its gemm with alpha
    -1 and beta 1), for C-contiguous float32 or float64 arrays ``a`` (m x n), ``d`` (m x k)
    and ``w`` (n x k); None where NumPy's BLAS is not a known OpenBLAS.

    Plain sgd's update of a large layer as a separate pass reads the gradient that the product
    has just written, and on more than one thread half of it from the other core's cache (a
    784 x 128 update: 13 us a batch on one thread, 99 on two); inside the product each thread
    updates the rows it computed. The numbers are those of the product, then the subtraction:
    the kernel adds -1 times each finished sum to w, one rounding, as ``w - g`` does (the
    batch, the sums' length, stays within one block of OpenBLAS's sums up to 256 rows; past
    it the sums are added in parts, within rounding). Checked on a small product when first
    made."""
    import numpy as np

    key = np.dtype(dtype).char
    if key in _gemm:
        return _gemm[key]
    _gemm[key] = None
    if key not in "fd":
        return None
    try:
        f = _blas_product(key)
    except (OSError, AttributeError, ImportError, ValueError):  # pragma: no cover - odd installs
        return None
    rng = np.random.default_rng(0)
    a, d = rng.standard_normal((5, 7)).astype(key), rng.standard_normal((5, 3)).astype(key)
    w = rng.standard_normal((7, 3)).astype(key)
    expected = w - a.T @ d
    f(a, d, w)
    if np.array_equal(w, expected):
        _gemm[key] = f
    return _gemm[key]


def _blas_product(key: str) -> Any:
    import ctypes

    from threadpoolctl import ThreadpoolController

    name = "sgemm" if key == "f" else "dgemm"
    real = ctypes.c_float if key == "f" else ctypes.c_double
    for lib in ThreadpoolController().select(internal_api="openblas").lib_controllers:
        if "numpy" not in os.path.basename(os.path.dirname(lib.filepath)):
            continue  # (another package's copy: NumPy's own threads are the ones limited)
        dll = ctypes.CDLL(lib.filepath)
        # the symbols of NumPy's OpenBLAS builds: 64-bit integers (ILP64) with the suffix
        found = [(getattr(dll, symbol), integer) for symbol, integer in (
            (f"scipy_cblas_{name}64_", ctypes.c_int64), (f"cblas_{name}64_", ctypes.c_int64),
            (f"scipy_cblas_{name}", ctypes.c_int)) if hasattr(dll, symbol)]
        if not found:
            continue
        gemm, integer = found[0]
        gemm.restype = None
        gemm.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer,
                         real, ctypes.c_void_p, integer, ctypes.c_void_p, integer, real,
                         ctypes.c_void_p, integer]

        def subtract(a: Any, d: Any, w: Any, gemm: Any = gemm) -> None:
            m, n = a.shape
            k = d.shape[1]
            # row-major (101), a transposed (112), d as it is (111)
            gemm(101, 112, 111, n, k, m, -1.0, a.ctypes.data, n, d.ctypes.data, k, 1.0,
                 w.ctypes.data, k)

        return subtract
    raise ImportError("NumPy's BLAS is not a known OpenBLAS")


class Governor:
    """A choice in force for one epoch (a context manager). When the choice is adaptive,
    :meth:`tick` (called after every batch) times the batches and moves between one thread
    and all of them (see the module's description)."""

    def __init__(self, choice: ThreadChoice) -> None:
        self.choice = choice
        self.watching = choice.adaptive
        self.threads = choice.threads
        self._stack: contextlib.ExitStack[bool | None] | None = None
        if not self.watching:  # (a fixed choice: nothing to time; kept light for tiny runs)
            return
        self.many = max(cores(), choice.threads)
        self.per_batch: dict[int, float] = {1: choice.one_batch} if choice.one_batch else {}
        self.counts: dict[int, int] = {}
        self.tries = 0
        self.lost = 0
        self.bailed = 0
        self._last = 0.0
        self._window = 0.0
        self._in_window = 0
        self._skip = True
        self._ones = 0
        self._exploring = False

    def __enter__(self) -> Governor:
        if self.choice.limit:
            self._limit(self.threads)
        if self.watching:
            self._last = self._window = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None
        if self.watching:
            used = self.used()
            _recent[self.choice.key] = (used.threads, self.per_batch.get(1, 0.0),
                                        time.monotonic())

    def _limit(self, threads: int) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(limited(threads))
        self.threads = threads
        self._skip = True  # the first batch after a change wakes (or parks) BLAS's threads

    def tick(self) -> None:
        """After every batch."""
        now = time.perf_counter()
        took = now - self._last
        self._last = now
        threads = self.threads
        self.counts[threads] = self.counts.get(threads, 0) + 1
        if self._skip:
            self._skip = False
            self._window = now
            self._in_window = 0
            return
        self._in_window += 1
        one = self.per_batch.get(1)
        if threads > 1 and one is not None and took > BAIL * one:
            self.bailed += 1
            self._back_to_one()
            return
        if self._in_window < WATCH:
            return
        mean = (now - self._window) / self._in_window
        self._window = now
        self._in_window = 0
        self.per_batch[threads] = mean
        if threads > 1:
            if one is not None and mean > WIN * one:
                self.lost += self._exploring
                self._back_to_one()
            self._exploring = False
            return
        self._ones += 1
        if self._ones >= EXPLORE * (4 if self.lost else 1) and free_cores(self.many) > 1:
            self.tries += 1
            self._exploring = True
            self._limit(self.many)

    def _back_to_one(self) -> None:
        self._exploring = False
        self._ones = 0
        self._limit(1)

    def used(self) -> ThreadChoice:
        """The choice as it ended the epoch: the threads most of its batches ran on."""
        if not self.watching or not self.counts:
            return self.choice
        threads = max(self.counts, key=lambda k: (self.counts[k], -k))
        total = sum(self.counts.values())
        times = ", ".join(f"{self.per_batch[k] * 1e3:.2f} ms a batch on {k}"
                          for k in sorted(self.per_batch) if self.per_batch[k])
        how = f"{threads}: {self.counts[threads]} of {total} batches on {threads} thread(s)"
        if times:
            how += f" ({times})"
        if self.tries == 0 and threads == 1:
            how += "; other processes were running, so more threads were not tried"
        elif self.bailed:
            how += f"; a batch on {self.many} threads became over {BAIL:g}x slower than on " \
                   "one (a busy machine), so the trainer went back to one"
        return ThreadChoice(threads, how, adaptive=True, key=self.choice.key,
                            one_batch=self.per_batch.get(1, 0.0))


def applied(choice: ThreadChoice) -> Governor:
    """``choice`` in force inside the block."""
    return Governor(choice)
