"""One step as a graph: every quantity a node with a local rule, replayed in many ways.

A student works a step by hand in the order of the worked solution: feed-forward (z, a), the
cost, back-propagation (dC/da, da/dz, dC/dz, output first), the gradients, the update. Each of
those numbers is a :class:`Node` here, with the names of the answers file (``a.j``,
``dC_dw.i -> j``, ``sample.2.z.k``; see the contract's "Teaching" section) and a local rule that
computes it from the nodes before it with the math table's functions
(:mod:`chainrule.core.mathtable`: the activations, the costs, softmax and its backward, the
fused output pairs). The numbers the rules start from are leaves: each sample's inputs and
targets, every weight and bias, the learning rate and each unit's activation parameter. The
graph is built once per network; a step at other weights is a replay with other leaves.

:func:`replay` runs the rules in order, with a choice of

- number: ``float`` (the engine's arithmetic, to the last bit where it can be) or
  :class:`~fractions.Fraction` (every number of the file read as the decimal it is written as:
  ``--exact``);
- rounding: None, or a student's rounding at ``d`` decimals (:func:`round_half_up`, the one
  rounding rule of the project): every number is rounded as it is printed and each rule works
  from the printed numbers, by the formula the worked solution prints (``--rounded``);
- a swapped rule: one node computed by another rule (a mistake, :mod:`chainrule.teach.mistakes`);
- given values: a student's own numbers, used by every later rule (follow-on marking).

The scalar engine's :class:`~chainrule.core.engine.Plan` is the compiled float fast path of
the same step; a test pins the two together on random networks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from chainrule.core import mathtable
from chainrule.core.network import Network, WeightKey, weight_name

Rule = Callable[[list[Any]], Any]
"""A node's rule: the values of every node so far (by index) -> this node's value."""

LEAF_KINDS = ("input", "y", "w", "b", "r", "p")
"""The numbers a step starts from: a sample's input (its ``a``) and target, a weight, a bias,
the learning rate, a unit's activation parameter (the leaky-ReLU slope)."""
UNIT_KINDS = ("z", "a", "da_dz", "dC_da", "dC_dz")
"""Per-unit quantities, per sample."""
STEP_KINDS = ("dC_dw", "dC_db", "new_w", "new_b")
"""Per-parameter quantities of the step."""


def round_half_up(x: float, decimals: int) -> float:
    """Round as a student does: half up, on the number as printed (0.12345 -> 0.1235).

    The one rounding rule of chainrule: ``--rounded``, the worked solution's by-hand numbers and
    the rounded-too-early diagnosis all use it. The float is first read as the decimal it
    stands for (12 significant digits: 0.564 + 0.5 · 0.1135 is 0.62075 by hand, but
    0.62074999999999991 in binary floating point), then rounded half up (away from zero on a
    5, as in school: -0.125 -> -0.13).

    >>> round_half_up(0.2415, 3), round(0.2415, 3)  # Python's round: the float is a hair under
    (0.242, 0.241)
    >>> round_half_up(-0.125, 2)
    -0.13
    """
    return hand_rounding(decimals)(x)


_WIDE = Context(prec=200)
"""Room for any quantized number (a float below 1e15 with up to 100 decimals)."""


def hand_rounding(decimals: int) -> Callable[[float], float]:
    """:func:`round_half_up` at ``decimals`` as a function of one number."""
    quantum = Decimal(1).scaleb(-decimals)
    scale = 10.0**decimals

    def rounded(x: float) -> float:
        if not math.isfinite(x) or abs(x) >= 1e15:
            return x  # no decimals left to round in a float this large
        scaled = abs(x) * scale
        if abs(scaled - math.floor(scaled) - 0.5) > 1e-9 * (scaled + 1.0):
            # far from a tie: the nearest is the same however the tie would go (fast path)
            return round(x, decimals) + 0.0
        # 12 significant digits (17 for a number too large to keep its decimals in 12)
        exact = Decimal(f"{x:.{12 if abs(x) < 1e6 else 17}g}")
        return float(exact.quantize(quantum, rounding=ROUND_HALF_UP, context=_WIDE)) + 0.0

    return rounded


def as_written(x: float | Fraction) -> Fraction:
    """A number read from a file as the decimal it was written as: 0.86 -> 43/50."""
    if isinstance(x, Fraction):
        return x
    return Fraction(repr(float(x)))


