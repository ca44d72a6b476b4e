"""The scalar engine: forward, backward and update, one unit at a time, every number kept.

This is the handout's procedure written as a program. For each sample it feeds forward in
topological order (``z_k = sum_j a_j w_jk + b_k``, ``a_k = g_k(z_k)``), differentiates the cost
at the output (``dC/da_k``), then walks back in reverse order, each hidden unit reusing what the
later units already computed (``dC/da_j = sum_k w_jk dC/dz_k``). A step averages the samples'
costs and gradients and updates every trainable parameter: ``w_new = w_old - r dC/dw``.

Plain Python floats on purpose: for the small networks people work by hand this is several
times faster than NumPy (no per-call array overhead), and every number lands in the Trace.
:class:`Plan` is the compiled float fast path of the step graph
(:mod:`chainrule.core.stepgraph`, to which a test pins it on random networks): :func:`solve`
records its passes, and the trainer runs it for tiny networks (:mod:`chainrule.train.loop`).
Worked by hand (``solve(..., rounded=4)``), a step is a rounded replay of the step graph
itself. Every formula comes from
:mod:`chainrule.core.mathtable`, softmax and the output pairs (softmax with categorical cross
entropy, sigmoid with binary cross entropy) included; no operation here raises
``OverflowError``: a number too large becomes infinite, and that is divergence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from chainrule.core import checks, limits, mathtable, stepgraph
from chainrule.core.errors import DivergedError, UsageError
from chainrule.core.network import Network
from chainrule.core.options import DECIMALS, NOTATION
from chainrule.core.trace import Layout, SampleTrace, Step, Trace


class Pass(NamedTuple):
    """One sample's forward and backward pass; lists aligned with the plan's :class:`Layout`
    (see :class:`~chainrule.core.trace.SampleTrace` for what each number is)."""

    z: list[float]
    a: list[float]
    da_dz: list[float | None]
    dC_da: list[float]
    dC_dz: list[float]
    cost: float
    weight_gradients: list[float]
    bias_gradients: list[float]


class BatchPass(NamedTuple):
    """Every sample's pass and the batch means of the cost and the gradients."""

    passes: list[Pass]
    cost: float
    weight_gradients: list[float]
    bias_gradients: list[float]


