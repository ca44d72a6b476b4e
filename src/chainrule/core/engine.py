"""The scalar engine: forward, backward and update, one unit at a time, every number kept.

This is the handout's procedure written as a program. For each sample it feeds forward in
topological order (``z_k = sum_j a_j w_jk + b_k``, ``a_k = g_k(z_k)``), differentiates the cost
at the output (``dC/da_k``), then walks back in reverse order, each hidden unit reusing what the
later units already computed (``dC/da_j = sum_k w_jk dC/dz_k``). A step averages the samples'
costs and gradients and updates every trainable parameter: ``w_new = w_old - r dC/dw``.

Plain Python floats on purpose: for the small networks people work by hand this is several
times faster than NumPy (no per-call array overhead), and every number lands in the Trace.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from chainrule.core import checks, limits, mathtable
from chainrule.core.errors import DivergedError, UsageError
from chainrule.core.network import Network
from chainrule.core.trace import Layout, SampleTrace, Step, Trace


class _Plan:
    """The loops of one network, precomputed as index lists."""

    def __init__(self, net: Network, lay: Layout) -> None:
        idx = lay.index
        order = [idx[n] for n in net.order]
        self.n = len(lay.unit_names)
        self.inputs = [idx[n] for n in net.inputs]
        self.outputs = [idx[n] for n in net.outputs]
        output_set = set(self.outputs)
        self.forward = [i for i in order if not lay.is_input[i]]
        self.hidden_backward = [
            i for i in reversed(order) if not lay.is_input[i] and i not in output_set
        ]
        self.incoming: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        self.outgoing: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        for wi, (src, dst) in enumerate(lay.weight_keys):
            self.incoming[idx[dst]].append((idx[src], wi))
            self.outgoing[idx[src]].append((idx[dst], wi))
        bias_of = {idx[u]: bi for bi, u in enumerate(lay.bias_units)}
        self.bias = [bias_of.get(i, -1) for i in range(self.n)]
        self.param = [u.parameter if u.parameter is not None else 0.0 for u in net.units]
        functions = [u.function for u in net.units]
        self.value: list[Callable[[float, float], float]] = [f.value for f in functions]
        self.slope: list[Callable[[float, float, float], float]] = [f.slope for f in functions]
        self.softmax = bool(self.outputs) and functions[self.outputs[0]].kind == "softmax"
        self.cost = mathtable.COSTS[net.cost]
        self.softmax_units = set(self.outputs) if self.softmax else set()
        self.fused_softmax_cce = self.softmax and net.cost == "categorical_cross_entropy"
        self.weight_src = [idx[a] for a, _ in lay.weight_keys]
        self.weight_dst = [idx[b] for _, b in lay.weight_keys]
        self.bias_units = [idx[u] for u in lay.bias_units]

    def run(
        self,
        lay: Layout,
        inputs: dict[str, float],
        targets: dict[str, float],
        w: list[float],
        b: list[float],
    ) -> SampleTrace:
        n = self.n
        z = [0.0] * n
        a = [0.0] * n
        da_dz: list[float | None] = [None] * n
        dC_da = [0.0] * n
        dC_dz = [0.0] * n
        names = lay.unit_names
        for i in self.inputs:
            a[i] = inputs[names[i]]
        # Feed forward: z = sum of a * w (+ b), a = g(z).
        for i in self.forward:
            bi = self.bias[i]
            s = 0.0
            for src, wi in self.incoming[i]:
                s += a[src] * w[wi]
            if bi >= 0:
                s += b[bi]
            z[i] = s
            if i not in self.softmax_units:
                a[i] = self.value[i](s, self.param[i])
        outs = self.outputs
        ys = [targets[names[k]] for k in outs]
        n_out = len(outs)
        cost_fn = self.cost
        m = total = 0.0
        if self.softmax:
            m = max(z[k] for k in outs)
            exps = [math.exp(z[k] - m) for k in outs]
            total = sum(exps)
            for k, e in zip(outs, exps, strict=True):
                a[k] = e / total
        # The cost and its derivative at the output.
        if self.fused_softmax_cce:
            log_total = m + math.log(total)
            cost = -sum(y * (z[k] - log_total) for k, y in zip(outs, ys, strict=True) if y != 0.0)
        else:
            cost = 0.0
            for k, y in zip(outs, ys, strict=True):
                cost += cost_fn.term(a[k], y, n_out)
        for k, y in zip(outs, ys, strict=True):
            dC_da[k] = cost_fn.slope(a[k], y, n_out)
        if self.fused_softmax_cce:
            sum_y = sum(ys)
            for k, y in zip(outs, ys, strict=True):
                dC_dz[k] = a[k] * sum_y - y
        elif self.softmax:
            weighted = sum(a[k] * dC_da[k] for k in outs)
            for k in outs:
                dC_dz[k] = a[k] * (dC_da[k] - weighted)
        else:
            for k in outs:
                slope = self.slope[k](z[k], a[k], self.param[k])
                da_dz[k] = slope
                dC_dz[k] = slope * dC_da[k]
        # Back-propagate: each hidden unit reuses the later units' dC/dz.
        for j in self.hidden_backward:
            s = 0.0
            for dst, wi in self.outgoing[j]:
                s += w[wi] * dC_dz[dst]
            dC_da[j] = s
            slope = self.slope[j](z[j], a[j], self.param[j])
            da_dz[j] = slope
            dC_dz[j] = slope * s
        weight_gradients = [
            a[s] * dC_dz[d] for s, d in zip(self.weight_src, self.weight_dst, strict=True)
        ]
        bias_gradients = [dC_dz[u] for u in self.bias_units]
        return SampleTrace(
            lay, inputs, targets, z, a, da_dz, dC_da, dC_dz, cost, weight_gradients, bias_gradients
        )


def solve(
    network: Network,
    steps: int = 1,
    *,
    learning_rate: float | None = None,
    max_steps: int | None = None,
) -> Trace:
    """Run ``steps`` steps of gradient descent and record every number in a Trace.

    Parameters
    ----------
    network : the Network (:func:`chainrule.solve` also takes a path, a built-in name or a
        dict, and loads it).
    steps : number of steps, >= 1. Each step runs every sample forward and backward, then
        updates every trainable parameter once with the batch-mean gradient.
    learning_rate : r, overriding the network's own.
    max_steps : the most steps allowed (every number of every step is kept). Default: 100,000,
        or fewer for a large network, so that the Trace stays under 10 million numbers (see
        :func:`check_steps`).

    Returns
    -------
    Trace

    Raises
    ------
    DivergedError
        if the cost or a parameter becomes infinite or NaN; its ``trace`` holds the steps
        completed before, so the last finite weights are kept.
    UsageError
        for a bad argument, or ``steps`` over the limit (checked before any work).

    Examples
    --------
    >>> from chainrule.io.netfile import load
    >>> trace = solve(load("exercise-1"))
    >>> round(trace.step(1).after()["weights"]["j -> k"], 6)
    0.556
    """
    steps = checks.count(steps, "steps")
    net = network
    if learning_rate is not None:
        rate = checks.positive_number(learning_rate, "learning_rate")
        net = net.with_parameters(learning_rate=rate)
    check_steps(net, steps, max_steps)
    lay = Layout(net)
    plan = _Plan(net, lay)
    r = net.learning_rate
    w = [p.value for p in net.weights.values()]
    b = [p.value for p in net.biases.values()]
    w_train = [p.trainable for p in net.weights.values()]
    b_train = [p.trainable for p in net.biases.values()]
    samples = [(dict(s.inputs), dict(s.targets)) for s in net.samples]
    n_samples = len(samples)
    recorded: list[Step] = []
    for number in range(1, steps + 1):
        passes = [plan.run(lay, x, y, w, b) for x, y in samples]
        if n_samples == 1:
            only = passes[0]
            cost = only.cost
            gw = only.weight_gradients
            gb = only.bias_gradients
        else:
            cost = sum(p.cost for p in passes) / n_samples
            gw = [
                sum(col) / n_samples
                for col in zip(*(p.weight_gradients for p in passes), strict=True)
            ]
            gb = [
                sum(col) / n_samples
                for col in zip(*(p.bias_gradients for p in passes), strict=True)
            ]
        if not math.isfinite(cost):
            raise _diverged(net, recorded, number, f"the cost became {cost}")
        new_w = [wv - r * g if t else wv for wv, g, t in zip(w, gw, w_train, strict=True)]
        new_b = [bv - r * g if t else bv for bv, g, t in zip(b, gb, b_train, strict=True)]
        if not all(map(math.isfinite, new_w)) or not all(map(math.isfinite, new_b)):
            raise _diverged(net, recorded, number, "a weight became infinite or NaN in the update")
        recorded.append(Step(lay, number, passes, cost, gw, gb, w, b, new_w, new_b))
        w, b = new_w, new_b
    return Trace(net, recorded)


def numbers_per_step(net: Network) -> int:
    """How many numbers one step keeps in the Trace."""
    parameters = len(net.weights) + len(net.biases)
    return len(net.samples) * (5 * len(net.units) + parameters) + 3 * parameters


def step_limit(net: Network) -> int:
    """The default most steps for ``net``: 100,000, or fewer so the Trace stays under 10 million
    numbers."""
    return max(1, min(limits.MAX_STEPS, limits.MAX_TRACE_NUMBERS // numbers_per_step(net)))


def check_steps(net: Network, steps: int, max_steps: int | None = None, *,
                what: str = "steps") -> None:
    """Refuse ``steps`` over the limit before any work, naming the way to raise it."""
    if max_steps is not None:
        limit = checks.count(max_steps, "max_steps")
        if steps <= limit:
            return
        raise UsageError(f"`{what}` {steps:,} is over `max_steps` {limit:,}")
    limit = step_limit(net)
    if steps <= limit:
        return
    per_step = numbers_per_step(net)
    why = (
        f"every step is kept, {per_step:,} numbers each for this network, and a run keeps at "
        f"most {limits.MAX_TRACE_NUMBERS:,}"
        if limit < limits.MAX_STEPS
        else "every number of every step is kept"
    )
    raise UsageError(
        f"`{what}` {steps:,} is over the limit of {limit:,} steps ({why}); raise it with "
        f"`max_steps={steps}`, or train instead (`chainrule train`, chainrule.train), which "
        "keeps only the weights"
    )


def _diverged(net: Network, recorded: list[Step], number: int, what: str) -> DivergedError:
    r = net.learning_rate
    if not recorded and what.startswith("the cost"):
        return DivergedError(
            f"{what} at step {number}, before any update, so the learning rate is not the "
            "cause: the network's weights, inputs or targets give an infinite cost "
            "(e.g. a cross entropy at an output of exactly 0 or 1, or numbers too large)",
            step=number,
            trace=Trace(net, recorded),
        )
    return DivergedError(
        f"{what} at step {number}: the steps overshoot, so the learning rate r = {r:g} is "
        f"probably too large; try a smaller one (e.g. `learning_rate={r / 10:g}`)",
        step=number,
        trace=Trace(net, recorded),
    )
