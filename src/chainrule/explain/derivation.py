"""The derivation of one quantity: the worked solution's lines about one unit, weight or bias.

:func:`derivation` explains the step in full (:func:`chainrule.explain.explain`) and keeps the
equations whose left-hand side is about the chosen quantity, in the worked solution's order and
with its line numbers, so the "reused from (1.3.3)" notes point at the same lines as in the
whole solution. For a weight ``j -> k`` that is ``a_j`` (its first factor), ``k``'s lines of the
back-propagation (the factors it reuses), the gradient by the chain rule and the update; for a
unit, its feed-forward lines, the cost (at an output) and its back-propagation lines; for a bias
``b_k``, ``dC/dz_k``, the gradient and the update.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.core.errors import UsageError
from chainrule.core.network import WeightKey, weight_name
from chainrule.core.trace import Trace
from chainrule.explain.document import Block, Document, Equation, Math, Paragraph, Section
from chainrule.explain.notation import Notation, notation_named
from chainrule.explain.solution import explain, parse_weight_names


@dataclass(frozen=True)
class Quantity:
    """What a derivation is of: ``kind`` is ``"unit"``, ``"weight"`` or ``"bias"``."""

    kind: str
    name: str

    @property
    def weight(self) -> WeightKey:
        src, dst = (p.strip() for p in self.name.split("->"))
        return src, dst


def quantity(trace: Trace, *, unit: str | None = None, weight: str | None = None,
             bias: str | None = None) -> Quantity:
    """Check that exactly one of ``unit``, ``weight``, ``bias`` is given and names a part of the
    network; UsageError (naming what is valid) otherwise."""
    net = trace.network
    given = [(k, v) for k, v in (("unit", unit), ("weight", weight), ("bias", bias)) if v]
    if len(given) != 1:
        raise UsageError("give exactly one of unit, weight or bias to derive")
    kind, name = given[0]
    if kind == "unit":
        if name not in net.unit:
            names = ", ".join(u.name for u in net.units)
            raise UsageError(f"no unit {name!r} in this network; units are {names}")
        return Quantity("unit", name)
    if kind == "weight":
        (key,) = parse_weight_names(net, [name])
        return Quantity("weight", weight_name(key))
    if name not in net.biases:
        names = ", ".join(net.biases) or "(none)"
        raise UsageError(f"no bias on unit {name!r} in this network; biased units are {names}")
    return Quantity("bias", name)


def _symbols(trace: Trace, q: Quantity, n: Notation) -> tuple[set[Math], str]:
    """The left-hand sides of the lines about ``q``, and a title for them."""
    net = trace.network

    def unit_back(u: str) -> set[Math]:
        return {n.d(n.C, n.a(u)), n.d(n.a(u), n.z(u)), n.dC_dz(u)}

    if q.kind == "unit":
        u = net.unit[q.name]
        wanted = {n.a(q.name), n.z(q.name), *unit_back(q.name)}
        if q.name in net.outputs:
            wanted |= {n.C, *(Math(f"C_{i}", f"C_{{{i}}}") for i in range(1, 1 + len(net.samples)))}
        kind = "input" if u.is_input else u.activation
        return wanted, f"Unit {q.name} (layer {net.layer(q.name)}, {kind})"
    if q.kind == "weight":
        src, dst = q.weight
        w = n.w(src, dst, net.layer(dst))
        wanted = {n.a(src), *unit_back(dst), n.d(n.C, w), Math(f"new {w.text}", "")}
        wanted |= {
            Math(f"dC_{i}/d{w.text}", "") for i in range(1, 1 + len(net.samples))
        }
        return wanted, f"The weight {w.text} ({q.name})"
    b = n.b(q.name)
    wanted = {*unit_back(q.name), n.d(n.C, b), Math(f"new {b.text}", "")}
    return wanted, f"The bias {b.text} (unit {q.name})"


def _matches(lhs: Math, wanted: set[Math]) -> bool:
    # "new w" and the per-sample lines are matched by their plain text alone
    return lhs in wanted or Math(lhs.text, "") in wanted


def derivation(
    trace: Trace,
    *,
    unit: str | None = None,
    weight: str | None = None,
    bias: str | None = None,
    step: int = 1,
    decimals: int = 4,
    notation: str | Notation = "handout",
) -> Document:
    """The worked solution's lines about one unit, weight or bias of step ``step``.

    Parameters
    ----------
    trace : the solved run.
    unit, weight, bias : exactly one: a unit name (``"k"``), a weight (``"j -> k"``) or the
        name of a unit with a bias.
    step : the step derived (from 1).
    decimals, notation : as :func:`chainrule.explain.explain` takes them.

    Returns
    -------
    Document
        One section per stage of the step (feed-forward, cost, back-propagation, gradients,
        update) that has a line about the quantity; each line as in the whole worked solution
        (symbols, then numbers, then the result), with its number and its "reused from" note.

    Examples
    --------
    >>> from chainrule import solve
    >>> doc = derivation(solve("exercise-2"), weight="j -> k")
    >>> [eq.lhs.text for s in doc.sections for eq in s.blocks if isinstance(eq, Equation)]
    ['a_j', 'dC/da_k', 'da_k/dz_k', 'dC/dz_k', 'dC/dw_jk^(L)', 'new w_jk^(L)']
    """
    q = quantity(trace, unit=unit, weight=weight, bias=bias)
    n = notation_named(notation)
    weights = [q.name] if q.kind == "weight" else None
    whole = explain(
        trace, decimals=decimals, step=step, weights=weights, notation=n, dependency=False
    )
    wanted, title = _symbols(trace, q, n)
    sections = []
    for s in whole.sections:
        if s.title == "The network" or s.title == "All steps":
            continue
        kept: list[Block] = []
        pending: Paragraph | None = None  # a "Sample 2:" heading, kept if a line follows it
        for block in s.blocks:
            if isinstance(block, Paragraph):
                pending = block
            elif isinstance(block, Equation) and _matches(block.lhs, wanted):
                if pending is not None:
                    kept.append(pending)
                    pending = None
                kept.append(block)
        if kept:
            sections.append(Section(s.title, tuple(kept), s.level, s.heading))
    return Document(title, tuple(sections))


def equations(doc: Document) -> list[Equation]:
    """The document's equations, in order."""
    return [b for s in doc.sections for b in s.blocks if isinstance(b, Equation)]
