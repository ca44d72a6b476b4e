"""This server's limits on the work one request may ask for, each refused with a clear message
before any work is done.

A request body is at most :data:`MAX_BODY_BYTES`; a network at most :data:`MAX_UNITS` units and
:data:`MAX_WEIGHTS` weights; a request at most :data:`MAX_STEPS` steps (the landscape, which
solves the network once per grid point, at most :data:`MAX_LANDSCAPE_STEPS`); and the numbers
the steps produce (the Trace keeps them all: per step, samples x (5 per unit + 1 per parameter)
+ 3 per parameter) at most :data:`MAX_WORK`, or :data:`MAX_SHOWN` where every one of them is
written out (``solve``, ``solution``: about 35 bytes of JSON each); a landscape's grid of points
x network size at most :data:`MAX_LANDSCAPE_WORK`. Any request is answered within
:data:`TIMEOUT_S` seconds of its arrival (its worker process is killed past it); at most
:data:`QUEUE` requests wait for a worker (429 beyond); a worker that grows by more than
:data:`WORKER_MEMORY_MB` is replaced. These are on top of the library's own limits
(:mod:`chainrule.core.limits`: the numbers one Trace may hold, nesting), which every request
goes through too, with their defaults: a request cannot raise them.
"""

from __future__ import annotations

from chainrule.core import limits as library
from chainrule.core.errors import UsageError
from chainrule.core.network import Network

MAX_BODY_BYTES = 1_000_000
MAX_UNITS = 500
MAX_WEIGHTS = 5_000
MAX_SAMPLES = 1_000
MAX_STEPS = min(10_000, library.MAX_STEPS)
MAX_LANDSCAPE_STEPS = 200
MAX_WORK = 2_000_000
"""Numbers the steps of one request produce (the library's own limit is 10 million): a second or
two of work, and well within a worker's memory."""
MAX_SHOWN = 500_000
"""Numbers an answer may write out (``/api/solve``'s JSON: about 17 MB, a second or two)."""
LANDSCAPE_POINTS = {1: 4 * 202, 2: 4 * 62 * 62}
"""The points a landscape over 1 or 2 weights may solve the network at (its grid, widened up to
four times towards a minimum past its edge)."""
MAX_LANDSCAPE_WORK = 4_000_000
"""points x (weights + units): a few seconds at most."""
TIMEOUT_S = 10.0
QUEUE = 16
WORKER_MEMORY_MB = 400


def numbers(net: Network) -> int:
    """The numbers one step of ``net`` produces (as :data:`chainrule.core.limits.
    MAX_TRACE_NUMBERS` counts them)."""
    parameters = len(net.weights) + len(net.biases)
    return len(net.samples) * (5 * len(net.units) + parameters) + 3 * parameters


def size(net: Network, samples: int | None = None) -> int:
    """The work of one step: (weights + units) x samples."""
    return (len(net.weights) + len(net.units)) * (len(net.samples) if samples is None else samples)


def check_network(net: Network) -> None:
    """UsageError if the network is larger than this server works on."""
    for count, limit, what in (
        (len(net.units), MAX_UNITS, "units"),
        (len(net.weights), MAX_WEIGHTS, "weights"),
        (len(net.samples), MAX_SAMPLES, "samples"),
    ):
        if count > limit:
            raise UsageError(
                f"network: {count} {what} is more than this server works on (at most {limit}); "
                "use `chainrule solve` or `chainrule train` on your own machine"
            )


def check_steps(steps: int) -> None:
    """UsageError unless 1 <= steps <= MAX_STEPS."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise UsageError(
            f"steps: must be a whole number from 1 to {MAX_STEPS} (this server's limit per "
            f"request), got {steps!r}"
        )


def check_landscape_steps(steps: int) -> None:
    """UsageError unless 1 <= steps <= MAX_LANDSCAPE_STEPS."""
    whole = isinstance(steps, int) and not isinstance(steps, bool)
    if not whole or not 1 <= steps <= MAX_LANDSCAPE_STEPS:
        raise UsageError(
            f"steps: a landscape draws 1 to {MAX_LANDSCAPE_STEPS} descent steps, got {steps!r}"
        )


def check_work(net: Network, steps: int, shown: bool = False) -> None:
    """UsageError if ``steps`` steps of ``net`` are more work than this server does at once
    (``shown``: every number of them written out in the answer)."""
    limit = MAX_SHOWN if shown else MAX_WORK
    if steps * numbers(net) > limit:
        most = max(1, limit // numbers(net))
        raise UsageError(
            f"steps: {steps} steps of a network of {len(net.weights)} weights, {len(net.units)} "
            f"units and {len(net.samples)} samples is more work than this server does at once "
            f"(at most {most} steps of this network); ask for fewer steps, or use `chainrule "
            "solve` on your own machine"
        )


def check_landscape(net: Network, weights: int, steps: int, batch: bool) -> None:
    """UsageError if a landscape over ``weights`` weights of ``net`` is more work than this
    server does at once: its grid's points, each a forward pass (of every sample with
    ``batch``), and the ``steps`` descent steps."""
    check_landscape_steps(steps)
    one = size(net, len(net.samples) if batch else 1)
    points = LANDSCAPE_POINTS.get(weights, LANDSCAPE_POINTS[2])
    if (points + steps) * one > MAX_LANDSCAPE_WORK:
        raise UsageError(
            f"network: a landscape over {weights} weight{'s' if weights > 1 else ''} solves the "
            f"network at about {points} points, and this network ({len(net.weights)} weights, "
            f"{len(net.units)} units{', every sample' if batch else ''}) is too large for that "
            "here; draw it over one weight, without batch, or use `chainrule plot landscape` on "
            "your own machine"
        )
