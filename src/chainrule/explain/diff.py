"""Step-by-step differentiation, named as the handout names the rules.

The expression is read by :mod:`chainrule.explain.expression` (Python's ``ast`` against a
whitelist; nothing is ever evaluated) into chainrule's own tree, and differentiated as it was
written: nothing is simplified before the rules are applied, so ``sqrt(x^2)`` is a square root
and ``exp(log(x))`` an exponential. :func:`differentiate` walks the tree from the outside in
and records every rule it applies (``chain rule``, ``power rule``, ``sum rule``, ...), in the
order a student would apply them, each with the piece it differentiates, the rule's middle form
and that piece's derivative. Only the last result is simplified (by sympy). Tests check every
result against ``sympy.diff``.

>>> d = differentiate("(a*w - y)^2", "w")
>>> d.result
'2*a*(a*w - y)'
>>> [s.rule for s in d.steps]
['chain rule', 'sum rule', 'constant multiple rule', 'power rule', 'constant rule']
>>> d.steps[0].text_forms
['2·(a·w - y)·d/dw(a·w - y)', '2·(a·w - y)·a']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chainrule.core.display import shown
from chainrule.core.errors import UsageError
from chainrule.explain import expression as expression_module
from chainrule.explain import formula as f
from chainrule.explain.expression import FUNCTIONS, Bin, Call, Neg, Node, Num, Pow, Var, functions

__all__ = ["FUNCTIONS", "RULES", "Derivative", "DiffStep", "differentiate", "document", "functions"]

RULES = (
    "constant rule",
    "power rule",
    "constant multiple rule",
    "sum rule",
    "product rule",
    "quotient rule",
    "chain rule",
    "exponential rule",
    "logarithm rule",
    "sigmoid rule",
    "tanh rule",
    "relu rule",
    "sine rule",
    "cosine rule",
    "absolute value rule",
)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SIMPLIFY_POWER = 12
"""A sum raised to a whole power above this is not simplified (it would be multiplied out)."""
_SIMPLIFY_OPS = 60


@dataclass
class DiffStep:
    """One rule applied: d/dx ``expression`` = middle form(s) = ``result``.

    ``expression`` and ``result`` are in Python/sympy syntax (sympy parses them); ``latex`` is
    the whole line in LaTeX; ``text_forms`` and ``latex_forms`` are the forms after ``d/dx(...)
    =``, the rule's middle form(s) first and the result last, as a student writes them.
    """

    rule: str
    expression: str
    result: str = ""
    latex: str = ""
    detail: str = ""
    note: str = ""
    text: str = ""
    text_forms: list[str] = field(default_factory=list)
    latex_forms: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "expression": self.expression,
            "result": self.result,
            "latex": self.latex,
        }
        if self.note:
            out["note"] = self.note
        out["text"] = self.text
        return out


@dataclass
class Derivative:
    """The steps of one differentiation, and its simplified result."""

    expression: str
    variable: str
    steps: list[DiffStep] = field(default_factory=list)
    result: str = ""
    latex: str = ""
    expression_latex: str = ""
    expression_text: str = ""
    result_text: str = ""

    def _repr_markdown_(self) -> str:
        return shown(self, "markdown")

    def __str__(self) -> str:
        return shown(self, "text")

    def to_json(self) -> dict[str, Any]:
        """The ``chainrule diff --format json`` object."""
        return {
            "expression": self.expression,
            "variable": self.variable,
            "steps": [s.to_json() for s in self.steps],
            "result": self.result,
            "result_latex": self.latex,
            "result_text": self.result_text,
        }


def _sympy() -> Any:
    return expression_module.sympy()


def parse(expression: str) -> Any:
    """Parse ``expression`` (Python syntax, ``^`` for powers) into a sympy expression.

    The text is read by :func:`chainrule.explain.expression.read` (Python's ``ast`` against a
    whitelist, with bounds on length, depth and exponents) and the sympy expression is built
    from that tree: no text is ever evaluated. Names other than the functions are variables
    (``e`` and ``pi`` are the constants). Raises UsageError with one line for anything else.
    """
    sp = _sympy()
    parsed = expression_module.to_sympy(expression_module.read(expression))
    if parsed.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        quoted = expression_module._shown(expression)
        raise UsageError(f"cannot read {quoted}: it is undefined (a division by zero?)")
    return parsed


# ---------------------------------------------------------------------------------------------
# The step engine


def _has(n: Any, x: str) -> bool:
    if isinstance(n, Var):
        return n.name == x
    return any(_has(c, x) for c in f._children(n))


def _variables(n: Any) -> set[str]:
    if isinstance(n, Var):
        return set() if n.name in f.CONSTANTS else {n.name}
    out: set[str] = set()
    for c in f._children(n):
        out |= _variables(c)
    return out


def _terms(n: Node) -> list[tuple[int, Node]]:
    """A sum as written, flattened: ``a - b + c`` is ``[(1, a), (-1, b), (1, c)]``."""
    if isinstance(n, Bin) and n.op in "+-":
        return [*_terms(n.left), (1 if n.op == "+" else -1, n.right)]
    return [(1, n)]


def _factors(n: Node) -> list[Node]:
    """A product as written, flattened (``a*b*c``); a bracketed product stays one factor."""
    if isinstance(n, Bin) and n.op == "*":
        return [*_factors(n.left), n.right]
    return [n]


def _product(factors: list[Any]) -> Any:
    out = factors[0]
    for factor in factors[1:]:
        out = Bin("*", out, factor)
    return out


def _sum(terms: list[tuple[int, Any]]) -> Any:
    sign, first = terms[0]
    out: Any = Neg(first) if sign < 0 else first
    for sign, term in terms[1:]:
        out = Bin("+" if sign > 0 else "-", out, term)
    return out


_OUTER: dict[str, tuple[str, str]] = {
    # function: (rule, how the rule reads, for the chain rule's note)
    "exp": ("exponential rule", "exp(u) -> exp(u)"),
    "log": ("logarithm rule", "log(u) -> 1/u"),
    "sqrt": ("power rule", "sqrt(u) = u^(1/2) -> (1/2)·u^(-1/2) = 1/(2·sqrt(u))"),
    "sigmoid": ("sigmoid rule", "sigmoid(u) -> sigmoid(u)·(1 - sigmoid(u))"),
    "tanh": ("tanh rule", "tanh(u) -> 1 - tanh(u)^2"),
    "relu": ("relu rule", "relu(u) = max(0, u) -> (1 if u > 0, else 0)"),
    "sin": ("sine rule", "sin(u) -> cos(u)"),
    "cos": ("cosine rule", "cos(u) -> -sin(u)"),
    "abs": ("absolute value rule", "abs(u) -> (1 if u > 0, -1 if u < 0)"),
}


class _Walker:
    def __init__(self, x: str) -> None:
        self.x = x
        self.steps: list[DiffStep] = []

    def D(self, n: Any) -> f.D:  # noqa: N802 - d/dx, as written
        return f.D(n, self.x)

    def open(self, rule: str, piece: Any, note: str = "") -> DiffStep:
        step = DiffStep(rule, f.code(piece), note=note)
        self.steps.append(step)
        return step

    def close(self, step: DiffStep, piece: Any, middle: list[Any], result: Any) -> Any:
        result = f.tidy(result)
        forms = [m for m in middle if f.text(m) != f.text(result)] + [result]
        step.result = f.code(result)
        step.text_forms = [f.text(m) for m in forms]
        step.latex_forms = [f.latex(m) for m in forms]
        step.detail = " = ".join(step.text_forms[:-1])
        lhs_text, lhs_latex = f"d/d{self.x}({f.text(piece)})", f.latex(self.D(piece))
        step.text = " = ".join([lhs_text, *step.text_forms])
        step.latex = " = ".join([lhs_latex, *step.latex_forms])
        return result

    # -- the rules, outside in ----------------------------------------------------------------
    def d(self, n: Any) -> Any:
        x = self.x
        if not _has(n, x):
            step = self.open("constant rule", n)
            return self.close(step, n, [], Num("0"))
        if isinstance(n, Var):  # x itself: x = x^1
            step = self.open("power rule", n)
            one = Num("1")
            return self.close(
                step,
                n,
                [Bin("*", one, Pow(n, Bin("-", one, one))), Bin("*", one, Pow(n, Num("0")))],
                one,
            )
        if isinstance(n, Bin) and n.op in "+-":
            return self.sum(n)
        if isinstance(n, Neg):
            step = self.open("constant multiple rule", n)
            inner = self.d(n.arg)
            return self.close(step, n, [Neg(self.D(n.arg))], Neg(inner))
        if isinstance(n, Bin) and n.op == "*":
            return self.product(n)
        if isinstance(n, Bin):
            return self.quotient(n)
        if isinstance(n, Pow):
            return self.power(n)
        assert isinstance(n, Call)
        return self.function(n)

    def sum(self, n: Bin) -> Any:
        terms = _terms(n)
        step = self.open("sum rule", n)
        middle = _sum([(s, self.D(t)) for s, t in terms])
        derivatives = [(s, self.d(t)) for s, t in terms]
        return self.close(step, n, [middle], f.add(*derivatives))

    def product(self, n: Bin) -> Any:
        x = self.x
        factors = _factors(n)
        const = [g for g in factors if not _has(g, x)]
        varying = [g for g in factors if _has(g, x)]
        if const:
            c, rest = _product(const), _product(varying)
            step = self.open("constant multiple rule", n)
            inner = self.d(rest)
            return self.close(step, n, [Bin("*", c, self.D(rest))], f.mul(c, inner))
        first, rest = varying[0], _product(varying[1:])
        step = self.open("product rule", n)
        middle = Bin("+", Bin("*", self.D(first), rest), Bin("*", first, self.D(rest)))
        d_first = self.d(first)
        d_rest = self.d(rest)
        return self.close(
            step, n, [middle], f.add((1, f.mul(d_first, rest)), (1, f.mul(first, d_rest)))
        )

    def quotient(self, n: Bin) -> Any:
        top, bottom = n.left, n.right
        if not _has(bottom, self.x):
            if f.is_zero(bottom):
                raise UsageError(f"{f.text(n)} divides by zero: it is undefined")
            step = self.open("constant multiple rule", n)
            inner = self.d(top)
            return self.close(step, n, [Bin("/", self.D(top), bottom)], f.div(inner, bottom))
        if not _has(top, self.x):
            return self.reciprocal(n)
        step = self.open("quotient rule", n)
        middle = Bin(
            "/",
            Bin("-", Bin("*", self.D(top), bottom), Bin("*", top, self.D(bottom))),
            Pow(bottom, Num("2")),
        )
        d_top = self.d(top)
        d_bottom = self.d(bottom)
        result = f.div(
            f.add((1, f.mul(d_top, bottom)), (-1, f.mul(top, d_bottom))), f.power(bottom, Num("2"))
        )
        return self.close(step, n, [middle], result)

    def reciprocal(self, n: Bin) -> Any:
        """c/u as the handout works it: 1/u = u^(-1) (1/x^2 = x^(-2)), then the power rule; it
        never teaches the quotient rule."""
        top, bottom = n.left, n.right
        if isinstance(bottom, Pow) and isinstance(bottom.exp, Num):
            power, identity = Pow(bottom.base, Neg(bottom.exp)), "1/u^n = u^(-n)"
        else:
            power, identity = Pow(bottom, Neg(Num("1"))), "1/u = u^(-1)"
        rewritten = power if f.text(top) == "1" else Bin("*", top, power)
        note = f"{f.text(n)} = {f.text(rewritten)}, as {identity}"
        step = self.open("power rule", n, note)
        if rewritten is power and isinstance(power.base, Var):
            # one line: d/dx(1/x) = d/dx(x^(-1)) = -1·x^(-1 - 1) = -x^(-2)
            e, base = power.exp, power.base
            literal = Bin("*", e, Pow(base, Bin("-", e, Num("1"))))
            worked = f.mul(e, f.power(base, f.add((1, e), (-1, Num("1")))))
            return self.close(step, n, [self.D(rewritten), literal], worked)
        return self.close(step, n, [self.D(rewritten)], self.d(rewritten))

    def power(self, n: Pow) -> Any:
        x = self.x
        base, exponent = n.base, n.exp
        if not _has(exponent, x):
            # the power rule: u^n -> n·u^(n-1), the exponent worked out after
            literal = Bin("*", exponent, Pow(base, Bin("-", exponent, Num("1"))))
            worked = f.mul(exponent, f.power(base, f.add((1, exponent), (-1, Num("1")))))
            if isinstance(base, Var):
                step = self.open("power rule", n)
                return self.close(step, n, [literal], worked)
            u = Var("u")
            how = (
                f"{f.text(Pow(u, exponent))} -> "
                f"{f.text(Bin('*', exponent, Pow(u, Bin('-', exponent, Num('1')))))}"
                f" = {f.text(f.mul(exponent, f.power(u, f.add((1, exponent), (-1, Num('1'))))))}"
            )
            return self.chain(n, base, worked, "power rule", how)
        if not _has(base, x):
            # c^u -> c^u·ln(c), and e^u -> e^u
            if isinstance(base, Var) and base.name == "e":
                outer: Any = n
                how = "e^u -> e^u"
            else:
                outer = Bin("*", n, Call("ln", base))
                how = "c^u -> c^u·ln(c)"
            if exponent == Var(x):
                step = self.open("exponential rule", n, how)
                return self.close(step, n, [], outer)
            return self.chain(n, exponent, outer, "exponential rule", how)
        # f^g = exp(g·ln(f)): the exponential rule, then the chain rule
        rewritten = Bin("*", exponent, Call("ln", base))
        step = self.open(
            "chain rule",
            n,
            f"{f.text(n)} = exp({f.text(rewritten)}); outer function by the exponential rule: "
            f"exp(u) -> exp(u), with u = {f.text(rewritten)}",
        )
        inner = self.d(rewritten)
        return self.close(step, n, [Bin("*", n, self.D(rewritten))], f.mul(n, inner))

    def function(self, n: Call) -> Any:
        u = n.arg
        kind = n.function
        rule, how = _OUTER[kind]
        if n.name == "ln":
            how = how.replace("log", "ln")
        if n.name == "max":
            how = "max(0, u) -> (1 if u > 0, else 0)"
        outer = self.outer(n)
        if u == Var(self.x):
            step = self.open(rule, n, how)
            return self.close(step, n, [], outer)
        return self.chain(n, u, outer, rule, how)

    def outer(self, n: Call) -> Any:
        """f'(u) for the function f of ``n`` and its argument u."""
        u, kind = n.arg, n.function
        if kind == "exp":
            return n
        if kind == "log":
            return Bin("/", Num("1"), u)
        if kind == "sqrt":
            return Bin("/", Num("1"), Bin("*", Num("2"), n))
        if kind == "sigmoid":
            return Bin("*", n, Bin("-", Num("1"), n))
        if kind == "tanh":
            return Bin("-", Num("1"), Pow(n, Num("2")))
        if kind == "relu":
            return f.Cases(((Num("1"), (u, ">")), (Num("0"), None)))
        if kind == "sin":
            return Call("cos", u)
        if kind == "cos":
            return Neg(Call("sin", u))
        return f.Cases(((Num("1"), (u, ">")), (Neg(Num("1")), (u, "<"))))

    def chain(self, n: Any, inner: Any, outer: Any, outer_rule: str, how: str) -> Any:
        note = f"outer function by the {outer_rule}: {how}, with u = {f.text(inner)}"
        step = self.open("chain rule", n, note)
        d_inner = self.d(inner)
        return self.close(step, n, [Bin("*", outer, self.D(inner))], f.mul(outer, d_inner))


