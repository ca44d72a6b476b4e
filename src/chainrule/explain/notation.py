"""Symbols in the handout's notation, as plain text and LaTeX (see docs/notation.md).

Layers are counted back from the output (L, L-1, ...); ``w_jk^(L)`` is the weight from unit j in
L-1 to unit k in L; ``z`` is a unit's weighted input sum (plus bias), ``a`` its activation, ``y``
a target, ``C`` the cost, ``r`` the learning rate.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from functools import lru_cache

from chainrule.core.options import NOTATION
from chainrule.explain.document import Math


@lru_cache(maxsize=65536)
def latex_name(name: str) -> str:
    """A unit name inside LaTeX math: ``In_1`` -> ``\\mathrm{In\\_1}``, ``k`` -> ``k``."""
    if len(name) == 1:
        return name
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


class Notation:
    """The handout's symbols (3Blue1Brown's): a_j, z_k, w_jk^(L), dC/da_k, g'(z_k)."""

    name = "handout"

    def a(self, u: str) -> Math:
        return Math(f"a_{u}", f"a_{{{latex_name(u)}}}")

    def z(self, u: str) -> Math:
        return Math(f"z_{u}", f"z_{{{latex_name(u)}}}")

    def y(self, u: str) -> Math:
        return Math(f"y_{u}", f"y_{{{latex_name(u)}}}")

    def b(self, u: str) -> Math:
        return Math(f"b_{u}", f"b_{{{latex_name(u)}}}")

    def w(self, src: str, dst: str, layer: str | None = None) -> Math:
        short = len(src) == 1 and len(dst) == 1
        text = f"w_{src}{dst}" if short else f"w_({src},{dst})"
        sub = (
            f"{latex_name(src)}{latex_name(dst)}"
            if short
            else f"{latex_name(src)},{latex_name(dst)}"
        )
        latex = f"w_{{{sub}}}"
        if layer:
            text += f"^({layer})"
            latex += f"^{{({layer})}}"
        return Math(text, latex)

    def weights(
        self, keys: Sequence[tuple[str, str]], layers: Sequence[str | None], latex: bool = True
    ) -> list[tuple[Math, Math]]:
        """Each weight's symbol without its layer and with it, ``(self.w(src, dst),
        self.w(src, dst, layer))``, made in one pass (a large network has 100,000 weights);
        ``latex=False``: their LaTeX left empty (for text, which reads none)."""
        if type(self).w is not Notation.w:  # a notation of its own symbols
            return [(self.w(s, d), self.w(s, d, layer)) for (s, d), layer in zip(keys, layers,
                                                                                  strict=True)]
        out = []
        if not latex:
            new = tuple.__new__  # Math(text, ""), by tuple's own constructor (a named tuple's is
            # Python)
            for (src, dst), layer in zip(keys, layers, strict=True):
                text = f"w_{src}{dst}" if len(src) == 1 and len(dst) == 1 else f"w_({src},{dst})"
                plain = new(Math, (text, ""))
                out.append((plain, new(Math, (f"{text}^({layer})", "")) if layer else plain))
            return out
        for (src, dst), layer in zip(keys, layers, strict=True):
            # as w() writes them
            if len(src) == 1 and len(dst) == 1:
                text, tex = f"w_{src}{dst}", f"w_{{{latex_name(src)}{latex_name(dst)}}}"
            else:
                text, tex = f"w_({src},{dst})", f"w_{{{latex_name(src)},{latex_name(dst)}}}"
            plain = Math(text, tex)
            out.append((plain, Math(f"{text}^({layer})", f"{tex}^{{({layer})}}")
                        if layer else plain))
        return out

    def g(self, u: str) -> Math:
        return Math(f"g_{u}", f"g_{{{latex_name(u)}}}")

    def slope(self, u: str) -> Math:
        """The activation's slope at z_u: g'(z_u)."""
        return Math(f"g'(z_{u})", f"g'(z_{{{latex_name(u)}}})")

    def d(self, top: Math, bottom: Math) -> Math:
        """The derivative d top / d bottom."""
        return Math(
            f"d{top.text}/d{bottom.text}",
            rf"\frac{{\partial {top.latex}}}{{\partial {bottom.latex}}}",
        )

    def dC_dz(self, u: str) -> Math:
        """The cost's derivative with respect to z_u (what back-propagation carries back)."""
        return self.d(self.C, self.z(u))

    def dC_dz_definition(self, u: str) -> Math | None:
        """What :meth:`dC_dz` stands for, when it is a name of its own (AIMA's Delta_j)."""
        return None

    def slope_factor(self, u: str) -> Math:
        """The activation's slope as a factor of the chain: da_u/dz_u (AIMA: g'(in_u))."""
        return self.d(self.a(u), self.z(u))

    def dC_dz_any(self) -> Math:
        """dC/dz for no unit in particular (in headings)."""
        return self.d(self.C, Math("z", "z"))

    description = (
        "The handout's notation (3Blue1Brown's): layers counted back from the output L; "
        "w_jk^(L) the weight from j in L-1 to k in L; z the weighted input sum, a = g(z) "
        "the activation, y the target, C the cost, r the learning rate."
    )
    C = Math("C", "C")
    r = Math("r", "r")
    cost_word = "cost"
    weighted_sum = "z = sum of a · w"
    def weighted_input_note(self) -> tuple[str | Math, ...]:
        """One sentence saying what z is (the handout writes it g)."""
        return (
            Math("z_k", "z_k"),
            " is unit k's weighted input, ",
            Math("z_k = sum_j a_j · w_jk + b_k", r"z_k = \sum_j a_j w_{jk} + b_k"),
            " (the handout's ",
            Math("g_k", "g_k"),
            "), and ",
            Math("a_k = g(z_k)", "a_k = g(z_k)"),
            " its activation.",
        )