@dataclass(eq=False, slots=True)
class Node:
    """One quantity of a step.

    ``name`` is its name in answers files (None for numbers a student never writes down, like
    one sample's gradient when the step has one sample, or a weight). ``kind`` is one of
    :data:`LEAF_KINDS`, :data:`UNIT_KINDS`, ``C`` (the step's cost), ``C_sample``, ``gw``/``gb``
    (one sample's weight/bias gradient) and :data:`STEP_KINDS`. ``deps`` are the nodes its
    rule reads. ``hand`` is the rule as the worked solution prints the line, from the printed
    numbers, where that differs from ``rule`` (a rounded replay uses it): the cross entropy
    and its derivative from the printed a (not from z), the sigmoid's slope a (1 - a), a
    gradient as a · g'(z) · dC/da.
    """

    index: int
    name: str | None
    kind: str
    sample: int
    unit: str | None
    key: WeightKey | None
    deps: tuple[int, ...]
    rule: Rule = field(repr=False)
    hand: Rule | None = field(default=None, repr=False)


def unit_name(kind: str, unit: str, sample: int) -> str:
    """The answers-file name of a per-unit quantity: ``a.j``, or ``sample.2.a.j`` (sample 2)."""
    return f"{kind}.{unit}" if sample == 0 else f"sample.{sample + 1}.{kind}.{unit}"