def differentiate(expression: str, wrt: str | None = None) -> Derivative:
    """Differentiate ``expression`` with respect to ``wrt``, recording every rule applied.

    The expression is read under bounds (:mod:`chainrule.explain.expression`) and the symbolic
    work runs under a time and memory budget (:mod:`chainrule.explain.budget`).

    Parameters
    ----------
    expression : e.g. ``"(a*w - y)^2"``; ``^`` or ``**`` for powers; the functions exp, log
        (natural; ln too), sqrt, sigmoid, tanh, relu (or max(0, u)), sin, cos and abs.
    wrt : the variable; may be left out when the expression has exactly one.

    Returns
    -------
    Derivative
        ``.steps`` (each a rule, the piece differentiated and its derivative) and ``.result``,
        a string sympy can parse.

    Raises
    ------
    UsageError
        for an expression that cannot be read, or a variable that is missing or ambiguous,
        or work over the budget.
    """
    from chainrule.explain.budget import bounded

    expression_module.read(expression)  # refused here, before any worker, when it can be
    _sympy()  # imported once, here, not in every worker
    quoted = expression_module._shown(expression)
    return bounded(_differentiate, expression, wrt, what=f"differentiating {quoted}")


def _big_powers_of_sums(e: Any) -> bool:
    """Whether ``e`` holds a sum to a large whole power (``(x + y)^999``), which sympy's
    simplify would multiply out (for minutes)."""
    sp = _sympy()
    return any(p.base.is_Add and p.exp.is_Integer and abs(p.exp) > _SIMPLIFY_POWER
               for p in e.atoms(sp.Pow))