class AimaNotation(Notation):
    """AIMA's symbols (Russell and Norvig, 4th edition, chapter 21): in_j, g'(in_j), Delta_j.

    The book writes the weighted input sum as ``in_j``, a weight as ``w_{i,j}`` (no layer
    index), the loss as ``Loss``, the learning rate as ``alpha``, and back-propagates
    ``Delta_j = dLoss/din_j`` (at a squared-error output ``Delta_5 = 2(yhat - y) g'(in_5)``;
    at a hidden unit ``Delta_3 = g'(in_3) sum_k w_{3,k} Delta_k``), so that
    ``dLoss/dw_{i,j} = Delta_j a_i``. The numbers are the Trace's dC/dz.
    """

    name = "aima"
    description = (
        "AIMA's notation (Russell and Norvig, 4th edition, chapter 21): in_j = sum_i w_{i,j} "
        "a_i the weighted input, a_j = g(in_j), Loss the loss, Delta_j = dLoss/din_j, so "
        "dLoss/dw_{i,j} = Delta_j a_i; alpha the learning rate."
    )
    C = Math("Loss", r"\mathit{Loss}")
    r = Math("alpha", r"\alpha")
    cost_word = "loss"
    weighted_sum = "in_j = sum of w_(i,j) · a_i"
    def weighted_input_note(self) -> tuple[str | Math, ...]:
        return (
            Math("in_j", r"\mathit{in}_j"),
            " is unit j's weighted input, ",
            Math("in_j = sum_i w_(i,j) · a_i + b_j", r"\mathit{in}_j = \sum_i w_{i,j} a_i + b_j"),
            " (the book's dummy weight ",
            Math("w_(0,j)", "w_{0,j}"),
            " is the bias ",
            Math("b_j", "b_j"),
            "), and ",
            Math("a_j = g(in_j)", r"a_j = g(\mathit{in}_j)"),
            " its activation.",
        )

    def z(self, u: str) -> Math:
        return Math(f"in_{u}", rf"\mathit{{in}}_{{{latex_name(u)}}}")

    def w(self, src: str, dst: str, layer: str | None = None) -> Math:
        return Math(f"w_({src},{dst})", f"w_{{{latex_name(src)},{latex_name(dst)}}}")

    def slope(self, u: str) -> Math:
        return Math(f"g'(in_{u})", rf"g'(\mathit{{in}}_{{{latex_name(u)}}})")

    def slope_factor(self, u: str) -> Math:
        return self.slope(u)

    def dC_dz(self, u: str) -> Math:
        return Math(f"Delta_{u}", rf"\Delta_{{{latex_name(u)}}}")

    def dC_dz_definition(self, u: str) -> Math | None:
        return self.d(self.C, self.z(u))

    def dC_dz_any(self) -> Math:
        return Math("Delta", r"\Delta")



HANDOUT = Notation()
AIMA = AimaNotation()
NOTATIONS: dict[str, Notation] = dict(zip(NOTATION.choices, (HANDOUT, AIMA), strict=True))
"""The notations by the names of the ``notation`` option (:data:`chainrule.core.options.NOTATION`,
checked once: the CLI's ``--notation``, SolutionOptions, the web)."""


def notation_named(name: str | Notation) -> Notation:
    """The notation called ``name`` (``"handout"`` or ``"aima"``); UsageError if unknown."""
    if isinstance(name, Notation):
        return name
    return NOTATIONS[NOTATION.check(name)]


