"""Gradients as closed-form functions of the weights, with sympy: "insert the dependency".

The handout ends its first derivation by writing the gradient as a function of the weight alone
(``dC/dw_jk = a_j · 2((a_j · w_jk) - y) = 2 w_jk - 2``). :func:`weight_dependency` does that for
any small network: the weights become symbols, the inputs, targets and biases stay numbers, the
network's formula is built from the math table's sympy templates, and sympy differentiates it.

Where every unit is piecewise linear (identity, ReLU, leaky ReLU) and the cost a square of
``a - y`` (the math table's templates say so), the cost is a polynomial in the weights with
exact rational coefficients: :func:`weight_dependency` then builds, differentiates and prints
it itself (:class:`_Polynomial`), in exactly the form sympy prints, without importing sympy
(a third of a second at start-up, most of ``chainrule solve exercise-2``). A test compares the
two on random networks.

A ReLU (or leaky ReLU) is piecewise. As in the handout ("as long as the output is greater than
zero"), each one is taken on the piece it is on at the current weights, which the Trace says
(its ``z``), so the closed form holds near the current weights. sympy comes with the plain
install.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from chainrule.core import mathtable
from chainrule.core.errors import UsageError
from chainrule.core.network import Network, WeightKey
from chainrule.core.optional import available as optional_available
from chainrule.core.optional import optional_import
from chainrule.core.trace import Step

MAX_WEIGHTS = 6
"""Networks with at most this many weights get the closed-form section."""
DIGITS = 6
"""Significant digits of the numbers inside a closed form."""
MAX_LENGTH = 240
"""A closed form longer than this (as plain text) is shown with the other weights fixed."""
SHORT = 90
"""A closed form longer than this (as plain text) is left out of a worked solution: a student
reads the chain rule's lines more easily than a wall of nested exponentials."""


@dataclass(frozen=True)
class Dependency:
    """One weight's gradient as a function of the weights.

    ``text`` and ``latex`` are the closed form; ``variables`` the weights it is a function of
    (all of them, or only this one with the others at their current values); ``value`` the
    closed form evaluated at the current weights (sympy's number, to compare with the engine's).
    """

    key: WeightKey
    text: str
    latex: str
    variables: tuple[WeightKey, ...]
    value: float


def _sympy() -> Any:
    return optional_import("sympy", "closed-form gradients need")


def available() -> bool:
    """Whether sympy can be imported."""
    return optional_available("sympy")


def supported(network: Network) -> str | None:
    """None if :func:`weight_dependency` can handle ``network``, else why not (one phrase)."""
    if len(network.weights) > MAX_WEIGHTS:
        return f"it is shown for networks of at most {MAX_WEIGHTS} weights"
    for u in network.units:
        if not u.is_input and not u.function.sympy:
            return f"the {u.activation} activation has no closed form here"
    if not mathtable.COSTS[network.cost].sympy:
        return f"the {network.cost} cost has no closed form here"
    return None


def _number(sp: Any, x: float) -> Any:
    """An exact rational for a float as it prints (0.7 -> 7/10), so expand() stays clean."""
    return sp.Rational(repr(float(x)))


def weight_dependency(
    network: Network,
    step: Step,
    keys: Sequence[WeightKey],
    names: Mapping[WeightKey, tuple[str, str]],
) -> list[Dependency]:
    """dC/dw for each weight in ``keys`` as a closed-form function of the weights.

    Parameters
    ----------
    network : the network (structure, activations, cost).
    step : the step whose ``weights_before`` are the current weights, and whose samples' ``z``
        say which piece of each ReLU applies.
    keys : the weights to differentiate for.
    names : each weight's symbol as (plain text, LaTeX), used to print the closed forms.

    Raises
    ------
    UsageError
        if sympy is missing or the network is not supported (see :func:`supported`).
    """
    fast = _polynomial_dependency(network, step, keys, names)
    if fast is not None:
        return fast
    sp = _sympy()
    lay = step.layout
    symbols = {k: sp.Symbol(names[k][0], real=True) for k in lay.weight_keys}
    current = {
        symbols[k]: _number(sp, v)
        for k, v in zip(lay.weight_keys, step.weights_before, strict=True)
    }
    cost = cost_expression(network, step, symbols)
    out = []
    for key in keys:
        sym = symbols[key]
        grad = _tidy(sp, sp.diff(cost, sym), list(symbols.values()))
        variables = tuple(k for k in lay.weight_keys if grad.has(symbols[k]))
        if len(_text(sp, grad)) > MAX_LENGTH and len(variables) > 1:
            fixed = {s: v for s, v in current.items() if s is not sym}
            grad = _tidy(sp, sp.diff(cost.subs(fixed), sym), [sym])
            variables = (key,) if grad.has(sym) else ()
        value = float(grad.subs(current))
        latex = sp.latex(
            _floats(sp, grad),
            symbol_names={symbols[k]: names[k][1] for k in symbols},
            full_prec=False,
            mul_symbol="dot",
        )
        out.append(Dependency(key, _text(sp, grad), latex, variables, value))
    return out


