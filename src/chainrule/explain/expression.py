"""Reading a ``chainrule diff`` expression safely, into a small tree of its own.

The text is checked against bounds (length, bracket depth), parsed by Python's :mod:`ast`
module, and every node is checked against a whitelist: numbers, names, ``+ - * /``, ``^`` and
``**``, unary minus and plus, and calls of the known functions by name. Nothing else (attribute
access, subscripts, calls of anything but a known name, keywords, strings, comparisons, ...)
gets through. The tree is chainrule's own (:class:`Num`, :class:`Var`, :class:`Neg`,
:class:`Bin`, :class:`Pow`, :class:`Call`); sympy objects are built from it by
:func:`to_sympy`, so no user text ever reaches ``eval``, ``sympify`` or ``parse_expr``. Bounds on
exponents keep ``9**9**9*x`` from running for minutes.

>>> read("(a*w - y)^2")
Pow(base=Bin(op='-', left=Bin(op='*', left=Var(name='a'), right=Var(name='w')), \
right=Var(name='y')), exp=Num(text='2'))
>>> read("(x.subs)(x, 1)")
Traceback (most recent call last):
...
chainrule.core.errors.UsageError: cannot read '(x.subs)(x, 1)': '.subs' (attribute access) \
is not allowed; use numbers, variables, + - * / ^ ( ) and the functions exp, log, ln, sqrt, \
sigmoid, tanh, relu, max(0, u), sin, cos, abs
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from chainrule.core.errors import UsageError

MAX_LENGTH = 500
"""Characters in an expression (a handout's longest is about 60)."""
MAX_DEPTH = 20
"""Brackets (and function calls) nested inside one another."""
MAX_NUMBER_DIGITS = 30
"""Digits in one number as written."""
MAX_EXPONENT = 1000
"""The largest numeric exponent, in absolute value (x^1000 is allowed, x^1001 is not)."""
MAX_CONSTANT_DIGITS = 50
"""Digits of a power of numbers (``2^150`` has 46 digits), so nothing huge is ever computed."""
MAX_TOWER = 3
"""Powers nested in exponents (``e^e^e`` is 3; ``exp(u)`` counts as a power)."""
MAX_CHAIN = 120
"""Operations nested in one another (a sum of 121 terms is 120 ``+`` in a row)."""
MAX_MAGNITUDE = 100
"""Numbers are written between 10^-100 and 10^100 (or are 0)."""
_SCIENTIFIC = re.compile(r"(?<![A-Za-z_\d.])(\d+\.?\d*|\.\d+)[eE]([+-]?\d+)")

FUNCTIONS = ("exp", "log", "ln", "sqrt", "sigmoid", "tanh", "relu", "sin", "cos", "abs")
"""Functions of one argument an expression may use (``ln`` is ``log``, the natural logarithm).

``max(0, u)`` is accepted too: it is ``relu(u)``, as ``chainrule solve`` prints ReLU."""
CONSTANTS = ("e", "pi")
_CANONICAL = {"ln": "log"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_CHARACTERS = re.compile(r"[A-Za-z0-9_\s+\-*/^().,]*\Z")
_HELP = (
    "use numbers, variables, + - * / ^ ( ) and the functions "
    "exp, log, ln, sqrt, sigmoid, tanh, relu, max(0, u), sin, cos, abs"
)


# ---------------------------------------------------------------------------------------------
# The tree


@dataclass(frozen=True)
class Num:
    """A number as written: ``2``, ``0.5``, ``1e-3``."""

    text: str

    @property
    def value(self) -> Fraction:
        return Fraction(self.text)


@dataclass(frozen=True)
class Var:
    """A variable (``w_jk``) or a constant (``e``, ``pi``)."""

    name: str


@dataclass(frozen=True)
class Neg:
    """``-arg``."""

    arg: Any  # a Node (a derivative's tree may hold formula.D and formula.Cases)


@dataclass(frozen=True)
class Bin:
    """``left op right`` with ``op`` one of ``+ - * /``."""

    op: str
    left: Any  # a Node (a derivative's tree may hold formula.D and formula.Cases)
    right: Any  # a Node (a derivative's tree may hold formula.D and formula.Cases)


@dataclass(frozen=True)
class Pow:
    """``base^exp``."""

    base: Any  # a Node (a derivative's tree may hold formula.D and formula.Cases)
    exp: Any  # a Node (a derivative's tree may hold formula.D and formula.Cases)


@dataclass(frozen=True)
class Call:
    """``name(arg)``: ``name`` as written (``ln``, ``max``); :attr:`function` is what it is."""

    name: str
    arg: Any  # a Node (a derivative's tree may hold formula.D and formula.Cases)

    @property
    def function(self) -> str:
        if self.name == "max":
            return "relu"
        return _CANONICAL.get(self.name, self.name)


Node = Num | Var | Neg | Bin | Pow | Call


# ---------------------------------------------------------------------------------------------
# Reading


def read(expression: str) -> Node:
    """The tree of ``expression``, or UsageError with one line saying what is wrong.

    Bounds are checked before any parsing: at most :data:`MAX_LENGTH` characters and
    :data:`MAX_DEPTH` nested brackets; then numbers of at most :data:`MAX_NUMBER_DIGITS` digits,
    numeric exponents of at most :data:`MAX_EXPONENT`.
    """
    if not isinstance(expression, str):
        raise UsageError(f"the expression must be a string, not {type(expression).__name__}")
    text = expression.strip()
    shown = _shown(expression)
    if not text:
        raise UsageError('the expression is empty; write e.g. "(a*w - y)^2"')
    if len(text) > MAX_LENGTH:
        raise UsageError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH} "
            "(split it, or differentiate the pieces one at a time)"
        )
    if not _CHARACTERS.match(text):
        bad = next(c for c in text if not _CHARACTERS.match(c))
        raise UsageError(f"cannot read {shown}: {bad!r} is not allowed; {_HELP}")
    depth = deepest = 0
    for c in text:
        depth += (c == "(") - (c == ")")
        deepest = max(deepest, depth)
        if depth < 0:
            raise UsageError(f"cannot read {shown}: a ')' closes no '('")
    if depth > 0:
        raise UsageError(f"cannot read {shown}: {depth} '(' not closed")
    if deepest > MAX_DEPTH:
        raise UsageError(
            f"cannot read {shown}: brackets nested {deepest} deep; the limit is {MAX_DEPTH}"
        )
    for m in _SCIENTIFIC.finditer(text):
        mantissa, exponent = m.group(1), m.group(2)
        if any(c in "123456789" for c in mantissa) and (
            len(exponent.lstrip("+-")) > 4 or abs(int(exponent)) > MAX_MAGNITUDE
        ):
            raise UsageError(f"cannot read {shown}: the number {_shown(m.group(0))[1:-1]} is "
                             f"too {'small' if exponent.startswith('-') else 'large'}; write "
                             f"numbers from 10^-{MAX_MAGNITUDE} to 10^{MAX_MAGNITUDE}")
    # '^' is the power, as in the handout; there are no strings in which it could stand
    source = text.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        if re.search(r"(\d|\))\s*[A-Za-z(]", text):
            reason = "write products with * (2*x, not 2x)"
        else:
            reason = "check the operators and brackets"
        raise UsageError(f"cannot read {shown}: not a valid expression; {reason}") from None
    if _depth(tree.body) > MAX_CHAIN:
        raise UsageError(f"cannot read {shown}: more than {MAX_CHAIN} operations in a row; "
                         "split it into pieces")
    node = _Reader(shown).node(tree.body, 0)
    height = _tower(node)
    if height > MAX_TOWER:
        raise UsageError(f"cannot read {shown}: powers nested {height} deep (a^b^c^...); the "
                         f"limit is {MAX_TOWER}")
    return node


