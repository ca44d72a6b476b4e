"""The catalogue of mistakes, each replayed through the quantity graph with one step done wrong.

A mistake is a set of *sites*: a node of :class:`~chainrule.teach.quantities.Graph` whose rule is
swapped for the wrong one, built from the graph's own rules with other inputs
(``dC/da_k = (a_k - y_k)``, the table's 2(a - y) halved, for a dropped 2; the update with -r for
a turned sign; back-propagation through the graph's new weights, given from the replay before,
for an updated weight used too early). :meth:`Diagnoser.diagnose` replays
every site upstream of a wrong answer, from the student's own earlier numbers, and names the
mistakes that reproduce the answer (to the student's precision) while differing clearly from the
right one. The ids are the contract's; ids may be added, never renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from string import Template

from chainrule.core import mathtable
from chainrule.core.network import weight_name
from chainrule.explain.document import Math
from chainrule.explain.notation import Notation, notation_named
from chainrule.explain.solution import chain_symbols
from chainrule.teach.marking import Tolerance
from chainrule.teach.quantities import (
    Graph,
    Input,
    Parameters,
    Rule,
    activation,
    back_sum,
    const,
    copy,
    cost_slope,
    product,
    replay,
    scaled,
    slope,
    total,
    update,
    weighted_sum,
)


@dataclass(frozen=True)
class Mistake:
    """One catalogued mistake: its id, a short title, and what the right way is.

    ``heading`` (the title) and ``template`` (the right way) hold the notation's symbols as
    ``$`` placeholders (:meth:`title_in`, :meth:`right_way_in`): ``$C`` the cost, ``$r`` the
    learning rate, ``$z`` a weighted input, ``$dC_da``, ``$dC_dw``, ``$dC_da_j``, ``$dC_dw_jk``,
    ``$chain_jk`` (its factors), ``$w_jk``, ``$dC_dz_k``, ``$dC_db_k``."""

    id: str
    heading: str
    template: str

    @property
    def title(self) -> str:
        """The title, in the handout's symbols."""
        return self.title_in("handout")

    def title_in(self, notation: str | Notation) -> str:
        """The title in ``notation``'s symbols (AIMA: ``in`` where the handout writes z)."""
        return Template(self.heading).substitute(_symbols(notation))

    @property
    def right_way(self) -> str:
        """The right way, in the handout's symbols."""
        return self.right_way_in("handout")

    def right_way_in(self, notation: str | Notation) -> str:
        """The right way in ``notation``'s symbols (AIMA: Loss, alpha, in, Delta)."""
        return Template(self.template).substitute(_symbols(notation))


def _symbols(notation: str | Notation) -> dict[str, str]:
    """The placeholders of a mistake's title and right way, in ``notation``'s symbols."""
    n = notation_named(notation)
    j, k = "j", "k"
    return {
        "C": n.C.text, "r": n.r.text, "z": n.z(k).text.removesuffix(f"_{k}"),
        "dC_da": n.d(n.C, Math("a", "a")).text, "dC_dw": n.d(n.C, Math("w", "w")).text,
        "dC_da_j": n.d(n.C, n.a(j)).text, "dC_dw_jk": n.d(n.C, n.w(j, k)).text,
        "chain_jk": chain_symbols(n, (j, k))[-1].text, "w_jk": n.w(j, k).text,
        "dC_dz_k": n.dC_dz(k).text, "dC_db_k": n.d(n.C, n.b(k)).text,
    }