class Graph:
    """Every quantity of one step of ``network``, in the order a student computes them.

    Built once per network: the weight and bias leaves hold the network's own values (its
    first step); :func:`replay`'s ``parameters`` runs the same graph at any other step's
    weights (:func:`parameters_of`) without building it again.
    """

    def __init__(self, network: Network) -> None:
        net = network
        self.network = net
        self.w: dict[WeightKey, Any] = {k: p.value for k, p in net.weights.items()}
        """The network's weights (the weight leaves' values when a replay gives none)."""
        self.b: dict[str, Any] = {k: p.value for k, p in net.biases.items()}
        self.r: float = net.learning_rate
        self.cost = mathtable.COSTS[net.cost]
        self.n_samples = len(net.samples)
        self.nodes: list[Node] = []
        self.by_name: dict[str, Node] = {}
        self.index: dict[tuple[str, int, str | WeightKey | None], int] = {}
        outputs = net.outputs
        out_functions = [net.unit[k].function for k in outputs]
        self.softmax = bool(outputs) and out_functions[0].kind == "softmax"
        self.pair = mathtable.output_pair([f.name for f in out_functions], net.cost)
        """The output pair (softmax with categorical cross entropy, sigmoid with binary cross
        entropy) whose chain the table simplifies, or None."""
        self.fused = self.pair is not None and self.softmax
        # the leaves: parameters first (in the network's order), then each sample's numbers
        self.weight_leaves = [
            self._add(None, "w", -1, None, key, (), const(v)) for key, v in self.w.items()
        ]
        self.bias_leaves = [
            self._add(None, "b", -1, u, None, (), const(v)) for u, v in self.b.items()
        ]
        self.rate = self._add(None, "r", -1, None, None, (), const(net.learning_rate))
        for unit in net.units:
            if unit.parameter is not None:
                self._add(None, "p", -1, unit.name, None, (), const(unit.parameter))
        many = self.n_samples > 1
        for s, sample in enumerate(net.samples):
            for name in net.inputs:
                self._add(unit_name("a", name, s), "input", s, name, None, (),
                          const(sample.inputs[name]))
            for name in outputs:
                self._add(None, "y", s, name, None, (), const(sample.targets[name]))
            for name in net.order:
                unit = net.unit[name]
                if unit.is_input:
                    continue
                self._add_z(s, name)
                if unit.function.kind != "softmax":
                    self._add_a(s, name)
            if self.softmax:  # a softmax unit's a needs every output's z
                for name in outputs:
                    self._add_a(s, name)
            self._add_cost(s)
            for k in outputs:
                self._add_output_dC_da(s, k)
            for k in outputs:
                self._add_slope_and_dC_dz(s, k)
            for j in reversed(net.order):
                if net.unit[j].is_input or j in outputs:
                    continue
                self._add_hidden_dC_da(s, j)
                self._add_slope_and_dC_dz(s, j)
            prefix = f"sample.{s + 1}." if many else None
            for key in net.weights:
                a, dz = self.at("a", s, key[0]), self.at("dC_dz", s, key[1])
                g = self.index.get(("da_dz", s, key[1]))
                hand = None
                if g is not None:
                    hand = _product3(a, g, self.at("dC_da", s, key[1]))
                self._add(
                    prefix and f"{prefix}dC_dw.{weight_name(key)}", "gw", s, None, key, (a, dz),
                    product(a, dz), hand,
                )
            for u in net.biases:
                dz = self.at("dC_dz", s, u)
                self._add(prefix and f"{prefix}dC_db.{u}", "gb", s, u, None, (dz,), copy(dz))
        costs = tuple(self.at("C_sample", s, None) for s in range(self.n_samples))
        self._add("C", "C", -1, None, None, costs, mean(costs))
        for key in net.weights:
            parts = tuple(self.at("gw", s, key) for s in range(self.n_samples))
            self._add(f"dC_dw.{weight_name(key)}", "dC_dw", -1, None, key, parts, mean(parts))
        for u in net.biases:
            parts = tuple(self.at("gb", s, u) for s in range(self.n_samples))
            self._add(f"dC_db.{u}", "dC_db", -1, u, None, parts, mean(parts))
        r = self.rate
        self.new_weights: list[int] = []
        for key, p in net.weights.items():
            g, old = self.at("dC_dw", -1, key), self.at("w", -1, key)
            rule = update(old, r, g) if p.trainable else copy(old)
            self.new_weights.append(
                self._add(f"new_w.{weight_name(key)}", "new_w", -1, None, key, (g, old, r), rule)
            )
        self.new_biases: list[int] = []
        for u, p in net.biases.items():
            g, old = self.at("dC_db", -1, u), self.at("b", -1, u)
            rule = update(old, r, g) if p.trainable else copy(old)
            self.new_biases.append(
                self._add(f"new_b.{u}", "new_b", -1, u, None, (g, old, r), rule)
            )
        self._ancestors: dict[int, frozenset[int]] = {}

    # -- building ------------------------------------------------------------------------------

    def at(self, kind: str, sample: int, what: str | WeightKey | None) -> int:
        """The index of a node: ``at("a", 0, "j")``, ``at("dC_dw", -1, ("i", "j"))``,
        ``at("w", -1, ("i", "j"))``, ``at("y", 0, "k")``, ``at("r", -1, None)``."""
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
        hand: Rule | None = None,
    ) -> int:
        node = Node(len(self.nodes), name, kind, sample, unit, key, deps, rule, hand)
        self.nodes.append(node)
        self.index[("a" if kind == "input" else kind, sample, key if key else unit)] = node.index
        if name:
            self.by_name[name] = node
        return node.index

    def _param(self, unit: str) -> int | None:
        return self.index.get(("p", -1, unit))

    def _add_z(self, s: int, name: str) -> None:
        incoming = [
            (self.at("a", s, k[0]), self.at("w", -1, k)) for k in self.network.weights
            if k[1] == name
        ]
        bias = self.index.get(("b", -1, name))
        deps = tuple(i for pair in incoming for i in pair) + ((bias,) if bias is not None else ())
        self._add(unit_name("z", name, s), "z", s, name, None, deps, weighted_sum(incoming, bias))

    def _add_a(self, s: int, name: str) -> None:
        fn = self.network.unit[name].function
        z = self.at("z", s, name)
        if fn.kind == "softmax":
            zs = tuple(self.at("z", s, k) for k in self.network.outputs)
            self._add(unit_name("a", name, s), "a", s, name, None, zs,
                      _layer(fn, zs, zs.index(z)))
            return
        p = self._param(name)
        self._add(unit_name("a", name, s), "a", s, name, None,
                  (z,) if p is None else (z, p), activation(fn, z, p))

    def _outs(self, kind: str, s: int) -> tuple[int, ...]:
        return tuple(self.at(kind, s, k) for k in self.network.outputs)

    def _add_cost(self, s: int) -> None:
        a, y = self._outs("a", s), self._outs("y", s)
        hand = _cost_terms(self.cost, a, y)
        rule = hand
        deps: tuple[int, ...] = a + y
        if self.pair is not None:  # the table's cost from z: exact where a rounds to 0 or 1
            z = self._outs("z", s)
            rule = _pair_cost(self.pair, z, y)
            deps = z + a + y
        name = f"sample.{s + 1}.C" if self.n_samples > 1 else None
        self._add(name, "C_sample", s, None, None, deps, rule, hand if rule is not hand else None)

    def _add_output_dC_da(self, s: int, k: str) -> None:
        a, y = self.at("a", s, k), self.at("y", s, k)
        hand = cost_slope(self.cost, a, y, len(self.network.outputs))
        rule = hand
        deps: tuple[int, ...] = (a, y)
        if self.pair is not None:  # the table's -y/a from z (not 0 where a rounds to 0)
            z, aa, yy = self._outs("z", s), self._outs("a", s), self._outs("y", s)
            rule = _pair_dC_da(self.pair, z, aa, yy, self.network.outputs.index(k))
            deps = z + aa + yy
        self._add(unit_name("dC_da", k, s), "dC_da", s, k, None, deps, rule,
                  hand if rule is not hand else None)

    def _add_hidden_dC_da(self, s: int, j: str) -> None:
        terms = [
            (self.at("w", -1, key), self.at("dC_dz", s, key[1])) for key in self.network.weights
            if key[0] == j
        ]
        deps = tuple(i for pair in terms for i in pair)
        self._add(unit_name("dC_da", j, s), "dC_da", s, j, None, deps, back_sum(terms))

    def _add_slope_and_dC_dz(self, s: int, name: str) -> None:
        fn = self.network.unit[name].function
        a, z, dC_da = self.at("a", s, name), self.at("z", s, name), self.at("dC_da", s, name)
        output = name in self.network.outputs
        if output and self.pair is not None and fn.kind == "softmax":
            aa, yy = self._outs("a", s), self._outs("y", s)
            self._add(unit_name("dC_dz", name, s), "dC_dz", s, name, None, aa + yy,
                      _pair_dC_dz(self.pair, aa, yy, self.network.outputs.index(name)))
            return
        if fn.kind == "softmax":
            aa, dd = self._outs("a", s), self._outs("dC_da", s)
            self._add(unit_name("dC_dz", name, s), "dC_dz", s, name, None, aa + dd,
                      _layer_backward(fn, aa, dd, self.network.outputs.index(name)))
            return
        p = self._param(name)
        rule, hand = slope(fn, z, a, p)
        deps = (z, a) if p is None else (z, a, p)
        g = self._add(unit_name("da_dz", name, s), "da_dz", s, name, None, deps, rule, hand)
        if output and self.pair is not None:  # sigmoid with binary cross entropy: a - y
            aa, yy = self._outs("a", s), self._outs("y", s)
            self._add(unit_name("dC_dz", name, s), "dC_dz", s, name, None, aa + yy,
                      _pair_dC_dz(self.pair, aa, yy, self.network.outputs.index(name)))
            return
        self._add(
            unit_name("dC_dz", name, s), "dC_dz", s, name, None, (g, dC_da),
            product(g, dC_da),
        )

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

    def expected(self, step: Any) -> list[float]:
        """The Trace's number for every node of ``step`` (a :class:`~chainrule.core.trace.Step`):
        the right answers."""
        lay = step.layout
        bias_index = {u: i for i, u in enumerate(lay.bias_units)}
        out: list[float] = []
        for node in self.nodes:
            kind, s = node.kind, node.sample
            key = node.key or ("", "")
            if kind in ("input", *UNIT_KINDS):
                sample = step.samples[s]
                i = lay.index[node.unit or ""]
                column = {"input": sample.a, "z": sample.z, "a": sample.a, "dC_da": sample.dC_da,
                          "dC_dz": sample.dC_dz}.get(kind)
                value = column[i] if column is not None else sample.da_dz[i]
                out.append(math.nan if value is None else float(value))
            elif kind == "y":
                out.append(float(step.samples[s].targets[node.unit or ""]))
            elif kind == "w":
                out.append(step.weights_before[lay.weight_index[key]])
            elif kind == "b":
                out.append(step.biases_before[bias_index[node.unit or ""]])
            elif kind in ("r", "p"):
                out.append(float(node.rule([])))
            elif kind == "C_sample":
                out.append(step.samples[s].cost)
            elif kind == "C":
                out.append(step.cost)
            elif kind == "gw":
                out.append(step.samples[s].weight_gradients[lay.weight_index[key]])
            elif kind == "gb":
                out.append(step.samples[s].bias_gradients[bias_index[node.unit or ""]])
            elif kind == "dC_dw":
                out.append(step.weight_gradients[lay.weight_index[key]])
            elif kind == "dC_db":
                out.append(step.bias_gradients[bias_index[node.unit or ""]])
            elif kind == "new_w":
                out.append(step.weights_after[lay.weight_index[key]])
            else:
                out.append(step.biases_after[bias_index[node.unit or ""]])
        return out

    @property
    def names(self) -> list[str]:
        """Every quantity a student may write down, in the order they are computed."""
        return [n.name for n in self.nodes if n.name]

    def sample_values(
        self, values: Sequence[Any], s: int, unit_names: Sequence[str]
    ) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any], Any, list[Any], list[Any]]:
        """Sample ``s``'s numbers from a replay, as lists in ``unit_names``' order (the engine's
        :class:`~chainrule.core.engine.Pass`): z, a, da/dz (None where a unit has none),
        dC/da, dC/dz (0 for inputs), the cost, each weight's and each bias's gradient."""
        index = self.index
        n = len(unit_names)
        z: list[Any] = [0.0] * n
        a: list[Any] = [0.0] * n
        da_dz: list[Any] = [None] * n
        dC_da: list[Any] = [0.0] * n
        dC_dz: list[Any] = [0.0] * n
        for i, name in enumerate(unit_names):
            a[i] = values[index[("a", s, name)]]
            at = index.get(("z", s, name))
            if at is None:
                continue
            z[i] = values[at]
            at = index.get(("da_dz", s, name))
            da_dz[i] = None if at is None else values[at]
            dC_da[i] = values[index[("dC_da", s, name)]]
            dC_dz[i] = values[index[("dC_dz", s, name)]]
        gw = [values[index[("gw", s, key)]] for key in self.network.weights]
        gb = [values[index[("gb", s, u)]] for u in self.network.biases]
        return z, a, da_dz, dC_da, dC_dz, values[index[("C_sample", s, None)]], gw, gb


