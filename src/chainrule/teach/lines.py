"""Check's derivation lines: the worked solution's own equations, for a step's quantities.

The right derivation of a quantity is the line the worked solution prints for it
(:func:`chainrule.explain.derivation.line`), in the notation asked for; a line worked from a
student's own earlier numbers is the same line built from a copy of the step with the
student's numbers put in (:func:`step_with`). So check's feedback, ``chainrule solve`` and the
web page say the same thing in the same symbols.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from chainrule.core.trace import Layout, Step, Trace, WeightFactors
from chainrule.explain.derivation import lhs_of, line, step_sections
from chainrule.explain.document import Equation, Math, Section
from chainrule.explain.notation import Notation, Numbers, notation_named
from chainrule.explain.solution import chain_numbers, chain_symbols
from chainrule.teach.quantities import LEAF_KINDS, UNIT_KINDS, Graph, Node

_KIND = {"input": "a", "C_sample": "C", "gw": "dC_dw", "gb": "dC_db"}
"""The graph's node kinds that the worked solution names differently."""


def _where(graph: Graph, node: Node) -> tuple[str, int | None]:
    """The worked solution's kind for ``node`` and its sample (None: the batch's)."""
    kind = _KIND.get(node.kind, node.kind)
    per_sample = node.kind in ("input", "C_sample", "gw", "gb", *UNIT_KINDS)
    return kind, (node.sample if per_sample and graph.n_samples > 1 else None)


def symbol(graph: Graph, node: Node, notation: str | Notation = "handout") -> str:
    """The quantity's symbol as the worked solution writes it: ``dC/da_k``; one sample's
    number in a batch is prefixed ``(sample 2)``."""
    kind, sample = _where(graph, node)
    lhs = lhs_of(graph.network, kind, unit=node.unit, weight=node.key, sample=sample,
                 notation=notation)
    return _prefix(graph, node) + lhs.text


def _prefix(graph: Graph, node: Node) -> str:
    per_unit = node.kind in ("input", *UNIT_KINDS)
    return f"(sample {node.sample + 1}) " if per_unit and graph.n_samples > 1 else ""


def step_with(step: Step, graph: Graph, values: Sequence[float]) -> Step:
    """``step`` with every node's number replaced by ``values[node.index]``."""
    lay = step.layout
    units: list[dict[str, list[float | None]]] = [
        {"z": list(s.z), "a": list(s.a), "da_dz": list(s.da_dz), "dC_da": list(s.dC_da),
         "dC_dz": list(s.dC_dz)}
        for s in step.samples
    ]
    sample_grads = [(list(s.weight_gradients), list(s.bias_gradients)) for s in step.samples]
    costs = [s.cost for s in step.samples]
    whole: dict[str, list[float]] = {
        "dC_dw": list(step.weight_gradients), "dC_db": list(step.bias_gradients),
        "new_w": list(step.weights_after), "new_b": list(step.biases_after),
    }
    cost = step.cost
    for node in graph.nodes:
        v = float(values[node.index])
        kind = node.kind
        if kind in ("input", *UNIT_KINDS):
            column = units[node.sample]["a" if kind == "input" else kind]
            i = lay.index[node.unit or ""]
            if column[i] is not None and not math.isnan(v):
                column[i] = v
        elif kind in LEAF_KINDS:  # the numbers the step starts from are the step's own
            continue
        elif kind == "C_sample":
            costs[node.sample] = v
        elif kind == "C":
            cost = v
        elif kind in ("gw", "gb"):
            sample_grads[node.sample][0 if kind == "gw" else 1][_position(lay, node)] = v
        else:
            whole[kind][_position(lay, node)] = v

    def floats(column: list[float | None]) -> list[float]:
        return [math.nan if x is None else x for x in column]

    samples = [
        replace(s, z=floats(u["z"]), a=floats(u["a"]), da_dz=u["da_dz"],
                dC_da=floats(u["dC_da"]), dC_dz=floats(u["dC_dz"]), cost=c,
                weight_gradients=g[0], bias_gradients=g[1])
        for s, u, g, c in zip(step.samples, units, sample_grads, costs, strict=True)
    ]
    return replace(step, samples=samples, cost=cost, weight_gradients=whole["dC_dw"],
                   bias_gradients=whole["dC_db"], weights_after=whole["new_w"],
                   biases_after=whole["new_b"])


def _position(lay: Layout, node: Node) -> int:
    if node.key is not None:
        return lay.weight_index[node.key]
    return lay.bias_units.index(node.unit or "")