CATALOGUE: dict[str, Mistake] = {
    m.id: m
    for m in [
        Mistake("dropped-two", "the 2 of 2(a - y) dropped",
                "with $C = (a - y)^2 the power rule gives $dC_da = 2(a - y); the 1/2 that "
                "cancels the 2 belongs to other courses' $C = 1/2 (a - y)^2"),
        Mistake("sign-of-error", "the error's sign turned round",
                "$dC_da = 2(a - y), not 2(y - a): the cost grows as a moves away from y"),
        Mistake("sign-of-update", "the update added instead of subtracted",
                "the update goes against the gradient: w_new = w_old - $r $dC_dw"),
        Mistake("missing-inner-derivative", "the chain rule not applied (an inner derivative "
                "left out)",
                "every factor of the chain is needed: $dC_dw_jk = $chain_jk, and a hidden "
                "unit's $dC_da_j = sum_k $w_jk · $dC_dz_k"),
        Mistake("relu-gate-ignored", "the ReLU's gate ignored",
                "a ReLU with $z <= 0 outputs 0 and has slope 0: nothing flows through a dead "
                "unit"),
        Mistake("sigmoid-derivative", "the sigmoid's derivative taken wrong",
                "sigma'($z) = a (1 - a) with a = sigma($z): the activation itself, at the "
                "unit's $z"),
        Mistake("paths-not-summed", "the paths not summed",
                "a unit that feeds several units gets $dC_da_j = sum over all of them of "
                "$w_jk · $dC_dz_k"),
        Mistake("batch-summed", "the batch summed instead of averaged",
                "a batch's cost and gradients are the mean over its samples"),
        Mistake("updated-weight-too-early", "an updated weight used while back-propagating",
                "back-propagate with the old weights; update every weight at the end"),
        Mistake("learning-rate", "the learning rate left out or applied twice",
                "w_new = w_old - $r · $dC_dw, with $r once"),
        Mistake("z-for-a", "$z (or the input x) used where a was needed",
                "the weight's own input is the activation a of the unit it comes from, after "
                "its activation function"),
        Mistake("bias-times-input", "a bias gradient multiplied by an input",
                "a bias is a weight on a constant input 1: $dC_db_k = $dC_dz_k"),
        Mistake("rounded-too-early", "intermediate values rounded too early",
                "keep more decimals in the intermediate numbers than in the answer"),
    ]
}


@dataclass(frozen=True)
class Site:
    """One way to make a mistake: node ``node`` computed by ``rule`` instead."""

    mistake: str
    node: int
    rule: Rule
    detail: str
    """What was done, in the feedback's notation: ``dC/da_k = (a_k - y_k)``."""


@dataclass(frozen=True)
class Diagnosis:
    """A recognised mistake: its id, what was done and where, and the number it gives."""

    mistake: str
    detail: str
    value: float
    notation: str = "handout"
    """The notation ``detail`` and :attr:`right_way` are written in."""

    @property
    def title(self) -> str:
        """The mistake's title in :attr:`notation` (``check --notation``)."""
        return CATALOGUE[self.mistake].title_in(self.notation)

    @property
    def right_way(self) -> str:
        return CATALOGUE[self.mistake].right_way_in(self.notation)


class _Symbols:
    """The symbols of a mistake's detail, as text in one notation (the worked solution's)."""

    def __init__(self, notation: str | Notation) -> None:
        self.n = n = notation_named(notation)
        self.C, self.r = n.C.text, n.r.text

    def a(self, u: str) -> str:
        return self.n.a(u).text

    def y(self, u: str) -> str:
        return self.n.y(u).text

    def z(self, u: str) -> str:
        return self.n.z(u).text

    def w(self, src: str, dst: str) -> str:
        return self.n.w(src, dst).text

    def dC_da(self, u: str) -> str:
        return self.n.d(self.n.C, self.n.a(u)).text

    def dC_dz(self, u: str) -> str:
        return self.n.dC_dz(u).text

    def slope(self, u: str) -> str:
        return self.n.slope_factor(u).text

    def d(self, what: str) -> str:
        """dC/d(what): a weight's or a bias's gradient."""
        return f"d{self.C}/d{what}"


IDENTITY = mathtable.ACTIVATIONS["identity"]
"""The table's identity, a = z with slope 1: what a ReLU becomes when its gate is ignored."""