def by_hand(node: Node) -> Rule:
    """The rule a student works ``node`` by from their own numbers (follow-on marking): the
    line as the worked solution and the answers template print it (the sigmoid's slope
    a (1 - a), the cross entropy and its derivative from a), but a sample's weight gradient
    as a · dC/dz from their dC/dz (the template's ``dC/dw_jk = a_j · dC/dz_k``)."""
    return node.hand if node.hand is not None and node.kind != "gw" else node.rule


Parameters = tuple[Sequence[Any], Sequence[Any]]
"""A step's weights and biases, each in the network's order: the leaves of its replay."""


def parameters_of(step: Any) -> Parameters:
    """The weights and biases ``step`` (a :class:`~chainrule.core.trace.Step`) starts from: a
    replay of the one graph at that step is ``replay(graph, parameters=parameters_of(step))``."""
    return tuple(step.weights_before), tuple(step.biases_before)


def replay(
    graph: Graph,
    given: Mapping[int, Any] | None = None,
    *,
    site: tuple[int, Rule] | None = None,
    rounding: int | None = None,
    round_leaves: bool = True,
    hand: bool = False,
    number: type = float,
    parameters: Parameters | None = None,
    base: tuple[list[Any], list[Any]] | None = None,
    only: frozenset[int] | None = None,
    stop: int | None = None,
) -> tuple[list[Any], list[Any]]:
    """Run every node's rule in order; returns ``(computed, used)``.

    ``computed[i]`` is node i's rule applied to the values used before it; ``used[i]`` is the
    given value where ``given`` has one (follow-on marking: later nodes are computed from the
    student's own numbers), else ``computed[i]``.

    ``number`` is ``float`` or ``Fraction`` (each leaf read as the decimal it is written as,
    every value exact; only for networks whose rules are rational, see
    :func:`exact_unsupported`). ``rounding`` rounds every number, leaves included, to that many
    decimals with :func:`round_half_up` as it is computed, and uses each node's ``hand`` rule:
    the line as printed, from the printed numbers (``round_leaves=False``: the numbers the step
    starts from are kept as given, only the computed ones rounded). ``parameters`` =
    (weights, biases) in the network's order replace the weight and bias leaves (the next step
    of the same graph).
    ``site`` = (node, rule) replaces one node's rule (a mistake). ``hand`` works each node
    by :func:`by_hand` (from a student's own numbers, as they work it: follow-on marking;
    with ``rounding``, the lines as AIMA's notation prints them, a gradient as Delta_k · a_j).

    ``base``, ``only`` and ``stop`` make a replay cheap: start from an earlier replay's lists,
    recompute only the nodes in ``only`` (from the site on), and stop after node ``stop``.
    """
    given = given or {}
    nodes = graph.nodes
    exact = number is Fraction
    q = hand_rounding(rounding) if rounding is not None else None
    params: dict[int, Any] = {}
    if parameters is not None:
        params = dict(zip(graph.weight_leaves, parameters[0], strict=True))
        params.update(zip(graph.bias_leaves, parameters[1], strict=True))
    if base is not None:
        computed, used = list(base[0]), list(base[1])
    else:
        computed = [0.0] * len(nodes)
        used = [0.0] * len(nodes)
    start = site[0] if (site is not None and base is not None) else 0
    last = len(nodes) - 1 if stop is None else stop
    site_node = site[0] if site is not None else -1
    for i in range(start, last + 1):
        if only is not None and i not in only and i != site_node:
            continue
        node = nodes[i]
        if i == site_node:
            assert site is not None
            rule = site[1]
        elif hand:
            rule = by_hand(node)
        elif q is not None and node.hand is not None:
            rule = node.hand
        else:
            rule = node.rule
        if i in params:
            value = params[i]
        else:
            try:
                value = rule(used)
            except (ArithmeticError, ValueError):
                value = math.nan
        if exact:
            if not node.deps:
                value = as_written(value)
            elif not isinstance(value, Fraction):
                # the table's 0.0 and 1.0 (a ReLU that is off, a slope of 1) are exact;
                # anything else (NaN, infinity) is no number at all
                value = Fraction(value) if math.isfinite(value) else value
        elif q is not None and (round_leaves or node.deps):
            value = q(value)
        computed[i] = value
        g = given.get(i)
        used[i] = value if g is None else g
    return computed, used