class Plan:
    """A network's loops, precomputed as index lists: what :func:`solve` runs, and the trainer
    for tiny networks. Parameters are plain lists in the network's weight and bias order;
    inputs and targets lists in its input and output order.
    """

    def __init__(self, network: Network, layout: Layout | None = None) -> None:
        net = network
        lay = layout if layout is not None else Layout(net)
        self.layout = lay
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
        self.cost = mathtable.COSTS[net.cost]
        out_functions = [functions[k] for k in self.outputs]
        # softmax: one function of the whole output layer (its table entry's layer_value)
        self.layer = out_functions[0] if out_functions and out_functions[0].kind == "softmax" \
            else None
        self.layer_units = output_set if self.layer is not None else set()
        self.pair = mathtable.output_pair([f.name for f in out_functions], net.cost)
        self.weight_src = [idx[a] for a, _ in lay.weight_keys]
        self.weight_dst = [idx[b] for _, b in lay.weight_keys]
        self.bias_units = [idx[u] for u in lay.bias_units]
        self.weight_trainable = [p.trainable for p in net.weights.values()]
        self.bias_trainable = [p.trainable for p in net.biases.values()]
        self.all_trainable = all(self.weight_trainable) and all(self.bias_trainable)
        # the loops' steps, each unit's numbers gathered once (no lookups per sample)
        self.forward_steps: list[
            tuple[int, list[tuple[int, int]], int, Callable[[float, float], float] | None, float]
        ] = [
            (i, self.incoming[i], self.bias[i],
             None if i in self.layer_units else self.value[i], self.param[i])
            for i in self.forward
        ]
        self.output_slopes = [(k, self.slope[k], self.param[k]) for k in self.outputs]
        self.backward_steps = [
            (j, self.outgoing[j], self.slope[j], self.param[j]) for j in self.hidden_backward
        ]
        self.weight_ends = list(zip(self.weight_src, self.weight_dst, strict=True))
        self.input_slots = list(enumerate(self.inputs))
        self.output_slots = list(enumerate(self.outputs))

    def backprop(
        self, x: Sequence[float], y: Sequence[float], w: Sequence[float], b: Sequence[float]
    ) -> Pass:
        """Forward and backward pass of one sample (``x`` per input, ``y`` per output)."""
        n = self.n
        z = [0.0] * n
        a = [0.0] * n
        da_dz: list[float | None] = [None] * n
        dC_da = [0.0] * n
        dC_dz = [0.0] * n
        for j, i in self.input_slots:
            a[i] = x[j]
        # Feed forward: z = sum of a * w (+ b), a = g(z).
        for i, incoming, bi, g, p in self.forward_steps:
            s = 0.0
            for src, wi in incoming:
                s += a[src] * w[wi]
            if bi >= 0:
                s += b[bi]
            z[i] = s
            if g is not None:
                a[i] = g(s, p)
        outs = self.outputs
        layer = self.layer
        if layer is not None:
            assert layer.layer_value is not None
            values = layer.layer_value([z[k] for k in outs])
            for j, k in self.output_slots:
                a[k] = values[j]
        # The cost and its derivatives at the output.
        pair = self.pair
        if pair is not None:
            z_out = [z[k] for k in outs]
            a_out = [a[k] for k in outs]
            cost = pair.cost_from_z(z_out, y)
            d_a = pair.dC_da(z_out, a_out, y)
            d_z = pair.dC_dz(a_out, y)
            for j, k in self.output_slots:
                dC_da[k] = d_a[j]
                dC_dz[k] = d_z[j]
            if layer is None:
                for k, slope, p in self.output_slopes:
                    da_dz[k] = slope(z[k], a[k], p)
        else:
            term, cost_slope = self.cost.term, self.cost.slope
            n_out = len(outs)
            cost = 0.0
            for j, k in self.output_slots:
                ak, yk = a[k], y[j]
                cost += term(ak, yk, n_out)
                dC_da[k] = cost_slope(ak, yk, n_out)
            if layer is not None:
                assert layer.layer_backward is not None
                dz_out = layer.layer_backward([a[k] for k in outs], [dC_da[k] for k in outs])
                for j, k in self.output_slots:
                    dC_dz[k] = dz_out[j]
            else:
                for k, slope, p in self.output_slopes:
                    g_ = slope(z[k], a[k], p)
                    da_dz[k] = g_
                    dC_dz[k] = g_ * dC_da[k]
        # Back-propagate: each hidden unit reuses the later units' dC/dz.
        for j, outgoing, slope, p in self.backward_steps:
            s = 0.0
            for dst, wi in outgoing:
                s += w[wi] * dC_dz[dst]
            dC_da[j] = s
            g_ = slope(z[j], a[j], p)
            da_dz[j] = g_
            dC_dz[j] = g_ * s
        weight_gradients = [a[s_] * dC_dz[d] for s_, d in self.weight_ends]
        bias_gradients = [dC_dz[u] for u in self.bias_units]
        return Pass(z, a, da_dz, dC_da, dC_dz, cost, weight_gradients, bias_gradients)

    def batch(
        self,
        xs: Sequence[Sequence[float]],
        ys: Sequence[Sequence[float]],
        w: Sequence[float],
        b: Sequence[float],
    ) -> BatchPass:
        """Every sample's pass, and the mean cost and mean gradients over them."""
        if len(xs) == 1:
            only = self.backprop(xs[0], ys[0], w, b)
            return BatchPass([only], only.cost, only.weight_gradients, only.bias_gradients)
        passes = [self.backprop(x, y, w, b) for x, y in zip(xs, ys, strict=True)]
        m = len(passes)
        cost = sum(p.cost for p in passes) / m
        gw = [sum(col) / m for col in zip(*(p.weight_gradients for p in passes), strict=True)]
        gb = [sum(col) / m for col in zip(*(p.bias_gradients for p in passes), strict=True)]
        return BatchPass(passes, cost, gw, gb)

    def update(
        self,
        w: Sequence[float],
        b: Sequence[float],
        gw: Sequence[float],
        gb: Sequence[float],
        r: float,
    ) -> tuple[list[float], list[float]]:
        """The handout's update, ``w_new = w_old - r dC/dw``, of every trainable parameter."""
        if self.all_trainable:
            return [wv - r * gw[i] for i, wv in enumerate(w)], [
                bv - r * gb[i] for i, bv in enumerate(b)
            ]
        new_w = [
            wv - r * g if t else wv
            for wv, g, t in zip(w, gw, self.weight_trainable, strict=True)
        ]
        new_b = [
            bv - r * g if t else bv for bv, g, t in zip(b, gb, self.bias_trainable, strict=True)
        ]
        return new_w, new_b


