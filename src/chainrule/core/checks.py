"""Checking the arguments of library functions where they enter: whole numbers and real
numbers, NumPy scalars included, booleans refused; each problem a UsageError naming the
parameter."""

from __future__ import annotations

import math
import numbers
import operator

from chainrule.core.errors import UsageError


def count(value: object, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (Python or NumPy integers; not bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"`{name}` must be a whole number >= {minimum}, got {_show(value)}")
    number = operator.index(value)
    if number < minimum:
        raise UsageError(f"`{name}` must be a whole number >= {minimum}, got {number}")
    return number


def positive_number(value: object, name: str) -> float:
    """``value`` as a finite float > 0 (Python or NumPy reals; not bool)."""
    number = real(value, name, "a finite number > 0")
    if not number > 0:
        raise UsageError(f"`{name}` must be a finite number > 0, got {number!r}")
    return number


def real(value: object, name: str, valid: str = "a finite number") -> float:
    """``value`` as a finite float (Python or NumPy reals; not bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(f"`{name}` must be {valid}, got {_show(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise UsageError(f"`{name}` must be {valid}, got {number!r}")
    return number


def _show(value: object) -> str:
    if value is None:
        return "None"
    return f"{type(value).__name__} {value!r}"[:80]