# -- exact numbers ------------------------------------------------------------------------------


def exact_unsupported(network: Network) -> str | None:
    """Why ``network``'s rules are not rational, so that a :class:`~fractions.Fraction` replay
    has no exact answers (one phrase), or None."""
    for unit in network.units:
        if not unit.is_input and not unit.function.exact:
            return (f"unit {unit.name} is {unit.activation}, whose value is irrational (exact "
                    "answers need identity, relu or leaky_relu units)")
    if not mathtable.COSTS[network.cost].exact:
        return (f"the cost {network.cost} takes a logarithm (exact answers need "
                "squared_error, half_squared_error or mean_squared_error)")
    return None


def weight_depth(network: Network) -> int:
    """The most weights on one path from an input to an output (1 for a single layer)."""
    depth: dict[str, int] = {}
    for name in network.order:
        incoming = [depth.get(k[0], 0) + 1 for k in network.weights if k[1] == name]
        depth[name] = max(incoming, default=0)
    return max((depth[k] for k in network.outputs), default=1)


def exact_digit_estimates(network: Network, steps: int, limit: int | None = None) -> list[int]:
    """The digits (numerator and denominator together) of the longest exact number of each of
    ``steps`` steps, estimated before any work; the list stops at the first step past
    ``limit`` (if given).

    A step's numbers are polynomials in its weights and the file's numbers: the output's a is
    a product of ``depth`` weights (the most on a path) and an input, the cost its square, a
    weight's gradient a product of ``2 depth - 1`` weights and the inputs, targets and
    slopes, its new value that times the learning rate. Each product adds the digits of its
    factors, so the weights' digits grow about ``2 depth - 1``-fold per step (threefold for a
    chain of two weights, by a few dozen digits for one layer). The estimate errs high where
    ReLUs are off or numbers are round; a test holds it above the real digits of random
    networks."""
    def digits(x: float) -> int:
        f = as_written(x)
        return len(str(abs(f.numerator))) + len(str(f.denominator))

    d = max((digits(p.value) for p in (*network.weights.values(), *network.biases.values())),
            default=1)
    data = max(map(digits, [network.learning_rate, *(
        v for s in network.samples for v in (*s.inputs.values(), *s.targets.values())), *(
        u.parameter for u in network.units if u.parameter is not None)]), default=1)
    depth = weight_depth(network)
    mean = len(str(len(network.samples))) + len(str(len(network.outputs))) + 2
    out: list[int] = []
    for _ in range(steps):
        a_out = depth * (d + data) + depth  # + depth: the sums' carries
        cost = 2 * a_out + data + mean
        gradient = a_out + (depth - 1) * d + (depth + 1) * data + mean
        d = max(d, data + gradient) + 1
        out.append(max(cost, d))
        if limit is not None and out[-1] > limit:
            break
    return out


