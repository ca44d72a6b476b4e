"""The worked solution: a Trace turned into a Document, in the handout's order and notation.

Only reads the Trace. Every number shown is one the engine computed; the formulas come from the
math table. The stages follow the handout: the network, feed-forward, the cost, back-propagation
(each hidden unit reusing the later layer's dC/dz), each weight's gradient as its chain of
factors, and the update ``w_new = w_old - r dC/dw``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from chainrule.core import checks, limits, mathtable
from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey, weight_name
from chainrule.core.trace import SampleTrace, Step, Trace, WeightFactors
from chainrule.explain.document import (
    AnySection,
    Block,
    Document,
    DocumentStream,
    Equation,
    LazySection,
    Math,
    Paragraph,
    Prose,
    Row,
    Run,
    Section,
    StreamBlock,
    Table,
    expanded,
)
from chainrule.explain.notation import HANDOUT, Notation, Numbers, notation_named

DOT = Math(" · ", r" \cdot ")
MAX_TABLE_ROWS = 30
SLOT = Math("\0", "\0")
"""A symbol's place in a template: ``n.d(n.C, SLOT)`` is dC/d(slot), filled per weight."""
FROZEN: Prose = ("frozen (trainable = false): not updated",)


def _slots(m: Math) -> tuple[str, str, str, str]:
    """A template with one :data:`SLOT` as its text before and after the slot, and its LaTeX
    before and after it: ``before + symbol + after`` is the Math with the symbol in the slot."""
    text_before, text_after = m.text.split("\0")
    latex_before, latex_after = m.latex.split("\0")
    return text_before, text_after, latex_before, latex_after


def _join(parts: Sequence[Math], sep: Math) -> Math:
    """The parts with ``sep`` between them (joined once: linear in the number of parts); a sum
    tidied (``+ -`` is ``-``)."""
    out = Math(sep.text.join(p.text for p in parts), sep.latex.join(p.latex for p in parts))
    return Math(_tidy(out.text), _tidy(out.latex)) if sep.text == " + " else out


ALIAS = re.compile(r"the handout's (\S+) is the weight \"([^\"]+)\"")
"""How a description names a weight's name in the handout (exercise-3's w_jj)."""


_ARGUMENT = re.compile(r"(\(|, )\((-[0-9.]+(?:e-?[0-9]+)?)\)\)")
"""A negative number in parentheses as a function's whole (last) argument: max(0, (-0.14))."""


def _tidy(text: str) -> str:
    """``max(0, (-0.14))`` -> ``max(0, -0.14)``; ``e^(-0)`` -> ``e^0``; ``+ -`` -> ``-``."""
    if "((" in text or ", (" in text:  # where _ARGUMENT can match (a long sum has neither)
        text = _ARGUMENT.sub(r"\1\2)", text)
    text = text.replace("e^(-0)", "e^0").replace("e^{-0}", "e^{0}")
    return text.replace(" + -", " - ")


def _fill(template_text: str, template_latex: str, **symbols: Math) -> Math:
    return Math(
        _tidy(mathtable.fill(template_text, **{k: v.text for k, v in symbols.items()})),
        _tidy(mathtable.fill(template_latex, **{k: v.latex for k, v in symbols.items()})),
    )


def _factor(m: Math) -> Math:
    """A symbol inside a product: a leading minus in parentheses (w · (-Delta_k))."""
    return Math(f"({m.text})", f"({m.latex})") if m.text.startswith("-") else m


def parse_weight_names(network: Network, names: str | Sequence[str]) -> list[WeightKey]:
    """``"i -> j, j -> k"`` (or a list of such names) -> weight keys; UsageError if unknown."""
    items = names.split(",") if isinstance(names, str) else list(names)
    keys = []
    for item in items:
        parts = [p.strip() for p in item.split("->")]
        key = (parts[0], parts[1]) if len(parts) == 2 else ("", "")
        if key not in network.weights:
            valid = ", ".join(weight_name(k) for k in network.weights)
            raise UsageError(f"no weight {item.strip()!r} in this network; weights are {valid}")
        keys.append(key)
    return keys


def chain_symbols(n: Notation, key: WeightKey, *, slope: bool = True) -> tuple[Math, ...]:
    """The chain rule for weight A -> B, in symbols: ``dz_B/dw_AB · da_B/dz_B · dC/da_B`` and
    its factors ``a_A · g'(z_B) · dC/da_B`` (``slope=False``, as through a softmax:
    ``dz_B/dw_AB · dC/dz_B`` and ``a_A · dC/dz_B``). AIMA's notation: ``Delta_B · a_A``."""
    src, dst = key
    if n.name == "aima":
        return (n.dC_dz(dst) + DOT + n.a(src),)
    chain = n.d(n.z(dst), n.w(src, dst)) + DOT
    if not slope:
        return chain + n.dC_dz(dst), n.a(src) + DOT + n.dC_dz(dst)
    chain = chain + n.d(n.a(dst), n.z(dst)) + DOT + n.d(n.C, n.a(dst))
    return chain, n.a(src) + DOT + n.slope(dst) + DOT + n.d(n.C, n.a(dst))


def chain_numbers(num: Numbers, f: WeightFactors, n: Notation = HANDOUT) -> list[Math]:
    """The chain rule's numbers for one sample's weight, then their product (the gradient)."""
    if n.name == "aima":
        nums = num.factor(f.dC_dz) + DOT + num.factor(f.a_from)
    elif f.da_dz is None:
        nums = num.factor(f.a_from) + DOT + num.factor(f.dC_dz)
    else:
        nums = num.factor(f.a_from) + DOT + num.factor(f.da_dz) + DOT + num.factor(f.dC_da)
    return [nums, num.math(f.gradient)]


def chain_equation(f: WeightFactors, decimals: int = 4, notation: Notation = HANDOUT) -> Equation:
    """One sample's ``dC/dw_AB = chain = factors = numbers = gradient`` for weight A -> B."""
    n = notation
    return Equation(
        n.d(n.C, n.w(*f.key)),
        (
            *chain_symbols(n, f.key, slope=f.da_dz is not None),
            *chain_numbers(Numbers(decimals), f, n),
        ),
    )