def _depth(tree: ast.expr) -> int:
    """The depth of an ``ast`` tree, walked with a stack (no recursion)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in ast.iter_child_nodes(n))
    return deepest


def _tower(node: Node) -> int:
    """How many powers are nested in exponents: ``x^2`` 1, ``e^e^x`` 2, ``exp(x^y)`` 2."""
    if isinstance(node, Pow):
        return max(_tower(node.base), 1 + _tower(node.exp))
    if isinstance(node, Call):
        return (node.function == "exp") + _tower(node.arg)
    if isinstance(node, Neg):
        return _tower(node.arg)
    if isinstance(node, Bin):
        return max(_tower(node.left), _tower(node.right))
    return 0


def _shown(expression: str) -> str:
    """The expression as quoted in a message: cut short, so a message stays one short line."""
    text = " ".join(expression.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")


class _Reader:
    def __init__(self, shown: str) -> None:
        self.shown = shown

    def fail(self, problem: str) -> UsageError:
        return UsageError(f"cannot read {self.shown}: {problem}")

    def node(self, n: ast.expr, depth: int) -> Node:
        if depth > 4 * MAX_LENGTH:  # pragma: no cover - the length bound comes first
            raise self.fail("too deeply nested")
        if isinstance(n, ast.Constant):
            return self.number(n)
        if isinstance(n, ast.Name):
            return self.name(n.id)
        if isinstance(n, ast.UnaryOp):
            arg = self.node(n.operand, depth + 1)
            if isinstance(n.op, ast.USub):
                return Neg(arg)
            if isinstance(n.op, ast.UAdd):
                return arg
            raise self.fail(f"{_OPERATOR_NAMES.get(type(n.op), 'this operator')} is not allowed; "
                            + _HELP)
        if isinstance(n, ast.BinOp):
            op = _BINARY.get(type(n.op))
            if op is None:
                name = _OPERATOR_NAMES.get(type(n.op), "this operator")
                raise self.fail(f"{name} is not allowed; {_HELP}")
            left, right = self.node(n.left, depth + 1), self.node(n.right, depth + 1)
            if op == "**":
                self.check_power(left, right)
                return Pow(left, right)
            return Bin(op, left, right)
        if isinstance(n, ast.Call):
            return self.call(n, depth)
        if isinstance(n, ast.Attribute):
            raise self.fail(f"'.{n.attr}' (attribute access) is not allowed; {_HELP}")
        kind = _NODE_NAMES.get(type(n), "this construct")
        raise self.fail(f"{kind} is not allowed; {_HELP}")

    def number(self, n: ast.Constant) -> Num:
        value = n.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{value!r} is not a number or a variable; {_HELP}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail("a number is too large")
        text = repr(value) if isinstance(value, float) else str(value)
        digits = sum(c.isdigit() for c in text.partition("e")[0])
        if digits > MAX_NUMBER_DIGITS:
            raise self.fail(f"a number has {digits} digits; the limit is {MAX_NUMBER_DIGITS}")
        if isinstance(value, float) and abs(math.frexp(value)[1]) > 1100:
            raise self.fail("a number is out of range")  # pragma: no cover - caught as inf
        return Num(text)

    def name(self, name: str) -> Var:
        if name in FUNCTIONS or name == "max":
            raise self.fail(f"{name} needs an argument: {name}(...)")
        if not _NAME.match(name):
            raise self.fail(
                f"{name!r} is not a variable name (letters, digits and _, starting with a letter)"
            )
        return Var(name)

    def call(self, n: ast.Call, depth: int) -> Call:
        if not isinstance(n.func, ast.Name):
            if isinstance(n.func, ast.Attribute):
                raise self.fail(f"'.{n.func.attr}' (attribute access) is not allowed; {_HELP}")
            raise self.fail(f"only the functions can be called, by name; {_HELP}")
        name = n.func.id
        if name not in FUNCTIONS and name != "max":
            raise self.fail(f"unknown function {name!r}; {_HELP}")
        if n.keywords:
            raise self.fail(f"{name}(...) takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in n.args):
            raise self.fail(f"{name}(...) takes no *arguments")
        if name == "max":
            args = [self.node(a, depth + 1) for a in n.args]
            zero = [a for a in args if isinstance(a, Num) and a.value == 0]
            if len(args) != 2 or not zero:
                raise self.fail(
                    "max takes 0 and one expression, max(0, u) (that is relu(u)); "
                    f"got {len(args)} argument(s)" + ("" if len(args) != 2 else " and no 0")
                )
            other = args[1] if args[0] is zero[0] else args[0]
            return Call("max", other)
        if len(n.args) != 1:
            raise self.fail(f"{name} takes one argument, {name}(u); got {len(n.args)}")
        return Call(name, self.node(n.args[0], depth + 1))

    def check_power(self, base: Node, exponent: Node) -> None:
        value = constant_value(exponent)
        base_value = constant_value(base)
        if value is None or value.denominator != 1:
            if base_value is not None and base_value <= 0:
                number = f"({base_value})" if base_value < 0 else str(base_value)
                raise self.fail(
                    f"{number}^u is not a real function of u; a number raised to a "
                    "non-integer or variable power must be > 0"
                )
        if value is None:
            return
        if abs(value) > MAX_EXPONENT:
            raise self.fail(f"an exponent is {_size(value)}; the limit is {MAX_EXPONENT}")
        if base_value is not None and base_value != 0:
            digits = abs(float(value)) * abs(math.log10(abs(float(base_value))))
            if digits > MAX_CONSTANT_DIGITS:
                raise self.fail(
                    f"a power of numbers would have about {digits:.0f} digits; "
                    f"the limit is {MAX_CONSTANT_DIGITS}"
                )
        if base_value == 0 and value < 0:
            raise self.fail("it is undefined (0 to a negative power)")


def _size(value: Fraction) -> str:
    text = str(value)
    return text if len(text) <= 20 else f"about 10^{math.log10(abs(value)):.0f}"


def constant_value(node: Node) -> Fraction | None:
    """The exact value of a tree made of numbers only (None if it has a variable or a function,
    or is undefined). Exponents were bounded when read, so this is always quick."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        inner = constant_value(node.arg)
        return None if inner is None else -inner
    if isinstance(node, Bin):
        left, right = constant_value(node.left), constant_value(node.right)
        if left is None or right is None:
            return None
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return None if right == 0 else left / right
    if isinstance(node, Pow):
        base, exponent = constant_value(node.base), constant_value(node.exp)
        if base is None or exponent is None or exponent.denominator != 1:
            return None
        if base == 0 and exponent < 0:
            return None
        return base ** int(exponent)
    return None