def exact_digits(network: Network, steps: int, limit: int | None = None) -> int:
    """The estimated digits of the longest exact number of step ``steps`` (or of the first
    step past ``limit``): :func:`exact_digit_estimates`."""
    return exact_digit_estimates(network, steps, limit)[-1]


# -- the rules ----------------------------------------------------------------------------------
# Each builder returns a node's rule from the nodes it reads (by index). The graph builds its
# nodes with them; a mistake (:mod:`chainrule.teach.mistakes`) is one of them built with other
# inputs: another node, or a rule (the number a student used instead, like an updated weight).

Input = int | Rule
"""What a rule reads: a node (its index), or a rule giving the number used in its place."""


def reader(x: Input) -> Rule:
    """``x`` as a rule: a node's value, or the rule itself."""
    if isinstance(x, int):
        return lambda v: v[x]
    return x


def const(value: Any) -> Rule:
    """A number the step starts from (a leaf), or a number a mistake puts in."""
    return lambda v: value


def copy(i: int) -> Rule:
    """Another node's value: a one-sample mean, a bias's gradient dC/db = dC/dz, a frozen
    parameter's new value."""
    return lambda v: v[i]


def product(i: int, j: int) -> Rule:
    """The chain rule's product of two factors: dC/dw = a · dC/dz, dC/dz = g'(z) · dC/da."""
    return lambda v: v[i] * v[j]