def sites(graph: Graph, notation: str | Notation = "handout") -> list[Site]:
    """Every site of every catalogued mistake in this graph (``rounded-too-early`` aside), each
    detail written in ``notation``'s symbols (the feedback's).

    Each site's rule is one of the graph's own rules (:mod:`chainrule.core.stepgraph`) built
    with other inputs: z in place of a, no weights, one path, the identity's slope, the
    update with another r, the weights already updated (the graph's new w and b, given from
    the replay it starts from). Nothing here computes a formula of its own."""
    net, nodes = graph.network, graph.nodes
    out: list[Site] = []
    sym = _Symbols(notation)
    a_, y_, z_, dC_da, dC_dz = sym.a, sym.y, sym.z, sym.dC_da, sym.dC_dz
    cost = graph.cost
    n_out = len(net.outputs)
    r = graph.rate  # the learning rate's leaf

    def add(mistake: str, node: int, rule: Rule, detail: str) -> None:
        out.append(Site(mistake, node, rule, detail))

    for node in nodes:
        i, kind, s, u = node.index, node.kind, node.sample, node.unit
        if kind == "dC_da" and u in net.outputs and not graph.softmax:
            a = graph.at("a", s, u)
            z = graph.at("z", s, u)
            y = graph.at("y", s, u)
            right = cost_slope(cost, a, y, n_out)
            if net.cost in ("squared_error", "mean_squared_error"):
                add("dropped-two", i, scaled(right, 0.5),
                    f"{dC_da(u)} = ({a_(u)} - {y_(u)}) instead of 2({a_(u)} - {y_(u)})")
            add("sign-of-error", i, scaled(right, -1.0),
                f"{dC_da(u)} with the sign turned round ({_y_minus_a(net.cost, u, sym)})")
            add("z-for-a", i, cost_slope(cost, z, y, n_out),
                f"{dC_da(u)} computed with {z_(u)} in place of {a_(u)}")
        elif kind == "dC_da" and u is not None and u not in net.outputs:
            outgoing = [k for k in net.weights if k[0] == u]
            terms = [(graph.at("w", -1, k), graph.at("dC_dz", s, k[1])) for k in outgoing]
            add("missing-inner-derivative", i, back_sum([(None, d) for _, d in terms]),
                f"{dC_da(u)} = sum of {dC_dz('k')} without the weights {sym.w(u, 'k')}")
            if len(terms) > 1:
                for key, (w, d) in zip(outgoing, terms, strict=True):
                    add("paths-not-summed", i, back_sum([(w, d)]),
                        f"{dC_da(u)} = {sym.w(*key)} · {dC_dz(key[1])} only, the other paths "
                        "left out")
            if any(net.weights[k].trainable for k in outgoing):
                early = "updated-weight-too-early"
                if graph.n_samples > 1:
                    # each weight updated by this sample's own gradient: the graph's update
                    # with the sample's gradient given for the batch's
                    own: list[tuple[Input | None, int]] = [
                        (update(w, r, graph.at("gw", s, k)) if net.weights[k].trainable else w,
                         d)
                        for k, (w, d) in zip(outgoing, terms, strict=True)
                    ]
                    add(early, i, back_sum(own),
                        f"{dC_da(u)} computed with the already updated weights new "
                        f"{sym.w(u, 'k')}")
                # the graph's new weights (the update's nodes, given from the replay before)
                updated: list[tuple[Input | None, int]] = [
                    (graph.at("new_w", -1, k), d)
                    for k, (_, d) in zip(outgoing, terms, strict=True)
                ]
                add(early, i, back_sum(updated),
                    f"{dC_da(u)} computed with the already updated weights new "
                    f"{sym.w(u, 'k')}" if graph.n_samples == 1 else
                    f"{dC_da(u)} computed with the weights new {sym.w(u, 'k')} already "
                    "updated by the batch's mean gradient")
        elif kind == "dC_dz" and u is not None:
            if ("da_dz", s, u) in graph.index:
                add("missing-inner-derivative", i, copy(graph.at("dC_da", s, u)),
                    f"{dC_dz(u)} = {dC_da(u)}, the factor {sym.slope(u)} left out")
        elif kind == "a" and u is not None and net.unit[u].activation in ("relu", "leaky_relu"):
            add("relu-gate-ignored", i, activation(IDENTITY, graph.at("z", s, u), None),
                f"{a_(u)} = {z_(u)} although {z_(u)} <= 0 (the negative {z_(u)} passed "
                "through)")
        elif kind == "da_dz" and u is not None:
            act = net.unit[u].activation
            z, a = graph.at("z", s, u), graph.at("a", s, u)
            if act in ("relu", "leaky_relu"):
                add("relu-gate-ignored", i, slope(IDENTITY, z, a, None)[0],
                    f"{sym.slope(u)} = 1 although {z_(u)} <= 0 (a gradient through a dead "
                    "unit)")
            if act == "sigmoid":
                fn = net.unit[u].function
                # the table's slope at a instead of z (its a = g(a)), its formula a (1 - a)
                # filled with z, and a itself
                add("sigmoid-derivative", i, slope(fn, a, activation(fn, a, None), None)[0],
                    f"sigma'({z_(u)}) taken at {a_(u)}: sigma({a_(u)})(1 - sigma({a_(u)}))")
                rule, hand = slope(fn, z, z, None)
                add("sigmoid-derivative", i, hand or rule,
                    f"sigma'({z_(u)}) taken as {z_(u)}(1 - {z_(u)})")
                add("sigmoid-derivative", i, copy(a),
                    f"sigma'({z_(u)}) taken as sigma({z_(u)}) = {a_(u)} itself")
        elif kind == "z" and u is not None:
            incoming = [k for k in net.weights if k[1] == u]
            if any(not net.unit[k[0]].is_input for k in incoming):
                pairs = [
                    (graph.at("a" if net.unit[k[0]].is_input else "z", s, k[0]),
                     graph.at("w", -1, k))
                    for k in incoming
                ]
                add("z-for-a", i, weighted_sum(pairs, graph.index.get(("b", -1, u))),
                    f"{z_(u)} computed from the weighted inputs of the units before it "
                    "instead of their activations a")
                hidden = [k for k in incoming if not net.unit[k[0]].is_input]
                if len(incoming) > 1:
                    for only in hidden:  # one incoming a replaced by its z, the others right
                        some = [
                            (graph.at("z" if k == only else "a", s, k[0]),
                             graph.at("w", -1, k))
                            for k in incoming
                        ]
                        add("z-for-a", i, weighted_sum(some, graph.index.get(("b", -1, u))),
                            f"{z_(u)} computed with {z_(only[0])} in place of {a_(only[0])}")
        elif kind == "gw" and node.key is not None:
            src, dst = node.key
            dz = graph.at("dC_dz", s, dst)
            wname = weight_name(node.key)
            grad = sym.d(sym.w(src, dst))
            add("missing-inner-derivative", i, copy(dz),
                f"{grad} = {dC_dz(dst)}, the factor {a_(src)} left out")
            if not net.unit[src].is_input:
                add("z-for-a", i, product(graph.at("z", s, src), dz),
                    f"{grad} = {z_(src)} · {dC_dz(dst)}, {z_(src)} in place of {a_(src)}")
                for x in net.inputs:
                    add("z-for-a", i, product(graph.at("a", s, x), dz),
                        f"{grad} = x_{x} · {dC_dz(dst)}: the input in place of {a_(src)}"
                        f" ({wname})")
        elif kind == "gb" and u is not None:
            dz = graph.at("dC_dz", s, u)
            for k in net.weights:
                if k[1] == u:
                    add("bias-times-input", i, product(graph.at("a", s, k[0]), dz),
                        f"{sym.d(sym.n.b(u).text)} = {a_(k[0])} · {dC_dz(u)}, multiplied "
                        "by an input")
        elif kind in ("C", "dC_dw", "dC_db") and graph.n_samples > 1:
            add("batch-summed", i, total(node.deps),
                "the samples' values summed instead of averaged")
        elif kind in ("new_w", "new_b"):
            name = sym.w(*node.key) if node.key else sym.n.b(u or "").text
            r_, grad = sym.r, sym.d(name)
            trainable = (
                net.weights[node.key].trainable if node.key else net.biases[u or ""].trainable
            )
            if not trainable:
                continue
            g, old = node.deps[0], node.deps[1]
            # the graph's update, given another learning rate: -r, none (1), r · r
            add("sign-of-update", i, update(old, scaled(copy(r), -1.0), g),
                f"new {name} = {name} + {r_} · {grad} (the update added instead of "
                "subtracted)")
            add("learning-rate", i, update(old, const(1), g),
                f"new {name} = {name} - {grad}, the learning rate {r_} left out")
            add("learning-rate", i, update(old, product(r, r), g),
                f"new {name} = {name} - {r_} · {r_} · {grad}, {r_} applied twice")
    return out


