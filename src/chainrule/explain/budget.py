"""Symbolic work under a time and memory budget.

sympy can run for hours or fill the memory on a short expression (``e^e^e^e^e*x``,
``(x+y+z+w+v)^1000``). The expression reader bounds what it can (length, nesting, numbers,
exponents, towers of powers); what is left runs here, in a forked worker process that is killed
when its time is up and whose address space is capped, so the caller gets one clear line instead
of a hang, a MemoryError or a crash. Where no fork is available (Windows), or inside a daemonic
worker that may not have children (the web server's, which has its own deadline), the work runs
in this process with the reader's bounds only.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from chainrule.core.errors import UsageError

SECONDS = 2.5
"""Wall-clock seconds one symbolic job may take."""
MEMORY_BYTES = 1 << 30
"""Memory one job may add to the process (1 GiB)."""

T = TypeVar("T")


class OverBudget(UsageError):
    """The work did not finish within its time or memory budget."""


def _can_fork() -> bool:
    if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return not multiprocessing.current_process().daemon


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(connection: Any, fn: Callable[..., Any], args: tuple[Any, ...], memory: int) -> None:
    try:
        import resource

        limit = _address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - no limits here
        pass
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except MemoryError:
        result = ("memory", None)
    except RecursionError:
        result = ("recursion", None)
    except Exception as error:  # noqa: BLE001 - sent back and raised there as it was
        result = ("error", error)
    try:
        connection.send(result)
    except Exception:  # noqa: BLE001 - an unpicklable result: say so
        connection.send(("error", RuntimeError(f"cannot return {type(result[1]).__name__}")))
    connection.close()


def bounded(fn: Callable[..., T], *args: Any, what: str, seconds: float = SECONDS,
            memory: int = MEMORY_BYTES) -> T:
    """``fn(*args)``, run in a worker killed after ``seconds`` and capped at ``memory`` bytes.

    ``what`` names the work in the one-line message (``"differentiating 'x^x'"``). Raises
    OverBudget (a UsageError) when the time or memory runs out, or recursion is too deep;
    UsageError and other exceptions of ``fn`` are raised as they were. ``fn`` and its result must
    pickle (with fork, ``fn`` itself is not sent).
    """
    if not _can_fork():
        try:
            return fn(*args)
        except RecursionError:
            raise OverBudget(f"{what}: the expression is nested too deeply") from None
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_child, args=(send, fn, args, memory), daemon=True)
    worker.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise OverBudget(f"{what}: took longer than {seconds:g} s, so it was stopped; "
                             "simplify the expression or split it into pieces")
        try:
            kind, value = receive.recv()
        except EOFError:
            kind, value = "memory", None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receive.close()
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "memory":
        raise OverBudget(f"{what}: needs more than {memory >> 20} MB of memory, so it was "
                         "stopped; simplify the expression or split it into pieces")
    if kind == "recursion":
        raise OverBudget(f"{what}: the expression is nested too deeply; split it into pieces")
    raise value