def _product3(i: int, j: int, k: int) -> Rule:
    return lambda v: v[i] * v[j] * v[k]


def mean(parts: tuple[int, ...]) -> Rule:
    """A batch's cost or gradient: the mean over its samples."""
    if len(parts) == 1:
        only = parts[0]
        return lambda v: v[only]
    n = len(parts)
    return lambda v: sum(v[i] for i in parts) / n


def total(parts: tuple[int, ...]) -> Rule:
    """The samples' values summed (a batch's mean without its division: a mistake)."""
    return lambda v: sum(v[i] for i in parts)


def scaled(rule: Rule, factor: float) -> Rule:
    """``rule``'s value times a constant factor (a mistake that drops a constant or turns a
    sign: ``factor`` 0.5, -1)."""
    return lambda v: factor * rule(v)


def update(old: Input, r: Input, g: Input) -> Rule:
    """w_new = w_old - r dC/dw, the table's update (:func:`mathtable.update`), from the old
    value's, the learning rate's and the gradient's nodes; a mistake gives a rule for any of
    them (r given as -r or as r · r, one sample's gradient for the batch's)."""
    step = mathtable.update
    if isinstance(old, int) and isinstance(r, int) and isinstance(g, int):
        return lambda v: step(v[old], v[r], v[g])
    old_of, r_of, g_of = reader(old), reader(r), reader(g)
    return lambda v: step(old_of(v), r_of(v), g_of(v))


def weighted_sum(incoming: Sequence[tuple[int, int]], bias: int | None) -> Rule:
    """z = sum_j a_j w_jk (+ b_k), ``incoming`` being (a_j's node, w_jk's node) pairs."""
    pairs = tuple(incoming)
    if not pairs:
        return (lambda v: 0.0) if bias is None else (lambda v: v[bias])
    (a0, w0), rest = pairs[0], pairs[1:]

    def rule(v: list[Any]) -> Any:
        s = v[a0] * v[w0]  # the first term, so that exact numbers stay exact
        for a, w in rest:
            s += v[a] * v[w]
        return s + v[bias] if bias is not None else s

    return rule