_BINARY: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_OPERATOR_NAMES: dict[type, str] = {
    ast.FloorDiv: "'//'",
    ast.Mod: "'%'",
    ast.MatMult: "'@'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitOr: "'|'",
    ast.BitAnd: "'&'",
    ast.BitXor: "'^'",
    ast.Invert: "'~'",
    ast.Not: "'not'",
}
_NODE_NAMES: dict[type, str] = {
    ast.Tuple: "a tuple (a comma outside a function call)",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.Subscript: "indexing with [ ]",
    ast.Lambda: "lambda",
    ast.IfExp: "'if'",
    ast.NamedExpr: "':='",
    ast.List: "a list",
    ast.GeneratorExp: "a generator",
}


# ---------------------------------------------------------------------------------------------
# To sympy (built from the tree: no text is parsed)


_CUSTOM: dict[str, Any] = {}


def functions() -> dict[str, Any]:
    """The sympy functions ``sigmoid`` and ``relu`` (built once), with their derivatives."""
    if _CUSTOM:
        return _CUSTOM
    sp = sympy()
    base: Any = sp.Function

    class sigmoid(base):  # type: ignore[misc]  # noqa: N801 - the name users type
        """sigmoid(u) = 1 / (1 + exp(-u)); its derivative is sigmoid(u) (1 - sigmoid(u))."""

        def fdiff(self, argindex: int = 1) -> Any:
            s = sigmoid(self.args[0])
            return s * (1 - s)

        def _latex(self, printer: Any, exp: Any = None) -> str:
            out = rf"\sigma\left({printer._print(self.args[0])}\right)"
            return f"{out}^{{{exp}}}" if exp is not None else out

        def _eval_rewrite_as_exp(self, u: Any, **kwargs: Any) -> Any:
            return 1 / (1 + sp.exp(-u))

    class relu(base):  # type: ignore[misc]  # noqa: N801
        """relu(u) = max(0, u); its derivative is 1 for u > 0, else 0 (the left slope at 0)."""

        def fdiff(self, argindex: int = 1) -> Any:
            u = self.args[0]
            return sp.Piecewise((1, u > 0), (0, True))

        def _latex(self, printer: Any, exp: Any = None) -> str:
            out = rf"\operatorname{{relu}}\left({printer._print(self.args[0])}\right)"
            return f"{out}^{{{exp}}}" if exp is not None else out

        def _eval_rewrite_as_Piecewise(self, u: Any, **kwargs: Any) -> Any:
            return sp.Piecewise((u, u > 0), (0, True))

    _CUSTOM.update(sigmoid=sigmoid, relu=relu)
    return _CUSTOM


