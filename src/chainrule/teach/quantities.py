"""Every quantity of one step as a node of a graph, each computed from the nodes it depends on.

A student works a step by hand in the order of the worked solution: feed-forward (z, a), the
cost, back-propagation (dC/da, da/dz, dC/dz, output first), the gradients, the update. Each of
those numbers is a :class:`Node` here, with the names of the answers file (``a.j``,
``dC_dw.i -> j``, ``sample.2.z.k``; see the contract's "Teaching" section) and a local rule that
computes it from the nodes before it with the math table's functions.

:func:`replay` runs those rules in order. Given nothing, it gives the engine's numbers (a test
holds it to the Trace). Given the student's own earlier answers, each node is recomputed from
them: that is follow-on marking. Given one rule swapped for a wrong one, it replays a mistake
(:mod:`chainrule.teach.mistakes`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

from chainrule.core import mathtable
from chainrule.core.network import Network, WeightKey, weight_name
from chainrule.core.trace import Step

Rule = Callable[[list[float]], float]
"""A node's rule: the values of every node so far (by index) -> this node's value."""

UNIT_KINDS = ("z", "a", "da_dz", "dC_da", "dC_dz")
"""Per-unit quantities, per sample."""
STEP_KINDS = ("dC_dw", "dC_db", "new_w", "new_b")
"""Per-parameter quantities of the step."""


@dataclass(eq=False, slots=True)
class Node:
    """One quantity of a step.

    ``name`` is its name in answers files (None for numbers a student never writes down, like
    one sample's gradient when the step has one sample). ``kind`` is one of ``input``,
    :data:`UNIT_KINDS`, ``C`` (the step's cost), ``C_sample``, ``gw``/``gb`` (one sample's
    weight/bias gradient) and :data:`STEP_KINDS`. ``deps`` are the nodes its rule reads.
    """

    index: int
    name: str | None
    kind: str
    sample: int
    unit: str | None
    key: WeightKey | None
    deps: tuple[int, ...]
    rule: Rule = field(repr=False)


def unit_name(kind: str, unit: str, sample: int) -> str:
    """The answers-file name of a per-unit quantity: ``a.j``, or ``sample.2.a.j`` (sample 2)."""
    return f"{kind}.{unit}" if sample == 0 else f"sample.{sample + 1}.{kind}.{unit}"


class Graph:
    """Every quantity of step ``step`` of ``network``, in the order a student computes them.

    ``weights``/``biases`` are the parameters before the step (the Trace's ``before``), so a
    graph can be built for any step.
    """

    def __init__(
        self,
        network: Network,
        weights: Mapping[WeightKey, float] | None = None,
        biases: Mapping[str, float] | None = None,
        *,
        exact: bool = False,
    ) -> None:
        net = network
        self.network = net
        self.exact = exact
        # exact: every number of the file as the decimal it is written as (0.86 = 43/50)
        num: Callable[[float], Any] = _as_written if exact else float
        self.w: dict[WeightKey, Any] = (
            dict(weights) if weights is not None else {k: p.value for k, p in net.weights.items()}
        )
        self.b: dict[str, Any] = (
            dict(biases) if biases is not None else {k: p.value for k, p in net.biases.items()}
        )
        if exact:
            self.w = {k: v if isinstance(v, Fraction) else num(v) for k, v in self.w.items()}
            self.b = {k: v if isinstance(v, Fraction) else num(v) for k, v in self.b.items()}
        self.num = num
        self.r: Any = num(net.learning_rate)
        self.cost = mathtable.COSTS[net.cost]
        self.n_samples = len(net.samples)
        self.nodes: list[Node] = []
        self.by_name: dict[str, Node] = {}
        self.index: dict[tuple[str, int, str | WeightKey | None], int] = {}
        outputs = net.outputs
        self.softmax = bool(outputs) and net.unit[outputs[0]].activation == "softmax"
        self.fused = self.softmax and net.cost == "categorical_cross_entropy"
        many = self.n_samples > 1
        for s, sample in enumerate(net.samples):
            for name in net.order:
                unit = net.unit[name]
                if unit.is_input:
                    value = num(sample.inputs[name])
                    self._add(unit_name("a", name, s), "input", s, name, None, (), _const(value))
                    continue
                self._add_z(s, name)
                if unit.function.kind != "softmax":
                    self._add_a(s, name)
            if self.softmax:  # a softmax unit's a needs every output's z
                for name in outputs:
                    self._add_a(s, name)
            self._add_cost(s, sample.targets)
            for k in outputs:
                self._add_output_dC_da(s, k, num(sample.targets[k]))
            for k in outputs:
                self._add_slope_and_dC_dz(s, k, sample.targets)
            for j in reversed(net.order):
                if net.unit[j].is_input or j in outputs:
                    continue
                self._add_hidden_dC_da(s, j)
                self._add_slope_and_dC_dz(s, j, sample.targets)
            prefix = f"sample.{s + 1}." if many else None
            for key in net.weights:
                a, dz = self.at("a", s, key[0]), self.at("dC_dz", s, key[1])
                self._add(
                    prefix and f"{prefix}dC_dw.{weight_name(key)}", "gw", s, None, key, (a, dz),
                    _product(a, dz),
                )
            for u in net.biases:
                dz = self.at("dC_dz", s, u)
                self._add(prefix and f"{prefix}dC_db.{u}", "gb", s, u, None, (dz,), _copy(dz))
        costs = tuple(self.at("C_sample", s, None) for s in range(self.n_samples))
        self._add("C", "C", -1, None, None, costs, _mean(costs))
        for key in net.weights:
            parts = tuple(self.at("gw", s, key) for s in range(self.n_samples))
            self._add(f"dC_dw.{weight_name(key)}", "dC_dw", -1, None, key, parts, _mean(parts))
        for u in net.biases:
            parts = tuple(self.at("gb", s, u) for s in range(self.n_samples))
            self._add(f"dC_db.{u}", "dC_db", -1, u, None, parts, _mean(parts))
        for key, p in net.weights.items():
            g = self.at("dC_dw", -1, key)
            rule = _update(self.w[key], self.r, g) if p.trainable else _const(self.w[key])
            self._add(f"new_w.{weight_name(key)}", "new_w", -1, None, key, (g,), rule)
        for u, p in net.biases.items():
            g = self.at("dC_db", -1, u)
            rule = _update(self.b[u], self.r, g) if p.trainable else _const(self.b[u])
            self._add(f"new_b.{u}", "new_b", -1, u, None, (g,), rule)
        self._ancestors: dict[int, frozenset[int]] = {}

    # -- building ------------------------------------------------------------------------------

    def at(self, kind: str, sample: int, what: str | WeightKey | None) -> int:
        """The index of a node: ``at("a", 0, "j")``, ``at("dC_dw", -1, ("i", "j"))``."""
        return self.index[(kind, sample, what)]

    def _add(
        self,
        name: str | None,
        kind: str,
        sample: int,
        unit: str | None,
        key: WeightKey | None,
        deps: tuple[int, ...],
        rule: Rule,
    ) -> int:
        node = Node(len(self.nodes), name, kind, sample, unit, key, deps, rule)
        self.nodes.append(node)
        self.index[("a" if kind == "input" else kind, sample, key if key else unit)] = node.index
        if name:
            self.by_name[name] = node
        return node.index

    def _add_z(self, s: int, name: str) -> None:
        incoming = [
            (self.at("a", s, k[0]), self.w[k]) for k in self.network.weights if k[1] == name
        ]
        bias = self.b.get(name)
        deps = tuple(i for i, _ in incoming)
        self._add(unit_name("z", name, s), "z", s, name, None, deps, weighted_sum(incoming, bias))

    def _add_a(self, s: int, name: str) -> None:
        unit = self.network.unit[name]
        z = self.at("z", s, name)
        if unit.function.kind == "softmax":
            zs = tuple(self.at("z", s, k) for k in self.network.outputs)
            rule = _softmax(z, zs)
            deps = zs
        else:
            rule = _activation(unit.function.value, z, self._param(unit.parameter), self.exact)
            deps = (z,)
        self._add(unit_name("a", name, s), "a", s, name, None, deps, rule)

    def _add_cost(self, s: int, targets: Mapping[str, float]) -> None:
        outs = [(self.at("a", s, k), self.num(targets[k])) for k in self.network.outputs]
        cost, n_out = self.cost, len(outs)

        def rule(v: list[float]) -> float:
            return sum(cost.term(v[a], y, n_out) for a, y in outs)

        name = f"sample.{s + 1}.C" if self.n_samples > 1 else None
        self._add(name, "C_sample", s, None, None, tuple(a for a, _ in outs), rule)

    def _add_output_dC_da(self, s: int, k: str, y: float) -> None:
        a = self.at("a", s, k)
        slope, n_out = self.cost.slope, len(self.network.outputs)
        self._add(
            unit_name("dC_da", k, s), "dC_da", s, k, None, (a,),
            lambda v: slope(v[a], y, n_out),
        )

    def _add_hidden_dC_da(self, s: int, j: str) -> None:
        terms = [
            (self.w[key], self.at("dC_dz", s, key[1])) for key in self.network.weights
            if key[0] == j
        ]
        deps = tuple(d for _, d in terms)
        self._add(unit_name("dC_da", j, s), "dC_da", s, j, None, deps, back_sum(terms))

    def _add_slope_and_dC_dz(self, s: int, name: str, targets: Mapping[str, float]) -> None:
        unit = self.network.unit[name]
        a, z, dC_da = self.at("a", s, name), self.at("z", s, name), self.at("dC_da", s, name)
        if unit.function.kind == "softmax":
            outs = self.network.outputs
            if self.fused:
                total = sum(float(targets[k]) for k in outs)
                y = float(targets[name])
                self._add(
                    unit_name("dC_dz", name, s), "dC_dz", s, name, None, (a,),
                    lambda v: v[a] * total - y,
                )
                return
            pairs = tuple((self.at("a", s, k), self.at("dC_da", s, k)) for k in outs)
            self._add(
                unit_name("dC_dz", name, s), "dC_dz", s, name, None,
                tuple(i for p in pairs for i in p), _softmax_back(a, dC_da, pairs),
            )
            return
        slope_fn, p = unit.function.slope, self._param(unit.parameter)
        rule: Rule = (
            (lambda v: _exactly(slope_fn(v[z], v[a], p))) if self.exact
            else (lambda v: slope_fn(v[z], v[a], p))
        )
        slope = self._add(unit_name("da_dz", name, s), "da_dz", s, name, None, (z, a), rule)
        self._add(
            unit_name("dC_dz", name, s), "dC_dz", s, name, None, (slope, dC_da),
            _product(slope, dC_da),
        )

    def _param(self, p: float | None) -> Any:
        return self.num(0.0 if p is None else p)

    # -- reading -------------------------------------------------------------------------------

    def ancestors(self, index: int) -> frozenset[int]:
        """Every node ``index`` depends on, directly or not (not itself)."""
        found = self._ancestors.get(index)
        if found is None:
            out: set[int] = set()
            for d in self.nodes[index].deps:
                out.add(d)
                out |= self.ancestors(d)
            found = self._ancestors[index] = frozenset(out)
        return found

    def expected(self, step: Step) -> list[float]:
        """The Trace's number for every node (the right answers)."""
        lay = step.layout
        out: list[float] = []
        for node in self.nodes:
            kind, s = node.kind, node.sample
            if kind in ("input", *UNIT_KINDS):
                sample = step.samples[s]
                i = lay.index[node.unit or ""]
                column = {"input": sample.a, "z": sample.z, "a": sample.a, "dC_da": sample.dC_da,
                          "dC_dz": sample.dC_dz}.get(kind)
                value = column[i] if column is not None else sample.da_dz[i]
                out.append(math.nan if value is None else float(value))
            elif kind == "C_sample":
                out.append(step.samples[s].cost)
            elif kind == "C":
                out.append(step.cost)
            elif kind == "gw":
                out.append(step.samples[s].weight_gradients[lay.weight_index[node.key or ("", "")]])
            elif kind == "gb":
                out.append(step.samples[s].bias_gradients[lay.bias_units.index(node.unit or "")])
            elif kind == "dC_dw":
                out.append(step.weight_gradients[lay.weight_index[node.key or ("", "")]])
            elif kind == "dC_db":
                out.append(step.bias_gradients[lay.bias_units.index(node.unit or "")])
            elif kind == "new_w":
                out.append(step.weights_after[lay.weight_index[node.key or ("", "")]])
            else:
                out.append(step.biases_after[lay.bias_units.index(node.unit or "")])
        return out

    @property
    def names(self) -> list[str]:
        """Every quantity a student may write down, in the order they are computed."""
        return [n.name for n in self.nodes if n.name]


def replay(
    graph: Graph,
    given: Mapping[int, float] | None = None,
    *,
    site: tuple[int, Rule] | None = None,
    rounding: int | None = None,
    base: tuple[list[float], list[float]] | None = None,
    only: frozenset[int] | None = None,
    stop: int | None = None,
) -> tuple[list[float], list[float]]:
    """Run every node's rule in order; returns ``(computed, used)``.

    ``computed[i]`` is node i's rule applied to the values used before it; ``used[i]`` is the
    student's answer where ``given`` has one (follow-on marking: later nodes are computed from
    the student's own numbers), else ``computed[i]``.

    ``site`` = (node, rule) replaces one node's rule (a mistake). ``rounding`` rounds every
    computed number to that many decimals, as a student who rounds early does. ``base``,
    ``only`` and ``stop`` make a replay cheap: start from an earlier replay's lists, recompute
    only the nodes in ``only`` (from the site on), and stop after node ``stop``.
    """
    given = given or {}
    nodes = graph.nodes
    if base is not None:
        computed, used = list(base[0]), list(base[1])
    else:
        computed = [0.0] * len(nodes)
        used = [0.0] * len(nodes)
    start = site[0] if (site is not None and base is not None) else 0
    last = len(nodes) - 1 if stop is None else stop
    for i in range(start, last + 1):
        if only is not None and i not in only and (site is None or i != site[0]):
            continue
        node = nodes[i]
        rule = site[1] if site is not None and site[0] == i else node.rule
        try:
            value = rule(used)
        except (ArithmeticError, ValueError):
            value = math.nan
        if rounding is not None and node.kind != "input" and math.isfinite(value):
            value = round(value, rounding)
        computed[i] = value
        g = given.get(i)
        used[i] = value if g is None else g
    return computed, used


# -- rules ---------------------------------------------------------------------------------------
# Each is the engine's arithmetic for one quantity, with the math table's functions.


def _const(value: float) -> Rule:
    return lambda v: value


def _copy(i: int) -> Rule:
    return lambda v: v[i]


def _product(i: int, j: int) -> Rule:
    return lambda v: v[i] * v[j]


def _mean(parts: tuple[int, ...]) -> Rule:
    if len(parts) == 1:
        only = parts[0]
        return lambda v: v[only]
    n = len(parts)
    return lambda v: sum(v[i] for i in parts) / n


def _update(old: float, r: float, g: int) -> Rule:
    """w_new = w_old - r dC/dw."""
    return lambda v: old - r * v[g]


def weighted_sum(incoming: list[tuple[int, float]], bias: float | None) -> Rule:
    """z = sum_j a_j w_jk (+ b_k), ``incoming`` being (a_j's node, w_jk) pairs."""

    def rule(v: list[float]) -> float:
        s = 0 * v[incoming[0][0]] if incoming else 0.0  # 0.0, or an exact 0
        for a, w in incoming:
            s += v[a] * w
        return s + bias if bias is not None else s

    return rule


def back_sum(terms: list[tuple[float, int]]) -> Rule:
    """dC/da_j = sum_k w_jk dC/dz_k, ``terms`` being (w_jk, dC/dz_k's node) pairs."""

    def rule(v: list[float]) -> float:
        s = 0 * v[terms[0][1]] if terms else 0.0  # 0.0, or an exact 0
        for w, dz in terms:
            s += w * v[dz]
        return s

    return rule


def _activation(g: Callable[[float, float], float], z: int, p: float, exact: bool) -> Rule:
    if exact:  # the table's 0.0 (a ReLU that is off) is exactly 0
        return lambda v: _exactly(g(v[z], p))
    return lambda v: g(v[z], p)


def _exactly(x: float) -> float:
    """A Fraction (exact mode), typed as the number every rule returns."""
    return cast(float, Fraction(x))


def _as_written(x: float) -> Fraction:
    """A number from a file as the decimal it was written as: 0.86 -> 43/50."""
    return Fraction(repr(float(x)))


def _softmax(z: int, zs: tuple[int, ...]) -> Rule:
    def rule(v: list[float]) -> float:
        m = max(v[i] for i in zs)
        return math.exp(v[z] - m) / sum(math.exp(v[i] - m) for i in zs)

    return rule


def _softmax_back(a: int, dC_da: int, pairs: tuple[tuple[int, int], ...]) -> Rule:
    """dC/dz_k = a_k (dC/da_k - sum_j a_j dC/da_j)."""
    return lambda v: v[a] * (v[dC_da] - sum(v[i] * v[d] for i, d in pairs))


def graph_of_step(network: Network, step: Step) -> Graph:
    """The graph of ``step``, starting from the parameters it started from."""
    before = step.before()
    weights = {k: before["weights"][weight_name(k)] for k in network.weights}
    return Graph(network, weights, before["biases"])