def cost_expression(network: Network, step: Step, symbols: Mapping[WeightKey, Any]) -> Any:
    """The step's (mean) cost as a sympy expression of the weight ``symbols``; inputs, targets
    and biases are exact numbers, each ReLU on the piece it is on at the step's weights.

    Raises UsageError if sympy is missing or the network is not supported."""
    sp = _sympy()
    why = supported(network)
    if why:
        raise UsageError(f"no closed-form gradients for this network: {why}")
    lay = step.layout
    biases = dict(zip(lay.bias_units, step.biases_before, strict=True))
    z_sym, a_sym, y_sym, k_sym, p_sym = sp.symbols("Z_ A_ Y_ K_ P_")
    cost_entry = mathtable.COSTS[network.cost]
    cost_term = sp.sympify(mathtable.fill(cost_entry.sympy, a="A_", y="Y_", K="K_"))
    total = sp.Integer(0)
    for sample in step.samples:
        a: dict[str, Any] = {}
        for name in network.order:
            unit = network.unit[name]
            if unit.is_input:
                a[name] = _number(sp, sample.inputs[name])
                continue
            z = sum(
                (a[src] * symbols[(src, dst)] for src, dst in lay.weight_keys if dst == name),
                sp.Integer(0),
            )
            if name in biases:
                z += _number(sp, biases[name])
            g = sp.sympify(mathtable.fill(unit.function.sympy, z="Z_", p="P_"))
            if isinstance(g, sp.Piecewise):
                # the piece the unit is on at the current weights, by the Trace's z
                z_now = _number(sp, sample.z[lay.index[name]])
                g = next(e for e, cond in g.args if bool(cond.subs(z_sym, z_now)))
            param = unit.parameter if unit.parameter is not None else 0.0
            a[name] = g.subs({p_sym: _number(sp, param)}).subs(z_sym, z)
        n_out = sp.Integer(len(network.outputs))
        for k in network.outputs:
            total += cost_term.subs(
                {a_sym: a[k], y_sym: _number(sp, sample.targets[k]), k_sym: n_out}
            )
    return total / len(step.samples)


def _tidy(sp: Any, expr: Any, symbols: list[Any]) -> Any:
    """Expand polynomials (2 w - 2, as the handout writes it); leave the rest as built."""
    if expr.is_polynomial(*symbols):
        return sp.expand(expr)
    return expr


def _floats(sp: Any, expr: Any) -> Any:
    """Exact numbers back to short decimals for printing (49/50 -> 0.98, 6 significant digits)."""
    swap = {r: sp.Float(r, DIGITS) for r in expr.atoms(sp.Rational) if not r.is_Integer}
    swap.update({f: sp.Float(f, DIGITS) for f in expr.atoms(sp.Float)})
    return expr.xreplace(swap)


def _text(sp: Any, expr: Any) -> str:
    text = str(sp.sstr(_floats(sp, expr), full_prec=False))
    return text.replace("**", "^").replace("*", "·")


# ---------------------------------------------------------------------------------------------
# Polynomial networks without sympy: the same closed forms, printed as sympy prints them

Monomial = tuple[int, ...]
"""The power of each weight, in the layout's weight order."""

_LINEAR = {"$z": "identity", "Piecewise(($z, $z > 0), (0, True))": "relu",
           "Piecewise(($z, $z > 0), ($p*($z), True))": "leaky"}
"""The math table's sympy templates of the piecewise-linear activations."""
_SQUARES = {"($a - $y)**2": "one", "($a - $y)**2/2": "half", "($a - $y)**2/$K": "per_output"}
"""... and of the costs that are a square of a - y (times a constant)."""