def solve(
    network: Network,
    steps: int = 1,
    *,
    learning_rate: float | None = None,
    max_steps: int | None = None,
    rounded: int | None = None,
    notation: str = "handout",
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
    rounded : None (the default) keeps full precision throughout. A number of decimals works
        the steps as a student does by hand, for answer keys that match hand work digit for
        digit: every number a worked solution prints (z, a, the cost, each slope, dC/da,
        dC/dz, each gradient, each new weight) is rounded half up to that many decimals, and
        each line is computed from the rounded numbers before it. The Trace's ``rounded``
        says which.
    notation : with ``rounded``, the notation whose lines the numbers reproduce: the
        handout's works a gradient as a_j · g'(z_k) · dC/da_k from the printed factors, AIMA's
        as Delta_k · a_j from the printed Delta_k (``"handout"`` or ``"aima"``).

    Returns
    -------
    Trace

    Raises
    ------
    DivergedError
        if the cost or a parameter becomes infinite or NaN; its ``trace`` holds the steps
        before the update that blew up, so that its final network is the last one whose cost
        was finite (a file saved from it does not diverge at its first step).
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
    delta = NOTATION.check(notation) == "aima"
    if rounded is not None:  # the decimals shown: the one bound of every `decimals`
        return _solve_by_hand(net, steps, DECIMALS.check(rounded, "rounded"), delta)
    plan = Plan(net)
    lay = plan.layout
    r = net.learning_rate
    w = [p.value for p in net.weights.values()]
    b = [p.value for p in net.biases.values()]
    inputs = [dict(s.inputs) for s in net.samples]
    targets = [dict(s.targets) for s in net.samples]
    xs = [[s.inputs[n] for n in net.inputs] for s in net.samples]
    ys = [[s.targets[n] for n in net.outputs] for s in net.samples]
    recorded: list[Step] = []
    for number in range(1, steps + 1):
        result = plan.batch(xs, ys, w, b)
        if not math.isfinite(result.cost):
            # the weights of the last finite cost are before the update that led here
            raise _diverged(net, recorded[:-1], number, f"the cost became {result.cost}")
        new_w, new_b = plan.update(w, b, result.weight_gradients, result.bias_gradients, r)
        if not all(map(math.isfinite, new_w)) or not all(map(math.isfinite, new_b)):
            raise _diverged(net, recorded, number, "a weight became infinite or NaN in the update")
        passes = [
            SampleTrace(lay, x, y, *p)
            for x, y, p in zip(inputs, targets, result.passes, strict=True)
        ]
        recorded.append(
            Step(lay, number, passes, result.cost, result.weight_gradients,
                 result.bias_gradients, w, b, new_w, new_b)
        )
        w, b = new_w, new_b
    return Trace(net, recorded)


def _solve_by_hand(net: Network, steps: int, decimals: int, delta: bool = False) -> Trace:
    """:func:`solve` as a student works it by hand: the step graph replayed with every number
    rounded half up to ``decimals`` as it is printed, each line computed from the printed
    numbers before it by the formula the line prints (:func:`chainrule.core.stepgraph.replay`;
    ``delta``: as AIMA's notation prints them, each gradient from the printed Delta = dC/dz).
    The inputs, targets, weights, biases and learning rate are rounded too: the numbers a
    student starts from are the ones printed."""
    q = stepgraph.hand_rounding(decimals)
    graph = stepgraph.Graph(net)  # built once: each step replays it at the new weights
    lay = Layout(net)
    names = lay.unit_names
    w = [q(p.value) for p in net.weights.values()]
    b = [q(p.value) for p in net.biases.values()]
    inputs = [{k: q(v) for k, v in s.inputs.items()} for s in net.samples]
    targets = [{k: q(v) for k, v in s.targets.items()} for s in net.samples]
    cost_node = graph.at("C", -1, None)
    gw_nodes = [graph.at("dC_dw", -1, k) for k in net.weights]
    gb_nodes = [graph.at("dC_db", -1, u) for u in net.biases]
    recorded: list[Step] = []
    for number in range(1, steps + 1):
        v, _ = stepgraph.replay(graph, rounding=decimals, parameters=(w, b), hand=delta)
        cost = v[cost_node]
        if not math.isfinite(cost):
            if not mathtable.COSTS[net.cost].exact and any(
                v[graph.at("a", si, k)] in (0.0, 1.0)
                for si in range(len(net.samples)) for k in net.outputs
            ):
                raise DivergedError(
                    f"the cost became {cost} at step {number}, worked by hand at {decimals} "
                    f"decimals: an output printed as 0 or 1 goes into the {net.cost}'s "
                    f"logarithm (ln 0); round to more decimals (e.g. `rounded={decimals + 2}`)",
                    step=number,
                    trace=Trace(net, recorded[:-1], decimals),
                )
            raise _diverged(net, recorded[:-1], number, f"the cost became {cost}")
        new_w = [v[i] for i in graph.new_weights]
        new_b = [v[i] for i in graph.new_biases]
        if not all(map(math.isfinite, new_w)) or not all(map(math.isfinite, new_b)):
            raise _diverged(net, recorded, number, "a weight became infinite or NaN in the update")
        passes = [
            SampleTrace(lay, inputs[s], targets[s], *graph.sample_values(v, s, names))
            for s in range(len(net.samples))
        ]
        recorded.append(
            Step(lay, number, passes, cost, [v[i] for i in gw_nodes], [v[i] for i in gb_nodes],
                 w, b, new_w, new_b)
        )
        w, b = new_w, new_b
    return Trace(net, recorded, decimals)


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
    if number == 1 and what.startswith("the cost"):
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
