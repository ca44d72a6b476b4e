"""The step graph (core/stepgraph.py): one step as nodes with local rules, replayed.

Pinned three ways on random networks (every activation and cost, batches, skip connections,
frozen parameters): to the compiled fast path ``Plan.backprop`` (1e-12), to PyTorch float64
autograd built independently from the network dict, and to central finite differences of the
graph's own cost. Then what a replay may change: the number type (Fraction), the rounding (the
one rule, half up), a swapped rule and given values.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest

import chainrule as cr
from chainrule.core import stepgraph
from chainrule.core.engine import Plan
from chainrule.core.network import weight_name
from chainrule.core.stepgraph import Graph, replay, round_half_up

from .strategies import COSTS, random_network_dict
from .test_gradients import torch_oracle

SEEDS = range(120)


def close(got: Any, want: Any, tol: float = 1e-12) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if not (math.isfinite(got) and math.isfinite(want)):
        return (math.isnan(got) and math.isnan(want)) or got == want
    return abs(got - want) <= tol * max(1.0, abs(want))


def test_the_graph_is_the_engine_on_random_networks() -> None:
    """Every number of two steps, sample by sample, as Plan.backprop computes it (1e-12)."""
    compared = set()
    for seed in SEEDS:
        net = cr.load(random_network_dict(seed))
        plan = Plan(net)
        graph = Graph(net)  # built once, replayed at each step's weights
        names = plan.layout.unit_names
        w = [p.value for p in net.weights.values()]
        b = [p.value for p in net.biases.values()]
        xs = [[s.inputs[n] for n in net.inputs] for s in net.samples]
        ys = [[s.targets[n] for n in net.outputs] for s in net.samples]
        for _ in range(2):
            fast = plan.batch(xs, ys, w, b)
            v, _ = replay(graph, parameters=(w, b))
            for s, p in enumerate(fast.passes):
                mine = graph.sample_values(v, s, names)
                for field, got, want in zip(p._fields, mine, p, strict=True):
                    if isinstance(want, list):
                        assert all(close(g, e) for g, e in zip(got, want, strict=True)), (
                            seed, s, field, got, want)
                    else:
                        assert close(got, want), (seed, s, field, got, want)
            assert close(v[graph.at("C", -1, None)], fast.cost), seed
            new_w, new_b = plan.update(w, b, fast.weight_gradients, fast.bias_gradients,
                                       net.learning_rate)
            assert all(close(v[i], e) for i, e in zip(graph.new_weights, new_w, strict=True))
            assert all(close(v[i], e) for i, e in zip(graph.new_biases, new_b, strict=True))
            w, b = new_w, new_b
        compared.add(net.cost)
        compared.update(u.activation for u in net.units)
    assert compared >= {*COSTS, "softmax", "sigmoid", "relu", "leaky_relu", "tanh", "identity"}


def _graph_gradients(net: cr.Network) -> tuple[float, dict[str, float], dict[str, float]]:
    graph = Graph(net)
    v, _ = replay(graph)
    return (
        v[graph.at("C", -1, None)],
        {weight_name(k): v[graph.at("dC_dw", -1, k)] for k in net.weights},
        {u: v[graph.at("dC_db", -1, u)] for u in net.biases},
    )


def test_the_graph_is_pytorch_float64() -> None:
    pytest.importorskip("torch")
    checked = 0
    for seed in range(0, 240, 4):
        data = random_network_dict(seed)
        net = cr.load(data)
        cost, gw, gb = _graph_gradients(net)
        if not math.isfinite(cost):
            continue
        t_cost, t_gw, t_gb = torch_oracle(data)
        assert close(cost, t_cost, 1e-9), seed
        assert all(close(gw[k], t_gw[k], 1e-9) for k in gw), (seed, gw, t_gw)
        assert all(close(gb[k], t_gb[k], 1e-9) for k in gb), (seed, gb, t_gb)
        checked += 1
    assert checked >= 40


def test_the_graph_is_central_finite_differences_of_its_own_cost() -> None:
    checked = 0
    for seed in range(1, 200, 5):
        net = cr.load(random_network_dict(seed, kinks=False))
        graph = Graph(net)
        w = [p.value for p in net.weights.values()]
        b = [p.value for p in net.biases.values()]
        v, _ = replay(graph, parameters=(w, b))
        cost_node = graph.at("C", -1, None)
        if not math.isfinite(v[cost_node]):
            continue
        for i, key in enumerate(net.weights):
            h = 1e-6 * max(1.0, abs(w[i]))
            up = replay(graph, parameters=([*w[:i], w[i] + h, *w[i + 1:]], b))[0][cost_node]
            down = replay(graph, parameters=([*w[:i], w[i] - h, *w[i + 1:]], b))[0][cost_node]
            numeric = (up - down) / (2 * h)
            assert close(v[graph.at("dC_dw", -1, key)], numeric, 1e-5), (seed, key)
        checked += 1
    assert checked >= 30


def test_a_fraction_replay_is_exact() -> None:
    net = cr.load("exercise-2")
    graph = Graph(net)
    v, _ = replay(graph, number=Fraction)
    assert all(isinstance(x, Fraction) for x in v)
    assert v[graph.by_name["new_w.i -> j"].index] == Fraction("0.915687632")


def test_one_rounding_rule_half_up_on_the_printed_decimal() -> None:
    assert round_half_up(0.12345, 4) == 0.1235
    assert round_half_up(0.62075, 4) == 0.6208  # 0.62074999... in binary
    assert round_half_up(-0.125, 2) == -0.13
    assert round_half_up(2.5, 0) == 3.0  # Python's round gives 2
    assert round_half_up(math.inf, 3) == math.inf


def test_a_rounded_replay_rounds_every_number_and_works_from_the_printed_ones() -> None:
    net = cr.load("exercise-2")
    graph = Graph(net)
    v, _ = replay(graph, rounding=2)
    assert all(x == round_half_up(x, 2) for x in v)
    z = graph.at("z", 0, "j")
    assert v[graph.at("a", 0, "j")] == round_half_up(max(0.0, v[z]), 2)


def test_a_swapped_rule_and_given_values() -> None:
    net = cr.load("exercise-2")
    graph = Graph(net)
    right, _ = replay(graph)
    node = graph.by_name["dC_da.k"]
    wrong, _ = replay(graph, site=(node.index, lambda v: 0.0))
    assert wrong[node.index] == 0.0 and right[node.index] != 0.0
    assert wrong[graph.by_name["dC_dw.j -> k"].index] == 0.0
    # follow-on: a student's own a_j carries into z_k
    a_j = graph.by_name["a.j"].index
    computed, used = replay(graph, {a_j: 0.5})
    assert used[a_j] == 0.5 and computed[a_j] == right[a_j]
    w_jk = net.weights[("j", "k")].value
    assert computed[graph.by_name["z.k"].index] == pytest.approx(0.5 * w_jk)


def test_the_digit_estimate_errs_high_on_random_networks() -> None:
    """--exact refuses on this estimate before any work: it must not be below the real
    digits (numerator and denominator of the longest number of each step)."""
    from .test_teach_exact import exact_networks

    networks = [cr.load(d) for d in exact_networks()[:12]]
    networks += [cr.load(n) for n in ("exercise-1", "exercise-2", "chain-1")]
    for net in networks:
        estimates = stepgraph.exact_digit_estimates(net, 3)
        assert estimates == sorted(estimates)
        graph = Graph(net)
        w: list[Any] = [stepgraph.as_written(p.value) for p in net.weights.values()]
        b: list[Any] = [stepgraph.as_written(p.value) for p in net.biases.values()]
        for k in range(3):
            v, _ = replay(graph, number=Fraction, parameters=(w, b))
            longest = max(len(str(abs(x.numerator))) + len(str(x.denominator)) for x in v)
            assert longest <= estimates[k], (net.title, k + 1, longest, estimates)
            w = [v[i] for i in graph.new_weights]
            b = [v[i] for i in graph.new_biases]


def test_rounding_can_keep_the_given_numbers() -> None:
    """A student who rounds too early rounds what they compute, not the numbers given."""
    net = cr.load("exercise-2")
    graph = Graph(net)
    kept, _ = replay(graph, rounding=1, round_leaves=False)
    w = graph.at("w", -1, ("i", "j"))
    assert kept[w] == net.weights[("i", "j")].value != round_half_up(kept[w], 1)
    assert kept[graph.by_name["z.j"].index] == round_half_up(kept[graph.by_name["z.j"].index], 1)


def test_the_fast_rounding_is_the_decimal_rule() -> None:
    """round_half_up's fast path (far from a tie) gives the Decimal rule's number."""
    import random
    from decimal import ROUND_HALF_UP, Decimal

    rng = random.Random(7)
    for _ in range(20_000):
        d = rng.randint(0, 8)
        x = rng.choice([rng.uniform(-100, 100), (rng.randint(-10**6, 10**6) + 0.5) / 10**d,
                        rng.randint(-10**7, 10**7) / 10**(d + 1) * rng.choice([1, 3, 7]) / 8])
        want = Decimal(f"{x:.12g}").quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
        assert round_half_up(x, d) == float(want) + 0.0, (x, d)