class _Polynomial:
    """A polynomial in the weights with exact coefficients: {monomial: coefficient}."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Monomial, Fraction]) -> None:
        self.terms = {m: c for m, c in terms.items() if c}

    @staticmethod
    def constant(value: Fraction, n: int) -> _Polynomial:
        return _Polynomial({(0,) * n: value})

    @staticmethod
    def variable(i: int, n: int) -> _Polynomial:
        return _Polynomial({tuple(1 if j == i else 0 for j in range(n)): Fraction(1)})

    def __add__(self, other: _Polynomial) -> _Polynomial:
        out = dict(self.terms)
        for m, c in other.terms.items():
            out[m] = out.get(m, Fraction(0)) + c
        return _Polynomial(out)

    def __mul__(self, other: _Polynomial) -> _Polynomial:
        out: dict[Monomial, Fraction] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                m = tuple(a + b for a, b in zip(m1, m2, strict=True))
                out[m] = out.get(m, Fraction(0)) + c1 * c2
        return _Polynomial(out)

    def scaled(self, factor: Fraction) -> _Polynomial:
        return _Polynomial({m: c * factor for m, c in self.terms.items()})

    def derivative(self, i: int) -> _Polynomial:
        out: dict[Monomial, Fraction] = {}
        for m, c in self.terms.items():
            if m[i]:
                d = m[:i] + (m[i] - 1,) + m[i + 1:]
                out[d] = out.get(d, Fraction(0)) + c * m[i]
        return _Polynomial(out)

    def fixed(self, keep: int, values: Sequence[Fraction]) -> _Polynomial:
        """Every weight but ``keep`` put in at its value."""
        out: dict[Monomial, Fraction] = {}
        for m, c in self.terms.items():
            factor = c
            for j, power in enumerate(m):
                if j != keep and power:
                    factor *= values[j] ** power
            d = tuple(power if j == keep else 0 for j, power in enumerate(m))
            out[d] = out.get(d, Fraction(0)) + factor
        return _Polynomial(out)

    def at(self, values: Sequence[Fraction]) -> Fraction:
        total = Fraction(0)
        for m, c in self.terms.items():
            term = c
            for v, power in zip(values, m, strict=True):
                if power:
                    term *= v**power
            total += term
        return total

    def uses(self, i: int) -> bool:
        return any(m[i] for m in self.terms)


def _exact(x: float) -> Fraction:
    """A float as it prints (0.7 -> 7/10), as the sympy path's ``_number``."""
    return Fraction(repr(float(x)))


def _polynomial_cost(network: Network, step: Step, n: int) -> _Polynomial | None:
    """The step's mean cost as a polynomial in the layout's weights, or None when the network
    is not piecewise linear with a squared cost (then sympy builds it)."""
    if supported(network) is not None:
        return None
    square = _SQUARES.get(mathtable.COSTS[network.cost].sympy)
    if square is None:
        return None
    lay = step.layout
    kinds = {}
    for u in network.units:
        if not u.is_input:
            kind = _LINEAR.get(u.function.sympy)
            if kind is None:
                return None
            kinds[u.name] = kind
    index = {k: i for i, k in enumerate(lay.weight_keys)}
    into: dict[str, list[tuple[str, int]]] = {}
    for src, dst in lay.weight_keys:
        into.setdefault(dst, []).append((src, index[(src, dst)]))
    biases = dict(zip(lay.bias_units, step.biases_before, strict=True))
    weights = [_Polynomial.variable(i, n) for i in range(n)]
    factor = {"one": Fraction(1), "half": Fraction(1, 2),
              "per_output": Fraction(1, len(network.outputs))}[square]
    total = _Polynomial({})
    for sample in step.samples:
        a: dict[str, _Polynomial] = {}
        for name in network.order:
            unit = network.unit[name]
            if unit.is_input:
                a[name] = _Polynomial.constant(_exact(sample.inputs[name]), n)
                continue
            z = _Polynomial({})
            for src, i in into.get(name, []):
                z = z + a[src] * weights[i]
            if name in biases:
                z = z + _Polynomial.constant(_exact(biases[name]), n)
            kind = kinds[name]
            # a ReLU on the piece it is on at the current weights, by the Trace's z
            if kind != "identity" and not _exact(sample.z[lay.index[name]]) > 0:
                z = _Polynomial({}) if kind == "relu" else z.scaled(_exact(unit.parameter or 0.0))
            a[name] = z
        for k in network.outputs:
            error = a[k] + _Polynomial.constant(-_exact(sample.targets[k]), n)
            total = total + (error * error).scaled(factor)
    return total.scaled(Fraction(1, len(step.samples)))


