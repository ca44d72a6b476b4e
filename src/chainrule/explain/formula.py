"""Expression trees (:mod:`chainrule.explain.expression`) printed three ways, tidied, and
turned into sympy and back.

- :func:`text` for a terminal and Markdown prose: ``2·(a·w - y)^2``, ``·`` as ``chainrule
  solve`` prints products, brackets exactly where precedence needs them;
- :func:`code` in Python/sympy syntax (``2*(a*w - y)**2``): what the JSON holds, what sympy
  parses;
- :func:`latex`.

:func:`tidy` does the arithmetic a student does without thinking (``3 - 1`` is ``2``, ``1·u``
is ``u``, ``u^1`` is ``u``, ``0 + u`` is ``u``) and nothing else, so each step still shows the
rule it applied. The trees also hold what only derivatives need: :class:`D` (``d/dx(u)``, a
derivative still to take) and :class:`Cases` (``(1 if u > 0, else 0)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from chainrule.explain.expression import (
    Bin,
    Call,
    Neg,
    Num,
    Pow,
    Var,
    constant_value,
    functions,
    sympy,
)

CONSTANTS = ("e", "pi")


@dataclass(frozen=True)
class D:
    """``d/dx(arg)``: a derivative still to take, in a rule's middle form."""

    arg: Any
    x: str


@dataclass(frozen=True)
class Cases:
    """``(value if condition, value if condition, else value)``; a condition is
    ``(arg, ">" or "<")`` meaning ``arg > 0`` / ``arg < 0``; ``None`` is "else"."""

    pieces: tuple[tuple[Any, tuple[Any, str] | None], ...]


@dataclass(frozen=True)
class Raw:
    """Printed as given (a sympy result chainrule cannot read back into a tree)."""

    text: str
    code: str
    latex: str


# precedence: sums 1, products 2, unary minus 3, powers 4, atoms 5
def _prec(n: Any) -> int:
    if isinstance(n, Bin):
        return 1 if n.op in "+-" else 2
    if isinstance(n, Neg):
        return 3
    if isinstance(n, Pow):
        return 4
    if isinstance(n, Num) and n.text.startswith("-"):
        return 3
    if isinstance(n, Raw):
        return 0
    return 5


# ---------------------------------------------------------------------------------------------
# Printing


class _Printer:
    times = "·"
    power = "^"

    def __call__(self, n: Any) -> str:
        return self.p(n)

    def wrap(self, s: str) -> str:
        return f"({s})"

    def p(self, n: Any) -> str:
        if isinstance(n, Num):
            return self.num(n)
        if isinstance(n, Var):
            return self.var(n.name)
        if isinstance(n, Neg):
            inner = self.p(n.arg)
            return "-" + (self.wrap(inner) if _prec(n.arg) <= 1 or _neg(n.arg) else inner)
        if isinstance(n, Bin):
            return self.binary(n)
        if isinstance(n, Pow):
            return self.pow(n)
        if isinstance(n, Call):
            return self.call(n)
        if isinstance(n, D):
            return self.d(n)
        if isinstance(n, Cases):
            return self.cases(n)
        return self.raw(n)

    def num(self, n: Num) -> str:
        return n.text

    def var(self, name: str) -> str:
        return name

    def side(self, n: Any, lowest: int) -> str:
        """``n`` as an operand: bracketed when its precedence is below ``lowest``."""
        s = self.p(n)
        return self.wrap(s) if _prec(n) < lowest else s

    def binary(self, n: Bin) -> str:
        if n.op == "+":
            return f"{self.side(n.left, 1)} + {self.side(n.right, 2 if _neg(n.right) else 1)}"
        if n.op == "-":
            return f"{self.side(n.left, 1)} - {self.side(n.right, 2)}"
        if n.op == "*":
            right = self.side(n.right, 4 if _neg(n.right) or _div(n.right) else 2)
            left = self.side(n.left, 3 if _div(n.left) else 2)
            return f"{left}{self.times}{right}"
        return f"{self.side(n.left, 2)}/{self.side(n.right, 4 if _neg(n.right) else 3)}"

    def pow(self, n: Pow) -> str:
        return f"{self.side(n.base, 5)}{self.power}{self.side(n.exp, 5)}"

    def call(self, n: Call) -> str:
        if n.name == "max":
            return f"max(0, {self.p(n.arg)})"
        return f"{n.name}({self.p(n.arg)})"

    def d(self, n: D) -> str:
        return f"d/d{n.x}({self.p(n.arg)})"

    def cases(self, n: Cases) -> str:
        parts = []
        for value, condition in n.pieces:
            if condition is None:
                parts.append(f"else {self.p(value)}")
            else:
                parts.append(f"{self.p(value)} if {self.p(condition[0])} {condition[1]} 0")
        return "(" + ", ".join(parts) + ")"

    def raw(self, n: Raw) -> str:
        return n.text


