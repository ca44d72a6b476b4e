"""The work of the web API's requests, in worker processes that are killed when a request runs out
of time: a timed-out request never keeps running, and a request that eats memory takes down only
its own worker.

A :class:`Pool` holds ``workers`` processes (each a plain loop: take a task, run it, answer), at
most one request in each at a time. :meth:`Pool.call` hands a task to an idle worker and waits for
its answer until the deadline; past it, the worker is killed (SIGKILL: no Python code of the
task runs after that, whatever it was doing) and a fresh one takes its place. Each worker is
started with a memory limit (``RLIMIT_AS`` where the system has it) and is replaced after a task
that made it grow past ``memory_mb``, so the server's memory stays bounded however the requests
are chosen.

Workers come from the ``forkserver`` start method where there is one (Linux), with the library
already imported, so replacing a killed worker takes milliseconds, not an import of numpy and
matplotlib; elsewhere ``spawn``.

A task is a module-level function (pickled by name) and its arguments; it answers
:class:`Done`, or :class:`Failed` with the HTTP status and the one-line message (a library error
is 400, or 404 for an unknown example), which crosses the process boundary as plain values.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

PRELOAD = [
    "chainrule.web.work",
    "chainrule.core.engine",
    "chainrule.pictures.diagram",
    "chainrule.explain.derivation",
    "chainrule.render.html",
    "chainrule.render.output",
    "chainrule.teach.checking",
    "chainrule.teach.feedback",
    "chainrule.web.datasets",
    "chainrule.web.edit",
    "chainrule.train.loop",
    "chainrule.train.mlp",
]
"""Imported once in the fork server, so every worker starts with them."""


@dataclass(frozen=True)
class Done:
    value: Any


@dataclass(frozen=True)
class Failed:
    status: int
    message: str


class Timeout(Exception):
    """The task ran past its deadline; its worker was killed."""


class Crashed(Exception):
    """The worker died during the task (killed by the system, out of memory)."""


def _memory_now() -> int:
    """This process's virtual size in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _limit_memory(extra_mb: int) -> None:
    """Cap this process's address space at what it has now plus ``extra_mb`` (where possible)."""
    now = _memory_now()
    if not now:
        return
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = now + extra_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - best effort
        pass


def _answer(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Done | Failed:
    from chainrule.core.errors import ChainruleError, UnknownExampleError

    try:
        return Done(fn(*args, **kwargs))
    except ChainruleError as error:
        return Failed(404 if isinstance(error, UnknownExampleError) else 400, str(error))
    except MemoryError:
        return Failed(503, "the request needed more memory than this server allows for one "
                           "request; ask for fewer steps or a smaller network")
    except RecursionError:
        return Failed(400, "the request is nested too deeply to work on")
    except Exception as error:  # noqa: BLE001 - a bug, reported as one line
        return Failed(500, f"internal error ({type(error).__name__}: {error}); this is a bug, "
                           "please report it")


def _serve(conn: Connection, memory_mb: int) -> None:
    """A worker's loop: run each task it is sent and send back its answer, until the pipe closes
    or the worker has grown past ``memory_mb`` (it exits; the pool starts a fresh one)."""
    _limit_memory(memory_mb * 2)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fn, args, kwargs = task
        answer = _answer(fn, args, kwargs)
        retiring = isinstance(answer, Failed) and answer.status == 503 or (
            _peak_rss_mb() > memory_mb)
        try:
            conn.send((answer, retiring))
        except Exception as error:  # noqa: BLE001 - an answer that cannot be pickled: a bug
            conn.send((Failed(500, f"internal error (the answer cannot be sent: {error})"),
                       retiring))
        if retiring:
            return


class _Worker:
    def __init__(self, context: Any, memory_mb: int) -> None:
        parent, child = context.Pipe()
        self.conn: Connection = parent
        self.process = context.Process(target=_serve, args=(child, memory_mb), daemon=True,
                                       name="chainrule-web-worker")
        self.process.start()
        child.close()

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self.conn.close()


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class Pool:
    """``workers`` worker processes; :meth:`call` runs a task in one with a deadline.

    :meth:`call` blocks its thread: call it from at most ``workers`` threads at a time (the web
    app's thread pool has exactly that many), so an idle worker is always there or being started.
    """

    def __init__(self, workers: int, memory_mb: int = 512) -> None:
        self.workers = workers
        self.memory_mb = memory_mb
        self.killed = 0  # workers killed at a deadline (for tests and the curious)
        self._context: Any = None
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        """Start every worker now (else they start on first use)."""
        fresh = [self._new() for _ in range(self.workers - len(self._all))]
        with self._lock:
            self._idle.extend(fresh)

    def _new(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is closed")
            if self._context is None:
                self._context = _context()
        worker = _Worker(self._context, self.memory_mb)
        with self._lock:
            self._all.add(worker)
        return worker

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                self._all.discard(worker)
                worker.conn.close()
        return self._new()

    def _drop(self, worker: _Worker, kill: bool) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop(kill=kill)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def call(self, timeout_s: float, fn: Callable[..., Any], *args: Any,
             **kwargs: Any) -> Done | Failed:
        """Run ``fn(*args, **kwargs)`` in a worker; :class:`Timeout` after ``timeout_s`` seconds
        (the worker is killed and replaced), :class:`Crashed` if the worker dies."""
        deadline = time.monotonic() + timeout_s
        worker = self._take()
        try:
            worker.conn.send((fn, args, kwargs))
            ready = worker.conn.poll(max(0.0, deadline - time.monotonic()))
            reply = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            self._drop(worker, kill=True)
            self._replace()
            raise Crashed from None
        if reply is None:
            self.killed += 1
            self._drop(worker, kill=True)
            self._replace()
            raise Timeout
        answer, retiring = reply
        if retiring:  # it grew past its memory allowance and exits: a fresh one instead
            self._drop(worker, kill=False)
            self._replace()
        else:
            with self._lock:
                closed = self._closed
                if not closed:
                    self._idle.append(worker)
            if closed:
                worker.stop()
        return answer  # type: ignore[no-any-return]

    def _replace(self) -> None:
        try:
            fresh = self._new()
        except RuntimeError:
            return
        with self._lock:
            self._idle.append(fresh)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
        for worker in workers:
            worker.stop(kill=True)