def _y_minus_a(cost: str, u: str, sym: _Symbols) -> str:
    if cost in ("squared_error", "mean_squared_error"):
        return f"2({sym.y(u)} - {sym.a(u)})"
    if cost == "half_squared_error":
        return f"{sym.y(u)} - {sym.a(u)}"
    return f"-{sym.dC_da(u)}"


ROUNDINGS = (1, 2, 3)
"""Rounding every intermediate number to this many decimals (rounded-too-early)."""


class Diagnoser:
    """Replays the catalogue for one graph; build once per network, use for every student and
    every step (a step is a replay of the same graph at its weights)."""

    def __init__(self, graph: Graph, notation: str | Notation = "handout") -> None:
        self.graph = graph
        self.notation = notation
        """The symbols of the mistakes' details (the feedback's notation)."""
        self._by_node: dict[int, list[Site]] | None = None

    @property
    def by_node(self) -> dict[int, list[Site]]:
        """The catalogue's sites by node (built when first needed: a right sheet needs none)."""
        if self._by_node is None:
            self._by_node = {}
            for site in sites(self.graph, self.notation):
                self._by_node.setdefault(site.node, []).append(site)
        return self._by_node

    def diagnose(
        self,
        target: int,
        given_value: float,
        decimals: int,
        given: Mapping[int, float],
        base: tuple[list[float], list[float]],
        tolerance: Tolerance,
        right: tuple[list[float], list[float]],
        parameters: Parameters | None = None,
    ) -> list[Diagnosis]:
        """The mistakes that reproduce ``given_value`` at node ``target``.

        ``given`` holds the student's answers by node, ``base`` the follow-on replay from them
        and ``right`` the replay of the right numbers, both at the step's ``parameters`` (its
        weights and biases; the network's own when None); every site at ``target`` or
        upstream of it (not hidden behind an answer the student gave) is replayed, from the
        numbers of each.
        """
        graph = self.graph
        name = notation_named(self.notation).name
        upstream = graph.ancestors(target)
        only = upstream | {target}
        follow = base[0][target]
        old = update_base(graph, target, right[0])
        found: dict[str, Diagnosis] = {}

        def fits(m: float, right: float) -> bool:
            return tolerance.matches(given_value, m, base=old) and tolerance.clearly_differ(
                m, right, base=old)

        for node in sorted(only):
            if node != target and node in given:
                continue
            for site in self.by_node.get(node, ()):
                if site.mistake in found:
                    continue
                # from the student's own numbers, and from the exact ones (the student's
                # rounded numbers may carry the mistake's number a little off)
                for start, from_given in ((base, given), (right, {})):
                    computed, _ = replay(graph, from_given, site=(site.node, site.rule),
                                         base=start, only=only, stop=target, hand=True)
                    m = computed[target]
                    if fits(m, follow if from_given else start[0][target]):
                        found[site.mistake] = Diagnosis(site.mistake, site.detail, m, name)
                        break
        for k in ROUNDINGS:
            if k >= max(decimals, 1) + 1:
                break
            # the student rounds what they compute, not the numbers they are given
            computed, _ = replay(graph, given, rounding=k, round_leaves=False, only=only,
                                 stop=target, parameters=parameters)
            m = computed[target]
            if fits(m, follow):
                found["rounded-too-early"] = Diagnosis(
                    "rounded-too-early", f"every number before it rounded to {k} decimal"
                    + ("s" if k > 1 else ""), m, name)
                break
        return best(list(found.values()), given_value, tolerance.of(follow, base=old))