class Lines:
    """The lines of one step of ``trace`` in one notation (built once; check reuses them)."""

    def __init__(self, trace: Trace, step: Step, graph: Graph,
                 notation: str | Notation = "handout") -> None:
        self.trace = trace
        self.step = step
        self.graph = graph
        self.notation = notation_named(notation)
        self._right: dict[int, list[Section]] = {}

    def symbol(self, node: Node) -> str:
        """:func:`symbol` in this notation."""
        return symbol(self.graph, node, self.notation)

    def symbol_math(self, node: Node) -> Math:
        """The symbol as Math (text and LaTeX), for formats that typeset it."""
        kind, sample = _where(self.graph, node)
        lhs = lhs_of(self.graph.network, kind, unit=node.unit, weight=node.key, sample=sample,
                     notation=self.notation)
        prefix = _prefix(self.graph, node)
        return Math(prefix + lhs.text, (rf"\text{{{prefix}}}" if prefix else "") + lhs.latex)

    def _find(self, sections: list[Section], node: Node) -> Equation:
        kind, sample = _where(self.graph, node)
        found = line(sections, self.trace.network, kind, unit=node.unit, weight=node.key,
                     sample=sample, notation=self.notation)
        if found is None:  # a number the worked solution has no line of its own for
            raise LookupError(f"no line for {self.symbol(node)}")
        return found

    def right(self, node: Node, decimals: int = 4) -> Equation:
        """The worked solution's line for ``node``, with the engine's numbers."""
        if decimals not in self._right:
            self._right[decimals] = step_sections(self.trace, self.step, decimals=decimals,
                                                  notation=self.notation)
        return self._find(self._right[decimals], node)

    def worked_from(self, node: Node, values: Sequence[float], decimals: int = 4) -> Equation:
        """The same line worked from ``values`` (a student's numbers, by node), its numbers
        multiplying out to its result: a weight's gradient is worked from the student's
        dC/dz (a · dC/dz), so where their dC/dz is not their g'(z) · dC/da the line shows
        ``a · dC/dz``, the worked solution's form without the slope, not three factors
        whose product is another number."""
        sections = step_sections(self.trace, step_with(self.step, self.graph, values),
                                 decimals=decimals, notation=self.notation)
        found = self._find(sections, node)
        found = self._cost_by_hand(node, found)
        factors = self._gradient_factors(node, values)
        if factors is None or factors.da_dz is not None:
            return found
        # the symbols' last form (the factors) and the numbers, without the slope
        symbols = chain_symbols(self.notation, factors.key, slope=False)
        numbers = chain_numbers(Numbers(decimals), factors, self.notation)
        first = list(found.forms[:-len(numbers)])
        if first and len(symbols) == 2 and len(first) >= 2:
            first[-2:] = symbols  # the chain and its factors, each without da/dz
        elif first:
            first[-1:] = symbols[-1:]
        return replace(found, forms=(*first, *numbers))

    def _cost_by_hand(self, node: Node, found: Equation) -> Equation:
        """A sample's cost worked from the student's a, as the answers template writes it
        (-y ln a): the worked solution's line also shows the cost from z (log-sum-exp,
        exact where a rounds to 0 or 1), but a follow-on is credited from their a
        (:func:`~chainrule.core.stepgraph.by_hand`), and from their rounded a the z form
        works out to another number: those two forms are left out."""
        graph = self.graph
        per_sample = node.kind == "C_sample" or (node.kind == "C" and graph.n_samples == 1)
        if not per_sample:
            return found
        cost = graph.nodes[graph.index[("C_sample", max(node.sample, 0), None)]]
        if cost.hand is None or len(found.forms) != 5:
            return found  # no pair: the line is the template's formula from a already
        return replace(found, forms=(*found.forms[:2], found.forms[-1]),
                       note=(self.trace.network.cost,))

    def _gradient_factors(self, node: Node, values: Sequence[float]) -> WeightFactors | None:
        """A weight gradient's factors in ``values`` (one sample's: ``gw``, or a one-sample
        step's ``dC_dw``), with ``da_dz`` None where the dC/dz it is worked from is not
        g'(z) · dC/da of those values; None for any other quantity."""
        graph = self.graph
        if node.key is None or not (
            node.kind == "gw" or (node.kind == "dC_dw" and graph.n_samples == 1)
        ):
            return None
        s = max(node.sample, 0)
        src, dst = node.key
        index = graph.index
        slope = index.get(("da_dz", s, dst))
        dz = values[index[("dC_dz", s, dst)]]
        dC_da = values[index[("dC_da", s, dst)]]
        kept = slope is not None and math.isclose(values[slope] * dC_da, dz, rel_tol=1e-12,
                                                  abs_tol=1e-300)
        return WeightFactors(node.key, values[index[("a", s, src)]],
                             values[slope] if kept and slope is not None else None, dC_da, dz,
                             values[node.index])

    def text(self, node: Node, eq: Equation) -> str:
        """The line as one sentence's worth of text: ``dC/da_k = 2(a_k - y_k) = ... = -1.2054``."""
        from chainrule.render.text import equation_line

        return _prefix(self.graph, node) + equation_line(eq)