class Explainer:
    """Builds the Document for one Trace (see :func:`explain`)."""

    def __init__(
        self, trace: Trace, decimals: int, notation: Notation, dependency: bool = True,
        latex: bool = True,
    ) -> None:
        self.dependency = dependency
        self.latex = latex
        """False: the weights' symbols are made without their LaTeX (for text)."""
        self.trace = trace
        self.net = trace.network
        self.n = notation
        self.num = Numbers(trace.rounded if trace.rounded is not None else decimals)
        self.cost = mathtable.COSTS[self.net.cost]
        functions = [self.net.unit[k].function for k in self.net.outputs]
        self.pair = mathtable.output_pair([f.name for f in functions], self.net.cost)
        """The output activation and cost as one entry of the math table, if they form one."""
        self.layer = functions[0] if functions and functions[0].kind == "softmax" else None
        """The whole-layer output activation (softmax), if the outputs have one."""
        self.labels: dict[tuple[str, str], str] = {}
        # each unit's weights in and out, in file order (looked up once, not per unit)
        self.incoming: dict[str, list[WeightKey]] = {u.name: [] for u in self.net.units}
        self.outgoing: dict[str, list[WeightKey]] = {u.name: [] for u in self.net.units}
        for key in self.net.weights:
            self.incoming[key[1]].append(key)
            self.outgoing[key[0]].append(key)
        self.output_set = frozenset(self.net.outputs)
        self._a_dots: dict[str, Math] = {}
        self._as: dict[str, Math] = {}
        self._weights: dict[WeightKey, Math] = {}
        self._symbol_list: list[Math] | None = None
        self._plain_list: list[Math] = []
        """w_jk without its layer, by weight index (the feed-forward sums, the chain rule)."""
        self._layers: dict[str, str] = {}
        self.aliases: dict[WeightKey, str] = {}
        for name, weight in ALIAS.findall(self.net.description or ""):
            parts = [p.strip() for p in weight.split("->")]
            if len(parts) == 2 and (parts[0], parts[1]) in self.net.weights:
                self.aliases[(parts[0], parts[1])] = name.rstrip(".,;:")

    def alias_note(self, key: WeightKey) -> Prose:
        """``("the handout's w_jj",)`` for a weight the description names so, else ()."""
        return (f"the handout's {self.aliases[key]}",) if key in self.aliases else ()

    # -- pieces ----------------------------------------------------------------------------

    def _a_dot(self, unit: str) -> Math:
        """``a_unit · ``, made once per unit (it starts a term of every sum the unit feeds)."""
        m = self._a_dots.get(unit)
        if m is None:
            m = self._a_dots[unit] = self.n.a(unit) + DOT
        return m

    def weight_symbol(self, key: WeightKey) -> Math:
        """``w_jk^(L)``, made once per weight (the network's table, the chain rule and the
        update each show it)."""
        w = self._weights.get(key)
        if w is None:
            layer = self._layers.get(key[1])
            if layer is None:
                layer = self._layers[key[1]] = self.net.layer(key[1])
            w = self._weights[key] = self.n.w(key[0], key[1], layer)
        return w

    def weight_symbols(self) -> list[Math]:
        """Every weight's :meth:`weight_symbol`, in the network's order (the layout's weight
        index): read by index where every weight is shown (100,000 weights, four times)."""
        if self._symbol_list is None:
            keys = list(self.net.weights)
            pairs = self._symbol_pairs()
            self._plain_list = [plain for plain, _ in pairs]
            self._symbol_list = [w for _, w in pairs]
            self._weights.update(zip(keys, self._symbol_list, strict=True))
        return self._symbol_list

    def _symbol_pairs(self) -> list[tuple[Math, Math]]:
        """Every weight's symbol without its layer and with it (see :meth:`Notation.weights`)."""
        keys, layers = list(self.net.weights), self._layers
        for dst in {k[1]: None for k in keys}:
            if dst not in layers:
                layers[dst] = self.net.layer(dst)
        return self.n.weights(keys, [layers[k[1]] for k in keys], self.latex)

    def plain_weight_symbols(self) -> list[Math]:
        """Every weight's symbol without its layer (``w_jk``), as :meth:`weight_symbols` (made
        again if :meth:`_release_plain_symbols` let them go)."""
        self.weight_symbols()
        if len(self._plain_list) != len(self.net.weights):
            self._plain_list = [plain for plain, _ in self._symbol_pairs()]
        return self._plain_list

    def _release_plain_symbols(self) -> None:
        """Let the symbols without their layer go once the last section that shows them (the
        gradients) is made: 100,000 of them are 20 MB."""
        self._plain_list = []

    def network_section(self) -> Section:
        net, n = self.net, self.n
        units = []
        for layer in net.layers:
            for name in layer:
                u = net.unit[name]
                g = "input" if u.is_input else u.activation
                if u.parameter is not None:
                    g += f" (slope {self.num(u.parameter)})"
                bias = net.biases.get(name)
                units.append((name, net.layer(name), g, self.num.math(bias.value) if bias else ""))
        frozen = any(not p.trainable for p in net.weights.values())
        weights: list[tuple[str | Math, ...]] = []
        # text reads a cell's text only: the numbers' texts, no Math made (100,000 weights)
        values: Sequence[str | Math] = (self.num.maths if self.latex else self.num.texts)(
            [p.value for p in net.weights.values()])
        for w, (k, p), value in zip(self.weight_symbols(), net.weights.items(), values,
                                    strict=True):
            if not frozen and not self.aliases:  # the usual three columns, made in one go
                weights.append((w, weight_name(k), value))
                continue
            row: list[str | Math] = [w, weight_name(k), value]
            if frozen:
                row.append("yes" if p.trainable else "no (frozen)")
            if self.aliases:
                alias = self.aliases.get(k, "")
                row.append(_description_prose(alias)[0] if alias else "")
            weights.append(tuple(row))
        weight_header: tuple[str, ...] = ("weight", "from -> to", "value")
        if frozen:
            weight_header += ("updated",)
        if self.aliases:
            weight_header += ("in the handout",)
        _, _, summary = self.cost.summary.partition(" = ")
        _, _, summary_latex = self.cost.summary_latex.partition(" = ")
        blocks: list[Equation | Paragraph | Table] = [
            Paragraph(n.weighted_input_note()),
            Table(("unit", "layer", "activation g", "bias b"), tuple(units), "Units"),
            Table(weight_header, tuple(weights), "Weights"),
            Equation(n.C, (Math(summary, summary_latex),), (f"the {n.cost_word}: {net.cost}",)),
            Equation(n.r, (self.num.math(net.learning_rate),), ("the learning rate",)),
        ]
        rows = []
        for s_index, s in enumerate(net.samples, start=1):
            cells: list[str | Math] = [str(s_index)]
            cells += [self.num.math(s.inputs[k]) for k in net.inputs]
            cells += [self.num.math(s.targets[k]) for k in net.outputs]
            rows.append(tuple(cells))
        header: tuple[str | Math, ...] = (
            "sample",
            *(n.a(k) for k in net.inputs),
            *(n.y(k) for k in net.outputs),
        )
        blocks.append(Table(header, tuple(rows), "Samples"))
        if len(net.samples) > 1:
            blocks.append(
                Paragraph(
                    (
                        f"The {len(net.samples)} samples make one batch: the {n.cost_word} and "
                        "every gradient are the means over them.",
                    )
                )
            )
        return Section("The network", tuple(blocks))

    def forward(
        self, s: SampleTrace, weights: Sequence[float], biases: Sequence[float]
    ) -> list[Equation]:
        """The feed-forward lines of sample ``s`` (see :meth:`_forward_rows`)."""
        return list(Run(lambda latex: self._forward_rows(s, weights, biases, latex)).equations())

    def _forward_rows(
        self, s: SampleTrace, weights: Sequence[float], biases: Sequence[float], latex: bool
    ) -> Iterator[Row]:
        """Each unit's feed-forward lines (its weighted sum, its activation) as the rows of a
        :class:`Run` (their LaTeX only when ``latex``): a sum's terms filled from each input's
        ``a_j ·`` (made once per unit) and the weights' numbers (formatted in one pass)."""
        net, n, num = self.net, self.n, self.num
        lay = s.layout
        bias_index = {u: i for i, u in enumerate(lay.bias_units)}
        incoming_of = self.incoming
        term_starts: dict[str, tuple[str, str, str, str]] = {}
        weight_index, plain = lay.weight_index, self.plain_weight_symbols()
        weight_texts = num.texts(weights)
        to_latex = num.latex
        for layer in net.layers:
            for name in layer:
                u = s.unit(name)
                forms: list[Math]
                if u.z is None:
                    lhs, forms = n.a(name), [num.math(u.a)]
                    yield ("", lhs.text, lhs.latex if latex else "", [f.text for f in forms],
                           [f.latex for f in forms] if latex else [],
                           (f"input, layer {u.layer}",))
                    continue
                # a_j · w_jk + ...: each term's text (and LaTeX) made at once (a 784-input
                # unit has 784 terms)
                incoming = incoming_of[name]
                for src, _ in incoming:
                    if src not in term_starts:
                        term_starts[src] = self._term_starts(s, src)
                starts = [term_starts[src] for src, _ in incoming]
                symbols = [plain[weight_index[k]] for k in incoming]
                numbers = [weight_texts[weight_index[k]] for k in incoming]
                # a negative number in parentheses (a factor)
                sym_text = [t[0] + w.text for t, w in zip(starts, symbols, strict=True)]
                num_text = [t[2] + (f"({x})" if x[0] == "-" else x)
                            for t, x in zip(starts, numbers, strict=True)]
                sym_latex, num_latex = [], []
                if latex:
                    sym_latex = [t[1] + w.latex for t, w in zip(starts, symbols, strict=True)]
                    num_latex = [t[3] + (f"({to_latex(x)})" if x[0] == "-" else to_latex(x))
                                 for t, x in zip(starts, numbers, strict=True)]
                if name in bias_index:
                    b, fb = n.b(name), num.factor(biases[bias_index[name]])
                    sym_text.append(b.text)
                    sym_latex.append(b.latex)
                    num_text.append(fb.text)
                    num_latex.append(fb.latex)
                z, lhs = num.math(u.z), n.z(name)
                yield (
                    "",
                    lhs.text,
                    lhs.latex if latex else "",
                    [_tidy(" + ".join(sym_text)), _tidy(" + ".join(num_text)), z.text],
                    [_tidy(" + ".join(sym_latex)), _tidy(" + ".join(num_latex)), z.latex]
                    if latex else [],
                    (f"layer {u.layer}",),
                )
                fn = mathtable.ACTIVATIONS[u.activation]
                p = net.unit[name].parameter
                pm = num.math(p) if p is not None else Math("", "")
                if fn.kind == "softmax":
                    forms = [_fill(fn.formula, fn.formula_latex, z=n.z(name)), num.math(u.a)]
                elif u.activation == "identity":
                    forms = [n.z(name), num.math(u.a)]
                else:
                    forms = [
                        _fill(fn.formula, fn.formula_latex, z=n.z(name), p=pm),
                        _fill(fn.formula, fn.formula_latex, z=num.factor(u.z), p=pm),
                        num.math(u.a),
                    ]
                lhs = n.a(name)
                yield ("", lhs.text, lhs.latex if latex else "", [f.text for f in forms],
                       [f.latex for f in forms] if latex else [], (u.activation,))

    def _term_starts(self, s: SampleTrace, unit: str) -> tuple[str, str, str, str]:
        """How a term ``a_unit · w`` of a weighted sum starts, in symbols and in numbers, text
        and LaTeX: made once per unit and sample (a 784-input unit feeds 128 sums)."""
        a_dot = self._a_dot(unit)
        fa_dot = self.num.factor(s.a[s.layout.index[unit]]) + DOT
        return a_dot.text, a_dot.latex, fa_dot.text, fa_dot.latex

    def cost_lines(self, s: SampleTrace, lhs: Math) -> Equation:
        n, num, c = self.n, self.num, self.cost
        outputs = self.net.outputs
        k_count = Math(str(len(outputs)), str(len(outputs)))
        sym = [_fill(c.formula, c.formula_latex, a=n.a(k), y=n.y(k), K=k_count) for k in outputs]
        nums = [
            _fill(
                c.formula,
                c.formula_latex,
                a=num.factor(s.a[s.layout.index[k]]),
                y=num.factor(s.targets[k]),
                K=k_count,
            )
            for k in outputs
        ]
        plus = Math(" + ", " + ")
        forms = [_join(sym, plus), _join(nums, plus)]
        note: Prose = (self.net.cost,)
        pair = self.pair
        if pair is not None and self.trace.rounded is None:
            # the engine computes C from z (log-sum-exp, softplus): the table's formula for it
            z = [s.z[s.layout.index[k]] for k in outputs]
            lse = Math(pair.lse_formula, pair.lse_latex)
            lse_value = (
                num.factor(pair.log_normalizer(z)) if pair.log_normalizer is not None else lse
            )
            forms.append(_join([
                _fill(pair.cost_formula, pair.cost_latex, z=n.z(k), y=n.y(k), lse=lse)
                for k in outputs
            ], plus))
            forms.append(_join([
                _fill(pair.cost_formula, pair.cost_latex, z=num.factor(zk),
                      y=num.factor(s.targets[k]), lse=lse_value)
                for k, zk in zip(outputs, z, strict=True)
            ], plus))
            note = (f"{self.net.cost}, computed from z (exact where a rounds to 0 or 1)",)
        return Equation(lhs, (*forms, num.math(s.cost)), note)

    def backward(self, s: SampleTrace, weights: Sequence[float], prefix: str) -> list[Equation]:
        net, n, num, c = self.net, self.n, self.num, self.cost
        lay = s.layout
        out: list[Equation] = []
        count = 0
        k_count = Math(str(len(net.outputs)), str(len(net.outputs)))

        def label() -> str:
            nonlocal count
            count += 1
            return f"{prefix}.{count}"

        for layer in reversed(net.layers):
            for name in layer:
                u = s.unit(name)
                if u.z is None or u.dC_da is None or u.dC_dz is None:
                    continue
                d_a = n.d(n.C, n.a(name))
                d_z = n.dC_dz(name)
                slope = n.d(n.a(name), n.z(name))
                if name in self.output_set:
                    a, y = num.factor(u.a), num.factor(s.targets[name])
                    out.append(
                        Equation(
                            d_a,
                            (
                                _fill(
                                    c.slope_formula,
                                    c.slope_latex,
                                    a=n.a(name),
                                    y=n.y(name),
                                    K=k_count,
                                ),
                                _fill(c.slope_formula, c.slope_latex, a=a, y=y, K=k_count),
                                num.math(u.dC_da),
                            ),
                            (f"the {n.cost_word}'s derivative at the output",),
                            label(),
                        )
                    )
                else:
                    targets = self.outgoing[name]
                    sym = [n.w(*k) + DOT + _factor(n.dC_dz(k[1])) for k in targets]
                    nums = [
                        num.factor(weights[lay.weight_index[k]])
                        + DOT
                        + num.factor(s.dC_dz[lay.index[k[1]]])
                        for k in targets
                    ]
                    refs = ", ".join(f"({self.labels[(k[1], 'dz')]})" for k in targets)
                    reused = _join([n.dC_dz(k[1]) for k in targets], Math(", ", ", "))
                    plus = Math(" + ", " + ")
                    out.append(
                        Equation(
                            d_a,
                            (_join(sym, plus), _join(nums, plus), num.math(u.dC_da)),
                            ("reuses ", reused, f" from the later layer: {refs}"),
                            label(),
                        )
                    )
                self.labels[(name, "da")] = f"{prefix}.{count}"
                if self.layer is not None and name in self.output_set:
                    whole = self.layer
                    forms = [_fill(whole.backward_formula, whole.backward_latex, a=n.a(name),
                                   dC_da=d_a)]
                    forms += self._pair_lines(s, name)
                    forms.append(num.math(u.dC_dz))
                    out.append(Equation(d_z, tuple(forms), ("through the whole softmax",), label()))
                else:
                    assert u.da_dz is not None
                    fn = mathtable.ACTIVATIONS[u.activation]
                    p = net.unit[name].parameter
                    pm = num.math(p) if p is not None else Math("", "")
                    forms = [n.slope(name)]
                    if fn.slope_formula not in ("1",):
                        forms.append(
                            _fill(fn.slope_formula, fn.slope_latex, z=n.z(name), a=n.a(name), p=pm)
                        )
                        forms.append(
                            _fill(
                                fn.slope_formula,
                                fn.slope_latex,
                                z=num.factor(u.z),
                                a=num.factor(u.a),
                                p=pm,
                            )
                        )
                    forms.append(num.math(u.da_dz))
                    note: Prose = (u.activation,)
                    if u.blocked:
                        zm = num.math(u.z)
                        note = (
                            n.z(name) + Math(f" = {zm.text} <= 0", rf" = {zm.latex} \le 0"),
                            ", so ",
                            slope + Math(" = 0", " = 0"),
                            f": no gradient flows to the weights into {name}",
                        )
                    out.append(Equation(slope, tuple(forms), note, label()))
                    pair_lines = self._pair_lines(s, name) if name in self.output_set else []
                    definition = n.dC_dz_definition(name)
                    first = [
                        *((definition,) if definition is not None else ()),
                        n.slope_factor(name) + DOT + d_a,
                    ]
                    if pair_lines and self.pair is not None:
                        # the chain simplifies: the table's dC/dz of the pair, exact
                        forms = [*first, *pair_lines, num.math(u.dC_dz)]
                        note = (self.pair.note,)
                    else:
                        forms = [
                            *first,
                            num.factor(u.da_dz) + DOT + num.factor(u.dC_da),
                            num.math(u.dC_dz),
                        ]
                        note = ()
                    out.append(Equation(d_z, tuple(forms), note, label()))
                self.labels[(name, "dz")] = f"{prefix}.{count}"
        return out

    def _pair_lines(self, s: SampleTrace, name: str) -> list[Math]:
        """An output's dC/dz by its pair's formula, in symbols and in numbers (none if no pair)."""
        pair = self.pair
        if pair is None:
            return []
        n, num = self.n, self.num
        sum_y = sum(s.targets.values())
        return [
            _fill(pair.dC_dz_formula, pair.dC_dz_latex, a=n.a(name), y=n.y(name),
                  sum_y=Math("sum_j y_j", r"\sum_j y_j")),
            _fill(pair.dC_dz_formula, pair.dC_dz_latex, a=num.factor(s.a[s.layout.index[name]]),
                  y=num.factor(s.targets[name]), sum_y=num.factor(sum_y)),
        ]

    def gradient_lines(self, step: Step, keys: Sequence[WeightKey]) -> Iterator[StreamBlock]:
        """Each weight's gradient by the chain rule (deepest first), then each bias's."""
        ordered = sorted(keys, key=lambda k: self.net.depth[k[1]])
        if len(step.samples) > 1:
            yield from self._batch_gradients(step, ordered)
        elif ordered:
            yield Run(lambda latex: self._one_sample_gradients(step, ordered, latex))
        n, num = self.n, self.num
        many = len(step.samples) > 1
        for bi, name in enumerate(step.layout.bias_units):
            lhs = n.d(n.C, n.b(name))
            forms = [n.dC_dz(name)]
            if many:
                values = [num.factor(s.bias_gradients[bi]) for s in step.samples]
                forms.append(
                    Math(f"1/{len(values)} (", rf"\frac{{1}}{{{len(values)}}}(")
                    + _join(values, Math(" + ", " + "))
                    + Math(")", ")")
                )
            forms.append(num.math(step.bias_gradients[bi]))
            yield Equation(lhs, tuple(forms), (n.d(n.z(name), n.b(name)) + Math(" = 1", " = 1"),))

    def _batch_gradients(self, step: Step, ordered: Sequence[WeightKey]) -> Iterator[Equation]:
        """Each weight's gradient as the mean of its samples', then each sample's chain rule."""
        n, num = self.n, self.num
        lay = step.layout
        count = len(step.samples)
        for key in ordered:
            dst = key[1]
            w = self.weight_symbol(key)
            unit = step.samples[0].unit(dst)
            chain_forms = chain_symbols(n, key, slope=unit.da_dz is not None)
            notes: list[Prose] = [self.alias_note(key)] if key in self.aliases else []
            per = [self._per_sample(si, w) for si in range(1, count + 1)]
            values = [num.factor(s.weight_gradients[lay.weight_index[key]]) for s in step.samples]
            forms = [
                Math(f"1/{count} (", rf"\frac{{1}}{{{count}}}(")
                + _join(per, Math(" + ", " + "))
                + Math(")", ")"),
                Math(f"1/{count} (", rf"\frac{{1}}{{{count}}}(")
                + _join(values, Math(" + ", " + "))
                + Math(")", ")"),
                num.math(step.weight_gradients[lay.weight_index[key]]),
            ]
            notes.append(("the mean over the batch's samples",))
            # each sample has its own back-propagation lines: point at the section
            notes.append((n.dC_dz(dst), f" of each sample from {step.number}.3"))
            note: Prose = ()
            for i, part in enumerate(notes):
                note += ("; ", *part) if i else part
            yield Equation(n.d(n.C, w), tuple(forms), note)
            for si, sample in enumerate(step.samples, start=1):
                yield Equation(
                    self._per_sample(si, w),
                    (chain_forms[-1], *self._factor_numbers(sample, key)),
                    (f"sample {si}",),
                )

    def _one_sample_gradients(
        self, step: Step, ordered: Sequence[WeightKey], latex: bool
    ) -> Iterator[Row]:
        """Each weight's chain rule for a step of one sample, as the rows of a :class:`Run`
        (their LaTeX only when ``latex``): what the weights into a unit share (the unit's
        factors in symbols and in numbers, the note, the template of dz/dw) made once per unit,
        each weight's line filled from its symbols and its numbers' texts (formatted in one
        pass): the same lines as :func:`chain_equation`'s, 100,000 weights in about half a
        second."""
        n, num = self.n, self.num
        s = step.samples[0]
        lay = s.layout
        index, weight_index, a = lay.index, lay.weight_index, s.a
        gradients = num.texts(s.weight_gradients)
        to_latex, factor, aliases = num.latex, num.factor, self.aliases
        aima = n.name == "aima"
        plain = self.plain_weight_symbols()
        shared: dict[str, tuple[Math, Math, Math, Prose, Prose, tuple[str, str, str, str]]] = {}
        symbols = self.weight_symbols()
        d_text, d_after, d_latex, d_latex_after = _slots(n.d(n.C, SLOT))
        for key in ordered:
            src, dst = key
            unit = shared.get(dst)
            if unit is None:
                chain, factors, numbers, into, after, z_dst = self._shared_by_weights_into(s, dst)
                unit = shared[dst] = (chain, factors, numbers, into, after,
                                      _slots(n.d(z_dst, SLOT)))
            chain_tail, factor_tail, numbers_tail, note, after_alias, dz_dw = unit
            a_from, a_src = factor(a[index[src]]), self._a(src)
            i = weight_index[key]
            w, g = symbols[i], gradients[i]
            texts: list[str]
            latexes: list[str] = []
            if aima:  # Delta_B · a_A (see chain_symbols and chain_numbers)
                texts = [chain_tail.text + a_src.text, numbers_tail.text + a_from.text, g]
                if latex:
                    latexes = [chain_tail.latex + a_src.latex, numbers_tail.latex + a_from.latex,
                               to_latex(g)]
            else:
                w_plain = plain[i]
                texts = [
                    dz_dw[0] + w_plain.text + dz_dw[1] + chain_tail.text,
                    a_src.text + factor_tail.text,
                    a_from.text + numbers_tail.text,
                    g,
                ]
                if latex:
                    latexes = [
                        dz_dw[2] + w_plain.latex + dz_dw[3] + chain_tail.latex,
                        a_src.latex + factor_tail.latex,
                        a_from.latex + numbers_tail.latex,
                        to_latex(g),
                    ]
            yield (
                "",
                d_text + w.text + d_after,
                d_latex + w.latex + d_latex_after if latex else "",
                texts,
                latexes,
                self.alias_note(key) + after_alias if key in aliases else note,
            )
        del plain
        self._release_plain_symbols()

    def _shared_by_weights_into(
        self, s: SampleTrace, dst: str
    ) -> tuple[Math, Math, Math, Prose, Prose, Math]:
        """What every weight into ``dst`` shares in its chain rule (one sample): the chain's
        symbols after dz/dw, the factors' symbols after a_A, the numbers after a_A (AIMA: the
        symbols and numbers before a_A), the note, the note after a weight's alias, and z."""
        n, num = self.n, self.num
        unit = s.unit(dst)
        i = s.layout.index[dst]
        if n.name == "aima":
            chain_tail = factor_tail = n.dC_dz(dst) + DOT
            numbers_tail = num.factor(s.dC_dz[i]) + DOT
        elif unit.da_dz is None:
            chain_tail = factor_tail = DOT + n.dC_dz(dst)
            numbers_tail = DOT + num.factor(s.dC_dz[i])
        else:
            dC_da = n.d(n.C, n.a(dst))
            chain_tail = DOT + n.d(n.a(dst), n.z(dst)) + DOT + dC_da
            factor_tail = DOT + n.slope(dst) + DOT + dC_da
            numbers_tail = DOT + num.factor(unit.da_dz) + DOT + num.factor(s.dC_da[i])
        parts: list[Prose] = []
        if n.name != "aima" and dst not in self.output_set and (dst, "da") in self.labels:
            parts.append((n.d(n.C, n.a(dst)), f" reused from ({self.labels[(dst, 'da')]})"))
        elif (dst, "dz") in self.labels:
            parts.append((n.dC_dz(dst), f" from ({self.labels[(dst, 'dz')]})"))
        if unit.blocked:
            parts.append(
                (n.z(dst) + Math(" <= 0", r" \le 0"), ": the ReLU is off, so this gradient is 0")
            )
        note: Prose = ()
        after_alias: Prose = ()
        for j, part in enumerate(parts):
            note += ("; ", *part) if j else part
            after_alias += ("; ", *part)
        return chain_tail, factor_tail, numbers_tail, note, after_alias, n.z(dst)

    def _a(self, unit: str) -> Math:
        """``a_unit``, made once per unit."""
        m = self._as.get(unit)
        if m is None:
            m = self._as[unit] = self.n.a(unit)
        return m

    def _per_sample(self, si: int, w: Math) -> Math:
        """dC_1/dw: sample ``si``'s gradient of the weight ``w``."""
        c = self.n.C
        return Math(
            f"d{c.text}_{si}/d{w.text}",
            rf"\frac{{\partial {c.latex}_{{{si}}}}}{{\partial {w.latex}}}",
        )

    def _factor_numbers(self, s: SampleTrace, key: WeightKey) -> list[Math]:
        return chain_numbers(self.num, s.factors(key), self.n)

    def update_lines(self, step: Step, keys: Sequence[WeightKey]) -> tuple[list[Equation], Table]:
        """Each parameter's update line, and the table of them all."""
        blocks = list(expanded(self.update_blocks(step, keys)))
        table = blocks.pop()
        assert isinstance(table, Table)
        return [b for b in blocks if isinstance(b, Equation)], table

    def _update_rows(self, step: Step, keys: Sequence[WeightKey], latex: bool) -> Iterator[Row]:
        """Each weight's update line, as the rows of a :class:`Run` (their LaTeX only when
        ``latex``): ``w - r · dC/dw`` and its numbers filled per weight from its symbol and
        its numbers' texts (each array of numbers formatted in one pass)."""
        net, n, num = self.net, self.n, self.num
        lay = step.layout
        r = num.factor(net.learning_rate)
        minus_r = Math(" - ", " - ") + n.r + DOT  # made once: w - r · dC/dw
        minus_number_r = Math(" - ", " - ") + r + DOT
        weight_index, params, aliases = lay.weight_index, net.weights, self.aliases
        before = num.texts(step.weights_before)
        gradients = num.texts(step.weight_gradients)
        after = num.texts(step.weights_after)
        to_latex = num.latex
        symbols = self.weight_symbols()
        d_text, d_after, d_latex, d_latex_after = _slots(n.d(n.C, SLOT))
        minus_r_text = minus_r.text + d_text
        minus_r_latex = minus_r.latex + d_latex
        for key in keys:
            i = weight_index[key]
            w = symbols[i]
            new = after[i]
            if not params[key].trainable:
                yield ("", "new " + w.text, r"\text{new } " + w.latex if latex else "", [new],
                       [to_latex(new)] if latex else [], FROZEN)
                continue
            # a negative number inside the product or after the minus in parentheses
            old, grad = before[i], gradients[i]
            old_minus, grad_minus = old[0] == "-", grad[0] == "-"
            texts = [w.text + minus_r_text + w.text + d_after,
                     (f"({old})" if old_minus else old) + minus_number_r.text
                     + (f"({grad})" if grad_minus else grad), new]
            latexes: list[str] = []
            lhs_latex = ""
            if latex:
                old, grad = to_latex(old), to_latex(grad)
                latexes = [w.latex + minus_r_latex + w.latex + d_latex_after,
                           (f"({old})" if old_minus else old) + minus_number_r.latex
                           + (f"({grad})" if grad_minus else grad), to_latex(new)]
                lhs_latex = r"\text{new } " + w.latex
            yield ("", "new " + w.text, lhs_latex, texts, latexes,
                   self.alias_note(key) if key in aliases else ())

    def update_blocks(self, step: Step, keys: Sequence[WeightKey]) -> Iterator[StreamBlock]:
        """Each parameter's update line, made as it is read, then the table of them all."""
        net, n, num = self.net, self.n, self.num
        lay = step.layout
        r = num.factor(net.learning_rate)
        if keys:
            yield Run(lambda latex: self._update_rows(step, keys, latex))
        weight_index = lay.weight_index
        # text reads a cell's text only: the numbers' texts (those the update lines made)
        numbers = num.maths if self.latex else num.texts
        before: Sequence[str | Math] = numbers(step.weights_before)
        gradients: Sequence[str | Math] = numbers(step.weight_gradients)
        after: Sequence[str | Math] = numbers(step.weights_after)
        symbols = self.weight_symbols()
        rows: list[tuple[str | Math, ...]] = []
        for key in keys:
            i = weight_index[key]
            rows.append((symbols[i], before[i], gradients[i], after[i]))
        for bi, name in enumerate(lay.bias_units):
            old, grad, new = step.biases_before[bi], step.bias_gradients[bi], step.biases_after[bi]
            b = n.b(name)
            lhs = Math(f"new {b.text}", rf"\text{{new }} {b.latex}")
            if net.biases[name].trainable:
                yield Equation(
                    lhs,
                    (
                        num.factor(old) + Math(" - ", " - ") + r + DOT + num.factor(grad),
                        num.math(new),
                    ),
                )
            else:
                yield Equation(lhs, (num.math(new),), ("frozen (trainable = false): not updated",))
            rows.append((b, num.math(old), num.math(grad), num.math(new)))
        header = ("parameter", "old", n.d(n.C, Math("(parameter)", r"(\text{parameter})")), "new")
        yield Table(header, tuple(rows), "The update")

    def step_sections(self, step: Step, keys: Sequence[WeightKey]) -> list[Section]:
        """The sections of step ``step``, every block made (see :meth:`step_parts`)."""
        return [
            part.made() if isinstance(part, LazySection) else part
            for part in self.step_parts(step, keys)
        ]

    def step_parts(self, step: Step, keys: Sequence[WeightKey]) -> Iterator[AnySection]:
        """The sections of step ``step``, each made as it is read: a renderer writes one
        section's lines before the next section's are made (read them in order: the
        gradients' notes point at the back-propagation's line numbers)."""
        k = step.number
        n = self.n
        yield Section(f"Step {k} of {len(self.trace)}", (self.rounding_paragraph(),), 2)
        dz = n.dC_dz_any()
        w, C, r = Math("w", "w"), n.C, n.r
        update = (
            Math("w_new = w_old - ", r"w_{\text{new}} = w_{\text{old}} - ") + r + Math(" ", r"\,")
        )
        update = update + n.d(C, w)
        yield LazySection(f"{k}.1 Feed-forward", self._forward_blocks(step), 3)
        yield LazySection(f"{k}.2 The {n.cost_word}", self._cost_blocks(step), 3)
        yield LazySection(
            f"{k}.3 Back-propagation: {dz.text} for every unit, output first",
            self._backward_blocks(step),
            3,
            (
                f"{k}.3 Back-propagation: ",
                dz,
                " for every unit, output first",
            ),
        )
        yield LazySection(
            f"{k}.4 The gradients, by the chain rule", self.gradient_lines(step, keys), 3
        )
        # the numbering never shifts: 5 is always the closed forms (or why they are left out)
        dependency = self.dependency_section(step, keys, f"{k}.5") if self.dependency else None
        if dependency is not None:
            yield dependency
        number = f"{k}.6"
        yield LazySection(
            f"{number} The update, {update.text}",
            self.update_blocks(step, keys),
            3,
            (f"{number} The update, ", update),
        )

    def _forward_run(self, s: SampleTrace, step: Step) -> Run:
        return Run(lambda latex: self._forward_rows(s, step.weights_before, step.biases_before,
                                                    latex))

    def _forward_blocks(self, step: Step) -> Iterator[StreamBlock]:
        many = len(step.samples) > 1
        for si, s in enumerate(step.samples, start=1):
            if many:
                yield Paragraph((f"Sample {si}:",))
            yield self._forward_run(s, step)

    def _cost_blocks(self, step: Step) -> Iterator[Block]:
        n = self.n
        many = len(step.samples) > 1
        for si, s in enumerate(step.samples, start=1):
            lhs = Math(f"{n.C.text}_{si}", f"{n.C.latex}_{{{si}}}") if many else n.C
            yield self.cost_lines(s, lhs)
        if many:
            values = [self.num.factor(s.cost) for s in step.samples]
            yield Equation(
                n.C,
                (
                    Math(f"1/{len(values)} (", rf"\frac{{1}}{{{len(values)}}}(")
                    + _join(values, Math(" + ", " + "))
                    + Math(")", ")"),
                    self.num.math(step.cost),
                ),
                (f"the batch's mean {n.cost_word}",),
            )

    def _backward_blocks(self, step: Step) -> Iterator[Block]:
        k = step.number
        many = len(step.samples) > 1
        for si, s in enumerate(step.samples, start=1):
            if many:
                yield Paragraph((f"Sample {si}:",))
            yield from self.backward(s, step.weights_before, f"{k}.3" + (f".{si}" if many else ""))

    def rounding_paragraph(self) -> Paragraph:
        """How the printed numbers are computed (so a student knows what to expect by hand)."""
        d = self.num.decimals
        if self.trace.rounded is not None:
            return Paragraph(
                (
                    f"Worked as by hand: every number is rounded to {d} decimals (half up) and "
                    "each line is computed from the rounded numbers printed before it, so a "
                    "line worked from the printed numbers gives the printed result digit for "
                    "digit.",
                )
            )
        return Paragraph(
            (
                f"Numbers are shown rounded to {d} decimals, but each line is computed from "
                "the unrounded numbers before it, so a line worked by hand from the printed "
                "numbers can differ in its last digit (the rounded mode, chainrule solve "
                "--rounded, computes each line from the printed numbers).",
            )
        )

    def dependency_section(
        self, step: Step, keys: Sequence[WeightKey], number: str
    ) -> Section | None:
        """Each gradient as a closed-form function of the weights (small networks, sympy)."""
        from chainrule.explain import closed_forms as symbolic

        title = f"{number} Inserting the dependency on the weights"
        n, num = self.n, self.num
        why = symbolic.supported(self.net)
        if why is not None:
            left_out = (
                "Left out: writing each gradient as a closed-form function of the weights, as "
                "the handout does for its first chain, is done here only for small networks "
                f"({why})."
            )
            return Section(title, (Paragraph((left_out,)),), 3)
        if not symbolic.available():
            left_out = (
                "Left out: writing each gradient as a function of the weights needs sympy "
                "(pip install sympy)."
            )
            return Section(title, (Paragraph((left_out,)),), 3)
        lay = step.layout
        names = {key: (n.w(*key).text, n.w(*key).latex) for key in lay.weight_keys}
        deps = symbolic.weight_dependency(self.net, step, keys, names)
        given = self._given(step)
        intro: Prose = (
            f"As the handout does for its first chain: put {n.weighted_sum} back into "
            f"the {n.cost_word}, so that each gradient is a function of the weights alone. The "
            "inputs and targets are put in as numbers (",
            *given,
            "), so the closed form holds for these numbers only; a ReLU is taken on the piece "
            "it is on at the current weights. At the current weights each gives the chain "
            "rule's number.",
        )
        sample = step.samples[0]
        if (
            len(self.net.weights) == 1
            and len(step.samples) == 1
            and list(sample.inputs.values()) != [1.0]
        ):
            intro += (" (With a_j = 1 and y = 1, as in the handout's first chain, it is 2w - 2.)",)
        blocks: list[Equation | Paragraph | Table] = [Paragraph(intro)]
        long: list[Math] = []
        nested = False
        unrounded = self._unrounded_gradients(step) if self.trace.rounded is not None else None
        for dep in deps:
            w = self.weight_symbol(dep.key)
            if dep.variables and len(dep.text) > symbolic.SHORT:
                long.append(w)
                nested = nested or "exp(" in dep.text
                continue
            engine = step.weight_gradients[lay.weight_index[dep.key]]
            # worked by hand, the chain's number carries its factors' rounding: the closed form
            # is held to the chain rule at the same printed numbers, unrounded
            chain = engine if unrounded is None else unrounded[lay.weight_index[dep.key]]
            agrees = abs(dep.value - chain) <= 1e-9 * max(1.0, abs(chain))
            note: Prose
            if len(dep.variables) == 1 and len(lay.weight_keys) > 1:
                note = ("a function of ", w, " alone, the other weights at their current values")
            else:
                note = ()
            if not agrees:
                check = "DIFFERS from the chain rule's"
            elif num(dep.value) == num(engine):
                check = "equals the chain rule's result"
            else:
                check = (f"equals the chain rule's result before rounding ({num(chain)}); the "
                         f"by-hand {num(engine)} carries the rounding of its factors")
            note += (("; " if note else "") + f"at the current weights: {check}",)
            blocks.append(
                Equation(
                    n.d(n.C, w),
                    (num.math(dep.value),)
                    if not dep.variables
                    else (Math(dep.text, dep.latex), num.math(dep.value)),
                    note,
                )
            )
        if long:
            which = _join([n.d(n.C, w) for w in long], Math(", ", ", "))
            blocks.append(
                Paragraph(
                    (
                        "Left out: ",
                        which,
                        f": written out, {'its' if len(long) == 1 else 'each'} closed form runs "
                        f"past {symbolic.SHORT} characters"
                        + (" (exponentials inside exponentials)" if nested else "")
                        + ", far harder to read than the chain rule above, which gives the same "
                        "number step by step.",
                    )
                )
            )
        if len(long) == len(deps):
            blocks = [Paragraph((str(intro[0]).split(". ")[0] + ".",)), blocks[-1]]
        return Section(title, tuple(blocks), 3)

    def _unrounded_gradients(self, step: Step) -> list[float]:
        """The batch's weight gradients by the chain rule at ``step``'s printed numbers (its
        weights, biases, inputs and targets), without rounding along the way: the step graph
        replayed with those numbers given."""
        from chainrule.core.stepgraph import Graph, replay

        graph = Graph(self.net)
        given: dict[int, float] = {}
        for si, sample in enumerate(step.samples):
            given.update((graph.at("a", si, k), v) for k, v in sample.inputs.items())
            given.update((graph.at("y", si, k), v) for k, v in sample.targets.items())
        values, _ = replay(graph, given, parameters=(step.weights_before, step.biases_before))
        return [values[graph.at("dC_dw", -1, k)] for k in self.net.weights]

    def _given(self, step: Step) -> Prose:
        """The numbers put into a closed form: ``a_j = 0.5, y_k = 1`` (one sample)."""
        n, num = self.n, self.num
        if len(step.samples) > 1:
            return (f"those of the {len(step.samples)} samples",)
        sample = step.samples[0]
        parts = [n.a(k) + Math(" = ", " = ") + num.math(v) for k, v in sample.inputs.items()]
        parts += [n.y(k) + Math(" = ", " = ") + num.math(v) for k, v in sample.targets.items()]
        return (_join(parts, Math(", ", ", ")),)

    def summary(self) -> Section:
        lay = self.trace.steps[0].layout
        steps = self.trace.steps
        if len(steps) <= MAX_TABLE_ROWS:
            chosen = steps
        else:
            stride = (len(steps) - 1) / (MAX_TABLE_ROWS - 1)
            picks = sorted({round(i * stride) for i in range(MAX_TABLE_ROWS)})
            chosen = [steps[i] for i in picks]
        names = [*self.weight_symbols()] + [
            self.n.b(u) for u in lay.bias_units
        ]
        rows: tuple[tuple[str | Math, ...], ...] = tuple(
            (
                str(s.number),
                self.num.math(s.cost),
                *(self.num.math(v) for v in [*s.weights_after, *s.biases_after]),
            )
            for s in chosen
        )
        caption = "Cost before each step's update, and the parameters after it"
        if len(chosen) < len(steps):
            caption += (
                f" ({len(chosen)} of the {len(steps)} steps, evenly spaced,"
                " first and last included)"
            )
        return Section("All steps", (Table(("step", "C", *names), rows, caption),), 2)