class Numbers:
    """Formats numbers with a fixed number of decimals, trailing zeros trimmed (0.602, -1.2054)."""

    def __init__(self, decimals: int = 4) -> None:
        self.decimals = decimals

    @property
    def decimals(self) -> int:
        return self._decimals

    @decimals.setter
    def decimals(self, decimals: int) -> None:
        self._decimals = decimals
        self._fixed = f".{decimals}f"
        self._tiny = 0.5 * 10.0 ** (-decimals)
        self._small = f".{max(decimals - 1, 1)}e"
        # a worked solution prints the same numbers many times (each a_j in every weight's
        # line): each is formatted once
        self._texts: dict[float, str] = {}
        self._maths: dict[float, Math] = {}
        self._factors: dict[float, Math] = {}
        self._round: Callable[[float], float] | None = None
        self._lists: dict[int, tuple[Sequence[float], list[str]]] = {}
        """:meth:`texts` of a large list, by the list's identity (the list kept, so that its
        identity stays its own): a Trace's lists of 100,000 numbers are each shown two to four
        times."""

    def __call__(self, x: float) -> str:
        text = self._texts.get(x)
        if text is None:
            if len(self._texts) >= self.KEEP:
                self._texts.clear()
            text = self._texts[x] = self._format(x)
        return text

    KEEP = 1 << 20
    """Each cache keeps at most this many numbers (then starts again), so that memory stays
    bounded: a 784-128-10 network's solution formats some 260,000 numbers, each shown two to
    four times (a weight in the network's table, its sum, its update and the update's
    table), and keeps them all."""

    def _format(self, x: float) -> str:
        if not math.isfinite(x):
            return str(x)
        if x != 0.0 and abs(x) < self._tiny:
            return format(x, self._small)
        # half up on the decimal, the one rounding rule (0.145 -> 0.15, as by hand); imported
        # at the first number so that the CLI's --notation choices load no NumPy
        rounded = self._round
        if rounded is None:
            from chainrule.core.stepgraph import hand_rounding

            rounded = self._round = hand_rounding(self._decimals)
        text = format(rounded(x), self._fixed)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    BULK = 2048
    """From this many numbers on, :meth:`texts` finds the numbers far from a rounding tie with
    NumPy, all at once, when NumPy is loaded already (fewer and the per-number path is as
    quick; loading NumPy costs more than it saves under 100,000 numbers)."""

    def texts(self, values: Sequence[float]) -> list[str]:
        """Each of ``values`` as :meth:`__call__` writes it, formatted in one pass (a large
        network's solution formats 260,000 numbers): the same strings, the cache filled."""
        cache = self._texts
        if len(cache) + len(values) >= self.KEEP:
            cache.clear()
        known = self._lists.get(id(values))
        if known is not None and known[0] is values and len(known[1]) == len(values):
            return known[1]
        if len(values) < self.BULK or "numpy" not in sys.modules:
            get, fmt = cache.get, self._format
            out = []
            for x in values:
                text = get(x)
                if text is None:
                    text = cache[x] = fmt(x)
                out.append(text)
            return out
        import numpy as np

        rounded = self._round
        if rounded is None:
            from chainrule.core.stepgraph import hand_rounding

            rounded = self._round = hand_rounding(self._decimals)
        arr = np.asarray(values, dtype=float)
        size = np.abs(arr)
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = size * 10.0**self._decimals
            # the numbers _format and hand_rounding send down their fast path: finite, not
            # tiny, under 1e15, far from a tie (the same test, the same IEEE operations)
            fast = (
                np.isfinite(arr)
                & (size < 1e15)
                & ~((arr != 0.0) & (size < self._tiny))
                & (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-9 * (scaled + 1.0))
            )
        fixed, get = self._fixed, cache.get
        out = []
        for x, quick in zip(values, fast.tolist(), strict=True):
            text = get(x)
            if text is None:
                if quick:
                    # far from a tie, x and round(x, d) have the same nearest decimal at d
                    # places (round(x, d) is the double nearest to it, no farther from it than
                    # x): format rounds x itself to it
                    text = format(x, fixed)
                    if "." in text:
                        text = text.rstrip("0").rstrip(".")
                    if text in ("-0", ""):
                        text = "0"
                else:
                    text = self._format(x)
                cache[x] = text
            out.append(text)
        if len(self._lists) >= 8:
            self._lists.clear()
        self._lists[id(values)] = (values, out)
        return out

    @staticmethod
    def latex(text: str) -> str:
        """A number's text (as :meth:`__call__` writes it) in LaTeX: e-notation as
        ``\\times 10^{n}``."""
        if "e" not in text:
            return text
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"

    def math(self, x: float) -> Math:
        """A number as Math (LaTeX writes e-notation as ``\\times 10^{n}``)."""
        m = self._maths.get(x)
        if m is None:
            text = self._texts.get(x) or self._format(x)
            latex = self.latex(text)
            if len(self._maths) >= self.KEEP:
                self._maths.clear()
            m = self._maths[x] = Math(text, latex)
        return m

    def maths(self, values: Sequence[float]) -> list[Math]:
        """Each of ``values`` as :meth:`math` gives it, made in one pass (a large network's
        tables have 100,000 rows)."""
        cache = self._maths
        if len(cache) + len(values) >= self.KEEP:
            cache.clear()
        get, latex, new = cache.get, self.latex, tuple.__new__
        out = []
        for x, text in zip(values, self.texts(values), strict=True):
            m = get(x)
            if m is None:
                # Math(text, LaTeX), made by tuple's own constructor (a named tuple's is Python)
                m = cache[x] = new(Math, (text, text if "e" not in text else latex(text)))
            out.append(m)
        return out

    def factor(self, x: float) -> Math:
        """A number inside a product or after a minus: negatives in parentheses."""
        f = self._factors.get(x)
        if f is None:
            m = self._maths.get(x) or self.math(x)
            f = Math(f"({m.text})", f"({m.latex})") if m.text[0] == "-" else m
            if len(self._factors) >= self.KEEP:
                self._factors.clear()
            self._factors[x] = f
        return f
