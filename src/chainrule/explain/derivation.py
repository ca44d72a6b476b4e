"""The derivation of one quantity: the worked solution's lines about one unit, weight or bias.

:func:`derivation` explains the step in full (:func:`chainrule.explain.explain`) and keeps the
equations whose left-hand side is about the chosen quantity, in the worked solution's order and
with its line numbers, so the "reused from (1.3.3)" notes point at the same lines as in the
whole solution. For a weight ``j -> k`` that is ``a_j`` (its first factor), ``k``'s lines of the
back-propagation (the factors it reuses), the gradient by the chain rule and the update; for a
unit, its feed-forward lines, the cost (at an output) and its back-propagation lines; for a bias
``b_k``, ``dC/dz_k``, the gradient and the update.

:func:`line` finds one quantity's equation (check's feedback: the right derivation, or the one
worked from a student's own numbers), so the feedback, the worked solution and the web page
print the same line in the same notation.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey, weight_name
from chainrule.core.trace import Step, Trace
from chainrule.explain.document import Block, Document, Equation, Math, Paragraph, Section
from chainrule.explain.notation import Notation, notation_named
from chainrule.explain.solution import Explainer, explain, parse_weight_names


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


# -- one quantity's line: what check's feedback shows ------------------------------------------

QUANTITY_KINDS = ("a", "z", "da_dz", "dC_da", "dC_dz", "C", "dC_dw", "dC_db", "new_w", "new_b")
"""The quantities :func:`line` finds (per sample or, for ``C``, ``dC_dw`` and ``dC_db``, also as
the batch's mean)."""


def step_sections(
    trace: Trace,
    step: Step,
    *,
    decimals: int = 4,
    notation: str | Notation = "handout",
) -> list[Section]:
    """The worked solution's sections of ``step`` (feed-forward to the update), built from the
    numbers in ``step``: a step of ``trace`` or one with some numbers replaced (a student's, so
    that check shows a line worked from the student's own numbers)."""
    ex = Explainer(trace, decimals, notation_named(notation), dependency=False)
    return ex.step_sections(step, list(trace.network.weights))


def lhs_of(
    network: Network,
    kind: str,
    *,
    unit: str | None = None,
    weight: WeightKey | None = None,
    sample: int | None = None,
    notation: str | Notation = "handout",
) -> Math:
    """The symbol the worked solution writes for one quantity: ``dC/da_k``, ``new w_jk^(L)``;
    ``sample`` (from 0) with a batch: ``C_2``, ``dC_2/dw_jk^(L)``, ``dC_2/db_k`` for one sample's
    cost and gradients."""
    n = notation_named(notation)
    many = len(network.samples) > 1 and sample is not None
    c = n.C
    if kind in ("dC_dw", "new_w") and weight is not None:
        w = n.w(weight[0], weight[1], network.layer(weight[1]))
        if kind == "new_w":
            return Math(f"new {w.text}", rf"\text{{new }} {w.latex}")
        if many:
            si = (sample or 0) + 1
            return Math(f"d{c.text}_{si}/d{w.text}",
                        rf"\frac{{\partial {c.latex}_{{{si}}}}}{{\partial {w.latex}}}")
        return n.d(c, w)
    u = unit or ""
    if kind == "new_b":
        b = n.b(u)
        return Math(f"new {b.text}", rf"\text{{new }} {b.latex}")
    if kind == "dC_db":
        b = n.b(u)
        if many:
            si = (sample or 0) + 1
            return Math(f"d{c.text}_{si}/d{b.text}",
                        rf"\frac{{\partial {c.latex}_{{{si}}}}}{{\partial {b.latex}}}")
        return n.d(c, b)
    if kind == "C":
        if many:
            si = (sample or 0) + 1
            return Math(f"{c.text}_{si}", f"{c.latex}_{{{si}}}")
        return c
    symbols = {
        "a": lambda: n.a(u), "z": lambda: n.z(u), "da_dz": lambda: n.d(n.a(u), n.z(u)),
        "dC_da": lambda: n.d(c, n.a(u)), "dC_dz": lambda: n.dC_dz(u),
    }
    if kind not in symbols:
        raise UsageError(f"no quantity {kind!r}; quantities are {', '.join(QUANTITY_KINDS)}")
    return symbols[kind]()


def line(
    sections: list[Section],
    network: Network,
    kind: str,
    *,
    unit: str | None = None,
    weight: WeightKey | None = None,
    sample: int | None = None,
    notation: str | Notation = "handout",
) -> Equation | None:
    """The equation of ``sections`` (from :func:`step_sections`) for one quantity, as the worked
    solution prints it; ``sample`` (from 0) picks one sample's line in a batch, None the batch's
    mean (``C``, ``dC_dw``, ``dC_db``). One sample's bias gradient, which the solution leaves as
    ``dC/dz``, is written ``dC_2/db_k = dC/dz_k = value`` from that sample's line."""
    many = len(network.samples) > 1
    if kind == "dC_db" and many and sample is not None:
        dz = line(sections, network, "dC_dz", unit=unit, sample=sample, notation=notation)
        if dz is None:
            return None
        lhs = lhs_of(network, kind, unit=unit, sample=sample, notation=notation)
        return Equation(lhs, (dz.lhs, dz.forms[-1]), (f"sample {sample + 1}",))
    wanted = lhs_of(network, kind, unit=unit, weight=weight, sample=sample, notation=notation)
    per_sample = kind in ("a", "z", "da_dz", "dC_da", "dC_dz")
    for section in sections:
        current = 0
        for block in section.blocks:
            if isinstance(block, Paragraph) and many:
                words = "".join(p if isinstance(p, str) else p.text for p in block.parts)
                if words.startswith("Sample ") and words.endswith(":"):
                    current = int(words[7:-1]) - 1
            elif isinstance(block, Equation) and block.lhs.text == wanted.text:
                if not per_sample or not many or current == (sample or 0):
                    return block
    return None
