"""How many BLAS threads the trainer's matrix products run on, chosen per problem.

NumPy's BLAS (OpenBLAS) starts as many threads as there are cores and spins them on every
product. On an idle machine two threads make a 784-128-10 batch of 128 about 1.5x faster; on a
busy one (another process on the other core) the same epoch becomes tens of times slower,
because each product waits for a thread that is not running. Small products (a 64-32-10 batch
of 32) never gain. So the trainer decides:

- a batch whose products are all small (each under :data:`SMALL_PRODUCT` multiply-adds, where
  OpenBLAS itself uses one thread) runs on one thread, and nothing is changed;
- otherwise, when more than one core is free (:func:`os.getloadavg` says the others are not
  busy), it *probes*: one batch's forward and backward pass (no update, so no number changes)
  timed on one thread and on all of them, twice each, and keeps the faster, more threads only
  when they win clearly (:data:`WIN`). It probes again at the start of every epoch, and
  within an epoch a :class:`Governor` watches the batches: when they become several times
  slower than the probe's one-thread batch (another process took the other core), the rest of
  the epoch runs on one thread. Never slower than one thread, up to timing noise;
- ``threads=N`` asks for N threads, and is used as it is.

The numbers do not depend on the choice (BLAS splits a product's rows and columns between
threads, never its sums). threadpoolctl does the limiting; it is imported only when a limit is
set, so a small problem pays nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from chainrule.core.errors import UsageError

SMALL_PRODUCT = 262_144
"""m x n x k at or below which OpenBLAS multiplies on one thread whatever its setting
(``SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD``)."""
WIN = 0.85
"""More threads are kept only when their best batch takes under this fraction of one
thread's."""
PROBE_BATCHES = 24
"""Epochs with fewer batches than this are not probed (the probe would cost more than it
could save): they run on one thread."""

_controller: Any = None


@dataclass(frozen=True)
class ThreadChoice:
    """The threads the products run on and why (what ``chainrule train --verbose`` shows)."""

    threads: int
    reason: str
    limit: bool = True
    """Whether BLAS is limited to ``threads`` (False: left alone, every product is small)."""
    one_batch: float = 0.0
    """The probe's best one-thread batch in seconds (0: no probe), what a Governor expects."""


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


def free_cores(n_cores: int) -> int:
    """Cores not busy with other work by the 1-minute load average (this process's own
    work counts as load too: about one of it is taken to be ours)."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - platforms without a load average
        return n_cores
    return max(1, min(n_cores, int(n_cores - load + 1.5)))


def initial(requested: int | None, largest_product: int, batches: int) -> ThreadChoice | None:
    """The choice made before any timing, or None when a probe has to decide.

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
    return None


def probe(work: Callable[[], object]) -> ThreadChoice:
    """Time ``work`` (a batch's forward and backward pass) on one thread and on every free
    core, interleaved, and choose the faster; one thread unless more clearly win."""
    n_cores = cores()
    free = free_cores(n_cores)
    if free < 2:
        return ThreadChoice(1, f"1: the other core(s) are busy (load average "
                               f"{os.getloadavg()[0]:.2f} on {n_cores} cores)")
    best = {1: float("inf"), free: float("inf")}
    with limited(1):
        work()  # warm-up
    for _ in range(2):
        for n in (free, 1):
            with limited(n):
                start = time.perf_counter()
                work()
                best[n] = min(best[n], time.perf_counter() - start)
    one, many = best[1] * 1e3, best[free] * 1e3
    if best[free] < WIN * best[1]:
        return ThreadChoice(free, f"{free}: a batch took {many:.2f} ms on {free} threads, "
                                  f"{one:.2f} ms on one", one_batch=best[1])
    return ThreadChoice(1, f"1: a batch took {one:.2f} ms on one thread, {many:.2f} ms on "
                           f"{free}")


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


WATCH = 16
"""A Governor looks at the clock every this many batches."""
SLOWER = 4.0
"""... and falls back to one thread when a batch took over this many times the probe's
one-thread batch."""


class Governor:
    """A choice in force for one epoch (a context manager); with more than one thread,
    :meth:`check` (called every :data:`WATCH` batches) falls back to one thread when batches
    become much slower than the probe said."""

    def __init__(self, choice: ThreadChoice) -> None:
        self.choice = choice
        self.fell_back = False
        self.watching = choice.threads > 1 and choice.one_batch > 0
        self._stack: contextlib.ExitStack[bool | None] | None = None
        self._since = 0.0

    def __enter__(self) -> Governor:
        if self.choice.limit:
            self._stack = contextlib.ExitStack()
            self._stack.enter_context(limited(self.choice.threads))
        if self.watching:
            self._since = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()

    def check(self) -> None:
        """Called every :data:`WATCH` batches."""
        now = time.perf_counter()
        per_batch = (now - self._since) / WATCH
        self._since = now
        if self.watching and per_batch > SLOWER * self.choice.one_batch:
            if self._stack is None:
                self._stack = contextlib.ExitStack()
            self._stack.enter_context(limited(1))
            self.watching = False
            self.fell_back = True

    def used(self) -> ThreadChoice:
        """The choice as it ended the epoch."""
        if not self.fell_back:
            return self.choice
        return ThreadChoice(1, f"1: {self.choice.reason}, but batches became over "
                               f"{SLOWER:g}x slower mid-epoch (a busy machine), so the rest "
                               "ran on one thread")


def applied(choice: ThreadChoice) -> Governor:
    """``choice`` in force inside the block."""
    return Governor(choice)