class _Code(_Printer):
    times = "*"
    power = "**"

    def call(self, n: Call) -> str:
        name = {"ln": "log", "max": "relu", "abs": "Abs"}.get(n.name, n.name)
        return f"{name}({self.p(n.arg)})"

    def var(self, name: str) -> str:
        return {"e": "E", "pi": "pi"}.get(name, name)

    def cases(self, n: Cases) -> str:
        parts = []
        for value, condition in n.pieces:
            when = "True" if condition is None else f"{self.p(condition[0])} {condition[1]} 0"
            parts.append(f"({self.p(value)}, {when})")
        return f"Piecewise({', '.join(parts)})"

    def d(self, n: D) -> str:
        return f"Derivative({self.p(n.arg)}, {n.x})"

    def raw(self, n: Raw) -> str:
        return n.code


_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
}


class _Latex(_Printer):
    times = r" \cdot "

    def wrap(self, s: str) -> str:
        return rf"\left({s}\right)"

    def num(self, n: Num) -> str:
        mantissa, _, exponent = n.text.partition("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}" if exponent else n.text

    def var(self, name: str) -> str:
        if name == "pi":
            return r"\pi"
        head, _, tail = name.partition("_")
        if head in _GREEK:
            head = "\\" + head
        if not tail and len(head) > 1 and head[-1].isdigit() and not head.startswith("\\"):
            stem = head.rstrip("0123456789")
            head, tail = stem, head[len(stem) :]
        return f"{head}_{{{tail}}}" if tail else head

    def binary(self, n: Bin) -> str:
        if n.op == "/":
            return rf"\frac{{{self.p(n.left)}}}{{{self.p(n.right)}}}"
        if n.op == "*":
            right = self.side(n.right, 4 if _neg(n.right) else 2)
            return f"{self.side(n.left, 2)}{self.times}{right}"
        return super().binary(n)

    def pow(self, n: Pow) -> str:
        if isinstance(n.base, Call) and n.base.name not in ("sqrt", "abs", "max"):
            base = self.p(n.base)
        else:
            base = self.side(n.base, 5)
        return f"{base}^{{{self.p(n.exp)}}}"

    def call(self, n: Call) -> str:
        arg = self.p(n.arg)
        if n.name == "sqrt":
            return rf"\sqrt{{{arg}}}"
        if n.name == "abs":
            return rf"\left|{arg}\right|"
        if n.name == "max":
            return rf"\max\left(0, {arg}\right)"
        name = {
            "exp": r"\exp",
            "log": r"\log",
            "ln": r"\ln",
            "tanh": r"\tanh",
            "sin": r"\sin",
            "cos": r"\cos",
            "sigmoid": r"\sigma",
            "relu": r"\operatorname{relu}",
        }[n.name]
        return rf"{name}\left({arg}\right)"

    def d(self, n: D) -> str:
        return rf"\frac{{d}}{{d{self.var(n.x)}}}\left({self.p(n.arg)}\right)"

    def cases(self, n: Cases) -> str:
        rows = []
        for value, condition in n.pieces:
            if condition is None:
                rows.append(rf"{self.p(value)} & \text{{otherwise}}")
            else:
                when = f"{self.p(condition[0])} {condition[1]} 0"
                rows.append(rf"{self.p(value)} & \text{{if }} {when}")
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"

    def raw(self, n: Raw) -> str:
        return n.latex


text = _Printer()
"""The tree as a student writes it in plain text: ``2·(a·w - y)^2``."""
code = _Code()
"""The tree in Python/sympy syntax: ``2*(a*w - y)**2``."""
latex = _Latex()
"""The tree as LaTeX."""


def _div(n: Any) -> bool:
    return isinstance(n, Bin) and n.op == "/"


def _neg(n: Any) -> bool:
    return isinstance(n, Neg) or (isinstance(n, Num) and n.text.startswith("-"))


# ---------------------------------------------------------------------------------------------
# Building and tidying (the arithmetic a student does in passing)


def number(value: object) -> Any:
    """A tree for a number (a Fraction or a float): ``2``, ``-2``, ``3/2``, ``0.5``."""
    assert isinstance(value, Fraction | float)
    if isinstance(value, float):
        if value < 0:
            return Neg(Num(repr(-value)))
        return Num(repr(value))
    if value < 0:
        return Neg(number(-value))
    if value.denominator == 1:
        return Num(str(value.numerator))
    return Bin("/", Num(str(value.numerator)), Num(str(value.denominator)))


def _value(n: Any) -> Fraction | float | None:
    """The value of a number-only tree; a float where a decimal was written."""
    exact = constant_value(n) if not isinstance(n, D | Cases | Raw) else None
    if exact is None:
        return None
    return float(exact) if _decimal(n) else exact


def _decimal(n: Any) -> bool:
    if isinstance(n, Num):
        return "." in n.text or "e" in n.text
    return any(_decimal(c) for c in _children(n))


def _children(n: Any) -> tuple[Any, ...]:
    if isinstance(n, Bin):
        return (n.left, n.right)
    if isinstance(n, Pow):
        return (n.base, n.exp)
    if isinstance(n, Neg | Call | D):
        return (n.arg,)
    return ()


def is_zero(n: Any) -> bool:
    return _value(n) == 0


def is_one(n: Any) -> bool:
    return _value(n) == 1


def _terms(n: Any, sign: int = 1) -> list[tuple[int, Any]]:
    if isinstance(n, Bin) and n.op in "+-":
        return _terms(n.left, sign) + _terms(n.right, sign if n.op == "+" else -sign)
    return [(sign, n)]


def _factors(n: Any) -> list[Any]:
    if isinstance(n, Bin) and n.op == "*":
        return _factors(n.left) + _factors(n.right)
    return [n]


def add(*terms: tuple[int, Any]) -> Any:
    """``± t1 ± t2 ...`` tidied: zeros dropped, numbers added up (where the first one stood)."""
    kept: list[tuple[int, Any]] = []
    total: Fraction | float = Fraction(0)
    at: int | None = None
    for sign, term in terms:
        t = tidy(term)
        if isinstance(t, Neg):
            sign, t = -sign, t.arg
        v = _value(t)
        if v is not None:
            total = total + sign * v
            at = len(kept) if at is None else at
        else:
            kept.append((sign, t))
    if total != 0 or not kept:
        kept.insert(len(kept) if at is None else at, (1 if total >= 0 else -1, number(abs(total))))
    first_sign, out = kept[0]
    result: Any = Neg(out) if first_sign < 0 else out
    for sign, term in kept[1:]:
        result = Bin("+" if sign > 0 else "-", result, term)
    return result


def mul(*factors: Any) -> Any:
    """``f1·f2·...`` tidied: ones dropped, 0 if a factor is 0, numbers multiplied (put first),
    minus signs taken out front."""
    kept: list[Any] = []
    below: list[Any] = []
    coefficient: Fraction | float = Fraction(1)
    for f in factors:
        t = tidy(f)
        while isinstance(t, Neg):
            coefficient, t = -coefficient, t.arg
        v = _value(t)
        if v is not None:
            coefficient = coefficient * v
        elif _div(t):
            top, bottom = t.left, t.right
            while isinstance(top, Neg):
                coefficient, top = -coefficient, top.arg
            for part in _factors(top):
                pv = _value(part)
                coefficient, kept = (coefficient * pv, kept) if pv is not None else (
                    coefficient, [*kept, part])
            for part in _factors(bottom):
                pv = _value(part)
                if pv is not None and pv != 0:
                    coefficient = coefficient / pv
                else:
                    below.append(part)
        else:
            kept.extend(_factors(t))
    if coefficient == 0:
        return Num("0")
    if below:
        negative = coefficient < 0
        size = abs(coefficient)
        top_factors = kept or [Num("1")]
        if isinstance(size, Fraction) and size.denominator != 1:
            below.insert(0, number(Fraction(size.denominator)))
            size = Fraction(size.numerator)
        if size != 1:
            top_factors = [number(size), *kept]
        out_top = top_factors[0]
        for g in top_factors[1:]:
            out_top = Bin("*", out_top, g)
        out_bottom = below[0]
        for g in below[1:]:
            out_bottom = Bin("*", out_bottom, g)
        fraction = Bin("/", out_top, out_bottom)
        return Neg(fraction) if negative else fraction
    negative = coefficient < 0
    size = abs(coefficient)
    if size != 1 or not kept:
        kept.insert(0, number(size))
    out = kept[0]
    for f in kept[1:]:
        out = Bin("*", out, f)
    return Neg(out) if negative else out


def div(top: Any, bottom: Any) -> Any:
    t, b = tidy(top), tidy(bottom)
    if is_one(b):
        return t
    if is_zero(t):
        return Num("0")
    tv, bv = _value(t), _value(b)
    if tv is not None and bv is not None and bv != 0:
        return number(tv / bv)
    if isinstance(t, Neg):
        return Neg(Bin("/", t.arg, b))
    return Bin("/", t, b)


def power(base: Any, exponent: Any) -> Any:
    b, e = tidy(base), tidy(exponent)
    if is_zero(e):
        return Num("1")
    if is_one(e):
        return b
    return Pow(b, e)


def tidy(n: Any) -> Any:
    """``n`` with the arithmetic done that a student does in passing (see the module doc)."""
    if isinstance(n, Bin):
        if n.op in "+-":
            return add(*_terms(n))
        if n.op == "*":
            return mul(*_factors(n))
        return div(n.left, n.right)
    if isinstance(n, Neg):
        inner = tidy(n.arg)
        if isinstance(inner, Neg):
            return inner.arg
        return Num("0") if is_zero(inner) else Neg(inner)
    if isinstance(n, Pow):
        return power(n.base, n.exp)
    if isinstance(n, Call):
        return Call(n.name, tidy(n.arg))
    if isinstance(n, Cases):
        return Cases(tuple((tidy(v), c) for v, c in n.pieces))
    return n


# ---------------------------------------------------------------------------------------------
# sympy, both ways


def to_sympy(n: Any) -> Any:
    """The sympy expression of a tree (variables real; sigmoid and relu as chainrule's)."""
    sp = sympy()
    if isinstance(n, Cases):
        pieces = []
        for value, condition in n.pieces:
            if condition is None:
                when: Any = True
            else:
                arg = to_sympy(condition[0])
                when = arg > 0 if condition[1] == ">" else arg < 0
            pieces.append((to_sympy(value), when))
        if all(condition is not None for _, condition in n.pieces):
            pieces.append((sp.Integer(0), True))  # at the kink: 0, as sympy's sign(0)
        return sp.Piecewise(*pieces)
    if isinstance(n, Raw):
        raise TypeError("a Raw tree has no sympy form")  # pragma: no cover - never built so
    if isinstance(n, D):
        raise TypeError("d/dx(...) has no sympy form here")  # pragma: no cover
    if isinstance(n, Bin | Neg | Pow | Call):
        from chainrule.explain.expression import to_sympy as convert

        if not any(isinstance(c, Cases) for c in _walk(n)):
            return convert(n)
        # a tree holding Cases: convert piece by piece
        if isinstance(n, Neg):
            return -to_sympy(n.arg)
        if isinstance(n, Pow):
            return to_sympy(n.base) ** to_sympy(n.exp)
        if isinstance(n, Call):
            return convert(Call(n.name, Var("_arg_"))).subs(
                sp.Symbol("_arg_", real=True), to_sympy(n.arg)
            )
        left, right = to_sympy(n.left), to_sympy(n.right)
        return {"+": left + right, "-": left - right, "*": left * right}.get(
            n.op, left / right if n.op == "/" else None
        )
    from chainrule.explain.expression import to_sympy as convert

    return convert(n)


def _walk(n: Any) -> list[Any]:
    out = [n]
    for c in _children(n):
        out.extend(_walk(c))
    if isinstance(n, Cases):
        out.append(n)
    return out


def from_sympy(e: Any, log: str = "log", relu: str = "relu") -> Any:
    """A tree printing a sympy result the way chainrule prints (``Raw`` for what it cannot);
    ``log`` and ``relu`` are the names the natural logarithm and ReLU are printed with (``ln``
    and ``max`` where the user wrote those)."""
    sp = sympy()
    custom = functions()
    if e.is_Integer:
        return number(Fraction(int(e)))
    if e.is_Rational:
        return number(Fraction(int(e.p), int(e.q)))
    if e.is_Float:
        return number(float(e))
    if e == sp.E:
        return Var("e")
    if e == sp.pi:
        return Var("pi")
    if e.is_Symbol:
        return Var(str(e))
    if isinstance(e, sp.Add):
        terms = []
        for t in e.as_ordered_terms():
            tree = from_sympy(t, log, relu)
            terms.append((-1, tree.arg) if isinstance(tree, Neg) else (1, tree))
        first_sign, first = terms[0]
        out: Any = Neg(first) if first_sign < 0 else first
        for sign, t in terms[1:]:
            out = Bin("+" if sign > 0 else "-", out, t)
        return out
    if isinstance(e, sp.Mul):
        coefficient, rest = e.as_coeff_Mul()
        if coefficient.is_negative:
            return Neg(from_sympy(-coefficient * rest, log, relu))
        top, bottom = sp.fraction(e)
        if bottom != 1:
            return Bin("/", from_sympy(top, log, relu), from_sympy(bottom, log, relu))
        factors = [from_sympy(f, log, relu) for f in e.as_ordered_factors()]
        out = factors[0]
        for f in factors[1:]:
            out = Bin("*", out, f)
        return out
    if isinstance(e, sp.Pow):
        if e.exp == sp.Rational(1, 2):
            return Call("sqrt", from_sympy(e.base, log, relu))
        if e.exp.is_negative:
            return Bin("/", Num("1"), from_sympy(e.base ** (-e.exp), log, relu))
        return Pow(from_sympy(e.base, log, relu), from_sympy(e.exp, log, relu))
    names = {
        sp.exp: "exp",
        sp.log: log,
        sp.tanh: "tanh",
        sp.sin: "sin",
        sp.cos: "cos",
        sp.Abs: "abs",
        custom["sigmoid"]: "sigmoid",
        custom["relu"]: relu,
    }
    if e.func in names:
        return Call(names[e.func], from_sympy(e.args[0], log, relu))
    if isinstance(e, sp.Piecewise):
        pieces: list[tuple[Any, tuple[Any, str] | None]] = []
        for value, condition in e.args:
            if condition == sp.true:
                pieces.append((from_sympy(value, log, relu), None))
            elif isinstance(condition, sp.StrictGreaterThan | sp.StrictLessThan) and (
                condition.rhs == 0
            ):
                lhs = from_sympy(condition.lhs, log, relu)
                pieces.append((from_sympy(value, log, relu), (lhs, condition.rel_op)))
            else:
                return _raw(e)
        return Cases(tuple(pieces))
    if isinstance(e, sp.sign):
        u = from_sympy(e.args[0], log, relu)
        return Cases(((Num("1"), (u, ">")), (Neg(Num("1")), (u, "<")), (Num("0"), None)))
    return _raw(e)


def _raw(e: Any) -> Raw:
    sp = sympy()
    shown = str(sp.sstr(e))
    return Raw(shown.replace("**", "^"), shown, str(sp.latex(e)))