def back_sum(terms: Sequence[tuple[Input | None, int]]) -> Rule:
    """dC/da_j = sum_k w_jk dC/dz_k, ``terms`` being (w_jk, dC/dz_k's node) pairs, w_jk a node
    or a rule (the weight a student used: an already updated one); None counts as 1 (a
    mistake that leaves the weights out)."""
    pairs = tuple(terms)
    if not pairs:
        return lambda v: 0.0
    if any(w is not None and not isinstance(w, int) for w, _ in pairs):
        ruled = tuple((None if w is None else reader(w), dz) for w, dz in pairs)

        def by_rule(v: list[Any]) -> Any:
            s: Any = None
            for w_of, dz in ruled:
                t = v[dz] if w_of is None else w_of(v) * v[dz]
                s = t if s is None else s + t
            return s

        return by_rule

    def rule(v: list[Any]) -> Any:
        s: Any = None
        for w, dz in pairs:
            t = v[dz] if w is None else v[w] * v[dz]  # type: ignore[index]
            s = t if s is None else s + t
        return s

    return rule


def activation(fn: mathtable.Activation, z: int, p: int | None) -> Rule:
    """a = g(z), the table's activation ``fn`` (``p`` its parameter's node, if any)."""
    g = fn.value
    if p is None:
        return lambda v: g(v[z], 0.0)
    return lambda v: g(v[z], v[p])


def slope(fn: mathtable.Activation, z: int, a: Input, p: int | None
          ) -> tuple[Rule, Rule | None]:
    """da/dz = g'(z), the table's slope of ``fn`` from z and a = g(z), and its rule as printed
    (the sigmoid's a (1 - a)) if that differs; ``a`` may be a rule (a mistake: g'(.) taken at
    another number, whose g is that rule)."""
    g = fn.slope
    printed = fn.slope_by_hand
    if not isinstance(a, int):
        a_of = a
        if p is None:
            return (lambda v: g(v[z], a_of(v), 0.0)), (
                (lambda v: printed(v[z], a_of(v), 0.0)) if printed else None)
        return (lambda v: g(v[z], a_of(v), v[p])), (
            (lambda v: printed(v[z], a_of(v), v[p])) if printed else None)
    if p is None:
        rule: Rule = lambda v: g(v[z], v[a], 0.0)  # noqa: E731
        hand: Rule | None = (lambda v: printed(v[z], v[a], 0.0)) if printed else None
        return rule, hand
    return (lambda v: g(v[z], v[a], v[p])), (
        (lambda v: printed(v[z], v[a], v[p])) if printed else None)


def _layer(fn: mathtable.Activation, zs: tuple[int, ...], j: int) -> Rule:
    """Output j's a of a whole-layer activation (softmax) from every output's z."""
    layer_value = fn.layer_value
    assert layer_value is not None
    return lambda v: layer_value([v[i] for i in zs])[j]


def _layer_backward(
    fn: mathtable.Activation, a: tuple[int, ...], dC_da: tuple[int, ...], j: int
) -> Rule:
    """Output j's dC/dz through a whole-layer activation: the table's backward rule."""
    backward = fn.layer_backward
    assert backward is not None
    return lambda v: backward([v[i] for i in a], [v[i] for i in dC_da])[j]


def _cost_terms(cost: mathtable.Cost, a: tuple[int, ...], y: tuple[int, ...]) -> Rule:
    term, n_out = cost.term, len(a)
    pairs = tuple(zip(a, y, strict=True))

    def rule(v: list[Any]) -> Any:
        total: Any = None
        for ai, yi in pairs:
            t = term(v[ai], v[yi], n_out)
            total = t if total is None else total + t
        return 0.0 if total is None else total

    return rule


def cost_slope(cost: mathtable.Cost, a: int, y: int, n_out: int) -> Rule:
    """dC/da of an output, the table's derivative of ``cost`` at a and y."""
    derivative = cost.slope
    return lambda v: derivative(v[a], v[y], n_out)


def _pair_cost(pair: mathtable.OutputPair, z: tuple[int, ...], y: tuple[int, ...]) -> Rule:
    cost_from_z = pair.cost_from_z
    return lambda v: cost_from_z([v[i] for i in z], [v[i] for i in y])


def _pair_dC_da(
    pair: mathtable.OutputPair, z: tuple[int, ...], a: tuple[int, ...], y: tuple[int, ...],
    j: int,
) -> Rule:
    dC_da = pair.dC_da
    return lambda v: dC_da([v[i] for i in z], [v[i] for i in a], [v[i] for i in y])[j]


def _pair_dC_dz(
    pair: mathtable.OutputPair, a: tuple[int, ...], y: tuple[int, ...], j: int
) -> Rule:
    dC_dz = pair.dC_dz
    return lambda v: dC_dz([v[i] for i in a], [v[i] for i in y])[j]
