"""This server's limits on the work one request may ask for, each refused with a clear message.

A request body is at most :data:`MAX_BODY_BYTES`; a network at most :data:`MAX_UNITS` units and
:data:`MAX_WEIGHTS` weights; a request at most :data:`MAX_STEPS` steps (the landscape, which
solves the network once per grid point, at most :data:`MAX_LANDSCAPE_STEPS`); and any request
gets an answer within :data:`TIMEOUT_S` seconds. These are on top of the library's own limits
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
TIMEOUT_S = 20.0


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