def _differentiate(expression: str, wrt: str | None = None) -> Derivative:
    sp = _sympy()
    tree = expression_module.read(expression)
    quoted = expression_module._shown(expression)
    original = expression_module.to_sympy(tree)
    if original.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise UsageError(f"cannot read {quoted}: it is undefined (a division by zero?)")
    variables = sorted(_variables(tree))
    if wrt is None:
        if not variables:
            raise UsageError(f"{quoted} has no variable to differentiate with respect to")
        if len(variables) > 1:
            raise UsageError(
                f"{quoted} has several variables ({', '.join(variables)}); choose one with `wrt`"
            )
        wrt = variables[0]
    if not isinstance(wrt, str) or not _NAME.fullmatch(wrt) or len(wrt) > 100:
        raise UsageError(f"`wrt` {str(wrt)[:40]!r} is not a variable name")
    if wrt in FUNCTIONS or wrt in f.CONSTANTS or wrt == "max":
        raise UsageError(f"`wrt` {wrt!r} is not a variable name (it is a function or constant)")
    walker = _Walker(wrt)
    raw = walker.d(tree)
    result = f.to_sympy(raw)
    if sp.count_ops(result) <= _SIMPLIFY_OPS and not _big_powers_of_sums(result):
        simpler = sp.simplify(result)
        kinds = {type(g) for g in result.atoms(sp.Function)}
        same_functions = {type(g) for g in simpler.atoms(sp.Function)} <= kinds
        if same_functions and sp.count_ops(simpler) < sp.count_ops(result):
            result = simpler
    if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise UsageError(f"cannot differentiate {quoted}: its derivative is undefined")
    names = {g.name for g in f._walk(tree) if isinstance(g, Call)}
    shown_result = f.from_sympy(
        result,
        "ln" if "ln" in names and "log" not in names else "log",
        "max" if "max" in names and "relu" not in names else "relu",
    )
    return Derivative(
        expression=f.code(tree),
        variable=wrt,
        steps=walker.steps,
        result=str(sp.sstr(result)),
        latex=f.latex(shown_result),
        expression_latex=f.latex(tree),
        expression_text=f.text(tree),
        result_text=f.text(shown_result),
    )