def _polynomial_dependency(
    network: Network,
    step: Step,
    keys: Sequence[WeightKey],
    names: Mapping[WeightKey, tuple[str, str]],
) -> list[Dependency] | None:
    """:func:`weight_dependency` for polynomial networks without sympy; None where it does not
    apply (or a number would print in sympy's exponent form): then sympy does it."""
    lay = step.layout
    n = len(lay.weight_keys)
    if len({names[k][0] for k in lay.weight_keys}) != n:
        return None  # two weights printed alike would be one sympy symbol
    cost = _polynomial_cost(network, step, n)
    if cost is None:
        return None
    current = [_exact(v) for v in step.weights_before]
    index = {k: i for i, k in enumerate(lay.weight_keys)}
    out = []
    for key in keys:
        i = index[key]
        grad = cost.derivative(i)
        variables = tuple(k for k in lay.weight_keys if grad.uses(index[k]))
        text = _print(grad, lay.weight_keys, names, latex=False)
        if len(text) > MAX_LENGTH and len(variables) > 1:
            grad = cost.fixed(i, current).derivative(i)
            variables = (key,) if grad.uses(i) else ()
            text = _print(grad, lay.weight_keys, names, latex=False)
        latex = _print(grad, lay.weight_keys, names, latex=True)
        out.append(Dependency(key, text, latex, variables, float(grad.at(current))))
    return out


def _print(poly: _Polynomial, keys: Sequence[WeightKey],
           names: Mapping[WeightKey, tuple[str, str]], latex: bool) -> str:
    """The polynomial as ``_text`` (sympy's ``sstr``, ``^`` and ``·``) or sympy's ``latex(...,
    mul_symbol="dot")`` print it after ``_floats``."""
    if not poly.terms:
        return "0"
    # sympy orders its symbols by name and the terms by descending lex order of their powers
    order = sorted(range(len(keys)), key=lambda j: names[keys[j]][0])
    terms = sorted(poly.terms.items(), key=lambda t: tuple(t[0][j] for j in order),
                   reverse=True)
    if len(terms) == 2:
        # sympy's one exception: a positive number and a negative number times one power
        # print with the number first (1 - 2*w)
        (m1, c1), (m2, c2) = terms
        if not any(m2) and c2 > 0 and c1 < 0 and sum(1 for p in m1 if p) == 1:
            terms = [terms[1], terms[0]]
    pieces: list[str] = []
    for position, (monomial, coefficient) in enumerate(terms):
        number = _number_text(abs(coefficient), latex)
        factors = []
        for j in order:
            power = monomial[j]
            if not power:
                continue
            name = names[keys[j]][1 if latex else 0]
            if power == 1:
                factors.append(name)
            elif latex:
                base = rf"\left({name}\right)" if "^" in name else name
                factors.append(f"{base}^{{{power}}}")
            else:
                factors.append(f"{name}**{power}")
        if factors and number == "1":
            body_parts = factors
        else:
            body_parts = [number, *factors]
        body = (r" \cdot " if latex else "*").join(body_parts)
        negative = coefficient < 0
        if position == 0:
            pieces.append((("- " if factors else "-") if latex else "-") + body
                          if negative else body)
        else:
            pieces.append((" - " if negative else " + ") + body)
    text = "".join(pieces)
    if latex:
        return text
    return text.replace("**", "^").replace("*", "·")


def _number_text(value: Fraction, latex: bool = False) -> str:
    """A non-negative coefficient as sympy prints it after ``_floats``: a whole number as it
    is, any other as a Float of :data:`DIGITS` digits (23 bits, then rounded half up to 6
    significant digits, trailing zeros stripped; ``2.5e-5``, in LaTeX ``2.5 \\cdot 10^{-5}``,
    outside 1e-5 .. 1e6)."""
    if value.denominator == 1:
        return str(value.numerator)
    # Float(r, 6): r rounded to the nearest number of 23 significant bits (ties to even)
    bits = 23
    exponent = value.numerator.bit_length() - value.denominator.bit_length()
    if Fraction(2) ** exponent > value:
        exponent -= 1
    shift = bits - 1 - exponent
    scaled = value * Fraction(2) ** shift
    mantissa = round(scaled)  # Fraction rounds half to even
    binary = Fraction(mantissa) / Fraction(2) ** shift
    # to 6 significant digits, half up, from its exact decimal digits
    ten = 0
    while Fraction(10) ** ten <= binary:
        ten += 1
    while Fraction(10) ** (ten - 1) > binary:
        ten -= 1
    lead = ten - 1  # binary = d.ddd x 10^lead
    digits = int(binary * Fraction(10) ** (DIGITS - 1 - lead) + Fraction(1, 2))
    if digits >= 10**DIGITS:
        digits //= 10
        lead += 1
    text = str(digits)
    if not -5 < lead < DIGITS:
        shown = f"{text[0]}.{text[1:].rstrip('0') or '0'}"
        if latex:
            return rf"{shown} \cdot 10^{{{lead}}}"
        return f"{shown}e{'+' if lead >= 0 else ''}{lead}"
    if lead < 0:
        text = "0" * (-lead) + text
        split = 1
    else:
        split = lead + 1
    whole, frac = text[:split], text[split:].rstrip("0")
    return f"{whole}.{frac or '0'}"
