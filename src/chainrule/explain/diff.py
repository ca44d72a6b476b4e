"""Step-by-step differentiation, named as the handout names the rules.

sympy parses the expression; the steps are chainrule's own. :func:`differentiate` walks the
expression tree from the outside in and records every rule it applies (``chain rule``,
``power rule``, ``sum rule``, ...), in the order a student would apply them, each with the
piece it differentiates and that piece's derivative. The last result is simplified. Tests
check every result against ``sympy.diff``.

>>> d = differentiate("(a*w - y)^2", "w")
>>> d.result
'2*a*(a*w - y)'
>>> [s.rule for s in d.steps]
['chain rule', 'sum rule', 'constant multiple rule', 'power rule', 'constant rule']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chainrule.core.display import shown
from chainrule.core.errors import UsageError
from chainrule.explain import expression as expression_module
from chainrule.explain.expression import FUNCTIONS, functions

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
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIMPLIFY_OPS = 60


@dataclass
class DiffStep:
    """One rule applied: d/dx ``expression`` = ``detail`` = ``result``."""

    rule: str
    expression: str
    result: str = ""
    latex: str = ""
    detail: str = ""
    note: str = ""

    def to_json(self) -> dict[str, str]:
        out = {
            "rule": self.rule,
            "expression": self.expression,
            "result": self.result,
            "latex": self.latex,
        }
        if self.note:
            out["note"] = self.note
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
        }


# ---------------------------------------------------------------------------------------------
# Reading: chainrule.explain.expression parses with ast against a whitelist; no text reaches sympy


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
    tree = expression_module.read(expression)
    parsed = expression_module.to_sympy(tree)
    if parsed.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        shown = expression_module._shown(expression)
        raise UsageError(f"cannot read {shown}: it is undefined (a division by zero?)")
    return parsed


# ---------------------------------------------------------------------------------------------
# The step engine


class _Walker:
    def __init__(self, x: Any) -> None:
        self.sp = _sympy()
        self.x = x
        self.steps: list[DiffStep] = []
        custom = functions()
        self.sigmoid, self.relu = custom["sigmoid"], custom["relu"]

    # printing
    def s(self, e: Any) -> str:
        return str(self.sp.sstr(e))

    def tex(self, e: Any) -> str:
        return str(self.sp.latex(e))

    def d_tex(self, e: Any) -> str:
        return rf"\frac{{d}}{{d{self.tex(self.x)}}}\left({self.tex(e)}\right)"

    def d_txt(self, e: Any) -> str:
        return f"d/d{self.x}({self.s(e)})"

    def open(self, rule: str, e: Any, detail_tex: str, detail: str, note: str = "") -> DiffStep:
        step = DiffStep(rule, self.s(e), detail=detail, note=note)
        step.latex = detail_tex
        self.steps.append(step)
        return step

    def close(self, step: DiffStep, e: Any, result: Any) -> Any:
        shown = self.sp.factor_terms(result)
        step.result = self.s(shown)
        middle = step.latex
        step.latex = f"{self.d_tex(e)} = "
        if middle and middle != self.tex(shown):
            step.latex += f"{middle} = "
        else:
            step.detail = ""
        step.latex += self.tex(shown)
        return result

    def paren_tex(self, e: Any) -> str:
        return rf"\left({self.tex(e)}\right)" if isinstance(e, self.sp.Add) else self.tex(e)

    def paren(self, e: Any) -> str:
        return f"({self.s(e)})" if isinstance(e, self.sp.Add) else self.s(e)

    # the rules
    def d(self, e: Any) -> Any:
        sp, x = self.sp, self.x
        if not e.has(x):
            step = self.open("constant rule", e, "", "")
            return self.close(step, e, sp.Integer(0))
        if e == x:
            step = self.open("power rule", e, rf"1 \cdot {self.tex(x)}^{{0}}", f"1*{x}**0")
            return self.close(step, e, sp.Integer(1))
        if isinstance(e, sp.Add):
            terms = e.as_ordered_terms()
            step = self.open(
                "sum rule",
                e,
                " + ".join(self.d_tex(t) for t in terms),
                " + ".join(self.d_txt(t) for t in terms),
            )
            return self.close(step, e, sp.Add(*(self.d(t) for t in terms)))
        if isinstance(e, sp.Mul):
            return self.mul(e)
        if isinstance(e, sp.Pow):
            return self.pow(e)
        return self.function(e)

    def mul(self, e: Any) -> Any:
        sp, x = self.sp, self.x
        const = [f for f in e.args if not f.has(x)]
        varying = [f for f in e.args if f.has(x)]
        if const:
            c, rest = sp.Mul(*const), sp.Mul(*varying)
            step = self.open(
                "constant multiple rule",
                e,
                rf"{self.tex(c)} \cdot {self.d_tex(rest)}",
                f"{self.s(c)} * {self.d_txt(rest)}",
            )
            return self.close(step, e, c * self.d(rest))
        below = [f for f in varying if isinstance(f, sp.Pow) and f.exp.is_negative]
        if below and len(below) < len(varying):
            top = sp.Mul(*(f for f in varying if f not in below))
            bottom = sp.Mul(*(1 / f for f in below))
            tt, bt = self.tex(top), self.tex(bottom)
            step = self.open(
                "quotient rule",
                e,
                rf"\frac{{{self.d_tex(top)} \cdot {bt} - {tt} \cdot {self.d_tex(bottom)}}}"
                rf"{{\left({bt}\right)^{{2}}}}",
                f"({self.d_txt(top)} * {self.s(bottom)} - {self.s(top)} * {self.d_txt(bottom)})"
                f" / ({self.s(bottom)})**2",
            )
            d_top = self.d(top)
            d_bottom = self.d(bottom)
            return self.close(step, e, (d_top * bottom - top * d_bottom) / bottom**2)
        first, rest = varying[0], sp.Mul(*varying[1:])
        step = self.open(
            "product rule",
            e,
            rf"{self.d_tex(first)} \cdot {self.tex(rest)} + {self.tex(first)} \cdot "
            rf"{self.d_tex(rest)}",
            f"{self.d_txt(first)} * {self.s(rest)} + {self.s(first)} * {self.d_txt(rest)}",
        )
        d_first = self.d(first)
        d_rest = self.d(rest)
        return self.close(step, e, d_first * rest + first * d_rest)

    def pow(self, e: Any) -> Any:
        sp, x = self.sp, self.x
        base, n = e.base, e.exp
        if n.has(x):
            # f^g = exp(g ln f), and c^g = exp(g ln c)
            rewritten = sp.exp(n * sp.log(base), evaluate=False)
            return self.function(rewritten, shown=e).subs(rewritten, e)
        outer = sp.Mul(n, base ** (n - 1), evaluate=False)
        if base == x:
            step = self.open(
                "power rule", e, self.tex(sp.Mul(n, x ** (n - 1), evaluate=False)), self.s(outer)
            )
            return self.close(step, e, outer)
        return self.chain(
            e, base, outer, "power rule", f"u^{self.s(n)} -> {self.s(n)}*u^{self.s(n - 1)}"
        )

    def function(self, e: Any, shown: Any = None) -> Any:
        sp = self.sp
        shown = e if shown is None else shown
        u = e.args[0]
        if isinstance(e, sp.exp):
            rule, outer, how = "exponential rule", e, "exp(u) -> exp(u)"
        elif isinstance(e, sp.log):
            rule, outer, how = "logarithm rule", 1 / u, "log(u) -> 1/u"
        elif isinstance(e, sp.sin):
            rule, outer, how = "sine rule", sp.cos(u), "sin(u) -> cos(u)"
        elif isinstance(e, sp.cos):
            rule, outer, how = "cosine rule", -sp.sin(u), "cos(u) -> -sin(u)"
        elif isinstance(e, sp.Abs):
            rule, outer, how = "absolute value rule", sp.sign(u), "abs(u) -> sign(u) (u != 0)"
        elif isinstance(e, sp.tanh):
            rule, outer, how = "tanh rule", 1 - sp.tanh(u) ** 2, "tanh(u) -> 1 - tanh(u)^2"
        elif isinstance(e, self.sigmoid):
            s = self.sigmoid(u)
            rule, outer, how = (
                "sigmoid rule",
                s * (1 - s),
                "sigmoid(u) -> sigmoid(u)*(1 - sigmoid(u))",
            )
        elif isinstance(e, self.relu):
            rule = "relu rule"
            outer = sp.Piecewise((1, u > 0), (0, True))
            how = "relu(u) = max(0, u) -> 1 if u > 0, else 0"
        else:
            raise UsageError(f"no rule for {self.s(e)}; the functions are {', '.join(FUNCTIONS)}")
        if u == self.x:
            step = self.open(rule, shown, self.tex(outer), self.s(outer), how)
            return self.close(step, shown, outer)
        return self.chain(shown, u, outer, rule, how)

    def chain(self, e: Any, inner: Any, outer: Any, outer_rule: str, how: str) -> Any:
        step = self.open(
            "chain rule",
            e,
            rf"{self.paren_tex(outer)} \cdot {self.d_tex(inner)}",
            f"{self.paren(outer)} * {self.d_txt(inner)}",
            f"outer function by the {outer_rule}: {how}, with u = {self.s(inner)}",
        )
        return self.close(step, e, outer * self.d(inner))


def differentiate(expression: str, wrt: str | None = None) -> Derivative:
    """Differentiate ``expression`` with respect to ``wrt``, recording every rule applied.

    Parameters
    ----------
    expression : e.g. ``"(a*w - y)^2"``; ``^`` or ``**`` for powers; the functions exp, log
        (natural), sigmoid, tanh, relu (and sqrt).
    wrt : the variable; may be left out when the expression has exactly one.

    Returns
    -------
    Derivative
        ``.steps`` (each a rule, the piece differentiated and its derivative) and ``.result``,
        a string sympy can parse.

    Raises
    ------
    UsageError
        for an expression that cannot be read, or a variable that is missing or ambiguous.
    """
    sp = _sympy()
    expr = parse(expression)
    variables = sorted(str(s) for s in expr.free_symbols)
    if wrt is None:
        if not variables:
            raise UsageError(f"{expression!r} has no variable to differentiate with respect to")
        if len(variables) > 1:
            raise UsageError(
                f"{expression!r} has several variables ({', '.join(variables)}); "
                "choose one with `wrt`"
            )
        wrt = variables[0]
    if not _NAME.fullmatch(wrt) or wrt in FUNCTIONS or wrt in ("e", "pi"):
        raise UsageError(f"`wrt` {wrt!r} is not a variable name")
    x = sp.Symbol(wrt, real=True)
    walker = _Walker(x)
    raw = walker.d(expr)
    result = raw
    if sp.count_ops(raw) <= _SIMPLIFY_OPS:
        simpler = sp.simplify(raw)
        kinds = {type(f) for f in raw.atoms(sp.Function)}
        same_functions = {type(f) for f in simpler.atoms(sp.Function)} <= kinds
        if same_functions and sp.count_ops(simpler) < sp.count_ops(raw):
            result = simpler
    if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise UsageError(
            f"cannot differentiate {expression_module._shown(expression)}: "
            "its derivative is undefined"
        )
    return Derivative(
        expression=walker.s(expr),
        variable=wrt,
        steps=walker.steps,
        result=walker.s(result),
        latex=walker.tex(result),
        expression_latex=walker.tex(expr),
    )


def document(d: Derivative) -> Any:
    """The steps as a :class:`~chainrule.document.Document`, for the text/Markdown/LaTeX views."""
    from chainrule.explain.document import Document, Equation, Math, Paragraph, Section

    x = d.variable
    blocks: list[Any] = []
    for i, step in enumerate(d.steps, start=1):
        lhs_tex, _, rest = step.latex.partition(" = ")
        forms_tex = rest.split(" = ") if rest else []
        lhs = Math(f"d/d{x} ({_caret(step.expression)})", lhs_tex)
        texts = [_caret(step.detail)] if step.detail and len(forms_tex) > 1 else []
        texts.append(_caret(step.result))
        # one text per LaTeX form; the LaTeX split is safe because rules never print " = "
        if len(texts) != len(forms_tex):
            forms_tex = forms_tex[-len(texts) :] if len(forms_tex) > len(texts) else forms_tex
            texts = texts[-len(forms_tex) :]
        forms = tuple(Math(t, f) for t, f in zip(texts, forms_tex, strict=True))
        note = (step.rule + (f"; {step.note}" if step.note else ""),)
        blocks.append(Equation(lhs, forms, note, str(i)))
    result = Equation(
        Math(
            f"d/d{x} ({_caret(d.expression)})",
            rf"\frac{{d}}{{d{x}}}\left({d.expression_latex}\right)",
        ),
        (Math(_caret(d.result), d.latex),),
        ("simplified",),
    )
    intro = Paragraph((f"Each rule in the order it is applied, outside in, with respect to {x}.",))
    return Document(
        f"d/d{x} of {_caret(d.expression)}",
        (Section("Steps", (intro, *blocks), 2), Section("Result", (result,), 2)),
    )


def _caret(text: str) -> str:
    return text.replace("**", "^")