def document(d: Derivative) -> Any:
    """The steps as a :class:`~chainrule.explain.document.Document`, for the text, Markdown and
    LaTeX views."""
    from chainrule.explain.document import Document, Equation, Math, Paragraph, Section

    x = d.variable
    blocks: list[Any] = []
    for i, step in enumerate(d.steps, start=1):
        lhs_text, lhs_latex = step.text.split(" = ", 1)[0], step.latex.split(" = ", 1)[0]
        forms = tuple(
            Math(t, tex) for t, tex in zip(step.text_forms, step.latex_forms, strict=True)
        )
        note = (step.rule + (f"; {step.note}" if step.note else ""),)
        blocks.append(Equation(Math(lhs_text, lhs_latex), forms, note, str(i)))
    x_tex = f.latex(Var(x))
    result = Equation(
        Math(
            f"d/d{x}({d.expression_text})",
            rf"\frac{{d}}{{d{x_tex}}}\left({d.expression_latex}\right)",
        ),
        (Math(d.result_text, d.latex),),
        ("simplified",),
    )
    intro = Paragraph((f"Each rule in the order it is applied, outside in, with respect to {x}.",))
    return Document(
        f"d/d{x} of {d.expression_text}",
        (Section("Steps", (intro, *blocks), 2), Section("Result", (result,), 2)),
    )