def check_readable(network: Network, max_weights: int | None = None) -> None:
    """Refuse a network whose worked solution is too long to read, saying what to use."""
    limit = (limits.MAX_SOLUTION_WEIGHTS if max_weights is None
             else checks.count(max_weights, "max_weights"))
    count = len(network.weights)
    if count <= limit:
        return
    raise UsageError(
        f"this network has {count:,} weights: its worked solution, several lines per weight, "
        f"is too long to read (the limit is {limit:,} weights); get every number as JSON "
        "(`format=json`; Python: trace.to_json()), see the network layer by layer "
        f"(chainrule draw NETWORK -o net.svg), or raise the limit with `max_weights={count}`"
    )


def explain(
    trace: Trace,
    *,
    decimals: int = 4,
    step: int | None = None,
    weights: str | Sequence[str] | None = None,
    notation: str | Notation = HANDOUT,
    dependency: bool = True,
    max_weights: int | None = None,
) -> Document:
    """The worked solution of ``trace`` as a Document (render it with :mod:`chainrule.render`).

    Parameters
    ----------
    decimals : decimals shown for every number.
    step : the step explained in full (default 1); every step is in the summary table.
    weights : explain only these weights (``"i -> j, j -> k"`` or a list); default all.
    notation : the symbols to use: ``"handout"`` (default) or ``"aima"``, or a Notation.
    dependency : for small networks (at most 6 weights), add each gradient as a closed-form
        function of the weights (needs sympy; left out with a note without it).
    max_weights : explain networks of more weights than the limit (20,000: a solution is
        several lines per weight; beyond that it is too long to read).

    Raises
    ------
    UsageError
        for a network over the limit (before any work), naming what to use instead.
    """
    return explain_stream(
        trace, decimals=decimals, step=step, weights=weights, notation=notation,
        dependency=dependency, max_weights=max_weights,
    ).made()