def best(found: list[Diagnosis], given_value: float, tolerance: float) -> list[Diagnosis]:
    """The first mistake (in the order of the work) that reproduces the number, and a second
    only when it explains the number better than the first (by more than half a tolerance)."""
    if len(found) < 2:
        return found
    first = found[0]
    miss = abs(first.value - given_value)
    return [first, *(d for d in found[1:] if abs(d.value - given_value) < miss - tolerance / 2)]


def update_base(graph: Graph, index: int, values: Sequence[float]) -> float:
    """An updated parameter's old value (its update is what is marked), else 0: its old
    value's leaf in ``values`` (a replay, or the step's right numbers)."""
    node = graph.nodes[index]
    if node.kind in ("new_w", "new_b"):
        return float(values[node.deps[1]])
    return 0.0


def planted(
    graph: Graph,
    site: Site,
    parameters: Parameters | None = None,
    right: tuple[list[float], list[float]] | None = None,
) -> list[float]:
    """Every quantity as a student who makes this one mistake computes it, at the step of
    ``parameters`` (the network's own weights when None): the right replay (``right``, if
    already made), then the same graph replayed from the mistake's node on with its rule
    swapped (a rule that reads a later node, like an updated weight, reads it from the right
    replay)."""
    if right is None:
        right = replay(graph, parameters=parameters)
    computed, _ = replay(graph, site=(site.node, site.rule), base=right)
    return computed