def sympy() -> Any:
    """The sympy module, or MissingDependencyError saying how to install it."""
    from chainrule.core.optional import optional_import

    return optional_import("sympy", "differentiating step by step needs")


def to_sympy(node: Node, *, evaluate: bool = True) -> Any:
    """The sympy expression of ``node`` (variables are real symbols; sigmoid and relu are
    :func:`chainrule.explain.diff.functions`)."""
    sp = sympy()
    custom = functions()
    calls: dict[str, Any] = {
        "exp": sp.exp,
        "log": sp.log,
        "sqrt": sp.sqrt,
        "tanh": sp.tanh,
        "sin": sp.sin,
        "cos": sp.cos,
        "abs": sp.Abs,
        "sigmoid": custom["sigmoid"],
        "relu": custom["relu"],
    }

    def build(n: Node) -> Any:
        if isinstance(n, Num):
            if "." in n.text or "e" in n.text:
                return sp.Float(n.text)
            return sp.Integer(int(n.text))
        if isinstance(n, Var):
            if n.name == "e":
                return sp.E
            if n.name == "pi":
                return sp.pi
            return sp.Symbol(n.name, real=True)
        if isinstance(n, Neg):
            return sp.Mul(sp.Integer(-1), build(n.arg), evaluate=evaluate)
        if isinstance(n, Bin):
            left, right = build(n.left), build(n.right)
            if n.op == "+":
                return sp.Add(left, right, evaluate=evaluate)
            if n.op == "-":
                return sp.Add(left, sp.Mul(-1, right, evaluate=evaluate), evaluate=evaluate)
            if n.op == "*":
                return sp.Mul(left, right, evaluate=evaluate)
            return sp.Mul(left, sp.Pow(right, -1, evaluate=evaluate), evaluate=evaluate)
        if isinstance(n, Pow):
            return sp.Pow(build(n.base), build(n.exp), evaluate=evaluate)
        if n.function == "sqrt":
            return sp.Pow(build(n.arg), sp.Rational(1, 2), evaluate=evaluate)
        return calls[n.function](build(n.arg), evaluate=evaluate)

    return build(node)