def explain_stream(
    trace: Trace,
    *,
    decimals: int = 4,
    step: int | None = None,
    weights: str | Sequence[str] | None = None,
    notation: str | Notation = HANDOUT,
    dependency: bool = True,
    max_weights: int | None = None,
    latex: bool = True,
) -> DocumentStream:
    """The worked solution of ``trace`` as a :class:`DocumentStream`: the same Document as
    :func:`explain` (same parameters), its sections made as a renderer reads them, so that a
    large network's solution is written section by section, never held whole. The checks
    (the network's size, the step) are made here, before any section. ``latex=False``: for a
    renderer that reads no LaTeX (text), the costly LaTeX (each weight's symbol) is not made:
    the stream's LaTeX is then not to be read (its tables' numbers are plain strings, and the
    description has no paragraphs typeset as math: ``intro`` is empty)."""
    if not trace.steps:
        raise UsageError("the trace has no steps to explain")
    check_readable(trace.network, max_weights)
    number = 1 if step is None else step
    if not 1 <= number <= len(trace):
        raise UsageError(f"step {number} does not exist; this run has steps 1 to {len(trace)}")
    ex = Explainer(trace, decimals, notation_named(notation), dependency, latex)
    keys = (
        list(trace.network.weights)
        if weights is None
        else parse_weight_names(trace.network, weights)
    )

    def sections() -> Iterator[AnySection]:
        yield ex.network_section()
        yield from ex.step_parts(trace.step(number), keys)
        if len(trace) > 1:
            yield ex.summary()

    description = trace.network.description or ""
    return DocumentStream(
        trace.network.title or "Worked solution",
        sections(),
        description,
        # its paragraphs with their symbols as math, for formats that typeset math (text
        # reads the description as written: neither made nor the module loaded)
        _paragraphs(description) if description and latex else (),
    )


def _paragraphs(description: str) -> tuple[Prose, ...]:
    from chainrule.explain.description import paragraphs

    return paragraphs(description)


def _description_prose(text: str) -> Prose:
    from chainrule.explain.description import prose

    return prose(text)
